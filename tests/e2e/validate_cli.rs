//! `--validate` and `nhi-scan validate` through the real binary, with the provider host mapped
//! to a test server in `.nhi-scan.toml` as a user would for a proxy or GitHub Enterprise.

use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, fake_github};
use crate::validate_server::{Resp, Server};

fn github(live: &str) -> Server {
    let live = live.to_string();
    Server::start(move |r| {
        if r.path == "/user" && r.bearer() == Some(live.as_str()) {
            Resp::json(
                200,
                json!({"login": "release-bot", "id": 77, "type": "User"}),
            )
            .header("X-OAuth-Scopes", "repo")
        } else {
            Resp::json(401, json!({"message": "Bad credentials"}))
        }
    })
}

fn project(server: &Server, files: &[(&str, String)]) -> Dir {
    let dir = Dir::new();
    dir.write(
        ".nhi-scan.toml",
        format!(
            "[validate]\nrate_limit = 0\n[validate.hosts]\n\"api.github.com\" = \"{}\"\n",
            server.base()
        ),
    );
    for (name, text) in files {
        dir.write(name, text);
    }
    dir
}

fn finding<'a>(findings: &'a [Value], secret_prefix: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| {
            f["secret"]
                .as_str()
                .unwrap_or("")
                .starts_with(secret_prefix)
        })
        .unwrap_or_else(|| panic!("no finding starting {secret_prefix}: {findings:?}"))
}

#[test]
fn scan_validate_reports_verdicts_in_every_format() {
    let live = fake_github("ghp_", 5001);
    let dead = fake_github("ghp_", 5002);
    let server = github(&live);
    let dir = project(
        &server,
        &[("app.env", format!("A={live}\nB={dead}\nC={live}\n"))],
    );
    let r = dir.run(&["scan", "--validate", "--no-redact", "--format", "json", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    let findings = doc["findings"].as_array().unwrap();
    let l = finding(findings, &live);
    assert_eq!(l["validation"]["status"], json!("valid"));
    assert_eq!(l["validation"]["identity"]["user"], json!("release-bot"));
    assert_eq!(
        finding(findings, &dead)["validation"]["status"],
        json!("invalid")
    );
    assert_eq!(
        doc["summary"]["validation"],
        json!({"valid": 1, "invalid": 1, "unknown": 0})
    );
    assert!(
        r.stderr
            .contains("validation: 1 valid, 1 invalid, 0 unknown"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "validation requests for api.github.com go to {}",
            server.base()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(
        server.requests().len(),
        2,
        "one request per distinct secret"
    );
    // Text: the verdict and identity under the finding.
    let t = dir.run(&["scan", "--validate", "--color", "never", "."]);
    assert!(
        t.stdout.contains(
            "validation: valid: scopes=[\"repo\"], type=User, user=release-bot, user_id=77"
        ),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout
            .contains("validation: invalid (rejected by the provider (HTTP 401))"),
        "{}",
        t.stdout
    );
    // JSONL: collected when validating; every finding line carries its verdict.
    let j = dir.run(&["scan", "--validate", "--format", "jsonl", "."]);
    let lines: Vec<Value> = j
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let finds: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == json!("finding"))
        .collect();
    assert_eq!(finds.len(), 2);
    assert!(finds.iter().all(|f| f["validation"]["status"].is_string()));
    let summary = lines
        .iter()
        .find(|l| l["type"] == json!("summary"))
        .unwrap();
    assert_eq!(summary["validation"]["valid"], json!(1));
    // SARIF: result properties.
    let s = dir.run(&["scan", "--validate", "--format", "sarif", "."]);
    let sarif: Value = serde_json::from_str(&s.stdout).unwrap();
    let statuses: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["properties"]["validation"]["status"])
        .collect();
    assert!(
        statuses.contains(&&json!("valid")) && statuses.contains(&&json!("invalid")),
        "{statuses:?}"
    );
    // --only-valid keeps the live one; with none live, the scan is clean.
    let o = dir.run(&["scan", "--only-valid", "--format", "json", "."]);
    assert_eq!(o.findings().len(), 1);
    assert_eq!(o.code, 1);
    let quiet = project(&server, &[("x.env", format!("B={dead}\n"))]);
    let o = quiet.run(&["scan", "--only-valid", "--format", "json", "."]);
    assert_eq!((o.code, o.findings().len()), (0, 0), "{}", o.stderr);
}

#[test]
fn validate_command_rechecks_a_report_without_rescanning() {
    let live = fake_github("ghp_", 5101);
    let dead = fake_github("ghp_", 5102);
    let server = github(&live);
    let dir = project(&server, &[("app.env", format!("A={live}\nB={dead}\n"))]);
    for (format, file) in [("json", "report.json"), ("jsonl", "report.jsonl")] {
        let r = dir.run(&[
            "scan",
            "--no-redact",
            "--format",
            format,
            "-o",
            file,
            "app.env",
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        // The scanned file is gone: the report alone is re-validated.
        std::fs::remove_file(dir.join("app.env")).ok();
        let before = server.requests().len();
        let v = dir.run(&["validate", file]);
        assert_eq!(v.code, 1, "{}", v.stderr);
        assert_eq!(server.requests().len() - before, 2);
        assert!(v.stderr.contains("validated 2 credentials"), "{}", v.stderr);
        assert!(
            v.stderr.contains("1 valid, 1 invalid, 0 unknown"),
            "{}",
            v.stderr
        );
        let findings: Vec<Value> = if format == "json" {
            let doc: Value = serde_json::from_str(&v.stdout).unwrap();
            assert_eq!(doc["summary"]["validation"]["valid"], json!(1));
            doc["findings"].as_array().unwrap().clone()
        } else {
            v.stdout
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .filter(|l| l["type"] == json!("finding"))
                .collect()
        };
        assert_eq!(findings.len(), 2);
        for f in &findings {
            assert_eq!(f["redacted"], json!(true), "secrets masked by default");
            assert!(!v.stdout.contains(&live) && !v.stdout.contains(&dead));
        }
        let statuses: Vec<&Value> = findings
            .iter()
            .map(|f| &f["validation"]["status"])
            .collect();
        assert!(statuses.contains(&&json!("valid")) && statuses.contains(&&json!("invalid")));
        let only = dir.run(&["validate", "--only-valid", "--no-redact", file]);
        assert!(
            only.stdout.contains(&live) && !only.stdout.contains(&dead),
            "{}",
            only.stdout
        );
        dir.write("app.env", format!("A={live}\nB={dead}\n"));
    }
    // A redacted report cannot be re-validated: a clear error, exit 2.
    let r = dir.run(&["scan", "--format", "json", "-o", "masked.json", "app.env"]);
    assert_eq!(r.code, 1);
    let v = dir.run(&["validate", "masked.json"]);
    assert_eq!(v.code, 2);
    assert!(
        v.stderr.contains("masked") && v.stderr.contains("--no-redact"),
        "{}",
        v.stderr
    );
    let v = dir.run(&["validate", "missing.json"]);
    assert_eq!(v.code, 2);
    assert!(v.stderr.contains("missing.json"), "{}", v.stderr);
}

#[test]
fn git_and_pre_commit_take_validate() {
    let live = fake_github("ghp_", 5201);
    let server = github(&live);
    let dir = project(
        &server,
        &[("deploy.sh", format!("export GH_TOKEN={live}\n"))],
    );
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .output()
            .expect("git");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "deploy.sh"]);
    let p = dir.run(&["pre-commit", "--validate", "--color", "never"]);
    assert_eq!(p.code, 1, "{}", p.stderr);
    assert!(p.stdout.contains("validation: valid"), "{}", p.stdout);
    git(&["commit", "-q", "-m", "add deploy script"]);
    let g = dir.run(&["git", "--validate", "--format", "json", "."]);
    assert_eq!(g.code, 1, "{}", g.stderr);
    let f = g.findings();
    assert_eq!(f[0]["validation"]["identity"]["user"], json!("release-bot"));
}
