//! Reading a provider's answer: conditions on status, JSON fields and body text, and identity
//! details pulled out by JSON pointer or header into the shared identity keys.

use std::collections::BTreeMap;

use serde_json::Value;

use super::clock::normalize_expiry;
use super::spec::Condition;

/// A response as the checks see it. Debug shows the status and the body's length only: bodies
/// can echo the credential.
pub(crate) struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body (capped in size by the transport).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The values a pointer reaches: `/a/b/0` is RFC 6901; a `*` segment stands for every element
/// of an array (or value of an object).
pub(crate) fn pointer<'v>(root: &'v Value, ptr: &str) -> Vec<&'v Value> {
    let mut current = vec![root];
    for raw in ptr.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for v in current {
            match (v, seg.as_str()) {
                (Value::Array(a), "*") => next.extend(a.iter()),
                (Value::Object(o), "*") => next.extend(o.values()),
                (Value::Array(a), s) => {
                    if let Some(x) = s.parse::<usize>().ok().and_then(|i| a.get(i)) {
                        next.push(x);
                    }
                }
                (Value::Object(o), s) => {
                    if let Some(x) = o.get(s) {
                        next.push(x);
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

fn value_matches(actual: &Value, expected: &Value) -> bool {
    match expected {
        Value::Array(any) => any.iter().any(|e| value_matches(actual, e)),
        Value::Number(n) => actual.as_f64() == n.as_f64(),
        e => actual == e,
    }
}

/// Whether a response meets a condition.
pub(crate) fn matches(c: &Condition, r: &Response, json: Option<&Value>) -> bool {
    if !c.status.is_empty() && !c.status.contains(&r.status) {
        return false;
    }
    if let Some(text) = &c.body_contains
        && !String::from_utf8_lossy(&r.body).contains(text.as_str())
    {
        return false;
    }
    if c.json.is_empty() && c.has.is_empty() {
        return true;
    }
    let Some(json) = json else {
        return false;
    };
    c.json.iter().all(|(ptr, expected)| {
        pointer(json, ptr)
            .iter()
            .any(|v| value_matches(v, expected))
    }) && c
        .has
        .iter()
        .all(|ptr| pointer(json, ptr).iter().any(|v| !v.is_null()))
}

/// Identity details from a response, normalised (see [`normalize`]).
pub(crate) fn identity(
    spec: &BTreeMap<String, String>,
    r: &Response,
    json: Option<&Value>,
    values: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (key, source) in spec {
        let raw = if let Some(name) = source.strip_prefix("value:") {
            (name != "secret")
                .then(|| values(name))
                .flatten()
                .map(Value::String)
        } else if let Some(name) = source.strip_prefix("header:") {
            r.header(name).map(|v| Value::String(v.to_string()))
        } else if let Some(lit) = source.strip_prefix('=') {
            Some(Value::String(lit.to_string()))
        } else if let Some(json) = json {
            let found = pointer(json, source);
            if source.split('/').any(|s| s == "*") {
                let all: Vec<Value> = found
                    .into_iter()
                    .filter(|v| !v.is_null())
                    .cloned()
                    .collect();
                Some(Value::Array(all))
            } else {
                found.first().map(|v| (*v).clone())
            }
        } else {
            None
        };
        if let Some(v) = raw.and_then(|v| normalize(key, v)) {
            out.insert(key.clone(), v);
        }
    }
    out
}

/// Puts a value into the shape its shared key promises: `scopes` an array of strings (split on
/// commas and spaces when the provider gives one string), `expires_at` RFC 3339; nulls, empty
/// strings and empty arrays are dropped.
pub(crate) fn normalize(key: &str, v: Value) -> Option<Value> {
    let v = match (key, v) {
        ("scopes", Value::String(s)) => Value::Array(
            s.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        ("scopes", Value::Array(a)) => Value::Array(
            a.into_iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(Value::String(s)),
                    Value::Number(n) => Some(Value::String(n.to_string())),
                    _ => None,
                })
                .collect(),
        ),
        ("expires_at", v) => normalize_expiry(&v)?,
        (_, v) => v,
    };
    match &v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        _ => Some(v),
    }
}

/// Drops identity values that contain the secret: some providers echo the credential back.
pub(crate) fn scrub(identity: &mut BTreeMap<String, Value>, secret: &str) {
    if secret.len() < 6 {
        return;
    }
    identity.retain(|_, v| !v.to_string().contains(secret));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: vec![("x-oauth-scopes".into(), "repo, read:org".into())],
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn conditions_check_status_fields_and_presence() {
        let r = resp(200, json!({"ok": false, "error": "invalid_auth"}));
        let j = r.json();
        let cond = |json: Value, has: Vec<&str>| Condition {
            status: vec![200],
            json: serde_json::from_value(json).unwrap(),
            has: has.into_iter().map(String::from).collect(),
            ..Condition::default()
        };
        assert!(matches(
            &cond(json!({"/ok": false}), vec![]),
            &r,
            j.as_ref()
        ));
        assert!(!matches(
            &cond(json!({"/ok": true}), vec![]),
            &r,
            j.as_ref()
        ));
        assert!(matches(
            &cond(
                json!({"/error": ["token_revoked", "invalid_auth"]}),
                vec!["/ok"]
            ),
            &r,
            j.as_ref()
        ));
        assert!(!matches(&cond(json!({}), vec!["/user"]), &r, j.as_ref()));
        let mut c = cond(json!({}), vec![]);
        c.status = vec![401];
        assert!(!matches(&c, &r, j.as_ref()));
    }

    #[test]
    fn identity_reads_pointers_headers_and_literals() {
        let r = resp(
            200,
            json!({"login": "octo", "id": 7, "orgs": [{"name": "a"}, {"name": "b"}], "email": null,
                   "exp": 1_440_938_160}),
        );
        let spec: BTreeMap<String, String> = [
            ("user", "/login"),
            ("user_id", "/id"),
            ("organization", "/orgs/*/name"),
            ("email", "/email"),
            ("scopes", "header:X-OAuth-Scopes"),
            ("type", "=user"),
            ("expires_at", "/exp"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let id = identity(&spec, &r, r.json().as_ref(), &|_| None);
        assert_eq!(id["user"], json!("octo"));
        assert_eq!(id["user_id"], json!(7));
        assert_eq!(id["organization"], json!(["a", "b"]));
        assert_eq!(id["scopes"], json!(["repo", "read:org"]));
        assert_eq!(id["type"], json!("user"));
        assert_eq!(id["expires_at"], json!("2015-08-30T12:36:00Z"));
        assert!(!id.contains_key("email"));
        let mut id = id;
        id.insert("echo".into(), json!("token ghp_secretvalue"));
        scrub(&mut id, "ghp_secretvalue");
        assert!(!id.contains_key("echo"));
    }
}
