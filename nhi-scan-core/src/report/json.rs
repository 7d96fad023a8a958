//! JSON (one document) and JSON Lines (one object per line, streamed as hits arrive).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{ReportOptions, error_chain, shown, shown_secret};
use crate::finding::{Finding, Hit};
use crate::scan::Outcome;
use crate::sink::{Sink, SinkError};
use crate::source::{ScanStats, Skipped, SourceError};
use crate::suppress::Suppressed;

/// The JSON object for one finding, shared by the JSON and JSONL reporters.
pub(crate) fn finding_value(f: &Finding, opts: &ReportOptions) -> Value {
    json!({
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "kind": f.kind,
        "description": f.description,
        "fix": f.fix,
        "fingerprint": f.fingerprint,
        "secret": shown_secret(f, opts),
        "redacted": opts.redact,
        "companion": f.companion.as_ref().map(|c| json!({"name": c.name, "value": shown(&c.value, opts)})),
        "location_count": f.locations.len(),
        "path_count": f.path_count,
        "commit_count": f.commit_count,
        "locations": f.locations,
        "validation": f.validation,
    })
}

pub(crate) fn skipped_value(s: &Skipped) -> Value {
    json!({
        "origin": s.origin,
        "label": s.origin.label(),
        "reason": s.reason,
        "detail": s.detail,
    })
}

pub(crate) fn error_value(e: &SourceError) -> Value {
    let (kind, location) = match e {
        SourceError::Io { path, .. } => ("io", path.to_string_lossy().into_owned()),
        SourceError::Walk { path, .. } => ("walk", path.to_string_lossy().into_owned()),
        SourceError::Git { location, .. } => ("git", location.clone()),
        #[cfg(feature = "archive")]
        SourceError::Archive { location, .. } => ("archive", location.clone()),
        #[cfg(feature = "image")]
        SourceError::Image { location, .. } => ("image", location.clone()),
    };
    json!({"kind": kind, "location": location, "message": error_chain(e)})
}

fn summary_value(
    findings: usize,
    stats: &ScanStats,
    suppressed: &Suppressed,
    rule_errors: usize,
) -> Value {
    json!({
        "findings": findings,
        "scanned": stats.scanned,
        "bytes": stats.bytes,
        "skipped": stats.skipped,
        "errors": stats.errors,
        "rule_errors": rule_errors,
        "suppressed": suppressed,
        "elapsed_seconds": stats.elapsed.as_secs_f64(),
    })
}

/// Adds `"validation": {"valid": n, "invalid": n, "unknown": n}` when findings were validated.
fn with_validation(mut summary: Value, findings: &[Finding]) -> Value {
    use crate::validate::ValidationStatus;
    let verdicts: Vec<ValidationStatus> = findings
        .iter()
        .filter_map(|f| f.validation.as_ref().map(|v| v.status))
        .collect();
    if !verdicts.is_empty() {
        let count = |s: ValidationStatus| verdicts.iter().filter(|v| **v == s).count();
        summary["validation"] = json!({
            "valid": count(ValidationStatus::Valid),
            "invalid": count(ValidationStatus::Invalid),
            "unknown": count(ValidationStatus::Unknown),
        });
    }
    summary
}

fn tool(opts: &ReportOptions) -> Value {
    json!({"name": "nhi-scan", "version": opts.tool_version})
}

pub(crate) fn write(o: &Outcome, opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let doc = json!({
        "tool": tool(opts),
        "findings": o.findings.iter().map(|f| finding_value(f, opts)).collect::<Vec<_>>(),
        "skipped": o.skipped.iter().map(skipped_value).collect::<Vec<_>>(),
        "errors": o.errors.iter().map(error_value).collect::<Vec<_>>(),
        "warnings": o.warnings,
        "summary": with_validation(summary_value(o.findings.len(), &o.stats, &o.suppressed, o.rule_errors), &o.findings),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn line(out: &mut dyn Write, kind: &str, mut v: Value) -> io::Result<()> {
    if let Value::Object(m) = &mut v {
        m.insert("type".into(), json!(kind));
    }
    serde_json::to_writer(&mut *out, &v)?;
    writeln!(out)
}

/// A collected outcome as JSON Lines: one `finding` per line, then `skipped`, `error`,
/// `warning` lines and a final `summary`.
pub(crate) fn write_lines(
    o: &Outcome,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in &o.findings {
        line(out, "finding", finding_value(f, opts))?;
    }
    for s in &o.skipped {
        line(out, "skipped", skipped_value(s))?;
    }
    for e in &o.errors {
        line(out, "error", error_value(e))?;
    }
    for w in &o.warnings {
        line(out, "warning", json!({"message": w}))?;
    }
    line(
        out,
        "summary",
        with_validation(
            summary_value(o.findings.len(), &o.stats, &o.suppressed, o.rule_errors),
            &o.findings,
        ),
    )
}

/// Streams JSON Lines as a scan runs: a `finding` line per hit (the same object as a JSON
/// finding, with the one location of this sighting: group lines by `fingerprint`), `skipped`,
/// `error` and `warning` lines as they happen, and a `summary` line from [`JsonlSink::finish`].
pub struct JsonlSink<W: Write> {
    out: W,
    opts: ReportOptions,
    findings: std::collections::HashSet<String>,
}

impl<W: Write> JsonlSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        JsonlSink {
            out,
            opts,
            findings: std::collections::HashSet::new(),
        }
    }

    /// Distinct findings written so far.
    pub fn findings(&self) -> usize {
        self.findings.len()
    }

    /// Writes the summary line and returns the writer.
    pub fn finish(
        mut self,
        stats: &ScanStats,
        suppressed: &Suppressed,
        rule_errors: usize,
    ) -> io::Result<W> {
        let n = self.findings.len();
        let summary = summary_value(n, stats, suppressed, rule_errors);
        line(&mut self.out, "summary", summary)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        self.findings.insert(hit.fingerprint.clone());
        let mut f = Finding::from_hit(hit);
        f.recount();
        line(&mut self.out, "finding", finding_value(&f, &self.opts))?;
        Ok(())
    }

    fn skipped(&mut self, skipped: Skipped) -> Result<(), SinkError> {
        line(&mut self.out, "skipped", skipped_value(&skipped))?;
        Ok(())
    }

    fn error(&mut self, error: SourceError) -> Result<(), SinkError> {
        line(&mut self.out, "error", error_value(&error))?;
        Ok(())
    }

    fn warning(&mut self, warning: String) -> Result<(), SinkError> {
        line(&mut self.out, "warning", json!({"message": warning}))?;
        Ok(())
    }
}
