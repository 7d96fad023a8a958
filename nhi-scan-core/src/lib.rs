//! # nhi-scan-core
//!
//! Finds leaked credentials of non-human identities (API keys, service-account keys, bot and CI
//! tokens, AI-agent credentials) in bytes from any source.
//!
//! The pieces, in data-flow order:
//! - [`rules`]: rules are data (TOML); the built-in pack is embedded, user files add to it.
//! - [`engine`]: a [`Scanner`] compiled once from a [`RuleSet`] and shared across threads; it
//!   takes `&[u8]` and returns [`engine::Match`]es. A keyword gate rejects most bytes, rule
//!   regexes run only in windows around keyword hits, and [`filters`] drop placeholders,
//!   low-entropy strings and bad checksums.
//! - [`source`]: where bytes come from ([`source::fs`] walks directories) and the scan drivers
//!   that count what was scanned, skipped and failed.
//! - [`finding`]: matches grouped into one [`Finding`] per credential with all its locations.
//! - [`report`]: text, JSON, JSONL and SARIF writers over finished findings.
//! - [`config`]: `.nhi-scan.toml` or a gitleaks `.gitleaks.toml` as plain values: which rules,
//!   which paths the sources skip, and a [`config::Suppressor`] for findings that allowlists,
//!   `.gitleaksignore` or the [`baseline`] accept. [`source::staged`] is the pre-commit source.
//!
//! ```
//! use nhi_scan_core::{RuleSet, Scanner, source::fs::scan_reader, finding::Origin};
//! let (scanner, _errors) = Scanner::new(RuleSet::builtin().rules);
//! let outcome = scan_reader(&scanner, &b"nothing to see here"[..], Origin::Buffer { name: "<stdin>".into() });
//! assert!(outcome.findings.is_empty());
//! ```
//!
//! The library never prints and never exits: it returns values, and per-input problems are
//! [`source::SourceError`] values counted in [`source::ScanStats`].
#![deny(missing_docs)]

pub mod baseline;
pub mod config;
pub mod engine;
pub mod filters;
pub mod finding;
pub mod report;
pub mod rules;
pub mod source;
pub mod validate;

pub use engine::Scanner;
pub use finding::Finding;
pub use rules::RuleSet;
