//! Azure storage account keys: a `List Containers` request (one result) signed with the
//! SharedKey scheme. Listing reads only names; it is the cheapest call every account key may
//! make. The account comes from the connection string or the companion; the host is
//! `<account>.blob.<suffix>` for the known Azure clouds only.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::Validation;
use super::clock::{http_date, now_unix};
use super::http::Request;
use super::run::{Validator, invalid, unknown, valid};
use super::spec::ValidateSpec;

/// Storage service version sent and signed.
pub(crate) const API_VERSION: &str = "2021-08-06";
/// Endpoint suffixes of the Azure clouds; any other suffix in content is not contacted.
const SUFFIXES: &[&str] = &[
    "core.windows.net",
    "core.chinacloudapi.cn",
    "core.usgovcloudapi.net",
];

/// The string a SharedKey signature covers for a request without body (Blob service).
pub(crate) fn string_to_sign(
    method: &str,
    account: &str,
    path: &str,
    query: &[(&str, &str)],
    ms_headers: &[(&str, &str)],
) -> String {
    let mut headers: Vec<(String, String)> = ms_headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let mut q: Vec<(String, &str)> = query
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    q.sort();
    let mut resource = format!("/{account}{path}");
    for (k, v) in q {
        resource.push_str(&format!("\n{k}:{v}"));
    }
    // VERB, then Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
    // If-Match, If-None-Match, If-Unmodified-Since, Range: all empty here.
    format!("{method}\n\n\n\n\n\n\n\n\n\n\n\n{canonical_headers}{resource}")
}

/// `SharedKey account:signature`, or `None` when the key is not base64.
pub(crate) fn authorization(account: &str, key_b64: &str, string_to_sign: &str) -> Option<String> {
    let key = STANDARD.decode(key_b64).ok()?;
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
    m.update(string_to_sign.as_bytes());
    Some(format!(
        "SharedKey {account}:{}",
        STANDARD.encode(m.finalize().into_bytes())
    ))
}

/// Account name, key and endpoint suffix from a connection string or key + companion.
fn parts<'a>(
    secret: &'a str,
    companion: Option<(&str, &'a str)>,
) -> Option<(String, &'a str, String)> {
    if secret.contains("AccountKey=") {
        let mut account = None;
        let mut key = None;
        let mut suffix = "core.windows.net".to_string();
        for part in secret.split(';') {
            if let Some(v) = part.strip_prefix("AccountName=") {
                account = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("AccountKey=") {
                key = Some(v);
            } else if let Some(v) = part.strip_prefix("EndpointSuffix=") {
                suffix = v.to_ascii_lowercase();
            }
        }
        return Some((account?, key?, suffix));
    }
    let (_, account) = companion?;
    Some((account.to_string(), secret, "core.windows.net".to_string()))
}

/// Checks a storage account key.
pub(crate) fn check(
    v: &Validator,
    spec: &ValidateSpec,
    secret: &str,
    companion: Option<(&str, &str)>,
) -> Validation {
    let Some((account, key, suffix)) = parts(secret, companion) else {
        return unknown(
            "not checked: needs the storage account name found next to the key, and none was found"
                .into(),
        );
    };
    let account = account.to_ascii_lowercase();
    if !(3..=24).contains(&account.len()) || !account.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return unknown("not checked: the account name is not a storage account name".into());
    }
    if !SUFFIXES.contains(&suffix.as_str()) {
        return unknown("not checked: the endpoint suffix is not an Azure cloud's".into());
    }
    let ep = match v.endpoint(&format!("{account}.blob.{suffix}"), false) {
        Ok(ep) => ep,
        Err(r) => return unknown(r),
    };
    let date = http_date(now_unix());
    let ms = [("x-ms-date", date.as_str()), ("x-ms-version", API_VERSION)];
    let query = [("comp", "list"), ("maxresults", "1")];
    let sts = string_to_sign("GET", &account, "/", &query, &ms);
    let Some(auth) = authorization(&account, key, &sts) else {
        return unknown("not checked: the account key is not base64".into());
    };
    let req = Request {
        method: "GET",
        path: "/?comp=list&maxresults=1".into(),
        headers: vec![
            ("x-ms-date".into(), date.clone()),
            ("x-ms-version".into(), API_VERSION.into()),
            ("Authorization".into(), auth),
        ],
        body: None,
    };
    v.exchange(spec, &ep, &req, |resp| match resp.status {
        200 => {
            let mut id = BTreeMap::new();
            id.insert("account_name".to_string(), Value::String(account.clone()));
            id.insert("type".into(), Value::String("storage_account".into()));
            Some(valid(id))
        }
        403 => {
            let body = String::from_utf8_lossy(&resp.body);
            if body.contains("AuthenticationFailed") {
                Some(invalid(
                    "rejected by Azure Storage (AuthenticationFailed)".into(),
                ))
            } else {
                Some(unknown("unexpected response (HTTP 403)".into()))
            }
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_key_string_to_sign_has_the_documented_shape() {
        let s = string_to_sign(
            "GET",
            "myaccount",
            "/",
            &[("maxresults", "1"), ("comp", "list")],
            &[
                ("x-ms-version", "2021-08-06"),
                ("x-ms-date", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ],
        );
        assert_eq!(
            s,
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\nx-ms-version:2021-08-06\n/myaccount/\ncomp:list\nmaxresults:1"
        );
        assert!(
            authorization("a", "bm90IGEga2V5", &s)
                .unwrap()
                .starts_with("SharedKey a:")
        );
        assert!(authorization("a", "%%%", &s).is_none());
    }

    #[test]
    fn connection_strings_split() {
        let (a, k, s) = parts(
            "DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=Zm9v==;EndpointSuffix=core.windows.net",
            None,
        )
        .unwrap();
        assert_eq!(
            (a.as_str(), k, s.as_str()),
            ("acct1", "Zm9v==", "core.windows.net")
        );
        assert!(parts("Zm9v==", None).is_none());
    }
}
