//! The blob worker's side of archives: the worker asks here, with the first bytes of every input
//! (a file, a stream, bytes in memory), whether to open it as an archive; if so, each member is
//! fed back into the same worker under `Origin::Archive { outer, member }`, one level deeper,
//! where it meets the size cap, the binary sniffing and the scan like any input, and may itself
//! be an archive (up to [`Limits::max_depth`]).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::sync::Arc;

use super::{
    ArchiveError, Budget, Format, Input, Member, MemberKind, Nest, SNIFF_LEN, Visitor,
    for_each_member, read_head, sniff,
};
use crate::finding::Origin;
use crate::source::blob::{BlobWorker, Emit, Event, LazyOrigin};
use crate::source::{SkipReason, Skipped, SourceError};

enum Decision {
    Scan,
    TooDeep(Format),
    Open(Format),
}

fn decide(worker: &BlobWorker<'_>, head: &[u8]) -> Decision {
    let Some(limits) = &worker.shared().archives else {
        return Decision::Scan;
    };
    match sniff(head, "") {
        None => Decision::Scan,
        Some(f) if worker.nest.depth >= limits.max_depth => Decision::TooDeep(f),
        Some(f) => Decision::Open(f),
    }
}

fn too_deep(
    worker: &BlobWorker<'_>,
    format: Format,
    origin: &mut LazyOrigin<'_>,
    emit: &mut dyn Emit,
) {
    let depth = worker.shared().archives.as_ref().map_or(0, |l| l.max_depth);
    emit.emit(Event::Skipped(Skipped::new(
        origin.get(),
        SkipReason::ArchiveDepth,
        Some(format!("{format} inside {depth} archive levels")),
    )));
}

/// A file on disk: opened as an archive (a zip by seeking) when it is one. True when handled.
pub(crate) fn file(
    worker: &mut BlobWorker<'_>,
    file: &mut File,
    origin: &mut LazyOrigin<'_>,
    emit: &mut dyn Emit,
) -> bool {
    if worker.shared().archives.is_none() {
        return false;
    }
    let head = match read_head(file, SNIFF_LEN) {
        Ok(h) => h,
        Err(e) => {
            worker.read_error(origin, e, emit);
            return true;
        }
    };
    let decision = decide(worker, &head);
    if let Err(e) = file.rewind() {
        worker.read_error(origin, e, emit);
        return true;
    }
    match decision {
        Decision::Scan => false,
        Decision::TooDeep(f) => {
            too_deep(worker, f, origin, emit);
            true
        }
        Decision::Open(f) => {
            open(worker, f, Input::File(file), origin, emit);
            true
        }
    }
}

/// A stream whose first chunk is `head` and whose rest is `rest`. True when handled.
pub(crate) fn stream(
    worker: &mut BlobWorker<'_>,
    head: &[u8],
    rest: &mut dyn Read,
    origin: &mut LazyOrigin<'_>,
    emit: &mut dyn Emit,
) -> bool {
    match decide(worker, head) {
        Decision::Scan => false,
        Decision::TooDeep(f) => {
            too_deep(worker, f, origin, emit);
            true
        }
        Decision::Open(f) => {
            let mut chained = Cursor::new(head).chain(rest);
            open(worker, f, Input::Stream(&mut chained), origin, emit);
            true
        }
    }
}

/// Bytes in memory. True when handled.
pub(crate) fn bytes(
    worker: &mut BlobWorker<'_>,
    bytes: &[u8],
    origin: &mut LazyOrigin<'_>,
    emit: &mut dyn Emit,
) -> bool {
    match decide(worker, &bytes[..bytes.len().min(SNIFF_LEN)]) {
        Decision::Scan => false,
        Decision::TooDeep(f) => {
            too_deep(worker, f, origin, emit);
            true
        }
        Decision::Open(f) => {
            open(worker, f, Input::Bytes(bytes), origin, emit);
            true
        }
    }
}

fn open(
    worker: &mut BlobWorker<'_>,
    format: Format,
    input: Input<'_>,
    origin: &mut LazyOrigin<'_>,
    emit: &mut dyn Emit,
) {
    let Some(limits) = worker.shared().archives.clone() else {
        return;
    };
    let outer = origin.get();
    let name = outer.path();
    let saved = worker.nest.clone();
    let budget = saved
        .budget
        .clone()
        .unwrap_or_else(|| Arc::new(Budget::new()));
    worker.nest = Nest {
        depth: saved.depth + 1,
        budget: Some(Arc::clone(&budget)),
    };
    {
        let mut visitor = Members {
            worker: &mut *worker,
            outer,
            emit,
        };
        for_each_member(format, input, &name, &limits, &budget, &mut visitor);
    }
    worker.nest = saved;
}

/// Feeds members back into the worker.
struct Members<'w, 'a, 'e> {
    worker: &'w mut BlobWorker<'a>,
    outer: Arc<Origin>,
    emit: &'e mut dyn Emit,
}

impl Members<'_, '_, '_> {
    fn skip(&mut self, name: &str, reason: SkipReason, detail: Option<String>) {
        let origin = Arc::new(Origin::Archive {
            outer: Arc::clone(&self.outer),
            member: name.to_string(),
        });
        self.emit
            .emit(Event::Skipped(Skipped::new(origin, reason, detail)));
    }
}

/// Passes a member's bytes on, keeping the first read error for the archive reader (which
/// reports it once, as a problem of the archive, and decides whether to go on) instead of
/// letting the worker report it as an unreadable input of its own.
struct Guard<'r> {
    inner: &'r mut dyn Read,
    error: Option<io::Error>,
}

impl Read for Guard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.error = Some(e);
                Ok(0)
            }
        }
    }
}

impl Visitor for Members<'_, '_, '_> {
    fn member(&mut self, member: &Member<'_>, data: &mut dyn Read) -> io::Result<()> {
        let name = member.name.strip_prefix("./").unwrap_or(member.name);
        match member.kind {
            MemberKind::File => {}
            MemberKind::Dir => return Ok(()),
            MemberKind::Symlink => {
                self.skip(
                    name,
                    SkipReason::Symlink,
                    member.link.map(|l| format!("-> {l}")),
                );
                return Ok(());
            }
            MemberKind::HardLink => {
                self.skip(
                    name,
                    SkipReason::HardLink,
                    member.link.map(|l| format!("= {l}")),
                );
                return Ok(());
            }
            MemberKind::Special => {
                self.skip(name, SkipReason::NotRegularFile, None);
                return Ok(());
            }
        }
        if self.worker.stopped() {
            return Ok(());
        }
        let outer = Arc::clone(&self.outer);
        let member_name = name.to_string();
        let mut make = move || Origin::Archive {
            outer: Arc::clone(&outer),
            member: member_name.clone(),
        };
        let mut origin = LazyOrigin::new(&mut make);
        if let Some(size) = member.size
            && self.worker.over_cap(&mut origin, size, self.emit)
        {
            return Ok(());
        }
        let mut guard = Guard {
            inner: data,
            error: None,
        };
        self.worker
            .reader(&mut origin, &mut guard, member.size, self.emit);
        match guard.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn error(&mut self, error: ArchiveError) {
        self.emit.emit(Event::Error(SourceError::Archive {
            location: self.outer.label(),
            source: error,
        }));
    }
}
