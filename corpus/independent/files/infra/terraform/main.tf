# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket = "acme-tf-state"
    key    = "prod/core.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAZ7EHWJZ23IL3WTTL"
  secret_key = "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"
}

provider "datadog" {
  api_key = "4978b6bba4794f2b3442f47ec062ae1b"
  app_key = "e34388311dd294d0aff734f8265ad1f07935f304"
}

provider "cloudflare" {
  api_token = "00a2Nup5xe-hoWhpH_8qFnIcTyxY8PX3HkkbbfDF"
}

resource "random_password" "db" {
  length  = 32
  special = true
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-prod"
  engine            = "postgres"
  instance_class    = "db.r6g.large"
  username          = "orders_admin"
  password          = "QKilc^._o.8=14WIO^Y-e.*v"
  allocated_storage = 100
}

resource "aws_db_instance" "reports" {
  identifier     = "reports-prod"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  username       = "reports_admin"
  password       = random_password.db.result
}

data "aws_secretsmanager_secret_version" "stripe" {
  secret_id = "prod/stripe/secret-key"
}
