//! GCP service-account keys: the key signs an RS256 JWT assertion, which Google's token endpoint
//! exchanges for an access token only if the key is live (OAuth 2.0 JWT bearer grant). The token
//! is dropped unread; nothing else is called.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};

use super::Validation;
use super::clock::now_unix;
use super::http::Request;
use super::run::{Validator, invalid, unknown, valid};
use super::spec::ValidateSpec;
use super::template::{Encoding, encode};

/// Google's OAuth 2.0 token endpoint (the audience of the assertion).
pub(crate) const TOKEN_HOST: &str = "oauth2.googleapis.com";
const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The narrowest scope that every service account may request.
const SCOPE: &str = "https://www.googleapis.com/auth/userinfo.email";

/// The PEM text of a key as found in a JSON key file (`\n` escapes undone).
pub(crate) fn unescape_pem(secret: &str) -> String {
    secret
        .replace("\\r", "")
        .replace("\\n", "\n")
        .replace("\\/", "/")
}

/// Parses a PKCS#8 or PKCS#1 RSA private key.
pub(crate) fn parse_key(pem: &str) -> Option<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .ok()
        .or_else(|| RsaPrivateKey::from_pkcs1_pem(pem.trim()).ok())
}

/// An RS256 JWT for `claims`.
pub(crate) fn sign_jwt(key: &RsaPrivateKey, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    let sig = signer.sign(signing_input.as_bytes()).to_vec();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Checks a service-account key (companion: `client_email`).
pub(crate) fn check(
    v: &Validator,
    spec: &ValidateSpec,
    secret: &str,
    companion: Option<(&str, &str)>,
) -> Validation {
    let Some((_, email)) = companion.filter(|(_, e)| e.contains('@')) else {
        return unknown(
            "not checked: needs the key file's client_email, and none was found next to the key"
                .into(),
        );
    };
    let Some(key) = parse_key(&unescape_pem(secret)) else {
        return unknown("not checked: the private key does not parse as RSA".into());
    };
    let ep = match v.endpoint(TOKEN_HOST, false) {
        Ok(ep) => ep,
        Err(r) => return unknown(r),
    };
    let now = now_unix();
    let claims = json!({
        "iss": email,
        "scope": SCOPE,
        "aud": TOKEN_URL,
        "iat": now,
        "exp": now + 600,
    });
    let jwt = sign_jwt(&key, &claims);
    let body = format!(
        "grant_type={}&assertion={}",
        encode(
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            Encoding::Form
        ),
        jwt
    );
    let req = Request {
        method: "POST",
        path: "/token".into(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: Some(body.into_bytes()),
    };
    v.exchange(spec, &ep, &req, |resp| {
        let json = resp.json();
        let error = json
            .as_ref()
            .and_then(|j| j.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("");
        match resp.status {
            200 if json.as_ref().and_then(|j| j.get("access_token")).is_some() => {
                let mut id = BTreeMap::new();
                id.insert("email".to_string(), Value::String(email.to_string()));
                id.insert("type".into(), Value::String("service_account".into()));
                if let Some((user, domain)) = email.split_once('@') {
                    id.insert("user".into(), Value::String(user.to_string()));
                    if let Some(project) = domain.strip_suffix(".iam.gserviceaccount.com") {
                        id.insert("project".into(), Value::String(project.to_string()));
                    }
                }
                if let Some(scope) = json
                    .as_ref()
                    .and_then(|j| j.get("scope"))
                    .and_then(Value::as_str)
                {
                    id.insert(
                        "scopes".into(),
                        Value::Array(scope.split(' ').map(|s| Value::String(s.into())).collect()),
                    );
                }
                Some(valid(id))
            }
            400 | 401 | 403
                if matches!(
                    error,
                    "invalid_grant" | "invalid_client" | "unauthorized_client"
                ) =>
            {
                Some(invalid(format!("rejected by Google ({error})")))
            }
            400..=499 if resp.status != 429 => Some(unknown(format!(
                "unexpected response (HTTP {}{})",
                resp.status,
                if error.is_empty() {
                    String::new()
                } else {
                    format!(", {error}")
                }
            ))),
            _ => None,
        }
    })
}
