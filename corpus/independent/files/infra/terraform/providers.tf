# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
provider "alicloud" {
  access_key = "LTAI5tNfc4aviYlux5E2KZM7"
  secret_key = "gGNkVFP7gvxQ6r6k7aSiVQGmfQcTIN"
  region     = "cn-hangzhou"
}

provider "tencentcloud" {
  secret_id  = "AKIDUapiZjtElw0gusTYJjMMpBo2bodBDKIx"
  secret_key = "g77VfZCs88V5OrjckleQcYPPmxAOR9j2"
  region     = "ap-guangzhou"
}

provider "ibm" {
  ibmcloud_api_key = "8OGs3JgFqgtdtCw2uypDTDKyggH1_uFVbKFLnf2w1R5h"
  region           = "eu-de"
}

provider "oci" {
  tenancy_ocid = "ocid1.tenancy.oc1..ga2e6rvq6mdw2765h8twcs4y7vu2l3ocs76evgr5pjucl0u8tqwjubgazm11"
  user_ocid    = "ocid1.user.oc1..3cp3spsds6p5skq4w41mb5dskyf246fe258j3q1lcsy4lofblossq49w9tiv"
  fingerprint  = "43:e8:e9:0f:52:91:65:7a:7f:6b:72:6a:1d:49:c4:5c"
  region       = "eu-frankfurt-1"
  private_key  = <<-EOT
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC/qgA/dWxijZiV
BFVVM1aG1e0XWg3wCcmh1D2fhjx32G2P7fHU7PmdFs90xw3HKV6C1PxXB62tJPGx
IX44pNs00KYQ/zKQuScv92pkWPWPEVDWFN1BiwduC/zvfeWksGSJTLq/g8o9I/YJ
ng1jJdUuWhof6qVR9ZDbGtI9winLDpL+uPvhVw2MSL82szj1PKEV0ggy6NKoFiWp
VRbw0bZMhhM7g9ZB0BFAjZnxQhsC1jT3PlUYyQe42CdseZrzE+JJ4UwIOkw9Ho7R
nzZGRAoX35svOzaDq4qo0V080s2cdjMWHEfT5w7yPBjimTFdsziCJi02Xup/IrNL
7yGHXhl7AgMBAAECggEAKg624TX2I6YonkKGKx0J1qqozSAAwPSU30MAhrnhGPdQ
C25OS8f4ekUgHuLzHgnw6EquWLahoMXjl1ffJ7TdOTizyDUHtoQ6mibznLN8pvlI
wMFxT8mfRsGwrij1NG9UkGBa9l2ICmSSv8eD7obFwdcZtnk578MwFzRKgCzUGO9n
JzFf/X4CSwoJc/kgxE4UOGvvl3CwYnXzv9U8aORP0EC4aQdX55tuDesnPpaYcWGg
vf09J43e4hEdCu8nllAgVkDy5yYKV70cW2YmIg7ZR7vd+hnCI2B8O6bbvKYJUE1E
Z5KIiEtE4dxOlM4oiBHBS7jPf+r93foHghzuHFG7MQKBgQDy7tfO10jKosaP1ym4
HASmuej8PzgL7eBPJOXDCroakAe4s2bqmyvQGkC9cazsPKePdZycqUbj/DvuhUJS
gH3EhXzr9psqjkHb/b0egFW5rhxAARFZR6fKo6tmgBa8rrrcYroIeOADbhiNBnuZ
odeG4lWlk8tLS0jaUa65L/YNUwKBgQDJ+TD+WVMjZy357wFGXRfa6b9/kH8z73vG
gACrtc1mbeQ37jUmMz9zsvHAZQ/MGiZHGGQXBHN7OyjVIFGjLB3EpbKXW5rMEBoz
QTWkfQ2IETwbeF0pxwgMEI6p+BsblehmHpWH88QSz/gIPDqxGLjnVwqFvDOkK27M
x/kXe9AWOQKBgB+rw7bTmknQrtJR2r6F6JVT52v7UfM8L+IhjVLAM0MDQ/5wZRpw
4GVhBs+r4j9qKO4rBx/lcbiHScju1paq6bqVLJQWsmP559wmWGGBmat7Z3NwsDJT
hSyF6fKTAGPY48OXm2k/WPUZhVndXn/I+bA8Ea5kdjx6tCTCQWUjO5DBAoGAEnUA
Qi4dh920+OMbhbeaJ3o28sxco31eHUyzQv3RMGwYb/gHyV7jjIosx300zV0SZGrZ
MrVIbFmCqL9UVooAimjuAiDv63gJPOfXpBl9dBLHIGeGc/vpQ1j8AJJYv9OaMkLX
PV5Ma7+vlekTH/33X8S3hHMncPg7HuGjZL7+zBkCgYEArNhD4l3ecAsfz0fxnu76
kPNPITomcoTwhyAbgPuanQEr7nmfNdxrHP8V3ubEGFWUDJRAwWRV6CMJ/aK80gT5
0HaNm8+n/hNVEFfvqEQX4dCFTgwTfeHH+BVjDkJRukgK8iJ5oReEADovy/tpJdDf
SVzM1aNMC6WWYbsaImc3nso=
-----END PRIVATE KEY-----
EOT
}

provider "azurerm" {
  features {}
  subscription_id = "142aab99-478d-4865-a392-c8359e9d0ad0"
  tenant_id       = "5e170b03-0ecf-441e-938e-30a064728e5d"
  client_id       = "215d4c06-9218-41db-8cfb-ae1335da67d8"
  client_secret   = "ndk4Q~FX~kQdbrkHXvQIoNOHpbRSGFmFQyuV1vST"
}

provider "google" {
  project     = "acme-core-prod"
  credentials = file("${path.module}/sa.json")
}

provider "linode" {
  token = "ca33453e1961874cfe7d2dbcbe6cc950584cf0324b6ef3911151f448c61ceff2"
}

provider "hcloud" {
  token = "ShKYz3sc7WKr3LOQzK2JDENsNsPF5D0TsGuf8MRdXPL6yP0IqSDi8lPv37ZwpYYM"
}

provider "scaleway" {
  access_key = "SCWERPTEADQN714TUM7O"
  secret_key = "b85c8fee-ca50-4d64-bfe4-8b033a66bfb7"
  project_id = "f7bd4a9e-bac7-4314-b1f3-ca4fcacdf1ec"
}
