//! The git object reader: a small repository (some objects packed, some loose) is built once;
//! each input picks one object file, pack or index, and corrupts it (flip, overwrite, truncate
//! or insert bytes at an offset), and the history is scanned. Corruption must be reported as
//! errors, never a panic, a hang or bytes scanned as if they were the blob.
#![no_main]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::{Collector, Scan, Source};

struct Template {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    /// Object, pack and index files, relative to the repository.
    files: Vec<PathBuf>,
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "F")
        .env("GIT_AUTHOR_EMAIL", "f@example.com")
        .env("GIT_COMMITTER_NAME", "F")
        .env("GIT_COMMITTER_EMAIL", "f@example.com")
        .env("GIT_AUTHOR_DATE", "1600000000 +0000")
        .env("GIT_COMMITTER_DATE", "1600000000 +0000")
        .output()
        .expect("git runs");
    assert!(ok.status.success(), "git {args:?}");
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_owned());
        }
    }
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("src")).expect("mkdir");
        git(&repo, &["init", "-q", "-b", "main"]);
        // Fake keys (AWS key id shape), some packed, some loose, one delta chain.
        let body: String = (0..40)
            .map(|i| format!("line {i} of some text\n"))
            .collect();
        std::fs::write(
            repo.join("a.env"),
            format!("{body}K=AKIAQYLPMN5HFIQR7XYZ\n"),
        )
        .unwrap();
        std::fs::write(repo.join("src/b.txt"), &body).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "one"]);
        std::fs::write(repo.join("src/b.txt"), format!("{body}more\n")).unwrap();
        git(&repo, &["commit", "-q", "-am", "two"]);
        git(&repo, &["repack", "-adq"]);
        git(&repo, &["prune-packed"]);
        std::fs::write(repo.join("c.env"), "K=AKIAQYLPMN5HFIQR7ABC\n").unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "three"]);
        let mut files = Vec::new();
        let objects = repo.join(".git/objects");
        walk(&repo, &objects, &mut files);
        files.retain(|f| {
            let s = f.to_string_lossy();
            !s.ends_with(".rev") && !s.contains("/info/")
        });
        files.sort();
        Template {
            _dir: dir,
            repo,
            files,
        }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn scan() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(|| {
        Scan::builder()
            .threads(1)
            .build()
            .expect("built-in rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let t = template();
    let target = &t.files[data[0] as usize % t.files.len()];
    let offset = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) as usize;
    let mode = data[5] % 4;
    let patch = &data[6..];
    let work = tempfile::tempdir().expect("tempdir");
    let repo = work.path().join("repo");
    copy_dir(&t.repo.join(".git"), &repo.join(".git"));
    let file = repo.join(target);
    let mut bytes = std::fs::read(&file).expect("read");
    let at = offset % (bytes.len() + 1);
    match mode {
        0 => {
            for (i, b) in patch.iter().enumerate() {
                if let Some(x) = bytes.get_mut(at + i) {
                    *x ^= b;
                }
            }
        }
        1 => {
            for (i, b) in patch.iter().enumerate() {
                if let Some(x) = bytes.get_mut(at + i) {
                    *x = *b;
                }
            }
        }
        2 => bytes.truncate(at),
        _ => {
            bytes.splice(at..at, patch.iter().copied());
        }
    }
    // Object files are read-only as git writes them.
    let _ = std::fs::remove_file(&file);
    std::fs::write(&file, &bytes).expect("write");
    let mut sink = Collector::new();
    let _ = scan().stream(Source::git(repo.to_string_lossy().into_owned()), &mut sink);
});
