//! Findings: one credential (rule + secret) with every place it was seen. The same secret in 40
//! files or 40 commits is one finding with 40 locations, which is what a responder rotates.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::{Encoding, Match, Scanner};
use crate::rules::Kind;
use crate::validate::Validation;

/// Where scanned bytes came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk.
    File {
        /// Path as given or found by the walk. Serialized lossily: a file name need not be UTF-8.
        #[serde(serialize_with = "lossy_path")]
        path: PathBuf,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
}

fn lossy_path<S: serde::Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

impl Origin {
    /// The raw bytes of the file path (not lossy), for formats that can carry them (SARIF URIs).
    pub fn path_bytes(&self) -> Vec<u8> {
        match self {
            Origin::File { path } => path.as_os_str().as_encoded_bytes().to_vec(),
            other => other.path().into_bytes(),
        }
    }

    /// A short human label: the path, the buffer's name, `commit:path`, `image[layer N]:path`,
    /// or `outer!/member` inside an archive.
    pub fn label(&self) -> String {
        match self {
            Origin::File { path } => path.display().to_string(),
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

    /// The file path within its source (what SARIF calls the artifact); an archive member is
    /// `outer-path!/member`.
    pub fn path(&self) -> String {
        match self {
            Origin::File { path } => path.display().to_string(),
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

/// A distinct credential and everywhere it was found.
#[derive(Debug, Clone, Serialize)]
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
    pub secret: String,
    /// Companion value (name, value), e.g. the AWS key id of a secret key.
    pub companion: Option<(String, String)>,
    /// Every place it was seen, in scan order of discovery, sorted at the end of a scan.
    pub locations: Vec<Location>,
    /// Distinct files (paths) it was seen in.
    pub path_count: usize,
    /// Distinct git commits that introduced it (at any path); 0 outside git history.
    pub commit_count: usize,
    /// Provider check result, when validation ran.
    pub validation: Option<Validation>,
}

impl Finding {
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
            secret: secret.into(),
            companion: None,
            locations,
            path_count: 1,
            commit_count: 0,
            validation: None,
        }
    }

    /// The secret with all but a short prefix masked.
    pub fn redacted(&self) -> String {
        redact(&self.secret)
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

/// Turns raw matches from many haystacks into findings, grouping by fingerprint.
#[derive(Default)]
pub struct Collector {
    index: HashMap<String, usize>,
    findings: Vec<Finding>,
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("findings", &self.findings.len())
            .finish()
    }
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Records `matches` found in `hay` (from `origin`). Line numbers are computed here, only
    /// for matches, with one forward pass over the newlines before them.
    pub fn add(&mut self, scanner: &Scanner, hay: &[u8], origin: &Arc<Origin>, matches: &[Match]) {
        let mut lines = LineCounter::new(hay);
        for m in matches {
            let rule = &scanner.rule(m.rule).rule;
            let secret: &[u8] = match &m.decoded {
                Some(d) => &d.secret,
                None => &hay[m.secret.clone()],
            };
            let fp = fingerprint(&rule.id, secret);
            let (line, column) = lines.position(m.secret.start);
            let (end_line, end_column) = lines.position_from(m.secret.end, line, m.secret.start);
            let location = Location {
                origin: Arc::clone(origin),
                line,
                column,
                end_line,
                end_column,
                offset: m.secret.start as u64,
                end_offset: m.secret.end as u64,
                encoding: m.decoded.as_ref().map(|d| d.encoding),
            };
            let companion_bytes = match &m.decoded {
                Some(d) => d.companion.as_deref(),
                None => m.companion.clone().map(|range| &hay[range]),
            };
            let companion = companion_bytes.and_then(|value| {
                let spec = rule.companion.as_ref()?;
                Some((
                    spec.name.clone(),
                    String::from_utf8_lossy(value).into_owned(),
                ))
            });
            match self.index.get(&fp) {
                Some(&i) => {
                    let f = &mut self.findings[i];
                    f.locations.push(location);
                    if f.companion.is_none() {
                        f.companion = companion;
                    }
                }
                None => {
                    self.index.insert(fp.clone(), self.findings.len());
                    self.findings.push(Finding {
                        rule_id: rule.id.clone(),
                        rule_name: rule.name.clone(),
                        kind: rule.kind,
                        description: rule.description.clone(),
                        fix: rule.fix.clone(),
                        fingerprint: fp,
                        secret: String::from_utf8_lossy(secret).into_owned(),
                        companion,
                        locations: vec![location],
                        path_count: 0,
                        commit_count: 0,
                        validation: None,
                    });
                }
            }
        }
    }

    /// Merges another collector's findings into this one.
    pub fn merge(&mut self, other: Collector) {
        for f in other.findings {
            self.merge_finding(f);
        }
    }

    /// Adds a finished finding, joining it with one of the same fingerprint.
    pub fn merge_finding(&mut self, f: Finding) {
        match self.index.get(&f.fingerprint) {
            Some(&i) => self.findings[i].locations.extend(f.locations),
            None => {
                self.index
                    .insert(f.fingerprint.clone(), self.findings.len());
                self.findings.push(f);
            }
        }
    }

    /// Number of distinct findings so far.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The findings, locations sorted, ordered by their first location: deterministic output
    /// whatever order the threads finished in.
    pub fn finish(mut self) -> Vec<Finding> {
        let key = |l: &Location| (l.origin.label(), l.line, l.column);
        for f in &mut self.findings {
            f.locations.sort_by_key(key);
            f.locations.dedup();
            let paths: std::collections::HashSet<String> =
                f.locations.iter().map(|l| l.origin.path()).collect();
            let commits: std::collections::HashSet<&str> = f
                .locations
                .iter()
                .filter_map(|l| match &*l.origin {
                    Origin::Git(g) if !g.commit.is_empty() => Some(g.commit.as_str()),
                    _ => None,
                })
                .collect();
            f.path_count = paths.len();
            f.commit_count = commits.len();
        }
        self.findings.sort_by(|a, b| {
            key(&a.locations[0])
                .cmp(&key(&b.locations[0]))
                .then(a.rule_id.cmp(&b.rule_id))
        });
        self.findings
    }
}

/// Computes (line, column) for increasing offsets in one forward pass, so a file with many
/// matches on one huge (minified) line costs O(file), not O(matches x line).
struct LineCounter<'a> {
    hay: &'a [u8],
    pos: usize,
    cursor: Cursor,
}

/// A position: line, column, where the line starts, and whether the line so far is UTF-8
/// (character columns) or not (byte columns, so Latin-1 text still gets honest columns).
#[derive(Clone, Copy)]
struct Cursor {
    line: u64,
    column: u64,
    line_start: usize,
    utf8: bool,
}

impl<'a> LineCounter<'a> {
    fn new(hay: &'a [u8]) -> Self {
        LineCounter {
            hay,
            pos: 0,
            cursor: Cursor {
                line: 1,
                column: 1,
                line_start: 0,
                utf8: true,
            },
        }
    }

    fn position(&mut self, offset: usize) -> (u64, u64) {
        if offset < self.pos {
            *self = LineCounter::new(self.hay);
        }
        self.cursor = advance(self.hay, self.pos, offset, self.cursor);
        self.pos = offset;
        (self.cursor.line, self.cursor.column)
    }

    /// Position of `end`, from the last position asked for, without moving the counter.
    fn position_from(&self, end: usize, _line: u64, start: usize) -> (u64, u64) {
        let c = advance(self.hay, start, end, self.cursor);
        (c.line, c.column)
    }
}

/// Moves a cursor from byte `from` to byte `to`.
fn advance(hay: &[u8], from: usize, to: usize, at: Cursor) -> Cursor {
    let span = &hay[from..to];
    let mut c = at;
    let segment = match memchr::memrchr(b'\n', span) {
        Some(last) => {
            c.line += memchr::memchr_iter(b'\n', span).count() as u64;
            c.line_start = from + last + 1;
            c.utf8 = true;
            c.column = 1;
            &span[last + 1..]
        }
        None => span,
    };
    c.utf8 = c.utf8 && std::str::from_utf8(segment).is_ok();
    c.column = if c.utf8 {
        c.column + segment.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
    } else {
        (to - c.line_start) as u64 + 1
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let mut lc = LineCounter::new("ab\nçé tok\nx".as_bytes());
        assert_eq!(lc.position(0), (1, 1));
        assert_eq!(lc.position(8), (2, 4));
        assert_eq!(lc.position_from(13, 2, 8), (3, 2));
        // Latin-1 (not UTF-8): byte columns.
        let mut lc = LineCounter::new(b"caf\xe9 \xa9\xa9 x=tok");
        assert_eq!(lc.position(12), (1, 13));
    }

    #[test]
    fn redaction_keeps_a_short_prefix() {
        assert_eq!(
            redact("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"),
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
}
