//! SCRAM (RFC 5802 / 7677) client, for PostgreSQL (SHA-256) and MongoDB (SHA-1, SHA-256).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rsa::rand_core::{OsRng, RngCore};

/// The hash a SCRAM mechanism uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
}

fn hmac(h: Hash, key: &[u8], data: &[u8]) -> Vec<u8> {
    match h {
        Hash::Sha1 => {
            let mut m = <Hmac<sha1::Sha1> as Mac>::new_from_slice(key).expect("any key length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Hash::Sha256 => {
            let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("any key length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
    }
}

fn digest(h: Hash, data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    match h {
        Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
    }
}

/// PBKDF2 with HMAC (`Hi` of RFC 5802).
pub(crate) fn hi(h: Hash, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut block = salt.to_vec();
    block.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(h, password, &block);
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(h, password, &u);
        for (o, x) in out.iter_mut().zip(&u) {
            *o ^= x;
        }
    }
    out
}

/// A client nonce: 24 random bytes, base64.
pub(crate) fn nonce() -> String {
    let mut b = [0u8; 24];
    OsRng.fill_bytes(&mut b);
    STANDARD.encode(b)
}

/// One SCRAM exchange, client side. Debug prints nothing of the password.
pub(crate) struct Scram {
    hash: Hash,
    password: Vec<u8>,
    client_first_bare: String,
    nonce: String,
    server_signature: Vec<u8>,
}

impl std::fmt::Debug for Scram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scram")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl Scram {
    /// Starts an exchange for `user` (PostgreSQL sends an empty name; the server uses the
    /// startup user) with `password` already prepared for the mechanism.
    pub fn new(hash: Hash, user: &str, password: &[u8], nonce: String) -> Scram {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        Scram {
            hash,
            password: password.to_vec(),
            client_first_bare: format!("n={user},r={nonce}"),
            nonce,
            server_signature: Vec::new(),
        }
    }

    /// `client-first-message` (GS2 header `n,,`: no channel binding).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// `client-final-message` for the server's first message, or why it cannot be answered.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, String> {
        let mut r = None;
        let mut s = None;
        let mut i = None;
        for attr in server_first.split(',') {
            match attr.split_once('=') {
                Some(("r", v)) => r = Some(v),
                Some(("s", v)) => s = Some(v),
                Some(("i", v)) => i = v.parse::<u32>().ok(),
                _ => {}
            }
        }
        let (Some(r), Some(s), Some(i)) = (r, s, i) else {
            return Err("unexpected SCRAM message from the server".into());
        };
        if !r.starts_with(&self.nonce) || !(1..=1_000_000).contains(&i) {
            return Err("unexpected SCRAM nonce or iteration count from the server".into());
        }
        let salt = STANDARD
            .decode(s)
            .map_err(|_| "unexpected SCRAM salt from the server".to_string())?;
        let salted = hi(self.hash, &self.password, &salt, i);
        let client_key = hmac(self.hash, &salted, b"Client Key");
        let stored_key = digest(self.hash, &client_key);
        let without_proof = format!("c=biws,r={r}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac(self.hash, &stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac(self.hash, &salted, b"Server Key");
        self.server_signature = hmac(self.hash, &server_key, auth_message.as_bytes());
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)))
    }

    /// Whether the server's final message proves it knew the password too.
    pub fn verify_server(&self, server_final: &str) -> bool {
        server_final
            .split(',')
            .find_map(|a| a.strip_prefix("v="))
            .and_then(|v| STANDARD.decode(v).ok())
            .is_some_and(|v| v == self.server_signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example exchange of RFC 7677 section 3 (SCRAM-SHA-256, user `user`, password `pencil`).
    #[test]
    fn scram_sha256_matches_rfc_7677() {
        let mut s = Scram::new(
            Hash::Sha256,
            "user",
            b"pencil",
            "rOprNGfwEbeRWgbNEkqO".into(),
        );
        assert_eq!(s.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let fin = s
            .client_final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap();
        assert_eq!(
            fin,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(s.verify_server("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
        assert!(!s.verify_server("v=AAAA"));
    }

    /// RFC 5802 section 5 (SCRAM-SHA-1, user `user`, password `pencil`).
    #[test]
    fn scram_sha1_matches_rfc_5802() {
        let mut s = Scram::new(
            Hash::Sha1,
            "user",
            b"pencil",
            "fyko+d2lbbFgONRv9qkxdawL".into(),
        );
        let fin = s
            .client_final("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert_eq!(
            fin,
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert!(s.verify_server("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
    }
}
