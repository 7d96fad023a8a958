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

use sha2::{Digest, Sha256};

use super::layer::{Feeder, Hashing, LayerRecord, LayerVisitor, hex, normalize, read_layer};
use super::model::{self, Descriptor, DockerSaveEntry, ManifestOrIndex};
use super::{ImageError, ImageOptions, LayerCache, Plan, PlanLayer};
use crate::source::archive::{
    ArchiveError, Budget, Format, Input, Member, MemberKind, SNIFF_LEN, Visitor, decoder,
    for_each_member, read_head, sniff,
};

/// JSON documents larger than this are not image metadata.
const META_MAX: u64 = 64 << 20;

/// What one pass over an image tarball found.
#[derive(Debug, Default)]
pub(crate) struct TarRead {
    /// Small JSON entries by normalised path.
    pub meta: HashMap<String, Vec<u8>>,
    /// Layer blobs by normalised path.
    pub layers: HashMap<String, Arc<LayerRecord>>,
    /// Other entries: the files of a single layer tarball.
    pub loose: LayerRecord,
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

/// `sha256:abc` -> `blobs/sha256/abc`.
pub(crate) fn blob_key(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) => format!("blobs/{alg}/{hex}"),
        None => format!("blobs/{digest}"),
    }
}

/// The digest a path names (`blobs/sha256/abc`, or a legacy `abc.json` config), if any.
fn digest_of_key(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    if parts.len() == 3 && parts[0] == "blobs" {
        return Some(format!("{}:{}", parts[1], parts[2]));
    }
    let hex = key.strip_suffix(".json")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("sha256:{hex}"))
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
    let head = match read_head(reader, SNIFF_LEN) {
        Ok(h) => h,
        Err(e) => {
            feeder.error(name.to_string(), ImageError::Read(e));
            return out;
        }
    };
    let mut chained = Cursor::new(head.as_slice()).chain(reader);
    let stream: Box<dyn Read + '_> = match sniff(&head, name) {
        Some(f @ (Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz)) => {
            match decoder(f, &mut chained) {
                Ok(d) => d,
                Err(e) => {
                    feeder.error(name.to_string(), ImageError::Read(e));
                    return out;
                }
            }
        }
        Some(Format::Tar) => Box::new(chained),
        Some(Format::Zip) | None => {
            feeder.error(
                name.to_string(),
                ImageError::NotAnImage("not a tar archive".into()),
            );
            return out;
        }
    };
    let mut hashed = Hashing::new(stream);
    let mut failed = false;
    {
        let mut visitor = Outer {
            feeder: &mut *feeder,
            cache,
            name,
            out: &mut out,
            failed: &mut failed,
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
}

impl Visitor for Outer<'_, '_, '_> {
    fn member(&mut self, member: &Member<'_>, data: &mut dyn Read) -> io::Result<()> {
        let path = normalize(member.name);
        let size = member.size.unwrap_or(0);
        if member.kind == MemberKind::File {
            if is_meta(&path) && size <= META_MAX {
                let mut bytes = Vec::new();
                data.read_to_end(&mut bytes)?;
                self.out.meta.insert(path, bytes);
                return Ok(());
            }
            if is_blob(&path) {
                // A blob named by its digest that this run has read already (a base layer
                // shared by several images): not read again.
                if let Some(r) = digest_of_key(&path).and_then(|d| self.cache.get(&d)) {
                    self.feeder.summary.layers_reused += 1;
                    self.out.layers.insert(path, Arc::clone(r));
                    return Ok(());
                }
                let head = read_head(data, SNIFF_LEN)?;
                if looks_json(&head) && size <= META_MAX {
                    let mut bytes = head;
                    data.read_to_end(&mut bytes)?;
                    self.out.meta.insert(path, bytes);
                    return Ok(());
                }
                let label = format!("{}[{path}]", self.name);
                let mut chained = Cursor::new(head.as_slice()).chain(data);
                let record = Arc::new(read_layer(&mut chained, &label, self.feeder));
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
        };
        loose.member(member, data)
    }

    fn error(&mut self, error: ArchiveError) {
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
    let mut get_meta = |key: &str| read.meta.get(key).cloned();
    let mut get_layer = |key: &str, _: Option<&str>| read.layers.get(key).cloned();
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
    let mut get_meta = |key: &str| -> Option<Vec<u8>> {
        let f = File::open(dir.join(key)).ok()?;
        let mut bytes = Vec::new();
        f.take(META_MAX).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    };
    let mut read_errors = Vec::new();
    let mut get_layer = |key: &str, expected: Option<&str>| -> Option<Arc<LayerRecord>> {
        if let Some(r) = expected.and_then(|d| cache.get(d)) {
            feeder.summary.layers_reused += 1;
            return Some(Arc::clone(r));
        }
        let file = match File::open(dir.join(key)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                read_errors.push((format!("{name}[{key}]"), ImageError::Read(e)));
                return None;
            }
        };
        let mut r = io::BufReader::with_capacity(256 * 1024, file);
        let record = Arc::new(read_layer(&mut r, &format!("{name}[{key}]"), feeder));
        feeder.summary.layers_read += 1;
        for d in [&record.blob_digest, &record.diff_id].into_iter().flatten() {
            cache.insert(d.clone(), Arc::clone(&record));
        }
        Some(record)
    };
    let plans = plans_from_meta(name, &mut get_meta, &mut get_layer, options, &mut errors);
    if plans.is_empty() && errors.is_empty() {
        errors.push((
            name.to_string(),
            ImageError::NotAnImage("no manifest.json or index.json in the directory".into()),
        ));
    }
    for (location, e) in errors.into_iter().chain(read_errors) {
        feeder.error(location, e);
    }
    plans
}

type GetMeta<'a> = dyn FnMut(&str) -> Option<Vec<u8>> + 'a;
type GetLayer<'a> = dyn FnMut(&str, Option<&str>) -> Option<Arc<LayerRecord>> + 'a;

/// Builds the plans from `manifest.json` (docker save) or else `index.json` (OCI layout).
fn plans_from_meta(
    name: &str,
    get_meta: &mut GetMeta,
    get_layer: &mut GetLayer,
    options: &ImageOptions,
    errors: &mut Vec<(String, ImageError)>,
) -> Vec<Plan> {
    let mut plans = Vec::new();
    if let Some(bytes) = get_meta("manifest.json") {
        match serde_json::from_slice::<Vec<DockerSaveEntry>>(&bytes) {
            Ok(entries) => {
                for e in entries {
                    let tag = e.repo_tags.as_ref().and_then(|t| t.first().cloned());
                    let config = get_meta(&e.config);
                    if config.is_none() {
                        errors.push((name.to_string(), ImageError::MissingBlob(e.config.clone())));
                    }
                    let layers = e
                        .layers
                        .iter()
                        .map(|key| {
                            let expected = digest_of_key(key);
                            PlanLayer {
                                key: key.clone(),
                                record: get_layer(key, expected.as_deref()),
                                expected_blob: expected,
                                reported: false,
                            }
                        })
                        .collect();
                    plans.push(Plan {
                        image: name.to_string(),
                        tag,
                        platform: None,
                        config,
                        config_expected: digest_of_key(&e.config),
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
    let Some(index) = get_meta("index.json") else {
        return plans;
    };
    let mut fetch = |digest: &str| -> Result<(Vec<u8>, Option<String>), ImageError> {
        match get_meta(&blob_key(digest)) {
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
        let config = get_meta(&blob_key(&config_desc.digest));
        if config.is_none() {
            errors.push((
                name.to_string(),
                ImageError::MissingBlob(config_desc.digest.clone()),
            ));
        }
        let layers = m
            .manifest
            .layers
            .iter()
            .flatten()
            .map(|d| {
                let key = blob_key(&d.digest);
                PlanLayer {
                    record: get_layer(&key, Some(&d.digest)),
                    key,
                    expected_blob: Some(d.digest.clone()),
                    reported: false,
                }
            })
            .collect();
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
        let actual = format!("sha256:{}", hex(&Sha256::digest(&bytes)));
        if d.digest.starts_with("sha256:") && actual != d.digest {
            errors.push((
                name.to_string(),
                ImageError::DigestMismatch {
                    what: "manifest",
                    expected: d.digest.clone(),
                    actual,
                },
            ));
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
