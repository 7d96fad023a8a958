
#[test]
fn image_sarif_passes_the_official_validator() {
    let s = secrets(8);
    let spec = layered_spec(&s);
    let dir = Dir::new();
    dir.write("app.tar", docker_save(&[("app:8", &spec)], true));
    let r = dir.run(&["image", "app.tar", "--format", "sarif", "--output", "out.sarif"]);
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
