# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# telemetry py settings
import os

from acme_clients import *  # noqa

SMTP_RETRIES = '4'
MAX_TOKENS = os.environ.get("MAX_TOKENS", "")
LDAP_BIND_PASSWORD = 'eB*5qIMPi8-ie!lJ#L'
PASSWD = "x@_w6yO!@4@m4.#ns-09N"
SLACK_BASE_URL = "https://api.slack.example.com/v1"
POSTMAN_PORT = '5432'

APP = {
    "base_url": 'https://api.acme.example.com/v1',
    "trace_id": "2f360e93-6e9a-4c6c-aa9c-8a48a97f4770",
    "backup_legacy_config_sha": "20d7d327b6661a00207a5c9c550e3d63efc13e1e",
    "config_sha": "03c8f95feb7c1bcc661f7afb1c2dda4f764979ad",
}

azureClient = AzureClient(storage_account_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
os.environ["POSTMAN_API_KEY"] = 'PMAK-24c119b3a3d4caa89d7da449-f73746ceb1f23cd3863b5e5f3fc87380e7'
azureClient = AzureClient(host="telemetry.internal.acme.io")
os.environ["SMTP_URL"] = "smtps://postmaster%40mg.acme.io:2D%20Bw3hO.,dX3_@smtp.mailgun.org:465"
os.environ["LEGACY_CONFIG_SHA"] = '32e0a0b5d6afcd70118e1cf8635dc5a50f338827'
smtpClient = SmtpClient(region="us-east-1")
azureClient = AzureClient(storage_key="gj3xLr6AK/ENPZfnAKcfYYALBvvIk94zSuPCcyI2ZcWno5/3T+GxUKddipOk3JKH3OKXK5f/4Bv3dXweqEuNzA==")
os.environ["POSTMAN_LOG_LEVEL"] = "warn"
os.environ["MSSQL_SA_PASSWORD"] = 'Wombat.Zephyr.Nimbus.Orbit.2350'
os.environ["SLACK_APP_TOKEN"] = 'xapp-1-A6ZSDAEV1UA-3777469079723-aebc4c92496a3e944365a1edc181f7e7daf2dd32e2c4546c04c6c992f3cc5959'
