//! Escaped text: credentials that only take their shape once a JSON string is unescaped. A
//! notebook cell stores a private key as one JSON string per line (`"-----BEGIN ...\n",`), a log
//! line carries a `.netrc` or an `.env` as one string with `\n` escapes, a JSON document holds
//! another JSON document as a string. Rules that span lines (PEM blocks, `.netrc`, service-account
//! JSON) cannot match the escaped form, so the string (or the whole array of strings) is unescaped
//! and scanned again, and each match is mapped back to the bytes it came from, so its line and
//! column are where it is written.
//!
//! Gated like everything else: only an escaped newline that ends an array element (`\n",`)
//! starts it, and each array is unescaped once; or a URL whose slashes are escaped
//! (`https:\/\/hooks.example.com\/...`, as PHP's `json_encode` writes every URL), whose one
//! string is unescaped so that URL-shaped credentials (webhooks, URIs with passwords) match; or
//! a key of a JSON document inside a JSON string (`{"msg":"{\"primaryKey\": \"...\"}"}`).

use std::ops::Range;

/// Gate keyword: the end of a JSON string that holds a line and is followed by another
/// (`"...\n",`), as in a notebook's `source` and `text` arrays.
const KEYWORDS: &[&str] = &[
    "\\n\",",
    URL_ESCAPED,
    PROPERTIES_ESCAPED,
    PEM_LINE,
    ANSI_C[0],
    ANSI_C[1],
    JSON_IN_JSON[0],
    JSON_IN_JSON[1],
];

/// Gate keywords: a key of a JSON document written inside a JSON string, its quotes escaped
/// (`{"msg":"{\"primaryKey\": \"...\"}"}` in a structured log, `\u0022password\u0022:` as
/// some encoders write a quote): the string is unescaped once so that rules written for JSON
/// (`"primaryKey": "..."`) match the inner document.
const JSON_IN_JSON: [&str; 2] = ["\\\":", "\\u0022:"];

/// Gate keywords: bash's ANSI-C quoting, `$'https://host\ndapi...'`, as a here-string answers
/// two prompts at once (`databricks configure --token <<< $'URL\nTOKEN'`) or a variable holds
/// several lines (`CREDS=$'user\npassword'`): a token only starts a word once its `\n` is a line
/// break.
const ANSI_C: [&str; 2] = ["<<< $'", "=$'"];

/// Gate keywords: `<`, `>` and `&` as Go's `encoding/json` writes them by default
/// (`"dsn":"postgres://u:River\u003c7F@db/x"` in a zap or logrus JSON log), whose string is
/// unescaped so that a password holding one of them is seen as written.
const HTML_SAFE: [&str; 3] = ["\\u003c", "\\u003e", "\\u0026"];

/// Every gate keyword of the escaped-text pass: [`KEYWORDS`], [`HTML_SAFE`] and an escaped slash followed by
/// each base64 character ([`SLASH_ESCAPED`]; the gate needs three bytes and folds case).
pub(crate) fn keywords() -> impl Iterator<Item = Vec<u8>> {
    let slashes = (b'a'..=b'z').chain(b'0'..=b'9').chain([b'+']).map(|c| {
        let mut k = SLASH_ESCAPED.as_bytes().to_vec();
        k.push(c);
        k
    });
    KEYWORDS
        .iter()
        .chain(&HTML_SAFE)
        .map(|k| k.as_bytes().to_vec())
        .chain(slashes)
}

/// Gate keyword: an escaped slash, as JSON writers that escape every `/` (PHP's
/// `json_encode`, Slack's exports) write one inside a base64 key (`KUtF+KLRDHRV\/7SOYa8...`, an
/// AWS secret key pasted in a chat message). Only a slash inside a long mixed-case run of
/// base64 characters unescapes its string; paths (`\/var\/lib`) and `<\/script>` do not.
const SLASH_ESCAPED: &str = "\\/";

/// Gate keyword: a PEM armor line ending inside a string literal (`"-----BEGIN ... KEY-----\n"`),
/// as source code writes a key one string per line, joined by `+` (Java, Go, C#, JavaScript),
/// `.` (PHP), `&` (VB), `..` (Lua) or nothing (C, Python inside parentheses).
const PEM_LINE: &str = "-----\\n\"";

/// Gate keyword: a URL scheme separator with escaped slashes.
const URL_ESCAPED: &str = ":\\/\\/";

/// Gate keyword: a URL scheme separator as `java.util.Properties.store` writes it
/// (`jdbc\:mysql\://db\:3306/app?password\=...`): it escapes every `:` and `=` in a value, so
/// a connection string saved by a tool (Jenkins, IntelliJ, Spring Boot's tooling) only takes
/// its shape once the line is unescaped.
const PROPERTIES_ESCAPED: &str = "\\://";

/// Longest string or array unescaped at once.
const MAX_SPAN: usize = 256 * 1024;

/// Text unescaped from a region of the haystack, with each decoded byte's source offset.
#[derive(Default)]
pub(crate) struct Unescaped {
    /// The decoded text.
    pub text: Vec<u8>,
    /// `map[i]`: offset in the haystack where decoded byte `i` starts; one extra entry holds
    /// the end of the region.
    pub map: Vec<usize>,
}

impl Unescaped {
    /// The haystack range a decoded range came from.
    pub fn source(&self, r: Range<usize>) -> Range<usize> {
        let start = self.map[r.start.min(self.map.len() - 1)];
        let end = self.map[r.end.min(self.map.len() - 1)];
        start..end.max(start + 1)
    }
}

/// The array of JSON strings around an escaped newline at `hit`, unescaped into `out`. Returns
/// the region it covers, or `None` when `hit` does not end an element of such an array or the
/// array holds no line break worth rescanning.
pub(crate) fn unescape_around(hay: &[u8], hit: usize, out: &mut Unescaped) -> Option<Range<usize>> {
    out.text.clear();
    out.map.clear();
    if hay[hit..].starts_with(PROPERTIES_ESCAPED.as_bytes()) {
        let start = memchr::memrchr(b'\n', &hay[..hit]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &hay[hit..]).map_or(hay.len(), |i| hit + i);
        if end - start > MAX_SPAN {
            return None;
        }
        properties_unescape_into(hay, start..end, out);
        out.map.push(end);
        return (out.text.len() >= 16).then_some(start..end);
    }
    if let Some(k) = ANSI_C.iter().find(|k| hay[hit..].starts_with(k.as_bytes())) {
        let open = hit + k.len() - 1;
        let eol = memchr::memchr(b'\n', &hay[open..]).map_or(hay.len(), |i| open + i);
        let mut close = None;
        let mut i = open + 1;
        while i < eol {
            match hay[i] {
                b'\\' => i += 2,
                b'\'' => {
                    close = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let close = close?;
        if unescape_into(hay, open + 1..close, out) == 0 {
            return None;
        }
        out.map.push(close);
        return Some(open..close + 1);
    }
    if hay[hit..].starts_with(PEM_LINE.as_bytes()) {
        let open = string_start(hay, hit)?;
        let close = hit + PEM_LINE.len();
        let (strings, first, last) = neighbours(hay, open..close, joined_before, joined_after);
        if strings.len() < 3 {
            return None;
        }
        for s in &strings {
            unescape_into(hay, s.start + 1..s.end - 1, out);
        }
        out.map.push(last);
        return memchr::memmem::find(&out.text, b"-----BEGIN ").map(|_| first..last);
    }
    if hay[hit..].starts_with(SLASH_ESCAPED.as_bytes()) && !hay[hit..].starts_with(b"\\/\\/") {
        if !in_base64_run(hay, hit) {
            return None;
        }
        let open = string_start(hay, hit)?;
        let close = string_end(hay, hit)?;
        unescape_into(hay, open + 1..close - 1, out);
        out.map.push(close);
        return Some(open..close);
    }
    // The gate folds case: `\u003C`, `\u0022` as well.
    let at = |keys: &[&str]| {
        keys.iter().any(|k| {
            hay.len() >= hit + k.len() && hay[hit..hit + k.len()].eq_ignore_ascii_case(k.as_bytes())
        })
    };
    if hay[hit..].starts_with(URL_ESCAPED.as_bytes()) || at(&HTML_SAFE) || at(&JSON_IN_JSON) {
        let open = string_start(hay, hit)?;
        let close = string_end(hay, hit)?;
        unescape_into(hay, open + 1..close - 1, out);
        out.map.push(close);
        return (out.text.len() >= 16).then_some(open..close);
    }
    let close = string_end(hay, hit)?;
    // Only arrays of strings: a single string's escaped line breaks are matched by the rules
    // that span lines (PEM blocks accept `\n`), and code is full of `"...\n", x` calls.
    next_element(hay, close)?;
    let open = string_start(hay, hit)?;
    // Extend to the whole array when the string is one element of it.
    let (strings, first, last) = neighbours(hay, open..close, previous_element, next_element);
    let mut newlines = 0;
    for s in &strings {
        newlines += unescape_into(hay, s.start + 1..s.end - 1, out);
    }
    out.map.push(last);
    // Worth a rescan only when unescaping made lines, or exposed escaped line breaks of a string
    // nested one level deeper (JSON in JSON).
    if out.text.len() < 16 || (newlines == 0 && memchr::memmem::find(&out.text, b"\\n").is_none()) {
        return None;
    }
    Some(first..last)
}

type Step = fn(&[u8], usize) -> Option<Range<usize>>;

/// The strings around `string` that `before` and `after` step to (array elements, joined
/// literals), in order, within [`MAX_SPAN`]; with the region's start and end.
fn neighbours(
    hay: &[u8],
    string: Range<usize>,
    before: Step,
    after: Step,
) -> (Vec<Range<usize>>, usize, usize) {
    let (mut first, mut last) = (string.start, string.end);
    let mut strings = vec![string];
    while let Some(prev) = before(hay, first) {
        if last - prev.start > MAX_SPAN {
            break;
        }
        first = prev.start;
        strings.push(prev);
    }
    strings.reverse();
    while let Some(next) = after(hay, last) {
        if next.end - first > MAX_SPAN {
            break;
        }
        last = next.end;
        strings.push(next);
    }
    (strings, first, last)
}

/// The closing quote (exclusive end) of the string an escape at `hit` sits in.
fn string_end(hay: &[u8], hit: usize) -> Option<usize> {
    let lim = (hit + MAX_SPAN).min(hay.len());
    let mut i = hit;
    while i < lim {
        match hay[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

/// The opening quote of the string `hit` sits in: the nearest quote before it that is not
/// escaped (preceded by an even number of backslashes), on the same line.
fn string_start(hay: &[u8], hit: usize) -> Option<usize> {
    let floor = hit.saturating_sub(MAX_SPAN);
    let mut i = hit;
    while i > floor {
        i -= 1;
        match hay[i] {
            b'\n' => return None,
            b'"' => {
                let slashes = hay[..i].iter().rev().take_while(|b| **b == b'\\').count();
                if slashes % 2 == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The array element (a JSON string) before the string opening at `open`, if `open` follows
/// `, ` in an array.
fn previous_element(hay: &[u8], open: usize) -> Option<Range<usize>> {
    let mut i = open;
    while i > 0 && hay[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if i == 0 || hay[i - 1] != b',' {
        return None;
    }
    i -= 1;
    while i > 0 && hay[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if i == 0 || hay[i - 1] != b'"' {
        return None;
    }
    let end = i;
    let start = string_start(hay, end - 1)?;
    Some(start..end)
}

/// The array element after the string ending at `end`, if `,` and a string follow.
fn next_element(hay: &[u8], end: usize) -> Option<Range<usize>> {
    let mut i = end;
    while i < hay.len() && hay[i].is_ascii_whitespace() {
        i += 1;
    }
    if hay.get(i) != Some(&b',') {
        return None;
    }
    i += 1;
    while i < hay.len() && hay[i].is_ascii_whitespace() {
        i += 1;
    }
    if hay.get(i) != Some(&b'"') {
        return None;
    }
    let close = string_end(hay, i + 1)?;
    Some(i..close)
}

/// Whether the escaped slash at `hit` sits inside a run of base64 characters (and other escaped
/// slashes) of at least 24 characters holding upper case, lower case and digits.
fn in_base64_run(hay: &[u8], hit: usize) -> bool {
    let b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+';
    let mut start = hit;
    while start > 0 && start + 64 > hit {
        if b64(hay[start - 1]) {
            start -= 1;
        } else if start >= 2 && hay[start - 1] == b'/' && hay[start - 2] == b'\\' {
            start -= 2;
        } else {
            break;
        }
    }
    let mut end = hit + 2;
    while end < hay.len() && end < hit + 64 {
        if b64(hay[end]) {
            end += 1;
        } else if hay[end..].starts_with(b"\\/") {
            end += 2;
        } else {
            break;
        }
    }
    let run = &hay[start..end];
    let slashes = run.iter().filter(|b| **b == b'\\').count();
    run.len() - slashes >= 24
        && run.iter().any(u8::is_ascii_uppercase)
        && run.iter().any(u8::is_ascii_lowercase)
        && run.iter().any(u8::is_ascii_digit)
}

/// The string literal joined to the one opening at `open` from before it: blanks, at most one
/// concatenation operator (`+`, `.`, `..`, `&`, VB's `& _`), blanks, and a closing quote.
fn joined_before(hay: &[u8], open: usize) -> Option<Range<usize>> {
    let skip = |mut i: usize| {
        while i > 0 && hay[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    let mut i = skip(open);
    for op in [&b"& _"[..], b"..", b"+", b".", b"&", b"_"] {
        if hay[..i].ends_with(op) {
            i = skip(i - op.len());
            break;
        }
    }
    if i == 0 || hay[i - 1] != b'"' || i == open {
        return None;
    }
    let start = string_start(hay, i - 1)?;
    Some(start..i)
}

/// The string literal joined to the one ending at `end` (same joins as [`joined_before`]).
fn joined_after(hay: &[u8], end: usize) -> Option<Range<usize>> {
    let skip = |mut i: usize| {
        while i < hay.len() && hay[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip(end);
    for op in [&b"& _"[..], b"..", b"+", b".", b"&"] {
        if hay[i..].starts_with(op) {
            i = skip(i + op.len());
            break;
        }
    }
    if hay.get(i) != Some(&b'"') || i == end {
        return None;
    }
    let close = string_end(hay, i + 1)?;
    Some(i..close)
}

/// Appends the JSON-unescaped bytes of `hay[r]` to `out`; returns how many line breaks the
/// escapes produced.
fn unescape_into(hay: &[u8], r: Range<usize>, out: &mut Unescaped) -> usize {
    let mut newlines = 0;
    let mut i = r.start;
    while i < r.end {
        let b = hay[i];
        if b != b'\\' || i + 1 >= r.end {
            out.text.push(b);
            out.map.push(i);
            i += 1;
            continue;
        }
        let e = hay[i + 1];
        let (decoded, len): (&[u8], usize) = match e {
            b'n' => {
                newlines += 1;
                (b"\n", 2)
            }
            b'r' => (b"\r", 2),
            b't' => (b"\t", 2),
            b'"' => (b"\"", 2),
            b'\\' => (b"\\", 2),
            b'/' => (b"/", 2),
            b'\'' => (b"'", 2),
            b'u' if i + 6 <= r.end => {
                let code = std::str::from_utf8(&hay[i + 2..i + 6])
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                match code {
                    Some(c) => {
                        let mut buf = [0u8; 4];
                        let s = c.encode_utf8(&mut buf);
                        for &x in s.as_bytes() {
                            out.text.push(x);
                            out.map.push(i);
                        }
                        i += 6;
                        continue;
                    }
                    None => (&hay[i..i + 2], 2),
                }
            }
            _ => (&hay[i..i + 2], 2),
        };
        for &x in decoded {
            out.text.push(x);
            out.map.push(i);
        }
        i += len;
    }
    newlines
}

/// Appends the bytes of a Java properties line to `out` with its separator escapes undone
/// (`\\:`, `\\=`, `\\#`, `\\!`, `\\ `, `\\\\`); other escapes stay as written.
fn properties_unescape_into(hay: &[u8], r: Range<usize>, out: &mut Unescaped) {
    let mut i = r.start;
    while i < r.end {
        let escaped = hay[i] == b'\\'
            && i + 1 < r.end
            && matches!(hay[i + 1], b':' | b'=' | b'#' | b'!' | b' ' | b'\\');
        let len = if escaped { 2 } else { 1 };
        out.text.push(hay[i + len - 1]);
        out.map.push(i);
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_arrays_are_joined_and_mapped_back() {
        let hay = b"{\"source\": [\n  \"line one\\n\",\n  \"machine h\\n\",\n  \"password x\\\"y\\n\"\n]}";
        let s = String::from_utf8_lossy(hay).to_string();
        let hit = s.find("h\\n").unwrap() + 1;
        let mut u = Unescaped::default();
        let region = unescape_around(hay, hit, &mut u).unwrap();
        assert_eq!(u.text, b"line one\nmachine h\npassword x\"y\n");
        assert_eq!(&hay[region.start..region.start + 1], b"\"");
        let at = u.text.iter().position(|b| *b == b'p').unwrap();
        let src = u.source(at..at + 8);
        assert_eq!(&hay[src], b"password");
    }

    #[test]
    fn urls_with_escaped_slashes_are_unescaped_in_their_string() {
        let hay = br#"payload={"url":"https:\/\/hooks.example.com\/a\/b","on":true}"#;
        let s = String::from_utf8_lossy(hay).to_string();
        let hit = s.find(":\\/").unwrap();
        let mut u = Unescaped::default();
        let region = unescape_around(hay, hit, &mut u).unwrap();
        assert_eq!(u.text, b"https://hooks.example.com/a/b");
        assert_eq!(&hay[region.start..region.start + 1], b"\"");
        let at = u.text.iter().position(|b| *b == b'a').unwrap();
        assert_eq!(&hay[u.source(at..at + 1)], b"a");
    }

    #[test]
    fn properties_lines_are_unescaped_whole() {
        let hay = b"a=1\ndb.url=jdbc\\:mysql\\://db\\:3306/app?password\\=Tq\\!9\nb=2";
        let s = String::from_utf8_lossy(hay).to_string();
        let hit = s.find("\\://").unwrap();
        let mut u = Unescaped::default();
        let region = unescape_around(hay, hit, &mut u).unwrap();
        assert_eq!(u.text, b"db.url=jdbc:mysql://db:3306/app?password=Tq!9");
        assert_eq!(&hay[region], &hay[4..s.find("\nb=").unwrap()]);
        let at = u.text.iter().position(|b| *b == b'T').unwrap();
        assert_eq!(&hay[u.source(at..at + 2)], b"Tq");
    }

    #[test]
    fn pem_blocks_written_as_joined_literals_are_joined() {
        for (hay, begin) in [
            (
                &b"k := \"\" +\n\t\"-----BEGIN X KEY-----\\n\" +\n\t\"QUJD\\n\" +\n\t\"-----END X KEY-----\\n\"\n"[..],
                9,
            ),
            (
                b"String k = \"-----BEGIN X KEY-----\\n\"\n    + \"QUJD\\n\"\n    + \"-----END X KEY-----\";",
                11,
            ),
            (b"K = (\n  \"-----BEGIN X KEY-----\\n\"\n  \"QUJD\\n\"\n  \"-----END X KEY-----\\n\"\n)", 8),
        ] {
            let s = String::from_utf8_lossy(hay).to_string();
            let hit = s.find("-----\\n").unwrap();
            let mut u = Unescaped::default();
            let region = unescape_around(hay, hit, &mut u).unwrap();
            let text = String::from_utf8_lossy(&u.text).to_string();
            assert!(text.contains("-----BEGIN X KEY-----\nQUJD\n-----END X KEY-----"), "{text}");
            assert!(region.start <= begin, "{s}");
            let at = text.find("QUJD").unwrap();
            assert_eq!(&hay[u.source(at..at + 4)], b"QUJD");
        }
        // One string alone is matched by the PEM rules themselves.
        let hay = b"k = \"-----BEGIN X KEY-----\\nQUJD\\n-----END X KEY-----\\n\";";
        let hit = String::from_utf8_lossy(hay).find("-----\\n").unwrap();
        assert!(unescape_around(hay, hit, &mut Unescaped::default()).is_none());
    }

    #[test]
    fn escaped_slashes_inside_base64_runs_unescape_their_string() {
        let hay = br#"{"text": "aws key: AKIA2ZW66VFWPUUXJRF4 \/ KUtF+KLRDHRVKWjT\/7SOYa8malXE3uOpGnaw3W2d"}"#;
        let s = String::from_utf8_lossy(hay).to_string();
        let hit = s.find("T\\/7").unwrap() + 1;
        let mut u = Unescaped::default();
        assert!(unescape_around(hay, hit, &mut u).is_some());
        assert!(
            String::from_utf8_lossy(&u.text).contains("KUtF+KLRDHRVKWjT/7SOYa8malXE3uOpGnaw3W2d")
        );
        // Paths and closing tags are no base64 runs.
        for hay in [
            &br#"{"p": "\/var\/lib\/docker\/overlay2\/abc"}"#[..],
            br#"{"h": "<\/script>"}"#,
        ] {
            let s = String::from_utf8_lossy(hay).to_string();
            for (i, _) in s.match_indices("\\/") {
                assert!(unescape_around(hay, i, &mut u).is_none(), "{s}");
            }
        }
    }

    #[test]
    fn go_html_safe_escapes_unescape_their_string() {
        let hay = br#"{"msg":"connecting","dsn":"postgres://u:River\u003c7Fk\u002680@db:5432/x"}"#;
        let s = String::from_utf8_lossy(hay).to_string();
        let hit = s.find("\\u003c").unwrap();
        let mut u = Unescaped::default();
        assert!(unescape_around(hay, hit, &mut u).is_some());
        assert_eq!(u.text, b"postgres://u:River<7Fk&80@db:5432/x");
    }

    #[test]
    fn strings_that_are_not_array_elements_are_left_alone() {
        let hay = br#"printf("line\n", x); y = ["a\n", z]"#;
        let s = String::from_utf8_lossy(hay).to_string();
        let mut u = Unescaped::default();
        for (i, _) in s.match_indices("\\n\"") {
            assert!(unescape_around(hay, i, &mut u).is_none(), "{i}");
        }
    }
}
