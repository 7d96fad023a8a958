# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# devportal py settings
import os

from acme_clients import *  # noqa

API_KEY = config("API_KEY")
SECRET_CHECKSUM = "4235f80351d77d395028baa08449f0c15f3065c1"
TOKEN_ROTATION_COMMIT = 'e9db4a0e9eb28a23843708363ec693b129395105'
TENANT_ID = 'c81c5a9d-041b-4f6e-8bc1-b39b1adaed72'
PASSWORD_HASH = config("PASSWORD_HASH")
STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]

AZURE = {
    "region": 'us-east-1',
}

DROPBOX = {
    "access_token": "sl.Bv4Em4FUFLJ1PU9Ph-7yaXPJseZ-9xYltZ-Vaub7QhTRr0Lg7vcYQUZOlpwjUm2O-WWtqrZTE9q2ue2O3rt6icBeDt4KJ8pgaecYde4SZeDHLtDiFODdT5j5TWhLznU1fdI-_yb",
}

APP = {
    "auth_method": "password",
}

lobClient = LobClient(api_key='live_bb8972eb3b746446703676d65772c15e9ce')
os.environ["AZURE_STORAGE_KEY"] = "DUemPsn2hYRWFnunEJTTvkhjgYVws+f2nQ8tWzBmfIEQot4WsKPyscjEkke7LiVPatQ48TLo3E82fOsBSxTKEA=="
