//! Staged changes: what the next commit adds, for the pre-commit hook.
//!
//! The index is compared with HEAD's tree. Directories whose cache-tree entry (the index's
//! `TREE` extension, which git keeps valid for directories untouched since the last commit) names
//! the same tree as HEAD are skipped without reading anything, so the cost follows the size of
//! the change, not of the repository: reading the index is the only step proportional to the
//! repository. On the first commit (unborn HEAD) the whole index is new.
//!
//! By default only findings on added or changed lines are reported: the staged blob is diffed
//! line by line against HEAD's blob (Myers, after trimming the common prefix and suffix), and
//! only for blobs that have matches at all, which is rare. Inline allow comments still see the
//! whole blob, so `nhi-scan:allow-next-line` above an unchanged line keeps working.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gix::ObjectId;
use gix::index::entry::{Flags, Mode};
use gix::objs::tree::EntryKind;
use gix::objs::{Find, FindHeader, Kind};

use super::{ScanOutcome, ScanStats, SkipReason, SourceError};
use crate::config::PathFilter;
use crate::engine::{Match, Scanner};
use crate::finding::{Collector, Origin};

/// A NUL byte within this many leading bytes marks a blob as binary.
const BINARY_PROBE: usize = 8 * 1024;
/// Edit distance beyond which the line diff stops and falls back to "a line is added when its
/// text is not in the old blob" (still exact for new secrets; only moved lines differ).
const MAX_EDITS: usize = 512;
/// Below this many changed blobs one thread does the work: starting threads costs more.
const PARALLEL_THRESHOLD: usize = 32;

/// How to scan staged changes.
#[derive(Debug, Clone, Default)]
pub struct StagedConfig {
    /// Report findings on every line of staged files, not only added or changed lines.
    pub all_lines: bool,
    /// The index to read instead of the repository's (git sets `GIT_INDEX_FILE` for hooks run
    /// by `git commit -a` or `git commit PATH`). Relative paths are relative to the working
    /// directory.
    pub index_file: Option<PathBuf>,
    /// Blobs larger than this many bytes are skipped.
    pub max_file_size: Option<u64>,
    /// Paths never scanned.
    pub path_filter: Option<PathFilter>,
    /// When non-empty, only these repository-relative paths are considered.
    pub only_paths: Vec<String>,
}

/// A problem that stops the staged scan.
#[derive(Debug, thiserror::Error)]
pub enum StagedError {
    /// Not inside a git repository.
    #[error("{path}: not a git repository: {message}")]
    NotARepository {
        /// The path given.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The index cannot be read.
    #[error("{path}: cannot read the index: {message}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// HEAD cannot be resolved to a tree.
    #[error("cannot read HEAD: {message}")]
    Head {
        /// Why.
        message: String,
    },
}

/// One staged blob that differs from HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Repository-relative path (lossy UTF-8, `/`-separated).
    pub path: String,
    /// The staged blob.
    pub new: ObjectId,
    /// HEAD's blob at the same path, when there is one.
    pub old: Option<ObjectId>,
}

/// Scans what is staged in the repository containing `start`.
pub fn scan_staged(
    scanner: &Scanner,
    start: &Path,
    config: &StagedConfig,
) -> Result<ScanOutcome, StagedError> {
    let started = Instant::now();
    let root = crate::config::repository_root(start);
    let sync = gix::ThreadSafeRepository::open_opts(&root, gix::open::Options::isolated())
        .map_err(|e| StagedError::NotARepository {
            path: start.to_owned(),
            message: e.to_string(),
        })?;
    let repo = sync.to_thread_local();
    let (changes, mut stats) = staged_changes(&repo, config)?;
    let mut outcome = ScanOutcome::default();
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| {
            let allowed = config
                .path_filter
                .as_ref()
                .is_some_and(|f| f.matches_relative(&c.path));
            if allowed {
                stats.skip(SkipReason::PathAllowed);
            }
            !allowed
        })
        .collect();

    let threads = if changes.len() < PARALLEL_THRESHOLD {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(changes.len() / (PARALLEL_THRESHOLD / 2))
    };
    let next = AtomicUsize::new(0);
    let shared = Mutex::new((Collector::new(), ScanStats::default(), Vec::new()));
    let work = || {
        let repo = sync.to_thread_local();
        let mut w = BlobWorker {
            repo: &repo,
            scanner,
            config,
            scratch: scanner.scratch(),
            buf: Vec::new(),
            old: Vec::new(),
            matches: Vec::new(),
            collector: Collector::new(),
            stats: ScanStats::default(),
            errors: Vec::new(),
        };
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(c) = changes.get(i) else { break };
            w.scan(c);
        }
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        s.0.merge(w.collector);
        s.1.absorb(&w.stats);
        s.2.append(&mut w.errors);
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    let (collector, worker_stats, errors) = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    stats.absorb(&worker_stats);
    outcome.findings = collector.finish();
    outcome.errors = errors;
    stats.errors = outcome.errors.len() as u64;
    stats.elapsed = started.elapsed();
    outcome.stats = stats;
    Ok(outcome)
}

/// The staged blobs that differ from HEAD (all of them when HEAD is unborn), and counters for
/// entries skipped (submodules, symlinks).
pub fn staged_changes(
    repo: &gix::Repository,
    config: &StagedConfig,
) -> Result<(Vec<Change>, ScanStats), StagedError> {
    let index_path = match &config.index_file {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => std::env::current_dir().unwrap_or_default().join(p),
        None => repo.index_path(),
    };
    let index = if index_path.exists() {
        gix::index::File::at(
            &index_path,
            repo.object_hash(),
            true,
            gix::index::decode::Options::default(),
        )
        .map_err(|e| StagedError::Index {
            path: index_path.clone(),
            message: e.to_string(),
        })?
    } else {
        // A repository with nothing ever staged has no index file.
        return Ok((Vec::new(), ScanStats::default()));
    };
    let head = repo.head().map_err(|e| StagedError::Head {
        message: e.to_string(),
    })?;
    let head_tree = if head.is_unborn() {
        None
    } else {
        Some(
            repo.head_tree_id()
                .map_err(|e| StagedError::Head {
                    message: e.to_string(),
                })?
                .detach(),
        )
    };
    let only: HashSet<&str> = config
        .only_paths
        .iter()
        .map(|p| p.trim_start_matches("./"))
        .collect();
    let mut d = Differ {
        repo,
        index: &index,
        out: Vec::new(),
        stats: ScanStats::default(),
        only,
    };
    let entries = index.entries().len();
    d.dir(head_tree, index.tree(), 0, 0, entries)?;
    Ok((d.out, d.stats))
}

struct Differ<'a> {
    repo: &'a gix::Repository,
    index: &'a gix::index::File,
    out: Vec<Change>,
    stats: ScanStats,
    only: HashSet<&'a str>,
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
            Some(t) => self.read_tree(t)?,
            None => HashMap::new(),
        };
        let entries = self.index.entries();
        let mut i = lo;
        while i < hi {
            let path: &[u8] = entries[i].path(self.index);
            let rest = &path[prefix_len..];
            if let Some(slash) = memchr::memchr(b'/', rest) {
                let name = &rest[..slash];
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
            let e = &entries[i];
            i += 1;
            if e.stage_raw() != 0 || e.flags.contains(Flags::INTENT_TO_ADD) {
                continue;
            }
            if e.mode == Mode::COMMIT {
                self.stats.skip(SkipReason::Submodule);
                continue;
            }
            if e.mode == Mode::SYMLINK {
                self.stats.skip(SkipReason::Symlink);
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
            let path = String::from_utf8_lossy(path).into_owned();
            if !self.only.is_empty() && !self.only.contains(path.as_str()) {
                continue;
            }
            self.out.push(Change {
                path,
                new: e.id,
                old,
            });
        }
        Ok(())
    }

    fn read_tree(
        &self,
        id: ObjectId,
    ) -> Result<HashMap<Vec<u8>, (EntryKind, ObjectId)>, StagedError> {
        let mut buf = Vec::new();
        let err = |message: String| StagedError::Head { message };
        let data = match self.repo.objects.try_find(&id, &mut buf) {
            Ok(Some(d)) if d.kind == Kind::Tree => d,
            Ok(Some(d)) => return Err(err(format!("{id}: expected a tree, found a {}", d.kind))),
            Ok(None) => return Err(err(format!("tree {id} is missing"))),
            Err(e) => return Err(err(format!("tree {id}: {e}"))),
        };
        let mut out = HashMap::new();
        for entry in gix::objs::TreeRefIter::from_bytes(data.data, data.object_hash) {
            let entry = entry.map_err(|e| err(format!("tree {id}: {e}")))?;
            out.insert(
                entry.filename.to_vec(),
                (entry.mode.kind(), entry.oid.to_owned()),
            );
        }
        Ok(out)
    }
}

struct BlobWorker<'a> {
    repo: &'a gix::Repository,
    scanner: &'a Scanner,
    config: &'a StagedConfig,
    scratch: crate::engine::Scratch,
    buf: Vec<u8>,
    old: Vec<u8>,
    matches: Vec<Match>,
    collector: Collector,
    stats: ScanStats,
    errors: Vec<SourceError>,
}

impl BlobWorker<'_> {
    fn error(&mut self, c: &Change, message: String) {
        self.stats.errors += 1;
        self.errors.push(SourceError::Git {
            location: format!("{} (staged blob {})", c.path, c.new),
            message,
        });
    }

    fn scan(&mut self, c: &Change) {
        if let Some(max) = self.config.max_file_size {
            match self.repo.objects.try_header(&c.new) {
                Ok(Some(h)) if h.size > max => return self.stats.skip(SkipReason::TooLarge),
                Ok(Some(_)) => {}
                Ok(None) => return self.error(c, "staged blob missing".into()),
                Err(e) => return self.error(c, e.to_string()),
            }
        }
        let mut buf = std::mem::take(&mut self.buf);
        let loaded = match self.repo.objects.try_find(&c.new, &mut buf) {
            Ok(Some(d)) if d.kind == Kind::Blob => Ok(()),
            Ok(Some(d)) => Err(format!("expected a blob, found a {}", d.kind)),
            Ok(None) => Err("staged blob missing".to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(m) = loaded {
            self.buf = buf;
            return self.error(c, m);
        }
        if memchr::memchr(0, &buf[..buf.len().min(BINARY_PROBE)]).is_some() {
            self.buf = buf;
            return self.stats.skip(SkipReason::Binary);
        }
        self.stats.scanned += 1;
        self.stats.bytes += buf.len() as u64;
        self.matches.clear();
        self.scanner
            .scan(&buf, &mut self.scratch, &mut self.matches);
        if !self.matches.is_empty()
            && !self.config.all_lines
            && let Some(old_id) = c.old
        {
            let mut old = std::mem::take(&mut self.old);
            // Without the old blob every line counts as added: report rather than miss.
            if let Ok(Some(_)) = self.repo.objects.try_find(&old_id, &mut old) {
                let added = added_lines(&old, &buf);
                keep_on_lines(&mut self.matches, &buf, &added);
            }
            self.old = old;
        }
        if !self.matches.is_empty() {
            let origin = Arc::new(Origin::File {
                path: PathBuf::from(&c.path),
            });
            self.collector
                .add(self.scanner, &buf, &origin, &self.matches);
        }
        self.buf = buf;
    }
}

/// Keeps the matches whose secret touches one of the `added` line ranges (1-based, sorted).
fn keep_on_lines(matches: &mut Vec<Match>, hay: &[u8], added: &[Range<u64>]) {
    let line_of = |offset: usize| memchr::memchr_iter(b'\n', &hay[..offset]).count() as u64 + 1;
    matches.retain(|m| {
        let first = line_of(m.secret.start);
        let last = line_of(m.secret.end.saturating_sub(1).max(m.secret.start));
        added.iter().any(|r| r.start <= last && first < r.end)
    });
}

/// 1-based line ranges of `new` that are not in `old` (added or changed lines), sorted.
pub fn added_lines(old: &[u8], new: &[u8]) -> Vec<Range<u64>> {
    let a: Vec<u64> = split_lines(old).map(hash_line).collect();
    let b: Vec<u64> = split_lines(new).map(hash_line).collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let inserted = myers_inserted(ma, mb, MAX_EDITS).unwrap_or_else(|| {
        // Too different for a cheap diff: a line is new when its text is not in the old blob.
        let mut counts: HashMap<u64, usize> = HashMap::new();
        for h in ma {
            *counts.entry(*h).or_default() += 1;
        }
        mb.iter()
            .map(|h| match counts.get_mut(h) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .collect()
    });
    let mut out: Vec<Range<u64>> = Vec::new();
    for (i, ins) in inserted.iter().enumerate() {
        if !ins {
            continue;
        }
        let line = (prefix + i) as u64 + 1;
        match out.last_mut() {
            Some(r) if r.end == line => r.end = line + 1,
            _ => out.push(line..line + 1),
        }
    }
    out
}

fn split_lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// FNV-1a over the line without its line ending (so a CRLF change alone is not "added").
fn hash_line(line: &[u8]) -> u64 {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in line {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Myers' O(ND) diff: for each line of `b`, whether it is an insertion. `None` when more than
/// `max_edits` edits are needed.
fn myers_inserted(a: &[u64], b: &[u64], max_edits: usize) -> Option<Vec<bool>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let limit = ((n + m) as usize).min(max_edits) as isize;
    let off = limit + 1;
    let width = (2 * limit + 3) as usize;
    let mut v = vec![0isize; width];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=limit {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, d, k, n, m, off, b.len()));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(
    trace: &[Vec<isize>],
    d_end: isize,
    _k_end: isize,
    n: isize,
    m: isize,
    off: isize,
    len_b: usize,
) -> Vec<bool> {
    let mut inserted = vec![false; len_b];
    let (mut x, mut y) = (n, m);
    for d in (1..=d_end).rev() {
        let v = &trace[d as usize];
        let k = x - y;
        let down = k == -d || (k != d && v[(k - 1 + off) as usize] < v[(k + 1 + off) as usize]);
        let prev_k = if down { k + 1 } else { k - 1 };
        let prev_x = v[(prev_k + off) as usize];
        let prev_y = prev_x - prev_k;
        if down {
            inserted[prev_y as usize] = true;
        }
        x = prev_x;
        y = prev_y;
    }
    inserted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_the_inserted_and_changed_ones() {
        let old = b"a\nb\nc\nd\ne\n";
        let new = b"a\nB\nc\nx\ny\nd\ne\nz";
        assert_eq!(added_lines(old, new), vec![2..3, 4..6, 8..9]);
        assert_eq!(added_lines(b"", b"a\nb\n"), vec![1..3]);
        assert!(added_lines(b"a\r\nb\n", b"a\nb\n").is_empty());
        assert!(added_lines(b"a\nb\n", b"a\n").is_empty());
    }

    #[test]
    fn myers_inserts_are_minimal_and_keep_the_rest_in_order() {
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % 4
        };
        for _ in 0..200 {
            let a: Vec<u64> = (0..next() * 3 + next()).map(|_| next()).collect();
            let b: Vec<u64> = (0..next() * 3 + next()).map(|_| next()).collect();
            let ins = myers_inserted(&a, &b, 1000).unwrap();
            // Kept lines of b form a subsequence of a, as long as the longest common one.
            let kept: Vec<u64> = b
                .iter()
                .zip(&ins)
                .filter(|(_, i)| !**i)
                .map(|(x, _)| *x)
                .collect();
            let mut it = a.iter();
            assert!(
                kept.iter().all(|k| it.any(|x| x == k)),
                "{a:?} {b:?} {ins:?}"
            );
            let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    lcs[i][j] = if a[i - 1] == b[j - 1] {
                        lcs[i - 1][j - 1] + 1
                    } else {
                        lcs[i - 1][j].max(lcs[i][j - 1])
                    };
                }
            }
            assert_eq!(kept.len(), lcs[a.len()][b.len()], "{a:?} {b:?}");
        }
    }

    #[test]
    fn large_rewrites_fall_back_to_new_text() {
        let old: String = (0..2000).map(|i| format!("old {i}\n")).collect();
        let mut new: String = (0..2000).map(|i| format!("new {i}\n")).collect();
        new.push_str("old 5\n");
        let added = added_lines(old.as_bytes(), new.as_bytes());
        assert_eq!(added, vec![1..2001]);
    }
}
