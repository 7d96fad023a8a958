//! `nhi-scan git` on real repositories built at test time with the git CLI. Dates, names and
//! emails are fixed per commit so commit ids are stable; every token is a generated fake.

use std::cell::Cell;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{BIN, Dir, Run, fake_aws_key_id, fake_github};

/// A scratch repository driven through the git CLI with a fixed identity and clock.
struct Repo {
    dir: Dir,
    tick: Cell<u64>,
}

impl Repo {
    fn init() -> Repo {
        let r = Repo {
            dir: Dir::new(),
            tick: Cell::new(0),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git as `author` (email `author@example.com`) one simulated day after the last call.
    fn git_as(&self, author: &str, args: &[&str]) -> String {
        let t = self.tick.get() + 1;
        self.tick.set(t);
        let date = format!("{} +0000", 1_577_836_800 + t * 86_400);
        let email = format!("{}@example.com", author.to_lowercase());
        let out = Command::new("git")
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "tag.gpgsign=false",
                "-c",
                "protocol.file.allow=always",
            ])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", &email)
            .env("GIT_COMMITTER_NAME", author)
            .env("GIT_COMMITTER_EMAIL", &email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_as("Alice", args)
    }

    fn write(&self, rel: &str, contents: &str) {
        self.dir.write(rel, contents);
    }

    /// Stages everything and commits as `author`; returns the new commit id.
    fn commit(&self, author: &str, message: &str) -> String {
        self.git_as(author, &["add", "-A"]);
        self.git_as(author, &["commit", "-q", "--allow-empty", "-m", message]);
        self.head()
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `nhi-scan git ARGS` with JSON output and secrets shown.
    fn scan(&self, args: &[&str]) -> Run {
        scan_at(self.path(), args)
    }

    /// Unique text blobs reachable from `revs` (as `git rev-list --objects` sees them).
    fn blob_count(&self, revs: &[&str]) -> u64 {
        let mut args = vec!["rev-list", "--objects"];
        args.extend(revs);
        let listed = self.git(&args);
        let ids: Vec<&str> = listed.lines().filter_map(|l| l.split(' ').next()).collect();
        let blobs: HashSet<&str> = ids
            .into_iter()
            .filter(|id| self.git(&["cat-file", "-t", id]) == "blob")
            .collect();
        blobs.len() as u64
    }
}

fn scan_at(dir: &Path, args: &[&str]) -> Run {
    let mut full = vec!["git", "--format", "json", "--no-redact"];
    full.extend(args);
    Run::from(
        Command::new(BIN)
            .args(&full)
            .current_dir(dir)
            .output()
            .expect("run"),
    )
}

fn summary(run: &Run) -> Value {
    run.json()["summary"].clone()
}

fn scanned(run: &Run) -> u64 {
    summary(run)["scanned"].as_u64().expect("scanned")
}

/// The origins of every location of the finding whose secret is `secret`.
fn origins(run: &Run, secret: &str) -> Vec<Value> {
    let f = run
        .findings()
        .into_iter()
        .find(|f| f["secret"] == secret)
        .unwrap_or_else(|| panic!("no finding for {secret}: {}\n{}", run.stdout, run.stderr));
    f["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["origin"].clone())
        .collect()
}

fn assert_origin(o: &Value, commit: &str, path: &str, author: &str) {
    assert_eq!(o["commit"], commit, "{o}");
    assert_eq!(o["path"], path, "{o}");
    assert_eq!(o["author_name"], author, "{o}");
    assert_eq!(
        o["author_email"],
        format!("{}@example.com", author.to_lowercase()),
        "{o}"
    );
}

#[test]
fn git_secret_added_then_removed_is_attributed_to_the_adding_commit() {
    let r = Repo::init();
    let key = fake_aws_key_id(401);
    r.write("README", "hello\n");
    r.commit("Alice", "readme");
    r.write("config/app.env", &format!("AWS_ACCESS_KEY_ID={key}\n"));
    let added = r.commit("Bob", "add config");
    r.write("config/app.env", "AWS_ACCESS_KEY_ID=\n");
    r.commit("Alice", "remove key");

    let run = r.scan(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let o = origins(&run, &key);
    assert_eq!(o.len(), 1);
    assert_origin(&o[0], &added, "config/app.env", "Bob");
    assert_eq!(o[0]["subject"], "add config");
    let at: i64 = r
        .git(&["log", "-1", "--format=%at", &added])
        .parse()
        .unwrap();
    assert_eq!(o[0]["author_time"], at, "author date of the adding commit");
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));
    assert_eq!(summary(&run)["errors"], 0);
}

#[test]
fn git_secret_only_on_a_side_branch_is_found_with_default_refs_but_not_with_branch_main() {
    let r = Repo::init();
    let token = fake_github("ghp_", 402);
    r.write("a.txt", "base\n");
    r.commit("Alice", "base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("deploy.sh", &format!("export GITHUB_TOKEN={token}\n"));
    let side = r.commit("Carol", "deploy script");
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "base 2\n");
    r.commit("Alice", "main moves on");

    let run = r.scan(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_origin(&origins(&run, &token)[0], &side, "deploy.sh", "Carol");
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));

    let main_only = r.scan(&["--branch", "main"]);
    assert_eq!(main_only.code, 0, "{}", main_only.stdout);
    assert_eq!(scanned(&main_only), r.blob_count(&["main"]));
}

#[test]
fn git_secret_introduced_in_a_merge_commit_is_attributed_to_the_merge() {
    let r = Repo::init();
    let key = fake_aws_key_id(403);
    r.write("app.cfg", "mode = base\n");
    r.commit("Alice", "base");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.write("app.cfg", "mode = topic\n");
    r.commit("Bob", "topic change");
    r.git(&["checkout", "-q", "main"]);
    r.write("app.cfg", "mode = main\n");
    r.commit("Alice", "main change");
    // The conflict resolution itself adds the key: only the merge commit has this blob.
    let _ = Command::new("git")
        .args(["merge", "-q", "topic"])
        .current_dir(r.path())
        .output();
    r.write(
        "app.cfg",
        &format!("mode = merged\naws_access_key_id = {key}\n"),
    );
    let merge = r.commit("Dave", "merge topic");

    let run = r.scan(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let o = origins(&run, &key);
    assert_eq!(o.len(), 1);
    assert_origin(&o[0], &merge, "app.cfg", "Dave");
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3,
        "a real merge"
    );
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));
}

#[test]
fn git_octopus_merge_keeps_each_branch_attribution() {
    let r = Repo::init();
    r.write("base.txt", "base\n");
    r.commit("Alice", "base");
    let mut expected = Vec::new();
    for (i, name) in ["one", "two", "three"].iter().enumerate() {
        r.git(&["checkout", "-q", "-b", name, "main"]);
        let key = fake_aws_key_id(410 + i as u64);
        r.write(&format!("{name}.env"), &format!("KEY={key}\n"));
        expected.push((key, r.commit("Erin", name), format!("{name}.env")));
    }
    r.git(&["checkout", "-q", "main"]);
    r.git(&["merge", "-q", "-m", "octopus", "one", "two", "three"]);
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        4
    );

    let run = r.scan(&[]);
    for (key, commit, path) in &expected {
        let o = origins(&run, key);
        assert_eq!(o.len(), 1, "{o:?}");
        assert_origin(&o[0], commit, path, "Erin");
    }
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));
}

#[test]
fn git_renamed_file_reports_the_introducing_commit_first_and_the_new_path_too() {
    let r = Repo::init();
    let token = fake_github("ghp_", 404);
    r.write("old/name.yml", &format!("token: {token}\n"));
    let added = r.commit("Frank", "add");
    r.git(&["mv", "old/name.yml", "new.yml"]);
    let renamed = r.commit("Grace", "rename");

    let run = r.scan(&[]);
    let o = origins(&run, &token);
    assert_eq!(o.len(), 2, "{o:?}");
    assert_origin(&o[0], &added, "old/name.yml", "Frank");
    assert_origin(&o[1], &renamed, "new.yml", "Grace");
    assert_eq!(o[0]["blob"], o[1]["blob"]);
    let f = run
        .findings()
        .into_iter()
        .find(|f| f["secret"] == token.as_str())
        .unwrap();
    assert_eq!(
        (f["path_count"].as_u64(), f["commit_count"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(scanned(&run), 1, "one blob, scanned once");
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));
}

#[test]
fn git_secret_reachable_only_from_a_tag_on_a_deleted_orphan_branch() {
    let r = Repo::init();
    r.write("main.txt", "main\n");
    r.commit("Alice", "main");
    r.git(&["checkout", "-q", "--orphan", "island"]);
    r.git(&["rm", "-rq", "--cached", "."]);
    std::fs::remove_file(r.dir.join("main.txt")).unwrap();
    let key = fake_aws_key_id(405);
    r.write("island.env", &format!("AWS_ACCESS_KEY_ID={key}\n"));
    let orphan = r.commit("Heidi", "orphan root");
    r.git(&["tag", "-a", "-m", "release", "v-island"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-D", "island"]);

    let run = r.scan(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_origin(&origins(&run, &key)[0], &orphan, "island.env", "Heidi");
    assert_eq!(scanned(&run), r.blob_count(&["--all"]));
}

#[test]
fn git_tags_pointing_at_a_blob_and_a_tree_are_scanned_without_a_commit() {
    let r = Repo::init();
    r.write("x.txt", "x\n");
    r.commit("Alice", "x");
    let blob_key = fake_aws_key_id(406);
    let tree_key = fake_aws_key_id(407);
    r.write("loose.txt", &format!("KEY={blob_key}\n"));
    let blob = r.git(&["hash-object", "-w", "loose.txt"]);
    r.git(&["tag", "blob-tag", &blob]);
    r.write("t/inner.txt", &format!("KEY={tree_key}\n"));
    let inner = r.git(&["hash-object", "-w", "t/inner.txt"]);
    let spec = format!("100644 blob {inner}\tinner.txt\n");
    let out = Command::new("git")
        .arg("mktree")
        .current_dir(r.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(spec.as_bytes())?;
            c.wait_with_output()
        })
        .expect("mktree");
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_string();
    r.git(&["tag", "-a", "-m", "a tree", "tree-tag", &tree]);

    let run = r.scan(&[]);
    let b = &origins(&run, &blob_key)[0];
    assert_eq!(b["commit"], "");
    assert_eq!(b["reference"], "refs/tags/blob-tag");
    assert_eq!(b["blob"], blob);
    let t = &origins(&run, &tree_key)[0];
    assert_eq!(t["reference"], "refs/tags/tree-tag");
    assert_eq!(t["path"], "inner.txt");
    // Untracked working-tree files are not history.
    assert_eq!(scanned(&run), 3);
}

#[test]
fn git_dangling_commit_is_scanned_only_with_all_objects() {
    let r = Repo::init();
    r.write("a.txt", "a\n");
    let base = r.commit("Alice", "base");
    let key = fake_aws_key_id(408);
    r.write("leak.env", &format!("AWS_ACCESS_KEY_ID={key}\n"));
    let dangling = r.commit("Ivan", "oops");
    r.git(&["reset", "-q", "--hard", &base]);

    let plain = r.scan(&[]);
    assert_eq!(plain.code, 0, "{}", plain.stdout);
    assert_eq!(scanned(&plain), r.blob_count(&["--all"]));

    let all = r.scan(&["--all-objects"]);
    assert_eq!(all.code, 1, "{}", all.stderr);
    let o = origins(&all, &key);
    assert_origin(&o[0], &dangling, "leak.env", "Ivan");
    assert_eq!(scanned(&all), r.blob_count(&["--all"]) + 1);
}

#[test]
fn git_since_and_range_scan_only_what_they_introduce() {
    let r = Repo::init();
    let old = fake_aws_key_id(420);
    let new = fake_aws_key_id(421);
    r.write("old.env", &format!("K={old}\n"));
    let first = r.commit("Alice", "old key");
    r.write("new.env", &format!("K={new}\n"));
    let second = r.commit("Bob", "new key");

    let range = format!("{first}..HEAD");
    for args in [["--since", first.as_str()], ["--range", range.as_str()]] {
        let run = r.scan(&args);
        assert_eq!(run.findings().len(), 1, "{args:?}: {}", run.stdout);
        assert_origin(&origins(&run, &new)[0], &second, "new.env", "Bob");
        assert_eq!(scanned(&run), 1, "only the blob new since {first}");
    }
    let bad = r.scan(&["--branch", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-branch"), "{}", bad.stderr);
}

#[test]
fn git_empty_repository_scans_nothing_and_exits_zero() {
    let r = Repo::init();
    let run = r.scan(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(scanned(&run), 0);
    assert_eq!(summary(&run)["errors"], 0);
}

#[test]
fn git_bare_and_shallow_clones_and_file_urls_scan_like_the_original() {
    let r = Repo::init();
    let key = fake_aws_key_id(430);
    r.write("k.env", &format!("K={key}\n"));
    let added = r.commit("Judy", "key");
    r.write("other.txt", "other\n");
    r.commit("Alice", "other");
    let out = Dir::new();
    let src = r.path().to_str().expect("utf-8 temp path");
    let url = format!("file://{src}");
    r.git(&[
        "clone",
        "-q",
        "--bare",
        src,
        out.join("bare.git").to_str().unwrap(),
    ]);
    r.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        out.join("shallow").to_str().unwrap(),
    ]);

    let bare = scan_at(out.path(), &["bare.git"]);
    assert_origin(&origins(&bare, &key)[0], &added, "k.env", "Judy");
    assert_eq!(scanned(&bare), r.blob_count(&["--all"]));

    let shallow = scan_at(out.path(), &["shallow"]);
    assert_eq!(summary(&shallow)["errors"], 0, "{}", shallow.stderr);
    let o = &origins(&shallow, &key)[0];
    assert_eq!(o["path"], "k.env");
    assert_eq!(
        o["author_name"], "Alice",
        "the shallow root carries the whole tree"
    );

    let cloned = scan_at(out.path(), &[&url]);
    assert_origin(&origins(&cloned, &key)[0], &added, "k.env", "Judy");
    assert_eq!(origins(&cloned, &key)[0]["repository"], url);
}

#[test]
fn git_not_a_repository_is_a_clear_error_with_exit_2() {
    let d = Dir::new();
    d.write("f.txt", "not a repo\n");
    let run = scan_at(d.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn git_submodule_gitlinks_are_skipped_and_counted() {
    let r = Repo::init();
    r.write("a.txt", "a\n");
    let first = r.commit("Alice", "a");
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{first},vendor/lib"),
    ]);
    r.git(&["commit", "-q", "-m", "add submodule"]);

    let run = r.scan(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(summary(&run)["skipped"]["submodule"], 1);
    assert_eq!(summary(&run)["errors"], 0, "{}", run.stderr);
    assert_eq!(scanned(&run), 1);
}

#[test]
fn git_corrupt_and_missing_objects_are_reported_and_the_scan_goes_on() {
    let r = Repo::init();
    let kept = fake_aws_key_id(440);
    let lost = fake_aws_key_id(441);
    let broken = fake_aws_key_id(442);
    r.write("kept.env", &format!("K={kept}\n"));
    r.write("lost.env", &format!("K={lost}\n"));
    r.write("broken.env", &format!("K={broken}\n"));
    r.commit("Alice", "three keys");
    let object = |file: &str| {
        let id = r.git(&["rev-parse", &format!("HEAD:{file}")]);
        (
            r.dir
                .join(&format!(".git/objects/{}/{}", &id[..2], &id[2..])),
            id,
        )
    };
    let (lost_path, lost_id) = object("lost.env");
    std::fs::remove_file(&lost_path).unwrap();
    let (broken_path, broken_id) = object("broken.env");
    let bytes = std::fs::read(&broken_path).unwrap();
    let mut perms = std::fs::metadata(&broken_path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&broken_path, perms).unwrap();
    std::fs::write(&broken_path, &bytes[..bytes.len() / 2]).unwrap();

    let run = r.scan(&[]);
    assert_eq!(
        run.code, 1,
        "the intact blob is still scanned: {}",
        run.stderr
    );
    assert_eq!(run.findings().len(), 1);
    origins(&run, &kept);
    assert_eq!(summary(&run)["errors"], 2, "{}", run.stderr);
    assert!(run.stderr.contains(&lost_id), "{}", run.stderr);
    assert!(run.stderr.contains(&broken_id), "{}", run.stderr);
    assert_eq!(scanned(&run), 1);
}

#[test]
fn git_huge_blobs_are_skipped_and_counted_and_binaries_skipped() {
    let r = Repo::init();
    let key = fake_aws_key_id(450);
    r.write("big.txt", &format!("{}\nK={key}\n", "x".repeat(4096)));
    r.dir.write(
        "bin.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR K=AKIA".as_slice(),
    );
    r.write("small.txt", "small\n");
    r.commit("Alice", "files");

    let run = r.scan(&["--max-file-size", "1K"]);
    // A blob over the cap was not scanned: incomplete, exit 2, and it is named.
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(summary(&run)["skipped"]["too_large"], 1);
    assert_eq!(summary(&run)["skipped"]["binary"], 1);
    assert_eq!(scanned(&run), 1);
    let skipped: Vec<String> = run.json()["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["origin"]["path"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        skipped.contains(&"big.txt too_large".to_string()),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&"bin.png binary".to_string()),
        "{skipped:?}"
    );
    let all = r.scan(&[]);
    assert_eq!(all.code, 1);
}

#[test]
fn git_non_utf8_paths_are_reported_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let r = Repo::init();
    let key = fake_aws_key_id(460);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
    std::fs::write(r.path().join(name), format!("K={key}\n")).unwrap();
    let added = r.commit("Alice", "latin-1 name");

    let run = r.scan(&[]);
    let o = &origins(&run, &key)[0];
    assert_eq!(o["commit"], added);
    assert_eq!(o["path"], "caf\u{FFFD}.env");
}

#[test]
fn git_text_output_shows_short_commit_date_and_author() {
    let r = Repo::init();
    let key = fake_aws_key_id(470);
    r.write("k.env", &format!("K={key}\n"));
    let added = r.commit("Mallory", "key");
    let out = Command::new(BIN)
        .args(["git", "--color", "never"])
        .current_dir(r.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let date = r.git(&["log", "-1", "--format=%ad", "--date=short", &added]);
    let expected = format!(
        "{}:k.env:1:3 ({date}, Mallory <mallory@example.com>)",
        &added[..10]
    );
    assert!(text.contains(&expected), "{text}");
}
