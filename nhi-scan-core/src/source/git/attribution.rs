//! Who introduced a blob, and where else it was seen: origins with commit details (read only
//! for commits that carry hits or skips), and the table that turns later sightings of a blob
//! (renames, copies) into extra locations for the blobs that had hits.

use std::collections::HashMap;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use gix::ObjectId;
use gix::objs::Find;

use super::walk::CommitNode;
use crate::finding::{GitOrigin, Hit, Origin};
use crate::scan::Pipeline;
use crate::source::blob::{Emit, Event};
use crate::source::{Problem, SkipReason, Skipped, SourceError};

/// Who introduced a blob at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    /// A commit, by index into the walk's commit list.
    Commit(u32),
    /// A ref pointing (through tags) at a tree or blob, not a commit.
    Ref(u32),
    /// An object no ref reaches (`--all-objects`).
    Unreachable,
}

/// What the walk and the workers send to the calling thread.
pub(super) enum Msg {
    /// An error or a warning.
    Event(Event),
    /// A blob's hits, located at the blob's first sighting.
    BlobHits { blob: ObjectId, hits: Vec<Hit> },
    /// A later sighting of a blob that had hits.
    Sighting {
        blob: ObjectId,
        attr: Attr,
        path: Vec<u8>,
    },
    /// An entry not scanned (link, submodule, allowlisted path).
    Skip {
        blob: ObjectId,
        attr: Attr,
        path: Vec<u8>,
        reason: SkipReason,
    },
}

/// What origins are made from.
pub(super) struct Context<'a> {
    /// The repository as the caller named it.
    pub(super) label: &'a str,
    pub(super) commits: &'a [CommitNode],
    /// Each commit's rank in history order.
    pub(super) rank: &'a [u32],
    pub(super) ref_names: &'a [String],
}

enum State {
    /// Queued or being scanned; later sightings wait here.
    Queued(Vec<(Attr, Vec<u8>)>),
    /// Scanned, with hits: later sightings become locations at once.
    Hits,
}

/// The state of blobs still being scanned or known to have hits; a clean blob leaves the table
/// when its scan ends, and its later sightings are dropped, so the table stays small.
#[derive(Default)]
pub(super) struct BlobStates {
    map: Mutex<HashMap<ObjectId, State>>,
}

impl BlobStates {
    /// A blob was sent to the workers.
    pub(super) fn queued(&self, id: ObjectId) {
        self.lock().insert(id, State::Queued(Vec::new()));
    }

    /// A later sighting of a blob already sent to the workers.
    pub(super) fn sighting(&self, id: ObjectId, attr: Attr, path: &[u8], msgs: &SyncSender<Msg>) {
        let mut map = self.lock();
        match map.get_mut(&id) {
            Some(State::Queued(waiting)) => waiting.push((attr, path.to_vec())),
            Some(State::Hits) => {
                // Sent under the lock so it cannot overtake the blob's hits.
                let _ = msgs.send(Msg::Sighting {
                    blob: id,
                    attr,
                    path: path.to_vec(),
                });
            }
            None => {}
        }
    }

    /// A worker finished a blob, with its hits (if any).
    pub(super) fn done(&self, id: ObjectId, hits: Vec<Hit>, msgs: &SyncSender<Msg>) {
        let mut map = self.lock();
        let waiting = match map.remove(&id) {
            Some(State::Queued(w)) => w,
            _ => Vec::new(),
        };
        if hits.is_empty() {
            return;
        }
        let _ = msgs.send(Msg::BlobHits { blob: id, hits });
        for (attr, path) in waiting {
            let _ = msgs.send(Msg::Sighting {
                blob: id,
                attr,
                path,
            });
        }
        map.insert(id, State::Hits);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ObjectId, State>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Commit details for an origin.
#[derive(Clone, Default)]
struct CommitMeta {
    author_name: String,
    author_email: String,
    author_time: i64,
    committer_time: i64,
    subject: String,
}

fn commit_meta(repo: &gix::Repository, id: &ObjectId) -> Result<CommitMeta, SourceError> {
    let location = || format!("{id} (commit)");
    let mut buf = Vec::new();
    let data = match repo.objects.try_find(id, &mut buf) {
        Ok(Some(d)) => d,
        Ok(None) => return Err(SourceError::git_problem(location(), "commit missing")),
        Err(e) => return Err(SourceError::git(location(), e)),
    };
    let c = gix::objs::CommitRef::from_bytes(data.data, data.object_hash)
        .map_err(|e| SourceError::git(location(), e))?;
    let mut meta = CommitMeta {
        subject: String::from_utf8_lossy(c.message_summary().as_ref()).into_owned(),
        ..CommitMeta::default()
    };
    let author = c.author().map_err(|e| SourceError::git(location(), e))?;
    let a = author.trim();
    meta.author_name = a.name.to_string();
    meta.author_email = a.email.to_string();
    meta.author_time = a.seconds();
    if let Ok(cm) = c.committer() {
        meta.committer_time = cm.seconds();
    }
    Ok(meta)
}

/// Builds origins, caching commit details per commit.
pub(super) struct OriginMaker<'a> {
    repo: gix::Repository,
    context: &'a Context<'a>,
    /// `None`: the commit could not be read (reported once).
    metas: HashMap<u32, Option<CommitMeta>>,
}

impl<'a> OriginMaker<'a> {
    pub(super) fn new(sync: &gix::ThreadSafeRepository, context: &'a Context<'a>) -> Self {
        OriginMaker {
            repo: sync.to_thread_local(),
            context,
            metas: HashMap::new(),
        }
    }

    /// The origin of `blob` at `path`, attributed to `attr`; a commit that cannot be read is
    /// reported through `report` (once) and the origin keeps its id with no author.
    pub(super) fn make(
        &mut self,
        blob: &gix::oid,
        attr: Attr,
        path: &[u8],
        report: &mut dyn FnMut(SourceError),
    ) -> Origin {
        let ctx = self.context;
        let (commit, meta, reference, order) = match attr {
            Attr::Commit(i) => {
                let id = ctx.commits[i as usize].id;
                let repo = &self.repo;
                let meta = self
                    .metas
                    .entry(i)
                    .or_insert_with(|| match commit_meta(repo, &id) {
                        Ok(m) => Some(m),
                        Err(e) => {
                            report(e);
                            None
                        }
                    })
                    .clone()
                    .unwrap_or_default();
                (id.to_string(), meta, None, ctx.rank[i as usize])
            }
            Attr::Ref(r) => (
                String::new(),
                CommitMeta::default(),
                ctx.ref_names.get(r as usize).cloned(),
                u32::MAX,
            ),
            Attr::Unreachable => (String::new(), CommitMeta::default(), None, u32::MAX),
        };
        Origin::Git(Box::new(GitOrigin {
            repository: ctx.label.to_string(),
            commit,
            path: String::from_utf8_lossy(path).into_owned(),
            blob: blob.to_string(),
            author_name: meta.author_name,
            author_email: meta.author_email,
            author_time: meta.author_time,
            committer_time: meta.committer_time,
            subject: meta.subject,
            reference,
            order,
        }))
    }
}

/// The calling thread's side: feeds the pipeline, keeping the hits of blobs that had any so
/// later sightings can be located like them.
pub(super) struct Drain<'a, 'p> {
    maker: OriginMaker<'a>,
    pipeline: &'a mut Pipeline<'p>,
    templates: HashMap<ObjectId, Vec<Hit>>,
}

impl<'a, 'p> Drain<'a, 'p> {
    pub(super) fn new(maker: OriginMaker<'a>, pipeline: &'a mut Pipeline<'p>) -> Self {
        Drain {
            maker,
            pipeline,
            templates: HashMap::new(),
        }
    }

    pub(super) fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Event(e) => self.pipeline.emit(e),
            Msg::BlobHits { blob, hits } => {
                self.pipeline.emit(Event::Hits(hits.clone()));
                self.templates.insert(blob, hits);
            }
            Msg::Sighting { blob, attr, path } => {
                let Some(template) = self.templates.get(&blob) else {
                    return;
                };
                let mut errors = Vec::new();
                let origin = Arc::new(self.maker.make(&blob, attr, &path, &mut |e| errors.push(e)));
                let hits = template
                    .iter()
                    .map(|h| {
                        let mut h = h.clone();
                        h.location.origin = Arc::clone(&origin);
                        h
                    })
                    .collect();
                for e in errors {
                    self.pipeline.emit(Event::Error(e));
                }
                self.pipeline.emit(Event::Hits(hits));
            }
            Msg::Skip {
                blob,
                attr,
                path,
                reason,
            } => {
                let mut errors = Vec::new();
                let origin = self.maker.make(&blob, attr, &path, &mut |e| errors.push(e));
                for e in errors {
                    self.pipeline.emit(Event::Error(e));
                }
                self.pipeline
                    .emit(Event::Skipped(Skipped::new(Arc::new(origin), reason, None)));
            }
        }
    }

    /// The blobs that had hits.
    pub(super) fn hit_blobs(&self) -> std::collections::HashSet<ObjectId> {
        self.templates.keys().copied().collect()
    }

    /// A thread of the scan died: whatever it held is lost, and the scan must say so.
    pub(super) fn panicked(&mut self, what: &str) {
        self.pipeline.emit(Event::Error(SourceError::git(
            self.maker.context.label,
            Problem(format!(
                "{what} stopped unexpectedly; blobs it held were not scanned"
            )),
        )));
    }
}
