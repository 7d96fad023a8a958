//! Hostile images and registries: names in manifests that point outside the image, FIFOs,
//! oversized metadata, digests of other algorithms, trickling and token-expiring registries,
//! plain HTTP and credential-forwarding rules. Every input is built here.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use nhi_scan_core::Scan;
use nhi_scan_core::source::image::{ImageTarget, Images};

use crate::image::{Out, Stream, run_images};
use crate::image_build::*;
use crate::util::{BIN, Dir, fake_github};

fn scan_paths(paths: &[&Path]) -> Out {
    let scan = Scan::builder().build().unwrap();
    run_images(
        &scan,
        Images::new(paths.iter().map(|p| ImageTarget::Path(p.to_path_buf()))),
    )
}

fn errors(o: &Out) -> Vec<String> {
    o.outcome.errors.iter().map(|e| e.to_string()).collect()
}

fn secrets_found(o: &Out) -> Vec<String> {
    o.outcome
        .findings
        .iter()
        .map(|f| f.secret.expose().to_string())
        .collect()
}

fn one_layer(secret: &str) -> Spec {
    Spec {
        layers: vec![Layer {
            items: vec![file("app/token.txt", format!("token: {secret}\n"))],
            created_by: "COPY token.txt /app/".into(),
        }],
        ..Spec::default()
    }
}

/// A `docker save` tarball whose manifest lists `extra` layer names before its real one.
fn docker_save_naming(secret: &str, extra: &[&str], config: Option<&str>) -> Vec<u8> {
    let built = build(&one_layer(secret), Compression::None);
    let layer = format!("blobs/sha256/{}", hex_of(&sha256(&built.blobs[0])));
    let config_path = format!("blobs/sha256/{}", hex_of(&built.config_digest()));
    let mut layers: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    layers.push(layer.clone());
    let manifest = serde_json::json!([{
        "Config": config.unwrap_or(&config_path),
        "RepoTags": ["evil:1"],
        "Layers": layers,
    }]);
    tar_files(&[
        (layer, built.blobs[0].clone()),
        (config_path, built.config.clone()),
        (
            "manifest.json".into(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
    ])
}

#[test]
fn manifest_names_outside_the_image_are_refused_and_the_rest_is_scanned() {
    let dir = Dir::new();
    // A file outside the image holding a token: no manifest may make the scanner read it.
    let outside = fake_github("ghp_", 9101);
    dir.write("outside/secret.txt", format!("token: {outside}\n"));
    let inside = fake_github("ghp_", 9102);
    let secret_path = dir.join("outside/secret.txt");
    let absolute = secret_path.to_str().unwrap();

    // docker save, as a tarball and as an extracted directory.
    let tarball = docker_save_naming(
        &inside,
        &["../outside/secret.txt", absolute, "../../../../etc/passwd"],
        None,
    );
    let tar_path = dir.write("img/app.tar", &tarball);
    let extracted = dir.join("extracted");
    let mut archive = tar::Archive::new(tarball.as_slice());
    archive.unpack(&extracted).unwrap();
    let out = scan_paths(&[&tar_path, &extracted]);
    let found = secrets_found(&out);
    assert!(!found.contains(&outside), "{found:?}");
    assert!(found.contains(&inside), "{found:?}");
    let e = errors(&out);
    for name in ["../outside/secret.txt", absolute, "../../../../etc/passwd"] {
        assert_eq!(
            e.iter()
                .filter(|x| x.contains("unsafe path") && x.contains(&format!("{name:?}")))
                .count(),
            2,
            "{name}: {e:?}"
        );
    }

    // A Config naming a file outside: refused, the layer still scanned.
    let bad_config = docker_save_naming(&inside, &[], Some("../outside/secret.txt"));
    let bad_config_dir = dir.join("bad-config");
    tar::Archive::new(bad_config.as_slice())
        .unpack(&bad_config_dir)
        .unwrap();
    let out = scan_paths(&[&bad_config_dir]);
    assert!(secrets_found(&out).contains(&inside));
    assert!(!secrets_found(&out).contains(&outside));
    assert!(
        errors(&out).iter().any(|x| x.contains("unsafe path")),
        "{:?}",
        errors(&out)
    );
}

#[test]
fn oci_digests_that_are_paths_symlinks_out_and_fifos_are_refused() {
    let dir = Dir::new();
    let outside = fake_github("ghp_", 9111);
    dir.write("outside/blob", format!("token: {outside}\n"));
    let inside = fake_github("ghp_", 9112);
    let built = build(&one_layer(&inside), Compression::Gzip);
    let layout = dir.join("layout");
    write_dir(
        &layout,
        &oci_layout(&[("app:1", &one_layer(&inside))], Compression::Gzip),
    );
    // A second manifest whose layers are a digest-shaped path, an unknown algorithm, a symlink
    // leading out of the layout, and a FIFO; then the good layer.
    let symlinked = format!("sha256:{}", "1".repeat(64));
    let fifo = format!("sha256:{}", "2".repeat(64));
    std::os::unix::fs::symlink(
        dir.join("outside/blob"),
        layout.join(format!("blobs/sha256/{}", "1".repeat(64))),
    )
    .unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(layout.join(format!("blobs/sha256/{}", "2".repeat(64))))
        .status()
        .unwrap();
    assert!(status.success());
    let desc = |d: &str| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": 1});
    let evil = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": built.config_digest(), "size": built.config.len()},
        "layers": [desc("sha256/../../../outside/blob"), desc(&format!("md5:{}", "a".repeat(32))),
                   desc(&symlinked), desc(&fifo), desc(&sha256(&built.blobs[0]))],
    }))
    .unwrap();
    std::fs::write(
        layout.join(format!("blobs/sha256/{}", hex_of(&sha256(&evil)))),
        &evil,
    )
    .unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(&evil),
         "size": evil.len(), "annotations": {"org.opencontainers.image.ref.name": "evil"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": "sha256:../../../outside/blob", "size": 1},
    ]});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let out = scan_paths(&[&layout]);
    let found = secrets_found(&out);
    assert!(!found.contains(&outside), "{found:?}");
    assert!(found.contains(&inside), "{found:?}");
    let e = errors(&out);
    let has = |needle: &str| e.iter().any(|x| x.contains(needle));
    assert!(has("bad digest \"sha256/../../../outside/blob\""), "{e:?}");
    assert!(has("bad digest \"sha256:../../../outside/blob\""), "{e:?}");
    assert!(has("bad digest \"md5:"), "{e:?}");
    assert!(has("resolves outside the layout"), "{e:?}");
    assert!(has("not a regular file"), "{e:?}");
}

#[test]
fn mistyped_local_paths_are_missing_files_not_docker_hub_pulls() {
    let dir = Dir::new();
    dir.write("present", "x");
    for (arg, path) in [
        ("./app.tar", true),
        ("app.tar", true),
        ("../images/app.tar.gz", true),
        ("/no/such/app.tgz", true),
        ("present", true),
        ("alpine", false),
        ("team/app:1", false),
        ("localhost:5000/app", false),
    ] {
        let t = ImageTarget::parse(arg, dir.path()).unwrap();
        assert_eq!(matches!(t, ImageTarget::Path(_)), path, "{arg}: {t:?}");
        if let ImageTarget::Path(p) = &t {
            assert!(p.starts_with(dir.path()) || arg.starts_with('/'), "{p:?}");
        }
    }
    let out = scan_paths(&[&dir.join("app.tar")]);
    let e = errors(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("app.tar") && e[0].contains("no such file"),
        "{e:?}"
    );
}

/// Two different files over the in-memory size (32 MiB) at the same path, in two layers of
/// one image and in two images of the same name: each is scanned and attributed.
#[test]
fn large_files_at_the_same_path_are_told_apart_by_content() {
    let big = |secret: &str| {
        let mut v = vec![b'.'; 33 << 20];
        v.extend_from_slice(format!("\ntoken: {secret}\n").as_bytes());
        v
    };
    let (a, b) = (fake_github("ghp_", 9121), fake_github("ghp_", 9122));
    let spec = Spec {
        layers: vec![
            Layer {
                items: vec![file("data/big.bin", big(&a))],
                created_by: "ADD big.bin".into(),
            },
            Layer {
                items: vec![file("data/big.bin", big(&b))],
                created_by: "ADD big.bin again".into(),
            },
        ],
        ..Spec::default()
    };
    let tarball = docker_save(&[("big:1", &spec)], false);
    let scan = Scan::builder().build().unwrap();
    let out = run_images(
        &scan,
        Images::new([ImageTarget::Reader {
            name: "big.tar".into(),
            reader: Box::new(Stream(std::io::Cursor::new(tarball))),
        }]),
    );
    let mut got: Vec<(String, u32, bool)> = Vec::new();
    for f in &out.outcome.findings {
        for l in &f.locations {
            let i = crate::image::root_image(&l.origin).unwrap();
            got.push((
                f.secret.expose().to_string(),
                i.layer_index.unwrap(),
                i.visible,
            ));
        }
    }
    got.sort();
    let mut want = vec![(a.clone(), 0, false), (b.clone(), 1, true)];
    want.sort();
    assert_eq!(got, want, "{:?}", errors(&out));
    // Two single-layer tarballs under one name, same path, different content.
    let layer = |s: &str| layer_tar(&[file("data/big.bin", big(s))]);
    let reader = |bytes: Vec<u8>| ImageTarget::Reader {
        name: "layer.tar".into(),
        reader: Box::new(Stream(std::io::Cursor::new(bytes))),
    };
    let out = run_images(&scan, Images::new([reader(layer(&a)), reader(layer(&b))]));
    let found = secrets_found(&out);
    assert!(found.contains(&a) && found.contains(&b), "{found:?}");
}

/// A multi-platform OCI layout: (amd64 secret, arm64 secret).
fn two_platform_layout(dir: &Path) -> (String, String) {
    let (amd, arm) = (fake_github("ghp_", 9131), fake_github("ghp_", 9132));
    let mut files = vec![(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut manifests = Vec::new();
    for (arch, secret) in [("amd64", &amd), ("arm64", &arm)] {
        let spec = Spec {
            architecture: arch.into(),
            ..one_layer(secret)
        };
        let built = build(&spec, Compression::Gzip);
        for blob in built.blobs.iter().chain([&built.config, &built.manifest]) {
            files.push((
                format!("blobs/sha256/{}", hex_of(&sha256(blob))),
                blob.clone(),
            ));
        }
        manifests.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": built.manifest_digest(), "size": built.manifest.len(),
            "platform": {"os": "linux", "architecture": arch},
        }));
    }
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    files.push((
        format!("blobs/sha256/{}", hex_of(&sha256(&index))),
        index.clone(),
    ));
    files.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha256(&index), "size": index.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"},
        }]}))
        .unwrap(),
    ));
    write_dir(dir, &files);
    (amd, arm)
}

#[test]
fn cli_image_flags_platforms_insecure_refusal_missing_paths_and_stdin() {
    let dir = Dir::new();
    let (amd, arm) = two_platform_layout(&dir.join("multi"));
    let run = |args: &[&str]| {
        let mut all = vec!["image", "--no-redact", "-q"];
        all.extend_from_slice(args);
        dir.run(&all)
    };
    let r = run(&["multi"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains(&amd) && !r.stdout.contains(&arm),
        "{}",
        r.stdout
    );
    let r = run(&["--platform", "linux/arm64", "multi"]);
    assert!(
        r.stdout.contains(&arm) && !r.stdout.contains(&amd),
        "{}",
        r.stdout
    );
    let r = run(&["--all-platforms", "multi"]);
    assert!(
        r.stdout.contains(&arm) && r.stdout.contains(&amd),
        "{}",
        r.stdout
    );
    let r = dir.run(&["image", "--platform", "linux/s390x", "multi"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no image for platform linux/s390x"),
        "{}",
        r.stderr
    );
    let r = dir.run(&["image", "--platform", "nonsense", "multi"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("expected os/arch"), "{}", r.stderr);

    // Plain HTTP off loopback: refused before any connection.
    let r = dir.run(&[
        "image",
        "--insecure-registry",
        "registry.example.com/team/app:1",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("allowed only for loopback"),
        "{}",
        r.stderr
    );

    // A mistyped path is a missing file, not a pull from Docker Hub.
    let r = dir.run(&["image", "app.tar"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no such file"), "{}", r.stderr);
    assert!(!r.stderr.contains("registry"), "{}", r.stderr);

    // `-`: standard input, resolved by the CLI.
    let secret = fake_github("ghp_", 9133);
    let tarball = docker_save(&[("stdin:1", &one_layer(&secret))], true);
    let mut child = Command::new(BIN)
        .args(["image", "--no-redact", "-q", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let _ = stdin.write_all(&tarball);
    });
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&secret));
}

fn sha512(bytes: &[u8]) -> String {
    use sha2::Digest;
    let h = sha2::Sha512::digest(bytes);
    format!(
        "sha512:{}",
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// An OCI layout whose blobs are named by SHA-512; `tamper` changes a byte of the layer after
/// the digest was taken, `diff_id` overrides the config's claim.
fn sha512_layout(dir: &Path, secret: &str, tamper: bool, diff_id: Option<String>) {
    let built = build(&one_layer(secret), Compression::None);
    let mut config: serde_json::Value = serde_json::from_slice(&built.config).unwrap();
    if let Some(d) = diff_id {
        config["rootfs"]["diff_ids"][0] = d.into();
    }
    let config = serde_json::to_vec(&config).unwrap();
    let mut layer = built.blobs[0].clone();
    let layer_digest = sha512(&layer);
    if tamper {
        // More zero blocks after the tar's end: still reads, digests differ.
        layer.extend_from_slice(&[0; 1024]);
    }
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha512(&config), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": layer.len()}],
    }))
    .unwrap();
    let key = |d: &str| format!("blobs/{}", d.replacen(':', "/", 1));
    let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": sha512(&manifest), "size": manifest.len()}]}))
    .unwrap();
    write_dir(
        dir,
        &[
            (key(&layer_digest), layer),
            (key(&sha512(&config)), config.clone()),
            (key(&sha512(&manifest)), manifest.clone()),
            ("index.json".into(), index),
        ],
    );
}

#[test]
fn sha512_digests_are_verified_and_diff_id_mismatches_reported() {
    let dir = Dir::new();
    let secret = fake_github("ghp_", 9141);
    sha512_layout(&dir.join("good"), &secret, false, None);
    sha512_layout(&dir.join("tampered"), &secret, true, None);
    let claimed = format!("sha512:{}", "0".repeat(128));
    sha512_layout(&dir.join("lying"), &secret, false, Some(claimed.clone()));
    let out = scan_paths(&[&dir.join("good")]);
    assert!(errors(&out).is_empty(), "{:?}", errors(&out));
    assert!(secrets_found(&out).contains(&secret));
    let out = scan_paths(&[&dir.join("tampered")]);
    let e = errors(&out);
    assert!(
        e.iter()
            .any(|x| x.contains("layer blob digest mismatch: expected sha512:")),
        "{e:?}"
    );
    let out = scan_paths(&[&dir.join("lying")]);
    let e = errors(&out);
    assert!(
        e.iter()
            .any(|x| x.contains("layer diff_id digest mismatch") && x.contains(&claimed)),
        "{e:?}"
    );
    // The secret is still reported (the layer was read), whatever its digests say.
    assert!(secrets_found(&out).contains(&secret));
}

#[test]
fn oversized_metadata_is_refused_with_a_named_error() {
    let dir = Dir::new();
    let secret = fake_github("ghp_", 9151);
    let mut manifest = b"[".to_vec();
    manifest.extend(std::iter::repeat_n(b' ', 17 << 20));
    manifest.extend_from_slice(b"]");
    let files = vec![
        ("manifest.json".to_string(), manifest),
        (
            "app/token.txt".to_string(),
            format!("token: {secret}\n").into_bytes(),
        ),
    ];
    let tar_path = dir.write("big-meta.tar", tar_files(&files));
    write_dir(&dir.join("big-meta"), &files);
    let out = scan_paths(&[&tar_path, &dir.join("big-meta")]);
    let e = errors(&out);
    assert_eq!(
        e.iter()
            .filter(|x| x.contains("manifest.json is larger than 16777216 bytes"))
            .count(),
        2,
        "{e:?}"
    );
}

#[test]
fn text_output_has_no_commit_count_outside_git_and_git_takes_the_archive_flags() {
    let dir = Dir::new();
    let secret = fake_github("ghp_", 9161);
    let spec = Spec {
        layers: vec![Layer {
            items: vec![
                file("a/token.txt", format!("token: {secret}\n")),
                file("b/token.txt", format!("token: {secret}\n")),
            ],
            created_by: "COPY . /".into(),
        }],
        ..Spec::default()
    };
    dir.write("two.tar", docker_save(&[("two:1", &spec)], false));
    let r = dir.run(&["image", "-q", "two.tar"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("seen in 2 paths"), "{}", r.stdout);
    assert!(!r.stdout.contains("introduced by"), "{}", r.stdout);
    for flags in [&["--no-archives"][..], &["--archive-depth", "1"][..]] {
        let mut args = vec!["git"];
        args.extend_from_slice(flags);
        args.push("no-such-repo");
        let r = dir.run(&args);
        assert_eq!(r.code, 2);
        assert!(!r.stderr.contains("unexpected argument"), "{}", r.stderr);
    }
}

/// A tarball whose member is named after a layer read earlier in the run but holds other bytes:
/// reported, never silently taken for the earlier layer.
#[test]
fn a_blob_named_after_an_earlier_layer_but_holding_other_bytes_is_reported() {
    let (a, b) = (fake_github("ghp_", 9171), fake_github("ghp_", 9172));
    let first = docker_save(&[("a:1", &one_layer(&a))], false);
    let built_a = build(&one_layer(&a), Compression::None);
    let forged = docker_save_naming(&b, &[], None);
    // Rename the second image's layer member to the first image's layer digest.
    let b_layer = build(&one_layer(&b), Compression::None).blobs[0].clone();
    let (from, to) = (
        hex_of(&sha256(&b_layer)).to_string(),
        hex_of(&sha256(&built_a.blobs[0])).to_string(),
    );
    let mut forged_files = Vec::new();
    for entry in tar::Archive::new(forged.as_slice()).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().replace(&from, &to);
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        let data = String::from_utf8(data.clone())
            .map(|t| t.replace(&from, &to).into_bytes())
            .unwrap_or(data);
        forged_files.push((path, data));
    }
    let scan = Scan::builder().build().unwrap();
    let reader = |name: &str, bytes: Vec<u8>| ImageTarget::Reader {
        name: name.into(),
        reader: Box::new(Stream(std::io::Cursor::new(bytes))),
    };
    let out = run_images(
        &scan,
        Images::new([
            reader("a.tar", first),
            reader("forged.tar", tar_files(&forged_files)),
        ]),
    );
    let e = errors(&out);
    assert!(
        e.iter().any(|x| x.starts_with("forged.tar[blobs/sha256/")
            && x.contains("named after a layer read earlier; not scanned")),
        "{e:?}"
    );
}
