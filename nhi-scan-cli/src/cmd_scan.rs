//! `nhi-scan scan`: files, directories and standard input.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::fs::Paths;
use nhi_scan_core::{Scan, Source};

use crate::args::ScanFlags;
use crate::outcome;

#[derive(Args)]
pub(crate) struct ScanArgs {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    flags: ScanFlags,
    /// Scan files that .gitignore / .ignore exclude too.
    #[arg(long)]
    no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long, short = 'L')]
    follow_symlinks: bool,
}

pub(crate) fn run(args: ScanArgs) -> Result<u8> {
    let progress = Arc::new(Progress::default());
    let builder = Scan::builder().root(root(&args.paths));
    let builder = args.flags.apply(builder);
    let scan = outcome::build(builder, &args.flags.output.common, &progress)?;
    let (stdin, paths): (Vec<_>, Vec<_>) =
        args.paths.into_iter().partition(|p| p.as_os_str() == "-");
    let mut sources = Vec::new();
    if !paths.is_empty() {
        sources.push(Source::from(
            Paths::new(paths)
                .respect_ignore(!args.no_ignore)
                .follow_symlinks(args.follow_symlinks),
        ));
    }
    if !stdin.is_empty() {
        sources.push(Source::reader("<stdin>", std::io::stdin()));
    }
    outcome::run(
        &scan,
        sources,
        &args.flags.output,
        &args.flags.validate,
        &progress,
        "files",
    )
}

/// Where the configuration is looked for: the first directory given (or the parent of the
/// first file), else `.`.
fn root(paths: &[PathBuf]) -> PathBuf {
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
