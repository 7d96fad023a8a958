# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import os

SECRET_KEY = "u+Hp7L3Lx4k6yZeUpT2kQphVqsshCZRZZvLX8W7iGU7g9nhCOs+oceP8Xa08t2bB"
SQLALCHEMY_DATABASE_URI = "postgresql://svc_billing:O*Ly0KCR)1~QJ@db-oyw14o.internal.acme.io:5432/ledger?sslmode=require"
MAPBOX_API_KEY = os.getenv("MAPBOX_API_KEY", "")
SMTP_PASSWORD = "Cactus-Voyage-Marlin-Granite-7269"
FEATURE_FLAGS = {"ALERT_REPORTS": True}
