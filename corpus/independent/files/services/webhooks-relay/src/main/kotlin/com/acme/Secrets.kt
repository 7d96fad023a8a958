// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// webhooks-relay kt settings
package com.acme.config

object Secrets {
    const val ASSEMBLYAI_API_KEY = "dd802d9fa8af4ba8af971f0d3c3c4227"
    const val CLIENT_REPLICA_SECRET_SHA1 = BuildConfig.CLIENT_SECRET_SHA1
    const val ASSEMBLYAI_BUCKET = "acme-webhooks-relay-artifacts"
    const val CLIENT_SECRET = "I4SeLrZk12EgKjPh1gG9z_buIc6LZwIoeT7v8YgMgoM"
    const val REDIS_PASSWORD = "YOUR_API_KEY_HERE"
    const val PASSWORD_DIGEST = BuildConfig.PASSWORD_DIGEST
    const val SERPER_TIMEOUT_SECONDS = "13"
    const val CLIENT_SECRET_SHA1 = BuildConfig.CLIENT_SECRET_SHA1
    const val SERPER_LOG_LEVEL = "info"

    val signing = mapOf(
        "log_level" to "debug",
    )

    val serper = mapOf(
        "api_key" to "1bd4f3956911f4ab298a5e038b09ddf2f2606204",
    )

    val assemblyai = mapOf(
        "base_url" to "https://api.assemblyai.example.com/v1",
    )

    fun configure() {
        System.setProperty("client.base.url", "https://api.client.example.com/v1")
        System.setProperty("splunk.token", "ed282a9b-8d65-44f7-8a63-7e9a4daf22a6")
        val stripeClient = StripeClient(stripeSecretKey = System.getenv("STRIPE_SECRET_KEY"))
        val botClient = BotClient(botUsername = "svc_webhooks_relay")
        System.setProperty("bot.token", "9YFJ62LGFRU3tm8gLMoSYSfyyO6eKsKtBsD46EM1")
        val clientClient = ClientClient(clientEnvironment = "production")
        System.setProperty("refresh.token", "ztaqCVVLXdx4OrBIpEfxqaoIDGram1hU5Z3o6IfyDEywSgp5GIA4RsVhsIRpdNus")
        System.setProperty("signing.secret", "A8Gtgd2UBnyYVMvKp2KdgyKiSnCSj1J8sZVR1eUOaS8=")
        val awsClient = AwsClient(awsSecretAccessKey = BuildConfig.AWS_SECRET_ACCESS_KEY)
        val tokenClient = TokenClient(tokenRotationCommit = BuildConfig.TOKEN_ROTATION_COMMIT)
    }
}
