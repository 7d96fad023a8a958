//! Archive reader: recognises zip (jar, war, whl, nupkg, ...), tar, gzip, zstd, bzip2 and xz by
//! their first bytes (and, for old tars without a magic, by name), and streams their members to a
//! [`Visitor`] without writing anything to disk.
//!
//! The blob worker of a source calls two functions:
//! 1. [`sniff`] on the first [`SNIFF_LEN`] bytes and the name of a blob: `Some(format)` when it is
//!    an archive;
//! 2. [`for_each_member`] with that format, the blob's bytes (a stream, a seekable file or a
//!    buffer), the [`Limits`] and one [`Budget`] per top-level archive; each member arrives at
//!    [`Visitor::member`] with a reader over its bytes. The worker feeds members back into itself
//!    (sniff again, scan or open at depth + 1) under `Origin::Archive { outer, member }`.
//!
//! A compressor over a tar (`.tar.gz`, `.tgz`, `.tar.zst`, ...) is one archive whose members are
//! the tar's; a compressor over anything else has one member, named after the file without its
//! compression suffix (`app.log.gz!/app.log`).
//!
//! Zip needs its central directory (at the end): a file on disk is read by seeking; a zip inside a
//! stream (a member of a tar, of a zip, of an image layer) is buffered in memory up to
//! [`Limits::max_buffer`] and refused beyond it.
//!
//! Bombs: every byte a decompressor yields and every member counts against the [`Budget`] of the
//! top-level archive, nested archives included; at [`Limits::max_total_bytes`] or
//! [`Limits::max_members`] the archive is abandoned with [`ArchiveError::LimitExceeded`], which is
//! reported once, and nothing more of it is read.

pub(crate) mod worker;

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Where a blob worker is inside archives: how many levels deep, and the budget of the
/// outermost archive (shared by everything nested in it).
#[derive(Debug, Clone, Default)]
pub struct Nest {
    /// Archive levels entered.
    pub depth: u32,
    /// The outermost archive's budget (None at the top).
    pub budget: Option<Arc<Budget>>,
}

/// Bytes [`sniff`] wants to see: a tar header is 512 bytes, its magic at 257.
pub const SNIFF_LEN: usize = 512;

/// A container or compression format the reader opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PKZIP and everything built on it: jar, war, ear, whl, nupkg, apk, docx, ...
    Zip,
    /// POSIX/GNU tar (ustar, pax, GNU, and v7 by name).
    Tar,
    /// gzip (RFC 1952), multi-member.
    Gzip,
    /// Zstandard frames.
    Zstd,
    /// bzip2.
    Bzip2,
    /// xz (LZMA2).
    Xz,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Zstd => "zstd",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
        })
    }
}

/// Recognises an archive by its first bytes (`head`, ideally [`SNIFF_LEN`] of them) and its name.
/// Content decides; the name only rescues old v7 tars, which have no magic (their header checksum
/// must still be right). An empty zip (`PK\x05\x06`) counts as a zip.
pub fn sniff(head: &[u8], name: &str) -> Option<Format> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Format::Zstd);
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Some(Format::Xz);
    }
    // "BZh" + block size digit + the block (or end-of-stream) magic: three letters alone are
    // too common in text.
    if head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
            || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90])
    {
        return Some(Format::Bzip2);
    }
    if head.len() >= 263 && &head[257..262] == b"ustar" && tar_checksum_ok(head) {
        return Some(Format::Tar);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tar") && head.len() >= 512 && tar_checksum_ok(head) {
        return Some(Format::Tar);
    }
    None
}

/// The header checksum of a tar block: the sum of its bytes with the checksum field read as
/// spaces, stored as octal at 148..156.
fn tar_checksum_ok(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    let field = &head[148..156];
    let digits: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    let Ok(stored) = u32::from_str_radix(digits.trim(), 8) else {
        return false;
    };
    let sum: u32 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    sum == stored && head[0] != 0
}

/// The name of what a compressor wraps: `x.tar.gz` -> `x.tar`, `x.tgz` -> `x.tar`, `a.log.zst`
/// -> `a.log`; the name itself when no suffix is known.
pub fn inner_name(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    for (suffix, replace) in [
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gz", ""),
        (".zst", ""),
        (".zstd", ""),
        (".bz2", ""),
        (".xz", ""),
    ] {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            return format!("{}{replace}", &base[..base.len() - suffix.len()]);
        }
    }
    base.to_string()
}

/// Caps that keep a hostile archive from exhausting memory or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Archive levels opened: 1 opens a jar but not the jars inside it. Default 3.
    pub max_depth: u32,
    /// Bytes all decompressors under one top-level archive may yield (nested archives included).
    /// Default 1 GiB.
    pub max_total_bytes: u64,
    /// Members under one top-level archive (nested archives included). Default 100,000.
    pub max_members: u64,
    /// A zip inside a stream is read into memory (its directory is at the end) up to this many
    /// bytes. Default 256 MiB.
    pub max_buffer: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 3,
            max_total_bytes: 1 << 30,
            max_members: 100_000,
            max_buffer: 256 << 20,
        }
    }
}

impl Limits {
    /// No byte or member caps (image layers, whose size is what it is), same depth and buffer.
    pub fn unbounded(&self) -> Limits {
        Limits {
            max_total_bytes: u64::MAX,
            max_members: u64::MAX,
            ..self.clone()
        }
    }
}

/// What one top-level archive (with everything nested in it) has used of its [`Limits`]. Make one
/// per top-level archive and pass it down to nested [`for_each_member`] calls.
#[derive(Debug, Default)]
pub struct Budget {
    bytes: AtomicU64,
    members: AtomicU64,
    exceeded: AtomicBool,
    reported: AtomicBool,
}

impl Budget {
    /// A fresh budget.
    pub fn new() -> Budget {
        Budget::default()
    }

    /// True once a limit was hit: every level of the archive stops reading.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// Decompressed bytes counted so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Members counted so far.
    pub fn members(&self) -> u64 {
        self.members.load(Ordering::Relaxed)
    }

    fn add_bytes(&self, n: u64) -> u64 {
        self.bytes.fetch_add(n, Ordering::Relaxed).saturating_add(n)
    }

    fn add_members(&self, n: u64) -> u64 {
        self.members
            .fetch_add(n, Ordering::Relaxed)
            .saturating_add(n)
    }

    fn set_exceeded(&self) {
        self.exceeded.store(true, Ordering::Relaxed);
    }
}

/// The kind of an archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// A regular file: its bytes are in the reader.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (`link` holds the target); not followed.
    Symlink,
    /// A tar hard link (`link` holds the member it repeats).
    HardLink,
    /// A character or block device, FIFO or other special file.
    Special,
}

/// One member, as the visitor sees it.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    /// Path inside the archive as stored (lossy UTF-8; not normalised).
    pub name: &'a str,
    /// What it is.
    pub kind: MemberKind,
    /// Uncompressed size when the archive states it.
    pub size: Option<u64>,
    /// Link target of symlinks and hard links.
    pub link: Option<&'a str>,
}

/// Receives an archive's members and problems.
pub trait Visitor {
    /// One member. For [`MemberKind::File`] `data` yields its bytes; for other kinds it is empty.
    /// An error from reading `data` is returned as is; the archive reader then decides whether
    /// the rest of the archive can still be read (zip: yes; a stream: no).
    fn member(&mut self, member: &Member<'_>, data: &mut dyn Read) -> io::Result<()>;

    /// A problem with the archive or one member. Reading goes on where it can.
    fn error(&mut self, error: ArchiveError);
}

/// A problem reading an archive. Carries the member (inside this archive) when it is about one.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading or decompressing failed (truncated, corrupt).
    #[error("{}{format} data: {source}", member_prefix(.member))]
    Corrupt {
        /// The format being read.
        format: Format,
        /// The member, when the problem is inside one.
        member: Option<String>,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A cap of [`Limits`] was reached: the archive (a bomb, or just too big) was abandoned.
    #[error(
        "archive abandoned: {what} exceeds the limit of {limit} (a zip or tar bomb, or raise the limit)"
    )]
    LimitExceeded {
        /// Which cap.
        what: &'static str,
        /// Its value.
        limit: u64,
    },
    /// A zip inside a stream is larger than [`Limits::max_buffer`]; not opened.
    #[error("zip inside a stream is larger than {limit} bytes; not opened")]
    TooLargeToBuffer {
        /// The buffer cap.
        limit: u64,
    },
    /// A member whose data cannot be read: encrypted, or an unsupported compression method.
    #[error("{member}: {reason}; not scanned")]
    Unreadable {
        /// The member.
        member: String,
        /// Why.
        reason: String,
    },
    /// A member path that would leave the extraction root (`..`) or is absolute. Nothing is
    /// extracted, so the member is still scanned under its stored name.
    #[error("{member}: unsafe member path ({reason}); scanned under its stored name")]
    UnsafePath {
        /// The member as stored.
        member: String,
        /// `..` component or absolute path.
        reason: &'static str,
    },
}

fn member_prefix(member: &Option<String>) -> String {
    match member {
        Some(m) => format!("{m}: "),
        None => String::new(),
    }
}

/// The bytes of an archive.
pub enum Input<'a> {
    /// A stream read once, front to back (standard input, a member of another archive, an HTTP
    /// body). A zip is buffered up to [`Limits::max_buffer`].
    Stream(&'a mut dyn Read),
    /// A file on disk: a zip is read by seeking.
    File(&'a mut File),
    /// Bytes already in memory.
    Bytes(&'a [u8]),
}

impl fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Input::Stream(_) => "Input::Stream",
            Input::File(_) => "Input::File",
            Input::Bytes(_) => "Input::Bytes",
        })
    }
}

/// Marks the I/O error a [`Counted`] reader returns when the budget runs out.
#[derive(Debug)]
struct BudgetExhausted;

impl fmt::Display for BudgetExhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("archive byte budget exhausted")
    }
}

impl std::error::Error for BudgetExhausted {}

/// Counts decompressed bytes against the budget and fails once it is spent.
struct Counted<'b, R> {
    inner: R,
    budget: &'b Budget,
    limit: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.exceeded() {
            return Err(io::Error::other(BudgetExhausted));
        }
        let n = self.inner.read(buf)?;
        let total = self.budget.add_bytes(n as u64);
        if total > self.limit {
            self.budget.set_exceeded();
            return Err(io::Error::other(BudgetExhausted));
        }
        Ok(n)
    }
}

pub(crate) fn is_budget_error(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<BudgetExhausted>())
}

/// Reads up to `n` bytes (fewer only at the end of the stream).
pub fn read_head(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Opens `input` as `format` and hands each member to `visitor`. Problems go to
/// [`Visitor::error`]; the function returns when the archive is done or cannot be read further.
/// `name` is the archive's own name (used to name the member of a lone compressed file).
pub fn for_each_member(
    format: Format,
    input: Input<'_>,
    name: &str,
    limits: &Limits,
    budget: &Budget,
    visitor: &mut dyn Visitor,
) {
    let mut reader = Reader {
        limits,
        budget,
        visitor,
    };
    reader.open(format, input, name);
}

struct Reader<'a> {
    limits: &'a Limits,
    budget: &'a Budget,
    visitor: &'a mut dyn Visitor,
}

impl Reader<'_> {
    /// Reports the exhausted budget once (at the level where it ran out).
    fn budget_spent(&mut self, what: &'static str) {
        self.budget.set_exceeded();
        if !self.budget.reported.swap(true, Ordering::Relaxed) {
            let limit = match what {
                "member count" => self.limits.max_members,
                _ => self.limits.max_total_bytes,
            };
            self.visitor
                .error(ArchiveError::LimitExceeded { what, limit });
        }
    }

    fn io_error(&mut self, format: Format, member: Option<&str>, e: io::Error) {
        if is_budget_error(&e) {
            // Reported once, by the level that ran out (nested levels share the budget).
            if self.budget.bytes() > self.limits.max_total_bytes {
                self.budget_spent("decompressed size");
            }
            return;
        }
        self.visitor.error(ArchiveError::Corrupt {
            format,
            member: member.map(str::to_string),
            source: e,
        });
    }

    fn count_member(&mut self) -> bool {
        let n = self.budget.add_members(1);
        if n > self.limits.max_members {
            self.budget_spent("member count");
            return false;
        }
        true
    }

    fn open(&mut self, format: Format, input: Input<'_>, name: &str) {
        if self.budget.exceeded() {
            return;
        }
        match format {
            Format::Zip => self.zip(input),
            Format::Tar => {
                let limit = self.limits.max_total_bytes;
                match input {
                    Input::Stream(r) => self.tar(&mut Counted {
                        inner: r,
                        budget: self.budget,
                        limit,
                    }),
                    Input::File(f) => self.tar(&mut Counted {
                        inner: io::BufReader::with_capacity(64 * 1024, f),
                        budget: self.budget,
                        limit,
                    }),
                    Input::Bytes(b) => self.tar(&mut Counted {
                        inner: b,
                        budget: self.budget,
                        limit,
                    }),
                }
            }
            Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz => match input {
                Input::Stream(r) => self.compressed(format, r, name),
                Input::File(f) => {
                    let mut buffered = io::BufReader::with_capacity(64 * 1024, f);
                    self.compressed(format, &mut buffered, name)
                }
                Input::Bytes(mut b) => self.compressed(format, &mut b, name),
            },
        }
    }

    fn compressed(&mut self, format: Format, raw: &mut dyn Read, name: &str) {
        let decoder = match decoder(format, raw) {
            Ok(d) => d,
            Err(e) => return self.io_error(format, None, e),
        };
        let mut counted = Counted {
            inner: decoder,
            budget: self.budget,
            limit: self.limits.max_total_bytes,
        };
        let head = match read_head(&mut counted, SNIFF_LEN) {
            Ok(h) => h,
            Err(e) => return self.io_error(format, None, e),
        };
        let inner = inner_name(name);
        let mut chained = Cursor::new(head.as_slice()).chain(&mut counted);
        if sniff(&head, &inner) == Some(Format::Tar) {
            // The tar's members are this archive's members; the bytes are already counted.
            self.tar(&mut chained);
            return;
        }
        if !self.count_member() {
            return;
        }
        let member = Member {
            name: &inner,
            kind: MemberKind::File,
            size: None,
            link: None,
        };
        if let Err(e) = self.visitor.member(&member, &mut chained) {
            self.io_error(format, Some(&inner), e);
        }
    }

    fn tar(&mut self, reader: &mut dyn Read) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return self.io_error(Format::Tar, None, e),
        };
        for entry in entries {
            if self.budget.exceeded() {
                return;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => return self.io_error(Format::Tar, None, e),
            };
            if !self.count_member() {
                return;
            }
            let header = entry.header();
            let et = header.entry_type();
            let kind = if et.is_file() || et == tar::EntryType::Continuous || et.is_gnu_sparse() {
                MemberKind::File
            } else if et.is_dir() {
                MemberKind::Dir
            } else if et.is_symlink() {
                MemberKind::Symlink
            } else if et.is_hard_link() {
                MemberKind::HardLink
            } else {
                MemberKind::Special
            };
            let size = header.size().ok();
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned());
            if let Some(reason) = unsafe_path(&name) {
                self.visitor.error(ArchiveError::UnsafePath {
                    member: name.clone(),
                    reason,
                });
            }
            let member = Member {
                name: &name,
                kind,
                size,
                link: link.as_deref(),
            };
            let result = if kind == MemberKind::File {
                self.visitor.member(&member, &mut entry)
            } else {
                self.visitor.member(&member, &mut io::empty())
            };
            if let Err(e) = result {
                // A stream member failing means the stream under it failed: stop here.
                return self.io_error(Format::Tar, Some(&name), e);
            }
        }
    }

    fn zip(&mut self, input: Input<'_>) {
        match input {
            Input::File(f) => self.zip_archive(f),
            Input::Bytes(b) => self.zip_archive(Cursor::new(b)),
            Input::Stream(r) => {
                let cap = self.limits.max_buffer;
                let mut buf = Vec::new();
                if let Err(e) = r.take(cap.saturating_add(1)).read_to_end(&mut buf) {
                    return self.io_error(Format::Zip, None, e);
                }
                if buf.len() as u64 > cap {
                    self.visitor
                        .error(ArchiveError::TooLargeToBuffer { limit: cap });
                    return;
                }
                self.zip_archive(Cursor::new(buf.as_slice()));
            }
        }
    }

    fn zip_archive<R: Read + io::Seek>(&mut self, reader: R) {
        let mut archive = match zip::ZipArchive::new(reader) {
            Ok(a) => a,
            Err(e) => return self.io_error(Format::Zip, None, zip_io(e)),
        };
        // The directory states the member count up front: a bomb with a million entries is
        // refused before any is read.
        if self.budget.members() + archive.len() as u64 > self.limits.max_members {
            self.budget.add_members(archive.len() as u64);
            return self.budget_spent("member count");
        }
        for i in 0..archive.len() {
            if self.budget.exceeded() {
                return;
            }
            self.budget.add_members(1);
            let name = archive.name_for_index(i).unwrap_or("").to_string();
            let mut file = match archive.by_index(i) {
                Ok(f) => f,
                Err(zip::result::ZipError::UnsupportedArchive(reason)) => {
                    self.visitor.error(ArchiveError::Unreadable {
                        member: name,
                        reason: reason.to_ascii_lowercase(),
                    });
                    continue;
                }
                Err(zip::result::ZipError::CompressionMethodNotSupported(m)) => {
                    self.visitor.error(ArchiveError::Unreadable {
                        member: name,
                        reason: format!("unsupported compression method {m}"),
                    });
                    continue;
                }
                Err(e) => {
                    self.io_error(Format::Zip, Some(&name), zip_io(e));
                    continue;
                }
            };
            let kind = if file.is_dir() {
                MemberKind::Dir
            } else if file.is_symlink() {
                MemberKind::Symlink
            } else {
                MemberKind::File
            };
            if let Some(reason) = unsafe_path(&name) {
                self.visitor.error(ArchiveError::UnsafePath {
                    member: name.clone(),
                    reason,
                });
            }
            let member = Member {
                name: &name,
                kind,
                size: Some(file.size()),
                link: None,
            };
            let limit = self.limits.max_total_bytes;
            let result = if kind == MemberKind::File {
                let mut counted = Counted {
                    inner: &mut file,
                    budget: self.budget,
                    limit,
                };
                self.visitor.member(&member, &mut counted)
            } else {
                self.visitor.member(&member, &mut io::empty())
            };
            if let Err(e) = result {
                // Members of a zip are independent: report this one and read the next.
                self.io_error(Format::Zip, Some(&name), e);
            }
        }
    }
}

fn zip_io(e: zip::result::ZipError) -> io::Error {
    match e {
        zip::result::ZipError::Io(io) => io,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

/// A streaming decoder for a compression format.
pub fn decoder<'r>(format: Format, raw: &'r mut dyn Read) -> io::Result<Box<dyn Read + 'r>> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        Format::Zstd => Box::new(zstd::stream::read::Decoder::new(raw)?),
        Format::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(raw)),
        Format::Xz => Box::new(lzma_rust2::XzReader::new(raw, true)),
        Format::Zip | Format::Tar => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{format} is not a compression format"),
            ));
        }
    })
}

/// Why a member path is unsafe to extract, if it is: absolute, or climbing out with `..`.
pub fn unsafe_path(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') || name.get(1..3) == Some(":\\") {
        return Some("absolute path");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Some("`..` component");
    }
    None
}

#[cfg(test)]
mod tests;
