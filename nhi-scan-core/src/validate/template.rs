//! Substitution of `{secret}`, the companion and vars into a validator's templates, with the
//! encoding each place needs: a value in a URL path or query is percent-encoded (so it cannot
//! add a query, a fragment or a `..` segment), in a JSON body it is JSON-escaped, in a form body
//! form-encoded. A value put into a host label must be a plain DNS label.

use std::collections::BTreeMap;

use super::spec::{Var, placeholders};

/// How a substituted value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// As is (headers, basic auth, plain bodies). Control characters are refused.
    Raw,
    /// URL path: everything outside RFC 3986 `pchar` and `/` is percent-encoded.
    Path,
    /// URL query value: everything outside `unreserved` is percent-encoded.
    Query,
    /// Inside a JSON string.
    Json,
    /// `application/x-www-form-urlencoded` value.
    Form,
}

/// Values a validator can substitute, by name. Debug shows only the names.
pub(crate) struct Values {
    map: BTreeMap<String, String>,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.map.keys()).finish()
    }
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A companion or var the template needs was not found next to the secret.
    Value(String),
    /// A value has characters the place cannot take (a control character in a header).
    Unusable(String),
}

impl Values {
    /// The secret, the companion (under its name) and every var that matches.
    pub fn new(
        secret: &str,
        companion: Option<(&str, &str)>,
        vars: &BTreeMap<String, Var>,
    ) -> Values {
        let mut map = BTreeMap::new();
        map.insert("secret".to_string(), secret.to_string());
        if let Some((name, value)) = companion {
            map.insert(name.to_string(), value.to_string());
        }
        for (name, var) in vars {
            let Some(source) = map.get(&var.from).cloned() else {
                continue;
            };
            if let Some(v) = cut(&var.pattern, &source) {
                map.insert(name.clone(), v);
            }
        }
        Values { map }
    }

    /// A value by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Fills `template`, encoding each value for `encoding`.
    pub fn fill(&self, template: &str, encoding: Encoding) -> Result<String, Missing> {
        let places = placeholders(template).map_err(Missing::Unusable)?;
        let mut out = String::with_capacity(template.len() + 64);
        let mut last = 0;
        for p in places {
            out.push_str(&template[last..p.start]);
            let value = self
                .map
                .get(&p.name)
                .ok_or_else(|| Missing::Value(p.name.clone()))?;
            if encoding == Encoding::Raw && value.chars().any(char::is_control) {
                return Err(Missing::Unusable(p.name.clone()));
            }
            out.push_str(&encode(value, encoding));
            last = p.end;
        }
        out.push_str(&template[last..]);
        Ok(out)
    }

    /// Fills a URL path-and-query template: path encoding before `?`, query encoding after.
    /// A filled path never holds a `.` or `..` segment.
    pub fn fill_path(&self, template: &str) -> Result<String, Missing> {
        let (path, query) = match template.find('?') {
            Some(i) => (&template[..i], Some(&template[i + 1..])),
            None => (template, None),
        };
        let mut out = self.fill(path, Encoding::Path)?;
        if out.split('/').any(|seg| seg == "." || seg == "..") {
            return Err(Missing::Unusable("a path segment `.` or `..`".into()));
        }
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.fill(q, Encoding::Query)?);
        }
        Ok(out)
    }
}

/// The `value` group of `pattern` in `text`.
fn cut(pattern: &str, text: &str) -> Option<String> {
    let re = regex_automata::meta::Regex::new(pattern).ok()?;
    let mut caps = re.create_captures();
    re.captures(text, &mut caps);
    let span = caps.get_group_by_name("value")?;
    Some(text[span.range()].to_string())
}

/// Encodes `value` for a place in a request.
pub(crate) fn encode(value: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Raw => value.to_string(),
        Encoding::Path => percent(value, |b| {
            b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b)
        }),
        Encoding::Query => percent(value, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)),
        Encoding::Form => percent(value, |b| b.is_ascii_alphanumeric() || b"-._*".contains(&b)),
        Encoding::Json => {
            let quoted = serde_json::Value::String(value.to_string()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
    }
}

fn percent(value: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `s` can be a DNS label (a host variable's value).
pub(crate) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        let mut vars = BTreeMap::new();
        vars.insert(
            "dc".to_string(),
            Var {
                from: "secret".into(),
                pattern: "-(?P<value>us[0-9]+)$".into(),
            },
        );
        Values::new("abc/../d?x=1#f-us6", Some(("account_sid", "AC12")), &vars)
    }

    #[test]
    fn values_are_encoded_for_their_place() {
        let v = values();
        assert_eq!(v.get("dc"), Some("us6"));
        assert_eq!(
            v.fill("/bot{secret}/getMe", Encoding::Path).unwrap(),
            "/botabc/../d%3Fx=1%23f-us6/getMe"
        );
        assert!(v.fill_path("/x/{secret}").is_err(), "`..` segment refused");
        assert_eq!(
            v.fill_path("/a/{account_sid}?key={secret}").unwrap(),
            "/a/AC12?key=abc%2F..%2Fd%3Fx%3D1%23f-us6"
        );
        let q = Values::new("a&b=c d", None, &BTreeMap::new());
        assert_eq!(
            q.fill_path("/m?key={secret}").unwrap(),
            "/m?key=a%26b%3Dc%20d"
        );
        assert_eq!(
            Values::new("x\"y", None, &BTreeMap::new())
                .fill(r#"{"key":"{secret}"}"#, Encoding::Json)
                .unwrap(),
            r#"{"key":"x\"y"}"#
        );
        assert_eq!(
            v.fill("{missing}", Encoding::Raw),
            Err(Missing::Value("missing".into()))
        );
        assert!(
            Values::new("a\r\nb", None, &BTreeMap::new())
                .fill("Bearer {secret}", Encoding::Raw)
                .is_err()
        );
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("us6"));
        assert!(is_dns_label("my-shop"));
        assert!(!is_dns_label("evil.com"));
        assert!(!is_dns_label("a:80"));
        assert!(!is_dns_label(""));
    }

    #[test]
    fn debug_shows_names_only() {
        let d = format!("{:?}", values());
        assert!(!d.contains("abc"), "{d}");
        assert!(d.contains("secret"));
    }
}
