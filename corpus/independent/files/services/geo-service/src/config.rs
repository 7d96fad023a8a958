// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// geo-service rs settings
use crate::clients::*;

pub const CLIENT_SECRET: &str = std::env::var("CLIENT_SECRET").unwrap_or_default();
pub const TOKEN_ID: &str = std::env::var("TOKEN_ID").unwrap_or_default();
pub const JWT: &str = std::env::var("JWT").unwrap_or_default();
pub const MINIO_ROOT_PASSWORD: &str = "OMaK*v.Hvxhef7I55ys";
pub const TOKEN: &str = "qhZad606aYNDwnONDE5QjXeBbAIAb4pq2enZkBhi";

pub static SESSION: &[(&str, &str)] = &[
    ("secret", "vluQGzv2e9i24ey69MoVbJKQvVBGH4tcW2FEz1jpWa02QwLfbClLniXMrLaKSuTf"),
];

pub static TOKEN: &[(&str, &str)] = &[
    ("rotation_commit", "f7b72bd603e4a7a804c636aa06f8ce327c73439f"),
];

pub fn configure() {
    std::env::set_var("SECRETS_COMMIT", "fcb209604180e27d861a3b5b254bbe9235e1442d");
    let newRelicClient = NewRelicClient::builder().api_key("NRAK-7OFIEKANZG3V3G6SFNOWBYQWCRW").build();
    std::env::set_var("PASSWORD_DIGEST", std::env::var("PASSWORD_DIGEST").unwrap_or_default());
    std::env::set_var("MINIO_ENVIRONMENT", "production");
    let emailHostClient = EmailHostClient::builder().host("geo-service.internal.acme.io").build();
    std::env::set_var("TRACE_ID", "0a5d6792-1948-4352-86c6-56a951417d4b");
    std::env::set_var("API_KEY_HASH", "b63c5a4228b65bf1aab177b14bea5932f25bd652");
    std::env::set_var("SHIPPO_API_TOKEN", "shippo_live_f40d00237d525368d43e20154feb6bbc06fb64c1");
    std::env::set_var("MINIO_REGION", "us-east-1");
    std::env::set_var("KEY_VAULT_NAME", std::env::var("KEY_VAULT_NAME").unwrap_or_default());
    std::env::set_var("EMAIL_HOST_PASSWORD", "ezWl=L6*XI-^wi^Vkk8_m");
}
