//! The inventory stage alone, after the scan: building the register from the findings, and
//! writing it as JSON and as HTML, at 10,000 credentials over 100,000 locations.
//!
//! The input is a real history scan of the repository `benches/inventory-repo.py` generates
//! (built under `target/` on first use, with git), run once before the timings; what is timed
//! is the one pass over its findings. Sizes are printed.
//!
//! Run: `cargo bench -p nhi-scan-core --bench inventory`.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nhi_scan_core::report::inventory::{
    HtmlOptions, Inventory, InventoryOptions, SourceFacts, parse_time, write_html,
};
use nhi_scan_core::source::git::History;
use nhi_scan_core::{ConfigSource, Scan, Source};

fn repository() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = root.join("target/inventory-bench-repo");
    if repo.join("HEAD").exists() || repo.join(".git").exists() {
        return repo;
    }
    let status = Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .arg(&repo)
        .status()
        .expect("git");
    assert!(status.success());
    let mut generator = Command::new("python3")
        .arg(root.join("benches/inventory-repo.py"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let stream = generator.stdout.take().expect("stdout");
    let status = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(&repo)
        .stdin(stream)
        .status()
        .expect("git fast-import");
    assert!(status.success() && generator.wait().expect("generator").success());
    repo
}

fn bench(c: &mut Criterion) {
    let repo = repository();
    let scan = Scan::builder()
        .config(ConfigSource::None)
        .build()
        .expect("scan");
    let outcome = scan
        .run(Source::from(
            History::new(repo.display().to_string()).facts(true),
        ))
        .expect("history scan");
    let facts: Vec<SourceFacts> = outcome
        .repositories
        .iter()
        .cloned()
        .map(SourceFacts::repository)
        .collect();
    let locations: usize = outcome.findings.iter().map(|f| f.locations.len()).sum();
    let opts = InventoryOptions::new(parse_time("2024-01-01T00:00:00Z").expect("time"));
    let inv = Inventory::build(&outcome.findings, &facts, &opts);
    let mut json = Vec::new();
    inv.to_json(&mut json).expect("json");
    let mut html = Vec::new();
    write_html(&inv, &HtmlOptions::default(), &mut html).expect("html");
    eprintln!(
        "inventory: {} credentials, {} locations (findings: {}); JSON {:.1} MB, HTML {:.1} MB",
        inv.summary.credentials,
        inv.summary.locations,
        locations,
        json.len() as f64 / 1e6,
        html.len() as f64 / 1e6
    );

    let mut g = c.benchmark_group("inventory");
    g.sample_size(10);
    g.throughput(Throughput::Elements(inv.summary.locations as u64));
    g.bench_function("build", |b| {
        b.iter(|| black_box(Inventory::build(&outcome.findings, &facts, &opts)))
    });
    g.bench_function("json", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(json.len());
            inv.to_json(&mut out).expect("json");
            black_box(out)
        })
    });
    g.bench_function("html", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(html.len());
            write_html(&inv, &HtmlOptions::default(), &mut out).expect("html");
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
