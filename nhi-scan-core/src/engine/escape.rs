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
//! string is unescaped so that URL-shaped credentials (webhooks, URIs with passwords) match.

use std::ops::Range;

/// Gate keyword: the end of a JSON string that holds a line and is followed by another
/// (`"...\n",`), as in a notebook's `source` and `text` arrays.
pub(crate) const KEYWORDS: &[&str] = &["\\n\",", URL_ESCAPED];

/// Gate keyword: a URL scheme separator with escaped slashes.
const URL_ESCAPED: &str = ":\\/\\/";

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
    if hay[hit..].starts_with(URL_ESCAPED.as_bytes()) {
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
    let mut strings: Vec<Range<usize>> = Vec::with_capacity(8);
    strings.push(open..close);
    let mut first = open;
    while let Some(prev) = previous_element(hay, first) {
        if close - prev.start > MAX_SPAN {
            break;
        }
        first = prev.start;
        strings.push(prev);
    }
    strings.reverse();
    let mut last = close;
    while let Some(next) = next_element(hay, last) {
        if next.end - first > MAX_SPAN {
            break;
        }
        last = next.end;
        strings.push(next);
    }
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
    fn strings_that_are_not_array_elements_are_left_alone() {
        let hay = br#"printf("line\n", x); y = ["a\n", z]"#;
        let s = String::from_utf8_lossy(hay).to_string();
        let mut u = Unescaped::default();
        for (i, _) in s.match_indices("\\n\"") {
            assert!(unescape_around(hay, i, &mut u).is_none(), "{i}");
        }
    }
}
