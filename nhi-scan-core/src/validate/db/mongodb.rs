//! MongoDB: `hello` (to learn the user's SCRAM mechanisms), then `saslStart`/`saslContinue`
//! with SCRAM-SHA-256 or SCRAM-SHA-1, over OP_MSG with a minimal BSON codec. No other command
//! is sent.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use md5::{Digest, Md5};
use serde_json::Value;

use super::scram::{Hash, Scram, nonce};
use super::{Auth, Conn, DbUri, io_reason};

const OP_MSG: i32 = 2013;
const AUTHENTICATION_FAILED: i64 = 18;

/// The BSON values this exchange uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bson {
    Double(f64),
    Str(String),
    Doc(Vec<(String, Bson)>),
    Array(Vec<Bson>),
    Bin(Vec<u8>),
    Bool(bool),
    Int(i64),
    Other,
}

impl Bson {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Bson::Int(i) => Some(*i),
            Bson::Double(d) => Some(*d as i64),
            Bson::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}

fn get<'a>(doc: &'a [(String, Bson)], key: &str) -> Option<&'a Bson> {
    doc.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Encodes a document.
pub(crate) fn encode(doc: &[(&str, Bson)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in doc {
        let (tag, bytes) = match v {
            Bson::Double(d) => (0x01, d.to_le_bytes().to_vec()),
            Bson::Str(s) => {
                let mut b = ((s.len() + 1) as i32).to_le_bytes().to_vec();
                b.extend_from_slice(s.as_bytes());
                b.push(0);
                (0x02, b)
            }
            Bson::Doc(d) => {
                let inner: Vec<(&str, Bson)> =
                    d.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                (0x03, encode(&inner))
            }
            Bson::Bin(data) => {
                let mut b = (data.len() as i32).to_le_bytes().to_vec();
                b.push(0);
                b.extend_from_slice(data);
                (0x05, b)
            }
            Bson::Bool(x) => (0x08, vec![u8::from(*x)]),
            Bson::Int(i) => (0x10, (*i as i32).to_le_bytes().to_vec()),
            Bson::Array(_) | Bson::Other => continue,
        };
        body.push(tag);
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(&bytes);
    }
    let mut out = ((body.len() + 5) as i32).to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out.push(0);
    out
}

/// Decodes a document (bounded recursion; unknown types end the parse).
pub(crate) fn decode(b: &[u8], depth: usize) -> Option<Vec<(String, Bson)>> {
    if depth > 8 || b.len() < 5 {
        return None;
    }
    let len = i32::from_le_bytes(b[..4].try_into().ok()?) as usize;
    if len > b.len() || len < 5 {
        return None;
    }
    let mut i = 4;
    let mut out = Vec::new();
    let end = len - 1;
    while i < end {
        let tag = b[i];
        i += 1;
        let nul = b[i..end].iter().position(|&x| x == 0)? + i;
        let key = String::from_utf8_lossy(&b[i..nul]).into_owned();
        i = nul + 1;
        let le_i32 = |at: usize| -> Option<i32> {
            Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
        };
        let (v, size) = match tag {
            0x01 => (
                Bson::Double(f64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?)),
                8,
            ),
            0x02 => {
                let n = le_i32(i)? as usize;
                let s = b.get(i + 4..i + 4 + n.checked_sub(1)?)?;
                (Bson::Str(String::from_utf8_lossy(s).into_owned()), 4 + n)
            }
            0x03 | 0x04 => {
                let n = le_i32(i)? as usize;
                let d = decode(b.get(i..i + n)?, depth + 1)?;
                if tag == 0x03 {
                    (Bson::Doc(d), n)
                } else {
                    (Bson::Array(d.into_iter().map(|(_, v)| v).collect()), n)
                }
            }
            0x05 => {
                let n = le_i32(i)? as usize;
                (Bson::Bin(b.get(i + 5..i + 5 + n)?.to_vec()), 5 + n)
            }
            0x07 => (Bson::Other, 12),
            0x08 => (Bson::Bool(*b.get(i)? != 0), 1),
            0x09 | 0x11 => (Bson::Other, 8),
            0x12 => (
                Bson::Int(i64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?)),
                8,
            ),
            0x0A => (Bson::Other, 0),
            0x10 => (Bson::Int(i64::from(le_i32(i)?)), 4),
            0x13 => (Bson::Other, 16),
            _ => return None,
        };
        i += size;
        out.push((key, v));
    }
    Some(out)
}

struct Wire {
    conn: Conn,
    next_id: i32,
}

impl Wire {
    fn command(&mut self, doc: &[(&str, Bson)]) -> std::io::Result<Vec<(String, Bson)>> {
        let body = encode(doc);
        self.next_id += 1;
        let mut msg = Vec::with_capacity(body.len() + 21);
        msg.extend_from_slice(&((body.len() + 21) as i32).to_le_bytes());
        msg.extend_from_slice(&self.next_id.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&OP_MSG.to_le_bytes());
        msg.extend_from_slice(&0u32.to_le_bytes());
        msg.push(0);
        msg.extend_from_slice(&body);
        self.conn.write_all(&msg)?;
        let mut head = [0u8; 16];
        self.conn.read_exact(&mut head)?;
        let len = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if !(21..=16 << 20).contains(&len) {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        let mut rest = vec![0u8; len as usize - 16];
        self.conn.read_exact(&mut rest)?;
        // flagBits (4), section kind 0 (1), document.
        decode(rest.get(5..).unwrap_or_default(), 0)
            .ok_or_else(|| std::io::ErrorKind::InvalidData.into())
    }
}

fn failed(reply: &[(String, Bson)]) -> Option<Auth> {
    if get(reply, "ok").and_then(Bson::as_i64) == Some(1) {
        return None;
    }
    let code = get(reply, "code").and_then(Bson::as_i64).unwrap_or(0);
    Some(if code == AUTHENTICATION_FAILED {
        Auth::Refused("rejected by MongoDB (AuthenticationFailed)".into())
    } else {
        Auth::Unknown(format!("unexpected response (MongoDB error {code})"))
    })
}

/// Connects and authenticates.
pub(crate) fn check(uri: &DbUri, timeout: Duration) -> Auth {
    if uri.scheme == "mongodb+srv" || uri.host.contains("+srv") {
        return Auth::Unknown("unsupported: mongodb+srv:// needs a DNS SRV lookup".into());
    }
    let mut conn = match Conn::connect(&uri.host, uri.port.unwrap_or(27017), timeout) {
        Ok(c) => c,
        Err(r) => return Auth::Unknown(r),
    };
    if matches!(uri.param("tls").or(uri.param("ssl")), Some("true")) {
        conn = match conn.into_tls(&uri.host) {
            Ok(c) => c,
            Err(r) => return Auth::Unknown(r),
        };
    }
    let host = uri.host.clone();
    let io = move |e: std::io::Error| Auth::Unknown(io_reason(&e, &host, timeout));
    let db = uri
        .param("authsource")
        .map(str::to_string)
        .unwrap_or_else(|| {
            if uri.database.is_empty() {
                "admin".into()
            } else {
                uri.database.clone()
            }
        });
    let mut w = Wire { conn, next_id: 0 };
    let hello = match w.command(&[
        ("hello", Bson::Int(1)),
        (
            "saslSupportedMechs",
            Bson::Str(format!("{db}.{}", uri.user)),
        ),
        ("$db", Bson::Str("admin".into())),
    ]) {
        Ok(r) => r,
        Err(e) => return io(e),
    };
    let mechs: Vec<String> = match get(&hello, "saslSupportedMechs") {
        Some(Bson::Array(a)) => a
            .iter()
            .filter_map(|m| match m {
                Bson::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let (mechanism, hash, password) = if mechs.iter().any(|m| m == "SCRAM-SHA-256")
        || mechs.is_empty()
    {
        (
            "SCRAM-SHA-256",
            Hash::Sha256,
            uri.password.as_bytes().to_vec(),
        )
    } else if mechs.iter().any(|m| m == "SCRAM-SHA-1") {
        let digest: String = Md5::digest(format!("{}:mongo:{}", uri.user, uri.password).as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ("SCRAM-SHA-1", Hash::Sha1, digest.into_bytes())
    } else {
        return Auth::Unknown(format!(
            "unsupported: MongoDB mechanisms {}",
            mechs.join(", ")
        ));
    };
    let mut scram = Scram::new(hash, &uri.user, &password, nonce());
    let start = match w.command(&[
        ("saslStart", Bson::Int(1)),
        ("mechanism", Bson::Str(mechanism.into())),
        ("payload", Bson::Bin(scram.client_first().into_bytes())),
        ("autoAuthorize", Bson::Int(1)),
        (
            "options",
            Bson::Doc(vec![("skipEmptyExchange".into(), Bson::Bool(true))]),
        ),
        ("$db", Bson::Str(db.clone())),
    ]) {
        Ok(r) => r,
        Err(e) => return io(e),
    };
    if let Some(a) = failed(&start) {
        return a;
    }
    let conversation = get(&start, "conversationId")
        .and_then(Bson::as_i64)
        .unwrap_or(1);
    let Some(Bson::Bin(server_first)) = get(&start, "payload") else {
        return Auth::Unknown("unexpected response (no SCRAM payload)".into());
    };
    let fin = match scram.client_final(&String::from_utf8_lossy(server_first)) {
        Ok(f) => f,
        Err(r) => return Auth::Unknown(r),
    };
    let mut reply = match w.command(&[
        ("saslContinue", Bson::Int(1)),
        ("conversationId", Bson::Int(conversation)),
        ("payload", Bson::Bin(fin.into_bytes())),
        ("$db", Bson::Str(db.clone())),
    ]) {
        Ok(r) => r,
        Err(e) => return io(e),
    };
    if let Some(a) = failed(&reply) {
        return a;
    }
    if let Some(Bson::Bin(server_final)) = get(&reply, "payload")
        && !server_final.is_empty()
        && !scram.verify_server(&String::from_utf8_lossy(server_final))
    {
        return Auth::Unknown("the server's SCRAM signature does not verify".into());
    }
    if get(&reply, "done") != Some(&Bson::Bool(true)) {
        reply = match w.command(&[
            ("saslContinue", Bson::Int(1)),
            ("conversationId", Bson::Int(conversation)),
            ("payload", Bson::Bin(Vec::new())),
            ("$db", Bson::Str(db.clone())),
        ]) {
            Ok(r) => r,
            Err(e) => return io(e),
        };
        if let Some(a) = failed(&reply) {
            return a;
        }
    }
    let mut id = BTreeMap::new();
    id.insert("user".to_string(), Value::String(uri.user.clone()));
    id.insert("auth_database".to_string(), Value::String(db));
    Auth::Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bson_round_trips() {
        let doc = encode(&[
            ("saslStart", Bson::Int(1)),
            ("mechanism", Bson::Str("SCRAM-SHA-256".into())),
            ("payload", Bson::Bin(b"n,,n=u,r=x".to_vec())),
            (
                "options",
                Bson::Doc(vec![("skipEmptyExchange".into(), Bson::Bool(true))]),
            ),
            ("ok", Bson::Double(1.0)),
        ]);
        let back = decode(&doc, 0).unwrap();
        assert_eq!(get(&back, "saslStart"), Some(&Bson::Int(1)));
        assert_eq!(
            get(&back, "payload"),
            Some(&Bson::Bin(b"n,,n=u,r=x".to_vec()))
        );
        assert_eq!(get(&back, "ok").and_then(Bson::as_i64), Some(1));
        assert!(decode(&doc[..doc.len() - 3], 0).is_none());
    }
}
