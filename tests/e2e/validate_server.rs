//! A small real HTTP/1.1 server on 127.0.0.1 for the validation tests: one thread per
//! connection, a handler that plays a provider's documented answers, a log of every request, and
//! a count of requests in flight (to check the concurrency bound). Plus verifiers written from the
//! providers' specifications, so the test servers accept only correctly signed requests: AWS
//! SigV4, Google's RS256 JWT assertions and Azure SharedKey.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A request as received.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The bearer token, basic-auth pair, or raw `Authorization` value.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    pub fn basic(&self) -> Option<(String, String)> {
        let b = self.header("authorization")?.strip_prefix("Basic ")?;
        let raw = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
        let s = String::from_utf8(raw).ok()?;
        let (u, p) = s.split_once(':')?;
        Some((u.to_string(), p.to_string()))
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Resp {
    pub fn new(status: u16, body: impl Into<String>) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn json(status: u16, v: serde_json::Value) -> Resp {
        Resp::new(status, v.to_string()).header("Content-Type", "application/json")
    }

    pub fn header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn after(mut self, d: Duration) -> Resp {
        self.delay = d;
        self
    }
}

type Handler = dyn Fn(&Req) -> Resp + Send + Sync;

/// A running server; stops when dropped.
pub struct Server {
    pub port: u16,
    log: Arc<Mutex<Vec<Req>>>,
    max_in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let (log, in_flight, max_in_flight, stop) = (
                Arc::clone(&log),
                Arc::clone(&in_flight),
                Arc::clone(&max_in_flight),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (log, in_flight, max_in_flight, handler) = (
                        Arc::clone(&log),
                        Arc::clone(&in_flight),
                        Arc::clone(&max_in_flight),
                        Arc::clone(&handler),
                    );
                    std::thread::spawn(move || {
                        serve(conn, &*handler, &log, &in_flight, &max_in_flight);
                    });
                }
            });
        }
        Server {
            port,
            log,
            max_in_flight,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    conn: TcpStream,
    handler: &Handler,
    log: &Mutex<Vec<Req>>,
    in_flight: &AtomicUsize,
    max_in_flight: &AtomicUsize,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Req {
        method,
        path,
        headers,
        body,
    };
    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    max_in_flight.fetch_max(now, Ordering::SeqCst);
    log.lock().unwrap().push(req.clone());
    let resp = handler(&req);
    if !resp.delay.is_zero() {
        std::thread::sleep(resp.delay);
    }
    in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&resp.body);
    let mut conn = conn;
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.flush();
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Verifies a SigV4-signed request with `secret`, as AWS would: rebuilds the canonical request
/// from what arrived (method, path, query, the signed headers with the Host received, the body's
/// hash) and compares signatures. Returns the access key id on success.
pub fn verify_sigv4(req: &Req, secret: &str) -> Option<String> {
    let auth = req
        .header("authorization")?
        .strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = "";
    let mut signed = "";
    let mut signature = "";
    for part in auth.split(", ") {
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = v;
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = v;
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = v;
        }
    }
    let mut cred = credential.split('/');
    let (key_id, date, region, service) = (cred.next()?, cred.next()?, cred.next()?, cred.next()?);
    let amz_date = req.header("x-amz-date")?;
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let mut canonical_headers = String::new();
    for name in signed.split(';') {
        let v = req.header(name)?;
        canonical_headers.push_str(&format!(
            "{name}:{}\n",
            v.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    let creq = format!(
        "{}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{}",
        req.method,
        hex(&Sha256::digest(&req.body))
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(creq.as_bytes()))
    );
    let mut k = hmac256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        k = hmac256(&k, part.as_bytes());
    }
    (hex(&hmac256(&k, sts.as_bytes())) == signature).then(|| key_id.to_string())
}

/// Verifies an RS256 JWT with `public`; returns its claims.
pub fn verify_jwt(jwt: &str, public: &rsa::RsaPublicKey) -> Option<serde_json::Value> {
    use rsa::signature::Verifier;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (signing_input, sig) = jwt.rsplit_once('.')?;
    let sig = rsa::pkcs1v15::Signature::try_from(b64.decode(sig).ok()?.as_slice()).ok()?;
    let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public.clone());
    key.verify(signing_input.as_bytes(), &sig).ok()?;
    let payload = signing_input.split('.').nth(1)?;
    serde_json::from_slice(&b64.decode(payload).ok()?).ok()
}

/// Verifies an Azure SharedKey `List Containers` request for `account` with `key_b64`.
pub fn verify_shared_key(req: &Req, account: &str, key_b64: &str) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let mut ms: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    ms.sort();
    let mut q: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    q.sort();
    let mut s = format!("{}\n\n\n\n\n\n\n\n\n\n\n\n", req.method);
    for (k, v) in ms {
        s.push_str(&format!("{k}:{v}\n"));
    }
    s.push_str(&format!("/{account}{path}"));
    for (k, v) in q {
        s.push_str(&format!("\n{k}:{v}"));
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(key_b64)
        .unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(hmac256(&key, s.as_bytes()));
    auth == format!("SharedKey {account}:{sig}")
}
