//! Database URIs (PostgreSQL, MySQL/MariaDB, Redis, MongoDB): connect to the host the URI names
//! and authenticate, then hang up. Only with `--validate-db`, because the host comes from
//! scanned content. Each handshake is small protocol code here rather than a driver: a driver
//! would pull in a runtime and connection pools to send a dozen packets.
//!
//! TLS is used when the URI asks for it (`sslmode=require`, `rediss://`, `tls=true`, ...), with
//! certificate verification against the bundled webpki roots.

#[cfg(test)]
mod hostile_tests;
mod mongodb;
mod mysql;
mod postgres;
mod redis;
mod scram;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Validation;
use super::run::{Validator, invalid, unknown, valid};
use super::spec::{Check, ValidateSpec};

/// A database URI, decoded. Debug leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct DbUri {
    pub scheme: String,
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: Option<u16>,
    pub database: String,
    pub params: BTreeMap<String, String>,
}

impl std::fmt::Debug for DbUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbUri")
            .field("scheme", &self.scheme)
            .field("user", &self.user)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex_digit(b[i + 1]), hex_digit(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl DbUri {
    /// Parses `scheme://user:password@host[:port][/database][?k=v&...]`. Only the first host of
    /// a multi-host URI is used.
    pub fn parse(uri: &str) -> Option<DbUri> {
        let (scheme, rest) = uri.split_once("://")?;
        let scheme = scheme.split('+').next()?.to_ascii_lowercase();
        let (userinfo, rest) = rest.rsplit_once('@')?;
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (percent_decode(u), percent_decode(p)),
            None => (percent_decode(userinfo), String::new()),
        };
        let (hostport, tail) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let hostport = hostport.split(',').next()?;
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let (h, after) = h.split_once(']')?;
            (
                h.to_string(),
                after.strip_prefix(':').and_then(|p| p.parse().ok()),
            )
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p.parse().ok()?)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return None;
        }
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, q),
            None => (tail, ""),
        };
        let database = percent_decode(path.trim_start_matches('/'));
        let params = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_ascii_lowercase(), percent_decode(v)),
                None => (kv.to_ascii_lowercase(), String::new()),
            })
            .collect();
        Some(DbUri {
            scheme,
            user,
            password,
            host,
            port,
            database,
            params,
        })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// A connection, plain or TLS, that gives up at a deadline: every read and write (and the TLS
/// handshake) waits at most until then, so a server that trickles a byte at a time cannot hold a
/// check for longer than the timeout, however many reads the handshake takes.
pub(crate) struct Conn {
    stream: Stream,
    deadline: Instant,
    /// The timeout the deadline came from, for reasons ("timeout after 10s").
    timeout: Duration,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    /// Moved out (while being upgraded to TLS); reads and writes fail.
    Closed,
}

impl Conn {
    /// The socket, with its timeouts set to what is left before the deadline; `TimedOut` once
    /// the deadline has passed.
    fn arm(&mut self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let sock = match &self.stream {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
            Stream::Closed => return Err(io::ErrorKind::NotConnected.into()),
        };
        sock.set_read_timeout(Some(left))?;
        sock.set_write_timeout(Some(left))
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        if matches!(self.stream, Stream::Closed) {
            return Ok(());
        }
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Ok(()),
        }
    }
}

impl Conn {
    /// Resolves `host` and connects, all before `deadline` (name resolution included: it runs
    /// on a helper thread that is abandoned if the resolver hangs).
    pub fn connect(
        host: &str,
        port: u16,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Conn, String> {
        let addrs = resolve(host, port, deadline, timeout, |h, p| {
            (h.as_str(), p).to_socket_addrs().map(|a| a.collect())
        })?;
        let mut last = format!("network error: cannot resolve {host}");
        for a in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timeout_reason(timeout));
            }
            match TcpStream::connect_timeout(&a, left) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(Conn {
                        stream: Stream::Plain(s),
                        deadline,
                        timeout,
                    });
                }
                Err(e) => last = io_reason(&e, host, timeout),
            }
        }
        Err(last)
    }

    /// Upgrades a plain connection to TLS, verifying the certificate for `host`.
    pub fn into_tls(mut self, host: &str) -> Result<Conn, String> {
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return Err("network error: the connection is not plain TCP".into());
        };
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| format!("not checked: {host} is not a TLS server name"))?;
        let conn = rustls::ClientConnection::new(tls_config(), name)
            .map_err(|_| format!("network error: TLS setup for {host} failed"))?;
        self.stream = Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)));
        let failed = |c: &Conn, e: io::Error| {
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) {
                timeout_reason(c.timeout)
            } else {
                format!(
                    "network error: TLS handshake with {host} failed (certificate not verifiable?)"
                )
            }
        };
        loop {
            if let Err(e) = self.arm() {
                return Err(failed(&self, e));
            }
            let Stream::Tls(s) = &mut self.stream else {
                return Err("network error: the connection is not TLS".into());
            };
            if !s.conn.is_handshaking() {
                break;
            }
            if let Err(e) = s.conn.complete_io(&mut s.sock) {
                return Err(failed(&self, e));
            }
        }
        Ok(self)
    }
}

/// Name resolution that gives up at `deadline`: the system resolver has no timeout of its own,
/// and the name comes from scanned content. IP literals need no thread.
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
    lookup: impl FnOnce(String, u16) -> io::Result<Vec<SocketAddr>> + Send + 'static,
) -> Result<Vec<SocketAddr>, String> {
    let cannot = || format!("network error: cannot resolve {host}");
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("nhi-scan-resolve".into())
        .spawn(move || {
            let _ = tx.send(lookup(name, port));
        })
        .map_err(|_| cannot())?;
    let left = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(cannot()),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(timeout_reason(timeout)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(cannot()),
    }
}

fn timeout_reason(timeout: Duration) -> String {
    format!("timeout after {}s", super::http::fmt_secs(timeout))
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    Arc::clone(CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth());
        match config {
            Ok(c) => Arc::new(c),
            // The ring provider supports the default versions; this cannot fail.
            Err(_) => Arc::new(
                rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_protocol_versions(&[&rustls::version::TLS13])
                .expect("TLS 1.3 is supported by ring")
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
            ),
        }
    }))
}

/// A reason for an I/O failure, by kind and host.
pub(crate) fn io_reason(e: &io::Error, host: &str, timeout: Duration) -> String {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timeout_reason(timeout),
        io::ErrorKind::ConnectionRefused => format!("network error: connection refused by {host}"),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
            format!("network error: {host} closed the connection")
        }
        io::ErrorKind::InvalidData => {
            format!("unexpected response: {host} sent a malformed or oversized message")
        }
        kind => format!("network error ({kind}) with {host}"),
    }
}

/// Text a server sent, for an identity detail: lossy UTF-8, at most 100 characters (a server
/// version is a few dozen; a hostile server's megabyte is not worth keeping).
pub(crate) fn short_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(100).collect()
}

/// What a handshake concluded.
pub(crate) enum Auth {
    /// Authenticated; identity details.
    Ok(BTreeMap<String, Value>),
    /// The server refused the credentials (reason).
    Refused(String),
    /// No verdict (reason).
    Unknown(String),
}

/// Checks a database URI (the companion; the secret is its password).
pub(crate) fn check(
    v: &Validator,
    spec: &ValidateSpec,
    secret: &str,
    companion: Option<(&str, &str)>,
) -> Validation {
    let Some((_, uri)) = companion else {
        return unknown("not checked: the whole URI was not captured".into());
    };
    let Some(uri) = DbUri::parse(uri) else {
        return unknown("not checked: the URI does not parse".into());
    };
    if uri.password != secret && percent_decode(secret) != uri.password {
        return unknown("not checked: the captured URI holds another password".into());
    }
    // One deadline for the whole check: resolving, connecting, TLS and every message.
    let timeout = v.opts.timeout;
    let deadline = Instant::now() + timeout;
    let outcome = match spec.check {
        Check::Postgres => postgres::check(&uri, deadline, timeout),
        Check::Mysql => mysql::check(&uri, deadline, timeout),
        Check::Redis => redis::check(&uri, deadline, timeout),
        Check::Mongodb => mongodb::check(&uri, deadline, timeout),
        _ => Auth::Unknown("unsupported".into()),
    };
    match outcome {
        Auth::Ok(mut id) => {
            id.insert("host".into(), Value::String(uri.host.clone()));
            if !uri.user.is_empty() {
                id.entry("user".into())
                    .or_insert_with(|| Value::String(uri.user.clone()));
            }
            if !uri.database.is_empty() {
                id.insert("database".into(), Value::String(uri.database.clone()));
            }
            valid(id)
        }
        Auth::Refused(r) => invalid(r),
        Auth::Unknown(r) => unknown(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_without_showing_the_password() {
        let u =
            DbUri::parse("postgresql://app%40x:p%40ss@db.example.com:6543/prod?sslmode=require")
                .unwrap();
        assert_eq!(u.user, "app@x");
        assert_eq!(u.password, "p@ss");
        assert_eq!(u.host, "db.example.com");
        assert_eq!(u.port, Some(6543));
        assert_eq!(u.database, "prod");
        assert_eq!(u.param("sslmode"), Some("require"));
        assert!(!format!("{u:?}").contains("p@ss"));
        let u = DbUri::parse("redis://:hunter22@[::1]:6380/0").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.user.as_str()),
            ("::1", Some(6380), "")
        );
        let u = DbUri::parse("mongodb://u:p@h1:27017,h2:27018/admin?authSource=admin").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("h1", Some(27017)));
        assert!(DbUri::parse("postgres://nohost").is_none());
    }
}
