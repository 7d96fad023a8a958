//! SARIF 2.1.0. Checked in CI by the official SARIF Multitool (`validate`): zero errors, zero
//! warnings. One result per location, so a dashboard lists every place to clean up; each carries
//! the credential's fingerprint, so alerts survive line moves and reruns.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{ReportOptions, shown_secret};
use crate::finding::{Finding, Location, Origin, fingerprint};

const SRCROOT: &str = "SRCROOT";

/// Percent-encodes a path into a URI reference (RFC 3986 unreserved and `/` kept as is).
fn encode_path(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `file://` URI for an absolute path (with a trailing slash when `dir`).
pub fn file_uri(path: &Path, dir: bool) -> String {
    let mut s = format!(
        "file://{}",
        encode_path(path.as_os_str().as_encoded_bytes())
    );
    if dir && !s.ends_with('/') {
        s.push('/');
    }
    s
}

fn artifact(origin: &Origin) -> Value {
    let path = origin.path_bytes();
    if path.starts_with(b"/") {
        return json!({"uri": format!("file://{}", encode_path(&path))});
    }
    let mut rel: &[u8] = &path;
    while let Some(rest) = rel.strip_prefix(b"./") {
        rel = rest;
    }
    json!({"uri": encode_path(rel), "uriBaseId": SRCROOT})
}

fn rule_name(id: &str) -> String {
    // SARIF rule names are identifiers; derive PascalCase from the dotted id.
    id.split(['.', '-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn sentence(s: &str) -> String {
    let t = s.trim();
    if t.ends_with('.') {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn result(f: &Finding, l: &Location, rule_index: usize, opts: &ReportOptions) -> Value {
    let mut props = serde_json::Map::new();
    props.insert("kind".into(), json!(f.kind));
    if let Origin::Git(g) = &*l.origin {
        if !g.commit.is_empty() {
            props.insert("commit".into(), json!(g.commit));
            props.insert(
                "author".into(),
                json!(format!("{} <{}>", g.author_name, g.author_email)),
            );
            props.insert("authorTime".into(), json!(g.author_time));
            props.insert("commitSubject".into(), json!(g.subject));
        }
        if let Some(r) = &g.reference {
            props.insert("reference".into(), json!(r));
        }
        props.insert("blob".into(), json!(g.blob));
    }
    json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": format!("{} found: {}.", f.rule_name, shown_secret(f, opts))},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&l.origin),
                "region": {
                    "startLine": l.line,
                    "startColumn": l.column,
                    "endLine": l.end_line,
                    "endColumn": l.end_column,
                },
            },
        }],
        "partialFingerprints": {
            "nhiScanSecret/v1": f.fingerprint,
            "nhiScanSecretAtPath/v1": fingerprint(&f.fingerprint, l.origin.path().as_bytes()),
        },
        "properties": props,
    })
}

pub(crate) fn write(
    findings: &[Finding],
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in findings {
        rules.entry(&f.rule_id).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rule_values: Vec<Value> = rules
        .values()
        .map(|f| {
            let help = f
                .fix
                .clone()
                .unwrap_or_else(|| "Remove the credential and rotate it with its provider.".into());
            let full = if f.description.is_empty() {
                f.rule_name.clone()
            } else {
                f.description.clone()
            };
            json!({
                "id": f.rule_id,
                "name": rule_name(&f.rule_id),
                "shortDescription": {"text": sentence(&f.rule_name)},
                "fullDescription": {"text": sentence(&full)},
                "help": {"text": sentence(&help)},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret", f.kind.as_str()]},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .flat_map(|f| f.locations.iter().map(move |l| (f, l)))
        .map(|(f, l)| result(f, l, index[f.rule_id.as_str()], opts))
        .collect();
    let cwd = std::env::current_dir()
        .map(|d| file_uri(&d, true))
        .unwrap_or_else(|_| "file:///".into());
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "nhi-scan",
                "version": opts.tool_version,
                "semanticVersion": opts.tool_version,
                "informationUri": "https://crates.io/crates/nhi-scan-cli",
                "rules": rule_values,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": cwd}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_valid_uri_references() {
        assert_eq!(
            encode_path("src/a b/ç.rs".as_bytes()),
            "src/a%20b/%C3%A7.rs"
        );
        assert_eq!(encode_path(b"b\xff.env"), "b%FF.env");
        assert_eq!(file_uri(Path::new("/tmp/x y"), true), "file:///tmp/x%20y/");
        assert_eq!(rule_name("github.pat.classic"), "GithubPatClassic");
    }
}
