//! Encoded text: credentials hidden in base64 (Kubernetes Secret `data:`, `Authorization: Basic`,
//! Docker `auth`) or percent-encoding are decoded and scanned again, and whatever is found is
//! reported at the location of the encoded text.
//!
//! Decoding is gated like rules are: each decoder owns keywords in the same keyword gate, and
//! only runs over a window after a keyword hit, so files without those contexts pay nothing.
//! Decoded bytes are scanned only when they look like text (valid UTF-8, no control bytes), which
//! drops base64 images and digests cheaply.

use std::ops::Range;

use base64::Engine as _;
use regex_automata::meta;

/// How a secret was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Standard or URL-safe base64.
    Base64,
    /// `%XX` escapes.
    Percent,
    /// Hex digits, two per byte.
    Hex,
    /// JSON string escapes (`\n`, `\"`, `\u0022`), in a string or an array of strings such as
    /// a notebook cell; the location is the escaped text's own line.
    Escaped,
}

/// A context in which encoded text is expected.
pub(crate) struct Decoder {
    pub keywords: &'static [&'static str],
    /// Pattern with an `enc` group holding the encoded text, and a `name` group where the
    /// context names each value (a Kubernetes Secret's `data:` keys): every value there is a
    /// secret, so the decoded text is scanned as that name's value (see [`named_value`]).
    pub regex: meta::Regex,
    pub encoding: Encoding,
    /// The name a single-line decoded value is read under when the context names none: a
    /// literal piped into `base64 -d` or `xxd -r -p` is decoded because someone needed the
    /// plain text. Only a decoded `login:password` pair or a strong password is so named (see
    /// `Scanner::decode_and_scan`); a decoded host name or version is not a secret.
    pub implied_name: Option<&'static str>,
    /// The context itself says the value is a credential (an authorization header's): the
    /// decoded text is read under `implied_name` whatever its shape, so that a chosen password
    /// kept encoded is judged as one.
    pub named: bool,
    /// Bytes searched before and after a keyword hit.
    pub before: usize,
    pub after: usize,
    /// The search stays inside the YAML document of the hit (between `---` lines): the next
    /// document of a manifest (a ConfigMap after a Secret) names no secrets.
    pub one_document: bool,
}

impl Decoder {
    /// The bytes searched around a keyword hit: [`Self::before`] and [`Self::after`] it, within
    /// the hit's YAML document when [`Self::one_document`] says so.
    pub(crate) fn window(&self, hay: &[u8], hit: Range<usize>) -> (usize, usize) {
        let mut start = hit.start.saturating_sub(self.before);
        let mut end = hit.end.saturating_add(self.after).min(hay.len());
        if self.one_document {
            if let Some(i) = memchr::memmem::rfind(&hay[start..hit.start], b"\n---") {
                start += i + 1;
            }
            if let Some(i) = memchr::memmem::find(&hay[hit.start..end], b"\n---") {
                end = hit.start + i;
            }
        }
        (start, end)
    }
}

/// Nesting limit: a Docker config inside a Kubernetes Secret is two levels.
pub(crate) const MAX_DEPTH: usize = 2;

pub(crate) fn decoders() -> Vec<Decoder> {
    let build = |p: &str| {
        meta::Regex::builder()
            .syntax(crate::rules::syntax_config())
            .build(p)
            .expect("built-in decoder patterns are valid")
    };
    // The two encodings of an authorization header kept under its own name: `enc` is the rest
    // of the pattern after the name and its operator (the encoded run, closed, and its end).
    let auth_header = |enc: &str, encoding| Decoder {
        keywords: &["auth_header", "authheader", "auth-header"],
        regex: build(&format!(
            r#"(?i:auth[_-]?header)["']?[ \t]{{0,4}}(?:[:=]|=>)[ \t]{{0,4}}["']?(?P<enc>{enc}"#
        )),
        encoding,
        implied_name: Some("decoded_secret"),
        named: true,
        before: 16,
        after: 1024,
        one_document: false,
    };
    vec![
        // Kubernetes Secret manifests (YAML): indented `key: <base64>` lines near `kind: Secret`.
        // Gated on the kind, not on `data:`, which is everywhere in YAML and JavaScript.
        Decoder {
            keywords: &["kind: secret", "kind: \"secret\"", "kind: 'secret'"],
            regex: build(
                r#"(?m)^[ \t]+["']?(?P<name>[A-Za-z0-9_.-]+)["']?:[ \t]*["']?(?P<enc>[A-Za-z0-9+/]{12,}={0,2})["']?[ \t]*\r?$"#,
            ),
            encoding: Encoding::Base64,
            implied_name: None,
            named: false,
            before: 8192,
            after: 8192,
            one_document: true,
        },
        // The same in JSON: `"kind": "Secret", "data": { "key": "<base64>", ... }`.
        Decoder {
            keywords: &["\"kind\": \"secret\"", "\"kind\":\"secret\""],
            regex: build(
                r#""(?P<name>[A-Za-z0-9_.-]+)"\s*:\s*"(?P<enc>[A-Za-z0-9+/]{12,}={0,2})""#,
            ),
            encoding: Encoding::Base64,
            implied_name: None,
            named: false,
            before: 8192,
            after: 8192,
            one_document: false,
        },
        // HTTP basic auth and Docker/npm `auth` values: `user:password` pairs that may hold a token.
        Decoder {
            keywords: &["basic ", "\"auth\"", "_auth"],
            regex: build(
                r#"(?i:basic[ \t]+|"auth"\s*:\s*"|_auth\s*=\s*"?)(?P<enc>[A-Za-z0-9+/]{12,}={0,2})"#,
            ),
            encoding: Encoding::Base64,
            implied_name: None,
            named: false,
            before: 16,
            after: 1024,
            one_document: false,
        },
        // Text in a data URI (`data:text/plain;base64,...`, `data:application/json;base64,`): a
        // fixture's or a bookmarklet's embedded `.env` line or JSON document. Images and fonts
        // have other media types and are left alone.
        Decoder {
            keywords: &[
                "plain;base64,",
                "json;base64,",
                "utf-8;base64,",
                "yaml;base64,",
            ],
            regex: build(
                r#"data:(?:text/[a-z0-9.+-]{1,32}|application/(?:[a-z0-9.+-]{1,32}\+)?(?:json|yaml|x-yaml))(?:;[a-z0-9_.-]{1,16}=[a-z0-9_.-]{1,16})?;base64,(?P<enc>[A-Za-z0-9+/]{12,}={0,2})"#,
            ),
            encoding: Encoding::Base64,
            // A one-line text URI may hold a login (`relay:x`).
            implied_name: Some("data_secret"),
            named: false,
            before: 64,
            after: 8192,
            one_document: false,
        },
        // A value under a name that ends in how it is written (`ONT_BLOB="..."`, `payload_b64`,
        // `NetconfAccessEncoded`, `portal.base64 = ...`, `setdefault("SESSION_B64", "...")`): a
        // login pair or a token inside is reported. The name's last word, not a data URI's
        // `;base64,`.
        Decoder {
            keywords: &["b64", "base64", "encoded", "blob"],
            regex: build(
                r#"[A-Za-z0-9_.-](?i:b64|base64|encoded|blob)["']?[ \t]{0,4}(?::[ \t]{0,4}&?(?:'static[ \t]+)?[A-Za-z_]{1,16}[ \t]{0,4}=|[:=,(]|=>|(?i:value)[ \t]{0,2}=)[ \t]{0,4}@?["']?(?P<enc>[A-Za-z0-9+/_-]{12,}={0,2})(?:[^A-Za-z0-9+/=_-]|$)"#,
            ),
            encoding: Encoding::Base64,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 16,
            after: 1024,
            one_document: false,
        },
        // The same in hex (`mediation-hex: 6361...`, `SMS_PASSWORD_HEX=...`).
        Decoder {
            keywords: &["_hex", "-hex", "hexencoded", "hex_encoded", "hex-encoded"],
            regex: build(
                r#"[A-Za-z0-9_.-](?i:hex|hex[_-]?encoded)["']?[ \t]{0,4}(?:[:=,(]|=>|(?i:value)[ \t]{0,2}=)[ \t]{0,4}["']?(?P<enc>(?:[0-9a-fA-F]{2}){8,})(?:[^0-9A-Za-z]|$)"#,
            ),
            encoding: Encoding::Hex,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 16,
            after: 1024,
            one_document: false,
        },
        // An authorization header's value kept encoded under its own name (`AUTH_HEADER=`,
        // `authHeader: "..."`, `auth-header: '6b48...'`): the base64 or hex of a login pair,
        // a password or a token, judged as what it decodes to.
        auth_header(
            r#"[A-Za-z0-9+/_-]{12,}={0,2})(?:[^A-Za-z0-9+/=_-]|$)"#,
            Encoding::Base64,
        ),
        auth_header(
            r#"(?:[0-9a-fA-F]{2}){8,})(?:[^0-9A-Za-z]|$)"#,
            Encoding::Hex,
        ),
        // A literal piped into a decoder in a script or a shell history:
        // `echo 'dXNlcjp4' | base64 -d`, `printf '%s' "..." | base64 --decode > key`.
        Decoder {
            keywords: &["base64 -d", "base64 --decode"],
            regex: build(
                r#"(?:echo|printf)(?:[ \t]+-[neE]{1,2})?(?:[ \t]+["']%s["'])?[ \t]+["']?(?P<enc>[A-Za-z0-9+/_-]{12,}={0,2})["']?[ \t]*\|[ \t]*base64[ \t]+(?:-d|--decode|-D)\b"#,
            ),
            encoding: Encoding::Base64,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 1024,
            after: 16,
            one_document: false,
        },
        // A here-string into a decoder: `base64 -d <<< 'dXNlcjp4'`, `xxd -r -p <<< '7849...'`.
        Decoder {
            keywords: &["<<<"],
            regex: build(
                r#"base64[ \t]+(?:-d|--decode|-D)[ \t]*<<<[ \t]*["']?(?P<enc>[A-Za-z0-9+/_-]{12,}={0,2})["']?"#,
            ),
            encoding: Encoding::Base64,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 32,
            after: 1024,
            one_document: false,
        },
        Decoder {
            keywords: &["<<<"],
            regex: build(
                r#"xxd[ \t]+(?:-r[ \t]+-ps?|-p[ \t]+-r)[ \t]*<<<[ \t]*["']?(?P<enc>(?:[0-9a-fA-F]{2}){8,})["']?"#,
            ),
            encoding: Encoding::Hex,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 32,
            after: 1024,
            one_document: false,
        },
        // The same with hex: `printf '%s' '7849...' | xxd -r -p`.
        Decoder {
            keywords: &["xxd -r -p", "xxd -p -r"],
            regex: build(
                r#"(?:echo|printf)(?:[ \t]+-[neE]{1,2})?(?:[ \t]+["']%s["'])?[ \t]+["']?(?P<enc>(?:[0-9a-fA-F]{2}){8,})["']?[ \t]*\|[ \t]*xxd[ \t]+(?:-r[ \t]+-ps?|-p[ \t]+-r)\b"#,
            ),
            encoding: Encoding::Hex,
            implied_name: Some("decoded_secret"),
            named: false,
            before: 1024,
            after: 16,
            one_document: false,
        },
        // Percent-encoded runs with at least two escapes (form bodies, URLs, encoded JSON).
        Decoder {
            keywords: &["%2f", "%3d", "%2b", "%3a", "%40", "%22"],
            regex: build(
                r"(?P<enc>[A-Za-z0-9._~+/=&:@-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~+/=&:@-]*){2,})",
            ),
            encoding: Encoding::Percent,
            implied_name: None,
            named: false,
            before: 512,
            after: 512,
            one_document: false,
        },
    ]
}

/// Rewrites a single-line decoded value as an assignment to `name` (`DATADOG_1: 4a0f...`,
/// `db-password-fby: ...`), so the assignment engine judges it as it would the plain text. The
/// name is made a credential's where its own words do not end in one (a Secret's data is
/// secret by kind): `_password` when a password's word is among them, `_secret` otherwise; a
/// name that says its value is an address or a login name (`DB_HOST`) keeps its own words.
/// Multi-line values (a PEM block, a whole `.env`) are left as they are.
pub(crate) fn named_value(name: &[u8], decoded: &mut Vec<u8>) {
    if decoded.trim_ascii_end().contains(&b'\n') {
        return;
    }
    /// Beyond the shared list: a Secret's keys also name servers, databases, places, logins
    /// and senders (`DB_NAME`, `S3_BUCKET`, `FTP_LOGIN`, `MAIL_FROM`).
    const ALSO_NOT_CREDENTIAL: &[&[u8]] = &[
        b"login",
        b"server",
        b"address",
        b"addr",
        b"name",
        b"database",
        b"db",
        b"schema",
        b"bucket",
        b"namespace",
        b"cluster",
        b"zone",
        b"path",
        b"sender",
        b"from",
    ];
    let mut words = super::words::Words::default();
    let suffix: &[u8] = if !words.split(name)
        || words.meaningful_end() > 0 && {
            let last = words.get(words.meaningful_end() - 1);
            super::words::NAMES_NO_SECRET.contains(&last) || ALSO_NOT_CREDENTIAL.contains(&last)
        } {
        return;
    } else if words.ends_in_head() {
        b""
    } else if (0..words.len()).any(|i| super::words::password_word(words.get(i))) {
        b"_password"
    } else {
        b"_secret"
    };
    let mut named = Vec::with_capacity(name.len() + suffix.len() + 2 + decoded.len());
    named.extend_from_slice(name);
    named.extend_from_slice(suffix);
    named.extend_from_slice(b": ");
    named.append(decoded);
    *decoded = named;
}

/// Decodes `enc` into `out`; false when it does not decode to text worth scanning.
pub(crate) fn decode(encoding: Encoding, enc: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let ok = match encoding {
        Encoding::Base64 => {
            let trimmed = enc
                .strip_suffix(b"==")
                .or_else(|| enc.strip_suffix(b"="))
                .unwrap_or(enc);
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode_vec(trimmed, out)
                .is_ok()
                || {
                    out.clear();
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode_vec(trimmed, out)
                        .is_ok()
                }
        }
        Encoding::Hex => enc.len() % 2 == 0 && super::encoded::decode_run(Encoding::Hex, enc, out),
        Encoding::Escaped => return false,
        Encoding::Percent => {
            let mut i = 0;
            while i < enc.len() {
                let b = enc[i];
                if b == b'%'
                    && let Some(v) = enc
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                    && let Ok(v) = u8::from_str_radix(v, 16)
                {
                    out.push(v);
                    i += 3;
                    continue;
                }
                out.push(if b == b'+' { b' ' } else { b });
                i += 1;
            }
            true
        }
    };
    ok && out.len() >= 8
        && std::str::from_utf8(out).is_ok()
        && out
            .iter()
            .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_values_are_named_as_credentials() {
        let named = |name: &str, value: &str| {
            let mut v = value.as_bytes().to_vec();
            named_value(name.as_bytes(), &mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(named("DB_PASSWORD", "x1"), "DB_PASSWORD: x1");
        assert_eq!(
            named("db-password-fby", "x1"),
            "db-password-fby_password: x1"
        );
        assert_eq!(named("DATADOG_1", "x1"), "DATADOG_1_secret: x1");
        // Multi-line values (a PEM block) keep their own first line.
        assert_eq!(named("tls.key", "-----BEGIN\nx\n"), "-----BEGIN\nx\n");
    }

    #[test]
    fn base64_and_percent_decode_to_text_only() {
        let mut out = Vec::new();
        assert!(decode(
            Encoding::Base64,
            b"dXNlcjpzM2NyM3QtdmFsdWU=",
            &mut out
        ));
        assert_eq!(out, b"user:s3cr3t-value");
        assert!(
            !decode(Encoding::Base64, b"iVBORw0KGgoAAAANSUhEUgAA", &mut out),
            "PNG header is binary"
        );
        assert!(decode(
            Encoding::Percent,
            b"token%3Dabc%2Fdef%2Bxyz",
            &mut out
        ));
        assert_eq!(out, b"token=abc/def+xyz");
    }
}
