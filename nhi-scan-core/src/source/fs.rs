//! Files on disk: a parallel walk (the `ignore` crate, honouring .gitignore) where each walker
//! thread reads a file into its own reused buffer and scans it in place, so bytes are read once
//! and never cross a channel.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};

use super::{Progress, ScanOutcome, ScanStats, SkipReason, SourceError};
use crate::config::PathFilter;
use crate::engine::{Match, Scanner, Scratch};
use crate::finding::{Collector, Origin};

/// Files larger than this are memory-mapped instead of read into the reusable buffer.
const MMAP_THRESHOLD: u64 = 16 * 1024 * 1024;
/// A NUL byte within this many leading bytes marks a file as binary.
const BINARY_PROBE: usize = 8 * 1024;

/// How to walk and read files.
#[derive(Debug, Clone)]
pub struct FsConfig {
    /// Files larger than this many bytes are skipped (`None`: no cap).
    pub max_file_size: Option<u64>,
    /// Honour .gitignore, .ignore and .git/info/exclude.
    pub respect_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Paths the configuration allowlists: neither read nor scanned.
    pub path_filter: Option<PathFilter>,
}

impl Default for FsConfig {
    fn default() -> Self {
        FsConfig {
            max_file_size: Some(64 * 1024 * 1024),
            respect_ignore: true,
            follow_symlinks: false,
            threads: 0,
            path_filter: None,
        }
    }
}

/// Shared between walker threads: findings and errors are rare, so one lock is enough.
struct Shared {
    collector: Collector,
    stats: ScanStats,
    errors: Vec<SourceError>,
}

/// One walker thread's state; flushes into [`Shared`] when the walk drops it.
struct Worker<'a> {
    scanner: &'a Scanner,
    config: &'a FsConfig,
    progress: Option<&'a Progress>,
    shared: &'a Mutex<Shared>,
    scratch: Scratch,
    buf: Vec<u8>,
    matches: Vec<Match>,
    stats: ScanStats,
    errors: Vec<SourceError>,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.stats.absorb(&self.stats);
        shared.errors.append(&mut self.errors);
    }
}

impl Worker<'_> {
    fn error(&mut self, e: SourceError) {
        self.stats.errors += 1;
        self.errors.push(e);
    }

    fn entry(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => return self.walk_error(err),
        };
        let Some(ft) = entry.file_type() else {
            // Only stdin has no file type; the CLI handles stdin itself.
            return;
        };
        if ft.is_dir() {
            return;
        }
        if ft.is_symlink() {
            // Reached only when links are not followed.
            return self.stats.skip(SkipReason::Symlink);
        }
        if !ft.is_file() {
            return self.stats.skip(SkipReason::NotRegularFile);
        }
        if let Some(f) = &self.config.path_filter
            && f.matches(entry.path())
        {
            return self.stats.skip(SkipReason::PathAllowed);
        }
        self.file(entry.path());
    }

    fn walk_error(&mut self, err: ignore::Error) {
        let path = walk_error_path(&err).unwrap_or_default();
        let message = match err.io_error() {
            Some(io) => io.to_string(),
            None => strip_path(&err.to_string(), &path),
        };
        self.error(SourceError::Walk { path, message });
    }

    fn file(&mut self, path: &Path) {
        let result = (|| -> io::Result<Option<SkipReason>> {
            let mut file = File::open(path)?;
            let len = file.metadata()?.len();
            if self.config.max_file_size.is_some_and(|max| len > max) {
                return Ok(Some(SkipReason::TooLarge));
            }
            let mapped;
            let bytes: &[u8] = if len > MMAP_THRESHOLD {
                // SAFETY: the map is read-only and private to this call; a file truncated by
                // another process while mapped could fault, the same trade-off ripgrep makes for
                // large files, in exchange for not copying gigabytes.
                mapped = unsafe { memmap2::Mmap::map(&file)? };
                &mapped
            } else {
                self.buf.clear();
                self.buf.reserve(len as usize);
                file.read_to_end(&mut self.buf)?;
                &self.buf
            };
            if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some() {
                return Ok(Some(SkipReason::Binary));
            }
            let origin = || Origin::File {
                path: path.to_owned(),
            };
            if let Some(found) = scan_bytes(
                self.scanner,
                &mut self.scratch,
                &mut self.matches,
                bytes,
                origin,
            ) {
                let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
                shared
                    .collector
                    .add(self.scanner, bytes, &found, &self.matches);
            }
            self.stats.scanned += 1;
            self.stats.bytes += bytes.len() as u64;
            if let Some(p) = self.progress {
                p.add(bytes.len() as u64);
            }
            Ok(None)
        })();
        match result {
            Ok(None) => {}
            Ok(Some(reason)) => self.stats.skip(reason),
            Err(source) => self.error(SourceError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// Scans `bytes`; when there are matches, returns the origin (built only then) for the
/// caller to record them under.
fn scan_bytes(
    scanner: &Scanner,
    scratch: &mut Scratch,
    matches: &mut Vec<Match>,
    bytes: &[u8],
    origin: impl FnOnce() -> Origin,
) -> Option<Arc<Origin>> {
    matches.clear();
    scanner.scan(bytes, scratch, matches);
    (!matches.is_empty()).then(|| Arc::new(origin()))
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

fn strip_path(message: &str, path: &Path) -> String {
    let p = path.display().to_string();
    message
        .strip_prefix(&format!("{p}: "))
        .unwrap_or(message)
        .to_string()
}

/// Walks `paths` in parallel and scans every file. `-` in `paths` is not special here; read
/// standard input with [`scan_reader`].
pub fn scan_paths(
    scanner: &Scanner,
    paths: &[PathBuf],
    config: &FsConfig,
    progress: Option<&Progress>,
) -> ScanOutcome {
    let started = Instant::now();
    let shared = Mutex::new(Shared {
        collector: Collector::new(),
        stats: ScanStats::default(),
        errors: Vec::new(),
    });
    if let Some((first, rest)) = paths.split_first() {
        let dir_filter = config.path_filter.clone();
        let mut builder = WalkBuilder::new(first);
        for p in rest {
            builder.add(p);
        }
        builder
            .hidden(false)
            .parents(config.respect_ignore)
            .ignore(config.respect_ignore)
            .git_ignore(config.respect_ignore)
            .git_exclude(config.respect_ignore)
            .git_global(false)
            .require_git(false)
            .follow_links(config.follow_symlinks)
            .threads(config.threads)
            // History is the git source's job; the .git directory itself is never walked.
            // Allowlisted directories are not descended into.
            .filter_entry(move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                !(is_dir
                    && (e.file_name() == ".git"
                        || (e.depth() > 0
                            && dir_filter.as_ref().is_some_and(|f| f.matches(e.path())))))
            });
        builder.build_parallel().run(|| {
            let mut worker = Worker {
                scanner,
                config,
                progress,
                shared: &shared,
                scratch: scanner.scratch(),
                buf: Vec::new(),
                matches: Vec::new(),
                stats: ScanStats::default(),
                errors: Vec::new(),
            };
            Box::new(move |entry| {
                worker.entry(entry);
                WalkState::Continue
            })
        });
    }
    let shared = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut stats = shared.stats;
    stats.elapsed = started.elapsed();
    ScanOutcome {
        findings: shared.collector.finish(),
        stats,
        errors: shared.errors,
    }
}

/// Scans everything `reader` yields (e.g. standard input) as one input with `origin`.
pub fn scan_reader(scanner: &Scanner, mut reader: impl Read, origin: Origin) -> ScanOutcome {
    let started = Instant::now();
    let mut out = ScanOutcome::default();
    let mut bytes = Vec::new();
    if let Err(source) = reader.read_to_end(&mut bytes) {
        out.stats.errors += 1;
        out.errors.push(SourceError::Io {
            path: PathBuf::from(origin.label()),
            source,
        });
    }
    let mut scratch = scanner.scratch();
    let mut matches = Vec::new();
    let mut collector = Collector::new();
    if let Some(o) = scan_bytes(scanner, &mut scratch, &mut matches, &bytes, || origin) {
        collector.add(scanner, &bytes, &o, &matches);
    }
    out.stats.scanned = 1;
    out.stats.bytes = bytes.len() as u64;
    out.findings = collector.finish();
    out.stats.elapsed = started.elapsed();
    out
}
