//! Ciphertext envelopes: base64 values that are an encrypted payload, not the secret itself.
//!
//! A KMS `CiphertextBlob` or a Bitnami SealedSecret value assigned to `db_password` is random
//! base64 with a secret-like name, so the assignment engine would report it; it is exactly what
//! a project should commit instead of the secret. Both formats start with fixed header bytes,
//! so decoding the first six bytes decides, whatever the name or the syntax around it.

/// Decoded bytes needed to see every header below.
const HEAD: usize = 6;
/// Shortest KMS ciphertext blob: header, key ARN, IV and tag (real blobs are 150+ bytes).
const KMS_MIN: usize = 100;
/// Shortest KMS blob kept as ciphertext when its key ARN header shows (see
/// [`is_ciphertext_envelope`]).
const KMS_TRIMMED_MIN: usize = 32;
/// Shortest SealedSecret value: the 2-byte length, a 4096-bit RSA session key (512 bytes) and
/// an AES-GCM body (a 2048-bit controller key makes it 256 bytes shorter).
const SEALED_MIN: usize = 2 + 512 + 16;
/// `AgA`/`AgB` (`02 00`) values shorter than a real SealedSecret still are ciphertext when this
/// long: trimmed or hand-written samples in docs and tests keep the header. No token format we
/// know starts with those bytes, unlike `01 00` (LinkedIn tokens can start `AQA`/`AQB`).
const SEALED_SHORT_MIN: usize = 64;

/// Whether `value` is a known ciphertext envelope: an AWS KMS ciphertext blob (base64 of
/// `01 02 0x 00`, written `AQIBAH`/`AQICAH`/`AQIDAH`), a Bitnami SealedSecret value (base64 of
/// the big-endian session-key length `02 00`, written `AgA`/`AgB`, longer than that key), or a
/// textual envelope (SOPS `ENC[`, `$ANSIBLE_VAULT;`, age and PGP armour).
pub(crate) fn is_ciphertext_envelope(value: &[u8]) -> bool {
    const TEXT: &[&[u8]] = &[
        b"ENC[AES256_GCM,",
        b"$ANSIBLE_VAULT;",
        b"-----BEGIN AGE ENCRYPTED FILE-----",
        b"-----BEGIN PGP MESSAGE-----",
        b"age-encryption.org/v1",
    ];
    if TEXT.iter().any(|t| value.starts_with(t)) || tool_encrypted(value) {
        return true;
    }
    let Some(head) = base64_head(value) else {
        return false;
    };
    let decoded_len = value.iter().take_while(|b| **b != b'=').count() * 3 / 4;
    let kms = head[0] == 1 && head[1] == 2 && (1..=3).contains(&head[2]) && head[3] == 0;
    // The session-key length is the controller's RSA size: 512 (4096-bit, the default) or 256.
    let sealed = match (head[0], head[1]) {
        (2, 0) => decoded_len >= SEALED_SHORT_MIN,
        (1, 0) => decoded_len >= SEALED_MIN - 256,
        _ => false,
    };
    // A KMS blob's fifth byte starts the key ARN's DER header (`78`, written `AQICAHh`/`AQICAHg`):
    // with it, a blob cut short in a sample or a log is still ciphertext.
    let kms_arn = kms && head[4] == 0x78 && decoded_len >= KMS_TRIMMED_MIN;
    (kms && decoded_len >= KMS_MIN) || kms_arn || sealed
}

/// Values a tool stored encrypted or scrambled in its own format, each with a fixed marker:
/// IIS configuration encryption (`[enc:IISCngProvider:...:enc]`), Windows DPAPI blobs as
/// `ConvertFrom-SecureString` writes them (hex or base64 of the `01000000 d08c9ddf...` header),
/// Maven and Jenkins encrypted values (base64 in braces, `{AQAAABAAAAAQ...}`), and TeamCity's
/// scrambled secure values (`zxx` + hex).
fn tool_encrypted(value: &[u8]) -> bool {
    const DPAPI_HEX: &[u8] = b"01000000d08c9ddf0115d1118c7a00c04fc297eb";
    const DPAPI_B64: &[u8] = b"AQAAANCMnd8BFdERjHoAwE/Cl+s";
    if value.starts_with(b"[enc:") && value.ends_with(b":enc]")
        || value.len() > DPAPI_HEX.len() && value[..DPAPI_HEX.len()].eq_ignore_ascii_case(DPAPI_HEX)
        || value.starts_with(DPAPI_B64)
    {
        return true;
    }
    if let Some(inner) = value.strip_prefix(b"{").and_then(|v| v.strip_suffix(b"}")) {
        let body = inner
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
            .count();
        return body >= 16 && inner[body..].iter().all(|c| *c == b'=') && inner.len() - body <= 2;
    }
    if pulumi_secure(value)
        || pscipher(value)
        || sas_encoded(value)
        || geoserver(value)
        || fernet_token(value)
        || magento_encrypted(value)
    {
        return true;
    }
    value.len() >= 35
        && value.starts_with(b"zxx")
        && value[3..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

/// A value PeopleSoft's `pscipher` encrypted (`{V1.1}` + base64, the key version in braces):
/// application server, Integration Broker and web profile passwords as PeopleTools stores them.
fn pscipher(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"{V") else {
        return false;
    };
    let version = rest
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    let Some(body) = rest[version..].strip_prefix(b"}") else {
        return false;
    };
    (1..=5).contains(&version)
        && body.len() >= 16
        && body
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
}

/// A Fernet token (`gAAAAA...`, base64url of version 0x80 and a timestamp): data encrypted
/// with a Fernet key, which is the secret; the token is what an application stores.
fn fernet_token(value: &[u8]) -> bool {
    value.len() >= 80
        && value.starts_with(b"gAAAAA")
        && value
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='))
}

/// A value Magento 2 encrypted with its `crypt/key` (`0:3:` + base64, key version and cipher
/// version), as `env.php` and `core_config_data` store them.
fn magento_encrypted(value: &[u8]) -> bool {
    let body = match value {
        [k, b':', c, b':', rest @ ..] if k.is_ascii_digit() && matches!(c, b'2' | b'3') => rest,
        _ => return false,
    };
    body.len() >= 32
        && body
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b':'))
}

/// GeoServer's stored passwords: `crypt1:` and `crypt2:` (password-based encryption under the
/// data directory's keystore) and `digest1:` (a salted digest), each followed by base64.
/// `plain:` stays a plain password.
fn geoserver(value: &[u8]) -> bool {
    [&b"crypt1:"[..], b"crypt2:", b"digest1:"].iter().any(|p| {
        value.strip_prefix(*p).is_some_and(|b| {
            b.len() >= 16
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        })
    })
}

/// A password as SAS's `PROC PWENCODE` writes it for configuration files: `{SAS002}` (or
/// `{SAS001}`..`{SAS005}`) and the encoded text. SAS reads it back itself; the encoded form is
/// what SAS asks users to store.
fn sas_encoded(value: &[u8]) -> bool {
    value.len() > 16
        && value[..4].eq_ignore_ascii_case(b"{sas")
        && value[4..7].iter().all(u8::is_ascii_digit)
        && value[7] == b'}'
        && value[8..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
}

/// A Pulumi config value encrypted with a stack passphrase: `v1:` + base64 of a 12-byte nonce
/// (16 characters) + `:` + base64 of the ciphertext.
fn pulumi_secure(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"v1:") else {
        return false;
    };
    let b64 = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=');
    rest.len() > 17 + 16
        && rest[..16].iter().all(b64)
        && rest[16] == b':'
        && rest[17..].iter().all(b64)
}

/// The first [`HEAD`] bytes of a standard or URL-safe base64 value, if it starts with 8
/// base64 characters.
fn base64_head(value: &[u8]) -> Option<[u8; HEAD]> {
    let mut bits: u64 = 0;
    for &c in value.get(..8)? {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = bits << 6 | u64::from(v);
    }
    let b = bits.to_be_bytes();
    Some([b[2], b[3], b[4], b[5], b[6], b[7]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64(head: &[u8], len: usize) -> String {
        // Deterministic filler: the envelope is recognised by its header, not its body.
        let mut bytes = head.to_vec();
        bytes.extend((0..len).map(|i| (i * 37 + 11) as u8));
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn kms_ciphertext_blobs_are_envelopes() {
        for v in [2, 3] {
            let blob = b64(&[1, 2, v, 0, b'x'], 180);
            assert!(is_ciphertext_envelope(blob.as_bytes()), "{blob}");
        }
        assert!(b64(&[1, 2, 2, 0, b'x'], 180).starts_with("AQICAH"));
    }

    #[test]
    fn sealed_secret_values_are_envelopes_when_long_enough() {
        let long = b64(&[2, 0], 600);
        assert!(long.starts_with("AgA") || long.starts_with("AgB"));
        assert!(is_ciphertext_envelope(long.as_bytes()));
        assert!(!is_ciphertext_envelope(b64(&[2, 0], 40).as_bytes()));
        // Trimmed samples (docs, tests) keep the `02 00` header and are still ciphertext.
        assert!(is_ciphertext_envelope(b64(&[2, 0], 200).as_bytes()));
        assert!(is_ciphertext_envelope(b64(&[2, 0], 90).as_bytes()));
        assert!(is_ciphertext_envelope(b64(&[1, 0], 300).as_bytes()));
        assert!(!is_ciphertext_envelope(b64(&[1, 0], 60).as_bytes()));
    }

    #[test]
    fn textual_envelopes_are_recognised() {
        assert!(is_ciphertext_envelope(
            b"ENC[AES256_GCM,data:q8Vr3Lx7,iv:x,tag:y,type:str]"
        ));
        assert!(is_ciphertext_envelope(b"$ANSIBLE_VAULT;1.1;AES256"));
    }

    #[test]
    fn tool_encrypted_values_are_envelopes() {
        let dpapi = format!(
            "01000000d08c9ddf0115d1118c7a00c04fc297eb01000000{}",
            "3f".repeat(40)
        );
        for v in [
            "[enc:IISCngProvider:q8Vr3Lx7Zp2Wm5Tn+Kj4Hg6Fd1Sa9Qe0Ry3Ut7Io=:enc]",
            dpapi.as_str(),
            "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAAq8Vr3Lx7Zp2Wm5Tn",
            "{DFdWj7AIZ6VObEI4gLTZBul/mhV4VYQX}",
            "{AQAAABAAAAAQ3F8pTPmfBeFuLG4Tt+uiBnOoRk1Khix+9heiXFFDnCSKfqcjbNNUSdqCvxd2cNhu}",
            "zxx440015eb867a992314ad144ec000295da51d62b1a3313d0b92b",
            "v1:kU1ms3wdUeRkqL7C:JFiChz+SXXQhOnZY4ORYWDkTu+AFYqc+xjsbxOGz+uV46g==",
            "{SAS002}BEDCA9406A21E9B14A203DDDFD98F9E41A53346E",
            "crypt1:Qm9b7Xc2Lp4Rt8Vw1Ny6Kj3Hz5Gd0Fs",
            "crypt2:Tq8mZ2vK5nX9pL3wR7yB1cF6hJ4dS0gA2eU+xk=",
            "digest1:Wm5Tn+Kj4Hg6Fd1Sa9Qe0Ry3Ut7Iobc4Df8Gh2Jk6Lm0Np",
            "{V1.1}Pk0JQ34VuAHKgyblTWGKtRH134kRFbjb",
            "{V1.2}7m4OtVwXFNyLc1j/pZG69Q==",
        ] {
            assert!(is_ciphertext_envelope(v.as_bytes()), "{v}");
        }
        // Braces around something that is no base64 run, and short brace values, stay secrets.
        for v in [
            "{Tq8!mZ2vK5nX9pL3wR7y}",
            "{abc}",
            "zxxTq8mZ2vK5nX9pL3wR7yB1cF6hJ4dS0gA2eU",
            "plain:Harborlamp42!x",
            "{V1.1}short",
            "{Vq8mZ2}vK5nX9pL3wR7yB1cF6h",
        ] {
            assert!(!is_ciphertext_envelope(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn ordinary_secrets_are_not_envelopes() {
        // A random 40-char key, a token that happens to start with `AQ` (not a KMS header), and
        // short values with the header letters.
        for v in [
            &b"ahGDzUu3jllxwzA5H/2Uf+7ZpA49qxxHqk1Q/9+z"[..],
            b"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            b"AQICAHabc",
            b"AgAbc12345",
            b"short",
            b"gAAAAAshort",
            b"0:3:abc",
        ] {
            assert!(!is_ciphertext_envelope(v), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn fernet_tokens_and_magento_values_are_envelopes() {
        // nhi-scan:allow-next-line (fakes)
        for v in [
            "gAAAAAbsZ8SY30bh02OcNz_HdCi3o5VJpOJg7HTATB5H0EfJ8NM3-amdmnW7ImVOrsJXvQBg1_wT6_KaZKwhyCTq3W-YYasugHmQ",
            "0:3:pvhAIJg3SY/YkhnY9PMfO26CEcjPTQTEWmp91VR3LvUooZ6VTYKhj0yN1mAWyhI5",
        ] {
            assert!(is_ciphertext_envelope(v.as_bytes()), "{v}");
        }
    }
}
