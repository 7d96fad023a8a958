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
use super::spec::{Check, Condition, ValidateSpec, parse_url_template};
use super::template::{Encoding, Missing, Values, is_dns_label};
use super::{
    ValidateConfig, ValidateError, Validation, ValidationStatus, ValidationSummary, clamp_rate,
};
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
    /// Defaults with the `[validate]` table of a configuration applied. Values outside their
    /// bounds are clamped (see [`ValidateConfig::clamp`], which configuration loading applies with a
    /// warning).
    pub fn from_config(c: &ValidateConfig) -> ValidateOptions {
        let mut o = ValidateOptions::default();
        if let Some(n) = c.concurrency {
            o.concurrency = n;
        }
        if let Some(t) = c.timeout {
            o.timeout = secs(t, super::MAX_TIMEOUT_SECS);
        }
        if let Some(n) = c.max_retries {
            o.max_retries = n;
        }
        if let Some(t) = c.max_retry_wait {
            o.max_retry_wait = secs(t, super::MAX_RETRY_WAIT_SECS);
        }
        if let Some(r) = c.rate_limit {
            o.rate_limit = r;
        }
        o.rate_limits = c.rate_limits.clone();
        o.hosts = c.hosts.clone();
        o.sanitized()
    }

    /// The options with every number brought inside its bounds: at least one check in flight
    /// and at most [`MAX_CONCURRENCY`](super::MAX_CONCURRENCY), a timeout between 1 ms and
    /// [`MAX_TIMEOUT_SECS`](super::MAX_TIMEOUT_SECS), waits no longer than an hour, rates `0`
    /// or within [`MIN_RATE`](super::MIN_RATE)..=[`MAX_RATE`](super::MAX_RATE). Options are
    /// public fields, so [`Validator::new`] applies this too: no value can make a check panic
    /// or wait for ever.
    pub fn sanitized(mut self) -> ValidateOptions {
        let max_wait = secs(super::MAX_RETRY_WAIT_SECS, super::MAX_RETRY_WAIT_SECS);
        self.concurrency = self.concurrency.clamp(1, super::MAX_CONCURRENCY);
        self.timeout = self.timeout.clamp(
            Duration::from_millis(1),
            secs(super::MAX_TIMEOUT_SECS, super::MAX_TIMEOUT_SECS),
        );
        self.max_retries = self.max_retries.min(super::MAX_RETRIES);
        self.max_retry_wait = self.max_retry_wait.min(max_wait);
        self.backoff = self.backoff.min(max_wait);
        self.rate_limit = clamp_rate(self.rate_limit);
        for r in self.rate_limits.values_mut() {
            *r = clamp_rate(*r);
        }
        self
    }
}

/// `t` seconds as a duration, within `0..=max` (NaN and negatives are 0).
fn secs(t: f64, max: f64) -> Duration {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, max) };
    Duration::try_from_secs_f64(t).unwrap_or(Duration::ZERO)
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

/// What makes two credentials one check: the fingerprint (rule and secret) and the
/// companion's value.
pub(crate) type JobKey<'a> = (&'a str, Option<&'a str>);

pub(crate) fn job_key<'a>(c: &Credential<'a>) -> JobKey<'a> {
    (c.fingerprint, c.companion.map(|c| c.value.expose()))
}

/// A request-rate limit for one provider: requests are given start times at least `interval`
/// apart, and a 429 pushes the next start time back for every request to that provider.
struct Limiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Limiter {
    fn new(per_second: f64) -> Limiter {
        let per_second = clamp_rate(per_second);
        let interval = if per_second > 0.0 {
            secs(1.0 / per_second, 1.0 / super::MIN_RATE)
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
            *next = slot.checked_add(self.interval).unwrap_or(slot);
            slot.saturating_duration_since(now)
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
        let opts = opts.sanitized();
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
    /// each distinct credential once, `concurrency` at a time. The verdicts are in input order.
    ///
    /// Distinct means fingerprint *and* companion: the fingerprint covers the rule and the
    /// secret only, and one secret with two companions (a Twilio auth token next to two account
    /// SIDs, an AWS secret key next to two key ids) is two checks that may well disagree.
    pub fn validate_credentials(&self, creds: &[Credential<'_>]) -> Vec<Validation> {
        let mut first: HashMap<JobKey<'_>, usize> = HashMap::new();
        let mut jobs: Vec<usize> = Vec::new();
        let mut job_of = Vec::with_capacity(creds.len());
        for (i, c) in creds.iter().enumerate() {
            let j = *first.entry(job_key(c)).or_insert_with(|| {
                jobs.push(i);
                jobs.len() - 1
            });
            job_of.push(j);
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
        job_of.into_iter().map(|j| results[j].clone()).collect()
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
            Check::Unsupported => unknown(format!(
                "unsupported: {}",
                spec.note.as_deref().unwrap_or("no safe check exists")
            )),
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
            let wait = retry_after.unwrap_or_else(|| {
                self.opts
                    .backoff
                    .saturating_mul(2u32.saturating_pow(attempt))
            });
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
            if let Some(until) = Instant::now().checked_add(wait) {
                limiter.hold(until);
            }
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

/// Longest `Retry-After` taken literally; a provider asking for more (`1e20`, a date in the year
/// 9999) is read as asking for this, which is far over any cap, and the check gives up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(365 * 86_400);

/// `Retry-After`: seconds or an HTTP date, at most [`MAX_RETRY_AFTER`]. The value comes from the
/// network: no number it holds may reach a panicking conversion.
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<f64>() {
        if s.is_nan() || s < 0.0 {
            return None;
        }
        return Some(secs(s, MAX_RETRY_AFTER.as_secs_f64()));
    }
    let at = parse_http_date(v)?;
    let wait = at.saturating_sub(now_unix()).max(0);
    Some(Duration::from_secs(wait as u64).min(MAX_RETRY_AFTER))
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
/// The verdict a response gives under `spec`. A condition that looks at the body (`json`,
/// `has`, `body_contains`) beats one that looks at the status alone, whatever list it is in: a
/// provider answering HTTP 403 both for a bad token (`"Invalid token"`) and for a live token
/// without permission is told apart by the body first. Within each tier, `valid` then
/// `invalid` then `unknown`. A condition's `reason` travels with its verdict ("valid:
/// insufficient permission").
fn decide(spec: &ValidateSpec, resp: &Response, values: &Values) -> Option<Validation> {
    let json = resp.json();
    let specific =
        |c: &Condition| !c.json.is_empty() || !c.has.is_empty() || c.body_contains.is_some();
    let lists = [
        (ValidationStatus::Valid, &spec.valid),
        (ValidationStatus::Invalid, &spec.invalid),
        (ValidationStatus::Unknown, &spec.unknown),
    ];
    let found = [true, false].into_iter().find_map(|tier| {
        lists.iter().find_map(|(status, conds)| {
            conds
                .iter()
                .find(|c| specific(c) == tier && response::matches(c, resp, json.as_ref()))
                .map(|c| (*status, c))
        })
    });
    let (status, c) = found?;
    Some(match status {
        ValidationStatus::Valid => {
            let mut v = verdict(ValidationStatus::Valid, c.reason.clone());
            let lookup = |name: &str| values.get(name).map(str::to_string);
            v.identity = response::identity(&spec.identity, resp, json.as_ref(), &lookup);
            v
        }
        ValidationStatus::Invalid => {
            let why = match &c.reason {
                Some(r) => format!("rejected by the provider (HTTP {}: {r})", resp.status),
                None => format!("rejected by the provider (HTTP {})", resp.status),
            };
            verdict(ValidationStatus::Invalid, Some(why))
        }
        ValidationStatus::Unknown => {
            unknown(c.reason.clone().unwrap_or_else(|| unexpected(resp.status)))
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_from_the_network_never_panics_and_is_capped() {
        for v in [
            "1e20",
            "1e308",
            "inf",
            "18446744073709551616",
            "99999999999999999999",
        ] {
            assert_eq!(parse_retry_after(v), Some(MAX_RETRY_AFTER), "{v}");
        }
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn hostile_numbers_in_options_are_clamped_not_panics() {
        let mut c = ValidateConfig {
            concurrency: Some(1_000_000),
            timeout: Some(1e20),
            max_retries: Some(u32::MAX),
            max_retry_wait: Some(f64::INFINITY),
            rate_limit: Some(1e-30),
            ..Default::default()
        };
        c.rate_limits.insert("github".into(), f64::NAN);
        let warnings = c.clamp();
        assert_eq!(warnings.len(), 6, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("validate.concurrency = 1000000: must be between 1 and 64")),
            "{warnings:?}"
        );
        let o = ValidateOptions::from_config(&c);
        assert_eq!(o.concurrency, super::super::MAX_CONCURRENCY);
        assert_eq!(o.timeout, Duration::from_secs(600));
        assert_eq!(o.max_retries, super::super::MAX_RETRIES);
        assert_eq!(o.max_retry_wait, Duration::from_secs(3600));
        assert_eq!(o.rate_limit, super::super::MIN_RATE);
        assert_eq!(o.rate_limits["github"], 0.0);
        // Unclamped configuration (an embedder's struct) and options set field by field are
        // brought inside the bounds too, never reaching a panicking conversion.
        let raw = ValidateConfig {
            concurrency: Some(0),
            timeout: Some(f64::NAN),
            max_retry_wait: Some(-1.0),
            rate_limit: Some(f64::INFINITY),
            ..Default::default()
        };
        let o = ValidateOptions::from_config(&raw);
        assert_eq!(o.concurrency, 1);
        assert!(o.timeout >= Duration::from_millis(1));
        assert_eq!(o.max_retry_wait, Duration::ZERO);
        assert_eq!(o.rate_limit, super::super::MAX_RATE);
        let limiter = Limiter::new(1e-300);
        assert_eq!(limiter.interval, Duration::from_secs(1000));
        let o = ValidateOptions {
            concurrency: usize::MAX,
            timeout: Duration::MAX,
            backoff: Duration::MAX,
            ..Default::default()
        }
        .sanitized();
        assert_eq!(o.concurrency, 64);
        assert_eq!(o.timeout, Duration::from_secs(600));
        assert_eq!(o.backoff, Duration::from_secs(3600));
    }
}
