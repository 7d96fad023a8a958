//! Validation: whether a credential is live, and what identity it grants, asked of its provider.
//!
//! A stage after findings are grouped, so each distinct secret is checked once. The pieces:
//! - [`ValidateSpec`]: the `[rule.validate]` table of a rule (always compiled, so rule files
//!   with validators load whether or not the feature is on), checked when the rule loads. Its
//!   parts ([`Check`], [`Condition`], ...) are re-exported here; the module itself is private.
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

mod spec;
pub(crate) use spec::check_spec;
pub use spec::{BasicAuth, Check, Condition, HttpMethod, IDENTITY_KEYS, ValidateSpec, Var};

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
mod report;
#[cfg(feature = "validate")]
mod response;
#[cfg(feature = "validate")]
mod run;
#[cfg(feature = "validate")]
mod template;

#[cfg(feature = "validate")]
pub use report::{Report, ReportError, ReportedFinding, RevalidateOptions, Revalidated};
#[cfg(feature = "validate")]
pub use run::{Credential, ValidateOptions, Validator};

/// Counts of verdicts: of a validation run (distinct credentials) or of findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationSummary {
    /// Credentials the provider accepted.
    pub valid: usize,
    /// Credentials it rejected.
    pub invalid: usize,
    /// Credentials with no verdict.
    pub unknown: usize,
}

impl ValidationSummary {
    /// Counts the verdicts already on `findings` (one per finding; findings without one are
    /// not counted).
    pub fn of(findings: &[crate::Finding]) -> ValidationSummary {
        let mut s = ValidationSummary::default();
        for v in findings.iter().filter_map(|f| f.validation.as_ref()) {
            s.add(v.status);
        }
        s
    }

    /// Counts one more verdict.
    pub fn add(&mut self, status: ValidationStatus) {
        match status {
            ValidationStatus::Valid => self.valid += 1,
            ValidationStatus::Invalid => self.invalid += 1,
            ValidationStatus::Unknown => self.unknown += 1,
        }
    }

    /// Verdicts counted.
    pub fn total(&self) -> usize {
        self.valid + self.invalid + self.unknown
    }
}

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

/// Most checks in flight at once (the `--validate-concurrency` range is `1..=64` too): more
/// threads buy nothing against per-provider rate limits and only open more sockets.
pub const MAX_CONCURRENCY: usize = 64;
/// Longest per-exchange timeout accepted, in seconds.
pub const MAX_TIMEOUT_SECS: f64 = 600.0;
/// Longest `Retry-After` wait that may be configured, in seconds.
pub const MAX_RETRY_WAIT_SECS: f64 = 3600.0;
/// Most retries after HTTP 429.
pub const MAX_RETRIES: u32 = 10;
/// Slowest request rate accepted (requests per second; one every ~17 minutes). Slower rates
/// would make a check wait longer than any run.
pub const MIN_RATE: f64 = 0.001;
/// Fastest request rate accepted (requests per second); `0` means no limit.
pub const MAX_RATE: f64 = 100_000.0;

impl ValidateConfig {
    /// Brings every number inside its bounds and says what was changed, one message per key
    /// (`validate.timeout = 1e20: ...; using 600`). A typo or a hostile value (`timeout = 1e20`,
    /// `rate_limit = 1e-30`, `concurrency = 100000`) thus becomes a warning and a usable value,
    /// never a panic in a `Duration` conversion, a hang or ten thousand threads.
    pub fn clamp(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut warn = |key: &str, was: String, now: String, bounds: &str| {
            warnings.push(format!(
                "validate.{key} = {was}: must be {bounds}; using {now}"
            ));
        };
        if let Some(n) = self.concurrency
            && !(1..=MAX_CONCURRENCY).contains(&n)
        {
            let c = n.clamp(1, MAX_CONCURRENCY);
            warn(
                "concurrency",
                n.to_string(),
                c.to_string(),
                &format!("between 1 and {MAX_CONCURRENCY}"),
            );
            self.concurrency = Some(c);
        }
        if let Some(t) = self.timeout
            && !(t > 0.0 && t <= MAX_TIMEOUT_SECS)
        {
            // NaN, zero and negatives take the default; huge values the maximum.
            let c = (t > MAX_TIMEOUT_SECS).then_some(MAX_TIMEOUT_SECS);
            warn(
                "timeout",
                t.to_string(),
                c.map_or("the default".into(), |c| c.to_string()),
                &format!("more than 0 and at most {MAX_TIMEOUT_SECS} seconds"),
            );
            self.timeout = c;
        }
        if let Some(n) = self.max_retries
            && n > MAX_RETRIES
        {
            warn(
                "max_retries",
                n.to_string(),
                MAX_RETRIES.to_string(),
                &format!("at most {MAX_RETRIES}"),
            );
            self.max_retries = Some(MAX_RETRIES);
        }
        if let Some(t) = self.max_retry_wait
            && !(0.0..=MAX_RETRY_WAIT_SECS).contains(&t)
        {
            let c = if t > MAX_RETRY_WAIT_SECS {
                MAX_RETRY_WAIT_SECS
            } else {
                0.0
            };
            warn(
                "max_retry_wait",
                t.to_string(),
                c.to_string(),
                &format!("between 0 and {MAX_RETRY_WAIT_SECS} seconds"),
            );
            self.max_retry_wait = Some(c);
        }
        let rate_bounds =
            format!("0 (no limit) or between {MIN_RATE} and {MAX_RATE} requests per second");
        if let Some(r) = self.rate_limit
            && check_rate(r).is_err()
        {
            let c = clamp_rate(r);
            warn("rate_limit", r.to_string(), c.to_string(), &rate_bounds);
            self.rate_limit = Some(c);
        }
        for (provider, r) in self.rate_limits.iter_mut() {
            if check_rate(*r).is_err() {
                let c = clamp_rate(*r);
                warn(
                    &format!("rate_limits.{provider}"),
                    r.to_string(),
                    c.to_string(),
                    &rate_bounds,
                );
                *r = c;
            }
        }
        warnings
    }
}

/// A configured request rate: `0` (no limit) or between [`MIN_RATE`] and [`MAX_RATE`].
pub(crate) fn check_rate(r: f64) -> Result<(), String> {
    if r == 0.0 || (MIN_RATE..=MAX_RATE).contains(&r) {
        Ok(())
    } else {
        Err(format!(
            "must be 0 (no limit) or between {MIN_RATE} and {MAX_RATE} requests per second"
        ))
    }
}

/// A rate of `0` (no limit) or within the bounds; NaN and negatives mean no limit.
pub(crate) fn clamp_rate(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        0.0
    } else {
        r.clamp(MIN_RATE, MAX_RATE)
    }
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
