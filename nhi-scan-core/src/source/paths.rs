//! Path filtering for the sources: which paths a configuration allowlists, so a source can skip
//! them without reading a byte. Paths are matched relative to the scan's root (the repository
//! root), `/`-separated, never relative to the process's working directory.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex_automata::{Input, meta};

/// Paths that must not be scanned: globs (gitignore-like: a glob without `/` matches a name at
/// any depth, a directory matches everything below it) and regexes (gitleaks `paths`), both
/// matched against the path relative to the root with `/` separators.
#[derive(Clone)]
pub struct PathFilter {
    globs: GlobSet,
    /// Every regex compiled into one set.
    regexes: Option<meta::Regex>,
    count: usize,
}

impl fmt::Debug for PathFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathFilter")
            .field("patterns", &self.count)
            .finish()
    }
}

impl PathFilter {
    /// Compiles globs and regexes.
    pub fn new(globs: &[String], regexes: &[String]) -> Result<PathFilter, String> {
        let max = crate::rules::MAX_ALLOW_REGEXES;
        if globs.len() + regexes.len() > max {
            return Err(format!(
                "{} path patterns; at most {max} are accepted",
                globs.len() + regexes.len()
            ));
        }
        let mut set = GlobSetBuilder::new();
        for g in globs {
            let g = g.trim();
            let anchored = g.strip_prefix('/').unwrap_or(g).trim_end_matches('/');
            let mut variants = vec![anchored.to_string(), format!("{anchored}/**")];
            if !g.contains('/') {
                variants.push(format!("**/{anchored}"));
                variants.push(format!("**/{anchored}/**"));
            }
            for v in variants {
                let glob = GlobBuilder::new(&v)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| format!("glob {g:?}: {e}"))?;
                set.add(glob);
            }
        }
        let globs_set = set.build().map_err(|e| e.to_string())?;
        let count = globs.len() + regexes.len();
        let regexes = crate::rules::compile_allow_set(regexes)?;
        Ok(PathFilter {
            globs: globs_set,
            count,
            regexes,
        })
    }

    /// True when there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether a path relative to the root (`/`-separated) is allowlisted.
    pub fn matches(&self, rel: &str) -> bool {
        let rel = rel.trim_start_matches("./");
        self.globs.is_match(rel)
            || self
                .regexes
                .as_ref()
                .is_some_and(|re| re.is_match(Input::new(rel.as_bytes())))
    }
}

/// `path` without `.` components and with `..` applied lexically (for absolute paths, where
/// that is what the file system would do barring symbolic links).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `root` (both absolute), `/`-separated; `None` outside the root.
pub(crate) fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let rel = normalize(path).strip_prefix(root).ok()?.to_path_buf();
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// `/`-joins a root-relative directory and a path below it.
pub(crate) fn join_relative(base: &str, rest: &Path) -> String {
    let rest = rest.to_string_lossy().replace('\\', "/");
    let rest = rest.trim_start_matches("./").trim_start_matches('/');
    match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}/{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_globs_match_like_gitignore() {
        let f = PathFilter::new(
            &[
                "*.lock".into(),
                "tests/fixtures".into(),
                "/docs/*.md".into(),
            ],
            &[r"^vendor/".into()],
        )
        .unwrap();
        assert!(f.matches("Cargo.lock"));
        assert!(f.matches("a/b/Cargo.lock"));
        assert!(f.matches("tests/fixtures/x/y.env"));
        assert!(f.matches("docs/a.md"));
        assert!(!f.matches("docs/sub/a.md"));
        assert!(f.matches("vendor/x.go"));
        assert!(!f.matches("src/vendor/x.go"));
    }

    #[test]
    fn relative_paths_are_lexical_and_rooted() {
        let root = Path::new("/r");
        assert_eq!(
            relative_to(root, Path::new("/r/a/./b/../c")).as_deref(),
            Some("a/c")
        );
        assert_eq!(relative_to(root, Path::new("/other/x")), None);
        assert_eq!(join_relative("", Path::new("./a/b")), "a/b");
        assert_eq!(join_relative("sub", Path::new("a")), "sub/a");
        assert_eq!(join_relative("sub", Path::new("")), "sub");
    }
}
