//! Findings: one credential (rule + secret) with every place it was seen. The same secret in 40
//! files or 40 commits is one finding with 40 locations, which is what a responder rotates.

pub(crate) mod position;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::engine::Encoding;
use crate::rules::Kind;
use crate::validate::Validation;
pub(crate) use position::LineCounter;

/// Where scanned bytes came from. Deserializable so that a JSON report can be read back (the
/// inventory of `nhi-scan validate REPORT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk.
    File {
        /// Path as given or found by the walk. Serialized lossily: a file name need not be UTF-8.
        #[serde(serialize_with = "lossy_path")]
        path: PathBuf,
        /// The same path relative to the scan's root (the repository root), `/`-separated, when
        /// it is inside the root: what allowlists, `.gitleaksignore` and SARIF refer to.
        #[serde(skip_serializing_if = "Option::is_none")]
        relative: Option<String>,
    },
    /// Bytes the caller named: standard input (`<stdin>`), a buffer handed to the library, a
    /// stream. The name is a label, not a path: nothing is looked up by it.
    Buffer {
        /// The caller's name for the bytes.
        name: String,
    },
    /// A blob in git history, with the commit that first introduced it at this path.
    Git(Box<GitOrigin>),
    /// A file in a container image layer, or an item of the image's configuration.
    Image(Box<ImageOrigin>),
    /// A member of an archive (zip, jar, tar, gz, ...) that was itself found at `outer`; nested
    /// archives chain (`app.war!/WEB-INF/lib/x.jar!/application.yml`).
    Archive {
        /// Where the archive itself was found.
        outer: Arc<Origin>,
        /// Path of the member inside the archive (lossy UTF-8).
        member: String,
    },
}

/// What part of a container image a location is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageItem {
    /// A file in a layer.
    LayerFile,
    /// An `Env` entry of the image config (`path` is the variable name).
    Env,
    /// A label of the image config (`path` is the label key).
    Label,
    /// The config's `Cmd`.
    Cmd,
    /// The config's `Entrypoint`.
    Entrypoint,
    /// A history entry's `created_by` (`path` is `history[N]`): build arguments show up here.
    History,
}

/// Attribution inside a container image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ImageOrigin {
    /// The image as given: a tarball path, an OCI layout directory, or a registry reference.
    pub image: String,
    /// The tag or name the image has inside a `docker save` tarball or OCI layout
    /// (`RepoTags`, `org.opencontainers.image.ref.name`), or the tag of a registry reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Digest of the image config (`sha256:...`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// `os/arch[/variant]` of this image, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Which part of the image.
    pub item: ImageItem,
    /// 0-based index of the layer (bottom first), for layer files and history entries that made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<u32>,
    /// The layer's uncompressed digest (`diff_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// The history `created_by` of the step that made the layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The history `created` time of that step (RFC 3339), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Path inside the layer (no leading `/`), or the variable, label key or `history[N]`.
    pub path: String,
    /// Whether the file is still present in the final flattened filesystem (false when a later
    /// layer deleted it by a whiteout or replaced it). Config items are always visible.
    pub visible: bool,
}

/// Attribution of a git blob: the commit that first introduced it at `path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct GitOrigin {
    /// Repository path or URL as given.
    pub repository: String,
    /// Full commit id.
    pub commit: String,
    /// Path of the file in that commit (lossy UTF-8).
    pub path: String,
    /// Blob id.
    pub blob: String,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time, seconds since the Unix epoch.
    pub author_time: i64,
    /// Committer time, seconds since the Unix epoch.
    pub committer_time: i64,
    /// First line of the commit message.
    pub subject: String,
    /// For a blob reached through a ref that names a tree or blob rather than a commit (e.g. a
    /// tag on a tree): that ref. `commit` is then empty, as it is for unreachable objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Rank of the commit in the walk's topological order (parents first), so that a finding's
    /// first location is where history introduced it. `u32::MAX` without a commit.
    #[serde(skip)]
    pub order: u32,
}

fn lossy_path<S: serde::Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

impl Origin {
    /// The raw bytes of the file path (not lossy), for formats that can carry them (SARIF URIs).
    pub fn path_bytes(&self) -> Vec<u8> {
        match self {
            Origin::File { path, .. } => path.as_os_str().as_encoded_bytes().to_vec(),
            other => other.path().into_bytes(),
        }
    }

    /// A short human label: the path, the buffer's name, `commit:path`, `image[layer N]:path`,
    /// or `outer!/member` inside an archive.
    pub fn label(&self) -> String {
        match self {
            Origin::File { path, .. } => path.display().to_string(),
            Origin::Buffer { name } => name.clone(),
            Origin::Git(g) => format!("{}:{}", &g.commit[..g.commit.len().min(12)], g.path),
            Origin::Image(i) => match i.layer_index {
                Some(n) if i.item == ImageItem::LayerFile => {
                    format!("{}[layer {n}]:{}", i.image, i.path)
                }
                _ => format!("{}[config]:{}", i.image, i.path),
            },
            Origin::Archive { outer, member } => format!("{}!/{member}", outer.label()),
        }
    }

    /// A file origin for `path`, with no root-relative form.
    pub fn file(path: impl Into<PathBuf>) -> Origin {
        Origin::File {
            path: path.into(),
            relative: None,
        }
    }

    /// The key findings and locations are ordered by: history order for git, then the label.
    pub fn order_key(&self) -> (u32, String) {
        match self {
            Origin::Git(g) => (g.order, self.label()),
            Origin::Archive { outer, member } => {
                let (rank, label) = outer.order_key();
                (rank, format!("{label}!/{member}"))
            }
            _ => (u32::MAX, self.label()),
        }
    }

    /// The file path within its source (what SARIF calls the artifact); an archive member is
    /// `outer-path!/member`.
    pub fn path(&self) -> String {
        match self {
            Origin::File { path, .. } => path.display().to_string(),
            Origin::Buffer { name } => name.clone(),
            Origin::Git(g) => g.path.clone(),
            Origin::Image(i) => i.path.clone(),
            Origin::Archive { outer, member } => format!("{}!/{member}", outer.path()),
        }
    }
}

/// One place a secret was seen. Lines and columns are 1-based; columns count Unicode scalar
/// values (bytes where the line is not UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Location {
    /// Where the bytes came from.
    pub origin: Arc<Origin>,
    /// Line of the first secret byte.
    pub line: u64,
    /// Column of the first secret byte.
    pub column: u64,
    /// Line of the last secret byte.
    pub end_line: u64,
    /// Column just past the last secret byte.
    pub end_column: u64,
    /// Byte offset of the secret.
    pub offset: u64,
    /// Byte offset just past the secret.
    pub end_offset: u64,
    /// Set when the secret was found by decoding the text at this location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
}

impl Location {
    /// A location at `line:column` (1-based) of `origin`, spanning `offset..end_offset`.
    pub fn new(origin: Arc<Origin>, line: u64, column: u64) -> Location {
        Location {
            origin,
            line,
            column,
            end_line: line,
            end_column: column,
            offset: 0,
            end_offset: 0,
            encoding: None,
        }
    }
}

/// A credential's plaintext. It is never printed by accident: `Debug` and `Display` show it
/// masked, serialization is not implemented, and reading it takes [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    /// Wraps a plaintext secret.
    pub fn new(plaintext: impl Into<String>) -> Secret {
        Secret(plaintext.into())
    }

    /// The plaintext: for validation, `--no-redact` reports, and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret with all but a short prefix masked (`ghp_ab********`).
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A value found next to a secret that belongs with it (the AWS key id of a secret key, the
/// account SID of a Twilio token). It can be a secret too, so it is held as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    /// What the rule calls it (`key_id`).
    pub name: String,
    /// The value.
    pub value: Secret,
}

/// What a rule says about the credentials it finds, shared by every hit and finding of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Rule name.
    pub name: String,
    /// NHI family.
    pub kind: Kind,
    /// What the credential grants.
    pub description: String,
    /// How to remediate.
    pub fix: Option<String>,
}

/// One match, located: what a [`crate::Sink`] receives as a scan runs, with suppression already
/// applied and secrets found inside encoded text already decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Hit {
    /// The rule that matched.
    pub rule: Arc<RuleInfo>,
    /// The secret.
    pub secret: Secret,
    /// SHA-256 of rule id and secret (see [`fingerprint`]).
    pub fingerprint: String,
    /// A companion value the rule captured nearby.
    pub companion: Option<Companion>,
    /// Where.
    pub location: Location,
}

/// A distinct credential and everywhere it was found.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule name.
    pub rule_name: String,
    /// NHI family.
    pub kind: Kind,
    /// What the credential grants.
    pub description: String,
    /// How to remediate.
    pub fix: Option<String>,
    /// SHA-256 of rule id and secret, hex: stable across runs and moves, reveals nothing.
    pub fingerprint: String,
    /// The secret itself. Reporters redact it unless told not to.
    #[serde(skip)]
    pub secret: Secret,
    /// Companion value, e.g. the AWS key id of a secret key.
    #[serde(skip)]
    pub companion: Option<Companion>,
    /// Every place it was seen, sorted when the scan finishes.
    pub locations: Vec<Location>,
    /// Distinct files (paths) it was seen in.
    pub path_count: usize,
    /// Distinct git commits that introduced it (at any path); 0 outside git history.
    pub commit_count: usize,
    /// Provider check result, when validation ran.
    pub validation: Option<Validation>,
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule_id", &self.rule_id)
            .field("fingerprint", &self.fingerprint)
            .field("secret", &self.secret)
            .field("companion", &self.companion)
            .field("locations", &self.locations.len())
            .field("validation", &self.validation)
            .finish()
    }
}

impl Finding {
    /// A finding with its first location, from one hit.
    pub fn from_hit(hit: Hit) -> Finding {
        Finding {
            rule_id: hit.rule.id.clone(),
            rule_name: hit.rule.name.clone(),
            kind: hit.rule.kind,
            description: hit.rule.description.clone(),
            fix: hit.rule.fix.clone(),
            fingerprint: hit.fingerprint,
            secret: hit.secret,
            companion: hit.companion,
            locations: vec![hit.location],
            path_count: 1,
            commit_count: 0,
            validation: None,
        }
    }

    /// A generic finding for unit tests of code that consumes findings (baselines, allowlists).
    #[cfg(test)]
    pub(crate) fn for_test(rule: &str, secret: &str, locations: Vec<Location>) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: rule.into(),
            kind: Kind::Generic,
            description: String::new(),
            fix: None,
            fingerprint: fingerprint(rule, secret.as_bytes()),
            secret: Secret::new(secret),
            companion: None,
            locations,
            path_count: 1,
            commit_count: 0,
            validation: None,
        }
    }

    /// The secret with all but a short prefix masked.
    pub fn redacted(&self) -> String {
        self.secret.redacted()
    }

    /// Sorts and dedups the locations and recounts distinct paths and introducing commits.
    pub fn finish_locations(&mut self) {
        let key = |l: &Location| (l.origin.order_key(), l.line, l.column);
        self.locations.sort_by_cached_key(key);
        self.locations.dedup();
        self.recount();
    }

    /// Recounts distinct paths and introducing commits from the locations.
    pub fn recount(&mut self) {
        let paths: std::collections::HashSet<String> =
            self.locations.iter().map(|l| l.origin.path()).collect();
        let commits: std::collections::HashSet<&str> = self
            .locations
            .iter()
            .filter_map(|l| match &*l.origin {
                Origin::Git(g) if !g.commit.is_empty() => Some(g.commit.as_str()),
                _ => None,
            })
            .collect();
        self.path_count = paths.len();
        self.commit_count = commits.len();
    }
}

/// Masks a secret, keeping a prefix short enough to be useless to an attacker but enough for a
/// human to recognise the token type (`ghp_ab********`).
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let keep = (chars.len() / 5).min(6);
    let mut out: String = chars[..keep].iter().collect();
    out.push_str("********");
    out
}

/// Stable identity of a credential: SHA-256 over rule id, a NUL, and the secret.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_prefix() {
        assert_eq!(
            redact("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"), // nhi-scan:allow (a fake)
            "ghp_at********"
        );
        assert_eq!(redact("short"), "s********");
        assert_eq!(redact("abc"), "********");
    }

    #[test]
    fn fingerprint_is_stable_and_rule_scoped() {
        assert_eq!(fingerprint("a", b"s"), fingerprint("a", b"s"));
        assert_ne!(fingerprint("a", b"s"), fingerprint("b", b"s"));
        assert_eq!(fingerprint("a", b"s").len(), 64);
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let plaintext = "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"; // nhi-scan:allow (a fake)
        let mut f = Finding::for_test("r", plaintext, Vec::new());
        f.companion = Some(Companion {
            name: "key_id".into(),
            value: Secret::new("AKIAZZZZZZZZZZZZZZZZ"),
        });
        let shown = format!("{f:?} {:?} {}", f.secret, f.secret);
        assert!(!shown.contains(plaintext), "{shown}");
        assert!(!shown.contains("AKIAZZZZZZZZZZZZZZZZ"), "{shown}");
        assert_eq!(f.secret.expose(), plaintext);
    }
}
