# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
Stripe.api_key = "sk_live_K85RGV8sfhzWS3mymo6f3sdP"
Stripe.api_version = "2024-06-20"
Rails.configuration.stripe = {
  publishable_key: ENV.fetch("STRIPE_PUBLISHABLE_KEY"),
  webhook_secret: 'whsec_UyRmW3uSZAjOhGZAQs4NZq6fV4VeOEHp'
}
