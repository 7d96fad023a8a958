#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
set -euo pipefail

echo "==> migrating"
psql "postgresql://default:2r+_D11%40,.wk3@orders-prod.c82yffw.eu-west-1.rds.amazonaws.com:5432/ledger" -c "select 1"
mysql -h legacy-db.internal -u admin -p'IKVQ^t^dY~Ze@doXX-TXQ#5' legacy_billing < sql/cleanup.sql
redis-cli -h cache.internal -a Jasper-Lagoon-Maple-Ember-3341 FLUSHDB

echo "==> smoke test"
curl -fsS -u "ops:Gazelle-Yonder-Indigo-2237" https://billing.acme.io/health/deep
curl -fsS -H "Authorization: Bearer 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" https://api.github.com/repos/acme/billing-api/deployments

docker login -u ci-bot -p Cedar.Quiver.Walnut.3925 registry.acme.io
aws configure set aws_secret_access_key AC3XHwzdiPscBZMpqzFeiIYCAknHfhW7D+DqZA0A --profile billing-deploy
gh auth login --with-token <<< "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"
kubectl create secret generic billing-db --from-literal=password=Beacon-Granite-Oyster-Falcon-5259 --dry-run=client -o yaml | kubectl apply -f -
vault login token=hvs.CAESIbgutMmCrjtjBp1AoZ48BTI7ucKSKUlG9HWHon2rLNQTLhkwf_Qs6gUafKxU9rUNPE7anZgcanFKCIzpKcTBolL

# the next lines read secrets from the environment (fine)
mysql -u admin --password="$DB_PASSWORD" -e 'show databases'
curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com/user
read -r -s -p "Password: " PASSWORD
