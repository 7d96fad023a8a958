//! The single-threaded part of a history scan: tips, commits, their order, and the tree walk
//! that finds each blob's first (commit, path) and sends it to the workers.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::mpsc::SyncSender;

use gix::ObjectId;
use gix::objs::{Find, FindHeader, Kind};

use super::attribution::{Attr, BlobStates, Msg};
use super::{BATCH, GitError, History, Selection};
use crate::source::paths::PathFilter;
use crate::source::{Problem, SkipReason, SourceError};

/// Deeper trees are reported and not descended (a crafted repository could otherwise exhaust
/// the stack).
const MAX_TREE_DEPTH: usize = 1024;

/// One blob for the workers.
pub(super) struct BlobJob {
    pub(super) id: ObjectId,
    pub(super) attr: Attr,
    pub(super) path: Vec<u8>,
}

/// A commit, as much of it as ordering and walking need.
pub(crate) struct CommitNode {
    pub(crate) id: ObjectId,
    pub(crate) tree: ObjectId,
    time: i64,
    parents: Vec<ObjectId>,
}

/// Where the walk starts.
#[derive(Default)]
pub(super) struct Tips {
    commits: Vec<ObjectId>,
    /// Commits whose history is excluded (`--since`, `--range`).
    hidden: Vec<ObjectId>,
    /// Trees and blobs that refs point at directly, with the index of the ref name.
    others: Vec<(ObjectId, Kind, u32)>,
    pub(super) ref_names: Vec<String>,
    /// With `--all-objects`: every tree and blob in the database, walked last.
    all_trees: Vec<ObjectId>,
    all_blobs: Vec<ObjectId>,
}

/// Sends blobs to the workers in batches.
struct Jobs {
    tx: SyncSender<Vec<BlobJob>>,
    batch: Vec<BlobJob>,
}

impl Jobs {
    fn push(&mut self, job: BlobJob) {
        self.batch.push(job);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            // Fails only when every worker is gone, and then there is nobody to scan anyway.
            let _ = self.tx.send(std::mem::take(&mut self.batch));
        }
    }
}

/// Where the tree walk sends what it finds.
struct Out<'a> {
    jobs: Jobs,
    msgs: &'a SyncSender<Msg>,
    states: &'a BlobStates,
}

/// The walk's state. It owns its repository handle, so it can start on the calling thread
/// (resolving tips, where errors are fatal) and finish on its own.
pub(super) struct Walk {
    repo: gix::Repository,
    path_filter: Option<PathFilter>,
    pub(super) commits: Vec<CommitNode>,
    /// Commits that are hidden parents of walked commits: their trees are marked seen first, so
    /// a range reports only what it introduced.
    boundary: Vec<ObjectId>,
    seen_trees: gix::hashtable::HashSet<ObjectId>,
    seen_blobs: gix::hashtable::HashSet<ObjectId>,
    /// Hashes of (blob, path) pairs already attributed.
    seen_pairs: PairSet,
    gitlinks: gix::hashtable::HashSet<ObjectId>,
    bufs: Vec<Vec<u8>>,
    /// Errors found before the message channel exists (while resolving tips and commits).
    early_errors: Vec<SourceError>,
    msgs: Option<SyncSender<Msg>>,
    /// The commit whose tree is being walked, to name where a broken root tree was reached.
    current: Option<ObjectId>,
    /// Hash trees read from packs too (a pack failed its trailer check; see `integrity`).
    pub(super) verify_packed: bool,
}

fn place(id: &gix::oid, path: &[u8]) -> String {
    if path.is_empty() {
        id.to_string()
    } else {
        format!("{id} ({})", String::from_utf8_lossy(path))
    }
}

/// A 64-bit key for a (blob, path) pair. Blob ids are already uniform, so a multiply-rotate
/// mix over the path, eight bytes at a time, is enough; SipHash here cost 2% of a whole-history
/// scan on the walker thread, the one that bounds wall time. A collision (odds about n²/2⁶⁵)
/// could only drop an extra location of a blob, never a scan.
fn pair_hash(blob: &gix::oid, path: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let id = blob.as_bytes();
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&id[..8.min(id.len())]);
    let mut h = u64::from_le_bytes(seed) ^ (path.len() as u64).wrapping_mul(K);
    let mut chunks = path.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail))
        .wrapping_mul(K)
        .rotate_left(29);
    h ^ (h >> 32)
}

/// Hashes a `u64` that is already a hash by passing it through.
#[derive(Default, Clone, Copy)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type PairSet = HashSet<u64, BuildHasherDefault<PassThrough>>;

impl Walk {
    pub(super) fn new(repo: gix::Repository, path_filter: Option<PathFilter>) -> Self {
        Walk {
            repo,
            path_filter,
            commits: Vec::new(),
            boundary: Vec::new(),
            seen_trees: Default::default(),
            seen_blobs: Default::default(),
            seen_pairs: PairSet::default(),
            gitlinks: Default::default(),
            bufs: Vec::new(),
            early_errors: Vec::new(),
            msgs: None,
            current: None,
            verify_packed: true,
        }
    }

    fn error(&mut self, location: String, source: impl Into<crate::source::BoxError>) {
        let e = SourceError::git(location, source);
        match &self.msgs {
            Some(tx) => {
                let _ = tx.send(Msg::Event(crate::source::blob::Event::Error(e)));
            }
            None => self.early_errors.push(e),
        }
    }

    /// A tree's id and the path it was reached by (for a root tree: its commit).
    fn tree_place(&self, id: &gix::oid, path: &[u8]) -> String {
        match (path.is_empty(), self.current) {
            (true, Some(c)) => format!("{id} (root tree of commit {c})"),
            _ => format!("{} (tree)", place(id, path)),
        }
    }

    fn problem(&mut self, location: String, message: impl Into<String>) {
        self.error(location, Problem(message.into()));
    }

    /// Follows annotated tags to the object they finally name.
    fn peel(&mut self, mut id: ObjectId, what: &str) -> Option<(ObjectId, Kind)> {
        let mut buf = Vec::new();
        for _ in 0..64 {
            match self.repo.objects.try_find(&id, &mut buf) {
                Ok(Some(data)) if data.kind == Kind::Tag => {
                    match gix::objs::TagRefIter::from_bytes(data.data, data.object_hash).target_id()
                    {
                        Ok(target) => id = target,
                        Err(e) => {
                            self.error(format!("{what} ({id})"), e);
                            return None;
                        }
                    }
                }
                Ok(Some(data)) => return Some((id, data.kind)),
                Ok(None) => {
                    self.problem(format!("{what} ({id})"), "object missing");
                    return None;
                }
                Err(e) => {
                    self.error(format!("{what} ({id})"), e);
                    return None;
                }
            }
        }
        self.problem(format!("{what} ({id})"), "tag chain too long");
        None
    }

    fn resolve(&mut self, spec: &str) -> Result<ObjectId, GitError> {
        let revision = |source: crate::source::BoxError| GitError::Revision {
            spec: spec.to_string(),
            source,
        };
        let id = self
            .repo
            .rev_parse_single(spec)
            .map_err(|e| revision(Box::new(e)))?
            .detach();
        match self.peel(id, spec) {
            Some((id, Kind::Commit)) => Ok(id),
            Some((_, kind)) => Err(revision(Box::new(Problem(format!(
                "names a {kind}, not a commit"
            ))))),
            None => Err(revision(Box::new(Problem(
                "object missing or corrupt".into(),
            )))),
        }
    }

    pub(super) fn tips(&mut self, config: &History, path: &Path) -> Result<Tips, GitError> {
        let mut tips = Tips::default();
        let all_refs = match &config.selection {
            Selection::AllRefs => true,
            Selection::Branch(rev) => {
                tips.commits.push(self.resolve(rev)?);
                false
            }
            Selection::Since(rev) => {
                tips.hidden.push(self.resolve(rev)?);
                true
            }
            Selection::Range { from, to } => {
                tips.hidden.push(self.resolve(from)?);
                tips.commits.push(self.resolve(to)?);
                false
            }
        };
        let repo_err = |what, source| GitError::Repository {
            path: path.to_owned(),
            what,
            source,
        };
        if all_refs {
            self.ref_tips(&mut tips)
                .map_err(|e| repo_err("cannot list references", e))?;
        }
        if config.all_objects {
            self.all_objects(&mut tips)
                .map_err(|e| repo_err("cannot list objects", e))?;
        }
        Ok(tips)
    }

    fn ref_tips(&mut self, tips: &mut Tips) -> Result<(), crate::source::BoxError> {
        let mut direct: Vec<(String, ObjectId)> = Vec::new();
        if let Ok(head) = self.repo.head_id() {
            direct.push(("HEAD".into(), head.detach()));
        }
        let platform = self.repo.references()?;
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for r in platform.all()? {
            match r {
                Ok(r) => {
                    // Symbolic refs (origin/HEAD) name refs the loop sees anyway.
                    if let Some(id) = r.target().try_id() {
                        found.push((r.name().as_bstr().to_string(), id.to_owned()));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        drop(platform);
        direct.extend(found);
        for e in errors {
            self.error("references".into(), e);
        }
        for (name, id) in direct {
            match self.peel(id, &name) {
                Some((id, Kind::Commit)) => tips.commits.push(id),
                Some((id, kind @ (Kind::Tree | Kind::Blob))) => {
                    tips.others.push((id, kind, tips.ref_names.len() as u32));
                    tips.ref_names.push(name);
                }
                Some(_) | None => {}
            }
        }
        Ok(())
    }

    /// Every object in the database, by kind: commits become tips, trees and blobs are walked
    /// after everything reachable, so they keep their reachable attribution when they have one.
    fn all_objects(&mut self, tips: &mut Tips) -> Result<(), crate::source::BoxError> {
        let iter = self.repo.objects.iter()?;
        let mut seen = gix::hashtable::HashSet::default();
        for id in iter {
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    self.error("object database".into(), e);
                    continue;
                }
            };
            if !seen.insert(id) {
                continue;
            }
            match self.repo.objects.try_header(&id) {
                Ok(Some(h)) => match h.kind {
                    Kind::Commit => tips.commits.push(id),
                    Kind::Tree => tips.all_trees.push(id),
                    Kind::Blob => tips.all_blobs.push(id),
                    Kind::Tag => {}
                },
                Ok(None) => self.problem(id.to_string(), "object missing"),
                Err(e) => self.error(id.to_string(), e),
            }
        }
        Ok(())
    }

    /// Reads a commit's tree, parents and committer time.
    fn read_commit(&mut self, id: &ObjectId, buf: &mut Vec<u8>) -> Option<CommitNode> {
        let data = match self.repo.objects.try_find(id, buf) {
            Ok(Some(d)) if d.kind == Kind::Commit => {
                if let Err(problem) = super::integrity::verify(Kind::Commit, d.data, id) {
                    self.problem(format!("{id} (commit)"), problem);
                    return None;
                }
                d
            }
            Ok(Some(d)) => {
                let kind = d.kind;
                self.problem(id.to_string(), format!("expected a commit, found a {kind}"));
                return None;
            }
            Ok(None) => {
                self.problem(id.to_string(), "commit missing");
                return None;
            }
            Err(e) => {
                self.error(id.to_string(), e);
                return None;
            }
        };
        match gix::objs::CommitRef::from_bytes(data.data, data.object_hash) {
            Ok(c) => Some(CommitNode {
                id: *id,
                tree: c.tree(),
                time: c.committer().map(|s| s.seconds()).unwrap_or(0),
                parents: c.parents().collect(),
            }),
            Err(e) => {
                self.error(format!("{id} (commit)"), e);
                None
            }
        }
    }

    /// Every commit reachable from `from`, not crossing `stop` or shallow boundaries.
    fn reachable(
        &mut self,
        from: &[ObjectId],
        stop: &gix::hashtable::HashSet<ObjectId>,
        mut visit: impl FnMut(&mut Self, CommitNode),
    ) {
        let shallow: gix::hashtable::HashSet<ObjectId> = self
            .repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let mut queued: gix::hashtable::HashSet<ObjectId> = Default::default();
        let mut queue: VecDeque<ObjectId> = VecDeque::new();
        for id in from {
            if !stop.contains(id) && queued.insert(*id) {
                queue.push_back(*id);
            }
        }
        let mut buf = Vec::new();
        while let Some(id) = queue.pop_front() {
            let Some(node) = self.read_commit(&id, &mut buf) else {
                continue;
            };
            if !shallow.contains(&id) {
                for p in &node.parents {
                    if !stop.contains(p) && queued.insert(*p) {
                        queue.push_back(*p);
                    }
                }
            }
            visit(self, node);
        }
    }

    pub(super) fn collect_commits(&mut self, tips: &Tips) {
        let mut hidden: gix::hashtable::HashSet<ObjectId> = Default::default();
        if !tips.hidden.is_empty() {
            let none = Default::default();
            self.reachable(&tips.hidden, &none, |_, node| {
                hidden.insert(node.id);
            });
        }
        let mut boundary: gix::hashtable::HashSet<ObjectId> = Default::default();
        self.reachable(&tips.commits, &hidden, |walk, node| {
            boundary.extend(node.parents.iter().filter(|p| hidden.contains(*p)));
            walk.commits.push(node);
        });
        self.boundary = boundary.into_iter().collect();
    }

    /// Parents before children; among commits whose parents are done, oldest committer time
    /// first (ties by id), so the result is deterministic.
    pub(super) fn topological_order(&self) -> Vec<u32> {
        let index: gix::hashtable::HashMap<ObjectId, u32> = self
            .commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        let mut pending = vec![0u32; self.commits.len()];
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); self.commits.len()];
        for (i, c) in self.commits.iter().enumerate() {
            let mut parents: Vec<u32> = c
                .parents
                .iter()
                .filter_map(|p| index.get(p).copied())
                .collect();
            parents.sort_unstable();
            parents.dedup();
            pending[i] = parents.len() as u32;
            for p in parents {
                children[p as usize].push(i as u32);
            }
        }
        let key = |i: u32| {
            let c = &self.commits[i as usize];
            Reverse((c.time, c.id, i))
        };
        let mut ready: BinaryHeap<_> = (0..self.commits.len() as u32)
            .filter(|&i| pending[i as usize] == 0)
            .map(key)
            .collect();
        let mut order = Vec::with_capacity(self.commits.len());
        while let Some(Reverse((_, _, i))) = ready.pop() {
            order.push(i);
            for &ch in &children[i as usize] {
                pending[ch as usize] -= 1;
                if pending[ch as usize] == 0 {
                    ready.push(key(ch));
                }
            }
        }
        order
    }

    /// Walks every selected commit's tree in order, sending first sightings of blobs to the
    /// workers and later sightings to the attribution table; ends by closing the job channel.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn walk_trees(
        &mut self,
        commits: &[CommitNode],
        order: &[u32],
        tips: &Tips,
        all_objects: bool,
        jobs: SyncSender<Vec<BlobJob>>,
        msgs: &SyncSender<Msg>,
        states: &BlobStates,
        stop: &(dyn Fn() -> bool + Sync),
    ) {
        self.msgs = Some(msgs.clone());
        for e in std::mem::take(&mut self.early_errors) {
            let _ = msgs.send(Msg::Event(crate::source::blob::Event::Error(e)));
        }
        let mut out = Out {
            jobs: Jobs {
                tx: jobs,
                batch: Vec::new(),
            },
            msgs,
            states,
        };
        let mut path = Vec::new();
        let mut buf = Vec::new();
        // Everything the excluded side of a range already had counts as seen.
        for id in std::mem::take(&mut self.boundary) {
            if let Some(node) = self.read_commit(&id, &mut buf) {
                let _ = self.tree(node.tree, Attr::Unreachable, &mut path, 0, None);
            }
        }
        for &i in order {
            // A stopped scan (a sink error, a signal) ends the walk too, not only the workers.
            if stop() {
                break;
            }
            let tree = commits[i as usize].tree;
            self.current = Some(commits[i as usize].id);
            let _ = self.tree(tree, Attr::Commit(i), &mut path, 0, Some(&mut out));
        }
        self.current = None;
        for &(id, kind, name) in &tips.others {
            match kind {
                Kind::Tree => {
                    let _ = self.tree(id, Attr::Ref(name), &mut path, 0, Some(&mut out));
                }
                _ => {
                    let _ = self.blob(&id, Attr::Ref(name), &[], Some(&mut out));
                }
            }
        }
        if all_objects {
            for &id in &tips.all_trees {
                let _ = self.tree(id, Attr::Unreachable, &mut path, 0, Some(&mut out));
            }
            for id in &tips.all_blobs {
                let _ = self.blob(id, Attr::Unreachable, &[], Some(&mut out));
            }
        }
        out.jobs.flush();
        self.msgs = None;
    }

    /// Walks a tree not seen before. With `out` unset, only marks what it finds as seen.
    /// Returns whether the walk saw everything below (nothing was left out by a path
    /// allowlist): only then is the tree marked seen, so the same tree reached later at a path
    /// that is not allowlisted is walked again and its blobs scanned.
    fn tree(
        &mut self,
        id: ObjectId,
        attr: Attr,
        path: &mut Vec<u8>,
        depth: usize,
        mut out: Option<&mut Out<'_>>,
    ) -> bool {
        if !self.seen_trees.insert(id) {
            return true;
        }
        if depth > MAX_TREE_DEPTH {
            let loc = self.tree_place(&id, path);
            self.problem(loc, "tree nesting too deep");
            return true;
        }
        if self.bufs.len() <= depth {
            self.bufs.resize_with(depth + 1, Vec::new);
        }
        let mut complete = true;
        let mut buf = std::mem::take(&mut self.bufs[depth]);
        let (hash_kind, ok) =
            match gix::odb::pack::Find::try_find(&*self.repo.objects, &id, &mut buf) {
                Ok(Some((d, packed))) if d.kind == Kind::Tree => {
                    // A corrupt tree could drop or retarget entries without failing to parse.
                    let hash = d.object_hash;
                    let verdict = if packed.is_none() || self.verify_packed {
                        super::integrity::verify(Kind::Tree, d.data, &id)
                    } else {
                        Ok(())
                    };
                    match verdict {
                        Ok(()) => (hash, true),
                        Err(problem) => {
                            let loc = self.tree_place(&id, path);
                            self.problem(loc, problem);
                            (hash, false)
                        }
                    }
                }
                Ok(Some((d, _))) => {
                    let (kind, loc) = (d.kind, self.tree_place(&id, path));
                    self.problem(loc, format!("expected a tree, found a {kind}"));
                    (d.object_hash, false)
                }
                Ok(None) => {
                    let loc = self.tree_place(&id, path);
                    self.problem(loc, "tree missing");
                    (self.repo.object_hash(), false)
                }
                Err(e) => {
                    let loc = self.tree_place(&id, path);
                    self.error(loc, e);
                    (self.repo.object_hash(), false)
                }
            };
        if ok {
            for entry in gix::objs::TreeRefIter::from_bytes(&buf, hash_kind) {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        let loc = self.tree_place(&id, path);
                        self.error(loc, e);
                        break;
                    }
                };
                let len = path.len();
                if len > 0 {
                    path.push(b'/');
                }
                path.extend_from_slice(entry.filename);
                use gix::objs::tree::EntryKind;
                match entry.mode.kind() {
                    EntryKind::Tree => {
                        if self.allowlisted(path) {
                            complete = false;
                            if self.seen_pairs.insert(pair_hash(entry.oid, path))
                                && let Some(o) = out.as_deref_mut()
                            {
                                o.skip(entry.oid, attr, path, SkipReason::PathAllowed);
                            }
                        } else {
                            complete &= self.tree(
                                entry.oid.to_owned(),
                                attr,
                                path,
                                depth + 1,
                                out.as_deref_mut(),
                            );
                        }
                    }
                    EntryKind::Blob | EntryKind::BlobExecutable => {
                        complete &= self.blob(entry.oid, attr, path, out.as_deref_mut())
                    }
                    EntryKind::Link => {
                        if self.seen_blobs.insert(entry.oid.to_owned())
                            && let Some(o) = out.as_deref_mut()
                        {
                            o.skip(entry.oid, attr, path, SkipReason::Symlink);
                        }
                    }
                    EntryKind::Commit => {
                        if self.gitlinks.insert(entry.oid.to_owned())
                            && let Some(o) = out.as_deref_mut()
                        {
                            o.skip(entry.oid, attr, path, SkipReason::Submodule);
                        }
                    }
                }
                path.truncate(len);
            }
        }
        self.bufs[depth] = buf;
        if !complete {
            self.seen_trees.remove(&id);
        }
        complete
    }

    fn allowlisted(&self, path: &[u8]) -> bool {
        !path.is_empty()
            && self
                .path_filter
                .as_ref()
                .is_some_and(|f| f.matches(&String::from_utf8_lossy(path)))
    }

    /// One sighting of a blob at a path; false when the path is allowlisted (not scanned).
    fn blob(&mut self, id: &gix::oid, attr: Attr, path: &[u8], out: Option<&mut Out<'_>>) -> bool {
        if !self.seen_pairs.insert(pair_hash(id, path)) {
            return true;
        }
        if self.allowlisted(path) {
            // Not marked seen: the same blob at a path that is not allowlisted is scanned.
            if let Some(o) = out {
                o.skip(id, attr, path, SkipReason::PathAllowed);
            }
            return false;
        }
        let first = self.seen_blobs.insert(id.to_owned());
        let Some(out) = out else {
            return true;
        };
        if first {
            out.states.queued(id.to_owned());
            out.jobs.push(BlobJob {
                id: id.to_owned(),
                attr,
                path: path.to_vec(),
            });
        } else {
            out.states.sighting(id.to_owned(), attr, path, out.msgs);
        }
        true
    }
}

impl Out<'_> {
    fn skip(&mut self, id: &gix::oid, attr: Attr, path: &[u8], reason: SkipReason) {
        let _ = self.msgs.send(Msg::Skip {
            blob: id.to_owned(),
            attr,
            path: path.to_vec(),
            reason,
        });
    }
}
