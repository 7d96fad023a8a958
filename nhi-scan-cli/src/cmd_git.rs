//! `nhi-scan git`: flags to a history source, then the common end.

use std::path::PathBuf;
use std::sync::Arc;

use std::io::IsTerminal;

use anyhow::{Result, bail};
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::git::{History, Selection, is_remote_url};
use nhi_scan_core::{Outcome, Scan, Source};

use crate::args::{ReportFormat, ScanFlags};
use crate::{outcome, progress};

#[derive(Args)]
pub(crate) struct GitArgs {
    /// Repositories: working trees, bare repositories, or URLs to clone (bare, temporarily).
    /// Several are scanned one after the other, each with its own configuration, into one
    /// report (the same credential in two repositories is one finding).
    #[arg(value_name = "REPO", default_value = ".")]
    repos: Vec<String>,
    #[command(flatten)]
    flags: ScanFlags,
    /// Only commits reachable from REF (branch, tag or commit).
    #[arg(long, value_name = "REF", conflicts_with_all = ["since", "range"])]
    branch: Option<String>,
    /// Only commits not reachable from REV (what was added since REV, on any ref).
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    since: Option<String>,
    /// Only commits in A..B (reachable from B, not from A).
    #[arg(long, value_name = "A..B")]
    range: Option<String>,
    /// Also scan objects no ref reaches: dangling commits, trees and blobs.
    #[arg(long)]
    all_objects: bool,
}

fn selection(args: &GitArgs) -> Result<Selection> {
    Ok(match (&args.branch, &args.since, &args.range) {
        (Some(b), _, _) => Selection::Branch(b.clone()),
        (_, Some(s), _) => Selection::Since(s.clone()),
        (_, _, Some(r)) => {
            let Some((from, to)) = r.split_once("..") else {
                bail!("--range takes A..B, got {r:?}");
            };
            if from.is_empty() || to.is_empty() || to.starts_with('.') {
                bail!("--range takes A..B (two dots, both sides), got {r:?}");
            }
            Selection::Range {
                from: from.to_string(),
                to: to.to_string(),
            }
        }
        _ => Selection::AllRefs,
    })
}

pub(crate) fn run(args: GitArgs) -> Result<u8> {
    let selection = selection(&args)?;
    let progress = Arc::new(Progress::default());
    // The inventory needs HEAD's tree, .mailmap, CODEOWNERS and the remote of each repository.
    let facts = args.flags.output.format.findings().is_none();
    let scan_of = |repo: &str| -> Result<(Scan, Source)> {
        // Configuration lives in the repository scanned; for a URL, where the command runs.
        let root = if is_remote_url(repo) {
            PathBuf::from(".")
        } else {
            PathBuf::from(repo)
        };
        let builder = Scan::builder().root(root);
        let builder = args.flags.apply(builder);
        let scan = outcome::build(builder, &args.flags.output.common, &progress)?;
        let source = History::new(repo)
            .selection(selection.clone())
            .all_objects(args.all_objects)
            .facts(facts);
        Ok((scan, Source::from(source)))
    };
    if let [repo] = args.repos.as_slice() {
        let (scan, source) = scan_of(repo)?;
        return outcome::run(
            &scan,
            vec![source],
            &args.flags.output,
            &args.flags.validate,
            &progress,
            "blobs",
        );
    }
    if args.flags.output.format == ReportFormat::Jsonl {
        bail!(
            "--format jsonl streams one repository at a time: give one REPO, or use --format json"
        );
    }
    let show = !args.flags.output.common.quiet && std::io::stderr().is_terminal();
    let mut outcomes = Vec::new();
    let mut first = None;
    for repo in &args.repos {
        let (scan, source) = scan_of(repo)?;
        outcomes.push(progress::with_progress(show, &progress, || {
            scan.run(source)
        })?);
        first.get_or_insert(scan);
    }
    let Some(scan) = first else {
        bail!("no repository given");
    };
    let mut merged = Outcome::merge(outcomes);
    outcome::validate(
        &scan,
        &mut merged.findings,
        &args.flags.validate,
        &args.flags.output.common,
    )?;
    outcome::report(&scan, merged, Vec::new(), &args.flags.output, "blobs")
}
