//! The JSON documents of container images: `docker save`'s `manifest.json`, OCI indexes and
//! manifests (and Docker's v2 equivalents, same shape), and the image config. Only the fields the
//! scan reads; unknown fields are ignored, missing ones default.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Media types of manifests and indexes (OCI and Docker v2).
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// One entry of `docker save`'s `manifest.json` (an array of them).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DockerSaveEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
}

/// A content descriptor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub platform: Option<Platform>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A platform as indexes state it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn label(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// An OCI index or Docker manifest list, or an OCI/Docker image manifest: told apart by which
/// of `manifests` and `layers` is present (and the media type, when stated).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManifestOrIndex {
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

impl ManifestOrIndex {
    /// True for an index or manifest list.
    pub fn is_index(&self, content_type: Option<&str>) -> bool {
        let mt = content_type
            .filter(|c| !c.is_empty())
            .or(self.media_type.as_deref())
            .unwrap_or("");
        mt.starts_with(OCI_INDEX)
            || mt.starts_with(DOCKER_LIST)
            || (self.manifests.is_some() && self.layers.is_none())
    }
}

/// The image config (`application/vnd.oci.image.config.v1+json`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ImageConfig {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub config: Option<RunConfig>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
    #[serde(default)]
    pub history: Vec<History>,
}

/// The part of the config a container runs with.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RunConfig {
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
}

/// The layers' uncompressed digests, bottom first.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// One build step.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

impl ImageConfig {
    /// The platform the config states.
    pub fn platform(&self) -> Option<String> {
        (!self.os.is_empty() || !self.architecture.is_empty()).then(|| {
            Platform {
                architecture: self.architecture.clone(),
                os: self.os.clone(),
                variant: self.variant.clone(),
            }
            .label()
        })
    }

    /// For each layer (by index), the history entry that made it: entries with `empty_layer`
    /// make none. Returns the history index per layer.
    pub fn layer_history(&self) -> Vec<usize> {
        self.history
            .iter()
            .enumerate()
            .filter(|(_, h)| h.empty_layer != Some(true))
            .map(|(i, _)| i)
            .collect()
    }
}

/// A platform wanted by the caller: `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSpec {
    /// Operating system (`linux`).
    pub os: String,
    /// CPU architecture (`amd64`, `arm64`).
    pub architecture: String,
    /// Variant (`v8`), when it matters.
    pub variant: Option<String>,
}

impl Default for PlatformSpec {
    fn default() -> Self {
        PlatformSpec {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl PlatformSpec {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<PlatformSpec> {
        let mut it = s.split('/');
        let os = it.next().filter(|x| !x.is_empty())?;
        let architecture = it.next().filter(|x| !x.is_empty())?;
        let variant = it.next().map(str::to_string);
        if it.next().is_some() {
            return None;
        }
        Some(PlatformSpec {
            os: os.into(),
            architecture: architecture.into(),
            variant,
        })
    }

    pub(crate) fn matches(&self, p: &Platform) -> bool {
        p.os == self.os
            && p.architecture == self.architecture
            && match &self.variant {
                Some(v) => p.variant.as_deref() == Some(v.as_str()),
                None => true,
            }
    }
}

impl std::fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.variant {
            Some(v) => write!(f, "{}/{}/{v}", self.os, self.architecture),
            None => write!(f, "{}/{}", self.os, self.architecture),
        }
    }
}
