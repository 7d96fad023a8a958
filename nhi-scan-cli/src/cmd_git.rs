//! `nhi-scan git`: flags to a history source, then the common end.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::git::{History, Selection, is_remote_url};
use nhi_scan_core::{Scan, Source};

use crate::args::{ConfigArgs, LimitArgs, OutputArgs, RuleArgs, ValidateArgs};
use crate::outcome;

#[derive(Args)]
pub(crate) struct GitArgs {
    /// Repository: a working tree, a bare repository, or a URL to clone (bare, temporarily).
    #[arg(value_name = "REPO", default_value = ".")]
    repo: String,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    validate: ValidateArgs,
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
    // Configuration lives in the repository scanned; for a URL, where the command runs.
    let root = if is_remote_url(&args.repo) {
        PathBuf::from(".")
    } else {
        PathBuf::from(&args.repo)
    };
    let progress = Arc::new(Progress::default());
    let builder = Scan::builder().root(root);
    let builder = args
        .limits
        .apply(args.rules.apply(args.config.apply(builder)));
    let scan = outcome::build(builder, &args.output.common, &progress)?;
    let source = History::new(args.repo.clone())
        .selection(selection)
        .all_objects(args.all_objects);
    outcome::run(
        &scan,
        vec![Source::from(source)],
        &args.output,
        &args.validate,
        &progress,
        "blobs",
    )
}
