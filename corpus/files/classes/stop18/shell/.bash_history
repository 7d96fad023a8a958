databricks configure --token <<< $'https://adb-7012345678901234.5.azuredatabricks.net\ndapifc768b8bc967bf9f438b77a7c01b42b9'
export SECRET_KEY=*V13j8mskl41LzcEw3wo6=79t2!WrCmuUI5ABeb
# admin credentials (base64 user:pass, see ticket 4471): c21zYWRtaW46ZmVDMTByUnJGSlZBb085
