//! The decoders (base64 in Kubernetes Secrets, Basic auth, Docker and npm `auth`, percent
//! encoding), reached the way real input reaches them: the fuzz input is the decoded payload,
//! wrapped in each encoding and context, and scanned with the built-in rules.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nhi_scan_core::{Hit, Scan, Sink, SinkError, Source};

struct Count(usize);

impl Sink for Count {
    fn hit(&mut self, _: Hit) -> Result<(), SinkError> {
        self.0 += 1;
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

fn b64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percent(data: &[u8]) -> String {
    data.iter().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let e = b64(data);
    let texts = [
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  token: {e}\n"),
        format!("{{\"kind\": \"Secret\", \"data\": {{\"key\": \"{e}\"}}}}"),
        format!("Authorization: Basic {e}\n"),
        format!("{{\"auths\": {{\"registry.example\": {{\"auth\": \"{e}\"}}}}}}"),
        format!("//registry.npmjs.org/:_auth={e}\n"),
        format!("url = https://example.invalid/?q={}\n", percent(data)),
        // Nested: the payload base64-encoded twice inside a Secret.
        format!(
            "kind: Secret\ndata:\n  config.json: {}\n",
            b64(format!("{{\"auths\":{{\"r\":{{\"auth\":\"{e}\"}}}}}}").as_bytes())
        ),
    ];
    for t in texts {
        let mut sink = Count(0);
        scan()
            .stream(Source::buffer("fuzz.yaml", t.into_bytes()), &mut sink)
            .expect("a buffer scan cannot fail");
    }
});
