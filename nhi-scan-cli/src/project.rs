//! What every scanning command shares: find and load the configuration, build the scanner from
//! the rules it asks for, and drop the findings it (or the baseline) accepts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use nhi_scan_core::Scanner;
use nhi_scan_core::baseline::Baseline;
use nhi_scan_core::config::{Config, Suppressed, Suppressor};
use nhi_scan_core::source::ScanOutcome;

use crate::{RuleArgs, report_rule_errors};

#[derive(Args, Clone, Default)]
pub(crate) struct ConfigArgs {
    /// Configuration file (`.nhi-scan.toml` or a gitleaks `.gitleaks.toml`). Default: the one at
    /// the repository root, if any.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Suppress findings whose fingerprint is in this baseline file. Default: the
    /// configuration's, or `.nhi-scan-baseline.json` at the repository root when it exists.
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub(crate) baseline: Option<PathBuf>,
    /// Ignore any baseline.
    #[arg(long)]
    pub(crate) no_baseline: bool,
}

/// A configuration turned into a scanner and a post-scan filter.
pub(crate) struct Project {
    pub(crate) config: Config,
    pub(crate) scanner: Scanner,
    /// Broken rules (counted as errors in the summary).
    pub(crate) rule_errors: usize,
    pub(crate) suppressor: Suppressor,
}

impl Project {
    /// Loads the configuration found from `start`, prints its warnings and rule errors.
    pub(crate) fn load(start: &Path, args: &ConfigArgs, rules: &RuleArgs) -> Result<Project> {
        let config = Config::discover(start, args.config.as_deref())?;
        for w in &config.warnings {
            eprintln!("nhi-scan: warning: {w}");
        }
        // A rule path that does not exist is a usage error (a typo must not pass CI green);
        // a rule file that exists but holds broken rules is reported and the scan goes on.
        for p in &rules.rules {
            std::fs::metadata(p).with_context(|| format!("--rules {}", p.display()))?;
        }
        let loaded = config.load_rules(&rules.rules);
        let (scanner, compile_errors) = Scanner::new(loaded.rules);
        report_rule_errors(&loaded.errors);
        report_rule_errors(&compile_errors);
        let rule_errors = loaded.errors.len() + compile_errors.len();
        if scanner.rule_count() == 0 {
            bail!("no usable rules");
        }
        let known: Vec<&str> = (0..scanner.rule_count())
            .map(|i| scanner.rule(i).rule.id.as_str())
            .collect();
        if let Some(file) = &config.file {
            for (id, near) in config.unknown_rule_ids(&known) {
                let hint = near
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                eprintln!(
                    "nhi-scan: warning: {}: no rule has id `{id}`{hint}",
                    file.display()
                );
            }
        }
        let mut config_without_baseline = config.clone();
        if args.no_baseline || args.baseline.is_some() {
            config_without_baseline.baseline = None;
        }
        let mut suppressor = config_without_baseline
            .suppressor(&known)
            .context("cannot load the configured baseline")?;
        if let Some(b) = &args.baseline {
            suppressor.set_baseline(Some(Baseline::load(b)?));
        }
        Ok(Project {
            config,
            scanner,
            rule_errors,
            suppressor,
        })
    }

    /// Drops accepted findings.
    pub(crate) fn suppress(&self, outcome: &mut ScanOutcome) -> Suppressed {
        self.suppressor.apply(&mut outcome.findings)
    }

    /// Effective size cap: the flag, else the configuration, else 64 MiB; 0 means none.
    pub(crate) fn max_file_size(&self, flag: Option<u64>) -> Option<u64> {
        match flag.or(self.config.max_file_size).unwrap_or(64 << 20) {
            0 => None,
            n => Some(n),
        }
    }
}

/// `; 3 suppressed (baseline 2, allowlist 1)`, or nothing.
pub(crate) fn suppressed_note(s: &Suppressed) -> String {
    if s.total() == 0 {
        return String::new();
    }
    let mut parts = Vec::new();
    if s.baseline > 0 {
        parts.push(format!("baseline {}", s.baseline));
    }
    if s.allowlist > 0 {
        parts.push(format!("allowlist {}", s.allowlist));
    }
    if s.ignored > 0 {
        parts.push(format!(".gitleaksignore {}", s.ignored));
    }
    format!("; {} suppressed ({})", s.total(), parts.join(", "))
}

/// Where configuration is looked for when scanning `paths`: the first directory given (or the
/// parent of the first file), else the working directory.
pub(crate) fn start_dir(paths: &[PathBuf]) -> PathBuf {
    paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."))
            }
        })
        .unwrap_or_else(|| PathBuf::from("."))
}
