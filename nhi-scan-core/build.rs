//! Embeds every `patterns/*.toml` file of the workspace as the built-in rule pack, so adding a rule
//! file needs no code change. Each file is embedded twice: as written (for `rules check`, which
//! runs the examples) and as JSON without its examples, which is what every scan loads: parsing
//! 900 KB of TOML at each start cost the pre-commit hook more than scanning ten staged files.
use std::{env, fs, path::PathBuf};

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../patterns");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut out = String::from(
        "/// Built-in rule files: (file name, TOML text, the same rules as JSON without examples).\npub(crate) static BUILTIN_RULE_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("rule file names are UTF-8");
        let abs = fs::canonicalize(f).expect("rule file path resolves");
        let json = out_dir.join(format!("{name}.json"));
        fs::write(&json, lean_json(&abs)).expect("write lean rule file");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?}), include_str!({:?})),\n",
            abs.display().to_string(),
            json.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(out_dir.join("builtin_rules.rs"), out).expect("write builtin_rules.rs");
}

/// The rule file as JSON, each rule without `examples` and `negative_examples`. A file that is
/// not valid TOML becomes `{}`: the loader then falls back to the TOML text, whose error names
/// the file and line (the test suite fails on it).
fn lean_json(path: &std::path::Path) -> String {
    let text = fs::read_to_string(path).expect("read rule file");
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return "{}".into();
    };
    if let Some(toml::Value::Array(rules)) = table.get_mut("rule") {
        for rule in rules {
            if let toml::Value::Table(rule) = rule {
                rule.remove("examples");
                rule.remove("negative_examples");
            }
        }
    }
    serde_json::to_string(&table).expect("a TOML table is JSON")
}
