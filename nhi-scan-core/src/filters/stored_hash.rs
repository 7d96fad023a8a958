//! Stored password hashes: what a database, `/etc/shadow` or an htpasswd file keeps instead of
//! the password. They sit where passwords sit (`PASSWORD '...'`, `password: ...`) and are long
//! and random, but they do not log anyone in, so a rule that found "the password" there must not
//! report them.

/// Whether `v` has the shape of a stored password hash in one of the common formats:
/// PostgreSQL `SCRAM-SHA-256$iter:salt$key:key` and `md5` + 32 hex, MySQL `*` + 40 hex, crypt(3)
/// `$1$` `$5$` `$6$` `$y$` `$2a/b/y$` (bcrypt), Apache `$apr1$` (also as an htpasswd line), `$argon2…$`, `$pbkdf2…$`, Django
/// `pbkdf2_sha256$…`/`argon2$…`/`bcrypt$…`, and LDAP `{SSHA}`/`{SHA}`/`{CRYPT}`… prefixes.
pub fn is_stored_hash(v: &[u8]) -> bool {
    // An htpasswd line, `user:` and the hash (`admin:$apr1$...`).
    if let Some(c) = memchr::memchr(b':', v)
        && (1..=64).contains(&c)
        && v[..c]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(b))
        && hash_alone(&v[c + 1..])
    {
        return true;
    }
    hash_alone(v)
}

/// [`is_stored_hash`] for the hash by itself.
fn hash_alone(v: &[u8]) -> bool {
    let hex = |s: &[u8]| s.iter().all(u8::is_ascii_hexdigit);
    if labelled_digest(v) {
        return true;
    }
    if let Some(rest) = strip_prefix_ci(v, b"md5") {
        return rest.len() == 32 && hex(rest);
    }
    if let Some(rest) = v.strip_prefix(b"*") {
        return rest.len() == 40 && hex(rest);
    }
    if strip_prefix_ci(v, b"scram-sha-256$").is_some()
        || strip_prefix_ci(v, b"scram-sha-1$").is_some()
    {
        return v.iter().filter(|&&b| b == b'$').count() >= 2;
    }
    if v.first() == Some(&b'{')
        && let Some(close) = v.iter().position(|&b| b == b'}')
    {
        let scheme = v[1..close].to_ascii_uppercase();
        return matches!(
            scheme.as_slice(),
            b"SSHA"
                | b"SHA"
                | b"SSHA256"
                | b"SSHA512"
                | b"SHA256"
                | b"SHA512"
                | b"CRYPT"
                | b"MD5"
                | b"SMD5"
                | b"PBKDF2"
                | b"PBKDF2-SHA256"
                | b"PBKDF2-SHA512"
                | b"ARGON2"
                | b"BCRYPT"
        ) && v.len() > close + 8;
    }
    // Modular crypt format: `$id$` or `$id$params$salt$hash`, three or more `$`.
    if v.first() == Some(&b'$') {
        let dollars = v.iter().filter(|&&b| b == b'$').count();
        let id_end = v[1..].iter().position(|&b| b == b'$').map(|p| p + 1);
        return dollars >= 3
            && id_end.is_some_and(|e| {
                let id = &v[1..e];
                matches!(
                    id,
                    b"1" | b"5"
                        | b"6"
                        | b"y"
                        | b"gy"
                        | b"7"
                        | b"2a"
                        | b"2b"
                        | b"2y"
                        | b"2x"
                        | b"sha1"
                        | b"md5"
                        // Apache's MD5 (`htpasswd -m`).
                        | b"apr1"
                ) || id.starts_with(b"argon2")
                    || id.starts_with(b"pbkdf2")
                    || id.starts_with(b"scrypt")
            });
    }
    // Django and Passlib-style `algorithm$iterations$salt$hash`.
    for algo in [
        &b"pbkdf2_sha256$"[..],
        b"pbkdf2_sha1$",
        b"argon2$",
        b"bcrypt_sha256$",
        b"bcrypt$",
        b"scrypt$",
    ] {
        if v.starts_with(algo) {
            return v.iter().filter(|&&b| b == b'$').count() >= 2;
        }
    }
    false
}

/// A digest labelled with its algorithm: an image or content digest (`sha256:` + 64 hex, as
/// OCI and Docker write them) or a Subresource Integrity hash (`sha512-` + base64, as npm
/// lockfiles and `<script integrity>` write them). It names content, it opens nothing, and it
/// often sits under names like `token` or `key` in lockfiles and pinned manifests.
fn labelled_digest(v: &[u8]) -> bool {
    const ALGOS: &[(&[u8], usize)] = &[
        (b"sha1", 20),
        (b"sha256", 32),
        (b"sha384", 48),
        (b"sha512", 64),
    ];
    for &(algo, bytes) in ALGOS {
        let Some(rest) = strip_prefix_ci(v, algo) else {
            continue;
        };
        return match rest.split_first() {
            Some((b':', h)) => h.len() == bytes * 2 && h.iter().all(u8::is_ascii_hexdigit),
            Some((b'-', b)) => {
                let body = b
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
                    .count();
                let pad = &b[body..];
                body == bytes.div_ceil(3) * 4 - pad.len() && pad.iter().all(|c| *c == b'=')
            }
            _ => false,
        };
    }
    false
}

fn strip_prefix_ci<'a>(v: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (v.len() >= prefix.len() && v[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &v[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_digests_are_recognised() {
        let sri = format!("sha512-{}Ab==", "Ab3+".repeat(21));
        let oci = format!("sha256:{}", "0a".repeat(32));
        assert!(is_stored_hash(sri.as_bytes()), "{sri}");
        assert!(is_stored_hash(oci.as_bytes()), "{oci}");
        // Wrong lengths or alphabets are not digests.
        for v in [
            format!("sha256:{}", "0a".repeat(31)),
            format!("sha512-{}", "Ab3+".repeat(10)),
            format!("sha256:{}", "zz".repeat(32)),
        ] {
            assert!(!is_stored_hash(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn stored_hashes_are_recognised() {
        // Shapes only: random fakes in each format.
        for h in [
            "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=:c2VydmVya2V5c2VydmVya2V5c2VydmVya2V5c2U=",
            "md5f3a9c2b18e7d4a6b5c0d9e8f7a6b5c4d",
            "*A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
            "$2b$12$Qm9vYmFyYmF6cXV4cXV1eOabcdefghijABCDEFGHIJklmnopqrs",
            "$6$rounds=5000$saltsalt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "pbkdf2_sha256$600000$sALtsALt$aGFzaGhhc2hoYXNoaGFzaGhhc2g=",
            "{SSHA}c2FsdGVkaGFzaHNhbHRlZGhhc2g=",
            "admin:$apr1$kezTEmJH$L4wO/MFh.muLV/mqDmufBJ",
        ] {
            assert!(is_stored_hash(h.as_bytes()), "{h}");
        }
        for p in [
            "md5-is-not-a-hash",
            "*notahash",
            "S3cr3t$pa$$word",
            "$ecret$tuff",
            "{placeholder}",
            "Harbor-Lantern-Quiet58_",
            "4gqN2L-mKyZW727sQcPN",
            "admin:Harbor-Lantern-Quiet58_",
        ] {
            assert!(!is_stored_hash(p.as_bytes()), "{p}");
        }
    }
}
