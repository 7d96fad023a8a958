//! Sources turn places (directories, git history, images) into bytes with an origin, and drive
//! the engine over them. Each source records what it skipped and why, and every error as a value:
//! a bad file never stops a scan.

#[cfg(feature = "archive")]
pub mod archive;
pub mod fs;
pub mod git;
#[cfg(feature = "image")]
pub mod image;
pub mod staged;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::finding::Finding;

/// Why an input was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A NUL byte in the first block: not text.
    Binary,
    /// Larger than the size cap.
    TooLarge,
    /// A symbolic link, not followed.
    Symlink,
    /// A FIFO, socket or device.
    NotRegularFile,
    /// A git submodule (gitlink): its commits live in another repository.
    Submodule,
    /// Matched a path allowlist of the configuration.
    PathAllowed,
    /// A tar hard link: its bytes are those of the member it names (scanned there).
    HardLink,
    /// An archive nested deeper than the archive depth limit: not opened.
    ArchiveDepth,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too large",
            SkipReason::Symlink => "symlink",
            SkipReason::NotRegularFile => "not a regular file",
            SkipReason::Submodule => "submodule",
            SkipReason::PathAllowed => "allowlisted path",
            SkipReason::HardLink => "hard link",
            SkipReason::ArchiveDepth => "archive too deeply nested",
        })
    }
}

/// A problem with one input. The scan records it and goes on.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading a file or directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The directory walk reported a problem (loop, broken link followed, bad ignore file).
    #[error("{path}: {message}")]
    Walk {
        /// Where.
        path: PathBuf,
        /// What.
        message: String,
    },
    /// A problem with an archive or one of its members (corrupt, a bomb, an unsafe path).
    #[cfg(feature = "archive")]
    #[error("{location}: {source}")]
    Archive {
        /// The archive (or member chain) as a location label.
        location: String,
        /// What.
        #[source]
        source: archive::ArchiveError,
    },
    /// A problem with a container image, one of its layers or a file in one.
    #[cfg(feature = "image")]
    #[error("{location}: {source}")]
    Image {
        /// Image, and layer and path when known (`app.tar[layer 2 sha256:ab12..]:etc/x`).
        location: String,
        /// What.
        #[source]
        source: image::ImageError,
    },
    /// A git object or repository problem.
    #[error("{location}: {message}")]
    Git {
        /// Repository, object id or path.
        location: String,
        /// What.
        message: String,
    },
}

/// Counters of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    /// Inputs (files, blobs) whose bytes went through the engine.
    pub scanned: u64,
    /// Bytes that went through the engine.
    pub bytes: u64,
    /// Inputs skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Errors (each also in [`ScanOutcome::errors`]).
    pub errors: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl ScanStats {
    /// Adds another worker's counters (not the elapsed time).
    pub fn absorb(&mut self, other: &ScanStats) {
        self.scanned += other.scanned;
        self.bytes += other.bytes;
        self.errors += other.errors;
        for (r, n) in &other.skipped {
            *self.skipped.entry(*r).or_default() += n;
        }
    }

    /// Counts one skipped input.
    pub fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }
}

/// Everything a scan produced.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Distinct credentials with their locations.
    pub findings: Vec<Finding>,
    /// Counters.
    pub stats: ScanStats,
    /// Per-input problems.
    pub errors: Vec<SourceError>,
}

/// Live counters a caller can poll (e.g. for a progress bar) while a scan runs on other threads.
#[derive(Debug, Default)]
pub struct Progress {
    /// Inputs scanned so far.
    pub scanned: AtomicU64,
    /// Bytes scanned so far.
    pub bytes: AtomicU64,
}

impl Progress {
    pub(crate) fn add(&self, bytes: u64) {
        self.scanned.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}
