//! Rule files: arbitrary TOML as a `--rules` file, loaded, validated, compiled and run over a
//! little text. Broken rules must be errors, never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::rules::{RuleOrigin, RuleSet};
use nhi_scan_core::{Collector, Scan, Source};

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The parser on its own.
    let mut set = RuleSet::empty();
    set.add_text(RuleOrigin::File("fuzz.toml".into()), text);
    if set.rules.is_empty() {
        return;
    }
    // And the whole way: a rules file given to a scan, compiled and run.
    let path = dir().path().join("rules.toml");
    std::fs::write(&path, text).expect("write");
    let Ok(scan) = Scan::builder()
        .builtin_rules(false)
        .rules_path(&path)
        .threads(1)
        .build()
    else {
        return;
    };
    let mut sink = Collector::new();
    let sample = format!("{text}\nkey = abc_0123456789abcdef token=xyz\n");
    let _ = scan.stream(Source::buffer("sample", sample.into_bytes()), &mut sink);
});
