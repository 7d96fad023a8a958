#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# etl-jobs sh settings
set -euo pipefail

export SECRETS_COMMIT='12d8392b1afd592216f7a48e002e5bee560fcb33'
export OKTA_ENABLED='true'
export PRIMARY_BUILD_SHA='fc915233b1a7a1dfe89c5d850c05b0a95224fb80'
export PINECONE_HOST='etl-jobs.internal.acme.io'
export BUILD_SHA='75782e0e79808697cce66b47ee9a4af6a31639a7'
export ZENDESK_TIMEOUT_SECONDS='53'
export FALLBACK_BUILD_SHA='fd16809e0df008716c3435ac2921e1006ac39817'
export OKTA_API_TOKEN='00-jkG4CdFhFU-AD_RaX-85wp9LU43haXk-7BQ6Git'
export OPENAI_API_KEY='abcdefghijklmnopqrstuvwxyz012345'
export PINECONE_ENVIRONMENT='production'
export TRACE_ID='b0dbccbd-8a41-4bf1-b53a-3d8362a50fc4'
export PROXY_PASSWORD='Granite-Marlin-Ember-1596'

exec ./bin/etl-jobs \
  --notion-api-key=secret_2I4bwSalx8RY4DqRq06jStDzKPU4vA6kNsX0gKj6Pjv \
  --zendesk-api-token=HxYzmqxZAfvQK5AYMnFW8UuPW5XjpqJvvnAK9YIq \
  --square-access-token=EAAAr9yBBHAAhL6yeXIDr--yEA_5oV78CVsSsjbfh1Mv796NGFneMyittLaUieGm \
  --pinecone-api-key 'e0e2a8d7-129b-440a-9760-97c73272c240'
