//! Sources turn places (directories, buffers, git history, staged changes) into bytes with an
//! origin, and hand every input to the one `blob` worker that sizes, sniffs, scans and
//! reports it. Each source records what it skipped and why, and every error as a value: a bad
//! input never stops a scan.

#[cfg(feature = "archive")]
pub mod archive;
pub(crate) mod blob;
pub(crate) mod content;
#[cfg(feature = "fs")]
pub mod fs;
#[cfg(feature = "git")]
pub mod git;
#[cfg(feature = "image")]
pub mod image;
pub mod paths;
#[cfg(feature = "git")]
pub mod staged;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::finding::Origin;

/// What to scan: one of the sources, with its own options. Build one with the constructors
/// ([`Source::paths`], [`Source::buffer`], [`Source::reader`], [`Source::git`],
/// [`Source::staged`]) or from a source's options type.
#[non_exhaustive]
pub enum Source {
    /// Files and directories on disk.
    #[cfg(feature = "fs")]
    Paths(fs::Paths),
    /// Bytes in memory, under a name the caller chooses (shared, so scanning the same bytes
    /// again costs no copy).
    Buffer {
        /// What reports call the bytes.
        name: String,
        /// The bytes.
        bytes: Arc<[u8]>,
    },
    /// A stream (standard input, a socket, a decompressor), read in chunks: memory stays
    /// bounded whatever its length.
    Reader {
        /// What reports call the stream.
        name: String,
        /// The stream.
        reader: Box<dyn Read + Send>,
    },
    /// A repository's history.
    #[cfg(feature = "git")]
    Git(git::History),
    /// What is staged for the next commit.
    #[cfg(feature = "git")]
    Staged(staged::Staged),
    /// Container images: tarballs, OCI layouts, registry references.
    #[cfg(feature = "image")]
    Image(image::Images),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "fs")]
            Source::Paths(p) => f.debug_tuple("Paths").field(p).finish(),
            Source::Buffer { name, bytes } => f
                .debug_struct("Buffer")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
            Source::Reader { name, .. } => f.debug_struct("Reader").field("name", name).finish(),
            #[cfg(feature = "git")]
            Source::Git(g) => f.debug_tuple("Git").field(g).finish(),
            #[cfg(feature = "git")]
            Source::Staged(s) => f.debug_tuple("Staged").field(s).finish(),
            #[cfg(feature = "image")]
            Source::Image(i) => f.debug_tuple("Image").field(i).finish(),
        }
    }
}

impl Source {
    /// Files and directories, walked like the CLI does (`.gitignore` honoured, hidden files
    /// scanned, symbolic links not followed). See [`fs::Paths`] for the options.
    #[cfg(feature = "fs")]
    pub fn paths<I, P>(paths: I) -> Source
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        Source::Paths(fs::Paths::new(paths))
    }

    /// Bytes in memory named `name` (the name is a label, never opened).
    pub fn buffer(name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Source {
        Source::Buffer {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// A stream named `name`, scanned in bounded memory.
    pub fn reader(name: impl Into<String>, reader: impl Read + Send + 'static) -> Source {
        Source::Reader {
            name: name.into(),
            reader: Box::new(reader),
        }
    }

    /// The history of the repository at `target` (a working tree, a bare repository, or a URL
    /// cloned into a temporary directory). See [`git::History`] for the options.
    #[cfg(feature = "git")]
    pub fn git(target: impl Into<String>) -> Source {
        Source::Git(git::History::new(target))
    }

    /// What is staged in the repository at `repo`. See [`staged::Staged`] for the options.
    #[cfg(feature = "git")]
    pub fn staged(repo: impl Into<PathBuf>) -> Source {
        Source::Staged(staged::Staged::new(repo))
    }

    /// Container images (see [`image::Images`] for the options).
    #[cfg(feature = "image")]
    pub fn image(targets: impl IntoIterator<Item = image::ImageTarget>) -> Source {
        Source::Image(image::Images::new(targets))
    }

    /// What a summary calls one input of this source.
    pub fn unit(&self) -> &'static str {
        match self {
            #[cfg(feature = "fs")]
            Source::Paths(_) => "files",
            Source::Buffer { .. } | Source::Reader { .. } => "inputs",
            #[cfg(feature = "git")]
            Source::Git(_) => "blobs",
            #[cfg(feature = "git")]
            Source::Staged(_) => "staged files",
            #[cfg(feature = "image")]
            Source::Image(_) => "distinct layer files",
        }
    }
}

#[cfg(feature = "fs")]
impl From<fs::Paths> for Source {
    fn from(p: fs::Paths) -> Source {
        Source::Paths(p)
    }
}

#[cfg(feature = "git")]
impl From<git::History> for Source {
    fn from(h: git::History) -> Source {
        Source::Git(h)
    }
}

#[cfg(feature = "image")]
impl From<image::Images> for Source {
    fn from(i: image::Images) -> Source {
        Source::Image(i)
    }
}

#[cfg(feature = "git")]
impl From<staged::Staged> for Source {
    fn from(s: staged::Staged) -> Source {
        Source::Staged(s)
    }
}

/// Why an input was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// A known binary format (named in the skip's detail).
    Binary,
    /// Larger than the size cap the caller set.
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

impl SkipReason {
    /// Whether the skip leaves the scan incomplete (bytes the caller asked about were not
    /// scanned), as opposed to a deliberate exclusion (allowlisted paths, links not followed,
    /// submodules, known binary formats).
    pub fn is_incomplete(self) -> bool {
        matches!(self, SkipReason::TooLarge | SkipReason::ArchiveDepth)
    }
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

/// An input that was not scanned, and why.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The input.
    pub origin: Arc<Origin>,
    /// Why.
    pub reason: SkipReason,
    /// More about it (`png`, `80 MB > 64 MB`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Skipped {
    pub(crate) fn new(origin: Arc<Origin>, reason: SkipReason, detail: Option<String>) -> Self {
        Skipped {
            origin,
            reason,
            detail,
        }
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin.label(), self.reason)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// An error with no further source: a fact we found (a tree nested too deep, an object of the
/// wrong type), as opposed to one a library reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Problem(pub String);

/// Any error a source passes on, with its chain kept.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A problem with one input. The scan records it and goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading a file, directory or stream failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file, directory or stream name.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The directory walk reported a problem (loop, broken link followed, bad ignore file).
    #[error("{}: {source}", path.display())]
    Walk {
        /// Where.
        path: PathBuf,
        /// What.
        #[source]
        source: BoxError,
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
    /// A git object or repository problem: `location` names the object id and the path it was
    /// reached by.
    #[error("{location}: {source}")]
    Git {
        /// Object id and path, or the repository.
        location: String,
        /// What.
        #[source]
        source: BoxError,
    },
}

impl SourceError {
    pub(crate) fn git(location: impl Into<String>, source: impl Into<BoxError>) -> SourceError {
        SourceError::Git {
            location: location.into(),
            source: source.into(),
        }
    }

    pub(crate) fn git_problem(location: impl Into<String>, message: impl Into<String>) -> Self {
        SourceError::git(location, Problem(message.into()))
    }
}

/// Counters of a scan.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct ScanStats {
    /// Inputs (files, blobs, streams) whose bytes went through the engine.
    pub scanned: u64,
    /// Bytes that went through the engine.
    pub bytes: u64,
    /// Inputs skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Per-input errors.
    pub errors: u64,
    /// Wall time.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl ScanStats {
    /// Adds another run's counters (elapsed times add up too).
    pub fn absorb(&mut self, other: &ScanStats) {
        self.scanned += other.scanned;
        self.bytes += other.bytes;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        for (r, n) in &other.skipped {
            *self.skipped.entry(*r).or_default() += n;
        }
    }

    /// Counts one skipped input.
    pub(crate) fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// Inputs skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
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
    pub(crate) fn add(&self, inputs: u64, bytes: u64) {
        self.scanned.fetch_add(inputs, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}
