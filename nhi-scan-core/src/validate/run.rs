//! The validation stage: each distinct credential (fingerprint) checked once, by a bounded pool
//! of worker threads, with a request-rate limit per provider, capped retries on 429, and a
//! timeout on every exchange.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::clock::{now_unix, parse_http_date, rfc3339};
use super::http::{Endpoint, Hosts, Http, Request, fmt_secs};
use super::response::{self, Response};
use super::spec::{Check, ValidateSpec, parse_url_template};
use super::template::{Encoding, Missing, Values, is_dns_label};
use super::{ValidateConfig, ValidateError, Validation, ValidationStatus};
use crate::finding::{Companion, Finding, Secret};
use crate::rules::Rule;

/// Settings of a validation run. [`ValidateOptions::default`] is what the CLI uses unless told
/// otherwise.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Checks in flight at once, over all providers.
    pub concurrency: usize,
    /// Total time allowed for one exchange (connect, TLS, request, answer).
    pub timeout: Duration,
    /// Retries after a 429 (or a 503 with `Retry-After`).
    pub max_retries: u32,
    /// Longest wait a `Retry-After` may ask for; a longer one ends the check as `unknown`.
    pub max_retry_wait: Duration,
    /// Wait before the first retry when the provider gives no `Retry-After` (doubles each time).
    pub backoff: Duration,
    /// Requests per second per provider, unless the rule or `rate_limits` says otherwise.
    pub rate_limit: f64,
    /// Requests per second by provider name (`0` = no limit).
    pub rate_limits: BTreeMap<String, f64>,
    /// `[validate.hosts]`: provider host (or `*.domain`) to `scheme://host:port[/prefix]`.
    pub hosts: BTreeMap<String, String>,
    /// Connect to databases named by URIs in scanned content (`--validate-db`).
    pub databases: bool,
    /// `User-Agent` sent with every request.
    pub user_agent: String,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            max_retries: 2,
            max_retry_wait: Duration::from_secs(30),
            backoff: Duration::from_secs(1),
            rate_limit: 10.0,
            rate_limits: BTreeMap::new(),
            hosts: BTreeMap::new(),
            databases: false,
            user_agent: format!("nhi-scan/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl ValidateOptions {
    /// Defaults with the `[validate]` table of a configuration applied.
    pub fn from_config(c: &ValidateConfig) -> ValidateOptions {
        let mut o = ValidateOptions::default();
        if let Some(n) = c.concurrency {
            o.concurrency = n.max(1);
        }
        if let Some(t) = c.timeout.filter(|t| *t > 0.0 && t.is_finite()) {
            o.timeout = Duration::from_secs_f64(t);
        }
        if let Some(n) = c.max_retries {
            o.max_retries = n;
        }
        if let Some(t) = c.max_retry_wait.filter(|t| *t >= 0.0 && t.is_finite()) {
            o.max_retry_wait = Duration::from_secs_f64(t);
        }
        if let Some(r) = c.rate_limit.filter(|r| *r >= 0.0 && r.is_finite()) {
            o.rate_limit = r;
        }
        o.rate_limits = c.rate_limits.clone();
        o.hosts = c.hosts.clone();
        o
    }
}

/// One credential to validate, borrowed from wherever it is held. Debug masks the secrets.
#[derive(Debug, Clone, Copy)]
pub struct Credential<'a> {
    /// The rule that found it (picks the validator).
    pub rule_id: &'a str,
    /// Its fingerprint: credentials with the same one are checked once.
    pub fingerprint: &'a str,
    /// The secret.
    pub secret: &'a Secret,
    /// The companion captured with it, if any.
    pub companion: Option<&'a Companion>,
}

/// Counts of a validation run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationSummary {
    /// Distinct credentials the provider accepted.
    pub valid: usize,
    /// Distinct credentials it rejected.
    pub invalid: usize,
    /// Distinct credentials with no verdict.
    pub unknown: usize,
}

impl ValidationSummary {
    /// Counts the verdicts already on `findings` (one per finding).
    pub fn of(findings: &[Finding]) -> ValidationSummary {
        let mut s = ValidationSummary::default();
        for v in findings.iter().filter_map(|f| f.validation.as_ref()) {
            match v.status {
                ValidationStatus::Valid => s.valid += 1,
                ValidationStatus::Invalid => s.invalid += 1,
                ValidationStatus::Unknown => s.unknown += 1,
            }
        }
        s
    }
}

/// A request-rate limit for one provider: requests are given start times at least `interval`
/// apart, and a 429 pushes the next start time back for every request to that provider.
struct Limiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Limiter {
    fn new(per_second: f64) -> Limiter {
        let interval = if per_second > 0.0 {
            Duration::from_secs_f64(1.0 / per_second)
        } else {
            Duration::ZERO
        };
        Limiter {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's turn.
    fn acquire(&self) {
        let wait = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot - now
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// Holds every request to the provider until `until` (after a 429).
    fn hold(&self, until: Instant) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next = (*next).max(until);
    }
}

/// Checks credentials with their providers. Built once from the rules (their `validate`
/// tables) and the options; [`Validator::validate`] runs the stage over grouped findings.
pub struct Validator {
    specs: HashMap<String, (ValidateSpec, Option<String>)>,
    pub(crate) opts: ValidateOptions,
    pub(crate) http: Http,
    hosts: Hosts,
    limiters: Mutex<HashMap<String, Arc<Limiter>>>,
    requests: AtomicU64,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("validators", &self.specs.len())
            .field("concurrency", &self.opts.concurrency)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator for `rules` (rules without a `validate` table report `unknown`,
    /// unsupported). Fails only on a bad `[validate.hosts]` entry.
    pub fn new<'a>(
        rules: impl IntoIterator<Item = &'a Rule>,
        opts: ValidateOptions,
    ) -> Result<Validator, ValidateError> {
        let specs = rules
            .into_iter()
            .filter_map(|r| {
                let spec = r.validate.clone()?;
                Some((
                    r.id.clone(),
                    (spec, r.companion.as_ref().map(|c| c.name.clone())),
                ))
            })
            .collect();
        Ok(Validator {
            specs,
            http: Http::new(opts.timeout, &opts.user_agent),
            hosts: Hosts::new(&opts.hosts)?,
            opts,
            limiters: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
        })
    }

    /// A validator for the rules a [`Scan`](crate::Scan) runs (built-in, configured and
    /// `--rules`), with `opts`.
    pub fn for_scan(scan: &crate::Scan, opts: ValidateOptions) -> Result<Validator, ValidateError> {
        let n = scan.scanner.rule_count();
        Validator::new((0..n).map(|i| &scan.scanner.rule(i).rule), opts)
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether `rule_id` has a validator.
    pub fn supports(&self, rule_id: &str) -> bool {
        self.specs.contains_key(rule_id)
    }

    /// Validates every finding: each distinct fingerprint once, `concurrency` at a time, and
    /// sets `validation` on every finding.
    pub fn validate(&self, findings: &mut [Finding]) -> ValidationSummary {
        let creds: Vec<Credential<'_>> = findings
            .iter()
            .map(|f| Credential {
                rule_id: &f.rule_id,
                fingerprint: &f.fingerprint,
                secret: &f.secret,
                companion: f.companion.as_ref(),
            })
            .collect();
        let results = self.validate_credentials(&creds);
        for (f, v) in findings.iter_mut().zip(results) {
            f.validation = Some(v);
        }
        ValidationSummary::of(findings)
    }

    /// Validates credentials held outside findings (a report read back, an embedder's list):
    /// each distinct fingerprint once, `concurrency` at a time. The verdicts are in input order.
    pub fn validate_credentials(&self, creds: &[Credential<'_>]) -> Vec<Validation> {
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut jobs: Vec<usize> = Vec::new();
        for (i, c) in creds.iter().enumerate() {
            if !first.contains_key(c.fingerprint) {
                first.insert(c.fingerprint, jobs.len());
                jobs.push(i);
            }
        }
        let slots: Vec<Mutex<Option<Validation>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let workers = self.opts.concurrency.max(1).min(jobs.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&ci) = jobs.get(j) else { break };
                        let c = &creds[ci];
                        let companion = c.companion.map(|c| (c.name.as_str(), c.value.expose()));
                        let v = self.check(c.rule_id, c.secret.expose(), companion);
                        *slots[j].lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
                    }
                });
            }
        });
        let results: Vec<Validation> = slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| unknown("not checked".into()))
            })
            .collect();
        creds
            .iter()
            .map(|c| results[first[c.fingerprint]].clone())
            .collect()
    }

    /// Checks one credential of rule `rule_id`.
    pub fn check(
        &self,
        rule_id: &str,
        secret: &str,
        companion: Option<(&str, &str)>,
    ) -> Validation {
        let Some((spec, companion_name)) = self.specs.get(rule_id) else {
            return unknown(format!("unsupported: no validator for {rule_id}"));
        };
        // A companion found under another name (an older report) still counts as the rule's.
        let companion = companion.map(|(n, v)| match companion_name {
            Some(name) => (name.as_str(), v),
            None => (n, v),
        });
        if spec.check.is_database() && !self.opts.databases {
            return unknown(
                "not checked: database URIs name their own host; enable with --validate-db".into(),
            );
        }
        let mut v = match spec.check {
            Check::Http => self.http_check(spec, secret, companion),
            Check::AwsSts => super::aws::check(self, spec, secret, companion),
            Check::GcpServiceAccount => super::gcp::check(self, spec, secret, companion),
            Check::AzureStorage => super::azure::check(self, spec, secret, companion),
            Check::Postgres | Check::Mysql | Check::Redis | Check::Mongodb => {
                super::db::check(self, spec, secret, companion)
            }
        };
        response::scrub(&mut v.identity, secret);
        v
    }

    fn http_check(
        &self,
        spec: &ValidateSpec,
        secret: &str,
        companion: Option<(&str, &str)>,
    ) -> Validation {
        let Some(url) = &spec.url else {
            return unknown("unsupported: validator has no url".into());
        };
        let Ok(t) = parse_url_template(url) else {
            return unknown("unsupported: validator url is invalid".into());
        };
        let values = Values::new(secret, companion, &spec.vars);
        let host = match &t.host_label {
            None => t.host.clone(),
            Some(label) => match values.get(label) {
                Some(v) if is_dns_label(v) => format!("{}.{}", v.to_ascii_lowercase(), t.host),
                Some(_) => {
                    return unknown(format!("not checked: {label} is not a host name label"));
                }
                None => return missing(Missing::Value(label.clone())),
            },
        };
        let ep = match self.hosts.resolve(&host, t.port, spec.self_hosted) {
            Ok(ep) => ep,
            Err(reason) => return unknown(reason),
        };
        let req = match build_request(spec, &values, &t.path) {
            Ok(r) => r,
            Err(m) => return missing(m),
        };
        self.exchange(spec, &ep, &req, |resp| decide(spec, resp, &values))
    }

    /// One request with the provider's rate limit and capped retries on 429; `decide` turns
    /// an answer into a verdict, or `None` for "not an answer about the credential".
    pub(crate) fn exchange(
        &self,
        spec: &ValidateSpec,
        ep: &Endpoint,
        req: &Request,
        decide: impl Fn(&Response) -> Option<Validation>,
    ) -> Validation {
        let limiter = self.limiter(spec);
        let mut attempt = 0u32;
        loop {
            limiter.acquire();
            self.requests.fetch_add(1, Ordering::Relaxed);
            let resp = match self.http.send(ep, req) {
                Ok(r) => r,
                Err(reason) => return unknown(reason),
            };
            if let Some(v) = decide(&resp) {
                return v;
            }
            let retry_after = resp.header("retry-after").and_then(parse_retry_after);
            let limited = resp.status == 429 || (resp.status == 503 && retry_after.is_some());
            if !limited {
                return unknown(unexpected(resp.status));
            }
            let wait =
                retry_after.unwrap_or_else(|| self.opts.backoff * 2u32.saturating_pow(attempt));
            if wait > self.opts.max_retry_wait {
                return unknown(format!(
                    "rate limited (HTTP {}; retry after {}s exceeds the {}s cap)",
                    resp.status,
                    fmt_secs(wait),
                    fmt_secs(self.opts.max_retry_wait)
                ));
            }
            if attempt >= self.opts.max_retries {
                return unknown(format!(
                    "rate limited (HTTP {}) after {} attempts",
                    resp.status,
                    attempt + 1
                ));
            }
            limiter.hold(Instant::now() + wait);
            attempt += 1;
        }
    }

    fn limiter(&self, spec: &ValidateSpec) -> Arc<Limiter> {
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(spec.provider.clone()).or_insert_with(|| {
            let rate = self
                .opts
                .rate_limits
                .get(&spec.provider)
                .copied()
                .or(spec.rate_limit)
                .unwrap_or(self.opts.rate_limit);
            Arc::new(Limiter::new(rate))
        }))
    }

    /// The endpoint for a fixed provider host (code checks).
    pub(crate) fn endpoint(&self, host: &str, self_hosted: bool) -> Result<Endpoint, String> {
        self.hosts.resolve(host, None, self_hosted)
    }
}

/// `Retry-After`: seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s >= 0.0 && s.is_finite()).then(|| Duration::from_secs_f64(s));
    }
    let at = parse_http_date(v)?;
    Some(Duration::from_secs(
        at.saturating_sub(now_unix()).max(0) as u64
    ))
}

fn build_request(spec: &ValidateSpec, values: &Values, path: &str) -> Result<Request, Missing> {
    let mut headers = Vec::new();
    let mut content_type = String::new();
    for (k, v) in &spec.headers {
        let v = values.fill(v, Encoding::Raw)?;
        if k.eq_ignore_ascii_case("content-type") {
            content_type = v.to_ascii_lowercase();
        }
        headers.push((k.clone(), v));
    }
    if let Some(b) = &spec.basic {
        use base64::Engine;
        let user = values.fill(&b.user, Encoding::Raw)?;
        let password = values.fill(&b.password, Encoding::Raw)?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("Authorization".into(), format!("Basic {token}")));
    }
    let body = match &spec.body {
        Some(b) => {
            let enc = if content_type.contains("json") {
                Encoding::Json
            } else if content_type.contains("x-www-form-urlencoded") {
                Encoding::Form
            } else {
                Encoding::Raw
            };
            Some(values.fill(b, enc)?.into_bytes())
        }
        None if spec.method.as_str() == "POST" => Some(Vec::new()),
        None => None,
    };
    Ok(Request {
        method: spec.method.as_str(),
        path: values.fill_path(path)?,
        headers,
        body,
    })
}

/// The verdict of a declarative validator on an answer.
fn decide(spec: &ValidateSpec, resp: &Response, values: &Values) -> Option<Validation> {
    let json = resp.json();
    if spec
        .valid
        .iter()
        .any(|c| response::matches(c, resp, json.as_ref()))
    {
        let mut v = verdict(ValidationStatus::Valid, None);
        let lookup = |name: &str| values.get(name).map(str::to_string);
        v.identity = response::identity(&spec.identity, resp, json.as_ref(), &lookup);
        return Some(v);
    }
    if spec
        .invalid
        .iter()
        .any(|c| response::matches(c, resp, json.as_ref()))
    {
        return Some(verdict(
            ValidationStatus::Invalid,
            Some(format!("rejected by the provider (HTTP {})", resp.status)),
        ));
    }
    if let Some(c) = spec
        .unknown
        .iter()
        .find(|c| response::matches(c, resp, json.as_ref()))
    {
        let reason = c.reason.clone().unwrap_or_else(|| unexpected(resp.status));
        return Some(unknown(reason));
    }
    None
}

fn unexpected(status: u16) -> String {
    if status >= 500 {
        format!("provider error (HTTP {status})")
    } else {
        format!("unexpected response (HTTP {status})")
    }
}

/// A verdict stamped now.
pub(crate) fn verdict(status: ValidationStatus, reason: Option<String>) -> Validation {
    Validation::new(status, reason, rfc3339(now_unix()))
}

/// An `unknown` verdict.
pub(crate) fn unknown(reason: String) -> Validation {
    verdict(ValidationStatus::Unknown, Some(reason))
}

/// A `valid` verdict with identity details.
pub(crate) fn valid(identity: BTreeMap<String, Value>) -> Validation {
    let mut v = verdict(ValidationStatus::Valid, None);
    v.identity = identity;
    v
}

/// An `invalid` verdict.
pub(crate) fn invalid(reason: String) -> Validation {
    verdict(ValidationStatus::Invalid, Some(reason))
}

pub(crate) fn missing(m: Missing) -> Validation {
    match m {
        Missing::Value(name) => unknown(format!(
            "not checked: needs the {name} found next to the secret, and none was found"
        )),
        Missing::Unusable(what) => unknown(format!("not checked: {what} cannot be sent")),
    }
}
