//! Who owns a credential's location: git authors mapped through `.mailmap` (gitmailmap(5)) and
//! the owners a `CODEOWNERS` file assigns to a path (GitHub's rules). Both files come from the
//! scanned repository itself, so both parsers accept anything and drop what they cannot read.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobMatcher};

/// Where GitHub looks for a `CODEOWNERS` file, in its order: the first one found is used.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// A `.mailmap`: canonical names and emails for the identities commits were made under.
///
/// Emails and names are matched case-insensitively. An entry naming both a commit name and a
/// commit email beats one naming only the email; a later entry for the same key fills in or
/// replaces what an earlier one said (as git does).
#[derive(Debug, Clone, Default)]
pub struct Mailmap {
    /// (commit email, commit name or "") lower-cased -> (proper name, proper email).
    entries: HashMap<(String, String), (Option<String>, Option<String>)>,
}

impl Mailmap {
    /// Parses a `.mailmap`; lines it cannot read are ignored.
    pub fn parse(text: &str) -> Mailmap {
        let mut map = Mailmap::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            if let Some(l) = parse_line(line) {
                let key = (
                    l.commit_email.to_lowercase(),
                    l.commit_name.unwrap_or_default().to_lowercase(),
                );
                let slot = map.entries.entry(key).or_default();
                if l.proper_name.is_some() {
                    slot.0 = l.proper_name;
                }
                if l.proper_email.is_some() {
                    slot.1 = l.proper_email;
                }
            }
        }
        map
    }

    /// True when it maps nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The canonical (name, email) for a commit identity.
    pub fn resolve(&self, name: &str, email: &str) -> (String, String) {
        let email_key = email.to_lowercase();
        let hit = self
            .entries
            .get(&(email_key.clone(), name.to_lowercase()))
            .or_else(|| self.entries.get(&(email_key, String::new())));
        match hit {
            Some((n, e)) => (
                n.clone().unwrap_or_else(|| name.to_string()),
                e.clone().unwrap_or_else(|| email.to_string()),
            ),
            None => (name.to_string(), email.to_string()),
        }
    }
}

/// One line of a `.mailmap`.
struct Line {
    proper_name: Option<String>,
    proper_email: Option<String>,
    commit_name: Option<String>,
    commit_email: String,
}

/// `[name] <email> [[name] <email>]`; with one email it is the commit's.
fn parse_line(line: &str) -> Option<Line> {
    let (name1, email1, rest) = name_and_email(line)?;
    Some(match name_and_email(rest) {
        Some((name2, email2, _)) => Line {
            proper_name: name1,
            proper_email: Some(email1),
            commit_name: name2,
            commit_email: email2,
        },
        None => Line {
            proper_name: name1,
            proper_email: None,
            commit_name: None,
            commit_email: email1,
        },
    })
}

/// One `name <email>` group: the name (if any) before `<`, the email inside, and the rest.
fn name_and_email(s: &str) -> Option<(Option<String>, String, &str)> {
    let open = s.find('<')?;
    let close = open + s[open..].find('>')?;
    let name = s[..open].trim();
    let email = s[open + 1..close].trim();
    Some((
        (!name.is_empty()).then(|| name.to_string()),
        email.to_string(),
        &s[close + 1..],
    ))
}

/// A `CODEOWNERS` file, with GitHub's matching rules: the **last** matching line decides; a
/// line with no owners leaves its paths unowned; patterns follow gitignore (a pattern with no
/// `/` but a trailing one matches at any depth, a leading or inner `/` anchors it at the root,
/// a directory pattern owns everything below it), except that a pattern ending in `/*` owns
/// only the files directly in that directory (GitHub's documented `docs/*` case). `!`
/// negation and `[ ]` ranges are not part of GitHub's syntax: such lines are read literally.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<OwnerRule>,
}

#[derive(Debug, Clone)]
struct OwnerRule {
    /// Matches the path itself.
    exact: GlobMatcher,
    /// Whether a match on a parent directory owns the path too.
    descend: bool,
    /// The pattern ended in `/`: it names directories only.
    dir_only: bool,
    owners: Vec<String>,
}

impl CodeOwners {
    /// Parses a `CODEOWNERS` file; a line whose pattern cannot be compiled is ignored.
    pub fn parse(text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let mut tokens = line.split_whitespace();
            let Some(pattern) = tokens.next() else {
                continue;
            };
            if pattern.starts_with('#') {
                continue;
            }
            let owners: Vec<String> = tokens
                .take_while(|t| !t.starts_with('#'))
                .map(str::to_string)
                .collect();
            if let Some(rule) = OwnerRule::new(pattern, owners) {
                rules.push(rule);
            }
        }
        CodeOwners { rules }
    }

    /// True when it has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The owners of `path` (relative to the repository root, `/`-separated); empty when no
    /// line matches or the last matching line names no owners.
    pub fn owners(&self, path: &str) -> &[String] {
        let path = path.trim_start_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|r| r.matches(path))
            .map_or(&[], |r| r.owners.as_slice())
    }
}

impl OwnerRule {
    fn new(pattern: &str, owners: Vec<String>) -> Option<OwnerRule> {
        let dir_only = pattern.ends_with('/');
        let body = pattern.trim_start_matches('/').trim_end_matches('/');
        if body.is_empty() {
            // `/` alone: the whole repository.
            return Some(OwnerRule {
                exact: GlobBuilder::new("**").build().ok()?.compile_matcher(),
                descend: false,
                dir_only: false,
                owners,
            });
        }
        let anchored = pattern.starts_with('/') || body.contains('/');
        // Characters that are syntax to globset but literal in CODEOWNERS.
        let mut glob = String::with_capacity(body.len() + 3);
        if !anchored {
            glob.push_str("**/");
        }
        for c in body.chars() {
            match c {
                '[' | ']' | '{' | '}' => {
                    glob.push('[');
                    glob.push(c);
                    glob.push(']');
                }
                '\\' => glob.push_str("[\\\\]"),
                c => glob.push(c),
            }
        }
        let exact = GlobBuilder::new(&glob)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .ok()?
            .compile_matcher();
        let last = body.rsplit('/').next().unwrap_or(body);
        Some(OwnerRule {
            exact,
            dir_only,
            // `docs/*` owns docs' own files only.
            descend: dir_only || last != "*",
            owners,
        })
    }

    fn matches(&self, path: &str) -> bool {
        // A directory pattern never matches a file of that name.
        if !self.dir_only && self.exact.is_match(path) {
            return true;
        }
        if !self.descend {
            return false;
        }
        // A match on any parent directory owns everything below it.
        path.match_indices('/')
            .any(|(i, _)| self.exact.is_match(&path[..i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailmap_maps_names_and_emails_case_insensitively() {
        let m = Mailmap::parse(
            "# comment\n\
             Alice Example <alice@example.com>\n\
             <bob@example.com> <bob@old.example>\n\
             Carol C <carol@example.com> <CAROL@laptop.local>\n\
             Dave D <dave@example.com> dave-bot <ci@example.com>  # name and email\n",
        );
        assert_eq!(
            m.resolve("alice", "ALICE@example.com"),
            ("Alice Example".into(), "ALICE@example.com".into())
        );
        assert_eq!(
            m.resolve("Bob", "bob@old.example"),
            ("Bob".into(), "bob@example.com".into())
        );
        assert_eq!(
            m.resolve("carol", "carol@LAPTOP.local"),
            ("Carol C".into(), "carol@example.com".into())
        );
        // Name-and-email entries need both to match.
        assert_eq!(
            m.resolve("Dave-Bot", "ci@example.com"),
            ("Dave D".into(), "dave@example.com".into())
        );
        assert_eq!(
            m.resolve("someone", "ci@example.com"),
            ("someone".into(), "ci@example.com".into())
        );
        assert_eq!(
            m.resolve("Eve", "eve@example.com"),
            ("Eve".into(), "eve@example.com".into())
        );
    }

    #[test]
    fn mailmap_ignores_garbage() {
        let m = Mailmap::parse("no email here\n<unterminated\n\n");
        assert!(m.is_empty());
    }

    fn owners<'a>(c: &'a CodeOwners, path: &str) -> Vec<&'a str> {
        c.owners(path).iter().map(String::as_str).collect()
    }

    #[test]
    fn codeowners_last_match_wins() {
        let c = CodeOwners::parse(
            "*       @global\n\
             *.js    @js-owner  # inline comment\n\
             *.go    docs@example.com\n",
        );
        assert_eq!(owners(&c, "README.md"), ["@global"]);
        assert_eq!(owners(&c, "src/deep/app.js"), ["@js-owner"]);
        assert_eq!(owners(&c, "cmd/main.go"), ["docs@example.com"]);
    }

    #[test]
    fn codeowners_directory_and_anchor_rules_follow_github() {
        let c = CodeOwners::parse(
            "/build/logs/ @logs\n\
             docs/*       @docs\n\
             apps/        @apps\n\
             /scripts/    @scripts\n\
             **/logs      @any-logs\n\
             /config      @config\n",
        );
        assert_eq!(owners(&c, "build/logs/x.log"), ["@any-logs"]);
        assert_eq!(owners(&c, "docs/getting-started.md"), ["@docs"]);
        // `docs/*` does not own nested files.
        assert!(owners(&c, "docs/build-app/troubleshooting.md").is_empty());
        assert_eq!(owners(&c, "apps/web/main.rs"), ["@apps"]);
        assert_eq!(owners(&c, "nested/apps/web/main.rs"), ["@apps"]);
        assert_eq!(owners(&c, "scripts/deploy.sh"), ["@scripts"]);
        assert!(owners(&c, "tools/scripts/deploy.sh").is_empty());
        assert_eq!(owners(&c, "deeply/nested/logs/a.txt"), ["@any-logs"]);
        assert_eq!(owners(&c, "config"), ["@config"]);
        assert_eq!(owners(&c, "config/prod.env"), ["@config"]);
        assert!(owners(&c, "app/config").is_empty());
    }

    #[test]
    fn codeowners_line_without_owners_unowns() {
        let c = CodeOwners::parse("/apps/ @octocat\n/apps/github\n");
        assert_eq!(owners(&c, "apps/web/x"), ["@octocat"]);
        assert!(owners(&c, "apps/github/x").is_empty());
    }

    #[test]
    fn codeowners_brackets_and_bangs_are_literal() {
        let c = CodeOwners::parse("[x].txt @lit\n!keep @bang\n");
        assert_eq!(owners(&c, "[x].txt"), ["@lit"]);
        assert!(owners(&c, "x.txt").is_empty());
        assert_eq!(owners(&c, "!keep"), ["@bang"]);
    }
}
