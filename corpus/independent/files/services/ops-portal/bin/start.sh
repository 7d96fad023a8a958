#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# ops-portal sh settings
set -euo pipefail

export PLAID_BASE_URL='https://api.plaid.example.com/v1'
export REDIS_PASSWORD='${REDIS_PASSWORD}'
export PAGERDUTY_BUCKET='acme-ops-portal-artifacts'
export PRIVATE_KEY_PATH='/etc/ssl/private/server.key'
export VERCEL_ENABLED='true'
export TOKEN_ID='fddd7121-046a-4ac6-8b34-a5d8863dffe0'
export BUILD_SHA='afc19097046dce77aba47f828c65799f3e055b75'
export CLIENT_ID='95485b3e-8b38-48e8-8d60-80d8a3dcfd02'
export PAGERDUTY_TOKEN='y_ky41Jh92dFZy6L2RTj'
export MYSQL_LOG_LEVEL='warn'
export PAGERDUTY_POOL_SIZE='4'
export SLACK_TOKEN='xoxb-872044893783-3623206059749-LITZgukB43uwrVWAvKwfb6mw'
export KEY_ID='8e2434cb-2b75-44a1-8e2d-ce2763f67b35'
export BACKUP_REDIS_PASSWORD='xxxx-xxxx-xxxx-8653'
export VERCEL_ENVIRONMENT='production'
export WEBHOOK_SECRET=''

exec ./bin/ops-portal \
  --vercel-token 'WRgiz2wGJVNWbz9uoEYi9jQz' \
  --plaid-secret '44a5d380511aab506b7c8be5094f6e' \
  --mysql-root-password 'Sierrasummit72@' \
  --twitter-consumer-secret 'Cj1Y3XTetft6E6ySFfrW987W0IGs6KfZ8rpPrICARzwLUmu2hR'
