use base64::Engine as _;

use crate::rules::Checksum;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Runs the verifier named by a rule on a candidate secret.
pub fn verify(kind: Checksum, secret: &[u8]) -> bool {
    match kind {
        Checksum::GithubCrc32 | Checksum::NpmCrc32 => base62_crc32_ok(secret),
        Checksum::Jwt => jwt_ok(secret),
    }
}

/// GitHub and npm tokens end in 30 random base62 characters followed by their CRC32, encoded as 6
/// base62 digits (`0-9A-Za-z`, left-padded with `0`). A random 36-character string passes with
/// odds of about 1 in 57 billion, so a pass all but proves a real (or carefully faked) token.
pub fn base62_crc32_ok(secret: &[u8]) -> bool {
    if secret.len() < 36 {
        return false;
    }
    let tail = &secret[secret.len() - 36..];
    let (body, check) = tail.split_at(30);
    let mut n = crc32fast::hash(body) as u64;
    let mut enc = [b'0'; 6];
    for slot in enc.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && enc == check
}

/// A JWT is `header.payload.signature`; its header is base64url JSON naming an `alg`. Checking the
/// header drops the many `eyJ...` strings that are not tokens (truncated, or other base64 JSON).
pub fn jwt_ok(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if payload.is_empty() || sig.is_empty() {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.strip_suffix(b"=").unwrap_or(header))
    else {
        return false;
    };
    matches!(serde_json::from_slice::<serde_json::Value>(&decoded), Ok(serde_json::Value::Object(m)) if m.contains_key("alg"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a token with a correct checksum, the way the provider does.
    fn make(prefix: &str, body: &str) -> String {
        let mut n = crc32fast::hash(body.as_bytes()) as u64;
        let mut enc = [b'0'; 6];
        for slot in enc.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        format!("{prefix}{body}{}", std::str::from_utf8(&enc).unwrap())
    }

    #[test]
    fn github_checksum_accepts_generated_and_rejects_altered() {
        let t = make("ghp_", "Kq3vT8mZx1LpN4wR7yB2cD5fG9hJ0s");
        assert!(base62_crc32_ok(t.as_bytes()));
        let mut bad = t.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'a' { b'b' } else { b'a' };
        assert!(!base62_crc32_ok(&bad));
        assert!(!base62_crc32_ok(b"ghp_short"));
    }

    #[test]
    fn jwt_header_must_decode() {
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"svc"}"#);
        assert!(jwt_ok(format!("{h}.{p}.c2lnbmF0dXJl").as_bytes()));
        assert!(!jwt_ok(format!("{h}.{p}").as_bytes()));
        assert!(!jwt_ok(format!("eyJub3RqzG9u.{p}.c2ln").as_bytes()));
    }
}
