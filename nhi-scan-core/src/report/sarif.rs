//! SARIF 2.1.0. Checked in CI by the official SARIF Multitool (`validate`): zero errors, zero
//! warnings. One result per location, so a dashboard lists every place to clean up; each carries
//! the credential's fingerprint, so alerts survive line moves and reruns.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{ReportOptions, error_chain, shown_secret};
use crate::finding::{Finding, Location, Origin, fingerprint};
use crate::scan::Outcome;

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

/// The artifact of an origin: relative to the root (`SRCROOT`) when it is inside it, an
/// absolute `file://` URI for a file outside it, and a relative reference otherwise (a buffer's
/// name, a path inside an image). An archive member is `outer!/member`.
fn artifact(origin: &Origin, opts: &ReportOptions) -> Value {
    let (uri, base) = artifact_uri(origin, opts);
    match base {
        true => json!({"uri": uri, "uriBaseId": SRCROOT}),
        false => json!({"uri": uri}),
    }
}

fn artifact_uri(origin: &Origin, opts: &ReportOptions) -> (String, bool) {
    let rooted = opts.root.is_some();
    match origin {
        Origin::File {
            relative: Some(rel),
            ..
        } if rooted => {
            // The relative form is lossy UTF-8; where it is the walked path itself (the usual
            // case), encode the raw bytes so a non-UTF-8 name keeps its identity.
            let raw = strip_dot(&origin.path_bytes());
            if String::from_utf8_lossy(&raw) == *rel {
                (encode_path(&raw), true)
            } else {
                (encode_path(rel.as_bytes()), true)
            }
        }
        Origin::File { path, .. } => {
            let abs = if path.is_absolute() {
                Some(path.clone())
            } else {
                std::fs::canonicalize(path).ok()
            };
            match abs {
                Some(a) => (file_uri(&a, false), false),
                None => (encode_path(&strip_dot(&origin.path_bytes())), false),
            }
        }
        Origin::Git(g) => (encode_path(g.path.as_bytes()), rooted),
        Origin::Archive { outer, member } => {
            let (outer, base) = artifact_uri(outer, opts);
            (format!("{outer}!/{}", encode_path(member.as_bytes())), base)
        }
        other => (encode_path(&strip_dot(&other.path_bytes())), false),
    }
}

fn strip_dot(mut p: &[u8]) -> Vec<u8> {
    while let Some(rest) = p.strip_prefix(b"./") {
        p = rest;
    }
    p.to_vec()
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
    if let Some(v) = &f.validation {
        props.insert("validation".into(), json!(v));
    }
    let mut origin = &*l.origin;
    let mut members = Vec::new();
    while let Origin::Archive { outer, member } = origin {
        members.insert(0, member.clone());
        origin = outer;
    }
    if !members.is_empty() {
        props.insert("archiveMembers".into(), json!(members));
    }
    if let Origin::Image(i) = origin {
        props.insert("image".into(), json!(i));
    }
    if let Origin::Git(g) = origin {
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
                "artifactLocation": artifact(&l.origin, opts),
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
    outcome: &Outcome,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let findings = &outcome.findings;
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
    // What was not scanned, and what failed, as notifications of the run: a dashboard must not
    // read a partial scan as a clean one.
    let mut notes: Vec<Value> = Vec::new();
    for s in &outcome.skipped {
        let mut text = format!("Not scanned ({}", s.reason);
        if let Some(d) = &s.detail {
            text.push_str(&format!(": {d}"));
        }
        text.push_str(&format!("): {}.", s.origin.label()));
        notes.push(json!({
            "level": if s.reason.is_incomplete() { "warning" } else { "note" },
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": artifact(&s.origin, opts)}}],
        }));
    }
    for e in &outcome.errors {
        notes.push(json!({
            "level": "error",
            "message": {"text": sentence(&error_chain(e))},
        }));
    }
    for w in &outcome.warnings {
        notes.push(json!({"level": "warning", "message": {"text": sentence(w)}}));
    }
    let mut run = json!({
            "tool": {"driver": {
                "name": "nhi-scan",
                "version": opts.tool_version,
                "semanticVersion": opts.tool_version,
                "informationUri": "https://crates.io/crates/nhi-scan-cli",
                "rules": rule_values,
            }},
            "invocations": [{
                "executionSuccessful": outcome.errors.is_empty(),
                "toolExecutionNotifications": notes,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
    });
    if let Some(root) = &opts.root {
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": file_uri(root, true)}});
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
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
