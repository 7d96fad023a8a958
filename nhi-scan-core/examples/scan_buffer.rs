//! Scan bytes you already hold (a request body, a log line, a file from an upload), named so
//! reports can say where the secret was.
//!
//! Run: `cargo run -p nhi-scan-core --example scan_buffer`

mod common;

use nhi_scan_core::{Origin, Scan, Source};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = common::fake_github_token(1);
    let body = format!("POST /deploy\nAuthorization: token {token}\n");

    // No root: no configuration is looked for; the built-in rules apply.
    let scan = Scan::builder().build()?;
    let outcome = scan.run(Source::buffer("request #42", body.into_bytes()))?;

    assert_eq!(outcome.findings.len(), 1);
    let f = &outcome.findings[0];
    let at = &f.locations[0];
    println!(
        "{} in {} at line {}: {}",
        f.rule_id,
        at.origin.label(),
        at.line,
        f.redacted()
    );
    assert_eq!(f.rule_id, "github.pat.classic");
    assert!(matches!(&*at.origin, Origin::Buffer { name } if name == "request #42"));
    assert_eq!((at.line, at.column), (2, 22));
    // The plaintext is never in reports or Debug output unless asked for.
    assert!(!format!("{f:?}").contains(&token));
    assert_eq!(f.secret.expose(), token);
    Ok(())
}
