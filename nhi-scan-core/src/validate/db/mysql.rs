//! MySQL and MariaDB: the protocol-41 handshake with `mysql_native_password` or
//! `caching_sha2_password` (fast path, or full authentication over TLS or with the server's RSA
//! key), then `COM_QUIT`. No database is selected and no query is run.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use rsa::pkcs8::DecodePublicKey;
use serde_json::Value;
use sha2::Digest;

use super::{Auth, Conn, DbUri, io_reason};

const CLIENT_LONG_PASSWORD: u32 = 1;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x8_0000;
const CLIENT_PLUGIN_AUTH_LENENC: u32 = 0x20_0000;
const MAX_PACKET: u32 = 1 << 24;
const ER_ACCESS_DENIED: u16 = 1045;

struct Packets {
    conn: Conn,
    seq: u8,
}

impl Packets {
    fn read(&mut self) -> std::io::Result<Vec<u8>> {
        let mut head = [0u8; 4];
        self.conn.read_exact(&mut head)?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
        self.seq = head[3].wrapping_add(1);
        let mut body = vec![0u8; len];
        self.conn.read_exact(&mut body)?;
        Ok(body)
    }

    fn write(&mut self, payload: &[u8]) -> std::io::Result<()> {
        let len = payload.len() as u32;
        let mut p = len.to_le_bytes()[..3].to_vec();
        p.push(self.seq);
        p.extend_from_slice(payload);
        self.seq = self.seq.wrapping_add(1);
        self.conn.write_all(&p)
    }
}

/// `mysql_native_password`: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))).
pub(crate) fn native_password(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let h1 = sha1::Sha1::digest(password);
    let h2 = sha1::Sha1::digest(h1);
    let mut m = sha1::Sha1::new();
    m.update(nonce);
    m.update(h2);
    let h3 = m.finalize();
    h1.iter().zip(h3.iter()).map(|(a, b)| a ^ b).collect()
}

/// `caching_sha2_password` scramble: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce).
pub(crate) fn caching_sha2(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let h1 = sha2::Sha256::digest(password);
    let h2 = sha2::Sha256::digest(h1);
    let mut m = sha2::Sha256::new();
    m.update(h2);
    m.update(nonce);
    let h3 = m.finalize();
    h1.iter().zip(h3.iter()).map(|(a, b)| a ^ b).collect()
}

fn scramble(plugin: &str, password: &[u8], nonce: &[u8]) -> Option<Vec<u8>> {
    match plugin {
        "mysql_native_password" => Some(native_password(password, nonce)),
        "caching_sha2_password" => Some(caching_sha2(password, nonce)),
        _ => None,
    }
}

fn cstr(b: &[u8]) -> (&[u8], &[u8]) {
    match b.iter().position(|&x| x == 0) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &[]),
    }
}

fn error_code(p: &[u8]) -> u16 {
    if p.len() >= 3 {
        u16::from_le_bytes([p[1], p[2]])
    } else {
        0
    }
}

/// Connects and authenticates.
pub(crate) fn check(uri: &DbUri, timeout: Duration) -> Auth {
    let port = uri.port.unwrap_or(3306);
    let conn = match Conn::connect(&uri.host, port, timeout) {
        Ok(c) => c,
        Err(r) => return Auth::Unknown(r),
    };
    let host = uri.host.clone();
    let io = move |e: std::io::Error| Auth::Unknown(io_reason(&e, &host, timeout));
    let mut p = Packets { conn, seq: 0 };
    let greeting = match p.read() {
        Ok(g) => g,
        Err(e) => return io(e),
    };
    if greeting.first() != Some(&10) {
        return Auth::Unknown("unexpected response (not a MySQL protocol 10 greeting)".into());
    }
    let (version, rest) = cstr(&greeting[1..]);
    if rest.len() < 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 {
        return Auth::Unknown("unexpected response (short MySQL greeting)".into());
    }
    let mut nonce = rest[4..12].to_vec();
    let caps_low = u16::from_le_bytes([rest[13], rest[14]]) as u32;
    let caps_high = u16::from_le_bytes([rest[18], rest[19]]) as u32;
    let server_caps = caps_low | caps_high << 16;
    let data_len = rest[20] as usize;
    let tail = &rest[31..];
    let part2 = data_len.saturating_sub(8).max(13).min(tail.len());
    nonce.extend_from_slice(&tail[..part2]);
    while nonce.last() == Some(&0) {
        nonce.pop();
    }
    let (plugin, _) = cstr(&tail[part2..]);
    let mut plugin = String::from_utf8_lossy(plugin).into_owned();
    if plugin.is_empty() {
        plugin = "mysql_native_password".into();
    }
    let want_tls = matches!(
        uri.param("ssl-mode")
            .or(uri.param("sslmode"))
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("required" | "require" | "verify_ca" | "verify_identity" | "verify-full")
    ) || matches!(uri.param("tls").or(uri.param("ssl")), Some("true" | "1"));
    let mut caps = CLIENT_LONG_PASSWORD
        | CLIENT_PROTOCOL_41
        | CLIENT_SECURE_CONNECTION
        | CLIENT_PLUGIN_AUTH
        | CLIENT_PLUGIN_AUTH_LENENC;
    let mut fixed = Vec::new();
    if want_tls {
        if server_caps & CLIENT_SSL == 0 {
            return Auth::Unknown(format!(
                "not checked: {} refuses TLS, which the URI requires",
                uri.host
            ));
        }
        caps |= CLIENT_SSL;
        fixed.extend_from_slice(&caps.to_le_bytes());
        fixed.extend_from_slice(&MAX_PACKET.to_le_bytes());
        fixed.push(45);
        fixed.extend_from_slice(&[0u8; 23]);
        if let Err(e) = p.write(&fixed) {
            return io(e);
        }
        p.conn = match std::mem::replace(&mut p.conn, Conn::Closed).into_tls(&uri.host) {
            Ok(c) => c,
            Err(r) => return Auth::Unknown(r),
        };
    } else {
        fixed.extend_from_slice(&caps.to_le_bytes());
        fixed.extend_from_slice(&MAX_PACKET.to_le_bytes());
        fixed.push(45);
        fixed.extend_from_slice(&[0u8; 23]);
    }
    let password = uri.password.as_bytes();
    let Some(mut auth) = scramble(&plugin, password, &nonce) else {
        return Auth::Unknown(format!("unsupported: MySQL authentication plugin {plugin}"));
    };
    let user = if uri.user.is_empty() {
        "root"
    } else {
        uri.user.as_str()
    };
    let mut resp = fixed;
    resp.extend_from_slice(user.as_bytes());
    resp.push(0);
    resp.push(auth.len() as u8);
    resp.extend_from_slice(&auth);
    resp.extend_from_slice(plugin.as_bytes());
    resp.push(0);
    if let Err(e) = p.write(&resp) {
        return io(e);
    }
    let mut id = BTreeMap::new();
    id.insert("user".to_string(), Value::String(user.to_string()));
    id.insert(
        "server_version".to_string(),
        Value::String(String::from_utf8_lossy(version).into_owned()),
    );
    for _ in 0..6 {
        let pkt = match p.read() {
            Ok(x) => x,
            Err(e) => return io(e),
        };
        match pkt.first() {
            Some(0x00) => {
                p.seq = 0;
                let _ = p.write(&[0x01]);
                return Auth::Ok(id);
            }
            Some(0xff) => {
                return if error_code(&pkt) == ER_ACCESS_DENIED {
                    Auth::Refused("rejected by MySQL (access denied)".into())
                } else {
                    Auth::Unknown(format!(
                        "unexpected response (MySQL error {})",
                        error_code(&pkt)
                    ))
                };
            }
            Some(0xfe) => {
                let (name, data) = cstr(&pkt[1..]);
                plugin = String::from_utf8_lossy(name).into_owned();
                nonce = data.to_vec();
                while nonce.last() == Some(&0) {
                    nonce.pop();
                }
                let Some(a) = scramble(&plugin, password, &nonce) else {
                    return Auth::Unknown(format!(
                        "unsupported: MySQL authentication plugin {plugin}"
                    ));
                };
                auth = a;
                if let Err(e) = p.write(&auth) {
                    return io(e);
                }
            }
            Some(0x01) if plugin == "caching_sha2_password" => match pkt.get(1) {
                Some(3) => {}
                Some(4) if matches!(p.conn, Conn::Tls(_)) => {
                    let mut clear = password.to_vec();
                    clear.push(0);
                    if let Err(e) = p.write(&clear) {
                        return io(e);
                    }
                }
                Some(4) => {
                    if let Err(e) = p.write(&[0x02]) {
                        return io(e);
                    }
                    let key = match p.read() {
                        Ok(k) => k,
                        Err(e) => return io(e),
                    };
                    let pem =
                        String::from_utf8_lossy(key.get(1..).unwrap_or_default()).into_owned();
                    let Ok(public) = rsa::RsaPublicKey::from_public_key_pem(pem.trim()) else {
                        return Auth::Unknown(
                            "unexpected response (MySQL RSA key does not parse)".into(),
                        );
                    };
                    let mut clear = password.to_vec();
                    clear.push(0);
                    for (i, b) in clear.iter_mut().enumerate() {
                        *b ^= nonce[i % nonce.len().max(1)];
                    }
                    let padding = rsa::Oaep::new::<sha1::Sha1>();
                    let Ok(enc) = public.encrypt(&mut rsa::rand_core::OsRng, padding, &clear)
                    else {
                        return Auth::Unknown(
                            "not checked: the password does not fit the server's RSA key".into(),
                        );
                    };
                    if let Err(e) = p.write(&enc) {
                        return io(e);
                    }
                }
                _ => return Auth::Unknown("unexpected response (MySQL auth data)".into()),
            },
            _ => return Auth::Unknown("unexpected response (MySQL packet)".into()),
        }
    }
    Auth::Unknown("unexpected response (MySQL handshake too long)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrambles_are_their_documented_formulas() {
        assert!(native_password(b"", b"12345678901234567890").is_empty());
        assert_eq!(
            native_password(b"secret", b"12345678901234567890").len(),
            20
        );
        assert_eq!(caching_sha2(b"secret", b"12345678901234567890").len(), 32);
        // XOR with the same mask twice gives back SHA1(password).
        let n = b"abcdefghijklmnopqrst";
        let s = native_password(b"pw", n);
        let h1 = sha1::Sha1::digest(b"pw");
        let mut m = sha1::Sha1::new();
        m.update(n);
        m.update(sha1::Sha1::digest(h1));
        let mask = m.finalize();
        let back: Vec<u8> = s.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect();
        assert_eq!(back, h1.to_vec());
    }
}
