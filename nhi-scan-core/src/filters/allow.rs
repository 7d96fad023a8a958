//! Inline allow comments: a developer marks a known fake or accepted risk next to the code, so
//! the decision travels with the line through rebases and moves.
//!
//! - `nhi-scan:allow` on the line of the secret allows every rule there;
//!   `nhi-scan:allow github.pat.classic, my-rule` only those rules. The ids are the tokens right
//!   after the marker that name a loaded rule or contain a `.`; words that follow are a free-text
//!   reason (`nhi-scan:allow known fake for tests`). A dotless id such as `my-rule` counts as an
//!   id only because a rule has it: read as free text it would allow every rule.
//! - `nhi-scan:allow-next-line` (same optional rule ids) on the line before.
//! - `gitleaks:allow` on the line, so teams migrating from gitleaks keep their annotations.

/// The allow marker; any allow comment contains it.
pub const ALLOW_MARKER: &[u8] = b"nhi-scan:allow";
const MARKER: &[u8] = ALLOW_MARKER;
const NEXT_LINE: &[u8] = b"-next-line";
/// gitleaks' allow marker, honoured too.
pub const GITLEAKS_ALLOW_MARKER: &[u8] = b"gitleaks:allow";
const GITLEAKS: &[u8] = GITLEAKS_ALLOW_MARKER;

/// True when an allow comment covers a secret at `span` in `hay`, found by `rule_id`;
/// `is_rule` tells which words are rule ids.
pub fn inline_allowed(
    hay: &[u8],
    span: std::ops::Range<usize>,
    rule_id: &str,
    is_rule: &dyn Fn(&[u8]) -> bool,
) -> bool {
    let start = memchr::memrchr(b'\n', &hay[..span.start]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &hay[span.end..]).map_or(hay.len(), |i| span.end + i);
    let line = &hay[start..end];
    if memchr::memmem::find(line, GITLEAKS).is_some()
        || marker_allows(line, rule_id, false, is_rule)
    {
        return true;
    }
    if start == 0 {
        return false;
    }
    let prev_start = memchr::memrchr(b'\n', &hay[..start - 1]).map_or(0, |i| i + 1);
    marker_allows(&hay[prev_start..start - 1], rule_id, true, is_rule)
}

/// Whether `line` holds a marker (the next-line form when `next_line`) that covers `rule_id`.
fn marker_allows(
    line: &[u8],
    rule_id: &str,
    next_line: bool,
    is_rule: &dyn Fn(&[u8]) -> bool,
) -> bool {
    for pos in memchr::memmem::find_iter(line, MARKER) {
        let rest = &line[pos + MARKER.len()..];
        let is_next = rest.starts_with(NEXT_LINE);
        if is_next != next_line {
            continue;
        }
        let rest = if is_next {
            &rest[NEXT_LINE.len()..]
        } else {
            rest
        };
        // The marker must end here (not `nhi-scan:allowed`).
        if rest
            .first()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            continue;
        }
        let ids: Vec<&[u8]> = rest
            .split(|b| b.is_ascii_whitespace() || *b == b',')
            .filter(|t| !t.is_empty())
            .map(|t| t.strip_suffix(b".").unwrap_or(t))
            .take_while(|t| t.contains(&b'.') || is_rule(t))
            .collect();
        if ids.is_empty() || ids.contains(&rule_id.as_bytes()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(text: &str, needle: &str, rule: &str) -> bool {
        let s = text.find(needle).unwrap();
        let known = |w: &[u8]| w == b"my-rule" || w == b"other";
        inline_allowed(text.as_bytes(), s..s + needle.len(), rule, &known)
    }

    #[test]
    fn a_dotless_rule_id_allows_only_that_rule() {
        assert!(allowed(
            "T = 'SECRET' # nhi-scan:allow my-rule",
            "SECRET",
            "my-rule"
        ));
        assert!(!allowed(
            "T = 'SECRET' # nhi-scan:allow my-rule",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "T = 'SECRET' # nhi-scan:allow other",
            "SECRET",
            "my-rule"
        ));
        assert!(allowed(
            "T = 'SECRET' # nhi-scan:allow other, my-rule because fixture",
            "SECRET",
            "my-rule"
        ));
    }

    #[test]
    fn same_line_marker_allows_all_or_named_rules() {
        assert!(allowed(
            "a\nT = 'SECRET' # nhi-scan:allow\nb",
            "SECRET",
            "x.y"
        ));
        assert!(allowed(
            "T = 'SECRET' // nhi-scan:allow x.y, z.w",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "T = 'SECRET' // nhi-scan:allow z.w",
            "SECRET",
            "x.y"
        ));
        assert!(allowed(
            "T = 'SECRET' // nhi-scan:allow known fake for tests",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "T = 'SECRET' // nhi-scan:allowed",
            "SECRET",
            "x.y"
        ));
        assert!(allowed("T = 'SECRET' # gitleaks:allow", "SECRET", "x.y"));
        assert!(!allowed("# nhi-scan:allow\nT = 'SECRET'", "SECRET", "x.y"));
    }

    #[test]
    fn next_line_marker_covers_only_the_next_line() {
        assert!(allowed(
            "# nhi-scan:allow-next-line\nT = 'SECRET'\n",
            "SECRET",
            "x.y"
        ));
        assert!(allowed(
            "# nhi-scan:allow-next-line x.y\r\nT = 'SECRET'\n",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "# nhi-scan:allow-next-line z.w\nT = 'SECRET'\n",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "# nhi-scan:allow-next-line\n\nT = 'SECRET'\n",
            "SECRET",
            "x.y"
        ));
        assert!(!allowed(
            "T = 'SECRET' # nhi-scan:allow-next-line",
            "SECRET",
            "x.y"
        ));
    }
}
