//! Re-validating an earlier report without rescanning (`nhi-scan validate REPORT`): the report
//! is read back ([`Report::parse`]), each finding checked to be an unmasked nhi-scan finding
//! whose secret still matches its fingerprint, every distinct credential validated once, and
//! the report updated in place (verdicts, `--only-valid` filter, masking, summary counts). The
//! CLI only reads the file and writes the result, so an embedder re-validating stored reports
//! runs the same code.

use std::collections::HashSet;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::run::job_key;
use super::{Credential, ValidationStatus, ValidationSummary, Validator};
use crate::finding::{Companion, Secret, fingerprint, redact};

/// A JSON or JSON Lines report of nhi-scan, as read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// One JSON document with a `findings` array (`--format json`).
    Json(Value),
    /// One JSON object per line, findings and a summary among them (`--format jsonl`).
    Lines(Vec<Value>),
}

/// A report that cannot be re-validated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Neither a JSON report nor JSON Lines.
    #[error("line {line}: not a JSON or JSON Lines report of nhi-scan ({message})")]
    NotAReport {
        /// The 1-based line that does not parse.
        line: usize,
        /// What the JSON parser said (without the secret-bearing text).
        message: String,
    },
    /// JSON Lines without a single finding.
    #[error("no findings in this report")]
    NoFindings,
    /// A finding object without the fields re-validation needs.
    #[error(
        "finding {index}: not an nhi-scan finding (rule_id, fingerprint and secret are needed)"
    )]
    NotAFinding {
        /// The 1-based position of the finding in the report.
        index: usize,
    },
    /// The secrets are masked (the default when writing a report): nothing to send.
    #[error(
        "the report's secrets are masked, so they cannot be re-validated; write it again with --no-redact (e.g. `nhi-scan scan --format json --no-redact -o report.json`)"
    )]
    Masked,
}

/// How the updated report is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RevalidateOptions {
    /// Keep only the findings the provider accepted (`--only-valid`).
    pub only_valid: bool,
    /// Leave secrets and companions in full (`--no-redact`); masked otherwise.
    pub keep_secrets: bool,
}

/// What a re-validation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revalidated {
    /// Distinct credentials checked (a secret with two companions counts twice).
    pub checked: usize,
    /// Their verdicts, one per distinct credential.
    pub summary: ValidationSummary,
    /// Findings left in the report (distinct fingerprints for JSON Lines).
    pub remaining: usize,
}

/// A finding of a report, checked: not masked, and its secret matches its fingerprint.
#[derive(Debug, Clone)]
pub struct ReportedFinding {
    /// The rule that found it (picks the validator).
    pub rule_id: String,
    /// Its fingerprint (rule and secret).
    pub fingerprint: String,
    /// The secret.
    pub secret: Secret,
    /// The companion captured with it.
    pub companion: Option<Companion>,
}

impl ReportedFinding {
    /// Reads the finding object at 0-based `index` of a report.
    pub fn from_value(v: &Value, index: usize) -> Result<ReportedFinding, ReportError> {
        let field = |k: &str| v.get(k).and_then(Value::as_str);
        let (Some(rule_id), Some(fp), Some(secret)) =
            (field("rule_id"), field("fingerprint"), field("secret"))
        else {
            return Err(ReportError::NotAFinding { index: index + 1 });
        };
        let redacted = v.get("redacted").and_then(Value::as_bool).unwrap_or(false);
        if redacted || fingerprint(rule_id, secret.as_bytes()) != fp {
            return Err(ReportError::Masked);
        }
        let companion = v.get("companion").and_then(|c| {
            Some(Companion {
                name: c.get("name")?.as_str()?.to_string(),
                value: Secret::new(c.get("value")?.as_str()?),
            })
        });
        Ok(ReportedFinding {
            rule_id: rule_id.to_string(),
            fingerprint: fp.to_string(),
            secret: Secret::new(secret),
            companion,
        })
    }

    fn credential(&self) -> Credential<'_> {
        Credential {
            rule_id: &self.rule_id,
            fingerprint: &self.fingerprint,
            secret: &self.secret,
            companion: self.companion.as_ref(),
        }
    }
}

fn is_finding(v: &Value) -> bool {
    v.get("rule_id").is_some()
        && v.get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "finding")
}

/// Masks the secret and companion of a finding object.
fn mask(v: &mut Value) {
    if let Some(s) = v.get("secret").and_then(Value::as_str).map(redact) {
        v["secret"] = json!(s);
    }
    if let Some(c) = v
        .get("companion")
        .and_then(|c| c.get("value"))
        .and_then(Value::as_str)
        .map(redact)
    {
        v["companion"]["value"] = json!(c);
    }
    v["redacted"] = json!(true);
}

impl Report {
    /// Reads a report: a JSON document with `findings`, else JSON Lines.
    pub fn parse(text: &str) -> Result<Report, ReportError> {
        if let Ok(doc) = serde_json::from_str::<Value>(text)
            && doc.get("findings").is_some_and(Value::is_array)
        {
            return Ok(Report::Json(doc));
        }
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line).map_err(|e| ReportError::NotAReport {
                line: n + 1,
                message: e
                    .to_string()
                    .split(" at line")
                    .next()
                    .unwrap_or("bad JSON")
                    .to_string(),
            })?;
            lines.push(v);
        }
        if !lines.is_empty() && !lines.iter().any(is_finding) {
            return Err(ReportError::NoFindings);
        }
        Ok(Report::Lines(lines))
    }

    /// The finding objects, in report order.
    pub fn findings(&self) -> Vec<&Value> {
        match self {
            Report::Json(doc) => doc["findings"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            Report::Lines(lines) => lines.iter().filter(|l| is_finding(l)).collect(),
        }
    }

    fn findings_mut(&mut self) -> Vec<&mut Value> {
        match self {
            Report::Json(doc) => doc["findings"]
                .as_array_mut()
                .map(|a| a.iter_mut().collect())
                .unwrap_or_default(),
            Report::Lines(lines) => lines.iter_mut().filter(|l| is_finding(l)).collect(),
        }
    }

    /// Writes the report in its own format (pretty JSON, or one object per line).
    pub fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        match self {
            Report::Json(doc) => {
                serde_json::to_writer_pretty(&mut *w, doc)?;
                writeln!(w)
            }
            Report::Lines(lines) => {
                for l in lines {
                    serde_json::to_writer(&mut *w, l)?;
                    writeln!(w)?;
                }
                Ok(())
            }
        }
    }
}

impl Validator {
    /// Re-validates the findings of `report` in place: every finding must be unmasked and
    /// match its fingerprint (else nothing is sent and the error says how to write a usable
    /// report); each distinct credential (fingerprint and companion) is checked once; each
    /// finding gets its verdict; then `opts` filters and masks, and the summary's counts are
    /// brought up to date.
    pub fn revalidate(
        &self,
        report: &mut Report,
        opts: RevalidateOptions,
    ) -> Result<Revalidated, ReportError> {
        let parsed = report
            .findings()
            .into_iter()
            .enumerate()
            .map(|(n, v)| ReportedFinding::from_value(v, n))
            .collect::<Result<Vec<_>, _>>()?;
        let creds: Vec<Credential<'_>> = parsed.iter().map(ReportedFinding::credential).collect();
        let verdicts = self.validate_credentials(&creds);
        let mut distinct = HashSet::new();
        let mut summary = ValidationSummary::default();
        for (c, v) in creds.iter().zip(&verdicts) {
            if distinct.insert(job_key(c)) {
                summary.add(v.status);
            }
        }
        let mut keep = Vec::with_capacity(verdicts.len());
        for (v, verdict) in report.findings_mut().into_iter().zip(&verdicts) {
            v["validation"] = serde_json::to_value(verdict).unwrap_or(Value::Null);
            if !opts.keep_secrets {
                mask(v);
            }
            keep.push(!opts.only_valid || verdict.status == ValidationStatus::Valid);
        }
        let counts = json!({
            "valid": summary.valid, "invalid": summary.invalid, "unknown": summary.unknown,
        });
        let remaining;
        match report {
            Report::Json(doc) => {
                if let Some(findings) = doc["findings"].as_array_mut() {
                    let mut k = keep.iter();
                    findings.retain(|_| *k.next().unwrap_or(&true));
                    remaining = findings.len();
                } else {
                    remaining = 0;
                }
                if doc.get("summary").is_some_and(Value::is_object) {
                    doc["summary"]["findings"] = json!(remaining);
                    doc["summary"]["validation"] = counts;
                }
            }
            Report::Lines(lines) => {
                let mut k = keep.iter();
                lines.retain(|l| !is_finding(l) || *k.next().unwrap_or(&true));
                let fps: HashSet<&str> = lines
                    .iter()
                    .filter(|l| is_finding(l))
                    .filter_map(|l| l.get("fingerprint").and_then(Value::as_str))
                    .collect();
                remaining = fps.len();
                for l in lines.iter_mut() {
                    if l.get("type").and_then(Value::as_str) == Some("summary") {
                        l["findings"] = json!(remaining);
                        l["validation"] = counts.clone();
                    }
                }
            }
        }
        Ok(Revalidated {
            checked: distinct.len(),
            summary,
            remaining,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ValidateOptions;

    fn finding(rule: &str, secret: &str, companion: Option<&str>) -> Value {
        let mut v = json!({
            "rule_id": rule,
            "fingerprint": fingerprint(rule, secret.as_bytes()),
            "secret": secret,
            "redacted": false,
        });
        if let Some(c) = companion {
            v["companion"] = json!({"name": "account_sid", "value": c});
        }
        v
    }

    /// A validator without rules: every verdict is decided locally (unsupported), so these
    /// tests send nothing anywhere.
    fn offline() -> Validator {
        Validator::new(std::iter::empty(), ValidateOptions::default()).expect("validator")
    }

    #[test]
    fn a_report_is_revalidated_in_place_masked_and_counted_per_secret_and_companion() {
        let doc = json!({
            "findings": [
                finding("x.token", "tok-one-0123456789", Some("AC1")),
                finding("x.token", "tok-one-0123456789", Some("AC2")),
                finding("y.token", "tok-two-0123456789", None),
            ],
            "summary": {"findings": 3},
        });
        let mut report = Report::parse(&doc.to_string()).unwrap();
        let done = offline()
            .revalidate(&mut report, RevalidateOptions::default())
            .unwrap();
        assert_eq!(
            done.checked, 3,
            "a secret with two companions is two credentials"
        );
        assert_eq!(done.summary.unknown, 3);
        assert_eq!(done.remaining, 3);
        let mut out = Vec::new();
        report.write_to(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("tok-one-0123456789") && !text.contains("AC2"),
            "{text}"
        );
        assert!(text.contains("\"unknown\": 3"), "{text}");
        // --only-valid with no live credential: nothing remains, and the summary says so.
        let lines: String = [
            finding("x.token", "tok-one-0123456789", None).to_string(),
            json!({"type": "summary", "findings": 1}).to_string(),
        ]
        .join("\n");
        let mut report = Report::parse(&lines).unwrap();
        let opts = RevalidateOptions {
            only_valid: true,
            keep_secrets: true,
        };
        let done = offline().revalidate(&mut report, opts).unwrap();
        assert_eq!(done.remaining, 0);
        let Report::Lines(lines) = &report else {
            panic!("JSON Lines expected")
        };
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["findings"], json!(0));
    }

    #[test]
    fn masked_forged_and_foreign_reports_are_refused_before_any_check() {
        let mut masked = finding("x.token", "tok-one-0123456789", None);
        masked["secret"] = json!("tok-on********");
        let mut forged = finding("x.token", "tok-one-0123456789", None);
        forged["secret"] = json!("tok-other-secret");
        for bad in [masked, forged] {
            let mut r = Report::parse(&json!({"findings": [bad]}).to_string()).unwrap();
            let e = offline()
                .revalidate(&mut r, RevalidateOptions::default())
                .unwrap_err();
            assert!(matches!(e, ReportError::Masked), "{e}");
        }
        let mut r = Report::parse(&json!({"findings": [{"rule_id": "x"}]}).to_string()).unwrap();
        let e = offline()
            .revalidate(&mut r, RevalidateOptions::default())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "finding 1: not an nhi-scan finding (rule_id, fingerprint and secret are needed)"
        );
        assert!(matches!(
            Report::parse("{\"a\": 1}\nnot json"),
            Err(ReportError::NotAReport { line: 2, .. })
        ));
        assert!(matches!(
            Report::parse("{\"type\": \"summary\"}"),
            Err(ReportError::NoFindings)
        ));
    }
}
