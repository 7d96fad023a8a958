//! `nhi-scan baseline create|update`: record the findings a repository already has, so that only
//! new ones block commits and fail CI.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use nhi_scan_core::config::parse_size;
use nhi_scan_core::report::{error_chain, printable};
use nhi_scan_core::source::Progress;
use nhi_scan_core::suppress::Baseline;
use nhi_scan_core::suppress::baseline::DEFAULT_FILE;
use nhi_scan_core::{BaselineSource, ConfigSource, Scan, Source};

use crate::args::RuleArgs;
use crate::outcome::EXIT_ERROR;
use crate::progress;

#[derive(Subcommand)]
pub(crate) enum BaselineCommand {
    /// Scan PATH and write every finding into a new baseline file.
    Create(BaselineArgs),
    /// Scan PATH, add findings the baseline does not know yet, and list entries no longer found.
    Update {
        #[command(flatten)]
        args: BaselineArgs,
        /// Also remove the entries that are no longer found.
        #[arg(long)]
        prune: bool,
    },
}

#[derive(Args)]
pub(crate) struct BaselineArgs {
    /// Directory to scan (default: the current directory), or the repository with --git.
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,
    /// Baseline file to write. Default: the configuration's `baseline`, else
    /// `.nhi-scan-baseline.json` at the repository root.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Record the findings of the whole git history instead of the files on disk.
    #[arg(long)]
    git: bool,
    /// Overwrite an existing baseline (create only).
    #[arg(long)]
    force: bool,
    /// Configuration file (default: the one at the repository root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    /// Skip files larger than this (bytes, or with K, M, G suffix; 0 for no limit).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

pub(crate) fn run(cmd: BaselineCommand) -> Result<u8> {
    let (args, update, prune) = match cmd {
        BaselineCommand::Create(a) => (a, false, false),
        BaselineCommand::Update { args, prune } => (args, true, prune),
    };
    // A mistyped path must not record an empty baseline.
    std::fs::symlink_metadata(&args.path).with_context(|| format!("{}", args.path.display()))?;
    let mut builder = Scan::builder()
        .root(&args.path)
        // Recording a baseline must see the findings the current one suppresses; allowlists
        // and .gitleaksignore still apply: a baseline holds what nobody accepted yet.
        .baseline(BaselineSource::None);
    if let Some(c) = &args.config {
        builder = builder.config(ConfigSource::File(c.clone()));
    }
    if let Some(m) = args.max_file_size {
        builder = builder.max_file_size((m > 0).then_some(m));
    }
    let builder = args.rules.apply(builder);
    let progress = Arc::new(Progress::default());
    let scan = builder
        .progress(Arc::clone(&progress))
        .cancel_flag(crate::interrupt::flag())
        .build()?;
    for w in scan.warnings() {
        eprintln!("nhi-scan: warning: {}", printable(w));
    }
    for e in scan.rule_errors() {
        eprintln!("nhi-scan: error: {}", printable(&error_chain(e)));
    }
    let file = args
        .output
        .clone()
        .or_else(|| scan.config().baseline.clone())
        .unwrap_or_else(|| scan.config().root.join(DEFAULT_FILE));
    if !update && file.exists() && !args.force {
        bail!(
            "{} already exists: use `nhi-scan baseline update` to add new findings, or --force to replace it",
            file.display()
        );
    }
    let source = if args.git {
        Source::git(args.path.to_string_lossy().into_owned())
    } else {
        Source::paths([args.path.clone()])
    };
    let show = !args.quiet && io::stderr().is_terminal();
    let outcome = progress::with_progress(show, &progress, || scan.run(source))?;
    for e in &outcome.errors {
        eprintln!("nhi-scan: error: {}", printable(&error_chain(e)));
    }
    let findings = outcome.findings;
    let short = |fp: &str| printable(fp.get(..12).unwrap_or(fp));
    if update && file.exists() {
        let mut baseline = Baseline::load(&file)?;
        let report = baseline.update(&findings, prune);
        crate::interrupt::check()?;
        baseline.save(&file)?;
        eprintln!(
            "nhi-scan: {}: added {} new finding{}; {} entr{} {}",
            printable(&file.display().to_string()),
            report.added.len(),
            if report.added.len() == 1 { "" } else { "s" },
            report.stale.len(),
            if report.stale.len() == 1 { "y" } else { "ies" },
            if prune {
                "no longer found, removed"
            } else {
                "no longer found (remove them with --prune)"
            },
        );
        for e in &report.added {
            eprintln!(
                "  added {} {} at {}",
                short(&e.fingerprint),
                printable(&e.rule_id),
                printable(&e.location)
            );
        }
        for e in &report.stale {
            eprintln!(
                "  stale {} {} (was at {})",
                short(&e.fingerprint),
                printable(&e.rule_id),
                printable(&e.location)
            );
        }
    } else {
        let baseline = Baseline::from_findings(&findings);
        crate::interrupt::check()?;
        baseline.save(&file)?;
        eprintln!(
            "nhi-scan: wrote {} with {} finding{}",
            printable(&file.display().to_string()),
            baseline.len(),
            if baseline.len() == 1 { "" } else { "s" }
        );
    }
    // A baseline recorded from a scan that could not read everything is missing entries.
    Ok(if outcome.errors.is_empty() {
        0
    } else {
        EXIT_ERROR
    })
}
