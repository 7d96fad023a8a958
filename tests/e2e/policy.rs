//! The exit policy, untrusted configuration, escaping and report integrity: what a scan may
//! never do is look clean when it is not, or let a scanned tree speak for the user.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::precommit::GitRepo;
use crate::util::*;

/// Runs as an unprivileged user when the tests run as root, so permissions bite.
fn run_unprivileged(d: &Dir, args: &[&str]) -> Run {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        return d.run(args);
    }
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    Run::from(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .args(args)
            .current_dir(d.path())
            .output()
            .expect("setpriv (util-linux) runs"),
    )
}

#[test]
fn a_scan_that_could_not_read_an_input_and_found_nothing_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new();
    d.write("ok.txt", "nothing here\n");
    std::fs::set_permissions(d.join("ok.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let locked = d.write("locked.txt", fake_github("ghp_", 700));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = run_unprivileged(&d, &["scan", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("locked.txt"), "{}", r.stderr);
    let r = run_unprivileged(&d, &["scan", "--ignore-errors", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Findings win over errors: exit 1.
    d.write("leak.txt", fake_github("ghp_", 701));
    std::fs::set_permissions(d.join("leak.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run_unprivileged(&d, &["scan", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_configuration_in_the_scanned_tree_is_announced_and_no_config_ignores_it() {
    let d = Dir::new();
    d.write("app.env", format!("TOKEN={}\n", fake_github("ghp_", 702)));
    // A hostile tree: its own gitleaks config allowlists everything.
    d.write(
        ".gitleaks.toml",
        "[extend]\nuseDefault = true\n[allowlist]\npaths = ['''.*''']\n",
    );
    let r = d.run(&["scan", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("configuration"), "{}", r.stderr);
    assert!(r.stderr.contains(".gitleaks.toml"), "{}", r.stderr);
    assert!(
        r.stderr.contains("never scans paths matching: .*"),
        "{}",
        r.stderr
    );
    let r = d.run(&["scan", "--no-config", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains(".gitleaks.toml"), "{}", r.stderr);
}

#[test]
fn text_from_a_scanned_repository_cannot_send_terminal_escapes() {
    let d = Dir::new();
    // Rule name, description and id from the tree's own gitleaks configuration, and a file
    // name, all carrying escape sequences.
    d.write(
        ".gitleaks.toml",
        "[[rules]]\nid = \"evil\\u001b]0;pwned\\u0007\"\ndescription = \"\\u001b[2J cleared\"\nregex = '''eviltok_[a-z0-9]{12}'''\nkeywords = [\"eviltok_\"]\n",
    );
    d.write("name\x1b[31mred.txt", "x = eviltok_q1w2e3r4t5y6\n");
    let r = d.run(&["scan", "--color", "never", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for stream in [&r.stdout, &r.stderr] {
        assert!(!stream.contains('\x1b'), "raw escape in {stream:?}");
        assert!(!stream.contains('\x07'), "raw bell in {stream:?}");
    }
    assert!(r.stdout.contains("\\u{1b}"), "{}", r.stdout);
}

#[test]
fn a_malformed_baseline_is_an_error_naming_the_file_and_entry() {
    let d = Dir::new();
    d.write("a.env", format!("T={}\n", fake_github("ghp_", 703)));
    d.write(
        ".nhi-scan-baseline.json",
        "{\"version\":1,\"entries\":[{\"fingerprint\":\"\u{e9}t\u{e9}\",\"rule_id\":\"x\",\"location\":\"a:1\"}]}",
    );
    for args in [&["baseline", "update", "."][..], &["scan", "."][..]] {
        let r = d.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(".nhi-scan-baseline.json") && r.stderr.contains("fingerprint"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn a_closed_pipe_does_not_turn_findings_into_a_clean_exit() {
    let d = Dir::new();
    let lines: String = (0..4000)
        .map(|i| format!("t{i} = {}\n", fake_github("ghp_", 10_000 + i)))
        .collect();
    d.write("many.txt", lines);
    for format in ["text", "jsonl"] {
        let mut child = Command::new(BIN)
            .args(["scan", "--format", format, "."])
            .current_dir(d.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "{format}: findings were found");
    }
}

#[test]
fn missing_operands_exit_2_for_every_command() {
    let r = GitRepo::init();
    r.write("a.txt", "x\n");
    r.commit_all("one");
    for args in [
        &["scan", "no/such/path"][..],
        &["pre-commit", "nosuchfile"][..],
        &["git", "no/such/repo"][..],
        &["baseline", "create", "no/such/dir"][..],
        &["scan", "--rules", "no/such/rules.toml", "."][..],
    ] {
        let run = r.nhi(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("no"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn an_output_file_is_replaced_only_by_a_complete_report() {
    let d = Dir::new();
    d.write("a.env", format!("T={}\n", fake_github("ghp_", 704)));
    d.write("report.json", "previous report\n");
    // A run that fails before writing (a broken configuration) leaves the old report alone and
    // no temporary file behind.
    d.write(".nhi-scan.toml", "not = [valid\n");
    let r = d.run(&["scan", "-f", "json", "-o", "report.json", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(d.join("report.json")).unwrap(),
        "previous report\n"
    );
    std::fs::remove_file(d.join(".nhi-scan.toml")).unwrap();
    let r = d.run(&["scan", "-f", "json", "-o", "report.json", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".nhi-scan-report")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn an_output_device_or_symlink_is_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let d = Dir::new();
    d.write("a.env", format!("T={}\n", fake_github("ghp_", 705)));
    // A device (as root, renaming a temporary file over /dev/null would replace it).
    let r = d.run(&["scan", "-f", "json", "-o", "/dev/null", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    // A symbolic link: the link stays, its target gets the report.
    d.write("reports/real.json", "old\n");
    std::os::unix::fs::symlink("reports/real.json", d.join("latest.json")).unwrap();
    let r = d.run(&["scan", "-f", "json", "-o", "latest.json", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(d.join("latest.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(d.join("reports/real.json")).unwrap();
    assert!(text.contains("\"findings\""), "{text}");
}
