//! gitleaks and Betterleaks configurations (`.gitleaks.toml`): their rules translated into ours
//! (Go RE2 regexes rewritten where the syntaxes differ, keywords derived where missing), their
//! allowlists split into path skips, engine allowlists and hit allowlists, and `[extend]`.

use std::collections::HashSet;
use std::path::Path;

use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind};
use serde::Deserialize;

use super::{AllowSpec, Config, ConfigError, one_line};
use crate::rules::{AllowTarget, Allowlist, Kind, Rule};

impl Config {
    pub(super) fn apply_gitleaks(&mut self, file: GlFile, path: &Path) -> Result<(), ConfigError> {
        self.builtin_rules = file.extend.as_ref().is_some_and(|e| e.use_default);
        if let Some(e) = &file.extend {
            self.disabled_rules = e.disabled_rules.iter().map(|r| sanitize_id(r)).collect();
            if e.path.is_some() || e.url.is_some() {
                self.warnings.push(format!(
                    "{}: [extend] path/url is not supported; only useDefault (nhi-scan's built-in rules) and disabledRules are",
                    path.display()
                ));
            }
        }
        let mut seen = HashSet::new();
        for r in &file.rules {
            let id = sanitize_id(&r.id);
            if !seen.insert(id.clone()) {
                self.untranslatable
                    .push((r.id.clone(), "duplicate rule id".into()));
                continue;
            }
            let mut ids = vec![id.clone()];
            if r.regex.as_deref().is_none_or(str::is_empty) {
                // A path-only rule flags files by name, not content: there is nothing of it for
                // a content scanner to run, so it is a note, not a rule that failed.
                self.warnings.push(format!(
                    "{}: gitleaks rule `{}` only matches file paths; nhi-scan scans content, so it is not used",
                    path.display(),
                    r.id
                ));
                continue;
            }
            match translate_rules(r, &id) {
                Ok(rules) => {
                    if let Some(p) = r.path.as_deref().filter(|_| r.regex.is_some()) {
                        let rust = go_to_rust(p)
                            .and_then(|p| crate::rules::parse_allow_regex(&p).map(|_| p));
                        match rust {
                            Ok(p) => {
                                for rule in &rules {
                                    self.rule_paths.insert(rule.id.clone(), p.clone());
                                }
                            }
                            Err(m) => {
                                self.untranslatable
                                    .push((r.id.clone(), format!("path: {m}")));
                                continue;
                            }
                        }
                    }
                    ids = rules.iter().map(|r| r.id.clone()).collect();
                    self.translated_rules.extend(rules);
                }
                Err(problem) => self.untranslatable.push((r.id.clone(), problem)),
            }
            let lists = r.allowlist.iter().chain(&r.allowlists);
            for (i, a) in lists.enumerate() {
                let spec = gl_spec(a, ids.clone(), path, &mut self.warnings)?;
                self.add_allow(
                    spec,
                    path,
                    &format!("rule {} allowlist {}", r.id, i + 1),
                    true,
                )?;
            }
        }
        for (i, a) in file.allowlist.iter().chain(&file.allowlists).enumerate() {
            let targets = a.target_rules.iter().map(|r| sanitize_id(r)).collect();
            let mut spec = gl_spec(a, targets, path, &mut self.warnings)?;
            spec.paths_in_source = true;
            self.add_allow(spec, path, &format!("global allowlist {}", i + 1), true)?;
        }
        Ok(())
    }
}

fn gl_spec(
    a: &GlAllowlist,
    rules: Vec<String>,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<AllowSpec, ConfigError> {
    let target = match a.regex_target.as_deref().unwrap_or("secret") {
        "secret" | "" => AllowTarget::Secret,
        "match" => AllowTarget::Match,
        "line" => AllowTarget::Line,
        other => {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "allowlist regexTarget {other:?}: expected \"secret\", \"match\" or \"line\""
                ),
            });
        }
    };
    let all = match a
        .condition
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("OR") | Some("") => false,
        Some("AND") => true,
        Some(other) => {
            warnings.push(format!(
                "{}: allowlist condition {other:?} is not OR or AND; using OR",
                path.display()
            ));
            false
        }
    };
    Ok(AllowSpec {
        rules,
        paths_in_source: false,
        path_globs: Vec::new(),
        path_regexes: a.paths.clone(),
        commits: a.commits.clone(),
        regexes: a.regexes.clone(),
        target,
        stopwords: a.stopwords.clone(),
        all,
    })
}

/// gitleaks ids are free-form; ours are lowercase `[a-z0-9._-]`.
pub(super) fn sanitize_id(id: &str) -> String {
    id.trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Translates one gitleaks rule. Without `secretGroup`, gitleaks takes the first capture group
/// that matched; a regex whose top-level alternatives each capture (`a(x)|b(y)`) becomes one rule
/// per alternative (`id`, `id.alt2`, ...), each naming its own first group, since a regex cannot
/// give two groups the same name.
fn translate_rules(r: &GlRule, id: &str) -> Result<Vec<Rule>, String> {
    let Some(regex) = r.regex.as_deref().filter(|s| !s.is_empty()) else {
        return Err(
            "no regex: a path-only rule matches file names, which nhi-scan does not scan".into(),
        );
    };
    let pattern = go_to_rust(regex)?;
    if r.secret_group == 0
        && let Some(branches) = capturing_alternatives(&pattern)
    {
        return branches
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let id = if i == 0 {
                    id.to_string()
                } else {
                    format!("{id}.alt{}", i + 1)
                };
                translate_rule(r, &id, b)
            })
            .collect();
    }
    Ok(vec![translate_rule(r, id, &pattern)?])
}

/// For `(?flags)a(x)|b(y)`: `["(?flags)a(x)", "(?flags)b(y)"]`, when every top-level alternative
/// has a capture group and there is more than one.
fn capturing_alternatives(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::ast::{Ast, GroupKind};
    fn captures(ast: &Ast) -> bool {
        match ast {
            Ast::Group(g) => !matches!(g.kind, GroupKind::NonCapturing(_)) || captures(&g.ast),
            Ast::Concat(c) => c.asts.iter().any(captures),
            Ast::Alternation(a) => a.asts.iter().any(captures),
            Ast::Repetition(r) => captures(&r.ast),
            _ => false,
        }
    }
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .ok()?;
    let Ast::Alternation(alt) = &ast else {
        return None;
    };
    if alt.asts.len() < 2 || !alt.asts.iter().all(captures) {
        return None;
    }
    // Flags set at the start of the first alternative hold for the later ones too.
    let mut flags = String::new();
    if let Ast::Concat(c) = &alt.asts[0] {
        for a in c.asts.iter().take_while(|a| matches!(a, Ast::Flags(_))) {
            flags.push_str(&pattern[a.span().start.offset..a.span().end.offset]);
        }
    }
    Some(
        alt.asts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let text = &pattern[a.span().start.offset..a.span().end.offset];
                if i == 0 {
                    text.to_string()
                } else {
                    format!("{flags}{text}")
                }
            })
            .collect(),
    )
}

fn translate_rule(r: &GlRule, id: &str, pattern: &str) -> Result<Rule, String> {
    let pattern = with_secret_group(pattern, r.secret_group)?;
    let hir = regex_automata::util::syntax::parse_with(&pattern, &crate::rules::syntax_config())
        .map_err(|e| format!("regex: {}", one_line(&e.to_string())))?;
    let mut keywords: Vec<String> = Vec::new();
    let mut usable = !r.keywords.is_empty();
    for k in &r.keywords {
        let k = k.to_ascii_lowercase();
        if k.len() < 3 || !k.is_ascii() {
            usable = false;
            break;
        }
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    if !usable {
        keywords = required_literals(&hir).ok_or_else(|| {
            if r.keywords.is_empty() {
                "no keywords, and its regex has no literal of 3 or more bytes that every match contains (needed for the prefilter)".to_string()
            } else {
                "a keyword is shorter than 3 bytes, and its regex has no literal of 3 or more bytes that every match contains".to_string()
            }
        })?;
    }
    if let Some(e) = r.entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(format!("entropy {e} is outside 0..=8"));
    }
    // gitleaks descriptions are sentences; the id reads better as a name in reports.
    let name = r.id.clone();
    Ok(Rule {
        id: id.to_string(),
        name,
        kind: kind_of(id),
        description: r.description.clone(),
        keywords,
        pattern,
        context: None,
        min_entropy: r.entropy,
        checksum: None,
        companion: None,
        placeholder_check: true,
        fix: None,
        references: Vec::new(),
        allowlist: Allowlist::default(),
        examples: Vec::new(),
        negative_examples: Vec::new(),
        validate: None,
    })
}

/// A family for a gitleaks rule, guessed from its id. It matters beyond the report: where rules
/// overlap on the same bytes, a provider rule wins over a generic one.
fn kind_of(id: &str) -> Kind {
    let has = |words: &[&str]| words.iter().any(|w| id.contains(w));
    if has(&["generic", "password", "curl", "jdbc"]) {
        Kind::Generic
    } else if has(&["private-key", "pkcs", "pgp", "ssh"]) {
        Kind::PrivateKey
    } else if has(&[
        "aws",
        "gcp",
        "google",
        "azure",
        "alibaba",
        "digitalocean",
        "linode",
    ]) {
        Kind::CloudKey
    } else if has(&["github", "gitlab", "bitbucket", "gitea"]) {
        Kind::VcsToken
    } else if has(&["openai", "anthropic", "huggingface", "cohere", "perplexity"]) {
        Kind::AiApiKey
    } else if has(&[
        "slack",
        "discord",
        "telegram",
        "twilio",
        "teams",
        "mattermost",
    ]) {
        Kind::ChatToken
    } else if has(&[
        "stripe",
        "square",
        "paypal",
        "braintree",
        "plaid",
        "coinbase",
    ]) {
        Kind::PaymentKey
    } else if has(&["npm", "pypi", "rubygems", "nuget", "clojars", "artifactory"]) {
        Kind::PackageRegistryToken
    } else if has(&[
        "vault",
        "doppler",
        "infisical",
        "1password",
        "circleci",
        "travis",
    ]) {
        Kind::CiToken
    } else {
        Kind::SaasToken
    }
}

/// Go RE2 syntax to ours. With Unicode off, `\w \d \s \b` are ASCII in both. What differs and
/// is rewritten: `\Q...\E` quoting, and a `{` that cannot start a repetition (RE2 takes it
/// literally, as in `{{ var }}` or `(?:\d+|{\d+})`; we would refuse it). What differs and is
/// refused: `\C` (any byte). Everything else either means the same or fails to parse, and the
/// caller reports the rule.
pub(crate) fn go_to_rust(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.char_indices().peekable();
    // Inside `[...]`, where `{` is always literal.
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        if in_class {
            out.push(c);
            match c {
                ']' if !out.ends_with("[]") && !out.ends_with("[^]") => in_class = false,
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                '[' if chars.peek().is_some_and(|(_, n)| *n == ':') => {
                    // A POSIX class `[:alpha:]`: copy through its closing `:]`.
                    let rest = &pattern[i + 1..];
                    if let Some(end) = rest.find(":]") {
                        let stop = i + 1 + end + 2;
                        while chars.peek().is_some_and(|(j, _)| *j < stop) {
                            out.push(chars.next().map(|(_, c)| c).unwrap_or_default());
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            continue;
        }
        if c == '{' {
            let repeatable = !(out.is_empty()
                || out.ends_with('(')
                || out.ends_with('|')
                || out.ends_with("(?:")
                || ends_with_flag_group(&out));
            let rest = &pattern[i + 1..];
            let counted = rest.find('}').is_some_and(|end| {
                let inner = &rest[..end];
                let (a, b) = inner.split_once(',').unwrap_or((inner, "0"));
                !a.is_empty()
                    && a.bytes().all(|x| x.is_ascii_digit())
                    && b.bytes().all(|x| x.is_ascii_digit())
            });
            if !(repeatable && counted) {
                out.push_str("\\{");
                continue;
            }
            out.push(c);
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'Q')) => {
                let rest = &pattern[i + 2..];
                let (quoted, consumed) = match rest.find("\\E") {
                    Some(end) => (&rest[..end], end + 2),
                    None => (rest, rest.len()),
                };
                out.push_str(&regex_syntax::escape(quoted));
                let stop = i + 2 + consumed;
                while chars.peek().is_some_and(|(j, _)| *j < stop) {
                    chars.next();
                }
            }
            Some((_, 'C')) => return Err("\\C (any byte) is not supported".into()),
            Some((_, n)) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// True when `s` ends with a flag group such as `(?i)` or `(?-i)`, after which nothing repeats.
fn ends_with_flag_group(s: &str) -> bool {
    s.strip_suffix(')')
        .and_then(|t| t.rfind("(?").map(|p| &t[p + 2..]))
        .is_some_and(|flags| flags.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
}

/// Names gitleaks' secret group `secret`: `secretGroup = N` picks the N-th capture group; without
/// it gitleaks takes the first group that matched, approximated here as group 1; a regex with no
/// group is its own secret.
fn with_secret_group(pattern: &str, group: u32) -> Result<String, String> {
    use regex_syntax::ast::{Ast, GroupKind};
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("regex: {}", one_line(&e.to_string())))?;
    /// Capture index, byte offset of the group's `(`, and the span of its name if named.
    type Group = (u32, usize, Option<(usize, usize)>);
    fn collect(ast: &Ast, out: &mut Vec<Group>) {
        match ast {
            Ast::Group(g) => {
                match &g.kind {
                    GroupKind::CaptureIndex(i) => out.push((*i, g.span.start.offset, None)),
                    GroupKind::CaptureName { name, .. } => out.push((
                        name.index,
                        g.span.start.offset,
                        Some((name.span.start.offset, name.span.end.offset)),
                    )),
                    GroupKind::NonCapturing(_) => {}
                }
                collect(&g.ast, out);
            }
            Ast::Concat(c) => c.asts.iter().for_each(|a| collect(a, out)),
            Ast::Alternation(a) => a.asts.iter().for_each(|a| collect(a, out)),
            Ast::Repetition(r) => collect(&r.ast, out),
            _ => {}
        }
    }
    let mut groups = Vec::new();
    collect(&ast, &mut groups);
    if groups.is_empty() && group == 0 {
        return Ok(format!("(?P<secret>{pattern})"));
    }
    let want = group.max(1);
    let Some(&(_, open, name)) = groups.iter().find(|g| g.0 == want) else {
        return Err(format!("secretGroup {want} does not exist in the regex"));
    };
    Ok(match name {
        Some((s, e)) => format!("{}secret{}", &pattern[..s], &pattern[e..]),
        None => format!("{}(?P<secret>{}", &pattern[..open], &pattern[open + 1..]),
    })
}

/// Literals (>= 3 bytes, lowercased) at least one of which every match of `hir` contains, for
/// rules that bring no usable keywords.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    fn exact_set(h: &Hir) -> Option<Vec<String>> {
        let mut ex = Extractor::new();
        ex.limit_class(24).limit_total(256);
        let seq = ex.extract(h);
        let lits = seq.literals()?;
        if lits.is_empty() {
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        for l in lits {
            let b = l.as_bytes();
            if b.len() < 3 || !b.is_ascii() {
                return None;
            }
            let s = String::from_utf8_lossy(b).to_ascii_lowercase();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        (out.len() <= 32).then_some(out)
    }
    fn best(h: &Hir) -> Option<Vec<String>> {
        // Longer literals gate better up to about 4 bytes; past that, fewer of them is better.
        let score = |v: &Vec<String>| {
            let min = v.iter().map(String::len).min().unwrap_or(0);
            (min.min(4), std::cmp::Reverse(v.len()))
        };
        let mut found = exact_set(h);
        let inner = match h.kind() {
            HirKind::Capture(c) => best(&c.sub),
            HirKind::Repetition(r) if r.min >= 1 => best(&r.sub),
            // Each element alone, and each run starting at an element (`\\dQ~` gives `0q~`...).
            HirKind::Concat(subs) => subs
                .iter()
                .filter_map(best)
                .chain((1..subs.len()).filter_map(|i| exact_set(&Hir::concat(subs[i..].to_vec()))))
                .max_by_key(score),
            HirKind::Alternation(subs) => {
                let mut all = Vec::new();
                for s in subs {
                    for l in best(s)? {
                        if !all.contains(&l) {
                            all.push(l);
                        }
                    }
                }
                Some(all)
            }
            _ => None,
        };
        if let Some(i) = inner
            && found.as_ref().is_none_or(|f| score(&i) > score(f))
        {
            found = Some(i);
        }
        found
    }
    best(hir)
}

/// gitleaks/Betterleaks TOML (unknown keys are ignored, as gitleaks does).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct GlFile {
    extend: Option<GlExtend>,
    #[serde(default)]
    rules: Vec<GlRule>,
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlExtend {
    #[serde(default)]
    use_default: bool,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlRule {
    id: String,
    #[serde(default)]
    description: String,
    regex: Option<String>,
    #[serde(default)]
    secret_group: u32,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GlAllowlist {
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quoting_and_secret_groups_translate() {
        assert_eq!(go_to_rust(r"a\Q.b*\Ec").unwrap(), r"a\.b\*c");
        for (go, rust) in [
            (r"^\{\{ *\w+ *}}$", r"^\{\{ *\w+ *}}$"),
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+})$"),
            (r"{{ x }}", r"\{\{ x }}"),
            (r"a{2,3}[{}]", r"a{2,3}[{}]"),
            (r"[[:alpha:]{]x{1}", r"[[:alpha:]{]x{1}"),
            (r"[]{]a{x}", r"[]{]a\{x}"),
            (r"(?i){1}", r"(?i)\{1}"),
        ] {
            let got = go_to_rust(go).unwrap();
            assert_eq!(got, rust, "{go}");
            super::super::compile_regex(&got).unwrap_or_else(|e| panic!("{go} -> {got}: {e}"));
        }
        assert!(go_to_rust(r"a\Cb").is_err());
        assert_eq!(
            with_secret_group(r"(?i)key=([a-z]{8})", 0).unwrap(),
            r"(?i)key=(?P<secret>[a-z]{8})"
        );
        assert_eq!(
            with_secret_group(r"(a)(?P<v>b)", 2).unwrap(),
            r"(a)(?P<secret>b)"
        );
        assert_eq!(
            with_secret_group(r"ab|cd", 0).unwrap(),
            r"(?P<secret>ab|cd)"
        );
        assert!(with_secret_group(r"(a)", 3).is_err());
    }

    #[test]
    fn capturing_alternatives_become_one_rule_each() {
        let r = GlRule {
            id: "multi".into(),
            regex: Some(r"(?i)key=([a-z]{8})|\btok_([0-9]{6})|(?:plain)".into()),
            keywords: vec!["key=".into(), "tok_".into()],
            ..GlRule::default()
        };
        // The last alternative has no group: the rule is not split.
        assert_eq!(translate_rules(&r, "multi").unwrap().len(), 1);
        let r = GlRule {
            regex: Some(r"(?i)key=([a-z]{8})|\btok_([0-9]{6})".into()),
            ..r
        };
        let rules = translate_rules(&r, "multi").unwrap();
        let got: Vec<(&str, &str)> = rules
            .iter()
            .map(|r| (r.id.as_str(), r.pattern.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("multi", r"(?i)key=(?P<secret>[a-z]{8})"),
                ("multi.alt2", r"(?i)\btok_(?P<secret>[0-9]{6})"),
            ]
        );
    }

    #[test]
    fn literals_are_extracted_for_rules_without_keywords() {
        let parse = |p: &str| {
            regex_automata::util::syntax::parse_with(p, &crate::rules::syntax_config()).unwrap()
        };
        assert_eq!(
            required_literals(&parse(r"(?i)\b(acme_[a-z0-9]{20})")).unwrap(),
            vec!["acme_".to_string()]
        );
        assert_eq!(
            required_literals(&parse(r"[a-z]{4}-tok-[0-9]+")).unwrap(),
            vec!["-tok-".to_string()]
        );
        assert!(required_literals(&parse(r"[a-z0-9]{32}")).is_none());
        let mut got = required_literals(&parse(r"[a-z]{3}\dQ~[a-z]{31}")).unwrap();
        got.sort();
        assert_eq!(got.len(), 10);
        assert_eq!(got[0], "0q~");
    }
}
