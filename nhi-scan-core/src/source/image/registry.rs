//! Pulling images over the OCI distribution API: manifests (indexes resolved to a platform),
//! the config, and each layer streamed straight into the layer reader (its digest checked as it
//! streams, nothing written to disk). Authentication: anonymous, HTTP basic, and bearer tokens
//! from the registry's token service, with credentials the caller gives or found in a Docker
//! `config.json`.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use super::digest;
use super::layer::{Feeder, read_layer};
use super::local::resolve_index;
use super::model::{DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use super::{ImageError, ImageOptions, LayerCache, Plan, PlanLayer};

/// Manifests, configs and token responses larger than this are refused.
const DOC_MAX: u64 = super::local::META_MAX;

/// A registry image reference: `host[:port]/name[:tag][@digest]`, or a Docker Hub short name
/// (`alpine`, `org/app:1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// Repository path (`library/alpine`).
    pub repository: String,
    /// Tag, when given (`latest` when neither tag nor digest is).
    pub tag: Option<String>,
    /// `sha256:...`, when given.
    pub digest: Option<String>,
    original: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl Reference {
    /// Parses a reference the way Docker does: the first component is a registry when it has
    /// a `.` or a `:` (a port) or is `localhost`, else the image is on Docker Hub (`alpine` is
    /// `library/alpine`); a `:` after the last `/` starts the tag; `@` starts a digest, which
    /// must be `sha256:` or `sha512:` with lowercase hex of the right length. Repository paths
    /// are lowercase; registry host names may be any case.
    pub fn parse(s: &str) -> Result<Reference, ImageError> {
        let bad = || ImageError::Reference(s.chars().take(200).collect());
        if s.is_empty()
            || s.len() > 4096
            || s.contains(|c: char| c.is_whitespace() || c.is_control())
            || s.contains("://")
        {
            return Err(bad());
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                digest::parse(d).map_err(|_| bad())?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), path.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if !valid_registry(&registry) {
            return Err(bad());
        }
        // Docker Hub under any of its names; its official images live under `library/`.
        let (registry, repository) = match registry.to_ascii_lowercase().as_str() {
            "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
                let repo = if repository.contains('/') {
                    repository
                } else {
                    format!("library/{repository}")
                };
                ("registry-1.docker.io".to_string(), repo)
            }
            _ => (registry, repository),
        };
        let component_ok = |c: &str| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && c.bytes()
                    .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"._-".contains(&x))
        };
        if repository.len() > 255 || !repository.split('/').all(component_ok) {
            return Err(bad());
        }
        if tag.as_ref().is_some_and(|t| {
            t.is_empty()
                || t.len() > 128
                || t.starts_with(['.', '-'])
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        }) {
            return Err(bad());
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
            original: s.to_string(),
        })
    }

    /// The digest if given, else the tag: what `manifests/<ref>` takes.
    fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// Whether the registry is this machine: 127.0.0.0/8, ::1 or localhost.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(host_of(&self.registry))
    }
}

/// `host[:port]`: a DNS name (any case) or an IPv4 address, or `[IPv6]`; the port in digits.
fn valid_registry(r: &str) -> bool {
    let (host, port) = match r.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, rest)) if h.parse::<std::net::Ipv6Addr>().is_ok() => (
                h,
                rest.strip_prefix(':')
                    .map(Some)
                    .unwrap_or(if rest.is_empty() { None } else { Some("") }),
            ),
            _ => return false,
        },
        None => match r.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (r, None),
        },
    };
    let host_ok = r.starts_with('[')
        || (!host.is_empty()
            && host.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// `host:port` -> `host`; `[::1]:5000` -> `::1`.
fn host_of(authority: &str) -> &str {
    let host = authority
        .rsplit_once(':')
        .filter(|(h, p)| {
            p.bytes().all(|b| b.is_ascii_digit()) && (!h.contains(':') || h.ends_with(']'))
        })
        .map_or(authority, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A registry user and password (or token). Debug output hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or access token.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where Docker keeps registry credentials: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`. For the caller (the CLI) to pass in [`ImageOptions::docker_config`].
pub fn default_docker_config() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Credentials for `registry` from a Docker config file (`auths.<host>.auth` or
/// `username`/`password`). Credential helpers are not run.
fn docker_config_credentials(path: &Path, registry: &str) -> Option<Credentials> {
    let bytes = std::fs::read(path).ok()?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let auths = doc.get("auths")?.as_object()?;
    let wanted = match registry {
        "registry-1.docker.io" | "docker.io" => "index.docker.io",
        r => r,
    };
    for (key, entry) in auths {
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or("");
        let host = if host == "docker.io" {
            "index.docker.io"
        } else {
            host
        };
        if host != wanted {
            continue;
        }
        if let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (u, p) = text.split_once(':')?;
            return Some(Credentials {
                username: u.into(),
                password: p.into(),
            });
        }
        if let (Some(u), Some(p)) = (
            entry.get("username").and_then(|v| v.as_str()),
            entry.get("password").and_then(|v| v.as_str()),
        ) {
            return Some(Credentials {
                username: u.into(),
                password: p.into(),
            });
        }
    }
    None
}

struct Client {
    agent: ureq::Agent,
    base: String,
    repository: String,
    credentials: Option<Credentials>,
    authorization: Option<String>,
    /// Speaking TLS to a loopback registry: a transport error likely means it wants plain HTTP.
    hint: bool,
    /// The registry's host (no port), to tell whether a token service is the same host.
    host: String,
    /// Send credentials to a token service on another host (the caller opted in).
    any_realm: bool,
    /// Whole-request deadlines: documents (manifests, configs, tokens) and layer blobs.
    doc_timeout: Duration,
    blob_timeout: Duration,
}

type Response = ureq::http::Response<ureq::Body>;

impl Client {
    fn new(reference: &Reference, options: &ImageOptions) -> Result<Client, ImageError> {
        // Plain HTTP only when the caller allows it, and only to this machine: anywhere else
        // anyone on the path could read the credentials and swap the layers.
        let plain = options.insecure_registry;
        if plain && !reference.is_loopback() {
            return Err(ImageError::Insecure(format!(
                "plain HTTP (--insecure-registry) is allowed only for loopback registries \
                 (127.0.0.0/8, ::1, localhost), not {}",
                reference.registry
            )));
        }
        let scheme = if plain { "http" } else { "https" };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(!plain)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .user_agent(concat!("nhi-scan/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let credentials = options.credentials.clone().or_else(|| {
            options
                .docker_config
                .as_deref()
                .and_then(|p| docker_config_credentials(p, &reference.registry))
        });
        Ok(Client {
            agent,
            base: format!("{scheme}://{}", reference.registry),
            repository: reference.repository.clone(),
            credentials,
            authorization: None,
            hint: !plain && reference.is_loopback(),
            host: host_of(&reference.registry).to_ascii_lowercase(),
            any_realm: options.credentials_to_any_realm,
            doc_timeout: options.document_timeout,
            blob_timeout: options.blob_timeout,
        })
    }

    fn send(&self, url: &str, accept: Option<&str>, blob: bool) -> Result<Response, ImageError> {
        // A deadline for the whole request, body included: a server that trickles bytes (or
        // stops sending without closing) cannot hold the scan forever.
        let timeout = if blob {
            self.blob_timeout
        } else {
            self.doc_timeout
        };
        let mut req = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(timeout))
            .build();
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(auth) = &self.authorization {
            req = req.header("Authorization", auth);
        }
        req.call().map_err(|e| ImageError::Transport {
            url: url.to_string(),
            message: if self.hint {
                format!("{e} (a loopback registry usually speaks plain HTTP: allow it with --insecure-registry)")
            } else {
                e.to_string()
            },
        })
    }

    /// GET `/v2/<repository>/<path>`, authenticating on a 401 challenge and retrying once: the
    /// first challenge, or a token that expired during a long pull (fetched afresh).
    fn get(
        &mut self,
        path: &str,
        accept: Option<&str>,
        blob: bool,
    ) -> Result<Response, ImageError> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        let mut resp = self.send(&url, accept, blob)?;
        if resp.status().as_u16() == 401 {
            let challenge = resp
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            self.authenticate(&challenge, &url)?;
            resp = self.send(&url, accept, blob)?;
        }
        if !resp.status().is_success() {
            return Err(status_error(&url, resp));
        }
        Ok(resp)
    }

    fn authenticate(&mut self, challenge: &str, url: &str) -> Result<(), ImageError> {
        let (scheme, params) = parse_challenge(challenge);
        let param = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let basic = self.credentials.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            )
        });
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => match basic {
                Some(b) => {
                    self.authorization = Some(b);
                    Ok(())
                }
                None => Err(ImageError::Registry {
                    method: "GET",
                    url: url.to_string(),
                    status: 401,
                    message:
                        "authentication required (no credentials given or in the Docker config)"
                            .into(),
                }),
            },
            "bearer" => {
                let realm = param("realm").ok_or_else(|| ImageError::Registry {
                    method: "GET",
                    url: url.to_string(),
                    status: 401,
                    message: "bearer challenge without a realm".into(),
                })?;
                let send_credentials = self.realm_allowed(&realm, url)?;
                let scope = param("scope")
                    .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let sep = if realm.contains('?') { '&' } else { '?' };
                let mut token_url = format!("{realm}{sep}scope={}", encode(&scope));
                if let Some(service) = param("service") {
                    token_url.push_str(&format!("&service={}", encode(&service)));
                }
                let mut req = self
                    .agent
                    .get(&token_url)
                    .config()
                    .timeout_global(Some(self.doc_timeout))
                    .build();
                if let Some(b) = basic.as_ref().filter(|_| send_credentials) {
                    req = req.header("Authorization", b);
                }
                let mut resp = req.call().map_err(|e| ImageError::Transport {
                    url: realm.clone(),
                    message: e.to_string(),
                })?;
                if !resp.status().is_success() {
                    return Err(status_error(&realm, resp));
                }
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .map_err(|e| ImageError::Transport {
                        url: realm.clone(),
                        message: e.to_string(),
                    })?;
                let doc: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|e| ImageError::BadDocument {
                        what: format!("token response from {realm}"),
                        message: e.to_string(),
                    })?;
                let token = doc
                    .get("token")
                    .or_else(|| doc.get("access_token"))
                    .and_then(|t| t.as_str())
                    .ok_or_else(|| ImageError::BadDocument {
                        what: format!("token response from {realm}"),
                        message: "no token".into(),
                    })?;
                self.authorization = Some(format!("Bearer {token}"));
                Ok(())
            }
            _ => Err(ImageError::Registry {
                method: "GET",
                url: url.to_string(),
                status: 401,
                message: format!("unsupported authentication challenge {scheme:?}"),
            }),
        }
    }

    /// Whether the token service at `realm` may be asked, and with the credentials. Refused:
    /// anything but `https`, or plain `http` on loopback. Credentials go to the registry's own
    /// host (any port), Docker Hub's token service, or any host when the caller opted in;
    /// otherwise a token is asked for anonymously.
    fn realm_allowed(&self, realm: &str, url: &str) -> Result<bool, ImageError> {
        let refuse = |why: &str| {
            ImageError::Insecure(format!("token service {realm:?} named by {url}: {why}"))
        };
        let (scheme, rest) = realm
            .split_once("://")
            .ok_or_else(|| refuse("not an http(s) URL"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(refuse("user info in the URL"));
        }
        let host = host_of(authority).to_ascii_lowercase();
        match scheme.to_ascii_lowercase().as_str() {
            "https" => {}
            "http" if is_loopback_host(&host) => {}
            "http" => return Err(refuse("plain HTTP to a host that is not loopback")),
            _ => return Err(refuse("not an http(s) URL")),
        }
        let same =
            host == self.host || (self.host == "registry-1.docker.io" && host == "auth.docker.io");
        Ok(same || self.any_realm)
    }

    /// A manifest or index by tag or digest: bytes and content type.
    fn manifest(&mut self, reference: &str) -> Result<(Vec<u8>, Option<String>), ImageError> {
        let accept = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
        let mut resp = self.get(&format!("manifests/{reference}"), Some(&accept), false)?;
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or("").trim().to_string());
        let bytes = read_doc(&mut resp, &self.base)?;
        Ok((bytes, ct))
    }

    fn blob(&mut self, digest: &str, layer: bool) -> Result<Response, ImageError> {
        digest::parse(digest)?;
        self.get(&format!("blobs/{digest}"), None, layer)
    }
}

fn read_doc(resp: &mut Response, url: &str) -> Result<Vec<u8>, ImageError> {
    resp.body_mut()
        .with_config()
        .limit(DOC_MAX)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => ImageError::TooLarge {
                what: format!("document {url}"),
                limit: DOC_MAX,
            },
            e => ImageError::Transport {
                url: url.to_string(),
                message: e.to_string(),
            },
        })
}

fn status_error(url: &str, mut resp: Response) -> ImageError {
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let errs = v.get("errors")?.as_array()?;
            Some(
                errs.iter()
                    .filter_map(|e| {
                        let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
                        let msg = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
                        (!code.is_empty() || !msg.is_empty()).then(|| format!("{code} {msg}"))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .unwrap_or_default();
    let message: String = message
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    ImageError::Registry {
        method: "GET",
        url: url.to_string(),
        status,
        message,
    }
}

/// `Bearer realm="x",service="y"` -> ("Bearer", [(realm, x), (service, y)]).
fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.push((key.trim().to_string(), value.trim().to_string()));
    }
    (scheme.to_string(), params)
}

/// A query value (token-service `scope`, `service`): see [`crate::encode::component`].
fn encode(s: &str) -> String {
    crate::encode::component(s)
}

/// Pulls `reference`: resolves the manifest (and platform), fetches the config, and streams
/// each layer not already read in this run through the layer reader.
pub(crate) fn pull(
    reference: &Reference,
    options: &ImageOptions,
    cache: &mut LayerCache,
    feeder: &mut Feeder,
) -> Vec<Plan> {
    let name = reference.to_string();
    let mut client = match Client::new(reference, options) {
        Ok(c) => c,
        Err(e) => {
            feeder.error(name, e);
            return Vec::new();
        }
    };
    let (bytes, ct) = match client.manifest(reference.manifest_ref()) {
        Ok(x) => x,
        Err(e) => {
            feeder.error(name, e);
            return Vec::new();
        }
    };
    if let Some(d) = &reference.digest
        && let Err(e) = digest::verify("manifest", d, &bytes)
    {
        feeder.error(name, e);
        return Vec::new();
    }
    let mut errors = Vec::new();
    let chosen = {
        let mut fetch = |d: &str| client.manifest(d);
        resolve_index(
            &name,
            &bytes,
            ct.as_deref(),
            &mut fetch,
            options,
            &mut errors,
            0,
        )
    };
    for (location, e) in errors {
        feeder.error(location, e);
    }
    let mut plans = Vec::new();
    for c in chosen {
        let Some(config_desc) = c.manifest.config.clone() else {
            feeder.error(
                name.clone(),
                ImageError::BadDocument {
                    what: "manifest".into(),
                    message: "no config".into(),
                },
            );
            continue;
        };
        let config = match client
            .blob(&config_desc.digest, false)
            .and_then(|mut r| read_doc(&mut r, &config_desc.digest))
        {
            Ok(b) => Some(b),
            Err(e) => {
                feeder.error(format!("{name}[config {}]", config_desc.digest), e);
                None
            }
        };
        let mut layers = Vec::new();
        for (i, d) in c.manifest.layers.iter().flatten().enumerate() {
            // Reused only under a digest this run computed (of the blob, or of its tar when
            // stored uncompressed): a config's claimed diff_id cannot stand in for content
            // that was never downloaded.
            if let Some(r) = cache.get(&d.digest) {
                feeder.summary.layers_reused += 1;
                layers.push(PlanLayer {
                    key: d.digest.clone(),
                    expected_blob: None,
                    record: Some(Arc::clone(r)),
                    reported: false,
                });
                continue;
            }
            let label = format!("{name}[layer {i} {}]", d.digest);
            match client.blob(&d.digest, true) {
                Ok(resp) => {
                    let mut reader = resp.into_body().into_reader();
                    let record = Arc::new(read_layer(
                        &mut reader as &mut dyn Read,
                        &label,
                        digest::algorithm_of(&d.digest),
                        feeder,
                    ));
                    feeder.summary.layers_read += 1;
                    for k in [&record.blob_digest, &record.diff_id].into_iter().flatten() {
                        cache.insert(k.clone(), Arc::clone(&record));
                    }
                    layers.push(PlanLayer {
                        key: d.digest.clone(),
                        expected_blob: Some(d.digest.clone()),
                        record: Some(record),
                        reported: false,
                    });
                }
                Err(e) => {
                    feeder.error(label, e);
                    layers.push(PlanLayer {
                        key: d.digest.clone(),
                        expected_blob: Some(d.digest.clone()),
                        record: None,
                        reported: true,
                    });
                }
            }
        }
        plans.push(Plan {
            image: name.clone(),
            tag: reference.tag.clone().or(c.tag),
            platform: c.platform,
            config,
            config_expected: Some(config_desc.digest.clone()),
            layers,
        });
    }
    plans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_like_docker() {
        let r = Reference::parse("127.0.0.1:5000/team/app:1.2").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "team/app", Some("1.2"))
        );
        assert!(r.is_loopback());
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.repository, "library/alpine");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("localhost/x@{d}")).unwrap();
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.tag, None);
        assert!(Reference::parse("Upper/Case").is_err());
        assert!(Reference::parse("http://x/y").is_err());
    }

    #[test]
    fn reference_edge_cases_port_tag_digest_case_and_docker_hub() {
        let p = |s: &str| Reference::parse(s).map(|r| (r.registry, r.repository, r.tag, r.digest));
        let some = |s: &str| Some(s.to_string());
        // A port is not a tag; a tag after the last slash is.
        assert_eq!(
            p("localhost:5000/app").unwrap(),
            ("localhost:5000".into(), "app".into(), some("latest"), None)
        );
        assert_eq!(
            p("app:5000").unwrap(),
            (
                "registry-1.docker.io".into(),
                "library/app".into(),
                some("5000"),
                None
            )
        );
        assert_eq!(
            p("localhost/app:v1").unwrap(),
            ("localhost".into(), "app".into(), some("v1"), None)
        );
        assert_eq!(p("localhost").unwrap().1, "library/localhost");
        assert_eq!(
            p("[::1]:5000/team/app:2").unwrap(),
            ("[::1]:5000".into(), "team/app".into(), some("2"), None)
        );
        assert!(Reference::parse("[::1]:5000/app").unwrap().is_loopback());
        assert!(Reference::parse("127.8.9.10:1/app").unwrap().is_loopback());
        assert!(
            !Reference::parse("example.com:5000/app")
                .unwrap()
                .is_loopback()
        );
        // Docker Hub under its other names.
        assert_eq!(p("docker.io/alpine").unwrap().0, "registry-1.docker.io");
        assert_eq!(p("docker.io/alpine").unwrap().1, "library/alpine");
        assert_eq!(p("index.docker.io/org/app:1").unwrap().1, "org/app");
        // Digests: known algorithm, exact length, lowercase; with or without a tag.
        let d = format!("sha256:{}", "b".repeat(64));
        let r = p(&format!("host.example:443/app:1@{d}")).unwrap();
        assert_eq!((r.2, r.3), (some("1"), Some(d.clone())));
        let d512 = format!("sha512:{}", "c".repeat(128));
        assert_eq!(p(&format!("app@{d512}")).unwrap().3, Some(d512));
        for bad in [
            format!("app@sha256:{}", "b".repeat(63)),
            format!("app@sha256:{}", "B".repeat(64)),
            format!("app@md5:{}", "b".repeat(32)),
            "app@sha256:abc".to_string(),
            "Registry.Example.com/App".to_string(),
            "host/app/".to_string(),
            "host//app".to_string(),
            "/app".to_string(),
            "app:".to_string(),
            "app:.hidden".to_string(),
            "host:port/app".to_string(),
            "ho_st.com/app".to_string(),
            "app\u{7}".to_string(),
        ] {
            assert!(Reference::parse(&bad).is_err(), "{bad}");
        }
        // Upper-case registry host names are fine (DNS is case-insensitive).
        assert_eq!(
            p("Registry.Example.com/app").unwrap().0,
            "Registry.Example.com"
        );
    }

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="http://127.0.0.1:9/token",service="reg",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p[0], ("realm".into(), "http://127.0.0.1:9/token".into()));
        assert_eq!(p[2], ("scope".into(), "repository:a/b:pull".into()));
    }

    #[test]
    fn credentials_never_print_the_password() {
        let c = Credentials {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
