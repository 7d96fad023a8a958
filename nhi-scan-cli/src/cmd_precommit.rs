//! `nhi-scan pre-commit`: scan what is staged, report only what the commit adds, and tell the
//! developer how to get unblocked. Exit 1 blocks the commit.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use nhi_scan_core::baseline::DEFAULT_FILE;
use nhi_scan_core::finding::Finding;
use nhi_scan_core::report::{Format, ReportOptions, write_report};
use nhi_scan_core::source::staged::{StagedConfig, scan_staged};

use crate::project::{ConfigArgs, Project, suppressed_note};
use crate::{ColorArg, EXIT_FINDINGS, FormatArg, RuleArgs, parse_size, summary};

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
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Skip staged files larger than this (bytes, or with K, M, G suffix; 0 for no limit).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// No summary line on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Files (as the pre-commit framework passes them): when given, only these staged files are
    /// scanned.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub(crate) fn run(args: PreCommitArgs) -> Result<u8> {
    // git points hooks at a temporary index for `git commit -a` and `git commit PATH`; a
    // relative path is relative to where the hook started.
    let cwd = std::env::current_dir()?;
    let index_file = std::env::var_os("GIT_INDEX_FILE").map(|p| cwd.join(p));
    let files: Vec<PathBuf> = args.files.iter().map(|f| cwd.join(f)).collect();
    // Work from the repository root, as git does for hooks: staged paths are relative to it.
    let root = nhi_scan_core::config::repository_root(&args.repo);
    std::env::set_current_dir(&root).with_context(|| format!("cannot enter {}", root.display()))?;
    let config_args = ConfigArgs {
        config: args.config.config.as_ref().map(|p| cwd.join(p)),
        baseline: args.config.baseline.as_ref().map(|p| cwd.join(p)),
        no_baseline: args.config.no_baseline,
    };
    let rules = RuleArgs {
        rules: args.rules.rules.iter().map(|p| cwd.join(p)).collect(),
    };
    let project = Project::load(Path::new("."), &config_args, &rules)?;
    let config = StagedConfig {
        all_lines: args.all_lines,
        index_file,
        max_file_size: project.max_file_size(args.max_file_size),
        path_filter: project.config.path_filter(),
        only_paths: files
            .iter()
            .map(|f| project_relative(&project, f))
            .collect(),
    };
    let mut outcome = scan_staged(&project.scanner, Path::new("."), &config)?;
    outcome.stats.errors += project.rule_errors as u64;
    let suppressed = project.suppress(&mut outcome);
    for e in &outcome.errors {
        eprintln!("nhi-scan: error: {e}");
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match args.format {
        FormatArg::Text => write_blocked(&mut out, &outcome.findings, color)?,
        other => {
            let format = match other {
                FormatArg::Json => Format::Json,
                FormatArg::Jsonl => Format::Jsonl,
                _ => Format::Sarif,
            };
            let opts = ReportOptions {
                redact: true,
                color: false,
                ..ReportOptions::default()
            };
            write_report(format, &outcome.findings, &outcome.stats, &opts, &mut out)?;
        }
    }
    out.flush()?;
    if !args.quiet {
        eprintln!(
            "{}{}",
            summary(&outcome, "staged files"),
            suppressed_note(&suppressed)
        );
    }
    let code = if outcome.findings.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    };
    // The process ends right after this: freeing hundreds of parsed rules one by one would add
    // about a millisecond to every commit for nothing.
    std::mem::forget(project);
    Ok(code)
}

fn project_relative(project: &Project, file: &Path) -> String {
    file.strip_prefix(&project.config.root)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
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
                paint("1", &nhi_scan_core::report::printable(&l.origin.path())),
                l.line,
                l.column,
                paint("31;1", &f.rule_name),
                paint("2", &format!("[{}]", f.rule_id)),
                paint("33", &f.redacted()),
            )?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {fix}")?;
        }
        writeln!(
            out,
            "    to proceed: remove it; rotate it if it was ever pushed; if it is a known fake, end the line with `nhi-scan:allow {}`; or accept it with `nhi-scan baseline update`",
            f.rule_id
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
