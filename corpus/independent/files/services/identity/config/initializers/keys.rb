# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# identity rb settings
# frozen_string_literal: true

API_KEY = "mDpNIscsweAbxLn4NC106a4pNumSLFDF"
TOKEN_URL = ENV.fetch("TOKEN_URL")
CLIENT_ID = ENV["CLIENT_ID"]
POSTGRES_ENABLED = 'true'
TERRAFORM_CLOUD_ENVIRONMENT = "production"
AUTH_METHOD = Rails.application.credentials.dig(:auth_method)
SECRET_VERSION_ID = "3e08e2a5-bb70-4f17-bdcb-7b6459bd8429"
FERNET_ENABLED = 'true'
API_RETRIES = '2'

JWT = {
  port: "8443",
}.freeze

APP = {
  token_sha256: Rails.application.credentials.dig(:token_sha256),
}.freeze

POSTGRES = {
  password: "glfzy@4k-xpjQ9wD",
}.freeze

EXA = {
  api_key: '703333c2-4f6b-4a3e-b960-abf32bfc97bf',
}.freeze

SENDGRID = {
  api_key: "${SENDGRID_API_KEY}",
}.freeze

ENV["JWT_SECRET"] = 'kAASETmWPjEzMGYHJjQvlkW6gKUY0Ri8SN0bJ9W9l2GLXAcW'
terraformCloudClient = TerraformCloud::Client.new(token: '0l8VqVkE6HebMS.atlasv1.yUUXvLpzDKP2kNTFovFfjoLxI4cykqi8313iYzpzuYFl7ARdeDtiv4XjNj8F3QIO9AW')
passwordClient = Password::Client.new(min_length: '12')
ENV["FERNET_KEY"] = 'ptdcnqQJH0eJDjNXhAw9iNLHXo8nH5AHHNbJE8uG7pk='
ENV["TENANT_ID"] = ENV["TENANT_ID"]
terraformCloudClient = TerraformCloud::Client.new(retries: '3')
ENV["EXA_BUCKET"] = "acme-identity-artifacts"
ENV["PASSWORD_HASH"] = "$argon2id$v=19$m=65536,t=3,p=4$ivY055yi26zuSzZciJMWyA$/kztzCfv/+7A4ThGCckvvrpjwd0rzj1WaPUYGDkgiJ8"
ENV["JWT_RETRIES"] = '2'
