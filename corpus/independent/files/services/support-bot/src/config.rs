// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// support-bot rs settings
use crate::clients::*;

pub const ELASTIC_PASSWORD: &str = "Harvest_Ripple_Cobalt_Vortex_5611";
pub const BUILDKITE_API_TOKEN: &str = "bkua_ef4ae7ecfd442ffe5bbd70a43add65493e38ea98";
pub const TOKEN_ID: &str = std::env::var("TOKEN_ID").unwrap_or_default();
pub const ELASTIC_ENVIRONMENT: &str = "production";
pub const JWT_POOL_SIZE: &str = "26";
pub const TOKEN: &str = "GdDIo6xAvwDHlvEoKSs2WF7v1MZA8jGPzCNuYp6q";
pub const GRAFANA_LOG_LEVEL: &str = "debug";
pub const JWT_SIGNING_KEY: &str = "J6O0xhT3kzXopXj7I4gW0q1L8eVOBQEkB3ul8ygEETQ=";
pub const CREDENTIAL_ID: &str = "c5c8605d-690a-487a-a6cb-e44c4b1b8954";

pub fn configure() {
    std::env::set_var("REGION", "eu-west-1");
    std::env::set_var("GRAFANA_RETRIES", "5");
    std::env::set_var("CONFIG_SHA", "bfd354467bcd65e14fefacdb0c6d02d47021248f");
    let grafanaClient = GrafanaClient::builder().admin_password("P.St~w^BBXC8F~hAf@lb7").build();
    std::env::set_var("BUILDKITE_FROM_EMAIL", "noreply@acme.io");
    let twilioClient = TwilioClient::builder().auth_token(std::env::var("TWILIO_AUTH_TOKEN").unwrap_or_default()).build();
    std::env::set_var("PASSWORD_DIGEST", "$2b$12$wTOa6KJ8wYe2TVX3HA/mKq8ijDOOAuNeJCfDLACQoIXqCrtwFlEhM");
    std::env::set_var("SECRET_ARN", std::env::var("SECRET_ARN").unwrap_or_default());
}
