//! Which layer files survive into the final filesystem: layers applied bottom to top, each
//! layer's whiteouts (`.wh.NAME` deletes NAME, `.wh..wh..opq` empties its directory) applied to
//! the layers below it before its own entries land, and a later entry at the same path
//! replacing an earlier one (a non-directory replacing a directory also removes what was under
//! it).

use std::collections::BTreeMap;

use super::layer::{Entry, EntryKind};

/// For each layer, for each of its entries: still present in the flattened filesystem?
pub(crate) fn visibility(layers: &[&[Entry]]) -> Vec<Vec<bool>> {
    let mut live: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (l, entries) in layers.iter().enumerate() {
        for e in entries.iter() {
            match &e.kind {
                EntryKind::Whiteout(target) => {
                    live.remove(target.as_str());
                    remove_under(&mut live, target);
                }
                EntryKind::Opaque(dir) => remove_under(&mut live, dir),
                _ => {}
            }
        }
        for (j, e) in entries.iter().enumerate() {
            match e.kind {
                EntryKind::Whiteout(_) | EntryKind::Opaque(_) => {}
                EntryKind::Dir => {
                    live.insert(e.path.as_str(), (l, j));
                }
                _ => {
                    remove_under(&mut live, &e.path);
                    live.insert(e.path.as_str(), (l, j));
                }
            }
        }
    }
    let mut out: Vec<Vec<bool>> = layers.iter().map(|e| vec![false; e.len()]).collect();
    for (l, j) in live.into_values() {
        out[l][j] = true;
    }
    out
}

/// Removes every path strictly below `dir` (`dir/...`; the root when `dir` is empty).
fn remove_under(live: &mut BTreeMap<&str, (usize, usize)>, dir: &str) {
    if dir.is_empty() {
        live.clear();
        return;
    }
    let prefix = format!("{dir}/");
    let doomed: Vec<&str> = live
        .range(prefix.as_str()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| *k)
        .collect();
    for k in doomed {
        live.remove(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> Entry {
        Entry {
            path: p.into(),
            kind: EntryKind::File(None),
        }
    }

    fn kind(p: &str, kind: EntryKind) -> Entry {
        Entry {
            path: p.into(),
            kind,
        }
    }

    #[test]
    fn whiteouts_opaque_dirs_and_overwrites_hide_lower_files() {
        let l0 = vec![
            kind("etc", EntryKind::Dir),
            file("etc/secret.env"),
            file("app/config.yml"),
            file("app/keep.txt"),
            file("opt/cache/a"),
            file("root/.aws/credentials"),
        ];
        let l1 = vec![
            kind(
                "etc/secret.env",
                EntryKind::Whiteout("etc/secret.env".into()),
            ),
            file("app/config.yml"),
            kind("opt/cache", EntryKind::Opaque("opt/cache".into())),
            file("opt/cache/b"),
            kind("root/.aws", EntryKind::Whiteout("root/.aws".into())),
        ];
        let vis = visibility(&[&l0, &l1]);
        assert_eq!(vis[0], vec![true, false, false, true, false, false]);
        assert_eq!(vis[1], vec![false, true, false, true, false]);
    }

    #[test]
    fn a_file_replacing_a_directory_hides_its_contents() {
        let l0 = vec![kind("d", EntryKind::Dir), file("d/x")];
        let l1 = vec![file("d")];
        let vis = visibility(&[&l0, &l1]);
        assert_eq!(vis[0], vec![false, false]);
        assert_eq!(vis[1], vec![true]);
    }
}
