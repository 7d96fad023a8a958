//! Scan a directory the way `nhi-scan scan DIR` does: configuration, `.gitleaksignore` and the
//! baseline discovered at the repository root, `.gitignore` honoured, findings grouped.
//!
//! Run: `cargo run -p nhi-scan-core --example scan_directory`

mod common;

use nhi_scan_core::{Scan, Source, Status};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A project with a leaked token in two files and an allowlisted fixture directory.
    let dir = tempfile::tempdir()?;
    let token = common::fake_github_token(2);
    std::fs::write(dir.path().join(".env"), format!("GITHUB_TOKEN={token}\n"))?;
    std::fs::create_dir_all(dir.path().join("src"))?;
    std::fs::write(dir.path().join("src/ci.sh"), format!("export GH={token}\n"))?;
    std::fs::create_dir_all(dir.path().join("fixtures"))?;
    std::fs::write(
        dir.path().join("fixtures/fake.env"),
        format!("T={}\n", common::fake_github_token(3)),
    )?;
    std::fs::write(
        dir.path().join(".nhi-scan.toml"),
        "[allow]\npaths = [\"fixtures\"]\n",
    )?;

    // The embedding itself: three lines.
    let scan = Scan::builder().root(dir.path()).build()?;
    let outcome = scan.run(Source::paths([dir.path()]))?;
    for f in &outcome.findings {
        println!(
            "{} {} at {} places",
            f.rule_id,
            f.redacted(),
            f.locations.len()
        );
    }

    assert_eq!(
        outcome.findings.len(),
        1,
        "one credential, the fixture allowlisted"
    );
    assert_eq!(outcome.findings[0].locations.len(), 2);
    assert_eq!(outcome.status(), Status::Findings);
    assert!(
        outcome
            .skipped
            .iter()
            .any(|s| s.origin.label().ends_with("fixtures"))
    );
    Ok(())
}
