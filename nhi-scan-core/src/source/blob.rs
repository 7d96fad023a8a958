//! The one blob worker every source shares: size cap, content sniffing, a streaming scan in
//! overlapping chunks, and results handed on as [`Event`]s. Sources only say where bytes come
//! from (a file, a git object, a stream) and what to call them.
//!
//! Large inputs stream: the worker reads [`CHUNK`] bytes at a time into one reused buffer and
//! keeps the last [`CARRY`] bytes for the next round, so memory per worker stays near 8 MiB
//! whatever the input's size, and nothing is memory-mapped (a mapped file truncated by another
//! process mid-scan kills the process with SIGBUS; a read just returns fewer bytes). A match is
//! reported by the chunk in which it starts inside the "report" region: each chunk has at least
//! [`LOOKBEHIND`] bytes of context before that region and [`DEFER`] bytes after it, more than
//! the widest rule window ([`crate::engine::MAX_WINDOW`]), so every match is seen whole, exactly
//! once, and with the same surroundings a whole-input scan would give it. Line numbers carry
//! from chunk to chunk.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use super::content::{Content, sniff};
use super::{Progress, ScanStats, SkipReason, Skipped, SourceError};
use crate::engine::{Match, Scanner, Scratch};
use crate::finding::position::Cursor;
use crate::finding::{Companion, Hit, LineCounter, Location, Origin, Secret, fingerprint};

/// New bytes read per round.
pub(crate) const CHUNK: usize = 8 << 20;
/// Context kept before the region a chunk reports.
const LOOKBEHIND: usize = 64 << 10;
/// Bytes at the end of a chunk whose matches are left to the next chunk.
const DEFER: usize = 64 << 10;
/// Bytes carried from one chunk to the next.
const CARRY: usize = LOOKBEHIND + DEFER;
/// Bytes the content sniffer looks at.
const SNIFF: usize = 8 << 10;

/// What a worker produces, in the order it produced it.
pub(crate) enum Event {
    /// Matches in one input (or one chunk of a large one), never empty.
    Hits(Vec<Hit>),
    /// An input not scanned.
    Skipped(Skipped),
    /// An input that failed.
    Error(SourceError),
    /// A note about the scan as a whole.
    Warning(String),
    /// What the inventory needs to know about a scanned repository (asked for with
    /// `History::facts`).
    Repository(Box<crate::report::inventory::RepositoryFacts>),
}

/// Where events go: straight into the pipeline (single-threaded sources) or into a channel
/// that the calling thread drains into it.
pub(crate) trait Emit {
    /// Hands on one event.
    fn emit(&mut self, event: Event);
}

impl Emit for SyncSender<Event> {
    fn emit(&mut self, event: Event) {
        // Fails only when the receiving side has stopped (a sink error): nothing to deliver to.
        let _ = self.send(event);
    }
}

/// What every worker of one scan shares.
pub(crate) struct Shared<'a> {
    pub(crate) scanner: &'a Scanner,
    /// Inputs larger than this are skipped (`None`: no cap, large inputs stream).
    pub(crate) max_size: Option<u64>,
    pub(crate) progress: Option<&'a Progress>,
    pub(crate) stop: &'a (dyn Fn() -> bool + Sync),
    /// Archives are opened (members scanned, recursively) within these limits; `None`: archives
    /// are binary like any other compressed format.
    #[cfg(feature = "archive")]
    pub(crate) archives: Option<crate::source::archive::Limits>,
}

/// An origin built on first need: most inputs have no matches and are never named.
pub(crate) struct LazyOrigin<'f> {
    make: &'f mut dyn FnMut() -> Origin,
    made: Option<Arc<Origin>>,
}

impl<'f> LazyOrigin<'f> {
    pub(crate) fn new(make: &'f mut dyn FnMut() -> Origin) -> Self {
        LazyOrigin { make, made: None }
    }

    pub(crate) fn get(&mut self) -> Arc<Origin> {
        Arc::clone(self.made.get_or_insert_with(|| Arc::new((self.make)())))
    }
}

/// One worker thread's state: engine scratch, match list and read buffer, reused across inputs.
pub(crate) struct BlobWorker<'a> {
    shared: &'a Shared<'a>,
    scratch: Scratch,
    matches: Vec<Match>,
    buf: Vec<u8>,
    /// Inputs and bytes this worker scanned.
    pub(crate) stats: ScanStats,
    /// Where this worker is inside archives (depth, and the budget of the outermost one).
    #[cfg(feature = "archive")]
    pub(crate) nest: crate::source::archive::Nest,
}

impl<'a> BlobWorker<'a> {
    pub(crate) fn new(shared: &'a Shared<'a>) -> Self {
        BlobWorker {
            shared,
            scratch: shared.scanner.scratch(),
            matches: Vec::new(),
            buf: Vec::new(),
            stats: ScanStats::default(),
            #[cfg(feature = "archive")]
            nest: Default::default(),
        }
    }

    /// What every worker of this scan shares.
    #[cfg(feature = "archive")]
    pub(crate) fn shared(&self) -> &'a Shared<'a> {
        self.shared
    }

    pub(crate) fn stopped(&self) -> bool {
        (self.shared.stop)()
    }

    /// Skips an input whose size is known to be over the cap; true when it did.
    pub(crate) fn over_cap(
        &mut self,
        origin: &mut LazyOrigin<'_>,
        len: u64,
        emit: &mut dyn Emit,
    ) -> bool {
        match self.shared.max_size {
            Some(max) if len > max => {
                emit.emit(Event::Skipped(Skipped::new(
                    origin.get(),
                    SkipReason::TooLarge,
                    Some(format!("{len} bytes > {max}")),
                )));
                true
            }
            _ => false,
        }
    }

    /// Scans the file at `path`.
    pub(crate) fn file(&mut self, path: &Path, origin: &mut LazyOrigin<'_>, emit: &mut dyn Emit) {
        let opened = File::open(path).and_then(|f| {
            let len = f.metadata()?.len();
            Ok((f, len))
        });
        let (mut file, len) = match opened {
            Ok(x) => x,
            Err(source) => {
                return emit.emit(Event::Error(SourceError::Io {
                    path: path.to_owned(),
                    source,
                }));
            }
        };
        // An archive is opened whatever its size (its members meet the cap); a zip by seeking.
        #[cfg(feature = "archive")]
        if crate::source::archive::worker::file(self, &mut file, origin, emit) {
            return;
        }
        if self.over_cap(origin, len, emit) {
            return;
        }
        self.reader(origin, &mut file, Some(len), emit);
    }

    /// Scans everything `reader` yields, in chunks.
    pub(crate) fn reader(
        &mut self,
        origin: &mut LazyOrigin<'_>,
        reader: &mut dyn Read,
        len: Option<u64>,
        emit: &mut dyn Emit,
    ) {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let first = len.map_or(CHUNK, |l| (l as usize).min(CHUNK));
        buf.reserve(first.saturating_add(1));
        let mut eof = match fill(reader, &mut buf, CHUNK) {
            Ok(eof) => eof,
            Err(e) => {
                self.buf = buf;
                return self.read_error(origin, e, emit);
            }
        };
        #[cfg(feature = "archive")]
        if crate::source::archive::worker::stream(self, &buf, reader, origin, emit) {
            buf.clear();
            self.buf = buf;
            return;
        }
        if let Content::Binary(kind) = sniff(&buf[..buf.len().min(SNIFF)]) {
            self.buf = buf;
            return emit.emit(Event::Skipped(Skipped::new(
                origin.get(),
                SkipReason::Binary,
                Some(kind.to_string()),
            )));
        }
        let mut base = 0u64;
        let mut at = Cursor::START;
        let mut report_from = 0;
        loop {
            let report_to = if eof { buf.len() } else { buf.len() - DEFER };
            self.scan_chunk(&buf, base, at, report_from..report_to, None, origin, emit);
            if eof || self.stopped() {
                break;
            }
            if let Some(max) = self.shared.max_size
                && base + buf.len() as u64 >= max
            {
                // A stream with no known length ran past the cap: what was read is reported.
                emit.emit(Event::Skipped(Skipped::new(
                    origin.get(),
                    SkipReason::TooLarge,
                    Some(format!("stopped after {max} bytes")),
                )));
                break;
            }
            let keep_from = char_start(&buf, report_to - LOOKBEHIND);
            at = LineCounter::resume(&buf, base, at).cursor(keep_from);
            report_from = report_to - keep_from;
            buf.drain(..keep_from);
            base += keep_from as u64;
            eof = match fill(reader, &mut buf, CHUNK + CARRY) {
                Ok(eof) => eof,
                Err(e) => {
                    self.read_error(origin, e, emit);
                    break;
                }
            };
        }
        let total = base + buf.len() as u64;
        self.count(total);
        // Do not let one input's large buffer stay pinned for the rest of the scan.
        if buf.capacity() > CHUNK + CARRY + 1 {
            buf = Vec::new();
        }
        self.buf = buf;
    }

    /// Scans bytes already in memory (a git object, a buffer). With `keep`, only matches on
    /// those 1-based line ranges are reported (added lines of a staged file).
    pub(crate) fn bytes(
        &mut self,
        origin: &mut LazyOrigin<'_>,
        bytes: &[u8],
        keep: Option<&[Range<u64>]>,
        emit: &mut dyn Emit,
    ) {
        #[cfg(feature = "archive")]
        if keep.is_none() && crate::source::archive::worker::bytes(self, bytes, origin, emit) {
            return;
        }
        if let Content::Binary(kind) = sniff(&bytes[..bytes.len().min(SNIFF)]) {
            return emit.emit(Event::Skipped(Skipped::new(
                origin.get(),
                SkipReason::Binary,
                Some(kind.to_string()),
            )));
        }
        self.scan_chunk(bytes, 0, Cursor::START, 0..bytes.len(), keep, origin, emit);
        self.count(bytes.len() as u64);
    }

    /// Scans bytes already in memory and returns whether anything matched, without reporting:
    /// for sources that must look at a blob before deciding how to report it (the staged
    /// source diffs only blobs with matches).
    pub(crate) fn has_matches(&mut self, bytes: &[u8]) -> bool {
        if matches!(sniff(&bytes[..bytes.len().min(SNIFF)]), Content::Binary(_)) {
            return true; // reported as a skip by `bytes`
        }
        self.matches.clear();
        self.shared
            .scanner
            .scan(bytes, &mut self.scratch, &mut self.matches);
        !self.matches.is_empty()
    }

    /// Counts one input scanned.
    pub(crate) fn count(&mut self, bytes: u64) {
        self.stats.scanned += 1;
        self.stats.bytes += bytes;
        if let Some(p) = self.shared.progress {
            p.add(1, bytes);
        }
    }

    pub(crate) fn read_error(
        &mut self,
        origin: &mut LazyOrigin<'_>,
        source: io::Error,
        emit: &mut dyn Emit,
    ) {
        let path = match &*origin.get() {
            Origin::File { path, .. } => path.clone(),
            other => other.label().into(),
        };
        emit.emit(Event::Error(SourceError::Io { path, source }));
    }

    /// Scans `hay` (which starts at absolute offset `base`, where the position is `at`) and
    /// reports the matches whose secret starts in `report`.
    #[allow(clippy::too_many_arguments)]
    fn scan_chunk(
        &mut self,
        hay: &[u8],
        base: u64,
        at: Cursor,
        report: Range<usize>,
        keep: Option<&[Range<u64>]>,
        origin: &mut LazyOrigin<'_>,
        emit: &mut dyn Emit,
    ) {
        let scanner = self.shared.scanner;
        self.matches.clear();
        scanner.scan(hay, &mut self.scratch, &mut self.matches);
        // A whole file of one value (`config/master.key`) is named by its file name.
        if self.matches.is_empty()
            && base == 0
            && report.end == hay.len()
            && let Some(value) = crate::engine::single_value(hay)
        {
            let path = origin.get().path();
            scanner.scan_file_value(&path, hay, value, &mut self.scratch, &mut self.matches);
        }
        if base == 0 && report.end == hay.len() && crate::engine::may_be_login_file(hay) {
            // `chap-secrets`, `rsyncd.secrets`: the file's format says which field is a
            // password.
            let path = origin.get().path();
            scanner.scan_login_file(&path, hay, &mut self.scratch, &mut self.matches);
        }
        if self.matches.is_empty() {
            return;
        }
        let mut lines = LineCounter::resume(hay, base, at);
        let mut hits = Vec::new();
        // Matches come sorted by secret start, so the line counter only moves forwards.
        for m in &self.matches {
            if !report.contains(&m.secret.start) {
                continue;
            }
            let (line, column) = lines.position(m.secret.start);
            let (end_line, end_column) = lines.position_from(m.secret.end, m.secret.start);
            if let Some(keep) = keep
                && !keep.iter().any(|r| r.start <= end_line && line < r.end)
            {
                continue;
            }
            let rule = scanner.info(m.rule);
            let (secret, companion): (&[u8], Option<&[u8]>) = match &m.decoded {
                Some(d) => (&d.secret, d.companion.as_deref()),
                None => (&hay[m.secret.clone()], m.companion.clone().map(|c| &hay[c])),
            };
            let companion = companion.and_then(|value| {
                Some(Companion {
                    name: scanner.companion_name(m.rule)?.to_string(),
                    value: Secret::new(String::from_utf8_lossy(value)),
                })
            });
            hits.push(Hit {
                fingerprint: fingerprint(&rule.id, secret),
                secret: Secret::new(String::from_utf8_lossy(secret)),
                rule,
                companion,
                location: Location {
                    origin: origin.get(),
                    line,
                    column,
                    end_line,
                    end_column,
                    offset: base + m.secret.start as u64,
                    end_offset: base + m.secret.end as u64,
                    encoding: m.decoded.as_ref().map(|d| d.encoding),
                },
            });
        }
        if !hits.is_empty() {
            emit.emit(Event::Hits(hits));
        }
    }
}

/// Reads until `buf` holds `target` bytes or the reader ends; true at the end. `read_to_end`
/// reads into spare capacity without zeroing it first (zeroing a megabyte per small file was
/// a third of a directory scan's time).
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    let want = target.saturating_sub(buf.len());
    if want == 0 {
        return Ok(false);
    }
    let n = reader.take(want as u64).read_to_end(buf)?;
    Ok(n < want)
}

/// `at`, moved back to the start of a UTF-8 character, so a carried chunk never begins in the
/// middle of one (its columns would fall back to bytes).
fn char_start(buf: &[u8], mut at: usize) -> usize {
    let floor = at.saturating_sub(3);
    while at > floor && at < buf.len() && (buf[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleOrigin, RuleSet};

    const RULE: &str = r#"
[[rule]]
id = "t.tok"
name = "Token"
kind = "saas-token"
keywords = ["tok_"]
pattern = '\b(?P<secret>tok_[A-Za-z0-9]{16})\b'
"#;

    struct Events(Vec<Event>);
    impl Emit for Events {
        fn emit(&mut self, e: Event) {
            self.0.push(e);
        }
    }

    fn scanner() -> Scanner {
        let mut set = RuleSet::empty();
        set.add_text(RuleOrigin::File("t.toml".into()), RULE);
        Scanner::new(set.rules).0
    }

    /// A reader that returns at most `n` bytes per call, like a pipe.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(self.1);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn tokens_across_every_chunk_boundary_are_found_once_with_the_right_lines() {
        let scanner = scanner();
        let stop = || false;
        let shared = Shared {
            scanner: &scanner,
            max_size: None,
            progress: None,
            stop: &stop,
            #[cfg(feature = "archive")]
            archives: None,
        };
        // Three chunks and a bit, with a token straddling each boundary the chunker uses (the
        // end of each report region and of each read) and lines of varying length.
        let mut text = Vec::new();
        let mut expected = Vec::new();
        let mut line = 1u64;
        let mut n = 0u32;
        let boundaries: Vec<usize> = (1..=3)
            // Reads end at k * CHUNK; each chunk reports up to DEFER before that and the next
            // one starts CARRY before it.
            .flat_map(|k| [k * CHUNK - CARRY, k * CHUNK - DEFER, k * CHUNK])
            .collect();
        while text.len() < 3 * CHUNK + 4096 {
            let near = boundaries
                .iter()
                .any(|&b| b > text.len() && b - text.len() < 120);
            if near || text.len() % 300_007 < 90 {
                let tok = format!("tok_{:016}", n);
                n += 1;
                text.extend_from_slice(b"key = ");
                let col = 7;
                expected.push((tok.clone(), line, col));
                text.extend_from_slice(tok.as_bytes());
                text.push(b'\n');
            } else {
                text.extend_from_slice(
                    b"filler text with words but no keyword here, cafe \xc3\xa9\n",
                );
            }
            line += 1;
        }
        let mut worker = BlobWorker::new(&shared);
        let mut make = || Origin::Buffer { name: "x".into() };
        let mut origin = LazyOrigin::new(&mut make);
        let mut events = Events(Vec::new());
        worker.reader(&mut origin, &mut Trickle(&text, 70_001), None, &mut events);
        let got: Vec<(String, u64, u64)> = events
            .0
            .into_iter()
            .flat_map(|e| match e {
                Event::Hits(h) => h,
                _ => Vec::new(),
            })
            .map(|h| {
                (
                    h.secret.expose().to_string(),
                    h.location.line,
                    h.location.column,
                )
            })
            .collect();
        assert_eq!(got, expected);
        assert_eq!(worker.stats.bytes, text.len() as u64);
    }
}
