//! Percent-encoding (RFC 3986 section 2.1), written once for every part of the crate that builds
//! URLs: validators (paths, queries, form bodies, SigV4's canonical URI) and the registry client
//! (token-service queries). Which bytes stay literal depends on where the value goes, so the
//! caller names the set; anything outside it becomes `%XX` (upper-case hex, as SigV4 requires).
//! SARIF's `file://` URIs use it too, so it is always compiled; a build without the validation
//! or image features leaves some sets unused.

#![cfg_attr(not(all(feature = "validate", feature = "image")), allow(dead_code))]

/// RFC 3986 `unreserved`: `ALPHA / DIGIT / "-" / "." / "_" / "~"`. Everything else encoded:
/// the safe choice for a query value or any single URL component, and AWS's `UriEncode`.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `pchar` plus `/`: what may stay literal in a path (so a value can hold `/`, but
/// never `?` or `#`, which would start a query or fragment).
pub(crate) fn is_path_char(b: u8) -> bool {
    is_unreserved(b) || b"!$&'()*+,;=:@/".contains(&b)
}

/// `application/x-www-form-urlencoded` (WHATWG URL standard): alphanumerics and `*-._` stay,
/// everything else is encoded (a space as `%20`, which every form parser accepts).
pub(crate) fn is_form_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

/// `value` with every byte for which `keep` is false percent-encoded.
pub(crate) fn percent_encode(value: &str, keep: impl Fn(u8) -> bool) -> String {
    percent_encode_bytes(value.as_bytes(), keep)
}

/// Bytes (a path that need not be UTF-8) with every byte for which `keep` is false
/// percent-encoded.
pub(crate) fn percent_encode_bytes(value: &[u8], keep: impl Fn(u8) -> bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

/// A single URL component (a query value, a path segment that must not add segments):
/// everything but `unreserved` encoded.
pub(crate) fn component(value: &str) -> String {
    percent_encode(value, is_unreserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_keep_what_their_place_allows() {
        assert_eq!(component("a b/c~é"), "a%20b%2Fc~%C3%A9");
        assert_eq!(percent_encode("/a b?c#d", is_path_char), "/a%20b%3Fc%23d");
        assert_eq!(percent_encode("a&b=c*", is_form_char), "a%26b%3Dc*");
        assert_eq!(component(""), "");
        assert_eq!(
            percent_encode_bytes(b"/a b/\xff", |b| is_unreserved(b) || b == b'/'),
            "/a%20b/%FF"
        );
    }
}
