//! The `validate` table of a rule: how to ask the credential's provider whether it is live.
//!
//! Most providers need one HTTPS request with the secret in a header, and say yes or no with
//! the status code and a field or two of JSON; that is data, written next to the rule:
//!
//! ```toml
//! [rule.validate]
//! provider = "github"
//! url = "https://api.github.com/user"
//! headers = { Authorization = "Bearer {secret}", Accept = "application/vnd.github+json" }
//! valid = [{ status = [200] }]
//! invalid = [{ status = [401] }]
//! identity = { user = "/login", user_id = "/id", scopes = "header:x-oauth-scopes" }
//! ```
//!
//! Checks that must sign (AWS SigV4, a GCP service-account JWT, Azure SharedKey) or speak a
//! database protocol are code, named with `check = "..."`.
//!
//! The rules of the table are strict because a validator decides where a secret is sent:
//! the URL must be `https`, its host is fixed in the rule (at most a leading DNS label may come
//! from a value, under the provider's own domain), and substitutions never reach the host,
//! port or user-info part of the URL. [`check_spec`] enforces this when the rule loads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rules::Rule;

/// How a rule's credential is checked with its provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// Provider name: groups rate limits (`[validate.rate_limits]`) and names the provider in
    /// the README table.
    pub provider: String,
    /// A check in code instead of the declarative HTTP request.
    #[serde(default)]
    pub check: Check,
    /// HTTP method.
    #[serde(default)]
    pub method: HttpMethod,
    /// `https://` URL on the provider's host, with `{...}` substitutions in the path and query
    /// (and, at most, the host's first label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Request headers; values may hold substitutions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// HTTP basic authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicAuth>,
    /// Request body; substitutions are JSON-escaped when the `Content-Type` header says JSON,
    /// form-encoded when it says `x-www-form-urlencoded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Values cut out of the secret or a companion by a regex, usable as `{name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, Var>,
    /// Responses that mean the credential is live (checked first).
    #[serde(default)]
    pub valid: Vec<Condition>,
    /// Responses that mean it is not (revoked, expired, wrong).
    #[serde(default)]
    pub invalid: Vec<Condition>,
    /// Responses that decide nothing, with the reason to report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Condition>,
    /// Identity details read from a valid response: shared key (`user`, `email`, `scopes`, ...)
    /// to a source: a JSON pointer (`/login`, `/orgs/*/name` for every element of an array),
    /// `header:Name`, `=literal`, or `value:name` (the companion or a var; never the secret).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
    /// Requests per second to this provider (default: the `[validate]` setting, 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    /// The provider has no public host (Vault, self-managed servers): the URL's host is a name
    /// that `[validate.hosts]` must map, or the check reports `unknown`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_hosted: bool,
    /// A limitation worth knowing, shown in the README's provider table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Checks implemented in code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The declarative HTTP request of the table.
    #[default]
    Http,
    /// AWS: SigV4-signed STS `GetCallerIdentity` (secret key + access key id companion).
    AwsSts,
    /// GCP service-account key: an RS256-signed JWT exchanged at Google's token endpoint.
    GcpServiceAccount,
    /// Azure storage account key: a SharedKey-signed `List Containers` request.
    AzureStorage,
    /// PostgreSQL URI: connect and authenticate (only with `--validate-db`).
    Postgres,
    /// MySQL/MariaDB URI: connect and authenticate (only with `--validate-db`).
    Mysql,
    /// Redis URI: connect and `AUTH` (only with `--validate-db`).
    Redis,
    /// MongoDB URI: connect and SCRAM-authenticate (only with `--validate-db`).
    Mongodb,
}

impl Check {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Http => "http",
            Check::AwsSts => "aws-sts",
            Check::GcpServiceAccount => "gcp-service-account",
            Check::AzureStorage => "azure-storage",
            Check::Postgres => "postgres",
            Check::Mysql => "mysql",
            Check::Redis => "redis",
            Check::Mongodb => "mongodb",
        }
    }

    /// Whether the check connects to a host taken from scanned content (a database URI).
    pub fn is_database(self) -> bool {
        matches!(
            self,
            Check::Postgres | Check::Mysql | Check::Redis | Check::Mongodb
        )
    }
}

/// HTTP methods a validator may use (read-only requests; `POST` for APIs that only take it,
/// such as GraphQL and token exchanges).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET.
    #[default]
    Get,
    /// POST.
    Post,
    /// HEAD.
    Head,
}

impl HttpMethod {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Head => "HEAD",
        }
    }
}

/// User and password of HTTP basic authentication (templates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// User name template.
    pub user: String,
    /// Password template.
    #[serde(default)]
    pub password: String,
}

/// A value cut from the secret or a companion: the `value` group of `pattern`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Var {
    /// `secret`, or the name of the rule's companion.
    pub from: String,
    /// Regex with a `value` group.
    pub pattern: String,
}

/// A response test. Every part given must hold; an empty condition matches anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Status codes, any of which matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<u16>,
    /// JSON pointer to expected value; an array of values means any of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub json: BTreeMap<String, serde_json::Value>,
    /// JSON pointers that must be present (and not null).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub has: Vec<String>,
    /// Text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// For `unknown` conditions: the reason reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Identity keys shared across providers (see [`super::Validation`]); others are allowed as
/// provider-specific extras.
pub const IDENTITY_KEYS: &[&str] = &[
    "account_id",
    "account_name",
    "arn",
    "user",
    "user_id",
    "email",
    "name",
    "type",
    "organization",
    "team",
    "workspace",
    "project",
    "scopes",
    "expires_at",
];

/// A `{...}` placeholder in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placeholder {
    /// Byte range of `{name}` in the template.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The name inside the braces.
    pub name: String,
}

/// The placeholders of a template: `{name}` with a name of letters, digits, `_` and `-`.
/// Any other brace is literal text, so JSON bodies need no escaping.
pub(crate) fn placeholders(template: &str) -> Result<Vec<Placeholder>, String> {
    let b = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            let len = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
                .count();
            if len > 0 && b.get(i + 1 + len) == Some(&b'}') {
                out.push(Placeholder {
                    start: i,
                    end: i + len + 2,
                    name: template[i + 1..i + 1 + len].to_string(),
                });
                i += len + 2;
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// The parts of a URL template, split before any substitution so that values can never move
/// the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlTemplate {
    /// `https` (or what a host override says).
    pub scheme: String,
    /// A variable naming the host's first label, if any (`{dc}` in `{dc}.api.mailchimp.com`).
    pub host_label: Option<String>,
    /// The fixed host (after the variable label, without its leading dot).
    pub host: String,
    /// Explicit port, if any.
    pub port: Option<u16>,
    /// Path and query template, starting with `/`.
    pub path: String,
}

/// Splits and checks a URL template.
pub(crate) fn parse_url_template(url: &str) -> Result<UrlTemplate, String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("url {url:?} must start with https://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return Err(format!(
            "url {url:?}: no user-info in the URL (use `basic`)"
        ));
    }
    if path.contains('#') {
        return Err(format!("url {url:?}: no fragment"));
    }
    let (host_part, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            Some(
                p.parse::<u16>()
                    .map_err(|_| format!("url {url:?}: bad port {p:?}"))?,
            ),
        ),
        None => (authority, None),
    };
    let (host_label, host) = if let Some(stripped) = host_part.strip_prefix('{') {
        let Some((name, after)) = stripped.split_once("}.") else {
            return Err(format!(
                "url {url:?}: a host variable must be a whole first label, like {{dc}}.api.example.com"
            ));
        };
        (Some(name.to_string()), after.to_string())
    } else {
        (None, host_part.to_string())
    };
    if host.is_empty()
        || host.contains(['{', '}'])
        || !host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
    {
        return Err(format!(
            "url {url:?}: the host must be fixed in the rule (letters, digits, '.', '-')"
        ));
    }
    if host_label.is_some() && host.split('.').count() < 2 {
        return Err(format!(
            "url {url:?}: a host variable needs a fixed parent domain of two labels or more"
        ));
    }
    placeholders(path)?;
    Ok(UrlTemplate {
        scheme: "https".into(),
        host_label,
        host: host.to_ascii_lowercase(),
        port,
        path: path.to_string(),
    })
}

/// Names a template may use for `rule`: `secret`, the companion's name, and the vars.
fn known_names(rule: &Rule, spec: &ValidateSpec) -> Vec<String> {
    let mut names = vec!["secret".to_string()];
    if let Some(c) = &rule.companion {
        names.push(c.name.clone());
    }
    names.extend(spec.vars.keys().cloned());
    names
}

/// Checks a rule's validator when the rule loads, so a broken validator is a rule error that
/// names the rule, not a silent `unknown` at run time.
pub fn check_spec(rule: &Rule, spec: &ValidateSpec) -> Result<(), String> {
    let err = |m: String| Err(format!("validate: {m}"));
    if spec.provider.trim().is_empty() {
        return err("provider is empty".into());
    }
    if let Some(r) = spec.rate_limit
        && !(r > 0.0 && r.is_finite())
    {
        return err(format!("rate_limit {r} must be a positive number"));
    }
    for (name, var) in &spec.vars {
        if name == "secret" || rule.companion.as_ref().is_some_and(|c| &c.name == name) {
            return err(format!("var {name:?} shadows the secret or companion"));
        }
        let from_ok =
            var.from == "secret" || rule.companion.as_ref().is_some_and(|c| c.name == var.from);
        if !from_ok {
            return err(format!(
                "var {name:?}: from = {:?} is neither `secret` nor the rule's companion",
                var.from
            ));
        }
        let re = regex_automata::meta::Regex::new(&var.pattern)
            .map_err(|e| format!("validate: var {name:?}: bad pattern: {e}"))?;
        if re
            .group_info()
            .to_index(regex_automata::PatternID::ZERO, "value")
            .is_none()
        {
            return err(format!("var {name:?}: pattern has no `value` group"));
        }
    }
    let names = known_names(rule, spec);
    let check_template = |what: &str, t: &str| -> Result<(), String> {
        for p in placeholders(t).map_err(|e| format!("validate: {what}: {e}"))? {
            if !names.contains(&p.name) {
                return Err(format!(
                    "validate: {what}: unknown placeholder {{{}}} (known: {})",
                    p.name,
                    names.join(", ")
                ));
            }
        }
        Ok(())
    };
    match spec.check {
        Check::Http => {
            let Some(url) = &spec.url else {
                return err("an http check needs `url`".into());
            };
            let t = parse_url_template(url).map_err(|e| format!("validate: {e}"))?;
            if let Some(label) = &t.host_label
                && !spec.vars.contains_key(label)
                && rule.companion.as_ref().is_none_or(|c| &c.name != label)
            {
                return err(format!(
                    "host variable {{{label}}} must be a var or the companion (not the secret)"
                ));
            }
            check_template("url", &t.path)?;
            for (k, v) in &spec.headers {
                if k.eq_ignore_ascii_case("host") {
                    return err("the Host header is not settable".into());
                }
                check_template(&format!("header {k}"), v)?;
            }
            if let Some(b) = &spec.basic {
                check_template("basic.user", &b.user)?;
                check_template("basic.password", &b.password)?;
            }
            if let Some(b) = &spec.body {
                check_template("body", b)?;
            }
            if spec.valid.is_empty() {
                return err("no `valid` conditions".into());
            }
        }
        Check::AwsSts | Check::AzureStorage | Check::GcpServiceAccount => {
            if spec.check == Check::AwsSts && rule.companion.is_none() {
                return err(format!(
                    "{} needs the rule's companion (the access key id)",
                    spec.check.as_str()
                ));
            }
        }
        Check::Postgres | Check::Mysql | Check::Redis | Check::Mongodb => {
            if rule.companion.is_none() {
                return err(format!(
                    "{} needs a companion holding the whole URI",
                    spec.check.as_str()
                ));
            }
        }
    }
    for c in spec.valid.iter().chain(&spec.invalid).chain(&spec.unknown) {
        for p in c.json.keys().chain(&c.has) {
            if !p.starts_with('/') {
                return err(format!("JSON pointer {p:?} must start with '/'"));
            }
        }
    }
    for (key, source) in &spec.identity {
        if key.is_empty() {
            return err("empty identity key".into());
        }
        if let Some(name) = source.strip_prefix("value:") {
            if name == "secret" || !names.iter().any(|n| n == name) {
                return err(format!(
                    "identity {key}: value:{name} must name the companion or a var"
                ));
            }
        } else if !(source.starts_with('/')
            || source.starts_with("header:")
            || source.starts_with('='))
        {
            return err(format!(
                "identity {key}: source {source:?} must be a JSON pointer (/a/b), header:Name, =literal or value:name"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_templates_keep_the_host_fixed() {
        let t = parse_url_template("https://api.github.com/user").unwrap();
        assert_eq!(t.host, "api.github.com");
        assert_eq!(t.path, "/user");
        let t = parse_url_template("https://{dc}.api.mailchimp.com/3.0/").unwrap();
        assert_eq!(t.host_label.as_deref(), Some("dc"));
        assert_eq!(t.host, "api.mailchimp.com");
        for bad in [
            "http://api.github.com/user",
            "https://{secret}/x",
            "https://api.{x}.com/",
            "https://user:{secret}@api.example.com/",
            "https://{dc}.com/",
            "https://api.example.com/#frag",
        ] {
            assert!(parse_url_template(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn placeholders_are_names_in_braces_and_other_braces_are_text() {
        let p = placeholders(r#"{"key": "{secret}", "q": "{ viewer }"}"#).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name, "secret");
        assert!(placeholders("{oops").unwrap().is_empty());
    }
}
