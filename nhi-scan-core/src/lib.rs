//! # nhi-scan-core
//!
//! Finds leaked credentials of non-human identities (API keys, service-account keys, bot and CI
//! tokens, AI-agent credentials, private keys, database passwords) in bytes from any source,
//! and reports each distinct credential once with every place it was seen.
//!
//! ## Scanning like the CLI does
//!
//! ```no_run
//! # fn main() -> Result<(), nhi_scan_core::ScanError> {
//! use nhi_scan_core::{Scan, Source};
//! // Configuration (.nhi-scan.toml or .gitleaks.toml), .gitleaksignore and the baseline are
//! // discovered at the repository root containing `my-repo`, as the CLI does.
//! let scan = Scan::builder().root("my-repo").build()?;
//! let outcome = scan.run(Source::paths(["my-repo"]))?;
//! for f in &outcome.findings {
//!     println!("{} {} at {} places", f.rule_id, f.redacted(), f.locations.len());
//! }
//! # Ok(()) }
//! ```
//!
//! ## How the pieces fit
//!
//! Data flows one way: **sources → engine → hits → suppression → sink → reports**.
//!
//! - [`Scan`] ([`Scan::builder`]) is the entry point: it loads the [`config`], the rules and the
//!   suppression (allowlists, `.gitleaksignore`, [`suppress::Baseline`]) once, and runs any
//!   [`Source`]: paths on disk, a named buffer or stream, git history, staged changes.
//! - Every source hands each input to one shared blob worker: size cap, content sniffing
//!   (known binary formats are skipped and named; anything else is scanned, NUL bytes or not),
//!   and a streaming scan in overlapping chunks, so memory stays bounded for inputs of any size.
//! - The engine (private) compiles the [`rules`] once: a keyword gate rejects most bytes, each
//!   rule's regex runs only in a window around its keywords, and filters drop placeholders,
//!   low-entropy strings and bad checksums.
//! - Each located match is a [`Hit`], handed to a [`Sink`] on the calling thread as soon as its
//!   input is done, with suppression applied. [`Collector`] groups hits into one [`Finding`] per
//!   credential; [`Scan::run`] uses it and returns an [`Outcome`].
//! - [`report`] writes finished outcomes as text, JSON, JSONL or SARIF.
//!
//! The library never prints, never exits and never reads or changes the process's working
//! directory: every root is passed in. A bad input is a [`source::SourceError`] in the outcome,
//! never a panic; what was not scanned is a named [`source::Skipped`].
//!
//! ## Streaming
//!
//! ```
//! use nhi_scan_core::{Hit, Scan, Sink, SinkError, Source};
//! struct Print;
//! impl Sink for Print {
//!     fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
//!         println!("{}:{} {}", hit.location.origin.label(), hit.location.line, hit.rule.id);
//!         Ok(())
//!     }
//! }
//! let scan = Scan::builder().build().unwrap();
//! scan.stream(Source::buffer("notes.txt", b"nothing to see here".as_slice()), &mut Print).unwrap();
//! ```
//!
//! ## Features
//!
//! - `fs` (default): scanning directories (the `ignore` walker).
//! - `git` (default): git history and staged changes (gix).
//! - `validate`: live validity checks against provider APIs and databases
//!   ([`validate::Validator`]): an HTTPS client (rustls, bundled roots) and signing code.
//!
//! Without default features the library scans buffers and streams only.
#![deny(missing_docs)]
// Parts of the shared machinery (threads, channels, path helpers) serve only the directory and
// git sources; without them they are unused, not wrong.
#![cfg_attr(not(all(feature = "fs", feature = "git")), allow(dead_code))]

pub mod config;
mod engine;
mod filters;
pub mod finding;
pub mod report;
pub mod rules;
mod scan;
pub mod sink;
pub mod source;
pub mod suppress;
pub mod validate;

pub use finding::{Finding, Hit, Location, Origin, Secret};
pub use rules::RuleSet;
pub use scan::{
    BaselineSource, ConfigSource, Outcome, Scan, ScanBuilder, ScanError, Status, Summary,
};
pub use sink::{Collector, Sink, SinkError};
pub use source::Source;
