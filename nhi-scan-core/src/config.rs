//! Project configuration: `.nhi-scan.toml`, or a gitleaks/Betterleaks `.gitleaks.toml`, found at
//! the repository root (or named with `--config`), plus `.gitleaksignore` and the baseline.
//!
//! Loading produces plain values the CLI hands to the library: which rules to load (built-in
//! pack, rule files, rules translated from gitleaks), a [`PathFilter`] the sources use to skip
//! allowlisted paths without reading them, and a [`Suppressor`] applied to finished findings.
//!
//! Why most allowlists act on findings rather than inside the engine: an allowlist entry on the
//! secret, its path or its commit is decided as well from a [`Finding`] as from the raw bytes,
//! needs no rule to be recompiled (which would cost start-up time on every pre-commit run), and
//! an allowed provider token is not then re-reported by a generic rule that lost the overlap
//! contest to it. Only regexes that look at the surrounding match or line need the bytes; those
//! become [`crate::rules::Allowlist`]s on the rules they target.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex_automata::{Input, meta};
use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind};
use serde::Deserialize;

use crate::baseline::{self, Baseline};
use crate::finding::{Finding, Location, Origin};
use crate::rules::{AllowTarget, Allowlist, Kind, LoadOutcome, Rule, RuleError, RuleOrigin};

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
    /// The baseline named by the configuration is broken.
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
}

/// Which kind of file a configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// `.nhi-scan.toml`.
    NhiScan,
    /// gitleaks/Betterleaks TOML.
    Gitleaks,
}

/// Paths that must not be scanned: globs (gitignore-like: a glob without `/` matches a name at
/// any depth, a directory matches everything below it) and regexes (gitleaks `paths`), both
/// matched against the path relative to the repository root with `/` separators.
#[derive(Clone)]
pub struct PathFilter {
    root: PathBuf,
    cwd: PathBuf,
    globs: GlobSet,
    regexes: Vec<meta::Regex>,
    count: usize,
}

impl fmt::Debug for PathFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathFilter")
            .field("root", &self.root)
            .field("patterns", &self.count)
            .finish()
    }
}

impl PathFilter {
    /// Compiles globs and regexes; paths are taken relative to `root`.
    pub fn new(root: &Path, globs: &[String], regexes: &[String]) -> Result<PathFilter, String> {
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
        let regexes = regexes
            .iter()
            .map(|r| compile_regex(r).map_err(|e| format!("regex {r:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let cwd = std::env::current_dir().unwrap_or_default();
        Ok(PathFilter {
            root: normalize(&cwd, root),
            cwd,
            globs: globs_set,
            count: globs.len() + regexes.len(),
            regexes,
        })
    }

    /// True when there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether a path relative to the root (`/`-separated) is allowlisted.
    pub fn matches_relative(&self, rel: &str) -> bool {
        let rel = rel.trim_start_matches("./");
        self.globs.is_match(rel)
            || self
                .regexes
                .iter()
                .any(|re| re.is_match(Input::new(rel.as_bytes())))
    }

    /// Whether a path as found by a walk (relative to the working directory, or absolute) is
    /// allowlisted.
    pub fn matches(&self, path: &Path) -> bool {
        self.matches_relative(&self.relative(path))
    }

    /// `path` relative to the root, `/`-separated; paths outside the root stay as they are.
    pub fn relative(&self, path: &Path) -> String {
        relative_to(&self.root, &self.cwd, path)
    }
}

fn normalize(cwd: &Path, path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_owned()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
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

fn relative_to(root: &Path, cwd: &Path, path: &Path) -> String {
    let abs = normalize(cwd, path);
    let rel = abs.strip_prefix(root).map(Path::to_path_buf).unwrap_or(abs);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

/// Compiles a regex the way rules are compiled (bytes, ASCII classes).
fn compile_regex(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(crate::rules::syntax_config())
        .build(pattern)
        .map_err(|e| one_line(&e.to_string()))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An exception applied to finished findings, location by location.
#[derive(Debug, Clone, Default)]
struct FindingAllow {
    /// Only these rules (lowercase ids); empty: every rule.
    rules: HashSet<String>,
    paths: Option<PathFilter>,
    /// Commit ids (full or abbreviated, lowercase).
    commits: Vec<String>,
    secret_regexes: Vec<meta::Regex>,
    /// Lowercase.
    stopwords: Vec<String>,
    /// gitleaks `condition = "AND"`: every criterion must hold (default: any).
    all: bool,
}

impl FindingAllow {
    fn is_empty(&self) -> bool {
        self.paths.is_none()
            && self.commits.is_empty()
            && self.secret_regexes.is_empty()
            && self.stopwords.is_empty()
    }

    fn allows(&self, f: &Finding, path: Option<&str>, commit: Option<&str>) -> bool {
        if !self.rules.is_empty() && !self.rules.contains(&f.rule_id) {
            return false;
        }
        let mut checks = Vec::with_capacity(3);
        if let Some(p) = &self.paths {
            checks.push(path.is_some_and(|x| p.matches_relative(x)));
        }
        if !self.commits.is_empty() {
            checks.push(commit.is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                self.commits
                    .iter()
                    .any(|x| !x.is_empty() && c.starts_with(x.as_str()))
            }));
        }
        if !self.secret_regexes.is_empty() || !self.stopwords.is_empty() {
            let lower = f.secret.to_ascii_lowercase();
            checks.push(
                self.stopwords.iter().any(|w| lower.contains(w.as_str()))
                    || self
                        .secret_regexes
                        .iter()
                        .any(|re| re.is_match(Input::new(f.secret.as_bytes()))),
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

/// One `.gitleaksignore` line: `file:rule-id:line` or `commit:file:rule-id:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// Commit id, for entries from history scans.
    pub commit: Option<String>,
    /// Path relative to the repository root.
    pub file: String,
    /// gitleaks rule id (lowercase).
    pub rule: String,
    /// 1-based line.
    pub line: u64,
}

/// Parses `.gitleaksignore` text; returns the entries and the lines that could not be read.
pub fn parse_gitleaksignore(text: &str) -> (Vec<IgnoreEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for raw in text.lines() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.rsplitn(3, ':');
        let (Some(line), Some(rule), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            bad.push(l.to_string());
            continue;
        };
        let Ok(line) = line.parse::<u64>() else {
            bad.push(l.to_string());
            continue;
        };
        let (commit, file) = match rest.split_once(':') {
            Some((c, f))
                if (c.len() == 40 || c.len() == 64) && c.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                (Some(c.to_ascii_lowercase()), f)
            }
            _ => (None, rest),
        };
        entries.push(IgnoreEntry {
            commit,
            file: file.trim_start_matches("./").to_string(),
            rule: rule.to_ascii_lowercase(),
            line,
        });
    }
    (entries, bad)
}

/// How many findings each mechanism removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Suppressed {
    /// Known to the baseline.
    pub baseline: usize,
    /// Every location allowlisted by the configuration (paths, commits, secrets, stopwords).
    pub allowlist: usize,
    /// Every location named in `.gitleaksignore`.
    pub ignored: usize,
}

impl Suppressed {
    /// Total findings removed.
    pub fn total(&self) -> usize {
        self.baseline + self.allowlist + self.ignored
    }
}

/// Removes findings that configuration, `.gitleaksignore` or the baseline accept. Built once
/// per run from a [`Config`]; applied to the findings of any source.
#[derive(Debug, Clone, Default)]
pub struct Suppressor {
    root: PathBuf,
    cwd: PathBuf,
    allows: Vec<FindingAllow>,
    /// Per-rule path requirements (gitleaks rules with both `path` and `regex`).
    rule_paths: HashMap<String, meta::Regex>,
    ignore: Vec<IgnoreEntry>,
    known_rules: HashSet<String>,
    baseline: Option<Baseline>,
}

impl Suppressor {
    /// True when it would remove nothing.
    pub fn is_empty(&self) -> bool {
        self.allows.is_empty()
            && self.rule_paths.is_empty()
            && self.ignore.is_empty()
            && self.baseline.as_ref().is_none_or(|b| b.is_empty())
    }

    /// Uses this baseline (replacing the configuration's).
    pub fn set_baseline(&mut self, baseline: Option<Baseline>) {
        self.baseline = baseline;
    }

    /// Removes accepted locations, then findings left without one, then baselined findings.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Suppressed {
        let mut s = Suppressed::default();
        if let Some(b) = &self.baseline {
            s.baseline = b.suppress(findings);
        }
        if self.allows.is_empty() && self.rule_paths.is_empty() && self.ignore.is_empty() {
            return s;
        }
        findings.retain_mut(|f| {
            let mut by_ignore = false;
            let before = f.locations.len();
            let mut locations = std::mem::take(&mut f.locations);
            locations.retain(|l| {
                let (path, commit) = self.place(l);
                if let Some(re) = self.rule_paths.get(&f.rule_id)
                    && !path
                        .as_deref()
                        .is_some_and(|p| re.is_match(Input::new(p.as_bytes())))
                {
                    return false;
                }
                if self.ignored(f, l, path.as_deref(), commit) {
                    by_ignore = true;
                    return false;
                }
                !self
                    .allows
                    .iter()
                    .any(|a| a.allows(f, path.as_deref(), commit))
            });
            f.locations = locations;
            if f.locations.is_empty() && before > 0 {
                if by_ignore {
                    s.ignored += 1;
                } else {
                    s.allowlist += 1;
                }
                return false;
            }
            true
        });
        s
    }

    fn place<'a>(&self, l: &'a Location) -> (Option<String>, Option<&'a str>) {
        self.place_of(&l.origin)
    }

    /// Path (relative to the root) and introducing commit of an origin; an archive member is
    /// judged by where the archive itself is.
    fn place_of<'a>(&self, origin: &'a Origin) -> (Option<String>, Option<&'a str>) {
        match origin {
            Origin::File { path } => (Some(relative_to(&self.root, &self.cwd, path)), None),
            Origin::Git(g) => (
                Some(g.path.clone()),
                (!g.commit.is_empty()).then_some(g.commit.as_str()),
            ),
            Origin::Buffer { .. } => (None, None),
            Origin::Image(i) => (Some(i.path.clone()), None),
            Origin::Archive { outer, .. } => self.place_of(outer),
        }
    }

    fn ignored(&self, f: &Finding, l: &Location, path: Option<&str>, commit: Option<&str>) -> bool {
        let Some(path) = path else { return false };
        self.ignore.iter().any(|e| {
            e.line == l.line
                && e.file == path
                && (e.rule == f.rule_id || !self.known_rules.contains(&e.rule))
                && match (&e.commit, commit) {
                    (None, None) => true,
                    (Some(a), Some(b)) => b.starts_with(a.as_str()),
                    _ => false,
                }
        })
    }
}

/// A loaded configuration, as plain values.
#[derive(Debug, Clone)]
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
    allows: Vec<FindingAllow>,
    /// Allowlists on the match or line: (rule id or `None` for every rule, allowlist).
    engine_allows: Vec<(Option<String>, Allowlist)>,
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
            allows: Vec::new(),
            engine_allows: Vec::new(),
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
            let text = std::fs::read_to_string(&ignore).map_err(|source| ConfigError::Io {
                path: ignore.clone(),
                source,
            })?;
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
            let default = root.join(baseline::DEFAULT_FILE);
            if default.is_file() {
                config.baseline = Some(default);
            }
        }
        Ok(config)
    }

    /// Loads one file (either format, told apart by content) for the repository at `root`.
    /// Rule files and the baseline named in it are relative to the file's directory.
    pub fn load(path: &Path, root: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
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
            let file: GlFile =
                toml::from_str(&text).map_err(|e| invalid(toml_message(&text, &e)))?;
            config.apply_gitleaks(file, path)?;
        } else {
            let file: NhiFile =
                toml::from_str(&text).map_err(|e| invalid(toml_message(&text, &e)))?;
            config.apply_nhi(file, path, &dir)?;
        }
        Ok(config)
    }

    fn apply_nhi(&mut self, file: NhiFile, path: &Path, dir: &Path) -> Result<(), ConfigError> {
        self.builtin_rules = file.rules.builtin;
        self.rule_files = file.rules.files.iter().map(|f| dir.join(f)).collect();
        self.disabled_rules = file.rules.disable;
        self.baseline = file.baseline.map(|b| dir.join(b));
        self.max_file_size = match file.max_file_size {
            None => None,
            Some(Size::Bytes(n)) => Some(n),
            Some(Size::Text(s)) => {
                Some(parse_size(&s).map_err(|message| ConfigError::Invalid {
                    path: path.to_owned(),
                    message: format!("max_file_size: {message}"),
                })?)
            }
        };
        let a = file.allow;
        self.allow_path_globs = a.paths;
        self.check_paths(path)?;
        let global = AllowSpec {
            rules: Vec::new(),
            paths_in_source: false,
            path_globs: Vec::new(),
            path_regexes: Vec::new(),
            commits: a.commits,
            regexes: a.regexes,
            target: a.regex_target,
            stopwords: a.stopwords,
            all: false,
        };
        self.add_allow(global, path, "allow", false)?;
        for (id, r) in a.rule {
            let spec = AllowSpec {
                rules: vec![id.clone()],
                paths_in_source: false,
                path_globs: r.paths,
                path_regexes: Vec::new(),
                commits: r.commits,
                regexes: r.regexes,
                target: r.regex_target,
                stopwords: r.stopwords,
                all: false,
            };
            self.add_allow(spec, path, &format!("allow.rule.\"{id}\""), false)?;
        }
        Ok(())
    }

    fn check_paths(&self, path: &Path) -> Result<(), ConfigError> {
        PathFilter::new(&self.root, &self.allow_path_globs, &self.allow_path_regexes)
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
        let mut regexes = Vec::new();
        for r in &spec.regexes {
            let translated = if go_syntax {
                go_to_rust(r)
            } else {
                Ok(r.clone())
            };
            match translated.and_then(|t| compile_regex(&t).map(|_| t)) {
                Ok(t) => regexes.push(t),
                // A gitleaks file is someone else's: keep the rest of it working.
                Err(m) if go_syntax => self.warnings.push(format!(
                    "{}: {what}: regex {r:?} cannot be translated ({m}); it is ignored",
                    path.display()
                )),
                Err(m) => return Err(pattern_err(r, m)),
            }
        }
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
            let allow = Allowlist {
                regexes: std::mem::take(&mut regexes),
                regex_target: spec.target,
                stopwords: Vec::new(),
            };
            if spec.rules.is_empty() {
                self.engine_allows.push((None, allow));
            } else {
                for id in &spec.rules {
                    self.engine_allows
                        .push((Some(id.to_ascii_lowercase()), allow.clone()));
                }
            }
        }
        let mut paths = None;
        if !spec.path_globs.is_empty() || !spec.path_regexes.is_empty() {
            let mut path_regexes = Vec::new();
            for r in &spec.path_regexes {
                match go_to_rust(r).and_then(|t| compile_regex(&t).map(|_| t)) {
                    Ok(t) => path_regexes.push(t),
                    Err(m) => self.warnings.push(format!(
                        "{}: {what}: path regex {r:?} cannot be translated ({m}); it is ignored",
                        path.display()
                    )),
                }
            }
            let filter = PathFilter::new(&self.root, &spec.path_globs, &path_regexes)
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
            secret_regexes: regexes
                .iter()
                .map(|r| compile_regex(r))
                .collect::<Result<_, _>>()
                .map_err(|m| pattern_err(what, m))?,
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

    fn apply_gitleaks(&mut self, file: GlFile, path: &Path) -> Result<(), ConfigError> {
        self.builtin_rules = file.extend.as_ref().is_some_and(|e| e.use_default);
        if let Some(e) = &file.extend {
            self.disabled_rules = e.disabled_rules.iter().map(|r| sanitize_id(r)).collect();
            if e.path.is_some() || e.url.is_some() {
                self.warnings.push(format!(
                    "{}: [extend] path/url is not supported; only useDefault (nhi-scan's built-in rules) and disabledRules are",
                    path.display()
                ));
            }
        }
        let mut seen = HashSet::new();
        for r in &file.rules {
            let id = sanitize_id(&r.id);
            if !seen.insert(id.clone()) {
                self.untranslatable
                    .push((r.id.clone(), "duplicate rule id".into()));
                continue;
            }
            let mut ids = vec![id.clone()];
            match translate_rules(r, &id) {
                Ok(rules) => {
                    if let Some(p) = r.path.as_deref().filter(|_| r.regex.is_some()) {
                        let rust = go_to_rust(p).and_then(|p| compile_regex(&p).map(|_| p));
                        match rust {
                            Ok(p) => {
                                for rule in &rules {
                                    self.rule_paths.insert(rule.id.clone(), p.clone());
                                }
                            }
                            Err(m) => {
                                self.untranslatable
                                    .push((r.id.clone(), format!("path: {m}")));
                                continue;
                            }
                        }
                    }
                    ids = rules.iter().map(|r| r.id.clone()).collect();
                    self.translated_rules.extend(rules);
                }
                Err(problem) => self.untranslatable.push((r.id.clone(), problem)),
            }
            let lists = r.allowlist.iter().chain(&r.allowlists);
            for (i, a) in lists.enumerate() {
                let spec = gl_spec(a, ids.clone(), path, &mut self.warnings)?;
                self.add_allow(
                    spec,
                    path,
                    &format!("rule {} allowlist {}", r.id, i + 1),
                    true,
                )?;
            }
        }
        for (i, a) in file.allowlist.iter().chain(&file.allowlists).enumerate() {
            let targets = a.target_rules.iter().map(|r| sanitize_id(r)).collect();
            let mut spec = gl_spec(a, targets, path, &mut self.warnings)?;
            spec.paths_in_source = true;
            self.add_allow(spec, path, &format!("global allowlist {}", i + 1), true)?;
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
        if !self.engine_allows.is_empty() {
            let affected: Vec<(RuleOrigin, Rule)> = out
                .rules
                .rules()
                .iter()
                .filter(|r| {
                    self.engine_allows
                        .iter()
                        .any(|(id, _)| id.as_ref().is_none_or(|id| *id == r.rule.id))
                })
                .map(|r| (r.origin.clone(), r.rule.clone()))
                .collect();
            let ids: HashSet<String> = affected.iter().map(|(_, r)| r.id.clone()).collect();
            out.rules.retain(|r| !ids.contains(&r.id));
            for (origin, mut rule) in affected {
                for (id, allow) in &self.engine_allows {
                    if id.as_ref().is_some_and(|id| *id != rule.id) {
                        continue;
                    }
                    let own = &mut rule.allowlist;
                    if !own.regexes.is_empty() && own.regex_target != allow.regex_target {
                        out.errors.push(RuleError::Invalid {
                            origin: origin.clone(),
                            id: rule.id.clone(),
                            problem: format!(
                                "allowlist regexes on {:?} and {:?} cannot be combined; the configured ones are ignored",
                                own.regex_target, allow.regex_target
                            ),
                        });
                        continue;
                    }
                    own.regex_target = allow.regex_target;
                    own.regexes.extend(allow.regexes.iter().cloned());
                }
                out.add_rule(origin, rule);
            }
        }
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
            .map(|id| {
                let near = closest(&id, known.iter().copied());
                (id, near)
            })
            .collect()
    }

    /// The paths the sources must skip, if any.
    pub fn path_filter(&self) -> Option<PathFilter> {
        let f =
            PathFilter::new(&self.root, &self.allow_path_globs, &self.allow_path_regexes).ok()?;
        (!f.is_empty()).then_some(f)
    }

    /// The post-scan filter: allowlists, `.gitleaksignore`, and `baseline` (or the configured
    /// baseline when `None` is passed and `use_config_baseline` is set).
    pub fn suppressor(&self, known_rules: &[&str]) -> Result<Suppressor, ConfigError> {
        let baseline = match &self.baseline {
            Some(p) => Some(Baseline::load(p)?),
            None => None,
        };
        let rule_paths = self
            .rule_paths
            .iter()
            .filter_map(|(id, p)| Some((id.clone(), compile_regex(p).ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut allows = self.allows.clone();
        // Sources skip these paths unread; this catches locations a source could not skip
        // (a git blob first seen at another path).
        if let Some(paths) = self.path_filter() {
            allows.push(FindingAllow {
                paths: Some(paths),
                ..FindingAllow::default()
            });
        }
        Ok(Suppressor {
            root: normalize(&cwd, &self.root),
            cwd,
            allows,
            rule_paths,
            ignore: self.ignore.clone(),
            known_rules: known_rules.iter().map(|s| s.to_string()).collect(),
            baseline,
        })
    }
}

/// The nearest ancestor of `start` (itself included) holding `.git`; else `start` itself.
/// Always absolute.
pub fn repository_root(start: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut abs = normalize(&cwd, start);
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

struct AllowSpec {
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

fn gl_spec(
    a: &GlAllowlist,
    rules: Vec<String>,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<AllowSpec, ConfigError> {
    let target = match a.regex_target.as_deref().unwrap_or("secret") {
        "secret" | "" => AllowTarget::Secret,
        "match" => AllowTarget::Match,
        "line" => AllowTarget::Line,
        other => {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "allowlist regexTarget {other:?}: expected \"secret\", \"match\" or \"line\""
                ),
            });
        }
    };
    let all = match a
        .condition
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("OR") | Some("") => false,
        Some("AND") => true,
        Some(other) => {
            warnings.push(format!(
                "{}: allowlist condition {other:?} is not OR or AND; using OR",
                path.display()
            ));
            false
        }
    };
    Ok(AllowSpec {
        rules,
        paths_in_source: false,
        path_globs: Vec::new(),
        path_regexes: a.paths.clone(),
        commits: a.commits.clone(),
        regexes: a.regexes.clone(),
        target,
        stopwords: a.stopwords.clone(),
        all,
    })
}

/// gitleaks ids are free-form; ours are lowercase `[a-z0-9._-]`.
fn sanitize_id(id: &str) -> String {
    id.trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Translates one gitleaks rule. Without `secretGroup`, gitleaks takes the first capture group
/// that matched; a regex whose top-level alternatives each capture (`a(x)|b(y)`) becomes one rule
/// per alternative (`id`, `id.alt2`, ...), each naming its own first group, since a regex cannot
/// give two groups the same name.
fn translate_rules(r: &GlRule, id: &str) -> Result<Vec<Rule>, String> {
    let Some(regex) = r.regex.as_deref().filter(|s| !s.is_empty()) else {
        return Err(
            "no regex: a path-only rule matches file names, which nhi-scan does not scan".into(),
        );
    };
    let pattern = go_to_rust(regex)?;
    if r.secret_group == 0
        && let Some(branches) = capturing_alternatives(&pattern)
    {
        return branches
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let id = if i == 0 {
                    id.to_string()
                } else {
                    format!("{id}.alt{}", i + 1)
                };
                translate_rule(r, &id, b)
            })
            .collect();
    }
    Ok(vec![translate_rule(r, id, &pattern)?])
}

/// For `(?flags)a(x)|b(y)`: `["(?flags)a(x)", "(?flags)b(y)"]`, when every top-level alternative
/// has a capture group and there is more than one.
fn capturing_alternatives(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::ast::{Ast, GroupKind};
    fn captures(ast: &Ast) -> bool {
        match ast {
            Ast::Group(g) => !matches!(g.kind, GroupKind::NonCapturing(_)) || captures(&g.ast),
            Ast::Concat(c) => c.asts.iter().any(captures),
            Ast::Alternation(a) => a.asts.iter().any(captures),
            Ast::Repetition(r) => captures(&r.ast),
            _ => false,
        }
    }
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .ok()?;
    let Ast::Alternation(alt) = &ast else {
        return None;
    };
    if alt.asts.len() < 2 || !alt.asts.iter().all(captures) {
        return None;
    }
    // Flags set at the start of the first alternative hold for the later ones too.
    let mut flags = String::new();
    if let Ast::Concat(c) = &alt.asts[0] {
        for a in c.asts.iter().take_while(|a| matches!(a, Ast::Flags(_))) {
            flags.push_str(&pattern[a.span().start.offset..a.span().end.offset]);
        }
    }
    Some(
        alt.asts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let text = &pattern[a.span().start.offset..a.span().end.offset];
                if i == 0 {
                    text.to_string()
                } else {
                    format!("{flags}{text}")
                }
            })
            .collect(),
    )
}

fn translate_rule(r: &GlRule, id: &str, pattern: &str) -> Result<Rule, String> {
    let pattern = with_secret_group(pattern, r.secret_group)?;
    let hir = regex_automata::util::syntax::parse_with(&pattern, &crate::rules::syntax_config())
        .map_err(|e| format!("regex: {}", one_line(&e.to_string())))?;
    let mut keywords: Vec<String> = Vec::new();
    let mut usable = !r.keywords.is_empty();
    for k in &r.keywords {
        let k = k.to_ascii_lowercase();
        if k.len() < 3 || !k.is_ascii() {
            usable = false;
            break;
        }
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    if !usable {
        keywords = required_literals(&hir).ok_or_else(|| {
            if r.keywords.is_empty() {
                "no keywords, and its regex has no literal of 3 or more bytes that every match contains (needed for the prefilter)".to_string()
            } else {
                "a keyword is shorter than 3 bytes, and its regex has no literal of 3 or more bytes that every match contains".to_string()
            }
        })?;
    }
    if let Some(e) = r.entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(format!("entropy {e} is outside 0..=8"));
    }
    // gitleaks descriptions are sentences; the id reads better as a name in reports.
    let name = r.id.clone();
    Ok(Rule {
        id: id.to_string(),
        name,
        kind: kind_of(id),
        description: r.description.clone(),
        keywords,
        pattern,
        context: None,
        min_entropy: r.entropy,
        checksum: None,
        companion: None,
        placeholder_check: true,
        fix: None,
        references: Vec::new(),
        allowlist: Allowlist::default(),
        examples: Vec::new(),
        negative_examples: Vec::new(),
    })
}

/// A family for a gitleaks rule, guessed from its id. It matters beyond the report: where rules
/// overlap on the same bytes, a provider rule wins over a generic one.
fn kind_of(id: &str) -> Kind {
    let has = |words: &[&str]| words.iter().any(|w| id.contains(w));
    if has(&["generic", "password", "curl", "jdbc"]) {
        Kind::Generic
    } else if has(&["private-key", "pkcs", "pgp", "ssh"]) {
        Kind::PrivateKey
    } else if has(&[
        "aws",
        "gcp",
        "google",
        "azure",
        "alibaba",
        "digitalocean",
        "linode",
    ]) {
        Kind::CloudKey
    } else if has(&["github", "gitlab", "bitbucket", "gitea"]) {
        Kind::VcsToken
    } else if has(&["openai", "anthropic", "huggingface", "cohere", "perplexity"]) {
        Kind::AiApiKey
    } else if has(&[
        "slack",
        "discord",
        "telegram",
        "twilio",
        "teams",
        "mattermost",
    ]) {
        Kind::ChatToken
    } else if has(&[
        "stripe",
        "square",
        "paypal",
        "braintree",
        "plaid",
        "coinbase",
    ]) {
        Kind::PaymentKey
    } else if has(&["npm", "pypi", "rubygems", "nuget", "clojars", "artifactory"]) {
        Kind::PackageRegistryToken
    } else if has(&[
        "vault",
        "doppler",
        "infisical",
        "1password",
        "circleci",
        "travis",
    ]) {
        Kind::CiToken
    } else {
        Kind::SaasToken
    }
}

/// Go RE2 syntax to ours. With Unicode off, `\w \d \s \b` are ASCII in both. What differs and
/// is rewritten: `\Q...\E` quoting, and a `{` that cannot start a repetition (RE2 takes it
/// literally, as in `{{ var }}` or `(?:\d+|{\d+})`; we would refuse it). What differs and is
/// refused: `\C` (any byte). Everything else either means the same or fails to parse, and the
/// caller reports the rule.
pub fn go_to_rust(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.char_indices().peekable();
    // Inside `[...]`, where `{` is always literal.
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        if in_class {
            out.push(c);
            match c {
                ']' if !out.ends_with("[]") && !out.ends_with("[^]") => in_class = false,
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                '[' if chars.peek().is_some_and(|(_, n)| *n == ':') => {
                    // A POSIX class `[:alpha:]`: copy through its closing `:]`.
                    let rest = &pattern[i + 1..];
                    if let Some(end) = rest.find(":]") {
                        let stop = i + 1 + end + 2;
                        while chars.peek().is_some_and(|(j, _)| *j < stop) {
                            out.push(chars.next().map(|(_, c)| c).unwrap_or_default());
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            continue;
        }
        if c == '{' {
            let repeatable = !(out.is_empty()
                || out.ends_with('(')
                || out.ends_with('|')
                || out.ends_with("(?:")
                || ends_with_flag_group(&out));
            let rest = &pattern[i + 1..];
            let counted = rest.find('}').is_some_and(|end| {
                let inner = &rest[..end];
                let (a, b) = inner.split_once(',').unwrap_or((inner, "0"));
                !a.is_empty()
                    && a.bytes().all(|x| x.is_ascii_digit())
                    && b.bytes().all(|x| x.is_ascii_digit())
            });
            if !(repeatable && counted) {
                out.push_str("\\{");
                continue;
            }
            out.push(c);
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'Q')) => {
                let rest = &pattern[i + 2..];
                let (quoted, consumed) = match rest.find("\\E") {
                    Some(end) => (&rest[..end], end + 2),
                    None => (rest, rest.len()),
                };
                out.push_str(&regex_syntax::escape(quoted));
                let stop = i + 2 + consumed;
                while chars.peek().is_some_and(|(j, _)| *j < stop) {
                    chars.next();
                }
            }
            Some((_, 'C')) => return Err("\\C (any byte) is not supported".into()),
            Some((_, n)) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// True when `s` ends with a flag group such as `(?i)` or `(?-i)`, after which nothing repeats.
fn ends_with_flag_group(s: &str) -> bool {
    s.strip_suffix(')')
        .and_then(|t| t.rfind("(?").map(|p| &t[p + 2..]))
        .is_some_and(|flags| flags.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
}

/// Names gitleaks' secret group `secret`: `secretGroup = N` picks the N-th capture group; without
/// it gitleaks takes the first group that matched, approximated here as group 1; a regex with no
/// group is its own secret.
fn with_secret_group(pattern: &str, group: u32) -> Result<String, String> {
    use regex_syntax::ast::{Ast, GroupKind};
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("regex: {}", one_line(&e.to_string())))?;
    /// Capture index, byte offset of the group's `(`, and the span of its name if named.
    type Group = (u32, usize, Option<(usize, usize)>);
    fn collect(ast: &Ast, out: &mut Vec<Group>) {
        match ast {
            Ast::Group(g) => {
                match &g.kind {
                    GroupKind::CaptureIndex(i) => out.push((*i, g.span.start.offset, None)),
                    GroupKind::CaptureName { name, .. } => out.push((
                        name.index,
                        g.span.start.offset,
                        Some((name.span.start.offset, name.span.end.offset)),
                    )),
                    GroupKind::NonCapturing(_) => {}
                }
                collect(&g.ast, out);
            }
            Ast::Concat(c) => c.asts.iter().for_each(|a| collect(a, out)),
            Ast::Alternation(a) => a.asts.iter().for_each(|a| collect(a, out)),
            Ast::Repetition(r) => collect(&r.ast, out),
            _ => {}
        }
    }
    let mut groups = Vec::new();
    collect(&ast, &mut groups);
    if groups.is_empty() && group == 0 {
        return Ok(format!("(?P<secret>{pattern})"));
    }
    let want = group.max(1);
    let Some(&(_, open, name)) = groups.iter().find(|g| g.0 == want) else {
        return Err(format!("secretGroup {want} does not exist in the regex"));
    };
    Ok(match name {
        Some((s, e)) => format!("{}secret{}", &pattern[..s], &pattern[e..]),
        None => format!("{}(?P<secret>{}", &pattern[..open], &pattern[open + 1..]),
    })
}

/// Literals (>= 3 bytes, lowercased) at least one of which every match of `hir` contains, for
/// rules that bring no usable keywords.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    fn exact_set(h: &Hir) -> Option<Vec<String>> {
        let mut ex = Extractor::new();
        ex.limit_class(24).limit_total(256);
        let seq = ex.extract(h);
        let lits = seq.literals()?;
        if lits.is_empty() {
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        for l in lits {
            let b = l.as_bytes();
            if b.len() < 3 || !b.is_ascii() {
                return None;
            }
            let s = String::from_utf8_lossy(b).to_ascii_lowercase();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        (out.len() <= 32).then_some(out)
    }
    fn best(h: &Hir) -> Option<Vec<String>> {
        // Longer literals gate better up to about 4 bytes; past that, fewer of them is better.
        let score = |v: &Vec<String>| {
            let min = v.iter().map(String::len).min().unwrap_or(0);
            (min.min(4), std::cmp::Reverse(v.len()))
        };
        let mut found = exact_set(h);
        let inner = match h.kind() {
            HirKind::Capture(c) => best(&c.sub),
            HirKind::Repetition(r) if r.min >= 1 => best(&r.sub),
            // Each element alone, and each run starting at an element (`\\dQ~` gives `0q~`...).
            HirKind::Concat(subs) => subs
                .iter()
                .filter_map(best)
                .chain((1..subs.len()).filter_map(|i| exact_set(&Hir::concat(subs[i..].to_vec()))))
                .max_by_key(score),
            HirKind::Alternation(subs) => {
                let mut all = Vec::new();
                for s in subs {
                    for l in best(s)? {
                        if !all.contains(&l) {
                            all.push(l);
                        }
                    }
                }
                Some(all)
            }
            _ => None,
        };
        if let Some(i) = inner
            && found.as_ref().is_none_or(|f| score(&i) > score(f))
        {
            found = Some(i);
        }
        found
    }
    best(hir)
}

/// The toml error with, for an unknown key, the closest known one.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
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
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
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

// ---- file formats ----

#[derive(Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

/// `.nhi-scan.toml`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NhiFile {
    baseline: Option<PathBuf>,
    max_file_size: Option<Size>,
    #[serde(default)]
    rules: NhiRules,
    #[serde(default)]
    allow: NhiAllow,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NhiRules {
    #[serde(default = "yes")]
    builtin: bool,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    files: Vec<PathBuf>,
}

impl Default for NhiRules {
    fn default() -> Self {
        NhiRules {
            builtin: true,
            disable: Vec::new(),
            files: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NhiAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: AllowTarget,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    rule: BTreeMap<String, NhiRuleAllow>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NhiRuleAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: AllowTarget,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
}

/// gitleaks/Betterleaks TOML (unknown keys are ignored, as gitleaks does).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlFile {
    extend: Option<GlExtend>,
    #[serde(default)]
    rules: Vec<GlRule>,
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlExtend {
    #[serde(default)]
    use_default: bool,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlRule {
    id: String,
    #[serde(default)]
    description: String,
    regex: Option<String>,
    #[serde(default)]
    secret_group: u32,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlAllowlist {
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
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
    fn go_quoting_and_secret_groups_translate() {
        assert_eq!(go_to_rust(r"a\Q.b*\Ec").unwrap(), r"a\.b\*c");
        for (go, rust) in [
            (r"^\{\{ *\w+ *}}$", r"^\{\{ *\w+ *}}$"),
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+})$"),
            (r"{{ x }}", r"\{\{ x }}"),
            (r"a{2,3}[{}]", r"a{2,3}[{}]"),
            (r"[[:alpha:]{]x{1}", r"[[:alpha:]{]x{1}"),
            (r"[]{]a{x}", r"[]{]a\{x}"),
            (r"(?i){1}", r"(?i)\{1}"),
        ] {
            let got = go_to_rust(go).unwrap();
            assert_eq!(got, rust, "{go}");
            compile_regex(&got).unwrap_or_else(|e| panic!("{go} -> {got}: {e}"));
        }
        assert!(go_to_rust(r"a\Cb").is_err());
        assert_eq!(
            with_secret_group(r"(?i)key=([a-z]{8})", 0).unwrap(),
            r"(?i)key=(?P<secret>[a-z]{8})"
        );
        assert_eq!(
            with_secret_group(r"(a)(?P<v>b)", 2).unwrap(),
            r"(a)(?P<secret>b)"
        );
        assert_eq!(
            with_secret_group(r"ab|cd", 0).unwrap(),
            r"(?P<secret>ab|cd)"
        );
        assert!(with_secret_group(r"(a)", 3).is_err());
    }

    #[test]
    fn capturing_alternatives_become_one_rule_each() {
        let r = GlRule {
            id: "multi".into(),
            regex: Some(r"(?i)key=([a-z]{8})|\btok_([0-9]{6})|(?:plain)".into()),
            keywords: vec!["key=".into(), "tok_".into()],
            ..GlRule::default()
        };
        // The last alternative has no group: the rule is not split.
        assert_eq!(translate_rules(&r, "multi").unwrap().len(), 1);
        let r = GlRule {
            regex: Some(r"(?i)key=([a-z]{8})|\btok_([0-9]{6})".into()),
            ..r
        };
        let rules = translate_rules(&r, "multi").unwrap();
        let got: Vec<(&str, &str)> = rules
            .iter()
            .map(|r| (r.id.as_str(), r.pattern.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("multi", r"(?i)key=(?P<secret>[a-z]{8})"),
                ("multi.alt2", r"(?i)\btok_(?P<secret>[0-9]{6})"),
            ]
        );
    }

    #[test]
    fn literals_are_extracted_for_rules_without_keywords() {
        let parse = |p: &str| {
            regex_automata::util::syntax::parse_with(p, &crate::rules::syntax_config()).unwrap()
        };
        assert_eq!(
            required_literals(&parse(r"(?i)\b(acme_[a-z0-9]{20})")).unwrap(),
            vec!["acme_".to_string()]
        );
        assert_eq!(
            required_literals(&parse(r"[a-z]{4}-tok-[0-9]+")).unwrap(),
            vec!["-tok-".to_string()]
        );
        assert!(required_literals(&parse(r"[a-z0-9]{32}")).is_none());
        let mut got = required_literals(&parse(r"[a-z]{3}\dQ~[a-z]{31}")).unwrap();
        got.sort();
        assert_eq!(got.len(), 10);
        assert_eq!(got[0], "0q~");
    }

    #[test]
    fn gitleaksignore_lines_parse() {
        let sha = "a".repeat(40);
        let (e, bad) = parse_gitleaksignore(&format!(
            "# c\nsrc/a.py:my-rule:3\n{sha}:b/c.txt:r:10\nnope\n"
        ));
        assert_eq!(bad, vec!["nope".to_string()]);
        assert_eq!(e[0].file, "src/a.py");
        assert_eq!(e[0].commit, None);
        assert_eq!(e[1].commit.as_deref(), Some(sha.as_str()));
        assert_eq!((e[1].file.as_str(), e[1].line), ("b/c.txt", 10));
    }

    #[test]
    fn suppressor_applies_gitleaksignore_commits_and_rule_paths_per_location() {
        use crate::finding::{GitOrigin, Location};
        use std::sync::Arc;
        let d = tempfile::tempdir().unwrap();
        let commit = "ab".repeat(20);
        let allowed_commit = "cd".repeat(20);
        let git = |path: &str, c: &str| {
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
            })))
        };
        let loc = |origin: Arc<Origin>, line| Location {
            origin,
            line,
            column: 1,
            end_line: line,
            end_column: 2,
            offset: 0,
            end_offset: 1,
            encoding: None,
        };
        let finding = Finding::for_test;
        let text = format!(
            "[[rules]]\nid = \"r\"\nregex = 'rtok_[a-z]{{8}}'\npath = '\\.env$'\n\n[allowlist]\ncommits = [\"{}\"]\n",
            &allowed_commit[..10]
        );
        let p = write(d.path(), GITLEAKS_FILE_NAME, &text);
        let mut config = Config::load(&p, d.path()).unwrap();
        config.ignore = parse_gitleaksignore(&format!("{commit}:a.txt:x:3\n")).0;
        let s = config.suppressor(&["x"]).unwrap();
        let mut findings = vec![
            // One location ignored by .gitleaksignore, one kept.
            finding(
                "x",
                "s1",
                vec![loc(git("a.txt", &commit), 3), loc(git("a.txt", &commit), 4)],
            ),
            // Only in an allowlisted commit.
            finding("x", "s2", vec![loc(git("b.txt", &allowed_commit), 1)]),
            // A path-scoped gitleaks rule outside its path, and inside it.
            finding("r", "s3", vec![loc(git("c.txt", &commit), 1)]),
            finding("r", "s4", vec![loc(git("prod.env", &commit), 1)]),
        ];
        let got = s.apply(&mut findings);
        assert_eq!(got.allowlist, 2, "{got:?}");
        let left: Vec<(&str, usize)> = findings
            .iter()
            .map(|f| (f.secret.as_str(), f.locations.len()))
            .collect();
        assert_eq!(left, vec![("s1", 1), ("s4", 1)]);
    }

    #[test]
    fn path_globs_match_like_gitignore() {
        let f = PathFilter::new(
            Path::new("/r"),
            &[
                "*.lock".into(),
                "tests/fixtures".into(),
                "/docs/*.md".into(),
            ],
            &[r"^vendor/".into()],
        )
        .unwrap();
        assert!(f.matches_relative("Cargo.lock"));
        assert!(f.matches_relative("a/b/Cargo.lock"));
        assert!(f.matches_relative("tests/fixtures/x/y.env"));
        assert!(f.matches_relative("docs/a.md"));
        assert!(!f.matches_relative("docs/sub/a.md"));
        assert!(f.matches_relative("vendor/x.go"));
        assert!(!f.matches_relative("src/main.rs"));
        assert!(f.matches(Path::new("/r/a/Cargo.lock")));
    }
}
