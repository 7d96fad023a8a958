//! `nhi-scan pre-commit`, `install-hook` and `baseline` on real repositories built with the git
//! CLI, and the hooks file driven by the real pre-commit framework. Every token is a generated
//! fake.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{BIN, Dir, Run, fake_aws_key_id, fake_github};

/// A scratch repository driven through the git CLI, isolated from the user's git config.
pub struct GitRepo {
    pub dir: Dir,
}

impl GitRepo {
    pub fn init() -> GitRepo {
        let r = GitRepo { dir: Dir::new() };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, contents: &str) {
        self.dir.write(rel, contents);
    }

    /// A git command with a fixed identity and no global or system configuration.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.path())
            .stdin(Stdio::null())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_DIR");
        c
    }

    pub fn try_git(&self, args: &[&str]) -> Run {
        Run::from(
            self.command("git")
                .args(["-c", "commit.gpgsign=false"])
                .args(args)
                .output()
                .expect("git"),
        )
    }

    pub fn git(&self, args: &[&str]) -> String {
        let r = self.try_git(args);
        assert_eq!(r.code, 0, "git {args:?}: {}{}", r.stdout, r.stderr);
        r.stdout.trim().to_string()
    }

    /// Stages everything and commits without hooks.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
    }

    /// Runs `nhi-scan ARGS` in the repository.
    pub fn nhi(&self, args: &[&str]) -> Run {
        Run::from(self.command(BIN).args(args).output().expect("run"))
    }
}

fn assert_masked(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "full secret printed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn pre_commit_blocks_an_added_token_and_says_how_to_proceed() {
    let r = GitRepo::init();
    r.write("README.md", "hello\n");
    r.commit_all("init");
    let tok = fake_github("ghp_", 501);
    r.write(
        "app/settings.py",
        &format!("DEBUG = True\nTOKEN = '{tok}'\n"),
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for want in [
        "commit is blocked",
        "app/settings.py:2:10",
        "github.pat.classic",
        "rotate",
        "nhi-scan:allow github.pat.classic",
        "nhi-scan baseline update",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?}:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains(&tok[..6]));
    assert_masked(&run, &tok);
    let json = r.nhi(&["pre-commit", "--format", "json"]);
    assert_eq!(json.code, 1);
    assert_eq!(json.findings().len(), 1);
    assert_masked(&json, &tok);
}

#[test]
fn pre_commit_reports_only_added_lines_unless_all_lines() {
    let r = GitRepo::init();
    let old = fake_github("ghp_", 502);
    r.write("config.env", &format!("A=1\nOLD_TOKEN={old}\nB=2\n"));
    r.commit_all("old secret, already in history");
    r.write("config.env", &format!("A=1\nOLD_TOKEN={old}\nB=3\nC=4\n"));
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("scanned 1 staged files"),
        "{}",
        run.stderr
    );
    let all = r.nhi(&["pre-commit", "--all-lines"]);
    assert_eq!(all.code, 1, "{}{}", all.stdout, all.stderr);
    assert!(all.stdout.contains("config.env:2:"), "{}", all.stdout);
    // A changed line holding a new secret is reported; unchanged files are not read.
    let new = fake_aws_key_id(503);
    r.write(
        "config.env",
        &format!("A=1\nOLD_TOKEN={old}\nB=3\nKEY={new}\n"),
    );
    r.write("untouched.txt", "x\n");
    r.git(&["add", "config.env"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("config.env:4:5"), "{}", run.stdout);
    assert!(!run.stdout.contains("config.env:2:"), "{}", run.stdout);
}

#[test]
fn pre_commit_on_the_first_commit_scans_the_whole_index_and_only_the_index() {
    let r = GitRepo::init();
    let staged = fake_github("ghp_", 504);
    let unstaged = fake_github("ghp_", 505);
    r.write("a/b/c.txt", &format!("t={staged}\n"));
    r.git(&["add", "-A"]);
    r.write(
        "a/b/c.txt",
        "t=removed from the working tree but still staged\n",
    );
    r.write("not-staged.txt", &format!("t={unstaged}\n"));
    let run = r.nhi(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let f = run.findings();
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["locations"][0]["origin"]["path"], "a/b/c.txt");
    // From a subdirectory, as when run by hand: paths stay relative to the repository root.
    let sub = Run::from(
        r.command(BIN)
            .args(["pre-commit", "--format", "json"])
            .current_dir(r.path().join("a"))
            .output()
            .expect("run"),
    );
    assert_eq!(sub.code, 1, "{}{}", sub.stdout, sub.stderr);
    assert_eq!(
        sub.findings()[0]["locations"][0]["origin"]["path"],
        "a/b/c.txt"
    );
    // Nothing staged: nothing to do.
    let empty = GitRepo::init();
    let run = empty.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn pre_commit_honours_inline_allows() {
    let r = GitRepo::init();
    r.write("README.md", "hello\n");
    r.commit_all("init");
    let t = |seed| fake_github("ghp_", seed);
    r.write(
        "fixtures.py",
        &format!(
            "A = '{}'  # nhi-scan:allow\nB = '{}'  # nhi-scan:allow github.pat.classic\n# nhi-scan:allow-next-line\nC = '{}'\nD = '{}'  # gitleaks:allow\n",
            t(510),
            t(511),
            t(512),
            t(513)
        ),
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // An allow for another rule does not cover this one.
    r.write(
        "other.py",
        &format!("E = '{}'  # nhi-scan:allow aws.access-key-id\n", t(514)),
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("other.py:1:"), "{}", run.stdout);
}

#[test]
fn baseline_suppresses_known_findings_everywhere_and_update_reports_stale() {
    let r = GitRepo::init();
    let known = fake_github("ghp_", 520);
    r.write("old.env", &format!("T={known}\n"));
    let create = r.nhi(&["baseline", "create"]);
    assert_eq!(create.code, 0, "{}", create.stderr);
    let text = std::fs::read_to_string(r.path().join(".nhi-scan-baseline.json")).unwrap();
    assert!(!text.contains(&known), "baseline holds the secret: {text}");
    assert!(
        text.contains("github.pat.classic") && text.contains("old.env:1"),
        "{text}"
    );
    assert_ne!(
        r.nhi(&["baseline", "create"]).code,
        0,
        "create must not overwrite"
    );

    // The known secret moves to another file: still suppressed (by fingerprint).
    std::fs::remove_file(r.path().join("old.env")).unwrap();
    r.write("moved/new-name.env", &format!("# moved\nT={known}\n"));
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("suppressed (baseline 1)"),
        "{}",
        run.stderr
    );
    let scan = r.nhi(&["scan", "."]);
    assert_eq!(scan.code, 0, "{}{}", scan.stdout, scan.stderr);
    let unsuppressed = r.nhi(&["scan", "--no-baseline", "."]);
    assert_eq!(unsuppressed.code, 1);
    r.commit_all("moved");
    let history = r.nhi(&["git", "."]);
    assert_eq!(history.code, 0, "{}{}", history.stdout, history.stderr);

    // A new secret blocks until the baseline is updated; a removed one is reported stale.
    let fresh = fake_aws_key_id(521);
    r.write("moved/new-name.env", &format!("KEY={fresh}\n"));
    r.git(&["add", "-A"]);
    assert_eq!(r.nhi(&["pre-commit"]).code, 1);
    let update = r.nhi(&["baseline", "update"]);
    assert_eq!(update.code, 0, "{}", update.stderr);
    assert!(
        update.stderr.contains("added 1 new finding"),
        "{}",
        update.stderr
    );
    assert!(
        update.stderr.contains("1 entry no longer found"),
        "{}",
        update.stderr
    );
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let prune = r.nhi(&["baseline", "update", "--prune"]);
    assert!(prune.stderr.contains("removed"), "{}", prune.stderr);
    let text = std::fs::read_to_string(r.path().join(".nhi-scan-baseline.json")).unwrap();
    assert!(!text.contains("github.pat.classic"), "{text}");

    // An explicit --baseline FILE works for scan too.
    let other = Dir::new();
    other.write("x.env", format!("T={known}\n"));
    let b = r.nhi(&[
        "baseline",
        "create",
        "--force",
        "-o",
        other.join("b.json").to_str().unwrap(),
        other.path().to_str().unwrap(),
    ]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let run = other.run(&["scan", "--baseline", "b.json", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn install_hook_blocks_commits_and_keeps_a_foreign_hook_chained() {
    let r = GitRepo::init();
    r.write("README.md", "hello\n");
    r.commit_all("init");
    let hooks = r.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let foreign = hooks.join("pre-commit");
    std::fs::write(
        &foreign,
        "#!/bin/sh\necho foreign-ran >> \"$(git rev-parse --git-dir)/foreign.log\"\n",
    )
    .unwrap();
    make_executable(&foreign);
    let refused = r.nhi(&["install-hook"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    let forced = r.nhi(&["install-hook", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(hooks.join("pre-commit.local").exists());
    assert_eq!(
        r.nhi(&["install-hook"]).code,
        0,
        "reinstalling our own hook is fine"
    );

    // `git commit -a` runs the hook with GIT_INDEX_FILE pointing at a temporary index.
    let tok = fake_github("ghp_", 530);
    r.write("README.md", &format!("hello\ntoken: {tok}\n"));
    let blocked = r.try_git(&["commit", "-q", "-a", "-m", "leak"]);
    assert_ne!(blocked.code, 0, "commit with a token must be blocked");
    assert!(
        format!("{}{}", blocked.stdout, blocked.stderr).contains("commit is blocked"),
        "{}{}",
        blocked.stdout,
        blocked.stderr
    );
    assert_masked(&blocked, &tok);
    r.write("README.md", "hello\nclean change\n");
    let ok = r.try_git(&["commit", "-q", "-a", "-m", "clean"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let log = std::fs::read_to_string(r.path().join(".git/foreign.log")).unwrap();
    assert_eq!(
        log.lines().count(),
        2,
        "the chained hook ran on both commits"
    );
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---- the pre-commit framework ----

/// The `pre-commit` command, or `None` (after saying so) when it is not installed. Under CI it
/// must be installed: a missing tool fails instead of silently skipping.
fn pre_commit() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PRE_COMMIT").map(PathBuf::from),
        Some(PathBuf::from("pre-commit")),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = Command::new(&c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("the pre-commit framework is not installed (CI must install it: see .ci/run)");
    }
    eprintln!(
        "skipped: the pre-commit framework is not installed (python3 -m pip install pre-commit)"
    );
    None
}

/// PATH with the directory of the built `nhi-scan` first.
fn path_with_bin() -> String {
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", bin_dir.display())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// A git repository holding this workspace's `.pre-commit-hooks.yaml`, committed, as the
/// framework wants a hooks repository to be; returns it and its commit id.
fn hooks_repo() -> (GitRepo, String) {
    let repo = GitRepo::init();
    let hooks = std::fs::read_to_string(workspace_root().join(".pre-commit-hooks.yaml"))
        .expect("hooks file");
    repo.write(".pre-commit-hooks.yaml", &hooks);
    repo.commit_all("hooks");
    let rev = repo.git(&["rev-parse", "HEAD"]);
    (repo, rev)
}

#[test]
fn pre_commit_framework_system_hook_blocks_and_lets_allowed_and_baselined_commits_pass() {
    let Some(pc) = pre_commit() else { return };
    let (hooks, rev) = hooks_repo();
    let home = Dir::new();
    let r = GitRepo::init();
    r.write(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n-   repo: {}\n    rev: {rev}\n    hooks:\n    -   id: nhi-scan-system\n",
            hooks.path().display()
        ),
    );
    r.write("README.md", "hello\n");
    r.commit_all("init");
    let path = path_with_bin();
    let framework = |args: &[&str]| {
        Run::from(
            r.command(pc.to_str().unwrap())
                .args(args)
                .env("PATH", &path)
                .env("PRE_COMMIT_HOME", home.path())
                .output()
                .expect("pre-commit"),
        )
    };
    let install = framework(&["install"]);
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    let commit = |msg: &str| {
        r.git(&["add", "-A"]);
        Run::from(
            r.command("git")
                .args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", msg])
                .env("PATH", &path)
                .env("PRE_COMMIT_HOME", home.path())
                .output()
                .expect("git commit"),
        )
    };

    let tok = fake_github("ghp_", 540);
    r.write("deploy.sh", &format!("export GITHUB_TOKEN={tok}\n"));
    let blocked = commit("leak");
    assert_ne!(blocked.code, 0, "{}{}", blocked.stdout, blocked.stderr);
    let out = format!("{}{}", blocked.stdout, blocked.stderr);
    assert!(out.contains("commit is blocked"), "{out}");
    assert!(out.contains("nhi-scan:allow github.pat.classic"), "{out}");
    assert_masked(&blocked, &tok);

    r.write(
        "deploy.sh",
        "export GITHUB_TOKEN=\"$(vault read -field=token secret/gh)\"\n",
    );
    let clean = commit("clean");
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);

    let fake = fake_github("ghp_", 541);
    r.write(
        "tests/fixture.py",
        &format!("TOKEN = '{fake}'  # nhi-scan:allow known fake\n"),
    );
    let allowed = commit("fixture");
    assert_eq!(allowed.code, 0, "{}{}", allowed.stdout, allowed.stderr);

    let accepted = fake_github("ghp_", 542);
    r.write("legacy.cfg", &format!("token={accepted}\n"));
    let b = r.nhi(&["baseline", "update"]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let baselined = commit("accepted legacy token");
    assert_eq!(
        baselined.code, 0,
        "{}{}",
        baselined.stdout, baselined.stderr
    );
}

/// Copies the workspace sources (tracked and untracked-but-not-ignored files) into a new git
/// repository, committed, so `pre-commit try-repo` can build the `language: rust` hook from it.
fn workspace_copy() -> GitRepo {
    let root = workspace_root();
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .output()
        .expect("git ls-files");
    assert!(listed.status.success());
    let copy = GitRepo::init();
    for rel in listed.stdout.split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let rel = String::from_utf8_lossy(rel).into_owned();
        let from = root.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = copy.path().join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    copy.commit_all("workspace snapshot");
    copy
}

#[test]
fn pre_commit_framework_builds_the_rust_hook_with_try_repo() {
    let Some(pc) = pre_commit() else { return };
    let hooks = workspace_copy();
    let home = Dir::new();
    let r = GitRepo::init();
    r.write("README.md", "hello\n");
    r.commit_all("init");
    let tok = fake_github("ghp_", 550);
    r.write("leak.txt", &format!("{tok}\n"));
    r.git(&["add", "-A"]);
    // `cargo install` honours CARGO_TARGET_DIR: keep the build under this workspace's target/
    // so reruns reuse it, and build quickly (the hook's speed is not what this test measures).
    let target = workspace_root().join("target/pre-commit-rust-hook");
    let try_repo = |verbose: bool| {
        let mut c = r.command(pc.to_str().unwrap());
        c.args(["try-repo", hooks.path().to_str().unwrap(), "nhi-scan"])
            .args(verbose.then_some("--verbose"))
            .env("PRE_COMMIT_HOME", home.path())
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
        Run::from(c.output().expect("pre-commit try-repo"))
    };
    let run = try_repo(true);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert_ne!(run.code, 0, "the staged token must fail the hook:\n{out}");
    assert!(
        out.contains("commit is blocked") && out.contains("leak.txt:1:1"),
        "{out}"
    );
    assert_masked(&run, &tok);
    r.git(&["rm", "-q", "--cached", "leak.txt"]);
    r.write("ok.txt", "nothing secret\n");
    r.git(&["add", "ok.txt"]);
    let run = try_repo(false);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
