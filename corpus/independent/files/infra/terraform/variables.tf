# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
variable "db_password" {
  description = "Master password for the orders database"
  type        = string
  sensitive   = true
}

variable "github_token" {
  description = "Token used by the github provider"
  type        = string
  default     = "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"
}

variable "slack_webhook_url" {
  type    = string
  default = ""
}

variable "api_key_header" {
  type    = string
  default = "X-Api-Key"
}
