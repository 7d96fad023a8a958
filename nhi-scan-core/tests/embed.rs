//! The library as an embedding program uses it: no process-global state, sources and sinks,
//! and git history edge cases that only the library API can check directly. Every credential
//! here is a generated fake.

use std::path::Path;
use std::process::Command;

use nhi_scan_core::{Collector, Origin, Outcome, Scan, Sink, Source, Status};

fn fake_github(seed: u64) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let body: String = (0..30)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            B62[(s % 62) as usize] as char
        })
        .collect();
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut check = [b'0'; 6];
    for slot in check.iter_mut().rev() {
        *slot = B62[(n % 62) as usize];
        n /= 62;
    }
    format!("ghp_{body}{}", String::from_utf8_lossy(&check))
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// What two runs must agree on: every finding's rule, fingerprint and locations, the skips,
/// and the suppression counts.
fn digest(o: &Outcome) -> Vec<String> {
    let mut out: Vec<String> = o
        .findings
        .iter()
        .map(|f| {
            let places: Vec<String> = f
                .locations
                .iter()
                .map(|l| format!("{}:{}:{}", l.origin.label(), l.line, l.column))
                .collect();
            format!("{} {} {}", f.rule_id, f.fingerprint, places.join(","))
        })
        .collect();
    out.extend(
        o.skipped
            .iter()
            .map(|s| format!("skip {} {}", s.origin.label(), s.reason)),
    );
    out.push(format!("suppressed {:?}", o.suppressed));
    out
}

/// Two repositories whose configurations differ: one allowlists a directory and has a
/// baseline-free history with a deleted secret; the other brings a gitleaks configuration with
/// its own rule and a `.gitleaksignore`.
fn two_repositories(base: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let a = base.join("alpha");
    let b = base.join("beta");
    for r in [&a, &b] {
        std::fs::create_dir_all(r).unwrap();
        git(r, &["init", "-q", "-b", "main"]);
    }
    write(&a, ".nhi-scan.toml", "[allow]\npaths = [\"vendor\"]\n");
    write(&a, "src/app.env", &format!("GH={}\n", fake_github(1)));
    write(&a, "vendor/lib.env", &format!("GH={}\n", fake_github(2)));
    git(&a, &["add", "."]);
    git(&a, &["commit", "-q", "-m", "alpha one"]);
    write(&a, "old.env", &format!("GH={}\n", fake_github(3)));
    git(&a, &["add", "."]);
    git(&a, &["commit", "-q", "-m", "alpha two"]);
    git(&a, &["rm", "-q", "old.env"]);
    git(&a, &["commit", "-q", "-m", "alpha three"]);

    write(
        &b,
        ".gitleaks.toml",
        "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"beta-token\"\nregex = '''betatok_[a-z0-9]{16}'''\nkeywords = [\"betatok_\"]\n",
    );
    write(
        &b,
        "conf/x.txt",
        "a = betatok_q7x2m9k4p1z8w3v6\nb = betatok_h5n0c8r2t6y4j1f9\n",
    );
    write(&b, ".gitleaksignore", "conf/x.txt:beta-token:2\n");
    write(&b, "ci.yml", &format!("token: {}\n", fake_github(4)));
    git(&b, &["add", "."]);
    git(&b, &["commit", "-q", "-m", "beta one"]);
    (a, b)
}

fn scan_repo(repo: &Path) -> (Vec<String>, Vec<String>) {
    let scan = Scan::builder().root(repo).build().expect("scan builds");
    let files = scan.run(Source::paths([repo])).expect("paths");
    let history = scan
        .run(Source::git(repo.to_string_lossy()))
        .expect("history");
    (digest(&files), digest(&history))
}

#[test]
fn two_repositories_scanned_on_two_threads_match_separate_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_repositories(dir.path());
    let alone_a = scan_repo(&a);
    let alone_b = scan_repo(&b);
    // Each repository's own configuration applied: alpha's vendor allowlist and deleted secret,
    // beta's gitleaks rule and .gitleaksignore.
    assert_eq!(
        alone_a.0.iter().filter(|l| l.starts_with("github")).count(),
        1
    );
    assert_eq!(
        alone_a.1.iter().filter(|l| l.starts_with("github")).count(),
        2
    );
    assert!(alone_b.0.iter().any(|l| l.starts_with("beta-token")));
    assert_eq!(
        alone_b
            .0
            .iter()
            .filter(|l| l.starts_with("beta-token"))
            .count(),
        1,
        "{:?}",
        alone_b.0
    );
    for _ in 0..3 {
        let (ta, tb) = std::thread::scope(|s| {
            let ha = s.spawn(|| scan_repo(&a));
            let hb = s.spawn(|| scan_repo(&b));
            (ha.join().unwrap(), hb.join().unwrap())
        });
        assert_eq!(ta, alone_a);
        assert_eq!(tb, alone_b);
    }
}

#[test]
fn a_blob_first_seen_at_an_allowlisted_path_is_scanned_where_it_moves() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    git(r, &["init", "-q", "-b", "main"]);
    write(r, ".nhi-scan.toml", "[allow]\npaths = [\"fixtures\"]\n");
    let token = fake_github(7);
    write(r, "fixtures/deploy/env.sh", &format!("export GH={token}\n"));
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "fixture"]);
    // The same directory (same tree, same blob) moves to a path nobody allowlisted.
    git(r, &["mv", "fixtures/deploy", "deploy"]);
    git(
        r,
        &["commit", "-q", "-m", "promote the fixture to a real script"],
    );
    let scan = Scan::builder().root(r).build().unwrap();
    let outcome = scan.run(Source::git(r.to_string_lossy())).unwrap();
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.findings);
    let paths: Vec<String> = outcome.findings[0]
        .locations
        .iter()
        .map(|l| match &*l.origin {
            Origin::Git(g) => g.path.clone(),
            other => other.label(),
        })
        .collect();
    assert_eq!(paths, vec!["deploy/env.sh".to_string()]);
    assert!(
        outcome
            .skipped
            .iter()
            .any(|s| s.origin.path() == "fixtures"),
        "{:?}",
        outcome.skipped
    );
}

#[test]
fn a_stream_is_scanned_in_chunks_with_a_cap_and_named_when_cut() {
    let token = fake_github(9);
    // 20 MiB of filler with the token at the end: it streams, and is found at the right line.
    let mut text = "filler line without anything\n".repeat(20 << 20 >> 5);
    let lines = text.lines().count() as u64;
    text.push_str(&format!("T={token}\n"));
    let scan = Scan::builder().build().unwrap();
    let outcome = scan
        .run(Source::reader("big", std::io::Cursor::new(text.clone())))
        .unwrap();
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.findings[0].locations[0].line, lines + 1);
    assert_eq!(outcome.status(), Status::Findings);
    // With a cap the stream stops there, is named as too large, and the scan is incomplete.
    let capped = Scan::builder()
        .max_file_size(Some(1 << 20))
        .build()
        .unwrap();
    let outcome = capped
        .run(Source::reader("big", std::io::Cursor::new(text)))
        .unwrap();
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].origin.label(), "big");
    assert_eq!(outcome.status(), Status::Incomplete);
}

#[test]
fn a_sink_sees_hits_as_inputs_finish_and_a_collector_groups_them() {
    struct Count(usize, Collector);
    impl Sink for Count {
        fn hit(&mut self, h: nhi_scan_core::Hit) -> Result<(), nhi_scan_core::SinkError> {
            self.0 += 1;
            self.1.hit(h)
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github(11);
    for i in 0..4 {
        write(dir.path(), &format!("f{i}.env"), &format!("T={token}\n"));
    }
    let scan = Scan::builder().root(dir.path()).build().unwrap();
    let mut sink = Count(0, Collector::new());
    scan.stream(Source::paths([dir.path()]), &mut sink).unwrap();
    assert_eq!(sink.0, 4, "one hit per sighting");
    let grouped = sink.1.finish();
    assert_eq!(grouped.findings.len(), 1, "one finding per credential");
    assert_eq!(grouped.findings[0].locations.len(), 4);
    assert_eq!(grouped.findings[0].path_count, 4);
}
