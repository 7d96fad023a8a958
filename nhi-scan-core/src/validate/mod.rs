//! Validation: whether a credential is live, and what identity it grants, asked of its provider.
//!
//! A stage after findings are grouped, so each distinct secret is checked once. The pieces:
//! - [`spec`]: the `[rule.validate]` table of a rule (always compiled, so rule files with
//!   validators load whether or not the feature is on), checked when the rule loads.
//! - [`ValidateConfig`]: the `[validate]` table of `.nhi-scan.toml` (host overrides, limits).
//! - With the `validate` feature: [`Validator`], which runs the stage over `&mut [Finding]`:
//!   declarative HTTP checks, code checks that sign (AWS SigV4, GCP service-account JWT, Azure
//!   SharedKey), and database handshakes (PostgreSQL, MySQL, Redis, MongoDB) behind an opt-in.
//!
//! What is never done: contact a host taken from scanned content (database URIs aside, when
//! asked), follow a redirect to another host, or put a secret into an error, a reason, a log
//! line or `Debug` output.
//!
//! [`Finding`]: crate::Finding

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod spec;
pub use spec::{ValidateSpec, check_spec};

#[cfg(feature = "validate")]
mod aws;
#[cfg(feature = "validate")]
mod azure;
#[cfg(feature = "validate")]
mod clock;
#[cfg(feature = "validate")]
mod db;
#[cfg(feature = "validate")]
mod gcp;
#[cfg(feature = "validate")]
mod http;
#[cfg(feature = "validate")]
mod response;
#[cfg(feature = "validate")]
mod run;
#[cfg(feature = "validate")]
mod template;

#[cfg(feature = "validate")]
pub use run::{Credential, ValidateOptions, ValidationSummary, Validator};

/// The `[validate]` table of `.nhi-scan.toml`. Every field is optional; command-line flags win.
///
/// ```toml
/// [validate]
/// concurrency = 8          # checks in flight at once
/// timeout = 10             # seconds per request
/// max_retries = 2          # after HTTP 429
/// max_retry_wait = 30      # longest Retry-After honoured, seconds
/// rate_limit = 10          # requests per second per provider
/// [validate.rate_limits]
/// github = 20
/// [validate.hosts]         # provider host -> scheme://host:port[/prefix]
/// "api.github.com" = "https://github.example.com/api/v3"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateConfig {
    /// Checks in flight at once.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Seconds allowed for one request.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Retries after HTTP 429.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Longest `Retry-After` honoured, in seconds.
    #[serde(default)]
    pub max_retry_wait: Option<f64>,
    /// Requests per second per provider.
    #[serde(default)]
    pub rate_limit: Option<f64>,
    /// Requests per second by provider name (`0`: no limit).
    #[serde(default)]
    pub rate_limits: BTreeMap<String, f64>,
    /// Provider host (or `*.domain`) to `scheme://host:port[/prefix]`, for tests, proxies and
    /// self-hosted instances. Paths, methods, headers and signatures stay the provider's.
    #[serde(default)]
    pub hosts: BTreeMap<String, String>,
}

/// A validation setup that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A `[validate.hosts]` entry is not `scheme://host[:port][/prefix]`.
    #[error("[validate.hosts] {host:?} = {value:?}: {problem}")]
    HostOverride {
        /// The provider host.
        host: String,
        /// The value given.
        value: String,
        /// What is wrong.
        problem: String,
    },
}

/// Verdict of a provider check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatus {
    /// The provider accepted the credential.
    Valid,
    /// The provider rejected it (revoked, expired, wrong).
    Invalid,
    /// No verdict: timeout, rate limit, network error, unexpected response, unsupported.
    Unknown,
}

/// Outcome of checking one credential against its provider.
///
/// `identity` holds what the provider says the credential authenticates as, under shared keys so
/// reports and the inventory can read them whatever the provider: `account_id`, `account_name`,
/// `arn`, `user`, `user_id`, `email`, `name`, `type` (user, bot, app, service account),
/// `organization`, `team`, `workspace`, `project`, `scopes` (array of strings), `expires_at`
/// (RFC 3339); provider-specific extras under other keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Validation {
    /// The verdict.
    pub status: ValidationStatus,
    /// Why the verdict is what it is (always set for `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Identity details the provider returned.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, serde_json::Value>,
    /// When the check ran (RFC 3339, UTC).
    pub checked_at: String,
}

impl Validation {
    /// A result with no identity details.
    pub fn new(status: ValidationStatus, reason: Option<String>, checked_at: String) -> Validation {
        Validation {
            status,
            reason,
            identity: BTreeMap::new(),
            checked_at,
        }
    }
}
