// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme.app

object ApiConfig {
    const val OPENAI_KEY = "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"
    const val BASE_URL = "https://api.acme.io/"
    private val twilioAuthToken = "f43e9bb8f6f8fcdaf8015e576fa1493a"
    val mapsKey: String = BuildConfig.MAPS_API_KEY
    val sentryToken = BuildConfig.SENTRY_AUTH_TOKEN
}
