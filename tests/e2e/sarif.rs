//! SARIF output checked by the official SARIF Multitool (`Sarif.Multitool validate`, from the npm
//! package `@microsoft/sarif-multitool-linux`, which `.ci/run` installs into target/sarif-tool).

use std::path::PathBuf;
use std::process::Command;

use crate::util::*;

fn multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/sarif-tool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    p.exists().then_some(p)
}

#[test]
fn sarif_passes_the_official_validator_with_no_errors_or_warnings() {
    let d = Dir::new();
    let shared = fake_github("ghp_", 40);
    d.write(
        "src/app config.py",
        format!("GH = '{shared}'\nOTHER = '{}'\n", fake_github("ghu_", 41)),
    );
    d.write("dépôt/ünï.env", format!("TOKEN={shared}\n"));
    d.write(
        "k.json",
        format!("{{\"aws\": \"{}\"}}\n", fake_aws_key_id(42)),
    );
    // Inputs that are not scanned are the run's notifications, named with their reason.
    d.write("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice());
    std::os::unix::fs::symlink("k.json", d.join("link.json")).unwrap();
    let r = d.run(&["scan", ".", "--format", "sarif", "--output", "out.sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let text = std::fs::read_to_string(d.join("out.sarif")).unwrap();
    assert!(!text.contains(&shared), "SARIF must be redacted");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "one result per location");
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let texts: Vec<&str> = notes
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("binary: png") && t.contains("logo.png")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("symlink") && t.contains("link.json"))
    );
    for res in results {
        let fp = &res["partialFingerprints"]["nhiScanSecret/v1"];
        assert_eq!(fp.as_str().unwrap().len(), 64);
    }
    let again = d.run(&["scan", ".", "--format", "sarif"]);
    let doc2: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        doc["runs"][0]["results"], doc2["runs"][0]["results"],
        "results and fingerprints are stable"
    );

    let Some(tool) = multitool() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the SARIF Multitool (see .ci/run)"
        );
        eprintln!("SARIF Multitool not installed; skipping validation (run .ci/run to install it)");
        return;
    };
    let out = d.join("validation.sarif");
    let status = Command::new(&tool)
        .arg("validate")
        .arg(d.join("out.sarif"))
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
