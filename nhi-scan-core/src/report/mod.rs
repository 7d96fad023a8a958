//! Reporters: read finished findings and write them in one format. They never see rules, files
//! or git; redaction is decided here, once, for every format.

mod json;
mod sarif;
mod text;

use std::io::{self, Write};

use crate::finding::Finding;
use crate::source::ScanStats;

pub use sarif::file_uri;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For humans: `path:line:col`, rule, redacted secret, fix hint.
    Text,
    /// One JSON document with findings and summary.
    Json,
    /// One finding per line (JSON Lines).
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// Settings shared by all reporters.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Mask secrets (the default); false prints them whole.
    pub redact: bool,
    /// ANSI colour (text only; the CLI enables it on a terminal).
    pub color: bool,
    /// Tool version recorded in JSON and SARIF.
    pub tool_version: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            redact: true,
            color: false,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Writes `findings` in `format`.
pub fn write_report(
    format: Format,
    findings: &[Finding],
    stats: &ScanStats,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(findings, opts, out),
        Format::Json => json::write(findings, stats, opts, out),
        Format::Jsonl => json::write_lines(findings, opts, out),
        Format::Sarif => sarif::write(findings, opts, out),
    }
}

/// A companion value as a report shows it: redacted like the secret, since it can be one too
/// (the Datadog API key next to an application key).
pub(crate) fn shown(value: &str, opts: &ReportOptions) -> String {
    if opts.redact {
        crate::finding::redact(value)
    } else {
        value.to_string()
    }
}

/// Text safe to print to a terminal: control characters in file names and author fields (which
/// come from untrusted repositories) are escaped, so they cannot forge lines or send escape
/// sequences.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The secret as a report shows it.
pub(crate) fn shown_secret(f: &Finding, opts: &ReportOptions) -> String {
    if opts.redact {
        f.redacted()
    } else {
        f.secret.clone()
    }
}

/// `YYYY-MM-DD` for a Unix time (UTC), without a date crate.
pub fn format_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_format_in_utc() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_700_000_000), "2023-11-14");
        assert_eq!(super::format_date(951_782_400), "2000-02-29");
    }
}
