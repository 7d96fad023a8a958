# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
source "amazon-ebs" "windows" {
  ami_name       = "acme-win2022-{{timestamp}}"
  instance_type  = "t3.large"
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_password = "Nectar-Sierra-Zephyr-Rocket-1322"
}

source "amazon-ebs" "linux" {
  ssh_username = "ubuntu"
  ssh_password = "Fjordzephyr72#"
}
