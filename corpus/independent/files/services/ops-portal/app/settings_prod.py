# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# ops-portal py settings
import os

from acme_clients import *  # noqa

PASSWORD_HASH = os.environ["PASSWORD_HASH"]
MAILCHIMP_POOL_SIZE = '6'
DO_REGION = 'eu-west-1'
ENCRYPTION_RETRIES = '5'
SERVICE_ACCOUNT_PASSWORD = 'Granite-Bramble-Copper-Wombat-964'
SENTRY_TIMEOUT_SECONDS = "20"
SENTRY_TOKEN = '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'
DO_USERNAME = 'deploy'
KEYSTORE_PASSWORD = "Harvest-Sparrow-Hickory-Walnut-3286"
ALGOLIA_ADMIN_KEY = '9bfac5fbe3b54e1d0e3894ed1a395a3b'
DO_TOKEN = "dop_v1_97e533c284847260054047995ee1fa174cbca3350e2969992ac9c836615043e4"
SECRET_ARN = os.environ["SECRET_ARN"]
API_KEY_HASH = "d7dc8bd8e0a05a25a4f1b0765433076dc9e4052201eab5bec41f448a0ffef9d2"
KEYSTORE_USERNAME = "deploy"

SENTRY = {
    "host": "ops-portal.internal.acme.io",
}

APP = {
    "token_type": config("TOKEN_TYPE"),
    "key_id": os.getenv("KEY_ID"),
}

MAILCHIMP = {
    "api_key": '13c4ab3333e85da3f274b5f0e8e0c4d5-us14',
}

ALGOLIA = {
    "port": '6379',
}

SERVICE_ACCOUNT = {
    "log_level": "info",
}

mailchimpClient = MailchimpClient(username='deploy')
encryptionClient = EncryptionClient(key='19LAAkox7PxrKMMjwLaJNBGrXl9dX9UCGaIrgmRWptc=')
os.environ["KEY_VAULT_NAME"] = os.environ.get("KEY_VAULT_NAME", "")
os.environ["API_FALLBACK_KEY_HASH"] = "$2b$12$jNHL7gaHWonWV/jvoFQz91qJ31coj.sb2BxfnhRN4bYNXo6t/99Or"
os.environ["ENCRYPTION_ENABLED"] = 'true'
