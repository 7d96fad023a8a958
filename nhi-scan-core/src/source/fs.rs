//! Files on disk: a parallel walk (the `ignore` crate, honouring `.gitignore`) where each walker
//! thread owns a blob worker that reads a file into its reused buffer and scans it in place, so
//! bytes are read once and never cross a channel; only results do.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

use ignore::{WalkBuilder, WalkState};

use super::blob::{BlobWorker, Emit, Event, LazyOrigin, Shared};
use super::paths::{join_relative, relative_to};
use super::{BoxError, ScanStats, SkipReason, Skipped, SourceError};
use crate::finding::Origin;
use crate::scan::{Pipeline, Scan, ScanError};

/// Files and directories to scan, and how to walk them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Paths {
    /// Files or directories.
    pub paths: Vec<PathBuf>,
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude` (default true).
    pub respect_ignore: bool,
    /// Follow symbolic links (default false; loops are detected and reported).
    pub follow_symlinks: bool,
}

impl Paths {
    /// These paths, walked with the defaults.
    pub fn new<I, P>(paths: I) -> Paths
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        Paths {
            paths: paths.into_iter().map(Into::into).collect(),
            respect_ignore: true,
            follow_symlinks: false,
        }
    }

    /// Whether to honour ignore files.
    pub fn respect_ignore(mut self, yes: bool) -> Self {
        self.respect_ignore = yes;
        self
    }

    /// Whether to follow symbolic links.
    pub fn follow_symlinks(mut self, yes: bool) -> Self {
        self.follow_symlinks = yes;
        self
    }
}

/// Each operand as given, and its path relative to the scan's root (`None` outside it).
struct Operands(Vec<(PathBuf, Option<String>)>);

impl Operands {
    fn new(paths: &[PathBuf], root: &Path) -> Operands {
        Operands(
            paths
                .iter()
                .map(|p| {
                    let rel = std::fs::canonicalize(p)
                        .ok()
                        .and_then(|abs| relative_to(root, &abs));
                    (p.clone(), rel)
                })
                .collect(),
        )
    }

    /// A walked path relative to the root, from the operand it was found under.
    fn relative(&self, path: &Path) -> Option<String> {
        let (operand, base) = self
            .0
            .iter()
            .filter(|(o, _)| path.starts_with(o))
            .max_by_key(|(o, _)| o.as_os_str().len())?;
        let rest = path.strip_prefix(operand).ok()?;
        Some(join_relative(base.as_deref()?, rest))
    }
}

/// Walks the paths in parallel and scans every file.
pub(crate) fn run(
    scan: &Scan,
    source: &Paths,
    shared: &Shared<'_>,
    pipeline: &mut Pipeline<'_>,
) -> Result<ScanStats, ScanError> {
    for p in &source.paths {
        std::fs::symlink_metadata(p).map_err(|e| ScanError::Operand {
            path: p.clone(),
            source: e,
        })?;
    }
    let Some((first, rest)) = source.paths.split_first() else {
        return Ok(ScanStats::default());
    };
    let operands = Operands::new(&source.paths, scan.root());
    let filter = scan.path_filter.as_ref();
    let mut builder = WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    let ops = &operands;
    builder
        .hidden(false)
        .parents(source.respect_ignore)
        .ignore(source.respect_ignore)
        .git_ignore(source.respect_ignore)
        .git_exclude(source.respect_ignore)
        .git_global(false)
        .require_git(false)
        .follow_links(source.follow_symlinks)
        .threads(scan.threads());
    let totals = Mutex::new(ScanStats::default());
    let (tx, rx) = sync_channel::<Event>(256);
    let walk_filter = filter.cloned();
    let dir_ops = Operands(operands.0.clone());
    let dir_tx = tx.clone();
    builder.filter_entry(move |e| {
        // History is the git source's job: of a .git directory only `config` is read, where
        // remotes with tokens in their URLs and `http.extraheader` credentials live.
        // Allowlisted directories are not descended into, and are named as skipped.
        let in_git_dir =
            e.depth() > 0 && e.path().parent().and_then(Path::file_name) == Some(".git".as_ref());
        if !e.file_type().is_some_and(|t| t.is_dir()) {
            return !in_git_dir || e.file_name() == "config";
        }
        if in_git_dir {
            return false;
        }
        let Some(f) = &walk_filter else { return true };
        if e.depth() == 0 {
            return true;
        }
        let Some(rel) = dir_ops.relative(e.path()) else {
            return true;
        };
        if !f.matches(&rel) {
            return true;
        }
        let origin = Origin::File {
            path: e.path().to_owned(),
            relative: Some(rel),
        };
        let skip = Skipped::new(std::sync::Arc::new(origin), SkipReason::PathAllowed, None);
        let _ = dir_tx.send(Event::Skipped(skip));
        false
    });
    std::thread::scope(|s| {
        let totals = &totals;
        s.spawn(move || {
            builder.build_parallel().run(|| {
                let mut w = Walker {
                    worker: BlobWorker::new(shared),
                    tx: tx.clone(),
                    operands: ops,
                    filter,
                    totals,
                };
                Box::new(move |entry| {
                    if w.worker.stopped() {
                        return WalkState::Quit;
                    }
                    w.entry(entry);
                    WalkState::Continue
                })
            });
            drop(tx);
        });
        pipeline.drain(rx);
    });
    Ok(totals.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// One walker thread's state; adds its counters to the totals when the walk drops it.
struct Walker<'a> {
    worker: BlobWorker<'a>,
    tx: std::sync::mpsc::SyncSender<Event>,
    operands: &'a Operands,
    filter: Option<&'a super::paths::PathFilter>,
    totals: &'a Mutex<ScanStats>,
}

impl Drop for Walker<'_> {
    fn drop(&mut self) {
        let mut t = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        t.absorb(&self.worker.stats);
    }
}

impl Walker<'_> {
    fn entry(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => return self.walk_error(err),
        };
        // Only standard input has no file type, and `-` is not a path here.
        let Some(ft) = entry.file_type() else { return };
        if ft.is_dir() {
            return;
        }
        let path = entry.path();
        let operands = self.operands;
        let mut make = || Origin::File {
            path: path.to_owned(),
            relative: operands.relative(path),
        };
        let mut origin = LazyOrigin::new(&mut make);
        let reason = if ft.is_symlink() {
            // Reached only when links are not followed.
            Some(SkipReason::Symlink)
        } else if !ft.is_file() {
            Some(SkipReason::NotRegularFile)
        } else if let Some(f) = self.filter
            && operands.relative(path).is_some_and(|rel| f.matches(&rel))
        {
            Some(SkipReason::PathAllowed)
        } else {
            None
        };
        match reason {
            Some(r) => self
                .tx
                .emit(Event::Skipped(Skipped::new(origin.get(), r, None))),
            None => self.worker.file(path, &mut origin, &mut self.tx),
        }
    }

    fn walk_error(&mut self, err: ignore::Error) {
        let path = walk_error_path(&err).unwrap_or_default();
        // The path is ours to print; keep the error under it, with its own chain.
        let mut inner = err;
        while let ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } = inner
        {
            inner = *err;
        }
        let source: BoxError = match inner {
            ignore::Error::Io(io) => Box::new(io),
            other => Box::new(other),
        };
        self.tx
            .emit(Event::Error(SourceError::Walk { path, source }));
    }
}

fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(walk_error_path),
        _ => None,
    }
}
