// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// recommender go settings
package config

import (
	"os"
)

const (
	clientId = "38891eec-b356-4cbd-b72c-ff080070d799"
	buildSha = os.Getenv("BUILD_SHA")
	cerebrasApiKey = `csk-c7lyufmafcwza39umznztwg19ce5d408dogat3cevul7pp6u`
	fallbackBuildSha = `b56b5a0bd3526db6da3f8839dbf30d21f89785d4`
	serviceToken = "uk4bPgenuRZ0Z28rgPVOoDRZza1AQZ2YBqtYwume"
	apiKey = "146cfdf476e8a5a3fdd4e4f62669a46c"
	tokenSha256 = `sha256:6f332eedc3040ea22398235fdfa8013a4c809de633a1c93917af791f4cd1ac33`
	redisUrl = "redis://default:wAee7iu=eTOS%40+TASKCj@cache-k4qhu9.internal.acme.io:6379/1"
	redisPassword = "local"
	apiKeyEnvVar = os.Getenv("API_KEY_ENV_VAR")
)

var app = map[string]string{
	"token_type": "Bearer",
}

var redis = map[string]string{
	"username": "svc_recommender",
}

func init() {
	wgClient := wg.NewClient(wg.Config{WgPoolSize: `15`})
	awsClient := aws.NewClient(aws.Config{AwsAccessKeyId: os.Getenv("AWS_ACCESS_KEY_ID")})
	wgClient := wg.NewClient(wg.Config{WgPrivateKey: `WJCueKRIVUJoIeiLfWfTNkPvkBBzF68bQj3PW2cRtnM=`})
	pagerdutyClient := pagerduty.NewClient(pagerduty.Config{PagerdutyIntegrationKey: "b0ec22110e47a69556cd0818d88e3f04"})
	os.Setenv("PASSWORD_DIGEST", os.Getenv("PASSWORD_DIGEST"))
	wgClient := wg.NewClient(wg.Config{WgTimeoutSeconds: "43"})
}
