//! SIGINT and SIGTERM sent to a real `nhi-scan` process mid-scan: no partial report, no
//! temporary clone left behind, exit 130 or 143.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{BIN, Dir, fake_github};

fn send(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
}

/// Files in `dir` whose name starts with `prefix`.
fn leftovers(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn sigint_mid_scan_leaves_no_partial_report_and_exits_130() {
    let d = Dir::new();
    d.write("report.jsonl", "previous report\n");
    let mut child = Command::new(BIN)
        .args([
            "scan",
            "--no-config",
            "-f",
            "jsonl",
            "-o",
            "report.jsonl",
            "-",
        ])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A token in the first chunk, so the report has started when the signal comes.
    let first = format!("T={}\n", fake_github("ghp_", 900));
    stdin.write_all(first.as_bytes()).unwrap();
    let filler = vec![b'x'; 1 << 20];
    for _ in 0..10 {
        stdin.write_all(&filler).unwrap();
    }
    // The report file exists, unfinished, under its temporary name.
    let started = Instant::now();
    while leftovers(d.path(), ".nhi-scan-report").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no temp report"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    send(&child, "INT");
    // Keep feeding: the scan notices the signal between chunks, not inside a blocked read.
    for _ in 0..64 {
        if stdin.write_all(&filler).is_err() {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(d.join("report.jsonl")).unwrap(),
        "previous report\n",
        "the old report is untouched"
    );
    assert!(leftovers(d.path(), ".nhi-scan-report").is_empty());
}

#[test]
fn sigterm_during_a_clone_removes_the_temporary_clone_and_exits_143() {
    let d = Dir::new();
    // A repository to clone, and a `git` that is slow to start, so the signal lands mid-clone.
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(&src)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .output()
            .unwrap();
        assert!(ok.status.success(), "{ok:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(src.join("a.txt"), "nothing\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "one"]);
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bin = d.join("slowbin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = clone ]; then sleep 3; fi\nexec {} \"$@\"\n",
            real_git.trim()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmp = d.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = format!("file://{}", src.display());
    let child = Command::new(BIN)
        .args(["git", "--no-config", &url])
        .current_dir(d.path())
        .env("PATH", path)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while leftovers(&tmp, "nhi-scan-clone-").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "no clone dir");
        std::thread::sleep(Duration::from_millis(10));
    }
    send(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the clone was not waited for"
    );
    assert!(
        leftovers(&tmp, "nhi-scan-clone-").is_empty(),
        "temporary clone left behind"
    );
}
