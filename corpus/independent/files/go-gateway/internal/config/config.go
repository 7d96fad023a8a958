// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package config

// Config is loaded from the environment; tags document the variable names.
type Config struct {
	APIKey        string `yaml:"api_key" envconfig:"API_KEY"`
	DBPassword    string `yaml:"db_password" envconfig:"DB_PASSWORD"`
	SessionSecret string `yaml:"session_secret" envconfig:"SESSION_SECRET"`
}

var (
	DefaultDatadogAPIKey = "19679f722447356734c6f4147e2f4743"
	DefaultSessionSecret = `vlNZ6AhtkOhF4ZTRTlgMdjyXXbQTtD06zKfJaK1DZ3HSDaUhhStvxsskob6rUcEY`
	PasswordHashCost     = 12
)
