// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
use std::env;

const MEILI_MASTER_KEY: &str = "xRdk4X8d08R2s4Ye_FcwwhCOpBiKkXoXjuT5Q5zleK0";
static DEFAULT_REGION: &str = "eu-central-1";

fn main() -> anyhow::Result<()> {
    std::env::set_var("OPENROUTER_API_KEY", "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");
    let qdrant = qdrant_client::Qdrant::from_url("https://qdrant.acme.io:6334")
        .api_key("CPCYmpKwcjv-WPJ9w38DRZeTjXB70rrmboVSzj")
        .build()?;
    let token = env::var("INDEXER_TOKEN").unwrap_or_default();
    let password = rpassword::prompt_password("Password: ")?;
    run(qdrant, token, password)
}
