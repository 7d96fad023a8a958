//! Hostile or flaky registries, served by small HTTP servers on 127.0.0.1 (and 127.0.0.2 as "another
//! host"): a server that trickles bytes, a bearer token that expires mid-pull, a token service on
//! another host (credentials withheld unless the caller opts in), plain HTTP refused off loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nhi_scan_core::Scan;
use nhi_scan_core::source::image::{Credentials, ImageOptions, ImageTarget, Images};

use crate::image::{Out, run_images};
use crate::image_build::*;
use crate::util::{fake_github, random_base62};

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Req {
    path: String,
    auth: Option<String>,
}

/// Serves each connection on its own thread with `handler`.
fn serve(ip: &str, handler: impl Fn(&Req, &mut TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let mut auth = None;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        auth = Some(v.trim().to_string());
                    }
                }
                handler(&Req { path, auth }, &mut stream);
            });
        }
    });
    port
}

fn respond(s: &mut TcpStream, status: u16, extra: &str, body: &[u8]) {
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: application/octet-stream\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(body);
}

/// Sends the headers of a `len`-byte body, then a byte every 200 ms until the client leaves.
fn trickle(s: &mut TcpStream, len: usize) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    for _ in 0..len.min(300) {
        if s.write_all(b" ").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn spec(secret: &str) -> Spec {
    Spec {
        layers: vec![Layer {
            items: vec![file("app/token.txt", format!("token: {secret}\n"))],
            created_by: "COPY token.txt /app/".into(),
        }],
        env: vec![format!("GITHUB_TOKEN={}", fake_github("ghp_", 9299))],
        ..Spec::default()
    }
}

fn pull(refs: &[String], options: ImageOptions) -> Out {
    let scan = Scan::builder().build().unwrap();
    let targets = refs
        .iter()
        .map(|r| ImageTarget::parse(r, std::path::Path::new("/nonexistent-root")).unwrap())
        .collect::<Vec<_>>();
    run_images(&scan, Images::new(targets).options(options))
}

fn errors(o: &Out) -> Vec<String> {
    o.outcome.errors.iter().map(|e| e.to_string()).collect()
}

fn found(o: &Out) -> Vec<String> {
    o.outcome
        .findings
        .iter()
        .map(|f| f.secret.expose().to_string())
        .collect()
}

fn credentials() -> Option<Credentials> {
    Some(Credentials {
        username: "scanner".into(),
        password: random_base62(9201, 20),
    })
}

#[test]
fn a_registry_trickling_bytes_is_cut_off_by_the_deadlines() {
    let secret = fake_github("ghp_", 9202);
    let built = Arc::new(build(&spec(&secret), Compression::Gzip));
    let b = Arc::clone(&built);
    let port = serve("127.0.0.1", move |req, s| {
        let blob = |d: &str| format!("/v2/b/blobs/{d}");
        if req.path.starts_with("/v2/a/manifests/") {
            trickle(s, 10_000);
        } else if req.path.starts_with("/v2/b/manifests/") {
            respond(s, 200, "", &b.manifest);
        } else if req.path == blob(&b.config_digest()) {
            respond(s, 200, "", &b.config);
        } else if req.path == blob(&sha256(&b.blobs[0])) {
            trickle(s, b.blobs[0].len() + 10_000);
        } else {
            respond(s, 404, "", b"");
        }
    });
    let refs = vec![
        format!("127.0.0.1:{port}/a:1"),
        format!("127.0.0.1:{port}/b:1"),
    ];
    let started = Instant::now();
    let out = pull(
        &refs,
        ImageOptions {
            insecure_registry: true,
            document_timeout: Duration::from_secs(2),
            blob_timeout: Duration::from_secs(3),
            ..ImageOptions::default()
        },
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let e = errors(&out);
    assert!(
        e.iter()
            .any(|x| x.starts_with(&refs[0]) && x.to_lowercase().contains("timeout")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|x| x.starts_with(&format!(
            "{}[layer 0 {}]",
            refs[1],
            sha256(&built.blobs[0])
        ))),
        "{e:?}"
    );
    // The config of the second image was still scanned.
    assert!(found(&out).contains(&fake_github("ghp_", 9299)));
}

/// A registry that wants bearer tokens from `realm`; layers accept only the `fresh` token
/// (any token when None).
fn token_registry(built: Arc<Built>, realm: String, fresh: Option<&'static str>) -> u16 {
    serve("127.0.0.1", move |req, s| {
        let challenge = format!(
            "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"reg\",scope=\"repository:app:pull\"\r\n"
        );
        let auth = req.auth.clone().unwrap_or_default();
        let valid = auth.starts_with("Bearer t");
        if req.path.starts_with("/v2/app/manifests/") && valid {
            respond(s, 200, "", &built.manifest);
        } else if req.path == format!("/v2/app/blobs/{}", built.config_digest()) && valid {
            respond(s, 200, "", &built.config);
        } else if req.path == format!("/v2/app/blobs/{}", sha256(&built.blobs[0]))
            && fresh.map_or(valid, |f| auth == format!("Bearer {f}"))
        {
            respond(s, 200, "", &built.blobs[0]);
        } else {
            respond(
                s,
                401,
                &challenge,
                br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
            );
        }
    })
}

/// A token service numbering its tokens `t1`, `t2`, ...; records the Authorization it got.
fn token_service(ip: &str) -> (u16, Arc<Mutex<Vec<Option<String>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let n = AtomicUsize::new(0);
    let log = Arc::clone(&seen);
    let port = serve(ip, move |req, s| {
        log.lock().unwrap().push(req.auth.clone());
        let i = n.fetch_add(1, Ordering::SeqCst) + 1;
        respond(s, 200, "", format!(r#"{{"token":"t{i}"}}"#).as_bytes());
    });
    (port, seen)
}

#[test]
fn a_token_expiring_mid_pull_is_refreshed_once() {
    let secret = fake_github("ghp_", 9203);
    let built = Arc::new(build(&spec(&secret), Compression::Gzip));
    let (token_port, seen) = token_service("127.0.0.1");
    let port = token_registry(
        built,
        format!("http://127.0.0.1:{token_port}/token"),
        Some("t2"),
    );
    let out = pull(
        &[format!("127.0.0.1:{port}/app:1")],
        ImageOptions {
            insecure_registry: true,
            credentials: credentials(),
            ..ImageOptions::default()
        },
    );
    assert!(errors(&out).is_empty(), "{:?}", errors(&out));
    assert!(found(&out).contains(&secret));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    // Same host (another port): the credentials went to the token service.
    assert!(
        seen.iter()
            .all(|a| a.as_deref().is_some_and(|a| a.starts_with("Basic ")))
    );
}

#[test]
fn credentials_go_to_a_token_service_on_another_host_only_when_asked() {
    let secret = fake_github("ghp_", 9204);
    let built = Arc::new(build(&spec(&secret), Compression::Gzip));
    // 127.0.0.2 is loopback but not the registry's host.
    let (token_port, seen) = token_service("127.0.0.2");
    let port = token_registry(
        Arc::clone(&built),
        format!("http://127.0.0.2:{token_port}/token"),
        None,
    );
    let reference = format!("127.0.0.1:{port}/app:1");
    let options = ImageOptions {
        insecure_registry: true,
        credentials: credentials(),
        ..ImageOptions::default()
    };
    let out = pull(std::slice::from_ref(&reference), options.clone());
    assert!(errors(&out).is_empty(), "{:?}", errors(&out));
    assert!(found(&out).contains(&secret));
    assert_eq!(seen.lock().unwrap().clone(), vec![None]);
    seen.lock().unwrap().clear();
    let out = pull(
        std::slice::from_ref(&reference),
        ImageOptions {
            credentials_to_any_realm: true,
            ..options.clone()
        },
    );
    assert!(errors(&out).is_empty(), "{:?}", errors(&out));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].as_deref().is_some_and(|a| a.starts_with("Basic ")));

    // A token service over plain HTTP off loopback is never contacted, opted in or not.
    let port = token_registry(built, "http://192.0.2.1:9/token".into(), None);
    let out = pull(
        &[format!("127.0.0.1:{port}/app:1")],
        ImageOptions {
            credentials_to_any_realm: true,
            ..options
        },
    );
    let e = errors(&out);
    assert!(
        e.iter().any(|x| x.contains("refused: token service")
            && x.contains("plain HTTP to a host that is not loopback")),
        "{e:?}"
    );
}

#[test]
fn plain_http_is_refused_for_registries_off_loopback() {
    let out = pull(
        &["registry.invalid:5000/team/app:1".to_string()],
        ImageOptions {
            insecure_registry: true,
            ..ImageOptions::default()
        },
    );
    let e = errors(&out);
    assert!(
        e.iter()
            .any(|x| x.contains("allowed only for loopback registries")
                && x.contains("registry.invalid:5000")),
        "{e:?}"
    );
}
