# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# checkout hcl settings

variable "arm_client_secret" {
  type      = string
  sensitive = true
  default   = "nio9Q~cI1-DRMXZYi~pG14st3xaxCBU5S233W48f"
}

variable "qdrant_environment" {
  type      = string
  sensitive = true
  default   = "production"
}

variable "github_app_user_token" {
  type      = string
  sensitive = true
  default   = "ghu_CVGNWxtrLvREMBGQuReNab0W9tZZ3K18WuyW"
}

variable "database_password" {
  type      = string
  sensitive = true
  default   = "Copper-Wombat-Voyage-4672"
}

variable "github_app_retries" {
  type      = string
  sensitive = true
  default   = "1"
}

variable "database_from_email" {
  type      = string
  sensitive = true
  default   = "noreply@acme.io"
}

variable "client_secret_sha1" {
  type      = string
  sensitive = true
  default   = "$argon2id$v=19$m=65536,t=3,p=4$Y9Ja621IcNWj0LGlBpq2kg$q7bq+XJiwc96I9ZuY/RBhr15G2YLqclpv8tnFfUlR6Q"
}

variable "token_rotation_commit" {
  type      = string
  sensitive = true
  default   = "99ce88ef88c7bd07a7ba2cbc2e44fcd45f5eca73"
}

variable "jwt_secret" {
  type      = string
  sensitive = true
  default   = "sk-or-v1-xxxxxxxx"
}

variable "qdrant_api_key" {
  type      = string
  sensitive = true
  default   = "IGRbp9Tem1oFMaBcxoG5Dk0trEKHZ6AcbrMVcX"
}

variable "database_timeout_seconds" {
  type      = string
  sensitive = true
  default   = "47"
}

variable "credential_id" {
  type      = string
  sensitive = true
  default   = "35c3ea26-16ea-4633-a948-1d4b36917f69"
}

variable "build_sha" {
  type      = string
  sensitive = true
  default   = "01ceb4f3615792e2b43f1e67f640d2c3eb65e56e"
}

variable "key_id" {
  type      = string
  sensitive = true
  default   = "6ada8f3e-7ca9-44cd-8b28-ea037d91599f"
}

variable "slack_bot_token" {
  type      = string
  sensitive = true
  default   = "arn:aws:secretsmanager:us-east-1:282732087338:secret:prod/app/slack_bot_token-NqPuQr"
}
