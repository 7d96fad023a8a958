//! `nhi-scan validate REPORT`: re-validates the findings of an earlier JSON or JSONL report
//! (written with `--no-redact`) without rescanning, and writes the report again with fresh
//! verdicts, in the same format.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use nhi_scan_core::finding::{Companion, fingerprint, redact};
use nhi_scan_core::source::Progress;
use nhi_scan_core::validate::{
    Credential, ValidateOptions, ValidationStatus, ValidationSummary, Validator,
};
use nhi_scan_core::{Scan, Secret};

use crate::args::{CommonArgs, ConfigArgs, RuleArgs};
use crate::outcome::{self, EXIT_FINDINGS, Output};

#[derive(Args)]
pub(crate) struct ValidateCmdArgs {
    /// A JSON or JSON Lines report written by `nhi-scan ... --format json|jsonl --no-redact`.
    #[arg(value_name = "REPORT")]
    report: PathBuf,
    /// Write the updated report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep secrets in full in the updated report (masked by default).
    #[arg(long)]
    no_redact: bool,
    /// Keep only credentials the provider accepted.
    #[arg(long)]
    only_valid: bool,
    /// Checks in flight at once (default: the configuration's, else 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    validate_concurrency: Option<u64>,
    /// Also connect to databases named by URIs in the report and authenticate.
    #[arg(long)]
    validate_db: bool,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// Write the NHI inventory of the validated credentials instead of the report
    /// (`inventory`: JSON; `html`: one self-contained page). A report does not carry HEAD's
    /// tree, .mailmap or CODEOWNERS: for those, run `git --validate --format inventory`.
    #[arg(long, short = 'f', value_enum)]
    format: Option<crate::cmd_inventory::MergeFormat>,
    #[command(flatten)]
    inventory: crate::cmd_inventory::InventoryArgs,
}

/// The report as read: one JSON document with `findings`, or JSON Lines.
enum Report {
    Json(Value),
    Lines(Vec<Value>),
}

fn read_report(path: &Path) -> Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if let Ok(doc) = serde_json::from_str::<Value>(&text)
        && doc.get("findings").is_some_and(Value::is_array)
    {
        return Ok(Report::Json(doc));
    }
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!(
                "{}: line {}: not a JSON or JSON Lines report of nhi-scan ({})",
                path.display(),
                n + 1,
                e.to_string().split(" at line").next().unwrap_or("bad JSON")
            )
        })?;
        lines.push(v);
    }
    if !lines.iter().any(|l| l.get("rule_id").is_some()) && !lines.is_empty() {
        bail!("{}: no findings in this report", path.display());
    }
    Ok(Report::Lines(lines))
}

/// A finding object of a report, checked: not redacted, and its secret matches its fingerprint.
struct Parsed {
    rule_id: String,
    fingerprint: String,
    secret: Secret,
    companion: Option<Companion>,
}

fn parse_finding(v: &Value, path: &Path, n: usize) -> Result<Parsed> {
    let field = |k: &str| v.get(k).and_then(Value::as_str);
    let (Some(rule_id), Some(fp), Some(secret)) =
        (field("rule_id"), field("fingerprint"), field("secret"))
    else {
        bail!(
            "{}: finding {}: not an nhi-scan finding (rule_id, fingerprint and secret are needed)",
            path.display(),
            n + 1
        );
    };
    let redacted = v.get("redacted").and_then(Value::as_bool).unwrap_or(false);
    if redacted || fingerprint(rule_id, secret.as_bytes()) != fp {
        bail!(
            "{}: the report's secrets are masked, so they cannot be re-validated; write it again with --no-redact (e.g. `nhi-scan scan --format json --no-redact -o report.json`)",
            path.display()
        );
    }
    let companion = v.get("companion").and_then(|c| {
        Some(Companion {
            name: c.get("name")?.as_str()?.to_string(),
            value: Secret::new(c.get("value")?.as_str()?),
        })
    });
    Ok(Parsed {
        rule_id: rule_id.to_string(),
        fingerprint: fp.to_string(),
        secret: Secret::new(secret),
        companion,
    })
}

/// Masks the secret and companion of a finding object (the default output).
fn mask(v: &mut Value) {
    if let Some(s) = v.get("secret").and_then(Value::as_str).map(redact) {
        v["secret"] = json!(s);
    }
    if let Some(c) = v
        .get("companion")
        .and_then(|c| c.get("value"))
        .and_then(Value::as_str)
        .map(redact)
    {
        v["companion"]["value"] = json!(c);
    }
    v["redacted"] = json!(true);
}

/// The finding objects of a report.
fn objects_of(report: &Report) -> Vec<&Value> {
    match report {
        Report::Json(doc) => doc["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Report::Lines(lines) => lines.iter().filter(|l| is_finding(l)).collect(),
    }
}

fn is_finding(v: &Value) -> bool {
    v.get("rule_id").is_some()
        && v.get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "finding")
}

pub(crate) fn run(args: ValidateCmdArgs) -> Result<u8> {
    let mut report = read_report(&args.report)?;
    let objects: Vec<&Value> = match &report {
        Report::Json(doc) => doc["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Report::Lines(lines) => lines.iter().filter(|l| is_finding(l)).collect(),
    };
    let parsed = objects
        .iter()
        .enumerate()
        .map(|(n, v)| parse_finding(v, &args.report, n))
        .collect::<Result<Vec<_>>>()?;
    // Rules (for their validators) and `[validate]` settings, as a scan here would load them.
    let progress = Arc::new(Progress::default());
    let builder = args
        .rules
        .apply(args.config.apply(Scan::builder().root(".")));
    let scan = outcome::build(builder, &args.common, &progress)?;
    let mut opts = ValidateOptions::from_config(&scan.config().validate);
    if let Some(n) = args.validate_concurrency {
        opts.concurrency = n as usize;
    }
    opts.databases = args.validate_db;
    if !args.common.quiet {
        for (host, to) in &opts.hosts {
            eprintln!("nhi-scan: validation requests for {host} go to {to}");
        }
    }
    let validator = Validator::for_scan(&scan, opts)?;
    let creds: Vec<Credential<'_>> = parsed
        .iter()
        .map(|p| Credential {
            rule_id: &p.rule_id,
            fingerprint: &p.fingerprint,
            secret: &p.secret,
            companion: p.companion.as_ref(),
        })
        .collect();
    let verdicts = validator.validate_credentials(&creds);
    let mut by_fp = std::collections::HashMap::new();
    for (p, v) in parsed.iter().zip(&verdicts) {
        by_fp.insert(p.fingerprint.clone(), v.clone());
    }
    let keep = |v: &Value| -> bool {
        !args.only_valid
            || v.get("fingerprint")
                .and_then(Value::as_str)
                .and_then(|fp| by_fp.get(fp))
                .is_some_and(|x| x.status == ValidationStatus::Valid)
    };
    let update = |v: &mut Value| {
        if let Some(val) = v
            .get("fingerprint")
            .and_then(Value::as_str)
            .and_then(|fp| by_fp.get(fp))
        {
            v["validation"] = serde_json::to_value(val).unwrap_or(Value::Null);
        }
        if !args.no_redact {
            mask(v);
        }
    };
    let mut distinct = std::collections::HashSet::new();
    let mut summary = ValidationSummary::default();
    for (p, v) in parsed.iter().zip(&verdicts) {
        if distinct.insert(p.fingerprint.clone()) {
            match v.status {
                ValidationStatus::Valid => summary.valid += 1,
                ValidationStatus::Invalid => summary.invalid += 1,
                ValidationStatus::Unknown => summary.unknown += 1,
            }
        }
    }
    if let Some(format) = args.format {
        let kept: Vec<Value> = objects_of(&report)
            .into_iter()
            .filter(|v| keep(v))
            .map(|v| {
                let mut v = v.clone();
                if let Some(val) = v
                    .get("fingerprint")
                    .and_then(Value::as_str)
                    .and_then(|fp| by_fp.get(fp))
                {
                    v["validation"] = serde_json::to_value(val).unwrap_or(Value::Null);
                }
                v
            })
            .collect();
        let findings = nhi_scan_core::report::inventory::findings_from_report(&kept)
            .with_context(|| args.report.display().to_string())?;
        let output = Output::new(args.output.as_deref())?;
        {
            let mut w = output.writer()?;
            crate::cmd_inventory::write_findings(
                format,
                &findings,
                !args.no_redact,
                &args.inventory,
                &mut w,
            )?;
            w.flush()?;
        }
        output.commit()?;
        return Ok(if findings.is_empty() {
            0
        } else {
            EXIT_FINDINGS
        });
    }
    let remaining;
    match &mut report {
        Report::Json(doc) => {
            let mut findings: Vec<Value> = doc["findings"].as_array().cloned().unwrap_or_default();
            findings.retain(|v| keep(v));
            findings.iter_mut().for_each(update);
            remaining = findings.len();
            doc["findings"] = Value::Array(findings);
            if doc.get("summary").is_some_and(Value::is_object) {
                doc["summary"]["findings"] = json!(remaining);
                doc["summary"]["validation"] = json!({
                    "valid": summary.valid, "invalid": summary.invalid, "unknown": summary.unknown,
                });
            }
        }
        Report::Lines(lines) => {
            lines.retain(|v| !is_finding(v) || keep(v));
            for v in lines.iter_mut().filter(|v| is_finding(v)) {
                update(v);
            }
            let fps: std::collections::HashSet<&str> = lines
                .iter()
                .filter(|v| is_finding(v))
                .filter_map(|v| v.get("fingerprint").and_then(Value::as_str))
                .collect();
            remaining = fps.len();
            for v in lines.iter_mut() {
                if v.get("type").and_then(Value::as_str) == Some("summary") {
                    v["findings"] = json!(remaining);
                    v["validation"] = json!({
                        "valid": summary.valid, "invalid": summary.invalid, "unknown": summary.unknown,
                    });
                }
            }
        }
    }
    let output = Output::new(args.output.as_deref())?;
    {
        let mut w = output.writer()?;
        match &report {
            Report::Json(doc) => {
                serde_json::to_writer_pretty(&mut w, doc)?;
                writeln!(w)?;
            }
            Report::Lines(lines) => {
                for l in lines {
                    serde_json::to_writer(&mut w, l)?;
                    writeln!(w)?;
                }
            }
        }
        w.flush()?;
    }
    output.commit()?;
    if !args.common.quiet {
        eprintln!(
            "nhi-scan: validated {} credentials from {}: {} valid, {} invalid, {} unknown",
            distinct.len(),
            args.report.display(),
            summary.valid,
            summary.invalid,
            summary.unknown
        );
    }
    Ok(if remaining > 0 { EXIT_FINDINGS } else { 0 })
}
