//! Pre-commit precision: moving committed content does not block a commit, a staged file that
//! looks binary but carries a token in its text blocks like any other, and a staged file over
//! the size cap is named. Every token is a generated fake.

use crate::precommit::GitRepo;
use crate::util::{fake_aws_key_id, fake_github};

fn repo_with(files: &[(&str, String)]) -> GitRepo {
    let r = GitRepo::init();
    for (path, text) in files {
        r.write(path, text);
    }
    r.commit_all("init");
    r
}

#[test]
fn a_pure_rename_of_a_committed_token_does_not_block() {
    let tok = fake_github("ghp_", 950);
    let r = repo_with(&[("config/app.env", format!("A=1\nTOKEN={tok}\nB=2\n"))]);
    r.git(&["mv", "config/app.env", "config/renamed.env"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("blocked"), "{}", run.stdout);
    // --all-lines still sees it: the token is there, only not added by this commit.
    let run = r.nhi(&["pre-commit", "--all-lines"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_directory_move_does_not_block_and_an_edit_inside_it_blocks_only_if_it_adds_a_token() {
    let tok = fake_github("ghp_", 951);
    let key = fake_aws_key_id(952);
    let r = repo_with(&[
        (
            "services/api/settings.py",
            format!("DEBUG = False\nTOKEN = '{tok}'\n"),
        ),
        (
            "services/api/deploy/prod.env",
            format!("AWS_ACCESS_KEY_ID={key}\n"),
        ),
        ("services/api/README.md", "the api\n".to_string()),
    ]);
    std::fs::create_dir_all(r.path().join("apps")).unwrap();
    r.git(&["mv", "services/api", "apps/api"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Moved and edited: an unrelated line changed, the old token is not "added".
    r.write(
        "apps/api/settings.py",
        &format!("DEBUG = True\nTOKEN = '{tok}'\n"),
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // A new token in the moved directory blocks, and only it is reported.
    let fresh = fake_github("ghp_", 953);
    r.write(
        "apps/api/settings.py",
        &format!("DEBUG = True\nTOKEN = '{tok}'\nOTHER = '{fresh}'\n"),
    );
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    let loc = &findings[0]["locations"][0];
    assert_eq!(loc["line"], 3, "{loc}");
    assert_eq!(loc["origin"]["path"], "apps/api/settings.py", "{loc}");
}

#[test]
fn a_staged_binary_looking_file_with_a_token_in_its_text_blocks() {
    let r = repo_with(&[("README.md", "hello\n".to_string())]);
    let tok = fake_github("ghp_", 954);
    // NUL bytes up front (as in a UTF-16 BOM-less dump or a log with a binary header), then text.
    let mut bytes = vec![0u8; 32];
    bytes.extend_from_slice(b"\x01\x02header\0\0\n");
    bytes.extend_from_slice(format!("token={tok}\n").as_bytes());
    std::fs::write(r.path().join("dump.log"), &bytes).unwrap();
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("dump.log"), "{}", run.stdout);
    // A real binary format is named as skipped, not scanned, and does not block.
    let r = repo_with(&[("README.md", "hello\n".to_string())]);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(format!("token={tok}\n").as_bytes());
    std::fs::write(r.path().join("logo.png"), &png).unwrap();
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let skipped = run.json()["skipped"].to_string();
    assert!(
        skipped.contains("logo.png") && skipped.contains("binary"),
        "{skipped}"
    );
}

#[test]
fn a_staged_file_over_the_size_cap_is_named() {
    let r = repo_with(&[("README.md", "hello\n".to_string())]);
    let big: String = (0..200)
        .map(|i| format!("line {i} of a large file\n"))
        .collect();
    r.write("data/big.txt", &big);
    r.write("small.txt", "small\n");
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit", "--max-file-size", "1K"]);
    // Not scanned, so the hook cannot vouch for it: named, and the commit is stopped (exit 2).
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("data/big.txt") && run.stderr.contains("too large"),
        "{}",
        run.stderr
    );
    let run = r.nhi(&["pre-commit", "--max-file-size", "1K", "--format", "json"]);
    let skipped = run.json()["skipped"].to_string();
    assert!(
        skipped.contains("data/big.txt") && skipped.contains("too_large"),
        "{skipped}"
    );
    // The same cap from the configuration.
    r.write(".nhi-scan.toml", "max_file_size = \"1K\"\n");
    r.git(&["add", "-A"]);
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("data/big.txt"), "{}", run.stderr);
}

#[test]
fn a_corrupt_staged_blob_is_an_error_not_a_clean_commit() {
    let r = repo_with(&[("README.md", "hello\n".to_string())]);
    let tok = fake_github("ghp_", 955);
    r.write("app.env", &format!("TOKEN={tok}\n"));
    r.git(&["add", "-A"]);
    // Replace the staged object with a valid object of other bytes (no token): git's own
    // `fsck` calls this corrupt; the hook must not call it clean.
    let id = r.git(&["rev-parse", ":app.env"]);
    let path = r
        .path()
        .join(format!(".git/objects/{}/{}", &id[..2], &id[2..]));
    let scratch = GitRepo::init();
    scratch.write("f", "TOKEN=nothing-to-see-here-at-all\n");
    let forged = scratch.git(&["hash-object", "-w", "f"]);
    std::fs::remove_file(&path).unwrap();
    std::fs::copy(
        scratch
            .path()
            .join(format!(".git/objects/{}/{}", &forged[..2], &forged[2..])),
        &path,
    )
    .unwrap();
    let run = r.nhi(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("app.env")
            && run.stderr.contains(&id)
            && run.stderr.contains("corrupt"),
        "{}",
        run.stderr
    );
}
