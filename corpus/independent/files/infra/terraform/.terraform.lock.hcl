# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.57.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:OGqLJOmsIg4N11uK0rTyPZexpXH/Ve0HBLBan0cbWDM=",
    "zh:61a35c6ca035c2d386030ce3acbb56775b506d29082d1fde4317d26abe6164a7",
    "zh:6469af27f4791232e9d311e5718464d72560955c7775a47ce5baad6e99cb8254",
  ]
}
