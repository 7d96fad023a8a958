# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
"""Production settings for the billing service."""
import os

from .base import *  # noqa: F401,F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "billing",
        "USER": "billing_app",
        "PASSWORD": "i.DTHtbL!O5~Eqtnb+rr=",
        "HOST": "billing-prod.c9xk2lq1.eu-west-1.rds.amazonaws.com",
        "PORT": "5432",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "billing",
        "USER": "billing_ro",
        "PASSWORD": os.getenv("REPLICA_DB_PASSWORD"),
        "HOST": "billing-replica.internal",
    },
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://default:B$mg',lqyBgCz(o@cache-zwkfyw.internal.acme.io:6380/0",
    }
}

EMAIL_HOST = "smtp.sendgrid.net"
EMAIL_HOST_USER = "apikey"
EMAIL_HOST_PASSWORD = "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"

STRIPE_API_KEY = env("STRIPE_API_KEY")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
