//! Flag groups shared by the scanning commands, and their translation into library settings.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use nhi_scan_core::config::parse_size;
use nhi_scan_core::{BaselineSource, ConfigSource, ScanBuilder};

#[derive(Args, Clone, Default)]
pub(crate) struct RuleArgs {
    /// Add rules from a TOML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub(crate) rules: Vec<PathBuf>,
}

#[derive(Args, Clone, Default)]
pub(crate) struct ConfigArgs {
    /// Configuration file (`.nhi-scan.toml` or a gitleaks `.gitleaks.toml`). Default: the one at
    /// the repository root, if any.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Use no configuration, `.gitleaksignore` or baseline found in the scanned tree (for trees
    /// you do not trust: their configuration could disable rules or allowlist every path).
    #[arg(long)]
    pub(crate) no_config: bool,
    /// Suppress findings whose fingerprint is in this baseline file. Default: the
    /// configuration's, or `.nhi-scan-baseline.json` at the repository root when it exists.
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub(crate) baseline: Option<PathBuf>,
    /// Ignore any baseline.
    #[arg(long)]
    pub(crate) no_baseline: bool,
}

#[derive(Args, Clone, Default)]
pub(crate) struct LimitArgs {
    /// Skip inputs larger than this (bytes, or with K, M, G suffix; 0 for no limit). Default:
    /// the configuration's `max_file_size`, else no limit (large inputs stream in bounded memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) max_file_size: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub(crate) threads: usize,
}

/// How archives (zip, jar, war, whl, nupkg, tar, gz, zst, bz2, xz) are opened.
#[derive(Args, Clone)]
pub(crate) struct ArchiveArgs {
    /// Open archives nested up to this many levels (a jar in a war in a tar is 3).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        conflicts_with = "no_archives"
    )]
    pub(crate) archive_depth: u32,
    /// Do not open archives (they are skipped as binary).
    #[arg(long)]
    pub(crate) no_archives: bool,
}

impl ArchiveArgs {
    pub(crate) fn apply(&self, b: ScanBuilder) -> ScanBuilder {
        if self.no_archives || self.archive_depth == 0 {
            return b.archives(None);
        }
        b.archives(Some(nhi_scan_core::source::archive::Limits {
            max_depth: self.archive_depth,
            ..Default::default()
        }))
    }
}

#[derive(Args, Clone)]
pub(crate) struct OutputArgs {
    /// Output format: a findings report, or the NHI inventory (`inventory`: JSON, one entry
    /// per credential with owner, age, exposure and risk; `html`: the same as one
    /// self-contained page).
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
    /// Write the report to FILE (written to a temporary file beside it and renamed when
    /// complete) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Print secrets in full (they are masked by default).
    #[arg(long)]
    pub(crate) no_redact: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    #[command(flatten)]
    pub(crate) inventory: crate::cmd_inventory::InventoryArgs,
}

/// What every scanning command takes about its messages and exit status.
#[derive(Args, Clone)]
pub(crate) struct CommonArgs {
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
    /// No progress bar, no configuration note and no summary on standard error.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// List every skipped input and error on standard error (default: the first few).
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    /// Exit 0 rather than 2 when nothing was found but some inputs could not be scanned.
    #[arg(long)]
    pub(crate) ignore_errors: bool,
}

/// Live validation with the providers (off by default).
#[derive(Args, Clone, Default)]
pub(crate) struct ValidateArgs {
    /// Ask each credential's provider whether it is live and whose it is (one read-only request
    /// per distinct credential, to the rule's fixed provider host).
    #[arg(long)]
    pub(crate) validate: bool,
    /// Report only credentials the provider accepted (implies --validate).
    #[arg(long)]
    pub(crate) only_valid: bool,
    /// Checks in flight at once (default: the configuration's, else 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub(crate) validate_concurrency: Option<u64>,
    /// Also connect to databases named by URIs in the scanned content and authenticate
    /// (PostgreSQL, MySQL/MariaDB, Redis, MongoDB); implies --validate.
    #[arg(long)]
    pub(crate) validate_db: bool,
}

impl ValidateArgs {
    /// Whether validation runs.
    pub(crate) fn on(&self) -> bool {
        self.validate || self.only_valid || self.validate_db
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    Text,
    Json,
    Jsonl,
    Sarif,
}

/// The formats of the scanning commands: the findings reports plus the inventory.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    Jsonl,
    Sarif,
    /// The NHI inventory as JSON.
    Inventory,
    /// The NHI inventory as one self-contained HTML page.
    Html,
}

impl ReportFormat {
    /// The findings report format, or `None` for the inventory formats.
    pub(crate) fn findings(self) -> Option<FormatArg> {
        match self {
            ReportFormat::Text => Some(FormatArg::Text),
            ReportFormat::Json => Some(FormatArg::Json),
            ReportFormat::Jsonl => Some(FormatArg::Jsonl),
            ReportFormat::Sarif => Some(FormatArg::Sarif),
            ReportFormat::Inventory | ReportFormat::Html => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ConfigArgs {
    /// Applies these flags to a builder.
    pub(crate) fn apply(&self, mut b: ScanBuilder) -> ScanBuilder {
        if self.no_config {
            b = b.config(ConfigSource::None);
        } else if let Some(c) = &self.config {
            b = b.config(ConfigSource::File(c.clone()));
        }
        if self.no_baseline {
            b = b.baseline(BaselineSource::None);
        } else if let Some(f) = &self.baseline {
            b = b.baseline(BaselineSource::File(f.clone()));
        }
        b
    }
}

impl RuleArgs {
    pub(crate) fn apply(&self, mut b: ScanBuilder) -> ScanBuilder {
        for r in &self.rules {
            b = b.rules_path(r.clone());
        }
        b
    }
}

impl LimitArgs {
    pub(crate) fn apply(&self, mut b: ScanBuilder) -> ScanBuilder {
        if let Some(m) = self.max_file_size {
            b = b.max_file_size((m > 0).then_some(m));
        }
        b.threads(self.threads)
    }
}

/// The flag groups of every command that scans a source into a report (`scan`, `git`, `image`).
#[derive(Args)]
pub(crate) struct ScanFlags {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    #[command(flatten)]
    pub(crate) config: ConfigArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
    #[command(flatten)]
    pub(crate) archives: ArchiveArgs,
    #[command(flatten)]
    pub(crate) validate: ValidateArgs,
}

impl ScanFlags {
    /// The scan these flags describe, on top of `b` (which names the root).
    pub(crate) fn apply(&self, b: ScanBuilder) -> ScanBuilder {
        self.archives
            .apply(self.limits.apply(self.rules.apply(self.config.apply(b))))
    }
}
