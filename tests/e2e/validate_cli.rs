//! `--validate` and `nhi-scan validate` through the real binary, with the provider host mapped
//! to a test server in `.nhi-scan.toml`, named with `--config`, as a user would for a proxy or
//! GitHub Enterprise.

use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, fake_github, random_base62};
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

/// The configuration mapping the provider host to the test server. Named with `--config` on
/// every run: host overrides from a configuration merely found in the scanned tree are ignored.
const CONFIG: &str = ".nhi-scan.toml";

fn project(server: &Server, files: &[(&str, String)]) -> Dir {
    let dir = Dir::new();
    dir.write(
        CONFIG,
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
    let r = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--validate",
        "--no-redact",
        "--format",
        "json",
        ".",
    ]);
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
    let t = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--validate",
        "--color",
        "never",
        ".",
    ]);
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
    let j = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--validate",
        "--format",
        "jsonl",
        ".",
    ]);
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
    let s = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--validate",
        "--format",
        "sarif",
        ".",
    ]);
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
    let o = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--only-valid",
        "--format",
        "json",
        ".",
    ]);
    assert_eq!(o.findings().len(), 1);
    assert_eq!(o.code, 1);
    let quiet = project(&server, &[("x.env", format!("B={dead}\n"))]);
    let o = quiet.run(&[
        "scan",
        "--config",
        CONFIG,
        "--only-valid",
        "--format",
        "json",
        ".",
    ]);
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
        let v = dir.run(&["validate", "--config", CONFIG, file]);
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
        let only = dir.run(&[
            "validate",
            "--config",
            CONFIG,
            "--only-valid",
            "--no-redact",
            file,
        ]);
        assert!(
            only.stdout.contains(&live) && !only.stdout.contains(&dead),
            "{}",
            only.stdout
        );
        dir.write("app.env", format!("A={live}\nB={dead}\n"));
    }
    // A redacted report cannot be re-validated: a clear error, exit 2.
    let r = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--format",
        "json",
        "-o",
        "masked.json",
        "app.env",
    ]);
    assert_eq!(r.code, 1);
    let v = dir.run(&["validate", "--config", CONFIG, "masked.json"]);
    assert_eq!(v.code, 2);
    assert!(
        v.stderr.contains("masked") && v.stderr.contains("--no-redact"),
        "{}",
        v.stderr
    );
    let v = dir.run(&["validate", "--config", CONFIG, "missing.json"]);
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
    let p = dir.run(&[
        "pre-commit",
        "--config",
        CONFIG,
        "--validate",
        "--color",
        "never",
    ]);
    assert_eq!(p.code, 1, "{}", p.stderr);
    assert!(p.stdout.contains("validation: valid"), "{}", p.stdout);
    git(&["commit", "-q", "-m", "add deploy script"]);
    let g = dir.run(&[
        "git",
        "--config",
        CONFIG,
        "--validate",
        "--format",
        "json",
        ".",
    ]);
    assert_eq!(g.code, 1, "{}", g.stderr);
    let f = g.findings();
    assert_eq!(f[0]["validation"]["identity"]["user"], json!("release-bot"));
}

/// A custom rule whose validator sends the token to `acme.example.test` (a reserved name that
/// never resolves, so nothing can leave the machine even if mapping were broken).
const ACME_RULE: &str = r#"
[[rule]]
id = "acme.token"
name = "Acme token"
kind = "generic"
keywords = ["acme_"]
pattern = '(?P<secret>acme_[A-Za-z0-9]{40})'
[rule.validate]
provider = "acme"
url = "https://acme.example.test/v1/whoami"
headers = { Authorization = "Bearer {secret}" }
valid = [{ status = [200] }]
invalid = [{ status = [401] }]
"#;

/// The finding whose secret starts with `prefix`, from a JSON report.
fn verdict(r: &crate::util::Run, prefix: &str) -> (String, String) {
    let findings = r.findings();
    let f = finding(&findings, prefix);
    (
        f["validation"]["status"].as_str().unwrap_or("").to_string(),
        f["validation"]["reason"].as_str().unwrap_or("").to_string(),
    )
}

/// The scanned tree is not the user: a `.nhi-scan.toml` found in it may tune the scan, but its
/// `[validate.hosts]` and the validators of the rule files it lists would send the tree's
/// credentials wherever the tree's author likes. They are ignored with warnings naming the
/// files, and the server they point at receives nothing, not even a connection. Named with
/// `--config` / `--rules`, the same files are honoured.
#[test]
fn a_discovered_configuration_cannot_send_credentials_to_a_host_it_chooses() {
    let server = Server::start(|r| {
        if r.path.ends_with("/lookup-self") || r.path.ends_with("/whoami") {
            Resp::json(200, json!({"data": {"display_name": "collector"}}))
        } else {
            Resp::json(404, json!({}))
        }
    });
    let vault = format!("hvs.{}", random_base62(5301, 90));
    let acme = format!("acme_{}", random_base62(5302, 40));
    let hosts = format!(
        "[validate]\nrate_limit = 0\nconcurrency = 100000\n[validate.hosts]\n\"vault\" = \"{b}\"\n\"acme.example.test\" = \"{b}\"\n",
        b = server.base()
    );
    let dir = Dir::new();
    dir.write(
        ".nhi-scan.toml",
        format!("{hosts}[rules]\nfiles = [\"rules/acme.toml\"]\n"),
    );
    dir.write("rules/acme.toml", ACME_RULE);
    dir.write(
        "app.env",
        format!("VAULT_TOKEN={vault}\nACME_TOKEN={acme}\n"),
    );
    let r = dir.run(&["scan", "--validate", "--no-redact", "--format", "json", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(
        server.connections(),
        0,
        "the tree's host received a connection"
    );
    assert!(
        r.stderr
            .contains(".nhi-scan.toml: [validate.hosts] ignored")
            && r.stderr.contains("--config"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("acme.toml: validators of rules acme.token ignored"),
        "{}",
        r.stderr
    );
    // Settings out of range are clamped with a warning naming the file and key.
    assert!(
        r.stderr.contains(
            ".nhi-scan.toml: validate.concurrency = 100000: must be between 1 and 64; using 64"
        ),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("validation requests for"),
        "no override announced: {}",
        r.stderr
    );
    let (status, reason) = verdict(&r, "hvs.");
    assert_eq!(status, "unknown");
    assert!(reason.contains("[validate.hosts]"), "{reason}");
    let (status, reason) = verdict(&r, "acme_");
    assert_eq!(status, "unknown");
    assert!(reason.starts_with("unsupported: no validator"), "{reason}");
    // The same configuration named with --config is the user's: honoured in full.
    let e = dir.run(&[
        "scan",
        "--config",
        ".nhi-scan.toml",
        "--validate",
        "--no-redact",
        "--format",
        "json",
        ".",
    ]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(!e.stderr.contains("ignored"), "{}", e.stderr);
    assert_eq!(verdict(&e, "hvs.").0, "valid");
    assert_eq!(verdict(&e, "acme_").0, "valid");
    assert_eq!(server.requests().len(), 2);
    // A rule file named with --rules keeps its validator (the mapping from a named file).
    let named = Dir::new();
    named.write("mapping.toml", &hosts);
    named.write("acme.toml", ACME_RULE);
    named.write("app.env", format!("ACME_TOKEN={acme}\n"));
    let n = named.run(&[
        "scan",
        "--config",
        "mapping.toml",
        "--rules",
        "acme.toml",
        "--validate",
        "--no-redact",
        "--format",
        "json",
        "app.env",
    ]);
    assert_eq!(n.code, 1, "{}", n.stderr);
    assert_eq!(verdict(&n, "acme_").0, "valid", "{}", n.stderr);
    assert_eq!(server.requests().len(), 3);
}

/// Whether `text` holds any 10-character window of `secret` past the 6-character prefix that
/// redaction shows.
fn leaks(text: &str, secret: &str) -> Option<String> {
    let b = secret.as_bytes();
    (6..b.len().saturating_sub(9))
        .map(|i| &secret[i..i + 10])
        .find(|w| text.contains(w))
        .map(|w| w.to_string())
}

/// With redaction on (the default), a run whose verdicts are valid, invalid and unknown, against
/// a provider that echoes the token back in its answers, prints no part of any secret: not on
/// stdout or stderr, not in a report file, in no format, verbose or not, and not from
/// `nhi-scan validate` either.
#[test]
fn validation_never_outputs_a_secret_with_redaction_on() {
    let live = fake_github("ghp_", 5401);
    let dead = fake_github("ghp_", 5402);
    let broken = fake_github("ghp_", 5403);
    let vault = format!("hvs.{}", random_base62(5404, 90));
    let server = {
        let (live, broken) = (live.clone(), broken.clone());
        Server::start(move |r| {
            let token = r.bearer().unwrap_or("").to_string();
            if token == live {
                Resp::json(
                    200,
                    json!({"login": format!("bot-{token}"), "id": 5, "name": token, "type": "User"}),
                )
                .header("X-OAuth-Scopes", &format!("repo, {token}"))
            } else if token == broken {
                Resp::new(500, format!("internal error while checking {token}"))
            } else {
                Resp::json(401, json!({"message": format!("Bad credentials: {token}")}))
            }
        })
    };
    let dir = project(
        &server,
        &[(
            "app.env",
            format!("A={live}\nB={dead}\nC={broken}\nVAULT_TOKEN={vault}\n"),
        )],
    );
    let secrets = [&live, &dead, &broken, &vault];
    let check = |what: &str, text: &str| {
        for s in secrets {
            if let Some(w) = leaks(text, s) {
                panic!("{what} holds {w:?} of a secret:\n{text}");
            }
        }
    };
    let mut statuses = std::collections::BTreeSet::new();
    for format in ["text", "json", "jsonl", "sarif"] {
        for verbose in [false, true] {
            let out = format!("out.{format}");
            let mut args = vec![
                "scan",
                "--config",
                CONFIG,
                "--validate",
                "--format",
                format,
                "--color",
                "never",
            ];
            if verbose {
                args.push("--verbose");
            }
            let r = dir.run(&[args.as_slice(), &["."]].concat());
            assert_eq!(r.code, 1, "{}", r.stderr);
            check(&format!("{format} stdout"), &r.stdout);
            check(&format!("{format} stderr"), &r.stderr);
            if format == "json" {
                for f in r.findings() {
                    if let Some(s) = f["validation"]["status"].as_str() {
                        statuses.insert(s.to_string());
                    }
                }
            }
            let w = dir.run(&[args.as_slice(), &["-o", out.as_str(), "."]].concat());
            assert_eq!(w.code, 1, "{}", w.stderr);
            check(&format!("{format} -o stderr"), &w.stderr);
            check(
                &format!("{format} report file"),
                &std::fs::read_to_string(dir.join(&out)).unwrap(),
            );
        }
    }
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["invalid", "unknown", "valid"],
        "the run must cover every verdict"
    );
    // `nhi-scan validate` reads a full report (secrets in it by design) and writes a masked one.
    let r = dir.run(&[
        "scan",
        "--config",
        CONFIG,
        "--no-redact",
        "--format",
        "json",
        "-o",
        "full.json",
        ".",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for extra in [
        &[][..],
        &["-o", "again.json"],
        &["-f", "inventory"],
        &["-f", "html"],
    ] {
        let v = dir.run(
            &[
                &["validate", "--config", CONFIG, "--verbose"][..],
                extra,
                &["full.json"],
            ]
            .concat(),
        );
        assert_eq!(v.code, 1, "{}", v.stderr);
        check("validate stdout", &v.stdout);
        check("validate stderr", &v.stderr);
    }
    check(
        "validate -o file",
        &std::fs::read_to_string(dir.join("again.json")).unwrap(),
    );
}
