//! `nhi-scan git`: flags to [`GitConfig`], then the library's history scan.

use std::io::{self, IsTerminal};

use anyhow::{Result, bail};
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::git::{GitConfig, Selection, is_remote_url, scan_repository};

use crate::project::{ConfigArgs, Project};
use crate::{OutputArgs, RuleArgs, parse_size, progress};

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
    /// Skip blobs larger than this (bytes, or with K, M, G suffix; 0 for no limit). Default:
    /// the configuration's `max_file_size`, else 64M.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
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
    // Configuration lives in the repository scanned; for a URL, where the command runs.
    let start = if is_remote_url(&args.repo) {
        ".".into()
    } else {
        std::path::PathBuf::from(&args.repo)
    };
    let project = Project::load(&start, &args.config, &args.rules)?;
    let scanner = &project.scanner;
    let rule_errors = project.rule_errors;
    let config = GitConfig {
        selection: selection(&args)?,
        all_objects: args.all_objects,
        max_blob_size: project.max_file_size(args.max_file_size),
        threads: args.threads,
        path_filter: project.config.path_filter(),
    };
    let out = &args.output;
    let progress = Progress::default();
    let show = !out.quiet && io::stderr().is_terminal();
    let outcome = progress::with_progress(show, &progress, || {
        scan_repository(scanner, &args.repo, &config, Some(&progress))
    })?;
    crate::report_outcome(out, &project, outcome, rule_errors, "blobs")
}
