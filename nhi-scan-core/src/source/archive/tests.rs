use std::io::Write;

use super::*;
use crate::source::SkipReason;
use crate::{Outcome, Scan, Source};

fn token(seed: u64) -> String {
    // A FAKE GitLab-style personal access token: fixed prefix, 20 pseudo-random characters.
    const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let body: String = (0..20)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            A[(s % A.len() as u64) as usize] as char
        })
        .collect();
    format!("glpat-{body}")
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn scan(bytes: &[u8], name: &str, limits: Limits) -> Outcome {
    let scan = Scan::builder()
        .archives(Some(limits))
        .build()
        .expect("scan");
    scan.run(Source::buffer(name, bytes.to_vec())).expect("run")
}

fn labels(out: &Outcome) -> Vec<String> {
    out.findings
        .iter()
        .flat_map(|f| f.locations.iter().map(|l| l.origin.label()))
        .collect()
}

#[test]
fn sniff_recognises_formats_by_content() {
    let t = tar_of(&[("a", b"x")]);
    assert_eq!(sniff(&t, "whatever"), Some(Format::Tar));
    assert_eq!(sniff(&gzip(b"x"), "x"), Some(Format::Gzip));
    assert_eq!(sniff(&zip_of(&[("a", b"b")]), "x.bin"), Some(Format::Zip));
    assert_eq!(sniff(b"BZh", "x.bz2"), None);
    assert_eq!(sniff(b"hello world", "x.tar"), None);
    assert_eq!(inner_name("dir/app.tar.gz"), "app.tar");
    assert_eq!(inner_name("app.tgz"), "app.tar");
    assert_eq!(inner_name("log.zst"), "log");
}

#[test]
fn nested_archives_name_the_chain() {
    let secret = token(1);
    let yml = format!("gitlab:\n  token: {secret}\n");
    let jar = zip_of(&[("BOOT-INF/classes/application.yml", yml.as_bytes())]);
    let tgz = gzip(&tar_of(&[("./opt/app.jar", &jar)]));
    let out = scan(&tgz, "bundle.tgz", Limits::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        labels(&out),
        vec!["bundle.tgz!/opt/app.jar!/BOOT-INF/classes/application.yml"]
    );
}

#[test]
fn depth_limit_stops_opening() {
    let secret = token(2);
    let inner = zip_of(&[("a.env", format!("T={secret}").as_bytes())]);
    let outer = zip_of(&[("lib/inner.jar", &inner)]);
    let limits = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let out = scan(&outer, "app.war", limits);
    assert!(out.findings.is_empty());
    assert_eq!(out.stats.skipped.get(&SkipReason::ArchiveDepth), Some(&1));
    let out = scan(&outer, "app.war", Limits::default());
    assert_eq!(labels(&out), vec!["app.war!/lib/inner.jar!/a.env"]);
}

#[test]
fn bombs_are_abandoned_and_reported_once() {
    // 64 MiB of zeros per member compresses to ~64 KiB; four of them exceed a 100 MiB cap.
    let zeros = vec![0u8; 64 << 20];
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..4 {
        w.start_file(
            format!("z{i}"),
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        w.write_all(&zeros).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 << 20);
    let limits = Limits {
        max_total_bytes: 100 << 20,
        ..Limits::default()
    };
    let out = scan(&bomb, "bomb.zip", limits);
    let msgs: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("bomb.zip") && msgs[0].contains("abandoned"),
        "{msgs:?}"
    );

    let many: Vec<(String, Vec<u8>)> = (0..50).map(|i| (format!("f{i}"), vec![b'a'])).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let t = gzip(&tar_of(&refs));
    let limits = Limits {
        max_members: 10,
        ..Limits::default()
    };
    let out = scan(&t, "many.tar.gz", limits);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].to_string().contains("member count"));
    assert_eq!(out.stats.scanned, 10);
}

#[test]
fn corrupt_and_truncated_archives_are_errors_and_members_before_are_scanned() {
    let secret = token(3);
    let t = tar_of(&[
        ("a.env", format!("T={secret}").as_bytes()),
        ("b.bin", &vec![7u8; 4096]),
    ]);
    let truncated = &t[..t.len() - 2048];
    let out = scan(truncated, "cut.tar", Limits::default());
    assert_eq!(labels(&out), vec!["cut.tar!/a.env"]);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    let mut gz = gzip(&t);
    let n = gz.len();
    gz[n / 2] ^= 0xff;
    gz[n / 2 + 1] ^= 0xff;
    let out = scan(&gz, "bad.tar.gz", Limits::default());
    assert!(!out.errors.is_empty());
    assert!(
        out.errors[0].to_string().contains("bad.tar.gz"),
        "{}",
        out.errors[0]
    );
}

#[test]
fn unsafe_paths_are_reported_and_still_scanned() {
    let secret = token(4);
    let mut b = tar::Builder::new(Vec::new());
    let data = format!("T={secret}");
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_entry_type(tar::EntryType::Regular);
    // `append_data` refuses `..`; write the name into the header bytes directly.
    h.as_old_mut().name[..13].copy_from_slice(b"../../etc/env");
    h.set_cksum();
    b.append(&h, data.as_bytes()).unwrap();
    let t = b.into_inner().unwrap();
    let out = scan(&t, "evil.tar", Limits::default());
    assert_eq!(labels(&out), vec!["evil.tar!/../../etc/env"]);
    assert!(out.errors[0].to_string().contains("unsafe member path"));
}

#[test]
fn every_compressor_is_read() {
    let secret = token(5);
    let text = format!("T={secret}\n");
    let zst = zstd::stream::encode_all(text.as_bytes(), 1).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(text.as_bytes()).unwrap();
    let bz = bz.finish().unwrap();
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    xz.write_all(text.as_bytes()).unwrap();
    let xz = xz.finish().unwrap();
    for (bytes, name, label) in [
        (gzip(text.as_bytes()), "a.env.gz", "a.env.gz!/a.env"),
        (zst, "a.env.zst", "a.env.zst!/a.env"),
        (bz, "a.env.bz2", "a.env.bz2!/a.env"),
        (xz, "a.env.xz", "a.env.xz!/a.env"),
    ] {
        let out = scan(&bytes, name, Limits::default());
        assert!(out.errors.is_empty(), "{name}: {:?}", out.errors);
        assert_eq!(labels(&out), vec![label.to_string()]);
    }
}
