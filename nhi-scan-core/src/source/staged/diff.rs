//! Which lines of a staged file are new: a line diff of the staged blob against HEAD's (Myers,
//! after trimming the common prefix and suffix), with a bounded edit distance.

use std::collections::HashMap;
use std::ops::Range;

/// Edit distance beyond which the line diff stops and falls back to "a line is added when its
/// text is not in the old blob" (still exact for new secrets; only moved lines differ).
const MAX_EDITS: usize = 512;

/// 1-based line ranges of `new` that are not in `old` (added or changed lines), sorted.
pub(crate) fn added_lines(old: &[u8], new: &[u8]) -> Vec<Range<u64>> {
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
