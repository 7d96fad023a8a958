//! Malformed and hostile inputs: each case asserts the named error or skip, the exit status,
//! and that every other planted token is still found. Broken git objects (corrupt loose and
//! packed objects, zeroed objects, missing trees, a truncated pack, a shallow boundary), file
//! system oddities (symbolic link loops, FIFOs and devices, paths longer than PATH_MAX, names
//! that are not UTF-8), a file truncated while it is scanned, and configurations built to
//! exhaust the machine; zip and tar bombs, member names that climb out of their archive, archives
//! nested too deep. Slow cases (a million tiny files, a 4 GB file, 2 GB of stdin) are bench
//! scripts: `benches/memory.sh`. Every token is a generated fake.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::precommit::GitRepo;
use crate::util::{BIN, Dir, Run, fake_aws_key_id, fake_github};

/// `nhi-scan git --format json` in `dir`.
fn git_scan(dir: &Path, extra: &[&str]) -> Run {
    Run::from(
        Command::new(BIN)
            .args(["git", "--no-config", "--format", "json", "--no-redact"])
            .args(extra)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("run"),
    )
}

fn secrets(run: &Run) -> Vec<String> {
    let mut s: Vec<String> = run
        .findings()
        .iter()
        .map(|f| f["secret"].as_str().unwrap_or_default().to_string())
        .collect();
    s.sort();
    s
}

fn errors(run: &Run) -> Vec<String> {
    run.json()["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e.to_string()).collect())
        .unwrap_or_default()
}

/// The loose object file of `rev` (e.g. `HEAD:a.env`), made writable, and its id.
fn loose_object(r: &GitRepo, rev: &str) -> (PathBuf, String) {
    let id = r.git(&["rev-parse", rev]);
    let p = r
        .path()
        .join(format!(".git/objects/{}/{}", &id[..2], &id[2..]));
    let mut perms = std::fs::metadata(&p).expect("loose object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&p, perms).unwrap();
    (p, id)
}

/// A repository with three files in two directories, each holding its own key.
fn three_keys(seed: u64) -> (GitRepo, [String; 3]) {
    let r = GitRepo::init();
    let keys = [
        fake_aws_key_id(seed),
        fake_aws_key_id(seed + 1),
        fake_aws_key_id(seed + 2),
    ];
    // Enough text that a flipped byte lands inside the compressed body.
    let filler: String = (0..200).map(|i| format!("line {i} of filler\n")).collect();
    r.write("kept/a.env", &format!("{filler}K={}\n", keys[0]));
    r.write("hit/b.env", &format!("{filler}K={}\n", keys[1]));
    r.write("hit/c.env", &format!("{filler}K={}\n", keys[2]));
    r.commit_all("three keys");
    (r, keys)
}

#[test]
fn a_loose_object_that_inflates_to_other_bytes_is_an_error_not_scanned_garbage() {
    let (r, keys) = three_keys(800);
    // A valid zlib stream of the same length whose bytes are not the blob: git itself calls it
    // "corrupt loose object"; gix inflates it without complaint.
    let (path, id) = loose_object(&r, "HEAD:hit/b.env");
    let original = r.git(&["cat-file", "blob", &id]);
    let forged = original.replace(&keys[1], &fake_aws_key_id(899));
    let scratch = GitRepo::init();
    scratch.write("f", &format!("{forged}\n"));
    let forged_id = scratch.git(&["hash-object", "-w", "f"]);
    let forged_file = scratch.path().join(format!(
        ".git/objects/{}/{}",
        &forged_id[..2],
        &forged_id[2..]
    ));
    std::fs::copy(&forged_file, &path).unwrap();

    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut want = vec![keys[0].clone(), keys[2].clone()];
    want.sort();
    assert_eq!(secrets(&run), want, "the forged bytes are not scanned");
    let errs = errors(&run);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&id) && errs[0].contains("hit/b.env") && errs[0].contains("corrupt"),
        "{errs:?}"
    );
    assert!(run.stderr.contains(&id), "{}", run.stderr);
}

#[test]
fn corrupt_zeroed_and_missing_loose_objects_are_named_with_their_paths() {
    let (r, keys) = three_keys(810);
    // A flipped byte in the compressed body.
    let (path, flipped) = loose_object(&r, "HEAD:hit/b.env");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();
    // An object file of zeros.
    let (path, zeroed) = loose_object(&r, "HEAD:hit/c.env");
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, vec![0u8; len]).unwrap();

    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![keys[0].clone()]);
    let errs = errors(&run).join("\n");
    assert!(
        errs.contains(&flipped) && errs.contains("hit/b.env"),
        "{errs}"
    );
    assert!(
        errs.contains(&zeroed) && errs.contains("hit/c.env"),
        "{errs}"
    );
    assert_eq!(run.json()["summary"]["errors"], 2);

    // A missing tree: its id and the directory it was reached by; the other tree is scanned.
    let (r, keys) = three_keys(820);
    let (path, tree) = loose_object(&r, "HEAD:hit");
    std::fs::remove_file(path).unwrap();
    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![keys[0].clone()]);
    let errs = errors(&run).join("\n");
    assert!(
        errs.contains(&tree) && errs.contains("hit") && errs.contains("tree missing"),
        "{errs}"
    );
    // Without findings, the errors make the scan incomplete: exit 2.
    let (path, _) = loose_object(&r, "HEAD:kept/a.env");
    std::fs::remove_file(path).unwrap();
    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// Packs the repository into one pack; returns the pack file and `(id, offset)` of each object
/// in pack order.
fn pack(r: &GitRepo) -> (PathBuf, Vec<(String, u64)>) {
    r.git(&["repack", "-adq"]);
    r.git(&["prune-packed"]);
    let dir = r.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack");
    let idx = pack.with_extension("idx");
    let listing = r.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let mut objects: Vec<(String, u64)> = listing
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() >= 5 && f[0].len() == 40 {
                Some((f[0].to_string(), f[4].parse().ok()?))
            } else {
                None
            }
        })
        .collect();
    objects.sort_by_key(|o| o.1);
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    (pack, objects)
}

#[test]
fn a_corrupt_packed_object_is_named_and_a_truncated_pack_is_an_error() {
    let (r, keys) = three_keys(830);
    let b = r.git(&["rev-parse", "HEAD:hit/b.env"]);
    let (pack_file, objects) = pack(&r);
    let at = objects
        .iter()
        .position(|(id, _)| *id == b)
        .expect("b packed");
    let start = objects[at].1 as usize;
    let end = objects.get(at + 1).map_or(start + 64, |o| o.1 as usize);
    let mut bytes = std::fs::read(&pack_file).unwrap();
    let original = bytes.clone();
    bytes[(start + end) / 2] ^= 0x04;
    std::fs::write(&pack_file, &bytes).unwrap();
    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut want = vec![keys[0].clone(), keys[2].clone()];
    want.sort();
    assert_eq!(secrets(&run), want);
    let errs = errors(&run).join("\n");
    assert!(errs.contains(&b) && errs.contains("hit/b.env"), "{errs}");

    // Cut the pack in half: what lies past the cut is an error naming the object, nothing is
    // reported clean, and the process does not crash.
    std::fs::write(&pack_file, &original[..original.len() / 2]).unwrap();
    let run = git_scan(r.path(), &[]);
    assert!(run.code == 1 || run.code == 2, "{}", run.stderr);
    assert!(run.json()["summary"]["errors"].as_u64().unwrap() >= 1);
    let errs = errors(&run).join("\n");
    let lost: Vec<&String> = objects
        .iter()
        .filter(|(_, off)| *off as usize >= original.len() / 2)
        .map(|(id, _)| id)
        .collect();
    assert!(
        lost.iter().any(|id| errs.contains(id.as_str())),
        "{errs} should name one of {lost:?}"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_shallow_clone_warns_that_history_before_the_boundary_is_not_scanned() {
    let r = GitRepo::init();
    let old = fake_aws_key_id(840);
    r.write("k.env", &format!("K={old}\n"));
    r.commit_all("old key");
    r.write("k.env", "K=\n");
    r.commit_all("removed");
    r.write("k.env", &format!("K={}\n", fake_aws_key_id(841)));
    r.commit_all("new key");
    let out = Dir::new();
    let url = format!("file://{}", r.path().display());
    r.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        out.join("shallow").to_str().unwrap(),
    ]);
    let run = git_scan(&out.join("shallow"), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("shallow") && run.stderr.contains("boundary"),
        "{}",
        run.stderr
    );
    let warnings = run.json()["warnings"].to_string();
    assert!(warnings.contains("shallow"), "{warnings}");
    // Only the boundary commit's key: the old one is beyond the boundary.
    assert_eq!(secrets(&run), vec![fake_aws_key_id(841)]);
    // A full clone has no such warning.
    let run = git_scan(r.path(), &[]);
    assert!(!run.stderr.contains("shallow"), "{}", run.stderr);
    assert_eq!(secrets(&run).len(), 2);
}

/// `nhi-scan scan --format json ARGS` in `dir`.
fn scan(dir: &Path, args: &[&str]) -> Run {
    Run::from(
        Command::new(BIN)
            .args(["scan", "--no-config", "--format", "json", "--no-redact"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("run"),
    )
}

fn skipped(run: &Run) -> Vec<(String, String)> {
    run.json()["skipped"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["origin"]["path"].as_str().unwrap_or_default().to_string(),
                        s["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn symlink_loops_fifos_and_devices_are_named_and_never_block() {
    use std::os::unix::fs::symlink;
    let d = Dir::new();
    let tok = fake_github("ghp_", 850);
    d.write("ok/a.env", format!("T={tok}\n"));
    std::fs::create_dir_all(d.join("loop")).unwrap();
    symlink("..", d.join("loop/up")).unwrap();
    symlink("self", d.join("self")).unwrap();
    let fifo = d.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    symlink("/dev/zero", d.join("zero")).unwrap();

    // Links not followed: each is a named skip, the FIFO too (reading it would block).
    let run = scan(d.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![tok.clone()]);
    let skips = skipped(&run);
    for (name, reason) in [
        ("loop/up", "symlink"),
        ("self", "symlink"),
        ("zero", "symlink"),
        ("pipe", "not_regular_file"),
    ] {
        assert!(
            skips.iter().any(|(p, r)| p.ends_with(name) && r == reason),
            "{name} {reason}: {skips:?}"
        );
    }
    // Followed: the directory loop is an error naming it; the self-link cannot be opened; the
    // device behind the link is not read; the token is still found.
    let run = scan(d.path(), &["-L", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![tok.clone()]);
    let errs = errors(&run).join("\n");
    assert!(errs.contains("loop"), "{errs}");
    // A device named on the command line.
    let run = scan(d.path(), &["/dev/null", "ok"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        skipped(&run)
            .iter()
            .any(|(p, r)| p == "/dev/null" && r == "not_regular_file"),
        "{:?}",
        skipped(&run)
    );
}

#[test]
fn a_path_longer_than_path_max_is_an_error_and_the_rest_is_scanned() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 860);
    d.write("short.env", format!("T={tok}\n"));
    // 30 levels of 200-byte names, made one directory at a time (the whole path is too long
    // for any single system call), with a token at the bottom.
    let deep = fake_github("ghp_", 861);
    let name = "d".repeat(200);
    let script = format!(
        "for i in $(seq 30); do mkdir {name} && cd {name} || exit 1; done; printf 'T={deep}\\n' > deep.env"
    );
    // bash, not dash: dash's `cd` gives up once the logical path passes PATH_MAX.
    let made = Command::new("bash")
        .args(["-c", &script])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(made.success());
    let run = scan(d.path(), &["."]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // The short file's token is found whatever happens to the deep one; if the deep one could
    // not be read it is named as an error.
    let found = secrets(&run);
    assert!(found.contains(&tok), "{found:?}\n{}", run.stderr);
    if !found.contains(&deep) {
        let errs = errors(&run).join("\n");
        assert!(errs.contains(&name), "{errs}");
    }
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Leave nothing the temporary directory's removal cannot handle.
    let _ = Command::new("rm")
        .args(["-rf", &name])
        .current_dir(d.path())
        .status();
}

#[test]
fn names_that_are_not_utf8_are_scanned_and_printed_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::new();
    let tok = fake_github("ghp_", 870);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9\x1b[2J.env");
    std::fs::write(d.path().join(name), format!("T={tok}\n")).unwrap();
    let run = scan(d.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![tok]);
    let text = d.run(&["scan", "--no-config", "--color", "never", "."]);
    assert_eq!(text.code, 1);
    assert!(!text.stdout.contains('\x1b'), "{}", text.stdout);
    assert!(text.stdout.contains("caf"), "{}", text.stdout);
}

#[test]
fn binary_detection_scans_text_behind_a_nul_and_names_real_binaries() {
    let d = Dir::new();
    let hidden = fake_github("ghp_", 880);
    let mut nul_prefixed = vec![0u8; 64];
    nul_prefixed.extend_from_slice(format!("log line\nT={hidden}\n").as_bytes());
    d.write("log.bin", &nul_prefixed);
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend_from_slice(format!("T={}\n", fake_github("ghp_", 881)).as_bytes());
    d.write("tool", &elf);
    let run = scan(d.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run), vec![hidden]);
    assert!(
        skipped(&run)
            .iter()
            .any(|(p, r)| p.ends_with("tool") && r == "binary"),
        "{:?}",
        skipped(&run)
    );
}

#[test]
fn a_hostile_allowlist_is_refused_naming_the_file() {
    let d = Dir::new();
    d.write("a.env", format!("T={}\n", fake_github("ghp_", 890)));
    let list: Vec<String> = (0..20_000).map(|i| format!("'^x{i}$'")).collect();
    d.write(
        ".nhi-scan.toml",
        format!("[allow]\nregexes = [{}]\n", list.join(",")),
    );
    let r = d.run(&["scan", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".nhi-scan.toml") && r.stderr.contains("allow regexes"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_file_truncated_and_regrown_while_it_is_scanned_gives_a_sane_result() {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let d = Dir::new();
    let tok = fake_github("ghp_", 895);
    let stable = d.write("stable.env", format!("T={tok}\n"));
    let path = d.join("rotating.log");
    let line = b"2026-01-01 INFO request served in 3 ms, nothing secret here at all\n";
    let block: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
    let write_big = |p: &Path| {
        let mut f = std::fs::File::create(p).unwrap();
        for _ in 0..48 {
            f.write_all(&block).unwrap();
        }
    };
    write_big(&path);
    let stop = Arc::new(AtomicBool::new(false));
    let rotator = {
        let (stop, path, block) = (Arc::clone(&stop), path.clone(), block.clone());
        std::thread::spawn(move || {
            let mut rounds = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // Truncate (as logrotate's copytruncate does), then grow it again.
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f.set_len(0).unwrap();
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                for _ in 0..((rounds % 5) * 8) {
                    f.write_all(&block).unwrap();
                }
                rounds += 1;
            }
            rounds
        })
    };
    let mut runs = Vec::new();
    for _ in 0..5 {
        runs.push(scan(d.path(), &["."]));
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = rotator.join().unwrap();
    assert!(rounds > 0);
    for run in runs {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert_eq!(secrets(&run), vec![tok.clone()]);
        let s = &run.json()["summary"];
        assert_eq!(s["errors"], 0, "{}", run.stderr);
        assert_eq!(s["scanned"], 2, "{s}");
    }
    drop(stable);
}

#[test]
fn a_blob_over_64_mib_is_streamed_with_tokens_at_both_ends_and_checked_against_its_id() {
    let r = GitRepo::init();
    let (first, last) = (fake_aws_key_id(960), fake_aws_key_id(961));
    let line = "2026-01-01 INFO nothing secret in this line of a large dump file\n";
    let filler = line.repeat((65 << 20) / line.len() + 1);
    let text = format!("K={first}\n{filler}K={last}\n");
    r.write("dump.sql", &text);
    r.write("small.env", &format!("K={}\n", fake_aws_key_id(962)));
    r.commit_all("a large dump");
    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(secrets(&run).len(), 3, "{:?}", secrets(&run));
    let lines: Vec<u64> = run
        .findings()
        .iter()
        .filter(|f| f["secret"] == last.as_str())
        .map(|f| f["locations"][0]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        vec![text.lines().count() as u64],
        "line numbers carry"
    );

    // The same blob replaced by other bytes of the same length: streamed, hashed, refused.
    let (path, id) = loose_object(&r, "HEAD:dump.sql");
    let forged = text.replace(&last, &fake_aws_key_id(963));
    let scratch = GitRepo::init();
    scratch.write("f", &forged);
    let forged_id = scratch.git(&["hash-object", "-w", "f"]);
    std::fs::copy(
        scratch.path().join(format!(
            ".git/objects/{}/{}",
            &forged_id[..2],
            &forged_id[2..]
        )),
        &path,
    )
    .unwrap();
    let run = git_scan(r.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        secrets(&run),
        vec![fake_aws_key_id(962)],
        "no hit of the forged blob"
    );
    let errs = errors(&run).join("\n");
    assert!(
        errs.contains(&id) && errs.contains("dump.sql") && errs.contains("corrupt"),
        "{errs}"
    );
}

/// A zip of `files` (deflated).
fn zip(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let list: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    crate::image_build::zip_of(&list)
}

#[test]
fn archive_bombs_are_abandoned_and_named_and_the_rest_is_scanned() {
    use nhi_scan_core::source::archive::Limits;
    use nhi_scan_core::{Scan, Source, Status};
    let tok = fake_github("ghp_", 970);
    // A zip bomb: 64 MiB of zeros in 64 KiB of zip, members beside it, and a token after.
    let zeros = vec![0u8; 16 << 20];
    let bomb = zip(&[
        ("z0", zeros.clone()),
        ("z1", zeros.clone()),
        ("z2", zeros.clone()),
        ("z3", zeros),
        ("late.env", format!("T={tok}\n").into_bytes()),
    ]);
    assert!(bomb.len() < 1 << 20);
    // A tar bomb: more members than the limit allows.
    let many: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| (format!("m/{i}.txt"), b"x\n".to_vec()))
        .collect();
    let tar_bomb = crate::image_build::tar_files(&many);
    let d = Dir::new();
    d.write("bomb.zip", &bomb);
    d.write("many.tar", &tar_bomb);
    let other = fake_github("ghp_", 971);
    d.write("plain.env", format!("T={other}\n"));
    let scan = Scan::builder()
        .archives(Some(Limits {
            max_total_bytes: 8 << 20,
            max_members: 200,
            ..Limits::default()
        }))
        .build()
        .unwrap();
    let out = scan.run(Source::paths([d.path()])).unwrap();
    let errors: Vec<String> = out.errors.iter().map(|e| format!("{e:#}")).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bomb.zip") && e.contains("abandoned")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("many.tar") && e.contains("abandoned")),
        "{errors:#?}"
    );
    let found: Vec<&str> = out.findings.iter().map(|f| f.secret.expose()).collect();
    assert!(found.contains(&other.as_str()), "{found:?}");
    assert_eq!(out.status(), Status::Findings);
    // Nothing else found: the scan is incomplete, which the CLI turns into exit 2.
    std::fs::remove_file(d.join("plain.env")).unwrap();
    let out = scan.run(Source::paths([d.path()])).unwrap();
    assert_eq!(out.status(), Status::Incomplete, "{:?}", out.errors);
}

#[test]
fn archive_member_names_that_climb_out_or_nest_too_deep_are_named_not_followed() {
    let d = Dir::new();
    let tok = fake_github("ghp_", 972);
    let deep_tok = fake_github("ghp_", 973);
    // Path traversal and absolute names, and a control character, inside a zip and a tar.
    let z = zip(&[
        ("../../etc/cron.d/x.env", format!("T={tok}\n").into_bytes()),
        ("/abs/\x1b[2Jname.txt", b"nothing\n".to_vec()),
    ]);
    d.write("up.zip", &z);
    // The tar crate refuses to write `..`; write the header by hand.
    let body = format!("T={}\n", fake_github("ghp_", 974)).into_bytes();
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..14].copy_from_slice(b"../outside.env");
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut t = header.as_bytes().to_vec();
    t.extend_from_slice(&body);
    t.resize(t.len().div_ceil(512) * 512 + 1024, 0);
    d.write("up.tar", &t);
    // Five zips deep: past the default depth of 3 the inner one is named, not opened.
    let mut nested = zip(&[("secret.env", format!("T={deep_tok}\n").into_bytes())]);
    for i in 0..5 {
        nested = zip(&[(&format!("level{i}.zip"), nested)]);
    }
    d.write("deep.zip", &nested);
    let run = scan(d.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = secrets(&run);
    assert!(found.contains(&tok), "{found:?}");
    assert!(!found.contains(&deep_tok), "{found:?}");
    // Members are scanned and named as they are stored, under their archive, each unsafe name
    // reported; nothing is written anywhere.
    let errs = errors(&run).join("\n");
    for (archive, member) in [
        ("up.zip", "../../etc/cron.d/x.env"),
        ("up.zip", "/abs/"),
        ("up.tar", "../outside.env"),
    ] {
        assert!(
            errs.lines().any(|e| e.contains(archive)
                && e.contains(member)
                && e.contains("unsafe member path")),
            "{archive} {member}: {errs}"
        );
    }
    assert!(
        run.stdout
            .contains("\"member\": \"../../etc/cron.d/x.env\""),
        "{}",
        run.stdout
    );
    assert!(!d.path().parent().unwrap().join("etc/cron.d/x.env").exists());
    assert!(
        skipped(&run)
            .iter()
            .any(|(p, r)| p.contains("deep.zip") && r == "archive_depth")
            || run.stdout.contains("archive_depth"),
        "{:?}\n{}",
        skipped(&run),
        run.stdout
    );
    let text = d.run(&["scan", "--no-config", "--color", "never", "."]);
    for stream in [&text.stdout, &text.stderr] {
        assert!(!stream.contains('\x1b'), "raw escape in {stream:?}");
    }
}
