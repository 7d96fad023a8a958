// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// support-bot go settings
package config

import (
	"os"
)

const (
	sonarUsername = "app"
	keyVaultName = os.Getenv("KEY_VAULT_NAME")
	buildSha = `2ff68b268f8c15b2c171ca1b8d56b7c8c7d1457a`
	username = `app`
	oauthClientSecret = "ELuASXDXkd31r1WxaoZ2wAQhpqa5Zodi"
	configSha = os.Getenv("CONFIG_SHA")
	tokenId = `ba33e970-67a5-4278-84b0-6bebf90ed500`
	secret = "de00b676281e67610435a00b8989f2a809df22ca"
)

var app = map[string]string{
	"client_id": os.Getenv("CLIENT_ID"),
	"credential_id": os.Getenv("CREDENTIAL_ID"),
}

var master = map[string]string{
	"timeout_seconds": "27",
}

var sonar = map[string]string{
	"token": `sqp_e4269b705706c3f8413c901417b5016245f72965`,
}

func init() {
	os.Setenv("MASTER_KEY", `f4f04362cf24ba795c1f40782df526c9`)
	os.Setenv("MONGO_URI", "mongodb+srv://ingest:ftc4H4ED.Rix(eO@cluster0.if2hn.mongodb.net/app_prod?retryWrites=true&w=majority")
	sonarClient := sonar.NewClient(sonar.Config{SonarBucket: "acme-support-bot-artifacts"})
	os.Setenv("PRIMARY_TOKEN_ID", "da8f794d-07b6-4221-8cec-21122093ca6c")
	mongoClient := mongo.NewClient(mongo.Config{MongoFromEmail: "noreply@acme.io"})
}
