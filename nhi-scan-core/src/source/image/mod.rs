//! Container images: `docker save` tarballs (from a file or a stream such as standard input), OCI
//! image layouts (a directory or its tar), single layer tarballs, and images pulled from a
//! registry over the OCI distribution API.
//!
//! Every file of every layer is scanned, including files a later layer deletes (whiteouts) or
//! replaces: a secret in a lower layer is still in the image. Each location names the image, the
//! layer (index, `diff_id`, the history step that made it), the path, and whether the file is
//! `visible` in the final filesystem. The image config is scanned too: each `Env` entry, label,
//! `Cmd`, `Entrypoint` and history `created_by` (build arguments leak there).
//!
//! How it runs: the calling thread reads (tar, decompression, digests) and sends each file's
//! bytes to scan workers, once per distinct content (BLAKE3) in the whole run, however many
//! layers and images carry it; layers already read in this run (same digest) are not read
//! again. Findings are attributed afterwards, when the manifest and config (which may come last
//! in a stream) say which layer is which. Nothing is extracted to disk; memory holds one file
//! per worker plus the queue, and the entry list of each layer.

mod flatten;
mod layer;
mod local;
mod model;
mod registry;

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use sha2::{Digest, Sha256};

use crate::finding::{Hit, ImageItem, ImageOrigin, Origin};
use crate::scan::{Pipeline, Scan, ScanError};
use crate::source::archive::{ArchiveError, Limits};
use crate::source::blob::{BlobWorker, Emit, Event, LazyOrigin, Shared};
use crate::source::{ScanStats, SourceError};
use layer::{ContentId, EntryKind, Feeder, Job, LayerRecord};
pub use model::PlatformSpec;
pub use registry::{Credentials, Reference, default_docker_config};

/// A problem with an image. The scan reports it (with image, layer and path) and goes on.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Reading the input failed.
    #[error("read error: {0}")]
    Read(#[source] io::Error),
    /// A layer's compression or tar is broken (truncated, corrupt), or an entry is unsafe.
    #[error("{0}")]
    Layer(#[source] ArchiveError),
    /// A digest does not match what the manifest or config states.
    #[error("{what} digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// `layer blob`, `layer diff_id`, `config`, `manifest`.
        what: &'static str,
        /// Stated.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// The manifest names a blob the image does not contain.
    #[error("manifest names a missing blob: {0}")]
    MissingBlob(String),
    /// A JSON document is not what it should be.
    #[error("bad {what}: {message}")]
    BadDocument {
        /// Which document.
        what: String,
        /// Why.
        message: String,
    },
    /// Neither a `docker save` tarball, an OCI layout, nor a layer.
    #[error("not a container image: {0}")]
    NotAnImage(String),
    /// No manifest of the index matches the platform.
    #[error("no image for platform {wanted} (available: {available})")]
    Platform {
        /// Asked for.
        wanted: String,
        /// What the index offers.
        available: String,
    },
    /// The registry answered with an error status.
    #[error("registry: {method} {url}: HTTP {status}{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    Registry {
        /// HTTP method.
        method: &'static str,
        /// The URL (no credentials).
        url: String,
        /// Status code.
        status: u16,
        /// The registry's error text (its `errors[].message`), shortened.
        message: String,
    },
    /// The registry could not be reached or the connection failed.
    #[error("registry: {url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// Not a valid image reference.
    #[error("not an image reference: {0}")]
    Reference(String),
    /// Something the scanner does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A hard link whose target is not an earlier file of the same layer.
    #[error("hard link to {0}, which the layer does not hold before it")]
    DanglingLink(String),
}

/// What to scan: a path, a stream, or a registry reference.
pub enum ImageTarget {
    /// Standard input (a `docker save` or OCI layout tar, maybe compressed).
    Stdin,
    /// A stream holding a `docker save` or OCI layout tar (maybe compressed), read once.
    Reader {
        /// What reports call it.
        name: String,
        /// The stream.
        reader: Box<dyn Read + Send>,
    },
    /// A tarball (docker save, OCI layout, single layer; maybe compressed) or an OCI layout
    /// directory.
    Path(PathBuf),
    /// An image in a registry.
    Registry(Reference),
}

impl std::fmt::Debug for ImageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageTarget::Stdin => f.write_str("Stdin"),
            ImageTarget::Reader { name, .. } => {
                f.debug_struct("Reader").field("name", name).finish()
            }
            ImageTarget::Path(p) => f.debug_tuple("Path").field(p).finish(),
            ImageTarget::Registry(r) => f.debug_tuple("Registry").field(r).finish(),
        }
    }
}

impl ImageTarget {
    /// `-` is standard input; an existing path is a path; anything else must parse as a
    /// registry reference (`host[:port]/name[:tag][@digest]`, Docker Hub short names too).
    pub fn parse(s: &str) -> Result<ImageTarget, ImageError> {
        if s == "-" {
            return Ok(ImageTarget::Stdin);
        }
        if Path::new(s).exists() {
            return Ok(ImageTarget::Path(s.into()));
        }
        Reference::parse(s).map(ImageTarget::Registry)
    }
}

/// How to scan images.
#[derive(Debug, Clone, Default)]
pub struct ImageOptions {
    /// Platform chosen from multi-platform indexes (default `linux/amd64`).
    pub platform: PlatformSpec,
    /// Scan every platform of an index instead.
    pub all_platforms: bool,
    /// Allow plain HTTP to registries (loopback or test registries).
    pub insecure_registry: bool,
    /// Registry credentials given by the caller; they win over the Docker config.
    pub credentials: Option<Credentials>,
    /// A Docker `config.json` to take registry credentials from (see [`default_docker_config`]).
    pub docker_config: Option<PathBuf>,
}

/// Counts particular to images.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImageSummary {
    /// Images (one per platform) whose layers were attributed.
    pub images: u64,
    /// Layers read.
    pub layers_read: u64,
    /// Layers not read again because this run had read the same digest already.
    pub layers_reused: u64,
    /// Regular files found in layers (every occurrence).
    pub layer_files: u64,
    /// Of those, distinct contents (each scanned once).
    pub distinct_contents: u64,
    /// Config items scanned (Env entries, labels, Cmd, Entrypoint, history steps).
    pub config_items: u64,
}

/// Hits in distinct contents, by content; origins are rooted at a placeholder
/// ([`Origin::Buffer`]) replaced by each real location at attribution.
pub(crate) type Results = Mutex<HashMap<ContentId, Vec<Hit>>>;

/// Files sent to the workers and not yet scanned: attribution waits for none to be left.
#[derive(Default)]
pub(crate) struct Pending {
    count: Mutex<usize>,
    idle: Condvar,
}

impl Pending {
    pub(crate) fn add(&self) {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    }

    pub(crate) fn done(&self) {
        let mut n = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.idle.notify_all();
        }
    }

    fn wait_idle(&self) {
        let mut n = self.count.lock().unwrap_or_else(|e| e.into_inner());
        while *n > 0 {
            n = self.idle.wait(n).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Keeps hits (for attribution later) and passes everything else on.
pub(crate) struct Collect<'a> {
    pub hits: Vec<Hit>,
    pub forward: &'a mut dyn Emit,
}

impl Emit for Collect<'_> {
    fn emit(&mut self, event: Event) {
        match event {
            Event::Hits(h) => self.hits.extend(h),
            other => self.forward.emit(other),
        }
    }
}

/// One image to attribute: its config and layers in order.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The image as given (path or reference).
    pub image: String,
    /// Tag or name inside the archive, when it states one.
    pub tag: Option<String>,
    pub platform: Option<String>,
    pub config: Option<Vec<u8>>,
    /// Stated digest of the config, when the manifest names it so.
    pub config_expected: Option<String>,
    pub layers: Vec<PlanLayer>,
}

#[derive(Debug, Default)]
pub(crate) struct PlanLayer {
    /// Name of the blob (path inside the archive, or digest).
    pub key: String,
    /// Digest the manifest states for the blob as stored.
    pub expected_blob: Option<String>,
    pub record: Option<Arc<LayerRecord>>,
    /// A fetch error was already reported: do not report it missing as well.
    pub reported: bool,
}

/// Layers read in this run, by blob digest and by `diff_id`.
pub(crate) type LayerCache = HashMap<String, Arc<LayerRecord>>;

/// The `image` source: targets scanned in order, sharing one content cache (several images in
/// one run scan each distinct file once) and one layer cache.
pub struct Images {
    targets: Vec<ImageTarget>,
    options: ImageOptions,
    summary: Option<Arc<Mutex<ImageSummary>>>,
}

impl std::fmt::Debug for Images {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Images")
            .field("targets", &self.targets)
            .field("options", &self.options)
            .finish()
    }
}

impl Images {
    /// These targets, with default options.
    pub fn new(targets: impl IntoIterator<Item = ImageTarget>) -> Images {
        Images {
            targets: targets.into_iter().collect(),
            options: ImageOptions::default(),
            summary: None,
        }
    }

    /// Platform, registry and credential options.
    pub fn options(mut self, options: ImageOptions) -> Images {
        self.options = options;
        self
    }

    /// Where to leave the image counters when the scan ends.
    pub fn summary(mut self, summary: Arc<Mutex<ImageSummary>>) -> Images {
        self.summary = Some(summary);
        self
    }
}

/// Runs the image source: a reading thread (tar, decompression, digests, attribution), scan
/// workers, and the calling thread feeding the pipeline.
pub(crate) fn run(
    scan: &Scan,
    images: Images,
    shared: &Shared<'_>,
    pipeline: &mut Pipeline<'_>,
) -> Result<ScanStats, ScanError> {
    let threads = scan.threads();
    let (events_tx, events_rx) = sync_channel::<Event>(1024);
    let (jobs_tx, jobs_rx) = sync_channel::<Job>(threads * 2);
    let jobs_rx = Mutex::new(jobs_rx);
    let results: Results = Mutex::new(HashMap::new());
    let pending = Pending::default();
    let stats = Mutex::new(ScanStats::default());
    let Images {
        targets,
        options,
        summary: summary_out,
    } = images;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = events_tx.clone();
            let (jobs_rx, results, pending, stats) = (&jobs_rx, &results, &pending, &stats);
            s.spawn(move || worker(shared, jobs_rx, results, pending, tx, stats));
        }
        let tx = events_tx.clone();
        let (results, pending, stats, options) = (&results, &pending, &stats, &options);
        s.spawn(move || {
            let mut state = State {
                options,
                seen: HashSet::new(),
                results,
                pending,
                layers: HashMap::new(),
                summary: ImageSummary::default(),
                events: tx,
                jobs: jobs_tx,
                big: BlobWorker::new(shared),
            };
            for target in targets {
                if (shared.stop)() {
                    break;
                }
                state.scan(target);
            }
            state.summary.distinct_contents = state.seen.len() as u64;
            stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .absorb(&state.big.stats);
            if let Some(out) = summary_out {
                *out.lock().unwrap_or_else(|e| e.into_inner()) = state.summary.clone();
            }
        });
        drop(events_tx);
        pipeline.drain(events_rx);
    });
    Ok(stats.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// The reading thread's state across the targets of one run.
struct State<'a> {
    options: &'a ImageOptions,
    seen: HashSet<ContentId>,
    results: &'a Results,
    pending: &'a Pending,
    layers: LayerCache,
    summary: ImageSummary,
    events: SyncSender<Event>,
    jobs: SyncSender<Job>,
    big: BlobWorker<'a>,
}

impl State<'_> {
    fn error(&mut self, location: String, source: ImageError) {
        self.events
            .emit(Event::Error(SourceError::Image { location, source }));
    }

    fn scan(&mut self, target: ImageTarget) {
        match target {
            ImageTarget::Stdin => {
                let stdin = io::stdin();
                let mut lock = stdin.lock();
                self.scan_reader("-", &mut lock);
            }
            ImageTarget::Reader { name, mut reader } => self.scan_reader(&name, &mut reader),
            ImageTarget::Path(p) => self.scan_path(&p),
            ImageTarget::Registry(r) => self.scan_registry(&r),
        }
    }

    /// An image tarball from a stream (read once, front to back).
    fn scan_reader(&mut self, name: &str, reader: &mut dyn Read) {
        let read = self.read(|feeder, _, cache| local::read_tar(reader, name, cache, feeder));
        let mut errors = Vec::new();
        let plans = local::plans_from_tar(name, &read, self.options, &mut errors);
        for (location, e) in errors {
            self.error(location, e);
        }
        self.finish_plans(plans, Some((name, read)));
    }

    /// A tarball or an OCI layout directory.
    fn scan_path(&mut self, path: &Path) {
        let name = path.display().to_string();
        if path.is_dir() {
            let plans = self.read(|feeder, options, layers| {
                local::read_dir(path, &name, options, layers, feeder)
            });
            self.finish_plans(plans, None);
            return;
        }
        match std::fs::File::open(path) {
            Ok(f) => {
                let mut r = io::BufReader::with_capacity(256 * 1024, f);
                self.scan_reader(&name, &mut r);
            }
            Err(e) => self.error(name, ImageError::Read(e)),
        }
    }

    /// An image in a registry.
    fn scan_registry(&mut self, reference: &Reference) {
        let plans =
            self.read(|feeder, options, layers| registry::pull(reference, options, layers, feeder));
        self.finish_plans(plans, None);
    }

    /// Runs `read` with a feeder, then waits until the workers have scanned all it sent.
    fn read<T>(
        &mut self,
        read: impl FnOnce(&mut Feeder, &ImageOptions, &mut LayerCache) -> T,
    ) -> T {
        let mut events = self.events.clone();
        let mut feeder = Feeder {
            jobs: &self.jobs,
            seen: &mut self.seen,
            events: &mut events,
            pending: self.pending,
            big: &mut self.big,
            results: self.results,
            limits: Limits::default().unbounded(),
            summary: &mut self.summary,
        };
        let out = read(&mut feeder, self.options, &mut self.layers);
        self.pending.wait_idle();
        out
    }

    fn finish_plans(&mut self, plans: Vec<Plan>, read: Option<(&str, local::TarRead)>) {
        let had_plans = !plans.is_empty();
        let used: HashSet<String> = plans
            .iter()
            .flat_map(|p| p.layers.iter().map(|l| l.key.clone()))
            .collect();
        for plan in plans {
            self.attribute(plan);
        }
        if let Some((name, read)) = read {
            let outer = Arc::new(if name == "-" {
                Origin::Buffer { name: "-".into() }
            } else {
                Origin::file(name)
            });
            // Layers no manifest names (a stream cut before its manifest): their files are
            // still reported, as members of the blob inside the tarball.
            let mut orphans: Vec<(&String, &Arc<LayerRecord>)> = read
                .layers
                .iter()
                .filter(|(k, _)| !used.contains(*k))
                .collect();
            orphans.sort_by_key(|(k, _)| *k);
            for (key, record) in orphans {
                self.error(
                    format!("{name}[{key}]"),
                    ImageError::NotAnImage(
                        "a layer no manifest names; its files are reported as members of the tarball"
                            .into(),
                    ),
                );
                let blob = Arc::new(Origin::Archive {
                    outer: Arc::clone(&outer),
                    member: key.clone(),
                });
                for e in &record.entries {
                    if let EntryKind::File(Some(id)) = e.kind {
                        let origin = Arc::new(Origin::Archive {
                            outer: Arc::clone(&blob),
                            member: e.path.clone(),
                        });
                        self.emit(&id, &origin);
                    }
                }
            }
            let loose = read.loose;
            if !had_plans && !loose.entries.is_empty() {
                // No manifest: a single layer tarball.
                let plan = Plan {
                    image: name.to_string(),
                    layers: vec![PlanLayer {
                        key: name.to_string(),
                        record: Some(Arc::new(loose)),
                        ..PlanLayer::default()
                    }],
                    ..Plan::default()
                };
                self.attribute(plan);
            } else if had_plans {
                // Files beside the image's own: members of the tarball.
                for e in &loose.entries {
                    if let EntryKind::File(Some(id)) = e.kind {
                        let origin = Arc::new(Origin::Archive {
                            outer: Arc::clone(&outer),
                            member: e.path.clone(),
                        });
                        self.emit(&id, &origin);
                    }
                }
            } else if read.layers.is_empty() {
                self.error(
                    name.to_string(),
                    ImageError::NotAnImage("no manifest.json, index.json or files".into()),
                );
            }
        }
    }

    /// Reports the hits of content `id` at `root`.
    fn emit(&mut self, id: &ContentId, root: &Arc<Origin>) {
        let hits: Vec<Hit> = {
            let results = self.results.lock().unwrap_or_else(|e| e.into_inner());
            let Some(found) = results.get(id) else {
                return;
            };
            found
                .iter()
                .map(|h| {
                    let mut h = h.clone();
                    h.location.origin = reroot(&h.location.origin, root);
                    h
                })
                .collect()
        };
        self.events.emit(Event::Hits(hits));
    }

    /// Verifies, flattens and attributes one image.
    fn attribute(&mut self, plan: Plan) {
        let image = plan.image.clone();
        let where_ = match &plan.tag {
            Some(t) => format!("{image} ({t})"),
            None => image.clone(),
        };
        let config_digest = plan
            .config
            .as_ref()
            .map(|c| format!("sha256:{}", layer::hex(&Sha256::digest(c))));
        if let (Some(expected), Some(actual)) = (&plan.config_expected, &config_digest)
            && expected != actual
        {
            self.error(
                where_.clone(),
                ImageError::DigestMismatch {
                    what: "config",
                    expected: expected.clone(),
                    actual: actual.clone(),
                },
            );
        }
        let config: model::ImageConfig = match &plan.config {
            Some(bytes) => match serde_json::from_slice(bytes) {
                Ok(c) => c,
                Err(e) => {
                    self.error(
                        where_.clone(),
                        ImageError::BadDocument {
                            what: "image config".into(),
                            message: e.to_string(),
                        },
                    );
                    model::ImageConfig::default()
                }
            },
            None => model::ImageConfig::default(),
        };
        let platform = plan.platform.clone().or_else(|| config.platform());
        let diff_ids = config
            .rootfs
            .as_ref()
            .map(|r| r.diff_ids.clone())
            .unwrap_or_default();
        if plan.config.is_some() && diff_ids.len() != plan.layers.len() {
            self.error(
                where_.clone(),
                ImageError::BadDocument {
                    what: "image config".into(),
                    message: format!(
                        "{} diff_ids for {} layers",
                        diff_ids.len(),
                        plan.layers.len()
                    ),
                },
            );
        }
        let history_of_layer = config.layer_history();
        let empty = LayerRecord::default();
        let mut records: Vec<&LayerRecord> = Vec::new();
        for (i, l) in plan.layers.iter().enumerate() {
            let at = format!("{where_}[layer {i} {}]", l.key);
            match &l.record {
                None => {
                    if !l.reported {
                        self.events.emit(Event::Error(SourceError::Image {
                            location: at,
                            source: ImageError::MissingBlob(l.key.clone()),
                        }));
                    }
                    records.push(&empty);
                    continue;
                }
                Some(r) => records.push(r),
            }
            let r = records[i];
            if let (Some(expected), Some(actual)) = (&l.expected_blob, &r.blob_digest)
                && expected != actual
            {
                self.events.emit(Event::Error(SourceError::Image {
                    location: at.clone(),
                    source: ImageError::DigestMismatch {
                        what: "layer blob",
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                }));
            }
            if let (Some(expected), Some(actual)) = (diff_ids.get(i), &r.diff_id)
                && expected != actual
            {
                self.events.emit(Event::Error(SourceError::Image {
                    location: at,
                    source: ImageError::DigestMismatch {
                        what: "layer diff_id",
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                }));
            }
        }
        let entry_lists: Vec<&[layer::Entry]> = records.iter().map(|r| &r.entries[..]).collect();
        let visible = flatten::visibility(&entry_lists);
        let base = ImageOrigin {
            image: image.clone(),
            tag: plan.tag.clone(),
            image_digest: config_digest.clone(),
            platform: platform.clone(),
            item: ImageItem::LayerFile,
            layer_index: None,
            layer_digest: None,
            created_by: None,
            created: None,
            path: String::new(),
            visible: true,
        };
        let mut emits: Vec<(ContentId, Arc<Origin>)> = Vec::new();
        let mut link_errors = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let hist = history_of_layer.get(i).and_then(|&h| config.history.get(h));
            let layer_digest = diff_ids.get(i).cloned().or_else(|| r.diff_id.clone());
            let mut by_path: HashMap<&str, ContentId> = HashMap::new();
            for (j, e) in r.entries.iter().enumerate() {
                let id = match &e.kind {
                    EntryKind::File(id) => {
                        self.summary.layer_files += 1;
                        if let Some(id) = id {
                            by_path.insert(e.path.as_str(), *id);
                        }
                        *id
                    }
                    EntryKind::HardLink(target) => match by_path.get(target.as_str()) {
                        Some(id) => Some(*id),
                        None => {
                            link_errors
                                .push((format!("{where_}[layer {i}]:{}", e.path), target.clone()));
                            None
                        }
                    },
                    _ => None,
                };
                let Some(id) = id else { continue };
                if !self.results_has(&id) {
                    continue;
                }
                let origin = Origin::Image(Box::new(ImageOrigin {
                    layer_index: Some(i as u32),
                    layer_digest: layer_digest.clone(),
                    created_by: hist.and_then(|h| h.created_by.clone()),
                    created: hist.and_then(|h| h.created.clone()),
                    path: e.path.clone(),
                    visible: visible[i][j],
                    ..base.clone()
                }));
                emits.push((id, Arc::new(origin)));
            }
        }
        for (at, target) in link_errors {
            self.error(at, ImageError::DanglingLink(target));
        }
        for (id, origin) in emits {
            self.emit(&id, &origin);
        }
        self.config_items(&base, &config, &history_of_layer);
        self.summary.images += 1;
    }

    fn results_has(&self, id: &ContentId) -> bool {
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }

    /// Scans Env, Labels, Cmd, Entrypoint and history, each as its own item.
    fn config_items(
        &mut self,
        base: &ImageOrigin,
        config: &model::ImageConfig,
        history_of_layer: &[usize],
    ) {
        // (kind, path, text, layer index, created)
        type Item = (ImageItem, String, String, Option<u32>, Option<String>);
        let mut items: Vec<Item> = Vec::new();
        if let Some(run) = &config.config {
            for e in run.env.iter().flatten() {
                let name = e.split('=').next().unwrap_or("").to_string();
                items.push((ImageItem::Env, name, e.clone(), None, None));
            }
            for (k, v) in run.labels.iter().flatten() {
                items.push((ImageItem::Label, k.clone(), format!("{k}={v}"), None, None));
            }
            if let Some(cmd) = &run.cmd {
                items.push((ImageItem::Cmd, "Cmd".into(), cmd.join(" "), None, None));
            }
            if let Some(ep) = &run.entrypoint {
                items.push((
                    ImageItem::Entrypoint,
                    "Entrypoint".into(),
                    ep.join(" "),
                    None,
                    None,
                ));
            }
        }
        for (n, h) in config.history.iter().enumerate() {
            let Some(by) = &h.created_by else { continue };
            let layer = history_of_layer
                .iter()
                .position(|&x| x == n)
                .map(|l| l as u32);
            items.push((
                ImageItem::History,
                format!("history[{n}]"),
                by.clone(),
                layer,
                h.created.clone(),
            ));
        }
        for (item, path, text, layer_index, created) in items {
            self.summary.config_items += 1;
            let origin = Origin::Image(Box::new(ImageOrigin {
                item,
                path,
                layer_index,
                created_by: None,
                created,
                visible: true,
                ..base.clone()
            }));
            let mut origin = Some(origin);
            let mut make = || {
                origin.take().unwrap_or(Origin::Buffer {
                    name: String::new(),
                })
            };
            let mut lazy = LazyOrigin::new(&mut make);
            let mut events = self.events.clone();
            self.big
                .bytes(&mut lazy, text.as_bytes(), None, &mut events);
        }
    }
}

/// Replaces the placeholder at the root of an origin chain with `root`.
fn reroot(origin: &Arc<Origin>, root: &Arc<Origin>) -> Arc<Origin> {
    match &**origin {
        Origin::Archive { outer, member } => Arc::new(Origin::Archive {
            outer: reroot(outer, root),
            member: member.clone(),
        }),
        _ => Arc::clone(root),
    }
}

/// A scan worker: takes files off the queue until it closes.
fn worker(
    shared: &Shared<'_>,
    rx: &Mutex<Receiver<Job>>,
    results: &Results,
    pending: &Pending,
    mut events: SyncSender<Event>,
    stats: &Mutex<ScanStats>,
) {
    let mut blob = BlobWorker::new(shared);
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
            rx.recv()
        };
        let Ok(job) = job else { break };
        if !blob.stopped() {
            let label = job.label;
            let mut make = || Origin::Buffer {
                name: label.clone(),
            };
            let mut origin = LazyOrigin::new(&mut make);
            let mut collect = Collect {
                hits: Vec::new(),
                forward: &mut events,
            };
            blob.bytes(&mut origin, &job.bytes, None, &mut collect);
            let hits = collect.hits;
            if !hits.is_empty() {
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(job.id, hits);
            }
        }
        pending.done();
    }
    stats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .absorb(&blob.stats);
}
