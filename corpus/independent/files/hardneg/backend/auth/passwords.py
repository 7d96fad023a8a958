# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import os
import secrets
from hmac import compare_digest

def hash_password(password: str) -> str:
def verify_password(password: str, password_hash: str) -> bool:
PASSWORD_MIN_LENGTH = 12
token = secrets.token_urlsafe(32)
api_key = request.headers.get("X-API-Key")
password = form.cleaned_data["password"]
secret = os.environ["APP_SECRET"]
client_secret = settings.OAUTH_CLIENT_SECRET
new_token = generate_api_key(prefix="acme_")
if not compare_digest(token_hash, stored_hash):
raise InvalidPasswordError("password too short")
password_reset_token = PasswordResetTokenGenerator().make_token(user)
