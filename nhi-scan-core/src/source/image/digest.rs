//! Content digests (`alg:hex`), the one place they are parsed, computed and compared.
//!
//! A digest names a blob, so it is also a path in an OCI layout (`blobs/<alg>/<hex>`): parsing
//! is strict (a known algorithm, lowercase hex of exactly its length) so that a hostile manifest
//! cannot turn a digest such as `sha256/../../etc/passwd` into a path outside the layout, and so
//! that no digest goes unverified because its algorithm was not understood.

use sha2::{Digest as _, Sha256, Sha512};

use super::ImageError;

/// A digest algorithm the OCI image spec registers and the scanner verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Algorithm {
    #[default]
    Sha256,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// Splits and checks `alg:hex`.
pub(crate) fn parse(digest: &str) -> Result<(Algorithm, &str), ImageError> {
    let bad = |reason: &'static str| ImageError::BadDigest {
        digest: digest.chars().take(200).collect(),
        reason,
    };
    let (alg, hex) = digest
        .split_once(':')
        .ok_or_else(|| bad("no `algorithm:`"))?;
    let alg = match alg {
        "sha256" => Algorithm::Sha256,
        "sha512" => Algorithm::Sha512,
        _ => {
            return Err(bad(
                "unsupported algorithm (sha256 and sha512 are verified)",
            ));
        }
    };
    if hex.len() != alg.hex_len() || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad("not lowercase hex of the algorithm's length"));
    }
    Ok((alg, hex))
}

/// The algorithm of a digest that [`parse`]s, else SHA-256 (what a bad digest is compared
/// against, so that the mismatch is reported rather than nothing).
pub(crate) fn algorithm_of(digest: &str) -> Algorithm {
    parse(digest).map_or(Algorithm::Sha256, |(a, _)| a)
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `alg:hex` of `bytes`.
pub(crate) fn of(alg: Algorithm, bytes: &[u8]) -> String {
    let mut h = Hasher::new(alg);
    h.update(bytes);
    h.finish()
}

/// `sha256:hex` of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    of(Algorithm::Sha256, bytes)
}

/// Checks `bytes` against the digest a document states; `what` names the document.
pub(crate) fn verify(what: &'static str, expected: &str, bytes: &[u8]) -> Result<(), ImageError> {
    let (alg, _) = parse(expected)?;
    let actual = of(alg, bytes);
    if actual == expected {
        Ok(())
    } else {
        Err(ImageError::DigestMismatch {
            what,
            expected: expected.to_string(),
            actual,
        })
    }
}

/// An incremental digest of either algorithm.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Box<Sha512>),
}

impl Hasher {
    pub(crate) fn new(alg: Algorithm) -> Hasher {
        match alg {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Box::default()),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// `alg:hex`.
    pub(crate) fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("{}:{}", Algorithm::Sha256.name(), hex(&h.finalize())),
            Hasher::Sha512(h) => format!("{}:{}", Algorithm::Sha512.name(), hex(&h.finalize())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_parse_strictly_and_verify_both_algorithms() {
        let d256 = sha256(b"abc");
        assert_eq!(
            d256,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(verify("config", &d256, b"abc").is_ok());
        let d512 = of(Algorithm::Sha512, b"abc");
        assert!(d512.starts_with("sha512:ddaf35a1"));
        assert!(verify("config", &d512, b"abc").is_ok());
        assert!(matches!(
            verify("config", &d512, b"abd"),
            Err(ImageError::DigestMismatch { .. })
        ));
        for bad in [
            "sha256/../../x",
            "sha256:../../etc/passwd",
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:{}", "a".repeat(63)),
            &format!("md5:{}", "a".repeat(32)),
            &format!("sha512:{}", "a".repeat(64)),
            "",
        ] {
            assert!(
                matches!(parse(bad), Err(ImageError::BadDigest { .. })),
                "{bad}"
            );
        }
    }
}
