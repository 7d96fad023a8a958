//! Reporters: read finished outcomes (or, for JSONL, hits as they arrive) and write them in one
//! format. They never see rules, files or git; redaction is decided here, once, for every
//! format, and every string that came from scanned content is escaped for terminals.

pub mod inventory;
mod json;
mod sarif;
mod text;

use std::io::{self, Write};
use std::path::PathBuf;

use crate::finding::Finding;
use crate::scan::Outcome;

pub use json::JsonlSink;
pub use sarif::file_uri;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// For humans: `path:line:col`, rule, redacted secret, fix hint.
    Text,
    /// One JSON document with findings, skipped inputs, errors and a summary.
    Json,
    /// JSON Lines: one object per line, each with a `type` (`finding`, `skipped`, `error`,
    /// `warning`, `summary`).
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// Settings shared by all reporters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Mask secrets (the default); false prints them whole.
    pub redact: bool,
    /// ANSI colour (text only; the CLI enables it on a terminal).
    pub color: bool,
    /// Tool version recorded in JSON and SARIF.
    pub tool_version: String,
    /// The scan's root, absolute: SARIF artifact URIs are relative to it.
    pub root: Option<PathBuf>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            redact: true,
            color: false,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            root: None,
        }
    }
}

impl ReportOptions {
    /// Whether to mask secrets.
    pub fn redact(mut self, yes: bool) -> Self {
        self.redact = yes;
        self
    }

    /// Whether to colour text output.
    pub fn color(mut self, yes: bool) -> Self {
        self.color = yes;
        self
    }

    /// The root SARIF URIs are relative to.
    pub fn root(mut self, root: Option<PathBuf>) -> Self {
        self.root = root;
        self
    }
}

/// Writes `outcome` in `format`.
pub fn write_report(
    format: Format,
    outcome: &Outcome,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(&outcome.findings, opts, out),
        Format::Json => json::write(outcome, opts, out),
        Format::Jsonl => json::write_lines(outcome, opts, out),
        Format::Sarif => sarif::write(outcome, opts, out),
    }
}

/// A companion value as a report shows it: redacted like the secret, since it can be one too
/// (the Datadog API key next to an application key).
pub(crate) fn shown(value: &crate::finding::Secret, opts: &ReportOptions) -> String {
    if opts.redact {
        value.redacted()
    } else {
        value.expose().to_string()
    }
}

/// Text safe to print to a terminal: control characters (in file names, author fields, rule
/// names from a scanned repository's own configuration, secrets decoded from base64) are
/// escaped, so they cannot forge lines or send escape sequences.
pub fn printable(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Unicode bidirectional controls reorder what a terminal shows ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// The secret as a report shows it.
pub(crate) fn shown_secret(f: &Finding, opts: &ReportOptions) -> String {
    shown(&f.secret, opts)
}

/// `YYYY-MM-DD` for a Unix time (UTC), without a date crate.
pub fn format_date(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 (UTC, seconds) for a Unix time.
pub fn format_time(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Howard Hinnant's civil-from-days algorithm.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// An error and its chain of causes on one line (`a: b: c`).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = c.to_string();
        if !s.ends_with(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_700_000_000), "2023-11-14");
        assert_eq!(format_date(951_782_400), "2000-02-29");
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(printable("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(printable("plain ç"), "plain ç");
    }
}
