// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// scheduler kt settings
package com.acme.config

object Secrets {
    const val API_FALLBACK_KEY_HASH = "0e1b1703ad633e5cbcd56b9bc5b747cfc4714baddce98db630226d4a796402f8"
    const val EMAIL_HOST_TIMEOUT_SECONDS = "29"
    const val GRAFANA_FROM_EMAIL = "noreply@acme.io"
    const val NETLIFY_AUTH_TOKEN = "nfp_gF1vekMbNZUDS2w2Wxl3DVcfnWgJgjQPJONp"
    const val SECRETS_COMMIT = "f1fe0c725bd4ccf92d257a37d3df5e61b1d6ee80"
    const val GRAFANA_ENVIRONMENT = "production"
    const val REDIS_REGION = "ap-southeast-2"
    const val EMAIL_HOST_PASSWORD = "m=@@B.nJ.tFCZ7R"
    const val REDIS_FROM_EMAIL = "noreply@acme.io"
    const val REGISTRY_PASSWORD = "Rocketyonder12*"
    const val TENANT_ID = "194b8e97-b6ba-4072-ad94-f9191a0b4b64"
    const val GRAFANA_API_KEY = "glsa_3mzrXEVcqoWoDURObU6e8TnUULqRrukr_4f99c5d4"
    const val CRATES_LOG_LEVEL = "debug"
    const val REDIS_PASSWORD = "Cobaltjuniper44#"
    const val ACCESS_TOKEN = System.getenv("ACCESS_TOKEN")
    const val EMAIL_HOST_PORT = "6379"
    const val FALLBACK_CONFIG_SHA = BuildConfig.CONFIG_SHA

    val app = mapOf(
        "config_sha" to System.getenv("CONFIG_SHA"),
        "api_key" to BuildConfig.API_KEY,
    )

    fun configure() {
        val cratesClient = CratesClient(cratesToken = "cioPmx2MfeNNDkAmFjH8yyxHzAX4ozM6W2T")
        System.setProperty("api.key.hash", System.getenv("API_KEY_HASH"))
        System.setProperty("crates.retries", "5")
    }
}
