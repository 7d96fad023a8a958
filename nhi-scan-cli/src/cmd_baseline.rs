//! `nhi-scan baseline create|update`: record the findings a repository already has, so that only
//! new ones block commits and fail CI.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use nhi_scan_core::baseline::{Baseline, DEFAULT_FILE};
use nhi_scan_core::source::fs::{FsConfig, scan_paths};
use nhi_scan_core::source::git::{GitConfig, scan_repository};
use nhi_scan_core::source::{Progress, ScanOutcome};

use crate::project::{ConfigArgs, Project};
use crate::{RuleArgs, parse_size, progress};

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
    let config_args = ConfigArgs {
        config: args.config.clone(),
        baseline: None,
        // Recording a baseline must see the findings the current one suppresses.
        no_baseline: true,
    };
    // A mistyped path must not record an empty baseline.
    std::fs::symlink_metadata(&args.path).with_context(|| format!("{}", args.path.display()))?;
    let project = Project::load(&args.path, &config_args, &args.rules)?;
    let file = args
        .output
        .clone()
        .or_else(|| project.config.baseline.clone())
        .unwrap_or_else(|| project.config.root.join(DEFAULT_FILE));
    if !update && file.exists() && !args.force {
        bail!(
            "{} already exists: use `nhi-scan baseline update` to add new findings, or --force to replace it",
            file.display()
        );
    }
    let outcome = scan(&project, &args)?;
    for e in &outcome.errors {
        eprintln!("nhi-scan: error: {e}");
    }
    let mut findings = outcome.findings;
    // Allowlists and .gitleaksignore still apply: a baseline holds what nobody accepted yet.
    project.suppressor.apply(&mut findings);
    if update && file.exists() {
        let mut baseline = Baseline::load(&file)?;
        let report = baseline.update(&findings, prune);
        baseline.save(&file)?;
        eprintln!(
            "nhi-scan: {}: added {} new finding{}; {} entr{} {}",
            file.display(),
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
                &e.fingerprint[..12],
                e.rule_id,
                e.location
            );
        }
        for e in &report.stale {
            eprintln!(
                "  stale {} {} (was at {})",
                &e.fingerprint[..12],
                e.rule_id,
                e.location
            );
        }
    } else {
        let baseline = Baseline::from_findings(&findings);
        baseline.save(&file)?;
        eprintln!(
            "nhi-scan: wrote {} with {} finding{}",
            file.display(),
            baseline.len(),
            if baseline.len() == 1 { "" } else { "s" }
        );
    }
    Ok(0)
}

fn scan(project: &Project, args: &BaselineArgs) -> Result<ScanOutcome> {
    let progress = Progress::default();
    let show = !args.quiet && io::stderr().is_terminal();
    let max = project.max_file_size(args.max_file_size);
    if args.git {
        let config = GitConfig {
            max_blob_size: max,
            path_filter: project.config.path_filter(),
            ..GitConfig::default()
        };
        let target = args.path.to_string_lossy().into_owned();
        return Ok(progress::with_progress(show, &progress, || {
            scan_repository(&project.scanner, &target, &config, Some(&progress))
        })?);
    }
    let config = FsConfig {
        max_file_size: max,
        path_filter: project.config.path_filter(),
        ..FsConfig::default()
    };
    Ok(progress::with_progress(show, &progress, || {
        scan_paths(
            &project.scanner,
            std::slice::from_ref(&args.path),
            &config,
            Some(&progress),
        )
    }))
}
