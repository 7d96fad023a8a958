//! Project configuration: `.nhi-scan.toml` (`nhi`) or a gitleaks/Betterleaks `.gitleaks.toml`
//! (`gitleaks`), found at the repository root (or named by the caller), plus `.gitleaksignore`
//! and the baseline.
//!
//! Loading produces plain values: which rules to load (built-in pack, rule files, rules
//! translated from gitleaks), the path allowlist the sources use to skip files unread
//! ([`PathFilter`]), and the [`Suppressor`] the scan applies to every hit. Nothing here reads the
//! process's working directory: the root is found from the path the caller gives.

mod gitleaks;
mod nhi;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use regex_automata::meta;

use crate::rules::{AllowSet, AllowTarget, LoadOutcome, Rule, RuleError, RuleOrigin};
use crate::source::paths::PathFilter;
use crate::suppress::{
    self, Baseline, FindingAllow, IgnoreEntry, Suppressor, parse_gitleaksignore,
};
use gitleaks::go_to_rust;
use gitleaks::sanitize_id;

/// Our configuration file name, looked for at the repository root.
pub const FILE_NAME: &str = ".nhi-scan.toml";
/// A gitleaks/Betterleaks configuration, used when there is no [`FILE_NAME`].
pub const GITLEAKS_FILE_NAME: &str = ".gitleaks.toml";
/// gitleaks' file of ignored finding fingerprints.
pub const GITLEAKS_IGNORE_FILE_NAME: &str = ".gitleaksignore";

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, a wrong type, or an unknown key (with the closest known key).
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A glob or regex that does not compile.
    #[error("{path}: {what} {pattern:?}: {message}")]
    Pattern {
        /// The file.
        path: PathBuf,
        /// Which setting (`allow.paths`, ...).
        what: String,
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
    /// The baseline named by the configuration (or the caller) is broken.
    #[error(transparent)]
    Baseline(#[from] suppress::BaselineError),
    /// The configuration file is larger than a configuration has any reason to be.
    #[error("{path}: {size} bytes is too large for a configuration file (limit {limit})")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// Which kind of file a configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// `.nhi-scan.toml`.
    NhiScan,
    /// gitleaks/Betterleaks TOML.
    Gitleaks,
}

/// Compiles a regex the way rules are compiled (bytes, ASCII classes).
pub(crate) fn compile_regex(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(crate::rules::syntax_config())
        .build(pattern)
        .map_err(|e| one_line(&e.to_string()))
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A loaded configuration, as plain values.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The file it came from (`None`: defaults, nothing found).
    pub file: Option<PathBuf>,
    /// Its format.
    pub format: ConfigFormat,
    /// The repository root: paths in allowlists and `.gitleaksignore` are relative to it.
    pub root: PathBuf,
    /// Load the built-in rule pack (gitleaks: `[extend] useDefault`).
    pub builtin_rules: bool,
    /// Extra rule files or directories.
    pub rule_files: Vec<PathBuf>,
    /// Rules translated from a gitleaks configuration.
    pub translated_rules: Vec<Rule>,
    /// gitleaks rules that could not be translated: (id, why).
    pub untranslatable: Vec<(String, String)>,
    /// Rule ids to disable.
    pub disabled_rules: Vec<String>,
    /// Path globs never scanned.
    pub allow_path_globs: Vec<String>,
    /// Path regexes never scanned (gitleaks `paths`).
    pub allow_path_regexes: Vec<String>,
    /// Files larger than this are skipped.
    pub max_file_size: Option<u64>,
    /// Baseline file.
    pub baseline: Option<PathBuf>,
    /// `.gitleaksignore` entries.
    pub ignore: Vec<IgnoreEntry>,
    /// Settings that were accepted but cannot be honoured exactly.
    pub warnings: Vec<String>,
    /// `[validate]`: live validation settings (host overrides, rate limits, ...).
    pub validate: crate::validate::ValidateConfig,
    allows: Vec<FindingAllow>,
    /// Allowlists on the match or line: (rule ids, empty for every rule; the compiled set;
    /// how many regexes it holds).
    engine_allows: Vec<(Vec<String>, AllowSet, usize)>,
    /// Allow regexes of every kind in this file so far (bounded by
    /// [`crate::rules::MAX_ALLOW_REGEXES`]).
    allow_regex_count: usize,
    rule_paths: HashMap<String, String>,
}

impl Config {
    /// Defaults for a repository at `root`: built-in rules, nothing allowlisted.
    pub fn defaults(root: &Path) -> Config {
        Config {
            file: None,
            format: ConfigFormat::NhiScan,
            root: root.to_owned(),
            builtin_rules: true,
            rule_files: Vec::new(),
            translated_rules: Vec::new(),
            untranslatable: Vec::new(),
            disabled_rules: Vec::new(),
            allow_path_globs: Vec::new(),
            allow_path_regexes: Vec::new(),
            max_file_size: None,
            baseline: None,
            ignore: Vec::new(),
            warnings: Vec::new(),
            validate: Default::default(),
            allows: Vec::new(),
            engine_allows: Vec::new(),
            allow_regex_count: 0,
            rule_paths: HashMap::new(),
        }
    }

    /// Finds the configuration for `start` (a directory or file): at the repository root (the
    /// nearest ancestor with `.git`; outside a repository, the nearest ancestor with a
    /// configuration file, else `start`), `.nhi-scan.toml`, else `.gitleaks.toml`;
    /// or `explicit` when given. `.gitleaksignore` and `.nhi-scan-baseline.json` at the root are
    /// picked up too.
    pub fn discover(start: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let mut root = repository_root(start);
        if !root.join(".git").exists() {
            // Not in a repository: the nearest ancestor with a configuration file, if any.
            let mut p = Some(root.as_path());
            while let Some(dir) = p {
                if dir.join(FILE_NAME).is_file() || dir.join(GITLEAKS_FILE_NAME).is_file() {
                    root = dir.to_owned();
                    break;
                }
                p = dir.parent();
            }
        }
        let mut config = match explicit {
            Some(p) => Config::load(p, &root)?,
            None => {
                let ours = root.join(FILE_NAME);
                let theirs = root.join(GITLEAKS_FILE_NAME);
                if ours.is_file() {
                    Config::load(&ours, &root)?
                } else if theirs.is_file() {
                    Config::load(&theirs, &root)?
                } else {
                    Config::defaults(&root)
                }
            }
        };
        let ignore = root.join(GITLEAKS_IGNORE_FILE_NAME);
        if ignore.is_file() {
            let text = read_limited(&ignore)?;
            let (entries, bad) = parse_gitleaksignore(&text);
            config.ignore.extend(entries);
            for b in bad {
                config.warnings.push(format!(
                    "{}: cannot read entry {b:?} (want file:rule-id:line or commit:file:rule-id:line)",
                    ignore.display()
                ));
            }
        }
        if config.baseline.is_none() {
            let default = root.join(suppress::baseline::DEFAULT_FILE);
            if default.is_file() {
                config.baseline = Some(default);
            }
        }
        Ok(config)
    }

    /// Loads one file (either format, told apart by content) for the repository at `root`.
    /// Rule files and the baseline named in it are relative to the file's directory.
    pub fn load(path: &Path, root: &Path) -> Result<Config, ConfigError> {
        let text = read_limited(path)?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| invalid(toml_message(&text, &e)))?;
        let gitleaks = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("leaks"))
            || table.get("rules").is_some_and(|v| v.is_array())
            || ["extend", "allowlist", "allowlists", "title"]
                .iter()
                .any(|k| table.contains_key(*k));
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let mut config = Config::defaults(root);
        config.file = Some(path.to_owned());
        if gitleaks {
            config.format = ConfigFormat::Gitleaks;
            let file = toml::from_str(&text).map_err(|e| invalid(toml_message(&text, &e)))?;
            config.apply_gitleaks(file, path)?;
        } else {
            let file = toml::from_str(&text).map_err(|e| invalid(toml_message(&text, &e)))?;
            config.apply_nhi(file, path, &dir)?;
        }
        Ok(config)
    }

    fn check_paths(&self, path: &Path) -> Result<(), ConfigError> {
        PathFilter::new(&self.allow_path_globs, &self.allow_path_regexes)
            .map(|_| ())
            .map_err(|message| ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("allow.paths: {message}"),
            })
    }

    /// Splits one allowlist into what acts on findings and what the engine must do.
    fn add_allow(
        &mut self,
        spec: AllowSpec,
        path: &Path,
        what: &str,
        go_syntax: bool,
    ) -> Result<(), ConfigError> {
        let pattern_err = |pattern: &str, message: String| ConfigError::Pattern {
            path: path.to_owned(),
            what: what.to_string(),
            pattern: pattern.to_string(),
            message,
        };
        self.allow_regex_count += spec.regexes.len() + spec.path_regexes.len();
        if self.allow_regex_count > crate::rules::MAX_ALLOW_REGEXES {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "{what}: more than {} allow regexes in this file; that many cannot be a real allowlist",
                    crate::rules::MAX_ALLOW_REGEXES
                ),
            });
        }
        // Each regex is only parsed here (cheap); the list is compiled once, as one set.
        let mut regexes = Vec::new();
        for r in &spec.regexes {
            let translated = if go_syntax {
                go_to_rust(r)
            } else {
                Ok(r.clone())
            };
            match translated.and_then(|t| crate::rules::parse_allow_regex(&t).map(|_| t)) {
                Ok(t) => regexes.push(t),
                // A gitleaks file is someone else's: keep the rest of it working.
                Err(m) if go_syntax => self.warnings.push(format!(
                    "{}: {what}: regex {} cannot be translated ({m}); it is ignored",
                    path.display(),
                    short_quote(r)
                )),
                Err(m) => return Err(pattern_err(r, m)),
            }
        }
        let set = |regexes: &[String]| {
            crate::rules::compile_allow_set(regexes)
                .map_err(|m| pattern_err(&format!("({} regexes)", regexes.len()), m))
        };
        let on_bytes = spec.target != AllowTarget::Secret && !regexes.is_empty();
        if on_bytes && spec.all {
            self.warnings.push(format!(
                "{}: {what}: condition AND with regexTarget {:?} cannot be honoured; this allowlist is ignored",
                path.display(),
                spec.target
            ));
            return Ok(());
        }
        if on_bytes {
            let count = regexes.len();
            if let Some(regex) = set(&std::mem::take(&mut regexes))? {
                let allow = AllowSet {
                    target: spec.target,
                    regex: std::sync::Arc::new(regex),
                };
                let rules = spec.rules.iter().map(|r| r.to_ascii_lowercase()).collect();
                self.engine_allows.push((rules, allow, count));
            }
        }
        let mut paths = None;
        if !spec.path_globs.is_empty() || !spec.path_regexes.is_empty() {
            let mut path_regexes = Vec::new();
            for r in &spec.path_regexes {
                match go_to_rust(r).and_then(|t| crate::rules::parse_allow_regex(&t).map(|_| t)) {
                    Ok(t) => path_regexes.push(t),
                    Err(m) => self.warnings.push(format!(
                        "{}: {what}: path regex {r:?} cannot be translated ({m}); it is ignored",
                        path.display()
                    )),
                }
            }
            let filter = PathFilter::new(&spec.path_globs, &path_regexes)
                .map_err(|m| pattern_err(&spec.path_globs.join(", "), m))?;
            if spec.paths_in_source && !spec.all && spec.rules.is_empty() {
                // Never read these paths at all.
                self.allow_path_globs
                    .extend(spec.path_globs.iter().cloned());
                self.allow_path_regexes.extend(path_regexes);
            } else {
                paths = Some(filter);
            }
        }
        let allow = FindingAllow {
            rules: spec.rules.iter().map(|r| r.to_ascii_lowercase()).collect(),
            paths,
            commits: spec
                .commits
                .iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect(),
            secret_regex_count: regexes.len(),
            secret_regex: set(&regexes)?.map(std::sync::Arc::new),
            stopwords: spec
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
            all: spec.all,
        };
        if !allow.is_empty() {
            self.allows.push(allow);
        }
        Ok(())
    }

    /// Loads the rules this configuration asks for: the built-in pack (unless turned off),
    /// rule files, `extra` files (e.g. `--rules`), translated gitleaks rules, minus disabled
    /// ones; allowlists on the match or line are attached to their rules. Untranslatable
    /// gitleaks rules come back as errors naming their id.
    pub fn load_rules(&self, extra: &[PathBuf]) -> LoadOutcome {
        let mut out = if self.builtin_rules {
            crate::RuleSet::builtin()
        } else {
            crate::RuleSet::empty()
        };
        for f in self.rule_files.iter().chain(extra) {
            out.add_path(f);
        }
        let origin = RuleOrigin::File(self.file.clone().unwrap_or_default());
        for r in &self.translated_rules {
            out.add_rule(origin.clone(), r.clone());
        }
        for (id, problem) in &self.untranslatable {
            out.errors.push(RuleError::Invalid {
                origin: origin.clone(),
                id: id.clone(),
                problem: format!("cannot be translated from gitleaks: {problem}"),
            });
        }
        if !self.disabled_rules.is_empty() {
            let disabled: HashSet<String> = self
                .disabled_rules
                .iter()
                .map(|r| r.to_ascii_lowercase())
                .collect();
            out.rules.retain(|r| !disabled.contains(&r.id));
        }
        // Each configured set is compiled once and shared by the rules it applies to.
        let mut global = Vec::new();
        let mut by_rule: HashMap<String, Vec<AllowSet>> = HashMap::new();
        for (ids, allow, _) in &self.engine_allows {
            if ids.is_empty() {
                global.push(allow.clone());
            }
            for id in ids {
                by_rule.entry(id.clone()).or_default().push(allow.clone());
            }
        }
        out.rules.attach_allows(&global, &by_rule);
        out
    }

    /// Ids named in `disabled_rules` or rule allowlists that match no loaded rule, each with
    /// the closest known id: likely typos.
    pub fn unknown_rule_ids(&self, known: &[&str]) -> Vec<(String, Option<String>)> {
        let known_set: HashSet<&str> = known.iter().copied().collect();
        let translated: HashSet<&str> = self
            .translated_rules
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        let untranslatable: HashSet<String> = self
            .untranslatable
            .iter()
            .map(|(id, _)| sanitize_id(id))
            .collect();
        let mut named: Vec<String> = self.disabled_rules.clone();
        for a in &self.allows {
            named.extend(a.rules.iter().cloned());
        }
        named.sort();
        named.dedup();
        named
            .into_iter()
            .filter(|id| {
                !known_set.contains(id.as_str())
                    && !translated.contains(id.as_str())
                    && !untranslatable.contains(id)
            })
            .enumerate()
            .map(|(i, id)| {
                // Suggestions cost a comparison with every known id: only for the first few
                // (a hostile file could name 100k unknown ids).
                let near = (i < 20)
                    .then(|| closest(&id, known.iter().copied()))
                    .flatten();
                (id, near)
            })
            .collect()
    }

    /// The paths the sources must skip, if any.
    pub fn path_filter(&self) -> Option<PathFilter> {
        let f = PathFilter::new(&self.allow_path_globs, &self.allow_path_regexes).ok()?;
        (!f.is_empty()).then_some(f)
    }

    /// The hit filter: allowlists, `.gitleaksignore`, and the configured baseline (which the
    /// caller may then replace with [`Suppressor::set_baseline`]).
    pub fn suppressor(&self, known_rules: &[&str]) -> Result<Suppressor, ConfigError> {
        let baseline = match &self.baseline {
            Some(p) => Some(Baseline::load(p)?),
            None => None,
        };
        // Many rules of one file often share a path regex: compile each distinct one once.
        let mut compiled: HashMap<&str, Option<std::sync::Arc<meta::Regex>>> = HashMap::new();
        let mut rule_paths = HashMap::new();
        for (id, p) in &self.rule_paths {
            let re = compiled
                .entry(p.as_str())
                .or_insert_with(|| compile_regex(p).ok().map(std::sync::Arc::new));
            if let Some(re) = re {
                rule_paths.insert(id.clone(), std::sync::Arc::clone(re));
            }
        }
        let mut allows = self.allows.clone();
        // Sources skip these paths unread; this catches locations a source could not skip
        // (a git blob reached at an allowlisted path and at another).
        if let Some(paths) = self.path_filter() {
            allows.push(FindingAllow {
                paths: Some(paths),
                ..FindingAllow::default()
            });
        }
        Ok(Suppressor {
            allows,
            rule_paths,
            ignore: self.ignore.clone(),
            known_rules: known_rules.iter().map(|s| s.to_string()).collect(),
            baseline,
        })
    }

    /// What this configuration changes from the defaults, one line each, for the user to see
    /// before a scan (a configuration found inside the scanned tree is someone else's words).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.builtin_rules {
            out.push("the built-in rules are off".to_string());
        }
        if !self.translated_rules.is_empty() {
            out.push(format!(
                "adds {} rules translated from gitleaks",
                self.translated_rules.len()
            ));
        }
        if !self.rule_files.is_empty() {
            out.push(format!(
                "adds rule files: {}",
                list(self.rule_files.iter().map(|p| p.display().to_string()))
            ));
        }
        if !self.disabled_rules.is_empty() {
            out.push(format!(
                "disables rules: {}",
                list(self.disabled_rules.iter().cloned())
            ));
        }
        if !self.allow_path_globs.is_empty() || !self.allow_path_regexes.is_empty() {
            out.push(format!(
                "never scans paths matching: {}",
                list(
                    self.allow_path_globs
                        .iter()
                        .chain(&self.allow_path_regexes)
                        .cloned()
                )
            ));
        }
        let (mut secrets, mut stopwords, mut commits, mut paths) = (0, 0, 0, 0);
        for a in &self.allows {
            secrets += a.secret_regex_count;
            stopwords += a.stopwords.len();
            commits += a.commits.len();
            paths += usize::from(a.paths.is_some());
        }
        let engine: usize = self.engine_allows.iter().map(|(_, _, n)| n).sum();
        if secrets + stopwords + commits + paths + engine > 0 {
            out.push(format!(
                "allows findings by {secrets} secret regexes, {engine} match/line regexes, {stopwords} stopwords, {commits} commits, {paths} rule path lists"
            ));
        }
        if !self.ignore.is_empty() {
            out.push(format!(
                "ignores {} locations listed in {GITLEAKS_IGNORE_FILE_NAME}",
                self.ignore.len()
            ));
        }
        if let Some(b) = &self.baseline {
            out.push(format!("baseline: {}", b.display()));
        }
        if let Some(m) = self.max_file_size {
            out.push(format!("skips files larger than {m} bytes"));
        }
        out
    }
}

/// Configuration files (ours, gitleaks', `.gitleaksignore`) larger than this are refused: a
/// scanned repository's own configuration must not be able to exhaust the machine.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

fn read_limited(path: &Path) -> Result<String, ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_CONFIG_BYTES,
        });
    }
    std::fs::read_to_string(path).map_err(io)
}

/// A pattern for a message: quoted, and cut short when long.
fn short_quote(s: &str) -> String {
    if s.len() <= 80 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(60).collect();
        format!("{head:?}... ({} bytes)", s.len())
    }
}

/// At most ten items, then how many more.
fn list(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    let mut s = all.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
    if all.len() > 10 {
        s.push_str(&format!(" and {} more", all.len() - 10));
    }
    s
}

/// The nearest ancestor of `start` (itself included) holding `.git`; else `start` itself.
/// Absolute when `start` exists (resolved by the file system, not by reading the working
/// directory).
pub fn repository_root(start: &Path) -> PathBuf {
    let mut abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
    if abs.is_file() {
        abs.pop();
    }
    let mut p = abs.as_path();
    loop {
        if p.join(".git").exists() {
            return p.to_owned();
        }
        match p.parent() {
            Some(parent) => p = parent,
            None => return abs,
        }
    }
}

pub(crate) struct AllowSpec {
    rules: Vec<String>,
    /// Global path allowlists are applied by the sources (files are not even read).
    paths_in_source: bool,
    path_globs: Vec<String>,
    path_regexes: Vec<String>,
    commits: Vec<String>,
    regexes: Vec<String>,
    target: AllowTarget,
    stopwords: Vec<String>,
    all: bool,
}
/// The toml error with, for an unknown key, the closest known one.
pub(crate) fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = crate::rules::toml_error_text(text, e);
    let Some(start) = msg.find("unknown field `") else {
        return msg;
    };
    let rest = &msg[start + "unknown field `".len()..];
    let Some(end) = rest.find('`') else {
        return msg;
    };
    let unknown = &rest[..end];
    let expected: Vec<&str> = rest[end + 1..]
        .split('`')
        .skip(1)
        .step_by(2)
        .take_while(|s| !s.contains('\n'))
        .collect();
    match closest(unknown, expected.iter().copied()) {
        Some(near) => format!("{msg}\n  did you mean `{near}`?"),
        None => msg,
    }
}

/// The candidate closest to `word` by edit distance, when close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (word.len().max(c.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// `123`, `64K`, `10M`, `1G`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix {c:?} (use K, M or G)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), FILE_NAME, "basline = 'x.json'\n");
        let e = Config::load(&p, d.path()).unwrap_err().to_string();
        assert!(
            e.contains("basline") && e.contains("did you mean `baseline`"),
            "{e}"
        );
        let p = write(d.path(), FILE_NAME, "[allow]\nstopword = ['x']\n");
        let e = Config::load(&p, d.path()).unwrap_err().to_string();
        assert!(e.contains("did you mean `stopwords`"), "{e}");
    }

    #[test]
    fn a_hostile_allowlist_is_refused_naming_the_file_and_a_large_one_is_one_set() {
        let d = tempfile::tempdir().unwrap();
        let list = |n: usize| {
            (0..n)
                .map(|i| format!("'^tok_{i:06}$'"))
                .collect::<Vec<_>>()
                .join(",\n")
        };
        let p = write(
            d.path(),
            FILE_NAME,
            &format!(
                "[allow]\nregexes = [{}]\n",
                list(crate::rules::MAX_ALLOW_REGEXES + 1)
            ),
        );
        let e = Config::load(&p, d.path()).unwrap_err().to_string();
        assert!(e.contains(FILE_NAME) && e.contains("allow regexes"), "{e}");
        let long = format!("[allow]\nregexes = ['{}']\n", "a".repeat(5000));
        let p = write(d.path(), FILE_NAME, &long);
        let e = Config::load(&p, d.path()).unwrap_err().to_string();
        assert!(e.contains(FILE_NAME) && e.contains("5000 bytes"), "{e}");
        // Within the limits, thousands of regexes load as one compiled set per allowlist.
        let p = write(
            d.path(),
            FILE_NAME,
            &format!("[allow]\nregexes = [{}]\n", list(5000)),
        );
        let config = Config::load(&p, d.path()).unwrap();
        assert_eq!(config.allows.len(), 1);
        assert_eq!(config.allows[0].secret_regex_count, 5000);
        let re = config.allows[0].secret_regex.as_ref().unwrap();
        assert!(re.is_match(regex_automata::Input::new(b"tok_004999")));
        assert!(!re.is_match(regex_automata::Input::new(b"tok_005000")));
    }

    #[test]
    fn suppressor_applies_gitleaksignore_commits_and_rule_paths_per_location() {
        use crate::finding::{GitOrigin, Hit, Location, Origin, RuleInfo, Secret, fingerprint};
        use crate::rules::Kind;
        use crate::suppress::Suppression;
        use std::sync::Arc;
        let d = tempfile::tempdir().unwrap();
        let commit = "ab".repeat(20);
        let allowed_commit = "cd".repeat(20);
        let hit = |rule: &str, secret: &str, path: &str, c: &str, line| Hit {
            rule: Arc::new(RuleInfo {
                id: rule.into(),
                name: rule.into(),
                kind: Kind::Generic,
                description: String::new(),
                fix: None,
            }),
            secret: Secret::new(secret),
            fingerprint: fingerprint(rule, secret.as_bytes()),
            companion: None,
            location: Location::new(
                Arc::new(Origin::Git(Box::new(GitOrigin {
                    repository: ".".into(),
                    commit: c.into(),
                    path: path.into(),
                    blob: String::new(),
                    author_name: String::new(),
                    author_email: String::new(),
                    author_time: 0,
                    committer_time: 0,
                    subject: String::new(),
                    reference: None,
                    order: 0,
                }))),
                line,
                1,
            ),
        };
        let text = format!(
            "[[rules]]\nid = \"r\"\nregex = 'rtok_[a-z]{{8}}'\npath = '\\.env$'\n\n[allowlist]\ncommits = [\"{}\"]\n",
            &allowed_commit[..10]
        );
        let p = write(d.path(), GITLEAKS_FILE_NAME, &text);
        let mut config = Config::load(&p, d.path()).unwrap();
        config.ignore = parse_gitleaksignore(&format!("{commit}:a.txt:x:3\n")).0;
        let s = config.suppressor(&["x"]).unwrap();
        // One location ignored by .gitleaksignore, one kept.
        assert_eq!(
            s.check(&hit("x", "s1", "a.txt", &commit, 3)),
            Some(Suppression::Ignored)
        );
        assert_eq!(s.check(&hit("x", "s1", "a.txt", &commit, 4)), None);
        // Only in an allowlisted commit.
        assert_eq!(
            s.check(&hit("x", "s2", "b.txt", &allowed_commit, 1)),
            Some(Suppression::Allowlist)
        );
        // A path-scoped gitleaks rule outside its path, and inside it.
        assert_eq!(
            s.check(&hit("r", "s3", "c.txt", &commit, 1)),
            Some(Suppression::Allowlist)
        );
        assert_eq!(s.check(&hit("r", "s4", "prod.env", &commit, 1)), None);
    }
}
