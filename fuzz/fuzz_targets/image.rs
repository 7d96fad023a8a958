//! The container image reader: arbitrary bytes as a `docker save` or OCI layout tarball
//! (maybe compressed), read as a stream: manifest, config, layers, whiteouts, nested archives.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::source::archive::Limits;
use nhi_scan_core::source::image::ImageTarget;
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

fuzz_target!(|data: &[u8]| {
    let target = ImageTarget::Reader {
        name: "fuzz.tar".into(),
        reader: Box::new(std::io::Cursor::new(data.to_vec())),
    };
    let mut sink = Collector::new();
    let _ = scan().stream(Source::image([target]), &mut sink);
});
