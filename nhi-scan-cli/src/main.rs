//! `nhi-scan`: the command line over `nhi-scan-core`. This crate only translates flags into the
//! library's builder, prints, draws progress and picks the exit code; all scanning, suppression
//! and reporting lives in the library, so the hook, tests and embedding programs run the same
//! code.

mod args;
mod cmd_baseline;
mod cmd_git;
mod cmd_hook;
mod cmd_image;
mod cmd_inventory;
mod cmd_precommit;
mod cmd_rules;
mod cmd_scan;
mod cmd_validate;
mod interrupt;
mod outcome;
mod progress;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use nhi_scan_core::report::printable;

use outcome::EXIT_ERROR;

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
    Scan(cmd_scan::ScanArgs),
    /// Scan container images: every file of every layer (deleted and overwritten ones too),
    /// the config and build history. IMAGE is a `docker save` or OCI layout tarball, an OCI
    /// layout directory, a layer tarball, a registry reference, or `-` for standard input.
    Image(cmd_image::ImageArgs),
    /// List or check rules.
    #[command(subcommand)]
    Rules(cmd_rules::RulesCommand),
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
    /// Work with NHI inventories (`--format inventory`): merge several into one.
    #[command(subcommand)]
    Inventory(cmd_inventory::InventoryCommand),
    /// Re-validate the findings of an earlier JSON/JSONL report (written with --no-redact)
    /// with their providers, without rescanning.
    Validate(cmd_validate::ValidateCmdArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    interrupt::install();
    let result = run(cli);
    // Interrupted: whatever the run returned, temporary files are gone by now (their owners
    // were dropped on the way out) and the exit code says which signal.
    if let Some(code) = interrupt::exit_code() {
        eprintln!("nhi-scan: interrupted");
        return ExitCode::from(code);
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if !outcome::is_broken_pipe(&e) {
                eprintln!("nhi-scan: error: {}", printable(&format!("{e:#}")));
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => cmd_scan::run(args),
        Command::Image(args) => cmd_image::run(args),
        Command::Rules(cmd) => cmd_rules::run(cmd),
        Command::Git(args) => cmd_git::run(args),
        Command::PreCommit(args) => cmd_precommit::run(args),
        Command::InstallHook(args) => cmd_hook::run(args),
        Command::Baseline(cmd) => cmd_baseline::run(cmd),
        Command::Inventory(cmd) => cmd_inventory::run(cmd),
        Command::Validate(args) => cmd_validate::run(args),
    }
}
