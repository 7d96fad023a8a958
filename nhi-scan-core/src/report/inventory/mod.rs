//! The NHI inventory: every distinct credential (fingerprint) a scan found, as a register of
//! non-human identities: what it is and what it grants, who owns it, when it was first and last
//! seen, whether it is still in the current tree, whether it is live, and how risky it is.
//!
//! It is a stage after the scan: [`Inventory::build`] makes one pass over finished
//! [`Finding`]s plus what is known about each source ([`SourceFacts`]: the repository's HEAD
//! tree, `.mailmap`, `CODEOWNERS` and remote), and needs nothing else. Each credential keeps
//! every location with what was derived for it (date, canonical author, code owners, whether it
//! is at HEAD), and every field of the credential is a function of those locations; so
//! [`Inventory::merge`] of inventories produced separately gives what one run over all their
//! sources gives. The document's JSON Schema is [`SCHEMA`]; [`write_html`] renders it as one
//! self-contained HTML page.
//!
//! Provider: the first dot-separated segment of the rule id (`github.pat.classic` ->
//! `github`). Families that are not a vendor keep their family name (`generic`, `database`,
//! `private-key`, `config`).

mod forge;
mod html;
mod owners;
mod risk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, ImageItem, Location, Origin, fingerprint, redact};
use crate::report::format_time;
use crate::rules::Kind;
use crate::validate::{Validation, ValidationStatus};

pub use forge::{Forge, strip_credentials};
pub use html::{HtmlOptions, write_html};
pub use owners::{CODEOWNERS_PATHS, CodeOwners, Mailmap};
pub use risk::{
    Exposure, Liveness, Privilege, Risk, RiskFactors, RiskLevel, RiskReason, is_fixture_path,
    privilege, score,
};

/// The JSON Schema (draft 2020-12) every inventory document satisfies.
pub const SCHEMA: &str = include_str!("../../../schema/inventory.schema.json");

/// Version of the document's shape; [`Inventory::from_json`] refuses others.
pub const INVENTORY_VERSION: u32 = 1;

/// A problem reading or merging inventories.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// Not JSON, or not shaped like an inventory.
    #[error("not an nhi-scan inventory: {0}")]
    Parse(#[source] serde_json::Error),
    /// An inventory of another version of the format.
    #[error(
        "inventory version {found} is not supported (this build reads version {INVENTORY_VERSION})"
    )]
    Version {
        /// The version found.
        found: u32,
    },
    /// A report's secret does not match its fingerprint: it was masked.
    #[error("credential {fingerprint}: the report's secrets are masked; write it with --no-redact")]
    Redacted {
        /// The credential.
        fingerprint: String,
    },
    /// A credential with no locations (every credential has at least one).
    #[error("credential {fingerprint} has no locations")]
    NoLocations {
        /// The credential.
        fingerprint: String,
    },
    /// Two inventories disagree about a credential's rule.
    #[error("credential {fingerprint}: rule {a} in one inventory, {b} in another")]
    Conflict {
        /// The credential.
        fingerprint: String,
        /// One rule id.
        a: String,
        /// The other.
        b: String,
    },
}

/// What produced the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `nhi-scan`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The whole register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Inventory {
    /// Version of this document's shape ([`INVENTORY_VERSION`]).
    pub inventory_version: u32,
    /// What produced it.
    pub tool: Tool,
    /// When (RFC 3339, UTC); ages are counted to this instant.
    pub generated_at: String,
    /// Every repository, directory, image or stream scanned.
    pub sources: Vec<SourceEntry>,
    /// Counts over the credentials.
    pub summary: Summary,
    /// One entry per distinct credential, riskiest first.
    pub credentials: Vec<Credential>,
}

/// What kind of place a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Files on disk.
    Files,
    /// A git repository's history.
    Git,
    /// A container image.
    Image,
    /// Bytes handed over by name (standard input).
    Buffer,
}

impl SourceKind {
    fn as_str(self) -> &'static str {
        match self {
            SourceKind::Files => "files",
            SourceKind::Git => "git",
            SourceKind::Image => "image",
            SourceKind::Buffer => "buffer",
        }
    }
}

/// A scanned place, as the inventory records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SourceEntry {
    /// Stable id: kind and canonical location (`git:/abs/repo`, `git:https://host/r.git`,
    /// `files:/abs/dir`, `image:app.tar`); credentials name their sources by it.
    pub id: String,
    /// What kind of place.
    pub kind: SourceKind,
    /// The place as the user named it.
    pub location: String,
    /// For git: the commit whose tree "at HEAD" refers to (HEAD, or the selected branch's tip).
    pub head: Option<String>,
    /// For git: the `origin` remote's URL (credentials removed).
    pub remote: Option<String>,
    /// The forge commit links point at (`github`, `gitlab`, `bitbucket`), when known.
    pub forge: Option<String>,
    /// The `CODEOWNERS` file used, relative to the repository root.
    pub codeowners: Option<String>,
    /// Whether a `.mailmap` mapped authors.
    pub mailmap: bool,
}

/// One place a credential was seen, with what the inventory derived for it. Fields that do
/// not apply (a commit for a file on disk, a layer for git) are left out of the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Place {
    /// When it got there (RFC 3339, UTC): the introducing commit's author date, the file's
    /// modification time, or the image layer's creation time; null when unknown.
    pub date: Option<String>,
    /// Id of the source ([`SourceEntry::id`]).
    pub source: String,
    /// Path within the source (`outer!/member` inside archives).
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// The introducing commit (git).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Its author, `Name <email>`, mapped through the repository's `.mailmap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Its subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The git blob id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Image layer index (bottom first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// Image layer digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// Which part of the image (`layer_file`, `env`, `label`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_item: Option<ImageItem>,
    /// The build step that made the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Still there now: in HEAD's tree at this path (git), on disk (files), visible in the
    /// final filesystem (images).
    pub at_head: bool,
    /// `CODEOWNERS` owners of the path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codeowners: Vec<String>,
    /// The commit's page on its forge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// When and where a credential was first or last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    /// RFC 3339 (UTC), when known.
    pub date: Option<String>,
    /// The introducing commit (git).
    pub commit: Option<String>,
    /// Its author (mailmapped).
    pub author: Option<String>,
    /// The path.
    pub path: String,
    /// The source id.
    pub source: String,
}

/// Who answers for a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The one name to show: the first code owner, else the introducing author, else the
    /// validated identity.
    pub display: Option<String>,
    /// The git author of the first introduction (mailmapped).
    pub author: Option<String>,
    /// `CODEOWNERS` owners of the paths where it is now (or, when it is gone, where it was).
    pub codeowners: Vec<String>,
    /// The identity the provider says the credential authenticates as (validation).
    pub identity: Option<String>,
}

/// What a credential can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// The rule's description of what such a credential grants.
    pub description: String,
    /// Scopes the provider reported (validation).
    pub scopes: Vec<String>,
    /// The account or principal it acts as (validation).
    pub identity: Option<String>,
}

/// One distinct credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Credential {
    /// SHA-256 of rule id and secret.
    pub fingerprint: String,
    /// The rule that found it.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// First segment of the rule id.
    pub provider: String,
    /// NHI family.
    pub kind: Kind,
    /// The secret, masked unless the inventory was made with redaction off.
    pub secret: String,
    /// Whether `secret` is masked.
    pub redacted: bool,
    /// What it can do.
    pub grants: Grants,
    /// The earliest sighting.
    pub first_seen: Sighting,
    /// The latest sighting.
    pub last_seen: Sighting,
    /// Whole days from first introduction to `generated_at`.
    pub age_days: Option<u64>,
    /// Who answers for it.
    pub owner: Owner,
    /// Still in the current tree, on disk, or in the final image filesystem.
    pub present_at_head: bool,
    /// Distinct introducing commits.
    pub commit_count: usize,
    /// Distinct (source, path) pairs.
    pub path_count: usize,
    /// Locations.
    pub location_count: usize,
    /// Ids of the sources it was found in.
    pub sources: Vec<String>,
    /// The provider check, when validation ran.
    pub validation: Option<Validation>,
    /// Score, level and reasons.
    pub risk: Risk,
    /// Every location, oldest first.
    pub locations: Vec<Place>,
}

/// One bar of the age histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeBucket {
    /// `< 30 days`, `30-89 days`, ..., `unknown`.
    pub label: String,
    /// Smallest age in days (null for unknown ages).
    pub min_days: Option<u64>,
    /// Largest age in days (null: no upper bound, or unknown).
    pub max_days: Option<u64>,
    /// Credentials in it.
    pub count: usize,
}

/// Counts over the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Distinct credentials.
    pub credentials: usize,
    /// Locations over all of them.
    pub locations: usize,
    /// Sources scanned.
    pub sources: usize,
    /// Credentials still in the current tree / final image / on disk.
    pub at_head: usize,
    /// Credentials only in history or deleted layers.
    pub history_only: usize,
    /// By NHI family.
    pub by_kind: BTreeMap<String, usize>,
    /// By provider.
    pub by_provider: BTreeMap<String, usize>,
    /// By risk level (`critical`, `high`, `medium`, `low`; all four present).
    pub by_risk: BTreeMap<String, usize>,
    /// By validation verdict (`valid`, `invalid`, `unknown`, `not_checked`; all four present).
    pub by_validation: BTreeMap<String, usize>,
    /// Ages since first introduction.
    pub age_histogram: Vec<AgeBucket>,
}

/// What the inventory knows about one scanned repository beyond its findings. The git source
/// fills it in when asked (`History::facts`), while the repository (or its temporary clone)
/// is still open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepositoryFacts {
    /// The repository as the caller named it (what git origins carry).
    pub repository: String,
    /// Canonical: the absolute path, or the URL without credentials.
    pub id: String,
    /// The commit "at HEAD" means: HEAD, or the selected branch's or range's tip.
    pub head: Option<String>,
    /// `origin`'s URL (else the first remote's), credentials removed.
    pub remote: Option<String>,
    /// Blobs that had findings and are in HEAD's tree, with their paths there.
    pub head_blobs: BTreeMap<String, Vec<String>>,
    /// `.mailmap` at HEAD.
    pub mailmap: Option<String>,
    /// The `CODEOWNERS` file at HEAD GitHub would use: (path, text).
    pub codeowners: Option<(String, String)>,
}

impl RepositoryFacts {
    /// Facts with only the names set.
    pub fn new(repository: impl Into<String>, id: impl Into<String>) -> RepositoryFacts {
        RepositoryFacts {
            repository: repository.into(),
            id: id.into(),
            ..RepositoryFacts::default()
        }
    }
}

/// What [`Inventory::build`] knows about one source.
#[derive(Debug, Clone)]
pub struct SourceFacts {
    entry: SourceEntry,
    /// What origins of this source carry (a repository or image as given, a buffer's name);
    /// `location` is the same with any credentials removed.
    key: String,
    /// For files: the operand as given, which walked paths start with, and its path relative
    /// to its repository's root (what CODEOWNERS patterns are matched against).
    operand: Option<(PathBuf, PathBuf)>,
    head_blobs: HashMap<String, Vec<String>>,
    mailmap: Mailmap,
    codeowners: CodeOwners,
    forge: Option<Forge>,
}

impl SourceFacts {
    fn new(kind: SourceKind, id: String, key: String) -> SourceFacts {
        SourceFacts {
            entry: SourceEntry {
                id,
                kind,
                location: strip_credentials(&key),
                head: None,
                remote: None,
                forge: None,
                codeowners: None,
                mailmap: false,
            },
            key,
            operand: None,
            head_blobs: HashMap::new(),
            mailmap: Mailmap::default(),
            codeowners: CodeOwners::default(),
            forge: None,
        }
    }

    /// Files under `operand` (as given to the scan), owned per the `CODEOWNERS` file GitHub
    /// would use in the repository containing it (read from disk).
    pub fn files(operand: impl Into<PathBuf>) -> SourceFacts {
        let operand = operand.into();
        let abs = std::fs::canonicalize(&operand).unwrap_or_else(|_| operand.clone());
        let root = crate::config::repository_root(&abs);
        let mut s = SourceFacts::new(
            SourceKind::Files,
            format!("files:{}", abs.display()),
            operand.display().to_string(),
        );
        for rel in CODEOWNERS_PATHS {
            if let Ok(text) = std::fs::read(root.join(rel)) {
                s.set_codeowners(rel, &String::from_utf8_lossy(&text));
                break;
            }
        }
        let within = abs.strip_prefix(&root).unwrap_or(Path::new("")).to_owned();
        s.operand = Some((operand, within));
        s
    }

    /// A repository's history, from the facts the git source gathered.
    pub fn repository(facts: RepositoryFacts) -> SourceFacts {
        let mut s = SourceFacts::new(
            SourceKind::Git,
            format!("git:{}", strip_credentials(&facts.id)),
            facts.repository,
        );
        s.entry.head = facts.head;
        if let Some(remote) = facts.remote {
            s.forge = Forge::from_remote(&remote);
            s.entry.forge = s.forge.as_ref().map(|f| f.name.to_string());
            s.entry.remote = Some(strip_credentials(&remote));
        }
        if let Some(m) = facts.mailmap {
            s.mailmap = Mailmap::parse(&m);
            s.entry.mailmap = !s.mailmap.is_empty();
        }
        if let Some((path, text)) = facts.codeowners {
            s.set_codeowners(&path, &text);
        }
        s.head_blobs = facts.head_blobs.into_iter().collect();
        s
    }

    /// A container image as named (its origins carry the same string).
    pub fn image(image: impl Into<String>) -> SourceFacts {
        let image = image.into();
        SourceFacts::new(SourceKind::Image, format!("image:{image}"), image)
    }

    /// Bytes named `name` (standard input).
    pub fn buffer(name: impl Into<String>) -> SourceFacts {
        let name = name.into();
        SourceFacts::new(SourceKind::Buffer, format!("buffer:{name}"), name)
    }

    fn set_codeowners(&mut self, path: &str, text: &str) {
        self.codeowners = CodeOwners::parse(text);
        self.entry.codeowners = Some(path.to_string());
    }

    /// The entry the inventory lists.
    pub fn entry(&self) -> &SourceEntry {
        &self.entry
    }
}

/// Settings of an inventory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InventoryOptions {
    /// The instant ages are counted to (Unix seconds); pass a fixed one for reproducible output.
    pub now: i64,
    /// Mask secrets (the default).
    pub redact: bool,
    /// Tool version recorded.
    pub tool_version: String,
}

impl InventoryOptions {
    /// Redacted, ages counted to `now` (Unix seconds).
    pub fn new(now: i64) -> InventoryOptions {
        InventoryOptions {
            now,
            redact: true,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Whether to mask secrets.
    pub fn redact(mut self, yes: bool) -> Self {
        self.redact = yes;
        self
    }
}

/// Finds the source of each origin, creating one for origins no given source covers.
struct Sources {
    list: Vec<SourceFacts>,
    by_key: HashMap<(SourceKind, String), usize>,
    /// File sources by operand, longest first.
    operands: Vec<(PathBuf, usize)>,
    mtimes: HashMap<PathBuf, Option<i64>>,
    /// Places already derived, by origin: the hits of one blob share their origin, so each
    /// is looked up once (at 100,000 locations this halves the build).
    by_origin: HashMap<usize, Place>,
    /// CODEOWNERS owners by (source, path).
    owners: HashMap<(usize, String), Vec<String>>,
}

impl Sources {
    fn new(given: &[SourceFacts]) -> Sources {
        let mut s = Sources {
            list: Vec::new(),
            by_key: HashMap::new(),
            operands: Vec::new(),
            mtimes: HashMap::new(),
            by_origin: HashMap::new(),
            owners: HashMap::new(),
        };
        for f in given {
            s.add(f.clone());
        }
        s
    }

    fn add(&mut self, f: SourceFacts) -> usize {
        let i = self.list.len();
        if let Some((op, _)) = &f.operand {
            self.operands.push((op.clone(), i));
            self.operands
                .sort_by_key(|(p, _)| std::cmp::Reverse(p.as_os_str().len()));
        }
        self.by_key
            .entry((f.entry.kind, f.key.clone()))
            .or_insert(i);
        self.list.push(f);
        i
    }

    fn keyed(
        &mut self,
        kind: SourceKind,
        location: &str,
        make: impl FnOnce() -> SourceFacts,
    ) -> usize {
        match self.by_key.get(&(kind, location.to_string())) {
            Some(&i) => i,
            None => self.add(make()),
        }
    }

    fn for_file(&mut self, path: &Path) -> usize {
        if let Some(&(_, i)) = self.operands.iter().find(|(op, _)| path.starts_with(op)) {
            return i;
        }
        self.keyed(SourceKind::Files, "", || {
            SourceFacts::new(SourceKind::Files, "files".into(), String::new())
        })
    }

    fn codeowners(&mut self, source: usize, path: &str) -> Vec<String> {
        let list = &self.list;
        self.owners
            .entry((source, path.to_string()))
            .or_insert_with(|| list[source].codeowners.owners(path).to_vec())
            .clone()
    }

    fn mtime(&mut self, path: &Path) -> Option<i64> {
        *self.mtimes.entry(path.to_owned()).or_insert_with(|| {
            let t = std::fs::metadata(path).ok()?.modified().ok()?;
            let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(d.as_secs() as i64)
        })
    }

    /// The place of one location.
    fn place(&mut self, loc: &Location) -> Place {
        // The findings outlive this pass, so an origin's address identifies it meanwhile.
        let key = Arc::as_ptr(&loc.origin) as usize;
        let mut p = match self.by_origin.get(&key) {
            Some(p) => p.clone(),
            None => {
                let p = self.origin(&loc.origin);
                self.by_origin.insert(key, p.clone());
                p
            }
        };
        p.line = loc.line;
        p.column = loc.column;
        p
    }

    fn origin(&mut self, origin: &Arc<Origin>) -> Place {
        let blank = |source: String, path: String| Place {
            date: None,
            source,
            path,
            line: 0,
            column: 0,
            commit: None,
            author: None,
            subject: None,
            blob: None,
            layer: None,
            layer_digest: None,
            image_item: None,
            created_by: None,
            at_head: true,
            codeowners: Vec::new(),
            url: None,
        };
        match &**origin {
            Origin::File { path, relative } => {
                let i = self.for_file(path);
                let s = &self.list[i];
                let mut p = blank(s.entry.id.clone(), path.display().to_string());
                // CODEOWNERS patterns are relative to the operand's own repository root.
                let rel = match &s.operand {
                    Some((op, within)) => path
                        .strip_prefix(op)
                        .map(|rest| {
                            crate::source::paths::join_relative(&within.to_string_lossy(), rest)
                        })
                        .unwrap_or_else(|_| path.display().to_string()),
                    None => relative
                        .clone()
                        .unwrap_or_else(|| path.display().to_string()),
                };
                p.codeowners = self.codeowners(i, &rel);
                p.date = self.mtime(path).map(format_time);
                p
            }
            Origin::Buffer { name } => {
                let i = self.keyed(SourceKind::Buffer, name, || SourceFacts::buffer(name));
                blank(self.list[i].entry.id.clone(), name.clone())
            }
            Origin::Git(g) => {
                let i = self.keyed(SourceKind::Git, &g.repository, || {
                    SourceFacts::repository(RepositoryFacts::new(&g.repository, &g.repository))
                });
                let s = &self.list[i];
                let mut p = blank(s.entry.id.clone(), g.path.clone());
                if !g.commit.is_empty() {
                    p.commit = Some(g.commit.clone());
                    p.date = Some(format_time(g.author_time));
                    p.url = s.forge.as_ref().and_then(|f| f.commit_url(&g.commit));
                    if !g.subject.is_empty() {
                        p.subject = Some(g.subject.clone());
                    }
                }
                if !g.author_name.is_empty() || !g.author_email.is_empty() {
                    let (name, email) = s.mailmap.resolve(&g.author_name, &g.author_email);
                    p.author = Some(format!("{name} <{email}>"));
                }
                p.blob = Some(g.blob.clone());
                p.at_head = s
                    .head_blobs
                    .get(&g.blob)
                    .is_some_and(|paths| paths.contains(&g.path));
                p.codeowners = self.codeowners(i, &g.path);
                p
            }
            Origin::Image(img) => {
                let i = self.keyed(SourceKind::Image, &img.image, || {
                    SourceFacts::image(&img.image)
                });
                let mut p = blank(self.list[i].entry.id.clone(), img.path.clone());
                p.date = img.created.as_deref().and_then(parse_time).map(format_time);
                p.layer = img.layer_index;
                p.layer_digest = img.layer_digest.clone();
                p.image_item = Some(img.item);
                p.created_by = img.created_by.clone();
                p.at_head = img.visible;
                p
            }
            Origin::Archive { outer, member } => {
                let mut p = self.origin(outer);
                p.path = format!("{}!/{member}", p.path);
                p
            }
        }
    }

    /// Locations at HEAD that the history walk did not report: the same blob at another path
    /// (a directory moved without changes inside is walked once, at its first path).
    fn head_only(&self, places: &[Place]) -> Vec<Place> {
        let mut extra = Vec::new();
        let mut known: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
        for p in places {
            if let Some(b) = &p.blob {
                known.insert((p.source.as_str(), b.as_str(), p.path.as_str()));
            }
        }
        for p in places {
            let Some(blob) = &p.blob else { continue };
            let Some(s) = self.list.iter().find(|s| s.entry.id == p.source) else {
                continue;
            };
            for path in s.head_blobs.get(blob).into_iter().flatten() {
                if known.insert((p.source.as_str(), blob.as_str(), path.as_str())) {
                    extra.push(Place {
                        date: None,
                        commit: None,
                        author: None,
                        subject: None,
                        url: None,
                        path: path.clone(),
                        at_head: true,
                        codeowners: s.codeowners.owners(path).to_vec(),
                        ..p.clone()
                    });
                }
            }
        }
        extra
    }
}

/// What a credential is, apart from where it was seen.
struct Identity<'a> {
    fingerprint: &'a str,
    rule_id: &'a str,
    rule_name: &'a str,
    kind: Kind,
    description: &'a str,
    secret: String,
    redacted: bool,
    validation: Option<Validation>,
}

impl Inventory {
    /// One pass over a scan's findings: a credential per finding, placed in `sources` (origins
    /// no source covers get a source of their own).
    pub fn build(
        findings: &[Finding],
        sources: &[SourceFacts],
        opts: &InventoryOptions,
    ) -> Inventory {
        let mut ctx = Sources::new(sources);
        let mut credentials = Vec::with_capacity(findings.len());
        for f in findings {
            let mut places: Vec<Place> = f.locations.iter().map(|l| ctx.place(l)).collect();
            let extra = ctx.head_only(&places);
            places.extend(extra);
            let (secret, redacted) = if opts.redact {
                (f.secret.redacted(), true)
            } else {
                (f.secret.expose().to_string(), false)
            };
            credentials.extend(aggregate(
                Identity {
                    fingerprint: &f.fingerprint,
                    rule_id: &f.rule_id,
                    rule_name: &f.rule_name,
                    kind: f.kind,
                    description: &f.description,
                    secret,
                    redacted,
                    validation: f.validation.clone(),
                },
                places,
                opts.now,
            ));
        }
        let entries = ctx.list.into_iter().map(|s| s.entry).collect();
        Inventory::assemble(entries, credentials, opts)
    }

    fn assemble(
        mut sources: Vec<SourceEntry>,
        mut credentials: Vec<Credential>,
        opts: &InventoryOptions,
    ) -> Inventory {
        sources.sort_by(|a, b| a.id.cmp(&b.id));
        sources.dedup_by(|a, b| a.id == b.id);
        credentials.sort_by(|a, b| {
            b.risk
                .score
                .cmp(&a.risk.score)
                .then_with(|| date_key(&a.first_seen.date).cmp(&date_key(&b.first_seen.date)))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        let summary = summarize(&credentials, sources.len());
        Inventory {
            inventory_version: INVENTORY_VERSION,
            tool: Tool {
                name: "nhi-scan".into(),
                version: opts.tool_version.clone(),
            },
            generated_at: format_time(opts.now),
            sources,
            summary,
            credentials,
        }
    }

    /// Merges inventories made separately (other repositories, other machines, other days)
    /// into what one run over all their sources would have produced: credentials joined by
    /// fingerprint, locations united, and every derived field (first/last seen, age, owner,
    /// counts, risk) computed again as of `opts.now`. The most recent validation wins. Secrets
    /// stay masked unless `opts.redact` is off and some input carries the plaintext (checked
    /// against the fingerprint).
    pub fn merge(
        parts: impl IntoIterator<Item = Inventory>,
        opts: &InventoryOptions,
    ) -> Result<Inventory, InventoryError> {
        struct Acc {
            first: Credential,
            plaintext: Option<String>,
            validation: Option<Validation>,
            places: Vec<Place>,
        }
        let mut sources: Vec<SourceEntry> = Vec::new();
        let mut by_fp: BTreeMap<String, Acc> = BTreeMap::new();
        for inv in parts {
            for s in inv.sources {
                match sources.iter_mut().find(|x| x.id == s.id) {
                    Some(x) => fill_source(x, s),
                    None => sources.push(s),
                }
            }
            for mut c in inv.credentials {
                let plaintext = (!c.redacted
                    && fingerprint(&c.rule_id, c.secret.as_bytes()) == c.fingerprint)
                    .then(|| c.secret.clone());
                let places = std::mem::take(&mut c.locations);
                let validation = c.validation.take();
                match by_fp.get_mut(&c.fingerprint) {
                    Some(acc) => {
                        if acc.first.rule_id != c.rule_id {
                            return Err(InventoryError::Conflict {
                                fingerprint: c.fingerprint,
                                a: acc.first.rule_id.clone(),
                                b: c.rule_id,
                            });
                        }
                        acc.places.extend(places);
                        if acc.plaintext.is_none() {
                            acc.plaintext = plaintext;
                        }
                        if newer(&validation, &acc.validation) {
                            acc.validation = validation;
                        }
                    }
                    None => {
                        by_fp.insert(
                            c.fingerprint.clone(),
                            Acc {
                                first: c,
                                plaintext,
                                validation,
                                places,
                            },
                        );
                    }
                }
            }
        }
        let credentials = by_fp
            .into_values()
            .map(|acc| {
                let c = acc.first;
                let fp = c.fingerprint.clone();
                let (secret, redacted) = match (&acc.plaintext, opts.redact) {
                    (Some(p), false) => (p.clone(), false),
                    (Some(p), true) => (redact(p), true),
                    (None, _) => (c.secret.clone(), true),
                };
                aggregate(
                    Identity {
                        fingerprint: &c.fingerprint,
                        rule_id: &c.rule_id,
                        rule_name: &c.rule_name,
                        kind: c.kind,
                        description: &c.grants.description,
                        secret,
                        redacted,
                        validation: acc.validation,
                    },
                    acc.places,
                    opts.now,
                )
                .ok_or(InventoryError::NoLocations { fingerprint: fp })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Inventory::assemble(sources, credentials, opts))
    }

    /// Reads an inventory written by [`Inventory::to_json`] (any version of nhi-scan that
    /// writes [`INVENTORY_VERSION`]).
    pub fn from_json(text: &str) -> Result<Inventory, InventoryError> {
        #[derive(Deserialize)]
        struct Head {
            inventory_version: u32,
        }
        let head: Head = serde_json::from_str(text).map_err(InventoryError::Parse)?;
        if head.inventory_version != INVENTORY_VERSION {
            return Err(InventoryError::Version {
                found: head.inventory_version,
            });
        }
        serde_json::from_str(text).map_err(InventoryError::Parse)
    }

    /// Writes the document as pretty JSON.
    pub fn to_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

/// Reads the findings of a JSON (or JSON Lines) findings report back, for an inventory of a
/// report rather than of a scan (`nhi-scan validate REPORT --format inventory`). Secrets must
/// be in full (a report written with `--no-redact`): each is checked against its fingerprint.
/// What a report does not carry (HEAD's tree, `.mailmap`, `CODEOWNERS`) is unknown: git
/// locations count as history only.
pub fn findings_from_report(objects: &[serde_json::Value]) -> Result<Vec<Finding>, InventoryError> {
    #[derive(Deserialize)]
    struct ReportLocation {
        origin: Origin,
        line: u64,
        column: u64,
    }
    #[derive(Deserialize)]
    struct ReportFinding {
        rule_id: String,
        #[serde(default)]
        rule_name: String,
        kind: Kind,
        #[serde(default)]
        description: String,
        #[serde(default)]
        fix: Option<String>,
        fingerprint: String,
        secret: String,
        locations: Vec<ReportLocation>,
        #[serde(default)]
        validation: Option<Validation>,
    }
    let mut collector = crate::sink::Collector::new();
    for v in objects {
        let r: ReportFinding = serde_json::from_value(v.clone()).map_err(InventoryError::Parse)?;
        if fingerprint(&r.rule_id, r.secret.as_bytes()) != r.fingerprint {
            return Err(InventoryError::Redacted {
                fingerprint: r.fingerprint,
            });
        }
        let mut f = Finding {
            rule_id: r.rule_id,
            rule_name: r.rule_name,
            kind: r.kind,
            description: r.description,
            fix: r.fix,
            fingerprint: r.fingerprint,
            secret: crate::finding::Secret::new(r.secret),
            companion: None,
            locations: r
                .locations
                .into_iter()
                .map(|l| Location::new(Arc::new(l.origin), l.line, l.column))
                .collect(),
            path_count: 0,
            commit_count: 0,
            validation: r.validation,
        };
        f.recount();
        collector.add_finding(f);
    }
    Ok(collector.finish().findings)
}

fn fill_source(into: &mut SourceEntry, from: SourceEntry) {
    into.head = into.head.take().or(from.head);
    into.remote = into.remote.take().or(from.remote);
    into.forge = into.forge.take().or(from.forge);
    into.codeowners = into.codeowners.take().or(from.codeowners);
    into.mailmap |= from.mailmap;
}

/// Whether validation `a` is more recent than `b` (RFC 3339 UTC strings sort by time).
fn newer(a: &Option<Validation>, b: &Option<Validation>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.checked_at > b.checked_at,
        (Some(_), None) => true,
        _ => false,
    }
}

#[allow(clippy::type_complexity)]
fn place_key(
    p: &Place,
) -> (
    (bool, &str),
    &str,
    &str,
    Option<&str>,
    u64,
    u64,
    Option<u32>,
    Option<&str>,
    bool,
) {
    (
        date_key(&p.date),
        &p.source,
        &p.path,
        p.commit.as_deref(),
        p.line,
        p.column,
        p.layer,
        p.blob.as_deref(),
        p.at_head,
    )
}

/// Sorts dated places first, oldest first.
fn date_key(d: &Option<String>) -> (bool, &str) {
    (d.is_none(), d.as_deref().unwrap_or(""))
}

/// The identity keys an owner or grant is described by, as one line
/// (`octocat (bot) acme`), from validation.
fn identity_line(v: &Validation) -> Option<String> {
    let get = |k: &str| {
        v.identity.get(k).and_then(|x| match x {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let who = get("user")
        .or_else(|| get("email"))
        .or_else(|| get("name"))
        .or_else(|| get("arn"))
        .or_else(|| get("account_name"))
        .or_else(|| get("account_id"))
        .or_else(|| get("user_id"))?;
    let mut line = who;
    if let Some(t) = get("type") {
        line.push_str(&format!(" ({t})"));
    }
    for k in ["organization", "team", "workspace", "project"] {
        if let Some(o) = get(k) {
            line.push_str(&format!(", {k} {o}"));
            break;
        }
    }
    Some(line)
}

fn scopes(v: Option<&Validation>) -> Option<Vec<String>> {
    let arr = v?.identity.get("scopes")?.as_array()?;
    Some(
        arr.iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
    )
}

/// Every field of a credential, from its identity and its places.
fn aggregate(id: Identity<'_>, mut places: Vec<Place>, now: i64) -> Option<Credential> {
    // Oldest first, undated places last; then a total order, so equal inputs give equal output
    // whatever order they came in.
    places.sort_by(|a, b| place_key(a).cmp(&place_key(b)));
    places.dedup();
    let sighting = |p: &Place| Sighting {
        date: p.date.clone(),
        commit: p.commit.clone(),
        author: p.author.clone(),
        path: p.path.clone(),
        source: p.source.clone(),
    };
    let first = places.first()?;
    let last = places
        .iter()
        .rev()
        .find(|p| p.date.is_some())
        .unwrap_or(first);
    let age_days = first
        .date
        .as_deref()
        .and_then(parse_time)
        .map(|t| (now - t).max(0) as u64 / 86_400);
    let present = places.iter().any(|p| p.at_head);
    let commits: BTreeSet<&str> = places.iter().filter_map(|p| p.commit.as_deref()).collect();
    let paths: BTreeSet<(&str, &str)> = places
        .iter()
        .map(|p| (p.source.as_str(), p.path.as_str()))
        .collect();
    let sources: BTreeSet<&str> = places.iter().map(|p| p.source.as_str()).collect();
    let author = places.iter().find_map(|p| p.author.clone());
    let mut codeowners: Vec<String> = Vec::new();
    let owning: Vec<&Place> = if present {
        places.iter().filter(|p| p.at_head).collect()
    } else {
        places.iter().collect()
    };
    for p in owning {
        for o in &p.codeowners {
            if !codeowners.contains(o) {
                codeowners.push(o.clone());
            }
        }
    }
    let identity = id.validation.as_ref().and_then(identity_line);
    let scopes = scopes(id.validation.as_ref());
    let arn = id
        .validation
        .as_ref()
        .and_then(|v| v.identity.get("arn"))
        .and_then(|a| a.as_str());
    let in_image = places.iter().any(|p| p.image_item.is_some());
    let factors = RiskFactors {
        liveness: match id.validation.as_ref().map(|v| v.status) {
            Some(ValidationStatus::Valid) => Liveness::Live,
            Some(ValidationStatus::Invalid) => Liveness::Rejected,
            Some(ValidationStatus::Unknown) => Liveness::Inconclusive,
            None => Liveness::NotChecked,
        },
        age_days,
        exposure: if present {
            Exposure::Current
        } else if in_image {
            Exposure::ImageLayers
        } else {
            Exposure::HistoryOnly
        },
        privilege: privilege(id.kind, scopes.as_deref(), arn),
        paths: paths.len(),
        sources: sources.len(),
        fixture_only: places.iter().all(|p| is_fixture_path(&p.path)),
    };
    let display = codeowners
        .first()
        .cloned()
        .or_else(|| author.clone())
        .or_else(|| identity.clone());
    Some(Credential {
        fingerprint: id.fingerprint.to_string(),
        rule_id: id.rule_id.to_string(),
        rule_name: id.rule_name.to_string(),
        provider: provider(id.rule_id).to_string(),
        kind: id.kind,
        secret: id.secret,
        redacted: id.redacted,
        grants: Grants {
            description: id.description.to_string(),
            scopes: scopes.unwrap_or_default(),
            identity: identity.clone(),
        },
        first_seen: sighting(first),
        last_seen: sighting(last),
        age_days,
        owner: Owner {
            display,
            author,
            codeowners,
            identity,
        },
        present_at_head: present,
        commit_count: commits.len(),
        path_count: paths.len(),
        location_count: places.len(),
        sources: sources.into_iter().map(str::to_string).collect(),
        validation: id.validation,
        risk: score(&factors),
        locations: places,
    })
}

/// The provider a rule id names: its first dot-separated segment.
pub fn provider(rule_id: &str) -> &str {
    rule_id.split('.').next().unwrap_or(rule_id)
}

/// The age histogram's buckets: (label, min days, max days).
const AGE_BUCKETS: [(&str, u64, Option<u64>); 6] = [
    ("< 30 days", 0, Some(29)),
    ("30-89 days", 30, Some(89)),
    ("90-364 days", 90, Some(364)),
    ("1-2 years", 365, Some(729)),
    ("2-5 years", 730, Some(1824)),
    ("5+ years", 1825, None),
];

fn summarize(credentials: &[Credential], sources: usize) -> Summary {
    let mut by_kind = BTreeMap::new();
    let mut by_provider = BTreeMap::new();
    let mut by_risk: BTreeMap<String, usize> = RiskLevel::ALL
        .iter()
        .map(|l| (l.as_str().to_string(), 0))
        .collect();
    let mut by_validation: BTreeMap<String, usize> = ["valid", "invalid", "unknown", "not_checked"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut ages = [0usize; AGE_BUCKETS.len()];
    let mut unknown_age = 0;
    let mut at_head = 0;
    let mut locations = 0;
    for c in credentials {
        *by_kind.entry(c.kind.as_str().to_string()).or_insert(0) += 1;
        *by_provider.entry(c.provider.clone()).or_insert(0) += 1;
        *by_risk
            .entry(c.risk.level.as_str().to_string())
            .or_insert(0) += 1;
        let v = match c.validation.as_ref().map(|v| v.status) {
            Some(ValidationStatus::Valid) => "valid",
            Some(ValidationStatus::Invalid) => "invalid",
            Some(ValidationStatus::Unknown) => "unknown",
            None => "not_checked",
        };
        *by_validation.entry(v.to_string()).or_insert(0) += 1;
        match c.age_days {
            Some(d) => {
                let i = AGE_BUCKETS
                    .iter()
                    .rposition(|(_, min, _)| d >= *min)
                    .unwrap_or(0);
                ages[i] += 1;
            }
            None => unknown_age += 1,
        }
        at_head += usize::from(c.present_at_head);
        locations += c.location_count;
    }
    let mut age_histogram: Vec<AgeBucket> = AGE_BUCKETS
        .iter()
        .zip(ages)
        .map(|((label, min, max), count)| AgeBucket {
            label: label.to_string(),
            min_days: Some(*min),
            max_days: *max,
            count,
        })
        .collect();
    age_histogram.push(AgeBucket {
        label: "unknown".into(),
        min_days: None,
        max_days: None,
        count: unknown_age,
    });
    Summary {
        credentials: credentials.len(),
        locations,
        sources,
        at_head,
        history_only: credentials.len() - at_head,
        by_kind,
        by_provider,
        by_risk,
        by_validation,
        age_histogram,
    }
}

/// Parses an RFC 3339 date-time (`2024-05-01T12:00:00Z`, `...T12:00:00.123+02:00`, or a bare
/// `2024-05-01`) into Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    // Fixed widths (a four-digit year, two-digit fields): dates come from image configs and
    // merged files anyone may have written, and must not overflow the arithmetic below.
    let num = |t: &str| -> Option<i64> {
        (matches!(t.len(), 1..=4) && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = 0;
    if !rest.is_empty() {
        let tz_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
        let (clock, tz) = rest.split_at(tz_at);
        let clock = clock.split('.').next()?;
        let mut c = clock.splitn(3, ':');
        let (h, mi, se) = (
            num(c.next()?)?,
            num(c.next()?)?,
            num(c.next().unwrap_or("0"))?,
        );
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs = h * 3600 + mi * 60 + se;
        if let Some(sign) = tz.chars().next().filter(|c| *c == '+' || *c == '-') {
            let (oh, om) = tz[1..].split_once(':').unwrap_or((&tz[1..], "0"));
            let offset = num(oh)? * 3600 + num(om)? * 60;
            secs -= if sign == '+' { offset } else { -offset };
        }
    }
    Some(days_from_civil(y, m, day) * 86_400 + secs)
}

/// Howard Hinnant's days-from-civil (the inverse of `report::civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
