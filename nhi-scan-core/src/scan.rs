//! The library's entry point: [`Scan::builder`] turns configuration (discovered, given, or
//! none), extra rules, a baseline, limits and a thread count into a [`Scan`], which runs any
//! [`Source`] into a [`Sink`] or collects an [`Outcome`].
//!
//! One direction, no arrow back: a source hands each input to the shared blob worker, the
//! engine matches, the worker locates the matches and emits [`Hit`]s, the pipeline here drops
//! what the project has suppressed (allowlists, `.gitleaksignore`, baseline) and passes the
//! rest to the sink. Grouping into findings is a sink ([`Collector`]); validation and reports
//! are stages after it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::config::{Config, ConfigError};
use crate::engine::Scanner;
use crate::finding::{Finding, Hit};
use crate::report::inventory::RepositoryFacts;
use crate::rules::RuleError;
use crate::sink::{Collector, Sink, SinkError};
use crate::source::blob::{BlobWorker, Emit, Event, LazyOrigin, Shared};
use crate::source::paths::PathFilter;
use crate::source::{Progress, ScanStats, Skipped, Source, SourceError};
use crate::suppress::{Baseline, Suppressed, Suppressor, Tally};

/// Where the configuration comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// `.nhi-scan.toml`, else `.gitleaks.toml`, at the repository root found from the root
    /// (plus `.gitleaksignore` and `.nhi-scan-baseline.json` there).
    #[default]
    Discover,
    /// This file (either format).
    File(PathBuf),
    /// None: built-in rules, nothing allowlisted; for trees whose configuration is not to be
    /// trusted.
    None,
}

/// Which baseline suppresses known findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaselineSource {
    /// The configuration's, or `.nhi-scan-baseline.json` at the root when it exists.
    #[default]
    FromConfig,
    /// This file.
    File(PathBuf),
    /// None (to record a new baseline, or to see everything).
    None,
}

/// A scan that cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A rule path given by the caller does not exist.
    #[error("rules {}: {source}", path.display())]
    RulesPath {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Every rule was disabled or broken.
    #[error("no usable rules")]
    NoRules,
    /// A path operand does not exist (a mistyped path must not scan nothing and pass).
    #[error("{}: {source}", path.display())]
    Operand {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The git source could not start.
    #[cfg(feature = "git")]
    #[error(transparent)]
    Git(#[from] crate::source::git::GitError),
    /// The staged source could not start.
    #[cfg(feature = "git")]
    #[error(transparent)]
    Staged(#[from] crate::source::staged::StagedError),
    /// The sink stopped the scan.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The caller's cancel flag was raised.
    #[error("cancelled")]
    Cancelled,
}

/// Builds a [`Scan`].
///
/// ```no_run
/// # fn main() -> Result<(), nhi_scan_core::ScanError> {
/// use nhi_scan_core::{Scan, Source};
/// let scan = Scan::builder().root("my-repo").build()?;
/// let outcome = scan.run(Source::paths(["my-repo"]))?;
/// for f in &outcome.findings {
///     println!("{} {} at {} places", f.rule_id, f.redacted(), f.locations.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScanBuilder {
    root: Option<PathBuf>,
    config: ConfigSource,
    builtin_rules: bool,
    rule_paths: Vec<PathBuf>,
    baseline: BaselineSource,
    max_file_size: Option<Option<u64>>,
    threads: usize,
    progress: Option<Arc<Progress>>,
    cancel: Option<Arc<AtomicBool>>,
    #[cfg(feature = "archive")]
    archives: Option<crate::source::archive::Limits>,
}

impl Default for ScanBuilder {
    fn default() -> Self {
        ScanBuilder {
            root: None,
            config: ConfigSource::Discover,
            builtin_rules: true,
            rule_paths: Vec::new(),
            baseline: BaselineSource::FromConfig,
            max_file_size: None,
            threads: 0,
            progress: None,
            cancel: None,
            #[cfg(feature = "archive")]
            archives: Some(crate::source::archive::Limits::default()),
        }
    }
}

impl ScanBuilder {
    /// The directory the configuration is discovered from and that paths in allowlists,
    /// `.gitleaksignore` and SARIF are relative to (the repository containing it, if any).
    /// Default: none, and then no configuration is discovered.
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Where the configuration comes from (default: discovered at the root).
    pub fn config(mut self, config: ConfigSource) -> Self {
        self.config = config;
        self
    }

    /// Loads the built-in rule pack (default true; a configuration can turn it off too).
    pub fn builtin_rules(mut self, yes: bool) -> Self {
        self.builtin_rules = yes;
        self
    }

    /// Adds rules from a TOML file or a directory of them.
    pub fn rules_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.rule_paths.push(path.into());
        self
    }

    /// Which baseline to apply (default: the configuration's).
    pub fn baseline(mut self, baseline: BaselineSource) -> Self {
        self.baseline = baseline;
        self
    }

    /// Skips inputs larger than this many bytes (`None`: no cap; large inputs stream through
    /// in bounded memory). Default: the configuration's `max_file_size`, else no cap.
    pub fn max_file_size(mut self, max: Option<u64>) -> Self {
        self.max_file_size = Some(max);
        self
    }

    /// Worker threads (0, the default: one per core).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Counters the caller can poll while a scan runs (for a progress bar).
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Open archives (zip, jar, tar, gz, zst, bz2, xz) and scan their members, nested up to
    /// the limits' depth (default: on, with [`Limits::default`](crate::source::archive::Limits));
    /// `None` treats them as binary.
    #[cfg(feature = "archive")]
    pub fn archives(mut self, limits: Option<crate::source::archive::Limits>) -> Self {
        self.archives = limits;
        self
    }

    /// A flag that stops a running scan when raised (e.g. from a signal handler); the scan
    /// then returns [`ScanError::Cancelled`].
    pub fn cancel_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Loads the configuration and rules and compiles the scanner.
    pub fn build(self) -> Result<Scan, ScanError> {
        let mut config = match (&self.config, &self.root) {
            (ConfigSource::Discover, Some(r)) => Config::discover(r, None)?,
            (ConfigSource::File(f), Some(r)) => Config::discover(r, Some(f))?,
            (ConfigSource::File(f), None) => {
                let dir = f.parent().unwrap_or(Path::new(""));
                Config::discover(dir, Some(f))?
            }
            (_, Some(r)) => Config::defaults(&crate::config::repository_root(r)),
            // No root: nothing is relative to anything, and nothing is looked up.
            (_, None) => Config::defaults(Path::new("")),
        };
        if !self.builtin_rules {
            config.builtin_rules = false;
        }
        for p in &self.rule_paths {
            std::fs::metadata(p).map_err(|source| ScanError::RulesPath {
                path: p.clone(),
                source,
            })?;
        }
        let loaded = config.load_rules(&self.rule_paths);
        let mut rule_errors = loaded.errors;
        let (scanner, compile_errors) = Scanner::new(loaded.rules);
        rule_errors.extend(compile_errors);
        if scanner.rule_count() == 0 {
            return Err(ScanError::NoRules);
        }
        let known: Vec<&str> = (0..scanner.rule_count())
            .map(|i| scanner.rule(i).rule.id.as_str())
            .collect();
        let mut warnings = std::mem::take(&mut config.warnings);
        if let Some(file) = &config.file {
            let unknown = config.unknown_rule_ids(&known);
            if unknown.len() > 20 {
                warnings.push(format!(
                    "{}: {} rule ids match no rule; the first 20 follow",
                    file.display(),
                    unknown.len()
                ));
            }
            for (id, near) in unknown.into_iter().take(20) {
                let hint = near
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                warnings.push(format!("{}: no rule has id `{id}`{hint}", file.display()));
            }
        }
        // The configured baseline stays in the configuration (`baseline update` writes to it)
        // even when the caller names another one or none.
        let configured = match self.baseline {
            BaselineSource::FromConfig => None,
            _ => Some(config.baseline.take()),
        };
        let mut suppressor = config.suppressor(&known)?;
        if let Some(configured) = configured {
            config.baseline = configured;
        }
        if let BaselineSource::File(p) = &self.baseline {
            suppressor.set_baseline(Some(Baseline::load(p).map_err(ConfigError::from)?));
        }
        let max_size = match self.max_file_size {
            Some(m) => m,
            None => config.max_file_size.filter(|&n| n > 0),
        };
        Ok(Scan {
            path_filter: config.path_filter(),
            scanner,
            suppressor,
            config,
            rule_errors,
            warnings,
            max_size,
            threads: self.threads,
            progress: self.progress,
            cancel: self.cancel,
            #[cfg(feature = "archive")]
            archives: self.archives,
        })
    }
}

/// A configured scan: rules compiled, suppression loaded. Build it once and run it on as many
/// sources as needed, from as many threads as needed (it holds no per-run state).
pub struct Scan {
    pub(crate) scanner: Scanner,
    suppressor: Suppressor,
    config: Config,
    pub(crate) path_filter: Option<PathFilter>,
    rule_errors: Vec<RuleError>,
    warnings: Vec<String>,
    max_size: Option<u64>,
    threads: usize,
    progress: Option<Arc<Progress>>,
    cancel: Option<Arc<AtomicBool>>,
    #[cfg(feature = "archive")]
    archives: Option<crate::source::archive::Limits>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("root", &self.config.root)
            .field("config", &self.config.file)
            .field("rules", &self.scanner.rule_count())
            .finish()
    }
}

/// Everything a collected scan produced.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Outcome {
    /// Distinct credentials with their locations, ordered by first location.
    pub findings: Vec<Finding>,
    /// Counters.
    pub stats: ScanStats,
    /// Inputs not scanned, each named with its reason.
    pub skipped: Vec<Skipped>,
    /// Inputs that failed.
    pub errors: Vec<SourceError>,
    /// Notes about the scan as a whole (a shallow history).
    pub warnings: Vec<String>,
    /// Findings removed by the baseline, allowlists and `.gitleaksignore`.
    pub suppressed: Suppressed,
    /// Rules that could not be loaded or compiled (each reported when the scan was built).
    pub rule_errors: usize,
    /// What git sources asked for it (`History::facts`) learned about their repositories, for
    /// the inventory.
    pub repositories: Vec<RepositoryFacts>,
}

/// What a scan amounts to, for an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything asked about was scanned and nothing was found.
    Clean,
    /// Credentials were found.
    Findings,
    /// Nothing was found, but some inputs could not be scanned (errors, inputs over the size
    /// cap, rules that failed to load): the scan cannot vouch that they are clean.
    Incomplete,
}

impl Status {
    /// The policy every command follows: findings win; else any per-input error, any input
    /// skipped for a reason that leaves the scan incomplete (over the size cap) or any rule
    /// that failed to load makes it incomplete; else clean.
    pub fn of(findings: usize, stats: &ScanStats, rule_errors: usize) -> Status {
        if findings > 0 {
            Status::Findings
        } else if stats.errors > 0
            || rule_errors > 0
            || stats.skipped.keys().any(|r| r.is_incomplete())
        {
            Status::Incomplete
        } else {
            Status::Clean
        }
    }
}

impl Outcome {
    /// Joins the outcomes of separate runs (several repositories, each scanned with its own
    /// configuration) into one: findings of the same credential become one finding with all
    /// their locations; counters add up; everything else is kept.
    pub fn merge(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        let mut collector = Collector::new();
        let mut merged = Outcome::default();
        for o in outcomes {
            for f in o.findings {
                collector.add_finding(f);
            }
            merged.stats.absorb(&o.stats);
            merged.skipped.extend(o.skipped);
            merged.errors.extend(o.errors);
            merged.warnings.extend(o.warnings);
            merged.suppressed.absorb(&o.suppressed);
            merged.rule_errors += o.rule_errors;
            merged.repositories.extend(o.repositories);
        }
        merged.findings = collector.finish().findings;
        merged
    }

    /// See [`Status::of`].
    pub fn status(&self) -> Status {
        Status::of(self.findings.len(), &self.stats, self.rule_errors)
    }
}

/// The counters of a streamed scan (what [`Scan::stream`] returns).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Counters.
    pub stats: ScanStats,
    /// Findings removed entirely by each suppression mechanism.
    pub suppressed: Suppressed,
}

impl Scan {
    /// A builder with the defaults: built-in rules, no configuration (until a root is given),
    /// no size cap, one thread per core.
    pub fn builder() -> ScanBuilder {
        ScanBuilder::default()
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Rules that could not be loaded or compiled; the scan runs without them.
    pub fn rule_errors(&self) -> &[RuleError] {
        &self.rule_errors
    }

    /// Warnings from loading the configuration (unknown rule ids, settings that cannot be
    /// honoured exactly, unreadable `.gitleaksignore` lines).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of rules in use.
    pub fn rule_count(&self) -> usize {
        self.scanner.rule_count()
    }

    /// Replaces the baseline (e.g. one loaded by the caller).
    pub fn set_baseline(&mut self, baseline: Option<Baseline>) {
        self.suppressor.set_baseline(baseline);
    }

    /// The size cap in force.
    pub fn max_file_size(&self) -> Option<u64> {
        self.max_size
    }

    /// The repository root paths are relative to (absolute when it exists).
    pub fn root(&self) -> &Path {
        &self.config.root
    }

    /// Runs `source` and collects the results.
    pub fn run(&self, source: impl Into<Source>) -> Result<Outcome, ScanError> {
        self.run_all([source.into()])
    }

    /// Runs several sources into one set of findings (a secret on standard input and in a file
    /// is one finding).
    pub fn run_all(&self, sources: impl IntoIterator<Item = Source>) -> Result<Outcome, ScanError> {
        let mut collector = Collector::new();
        let mut summary = Summary::default();
        let started = Instant::now();
        let mut tally = Tally::default();
        for source in sources {
            let s = self.stream_tallied(source, &mut collector, &mut tally)?;
            summary.stats.absorb(&s.stats);
        }
        let c = collector.finish();
        summary.stats.elapsed = started.elapsed();
        Ok(Outcome {
            findings: c.findings,
            stats: summary.stats,
            skipped: c.skipped,
            errors: c.errors,
            warnings: c.warnings,
            suppressed: tally.finish(),
            rule_errors: self.rule_errors.len(),
            repositories: c.repositories,
        })
    }

    /// Runs `source`, pushing each result into `sink` as it is found.
    pub fn stream(
        &self,
        source: impl Into<Source>,
        sink: &mut dyn Sink,
    ) -> Result<Summary, ScanError> {
        let mut tally = Tally::default();
        let mut summary = self.stream_tallied(source.into(), sink, &mut tally)?;
        summary.suppressed = tally.finish();
        Ok(summary)
    }

    fn stream_tallied(
        &self,
        source: Source,
        sink: &mut dyn Sink,
        tally: &mut Tally,
    ) -> Result<Summary, ScanError> {
        let started = Instant::now();
        let stop = AtomicBool::new(false);
        let mut pipeline = Pipeline {
            suppressor: &self.suppressor,
            sink,
            tally,
            stats: ScanStats::default(),
            failed: None,
            stop: &stop,
        };
        let scanned = self.dispatch(source, &mut pipeline, &stop);
        let Pipeline {
            mut stats, failed, ..
        } = pipeline;
        if let Some(e) = failed {
            return Err(ScanError::Sink(e));
        }
        if self.cancelled() {
            return Err(ScanError::Cancelled);
        }
        let scanned = scanned?;
        stats.scanned += scanned.scanned;
        stats.bytes += scanned.bytes;
        stats.elapsed = started.elapsed();
        Ok(Summary {
            stats,
            suppressed: Suppressed::default(),
        })
    }

    fn dispatch(
        &self,
        source: Source,
        pipeline: &mut Pipeline<'_>,
        stop: &AtomicBool,
    ) -> Result<ScanStats, ScanError> {
        let stopped = || stop.load(Ordering::Relaxed) || self.cancelled();
        let shared = Shared {
            scanner: &self.scanner,
            max_size: self.max_size,
            progress: self.progress.as_deref(),
            stop: &stopped,
            #[cfg(feature = "archive")]
            archives: self.archives.clone(),
        };
        match source {
            #[cfg(feature = "fs")]
            Source::Paths(p) => crate::source::fs::run(self, &p, &shared, pipeline),
            Source::Buffer { name, bytes } => {
                let mut worker = BlobWorker::new(&shared);
                let mut make = || crate::finding::Origin::Buffer { name: name.clone() };
                let mut origin = LazyOrigin::new(&mut make);
                if !worker.over_cap(&mut origin, bytes.len() as u64, pipeline) {
                    worker.bytes(&mut origin, &bytes, None, pipeline);
                }
                Ok(worker.stats)
            }
            Source::Reader { name, mut reader } => {
                let mut worker = BlobWorker::new(&shared);
                let mut make = || crate::finding::Origin::Buffer { name: name.clone() };
                let mut origin = LazyOrigin::new(&mut make);
                worker.reader(&mut origin, &mut reader, None, pipeline);
                Ok(worker.stats)
            }
            #[cfg(feature = "git")]
            Source::Git(h) => crate::source::git::run(self, &h, &shared, pipeline),
            #[cfg(feature = "git")]
            Source::Staged(s) => crate::source::staged::run(self, &s, &shared, pipeline),
            #[cfg(feature = "image")]
            Source::Image(images) => crate::source::image::run(self, images, &shared, pipeline),
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Worker threads to use.
    pub(crate) fn threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// The calling thread's end of a scan: counts skips and errors, drops suppressed hits, and
/// feeds the sink; stops everything on the sink's first error.
pub(crate) struct Pipeline<'a> {
    suppressor: &'a Suppressor,
    sink: &'a mut dyn Sink,
    tally: &'a mut Tally,
    stats: ScanStats,
    failed: Option<SinkError>,
    stop: &'a AtomicBool,
}

impl Pipeline<'_> {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        match self.suppressor.check(&hit) {
            Some(why) => {
                self.tally.suppressed(&hit.fingerprint, why);
                Ok(())
            }
            None => {
                self.tally.reported(&hit.fingerprint);
                self.sink.hit(hit)
            }
        }
    }

    /// Drains a channel of worker events until every sender is gone.
    pub(crate) fn drain(&mut self, rx: std::sync::mpsc::Receiver<Event>) {
        for event in rx {
            self.emit(event);
        }
    }
}

impl Emit for Pipeline<'_> {
    fn emit(&mut self, event: Event) {
        if self.failed.is_some() {
            return;
        }
        let result = match event {
            Event::Hits(hits) => hits.into_iter().try_for_each(|h| self.hit(h)),
            Event::Skipped(s) => {
                self.stats.skip(s.reason);
                self.sink.skipped(s)
            }
            Event::Error(e) => {
                self.stats.errors += 1;
                self.sink.error(e)
            }
            Event::Warning(w) => self.sink.warning(w),
            Event::Repository(facts) => self.sink.repository(*facts),
        };
        if let Err(e) = result {
            self.failed = Some(e);
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}
