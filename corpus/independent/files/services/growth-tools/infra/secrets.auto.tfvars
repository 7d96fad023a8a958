# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# growth-tools hcl settings

variable "token_sha256" {
  type      = string
  sensitive = true
  default   = "$argon2id$v=19$m=65536,t=3,p=4$aYlhXm+e6U5B432epc8sBw$wL2lcIOGyeUc29jfAuj8Santwh9qdXr3XEBdhKh3x9c"
}

variable "planetscale_password" {
  type      = string
  sensitive = true
  default   = "pscale_pw_aGY0NGqRVAp7zpfQ2BlADa_00rG8DuRkFiKtKX4BWNq"
}

variable "openrouter_api_key" {
  type      = string
  sensitive = true
  default   = "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"
}

variable "sourcegraph_token" {
  type      = string
  sensitive = true
  default   = "sgp_5520a69d203ffc28a876eaf0a47c22db59fc5e52"
}

variable "contentful_pool_size" {
  type      = string
  sensitive = true
  default   = "16"
}

variable "contentful_management_token" {
  type      = string
  sensitive = true
  default   = "CFPAT-6bm-dkwV7PWLKCFQiuCPVvycJIAjHzOmT2uQHIk-1rE"
}

variable "fb_page_token" {
  type      = string
  sensitive = true
  default   = "EAAGSPiclOJdyrpqqdtMPEBESfO8I5SFDmBZ1RTsGZGfP1J0ColgiA5iQxRYCvaAf6XrCXBHWNiathyz6YZLdJgS0zZLiO0WKbP5DqCP26sWFxmEiU09K6rp6WyEC3bltqc5ur8wyoD1Q31SBDoDWvmITqAWstfYhnznM7TRJOsoA0pmEnYl1mlq"
}

variable "password" {
  type      = string
  sensitive = true
  default   = "#{PASSWORD}#"
}

variable "key_id" {
  type      = string
  sensitive = true
  default   = "c8ad78c2-5929-43de-957a-cc86ebccff3a"
}

variable "openrouter_environment" {
  type      = string
  sensitive = true
  default   = "production"
}

variable "secrets_commit" {
  type      = string
  sensitive = true
  default   = "d6258067a876c44ce262c64a8027456d7b0713b0"
}

variable "contentful_region" {
  type      = string
  sensitive = true
  default   = "ap-southeast-2"
}

variable "planetscale_enabled" {
  type      = string
  sensitive = true
  default   = "true"
}

variable "db_environment" {
  type      = string
  sensitive = true
  default   = "production"
}

variable "secret_arn" {
  type      = string
  sensitive = true
  default   = "arn:aws:secretsmanager:us-east-1:899638309557:secret:prod/billing/db-yTSHMo"
}

variable "openrouter_timeout_seconds" {
  type      = string
  sensitive = true
  default   = "57"
}

variable "intercom_access_token" {
  type      = string
  sensitive = true
  default   = "dG9rOjE3YjNkNDNkXzQwYzNfNDQzZF85YTA5XzE2M2U4OWY2YzYzZjoxOjA="
}

variable "secret_checksum" {
  type      = string
  sensitive = true
  default   = "194731a7f6147636b31e9dff749c5ef7e971b85323dabe4772d62d4680c864d3"
}

variable "db_pwd" {
  type      = string
  sensitive = true
  default   = "r^~oUXsiK^I7Pxh_7s"
}
