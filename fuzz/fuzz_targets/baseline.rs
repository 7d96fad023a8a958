//! The baseline parser: arbitrary bytes as a baseline file. A broken file is an error naming
//! it, never a panic; a file that loads can be updated and saved again.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::suppress::Baseline;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
}

fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("baseline.json");
    std::fs::write(&path, data).expect("write");
    if let Ok(mut b) = Baseline::load(&path) {
        let _ = b.contains(&"0".repeat(64));
        let _ = b.update(&[], true);
        let out = dir().path().join("saved.json");
        b.save(&out).expect("a loaded baseline saves");
        Baseline::load(&out).expect("a saved baseline loads");
    }
});
