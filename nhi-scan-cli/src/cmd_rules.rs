//! `nhi-scan rules list|check`: the rule pack, and every rule proving itself on its examples.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use clap::Subcommand;

use nhi_scan_core::report::{error_chain, printable};
use nhi_scan_core::rules::{LoadOutcome, RuleSet, check_examples};

use crate::args::RuleArgs;
use crate::outcome::EXIT_FINDINGS;

#[derive(Subcommand)]
pub(crate) enum RulesCommand {
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

pub(crate) fn run(cmd: RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::List { rules, json } => list(rules, json),
        RulesCommand::Check { rules } => check(rules),
    }
}

/// Which built-in rules to load: a scan's (without examples) or the files as written.
enum Builtin {
    No,
    Rules,
    WithExamples,
}

/// Built-in rules (as `builtin` says) plus the files given; a missing path is a usage error, a
/// broken rule is reported.
fn load(args: &RuleArgs, builtin: Builtin) -> Result<LoadOutcome> {
    let mut out = match builtin {
        Builtin::No => RuleSet::empty(),
        Builtin::Rules => RuleSet::builtin(),
        Builtin::WithExamples => RuleSet::builtin_with_examples(),
    };
    for p in &args.rules {
        std::fs::metadata(p).with_context(|| format!("--rules {}", p.display()))?;
        out.add_path(p);
    }
    for e in &out.errors {
        eprintln!("nhi-scan: error: {}", printable(&error_chain(e)));
    }
    Ok(out)
}

fn list(args: RuleArgs, json: bool) -> Result<u8> {
    let loaded = load(&args, Builtin::Rules)?;
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
                printable(&r.rule.id),
                r.rule.kind.as_str(),
                printable(&r.rule.name)
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

fn check(args: RuleArgs) -> Result<u8> {
    let builtin = if args.rules.is_empty() {
        Builtin::WithExamples
    } else {
        Builtin::No
    };
    let loaded = load(&args, builtin)?;
    let count = loaded.rules.len();
    let examples: usize = loaded
        .rules
        .rules()
        .iter()
        .map(|r| r.rule.examples.len() + r.rule.negative_examples.len())
        .sum();
    let (compile_errors, failures) = check_examples(loaded.rules);
    for e in &compile_errors {
        eprintln!("nhi-scan: error: {}", printable(&error_chain(e)));
    }
    for f in &failures {
        eprintln!(
            "FAIL {} ({}): {}",
            printable(&f.rule_id),
            printable(&f.origin),
            printable(&f.problem)
        );
    }
    let bad = loaded.errors.len() + compile_errors.len() + failures.len();
    eprintln!(
        "nhi-scan: checked {count} rules, {examples} examples: {} passed, {bad} failed",
        examples.saturating_sub(failures.len())
    );
    Ok(if bad == 0 { 0 } else { EXIT_FINDINGS })
}
