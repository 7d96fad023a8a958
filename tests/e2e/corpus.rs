//! Recall and precision of the whole binary on the labeled corpus (`corpus/`): every credential
//! there is a generated FAKE, listed in `corpus/truth.jsonl`; everything else in `corpus/files` is
//! text that must stay quiet (hard negatives are documented in `corpus/negatives.jsonl`).
//!
//! The same bar holds on `corpus/independent/`, a set written independently of the rules (its own
//! schema: `secret` as decoded, `raw` as written, no rule ids; items in `neutral.jsonl` are
//! ignored when reported).
//!
//! Print the full report (overall, per rule, misses, false positives, wrong-rule counts) with
//! `cargo test --test e2e corpus -- --nocapture`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::BIN;

const MIN_RECALL: f64 = 0.98;
const MIN_PRECISION: f64 = 0.98;

/// One labeled credential: where it is and what the pattern should capture there.
struct Truth {
    file: String,
    line: u64,
    rule: String,
    secret: String,
    /// For secrets stored encoded (Kubernetes `data:`), the encoded text as it is in the file:
    /// a finding that reports the encoded form at the right place has found the credential too.
    encoded: Option<String>,
}

/// Text at a place where a report neither counts for nor against (independent set's
/// `neutral.jsonl`: material public by design, such as a Stripe publishable key).
struct Neutral {
    file: String,
    line: u64,
    text: String,
}

/// One place a finding was reported.
struct Found {
    file: String,
    line: u64,
    rule: String,
    secrets: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn first_line(s: &str) -> &str {
    let s = s.split('\n').next().unwrap_or("");
    let s = s.split("\\n").next().unwrap_or("");
    s.trim_end_matches('\r')
}

/// Equal, or one contains the other; multi-line secrets (PEM blocks, escaped `\n`) compare on
/// their first line, since tools differ on where such a block ends.
fn same_secret(found: &str, truth: &str) -> bool {
    if found.is_empty() || truth.is_empty() {
        return false;
    }
    if found == truth || found.contains(truth) || truth.contains(found) {
        return true;
    }
    let multi = |s: &str| s.contains('\n') || s.contains("\\n");
    (multi(found) || multi(truth)) && first_line(found) == first_line(truth)
}

fn load_truth(dir: &Path) -> Vec<Truth> {
    let text = std::fs::read_to_string(dir.join("truth.jsonl")).expect("read corpus/truth.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("truth line is JSON");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            Truth {
                file: s("file"),
                line: v["line"].as_u64().expect("truth line number"),
                rule: s("type"),
                secret: s("secret"),
                encoded: v["encoded"].as_str().map(str::to_string),
            }
        })
        .collect()
}

/// `corpus/independent/`: `file` relative to the set (`files/...`), `secret` decoded and `raw`
/// as written; no rule ids (the expected rule is left empty, so only recall and precision count).
fn load_independent(dir: &Path) -> (Vec<Truth>, Vec<Neutral>) {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.join(name).display()))
    };
    let rel = |v: &Value| {
        let f = v["file"].as_str().unwrap_or_default();
        f.strip_prefix("files/").unwrap_or(f).to_string()
    };
    let parse = |l: &str| -> Value { serde_json::from_str(l).expect("label line is JSON") };
    let truth = read("truth.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v = parse(l);
            Truth {
                file: rel(&v),
                line: v["line"].as_u64().expect("truth line number"),
                rule: String::new(),
                secret: v["secret"].as_str().unwrap_or_default().to_string(),
                encoded: v["raw"].as_str().map(str::to_string),
            }
        })
        .collect();
    let neutral = read("neutral.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v = parse(l);
            Neutral {
                file: rel(&v),
                line: v["line"].as_u64().unwrap_or(0),
                text: v["text"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect();
    (truth, neutral)
}

fn scan(files: &Path) -> Vec<Found> {
    let out = Command::new(BIN)
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--no-redact",
            "-q",
        ])
        .arg(files)
        .stdin(Stdio::null())
        .output()
        .expect("run nhi-scan");
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "nhi-scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let root = files.to_string_lossy().replace('\\', "/");
    let mut found = Vec::new();
    for f in report["findings"].as_array().expect("findings array") {
        let rule = f["rule_id"].as_str().unwrap_or_default().to_string();
        let mut secrets = vec![f["secret"].as_str().unwrap_or_default().to_string()];
        // A finding made by decoding may carry the decoded secret separately.
        if let Some(d) = f["decoded"]["secret"].as_str() {
            secrets.push(d.to_string());
        }
        // A URI's password as written is percent-encoded; the independent set labels it decoded.
        let pct: Vec<String> = secrets
            .iter()
            .filter(|s| s.contains('%'))
            .filter_map(|s| percent_decode(s))
            .collect();
        secrets.extend(pct);
        for loc in f["locations"].as_array().into_iter().flatten() {
            let path = loc["origin"]["path"]
                .as_str()
                .unwrap_or_default()
                .replace('\\', "/");
            let rel = path
                .strip_prefix(&root)
                .map(|p| p.trim_start_matches('/'))
                .unwrap_or(&path)
                .to_string();
            found.push(Found {
                file: rel,
                line: loc["line"].as_u64().unwrap_or(0),
                rule: rule.clone(),
                secrets: secrets.clone(),
            });
        }
    }
    found
}

/// `%XX` escapes decoded (`None` when the result is not UTF-8).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[derive(Default)]
struct PerRule {
    truth: usize,
    matched: usize,
    reported: usize,
    reported_true: usize,
    wrong_rule: usize,
}

/// Scores the scanner on the corpus, prints the report, and holds it to the quality bar.
#[test]
fn corpus_recall_and_precision_are_at_least_98_percent() {
    let dir = corpus_dir();
    let truth = load_truth(&dir);
    assert!(truth.len() >= 2000, "corpus has {} positives", truth.len());
    score(&dir, truth, &[]);
}

/// The independently written set: the bar that says detection generalizes beyond the rules'
/// own examples.
#[test]
fn independent_corpus_recall_and_precision_are_at_least_98_percent() {
    let dir = corpus_dir().join("independent");
    let (truth, neutral) = load_independent(&dir);
    assert!(
        truth.len() >= 800,
        "independent set has {} positives",
        truth.len()
    );
    score(&dir, truth, &neutral);
}

fn score(dir: &Path, truth: Vec<Truth>, neutral: &[Neutral]) {
    let files = dir
        .join("files")
        .canonicalize()
        .expect("the corpus's files/ exists");
    let mut found = scan(&files);
    found.retain(|f| {
        !neutral.iter().any(|n| {
            n.file == f.file
                && n.line == f.line
                && f.secrets.iter().any(|s| same_secret(s, &n.text))
        })
    });

    let mut at: HashMap<(&str, u64), Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        at.entry((t.file.as_str(), t.line)).or_default().push(i);
    }
    let mut per: BTreeMap<String, PerRule> = BTreeMap::new();
    for t in &truth {
        per.entry(t.rule.clone()).or_default().truth += 1;
    }
    let mut matched: HashSet<usize> = HashSet::new();
    let mut true_locations = 0usize;
    let mut false_positives: Vec<&Found> = Vec::new();
    let mut other_rule: Vec<(usize, &str)> = Vec::new();
    for f in &found {
        let hits: Vec<usize> = at
            .get(&(f.file.as_str(), f.line))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| {
                let t = &truth[i];
                f.secrets.iter().any(|s| {
                    same_secret(s, &t.secret)
                        || t.encoded.as_deref().is_some_and(|e| same_secret(s, e))
                })
            })
            .collect();
        let p = per.entry(f.rule.clone()).or_default();
        p.reported += 1;
        if hits.is_empty() {
            false_positives.push(f);
            continue;
        }
        p.reported_true += 1;
        true_locations += 1;
        for i in hits {
            matched.insert(i);
            if truth[i].rule != f.rule {
                other_rule.push((i, f.rule.as_str()));
            }
        }
    }
    // A credential counts as reported under the wrong rule only when no finding of its own rule
    // matched it.
    let mut right: HashSet<usize> = HashSet::new();
    for f in &found {
        for &i in at.get(&(f.file.as_str(), f.line)).into_iter().flatten() {
            let t = &truth[i];
            if t.rule == f.rule
                && f.secrets.iter().any(|s| {
                    same_secret(s, &t.secret)
                        || t.encoded.as_deref().is_some_and(|e| same_secret(s, e))
                })
            {
                right.insert(i);
            }
        }
    }
    let mut wrong_rule: BTreeMap<(String, String), usize> = BTreeMap::new();
    for &(i, got) in &other_rule {
        if !right.contains(&i) && !truth[i].rule.is_empty() {
            *wrong_rule
                .entry((truth[i].rule.clone(), got.to_string()))
                .or_default() += 1;
        }
    }
    for &i in &matched {
        let p = per.entry(truth[i].rule.clone()).or_default();
        p.matched += 1;
        if !right.contains(&i) && !truth[i].rule.is_empty() {
            p.wrong_rule += 1;
        }
    }

    let recall = matched.len() as f64 / truth.len() as f64;
    let precision = if found.is_empty() {
        1.0
    } else {
        true_locations as f64 / found.len() as f64
    };

    let mut report = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        report,
        "{}: {} credentials of {} types; nhi-scan reported {} locations",
        dir.display(),
        truth.len(),
        per.values().filter(|p| p.truth > 0).count(),
        found.len()
    );
    let _ = writeln!(
        report,
        "recall {:.4} ({}/{})  precision {:.4} ({}/{})  false positives {}  found under another rule {}",
        recall,
        matched.len(),
        truth.len(),
        precision,
        true_locations,
        found.len(),
        false_positives.len(),
        per.values().map(|p| p.wrong_rule).sum::<usize>()
    );
    let _ = writeln!(
        report,
        "\n{:<48} {:>5} {:>7} {:>6} {:>9} {:>6}",
        "rule", "truth", "recall", "found", "precision", "wrong"
    );
    for (rule, p) in &per {
        let r = if p.truth > 0 {
            format!("{:.2}", p.matched as f64 / p.truth as f64)
        } else {
            "-".into()
        };
        let pr = if p.reported > 0 {
            format!("{:.2}", p.reported_true as f64 / p.reported as f64)
        } else {
            "-".into()
        };
        let _ = writeln!(
            report,
            "{rule:<48} {:>5} {r:>7} {:>6} {pr:>9} {:>6}",
            p.truth, p.reported, p.wrong_rule
        );
    }
    let misses: Vec<&Truth> = truth
        .iter()
        .enumerate()
        .filter(|(i, _)| !matched.contains(i))
        .map(|(_, t)| t)
        .collect();
    let _ = writeln!(report, "\nmissed ({}):", misses.len());
    for t in &misses {
        let _ = writeln!(
            report,
            "  {}:{} [{}] {}",
            t.file,
            t.line,
            t.rule,
            first_line(&t.secret)
        );
    }
    let _ = writeln!(report, "\nfalse positives ({}):", false_positives.len());
    for f in &false_positives {
        let s = first_line(&f.secrets[0]);
        let _ = writeln!(
            report,
            "  {}:{} [{}] {}",
            f.file,
            f.line,
            f.rule,
            &s[..s.len().min(80)]
        );
    }
    let _ = writeln!(
        report,
        "\nfound only under another rule (expected -> reported: locations):"
    );
    for ((want, got), n) in &wrong_rule {
        let _ = writeln!(report, "  {want} -> {got}: {n}");
    }
    println!("{report}");

    assert!(
        recall >= MIN_RECALL && precision >= MIN_PRECISION,
        "{} recall {recall:.4} (min {MIN_RECALL}), precision {precision:.4} (min {MIN_PRECISION}); \
         run `cargo test --test e2e corpus -- --nocapture` for the report",
        dir.display()
    );
}
