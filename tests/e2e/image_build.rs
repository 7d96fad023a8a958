//! Builds container images in test code: layer tars (files, whiteouts, opaque directories, links,
//! devices, unsafe paths), compressed with gzip or zstd, assembled as `docker save` tarballs
//! (legacy and OCI forms), OCI layout directories and tars, and pushed to a registry over the
//! distribution API. Nothing here is copied from a real image.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

pub fn hex_of(digest: &str) -> &str {
    digest.split_once(':').map_or(digest, |(_, h)| h)
}

/// One tar entry of a layer.
#[derive(Clone)]
pub enum Item {
    File(String, Vec<u8>),
    Dir(String),
    /// `.wh.NAME` in the parent of the path: deletes the path below.
    Whiteout(String),
    /// `DIR/.wh..wh..opq`.
    Opaque(String),
    HardLink(String, String),
    Symlink(String, String),
    CharDevice(String),
    /// A name written raw into the header (`..`, absolute).
    RawName(Vec<u8>, Vec<u8>),
}

pub fn file(path: &str, data: impl AsRef<[u8]>) -> Item {
    Item::File(path.into(), data.as_ref().to_vec())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// A layer: its items and the history step that made it.
#[derive(Clone)]
pub struct Layer {
    pub items: Vec<Item>,
    pub created_by: String,
}

/// An image to build.
#[derive(Clone, Default)]
pub struct Spec {
    pub layers: Vec<Layer>,
    pub env: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub cmd: Vec<String>,
    /// Extra history entries with no layer, appended after the layers' own.
    pub empty_history: Vec<String>,
    pub architecture: String,
}

pub fn layer_tar(items: &[Item]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for item in items {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        match item {
            Item::File(p, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, p, data.as_slice()).unwrap();
            }
            Item::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, format!("{p}/"), &[][..]).unwrap();
            }
            Item::Whiteout(p) => {
                let (dir, name) = p.rsplit_once('/').map_or(("", p.as_str()), |(d, n)| (d, n));
                let wh = if dir.is_empty() {
                    format!(".wh.{name}")
                } else {
                    format!("{dir}/.wh.{name}")
                };
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, wh, &[][..]).unwrap();
            }
            Item::Opaque(dir) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, format!("{dir}/.wh..wh..opq"), &[][..])
                    .unwrap();
            }
            Item::HardLink(p, target) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            Item::Symlink(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            Item::CharDevice(p) => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_size(0);
                h.set_device_major(1).unwrap();
                h.set_device_minor(3).unwrap();
                h.set_cksum();
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            Item::RawName(name, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                h.as_old_mut().name[..name.len()].copy_from_slice(name);
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn compress(data: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => zstd::stream::encode_all(data, 1).unwrap(),
    }
}

fn media_type(c: Compression) -> &'static str {
    match c {
        Compression::None => "application/vnd.oci.image.layer.v1.tar",
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

/// A built image: config, layer blobs (as stored) and the OCI manifest.
pub struct Built {
    pub config: Vec<u8>,
    pub blobs: Vec<Vec<u8>>,
    pub diff_ids: Vec<String>,
    pub manifest: Vec<u8>,
}

impl Built {
    pub fn config_digest(&self) -> String {
        sha256(&self.config)
    }

    pub fn manifest_digest(&self) -> String {
        sha256(&self.manifest)
    }
}

pub fn build(spec: &Spec, c: Compression) -> Built {
    let tars: Vec<Vec<u8>> = spec.layers.iter().map(|l| layer_tar(&l.items)).collect();
    let diff_ids: Vec<String> = tars.iter().map(|t| sha256(t)).collect();
    let blobs: Vec<Vec<u8>> = tars.iter().map(|t| compress(t, c)).collect();
    let mut history: Vec<serde_json::Value> = spec
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::json!({
                "created": format!("2024-01-0{}T00:00:00Z", i + 1),
                "created_by": l.created_by,
            })
        })
        .collect();
    for h in &spec.empty_history {
        history.push(serde_json::json!({"created_by": h, "empty_layer": true}));
    }
    let labels: serde_json::Map<String, serde_json::Value> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let arch = if spec.architecture.is_empty() {
        "amd64"
    } else {
        &spec.architecture
    };
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": {"Env": spec.env, "Labels": labels, "Cmd": spec.cmd},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha256(&config),
            "size": config.len(),
        },
        "layers": blobs.iter().map(|b| serde_json::json!({
            "mediaType": media_type(c),
            "digest": sha256(b),
            "size": b.len(),
        })).collect::<Vec<_>>(),
    }))
    .unwrap();
    Built {
        config,
        blobs,
        diff_ids,
        manifest,
    }
}

fn tar_add(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    b.append_data(&mut h, path, data).unwrap();
}

/// `docker save` of several images. `legacy`: `<id>/layer.tar` + `<config hex>.json` with the
/// manifest last (Docker < 25); else the OCI form Docker 25+ writes (blobs first, then
/// `index.json`, `manifest.json`, `oci-layout`). Layers are stored uncompressed, as Docker does.
pub fn docker_save(images: &[(&str, &Spec)], legacy: bool) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut manifest = Vec::new();
    let mut index = Vec::new();
    let mut written = std::collections::HashSet::new();
    for (tag, spec) in images {
        let built = build(spec, Compression::None);
        let mut layer_paths = Vec::new();
        for blob in &built.blobs {
            let d = sha256(blob);
            let path = if legacy {
                format!("{}/layer.tar", hex_of(&d))
            } else {
                format!("blobs/sha256/{}", hex_of(&d))
            };
            if written.insert(path.clone()) {
                tar_add(&mut b, &path, blob);
            }
            layer_paths.push(path);
        }
        let config_path = if legacy {
            format!("{}.json", hex_of(&built.config_digest()))
        } else {
            format!("blobs/sha256/{}", hex_of(&built.config_digest()))
        };
        if written.insert(config_path.clone()) {
            tar_add(&mut b, &config_path, &built.config);
        }
        if !legacy {
            tar_add(
                &mut b,
                &format!("blobs/sha256/{}", hex_of(&built.manifest_digest())),
                &built.manifest,
            );
            index.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": built.manifest_digest(),
                "size": built.manifest.len(),
                "annotations": {"io.containerd.image.name": tag},
            }));
        }
        manifest.push(serde_json::json!({
            "Config": config_path, "RepoTags": [tag], "Layers": layer_paths,
        }));
    }
    if !legacy {
        tar_add(
            &mut b,
            "index.json",
            &serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": index}))
                .unwrap(),
        );
    }
    tar_add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    if !legacy {
        tar_add(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    }
    b.into_inner().unwrap()
}

/// The files of an OCI image layout: (path, bytes). Several images become one index with a
/// `org.opencontainers.image.ref.name` each.
pub fn oci_layout(images: &[(&str, &Spec)], c: Compression) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut index = Vec::new();
    for (tag, spec) in images {
        let built = build(spec, c);
        for blob in built.blobs.iter().chain([&built.config, &built.manifest]) {
            files.push((
                format!("blobs/sha256/{}", hex_of(&sha256(blob))),
                blob.clone(),
            ));
        }
        index.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": built.manifest_digest(),
            "size": built.manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }));
    }
    files.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": index})).unwrap(),
    ));
    files
}

pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (p, data) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
}

pub fn tar_files(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, data) in files {
        tar_add(&mut b, p, data);
    }
    b.into_inner().unwrap()
}

pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
