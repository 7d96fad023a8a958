//! Registry pulls against a real registry on 127.0.0.1: Debian's `docker-registry` (the CNCF
//! distribution registry), started here with a throwaway config and storage directory, with the
//! test images pushed over the distribution API by the test itself. Basic (htpasswd) and bearer
//! token auth (a token server of our own, whose signing key the registry trusts), platform
//! selection from an OCI index, and registry errors (401, 404, 500, garbage).
//!
//! Under `CI=true` a missing `docker-registry` fails the tests; elsewhere they are skipped
//! with a note.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use nhi_scan_core::Scan;
use nhi_scan_core::source::image::{Credentials, ImageOptions, ImageTarget, Images, PlatformSpec};

use crate::image::{Out, expected, layered_spec, locations, run_images, secrets};
use crate::image_build::*;
use crate::util::{Dir, fake_github, random_base62};

const USER: &str = "pusher";

fn registry_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("docker-registry"))
            .find(|p| p.is_file())
    });
    let found = found.or_else(|| {
        let p = PathBuf::from("/usr/bin/docker-registry");
        p.is_file().then_some(p)
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "docker-registry is not installed (.ci/run installs Debian's docker-registry)"
        );
        eprintln!("skipping: docker-registry not installed (apt-get install docker-registry)");
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A registry process on 127.0.0.1, killed on drop.
pub struct Registry {
    child: Child,
    pub host: String,
    _dir: Dir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Auth<'a> {
    Htpasswd(&'a str),
    Token { realm: String, cert_pem: String },
}

impl Registry {
    fn start(auth: Auth<'_>) -> Option<Registry> {
        let bin = registry_binary()?;
        let dir = Dir::new();
        let port = free_port();
        let auth_yaml = match auth {
            Auth::Htpasswd(password) => {
                let hash = bcrypt::hash(password, 4).unwrap();
                let file = dir.write("htpasswd", format!("{USER}:{hash}\n"));
                format!(
                    "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                    file.display()
                )
            }
            Auth::Token { realm, cert_pem } => {
                let file = dir.write("root.pem", cert_pem);
                format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: nhi-test-registry\n    issuer: nhi-test-issuer\n    rootcertbundle: {}\n",
                    file.display()
                )
            }
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{auth_yaml}",
            dir.join("storage").display()
        );
        let config_path = dir.write("config.yml", config);
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child,
            host: format!("127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&registry.host).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not start: {}",
                std::fs::read_to_string(registry._dir.join("registry.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Pushes blobs and manifests over the distribution API with an `Authorization` header.
struct Pusher {
    base: String,
    auth: String,
    agent: ureq::Agent,
}

impl Pusher {
    fn blob(&self, repo: &str, data: &[u8]) {
        let resp = self
            .agent
            .post(&format!("{}/v2/{repo}/blobs/uploads/", self.base))
            .header("Authorization", &self.auth)
            .send_empty()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202, "start upload");
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        let url = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let resp = self
            .agent
            .put(&format!("{url}{sep}digest={}", sha256(data)))
            .header("Authorization", &self.auth)
            .header("Content-Type", "application/octet-stream")
            .send(data)
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201, "finish upload");
    }

    fn manifest(&self, repo: &str, reference: &str, media_type: &str, body: &[u8]) {
        let mut resp = self
            .agent
            .put(&format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("Authorization", &self.auth)
            .header("Content-Type", media_type)
            .send(body)
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 201, "put manifest: {text}");
    }

    fn image(&self, repo: &str, tag: &str, built: &Built) {
        for b in built.blobs.iter().chain([&built.config]) {
            self.blob(repo, b);
        }
        self.manifest(
            repo,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            &built.manifest,
        );
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn options(password: Option<&str>) -> ImageOptions {
    ImageOptions {
        insecure_registry: true,
        credentials: password.map(|p| Credentials {
            username: USER.into(),
            password: p.into(),
        }),
        ..ImageOptions::default()
    }
}

fn pull(refs: &[String], options: ImageOptions) -> Out {
    let scan = Scan::builder().build().unwrap();
    let targets = refs
        .iter()
        .map(|r| ImageTarget::parse(r).unwrap())
        .collect::<Vec<_>>();
    run_images(&scan, Images::new(targets).options(options))
}

fn errors(o: &Out) -> Vec<String> {
    o.outcome.errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn registry_with_basic_auth_platforms_digests_and_errors() {
    let password = random_base62(77, 24);
    let Some(reg) = Registry::start(Auth::Htpasswd(&password)) else {
        return;
    };
    let pusher = Pusher {
        base: format!("http://{}", reg.host),
        auth: basic(USER, &password),
        agent: agent(),
    };
    let s = secrets(20);
    let amd = build(&layered_spec(&s), Compression::Gzip);
    pusher.image("team/app", "1", &amd);
    let arm_secret = fake_github("ghp_", 2099);
    let arm_spec = Spec {
        layers: vec![Layer {
            items: vec![file("etc/arm.env", format!("T={arm_secret}\n"))],
            created_by: "arm".into(),
        }],
        architecture: "arm64".into(),
        ..Spec::default()
    };
    let arm = build(&arm_spec, Compression::Zstd);
    pusher.image("team/multi", "arm", &arm);
    pusher.image("team/multi", "amd", &amd);
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd.manifest_digest(),
             "size": amd.manifest.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm.manifest_digest(),
             "size": arm.manifest.len(), "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ],
    }))
    .unwrap();
    pusher.manifest(
        "team/multi",
        "1",
        "application/vnd.oci.image.index.v1+json",
        &index,
    );
    let app = format!("{}/team/app:1", reg.host);
    let multi = format!("{}/team/multi:1", reg.host);

    // A tag, with credentials: every layer, whiteouts, config, nested archives.
    let out = pull(std::slice::from_ref(&app), options(Some(&password)));
    assert!(out.outcome.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!(locations(&out.outcome), expected(&app, &s));

    // The index: linux/amd64 by default; every platform on request; a missing one is an error.
    let out = pull(std::slice::from_ref(&multi), options(Some(&password)));
    assert!(out.outcome.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!(locations(&out.outcome), expected(&multi, &s));
    let all = pull(
        std::slice::from_ref(&multi),
        ImageOptions {
            all_platforms: true,
            ..options(Some(&password))
        },
    );
    let got = locations(&all.outcome);
    assert_eq!(
        got[&arm_secret],
        vec![format!(
            "{multi}[layer 0]:etc/arm.env visible=true item=Some(LayerFile)"
        )]
    );
    assert_eq!(got.len(), expected(&multi, &s).len() + 1);
    let none = pull(
        std::slice::from_ref(&multi),
        ImageOptions {
            platform: PlatformSpec::parse("linux/s390x").unwrap(),
            ..options(Some(&password))
        },
    );
    assert!(
        errors(&none).iter().any(|e| e.contains(
            "no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)"
        )),
        "{:?}",
        errors(&none)
    );

    // By digest, and two references sharing layers in one run: read once.
    let by_digest = format!("{}/team/app@{}", reg.host, amd.manifest_digest());
    let out = pull(
        &[by_digest.clone(), multi.clone()],
        options(Some(&password)),
    );
    assert!(out.outcome.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!((out.summary.layers_read, out.summary.layers_reused), (3, 3));

    // No credentials, wrong password, unknown tag: errors that say so; nothing panics.
    let out = pull(
        &[app.clone(), format!("{}/team/nope:1", reg.host)],
        options(None),
    );
    let e = errors(&out);
    assert!(
        e.iter()
            .any(|e| e.contains("HTTP 401") && e.contains("authentication required")),
        "{e:?}"
    );
    let out = pull(std::slice::from_ref(&app), options(Some("wrong")));
    assert!(
        errors(&out).iter().any(|e| e.contains("HTTP 401")),
        "{:?}",
        errors(&out)
    );
    let out = pull(
        &[format!("{}/team/app:missing", reg.host)],
        options(Some(&password)),
    );
    assert!(
        errors(&out)
            .iter()
            .any(|e| e.contains("HTTP 404") && e.contains("MANIFEST_UNKNOWN")),
        "{:?}",
        errors(&out)
    );

    // The CLI: password on standard input, or credentials from a Docker config file.
    let dir = Dir::new();
    let mut child = Command::new(crate::util::BIN)
        .args([
            "image",
            "--insecure-registry",
            "--registry-user",
            USER,
            "--registry-password-stdin",
            "--format",
            "json",
            &app,
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let run = crate::util::Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings().len(), 9);
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"));
    dir.write(
        "docker/config.json",
        format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, reg.host),
    );
    let run = crate::util::Run::from(
        Command::new(crate::util::BIN)
            .args(["image", "--insecure-registry", "--format", "json", &app])
            .env("DOCKER_CONFIG", dir.join("docker"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings().len(), 9);
    // Without --insecure-registry a loopback registry is spoken to over TLS, which fails with
    // a hint; the exit status says the scan is incomplete.
    let run = crate::util::Run::from(
        Command::new(crate::util::BIN)
            .args(["image", &app])
            .env("DOCKER_CONFIG", dir.join("docker"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--insecure-registry"), "{}", run.stderr);
}

// --- bearer tokens -------------------------------------------------------------------------

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// The key id the registry (libtrust) gives a public key: SHA-256 of its DER
/// SubjectPublicKeyInfo, first 30 bytes, base32, in groups of four joined by `:`.
fn libtrust_key_id(spki_der: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(spki_der);
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = String::new();
    for &b in &digest[..30] {
        bits = (bits << 8) | b as u32;
        n += 8;
        while n >= 5 {
            n -= 5;
            out.push(A[((bits >> n) & 31) as usize] as char);
        }
    }
    out.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":")
}

struct Signer {
    key: ring::signature::EcdsaKeyPair,
    kid: String,
}

impl Signer {
    fn new() -> (Signer, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["nhi-test-issuer".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        use rcgen::PublicKeyData;
        let kid = libtrust_key_id(&key.subject_public_key_info());
        let rng = ring::rand::SystemRandom::new();
        let ring_key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.serialize_der(),
            &rng,
        )
        .unwrap();
        (Signer { key: ring_key, kid }, cert.pem())
    }

    /// A token granting `actions` on `repo`.
    fn token(&self, repo: &str, actions: &[&str]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": self.kid});
        let claims = serde_json::json!({
            "iss": "nhi-test-issuer", "sub": USER, "aud": "nhi-test-registry",
            "exp": now + 300, "nbf": now - 10, "iat": now - 10, "jti": random_base62(now, 16),
            "access": [{"type": "repository", "name": repo, "actions": actions}],
        });
        let signing_input = format!(
            "{}.{}",
            b64url(&serde_json::to_vec(&header).unwrap()),
            b64url(&serde_json::to_vec(&claims).unwrap())
        );
        let sig = self
            .key
            .sign(&ring::rand::SystemRandom::new(), signing_input.as_bytes())
            .unwrap();
        format!("{signing_input}.{}", b64url(sig.as_ref()))
    }
}

/// A token service on 127.0.0.1: checks Basic credentials, grants pull on the requested scope.
fn token_server(signer: Arc<Signer>, password: String, stop: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap_or(0);
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("authorization:") {
                    authorized = line
                        .trim()
                        .ends_with(&basic(USER, &password)["Basic ".len()..]);
                }
            }
            let scope = request
                .split(['?', '&', ' '])
                .find_map(|p| p.strip_prefix("scope="))
                .unwrap_or("")
                .replace("%3A", ":")
                .replace("%2F", "/");
            let repo = scope.split(':').nth(1).unwrap_or("").to_string();
            let (status, body) = if authorized {
                let t = signer.token(&repo, &["pull"]);
                ("200 OK", format!(r#"{{"token":"{t}","expires_in":300}}"#))
            } else {
                (
                    "401 Unauthorized",
                    r#"{"details":"bad credentials"}"#.to_string(),
                )
            };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn registry_with_bearer_token_auth() {
    if registry_binary().is_none() {
        return;
    }
    let (signer, cert_pem) = Signer::new();
    let signer = Arc::new(signer);
    let password = random_base62(78, 24);
    let stop = Arc::new(AtomicBool::new(false));
    let port = token_server(Arc::clone(&signer), password.clone(), Arc::clone(&stop));
    let Some(reg) = Registry::start(Auth::Token {
        realm: format!("http://127.0.0.1:{port}/token"),
        cert_pem,
    }) else {
        return;
    };
    let pusher = Pusher {
        base: format!("http://{}", reg.host),
        auth: format!("Bearer {}", signer.token("team/app", &["pull", "push"])),
        agent: agent(),
    };
    let s = secrets(21);
    let built = build(&layered_spec(&s), Compression::Gzip);
    pusher.image("team/app", "1", &built);
    let app = format!("{}/team/app:1", reg.host);
    let out = pull(std::slice::from_ref(&app), options(Some(&password)));
    assert!(out.outcome.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!(locations(&out.outcome), expected(&app, &s));
    // The token service refuses bad credentials: a 401 from it, reported.
    let out = pull(std::slice::from_ref(&app), options(Some("wrong")));
    assert!(
        errors(&out)
            .iter()
            .any(|e| e.contains(&format!("127.0.0.1:{port}/token: HTTP 401"))),
        "{:?}",
        errors(&out)
    );
    stop.store(true, Ordering::Relaxed);
}

/// A fake registry answering each request with the next canned response.
fn fake_registry(responses: Vec<(u16, &'static str, Vec<u8>)>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (status, ct, body) in responses {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    port
}

#[test]
fn registry_errors_500_garbage_and_a_corrupt_layer_are_reported() {
    let s = secrets(22);
    let built = build(&layered_spec(&s), Compression::Gzip);
    let mut corrupt = built.blobs[1].clone();
    let n = corrupt.len();
    for b in &mut corrupt[20..n - 8] {
        *b = b.wrapping_add(77);
    }
    let m = "application/vnd.oci.image.manifest.v1+json";
    let port = fake_registry(vec![
        (
            500,
            "application/json",
            br#"{"errors":[{"code":"UNKNOWN","message":"boom"}]}"#.to_vec(),
        ),
        (200, m, b"<html>not json</html>".to_vec()),
        (200, m, built.manifest.clone()),
        (200, "application/octet-stream", built.config.clone()),
        (200, "application/octet-stream", built.blobs[0].clone()),
        (200, "application/octet-stream", corrupt),
        (200, "application/octet-stream", built.blobs[2].clone()),
    ]);
    let refs: Vec<String> = ["a:1", "b:1", "c:1"]
        .iter()
        .map(|r| format!("127.0.0.1:{port}/{r}"))
        .collect();
    let out = pull(&refs, options(None));
    let e = errors(&out);
    assert!(
        e.iter().any(|e| e.contains("HTTP 500: UNKNOWN boom")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.contains("bad manifest or index")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.starts_with(&format!(
            "{}[layer 1 {}]",
            refs[2],
            sha256(&built.blobs[1])
        ))),
        "{e:?}"
    );
    // Layers 0 and 2 of the third image were still scanned and attributed.
    let got = locations(&out.outcome);
    assert!(got.contains_key(&s.jar), "{got:?}");
    assert!(got.contains_key(&s.env_file), "{got:?}");
}
