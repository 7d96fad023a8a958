trino --server https://trino.data.example:8443 --user maya --password <<< 'Harvest.Mosaic.0657'
echo 'datadog api key is f3f3f9b87ba01abe42d5641731034782 and app key 866a8da45c59953ff1f47f256816d4cc72c23d8b for the staging org'
wandb login 7bae74d4dcb92ce04523bbbcd9e6904b86749095
net ads join -U Administrator%Walrus12Saucer=
echo 'the cache key 8bd65a26b134402d25a602398750a4a3 expired'
