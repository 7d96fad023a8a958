//! `nhi-scan scan` over real directory trees built by each test.

use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};

use crate::util::*;

#[test]
fn planted_token_is_reported_redacted_with_location_and_exit_1() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 1);
    d.write("src/config.py", format!("import os\n\nTOKEN = \"{tok}\"\n"));
    let r = d.run(&["scan", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("src/config.py:3:10"), "{}", r.stdout);
    assert!(
        r.stdout.contains("GitHub personal access token"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("fix:"), "{}", r.stdout);
    assert!(
        !r.stdout.contains(&tok) && !r.stderr.contains(&tok),
        "secret printed in full"
    );
    assert!(
        r.stderr.contains("scanned 1 files") && r.stderr.contains("1 findings"),
        "{}",
        r.stderr
    );
}

#[test]
fn clean_tree_exits_0() {
    let d = Dir::new();
    d.write(
        "a.rs",
        "fn main() { let key = std::env::var(\"API_KEY\"); }\n",
    );
    d.write(
        "README.md",
        "Set GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX in your shell.\n",
    );
    let r = d.run(&["scan"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn wrong_checksum_is_not_reported() {
    let d = Dir::new();
    let mut tok = fake_github("ghp_", 2);
    let last = tok.pop().unwrap();
    tok.push(if last == 'a' { 'b' } else { 'a' });
    d.write("x.env", format!("GITHUB_TOKEN={tok}\n"));
    assert_eq!(d.run(&["scan", "."]).code, 0);
}

#[test]
fn same_secret_in_two_files_is_one_finding_with_two_locations() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 3);
    d.write("a/.env", format!("GH={tok}\n"));
    d.write("b/deploy.yaml", format!("env:\n  token: {tok}\n"));
    let r = d.run(&["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 1);
    let f = r.findings();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["rule_id"], "github.pat.classic");
    assert_eq!(f[0]["kind"], "vcs-token");
    assert_eq!(f[0]["locations"].as_array().unwrap().len(), 2);
    assert_eq!(f[0]["locations"][1]["line"], 2);
    assert_eq!(f[0]["locations"][1]["column"], 10);
    assert_eq!(f[0]["redacted"], true);
    assert_ne!(f[0]["secret"], tok.as_str());
    // The fingerprint is a stable function of rule and secret.
    let again = d.run(&["scan", ".", "--format", "json"]).findings();
    assert_eq!(f[0]["fingerprint"], again[0]["fingerprint"]);
    assert_eq!(f[0]["fingerprint"].as_str().unwrap().len(), 64);
}

#[test]
fn no_redact_prints_the_secret_and_jsonl_streams_one_line_per_sighting() {
    let d = Dir::new();
    let (a, b) = (fake_github("ghp_", 4), fake_github("gho_", 5));
    d.write("x.txt", format!("{a}\n{b}\n"));
    d.write("y.txt", format!("again {a}\n"));
    let r = d.run(&["scan", "--format", "jsonl", "--no-redact"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let findings: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "finding").collect();
    // One line per sighting, each with its one location; the same secret twice shares a
    // fingerprint.
    assert_eq!(findings.len(), 3, "{}", r.stdout);
    let mut secrets: Vec<&str> = findings
        .iter()
        .map(|f| f["secret"].as_str().unwrap())
        .collect();
    secrets.sort();
    let mut want = vec![a.as_str(), a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(secrets, want);
    assert!(
        findings
            .iter()
            .all(|f| f["locations"].as_array().unwrap().len() == 1)
    );
    let of_a: Vec<&str> = findings
        .iter()
        .filter(|f| f["secret"] == a.as_str())
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(of_a[0], of_a[1]);
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["findings"], 2);
}

#[test]
fn gitignore_is_honoured_hidden_files_are_scanned_and_no_ignore_scans_all() {
    let d = Dir::new();
    d.write(".gitignore", "ignored/\n");
    d.write("ignored/secret.txt", fake_github("ghp_", 6));
    d.write(".env", format!("T={}\n", fake_github("ghp_", 7)));
    let r = d.run(&["scan", "--format", "json"]);
    let paths: Vec<String> = r
        .findings()
        .iter()
        .map(|f| {
            f["locations"][0]["origin"]["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, vec!["./.env"]);
    let r = d.run(&["scan", "--format", "json", "--no-ignore"]);
    assert_eq!(r.findings().len(), 2);
}

#[test]
fn of_a_git_directory_only_its_config_is_scanned() {
    // A token in a remote URL lives in `.git/config`; the object store is history, which
    // `nhi-scan git` reads.
    let d = Dir::new();
    let tok = fake_github("ghp_", 8);
    d.write(
        ".git/config",
        format!(
            "[remote \"origin\"]\n\turl = https://x-access-token:{tok}@github.com/acme/app.git\n"
        ),
    );
    d.write(
        ".git/logs/HEAD",
        format!("0000 1111 dev <d@x> 1 +0000\tclone {tok}\n"),
    );
    d.write(".git/packed-refs", fake_github("ghp_", 9));
    let r = d.run(&["scan", "--format", "json"]);
    let paths: Vec<String> = r
        .findings()
        .iter()
        .flat_map(|f| f["locations"].as_array().unwrap().clone())
        .map(|l| l["origin"]["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["./.git/config"], "{}", r.stdout);
}

#[test]
fn stdin_is_scanned_with_dash() {
    let d = Dir::new();
    let tok = fake_github("ghs_", 8);
    let mut child = Command::new(BIN)
        .args(["scan", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .current_dir(d.path())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("x\ny {tok}\n").as_bytes())
        .unwrap();
    let r = Run::from(child.wait_with_output().unwrap());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = r.findings();
    assert_eq!(f[0]["locations"][0]["origin"]["type"], "buffer");
    assert_eq!(f[0]["locations"][0]["origin"]["name"], "<stdin>");
    assert_eq!(f[0]["locations"][0]["line"], 2);
}

#[test]
fn binary_and_oversized_files_are_skipped_and_counted() {
    let d = Dir::new();
    let mut bin = b"\x7fELF\0\0\0".to_vec();
    bin.extend_from_slice(fake_github("ghp_", 9).as_bytes());
    d.write("tool.bin", bin);
    d.write(
        "big.txt",
        format!("{}\n{}", "a".repeat(2048), fake_github("ghp_", 10)),
    );
    // A multi-GB sparse file: never read, skipped by size.
    let huge = std::fs::File::create(d.join("huge.log")).unwrap();
    huge.set_len(5 * 1024 * 1024 * 1024).unwrap();
    let r = d.run(&["scan", "--max-file-size", "1K"]);
    // Files over the cap were not scanned: the scan is incomplete (exit 2) unless told to
    // ignore that, and every skipped file is named.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("skipped 3 (binary 1, too large 2)"),
        "{}",
        r.stderr
    );
    for name in [
        "tool.bin: binary (elf)",
        "big.txt: too large",
        "huge.log: too large",
    ] {
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
    }
    let r = d.run(&["scan", "--max-file-size", "1K", "--ignore-errors"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Without a cap every text file is scanned, however large (they stream); the ELF binary
    // is still recognised by content.
    std::fs::remove_file(d.join("huge.log")).unwrap();
    let r = d.run(&["scan", "--max-file-size", "0"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("skipped 1 (binary 1)"), "{}", r.stderr);
}

#[test]
fn invalid_utf8_and_crlf_do_not_hide_secrets() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 11);
    let mut bytes = b"\xff\xfe\xc3\x28 latin1 caf\xe9\r\nkey = ".to_vec();
    bytes.extend_from_slice(tok.as_bytes());
    bytes.extend_from_slice(b"\r\n");
    d.write("weird.txt", bytes);
    let r = d.run(&["scan", "--format", "json"]);
    let f = r.findings();
    assert_eq!(f.len(), 1, "{}", r.stderr);
    assert_eq!(f[0]["locations"][0]["line"], 2);
    assert_eq!(f[0]["locations"][0]["column"], 7);
}

#[test]
fn unreadable_file_is_reported_with_its_path_and_the_scan_goes_on() {
    let d = Dir::new();
    d.write("ok.txt", fake_github("ghp_", 12));
    let locked = d.write("locked.txt", fake_github("ghp_", 13));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = if is_root() {
        // root reads anything: run the scan as an unprivileged user instead.
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(d.join("ok.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
        Run::from(
            Command::new("setpriv")
                .args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    BIN,
                    "scan",
                    "--format",
                    "json",
                ])
                .current_dir(d.path())
                .output()
                .expect("setpriv (util-linux) runs"),
        )
    } else {
        d.run(&["scan", "--format", "json"])
    };
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.findings().len(), 1);
    assert!(
        r.stderr.contains("locked.txt: Permission denied"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("1 errors"), "{}", r.stderr);
    assert_eq!(r.json()["summary"]["errors"], 1);
}

#[test]
fn very_deep_tree_is_walked() {
    let d = Dir::new();
    let deep: String = (0..300).map(|i| format!("d{i}/")).collect();
    d.write(
        &format!("{deep}leak.env"),
        format!("TOKEN={}\n", fake_github("ghp_", 14)),
    );
    let r = d.run(&["scan", "--format", "json"]);
    assert_eq!(r.findings().len(), 1, "{}", r.stderr);
}

#[test]
fn symlinks_are_not_followed_by_default_and_loops_are_reported_when_they_are() {
    let d = Dir::new();
    d.write("real/t.txt", fake_github("ghp_", 15));
    symlink(d.join("real/t.txt"), d.join("link.txt")).unwrap();
    symlink(d.join("missing"), d.join("broken")).unwrap();
    symlink(d.path(), d.join("real/loop")).unwrap();
    let r = d.run(&["scan", "--format", "json"]);
    assert_eq!(r.findings()[0]["locations"].as_array().unwrap().len(), 1);
    assert!(r.stderr.contains("symlink 3"), "{}", r.stderr);
    let r = d.run(&["scan", "--format", "json", "--follow-symlinks"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("broken"), "{}", r.stderr);
    assert!(r.stderr.contains("loop"), "{}", r.stderr);
    assert!(
        r.json()["summary"]["errors"].as_u64().unwrap() >= 2,
        "{}",
        r.stderr
    );
}

#[test]
fn fifo_is_skipped_not_read() {
    let d = Dir::new();
    let ok = Command::new("mkfifo").arg(d.join("pipe")).status().unwrap();
    assert!(ok.success());
    let r = d.run(&["scan"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file 1"), "{}", r.stderr);
}

#[test]
fn invalid_rules_file_is_reported_and_the_scan_goes_on() {
    let d = Dir::new();
    d.write(
        "t.txt",
        format!("{}\nmine_Q7ZK2MX9P4WT\n", fake_github("ghp_", 16)),
    );
    d.write(
        "rules/custom.toml",
        r#"
[[rule]]
id = "custom.ok"
name = "Custom"
kind = "generic"
keywords = ["mine_"]
pattern = '(?P<secret>mine_[A-Z0-9]{12})'

[[rule]]
id = "custom.broken"
name = "Broken"
kind = "generic"
keywords = ["zzz"]
pattern = '(?P<secret>zzz[a-z'
"#,
    );
    d.write("rules/bad.toml", "[[rule]\nid=");
    let r = d.run(&["scan", "t.txt", "--rules", "rules", "--format", "json"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("custom.toml: rule `custom.broken`: invalid regex"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("bad.toml: invalid rule file"),
        "{}",
        r.stderr
    );
    let ids: Vec<String> = r
        .findings()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.iter().any(|i| i == "custom.ok") && ids.iter().any(|i| i == "github.pat.classic"),
        "{ids:?}"
    );
    assert_eq!(r.json()["summary"]["rule_errors"], 2);
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new();
    assert_eq!(d.run(&["scan", "--no-such-flag"]).code, 2);
    assert_eq!(d.run(&["scan", "--max-file-size", "12Q"]).code, 2);
    let r = d.run(&["scan", "--output", "/nonexistent/dir/out.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("/nonexistent/dir/out.json"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_path_is_an_error_naming_it() {
    let d = Dir::new();
    let r = d.run(&["scan", "does-not-exist"]);
    assert_eq!(r.code, 2, "a missing operand is a usage error");
    assert!(
        r.stderr.contains("does-not-exist") && r.stderr.contains("No such file"),
        "{}",
        r.stderr
    );
    let r = d.run(&["scan", ".", "--rules", "no-such-rules.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-rules.toml"), "{}", r.stderr);
}

#[test]
fn output_file_receives_the_report() {
    let d = Dir::new();
    d.write("k.txt", fake_github("ghp_", 17));
    let r = d.run(&["scan", "k.txt", "--format", "json", "--output", "out.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("out.json")).unwrap()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn aws_secret_key_is_reported_with_its_key_id() {
    let d = Dir::new();
    let id = fake_aws_key_id(18);
    let secret: String = random_base62(19, 40);
    d.write(
        ".aws/credentials",
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    );
    let r = d.run(&["scan", "--format", "json", "--no-redact"]);
    let f = r.findings();
    let sk = f
        .iter()
        .find(|f| f["kind"] == "cloud-key" && f["companion"].is_object())
        .expect("secret key finding");
    assert_eq!(sk["companion"]["value"], id.as_str());
    assert!(
        f.iter().any(|f| f["rule_id"] == "aws.access-key-id"),
        "{}",
        r.stdout
    );
}

#[test]
fn rules_check_passes_on_the_builtin_pack_and_list_shows_rules() {
    let d = Dir::new();
    let r = d.run(&["rules", "check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(" 0 failed"), "{}", r.stderr);
    let r = d.run(&["rules", "list"]);
    assert!(r.stdout.lines().count() >= 60, "{}", r.stdout);
    d.write("bad.toml", "[[rule]]\nid=\"x.y\"\nname=\"X\"\nkind=\"generic\"\nkeywords=[\"abcd\"]\npattern='(?P<secret>abcd[0-9]{4})'\nexamples=['abcd12']\nnegative_examples=['abcd7391']\n");
    let r = d.run(&["rules", "check", "--rules", "bad.toml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("FAIL x.y") && r.stderr.contains("example not reported: \"abcd12\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("negative example reported: \"abcd7391\""),
        "{}",
        r.stderr
    );
}

#[test]
fn encoded_secrets_are_decoded_and_reported_at_the_encoded_text() {
    let d = Dir::new();
    let (gh, gh2, gh3) = (
        fake_github("ghp_", 30),
        fake_github("ghs_", 31),
        fake_github("gho_", 32),
    );
    let docker = format!(
        r#"{{"auths":{{"ghcr.io":{{"auth":"{}"}}}}}}"#,
        b64(format!("bot:{gh3}").as_bytes())
    );
    d.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  note: {}\n  token: {}\n  .dockerconfigjson: {}\n",
            b64(b"just a harmless note"),
            b64(gh.as_bytes()),
            b64(docker.as_bytes()),
        ),
    );
    d.write(
        "curl.sh",
        format!(
            "curl -H 'Authorization: Basic {}' https://api.github.com/user\n",
            b64(format!("x-access-token:{gh2}").as_bytes())
        ),
    );
    d.write(
        "form.txt",
        format!(
            "grant=refresh&token%3D{}%26scope%3Drepo\n",
            gh.replace('_', "%5F")
        ),
    );
    let r = d.run(&["scan", "--format", "json", "--no-redact"]);
    let f = r.findings();
    let find = |tok: &str| {
        f.iter()
            .find(|x| x["secret"] == tok)
            .unwrap_or_else(|| panic!("{tok} not found in {}", r.stdout))
            .clone()
    };
    let a = find(&gh);
    let locs = a["locations"].as_array().unwrap();
    assert_eq!(
        locs.len(),
        2,
        "base64 in the Secret and percent-encoded in the form: {}",
        r.stdout
    );
    let yaml = locs
        .iter()
        .find(|l| {
            l["origin"]["path"]
                .as_str()
                .unwrap()
                .ends_with("secret.yaml")
        })
        .unwrap();
    assert_eq!(
        (
            yaml["line"].as_u64(),
            yaml["column"].as_u64(),
            yaml["encoding"].as_str()
        ),
        (Some(8), Some(10), Some("base64"))
    );
    let form = locs
        .iter()
        .find(|l| l["origin"]["path"].as_str().unwrap().ends_with("form.txt"))
        .unwrap();
    assert_eq!(form["encoding"], "percent");
    assert_eq!(find(&gh2)["locations"][0]["encoding"], "base64");
    // Two levels: a Docker config (base64 in the Secret) whose `auth` is base64 of user:token.
    assert_eq!(find(&gh3)["locations"][0]["line"], 9);
}

#[test]
fn companions_are_redacted_and_odd_file_names_are_safe_in_every_format() {
    let d = Dir::new();
    let id = fake_aws_key_id(50);
    let secret = random_base62(51, 40);
    let creds = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    // A file name that is not UTF-8 and one with a newline and an escape sequence.
    use std::os::unix::ffi::OsStrExt;
    std::fs::write(
        d.path().join(std::ffi::OsStr::from_bytes(b"b\xff.env")),
        &creds,
    )
    .unwrap();
    d.write("c\nfake.env:9:9: forged\x1b[2J.env", &creds);
    for format in ["json", "jsonl", "sarif", "text"] {
        let r = d.run(&["scan", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains(&id) && !r.stdout.contains(&secret),
            "{format} leaks: {}",
            r.stdout
        );
        assert!(
            !r.stdout.contains('\x1b'),
            "{format} passes an escape sequence through"
        );
        assert!(
            !r.stdout.lines().any(|l| l.starts_with("fake.env:9:9")),
            "{format} lets a file name forge a line"
        );
    }
    let r = d.run(&["scan", "--format", "sarif"]);
    assert!(
        r.stdout.contains("b%FF.env"),
        "raw bytes are percent-encoded in the SARIF URI"
    );
}

#[test]
fn a_plain_token_inside_a_percent_encoded_run_is_reported_where_it_is() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 60);
    d.write(
        "q.txt",
        format!("url=https://x.com/?a=%22b%22&token={tok}%3D%3D\n"),
    );
    let r = d.run(&["scan", "--format", "json", "--no-redact"]);
    let f = r.findings();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    let l = &f[0]["locations"][0];
    assert_eq!(
        (l["column"].as_u64(), l.get("encoding")),
        (Some(36), None),
        "{l}"
    );
}
