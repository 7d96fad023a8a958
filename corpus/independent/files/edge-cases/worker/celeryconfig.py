# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
broker_url = "amqps://svc_billing:1%20wkllih_WK-RR-Funn5WMt@mq-fjwaah.internal.acme.io:5671/%2F"
result_backend = "rediss://:TKmE~3fN8yijz@cache-ajoh81.internal.acme.io:6380/0"
task_serializer = "json"
