//! Engine throughput over a generated, MB-scale haystack of realistic source and config text
//! with planted fake credentials. Reports MB/s (criterion `Throughput::Bytes`).
//!
//! Run: `cargo bench -p nhi-scan-core --bench engine`.

use std::hint::black_box;

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nhi_scan_core::{Hit, Scan, Sink, SinkError, Source};

/// Counts hits: the cheapest sink, so the figure is the engine's.
struct Count(usize);

impl Sink for Count {
    fn hit(&mut self, _: Hit) -> Result<(), SinkError> {
        self.0 += 1;
        Ok(())
    }
}

/// Lines in the style of real code and config, including the generic words (`key`, `token`,
/// `secret`, `auth`, `client`) that make most keyword hits in real source.
const LINES: &[&str] = &[
    "fn parse_header(input: &[u8]) -> Result<Header, Error> {",
    "    let token = lexer.next_token()?;",
    "    match self.state { State::Key => self.read_key(buf), _ => {} }",
    "    // Refresh the auth client before the access window closes.",
    "import os, sys, json",
    "def get_api_client(config):",
    "    return Client(base_url=config['url'], timeout=30, retries=3)",
    "const options = { headers: { 'Content-Type': 'application/json' }, credentials: 'include' };",
    "export function useSecretStore(name) { return vault.read(`kv/${name}`); }",
    "  api_key: ${API_KEY}",
    "  password: \"{{ .Values.db.password }}\"",
    "<dependency><groupId>org.apache.commons</groupId><artifactId>commons-lang3</artifactId></dependency>",
    "SELECT id, name, created_at FROM users WHERE account_id = $1 ORDER BY created_at DESC;",
    "    #[serde(rename = \"accessToken\")] pub access_token: Option<String>,",
    "resource \"aws_iam_role\" \"lambda\" { name = \"lambda-exec\" assume_role_policy = data.x.json }",
    "    if (!response.ok) throw new Error(`request failed: ${response.status}`);",
    "",
    "}",
];

fn crc_base62(body: &str) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut crc = !0u32;
    for &b in body.as_bytes() {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut n = (!crc) as u64;
    let mut out = [b'0'; 6];
    for s in out.iter_mut().rev() {
        *s = B62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

/// About `size` bytes of source with a FAKE credential planted every ~64 KiB.
fn haystack(size: usize) -> Vec<u8> {
    let mut out = String::with_capacity(size + 256);
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut planted = 0;
    while out.len() < size {
        let line = LINES[(next() % LINES.len() as u64) as usize];
        out.push_str(line);
        out.push('\n');
        if out.len() / 65_536 > planted {
            planted += 1;
            let body: String = (0..30)
                .map(|_| {
                    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        [(next() % 62) as usize] as char
                })
                .collect();
            out.push_str(&format!(
                "GITHUB_TOKEN = \"ghp_{body}{}\"\n",
                crc_base62(&body)
            ));
        }
    }
    out.into_bytes()
}

/// Scans `bytes` as one buffer through the library's entry point; returns the hits.
fn scan(scan: &Scan, bytes: &Arc<[u8]>) -> usize {
    let mut count = Count(0);
    scan.stream(Source::buffer("bench", Arc::clone(bytes)), &mut count)
        .expect("scan");
    count.0
}

fn bench_engine(c: &mut Criterion) {
    let engine = Scan::builder().build().expect("built-in rules");
    assert!(engine.rule_errors().is_empty());
    let hay: Arc<[u8]> = haystack(8 << 20).into();
    let found = scan(&engine, &hay);
    assert!(found >= 100, "planted fakes are found: {found}");

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    group.sample_size(20);
    group.bench_function("scan_source_8MiB", |b| {
        b.iter(|| scan(&engine, black_box(&hay)))
    });
    let prose: Arc<[u8]> =
        b"The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs.\n"
            .iter()
            .copied()
            .cycle()
            .take(8 << 20)
            .collect();
    group.throughput(Throughput::Bytes(prose.len() as u64));
    group.bench_function("scan_prose_8MiB_no_keywords", |b| {
        b.iter(|| scan(&engine, black_box(&prose)))
    });
    group.finish();
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
