//! PostgreSQL: the v3 startup handshake with cleartext, MD5 or SCRAM-SHA-256 authentication,
//! then `Terminate`. No query is run.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use md5::{Digest, Md5};
use serde_json::Value;

use super::scram::{Hash, Scram, nonce};
use super::{Auth, Conn, DbUri, io_reason};

const PROTOCOL_3_0: i32 = 196_608;
const SSL_REQUEST: i32 = 80_877_103;

fn message(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(payload.len() + 5);
    m.push(kind);
    m.extend_from_slice(&((payload.len() + 4) as i32).to_be_bytes());
    m.extend_from_slice(payload);
    m
}

fn read_message(c: &mut Conn) -> std::io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    c.read_exact(&mut head)?;
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if !(4..=1 << 20).contains(&len) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "bad message length",
        ));
    }
    let mut body = vec![0u8; len as usize - 4];
    c.read_exact(&mut body)?;
    Ok((head[0], body))
}

/// The SQLSTATE of an ErrorResponse.
fn sqlstate(body: &[u8]) -> String {
    let mut i = 0;
    while i < body.len() && body[i] != 0 {
        let field = body[i];
        let end = body[i + 1..]
            .iter()
            .position(|&b| b == 0)
            .map_or(body.len(), |p| i + 1 + p);
        if field == b'C' {
            return String::from_utf8_lossy(&body[i + 1..end]).into_owned();
        }
        i = end + 1;
    }
    String::new()
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Connects and authenticates.
pub(crate) fn check(uri: &DbUri, timeout: Duration) -> Auth {
    let port = uri.port.unwrap_or(5432);
    let mut conn = match Conn::connect(&uri.host, port, timeout) {
        Ok(c) => c,
        Err(r) => return Auth::Unknown(r),
    };
    let io = |e: std::io::Error| Auth::Unknown(io_reason(&e, &uri.host, timeout));
    let tls = matches!(
        uri.param("sslmode"),
        Some("require" | "verify-ca" | "verify-full")
    ) || uri.param("ssl") == Some("true");
    if tls {
        let mut req = Vec::new();
        req.extend_from_slice(&8i32.to_be_bytes());
        req.extend_from_slice(&SSL_REQUEST.to_be_bytes());
        if let Err(e) = conn.write_all(&req) {
            return io(e);
        }
        let mut answer = [0u8; 1];
        if let Err(e) = conn.read_exact(&mut answer) {
            return io(e);
        }
        if answer[0] != b'S' {
            return Auth::Unknown(format!(
                "not checked: {} refuses TLS, which the URI requires",
                uri.host
            ));
        }
        conn = match conn.into_tls(&uri.host) {
            Ok(c) => c,
            Err(r) => return Auth::Unknown(r),
        };
    }
    let user = if uri.user.is_empty() {
        "postgres"
    } else {
        uri.user.as_str()
    };
    let mut startup = Vec::new();
    startup.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
    for (k, v) in [
        ("user", user),
        (
            "database",
            if uri.database.is_empty() {
                user
            } else {
                uri.database.as_str()
            },
        ),
        ("application_name", "nhi-scan"),
    ] {
        startup.extend_from_slice(k.as_bytes());
        startup.push(0);
        startup.extend_from_slice(v.as_bytes());
        startup.push(0);
    }
    startup.push(0);
    let mut packet = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend_from_slice(&startup);
    if let Err(e) = conn.write_all(&packet) {
        return io(e);
    }
    let mut scram: Option<Scram> = None;
    let mut authenticated = false;
    let mut password_sent = false;
    let mut id = BTreeMap::new();
    id.insert("user".to_string(), Value::String(user.to_string()));
    loop {
        let (kind, body) = match read_message(&mut conn) {
            Ok(m) => m,
            Err(e) => return io(e),
        };
        match kind {
            b'R' if body.len() >= 4 => {
                let code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let reply = match code {
                    0 => {
                        if !password_sent {
                            let _ = conn.write_all(&message(b'X', &[]));
                            return Auth::Unknown(
                                "the server let us in without asking for a password (trust)".into(),
                            );
                        }
                        authenticated = true;
                        continue;
                    }
                    3 => {
                        let mut p = uri.password.as_bytes().to_vec();
                        p.push(0);
                        message(b'p', &p)
                    }
                    5 if body.len() >= 8 => {
                        let inner = md5_hex(format!("{}{user}", uri.password).as_bytes());
                        let mut salted = inner.into_bytes();
                        salted.extend_from_slice(&body[4..8]);
                        let mut p = format!("md5{}", md5_hex(&salted)).into_bytes();
                        p.push(0);
                        message(b'p', &p)
                    }
                    10 => {
                        let mechanisms = String::from_utf8_lossy(&body[4..]);
                        if !mechanisms.split('\0').any(|m| m == "SCRAM-SHA-256") {
                            return Auth::Unknown(
                                "unsupported: the server offers no SCRAM-SHA-256".into(),
                            );
                        }
                        let s = Scram::new(Hash::Sha256, "", uri.password.as_bytes(), nonce());
                        let first = s.client_first();
                        scram = Some(s);
                        let mut p = b"SCRAM-SHA-256\0".to_vec();
                        p.extend_from_slice(&(first.len() as i32).to_be_bytes());
                        p.extend_from_slice(first.as_bytes());
                        message(b'p', &p)
                    }
                    11 => {
                        let Some(s) = scram.as_mut() else {
                            return Auth::Unknown(
                                "unexpected SCRAM message from the server".into(),
                            );
                        };
                        match s.client_final(&String::from_utf8_lossy(&body[4..])) {
                            Ok(f) => message(b'p', f.as_bytes()),
                            Err(r) => return Auth::Unknown(r),
                        }
                    }
                    12 => {
                        let ok = scram
                            .as_ref()
                            .is_some_and(|s| s.verify_server(&String::from_utf8_lossy(&body[4..])));
                        if !ok {
                            return Auth::Unknown(
                                "the server's SCRAM signature does not verify".into(),
                            );
                        }
                        continue;
                    }
                    other => {
                        return Auth::Unknown(format!(
                            "unsupported: PostgreSQL authentication method {other}"
                        ));
                    }
                };
                password_sent = true;
                if let Err(e) = conn.write_all(&reply) {
                    return io(e);
                }
            }
            b'S' => {
                let mut parts = body.split(|&b| b == 0);
                if let (Some(k), Some(v)) = (parts.next(), parts.next())
                    && k == b"server_version"
                {
                    id.insert(
                        "server_version".into(),
                        Value::String(String::from_utf8_lossy(v).into_owned()),
                    );
                }
            }
            b'Z' => {
                let _ = conn.write_all(&message(b'X', &[]));
                return if authenticated {
                    Auth::Ok(id)
                } else {
                    Auth::Unknown("the server never confirmed authentication".into())
                };
            }
            b'E' => {
                let code = sqlstate(&body);
                return match code.as_str() {
                    "28P01" => Auth::Refused(
                        "rejected by PostgreSQL (password authentication failed)".into(),
                    ),
                    // The database is checked after authentication: the credentials work.
                    "3D000" if password_sent => Auth::Ok(id),
                    "28000" => Auth::Unknown(
                        "the server refused the connection before authentication (pg_hba, 28000)"
                            .into(),
                    ),
                    other => {
                        Auth::Unknown(format!("unexpected response (PostgreSQL error {other})"))
                    }
                };
            }
            _ => {}
        }
    }
}
