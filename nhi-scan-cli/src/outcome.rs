//! What every scanning command shares once its flags are read: build the library's [`Scan`],
//! say which configuration it uses, run the sources with a progress line, write the report,
//! name what was not scanned, and pick the exit code. No scanning logic lives here.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

use nhi_scan_core::report::{
    Format, JsonlSink, ReportOptions, error_chain, printable, write_report,
};
use nhi_scan_core::source::{Progress, ScanStats, Skipped, SourceError};
use nhi_scan_core::suppress::Suppressed;
use nhi_scan_core::validate::{ValidateOptions, ValidationStatus, ValidationSummary, Validator};
use nhi_scan_core::{
    Finding, Hit, Outcome, Scan, ScanBuilder, ScanError, Sink, SinkError, Source, Status,
};

use crate::args::{ColorArg, CommonArgs, FormatArg, OutputArgs, ReportFormat, ValidateArgs};
use crate::progress;

/// Exit codes: 0 clean, 1 findings (or failed rule checks), 2 usage or fatal error, or a scan
/// that could not read some of its inputs and found nothing (see README, "Exit codes").
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

/// Builds the scan, then prints what the configuration changes (it may come from the tree
/// being scanned), its warnings and broken rules.
pub(crate) fn build(
    builder: ScanBuilder,
    common: &CommonArgs,
    progress: &Arc<Progress>,
) -> Result<Scan> {
    let scan = builder
        .progress(Arc::clone(progress))
        .cancel_flag(crate::interrupt::flag())
        .build()?;
    if !common.quiet {
        let config = scan.config();
        let changes = config.describe();
        if let Some(file) = &config.file {
            eprintln!(
                "nhi-scan: configuration {}{}",
                printable(&file.display().to_string()),
                if changes.is_empty() {
                    ": no changes to the defaults"
                } else {
                    ":"
                }
            );
        } else if !changes.is_empty() {
            eprintln!(
                "nhi-scan: configuration at {}:",
                printable(&config.root.display().to_string())
            );
        }
        for c in changes {
            eprintln!("nhi-scan:   {}", printable(&c));
        }
    }
    for w in scan.warnings() {
        eprintln!("nhi-scan: warning: {}", printable(w));
    }
    for e in scan.rule_errors() {
        eprintln!("nhi-scan: error: {}", printable(&error_chain(e)));
    }
    Ok(scan)
}

/// The report destination: standard output; a device or pipe named with `-o` (`/dev/null`,
/// `/dev/stdout`, a FIFO), written directly; or a regular file, written to a temporary file in
/// the same directory and renamed over it only when the report is complete (a symbolic link is
/// followed, so the link stays and its target is replaced).
pub(crate) struct Output {
    target: Target,
}

enum Target {
    Stdout,
    Direct(std::fs::File),
    Temp(tempfile::NamedTempFile, PathBuf),
}

impl Output {
    pub(crate) fn new(path: Option<&Path>) -> Result<Output> {
        let Some(p) = path else {
            return Ok(Output {
                target: Target::Stdout,
            });
        };
        let cannot = |e: io::Error| anyhow::anyhow!("cannot create {}: {e}", p.display());
        let target = match std::fs::metadata(p) {
            // Never rename over a device: as root that would replace /dev/null itself.
            Ok(m) if !m.is_file() => Target::Direct(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(cannot)?,
            ),
            found => {
                let dest = match found {
                    Ok(_) => std::fs::canonicalize(p).map_err(cannot)?,
                    Err(_) => p.to_owned(),
                };
                let dir = match dest.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
                    _ => PathBuf::from("."),
                };
                let tmp = tempfile::Builder::new()
                    .prefix(".nhi-scan-report-")
                    .tempfile_in(&dir)
                    .map_err(cannot)?;
                Target::Temp(tmp, dest)
            }
        };
        Ok(Output { target })
    }

    pub(crate) fn writer(&self) -> Result<Box<dyn Write + '_>> {
        Ok(match &self.target {
            Target::Stdout => Box::new(BufWriter::new(io::stdout().lock())),
            Target::Direct(f) => Box::new(BufWriter::new(f)),
            Target::Temp(tmp, _) => Box::new(BufWriter::new(tmp.as_file())),
        })
    }

    /// Moves a finished report into place (not after a signal: the temporary file is then
    /// removed as it is dropped).
    pub(crate) fn commit(self) -> Result<()> {
        crate::interrupt::check()?;
        if let Target::Temp(tmp, path) = self.target {
            tmp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

pub(crate) fn report_options(out: &OutputArgs, scan: &Scan) -> ReportOptions {
    let root = scan.root();
    ReportOptions::default()
        .redact(!out.no_redact)
        .color(color(out.common.color, out.output.is_none()))
        .root(root.is_absolute().then(|| root.to_owned()))
}

pub(crate) fn color(arg: ColorArg, to_stdout: bool) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            to_stdout && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

pub(crate) fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Sarif => Format::Sarif,
    }
}

/// Runs `sources` and reports: JSONL streams as hits arrive; the other formats are written once
/// the findings are grouped. `unit` names what a source's inputs are (files, blobs).
pub(crate) fn run(
    scan: &Scan,
    sources: Vec<Source>,
    out: &OutputArgs,
    validate_args: &ValidateArgs,
    progress: &Arc<Progress>,
    unit: &str,
) -> Result<u8> {
    let show = !out.common.quiet && io::stderr().is_terminal();
    // Validation needs the grouped findings, so a validated JSONL report is written at the end.
    if out.format == ReportFormat::Jsonl && !validate_args.on() {
        return stream_jsonl(scan, sources, out, progress, unit, show);
    }
    let facts = crate::cmd_inventory::source_facts(&sources);
    let mut outcome = progress::with_progress(show, progress, || scan.run_all(sources))?;
    validate(scan, &mut outcome.findings, validate_args, &out.common)?;
    report(scan, outcome, facts, out, unit)
}

/// Writes a collected (and validated) outcome in the requested format (the inventory formats
/// with what is known about the sources), then names what was not scanned and picks the exit
/// code.
pub(crate) fn report(
    scan: &Scan,
    outcome: Outcome,
    facts: Vec<nhi_scan_core::report::inventory::SourceFacts>,
    out: &OutputArgs,
    unit: &str,
) -> Result<u8> {
    let output = Output::new(out.output.as_deref())?;
    let written = (|| -> Result<()> {
        let mut w = output.writer()?;
        match out.format.findings() {
            Some(f) => write_report(format(f), &outcome, &report_options(out, scan), &mut w)?,
            None => crate::cmd_inventory::write_outcome(
                out.format,
                &outcome,
                facts,
                !out.no_redact,
                &out.inventory,
                &mut w,
            )?,
        }
        w.flush()?;
        Ok(())
    })();
    finish(&outcome, &out.common, unit, written, output)
}

/// The validation stage, when asked for: each distinct credential checked with its provider,
/// then `--only-valid` keeps the live ones.
pub(crate) fn validate(
    scan: &Scan,
    findings: &mut Vec<Finding>,
    args: &ValidateArgs,
    common: &CommonArgs,
) -> Result<()> {
    if !args.on() {
        return Ok(());
    }
    let config = &scan.config().validate;
    let mut opts = ValidateOptions::from_config(config);
    if let Some(n) = args.validate_concurrency {
        opts.concurrency = n as usize;
    }
    opts.databases = args.validate_db;
    if !common.quiet {
        // The configuration may come from the tree being scanned: say where requests go.
        for (host, to) in &opts.hosts {
            eprintln!(
                "nhi-scan: validation requests for {} go to {}",
                printable(host),
                printable(to)
            );
        }
        if !findings.is_empty() && io::stderr().is_terminal() {
            eprintln!(
                "nhi-scan: validating {} credentials with their providers...",
                findings.len()
            );
        }
    }
    let validator = Validator::for_scan(scan, opts)?;
    validator.validate(findings);
    if args.only_valid {
        findings.retain(|f| {
            f.validation
                .as_ref()
                .is_some_and(|v| v.status == ValidationStatus::Valid)
        });
    }
    Ok(())
}

/// `; validation: 2 valid, 5 invalid, 1 unknown` when findings were validated.
pub(crate) fn validation_note(findings: &[Finding]) -> String {
    if findings.iter().all(|f| f.validation.is_none()) {
        return String::new();
    }
    let s = ValidationSummary::of(findings);
    format!(
        "; validation: {} valid, {} invalid, {} unknown",
        s.valid, s.invalid, s.unknown
    )
}

/// Prints what was not scanned and the summary, and turns the outcome into an exit code.
pub(crate) fn finish(
    outcome: &Outcome,
    common: &CommonArgs,
    unit: &str,
    written: Result<()>,
    output: Output,
) -> Result<u8> {
    let code = exit_code(outcome.status(), common);
    if let Err(e) = written {
        return broken_or(e, code);
    }
    output.commit()?;
    let errors: Vec<String> = outcome.errors.iter().map(|e| error_chain(e)).collect();
    print_problems(&outcome.skipped, &errors, &outcome.warnings, common);
    if !common.quiet {
        eprintln!(
            "{}{}",
            summary(
                &outcome.stats,
                outcome.findings.len(),
                outcome.findings.iter().map(|f| f.locations.len()).sum(),
                &outcome.suppressed,
                unit
            ),
            validation_note(&outcome.findings)
        );
    }
    Ok(code)
}

/// The exit policy: findings 1; else inputs that could not be scanned 2 (0 with
/// `--ignore-errors`); else 0.
pub(crate) fn exit_code(status: Status, common: &CommonArgs) -> u8 {
    match status {
        Status::Findings => EXIT_FINDINGS,
        Status::Incomplete if !common.ignore_errors => EXIT_ERROR,
        _ => 0,
    }
}

/// A closed pipe (`nhi-scan scan | head -1`) is not a clean scan: the findings' code if there
/// were findings, else 2. Any other write error is an error.
fn broken_or(e: anyhow::Error, code: u8) -> Result<u8> {
    if is_broken_pipe(&e) {
        return Ok(if code == EXIT_FINDINGS {
            code
        } else {
            EXIT_ERROR
        });
    }
    Err(e)
}

pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<SinkError>()
                .and_then(SinkError::io)
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || matches!(c.downcast_ref::<ScanError>(), Some(ScanError::Sink(s))
                if s.io().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
    })
}

/// How many skipped inputs and errors are named without `--verbose`.
const NAMED: usize = 10;

pub(crate) fn print_problems(
    skipped: &[Skipped],
    errors: &[String],
    warnings: &[String],
    common: &CommonArgs,
) {
    for w in warnings {
        eprintln!("nhi-scan: warning: {}", printable(w));
    }
    let limit = if common.verbose { usize::MAX } else { NAMED };
    for e in errors.iter().take(limit) {
        eprintln!("nhi-scan: error: {}", printable(e));
    }
    if errors.len() > limit {
        eprintln!(
            "nhi-scan: ... and {} more errors (--verbose lists them all)",
            errors.len() - limit
        );
    }
    if common.quiet {
        return;
    }
    for s in skipped.iter().take(limit) {
        eprintln!("nhi-scan: skipped {}", printable(&s.to_string()));
    }
    if skipped.len() > limit {
        eprintln!(
            "nhi-scan: ... and {} more skipped (--verbose lists them all)",
            skipped.len() - limit
        );
    }
}

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} KB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

/// The one-line summary on standard error; `unit` names what was scanned (files, blobs).
pub(crate) fn summary(
    s: &ScanStats,
    findings: usize,
    locations: usize,
    suppressed: &Suppressed,
    unit: &str,
) -> String {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.bytes as f64 / secs / 1e6
    } else {
        0.0
    };
    let reasons: Vec<String> = s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    let mut line = format!(
        "nhi-scan: scanned {} {} ({}) in {:.2}s ({:.0} MB/s); skipped {}{}; {} errors; {} findings ({} locations)",
        s.scanned,
        unit,
        human_bytes(s.bytes),
        secs,
        rate,
        s.skipped_total(),
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        s.errors,
        findings,
        locations,
    );
    if suppressed.total() > 0 {
        let mut parts = Vec::new();
        if suppressed.baseline > 0 {
            parts.push(format!("baseline {}", suppressed.baseline));
        }
        if suppressed.allowlist > 0 {
            parts.push(format!("allowlist {}", suppressed.allowlist));
        }
        if suppressed.ignored > 0 {
            parts.push(format!(".gitleaksignore {}", suppressed.ignored));
        }
        line.push_str(&format!(
            "; {} suppressed ({})",
            suppressed.total(),
            parts.join(", ")
        ));
    }
    line
}

/// Writes JSONL as hits arrive, and keeps the skipped inputs and errors to name on stderr.
struct Tee<'w> {
    jsonl: JsonlSink<Box<dyn Write + 'w>>,
    skipped: Vec<Skipped>,
    /// Errors as text: the errors themselves went to the report.
    errors: Vec<String>,
    warnings: Vec<String>,
    locations: usize,
}

impl Sink for Tee<'_> {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        self.locations += 1;
        self.jsonl.hit(hit)
    }
    fn skipped(&mut self, s: Skipped) -> Result<(), SinkError> {
        self.jsonl.skipped(s.clone())?;
        self.skipped.push(s);
        Ok(())
    }
    fn error(&mut self, e: SourceError) -> Result<(), SinkError> {
        self.errors.push(error_chain(&e));
        self.jsonl.error(e)
    }
    fn warning(&mut self, w: String) -> Result<(), SinkError> {
        self.jsonl.warning(w.clone())?;
        self.warnings.push(w);
        Ok(())
    }
}

fn stream_jsonl(
    scan: &Scan,
    sources: Vec<Source>,
    out: &OutputArgs,
    progress: &Arc<Progress>,
    unit: &str,
    show: bool,
) -> Result<u8> {
    let output = Output::new(out.output.as_deref())?;
    let mut stats = ScanStats::default();
    let mut suppressed = Suppressed::default();
    let (tee, result) = {
        let mut tee = Tee {
            jsonl: JsonlSink::new(output.writer()?, report_options(out, scan)),
            skipped: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            locations: 0,
        };
        let result = progress::with_progress(show, progress, || -> Result<()> {
            for source in sources {
                let s = scan.stream(source, &mut tee)?;
                stats.absorb(&s.stats);
                suppressed.absorb(&s.suppressed);
            }
            Ok(())
        });
        let findings = tee.jsonl.findings();
        let finished = match result {
            Ok(()) => tee
                .jsonl
                .finish(&stats, &suppressed, scan.rule_errors().len())
                .map(drop)
                .map_err(Into::into),
            Err(e) => Err(e),
        };
        (
            (
                tee.skipped,
                tee.errors,
                tee.warnings,
                tee.locations,
                findings,
            ),
            finished,
        )
    };
    let (skipped, errors, warnings, locations, findings) = tee;
    let code = exit_code(
        Status::of(findings, &stats, scan.rule_errors().len()),
        &out.common,
    );
    if let Err(e) = result {
        return broken_or(e, code);
    }
    output.commit()?;
    print_problems(&skipped, &errors, &warnings, &out.common);
    if !out.common.quiet {
        eprintln!(
            "{}",
            summary(&stats, findings, locations, &suppressed, unit)
        );
    }
    Ok(code)
}
