//! Sinks receive a scan's results as they happen (ripgrep's `Sink` is the model): each located
//! match with suppression applied, each skipped input, each per-input error. The [`Collector`]
//! that groups hits into [`Finding`]s is one sink; a streaming JSONL writer is another; an
//! embedding program brings its own.
//!
//! Sink methods run on the thread that called [`crate::Scan::stream`], one call at a time, in
//! the order results arrive (inputs finish on worker threads in no fixed order). Returning an
//! error stops the scan: the workers finish the input they hold and the error comes back from
//! `stream`.

use std::collections::HashMap;
use std::fmt;

use crate::finding::{Finding, Hit};
use crate::report::inventory::RepositoryFacts;
use crate::source::{Skipped, SourceError};

/// Why a sink stopped the scan: usually an I/O error writing a report.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SinkError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl SinkError {
    /// Wraps any error.
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> SinkError {
        SinkError(e.into())
    }

    /// The I/O error inside, if that is what it is (a closed pipe, a full disk).
    pub fn io(&self) -> Option<&std::io::Error> {
        self.0.downcast_ref()
    }
}

impl From<std::io::Error> for SinkError {
    fn from(e: std::io::Error) -> SinkError {
        SinkError(Box::new(e))
    }
}

/// Receives results while a scan runs.
pub trait Sink {
    /// One located match, suppression applied.
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError>;

    /// An input that was not scanned.
    fn skipped(&mut self, skipped: Skipped) -> Result<(), SinkError> {
        let _ = skipped;
        Ok(())
    }

    /// An input that could not be read; the scan goes on.
    fn error(&mut self, error: SourceError) -> Result<(), SinkError> {
        let _ = error;
        Ok(())
    }

    /// Something the user should know about the scan as a whole (a shallow clone's history
    /// stops at its boundary).
    fn warning(&mut self, warning: String) -> Result<(), SinkError> {
        let _ = warning;
        Ok(())
    }

    /// What a git source learned about its repository for the inventory (HEAD's tree,
    /// `.mailmap`, `CODEOWNERS`, remote), once per repository at the end of its scan; only
    /// when the source was asked for it (`History::facts`).
    fn repository(&mut self, facts: RepositoryFacts) -> Result<(), SinkError> {
        let _ = facts;
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        (**self).hit(hit)
    }
    fn skipped(&mut self, skipped: Skipped) -> Result<(), SinkError> {
        (**self).skipped(skipped)
    }
    fn error(&mut self, error: SourceError) -> Result<(), SinkError> {
        (**self).error(error)
    }
    fn warning(&mut self, warning: String) -> Result<(), SinkError> {
        (**self).warning(warning)
    }
    fn repository(&mut self, facts: RepositoryFacts) -> Result<(), SinkError> {
        (**self).repository(facts)
    }
}

/// The grouping sink: one [`Finding`] per credential (rule + secret) with every location, plus
/// the named skips, errors and warnings.
#[derive(Default)]
pub struct Collector {
    index: HashMap<String, usize>,
    findings: Vec<Finding>,
    skipped: Vec<Skipped>,
    errors: Vec<SourceError>,
    warnings: Vec<String>,
    repositories: Vec<RepositoryFacts>,
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("findings", &self.findings.len())
            .field("skipped", &self.skipped.len())
            .field("errors", &self.errors.len())
            .finish()
    }
}

impl Sink for Collector {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        match self.index.get(&hit.fingerprint) {
            Some(&i) => {
                let f = &mut self.findings[i];
                f.locations.push(hit.location);
                if f.companion.is_none() {
                    f.companion = hit.companion;
                }
            }
            None => {
                self.index
                    .insert(hit.fingerprint.clone(), self.findings.len());
                self.findings.push(Finding::from_hit(hit));
            }
        }
        Ok(())
    }

    fn skipped(&mut self, skipped: Skipped) -> Result<(), SinkError> {
        self.skipped.push(skipped);
        Ok(())
    }

    fn error(&mut self, error: SourceError) -> Result<(), SinkError> {
        self.errors.push(error);
        Ok(())
    }

    fn warning(&mut self, warning: String) -> Result<(), SinkError> {
        self.warnings.push(warning);
        Ok(())
    }

    fn repository(&mut self, facts: RepositoryFacts) -> Result<(), SinkError> {
        self.repositories.push(facts);
        Ok(())
    }
}

/// What a [`Collector`] gathered.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Collected {
    /// Distinct credentials, each with its locations sorted, ordered by first location.
    pub findings: Vec<Finding>,
    /// Inputs not scanned.
    pub skipped: Vec<Skipped>,
    /// Inputs that failed.
    pub errors: Vec<SourceError>,
    /// Warnings about the scan as a whole.
    pub warnings: Vec<String>,
    /// Facts about scanned repositories, for the inventory.
    pub repositories: Vec<RepositoryFacts>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Number of distinct findings so far.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Adds a finished finding (from another collector or a report), joining it with one of
    /// the same fingerprint.
    pub fn add_finding(&mut self, f: Finding) {
        match self.index.get(&f.fingerprint) {
            Some(&i) => {
                let into = &mut self.findings[i];
                into.locations.extend(f.locations);
                if into.validation.is_none() {
                    into.validation = f.validation;
                }
            }
            None => {
                self.index
                    .insert(f.fingerprint.clone(), self.findings.len());
                self.findings.push(f);
            }
        }
    }

    /// The results: locations sorted and deduplicated, findings ordered by their first location
    /// (deterministic whatever order the threads finished in), skips ordered by origin.
    pub fn finish(mut self) -> Collected {
        for f in &mut self.findings {
            f.finish_locations();
        }
        let key = |f: &Finding| {
            f.locations
                .first()
                .map(|l| (l.origin.order_key(), l.line, l.column))
        };
        self.findings
            .sort_by_cached_key(|f| (key(f), f.rule_id.clone()));
        self.skipped
            .sort_by_cached_key(|s| (s.origin.label(), s.reason));
        Collected {
            findings: self.findings,
            skipped: self.skipped,
            errors: self.errors,
            warnings: self.warnings,
            repositories: self.repositories,
        }
    }
}
