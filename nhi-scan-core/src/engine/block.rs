//! Blocks named by a plural credential word: `tokens { agent = "..." }` (Consul's HCL),
//! `passwords:` then `  admin: ...` (YAML), `"secrets": { "stripe": "..." }` (JSON), or a
//! `[credentials]` section. Each member's own key names whose credential it is (`agent`,
//! `admin`, `stripe`) and holds no credential word, so only the block's name says that the
//! values are secrets; the assignment engine reads each member as an assignment whose head
//! word is the block name's singular.

use std::ops::Range;

use super::assign::{is_name_byte, line_end};
use super::words::Words;

/// Members read per block, at most.
const MAX_MEMBERS: usize = 64;

/// Longest line of a block's name read.
const MAX_LINE: usize = 120;

/// Longest member name read.
const MAX_NAME: usize = 48;

/// Plural block names and the head words they imply for each member.
const PLURALS: &[(&[u8], &[&[u8]])] = &[
    (b"tokens", &[b"token"]),
    (b"passwords", &[b"password"]),
    (b"passwds", &[b"password"]),
    (b"pwds", &[b"password"]),
    (b"secrets", &[b"secret"]),
    (b"credentials", &[b"credential"]),
    (b"creds", &[b"credential"]),
];

/// Member names that say the value is something other than the credential (an identity, an
/// address, a setting); those values stay unreported even inside the block.
const NOT_SECRET: &[&[u8]] = &[
    b"user",
    b"username",
    b"login",
    b"name",
    b"email",
    b"mail",
    b"host",
    b"hostname",
    b"url",
    b"uri",
    b"endpoint",
    b"server",
    b"region",
    b"id",
    b"accessor",
    b"type",
    b"kind",
    b"path",
    b"file",
    b"dir",
    b"enabled",
    b"enable",
    b"disabled",
    b"ttl",
    b"expiry",
    b"expires",
    b"expiration",
    b"scope",
    b"scopes",
    b"policy",
    b"policies",
    b"role",
    b"description",
    b"provider",
    b"source",
    b"format",
    b"version",
    b"mode",
    b"store",
    b"backend",
    b"ref",
    b"namespace",
    // Identifiers that sit beside secrets (`twilio_account_sid`, `tenant`, `project`).
    b"sid",
    b"account",
    b"tenant",
    b"project",
    b"bucket",
    b"domain",
    b"owner",
    b"channel",
    b"port",
    b"level",
    b"timeout",
];

/// Words of a member's name that make its value an identifier or a digest of something else
/// (`kobo-asset-uid`, `form-xml-hash`, `FirmwareChecksum`), in a credential block or table.
pub(super) fn names_a_thing(w: &[u8]) -> bool {
    matches!(
        w,
        b"uid" | b"uuid" | b"guid" | b"ocid" | b"hash" | b"checksum" | b"digest" | b"fingerprint"
    )
}

/// A plural credential block whose name holds `hit`: the head words it implies and the name
/// ranges of its direct members (each followed by its own operator and value).
pub(crate) struct Block {
    /// The singular head word(s) each member's value is reported under.
    pub implied: &'static [&'static [u8]],
    /// Each member's key (without quotes).
    pub members: Vec<Range<usize>>,
}

/// The block opened by the name around `hit`, when that name's last word is a plural
/// credential word and the line ends by opening a block (`{`, `= {`, `:` with nothing after
/// it) or is a `[section]` header.
pub(crate) fn find(hay: &[u8], hit: Range<usize>, words: &mut Words) -> Option<Block> {
    // Cheap first (this runs for every trigger hit that is no assignment): the name must end
    // in `s` and be followed, after a quote and blanks, by a block opener and the line's end.
    let lim = (hit.end + 64).min(hay.len());
    let mut e = hit.end;
    while e < lim && is_name_byte(hay[e]) {
        e += 1;
    }
    if e == hit.start || !hay[e - 1].eq_ignore_ascii_case(&b's') {
        return None;
    }
    let mut q = e;
    while q < lim
        && matches!(
            hay[q],
            b'"' | b'\'' | b' ' | b'\t' | b':' | b'=' | b'{' | b']'
        )
    {
        q += 1;
    }
    if q == e || !matches!(hay.get(q), None | Some(b'\n' | b'\r')) {
        return None;
    }
    let floor = hit.start.saturating_sub(MAX_LINE);
    let ls = match memchr::memrchr(b'\n', &hay[floor..hit.start]) {
        Some(i) => floor + i + 1,
        None if floor == 0 => 0,
        None => return None,
    };
    let le = q;
    let line = &hay[ls..le];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.trim_ascii().is_empty() {
        return None;
    }
    // The name: the identifier around the hit.
    let mut s = hit.start;
    while s > ls && is_name_byte(hay[s - 1]) {
        s -= 1;
    }
    let before = hay[ls..s].trim_ascii();
    // The operator bytes after the name, quotes and blanks left out.
    let mut ops = [0u8; 4];
    let mut n = 0;
    for &b in &hay[e..q] {
        if !b" \t\"'".contains(&b) {
            *ops.get_mut(n)? = b;
            n += 1;
        }
    }
    let after = &ops[..n];
    let section = before == b"[" && after == b"]";
    // Before the name only a list dash or the braces and commas of a JSON object's line.
    let lead = before
        .strip_suffix(b"\"")
        .or_else(|| before.strip_suffix(b"'"))
        .unwrap_or(before)
        .trim_ascii();
    let lead_ok = lead.iter().all(|b| matches!(b, b'{' | b',' | b'-' | b' '));
    let opens = matches!(after, b"{" | b":" | b":{" | b"={") && lead_ok;
    if !(section || opens) {
        return None;
    }
    // The last word of a dotted section path (`[acl.tokens]`) or of the name.
    let name = &hay[s..e];
    let last = name.rsplit(|b| *b == b'.').next().unwrap_or(name);
    if !words.split(last) {
        return None;
    }
    let n = words.meaningful_end();
    if n == 0 {
        return None;
    }
    let head = words.get(n - 1);
    let implied = PLURALS.iter().find(|(p, _)| *p == head)?.1;
    let mut members = Vec::new();
    let indent = line.len() - line.trim_ascii_start().len();
    let mut child_indent = None;
    let mut p = le + 1;
    while p < hay.len() && members.len() < MAX_MEMBERS {
        let ce = line_end(hay, p);
        let l = &hay[p..ce];
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let lt = l.trim_ascii_start();
        let start = p;
        p = ce + 1;
        if lt.is_empty() || lt.starts_with(b"#") || lt.starts_with(b"//") {
            continue;
        }
        let ind = l.len() - lt.len();
        if section {
            if lt.starts_with(b"[") {
                break;
            }
        } else {
            if ind <= indent || lt.starts_with(b"}") {
                break;
            }
            match child_indent {
                None => child_indent = Some(ind),
                Some(c) if ind < c => break,
                Some(c) if ind > c => continue,
                Some(_) => {}
            }
        }
        if let Some(m) = member_name(lt, start + ind, words) {
            members.push(m);
        }
    }
    (!members.is_empty()).then_some(Block { implied, members })
}

/// The key of a member line (`agent = "..."`, `"stripe": "..."`, `admin: ...`), when it is a
/// plain name with no credential word (those lines are read by their own trigger) and no word
/// that makes its value something other than a secret.
fn member_name(line: &[u8], at: usize, words: &mut Words) -> Option<Range<usize>> {
    let q = usize::from(matches!(line.first(), Some(b'"' | b'\'')));
    let len = line[q..]
        .iter()
        .take(MAX_NAME + 1)
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))?;
    if len == 0 || len > MAX_NAME {
        return None;
    }
    let name = &line[q..q + len];
    let rest = line[q + len..].trim_ascii_start();
    let rest = if q == 1 {
        rest.strip_prefix(&line[..1])?.trim_ascii_start()
    } else {
        rest
    };
    if !matches!(rest.first(), Some(b'=' | b':')) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if super::assign::TRIGGERS
        .iter()
        .any(|t| memchr::memmem::find(&lower, t.as_bytes()).is_some())
    {
        return None;
    }
    if !words.split(name) {
        return None;
    }
    if (0..words.len()).any(|i| NOT_SECRET.contains(&words.get(i)) || names_a_thing(words.get(i))) {
        return None;
    }
    // Identifying names written run together (SAP's service key: `clientid`, `tenantid`,
    // `xsappname`, `identityzone`); a provider's name ending so (`plaid`) stays a member.
    const RUN_TOGETHER: &[&[u8]] = &[
        b"clientid",
        b"tenantid",
        b"appid",
        b"userid",
        b"accountid",
        b"projectid",
        b"subscriptionid",
        b"keyid",
        b"orgid",
        b"appname",
        b"xsappname",
        b"identityzone",
        b"uaadomain",
        b"hostname",
        b"username",
    ];
    if RUN_TOGETHER.contains(&lower.as_slice()) {
        return None;
    }
    Some(at + q..at + q + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str, word: &str) -> Vec<String> {
        let at = text.find(word).unwrap();
        let mut w = Words::default();
        find(text.as_bytes(), at..at + word.len(), &mut w)
            .map(|b| {
                b.members
                    .iter()
                    .map(|r| text[r.clone()].to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn members_of_plural_credential_blocks() {
        let hcl =
            "acl {\n  tokens {\n    initial_management = \"a\"\n    agent = \"b\"\n  }\n}\nx = 1\n";
        assert_eq!(members(hcl, "tokens"), ["initial_management", "agent"]);
        let yaml = "passwords:\n  admin: x\n  reader:\n    nested: y\n  username: z\nother: 1\n";
        assert_eq!(members(yaml, "passwords"), ["admin", "reader"]);
        let json = "{\"apiTokens\": {\n  \"stripe\": \"a\",\n  \"db_password\": \"b\"\n}}\n";
        assert_eq!(members(json, "Tokens"), ["stripe"]);
        let toml = "[acl.tokens]\nagent = \"a\"\n[other]\nb = 1\n";
        assert_eq!(members(toml, "tokens"), ["agent"]);
    }

    #[test]
    fn no_block_without_an_opener_or_a_plural() {
        assert!(members("tokens = [\"a\"]\n  agent = \"b\"\n", "tokens").is_empty());
        assert!(members("token {\n  agent = \"b\"\n}\n", "token").is_empty());
        assert!(members("use_tokens: true\n  agent: b\n", "tokens").is_empty());
        assert!(members("if (tokens) {\n  agent = b\n}\n", "tokens").is_empty());
    }
}
