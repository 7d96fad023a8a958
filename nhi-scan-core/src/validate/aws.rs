//! AWS: a secret access key (with the access key id found beside it) is checked with STS
//! `GetCallerIdentity`, which any valid key may call and which changes nothing. The request is
//! signed with Signature Version 4, implemented here with hmac/sha2 and pinned by AWS's
//! published test-suite vectors. The signature covers the `Host` actually sent, so a
//! `[validate.hosts]` override still gets a request its server can verify.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Validation;
use super::clock::{amz_date, now_unix};
use super::http::Request;
use super::run::{Validator, invalid, unknown, valid};
use super::spec::ValidateSpec;

/// STS's global endpoint (signed for us-east-1).
pub(crate) const STS_HOST: &str = "sts.amazonaws.com";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// Signature Version 4 pieces, public to the crate for the validators and their tests.
pub(crate) mod sigv4 {
    use super::*;

    /// What a SigV4 signature covers.
    pub(crate) struct Input<'a> {
        /// HTTP method.
        pub method: &'a str,
        /// Canonical URI (already URI-encoded, `/` for the root).
        pub path: &'a str,
        /// Query parameters, not encoded.
        pub query: &'a [(&'a str, &'a str)],
        /// Headers to sign besides `host` and `x-amz-date` (any case).
        pub headers: &'a [(&'a str, &'a str)],
        /// `Host` header as sent (`host` or `host:port`).
        pub host: &'a str,
        /// Request body.
        pub payload: &'a [u8],
        /// Region of the credential scope.
        pub region: &'a str,
        /// Service of the credential scope.
        pub service: &'a str,
        /// `YYYYMMDDTHHMMSSZ`.
        pub amz_date: &'a str,
    }

    pub(crate) fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }

    /// AWS URI encoding: unreserved characters kept, everything else `%XX` (upper case).
    pub(crate) fn uri_encode(s: &str) -> String {
        let mut out = String::new();
        for &b in s.as_bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// The canonical request and the signed-headers list.
    pub(crate) fn canonical_request(i: &Input<'_>) -> (String, String) {
        let mut q: Vec<(String, String)> = i
            .query
            .iter()
            .map(|(k, v)| (uri_encode(k), uri_encode(v)))
            .collect();
        q.sort();
        let query = q
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let all = i
            .headers
            .iter()
            .copied()
            .chain([("host", i.host), ("x-amz-date", i.amz_date)]);
        for (k, v) in all {
            let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
            headers.entry(k.to_ascii_lowercase()).or_default().push(v);
        }
        let canonical_headers: String = headers
            .iter()
            .map(|(k, v)| format!("{k}:{}\n", v.join(",")))
            .collect();
        let signed = headers.keys().cloned().collect::<Vec<_>>().join(";");
        let creq = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            i.method,
            i.path,
            query,
            canonical_headers,
            signed,
            hex(&Sha256::digest(i.payload))
        );
        (creq, signed)
    }

    /// The `Authorization` header value for `access_key`/`secret`.
    pub(crate) fn authorization(i: &Input<'_>, access_key: &str, secret: &str) -> String {
        let (creq, signed) = canonical_request(i);
        let date = &i.amz_date[..8.min(i.amz_date.len())];
        let scope = format!("{date}/{}/{}/aws4_request", i.region, i.service);
        let sts = format!(
            "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
            i.amz_date,
            hex(&Sha256::digest(creq.as_bytes()))
        );
        let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
        let k_region = hmac(&k_date, i.region.as_bytes());
        let k_service = hmac(&k_region, i.service.as_bytes());
        let k_signing = hmac(&k_service, b"aws4_request");
        let signature = hex(&hmac(&k_signing, sts.as_bytes()));
        format!(
            "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
        )
    }
}

/// Text of the first `<tag>...</tag>` in an XML document.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim())
}

/// Checks an AWS secret key with STS `GetCallerIdentity`.
pub(crate) fn check(
    v: &Validator,
    spec: &ValidateSpec,
    secret: &str,
    companion: Option<(&str, &str)>,
) -> Validation {
    let Some((_, key_id)) = companion else {
        return unknown(
            "not checked: needs the access key id (AKIA.../ASIA...) found next to the secret key, and none was found"
                .into(),
        );
    };
    if key_id.starts_with("ASIA") {
        return unknown(
            "not checked: a temporary (ASIA) key needs its session token, which is not captured"
                .into(),
        );
    }
    let ep = match v.endpoint(STS_HOST, false) {
        Ok(ep) => ep,
        Err(r) => return unknown(r),
    };
    let (date, _) = amz_date(now_unix());
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let input = sigv4::Input {
        method: "POST",
        path: "/",
        query: &[],
        headers: &[("content-type", content_type)],
        host: &ep.authority,
        payload: STS_BODY.as_bytes(),
        region: "us-east-1",
        service: "sts",
        amz_date: &date,
    };
    let auth = sigv4::authorization(&input, key_id, secret);
    let req = Request {
        method: "POST",
        path: "/".into(),
        headers: vec![
            ("Content-Type".into(), content_type.into()),
            ("X-Amz-Date".into(), date.clone()),
            ("Authorization".into(), auth),
        ],
        body: Some(STS_BODY.as_bytes().to_vec()),
    };
    v.exchange(spec, &ep, &req, |resp| {
        let body = String::from_utf8_lossy(&resp.body);
        match resp.status {
            200 => {
                let mut id = BTreeMap::new();
                let arn = xml_text(&body, "Arn").unwrap_or_default();
                for (key, tag) in [
                    ("account_id", "Account"),
                    ("arn", "Arn"),
                    ("user_id", "UserId"),
                ] {
                    if let Some(t) = xml_text(&body, tag).filter(|t| !t.is_empty()) {
                        id.insert(key.to_string(), Value::String(t.to_string()));
                    }
                }
                if id.is_empty() {
                    return Some(unknown(
                        "unexpected response (HTTP 200 without an identity)".into(),
                    ));
                }
                let kind = if arn.contains(":assumed-role/") {
                    Some("role")
                } else if arn.ends_with(":root") {
                    Some("root")
                } else if arn.contains(":user/") {
                    Some("user")
                } else {
                    None
                };
                if let Some(k) = kind {
                    id.insert("type".into(), Value::String(k.into()));
                }
                if let Some(name) = arn
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty() && arn.contains('/'))
                {
                    id.insert("name".into(), Value::String(name.into()));
                }
                id.insert("access_key_id".into(), Value::String(key_id.into()));
                Some(valid(id))
            }
            400 | 403 => {
                let code = xml_text(&body, "Code").unwrap_or("");
                match code {
                    "InvalidClientTokenId" | "SignatureDoesNotMatch" | "IncompleteSignature" => {
                        Some(invalid(format!("rejected by AWS STS ({code})")))
                    }
                    "ExpiredToken" => Some(invalid("rejected by AWS STS (ExpiredToken)".into())),
                    _ => Some(unknown(format!(
                        "unexpected response (HTTP {}{})",
                        resp.status,
                        if code.is_empty() {
                            String::new()
                        } else {
                            format!(", {code}")
                        }
                    ))),
                }
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::sigv4::*;

    const KEY: &str = "AKIDEXAMPLE";
    // The secret of AWS's published SigV4 test suite (not a credential).
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn input<'a>(
        method: &'a str,
        query: &'a [(&'a str, &'a str)],
        headers: &'a [(&'a str, &'a str)],
        payload: &'a [u8],
    ) -> Input<'a> {
        Input {
            method,
            path: "/",
            query,
            headers,
            host: "example.amazonaws.com",
            payload,
            region: "us-east-1",
            service: "service",
            amz_date: "20150830T123600Z",
        }
    }

    fn signature(i: &Input<'_>) -> String {
        authorization(i, KEY, SECRET)
            .rsplit("Signature=")
            .next()
            .unwrap()
            .to_string()
    }

    /// Vectors from the AWS Signature Version 4 test suite.
    #[test]
    fn sigv4_matches_the_aws_test_suite() {
        let get = input("GET", &[], &[], b"");
        let (creq, signed) = canonical_request(&get);
        assert_eq!(
            creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "host;x-amz-date");
        assert_eq!(
            authorization(&get, KEY, SECRET),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            signature(&input("POST", &[], &[], b"")),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert_eq!(
            signature(&input(
                "GET",
                &[("Param2", "value2"), ("Param1", "value1")],
                &[],
                b""
            )),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
        let form = input(
            "POST",
            &[],
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"Param1=value1",
        );
        assert_eq!(
            signature(&form),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn uri_encoding_is_aws_style() {
        assert_eq!(uri_encode("a b/c~"), "a%20b%2Fc~");
    }
}
