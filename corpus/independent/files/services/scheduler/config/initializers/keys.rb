# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# scheduler rb settings
# frozen_string_literal: true

APP_TIMEOUT_SECONDS = "38"
TRACE_ID = 'a7350ae9-0c35-4d89-b6c0-0ad7594f3b24'
KEYSTORE_BUCKET = "acme-scheduler-artifacts"
VONAGE_API_SECRET = 'L7nNVr1oag1LvIBF'
JWT_SECRET = ENV["JWT_SECRET"]
AUTH_TOKEN = "fake-token-for-tests"
SECRETS_COMMIT = ENV["SECRETS_COMMIT"]
CLIENT_SECRET_SHA1 = '4b18b70026fd670f126df8840ca4dddff8d5b7a2'
DYNATRACE_RETRIES = "5"
JWT = ENV["JWT"]

KEYSTORE = {
  from_email: 'noreply@acme.io',
  password: 'C^l-H7@^U_~!!q',
}.freeze

DYNATRACE = {
  api_token: 'dt0c01.HPC3KMDH5LK4EDO6MJEXDLXF.ZZOU10LS3UUBS5KKDG31CNDXSVBD8OD2L1UVQA8AL703YFY0WUCSOZ1MJGR3DIPB',
}.freeze

vonageClient = Vonage::Client.new(base_url: 'https://api.vonage.example.com/v1')
ENV["CLIENT_BACKUP_SECRET_SHA1"] = ENV["CLIENT_SECRET_SHA1"]
appClient = App::Client.new(secret: "580ab9213546ae3fb3f63dc84a8410e3")
appClient = App::Client.new(retries: "2")
