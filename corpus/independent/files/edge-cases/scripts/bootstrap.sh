#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
set -euo pipefail
echo "{\"token\": \"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\", \"org\": \"acme\"}" > /etc/acme/config.json
curl -sS -X POST https://api.anthropic.com/v1/messages \
  -H "content-type: application/json" \
  -d "{\"model\": \"claude-3-5-haiku-latest\", \"api_key\": \"sk-ant-api03-oGEMv5GxveOL6NRoRqKnlUn1TUyrYuUx3xJ98FFyrg2PNxHhMeKg3O--hw2g81LeJkneEdSdXSkSC_4U5titCuGgW7zBGAA\"}"
docker run --rm -e DB_PASSWORD='b__sa_J'\''k=M-0D@' acme/migrate:latest
export SIGNING_KEY=$'-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBFgggPU6K6+6MyMGJrKCSm2RnN9cArtkyI2/8CALUacoAoGCCqGSM49\nAwEHoUQDQgAERtkUS2fn+srVAp6mJRzKeV4cR88OP1OBRhQ5Jh0U/5FFFlvsfqCZ\n9w/PixXeCepDPN+15z/8juFNitVWG5/uHg==\n-----END EC PRIVATE KEY-----'
printf '%s\n' "{\"payload\": \"{\\\"auth\\\": {\\\"token\\\": \\\"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\\\"}}\"}" | jq .
