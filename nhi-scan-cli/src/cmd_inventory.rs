//! The inventory formats (`--format inventory|html` on scanning commands) and
//! `nhi-scan inventory merge`: flags to the library's inventory stage, then written out.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use nhi_scan_core::report::inventory::{
    HtmlOptions, Inventory, InventoryOptions, SourceFacts, parse_time, write_html,
};
use nhi_scan_core::report::printable;
use nhi_scan_core::{Outcome, Source};

use crate::args::ReportFormat;
use crate::outcome::Output;

/// Flags of the inventory formats.
#[derive(Args, Clone, Default)]
pub(crate) struct InventoryArgs {
    /// Count credential ages to this instant (RFC 3339, e.g. 2025-01-31T00:00:00Z) instead of
    /// now, for reproducible inventories.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub(crate) now: Option<i64>,
    /// Locations listed per credential in the HTML report (the JSON inventory has them all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub(crate) html_max_locations: usize,
}

fn parse_now(s: &str) -> std::result::Result<i64, String> {
    parse_time(s).ok_or_else(|| format!("not an RFC 3339 time: {s:?}"))
}

impl InventoryArgs {
    fn options(&self, redact: bool) -> InventoryOptions {
        let now = self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
        InventoryOptions::new(now).redact(redact)
    }
}

/// What is known about the sources before they run: each path operand (with the repository's
/// `CODEOWNERS`) and each named stream. Git sources report their own facts as they finish.
pub(crate) fn source_facts(sources: &[Source]) -> Vec<SourceFacts> {
    let mut facts = Vec::new();
    for s in sources {
        match s {
            Source::Paths(p) => {
                for operand in &p.paths {
                    facts.push(SourceFacts::files(operand));
                }
            }
            Source::Buffer { name, .. } | Source::Reader { name, .. } => {
                facts.push(SourceFacts::buffer(name));
            }
            _ => {}
        }
    }
    facts
}

/// Builds the inventory of a finished scan and writes it as `format`.
pub(crate) fn write_outcome(
    format: ReportFormat,
    outcome: &Outcome,
    mut facts: Vec<SourceFacts>,
    redact: bool,
    args: &InventoryArgs,
    out: &mut dyn Write,
) -> Result<()> {
    facts.extend(
        outcome
            .repositories
            .iter()
            .cloned()
            .map(SourceFacts::repository),
    );
    let inv = Inventory::build(&outcome.findings, &facts, &args.options(redact));
    write(format, &inv, args, out)
}

/// Builds the inventory of findings read back from a report (no source facts) and writes it.
pub(crate) fn write_findings(
    format: MergeFormat,
    findings: &[nhi_scan_core::Finding],
    redact: bool,
    args: &InventoryArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let inv = Inventory::build(findings, &[], &args.options(redact));
    let format = match format {
        MergeFormat::Inventory => ReportFormat::Inventory,
        MergeFormat::Html => ReportFormat::Html,
    };
    write(format, &inv, args, out)
}

fn write(
    format: ReportFormat,
    inv: &Inventory,
    args: &InventoryArgs,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        ReportFormat::Html => {
            let opts = HtmlOptions::default().max_locations(args.html_max_locations);
            write_html(inv, &opts, out)?;
        }
        _ => inv.to_json(out)?,
    }
    Ok(())
}

#[derive(Subcommand)]
pub(crate) enum InventoryCommand {
    /// Merge inventories produced separately (other repositories, images, machines) into one,
    /// as if one run had scanned all their sources.
    Merge(MergeArgs),
}

/// The formats `inventory merge` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MergeFormat {
    Inventory,
    Html,
}

#[derive(Args)]
pub(crate) struct MergeArgs {
    /// Inventories written by `--format inventory` (or by an earlier merge).
    #[arg(value_name = "INVENTORY", required = true)]
    inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = MergeFormat::Inventory)]
    format: MergeFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep secrets in full when the inputs have them (masked by default).
    #[arg(long)]
    no_redact: bool,
    #[command(flatten)]
    inventory: InventoryArgs,
}

pub(crate) fn run(cmd: InventoryCommand) -> Result<u8> {
    match cmd {
        InventoryCommand::Merge(args) => merge(args),
    }
}

fn merge(args: MergeArgs) -> Result<u8> {
    let mut parts = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", printable(&path.display().to_string())))?;
        let inv =
            Inventory::from_json(&text).with_context(|| printable(&path.display().to_string()))?;
        parts.push(inv);
    }
    let merged = Inventory::merge(parts, &args.inventory.options(!args.no_redact))?;
    let output = Output::new(args.output.as_deref())?;
    {
        let mut w = output.writer()?;
        let format = match args.format {
            MergeFormat::Inventory => ReportFormat::Inventory,
            MergeFormat::Html => ReportFormat::Html,
        };
        write(format, &merged, &args.inventory, &mut w)?;
        w.flush()?;
    }
    output.commit()?;
    // The scanning commands' policy: credentials found, exit 1.
    Ok(if merged.credentials.is_empty() {
        0
    } else {
        crate::outcome::EXIT_FINDINGS
    })
}
