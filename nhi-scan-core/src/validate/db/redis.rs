//! Redis: `AUTH [user] password`, then `ACL WHOAMI` for the user name, then `QUIT`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use serde_json::Value;

use super::{Auth, Conn, DbUri, io_reason};

/// A RESP array of bulk strings.
fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One reply: simple string, error or bulk string, as text with its type byte.
fn reply<R: BufRead>(r: &mut R) -> std::io::Result<(u8, String)> {
    let mut line = Vec::new();
    r.by_ref().take(64 * 1024).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let kind = line[0];
    let text = String::from_utf8_lossy(&line[1..]).trim_end().to_string();
    if kind == b'$' {
        let n: i64 = text.parse().unwrap_or(-1);
        if n < 0 {
            return Ok((b'$', String::new()));
        }
        let mut buf = vec![0u8; n.min(64 * 1024) as usize + 2];
        r.read_exact(&mut buf)?;
        buf.truncate(buf.len() - 2);
        return Ok((b'$', String::from_utf8_lossy(&buf).into_owned()));
    }
    Ok((kind, text))
}

/// Connects and authenticates.
pub(crate) fn check(uri: &DbUri, timeout: Duration) -> Auth {
    let port = uri.port.unwrap_or(6379);
    let mut conn = match Conn::connect(&uri.host, port, timeout) {
        Ok(c) => c,
        Err(r) => return Auth::Unknown(r),
    };
    if uri.scheme == "rediss" {
        conn = match conn.into_tls(&uri.host) {
            Ok(c) => c,
            Err(r) => return Auth::Unknown(r),
        };
    }
    let io = |e: std::io::Error| Auth::Unknown(io_reason(&e, &uri.host, timeout));
    let auth = if uri.user.is_empty() {
        command(&["AUTH", &uri.password])
    } else {
        command(&["AUTH", &uri.user, &uri.password])
    };
    if let Err(e) = conn.write_all(&auth) {
        return io(e);
    }
    let mut r = BufReader::new(conn);
    let (kind, text) = match reply(&mut r) {
        Ok(x) => x,
        Err(e) => return io(e),
    };
    if kind == b'-' {
        let upper = text.to_ascii_uppercase();
        let _ = r.get_mut().write_all(&command(&["QUIT"]));
        return if upper.starts_with("WRONGPASS")
            || upper.contains("INVALID PASSWORD")
            || upper.contains("INVALID USERNAME-PASSWORD")
        {
            Auth::Refused("rejected by Redis (wrong password)".into())
        } else if upper.contains("WITHOUT ANY PASSWORD CONFIGURED") {
            Auth::Unknown("the server has no password set, so any password is accepted".into())
        } else {
            Auth::Unknown("unexpected response (Redis error)".into())
        };
    }
    if kind != b'+' {
        return Auth::Unknown("unexpected response (not Redis?)".into());
    }
    let mut id = BTreeMap::new();
    if r.get_mut().write_all(&command(&["ACL", "WHOAMI"])).is_ok()
        && let Ok((k, user)) = reply(&mut r)
        && (k == b'+' || k == b'$')
        && !user.is_empty()
    {
        id.insert("user".to_string(), Value::String(user));
    }
    let _ = r.get_mut().write_all(&command(&["QUIT"]));
    Auth::Ok(id)
}
