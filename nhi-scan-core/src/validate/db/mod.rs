//! Database URIs (PostgreSQL, MySQL/MariaDB, Redis, MongoDB): connect to the host the URI names
//! and authenticate, then hang up. Only with `--validate-db`, because the host comes from
//! scanned content. Each handshake is small protocol code here rather than a driver: a driver
//! would pull in a runtime and connection pools to send a dozen packets.
//!
//! TLS is used when the URI asks for it (`sslmode=require`, `rediss://`, `tls=true`, ...), with
//! certificate verification against the bundled webpki roots.

mod mongodb;
mod mysql;
mod postgres;
mod redis;
mod scram;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

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

/// A connection, plain or TLS.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    /// Moved out (while being upgraded to TLS); reads and writes fail.
    Closed,
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
            Conn::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
            Conn::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
            Conn::Closed => Ok(()),
        }
    }
}

impl Conn {
    /// Connects with a timeout on connecting and on every read and write.
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<Conn, String> {
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|_| format!("network error: cannot resolve {host}"))?
            .collect();
        let mut last = format!("network error: cannot resolve {host}");
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    let _ = s.set_read_timeout(Some(timeout));
                    let _ = s.set_write_timeout(Some(timeout));
                    let _ = s.set_nodelay(true);
                    return Ok(Conn::Plain(s));
                }
                Err(e) => last = io_reason(&e, host, timeout),
            }
        }
        Err(last)
    }

    /// Upgrades a plain connection to TLS, verifying the certificate for `host`.
    pub fn into_tls(self, host: &str) -> Result<Conn, String> {
        let Conn::Plain(tcp) = self else {
            return Ok(self);
        };
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| format!("not checked: {host} is not a TLS server name"))?;
        let conn = rustls::ClientConnection::new(tls_config(), name)
            .map_err(|_| format!("network error: TLS setup for {host} failed"))?;
        let mut s = rustls::StreamOwned::new(conn, tcp);
        while s.conn.is_handshaking() {
            s.conn.complete_io(&mut s.sock).map_err(|_| {
                format!(
                    "network error: TLS handshake with {host} failed (certificate not verifiable?)"
                )
            })?;
        }
        Ok(Conn::Tls(Box::new(s)))
    }
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
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            format!("timeout after {}s", super::http::fmt_secs(timeout))
        }
        io::ErrorKind::ConnectionRefused => format!("network error: connection refused by {host}"),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
            format!("network error: {host} closed the connection")
        }
        kind => format!("network error ({kind}) with {host}"),
    }
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
    let timeout = v.opts.timeout;
    let outcome = match spec.check {
        Check::Postgres => postgres::check(&uri, timeout),
        Check::Mysql => mysql::check(&uri, timeout),
        Check::Redis => redis::check(&uri, timeout),
        Check::Mongodb => mongodb::check(&uri, timeout),
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
