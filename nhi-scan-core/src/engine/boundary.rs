//! Left boundaries of keyword rules: many provider rules begin with a word boundary and then
//! their provider word (`(?:^|[^A-Za-z0-9])(?:dify(...)?|DIFY(...)?|Dify(...)?)...`, or
//! `\b(?P<secret>cs_...`). Every match of such a rule starts with an occurrence of one of its
//! keywords right after a boundary, and the gate reports that occurrence too; so a keyword hit
//! preceded by a letter (`modify`, `associated`, `tocs_`) can never be where a match starts, and
//! the rule's window need not be opened for it. On the crate corpus this drops most hits of short
//! provider words (`oci`, `dify`, `kit`, `hcp`) before any regex runs.
//!
//! The analysis is textual and conservative: a pattern it does not recognise gets no boundary.

/// What the byte before a keyword hit must not be for the rule to match there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// `(?:^|[^A-Za-z0-9])`: an ASCII letter or digit before the hit rules it out.
    Alnum,
    /// `\b` before a word byte: a letter, digit or `_` before the hit rules it out.
    Word,
}

impl Boundary {
    /// Whether a hit starting at `start` in `hay` cannot begin a match.
    #[inline]
    pub fn blocks(self, hay: &[u8], start: usize) -> bool {
        let Some(&b) = start.checked_sub(1).and_then(|p| hay.get(p)) else {
            return false;
        };
        match self {
            Boundary::Alnum => b.is_ascii_alphanumeric(),
            Boundary::Word => b.is_ascii_alphanumeric() || b == b'_',
        }
    }
}

/// The boundary every match of `pattern` starts with, followed by one of `keywords`, if that
/// can be seen from the pattern's text.
pub(crate) fn left_boundary(pattern: &str, keywords: &[String]) -> Option<Boundary> {
    let p = pattern.as_bytes();
    let (kind, rest) = if let Some(r) = p.strip_prefix(b"(?:^|[^A-Za-z0-9])".as_slice()) {
        (Boundary::Alnum, r)
    } else if let Some(r) = p.strip_prefix(b"\\b".as_slice()) {
        (Boundary::Word, r)
    } else {
        return None;
    };
    // No alternation at the top level: the prefix applies to every match.
    if has_top_level_bar(rest) {
        return None;
    }
    let kws: Vec<&[u8]> = keywords
        .iter()
        .map(|k| k.as_bytes())
        .filter(|k| {
            !k.is_empty()
                && k.iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        })
        .collect();
    if kws.len() != keywords.len() {
        return None;
    }
    if kind == Boundary::Word
        && !kws
            .iter()
            .all(|k| k[0].is_ascii_alphanumeric() || k[0] == b'_')
    {
        return None;
    }
    starts_with_keyword(rest, &kws, 0).then_some(kind)
}

/// Whether every string matched by the regex text `s` (a concatenation, read from its start)
/// begins with one of `kws` (ASCII case-insensitively).
fn starts_with_keyword(s: &[u8], kws: &[&[u8]], depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    // A group: `(?:...)`, `(?P<name>...)` or `(?i:...)`, not optional or repeated.
    if s.first() == Some(&b'(') {
        let Some(close) = group_end(s) else {
            return false;
        };
        if matches!(s.get(close + 1), Some(b'?' | b'*' | b'{')) {
            return false;
        }
        let inner = &s[1..close];
        let body = if let Some(b) = inner.strip_prefix(b"?:".as_slice()) {
            b
        } else if let Some(b) = inner.strip_prefix(b"?i:".as_slice()) {
            b
        } else if inner.starts_with(b"?P<") {
            match inner.iter().position(|&c| c == b'>') {
                Some(g) => &inner[g + 1..],
                None => return false,
            }
        } else {
            return false;
        };
        return split_top_level(body)
            .iter()
            .all(|alt| starts_with_keyword(alt, kws, depth + 1));
    }
    kws.iter().any(|k| {
        s.len() >= k.len()
            && s[..k.len()].eq_ignore_ascii_case(k)
            // The literal's last byte is not made optional or repeated by a quantifier.
            && !matches!(s.get(k.len()), Some(b'?' | b'*' | b'{' | b'+'))
    })
}

/// Index of the `)` closing the group opened at `s[0]`.
fn group_end(s: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'[' => i = class_end(s, i)?,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the `]` closing the class opened at `s[at]`.
fn class_end(s: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    if s.get(i) == Some(&b'^') {
        i += 1;
    }
    if s.get(i) == Some(&b']') {
        i += 1;
    }
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'[' if s.get(i + 1) == Some(&b':') => {
                // `[:alpha:]` inside a class.
                i += 2;
                while i < s.len() && s[i] != b']' {
                    i += 1;
                }
            }
            b'[' => i = class_end(s, i)?,
            b']' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The alternatives of `s` at its top level.
fn split_top_level(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'[' => match class_end(s, i) {
                Some(e) => i = e,
                None => return vec![b"(".as_slice()],
            },
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'|' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start..]);
    out
}

fn has_top_level_bar(s: &[u8]) -> bool {
    split_top_level(s).len() != 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_provider_word_prefixes() {
        let p = r#"(?:^|[^A-Za-z0-9])(?:dify(?:[A-Z0-9_.-][\w.-]{0,24})?|DIFY(?:[a-z0-9_.-][\w.-]{0,24})?|Dify(?:[A-Z0-9_.-][\w.-]{0,24})?)["']?\s{0,4}(?::=|=>|[:=])\s{0,4}["']?(?P<secret>app-[A-Za-z0-9]{24})(?:[^A-Za-z0-9]|$)"#;
        assert_eq!(left_boundary(p, &kw(&["dify"])), Some(Boundary::Alnum));
        let p = r#"(?:^|[^A-Za-z0-9])(?:oci(?:[A-Z0-9_.-][\w.-]{0,19})?|OCI(?:[a-z0-9_.-][\w.-]{0,19})?|Oci(?:[A-Z0-9_.-][\w.-]{0,19})?|(?i:oraclecloud)[\w.-]{0,20})(?i:secret)"#;
        assert_eq!(
            left_boundary(p, &kw(&["oci", "oraclecloud"])),
            Some(Boundary::Alnum)
        );
        let p = r#"\b(?P<secret>cs_[a-f0-9]{40})(?:[^A-Za-z0-9]|$)"#;
        assert_eq!(left_boundary(p, &kw(&["cs_"])), Some(Boundary::Word));
        let p = r#"\b(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})"#;
        assert_eq!(
            left_boundary(p, &kw(&["akia", "asia"])),
            Some(Boundary::Word)
        );
    }

    #[test]
    fn refuses_what_it_cannot_prove() {
        // A keyword not at the start, an optional keyword, a top-level alternation, a keyword
        // that is not a plain literal, a quantified last byte.
        for (p, k) in [
            (r#"\b(?P<secret>x-cs_[a-f0-9]{40})"#, &["cs_"][..]),
            (r#"\b(?:cs_)?[a-f0-9]{40}"#, &["cs_"]),
            (r#"\bcs_[a-f0-9]{40}|zz_[0-9]+"#, &["cs_", "zz_"]),
            (r#"\b(?:cs_[a-f]+|[0-9]+cs_)"#, &["cs_"]),
            (r#"\bt1\.[A-Z]+"#, &["t1."]),
            (r#"\bdify?x"#, &["dify"]),
            (r#"(?:^|[^A-Za-z0-9])(?:dify|other)x"#, &["dify"]),
            (r#"\b-abc"#, &["-abc"]),
            (r#"[^a]dify"#, &["dify"]),
        ] {
            assert_eq!(left_boundary(p, &kw(k)), None, "{p}");
        }
    }

    #[test]
    fn blocks_only_letters_and_digits_before() {
        let hay = b"modify dify _dify";
        assert!(Boundary::Alnum.blocks(hay, 2));
        assert!(!Boundary::Alnum.blocks(hay, 0));
        assert!(!Boundary::Alnum.blocks(hay, 7));
        assert!(!Boundary::Alnum.blocks(hay, 13));
        assert!(Boundary::Word.blocks(hay, 13));
    }
}
