//! Staged changes: what the next commit adds, for the pre-commit hook.
//!
//! The index is compared with HEAD's tree. Directories whose cache-tree entry (the index's
//! `TREE` extension, which git keeps valid for directories untouched since the last commit) names
//! the same tree as HEAD are skipped without reading anything, so the cost follows the size of
//! the change, not of the repository: reading the index is the only step proportional to the
//! repository. On the first commit (unborn HEAD) the whole index is new.
//!
//! By default only findings on added or changed lines are reported: the staged blob is diffed
//! line by line (`diff`) against HEAD's blob at the same path, or, for a file that is new at
//! its path, against the file it was moved from (a HEAD file this commit deletes with the same
//! content, else the same name), so moving committed content does not block a commit. The diff
//! runs only for blobs that have matches at all, which is rare. Inline allow comments still see
//! the whole blob, so `nhi-scan:allow-next-line` above an unchanged line keeps working.

mod diff;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use gix::ObjectId;
use gix::index::entry::{Flags, Mode};
use gix::objs::tree::EntryKind;
use gix::objs::{Find, FindHeader, Kind};

use super::blob::{BlobWorker, Emit, Event, LazyOrigin, Shared};
use super::{BoxError, ScanStats, SkipReason, Skipped, SourceError};
use crate::finding::Origin;
use crate::scan::{Pipeline, Scan, ScanError};

/// Below this many changed blobs one thread does the work: starting threads costs more.
const PARALLEL_THRESHOLD: usize = 32;
/// Deleted directories searched for the origin of a moved file, at most.
const MAX_RENAME_SEARCH: usize = 10_000;

/// What is staged for the next commit, and which part of it to report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Staged {
    /// A directory inside the repository.
    pub repo: PathBuf,
    /// Report findings on every line of staged files, not only added or changed lines.
    pub all_lines: bool,
    /// The index to read instead of the repository's (git sets `GIT_INDEX_FILE` for hooks run
    /// by `git commit -a` or `git commit PATH`).
    pub index_file: Option<PathBuf>,
    /// When non-empty, only these files (as the pre-commit framework passes them) are
    /// considered; each must exist.
    pub only: Vec<PathBuf>,
}

impl Staged {
    /// What is staged in the repository containing `repo`.
    pub fn new(repo: impl Into<PathBuf>) -> Staged {
        Staged {
            repo: repo.into(),
            all_lines: false,
            index_file: None,
            only: Vec::new(),
        }
    }

    /// Whether to report every line of staged files.
    pub fn all_lines(mut self, yes: bool) -> Self {
        self.all_lines = yes;
        self
    }

    /// The index file to read.
    pub fn index_file(mut self, path: Option<PathBuf>) -> Self {
        self.index_file = path;
        self
    }

    /// Only these files.
    pub fn only(mut self, files: Vec<PathBuf>) -> Self {
        self.only = files;
        self
    }
}

/// A problem that stops the staged scan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StagedError {
    /// Not inside a git repository.
    #[error("{}: not a git repository", path.display())]
    NotARepository {
        /// The path given.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The index cannot be read.
    #[error("{}: cannot read the index", path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// HEAD cannot be resolved to a tree.
    #[error("cannot read HEAD")]
    Head {
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// One staged blob that differs from HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    /// Repository-relative path (lossy UTF-8, `/`-separated).
    path: String,
    /// The staged blob.
    new: ObjectId,
    /// HEAD's blob at the same path, when there is one.
    old: Option<ObjectId>,
}

/// Scans what is staged.
pub(crate) fn run(
    scan: &Scan,
    staged: &Staged,
    shared: &Shared<'_>,
    pipeline: &mut Pipeline<'_>,
) -> Result<ScanStats, ScanError> {
    let root = crate::config::repository_root(&staged.repo);
    let sync = gix::ThreadSafeRepository::open_opts(&root, gix::open::Options::isolated())
        .map_err(|e| StagedError::NotARepository {
            path: staged.repo.clone(),
            source: Box::new(e),
        })?;
    let mut only = HashSet::new();
    for f in &staged.only {
        // A file named that does not exist is a usage error, as for every other command.
        let abs = std::fs::canonicalize(f).map_err(|source| ScanError::Operand {
            path: f.clone(),
            source,
        })?;
        if let Some(rel) = super::paths::relative_to(&root, &abs) {
            only.insert(rel);
        }
    }
    let repo = sync.to_thread_local();
    let (changes, deleted) = staged_changes(&repo, staged, &only, pipeline)?;
    let mut changes: Vec<Change> = changes;
    if let Some(filter) = &scan.path_filter {
        changes.retain(|c| {
            let allowed = filter.matches(&c.path);
            if allowed {
                pipeline.emit(Event::Skipped(Skipped::new(
                    Arc::new(file_origin(&c.path)),
                    SkipReason::PathAllowed,
                    None,
                )));
            }
            !allowed
        });
    }
    let moves = Moves::new(&repo, deleted);
    let threads = if changes.len() < PARALLEL_THRESHOLD {
        1
    } else {
        scan.threads().min(changes.len() / (PARALLEL_THRESHOLD / 2))
    };
    let next = AtomicUsize::new(0);
    let work = |emit: &mut dyn Emit| {
        let repo = sync.to_thread_local();
        let mut w = StagedWorker {
            repo: &repo,
            blob: BlobWorker::new(shared),
            all_lines: staged.all_lines,
            moves: &moves,
            buf: Vec::new(),
            old: Vec::new(),
        };
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(c) = changes.get(i) else { break };
            if w.blob.stopped() {
                break;
            }
            w.scan(c, emit);
        }
        w.blob.stats
    };
    let mut totals = ScanStats::default();
    if threads <= 1 {
        totals = work(pipeline);
    } else {
        let (tx, rx) = sync_channel::<Event>(256);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let mut tx = tx.clone();
                    let work = &work;
                    s.spawn(move || work(&mut tx))
                })
                .collect();
            drop(tx);
            pipeline.drain(rx);
            for h in handles {
                match h.join() {
                    Ok(stats) => totals.absorb(&stats),
                    Err(_) => pipeline.emit(Event::Error(SourceError::git_problem(
                        root.display().to_string(),
                        "a staged-file worker stopped unexpectedly; files it held were not scanned",
                    ))),
                }
            }
        });
    }
    Ok(totals)
}

fn file_origin(path: &str) -> Origin {
    Origin::File {
        path: PathBuf::from(path),
        relative: Some(path.to_string()),
    }
}

/// A HEAD entry this commit removes: (path, kind, id).
type Deleted = (String, EntryKind, ObjectId);

/// The staged blobs that differ from HEAD (all of them when HEAD is unborn), and the HEAD
/// entries the index no longer has. Submodules and symlinks are reported as skips.
fn staged_changes(
    repo: &gix::Repository,
    staged: &Staged,
    only: &HashSet<String>,
    emit: &mut dyn Emit,
) -> Result<(Vec<Change>, Vec<Deleted>), StagedError> {
    let index_path = staged
        .index_file
        .clone()
        .unwrap_or_else(|| repo.index_path());
    let index = if index_path.exists() {
        gix::index::File::at(
            &index_path,
            repo.object_hash(),
            true,
            gix::index::decode::Options::default(),
        )
        .map_err(|e| StagedError::Index {
            path: index_path.clone(),
            source: Box::new(e),
        })?
    } else {
        // A repository with nothing ever staged has no index file.
        return Ok((Vec::new(), Vec::new()));
    };
    let head = repo.head().map_err(|e| StagedError::Head {
        source: Box::new(e),
    })?;
    let head_tree = if head.is_unborn() {
        None
    } else {
        Some(
            repo.head_tree_id()
                .map_err(|e| StagedError::Head {
                    source: Box::new(e),
                })?
                .detach(),
        )
    };
    let mut d = Differ {
        repo,
        index: &index,
        out: Vec::new(),
        deleted: Vec::new(),
        emit,
        only,
    };
    let entries = index.entries().len();
    d.dir(head_tree, index.tree(), 0, 0, entries)?;
    Ok((d.out, d.deleted))
}

struct Differ<'a> {
    repo: &'a gix::Repository,
    index: &'a gix::index::File,
    out: Vec<Change>,
    deleted: Vec<Deleted>,
    emit: &'a mut dyn Emit,
    only: &'a HashSet<String>,
}

impl Differ<'_> {
    /// Compares index entries `lo..hi` (all under one directory whose path, with its trailing
    /// `/`, is `prefix_len` bytes long) with `tree`.
    fn dir(
        &mut self,
        tree: Option<ObjectId>,
        cache: Option<&gix::index::extension::Tree>,
        prefix_len: usize,
        lo: usize,
        hi: usize,
    ) -> Result<(), StagedError> {
        if let (Some(t), Some(c)) = (tree, cache)
            && c.num_entries.is_some()
            && c.id == t
        {
            return Ok(());
        }
        let listing = match tree {
            Some(t) => read_tree(self.repo, t)?,
            None => HashMap::new(),
        };
        let mut present: HashSet<Vec<u8>> = HashSet::new();
        let entries = self.index.entries();
        let mut prefix = Vec::new();
        let mut i = lo;
        while i < hi {
            let path: &[u8] = entries[i].path(self.index);
            if prefix.is_empty() {
                prefix = path[..prefix_len].to_vec();
            }
            let rest = &path[prefix_len..];
            if let Some(slash) = memchr::memchr(b'/', rest) {
                let name = &rest[..slash];
                present.insert(name.to_vec());
                let dir_prefix = &path[..prefix_len + slash + 1];
                let mut j = i + 1;
                while j < hi && entries[j].path(self.index).starts_with(dir_prefix) {
                    j += 1;
                }
                let sub = listing
                    .get(name)
                    .filter(|(kind, _)| *kind == EntryKind::Tree)
                    .map(|(_, id)| *id);
                let sub_cache = cache.and_then(|c| c.children.iter().find(|t| &t.name[..] == name));
                self.dir(sub, sub_cache, prefix_len + slash + 1, i, j)?;
                i = j;
                continue;
            }
            present.insert(rest.to_vec());
            let e = &entries[i];
            i += 1;
            if e.stage_raw() != 0 || e.flags.contains(Flags::INTENT_TO_ADD) {
                continue;
            }
            let path_str = String::from_utf8_lossy(path).into_owned();
            if !self.only.is_empty() && !self.only.contains(&path_str) {
                continue;
            }
            let skip = match e.mode {
                Mode::COMMIT => Some(SkipReason::Submodule),
                Mode::SYMLINK => Some(SkipReason::Symlink),
                _ => None,
            };
            if let Some(reason) = skip {
                let same = listing.get(rest).is_some_and(|(_, id)| *id == e.id);
                if !same {
                    self.emit.emit(Event::Skipped(Skipped::new(
                        Arc::new(file_origin(&path_str)),
                        reason,
                        None,
                    )));
                }
                continue;
            }
            if e.mode != Mode::FILE && e.mode != Mode::FILE_EXECUTABLE {
                continue;
            }
            let old = match listing.get(rest) {
                Some((EntryKind::Blob | EntryKind::BlobExecutable, id)) => {
                    if *id == e.id {
                        continue;
                    }
                    Some(*id)
                }
                _ => None,
            };
            self.out.push(Change {
                path: path_str,
                new: e.id,
                old,
            });
        }
        for (name, (kind, id)) in listing {
            if !present.contains(&name) {
                let mut p = prefix.clone();
                if p.is_empty() && prefix_len > 0 {
                    // Only deletions here: the prefix is not known from index entries.
                    continue;
                }
                p.extend_from_slice(&name);
                self.deleted
                    .push((String::from_utf8_lossy(&p).into_owned(), kind, id));
            }
        }
        Ok(())
    }
}

fn read_tree(
    repo: &gix::Repository,
    id: ObjectId,
) -> Result<HashMap<Vec<u8>, (EntryKind, ObjectId)>, StagedError> {
    let mut buf = Vec::new();
    let head_err = |source: BoxError| StagedError::Head { source };
    let data = match repo.objects.try_find(&id, &mut buf) {
        Ok(Some(d)) if d.kind == Kind::Tree => d,
        Ok(Some(d)) => {
            return Err(head_err(Box::new(super::Problem(format!(
                "{id}: expected a tree, found a {}",
                d.kind
            )))));
        }
        Ok(None) => {
            return Err(head_err(Box::new(super::Problem(format!(
                "tree {id} is missing"
            )))));
        }
        Err(e) => return Err(head_err(Box::new(e))),
    };
    let mut out = HashMap::new();
    for entry in gix::objs::TreeRefIter::from_bytes(data.data, data.object_hash) {
        let entry = entry.map_err(|e| head_err(Box::new(e)))?;
        out.insert(
            entry.filename.to_vec(),
            (entry.mode.kind(), entry.oid.to_owned()),
        );
    }
    Ok(out)
}

/// Where a file new at its path may have come from: the HEAD files this commit deletes (and
/// the files below deleted directories, listed on first need).
struct Moves {
    /// Deleted blob ids.
    ids: HashSet<ObjectId>,
    /// Deleted blobs by file name.
    by_name: HashMap<String, ObjectId>,
}

impl Moves {
    fn new(repo: &gix::Repository, deleted: Vec<Deleted>) -> Moves {
        let mut m = Moves {
            ids: HashSet::new(),
            by_name: HashMap::new(),
        };
        let mut trees: Vec<(String, ObjectId)> = Vec::new();
        for (path, kind, id) in deleted {
            match kind {
                EntryKind::Blob | EntryKind::BlobExecutable => m.add(&path, id),
                EntryKind::Tree => trees.push((path, id)),
                _ => {}
            }
        }
        // A moved directory: its files are the candidates. Bounded, so a commit deleting a
        // huge tree cannot make the hook slow.
        let mut budget = MAX_RENAME_SEARCH;
        while let Some((path, id)) = trees.pop() {
            let Ok(listing) = read_tree(repo, id) else {
                continue;
            };
            for (name, (kind, id)) in listing {
                if budget == 0 {
                    return m;
                }
                budget -= 1;
                let p = format!("{path}/{}", String::from_utf8_lossy(&name));
                match kind {
                    EntryKind::Blob | EntryKind::BlobExecutable => m.add(&p, id),
                    EntryKind::Tree => trees.push((p, id)),
                    _ => {}
                }
            }
        }
        m
    }

    fn add(&mut self, path: &str, id: ObjectId) {
        self.ids.insert(id);
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        self.by_name.entry(name).or_insert(id);
    }

    /// The blob a new file was most likely moved from.
    fn source_of(&self, c: &Change) -> Option<ObjectId> {
        if self.ids.contains(&c.new) {
            return Some(c.new);
        }
        let name = c.path.rsplit('/').next().unwrap_or(&c.path);
        self.by_name.get(name).copied()
    }
}

struct StagedWorker<'a> {
    repo: &'a gix::Repository,
    blob: BlobWorker<'a>,
    all_lines: bool,
    moves: &'a Moves,
    buf: Vec<u8>,
    old: Vec<u8>,
}

impl StagedWorker<'_> {
    fn scan(&mut self, c: &Change, emit: &mut dyn Emit) {
        let mut make = || file_origin(&c.path);
        let mut origin = LazyOrigin::new(&mut make);
        let location = || format!("{} (staged blob {})", c.path, c.new);
        match self.repo.objects.try_header(&c.new) {
            Ok(Some(h)) => {
                if self.blob.over_cap(&mut origin, h.size, emit) {
                    return;
                }
            }
            Ok(None) => {
                return emit.emit(Event::Error(SourceError::git_problem(
                    location(),
                    "staged blob missing",
                )));
            }
            Err(e) => return emit.emit(Event::Error(SourceError::git(location(), e))),
        }
        let mut buf = std::mem::take(&mut self.buf);
        let loaded = match self.repo.objects.try_find(&c.new, &mut buf) {
            // A staged blob is a loose object git just wrote: cheap to check against its id,
            // and never scanned if it is not what the index names.
            Ok(Some(d)) if d.kind == Kind::Blob => {
                super::git::integrity::verify(Kind::Blob, d.data, &c.new)
                    .map_err(|problem| SourceError::git_problem(location(), problem))
            }
            Ok(Some(d)) => Err(SourceError::git_problem(
                location(),
                format!("expected a blob, found a {}", d.kind),
            )),
            Ok(None) => Err(SourceError::git_problem(location(), "staged blob missing")),
            Err(e) => Err(SourceError::git(location(), e)),
        };
        if let Err(e) = loaded {
            self.buf = buf;
            return emit.emit(Event::Error(e));
        }
        let old = match c.old {
            Some(id) => Some(id),
            None => self.moves.source_of(c),
        };
        match old {
            Some(old_id) if !self.all_lines => {
                if !self.blob.has_matches(&buf) {
                    self.blob.count(buf.len() as u64);
                } else {
                    let mut old = std::mem::take(&mut self.old);
                    // Without the old blob every line counts as added: report rather than miss.
                    let added = match self.repo.objects.try_find(&old_id, &mut old) {
                        Ok(Some(_)) => Some(diff::added_lines(&old, &buf)),
                        _ => None,
                    };
                    self.blob.bytes(&mut origin, &buf, added.as_deref(), emit);
                    self.old = old;
                }
            }
            _ => self.blob.bytes(&mut origin, &buf, None, emit),
        }
        self.buf = buf;
    }
}
