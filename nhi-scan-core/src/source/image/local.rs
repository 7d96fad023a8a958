//! Images on disk or in a stream: `docker save` tarballs (legacy `<id>/layer.tar` and the OCI
//! `blobs/sha256/...` form Docker 25+ writes), OCI image layouts (directory or tar), and single
//! layer tarballs.
//!
//! A tarball is read once, front to back, so it works from standard input: small JSON entries
//! (manifests, configs, indexes) are kept in memory, layer blobs are read as they come (their
//! files scanned at once), and any other entry is a file of a single layer tarball. Which layer
//! is which is decided at the end, from the manifest (which `docker save` writes last).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use super::digest;
use super::layer::{
    Feeder, Hashing, LayerRecord, LayerVisitor, is_list_full, normalize, read_layer,
};
use super::model::{self, Descriptor, DockerSaveEntry, ManifestOrIndex};
use super::{ImageError, ImageOptions, LayerCache, Plan, PlanLayer};
use crate::source::archive::{
    ArchiveError, Budget, Format, Input, Member, MemberKind, SNIFF_LEN, Visitor, for_each_member,
    read_head, sniff_stream, unsafe_path,
};

/// A metadata document (manifest, index, config) larger than this is refused with
/// [`ImageError::TooLarge`]; real ones are kilobytes.
pub(crate) const META_MAX: u64 = 16 << 20;
/// All metadata documents of one tarball together (each is kept until the end of the stream).
const META_TOTAL_MAX: u64 = 64 << 20;

/// What one pass over an image tarball found.
#[derive(Debug, Default)]
pub(crate) struct TarRead {
    /// Small JSON entries by normalised path.
    pub meta: HashMap<String, Vec<u8>>,
    /// Layer blobs by normalised path.
    pub layers: HashMap<String, Arc<LayerRecord>>,
    /// Other entries: the files of a single layer tarball.
    pub loose: LayerRecord,
    /// Bytes held in `meta`.
    pub meta_bytes: u64,
}

fn is_meta(path: &str) -> bool {
    matches!(
        path,
        "manifest.json" | "index.json" | "oci-layout" | "repositories"
    ) || (!path.contains('/') && path.ends_with(".json"))
        || path.ends_with("/json")
        || path.ends_with("/VERSION")
}

fn is_blob(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() == 3 && parts[0] == "blobs")
        || path.ends_with("/layer.tar")
        || (parts.len() == 1 && path.ends_with(".tar") && path.len() == 68)
}

/// `sha256:abc` -> `blobs/sha256/abc`, for a digest that [`digest::parse`]s: anything else
/// (`sha256/../../x`, an unknown algorithm) would name a path of the attacker's choosing.
pub(crate) fn blob_key(d: &str) -> Result<String, ImageError> {
    digest::parse(d)?;
    Ok(format!("blobs/{}", d.replacen(':', "/", 1)))
}

/// A member named by `manifest.json` (`Config`, `Layers`): relative, without `..`, normalised;
/// it is then looked up among the tarball's own members (or inside the directory).
fn member_name(name: &str) -> Result<String, ImageError> {
    let unsafe_name = |reason| ImageError::UnsafeName {
        name: name.chars().take(200).collect(),
        reason,
    };
    if let Some(reason) = unsafe_path(name) {
        return Err(unsafe_name(reason));
    }
    if name.contains('\0') {
        return Err(unsafe_name("NUL byte"));
    }
    let n = normalize(name);
    if n.is_empty() {
        return Err(unsafe_name("empty"));
    }
    Ok(n)
}

/// The digest a path names (`blobs/sha256/abc`, or a legacy `abc.json` config), if any.
fn digest_of_key(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    if parts.len() == 3 && parts[0] == "blobs" {
        let d = format!("{}:{}", parts[1], parts[2]);
        return digest::parse(&d).is_ok().then_some(d);
    }
    let hex = key.strip_suffix(".json")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("sha256:{hex}"))
}

/// Opens `key` under `dir` when it resolves (symlinks followed) to a regular file inside `dir`.
/// `Ok(None)`: no such file.
fn open_inside(dir: &Path, key: &str, label: &str) -> Result<Option<File>, ImageError> {
    let real = match dir.join(key).canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ImageError::Read(e)),
    };
    let root = dir.canonicalize().map_err(ImageError::Read)?;
    if !real.starts_with(&root) {
        return Err(ImageError::UnsafeName {
            name: key.chars().take(200).collect(),
            reason: "resolves outside the layout",
        });
    }
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let regular = |m: &std::fs::Metadata| m.is_file();
    if !std::fs::metadata(&real)
        .map_err(ImageError::Read)
        .map(|m| regular(&m))?
    {
        return Err(ImageError::NotRegularFile(label.to_string()));
    }
    let f = File::open(&real).map_err(ImageError::Read)?;
    if !f
        .metadata()
        .map_err(ImageError::Read)
        .map(|m| regular(&m))?
    {
        return Err(ImageError::NotRegularFile(label.to_string()));
    }
    Ok(Some(f))
}

fn looks_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

/// Reads an image tarball (maybe compressed) once.
pub(crate) fn read_tar(
    reader: &mut dyn Read,
    name: &str,
    cache: &mut LayerCache,
    feeder: &mut Feeder,
) -> TarRead {
    let mut out = TarRead::default();
    let stream = match sniff_stream(reader, name) {
        Ok((Some(Format::Zip) | None, _)) => {
            feeder.error(
                name.to_string(),
                ImageError::NotAnImage("not a tar archive".into()),
            );
            return out;
        }
        Ok((_, stream)) => stream,
        Err((_, e)) => {
            feeder.error(name.to_string(), ImageError::Read(e));
            return out;
        }
    };
    let mut hashed = Hashing::new(stream, digest::Algorithm::Sha256);
    let mut failed = false;
    {
        let mut visitor = Outer {
            feeder: &mut *feeder,
            cache,
            name,
            out: &mut out,
            failed: &mut failed,
            loose_path_bytes: 0,
        };
        let limits = visitor.feeder.limits.unbounded();
        for_each_member(
            Format::Tar,
            Input::Stream(&mut hashed),
            name,
            &limits,
            &Budget::new(),
            &mut visitor,
        );
    }
    if !failed && io::copy(&mut hashed, &mut io::sink()).is_ok() {
        out.loose.diff_id = Some(hashed.digest());
    }
    out
}

struct Outer<'a, 'b, 's> {
    feeder: &'a mut Feeder<'b, 's>,
    cache: &'a mut LayerCache,
    name: &'a str,
    out: &'a mut TarRead,
    failed: &'a mut bool,
    loose_path_bytes: usize,
}

impl Outer<'_, '_, '_> {
    /// Reads a metadata document after its first bytes `head`, within [`META_MAX`] and the
    /// tarball's [`META_TOTAL_MAX`]; a larger one is reported, skipped, and None.
    fn keep_meta(
        &mut self,
        path: &str,
        mut bytes: Vec<u8>,
        data: &mut dyn Read,
    ) -> io::Result<Option<Vec<u8>>> {
        let left = META_TOTAL_MAX.saturating_sub(self.out.meta_bytes);
        let cap = META_MAX.min(left);
        data.take(cap.saturating_add(1).saturating_sub(bytes.len() as u64))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            io::copy(data, &mut io::sink())?;
            let (what, limit) = if cap < META_MAX {
                (
                    "image metadata of the tarball in total".to_string(),
                    META_TOTAL_MAX,
                )
            } else {
                (path.to_string(), META_MAX)
            };
            self.feeder.error(
                format!("{}[{path}]", self.name),
                ImageError::TooLarge { what, limit },
            );
            return Ok(None);
        }
        self.out.meta_bytes += bytes.len() as u64;
        Ok(Some(bytes))
    }
}

impl Visitor for Outer<'_, '_, '_> {
    fn member(&mut self, member: &Member<'_>, data: &mut dyn Read) -> io::Result<()> {
        let path = normalize(member.name);
        let size = member.size.unwrap_or(0);
        if member.kind == MemberKind::File {
            if is_meta(&path) {
                if let Some(bytes) = self.keep_meta(&path, Vec::new(), data)? {
                    self.out.meta.insert(path, bytes);
                }
                return Ok(());
            }
            if is_blob(&path) {
                // A blob named by its digest that this run has read already (a base layer
                // shared by several images): not read again.
                // Its bytes are still hashed on the way past: a member whose name claims a
                // digest its content does not have is reported, not taken for the other layer.
                if let Some((d, r)) = digest_of_key(&path)
                    .and_then(|d| self.cache.get(&d).map(|r| (d, Arc::clone(r))))
                {
                    let mut h = Hashing::new(data, digest::algorithm_of(&d));
                    io::copy(&mut h, &mut io::sink())?;
                    let actual = h.digest();
                    if actual != d {
                        self.feeder.error(
                            format!("{}[{path}]", self.name),
                            ImageError::DigestMismatch {
                                what: "layer blob (named after a layer read earlier; not scanned)",
                                expected: d,
                                actual,
                            },
                        );
                        return Ok(());
                    }
                    self.feeder.summary.layers_reused += 1;
                    self.out.layers.insert(path, r);
                    return Ok(());
                }
                let head = read_head(data, SNIFF_LEN)?;
                if looks_json(&head) && size <= META_MAX {
                    if let Some(bytes) = self.keep_meta(&path, head, data)? {
                        self.out.meta.insert(path, bytes);
                    }
                    return Ok(());
                }
                let label = format!("{}[{path}]", self.name);
                let mut chained = Cursor::new(head.as_slice()).chain(data);
                let alg = digest_of_key(&path)
                    .map_or(digest::Algorithm::Sha256, |d| digest::algorithm_of(&d));
                let record = Arc::new(read_layer(&mut chained, &label, alg, self.feeder));
                self.feeder.summary.layers_read += 1;
                for d in [&record.blob_digest, &record.diff_id].into_iter().flatten() {
                    self.cache.insert(d.clone(), Arc::clone(&record));
                }
                self.out.layers.insert(path, record);
                return Ok(());
            }
        }
        let mut loose = LayerVisitor {
            feeder: &mut *self.feeder,
            label: self.name,
            entries: &mut self.out.loose.entries,
            failed: &mut *self.failed,
            path_bytes: self.loose_path_bytes,
        };
        let result = loose.member(member, data);
        self.loose_path_bytes = loose.path_bytes;
        result
    }

    fn error(&mut self, error: ArchiveError) {
        if is_list_full(&error) {
            return;
        }
        if matches!(error, ArchiveError::Corrupt { .. }) {
            *self.failed = true;
        }
        self.feeder
            .error(self.name.to_string(), ImageError::Layer(error));
    }
}

/// The images a tarball's metadata describes.
pub(crate) fn plans_from_tar(
    name: &str,
    read: &TarRead,
    options: &ImageOptions,
    errors: &mut Vec<(String, ImageError)>,
) -> Vec<Plan> {
    let mut get_meta = |key: &str| Ok(read.meta.get(key).cloned());
    let mut get_layer = |key: &str, _: Option<&str>| Ok(read.layers.get(key).cloned());
    plans_from_meta(name, &mut get_meta, &mut get_layer, options, errors)
}

/// Reads an OCI layout (or extracted `docker save`) directory.
pub(crate) fn read_dir(
    dir: &Path,
    name: &str,
    options: &ImageOptions,
    cache: &mut LayerCache,
    feeder: &mut Feeder,
) -> Vec<Plan> {
    let mut errors = Vec::new();
    let mut get_meta = |key: &str| -> Result<Option<Vec<u8>>, ImageError> {
        let Some(f) = open_inside(dir, key, &format!("{name}[{key}]"))? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        f.take(META_MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(ImageError::Read)?;
        if bytes.len() as u64 > META_MAX {
            return Err(ImageError::TooLarge {
                what: key.to_string(),
                limit: META_MAX,
            });
        }
        Ok(Some(bytes))
    };
    let mut get_layer =
        |key: &str, expected: Option<&str>| -> Result<Option<Arc<LayerRecord>>, ImageError> {
            if let Some(r) = expected.and_then(|d| cache.get(d)) {
                feeder.summary.layers_reused += 1;
                return Ok(Some(Arc::clone(r)));
            }
            let label = format!("{name}[{key}]");
            let Some(file) = open_inside(dir, key, &label)? else {
                return Ok(None);
            };
            let mut r = io::BufReader::with_capacity(256 * 1024, file);
            let alg = expected.map_or(digest::Algorithm::Sha256, digest::algorithm_of);
            let record = Arc::new(read_layer(&mut r, &label, alg, feeder));
            feeder.summary.layers_read += 1;
            for d in [&record.blob_digest, &record.diff_id].into_iter().flatten() {
                cache.insert(d.clone(), Arc::clone(&record));
            }
            Ok(Some(record))
        };
    let plans = plans_from_meta(name, &mut get_meta, &mut get_layer, options, &mut errors);
    if plans.is_empty() && errors.is_empty() {
        errors.push((
            name.to_string(),
            ImageError::NotAnImage("no manifest.json or index.json in the directory".into()),
        ));
    }
    for (location, e) in errors {
        feeder.error(location, e);
    }
    plans
}

/// A metadata document by name: `Ok(None)` when there is none.
type GetMeta<'a> = dyn FnMut(&str) -> Result<Option<Vec<u8>>, ImageError> + 'a;
/// A layer by name (and the digest expected of it): `Ok(None)` when there is none.
type GetLayer<'a> =
    dyn FnMut(&str, Option<&str>) -> Result<Option<Arc<LayerRecord>>, ImageError> + 'a;

/// Builds the plans from `manifest.json` (docker save) or else `index.json` (OCI layout).
fn plans_from_meta(
    name: &str,
    get_meta: &mut GetMeta,
    get_layer: &mut GetLayer,
    options: &ImageOptions,
    errors: &mut Vec<(String, ImageError)>,
) -> Vec<Plan> {
    let mut plans = Vec::new();
    let at = |key: &str| format!("{name}[{key}]");
    // A document that is missing or refused is None; refusals are reported.
    let mut meta = |key: &str, errors: &mut Vec<(String, ImageError)>| match get_meta(key) {
        Ok(b) => b,
        Err(e) => {
            errors.push((at(key), e));
            None
        }
    };
    if let Some(bytes) = meta("manifest.json", errors) {
        match serde_json::from_slice::<Vec<DockerSaveEntry>>(&bytes) {
            Ok(entries) => {
                for e in entries {
                    let tag = e.repo_tags.as_ref().and_then(|t| t.first().cloned());
                    let config = match member_name(&e.config) {
                        Ok(key) => {
                            let c = meta(&key, errors);
                            if c.is_none() {
                                errors.push((name.to_string(), ImageError::MissingBlob(key)));
                            }
                            c
                        }
                        Err(err) => {
                            errors.push((name.to_string(), err));
                            None
                        }
                    };
                    let mut layers = Vec::new();
                    for raw in &e.layers {
                        let key = match member_name(raw) {
                            Ok(k) => k,
                            Err(err) => {
                                errors.push((name.to_string(), err));
                                layers.push(PlanLayer {
                                    key: raw.chars().take(200).collect(),
                                    reported: true,
                                    ..PlanLayer::default()
                                });
                                continue;
                            }
                        };
                        let expected = digest_of_key(&key);
                        let (record, reported) = match get_layer(&key, expected.as_deref()) {
                            Ok(r) => (r, false),
                            Err(err) => {
                                errors.push((at(&key), err));
                                (None, true)
                            }
                        };
                        layers.push(PlanLayer {
                            key,
                            record,
                            expected_blob: expected,
                            reported,
                        });
                    }
                    plans.push(Plan {
                        image: name.to_string(),
                        tag,
                        platform: None,
                        config,
                        config_expected: member_name(&e.config)
                            .ok()
                            .and_then(|k| digest_of_key(&k)),
                        layers,
                    });
                }
                return plans;
            }
            Err(e) => errors.push((
                name.to_string(),
                ImageError::BadDocument {
                    what: "manifest.json".into(),
                    message: e.to_string(),
                },
            )),
        }
    }
    let Some(index) = meta("index.json", errors) else {
        return plans;
    };
    let mut fetch = |digest: &str| -> Result<(Vec<u8>, Option<String>), ImageError> {
        match get_meta(&blob_key(digest)?)? {
            Some(b) => Ok((b, None)),
            None => Err(ImageError::MissingBlob(digest.to_string())),
        }
    };
    let manifests = resolve_index(name, &index, None, &mut fetch, options, errors, 0);
    for m in manifests {
        let Some(config_desc) = m.manifest.config.as_ref() else {
            errors.push((
                name.to_string(),
                ImageError::BadDocument {
                    what: "manifest".into(),
                    message: "no config".into(),
                },
            ));
            continue;
        };
        let config = match blob_key(&config_desc.digest).and_then(|k| get_meta(&k)) {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                errors.push((
                    name.to_string(),
                    ImageError::MissingBlob(config_desc.digest.clone()),
                ));
                None
            }
            Err(e) => {
                errors.push((name.to_string(), e));
                None
            }
        };
        let mut layers = Vec::new();
        for d in m.manifest.layers.iter().flatten() {
            let (key, result) = match blob_key(&d.digest) {
                Ok(key) => {
                    let r = get_layer(&key, Some(&d.digest));
                    (key, r)
                }
                Err(e) => (d.digest.chars().take(200).collect(), Err(e)),
            };
            let (record, reported) = match result {
                Ok(r) => (r, false),
                Err(e) => {
                    errors.push((at(&key), e));
                    (None, true)
                }
            };
            layers.push(PlanLayer {
                record,
                key,
                expected_blob: Some(d.digest.clone()),
                reported,
            });
        }
        plans.push(Plan {
            image: name.to_string(),
            tag: m.tag,
            platform: m.platform,
            config,
            config_expected: Some(config_desc.digest.clone()),
            layers,
        });
    }
    plans
}

/// An image manifest chosen from an index.
pub(crate) struct Chosen {
    pub manifest: ManifestOrIndex,
    pub platform: Option<String>,
    pub tag: Option<String>,
}

/// Fetches a document by digest: bytes and content type.
pub(crate) type Fetch<'a> = dyn FnMut(&str) -> Result<(Vec<u8>, Option<String>), ImageError> + 'a;

/// Walks an index (or a lone manifest) down to image manifests, choosing platforms.
pub(crate) fn resolve_index(
    name: &str,
    bytes: &[u8],
    content_type: Option<&str>,
    fetch: &mut Fetch,
    options: &ImageOptions,
    errors: &mut Vec<(String, ImageError)>,
    depth: u32,
) -> Vec<Chosen> {
    let doc: ManifestOrIndex = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => {
            errors.push((
                name.to_string(),
                ImageError::BadDocument {
                    what: "manifest or index".into(),
                    message: e.to_string(),
                },
            ));
            return Vec::new();
        }
    };
    if !doc.is_index(content_type) {
        return vec![Chosen {
            manifest: doc,
            platform: None,
            tag: None,
        }];
    }
    if depth > 4 {
        errors.push((
            name.to_string(),
            ImageError::Unsupported("indexes nested more than 4 deep".into()),
        ));
        return Vec::new();
    }
    let descs = doc.manifests.clone().unwrap_or_default();
    let chosen = match select(&descs, options) {
        Ok(c) => c,
        Err(e) => {
            errors.push((name.to_string(), e));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for d in chosen {
        let (bytes, ct) = match fetch(&d.digest) {
            Ok(x) => x,
            Err(e) => {
                errors.push((name.to_string(), e));
                continue;
            }
        };
        if let Err(e) = digest::verify("manifest", &d.digest, &bytes) {
            errors.push((name.to_string(), e));
            continue;
        }
        let tag = d
            .annotations
            .get("org.opencontainers.image.ref.name")
            .or_else(|| d.annotations.get("io.containerd.image.name"))
            .cloned();
        let platform = d.platform.as_ref().map(model::Platform::label);
        let ct = ct.or_else(|| (!d.media_type.is_empty()).then(|| d.media_type.clone()));
        for mut c in resolve_index(
            name,
            &bytes,
            ct.as_deref(),
            fetch,
            options,
            errors,
            depth + 1,
        ) {
            c.tag = c.tag.or_else(|| tag.clone());
            c.platform = c.platform.or_else(|| platform.clone());
            out.push(c);
        }
    }
    out
}

/// The descriptors of an index to scan: all of them when none states a platform (an OCI layout
/// of several tags); else the one matching the wanted platform, or every real platform.
fn select<'d>(
    descs: &'d [Descriptor],
    options: &ImageOptions,
) -> Result<Vec<&'d Descriptor>, ImageError> {
    if descs.iter().all(|d| d.platform.is_none()) {
        return Ok(descs.iter().collect());
    }
    // Attestation manifests (`unknown/unknown`) hold no filesystem.
    let real: Vec<&Descriptor> = descs
        .iter()
        .filter(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown"))
        .collect();
    if options.all_platforms {
        return Ok(real);
    }
    let wanted = &options.platform;
    if let Some(d) = real
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| wanted.matches(p)))
    {
        return Ok(vec![d]);
    }
    Err(ImageError::Platform {
        wanted: wanted.to_string(),
        available: real
            .iter()
            .filter_map(|d| d.platform.as_ref().map(model::Platform::label))
            .collect::<Vec<_>>()
            .join(", "),
    })
}
