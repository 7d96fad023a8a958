//! `nhi-scan`: the command line over `nhi-scan-core`. This crate only translates flags into
//! library configuration, prints, draws progress and picks the exit code; all scanning lives in
//! the library so the hook, tests and embedding programs run the same code.

mod cmd_baseline;
mod cmd_git;
mod cmd_hook;
mod cmd_precommit;
mod progress;
mod project;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use nhi_scan_core::Scanner;
// Sizes like `64M`: one parser for flags and config files.
use nhi_scan_core::config::parse_size;
use nhi_scan_core::finding::Origin;
use nhi_scan_core::report::{Format, ReportOptions, write_report};
use nhi_scan_core::rules::{LoadOutcome, RuleError, RuleSet, check_examples};
use nhi_scan_core::source::fs::{FsConfig, scan_paths, scan_reader};
use nhi_scan_core::source::{Progress, ScanOutcome};

/// Find leaked API keys, tokens and other non-human-identity credentials.
#[derive(Parser)]
#[command(name = "nhi-scan", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and directories (default: the current directory). `-` reads standard input.
    Scan(ScanArgs),
    /// List or check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan git history: every blob of every commit on all refs, each once, with the commit
    /// that introduced it.
    Git(cmd_git::GitArgs),
    /// Scan what is staged for the next commit (the pre-commit hook): only added or changed
    /// lines by default. Exit 1 blocks the commit.
    PreCommit(cmd_precommit::PreCommitArgs),
    /// Write .git/hooks/pre-commit running `nhi-scan pre-commit` (without the pre-commit
    /// framework).
    InstallHook(cmd_hook::InstallHookArgs),
    /// Record known findings so that only new ones are reported.
    #[command(subcommand)]
    Baseline(cmd_baseline::BaselineCommand),
}

#[derive(Args)]
pub(crate) struct RuleArgs {
    /// Add rules from a TOML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
}

#[derive(Args)]
pub(crate) struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print secrets in full (they are masked by default).
    #[arg(long)]
    no_redact: bool,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// No progress bar and no summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Args)]
struct ScanArgs {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    config: project::ConfigArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Scan files that .gitignore / .ignore exclude too.
    #[arg(long)]
    no_ignore: bool,
    /// Skip files larger than this (bytes, or with K, M, G suffix; 0 for no limit). Default:
    /// the configuration's `max_file_size`, else 64M.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long, short = 'L')]
    follow_symlinks: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the rules (built-in plus any --rules).
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compile every rule and run its examples; exit 1 if any fails. With --rules, checks only
    /// those files; otherwise the built-in pack.
    Check {
        #[command(flatten)]
        rules: RuleArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Jsonl,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Exit codes: 0 nothing found, 1 findings (or failed rule checks), 2 usage or fatal error.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("nhi-scan: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(RulesCommand::List { rules, json }) => rules_list(rules, json),
        Command::Rules(RulesCommand::Check { rules }) => rules_check(rules),
        Command::Git(args) => cmd_git::run(args),
        Command::PreCommit(args) => cmd_precommit::run(args),
        Command::InstallHook(args) => cmd_hook::run(args),
        Command::Baseline(cmd) => cmd_baseline::run(cmd),
    }
}

/// Built-in rules plus user files; broken user rules are reported and left out.
pub(crate) fn load_rules(args: &RuleArgs, builtin: bool) -> LoadOutcome {
    let mut out = if builtin {
        RuleSet::builtin()
    } else {
        RuleSet::empty()
    };
    for p in &args.rules {
        out.add_path(p);
    }
    out
}

pub(crate) fn report_rule_errors(errors: &[RuleError]) {
    for e in errors {
        eprintln!("nhi-scan: error: {e}");
    }
}

fn scan(args: ScanArgs) -> Result<u8> {
    // Operands that do not exist are usage errors (exit 2), not per-file errors: a mistyped path
    // in CI must not scan nothing and pass.
    for p in args.paths.iter().filter(|p| p.as_os_str() != "-") {
        std::fs::symlink_metadata(p).with_context(|| format!("{}", p.display()))?;
    }
    let project =
        project::Project::load(&project::start_dir(&args.paths), &args.config, &args.rules)?;
    let scanner = &project.scanner;
    let rule_errors = project.rule_errors;
    let config = FsConfig {
        max_file_size: project.max_file_size(args.max_file_size),
        respect_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads,
        path_filter: project.config.path_filter(),
    };
    let out = &args.output;
    let progress = Progress::default();
    let show = !out.quiet && io::stderr().is_terminal();
    let (stdin, paths): (Vec<_>, Vec<_>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    let mut outcome = progress::with_progress(show, &progress, || {
        if paths.is_empty() {
            ScanOutcome::default()
        } else {
            scan_paths(scanner, &paths, &config, Some(&progress))
        }
    });
    if !stdin.is_empty() {
        let s = scan_reader(
            scanner,
            io::stdin().lock(),
            Origin::Buffer {
                name: "<stdin>".into(),
            },
        );
        merge(&mut outcome, s);
    }
    report_outcome(out, &project, outcome, rule_errors, "files")
}

/// The common end of `scan` and `git`: count rule errors, apply baseline and allowlists, print
/// per-input errors, write the report and the summary, and pick the exit code.
pub(crate) fn report_outcome(
    out: &OutputArgs,
    project: &project::Project,
    mut outcome: ScanOutcome,
    rule_errors: usize,
    unit: &str,
) -> Result<u8> {
    outcome.stats.errors += rule_errors as u64;
    let suppressed = project.suppress(&mut outcome);
    for e in &outcome.errors {
        eprintln!("nhi-scan: error: {e}");
    }
    write_output(out, &outcome)?;
    if !out.quiet {
        eprintln!(
            "{}{}",
            summary(&outcome, unit),
            project::suppressed_note(&suppressed)
        );
    }
    Ok(if outcome.findings.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}

fn merge(into: &mut ScanOutcome, other: ScanOutcome) {
    into.stats.absorb(&other.stats);
    into.stats.elapsed += other.stats.elapsed;
    into.errors.extend(other.errors);
    let mut c = nhi_scan_core::finding::Collector::new();
    // Re-group so a secret on stdin and in a file is still one finding.
    for f in into.findings.drain(..).chain(other.findings) {
        c.merge_finding(f);
    }
    into.findings = c.finish();
}

pub(crate) fn write_output(args: &OutputArgs, outcome: &ScanOutcome) -> Result<()> {
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Sarif => Format::Sarif,
    };
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let opts = ReportOptions {
        redact: !args.no_redact,
        color,
        ..ReportOptions::default()
    };
    let mut sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    write_report(format, &outcome.findings, &outcome.stats, &opts, &mut sink)?;
    sink.flush()?;
    Ok(())
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
pub(crate) fn summary(o: &ScanOutcome, unit: &str) -> String {
    let s = &o.stats;
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.bytes as f64 / secs / 1e6
    } else {
        0.0
    };
    let skipped: u64 = s.skipped.values().sum();
    let reasons: Vec<String> = s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    let locations: usize = o.findings.iter().map(|f| f.locations.len()).sum();
    format!(
        "nhi-scan: scanned {} {} ({}) in {:.2}s ({:.0} MB/s); skipped {}{}; {} errors; {} findings ({} locations)",
        s.scanned,
        unit,
        human_bytes(s.bytes),
        secs,
        rate,
        skipped,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        s.errors,
        o.findings.len(),
        locations,
    )
}

fn rules_list(args: RuleArgs, json: bool) -> Result<u8> {
    let loaded = load_rules(&args, true);
    report_rule_errors(&loaded.errors);
    let mut out = BufWriter::new(io::stdout().lock());
    if json {
        let list: Vec<_> = loaded.rules.rules().iter().map(|r| &r.rule).collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        for r in loaded.rules.rules() {
            writeln!(
                out,
                "{:<40} {:<24} {}",
                r.rule.id,
                r.rule.kind.as_str(),
                r.rule.name
            )?;
        }
    }
    out.flush()?;
    eprintln!("nhi-scan: {} rules", loaded.rules.len());
    Ok(if loaded.errors.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}

fn rules_check(args: RuleArgs) -> Result<u8> {
    let loaded = load_rules(&args, args.rules.is_empty());
    report_rule_errors(&loaded.errors);
    let count = loaded.rules.len();
    let examples: usize = loaded
        .rules
        .rules()
        .iter()
        .map(|r| r.rule.examples.len() + r.rule.negative_examples.len())
        .sum();
    let (scanner, compile_errors) = Scanner::new(loaded.rules);
    report_rule_errors(&compile_errors);
    let failures = check_examples(&scanner);
    for f in &failures {
        eprintln!("FAIL {} ({}): {}", f.rule_id, f.origin, f.problem);
    }
    let bad = loaded.errors.len() + compile_errors.len() + failures.len();
    eprintln!(
        "nhi-scan: checked {count} rules, {examples} examples: {} passed, {bad} failed",
        examples.saturating_sub(failures.len())
    );
    Ok(if bad == 0 { 0 } else { EXIT_FINDINGS })
}
