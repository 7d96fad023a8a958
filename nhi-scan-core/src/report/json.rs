use std::io::{self, Write};

use serde_json::{Value, json};

use super::{ReportOptions, shown, shown_secret};
use crate::finding::Finding;
use crate::source::ScanStats;

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
        "companion": f.companion.as_ref().map(|(name, value)| json!({"name": name, "value": shown(value, opts)})),
        "location_count": f.locations.len(),
        "path_count": f.path_count,
        "commit_count": f.commit_count,
        "locations": f.locations,
        "validation": f.validation,
    })
}

pub(crate) fn write(
    findings: &[Finding],
    stats: &ScanStats,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = json!({
        "tool": {"name": "nhi-scan", "version": opts.tool_version},
        "findings": findings.iter().map(|f| finding_value(f, opts)).collect::<Vec<_>>(),
        "summary": {
            "findings": findings.len(),
            "scanned": stats.scanned,
            "bytes": stats.bytes,
            "skipped": stats.skipped,
            "errors": stats.errors,
            "elapsed_seconds": stats.elapsed.as_secs_f64(),
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub(crate) fn write_lines(
    findings: &[Finding],
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, &finding_value(f, opts))?;
        writeln!(out)?;
    }
    Ok(())
}
