//! Files that hold one secret and nothing else: the file's name is the secret's name.
//!
//! Rails keeps its master key as 32 hex digits alone in `config/master.key`; Docker and
//! Kubernetes mount secrets as files (`secrets/db_password.txt`, `/run/secrets/api_token`);
//! Ansible reads `.vault_pass`. No line of such a file names what it holds, so the assignment
//! engine, which decides on names, would pass it by. Here the file name stands in for the
//! name: `master.key` holding `6793...` is judged as `master_key=6793...` would be, with the
//! same rules, filters and entropy bars, so a `VERSION` or `.nvmrc` file (no secret word in its
//! name) stays out.

use std::ops::Range;

use super::{Match, Scanner, Scratch};

/// Longest file that can hold a single value (a long JWT fits; a config file does not).
const MAX_FILE: usize = 2048;

/// File extensions that name what the file holds, and so are part of the name
/// (`master.key` is a master key); other extensions (`.txt`, `.secret`'s container formats)
/// are dropped.
const NAMING_EXTENSIONS: &[&str] = &[
    "key", "token", "secret", "password", "passwd", "pass", "pwd", "pat", "jwt", "cookie", "psk",
];

/// The value of a file made of one token, after any `#` comment lines: its bytes without
/// surrounding white space, when they are 8 to 2048 printable characters with no white space
/// inside and do not open a structured format (JSON, XML, a PEM block, another comment), which
/// the ordinary scan reads.
pub(crate) fn single_value(hay: &[u8]) -> Option<Range<usize>> {
    if hay.len() > MAX_FILE {
        return None;
    }
    // `# ...` lines before the value (a provisioning note, Zabbix's `.psk` with a header) are
    // no part of it.
    let mut from = 0;
    while let Some(i) = hay[from..].iter().position(|b| !b.is_ascii_whitespace())
        && hay[from + i] == b'#'
    {
        from = from + i + memchr::memchr(b'\n', &hay[from + i..])? + 1;
    }
    let start = from + hay[from..].iter().position(|b| !b.is_ascii_whitespace())?;
    let end = hay.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    let v = &hay[start..end];
    if v.len() < 8 || !v.iter().all(u8::is_ascii_graphic) || b"{[<#-/;".contains(&v[0]) {
        return None;
    }
    Some(start..end)
}

/// The name a file's name gives its content: the base name without a leading dot, with its
/// extension only when the extension names a secret (`master.key` is `master_key`,
/// `db_password.txt` is `db_password`).
fn name_of(path: &str) -> Option<String> {
    let base = path.rsplit(['/', '\\']).next()?.trim_start_matches('.');
    let (stem, ext) = match base.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e)),
        _ => (base, None),
    };
    let mut name = stem.to_string();
    if let Some(e) = ext
        && NAMING_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
    {
        name.push('_');
        name.push_str(e);
    }
    let ident = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    (name.bytes().any(|b| b.is_ascii_alphabetic()) && name.bytes().all(ident)).then_some(name)
}

/// Longest login file read by [`login_values`] (they list a handful of accounts).
const MAX_LOGIN_FILE: usize = 16 * 1024;

/// Formats of login files that name no credential on their lines; the file's name says which
/// field holds the password.
#[derive(Clone, Copy)]
enum LoginFormat {
    /// pppd `chap-secrets` / `pap-secrets`: `client server secret [addresses]`, blank-separated,
    /// fields optionally in double quotes.
    Ppp,
    /// rsync's secrets file: `user:password`.
    Rsync,
    /// Exim's `passwd.client`: `host:login:password`.
    Exim,
}

fn login_format(path: &str) -> Option<LoginFormat> {
    let base = path.rsplit(['/', '\\']).next()?;
    match base {
        "chap-secrets" | "pap-secrets" => Some(LoginFormat::Ppp),
        "rsyncd.secrets" | "rsync.secrets" | "rsyncd.scrt" => Some(LoginFormat::Rsync),
        "passwd.client" => Some(LoginFormat::Exim),
        _ => None,
    }
}

/// Whether `hay` could be a login file at all (short, lines of a few fields, as no source file
/// or prose is), checked before its path is asked for.
pub(crate) fn may_be_login_file(hay: &[u8]) -> bool {
    hay.len() <= MAX_LOGIN_FILE
        && hay.split(|b| *b == b'\n').all(|l| {
            let l = l.trim_ascii();
            l.is_empty()
                || l[0] == b'#'
                || l.len() <= 256
                    && l.split(u8::is_ascii_whitespace)
                        .filter(|w| !w.is_empty())
                        .count()
                        <= 6
        })
}

/// The password fields of a login file (see [`LoginFormat`]), in order.
fn login_values(format: LoginFormat, hay: &[u8], out: &mut Vec<Range<usize>>) {
    let mut start = 0;
    for line in hay.split(|b| *b == b'\n') {
        let ls = start;
        start += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let lead = line.len() - line.trim_ascii_start().len();
        if line.trim_ascii().is_empty() || line[lead] == b'#' {
            continue;
        }
        let field = match format {
            LoginFormat::Ppp => nth_field(line, 2),
            LoginFormat::Rsync => memchr::memchr(b':', line).map(|c| c + 1..line.len()),
            LoginFormat::Exim => memchr::memchr(b':', line)
                .and_then(|c| memchr::memchr(b':', &line[c + 1..]).map(|d| c + d + 2..line.len())),
        };
        let Some(mut f) = field else { continue };
        while f.end > f.start && line[f.end - 1].is_ascii_whitespace() {
            f.end -= 1;
        }
        if f.len() >= 2 && line[f.start] == b'"' && line[f.end - 1] == b'"' {
            f = f.start + 1..f.end - 1;
        }
        if !f.is_empty() && line[f.clone()].iter().all(u8::is_ascii_graphic) {
            out.push(ls + f.start..ls + f.end);
        }
    }
}

/// Field `n` (0-based) of a blank-separated line whose fields may be double-quoted.
fn nth_field(line: &[u8], n: usize) -> Option<Range<usize>> {
    let mut i = 0;
    let mut k = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            return None;
        }
        let s = i;
        if line[i] == b'"' {
            i += 1 + memchr::memchr(b'"', &line[i + 1..])? + 1;
        } else {
            while i < line.len() && !line[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        if k == n {
            return Some(s..i);
        }
        k += 1;
    }
}

impl Scanner {
    /// Scans the password fields of a login file (`chap-secrets`, `rsyncd.secrets`,
    /// `passwd.client`; see [`LoginFormat`]) each as `password = field`, with the generic
    /// password rules and their filters. Matches already in `out` keep their place.
    pub(crate) fn scan_login_file(
        &self,
        path: &str,
        hay: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let Some(format) = login_format(path) else {
            return;
        };
        let mut fields = Vec::new();
        login_values(format, hay, &mut fields);
        for f in fields {
            if out
                .iter()
                .any(|m| m.secret.start < f.end && f.start < m.secret.end)
            {
                continue;
            }
            self.scan_named_value("password", hay, f, scratch, out);
        }
        out.sort_by_key(|m| m.secret.start);
    }

    /// Scans a file of one value (`hay[value]`, see [`single_value`]) as the assignment
    /// `name = value`, where the name comes from the file's `path`. Matches are appended to
    /// `out` with ranges into `hay`.
    pub(crate) fn scan_file_value(
        &self,
        path: &str,
        hay: &[u8],
        value: Range<usize>,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let Some(name) = name_of(path) else { return };
        self.scan_named_value(&name, hay, value, scratch, out);
    }

    /// Scans `hay[value]` as the assignment `name=value` (one line), appending its matches to
    /// `out` with ranges into `hay`.
    fn scan_named_value(
        &self,
        name: &str,
        hay: &[u8],
        value: Range<usize>,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let mut line = Vec::with_capacity(name.len() + 2 + value.len());
        line.extend_from_slice(name.as_bytes());
        line.push(b'=');
        let offset = line.len();
        line.extend_from_slice(&hay[value.clone()]);
        line.push(b'\n');
        let mut found = Vec::new();
        self.scan(&line, scratch, &mut found);
        let inside = offset..offset + value.len();
        for mut m in found {
            if m.secret.start < inside.start || m.secret.end > inside.end {
                continue;
            }
            let shift = |r: Range<usize>| {
                r.start.max(offset) - offset + value.start
                    ..r.end.min(inside.end) - offset + value.start
            };
            m.secret = shift(m.secret);
            m.span = shift(m.span);
            m.companion = m
                .companion
                .filter(|c| c.start >= offset && c.end <= inside.end)
                .map(shift);
            out.push(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_file_name() {
        assert_eq!(name_of("config/master.key").as_deref(), Some("master_key"));
        assert_eq!(
            name_of("secrets/db_password.txt").as_deref(),
            Some("db_password")
        );
        assert_eq!(
            name_of("/run/secrets/api_token").as_deref(),
            Some("api_token")
        );
        assert_eq!(name_of("home/x/.vault_pass").as_deref(), Some("vault_pass"));
        assert_eq!(name_of("a/1234.txt"), None);
        assert_eq!(name_of("a/my file.key"), None);
    }

    #[test]
    fn login_files_give_their_password_fields() {
        let fields = |path: &str, text: &str| {
            let mut out = Vec::new();
            login_values(login_format(path).unwrap(), text.as_bytes(), &mut out);
            out.into_iter()
                .map(|r| text[r].to_string())
                .collect::<Vec<_>>()
        };
        // nhi-scan:allow-next-line (fakes)
        let ppp = "# client\tserver\tsecret\tIP\nbranch-a\t*\t\"Rq8!vLz2Tm\"\t10.0.0.1\ntech l2tpd Wn4$Kp7Qx *\n";
        assert_eq!(
            fields("/etc/ppp/chap-secrets", ppp),
            ["Rq8!vLz2Tm", "Wn4$Kp7Qx"]
        );
        // nhi-scan:allow-next-line (fakes)
        let rsync = "backup:Turbine.Rose.Garnet.4838\nmirror:Mq7#Lw2Vz\r\n";
        assert_eq!(
            fields("etc/rsyncd.secrets", rsync),
            ["Turbine.Rose.Garnet.4838", "Mq7#Lw2Vz"]
        );
        // nhi-scan:allow-next-line (fakes)
        let exim =
            "# target.mail.server.example:login:password\n*.relay.example:relay:Thun8der!x\n";
        assert_eq!(fields("exim4/passwd.client", exim), ["Thun8der!x"]);
        assert!(login_format("src/secrets.rs").is_none());
        assert!(may_be_login_file(rsync.as_bytes()));
        assert!(!may_be_login_file(b"fn main() { let x = 1; let y = 2; }\n"));
    }

    #[test]
    fn only_files_of_one_token_have_a_single_value() {
        assert_eq!(single_value(b"  6793561bf37f09db\n"), Some(2..18));
        assert_eq!(single_value(b"a = b\n"), None);
        assert_eq!(single_value(b"{\"a\":1}"), None);
        assert_eq!(single_value(b"short\n"), None);
        assert_eq!(
            single_value(b"# zabbix agent psk\n6793561bf37f09db\n"),
            Some(19..35)
        );
        assert_eq!(single_value(b"# only a comment\n"), None);
        assert_eq!(single_value(&[b'x'; 4096]), None);
    }
}
