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
    "key", "token", "secret", "password", "passwd", "pass", "pwd", "pat", "jwt", "cookie",
];

/// The value of a file made of one token: its bytes without surrounding white space, when they
/// are 8 to 2048 printable characters with no white space inside and do not open a structured
/// format (JSON, XML, a PEM block, a comment), which the ordinary scan reads.
pub(crate) fn single_value(hay: &[u8]) -> Option<Range<usize>> {
    if hay.len() > MAX_FILE {
        return None;
    }
    let start = hay.iter().position(|b| !b.is_ascii_whitespace())?;
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

impl Scanner {
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
    fn only_files_of_one_token_have_a_single_value() {
        assert_eq!(single_value(b"  6793561bf37f09db\n"), Some(2..18));
        assert_eq!(single_value(b"a = b\n"), None);
        assert_eq!(single_value(b"{\"a\":1}"), None);
        assert_eq!(single_value(b"short\n"), None);
        assert_eq!(single_value(&[b'x'; 4096]), None);
    }
}
