//! Configuration files: arbitrary text as `.nhi-scan.toml` or as a gitleaks `.gitleaks.toml`
//! (the first byte picks which), loaded the way a scan discovers it in the scanned tree,
//! rules translated and compiled, suppression built, and a small text scanned.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::{Collector, ConfigSource, Scan, Source};

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = if which & 1 == 0 {
        ".nhi-scan.toml"
    } else {
        ".gitleaks.toml"
    };
    let root = dir().path();
    let path = root.join(name);
    std::fs::write(&path, text).expect("write");
    let built = Scan::builder()
        .root(root)
        .config(ConfigSource::File(path))
        .threads(1)
        .build();
    let Ok(scan) = built else {
        return;
    };
    let _ = scan.config().describe();
    let mut sink = Collector::new();
    let sample = format!("{text}\npassword = \"hunter2hunter2\"\nAKIAIOSFODNN7EXAMPLE\n");
    let _ = scan.stream(Source::buffer("sample.txt", sample.into_bytes()), &mut sink);
});
