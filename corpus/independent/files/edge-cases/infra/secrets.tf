# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
locals {
  admin_password = base64decode("TWFybGluZ2F6ZWxsZTM3Kg==")
}
