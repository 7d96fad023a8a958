//! `.nhi-scan.toml`, our configuration format: which rules, which paths never to read, which
//! findings to allow, the baseline and the size cap. Unknown keys are errors naming the closest
//! known key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{AllowSpec, Config, ConfigError, parse_size};
use crate::rules::AllowTarget;

impl Config {
    pub(super) fn apply_nhi(
        &mut self,
        file: NhiFile,
        path: &Path,
        dir: &Path,
    ) -> Result<(), ConfigError> {
        self.builtin_rules = file.rules.builtin;
        self.rule_files = file.rules.files.iter().map(|f| dir.join(f)).collect();
        self.disabled_rules = file.rules.disable;
        self.validate = file.validate;
        self.baseline = file.baseline.map(|b| dir.join(b));
        self.max_file_size = match file.max_file_size {
            None => None,
            Some(Size::Bytes(n)) => Some(n),
            Some(Size::Text(s)) => {
                Some(parse_size(&s).map_err(|message| ConfigError::Invalid {
                    path: path.to_owned(),
                    message: format!("max_file_size: {message}"),
                })?)
            }
        };
        let a = file.allow;
        self.allow_path_globs = a.paths;
        self.check_paths(path)?;
        let global = AllowSpec {
            rules: Vec::new(),
            paths_in_source: false,
            path_globs: Vec::new(),
            path_regexes: Vec::new(),
            commits: a.commits,
            regexes: a.regexes,
            target: a.regex_target,
            stopwords: a.stopwords,
            all: false,
        };
        self.add_allow(global, path, "allow", false)?;
        for (id, r) in a.rule {
            let spec = AllowSpec {
                rules: vec![id.clone()],
                paths_in_source: false,
                path_globs: r.paths,
                path_regexes: Vec::new(),
                commits: r.commits,
                regexes: r.regexes,
                target: r.regex_target,
                stopwords: r.stopwords,
                all: false,
            };
            self.add_allow(spec, path, &format!("allow.rule.\"{id}\""), false)?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

/// `.nhi-scan.toml`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct NhiFile {
    baseline: Option<PathBuf>,
    max_file_size: Option<Size>,
    #[serde(default)]
    rules: NhiRules,
    #[serde(default)]
    allow: NhiAllow,
    #[serde(default)]
    validate: crate::validate::ValidateConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NhiRules {
    #[serde(default = "yes")]
    builtin: bool,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    files: Vec<PathBuf>,
}

impl Default for NhiRules {
    fn default() -> Self {
        NhiRules {
            builtin: true,
            disable: Vec::new(),
            files: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NhiAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: AllowTarget,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    rule: BTreeMap<String, NhiRuleAllow>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NhiRuleAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: AllowTarget,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
}
