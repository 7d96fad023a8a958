//! `nhi-scan pre-commit`: scan what is staged, report only what the commit adds, and tell the
//! developer how to get unblocked. Exit 1 blocks the commit.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use nhi_scan_core::finding::Finding;
use nhi_scan_core::report::{ReportOptions, printable, write_report};
use nhi_scan_core::source::Progress;
use nhi_scan_core::source::staged::Staged;
use nhi_scan_core::suppress::baseline::DEFAULT_FILE;
use nhi_scan_core::{Scan, Source};

use crate::args::{CommonArgs, ConfigArgs, FormatArg, LimitArgs, RuleArgs, ValidateArgs};
use crate::outcome::{self, Output};

#[derive(Args)]
pub(crate) struct PreCommitArgs {
    /// Report findings on every line of the staged files, not only on added or changed lines.
    #[arg(long)]
    all_lines: bool,
    /// Repository (default: the one containing the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format. Secrets are always masked.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    validate: ValidateArgs,
    /// Files (as the pre-commit framework passes them): when given, only these staged files are
    /// scanned. Each must exist.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub(crate) fn run(args: PreCommitArgs) -> Result<u8> {
    let progress = Arc::new(Progress::default());
    let builder = Scan::builder().root(&args.repo);
    let builder = args
        .limits
        .apply(args.rules.apply(args.config.apply(builder)));
    let scan = outcome::build(builder, &args.common, &progress)?;
    // git points hooks at a temporary index for `git commit -a` and `git commit PATH`; the
    // path is relative to where the hook runs, which is where the file system resolves it.
    let index_file = std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from);
    let source = Staged::new(&args.repo)
        .all_lines(args.all_lines)
        .index_file(index_file)
        .only(args.files.clone());
    let mut result = scan.run(Source::from(source))?;
    outcome::validate(&scan, &mut result.findings, &args.validate, &args.common)?;
    let output = Output::new(None)?;
    let written = (|| -> Result<()> {
        let mut out = output.writer()?;
        match args.format {
            FormatArg::Text => write_blocked(
                &mut out,
                &result.findings,
                outcome::color(args.common.color, true),
            )?,
            other => {
                let opts = ReportOptions::default().redact(true);
                write_report(outcome::format(other), &result, &opts, &mut out)?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    let code = outcome::finish(&result, &args.common, "staged files", written, output)?;
    // The process ends right after this: freeing hundreds of parsed rules one by one would add
    // about a millisecond to every commit for nothing.
    std::mem::forget(scan);
    Ok(code)
}

/// The text report: each finding with a masked secret and what to do about it.
fn write_blocked(out: &mut dyn Write, findings: &[Finding], color: bool) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let n = findings.len();
    writeln!(
        out,
        "{} {n} secret{} in the staged changes; the commit is blocked.\n",
        paint("31;1", "nhi-scan:"),
        if n == 1 { "" } else { "s" },
    )?;
    for f in findings {
        for l in &f.locations {
            writeln!(
                out,
                "  {}:{}:{}: {} {} {}",
                paint("1", &printable(&l.origin.path())),
                l.line,
                l.column,
                paint("31;1", &printable(&f.rule_name)),
                paint("2", &format!("[{}]", printable(&f.rule_id))),
                paint("33", &printable(&f.redacted())),
            )?;
        }
        if let Some(v) = &f.validation {
            let status = format!("{:?}", v.status).to_lowercase();
            let detail = v
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            writeln!(out, "    validation: {status}{}", printable(&detail))?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {}", printable(fix))?;
        }
        writeln!(
            out,
            "    to proceed: remove it; rotate it if it was ever pushed; if it is a known fake, end the line with `nhi-scan:allow {}`; or accept it with `nhi-scan baseline update`",
            printable(&f.rule_id)
        )?;
        writeln!(out, "    fingerprint: {}\n", f.fingerprint)?;
    }
    writeln!(out, "How to proceed, for each finding:")?;
    writeln!(
        out,
        "  1. Remove it from the file (load it from the environment or a secret manager instead), then `git add` the file again."
    )?;
    writeln!(
        out,
        "  2. If it was ever pushed, shared or used, rotate it now: removing it from this commit does not revoke it."
    )?;
    writeln!(
        out,
        "  3. If it is a known fake (a test fixture, a documented example), mark the line with a comment: `nhi-scan:allow <rule-id>` (or `nhi-scan:allow-next-line` on the line above)."
    )?;
    writeln!(
        out,
        "  4. To accept it as known, add it to the baseline: `nhi-scan baseline update`, then `git add {DEFAULT_FILE}`."
    )?;
    Ok(())
}
