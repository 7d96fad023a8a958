# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
from elasticsearch import Elasticsearch
import requests

es = Elasticsearch("https://acme.es.eu-west-1.aws.found.io:443", api_key="MG9vY2lRaVVvRFpab2JmZlBhN2Q6RktQNlFoQTJnVmtGenA0TXdvSDJtQQ==")
r = requests.get("https://legacy.acme.io/api", headers={"Authorization": "Basic cmVwb3J0ZXI6RmFsY29uYmVhY29uOCo="})
