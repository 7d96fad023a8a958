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

use super::layer::{Feeder, read_layer};
use super::local::resolve_index;
use super::model::{self, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use super::{ImageError, ImageOptions, LayerCache, Plan, PlanLayer};

/// Manifests and configs larger than this are refused.
const DOC_MAX: u64 = 16 << 20;

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
    /// Parses a reference.
    pub fn parse(s: &str) -> Result<Reference, ImageError> {
        let bad = || ImageError::Reference(s.to_string());
        if s.is_empty() || s.contains(char::is_whitespace) || s.contains("://") {
            return Err(bad());
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                let (alg, hex) = d.split_once(':').ok_or_else(bad)?;
                if alg.is_empty() || hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad());
                }
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
            Some(_) => ("registry-1.docker.io".to_string(), name.to_string()),
            None => (
                "registry-1.docker.io".to_string(),
                format!("library/{name}"),
            ),
        };
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
        if repository.is_empty() || !repository.chars().all(valid) {
            return Err(bad());
        }
        if tag.as_ref().is_some_and(|t| {
            t.is_empty()
                || t.len() > 128
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

    fn is_loopback(&self) -> bool {
        let host = self
            .registry
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(self.registry.as_str(), |(h, _)| h);
        host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
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
}

type Response = ureq::http::Response<ureq::Body>;

impl Client {
    fn new(reference: &Reference, options: &ImageOptions) -> Client {
        // Plain HTTP only when the caller allows it (a loopback or test registry).
        let plain = options.insecure_registry;
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
        Client {
            agent,
            base: format!("{scheme}://{}", reference.registry),
            repository: reference.repository.clone(),
            credentials,
            authorization: None,
            hint: !plain && reference.is_loopback(),
        }
    }

    fn send(&self, url: &str, accept: Option<&str>) -> Result<Response, ImageError> {
        let mut req = self.agent.get(url);
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

    /// GET `/v2/<repository>/<path>`, authenticating once on a 401 challenge.
    fn get(&mut self, path: &str, accept: Option<&str>) -> Result<Response, ImageError> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        let mut resp = self.send(&url, accept)?;
        if resp.status().as_u16() == 401 && self.authorization.is_none() {
            let challenge = resp
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            self.authenticate(&challenge, &url)?;
            resp = self.send(&url, accept)?;
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
                let scope = param("scope")
                    .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let mut token_url = format!("{realm}?scope={}", encode(&scope));
                if let Some(service) = param("service") {
                    token_url.push_str(&format!("&service={}", encode(&service)));
                }
                let mut req = self.agent.get(&token_url);
                if let Some(b) = &basic {
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

    /// A manifest or index by tag or digest: bytes and content type.
    fn manifest(&mut self, reference: &str) -> Result<(Vec<u8>, Option<String>), ImageError> {
        let accept = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
        let mut resp = self.get(&format!("manifests/{reference}"), Some(&accept))?;
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or("").trim().to_string());
        let bytes = read_doc(&mut resp, &self.base)?;
        Ok((bytes, ct))
    }

    fn blob(&mut self, digest: &str) -> Result<Response, ImageError> {
        self.get(&format!("blobs/{digest}"), None)
    }
}

fn read_doc(resp: &mut Response, url: &str) -> Result<Vec<u8>, ImageError> {
    resp.body_mut()
        .with_config()
        .limit(DOC_MAX)
        .read_to_vec()
        .map_err(|e| ImageError::Transport {
            url: url.to_string(),
            message: e.to_string(),
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

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
    let mut client = Client::new(reference, options);
    let (bytes, ct) = match client.manifest(reference.manifest_ref()) {
        Ok(x) => x,
        Err(e) => {
            feeder.error(name, e);
            return Vec::new();
        }
    };
    if let Some(d) = &reference.digest {
        let actual = format!("sha256:{}", super::layer::hex(&sha2_digest(&bytes)));
        if d.starts_with("sha256:") && &actual != d {
            feeder.error(
                name,
                ImageError::DigestMismatch {
                    what: "manifest",
                    expected: d.clone(),
                    actual,
                },
            );
            return Vec::new();
        }
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
            .blob(&config_desc.digest)
            .and_then(|mut r| read_doc(&mut r, &config_desc.digest))
        {
            Ok(b) => Some(b),
            Err(e) => {
                feeder.error(format!("{name}[config {}]", config_desc.digest), e);
                None
            }
        };
        let diff_ids: Vec<String> = config
            .as_ref()
            .and_then(|c| serde_json::from_slice::<model::ImageConfig>(c).ok())
            .and_then(|c| c.rootfs)
            .map(|r| r.diff_ids)
            .unwrap_or_default();
        let mut layers = Vec::new();
        for (i, d) in c.manifest.layers.iter().flatten().enumerate() {
            let cached = cache
                .get(&d.digest)
                .or_else(|| diff_ids.get(i).and_then(|id| cache.get(id)));
            if let Some(r) = cached {
                feeder.summary.layers_reused += 1;
                layers.push(PlanLayer {
                    key: d.digest.clone(),
                    expected_blob: r
                        .blob_digest
                        .as_ref()
                        .map(|_| d.digest.clone())
                        .filter(|_| {
                            // A layer reused by diff_id may have been stored with another
                            // compression: only compare blob digests when the blob is the same.
                            cache.get(&d.digest).is_some()
                        }),
                    record: Some(Arc::clone(r)),
                    reported: false,
                });
                continue;
            }
            let label = format!("{name}[layer {i} {}]", d.digest);
            match client.blob(&d.digest) {
                Ok(resp) => {
                    let mut reader = resp.into_body().into_reader();
                    let record = Arc::new(read_layer(&mut reader as &mut dyn Read, &label, feeder));
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

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
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
