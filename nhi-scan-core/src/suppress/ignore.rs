//! `.gitleaksignore`: gitleaks' file of ignored findings, one `file:rule-id:line` or
//! `commit:file:rule-id:line` per line.

/// One `.gitleaksignore` line: `file:rule-id:line` or `commit:file:rule-id:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// Commit id, for entries from history scans.
    pub commit: Option<String>,
    /// Path relative to the repository root.
    pub file: String,
    /// gitleaks rule id (lowercase).
    pub rule: String,
    /// 1-based line.
    pub line: u64,
}

/// Parses `.gitleaksignore` text; returns the entries and the lines that could not be read.
pub fn parse_gitleaksignore(text: &str) -> (Vec<IgnoreEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for raw in text.lines() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.rsplitn(3, ':');
        let (Some(line), Some(rule), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            bad.push(l.to_string());
            continue;
        };
        let Ok(line) = line.parse::<u64>() else {
            bad.push(l.to_string());
            continue;
        };
        let (commit, file) = match rest.split_once(':') {
            Some((c, f))
                if (c.len() == 40 || c.len() == 64) && c.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                (Some(c.to_ascii_lowercase()), f)
            }
            _ => (None, rest),
        };
        entries.push(IgnoreEntry {
            commit,
            file: file.trim_start_matches("./").to_string(),
            rule: rule.to_ascii_lowercase(),
            line,
        });
    }
    (entries, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitleaksignore_lines_parse() {
        let sha = "a".repeat(40);
        let (e, bad) = parse_gitleaksignore(&format!(
            "# c\nsrc/a.py:my-rule:3\n{sha}:b/c.txt:r:10\nnope\n"
        ));
        assert_eq!(bad, vec!["nope".to_string()]);
        assert_eq!(e[0].file, "src/a.py");
        assert_eq!(e[0].commit, None);
        assert_eq!(e[1].commit.as_deref(), Some(sha.as_str()));
        assert_eq!((e[1].file.as_str(), e[1].line), ("b/c.txt", 10));
    }
}
