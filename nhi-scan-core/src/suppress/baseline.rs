//! Baselines: a file of known findings, keyed by fingerprint, so a team can adopt the scanner on a
//! repository with old, accepted (or already rotated) credentials and still block new ones.
//!
//! The file stores the fingerprint (SHA-256 of rule id and secret), the rule id and the first
//! location, never the secret: it is meant to be committed. Because the key is the fingerprint,
//! an entry keeps suppressing its credential wherever it moves: other files, rebased or squashed
//! commits, renamed paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Origin};

/// Default file name, at the repository root.
pub const DEFAULT_FILE: &str = ".nhi-scan-baseline.json";

/// The version written into new files; files with a newer version are refused.
const VERSION: u32 = 1;

/// One known credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// SHA-256 of rule id and secret, hex (see [`crate::finding::fingerprint`]).
    pub fingerprint: String,
    /// Rule that found it.
    pub rule_id: String,
    /// Where it was first seen when the entry was added (`path:line`, or `commit:path:line`).
    pub location: String,
}

/// A set of known findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// File format version.
    pub version: u32,
    /// Entries by fingerprint (sorted, so the file diffs cleanly).
    #[serde(with = "entries")]
    pub entries: BTreeMap<String, BaselineEntry>,
}

/// Serialised as a list, held as a map.
mod entries {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, BaselineEntry>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, BaselineEntry>, D::Error> {
        let list = Vec::<BaselineEntry>::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|e| (e.fingerprint.clone(), e))
            .collect())
    }
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not a baseline file.
    #[error("{path}: not a valid baseline file: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Parser error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// An entry that is not one we would write.
    #[error("{path}: entry with fingerprint \"{fingerprint}\": {problem}")]
    Entry {
        /// The file.
        path: PathBuf,
        /// The entry's fingerprint, escaped.
        fingerprint: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// Written by a newer nhi-scan.
    #[error("{path}: baseline version {found} is newer than this nhi-scan understands ({VERSION})")]
    Version {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
    },
}

/// What [`Baseline::update`] changed.
#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// Entries added for findings not yet in the baseline.
    pub added: Vec<BaselineEntry>,
    /// Entries whose credential the scan no longer found (removed when pruning).
    pub stale: Vec<BaselineEntry>,
}

impl Baseline {
    /// An empty baseline.
    pub fn new() -> Baseline {
        Baseline {
            version: VERSION,
            entries: BTreeMap::new(),
        }
    }

    /// Entries for every finding.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut b = Baseline::new();
        for f in findings {
            b.entries.insert(f.fingerprint.clone(), entry(f));
        }
        b
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.to_owned(),
            source,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
            path: path.to_owned(),
            source,
        })?;
        if b.version > VERSION {
            return Err(BaselineError::Version {
                path: path.to_owned(),
                found: b.version,
            });
        }
        // A hand-edited or foreign file: every fingerprint must be what we write, so that a
        // broken entry is an error naming it rather than a finding silently not suppressed
        // (or a panic in code that slices fingerprints).
        for e in b.entries.values() {
            if e.fingerprint.len() != 64
                || !e
                    .fingerprint
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            {
                return Err(BaselineError::Entry {
                    path: path.to_owned(),
                    fingerprint: e.fingerprint.escape_debug().to_string(),
                    problem: "a fingerprint is 64 lowercase hexadecimal digits",
                });
            }
        }
        Ok(b)
    }

    /// Writes the baseline as pretty JSON, entries sorted by fingerprint. The file is written
    /// next to its destination and renamed, so an interrupted write leaves the old file.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let io = |source| BaselineError::Io {
            path: path.to_owned(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| io(e.into()))?;
        text.push('\n');
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// True when the credential with this fingerprint is known.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries.contains_key(fingerprint)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds entries for findings not yet known and lists entries no finding matched (stale:
    /// the credential was removed, or the scan did not cover where it lives). Stale entries are
    /// removed only when `prune` is set.
    pub fn update(&mut self, findings: &[Finding], prune: bool) -> UpdateReport {
        let mut report = UpdateReport::default();
        let current: std::collections::HashSet<&str> =
            findings.iter().map(|f| f.fingerprint.as_str()).collect();
        for f in findings {
            if !self.entries.contains_key(&f.fingerprint) {
                let e = entry(f);
                report.added.push(e.clone());
                self.entries.insert(f.fingerprint.clone(), e);
            }
        }
        report.stale = self
            .entries
            .values()
            .filter(|e| !current.contains(e.fingerprint.as_str()))
            .cloned()
            .collect();
        if prune {
            for e in &report.stale {
                self.entries.remove(&e.fingerprint);
            }
        }
        report
    }
}

fn entry(f: &Finding) -> BaselineEntry {
    let location = f
        .locations
        .first()
        .map(|l| match &*l.origin {
            Origin::Git(g) if !g.commit.is_empty() => {
                format!("{}:{}:{}", g.commit, g.path, l.line)
            }
            o => format!("{}:{}", o.path().trim_start_matches("./"), l.line),
        })
        .unwrap_or_default();
    BaselineEntry {
        fingerprint: f.fingerprint.clone(),
        rule_id: f.rule_id.clone(),
        location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use std::sync::Arc;

    fn finding(rule: &str, secret: &str, path: &str) -> Finding {
        Finding::for_test(
            rule,
            secret,
            vec![Location::new(Arc::new(Origin::file(path)), 3, 1)],
        )
    }

    #[test]
    fn baseline_round_trips_without_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_FILE);
        let b = Baseline::from_findings(&[finding("a.b", "s3cretValue", "./x/y.env")]);
        b.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cretValue"), "{text}");
        assert!(text.contains("x/y.env:3"), "{text}");
        assert_eq!(Baseline::load(&path).unwrap(), b);
    }

    #[test]
    fn update_adds_new_and_reports_stale() {
        let old = finding("a.b", "old", "f");
        let new = finding("a.b", "new", "f");
        let mut b = Baseline::from_findings(std::slice::from_ref(&old));
        let r = b.update(std::slice::from_ref(&new), false);
        assert_eq!(r.added.len(), 1);
        assert_eq!(r.stale.len(), 1);
        assert_eq!(b.len(), 2);
        let r = b.update(std::slice::from_ref(&new), true);
        assert!(r.added.is_empty());
        assert_eq!(b.len(), 1);
        assert!(b.contains(&new.fingerprint) && !b.contains(&old.fingerprint));
    }

    #[test]
    fn a_malformed_fingerprint_is_an_error_naming_the_file_and_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_FILE);
        for bad in ["abc", "é\\u001b[31m", &"Z".repeat(64)] {
            std::fs::write(
                &path,
                format!(
                    r#"{{"version":1,"entries":[{{"fingerprint":"{bad}","rule_id":"r","location":"x:1"}}]}}"#
                ),
            )
            .unwrap();
            let e = Baseline::load(&path).unwrap_err().to_string();
            assert!(
                e.contains(DEFAULT_FILE) && e.contains("64 lowercase"),
                "{e}"
            );
            assert!(!e.contains('\x1b'), "{e}");
        }
    }
}
