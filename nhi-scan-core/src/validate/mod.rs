//! Validation: whether a credential is live, and what identity it grants, asked of its provider.
//!
//! A stage after findings are grouped, so each distinct secret is checked once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
