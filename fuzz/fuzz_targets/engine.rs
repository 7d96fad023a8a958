//! The engine over arbitrary bytes with the built-in rules, through the public API: a buffer
//! source, streamed into a sink that checks what each hit says about where it is.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::{Hit, Scan, Sink, SinkError, Source};

struct Check {
    len: u64,
}

impl Sink for Check {
    fn hit(&mut self, hit: Hit) -> Result<(), SinkError> {
        let l = &hit.location;
        assert!(
            l.offset <= l.end_offset && l.end_offset <= self.len,
            "{l:?}"
        );
        assert!(l.line >= 1 && l.column >= 1);
        assert!((l.line, l.column) <= (l.end_line, l.end_column) || l.encoding.is_some());
        Ok(())
    }
}

fn scan() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(|| {
        Scan::builder()
            .threads(1)
            .build()
            .expect("built-in rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    let mut sink = Check {
        len: data.len() as u64,
    };
    scan()
        .stream(Source::buffer("fuzz", data.to_vec()), &mut sink)
        .expect("a buffer scan cannot fail");
});
