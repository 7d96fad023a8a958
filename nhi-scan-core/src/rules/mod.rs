//! The rule model: rules are data (TOML), loaded from the built-in pack or user files, validated up
//! front so that a broken rule is an error naming its file, id and problem rather than a silent miss.

mod check;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use regex_syntax::hir::{Hir, HirKind};
use serde::{Deserialize, Serialize};

pub use check::{ExampleFailure, check_examples};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The family of non-human identity a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Cloud provider access keys (AWS, GCP, Azure, ...).
    CloudKey,
    /// Source hosting tokens (GitHub, GitLab, Bitbucket).
    VcsToken,
    /// AI model and agent platform API keys.
    AiApiKey,
    /// Chat and messaging bot tokens.
    ChatToken,
    /// Payment provider keys.
    PaymentKey,
    /// Database passwords and connection strings.
    DbCredential,
    /// Private keys (PEM, OpenSSH, PGP, ...).
    PrivateKey,
    /// CI/CD and secrets-infrastructure tokens.
    CiToken,
    /// Package registry publish tokens.
    PackageRegistryToken,
    /// SaaS, observability and productivity API tokens.
    SaasToken,
    /// Webhook URLs whose path is the credential.
    Webhook,
    /// Generic password/secret/token assignments.
    Generic,
}

impl Kind {
    /// The kebab-case name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CloudKey => "cloud-key",
            Kind::VcsToken => "vcs-token",
            Kind::AiApiKey => "ai-api-key",
            Kind::ChatToken => "chat-token",
            Kind::PaymentKey => "payment-key",
            Kind::DbCredential => "db-credential",
            Kind::PrivateKey => "private-key",
            Kind::CiToken => "ci-token",
            Kind::PackageRegistryToken => "package-registry-token",
            Kind::SaasToken => "saas-token",
            Kind::Webhook => "webhook",
            Kind::Generic => "generic",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Offline verifiers for tokens that carry their own checksum or structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    /// GitHub `ghp_ gho_ ghu_ ghs_ ghr_`: last 6 chars are the base62 CRC32 of the 30 before them.
    GithubCrc32,
    /// npm `npm_` tokens: same scheme as GitHub's.
    NpmCrc32,
    /// A JSON Web Token whose header decodes to a JSON object with an `alg`.
    Jwt,
    /// Stellar StrKey secret seed (`S...`): base32 of version byte, 32-byte seed, CRC16-XModem.
    StellarCrc16,
    /// NATS NKey seed (`SU...`, `SA...`): base32 of two prefix bytes, 32-byte seed, CRC16-XModem.
    NkeysCrc16,
    /// Bech32 string (BIP-173, e.g. Nostr `nsec1...`): its 6-character BCH checksum.
    Bech32,
    /// XRP Ledger secret (`s...`): Base58Check in the Ripple alphabet (double SHA-256).
    RippleBase58check,
    /// HTTP Basic credentials: base64 of printable `user:password` text with a real password
    /// (or a long user part alone, as APIs that take a key as the user name use).
    BasicAuth,
    /// Cisco IOS "type 7" password: a two-digit offset and hex bytes XORed with a published
    /// key, so it decodes to the password itself.
    CiscoType7,
    /// BitLocker recovery password: eight groups of six digits, each a multiple of 11 below
    /// 720,896 (11 x 65,536).
    BitlockerMod11,
    /// Discord bot token: the first segment is the base64 of the bot's user id, a snowflake of
    /// 17 to 20 decimal digits.
    DiscordSnowflake,
}

/// A second value looked for near a match and reported beside it (e.g. the AWS key id that
/// belongs to a secret access key). It never gates the match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Companion {
    /// Name under which the value is reported.
    pub name: String,
    /// Regex with a `value` group (or the whole match when there is none).
    pub pattern: String,
    /// Bytes searched before and after the match.
    #[serde(default = "default_within")]
    pub within: usize,
}

/// What an allowlist regex is matched against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllowTarget {
    /// The `secret` group (the default).
    #[default]
    Secret,
    /// The whole regex match.
    Match,
    /// The whole line holding the secret.
    Line,
    /// The secret's line and [`NEARBY_LINES`] lines on each side of it: for context that sits
    /// on a neighbouring line (`firebase: {` above `apiKey: ...`).
    Nearby,
}

/// Lines on each side of the secret's line that an [`AllowTarget::Nearby`] regex sees.
pub const NEARBY_LINES: usize = 2;

/// Exceptions to a rule: matches it must not report. Users add these through configuration
/// (`.nhi-scan.toml`, or a gitleaks config's allowlists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Regexes; a match of any of them on the target allows the finding.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// What the regexes are matched against.
    #[serde(default)]
    pub regex_target: AllowTarget,
    /// Case-insensitive substrings; a secret containing one is allowed.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// More regexes, matched against the lines around the secret ([`AllowTarget::Nearby`])
    /// whatever `regex_target` says: one rule may then allow by its own line and by its
    /// neighbours.
    #[serde(default)]
    pub nearby: Vec<String>,
}

impl Allowlist {
    /// True when there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty() && self.stopwords.is_empty() && self.nearby.is_empty()
    }
}

/// A rule that recognises a credential by what it is assigned to rather than by its own shape:
/// the assignment engine finds `name = value` in any syntax (shell, YAML, JSON, XML, code, CLI
/// flags), splits the name into words, and reports the value under this rule when the words fit.
/// A provider key without a prefix (a 32-hex Twilio auth token) is reported only when the name or
/// nearby text names the provider, never bare.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Words that name the provider (`twilio`, `newrelic`; a word pair is written joined). When set,
    /// one must appear in the name, or near it: the same or the two previous lines, a parent key
    /// (YAML, JSON, XML), or the `[section]` above.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Names this rule reports, as words (`auth token`, `api key`, `password`): an assigned name fits
    /// when its words end with one of these. Empty: any credential-like name.
    #[serde(default)]
    pub name: Vec<String>,
    /// Regex the whole value must match (anchored at both ends).
    #[serde(default)]
    pub value: Option<String>,
    /// Only values written in quotes (`Some(true)`) or only bare values (`Some(false)`).
    #[serde(default)]
    pub quoted: Option<bool>,
}

fn default_within() -> usize {
    400
}

fn default_true() -> bool {
    true
}

/// One detection rule, exactly as written in a rule file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Rule {
    /// Unique id, lowercase dotted (`github.pat.classic`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// NHI family.
    pub kind: Kind,
    /// What the credential grants.
    #[serde(default)]
    pub description: String,
    /// Literals (ASCII, matched case-insensitively) that must occur in every match of `pattern`.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regex with a named `secret` group. May be empty when the rule has a [`Context`].
    #[serde(default)]
    pub pattern: String,
    /// Recognition by assignment context (name words, provider words, value shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Offline structure/checksum verifier.
    #[serde(default)]
    pub checksum: Option<Checksum>,
    /// Value reported beside the secret when found nearby.
    #[serde(default)]
    pub companion: Option<Companion>,
    /// Whether the placeholder filter applies (default true).
    #[serde(default = "default_true")]
    pub placeholder_check: bool,
    /// One-line remediation hint.
    #[serde(default)]
    pub fix: Option<String>,
    /// Documentation links for the format.
    #[serde(default)]
    pub references: Vec<String>,
    /// Exceptions: secrets this rule must not report.
    #[serde(default, skip_serializing_if = "Allowlist::is_empty")]
    pub allowlist: Allowlist,
    /// Texts this rule must report.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts this rule must not report.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// How to ask the provider whether a found credential is live (`[rule.validate]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<crate::validate::ValidateSpec>,
}

/// A rule file: only `[[rule]]` tables. Each table is deserialized on its own so that one bad
/// rule is reported by id and the rest of the file still loads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictRuleFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

/// Where a rule came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOrigin {
    /// A file of the built-in pack (its name).
    Builtin(&'static str),
    /// A user-supplied file.
    File(PathBuf),
}

impl fmt::Display for RuleOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleOrigin::Builtin(name) => write!(f, "patterns/{name} (built in)"),
            RuleOrigin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A problem with a rule file or rule. Each names the file, and the rule id where there is one.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{path}: cannot read rule file: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the rule schema.
    #[error("{origin}: invalid rule file: {message}")]
    Parse {
        /// File.
        origin: RuleOrigin,
        /// Parser message (with line and column).
        message: String,
    },
    /// One rule is broken; the others in the file still load.
    #[error("{origin}: rule `{id}`: {problem}")]
    Invalid {
        /// File.
        origin: RuleOrigin,
        /// Rule id.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// A rule that passed validation, with what the engine needs precomputed.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    /// The rule as written.
    pub rule: Rule,
    /// Its file.
    pub origin: RuleOrigin,
    /// The parsed pattern, made on first use for built-in rules (parsing ~500 regexes up front
    /// was most of a pre-commit run's start-up) and at load for user rules, whose errors must be
    /// reported then.
    pattern: OnceLock<Result<ParsedPattern, String>>,
    /// Allow regexes, each list compiled into one set: the rule's own [`Allowlist::regexes`]
    /// and any a configuration attached (shared between the rules they apply to, so a global
    /// allowlist is compiled once, not once per rule).
    pub(crate) allow_sets: Vec<AllowSet>,
}

/// A list of allow regexes compiled into one multi-pattern regex, and what it is matched
/// against.
#[derive(Debug, Clone)]
pub(crate) struct AllowSet {
    pub(crate) target: AllowTarget,
    pub(crate) regex: Arc<regex_automata::meta::Regex>,
}

/// Allow regexes one configuration (or rule) may hold. Each costs a few kilobytes compiled and
/// is checked against every candidate; ten thousand is far beyond any real allowlist, and a
/// scanned repository's own configuration must not be able to exhaust the machine (a 10 MB
/// list used to take 34 s and 4.6 GB).
pub const MAX_ALLOW_REGEXES: usize = 10_000;
/// Longest allow regex, in bytes.
pub const MAX_ALLOW_REGEX_LEN: usize = 4096;
/// Memory the compiled automaton of one set of allow regexes may take.
const ALLOW_SET_NFA_LIMIT: usize = 64 << 20;

/// Compiles `patterns` into one regex that matches where any of them does. Each pattern is
/// parsed on its own first, so an error names the pattern; the set is then compiled once (a
/// regex per pattern cost 85 µs and ~12 KB each). Limits: [`MAX_ALLOW_REGEXES`] patterns of at
/// most [`MAX_ALLOW_REGEX_LEN`] bytes.
pub(crate) fn compile_allow_set(
    patterns: &[String],
) -> Result<Option<regex_automata::meta::Regex>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    if patterns.len() > MAX_ALLOW_REGEXES {
        return Err(format!(
            "{} allow regexes; at most {MAX_ALLOW_REGEXES} are accepted",
            patterns.len()
        ));
    }
    let mut hirs = Vec::with_capacity(patterns.len());
    for p in patterns {
        hirs.push(parse_allow_regex(p)?);
    }
    regex_automata::meta::Regex::builder()
        .configure(
            regex_automata::meta::Config::new()
                .nfa_size_limit(Some(ALLOW_SET_NFA_LIMIT))
                .hybrid_cache_capacity(4 << 20),
        )
        .build_many_from_hir(&hirs)
        .map(Some)
        .map_err(|e| {
            format!(
                "allow regexes: {}",
                e.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
}

/// Checks one allow regex: its length, then its syntax (cheap; no automaton is built).
pub(crate) fn parse_allow_regex(pattern: &str) -> Result<Hir, String> {
    if pattern.len() > MAX_ALLOW_REGEX_LEN {
        let head: String = pattern.chars().take(40).collect();
        return Err(format!(
            "allow regex {head:?}... is {} bytes; at most {MAX_ALLOW_REGEX_LEN} are accepted",
            pattern.len()
        ));
    }
    parse(pattern).map_err(|e| format!("allow regex {pattern:?}: {e}"))
}

/// What the engine needs from a rule's pattern.
#[derive(Debug, Clone)]
pub(crate) struct ParsedPattern {
    pub hir: Hir,
    pub secret_group: usize,
    pub companion_hir: Option<(Hir, Option<usize>)>,
    /// Longest possible match, when the pattern is bounded.
    pub max_len: Option<usize>,
}

impl LoadedRule {
    /// The parsed pattern, or why it does not parse.
    pub(crate) fn parsed(&self) -> Result<&ParsedPattern, &str> {
        self.pattern
            .get_or_init(|| parse_pattern(&self.rule))
            .as_ref()
            .map_err(|e| e.as_str())
    }
}

/// A validated set of rules with unique ids.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<LoadedRule>,
    /// Position of each rule by id: duplicate checks in constant time (a linear search per
    /// rule made loading 100k gitleaks rules quadratic).
    index: HashMap<String, usize>,
}

/// Rules that loaded and the problems with the ones that did not.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    /// The rules that passed validation.
    pub rules: RuleSet,
    /// One error per broken file or rule.
    pub errors: Vec<RuleError>,
    /// Rules that loaded with a part of them ignored (validators of rule files listed by a
    /// configuration found in the scanned tree).
    pub warnings: Vec<String>,
}

impl RuleSet {
    /// The built-in rule pack, without the rules' examples (what a scan needs; loads several
    /// times faster than the TOML). It is checked by the test suite, so errors here are bugs.
    pub fn builtin() -> LoadOutcome {
        let mut out = LoadOutcome::default();
        for (name, text, json) in BUILTIN_RULE_FILES {
            match serde_json::from_str::<StrictRuleFile>(json) {
                Ok(file) if !file.rule.is_empty() || !text.contains("[[rule]]") => {
                    for rule in file.rule {
                        out.add_rule(RuleOrigin::Builtin(name), rule);
                    }
                }
                // Only if the build could not convert it: the TOML names the problem.
                _ => out.add_text(RuleOrigin::Builtin(name), text),
            }
        }
        out
    }

    /// The built-in rule pack as written, examples included (for `rules check`).
    pub fn builtin_with_examples() -> LoadOutcome {
        let mut out = LoadOutcome::default();
        for (name, text, _) in BUILTIN_RULE_FILES {
            out.add_text(RuleOrigin::Builtin(name), text);
        }
        out
    }

    /// An empty set, to which files can be added.
    pub fn empty() -> LoadOutcome {
        LoadOutcome::default()
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[LoadedRule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Removes the validators of the rules from index `from` on (rules from files the caller
    /// did not name); returns the ids of the rules that had one.
    pub(crate) fn drop_validators(&mut self, from: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for r in self.rules.iter_mut().skip(from) {
            if r.rule.validate.take().is_some() {
                ids.push(r.rule.id.clone());
            }
        }
        ids
    }

    /// Keeps only the rules for which `keep` returns true (e.g. to disable rules by id).
    pub fn retain(&mut self, mut keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(|r| keep(&r.rule));
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.rule.id.clone(), i))
            .collect();
    }

    fn push(&mut self, rule: LoadedRule) {
        self.index.insert(rule.rule.id.clone(), self.rules.len());
        self.rules.push(rule);
    }

    /// Attaches compiled sets of allow regexes: `global` ones to every rule, the others to the
    /// rule whose id they are filed under. One pass over the rules (a pass per allowlist made a
    /// gitleaks file of 100k rules, each with its own allowlist, quadratic).
    pub(crate) fn attach_allows(
        &mut self,
        global: &[AllowSet],
        by_rule: &HashMap<String, Vec<AllowSet>>,
    ) {
        for r in &mut self.rules {
            r.allow_sets.extend(global.iter().cloned());
            if let Some(sets) = by_rule.get(&r.rule.id) {
                r.allow_sets.extend(sets.iter().cloned());
            }
        }
    }
}

impl LoadOutcome {
    /// Adds a rule file, or every `*.toml` file of a directory (sorted by name).
    pub fn add_path(&mut self, path: &Path) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(source) => {
                self.errors.push(RuleError::Io {
                    path: path.to_owned(),
                    source,
                });
                return;
            }
        };
        if meta.is_dir() {
            let entries = match std::fs::read_dir(path) {
                Ok(rd) => rd,
                Err(source) => {
                    self.errors.push(RuleError::Io {
                        path: path.to_owned(),
                        source,
                    });
                    return;
                }
            };
            let mut files: Vec<PathBuf> = Vec::new();
            for e in entries {
                match e {
                    Ok(e) => files.push(e.path()),
                    // An entry that cannot be listed may be a rule file: say so.
                    Err(source) => self.errors.push(RuleError::Io {
                        path: path.to_owned(),
                        source,
                    }),
                }
            }
            files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
            files.sort();
            for f in files {
                self.add_path(&f);
            }
            return;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.add_text(RuleOrigin::File(path.to_owned()), &text),
            Err(source) => self.errors.push(RuleError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Adds the rules of one TOML text.
    pub fn add_text(&mut self, origin: RuleOrigin, text: &str) {
        // Fast path: a well-formed file deserializes straight into rules. Only when that fails
        // is it re-read table by table, so the error can name the broken rule.
        if let Ok(file) = toml::from_str::<StrictRuleFile>(text) {
            for rule in file.rule {
                self.add_rule(origin.clone(), rule);
            }
            return;
        }
        let file: RuleFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                self.errors.push(RuleError::Parse {
                    origin,
                    message: toml_error_text(text, &e),
                });
                return;
            }
        };
        for (n, table) in file.rule.into_iter().enumerate() {
            let id = match table.get("id") {
                Some(toml::Value::String(id)) => id.clone(),
                _ => format!("#{} (no id)", n + 1),
            };
            match toml::Value::Table(table).try_into::<Rule>() {
                Ok(rule) => self.add_rule(origin.clone(), rule),
                Err(e) => self.errors.push(RuleError::Invalid {
                    origin: origin.clone(),
                    id,
                    problem: e.to_string().trim_end().replace('\n', " "),
                }),
            }
        }
    }

    /// Validates and adds one rule; a broken or duplicate rule becomes an error.
    pub fn add_rule(&mut self, origin: RuleOrigin, rule: Rule) {
        let duplicate = self.rules.index.contains_key(&rule.id);
        let result = if duplicate {
            Err(format!(
                "duplicate rule id (already defined in {})",
                self.origin_of(&rule.id)
            ))
        } else {
            check_rule(&rule)
        };
        let result = result.and_then(|allow_sets| {
            let pattern = OnceLock::new();
            if !matches!(origin, RuleOrigin::Builtin(_)) && !rule.pattern.is_empty() {
                pattern
                    .set(Ok(parse_pattern(&rule)?))
                    .expect("fresh OnceLock");
            }
            Ok((pattern, allow_sets))
        });
        match result {
            Ok((pattern, allow_sets)) => self.rules.push(LoadedRule {
                rule,
                origin,
                pattern,
                allow_sets,
            }),
            Err(problem) => self.errors.push(RuleError::Invalid {
                origin,
                id: rule.id,
                problem,
            }),
        }
    }

    fn origin_of(&self, id: &str) -> String {
        self.rules
            .index
            .get(id)
            .and_then(|&i| self.rules.rules.get(i))
            .map(|r| r.origin.to_string())
            .unwrap_or_default()
    }
}

/// A TOML error as `line L, column C: message`, without the source snippet the `toml` crate
/// prints by default: that snippet is the user's file, and in a misdirected `--rules .env` or
/// config file it would echo a secret to the terminal.
pub(crate) fn toml_error_text(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = memchr::memchr_iter(b'\n', before).count() + 1;
            let column = before.len() - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Parser settings shared by every rule: bytes, not Unicode, so `\w \b \d` are ASCII, the lazy DFA
/// never gives up on non-ASCII input, and rules run on arbitrary (non-UTF-8) blobs.
pub(crate) fn syntax_config() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
}

fn parse(pattern: &str) -> Result<Hir, String> {
    regex_automata::util::syntax::parse_with(pattern, &syntax_config()).map_err(|e| {
        // regex-syntax errors span several lines (pattern, caret, message); keep them readable.
        format!(
            "invalid regex: {}",
            e.to_string()
                .replace('\n', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
    })
}

/// The cheap checks every rule gets at load, and its allowlist regexes compiled.
fn check_rule(rule: &Rule) -> Result<Vec<AllowSet>, String> {
    if rule.id.is_empty()
        || !rule
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err("id must be non-empty lowercase ASCII letters, digits, '.', '_' or '-'".into());
    }
    if rule.name.trim().is_empty() {
        return Err("name is empty".into());
    }
    if rule.pattern.is_empty() && rule.context.is_none() {
        return Err("no pattern and no context: a rule needs at least one".into());
    }
    if !rule.pattern.is_empty() && rule.keywords.is_empty() {
        return Err("no keywords: every rule needs at least one literal for the prefilter".into());
    }
    if let Some(c) = &rule.context {
        check_context(c)?;
    }
    let mut seen = HashSet::new();
    for k in &rule.keywords {
        if k.len() < 3 || !k.is_ascii() {
            return Err(format!("keyword {k:?} must be at least 3 ASCII bytes"));
        }
        if !seen.insert(k.to_ascii_lowercase()) {
            return Err(format!("keyword {k:?} is listed twice"));
        }
    }
    if let Some(e) = rule.min_entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(format!("min_entropy {e} is outside 0..=8 bits per byte"));
    }
    if let Some(spec) = &rule.validate {
        crate::validate::check_spec(rule, spec)?;
    }
    let sets = [
        (&rule.allowlist.regexes, rule.allowlist.regex_target),
        (&rule.allowlist.nearby, AllowTarget::Nearby),
    ];
    let mut out = Vec::new();
    for (regexes, target) in sets {
        if let Some(regex) = compile_allow_set(regexes)? {
            out.push(AllowSet {
                target,
                regex: Arc::new(regex),
            });
        }
    }
    Ok(out)
}

/// Context words are matched against lower-cased identifier words, so they must be lower-case
/// ASCII letters and digits (a provider of two words is written joined: `newrelic`).
fn check_context(c: &Context) -> Result<(), String> {
    for w in &c.provider {
        if w.len() < 2
            || !w
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(format!(
                "context provider {w:?} must be one lower-case word of letters and digits"
            ));
        }
    }
    for n in &c.name {
        let words: Vec<&str> = n.split(' ').collect();
        if words.iter().any(|w| {
            w.is_empty()
                || !w
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }) {
            return Err(format!(
                "context name {n:?} must be lower-case words separated by single spaces"
            ));
        }
    }
    if let Some(v) = &c.value {
        parse(v).map_err(|e| format!("context value: {e}"))?;
    }
    Ok(())
}

fn parse_pattern(rule: &Rule) -> Result<ParsedPattern, String> {
    if rule.pattern.is_empty() {
        return Err("no pattern (the rule works by context only)".into());
    }
    let hir = parse(&rule.pattern)?;
    let secret_group = find_group(&hir, "secret")
        .ok_or_else(|| "pattern has no named group `secret` (write (?P<secret>...))".to_string())?;
    let companion = match &rule.companion {
        None => None,
        Some(c) => {
            let h = parse(&c.pattern).map_err(|e| format!("companion {}: {e}", c.name))?;
            let g = find_group(&h, "value");
            Some((h, g))
        }
    };
    let max_len = hir.properties().maximum_len();
    Ok(ParsedPattern {
        hir: relax_repetitions(&hir),
        secret_group,
        companion_hir: companion,
        max_len,
    })
}

/// Repetitions with a large upper bound (`{64,8192}` in a PEM body) compile to thousands of NFA
/// states: about 3 MB and a millisecond per rule. The engine already confines every search to a
/// window no wider than the rule's maximum match length (computed before this rewrite), so the
/// upper bound is enforced there and the regex can say `{64,}` instead.
fn relax_repetitions(hir: &Hir) -> Hir {
    const LARGE: u32 = 256;
    match hir.kind() {
        HirKind::Repetition(r) => {
            let max = match r.max {
                Some(m) if m > LARGE && m > r.min => None,
                other => other,
            };
            Hir::repetition(regex_syntax::hir::Repetition {
                min: r.min,
                max,
                greedy: r.greedy,
                sub: Box::new(relax_repetitions(&r.sub)),
            })
        }
        HirKind::Capture(c) => Hir::capture(regex_syntax::hir::Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(relax_repetitions(&c.sub)),
        }),
        HirKind::Concat(hs) => Hir::concat(hs.iter().map(relax_repetitions).collect()),
        HirKind::Alternation(hs) => Hir::alternation(hs.iter().map(relax_repetitions).collect()),
        _ => hir.clone(),
    }
}

/// Index of the capture group called `name`.
fn find_group(hir: &Hir, name: &str) -> Option<usize> {
    match hir.kind() {
        HirKind::Capture(c) => {
            if c.name.as_deref() == Some(name) {
                Some(c.index as usize)
            } else {
                find_group(&c.sub, name)
            }
        }
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().find_map(|h| find_group(h, name))
        }
        HirKind::Repetition(r) => find_group(&r.sub, name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> LoadOutcome {
        let mut out = RuleSet::empty();
        out.add_text(RuleOrigin::File("t.toml".into()), text);
        out
    }

    const OK: &str = r#"
[[rule]]
id = "t.one"
name = "One"
kind = "generic"
keywords = ["abc_"]
pattern = '(?P<secret>abc_[a-z]{4})'
"#;

    #[test]
    fn valid_rule_loads() {
        let out = load(OK);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.rules.len(), 1);
        assert_eq!(out.rules.rules()[0].parsed().unwrap().max_len, Some(8));
    }

    #[test]
    fn broken_rules_name_file_id_and_problem() {
        let cases = [
            (
                OK.replace("abc_[a-z]{4})'", "abc_[a-z{4})'"),
                "invalid regex",
            ),
            (OK.replace("(?P<secret>", "("), "no named group `secret`"),
            (
                OK.replace(r#"keywords = ["abc_"]"#, "keywords = []"),
                "no keywords",
            ),
            (format!("{OK}{OK}"), "duplicate rule id"),
        ];
        for (text, want) in cases {
            let out = load(&text);
            let msg = out
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                msg.contains("t.toml") && msg.contains("t.one") && msg.contains(want),
                "{want}: {msg}"
            );
        }
        let out = load(&OK.replace("kind =", "colour = \"red\"\nkind ="));
        let msg = out.errors[0].to_string();
        assert!(
            msg.contains("t.toml")
                && msg.contains("t.one")
                && msg.contains("unknown field `colour`"),
            "{msg}"
        );
    }

    #[test]
    fn builtin_pack_loads_without_errors() {
        let out = RuleSet::builtin_with_examples();
        let msgs: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
        assert!(msgs.is_empty(), "{}", msgs.join("\n"));
        assert!(out.rules.len() >= 6);
    }

    #[test]
    fn lean_builtin_pack_is_the_pack_without_examples() {
        let lean = RuleSet::builtin();
        assert!(lean.errors.is_empty());
        let full = RuleSet::builtin_with_examples();
        assert_eq!(lean.rules.len(), full.rules.len());
        for (l, f) in lean.rules.rules().iter().zip(full.rules.rules()) {
            let mut f = f.rule.clone();
            f.examples.clear();
            f.negative_examples.clear();
            assert_eq!(l.rule, f);
        }
    }

    #[test]
    fn builtin_pack_meets_the_quality_bar() {
        let out = RuleSet::builtin_with_examples();
        assert!(out.rules.len() >= 450, "{} rules", out.rules.len());
        for r in out.rules.rules() {
            let r = &r.rule;
            assert!(r.examples.len() >= 2, "{}: fewer than two examples", r.id);
            assert!(
                r.negative_examples.len() >= 2,
                "{}: fewer than two negative examples",
                r.id
            );
            assert!(!r.description.trim().is_empty(), "{}: no description", r.id);
        }
        let (scanner, errors) = crate::engine::Scanner::new(out.rules);
        assert!(errors.is_empty());
        let failures = check::check_scanner(&scanner);
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
