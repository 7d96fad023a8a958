//! `.nhi-scan.toml` and gitleaks/Betterleaks configurations (`.gitleaks.toml`, `.gitleaksignore`)
//! through the CLI, on files and on staged changes. Every token is a generated fake.

use crate::precommit::GitRepo;
use crate::util::{Dir, fake_aws_key_id, fake_github, random_base62};

fn rule_ids(run: &crate::util::Run) -> Vec<String> {
    let mut ids: Vec<String> = run
        .findings()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn nhi_config_disables_rules_and_allowlists_paths_secrets_and_lines() {
    let d = Dir::new();
    d.write(".git/HEAD", "ref: refs/heads/main\n"); // marks the repository root
    let gh = fake_github("ghp_", 601);
    let aws = fake_aws_key_id(602);
    d.write("src/app.env", format!("GH={gh}\nAWS={aws}\n"));
    d.write(
        "tests/fixtures/creds.env",
        format!("GH={}\n", fake_github("ghp_", 603)),
    );
    d.write(
        "docs/example.env",
        format!("GH={}\n", fake_github("ghp_", 604)),
    );
    d.write(
        ".nhi-scan.toml",
        format!(
            r#"
[rules]
disable = ["aws.access-key-id"]

[allow]
paths = ["tests/fixtures", "docs/*.env"]
regexes = ['^{}$']
"#,
            fake_github("ghp_", 605)
        ),
    );
    d.write(
        "src/allowed.env",
        format!("GH={}\n", fake_github("ghp_", 605)),
    );
    let run = d.run(&[
        "scan",
        "--format",
        "json",
        "--no-redact",
        "src/",
        "tests/",
        "docs/",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let f = run.findings();
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["secret"], gh.as_str());
    assert!(run.stderr.contains("allowlisted path"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 suppressed (allowlist 1)"),
        "{}",
        run.stderr
    );

    // A per-rule regex on the whole line applies to that rule only.
    d.write(
        ".nhi-scan.toml",
        r#"
[allow.rule."github.pat.classic"]
regexes = ['(?i)^GH=']
regex_target = "line"
"#,
    );
    let run = d.run(&["scan", "--format", "json", "src/app.env"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(rule_ids(&run), vec!["aws.access-key-id"]);
}

#[test]
fn unknown_config_keys_are_errors_with_the_closest_key() {
    let d = Dir::new();
    d.write(".nhi-scan.toml", "[rules]\ndisabled = [\"x.y\"]\n");
    d.write("a.txt", "nothing\n");
    let run = d.run(&["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".nhi-scan.toml"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `disable`?"),
        "{}",
        run.stderr
    );
    // A misspelt rule id is a warning with a suggestion, not a silent no-op.
    d.write(
        ".nhi-scan.toml",
        "[rules]\ndisable = [\"github.pat.clasic\"]\n",
    );
    let run = d.run(&["scan", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `github.pat.classic`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn explicit_config_and_max_file_size_and_baseline_path_apply() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 610);
    d.write("big.txt", format!("{}\nT={tok}\n", "x".repeat(4096)));
    d.write("cfg/custom.toml", "max_file_size = \"1K\"\n");
    let run = d.run(&["scan", "--config", "cfg/custom.toml", "."]);
    // Nothing found, but a file was not scanned: incomplete, exit 2, and the file is named.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("too large 1"), "{}", run.stderr);
    assert!(run.stderr.contains("big.txt: too large"), "{}", run.stderr);
    // Relative to the configuration file.
    let b = d.run(&["baseline", "create", "-o", "cfg/known.json", "."]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    d.write("cfg/custom.toml", "baseline = \"known.json\"\n");
    let run = d.run(&["scan", "--config", "cfg/custom.toml", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("suppressed (baseline 1)"),
        "{}",
        run.stderr
    );
}

const GITLEAKS_TOML: &str = r#"
title = "team rules"

[extend]
useDefault = USE_DEFAULT

[[rules]]
id = "acme-api-key"
description = "Acme API key"
regex = '''(?i)\b(acme_[a-z0-9]{24})\b'''
keywords = ["acme_"]
entropy = 3.0

[[rules]]
id = "internal-token"
description = "Internal token, no keywords"
regex = '''\bintk-\Q+v1+\E([A-Z0-9]{20})\b'''
secretGroup = 1

[[rules.allowlists]]
stopwords = ["sample"]

[[rules]]
id = "binary-file"
description = "Key files by name"
path = '''\.p12$'''

[[rules]]
id = "unicode-rule"
description = "Uses a Unicode class"
regex = '''tok-\pL{10}'''
keywords = ["tok-"]

[allowlist]
paths = ['''^vendor/''']
regexes = ['''AKIA[A-Z0-9]{12}TEST''']
"#;

fn gitleaks_toml(use_default: bool) -> String {
    GITLEAKS_TOML.replace("USE_DEFAULT", if use_default { "true" } else { "false" })
}

#[test]
fn gitleaks_config_translates_rules_and_reports_untranslatable_ones_by_id() {
    let d = Dir::new();
    let acme = format!("acme_{}", random_base62(611, 24).to_lowercase());
    let intk = format!("intk-+v1+{}", random_base62(612, 20).to_uppercase());
    let gh = fake_github("ghp_", 613);
    d.write(".gitleaks.toml", gitleaks_toml(false));
    d.write(
        "src/app.txt",
        format!("ACME = {acme}\nINT = {intk}\nGH = {gh}\nSAMPLE = intk-+v1+SAMPLE0000000000000X\n"),
    );
    d.write("vendor/lib.txt", format!("ACME = {acme}\n"));
    let run = d.run(&["scan", "--format", "json", "--no-redact", "."]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // Only the gitleaks rules (useDefault = false): no GitHub finding.
    assert_eq!(
        rule_ids(&run),
        vec!["acme-api-key", "internal-token"],
        "{}",
        run.stdout
    );
    let int = run
        .findings()
        .into_iter()
        .find(|f| f["rule_id"] == "internal-token")
        .unwrap();
    assert_eq!(
        int["secret"],
        intk[9..].to_string(),
        "secretGroup picks the group"
    );
    // The vendor path is never read.
    assert!(run.stderr.contains("allowlisted path 1"), "{}", run.stderr);
    // A rule that cannot be translated is an error naming it; a path-only rule (nothing for a
    // content scanner to run) is a warning naming it.
    assert!(
        run.stderr
            .contains("rule `unicode-rule`: cannot be translated"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("warning: ")
            && run
                .stderr
                .contains("gitleaks rule `binary-file` only matches file paths"),
        "{}",
        run.stderr
    );

    d.write(".gitleaks.toml", gitleaks_toml(true));
    let run = d.run(&["scan", "--format", "json", "."]);
    assert_eq!(
        rule_ids(&run),
        vec!["acme-api-key", "github.pat.classic", "internal-token"],
        "{}",
        run.stdout
    );
    // Global allowlist regexes (Go syntax) apply to every rule, built-in ones too.
    let aws_test = format!("{}TEST", &fake_aws_key_id(614)[..16]);
    d.write("src/aws.txt", format!("key = {aws_test}\n"));
    let run = d.run(&["scan", "--format", "json", "src/aws.txt"]);
    // Nothing found; the untranslatable rule did not run, so the scan is incomplete (exit 2).
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.findings().is_empty());
    assert_eq!(run.json()["summary"]["rule_errors"], 1);
    // An explicit --config with our own format wins over discovery.
    d.write("ours.toml", "[rules]\nbuiltin = true\n");
    let run = d.run(&["scan", "--config", "ours.toml", "--format", "json", "src/"]);
    assert_eq!(
        rule_ids(&run),
        vec!["aws.access-key-id", "github.pat.classic"],
        "{}",
        run.stdout
    );
}

#[test]
fn gitleaksignore_entries_and_gitleaks_config_apply_to_the_pre_commit_hook() {
    let r = GitRepo::init();
    r.write("README.md", "hello\n");
    r.commit_all("init");
    r.write(".gitleaks.toml", &gitleaks_toml(true));
    let a = fake_github("ghp_", 620);
    let b = fake_github("ghp_", 621);
    let acme = format!("acme_{}", random_base62(622, 24).to_lowercase());
    r.write("conf/a.env", &format!("A={a}\nB={b}\nC={acme}\n"));
    // gitleaks' rule id for GitHub tokens differs from ours: file and line still map.
    r.write(
        ".gitleaksignore",
        "conf/a.env:github-pat:1\nconf/a.env:acme-api-key:3\n",
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let f = run.findings();
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["locations"][0]["line"], 2);
    assert!(run.stderr.contains(".gitleaksignore 2"), "{}", run.stderr);
}

#[test]
fn git_history_scan_honours_path_allowlists_commits_and_gitleaksignore() {
    let r = GitRepo::init();
    let a = fake_github("ghp_", 630);
    let b = fake_github("ghp_", 631);
    let c = fake_github("ghp_", 632);
    r.write("fixtures/a.env", &format!("A={a}\n"));
    r.commit_all("fixture");
    r.write("src/b.env", &format!("B={b}\n"));
    r.commit_all("b");
    let b_commit = r.git(&["rev-parse", "HEAD"]);
    r.write("src/c.env", &format!("x\nC={c}\n"));
    r.commit_all("c");
    let c_commit = r.git(&["rev-parse", "HEAD"]);
    let run = r.nhi(&["git", "--format", "json", "."]);
    assert_eq!(run.findings().len(), 3, "{}{}", run.stdout, run.stderr);
    r.write(
        ".nhi-scan.toml",
        &format!(
            "[allow]\npaths = [\"fixtures\"]\ncommits = [\"{}\"]\n",
            &b_commit[..8]
        ),
    );
    r.write(
        ".gitleaksignore",
        &format!("{c_commit}:src/c.env:github-pat:2\n"),
    );
    let run = r.nhi(&["git", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("allowlisted path 1"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("2 suppressed (allowlist 1, .gitleaksignore 1)"),
        "{}",
        run.stderr
    );
}
