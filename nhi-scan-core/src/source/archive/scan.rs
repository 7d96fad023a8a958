//! A blob scanner that opens archives: sniffs each blob, scans text, skips binaries, and walks
//! archive members recursively (each member's origin is `Origin::Archive { outer, member }`).
//! The image source uses it for every layer file; [`scan_archive_path`] drives it over files
//! and directories on disk.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{
    ArchiveError, Budget, Format, Input, Limits, Member, MemberKind, SNIFF_LEN, Visitor,
    for_each_member, read_head, sniff,
};
use crate::engine::{Match, Scanner, Scratch};
use crate::finding::{Collector, Origin};
use crate::source::{ScanOutcome, ScanStats, SkipReason, SourceError};

/// A NUL byte within this many leading bytes marks a blob as binary.
const BINARY_PROBE: usize = 8 * 1024;

/// Scans blobs for one thread: its own scratch, buffers, findings, counters and errors.
pub struct BlobScanner<'s> {
    scanner: &'s Scanner,
    limits: Limits,
    max_file_size: u64,
    scratch: Scratch,
    matches: Vec<Match>,
    /// Findings of everything scanned so far.
    pub collector: Collector,
    /// Counters.
    pub stats: ScanStats,
    /// Per-input problems.
    pub errors: Vec<SourceError>,
}

impl std::fmt::Debug for BlobScanner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobScanner")
            .field("limits", &self.limits)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<'s> BlobScanner<'s> {
    /// A scanner for one thread. `max_file_size` caps each scanned blob (archive members
    /// included; `None`: no cap); archives open to `limits.max_depth` levels (0: never).
    pub fn new(scanner: &'s Scanner, limits: Limits, max_file_size: Option<u64>) -> Self {
        BlobScanner {
            scanner,
            limits,
            max_file_size: max_file_size.unwrap_or(u64::MAX),
            scratch: scanner.scratch(),
            matches: Vec::new(),
            collector: Collector::new(),
            stats: ScanStats::default(),
            errors: Vec::new(),
        }
    }

    /// Records a problem.
    pub fn error(&mut self, e: SourceError) {
        self.stats.errors += 1;
        self.errors.push(e);
    }

    /// Scans a file on disk: an archive is opened (a zip by seeking), anything else is read up
    /// to the size cap and scanned.
    pub fn scan_file(&mut self, path: &Path) {
        let origin = Arc::new(Origin::File {
            path: path.to_owned(),
        });
        let result = (|| -> io::Result<()> {
            let mut file = File::open(path)?;
            let head = read_head(&mut file, SNIFF_LEN)?;
            let name = path.to_string_lossy();
            if let Some(format) = sniff(&head, &name) {
                if self.limits.max_depth == 0 {
                    // Archives off: the bytes are compressed, i.e. binary.
                    self.stats.skip(SkipReason::Binary);
                    return Ok(());
                }
                file.rewind()?;
                let budget = Budget::new();
                self.open(format, Input::File(&mut file), &origin, &name, 0, &budget);
                return Ok(());
            }
            let len = file.metadata()?.len();
            if len > self.max_file_size {
                self.stats.skip(SkipReason::TooLarge);
                return Ok(());
            }
            let mut bytes = head;
            file.read_to_end(&mut bytes)?;
            self.scan_text(&origin, &bytes);
            Ok(())
        })();
        if let Err(source) = result {
            self.error(SourceError::Io {
                path: path.to_owned(),
                source,
            });
        }
    }

    /// Scans bytes already in memory (named `name` for sniffing), opening archives.
    /// `depth` is the number of archive levels already entered above them.
    pub fn scan_bytes(&mut self, origin: &Arc<Origin>, name: &str, bytes: &[u8], depth: u32) {
        let head = &bytes[..bytes.len().min(SNIFF_LEN)];
        if let Some(format) = sniff(head, name) {
            if depth >= self.limits.max_depth {
                self.stats.skip(if self.limits.max_depth == 0 {
                    SkipReason::Binary
                } else {
                    SkipReason::ArchiveDepth
                });
                return;
            }
            let budget = Budget::new();
            self.open(format, Input::Bytes(bytes), origin, name, depth, &budget);
            return;
        }
        if bytes.len() as u64 > self.max_file_size {
            self.stats.skip(SkipReason::TooLarge);
            return;
        }
        self.scan_text(origin, bytes);
    }

    /// Scans a stream (named `name` for sniffing), opening archives. An error reading the
    /// stream is returned (the caller knows what the stream is).
    pub fn scan_stream(
        &mut self,
        origin: &Arc<Origin>,
        name: &str,
        reader: &mut dyn Read,
        depth: u32,
        budget: Option<&Budget>,
    ) -> io::Result<()> {
        let head = read_head(reader, SNIFF_LEN)?;
        if let Some(format) = sniff(&head, name) {
            if depth >= self.limits.max_depth {
                self.stats.skip(if self.limits.max_depth == 0 {
                    SkipReason::Binary
                } else {
                    SkipReason::ArchiveDepth
                });
                return Ok(());
            }
            let own;
            let budget = match budget {
                Some(b) => b,
                None => {
                    own = Budget::new();
                    &own
                }
            };
            let mut chained = Cursor::new(head.as_slice()).chain(reader);
            self.open(
                format,
                Input::Stream(&mut chained),
                origin,
                name,
                depth,
                budget,
            );
            return Ok(());
        }
        let cap = self.max_file_size;
        let mut bytes = head;
        reader
            .take(cap.saturating_sub(bytes.len() as u64).saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            self.stats.skip(SkipReason::TooLarge);
            return Ok(());
        }
        self.scan_text(origin, &bytes);
        Ok(())
    }

    fn open(
        &mut self,
        format: Format,
        input: Input<'_>,
        origin: &Arc<Origin>,
        name: &str,
        depth: u32,
        budget: &Budget,
    ) {
        let limits = self.limits.clone();
        let mut visitor = Members {
            blob: self,
            outer: Arc::clone(origin),
            depth: depth + 1,
            budget,
        };
        for_each_member(format, input, name, &limits, budget, &mut visitor);
    }

    /// Scans text: skips binaries (a NUL in the first 8 KiB), records matches.
    pub fn scan_text(&mut self, origin: &Arc<Origin>, bytes: &[u8]) {
        if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some() {
            self.stats.skip(SkipReason::Binary);
            return;
        }
        self.matches.clear();
        self.scanner
            .scan(bytes, &mut self.scratch, &mut self.matches);
        if !self.matches.is_empty() {
            self.collector
                .add(self.scanner, bytes, origin, &self.matches);
        }
        self.stats.scanned += 1;
        self.stats.bytes += bytes.len() as u64;
    }

    /// Moves findings, counters and errors out, leaving this scanner empty for reuse.
    pub fn take(&mut self) -> (Collector, ScanStats, Vec<SourceError>) {
        (
            std::mem::take(&mut self.collector),
            std::mem::take(&mut self.stats),
            std::mem::take(&mut self.errors),
        )
    }
}

/// Feeds an archive's members back into the blob scanner one level deeper.
struct Members<'a, 's> {
    blob: &'a mut BlobScanner<'s>,
    outer: Arc<Origin>,
    depth: u32,
    budget: &'a Budget,
}

impl Visitor for Members<'_, '_> {
    fn member(&mut self, member: &Member<'_>, data: &mut dyn Read) -> io::Result<()> {
        match member.kind {
            MemberKind::File => {}
            MemberKind::Dir => return Ok(()),
            MemberKind::Symlink => {
                self.blob.stats.skip(SkipReason::Symlink);
                return Ok(());
            }
            MemberKind::HardLink => {
                self.blob.stats.skip(SkipReason::HardLink);
                return Ok(());
            }
            MemberKind::Special => {
                self.blob.stats.skip(SkipReason::NotRegularFile);
                return Ok(());
            }
        }
        let name = member.name.strip_prefix("./").unwrap_or(member.name);
        let origin = Arc::new(Origin::Archive {
            outer: Arc::clone(&self.outer),
            member: name.to_string(),
        });
        self.blob
            .scan_stream(&origin, name, data, self.depth, Some(self.budget))
    }

    fn error(&mut self, error: ArchiveError) {
        let location = self.outer.label();
        self.blob.error(SourceError::Archive {
            location,
            source: error,
        });
    }
}

/// Scans files and directories (walked like `scan`, honouring ignore files, in parallel),
/// opening archives among them. The entry point `scan` uses until the shared blob worker does
/// the same for every source.
pub fn scan_archive_path(
    scanner: &Scanner,
    paths: &[PathBuf],
    limits: &Limits,
    max_file_size: Option<u64>,
    threads: usize,
) -> ScanOutcome {
    let started = Instant::now();
    let shared = Mutex::new((Collector::new(), ScanStats::default(), Vec::new()));
    if let Some((first, rest)) = paths.split_first() {
        let mut builder = ignore::WalkBuilder::new(first);
        for p in rest {
            builder.add(p);
        }
        builder
            .hidden(false)
            .require_git(false)
            .git_global(false)
            .threads(threads)
            .filter_entry(|e| e.file_name() != ".git");
        builder.build_parallel().run(|| {
            let mut worker = Flush {
                blob: BlobScanner::new(scanner, limits.clone(), max_file_size),
                shared: &shared,
            };
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        worker.blob.scan_file(e.path())
                    }
                    Ok(e) if e.file_type().is_some_and(|t| t.is_symlink()) => {
                        worker.blob.stats.skip(SkipReason::Symlink)
                    }
                    Ok(_) => {}
                    Err(err) => worker.blob.error(SourceError::Walk {
                        path: PathBuf::new(),
                        message: err.to_string(),
                    }),
                }
                ignore::WalkState::Continue
            })
        });
    }
    let (collector, mut stats, errors) = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    stats.elapsed = started.elapsed();
    ScanOutcome {
        findings: collector.finish(),
        stats,
        errors,
    }
}

/// A walker thread's scanner, merged into the shared result when the walk drops it.
struct Flush<'a, 's> {
    blob: BlobScanner<'s>,
    shared: &'a Mutex<(Collector, ScanStats, Vec<SourceError>)>,
}

impl Drop for Flush<'_, '_> {
    fn drop(&mut self) {
        let (collector, stats, mut errors) = self.blob.take();
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.0.merge(collector);
        shared.1.absorb(&stats);
        shared.2.append(&mut errors);
    }
}
