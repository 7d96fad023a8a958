//! A custom sink: results as they are found (each input reports as soon as it is scanned),
//! with line and column, suppression applied and encoded secrets already decoded. This one
//! prints a CSV row per sighting and stops the scan after a limit.
//!
//! Run: `cargo run -p nhi-scan-core --example custom_sink`

mod common;

use nhi_scan_core::source::{Skipped, SourceError};
use nhi_scan_core::{Hit, Scan, ScanError, Sink, SinkError, Source};

struct Csv {
    rows: Vec<String>,
    limit: usize,
    skipped: usize,
}

impl Sink for Csv {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        if self.rows.len() == self.limit {
            return Err(SinkError::new("enough findings for this example"));
        }
        let at = &hit.location;
        self.rows.push(format!(
            "{},{},{},{},{}",
            at.origin.label(),
            at.line,
            at.column,
            hit.rule.id,
            hit.secret.redacted()
        ));
        Ok(())
    }

    fn skipped(&mut self, _: Skipped) -> Result<(), SinkError> {
        self.skipped += 1;
        Ok(())
    }

    fn error(&mut self, e: SourceError) -> Result<(), SinkError> {
        eprintln!("could not read: {e}");
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    for i in 0..5u64 {
        let text = format!(
            "# config {i}\ntoken: {}\n",
            common::fake_github_token(10 + i)
        );
        std::fs::write(dir.path().join(format!("config{i}.yml")), text)?;
    }
    std::fs::write(
        dir.path().join("logo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )?;

    let scan = Scan::builder().root(dir.path()).threads(1).build()?;
    let mut csv = Csv {
        rows: Vec::new(),
        limit: 100,
        skipped: 0,
    };
    let summary = scan.stream(Source::paths([dir.path()]), &mut csv)?;
    for row in &csv.rows {
        println!("{row}");
    }
    assert_eq!(csv.rows.len(), 5);
    assert!(
        csv.rows
            .iter()
            .all(|r| r.contains(",2,8,github.pat.classic,ghp_"))
    );
    assert_eq!(csv.skipped, 1, "the PNG is named as a skipped binary");
    assert_eq!(summary.stats.scanned, 5);

    // A sink that returns an error stops the scan, and the error comes back.
    let mut small = Csv {
        rows: Vec::new(),
        limit: 2,
        skipped: 0,
    };
    let stopped = scan.stream(Source::paths([dir.path()]), &mut small);
    assert!(matches!(stopped, Err(ScanError::Sink(_))));
    assert_eq!(small.rows.len(), 2);
    Ok(())
}
