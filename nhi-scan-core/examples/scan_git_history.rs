//! Scan a repository's whole history: a secret committed and then deleted is still leaked, and
//! the finding names the commit, author and date that introduced it.
//!
//! Run: `cargo run -p nhi-scan-core --example scan_git_history` (needs `git` on PATH)

mod common;

use nhi_scan_core::{Origin, Scan, Source};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let repo = dir.path();
    let token = common::fake_github_token(20);
    common::git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("deploy.sh"),
        format!("curl -H 'Authorization: token {token}' ...\n"),
    )?;
    common::git(repo, &["add", "."]);
    common::git(repo, &["commit", "-q", "-m", "Add deploy script"]);
    std::fs::write(
        repo.join("deploy.sh"),
        "curl -H \"Authorization: token $GH_TOKEN\" ...\n",
    )?;
    common::git(
        repo,
        &["commit", "-q", "-am", "Read the token from the environment"],
    );

    let scan = Scan::builder().root(repo).build()?;
    // The working tree is clean...
    assert!(scan.run(Source::paths([repo]))?.findings.is_empty());
    // ...but history is not.
    let outcome = scan.run(Source::git(repo.to_string_lossy()))?;
    assert_eq!(outcome.findings.len(), 1);
    let Origin::Git(g) = &*outcome.findings[0].locations[0].origin else {
        panic!("a git location");
    };
    println!(
        "{} introduced in {} by {} <{}>: {}",
        outcome.findings[0].redacted(),
        &g.commit[..10],
        g.author_name,
        g.author_email,
        g.subject
    );
    assert_eq!(g.path, "deploy.sh");
    assert_eq!(g.subject, "Add deploy script");
    assert_eq!(g.author_email, "author@example.invalid");
    Ok(())
}
