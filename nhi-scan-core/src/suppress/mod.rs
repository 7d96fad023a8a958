//! Suppression: the findings a project has accepted, dropped hit by hit before any sink sees
//! them. Three mechanisms, one [`Suppressor`] built once per scan from the configuration:
//! allowlists (paths, commits, secret regexes, stopwords), `.gitleaksignore` entries, and the
//! [`baseline`] of known fingerprints.
//!
//! Why allowlists act on located hits rather than inside the engine: an entry on the secret, its
//! path or its commit is decided as well from a hit as from the raw bytes, needs no rule to be
//! recompiled (which would cost start-up time on every pre-commit run), and an allowed provider
//! token is not then re-reported by a generic rule that lost the overlap contest to it. Only
//! regexes that look at the surrounding match or line need the bytes; the configuration turns
//! those into [`crate::rules::Allowlist`]s on the rules they target.

pub mod baseline;
mod ignore;

use std::collections::{HashMap, HashSet};

use regex_automata::{Input, meta};
use serde::Serialize;

pub use baseline::{Baseline, BaselineEntry, BaselineError, UpdateReport};
pub use ignore::{IgnoreEntry, parse_gitleaksignore};

use crate::finding::{Hit, Origin};
use crate::source::paths::PathFilter;

/// An exception on located hits.
#[derive(Debug, Clone, Default)]
pub(crate) struct FindingAllow {
    /// Only these rules (lowercase ids); empty: every rule.
    pub(crate) rules: HashSet<String>,
    pub(crate) paths: Option<PathFilter>,
    /// Commit ids (full or abbreviated, lowercase).
    pub(crate) commits: Vec<String>,
    /// Every secret regex of this allowlist, compiled into one set.
    pub(crate) secret_regex: Option<std::sync::Arc<meta::Regex>>,
    /// How many regexes the set holds.
    pub(crate) secret_regex_count: usize,
    /// Lowercase.
    pub(crate) stopwords: Vec<String>,
    /// gitleaks `condition = "AND"`: every criterion must hold (default: any).
    pub(crate) all: bool,
}

impl FindingAllow {
    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_none()
            && self.commits.is_empty()
            && self.secret_regex.is_none()
            && self.stopwords.is_empty()
    }

    fn allows(
        &self,
        rule_id: &str,
        secret: &str,
        path: Option<&str>,
        commit: Option<&str>,
    ) -> bool {
        if !self.rules.is_empty() && !self.rules.contains(rule_id) {
            return false;
        }
        let mut checks = Vec::with_capacity(3);
        if let Some(p) = &self.paths {
            checks.push(path.is_some_and(|x| p.matches(x)));
        }
        if !self.commits.is_empty() {
            checks.push(commit.is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                self.commits
                    .iter()
                    .any(|x| !x.is_empty() && c.starts_with(x.as_str()))
            }));
        }
        if self.secret_regex.is_some() || !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            checks.push(
                self.stopwords.iter().any(|w| lower.contains(w.as_str()))
                    || self
                        .secret_regex
                        .as_ref()
                        .is_some_and(|re| re.is_match(Input::new(secret.as_bytes()))),
            );
        }
        if checks.is_empty() {
            return false;
        }
        if self.all {
            checks.iter().all(|&c| c)
        } else {
            checks.iter().any(|&c| c)
        }
    }
}

/// Which mechanism accepted a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suppression {
    /// Its fingerprint is in the baseline.
    Baseline,
    /// An allowlist of the configuration (path, commit, secret, stopword, rule path).
    Allowlist,
    /// A `.gitleaksignore` entry.
    Ignored,
}

/// How many findings (distinct credentials) each mechanism removed entirely.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Suppressed {
    /// Known to the baseline.
    pub baseline: usize,
    /// Every location allowlisted by the configuration (paths, commits, secrets, stopwords).
    pub allowlist: usize,
    /// Every location named in `.gitleaksignore`.
    pub ignored: usize,
}

impl Suppressed {
    /// Adds another run's counts.
    pub fn absorb(&mut self, other: &Suppressed) {
        self.baseline += other.baseline;
        self.allowlist += other.allowlist;
        self.ignored += other.ignored;
    }

    /// Total findings removed.
    pub fn total(&self) -> usize {
        self.baseline + self.allowlist + self.ignored
    }
}

/// Decides, hit by hit, what the project has accepted. Built once per scan from a
/// [`crate::config::Config`]; applied to the hits of any source.
#[derive(Debug, Clone, Default)]
pub struct Suppressor {
    pub(crate) allows: Vec<FindingAllow>,
    /// Per-rule path requirements (gitleaks rules with both `path` and `regex`).
    pub(crate) rule_paths: HashMap<String, std::sync::Arc<meta::Regex>>,
    pub(crate) ignore: Vec<IgnoreEntry>,
    pub(crate) known_rules: HashSet<String>,
    pub(crate) baseline: Option<Baseline>,
}

impl Suppressor {
    /// True when it would remove nothing.
    pub fn is_empty(&self) -> bool {
        self.allows.is_empty()
            && self.rule_paths.is_empty()
            && self.ignore.is_empty()
            && self.baseline.as_ref().is_none_or(|b| b.is_empty())
    }

    /// Uses this baseline (replacing the configuration's; `None`: none).
    pub fn set_baseline(&mut self, baseline: Option<Baseline>) {
        self.baseline = baseline;
    }

    /// The mechanism that accepts `hit`, if any.
    pub fn check(&self, hit: &Hit) -> Option<Suppression> {
        if self
            .baseline
            .as_ref()
            .is_some_and(|b| b.contains(&hit.fingerprint))
        {
            return Some(Suppression::Baseline);
        }
        if self.allows.is_empty() && self.rule_paths.is_empty() && self.ignore.is_empty() {
            return None;
        }
        let rule_id = hit.rule.id.as_str();
        let (path, commit) = place(&hit.location.origin);
        if let Some(re) = self.rule_paths.get(rule_id)
            && !path.is_some_and(|p| re.is_match(Input::new(p.as_bytes())))
        {
            return Some(Suppression::Allowlist);
        }
        if let Some(path) = path
            && self.ignored(rule_id, hit.location.line, path, commit)
        {
            return Some(Suppression::Ignored);
        }
        let secret = hit.secret.expose();
        self.allows
            .iter()
            .any(|a| a.allows(rule_id, secret, path, commit))
            .then_some(Suppression::Allowlist)
    }

    fn ignored(&self, rule_id: &str, line: u64, path: &str, commit: Option<&str>) -> bool {
        self.ignore.iter().any(|e| {
            e.line == line
                && e.file == path
                && (e.rule == rule_id || !self.known_rules.contains(&e.rule))
                && match (&e.commit, commit) {
                    (None, None) => true,
                    (Some(a), Some(b)) => b.starts_with(a.as_str()),
                    _ => false,
                }
        })
    }
}

/// Path (relative to the root) and introducing commit of an origin; an archive member is
/// judged by where the archive itself is, a file outside the root has no path here.
fn place(origin: &Origin) -> (Option<&str>, Option<&str>) {
    match origin {
        Origin::File { relative, .. } => (relative.as_deref(), None),
        Origin::Git(g) => (
            Some(g.path.as_str()),
            (!g.commit.is_empty()).then_some(g.commit.as_str()),
        ),
        Origin::Buffer { .. } => (None, None),
        Origin::Image(i) => (Some(i.path.as_str()), None),
        Origin::Archive { outer, .. } => place(outer),
    }
}

/// Counts, per mechanism, the findings whose every hit was suppressed: a finding with one
/// allowed location and one reported location is not "suppressed".
#[derive(Debug, Default)]
pub(crate) struct Tally {
    suppressed: HashMap<String, Suppression>,
    reported: HashSet<String>,
}

impl Tally {
    pub(crate) fn suppressed(&mut self, fingerprint: &str, why: Suppression) {
        if !self.suppressed.contains_key(fingerprint) {
            self.suppressed.insert(fingerprint.to_string(), why);
        }
    }

    pub(crate) fn reported(&mut self, fingerprint: &str) {
        if !self.reported.contains(fingerprint) {
            self.reported.insert(fingerprint.to_string());
        }
    }

    pub(crate) fn finish(&self) -> Suppressed {
        let mut s = Suppressed::default();
        for (fp, why) in &self.suppressed {
            if self.reported.contains(fp) {
                continue;
            }
            match why {
                Suppression::Baseline => s.baseline += 1,
                Suppression::Allowlist => s.allowlist += 1,
                Suppression::Ignored => s.ignored += 1,
            }
        }
        s
    }
}
