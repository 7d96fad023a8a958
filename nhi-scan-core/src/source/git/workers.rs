//! Blob workers: one per core, each with its own repository handle and pack cache. A worker
//! reads a blob (size from the object header first, so a blob over the cap is never
//! decompressed), hands the bytes to the shared blob worker, and reports the blob's hits with
//! its first sighting as their origin.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use gix::objs::{Find, FindHeader, Kind};

use super::attribution::{BlobStates, Context, Msg, OriginMaker};
use super::use_pack_cache;
use super::walk::BlobJob;
use crate::finding::Hit;
use crate::source::blob::{BlobWorker, Emit, Event, LazyOrigin, Shared};
use crate::source::{ScanStats, SourceError};

/// Collects one blob's hits; passes everything else on.
struct BlobEmit<'a> {
    msgs: &'a SyncSender<Msg>,
    hits: Vec<Hit>,
}

impl Emit for BlobEmit<'_> {
    fn emit(&mut self, event: Event) {
        match event {
            Event::Hits(h) => self.hits.extend(h),
            other => {
                let _ = self.msgs.send(Msg::Event(other));
            }
        }
    }
}

/// A worker's loop: batches of blobs until the walk closes the channel.
pub(super) fn run(
    sync: &gix::ThreadSafeRepository,
    shared: &Shared<'_>,
    context: &Context<'_>,
    states: &BlobStates,
    jobs: &Mutex<Receiver<Vec<BlobJob>>>,
    msgs: SyncSender<Msg>,
) -> ScanStats {
    let mut repo = sync.to_thread_local();
    use_pack_cache(&mut repo);
    let mut w = Worker {
        repo,
        blob: BlobWorker::new(shared),
        maker: OriginMaker::new(sync, context),
        states,
        msgs: &msgs,
        buf: Vec::new(),
    };
    loop {
        let batch = {
            let rx = jobs.lock().unwrap_or_else(|e| e.into_inner());
            rx.recv()
        };
        let Ok(batch) = batch else { break };
        for job in batch {
            // A stopped scan still drains the channel, so the walk never blocks on it.
            if !w.blob.stopped() {
                w.scan(job);
            }
        }
    }
    w.blob.stats
}

struct Worker<'a> {
    repo: gix::Repository,
    blob: BlobWorker<'a>,
    maker: OriginMaker<'a>,
    states: &'a BlobStates,
    msgs: &'a SyncSender<Msg>,
    buf: Vec<u8>,
}

impl Worker<'_> {
    fn scan(&mut self, job: BlobJob) {
        let mut out = BlobEmit {
            msgs: self.msgs,
            hits: Vec::new(),
        };
        let mut errors = Vec::new();
        {
            let maker = &mut self.maker;
            let mut make = || maker.make(&job.id, job.attr, &job.path, &mut |e| errors.push(e));
            let mut origin = LazyOrigin::new(&mut make);
            read_and_scan(
                &self.repo,
                &mut self.blob,
                &mut self.buf,
                &job,
                &mut origin,
                &mut out,
            );
        }
        for e in errors {
            out.emit(Event::Error(e));
        }
        self.states.done(job.id, out.hits, self.msgs);
    }
}

fn read_and_scan(
    repo: &gix::Repository,
    blob: &mut BlobWorker<'_>,
    reuse: &mut Vec<u8>,
    job: &BlobJob,
    origin: &mut LazyOrigin<'_>,
    out: &mut BlobEmit<'_>,
) {
    {
        let location = || place(job);
        let header = match repo.objects.try_header(&job.id) {
            Ok(Some(h)) => h,
            Ok(None) => return out.emit(error(location(), "blob missing")),
            Err(e) => return out.emit(Event::Error(SourceError::git(location(), e))),
        };
        if blob.over_cap(origin, header.size, out) {
            return;
        }
        let mut buf = std::mem::take(reuse);
        match repo.objects.try_find(&job.id, &mut buf) {
            Ok(Some(d)) if d.kind == Kind::Blob => {
                blob.bytes(origin, &buf, None, out);
            }
            Ok(Some(d)) => out.emit(error(
                location(),
                &format!("expected a blob, found a {}", d.kind),
            )),
            Ok(None) => out.emit(error(location(), "blob missing")),
            Err(e) => out.emit(Event::Error(SourceError::git(location(), e))),
        }
        // Do not let one huge blob pin its buffer for the rest of the scan.
        if buf.capacity() > 16 * 1024 * 1024 {
            buf = Vec::new();
        }
        *reuse = buf;
    }
}

/// The object id and the path it was reached by.
fn place(job: &BlobJob) -> String {
    if job.path.is_empty() {
        format!("{} (blob)", job.id)
    } else {
        format!("{} ({})", job.id, String::from_utf8_lossy(&job.path))
    }
}

fn error(location: String, message: &str) -> Event {
    Event::Error(SourceError::git_problem(location, message))
}
