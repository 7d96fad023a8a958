//! `nhi-scan validate REPORT`: re-validates the findings of an earlier JSON or JSONL report
//! (written with `--no-redact`) without rescanning, and writes the report again with fresh
//! verdicts, in the same format. The work is the library's ([`Validator::revalidate`]); this
//! reads the file, builds the validator as a scan would, and writes the result.
//!
//! [`Validator::revalidate`]: nhi_scan_core::validate::Validator::revalidate

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;

use nhi_scan_core::Scan;
use nhi_scan_core::source::Progress;
use nhi_scan_core::validate::{Report, RevalidateOptions};

use crate::args::{CommonArgs, ConfigArgs, RuleArgs};
use crate::outcome::{self, EXIT_FINDINGS, Output};

#[derive(Args)]
pub(crate) struct ValidateCmdArgs {
    /// A JSON or JSON Lines report written by `nhi-scan ... --format json|jsonl --no-redact`.
    #[arg(value_name = "REPORT")]
    report: PathBuf,
    /// Write the updated report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep secrets in full in the updated report (masked by default).
    #[arg(long)]
    no_redact: bool,
    /// Keep only credentials the provider accepted.
    #[arg(long)]
    only_valid: bool,
    /// Checks in flight at once (default: the configuration's, else 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    validate_concurrency: Option<u64>,
    /// Also connect to databases named by URIs in the report and authenticate.
    #[arg(long)]
    validate_db: bool,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// Write the NHI inventory of the validated credentials instead of the report
    /// (`inventory`: JSON; `html`: one self-contained page). A report does not carry HEAD's
    /// tree, .mailmap or CODEOWNERS: for those, run `git --validate --format inventory`.
    #[arg(long, short = 'f', value_enum)]
    format: Option<crate::cmd_inventory::MergeFormat>,
    #[command(flatten)]
    inventory: crate::cmd_inventory::InventoryArgs,
}

pub(crate) fn run(args: ValidateCmdArgs) -> Result<u8> {
    let path = args.report.display().to_string();
    let text =
        std::fs::read_to_string(&args.report).with_context(|| format!("cannot read {path}"))?;
    let mut report = Report::parse(&text).with_context(|| path.clone())?;
    // Rules (for their validators) and `[validate]` settings, as a scan here would load them.
    let progress = Arc::new(Progress::default());
    let builder = args
        .rules
        .apply(args.config.apply(Scan::builder().root(".")));
    let scan = outcome::build(builder, &args.common, &progress)?;
    let validator = outcome::validator(
        &scan,
        args.validate_concurrency,
        args.validate_db,
        &args.common,
    )?;
    let inventory = args.format.is_some();
    let opts = RevalidateOptions {
        only_valid: args.only_valid,
        // The inventory writer masks by itself.
        keep_secrets: args.no_redact || inventory,
    };
    let done = validator
        .revalidate(&mut report, opts)
        .with_context(|| path.clone())?;
    let output = Output::new(args.output.as_deref())?;
    if let Some(format) = args.format {
        let kept: Vec<serde_json::Value> = report.findings().into_iter().cloned().collect();
        let findings = nhi_scan_core::report::inventory::findings_from_report(&kept)
            .with_context(|| path.clone())?;
        {
            let mut w = output.writer()?;
            crate::cmd_inventory::write_findings(
                format,
                &findings,
                !args.no_redact,
                &args.inventory,
                &mut w,
            )?;
            w.flush()?;
        }
        output.commit()?;
        return Ok(if findings.is_empty() {
            0
        } else {
            EXIT_FINDINGS
        });
    }
    {
        let mut w = output.writer()?;
        report.write_to(&mut w)?;
        w.flush()?;
    }
    output.commit()?;
    if !args.common.quiet {
        eprintln!(
            "nhi-scan: validated {} credentials from {path}: {} valid, {} invalid, {} unknown",
            done.checked, done.summary.valid, done.summary.invalid, done.summary.unknown
        );
    }
    Ok(if done.remaining > 0 { EXIT_FINDINGS } else { 0 })
}
