//! HTTP for validators: where a provider host's requests go (the host itself, or what
//! `[validate.hosts]` maps it to), one exchange with a timeout, and redirects followed only
//! within the same origin. Errors are described by kind and host, never by URL: a URL can hold
//! the secret (a Telegram bot token, a webhook path).

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use super::ValidateError;
use super::response::Response;

/// Largest response body read; identity details are in the first bytes of any sane answer.
const MAX_BODY: u64 = 1 << 20;
/// Same-origin redirects followed before giving up.
const MAX_REDIRECTS: usize = 3;

/// Where requests for one provider host are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https`, or `http` for a local test server or proxy given in the configuration.
    pub scheme: String,
    /// `host` or `host:port`, exactly as sent in the `Host` header (and signed by SigV4).
    pub authority: String,
    /// Path prefix of an override (`https://ghe.example/api/v3`), without a trailing slash.
    pub prefix: String,
    /// True when this came from `[validate.hosts]`.
    pub overridden: bool,
}

impl Endpoint {
    /// The full URL of a path (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}://{}{}{}",
            self.scheme, self.authority, self.prefix, path
        )
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }
}

fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split(']').next().map_or(authority, |h| &h[1..]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Parses `scheme://host[:port][/prefix]`.
fn parse_base(value: &str) -> Result<Endpoint, String> {
    let (scheme, rest) = value
        .split_once("://")
        .ok_or("want scheme://host[:port], e.g. http://127.0.0.1:8181")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme {scheme:?} is not http or https"));
    }
    let (authority, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains(['@', '?', '#', ' ']) {
        return Err("the host part is empty or holds user-info, a query or spaces".into());
    }
    if prefix.contains(['?', '#']) {
        return Err("a path prefix cannot hold a query or fragment".into());
    }
    Ok(Endpoint {
        scheme,
        authority: authority.to_ascii_lowercase(),
        prefix: prefix.to_string(),
        overridden: true,
    })
}

/// The `[validate.hosts]` map: a provider host (or `*.parent.domain`) to a base URL.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hosts {
    map: BTreeMap<String, Endpoint>,
}

impl Hosts {
    /// Checks every entry; a bad one is an error naming it.
    pub fn new(map: &BTreeMap<String, String>) -> Result<Hosts, ValidateError> {
        let mut out = BTreeMap::new();
        for (host, value) in map {
            let ep = parse_base(value).map_err(|problem| ValidateError::HostOverride {
                host: host.clone(),
                value: value.clone(),
                problem,
            })?;
            out.insert(host.to_ascii_lowercase(), ep);
        }
        Ok(Hosts { map: out })
    }

    /// The endpoint for a provider host: an exact override, else a `*.suffix` one, else the host
    /// itself over https (unless the provider is self-hosted, which needs an override).
    pub fn resolve(
        &self,
        host: &str,
        port: Option<u16>,
        self_hosted: bool,
    ) -> Result<Endpoint, String> {
        let host = host.to_ascii_lowercase();
        if let Some(ep) = self.map.get(&host) {
            return Ok(ep.clone());
        }
        let mut rest = host.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(ep) = self.map.get(&format!("*.{parent}")) {
                return Ok(ep.clone());
            }
            rest = parent;
        }
        if self_hosted {
            return Err(format!(
                "unsupported: self-hosted provider; map {host:?} to your server in [validate.hosts]"
            ));
        }
        Ok(Endpoint {
            scheme: "https".into(),
            authority: match port {
                Some(p) if p != 443 => format!("{host}:{p}"),
                _ => host,
            },
            prefix: String::new(),
            overridden: false,
        })
    }
}

/// One request. Debug shows the method only: paths, headers and bodies carry secrets.
pub(crate) struct Request {
    /// `GET`, `POST` or `HEAD`.
    pub method: &'static str,
    /// Path and query, starting with `/` (the endpoint's prefix is added when sending).
    pub path: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body, for POST.
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// A blocking HTTP client: rustls with the bundled webpki roots, no redirects followed by the
/// client itself, an honest User-Agent, and a total timeout per exchange.
pub(crate) struct Http {
    agent: ureq::Agent,
    timeout: Duration,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Http {
    /// A client with `timeout` per exchange.
    pub fn new(timeout: Duration, user_agent: &str) -> Http {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(user_agent)
            .build();
        Http {
            agent: config.into(),
            timeout,
        }
    }

    /// Sends `req` to `ep`, following same-origin redirects of GET and HEAD requests. The error
    /// is a reason for an `unknown` verdict.
    pub fn send(&self, ep: &Endpoint, req: &Request) -> Result<Response, String> {
        let mut path = req.path.clone();
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.once(ep, req, &path)?;
            if !(300..400).contains(&resp.status) || resp.status == 304 {
                return Ok(resp);
            }
            let Some(location) = resp.header("location") else {
                return Ok(resp);
            };
            let next = same_origin(ep, location).ok_or_else(|| {
                format!(
                    "redirect to another host ({}) not followed",
                    redirect_host(location)
                )
            })?;
            if req.method == "POST" {
                return Err(format!(
                    "unexpected response (HTTP {} redirect of a POST)",
                    resp.status
                ));
            }
            path = next;
        }
        Err("too many redirects".into())
    }

    fn once(&self, ep: &Endpoint, req: &Request, path: &str) -> Result<Response, String> {
        let mut b = ureq::http::Request::builder()
            .method(req.method)
            .uri(ep.url(path));
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let result = match &req.body {
            Some(body) => b
                .body(body.clone())
                .map_err(|_| "unsupported: the request cannot be built".to_string())
                .and_then(|r| self.agent.run(r).map_err(|e| self.describe(ep, &e))),
            None => b
                .body(())
                .map_err(|_| "unsupported: the request cannot be built".to_string())
                .and_then(|r| self.agent.run(r).map_err(|e| self.describe(ep, &e))),
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        if req.method != "HEAD" {
            resp.body_mut()
                .as_reader()
                .take(MAX_BODY)
                .read_to_end(&mut body)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                        self.timeout_reason()
                    }
                    _ => format!("network error reading the answer of {}", ep.host()),
                })?;
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn timeout_reason(&self) -> String {
        format!("timeout after {}s", fmt_secs(self.timeout))
    }

    /// A reason naming the kind of failure and the host, never the URL.
    fn describe(&self, ep: &Endpoint, e: &ureq::Error) -> String {
        let host = ep.host();
        match e {
            ureq::Error::Timeout(_) => self.timeout_reason(),
            ureq::Error::HostNotFound => format!("network error: cannot resolve {host}"),
            ureq::Error::ConnectionFailed => format!("network error: cannot connect to {host}"),
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    self.timeout_reason()
                }
                std::io::ErrorKind::ConnectionRefused => {
                    format!("network error: connection refused by {host}")
                }
                kind => format!("network error ({kind}) with {host}"),
            },
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                format!("network error: TLS handshake with {host} failed")
            }
            ureq::Error::BodyExceedsLimit(_) => {
                format!("unexpected response: too large from {host}")
            }
            _ => format!("network error with {host}"),
        }
    }
}

/// `1`, `0.5`: seconds as people write them.
pub(crate) fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s:.1}")
    }
}

/// The path of a redirect target when it stays on the endpoint's origin.
fn same_origin(ep: &Endpoint, location: &str) -> Option<String> {
    if location.starts_with('/') && !location.starts_with("//") {
        return Some(location.to_string());
    }
    let (scheme, rest) = location.split_once("://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let same =
        scheme.eq_ignore_ascii_case(&ep.scheme) && authority.eq_ignore_ascii_case(&ep.authority);
    if !same {
        return None;
    }
    // A redirect inside an override's prefix: strip it again, `send` adds it back.
    Some(
        path.strip_prefix(ep.prefix.as_str())
            .unwrap_or(path)
            .to_string(),
    )
}

/// The host a redirect points at, for the reason text (no path: it may hold the secret).
fn redirect_host(location: &str) -> String {
    let rest = location.split_once("://").map_or(location, |(_, r)| r);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    host_of(authority).chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_resolve_exact_then_wildcard() {
        let mut m = BTreeMap::new();
        m.insert(
            "api.github.com".to_string(),
            "http://127.0.0.1:8181".to_string(),
        );
        m.insert(
            "*.api.mailchimp.com".to_string(),
            "http://127.0.0.1:9/base/".to_string(),
        );
        let h = Hosts::new(&m).unwrap();
        let ep = h.resolve("api.github.com", None, false).unwrap();
        assert_eq!(ep.url("/user"), "http://127.0.0.1:8181/user");
        let ep = h.resolve("us6.api.mailchimp.com", None, false).unwrap();
        assert_eq!(ep.url("/3.0/"), "http://127.0.0.1:9/base/3.0/");
        let ep = h.resolve("slack.com", None, false).unwrap();
        assert_eq!(ep.url("/api/auth.test"), "https://slack.com/api/auth.test");
        assert!(h.resolve("vault", None, true).is_err());
        let mut bad = BTreeMap::new();
        bad.insert("x".to_string(), "ftp://x".to_string());
        assert!(Hosts::new(&bad).is_err());
    }

    #[test]
    fn redirects_stay_on_the_origin() {
        let ep = Endpoint {
            scheme: "http".into(),
            authority: "127.0.0.1:80".into(),
            prefix: String::new(),
            overridden: true,
        };
        assert_eq!(same_origin(&ep, "/x").as_deref(), Some("/x"));
        assert_eq!(
            same_origin(&ep, "http://127.0.0.1:80/y").as_deref(),
            Some("/y")
        );
        assert_eq!(same_origin(&ep, "http://127.0.0.2:80/y"), None);
        assert_eq!(same_origin(&ep, "//evil.test/y"), None);
        assert_eq!(
            redirect_host("https://user:pw@evil.test:8/p?q"),
            "evil.test"
        );
    }
}
