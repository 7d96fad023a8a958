//! Container images built in test code, scanned through the library: every layer (files hidden by
//! whiteouts and opaque directories, overwritten files), the config (Env, history), nested
//! archives, deduplication across layers and images, and bad input of every kind.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use nhi_scan_core::finding::{ImageItem, Origin};
use nhi_scan_core::source::SkipReason;
use nhi_scan_core::source::archive::Limits;
use nhi_scan_core::source::image::{ImageSummary, ImageTarget, Images};
use nhi_scan_core::{Outcome, Scan, Source};

use crate::image_build::*;
use crate::util::{Dir, fake_github};

/// An image scan's outcome and image counters.
pub struct Out {
    pub outcome: Outcome,
    pub summary: ImageSummary,
}

/// Scans `targets` in one run with `scan` (built-in rules, no configuration).
pub fn run_images(scan: &Scan, images: Images) -> Out {
    let summary = Arc::new(Mutex::new(ImageSummary::default()));
    let outcome = scan
        .run(Source::Image(images.summary(Arc::clone(&summary))))
        .expect("image scan");
    let summary = summary.lock().unwrap().clone();
    Out { outcome, summary }
}

fn scan_targets(targets: Vec<ImageTarget>) -> Out {
    let scan = Scan::builder().build().unwrap();
    run_images(&scan, Images::new(targets))
}

fn reader(name: &str, bytes: Vec<u8>) -> ImageTarget {
    ImageTarget::Reader {
        name: name.into(),
        reader: Box::new(Stream(std::io::Cursor::new(bytes))),
    }
}

/// Fake secrets, one per place they are hidden.
pub struct Secrets {
    pub env_file: String,
    pub opaque: String,
    pub overwritten: String,
    pub shared: String,
    pub top: String,
    pub jar: String,
    pub nested: String,
    pub env: String,
    pub history: String,
}

pub fn secrets(seed: u64) -> Secrets {
    let g = |n| fake_github("ghp_", seed * 100 + n);
    Secrets {
        env_file: g(1),
        opaque: g(2),
        overwritten: g(3),
        shared: g(4),
        top: g(5),
        jar: g(6),
        nested: g(7),
        env: g(8),
        history: g(9),
    }
}

/// Three layers and a config hiding a secret in every way the issue names.
pub fn layered_spec(s: &Secrets) -> Spec {
    let jar = zip_of(&[(
        "BOOT-INF/classes/application.yml",
        format!("github:\n  token: {}\n", s.jar).as_bytes(),
    )]);
    let inner_jar = zip_of(&[(
        "app.properties",
        format!("gh.token={}\n", s.nested).as_bytes(),
    )]);
    let bundle = layer_tar(&[file("lib/inner.jar", &inner_jar)]);
    let shared = format!("token: {}\n", s.shared);
    Spec {
        layers: vec![
            Layer {
                items: vec![
                    Item::Dir("app".into()),
                    file("app/.env", format!("GITHUB_TOKEN={}\n", s.env_file)),
                    Item::Dir("etc/app".into()),
                    file("etc/app/creds", format!("token: {}\n", s.opaque)),
                    file("config.yml", format!("token: {}\n", s.overwritten)),
                    file("usr/share/common.txt", &shared),
                ],
                created_by: "/bin/sh -c #(nop) ADD dir:base in /".into(),
            },
            Layer {
                items: vec![
                    Item::Whiteout("app/.env".into()),
                    Item::Opaque("etc/app".into()),
                    file("etc/app/new", "nothing here\n"),
                    file("config.yml", format!("token: {}\n", s.top)),
                ],
                created_by: "/bin/sh -c rm app/.env && reconfigure".into(),
            },
            Layer {
                items: vec![
                    file("opt/app.jar", &jar),
                    file("opt/bundle.tar", &bundle),
                    file("usr/share/common-copy.txt", &shared),
                ],
                created_by: "COPY app.jar bundle.tar /opt/".into(),
            },
        ],
        env: vec!["PATH=/usr/bin".into(), format!("GITHUB_TOKEN={}", s.env)],
        labels: vec![("maintainer".into(), "team".into())],
        cmd: vec!["/opt/run".into()],
        empty_history: vec![format!("/bin/sh -c #(nop) ARG GH_TOKEN={}", s.history)],
        architecture: String::new(),
    }
}

/// For each secret, its locations as `label visible=B layer=N`.
pub fn locations(out: &Outcome) -> BTreeMap<String, Vec<String>> {
    let mut m = BTreeMap::new();
    for f in &out.findings {
        let mut locs: Vec<String> = f
            .locations
            .iter()
            .map(|l| {
                let root = root_image(&l.origin);
                format!(
                    "{} visible={} item={:?}",
                    l.origin.label(),
                    root.is_none_or(|i| i.visible),
                    root.map(|i| i.item)
                )
            })
            .collect();
        locs.sort();
        m.insert(f.secret.expose().to_string(), locs);
    }
    m
}

pub fn root_image(o: &Origin) -> Option<&nhi_scan_core::finding::ImageOrigin> {
    match o {
        Origin::Image(i) => Some(i),
        Origin::Archive { outer, .. } => root_image(outer),
        _ => None,
    }
}

/// What the layered image must yield, with `image` as its name.
pub fn expected(image: &str, s: &Secrets) -> BTreeMap<String, Vec<String>> {
    let l = |layer: u32, path: &str, visible: bool| {
        format!("{image}[layer {layer}]:{path} visible={visible} item=Some(LayerFile)")
    };
    let c =
        |path: &str, item: &str| format!("{image}[config]:{path} visible=true item=Some({item})");
    BTreeMap::from([
        (s.env_file.clone(), vec![l(0, "app/.env", false)]),
        (s.opaque.clone(), vec![l(0, "etc/app/creds", false)]),
        (s.overwritten.clone(), vec![l(0, "config.yml", false)]),
        (
            s.shared.clone(),
            vec![
                l(0, "usr/share/common.txt", true),
                l(2, "usr/share/common-copy.txt", true),
            ],
        ),
        (s.top.clone(), vec![l(1, "config.yml", true)]),
        (
            s.jar.clone(),
            vec![l(2, "opt/app.jar!/BOOT-INF/classes/application.yml", true)],
        ),
        (
            s.nested.clone(),
            vec![l(2, "opt/bundle.tar!/lib/inner.jar!/app.properties", true)],
        ),
        (s.env.clone(), vec![c("GITHUB_TOKEN", "Env")]),
        (s.history.clone(), vec![c("history[3]", "History")]),
    ])
}

/// A reader that is only a reader (no seek, no length): what standard input is.
pub struct Stream<R>(pub R);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

#[test]
fn docker_save_legacy_every_layer_whiteouts_config_and_nested_archives() {
    let s = secrets(1);
    let spec = layered_spec(&s);
    let dir = Dir::new();
    let path = dir.write("app.tar", docker_save(&[("app:1", &spec)], true));
    let name = path.display().to_string();
    let out = scan_targets(vec![ImageTarget::Path(path)]);
    assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
    assert_eq!(locations(&out.outcome), expected(&name, &s));
    // Attribution: diff_id, history step, tag, platform.
    let built = build(&spec, Compression::None);
    let f = out
        .outcome
        .findings
        .iter()
        .find(|f| f.secret.expose() == s.top)
        .unwrap();
    let Origin::Image(o) = &*f.locations[0].origin else {
        panic!()
    };
    assert_eq!(o.layer_digest.as_deref(), Some(built.diff_ids[1].as_str()));
    assert_eq!(
        o.created_by.as_deref(),
        Some("/bin/sh -c rm app/.env && reconfigure")
    );
    assert_eq!(o.tag.as_deref(), Some("app:1"));
    assert_eq!(o.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(o.image_digest, Some(built.config_digest()));
    // The shared file is one content scanned once; the history entry has no layer.
    assert_eq!(out.summary.layer_files, 9);
    assert_eq!(out.summary.distinct_contents, 8);
    let h = out
        .outcome
        .findings
        .iter()
        .find(|f| f.secret.expose() == s.history)
        .unwrap();
    let Origin::Image(o) = &*h.locations[0].origin else {
        panic!()
    };
    assert_eq!((o.item, o.layer_index), (ImageItem::History, None));
}

#[test]
fn docker_save_oci_form_from_a_stream_and_oci_layouts_gzip_and_zstd() {
    let s = secrets(2);
    let spec = layered_spec(&s);
    // docker save (Docker 25+ form) read from a non-seekable stream.
    let bytes = docker_save(&[("app:2", &spec)], false);
    let out = scan_targets(vec![reader("-", bytes)]);
    assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
    assert_eq!(locations(&out.outcome), expected("-", &s));

    // An OCI layout directory (gzip layers) and an OCI layout tar (zstd layers).
    let dir = Dir::new();
    let layout = dir.join("layout");
    write_dir(&layout, &oci_layout(&[("app:2", &spec)], Compression::Gzip));
    let tar_path = dir.write(
        "layout.tar",
        tar_files(&oci_layout(&[("app:2", &spec)], Compression::Zstd)),
    );
    for path in [layout, tar_path] {
        let name = path.display().to_string();
        let out = scan_targets(vec![ImageTarget::Path(path)]);
        assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
        assert_eq!(locations(&out.outcome), expected(&name, &s), "{name}");
    }
}

#[test]
fn images_in_one_run_share_the_content_cache() {
    let s = secrets(3);
    let spec = layered_spec(&s);
    let mut other = spec.clone();
    other.layers.push(Layer {
        items: vec![file("srv/extra.txt", "plain\n")],
        created_by: "extra".into(),
    });
    let dir = Dir::new();
    let a = dir.write("a.tar", docker_save(&[("a:1", &spec)], true));
    let b = dir.write("b.tar", docker_save(&[("b:1", &other)], false));
    let out = scan_targets(vec![
        ImageTarget::Path(a.clone()),
        ImageTarget::Path(b.clone()),
    ]);
    assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
    assert_eq!(out.summary.images, 2);
    // 8 distinct contents in the first image, one more in the second. The second tarball
    // names its blobs by digest: the three layers the first one had are not read again.
    assert_eq!(out.summary.layer_files, 9 + 10);
    assert_eq!(out.summary.distinct_contents, 9);
    assert_eq!((out.summary.layers_read, out.summary.layers_reused), (4, 3));
    let top = out
        .outcome
        .findings
        .iter()
        .find(|f| f.secret.expose() == s.top)
        .unwrap();
    let images: Vec<String> = top
        .locations
        .iter()
        .map(|l| root_image(&l.origin).unwrap().image.clone())
        .collect();
    assert_eq!(
        images,
        vec![a.display().to_string(), b.display().to_string()]
    );
}

#[test]
fn a_single_layer_tarball_is_one_layer() {
    let s = secrets(4);
    let tar = compress(
        &layer_tar(&[
            file("etc/env", format!("T={}\n", s.top)),
            Item::Symlink("etc/link".into(), "env".into()),
        ]),
        Compression::Gzip,
    );
    let dir = Dir::new();
    let path = dir.write("rootfs.tar.gz", tar);
    let name = path.display().to_string();
    let out = scan_targets(vec![ImageTarget::Path(path)]);
    assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
    assert_eq!(
        locations(&out.outcome)[&s.top],
        vec![format!(
            "{name}[layer 0]:etc/env visible=true item=Some(LayerFile)"
        )]
    );
    assert_eq!(
        out.outcome.stats.skipped.get(&SkipReason::Symlink),
        Some(&1)
    );
}

fn error_strings(o: &Outcome) -> Vec<String> {
    o.errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn bad_layers_are_reported_with_image_layer_and_path_and_the_rest_is_scanned() {
    let s = secrets(5);
    let good = |secret: &str, path: &str| Layer {
        items: vec![file(path, format!("token: {secret}\n"))],
        created_by: format!("add {path}"),
    };
    let spec = Spec {
        layers: vec![
            good(&s.env_file, "l0.txt"),
            good(&s.opaque, "l1.txt"),
            good(&s.overwritten, "l2.txt"),
            good(&s.shared, "l3.txt"),
            Layer {
                items: vec![
                    file("real/secret.env", format!("token: {}\n", s.top)),
                    Item::HardLink("real/link.env".into(), "real/secret.env".into()),
                    Item::HardLink("real/dangling".into(), "not/there".into()),
                    Item::Symlink("real/sym".into(), "/etc/passwd".into()),
                    Item::CharDevice("dev/null".into()),
                    Item::RawName(
                        b"../../escape.env".to_vec(),
                        format!("token: {}\n", s.jar).into_bytes(),
                    ),
                    Item::RawName(
                        b"/abs/path.env".to_vec(),
                        format!("token: {}\n", s.nested).into_bytes(),
                    ),
                ],
                created_by: "odd entries".into(),
            },
        ],
        ..Spec::default()
    };
    let built = build(&spec, Compression::Gzip);
    let dir = Dir::new();
    let layout = dir.join("bad");
    write_dir(&layout, &oci_layout(&[("bad:1", &spec)], Compression::Gzip));
    let blob = |i: usize| layout.join(format!("blobs/sha256/{}", hex_of(&sha256(&built.blobs[i]))));
    // Layer 0: corrupt gzip. Layer 1: truncated. Layer 2: another valid layer under the same
    // name (digest mismatch). Layer 3: missing.
    let mut corrupt = built.blobs[0].clone();
    let n = corrupt.len();
    for b in &mut corrupt[12..n - 10] {
        *b ^= 0x5a;
    }
    std::fs::write(blob(0), corrupt).unwrap();
    std::fs::write(blob(1), &built.blobs[1][..built.blobs[1].len() / 2]).unwrap();
    let swapped = compress(
        &layer_tar(&[file("l2.txt", format!("token: {}\n", s.history))]),
        Compression::Gzip,
    );
    std::fs::write(blob(2), swapped).unwrap();
    std::fs::remove_file(blob(3)).unwrap();

    let name = layout.display().to_string();
    let out = scan_targets(vec![ImageTarget::Path(layout.clone())]);
    let errors = error_strings(&out.outcome);
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    let key = |i: usize| format!("blobs/sha256/{}", hex_of(&sha256(&built.blobs[i])));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{name}[{}]: ", key(0)))),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{name}[{}]", key(1)))),
        "{errors:#?}"
    );
    assert!(
        has(&format!("[layer 2 {}]: layer blob digest mismatch", key(2))),
        "{errors:#?}"
    );
    assert!(
        has(&format!(
            "[layer 2 {}]: layer diff_id digest mismatch",
            key(2)
        )),
        "{errors:#?}"
    );
    assert!(
        has(&format!(
            "[layer 3 {}]: manifest names a missing blob",
            key(3)
        )),
        "{errors:#?}"
    );
    assert!(
        has("../../escape.env: unsafe member path (`..` component)"),
        "{errors:#?}"
    );
    assert!(
        has("/abs/path.env: unsafe member path (absolute path)"),
        "{errors:#?}"
    );
    assert!(
        has("[layer 4]:real/dangling: hard link to not/there"),
        "{errors:#?}"
    );
    let locs = locations(&out.outcome);
    // What could be read is still scanned and attributed.
    assert_eq!(
        locs[&s.top],
        vec![
            format!("{name}[layer 4]:real/link.env visible=true item=Some(LayerFile)"),
            format!("{name}[layer 4]:real/secret.env visible=true item=Some(LayerFile)"),
        ]
    );
    assert!(locs.contains_key(&s.history), "{locs:#?}");
    assert!(locs.contains_key(&s.jar) && locs.contains_key(&s.nested));
    assert_eq!(
        out.outcome.stats.skipped.get(&SkipReason::Symlink),
        Some(&1)
    );
    assert_eq!(
        out.outcome.stats.skipped.get(&SkipReason::NotRegularFile),
        Some(&1)
    );
}

#[test]
fn a_truncated_docker_save_stream_and_garbage_are_errors_not_panics() {
    let s = secrets(6);
    let spec = layered_spec(&s);
    let bytes = docker_save(&[("t:1", &spec)], true);
    let out = scan_targets(vec![
        reader("-", bytes[..bytes.len() / 2].to_vec()),
        reader("garbage", b"this is not an image".to_vec()),
    ]);
    let errors = error_strings(&out.outcome);
    assert!(errors.iter().any(|e| e.starts_with("-")), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("garbage: not a container image")),
        "{errors:#?}"
    );
    // The layers read before the cut were still scanned: a secret of layer 0 is reported as a
    // member of the stream (no manifest came to say which layer it was).
    assert!(!out.outcome.findings.is_empty());
}

#[test]
fn nested_bombs_in_layers_are_stopped() {
    let zeros = vec![0u8; 8 << 20];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..4 {
        use std::io::Write;
        w.start_file(format!("z{i}"), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&zeros).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    let spec = Spec {
        layers: vec![Layer {
            items: vec![file("opt/bomb.jar", &bomb)],
            created_by: "bomb".into(),
        }],
        ..Spec::default()
    };
    let dir = Dir::new();
    let path = dir.write("bomb.tar", docker_save(&[("b:1", &spec)], true));
    let scan = Scan::builder()
        .archives(Some(Limits {
            max_total_bytes: 16 << 20,
            ..Limits::default()
        }))
        .build()
        .unwrap();
    let out = run_images(&scan, Images::new([ImageTarget::Path(path)]));
    let errors = error_strings(&out.outcome);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("opt/bomb.jar") && errors[0].contains("abandoned"));
}

#[test]
fn cli_image_and_scan_show_image_and_archive_locations_in_every_format() {
    let s = secrets(7);
    let spec = layered_spec(&s);
    let dir = Dir::new();
    dir.write("app.tar", docker_save(&[("app:7", &spec)], true));
    let text = dir.run(&["image", "app.tar", "--color", "never"]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("app.tar[layer 2]:opt/app.jar!/BOOT-INF/classes/application.yml:2:10"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("app.tar[layer 0]:app/.env"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("app.tar[config]:GITHUB_TOKEN"),
        "{}",
        text.stdout
    );
    let json = dir.run(&["image", "app.tar", "--format", "json"]);
    let findings = json.findings();
    let f = findings
        .iter()
        .find(|f| f["locations"][0]["origin"]["type"] == "archive")
        .expect("an archive finding");
    let origin = &f["locations"][0]["origin"];
    assert_eq!(origin["member"], "BOOT-INF/classes/application.yml");
    assert_eq!(origin["outer"]["type"], "image");
    assert_eq!(origin["outer"]["layer_index"], 2);
    assert_eq!(origin["outer"]["path"], "opt/app.jar");
    assert_eq!(origin["outer"]["visible"], true);
    let hidden = findings
        .iter()
        .find(|f| f["locations"][0]["origin"]["path"] == "app/.env")
        .expect("the whited-out file");
    assert_eq!(hidden["locations"][0]["origin"]["visible"], false);
    assert_eq!(
        hidden["locations"][0]["origin"]["created_by"],
        "/bin/sh -c #(nop) ADD dir:base in /"
    );
    let jsonl = dir.run(&["image", "app.tar", "--format", "jsonl"]);
    assert!(
        jsonl.stdout.contains("\"layer_index\":2"),
        "{}",
        jsonl.stdout
    );
    let sarif = dir.run(&["image", "app.tar", "--format", "sarif"]);
    assert!(
        sarif
            .stdout
            .contains("opt/app.jar!/BOOT-INF/classes/application.yml"),
        "{}",
        sarif.stdout
    );
    // The same jar as a plain file: `scan` opens it; --no-archives does not.
    let jar = zip_of(&[(
        "BOOT-INF/classes/application.yml",
        format!("token: {}\n", s.jar).as_bytes(),
    )]);
    dir.write("dist/app.jar", jar);
    let scan = dir.run(&["scan", "dist", "--color", "never"]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    assert!(
        scan.stdout
            .contains("dist/app.jar!/BOOT-INF/classes/application.yml:1:8"),
        "{}",
        scan.stdout
    );
    let off = dir.run(&["scan", "dist", "--no-archives"]);
    assert_eq!(off.code, 0, "{} {}", off.stdout, off.stderr);
    // Bad operands are usage errors.
    let bad = dir.run(&["image", "Not An Image"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    // Standard input.
    let bytes = std::fs::read(dir.join("app.tar")).unwrap();
    let mut child = std::process::Command::new(crate::util::BIN)
        .args(["image", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&bytes);
    });
    let out = crate::util::Run::from(child.wait_with_output().unwrap());
    writer.join().unwrap();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.findings().len(), 9);
}

#[test]
fn image_sarif_passes_the_official_validator() {
    let s = secrets(8);
    let spec = layered_spec(&s);
    let dir = Dir::new();
    dir.write("app.tar", docker_save(&[("app:8", &spec)], true));
    let r = dir.run(&[
        "image",
        "app.tar",
        "--format",
        "sarif",
        "--output",
        "out.sarif",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.sarif")).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let jar = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "opt/app.jar!/BOOT-INF/classes/application.yml"
        })
        .expect("the jar member's result");
    assert_eq!(jar["properties"]["image"]["layer_index"], 2);
    assert_eq!(
        jar["properties"]["archiveMembers"],
        serde_json::json!(["BOOT-INF/classes/application.yml"])
    );
    let tool = std::env::var_os("SARIF_MULTITOOL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
                "../target/sarif-tool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
            )
        });
    if !tool.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the SARIF Multitool (see .ci/run)"
        );
        eprintln!("SARIF Multitool not installed; skipping validation");
        return;
    }
    let out = dir.join("validation.sarif");
    let status = std::process::Command::new(&tool)
        .arg("validate")
        .arg(dir.join("out.sarif"))
        .arg("--output")
        .arg(&out)
        .args(["--level", "Error", "Warning"])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("Sarif.Multitool runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let problems: Vec<String> = report["runs"][0]["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| format!("{} {}", r["ruleId"], r["message"]))
                .collect()
        })
        .unwrap_or_default();
    assert!(problems.is_empty(), "validator reported: {problems:#?}");
}

#[test]
fn labels_cmd_and_entrypoint_are_config_items_of_their_own() {
    let (label, cmd) = (fake_github("ghp_", 901), fake_github("ghp_", 902));
    let spec = Spec {
        layers: vec![Layer {
            items: vec![file("etc/hostname", "box\n")],
            created_by: "base".into(),
        }],
        labels: vec![("ci.token".into(), label.clone())],
        cmd: vec!["/app".into(), "--token".into(), cmd.clone()],
        ..Spec::default()
    };
    let dir = Dir::new();
    let path = dir.write("c.tar", docker_save(&[("c:1", &spec)], false));
    let name = path.display().to_string();
    let out = scan_targets(vec![ImageTarget::Path(path)]);
    assert!(out.outcome.errors.is_empty(), "{:?}", out.outcome.errors);
    let got = locations(&out.outcome);
    assert_eq!(
        got[&label],
        vec![format!(
            "{name}[config]:ci.token visible=true item=Some(Label)"
        )]
    );
    assert_eq!(
        got[&cmd],
        vec![format!("{name}[config]:Cmd visible=true item=Some(Cmd)")]
    );
}
