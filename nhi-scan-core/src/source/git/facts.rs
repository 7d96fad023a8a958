//! What the inventory needs to know about a repository beyond its findings: which blobs with
//! findings are still in HEAD's tree (and at which paths), the `.mailmap` and `CODEOWNERS`
//! files at HEAD, and the remote URL commit links are made from.
//!
//! Gathered only when the caller asks (`History::facts`), once, after the history walk, while
//! the repository (or its temporary clone) is still open: one pass over HEAD's tree, which
//! costs one read per tree object and nothing for scans that do not ask.

use std::collections::HashSet;
use std::path::Path;

use gix::ObjectId;
use gix::objs::{Find, Kind};

use super::{History, Selection, is_remote_url};
use crate::report::inventory::{CODEOWNERS_PATHS, RepositoryFacts, strip_credentials};
use crate::source::SourceError;

/// Deeper trees are reported and not descended.
const MAX_DEPTH: usize = 1024;
/// `.mailmap` and `CODEOWNERS` larger than this are not read.
const MAX_META_BYTES: u64 = 1024 * 1024;

/// Gathers the facts; problems reading HEAD's tree are returned as errors beside what could
/// be learned.
pub(super) fn gather(
    repo: &gix::Repository,
    history: &History,
    path: &Path,
    hit_blobs: &HashSet<ObjectId>,
) -> (RepositoryFacts, Vec<SourceError>) {
    let id = if is_remote_url(&history.target) {
        strip_credentials(&history.target)
    } else {
        std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_owned())
            .display()
            .to_string()
    };
    // Origins carry the target as given: the inventory matches them by it.
    let mut facts = RepositoryFacts::new(history.target.clone(), id);
    facts.remote = remote_url(repo)
        .or_else(|| is_remote_url(&history.target).then(|| strip_credentials(&history.target)));
    let mut errors = Vec::new();
    let spec = match &history.selection {
        Selection::Branch(rev) => rev.as_str(),
        Selection::Range { to, .. } => to.as_str(),
        _ => "HEAD",
    };
    // An unborn HEAD (an empty repository) has no tree: nothing is "at HEAD".
    let Some((commit, tree)) = tip(repo, spec) else {
        return (facts, errors);
    };
    facts.head = Some(commit.to_string());
    let mut meta: Vec<(String, ObjectId)> = Vec::new();
    let mut stack: Vec<(ObjectId, Vec<u8>, usize)> = vec![(tree, Vec::new(), 0)];
    let mut buf = Vec::new();
    while let Some((tree, prefix, depth)) = stack.pop() {
        let location = || format!("{tree} ({} at HEAD)", String::from_utf8_lossy(&prefix));
        if depth > MAX_DEPTH {
            errors.push(SourceError::git_problem(
                location(),
                "tree nesting too deep",
            ));
            continue;
        }
        let data = match repo.objects.try_find(&tree, &mut buf) {
            Ok(Some(d)) if d.kind == Kind::Tree => d,
            Ok(_) => {
                errors.push(SourceError::git_problem(location(), "tree missing"));
                continue;
            }
            Err(e) => {
                errors.push(SourceError::git(location(), e));
                continue;
            }
        };
        let hash = data.object_hash;
        let mut subtrees = Vec::new();
        for entry in gix::objs::TreeRefIter::from_bytes(data.data, hash) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(SourceError::git(location(), e));
                    break;
                }
            };
            let mut full = prefix.clone();
            if !full.is_empty() {
                full.push(b'/');
            }
            full.extend_from_slice(entry.filename);
            use gix::objs::tree::EntryKind;
            match entry.mode.kind() {
                EntryKind::Tree => subtrees.push((entry.oid.to_owned(), full)),
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    let p = String::from_utf8_lossy(&full).into_owned();
                    if hit_blobs.contains(entry.oid) {
                        facts
                            .head_blobs
                            .entry(entry.oid.to_string())
                            .or_default()
                            .push(p.clone());
                    }
                    if depth <= 1 && (p == ".mailmap" || CODEOWNERS_PATHS.contains(&p.as_str())) {
                        meta.push((p, entry.oid.to_owned()));
                    }
                }
                _ => {}
            }
        }
        for (id, full) in subtrees {
            stack.push((id, full, depth + 1));
        }
    }
    for paths in facts.head_blobs.values_mut() {
        paths.sort();
    }
    let read = |id: &ObjectId| -> Option<String> {
        let mut buf = Vec::new();
        let data = repo.objects.try_find(id, &mut buf).ok()??;
        (data.kind == Kind::Blob && data.data.len() as u64 <= MAX_META_BYTES)
            .then(|| String::from_utf8_lossy(data.data).into_owned())
    };
    facts.mailmap = meta
        .iter()
        .find(|(p, _)| p == ".mailmap")
        .and_then(|(_, id)| read(id));
    // GitHub uses the first of its locations that exists.
    facts.codeowners = CODEOWNERS_PATHS.iter().find_map(|want| {
        let (p, id) = meta.iter().find(|(p, _)| p == want)?;
        Some((p.clone(), read(id)?))
    });
    (facts, errors)
}

/// The commit a revision names and its tree.
fn tip(repo: &gix::Repository, spec: &str) -> Option<(ObjectId, ObjectId)> {
    let commit = repo
        .rev_parse_single(spec)
        .ok()?
        .object()
        .ok()?
        .peel_to_commit()
        .ok()?;
    let tree = commit.tree_id().ok()?.detach();
    Some((commit.id, tree))
}

/// `origin`'s URL, else the first remote's, credentials removed.
fn remote_url(repo: &gix::Repository) -> Option<String> {
    let config = repo.config_snapshot();
    let url = config.string("remote.origin.url").or_else(|| {
        let names = repo.remote_names();
        let first = names.iter().next()?;
        config.string(format!("remote.{first}.url").as_str())
    })?;
    Some(strip_credentials(&url.to_string()))
}
