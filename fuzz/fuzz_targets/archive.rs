//! The archive reader: arbitrary bytes under a name (the first byte picks `.zip`, `.jar`,
//! `.tar`, `.tgz`, `.gz`, `.zst`, `.bz2`, `.xz` or none; content decides the format, the name
//! only rescues old tars), opened with small limits so a bomb costs milliseconds, members
//! scanned recursively.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::source::archive::Limits;
use nhi_scan_core::{Collector, Scan, Source};

fn scan() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(|| {
        let limits = Limits {
            max_total_bytes: 8 << 20,
            max_members: 1000,
            max_buffer: 4 << 20,
            ..Limits::default()
        };
        Scan::builder()
            .threads(1)
            .archives(Some(limits))
            .build()
            .expect("built-in rules load")
    })
}

const NAMES: [&str; 9] = [
    "a.zip", "a.jar", "a.tar", "a.tgz", "a.gz", "a.zst", "a.bz2", "a.xz", "a.bin",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[which as usize % NAMES.len()];
    let mut sink = Collector::new();
    // Both ways in: bytes in memory (zip read from a buffer) and a stream (zip buffered).
    let _ = scan().stream(Source::buffer(name, rest.to_vec()), &mut sink);
    let _ = scan().stream(
        Source::reader(name, std::io::Cursor::new(rest.to_vec())),
        &mut sink,
    );
});
