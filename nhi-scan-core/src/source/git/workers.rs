//! Blob workers: one per core, each with its own repository handle and pack cache. A worker
//! reads a blob (size from the object header first, so a blob over the cap is never
//! decompressed), hands the bytes to the shared blob worker, and reports the blob's hits with
//! its first sighting as their origin.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use gix::objs::{FindHeader, Kind};

use super::attribution::{BlobStates, Context, Msg, OriginMaker};
use super::integrity;
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
    verify_packed: bool,
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
        verify_packed,
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
    /// Hash packed objects too (a pack failed its trailer check).
    verify_packed: bool,
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
                self.verify_packed,
            );
        }
        for e in errors {
            out.emit(Event::Error(e));
        }
        self.states.done(job.id, out.hits, self.msgs);
    }
}

/// Blobs larger than this are streamed through the blob worker's chunked reader (`git cat-file`
/// inflating them) instead of being loaded whole: gix inflates an object into one buffer, so a
/// 3 GB blob would take 3 GB of memory. Few blobs are this large, so a process per blob is cheap.
const STREAM_OVER: u64 = 64 << 20;

fn read_and_scan(
    repo: &gix::Repository,
    blob: &mut BlobWorker<'_>,
    reuse: &mut Vec<u8>,
    job: &BlobJob,
    origin: &mut LazyOrigin<'_>,
    out: &mut BlobEmit<'_>,
    verify_packed: bool,
) {
    let location = || place(job);
    let header = match repo.objects.try_header(&job.id) {
        Ok(Some(h)) => h,
        Ok(None) => return out.emit(error(location(), "blob missing")),
        Err(e) => return out.emit(Event::Error(SourceError::git(location(), e))),
    };
    if header.kind != Kind::Blob {
        return out.emit(error(
            location(),
            &format!("expected a blob, found a {}", header.kind),
        ));
    }
    if blob.over_cap(origin, header.size, out) {
        return;
    }
    if header.size > STREAM_OVER && stream(repo, blob, job, header.size, origin, out) {
        return;
    }
    let mut buf = std::mem::take(reuse);
    match gix::odb::pack::Find::try_find(&*repo.objects, &job.id, &mut buf) {
        Ok(Some((d, packed))) if d.kind == Kind::Blob => {
            // Never scan bytes that are not the blob: a corrupt object is an error. Objects
            // from packs whose trailers checked out are what git wrote (see `integrity`).
            let check = packed.is_none() || verify_packed;
            let verdict = if check {
                integrity::verify(Kind::Blob, d.data, &job.id)
            } else {
                Ok(())
            };
            match verdict {
                Ok(()) => blob.bytes(origin, &buf, None, out),
                Err(problem) => out.emit(error(location(), &problem)),
            }
        }
        Ok(Some((d, _))) => out.emit(error(
            location(),
            &format!("expected a blob, found a {}", d.kind),
        )),
        Ok(None) => out.emit(error(location(), "blob missing")),
        Err(e) => out.emit(Event::Error(SourceError::git(location(), e))),
    }
    // Do not let one large blob pin its buffer for the rest of the scan.
    if buf.capacity() > 16 * 1024 * 1024 {
        buf = Vec::new();
    }
    *reuse = buf;
}

/// Streams a large blob from `git cat-file` through the chunked reader, hashing it on the way;
/// false when git cannot be started (the caller then loads the blob whole). Hits of a blob
/// whose bytes do not hash to its id are dropped and the blob is reported as corrupt.
fn stream(
    repo: &gix::Repository,
    blob: &mut BlobWorker<'_>,
    job: &BlobJob,
    size: u64,
    origin: &mut LazyOrigin<'_>,
    out: &mut BlobEmit<'_>,
) -> bool {
    if job.id.kind() != gix::hash::Kind::Sha1 {
        return false;
    }
    // `safe.directory` from the command line is honoured (protected configuration): the
    // repository may belong to another user, as a scanned one often does. The object database
    // is the one gix opened, whatever the environment of a hook says.
    let child = Command::new("git")
        .arg("-c")
        .arg("safe.directory=*")
        .arg("--git-dir")
        .arg(repo.git_dir())
        .args(["cat-file", "blob"])
        .arg(job.id.to_string())
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return false;
    };
    let mut reader = integrity::HashingReader {
        inner: stdout,
        hasher: integrity::ObjectHasher::new(Kind::Blob, size),
    };
    blob.reader(origin, &mut reader, Some(size), out);
    let stopped = blob.stopped();
    // Unblock git if the scan stopped early, then collect its verdict.
    drop(reader.inner);
    if stopped {
        let _ = child.kill();
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child.wait();
    if stopped {
        return true;
    }
    let verdict = match status {
        Ok(s) if s.success() => reader.hasher.check(&job.id),
        Ok(s) => Err(format!(
            "git cat-file failed ({s}): {}",
            stderr.trim().lines().next().unwrap_or("")
        )),
        Err(e) => Err(format!("git cat-file failed: {e}")),
    };
    if let Err(problem) = verdict {
        out.hits.clear();
        out.emit(error(place(job), &problem));
    }
    true
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
