//! Encoded runs anywhere: a base64 (standard or URL-safe, padded or not) or hex run long enough
//! to hold a credential is decoded, and when the decoded bytes are text they are scanned one level
//! deeper; only what that scan finds is reported (at the encoded run). This covers what no
//! keyword announces: a service-account JSON in a CI variable, a PEM key in a Helm value, a token
//! in a test fixture, a `.npmrc` passed as a build argument.
//!
//! Cost is what matters here, since every byte of every file is looked at: one table-driven
//! pass finds runs of the base64 alphabet; a run is decoded only if its first 12 bytes decode to
//! printable text (random or binary data fails that test at once: a base64 image, a digest, a long
//! identifier), and the total decoded per haystack is bounded by its size.

use std::ops::Range;

use base64::Engine as _;

use super::decode::Encoding;

/// Shortest run considered: 30 bytes of base64-encoded text, enough for a prefixed token, a
/// `user:token` pair, a URI with a password or any larger document. Shorter encoded values are
/// the keyword-gated decoders' business (`Basic`, `"auth"`, Kubernetes `data:`). Measured on
/// 422 MB of crate sources: 1.65 million runs of 20+ alphabet bytes (long identifiers), but only
/// 215 thousand of 40+, which is what keeps this pass cheap.
pub(crate) const MIN_BASE64: usize = 40;
/// Shortest hex run considered: 20 bytes of text.
pub(crate) const MIN_HEX: usize = 40;
/// Longest run decoded (a source map or an embedded bundle is larger; its text is scanned
/// directly anyway).
const MAX_RUN: usize = 4 << 20;

const B64: u8 = 1;
const URL: u8 = 2;
const STD: u8 = 4;
const HEX: u8 = 8;

/// Byte classes: base64 core alphabet, URL-safe extras (`-_`), standard extras (`+/`), hex.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = B64;
            if c.is_ascii_hexdigit() {
                t[b] |= HEX;
            }
        } else if c == b'-' || c == b'_' {
            t[b] = URL;
        } else if c == b'+' || c == b'/' {
            t[b] = STD;
        }
        b += 1;
    }
    t
};

/// One candidate run.
pub(crate) struct Run {
    pub range: Range<usize>,
    pub encoding: Encoding,
}

/// Appends the runs of `hay` worth decoding to `out`.
///
/// A skip search rather than a byte-by-byte walk: a run of at least [`MIN_BASE64`] bytes that
/// starts at or after `i` must contain byte `i + MIN_BASE64 - 1`, so when that byte is outside
/// the alphabet every start up to it is ruled out at once; when it is inside, a short walk back
/// finds where its run begins. On source code this looks at a small fraction of the bytes.
pub(crate) fn runs(hay: &[u8], out: &mut Vec<Run>) {
    let first = out.len();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU reports AVX2.
        let from = unsafe { runs_avx2(hay, out) };
        runs_scalar(hay, from, out);
        join_wrapped(hay, first, out);
        return;
    }
    runs_scalar(hay, 0, out);
    join_wrapped(hay, first, out);
}

/// Most lines one wrapped base64 document may have (a MIME attachment of 4 MB).
const MAX_WRAPPED_LINES: usize = 60_000;

/// Joins base64 runs that are the lines of one wrapped document: a MIME body, an armored block
/// (`-----BEGIN ARGO TUNNEL TOKEN-----`), `base64` output, each line the same width (a multiple
/// of 4, so every line decodes on its own boundary) and the last one shorter. Decoded line by
/// line, a JSON document or a `.env` would fall apart at each line break; joined, it is the
/// text it was. Runs of `out[first..]` are replaced by the joined ones.
fn join_wrapped(hay: &[u8], first: usize, out: &mut Vec<Run>) {
    let nl = |p: usize| match hay.get(p) {
        Some(b'\n') => 1,
        Some(b'\r') if hay.get(p + 1) == Some(&b'\n') => 2,
        _ => 0,
    };
    let b64 = |b: u8| CLASS[b as usize] & (B64 | STD) != 0;
    let mut i = first;
    let mut w = first;
    while i < out.len() {
        let r = out[i].range.clone();
        let width = r.len();
        let mut end = r.end;
        let mut j = i + 1;
        if out[i].encoding == Encoding::Base64 && width % 4 == 0 && nl(end) > 0 {
            let mut lines = 1;
            loop {
                let k = nl(end);
                if k == 0 || lines >= MAX_WRAPPED_LINES {
                    break;
                }
                let next = end + k;
                if j < out.len()
                    && out[j].range.start == next
                    && out[j].range.len() == width
                    && out[j].encoding == Encoding::Base64
                {
                    end = out[j].range.end;
                    j += 1;
                    lines += 1;
                    continue;
                }
                // The last, shorter line (possibly too short to be a run of its own).
                let mut e = next;
                while e < hay.len() && e - next < width && b64(hay[e]) {
                    e += 1;
                }
                while e < hay.len() && e - next < width && hay[e] == b'=' {
                    e += 1;
                }
                // After one full line only when padded or base64-like (mixed case, 16 or
                // more): a lone run followed by a one-word line is no wrapped document.
                if e > next
                    && e - next < width
                    && (e == hay.len() || nl(e) > 0)
                    && (lines >= 2 || hay[e - 1] == b'=' || {
                        let l = &hay[next..e];
                        l.len() >= 16
                            && l.iter().any(u8::is_ascii_uppercase)
                            && l.iter().any(u8::is_ascii_lowercase)
                    })
                {
                    end = e;
                    if j < out.len() && out[j].range.start == next {
                        j += 1;
                    }
                }
                break;
            }
        }
        out[w] = Run {
            range: r.start..end,
            encoding: out[i].encoding,
        };
        w += 1;
        i = j;
    }
    out.truncate(w);
}

/// The portable skip search, from `from` (a position not inside a run already reported).
fn runs_scalar(hay: &[u8], from: usize, out: &mut Vec<Run>) {
    let n = hay.len();
    let inside = |b: u8| CLASS[b as usize] != 0;
    let mut i = from;
    while i + MIN_BASE64 <= n {
        let probe = i + MIN_BASE64 - 1;
        if !inside(hay[probe]) {
            i = probe + 1;
            continue;
        }
        let mut j = probe;
        while j > i && inside(hay[j - 1]) {
            j -= 1;
        }
        if j > i {
            // A byte outside the alphabet at j - 1: no long run starts before j.
            i = j;
            continue;
        }
        let start = i;
        let mut end = probe + 1;
        while end < n && inside(hay[end]) {
            end += 1;
        }
        i = end + 1;
        consider(hay, start..end, out);
    }
}

/// The same search, 32 bytes per step: one classification mask per chunk; the masks of this
/// chunk and the previous one form a 64-bit window, and a run of 32 one bits anywhere in it is
/// found with five shift-and steps. Windows advance by 32 and are 64 wide, so every run of 32
/// (and so every run of [`MIN_BASE64`]) lies wholly inside one of them; a run of 40 could
/// straddle two. Only then is the run walked byte by byte and its length checked.
/// Returns where the scalar search continues (past the last run reported).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn runs_avx2(hay: &[u8], out: &mut Vec<Run>) -> usize {
    use std::arch::x86_64::*;
    const _: () = assert!(MIN_BASE64 >= 32, "the shift steps below find runs of 32");
    let n = hay.len();
    let inside = |b: u8| CLASS[b as usize] != 0;
    // Nibble tables: the alphabet as (high nibble, low nibble) pairs. Each high nibble 2..7
    // gets one bit; the low-nibble table holds, for each low nibble, the bits of the high
    // nibbles it pairs with (`+-/` in row 2, digits in row 3, letters and `_` in rows 4 to 7).
    #[rustfmt::skip]
    let lo_tbl = _mm256_setr_epi8(
        0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3c, 0x15, 0x14, 0x15, 0x14, 0x1d,
        0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3c, 0x15, 0x14, 0x15, 0x14, 0x1d,
    );
    #[rustfmt::skip]
    let hi_tbl = _mm256_setr_epi8(
        0, 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    let nib = _mm256_set1_epi8(0x0f);
    let zero = _mm256_setzero_si256();
    let mut i = 0;
    // Mask of the 32 bytes before `i` (0 when they hold no run that may continue at `i`).
    let mut prev: u64 = 0;
    while i + 32 <= n {
        // SAFETY: i + 32 <= n, so the 32-byte unaligned load is in bounds.
        let m = unsafe {
            let v = _mm256_loadu_si256(hay.as_ptr().add(i) as *const __m256i);
            let lo = _mm256_shuffle_epi8(lo_tbl, _mm256_and_si256(v, nib));
            let hi = _mm256_shuffle_epi8(hi_tbl, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
            let outside = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), zero);
            !(_mm256_movemask_epi8(outside) as u32) as u64
        };
        let x = m << 32 | prev;
        let mut r = x & (x >> 1); // runs of 2
        r &= r >> 2; // 4
        r &= r >> 4; // 8
        r &= r >> 8; // 16
        r &= r >> 16; // 32
        if r == 0 {
            prev = m;
            i += 32;
            continue;
        }
        // Each run of 32 starts at a set bit `b` of `r` (the window starts 32 bytes before
        // `i`); the lowest is where its run starts unless it is the window's first byte. A run's
        // end is the first clear bit after `b`. Runs that end inside the window are handled
        // here, without reloading; one that goes on past the window is walked byte by byte and
        // the search restarts after it.
        let mut restart = None;
        while r != 0 {
            let b = r.trailing_zeros() as usize;
            let mut s = (i + b).saturating_sub(32);
            if b == 0 {
                while s > 0 && inside(hay[s - 1]) {
                    s -= 1;
                }
            }
            let ones = (!(x >> b)).trailing_zeros() as usize;
            let mut e = (i + b + ones).saturating_sub(32);
            if b + ones >= 64 {
                while e < n && inside(hay[e]) {
                    e += 1;
                }
            }
            if e - s >= MIN_BASE64 {
                consider(hay, s..e, out);
            }
            if b + ones >= 64 {
                restart = Some(e);
                break;
            }
            // Clear this run's bits (it ends at bit b + ones < 64).
            r &= !((1u64 << (b + ones)) - 1);
        }
        match restart {
            // Byte `e` is outside the alphabet: nothing before it can continue a run.
            Some(e) => {
                i = e + 1;
                prev = 0;
            }
            None => {
                prev = m;
                i += 32;
            }
        }
    }
    // The scalar search goes on from the start of a run still open here (shorter than 32 so
    // far, so never one already reported).
    while i > 0 && i <= n && inside(hay[i - 1]) {
        i -= 1;
    }
    i
}

/// Classifies one run of the alphabet and keeps it when it may decode to text. The cheap test
/// comes first (does the run's start decode to text?), so a long hex digest or a base64 image
/// costs a few dozen bytes, not its length.
fn consider(hay: &[u8], r: Range<usize>, out: &mut Vec<Run>) {
    let run = &hay[r.clone()];
    if run.len() > MAX_RUN {
        return;
    }
    let head = &run[..run.len().min(24)];
    let hex_head = head.iter().all(|b| CLASS[*b as usize] & HEX != 0);
    if hex_head && run.len() >= MIN_HEX && run.len() % 2 == 0 {
        if text_prefix(Encoding::Hex, run) && run.iter().all(|b| CLASS[*b as usize] & HEX != 0) {
            out.push(Run {
                range: r,
                encoding: Encoding::Hex,
            });
            return;
        }
        if run.iter().all(|b| CLASS[*b as usize] & HEX != 0) {
            return;
        }
    }
    if !text_prefix(Encoding::Base64, run) {
        return;
    }
    let seen = run.iter().fold(0u8, |acc, b| acc | CLASS[*b as usize]);
    if seen & URL != 0 && seen & STD != 0 {
        // Both alphabets: a path or an expression, not one encoding.
        return;
    }
    // Base64 of text mixes upper and lower case letters.
    if !run.iter().any(u8::is_ascii_uppercase) || !run.iter().any(u8::is_ascii_lowercase) {
        return;
    }
    let mut end = r.end;
    while end < hay.len() && end - r.end < 2 && hay[end] == b'=' {
        end += 1;
    }
    out.push(Run {
        range: r.start..end,
        encoding: Encoding::Base64,
    });
}

/// Value of a base64 character (standard or URL-safe), or `None`.
fn b64_val(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t'
}

/// Whether the first 12 decoded bytes of `run` are text (after a 3-byte check that rejects
/// nearly all random or binary runs at once).
fn text_prefix(encoding: Encoding, run: &[u8]) -> bool {
    if encoding != Encoding::Hex {
        let v = |k: usize| b64_val(run[k]).unwrap_or(0) as u32;
        let n = v(0) << 18 | v(1) << 12 | v(2) << 6 | v(3);
        // The second byte may be the zero high byte of UTF-16LE text.
        if !(printable((n >> 16) as u8) || n >> 16 >= 0x80)
            || !(printable((n >> 8) as u8) || (n >> 8) as u8 >= 0x80 || (n >> 8) as u8 == 0)
            || !(printable(n as u8) || n as u8 >= 0x80)
        {
            return false;
        }
    }
    let mut buf = [0u8; 12];
    let got = match encoding {
        Encoding::Hex => {
            for (k, pair) in run.chunks_exact(2).take(12).enumerate() {
                let (Some(h), Some(l)) = (hex_val(pair[0]), hex_val(pair[1])) else {
                    return false;
                };
                buf[k] = h << 4 | l;
            }
            12
        }
        _ => {
            let head = &run[..16];
            let url = head.iter().any(|b| *b == b'-' || *b == b'_');
            let engine = if url {
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
            } else {
                &base64::engine::general_purpose::STANDARD_NO_PAD
            };
            match engine.decode_slice(head, &mut buf) {
                Ok(n) => n,
                Err(_) => return false,
            }
        }
    };
    if encoding != Encoding::Hex && got == 12 && utf16le(&buf) {
        return true;
    }
    buf[..got]
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t' || b >= 0x80)
        && buf[..got].iter().filter(|b| **b >= 0x80).count() <= 2
}

/// Whether decoded bytes are ASCII text written as UTF-16LE (every second byte zero), as
/// PowerShell's `-EncodedCommand` and Windows tools write it.
fn utf16le(b: &[u8]) -> bool {
    b.len() >= 8 && b.len() % 2 == 0 && b.chunks_exact(2).all(|p| p[1] == 0 && printable(p[0]))
}

pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a run into `out`; false unless the result is text worth scanning (valid UTF-8, no
/// control bytes other than line breaks and tabs, at least 8 bytes).
pub(crate) fn decode_run(encoding: Encoding, run: &[u8], out: &mut Vec<u8>) -> bool {
    decode_text(encoding, run, out, 8)
}

/// [`decode_run`] with the shortest text accepted given: a value whose name says it is encoded
/// is judged by what it decodes to, however short (`AUTH_TOKEN_B64=dGVzdA==` is `test`).
pub(crate) fn decode_text(encoding: Encoding, run: &[u8], out: &mut Vec<u8>, min: usize) -> bool {
    out.clear();
    let ok = match encoding {
        Encoding::Hex => {
            out.reserve(run.len() / 2);
            run.chunks_exact(2)
                .all(|p| match (hex_val(p[0]), hex_val(p[1])) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        true
                    }
                    _ => false,
                })
        }
        _ => {
            // A wrapped document's lines ([`join_wrapped`]) are decoded as one.
            let joined: Vec<u8>;
            let run = if memchr::memchr(b'\n', run).is_some() {
                joined = run
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b'\n' | b'\r'))
                    .collect();
                &joined[..]
            } else {
                run
            };
            let body = run
                .strip_suffix(b"==")
                .or_else(|| run.strip_suffix(b"="))
                .unwrap_or(run);
            // A length of 1 mod 4 cannot be base64; drop the stray last character.
            let body = if body.len() % 4 == 1 {
                &body[..body.len() - 1]
            } else {
                body
            };
            let url = body.iter().any(|b| *b == b'-' || *b == b'_');
            let engine = if url {
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
            } else {
                &base64::engine::general_purpose::STANDARD_NO_PAD
            };
            let ok = engine.decode_vec(body, out).is_ok();
            if ok && utf16le(out) {
                // Keep the low bytes: the text itself.
                let n = out.len() / 2;
                for i in 0..n {
                    out[i] = out[2 * i];
                }
                out.truncate(n);
            }
            ok
        }
    };
    ok && out.len() >= min
        && std::str::from_utf8(out).is_ok()
        && out
            .iter()
            .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(hay: &[u8]) -> Vec<(String, Encoding)> {
        let mut v = Vec::new();
        runs(hay, &mut v);
        v.iter()
            .map(|r| {
                (
                    String::from_utf8_lossy(&hay[r.range.clone()]).to_string(),
                    r.encoding,
                )
            })
            .collect()
    }

    #[test]
    fn vector_search_finds_every_long_run_the_scalar_one_finds() {
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(b"password=Zq4R7mT2xW9kL3pN!Vd8Kq3Lz7Rm2Xw9Tp4Bn6Cj1Hf");
        for seed in [0x9e37_79b9_u64, 7, 0xdead_beef, 12345, 0x1234_5678_9abc] {
            same_runs_as_scalar(&b64, seed);
        }
    }

    fn same_runs_as_scalar(b64: &str, seed: u64) {
        let mut state = seed;
        let mut hay = Vec::new();
        for k in 0..400 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pad = (state % 40) as usize;
            hay.extend(std::iter::repeat_n(b" -_aZ9/+"[k % 8], pad));
            hay.push(b' ');
            hay.extend_from_slice(&b64.as_bytes()[..(state % b64.len() as u64) as usize]);
            hay.push(if k % 3 == 0 { b'\n' } else { b'"' });
        }
        let mut scalar = Vec::new();
        runs_scalar(&hay, 0, &mut scalar);
        let mut any = Vec::new();
        runs(&hay, &mut any);
        let key = |v: &Vec<Run>| v.iter().map(|r| r.range.clone()).collect::<Vec<_>>();
        assert!(!scalar.is_empty());
        let (got, all) = (key(&any), key(&scalar));
        // Both searches report the same runs.
        assert!(got.iter().all(|r| all.contains(r)), "{got:?} vs {all:?}");
        for r in all.iter() {
            assert!(
                got.contains(r),
                "missed {r:?} {:?} in {:?}",
                String::from_utf8_lossy(
                    &hay[r.start.saturating_sub(40)..(r.end + 4).min(hay.len())]
                ),
                got.iter()
                    .filter(|g| g.start + 200 > r.start && g.start < r.end + 200)
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn text_runs_are_kept_and_binary_or_identifier_runs_dropped() {
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(b"postgres://app:Zq4R7mT2xW9kL3pN@db.internal/x");
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(b"token=abc?>def>>ghi~~jkl?>mno>>pqr~~stu");
        let hex: String = b"-----BEGIN PRIVATE KEY-----\nMIIE"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let hay = format!(
            "a = \"{b64}\"; b = {url}; c = {hex}; d = some_long_identifier_name_here_and_then_some_more; e = iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ; f = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        let got = found(hay.as_bytes());
        assert_eq!(
            got,
            vec![
                (b64, Encoding::Base64),
                (url, Encoding::Base64),
                (hex, Encoding::Hex)
            ]
        );
        let mut out = Vec::new();
        assert!(decode_run(Encoding::Hex, got[2].0.as_bytes(), &mut out));
        assert_eq!(out, b"-----BEGIN PRIVATE KEY-----\nMIIE");
    }

    /// FAKE material, generated here: a xorshift stream over an alphabet.
    fn fake(seed: u64, n: usize, alphabet: &[u8]) -> String {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize] as char
            })
            .collect()
    }

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const B64CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// A FAKE PKCS#8 PEM block: the DER prefix of a 2048-bit RSA key, then random base64.
    fn fake_pem(seed: u64) -> String {
        let body = format!(
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ{}",
            fake(seed, 1500, B64CHARS)
        );
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    /// Scans `text` with the built-in rules: (rule id, line of the finding, found text, decoded
    /// secret).
    fn scan(text: &str) -> Vec<(String, usize, String, String)> {
        let (s, _) = crate::engine::Scanner::new(crate::RuleSet::builtin().rules);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        s.scan(text.as_bytes(), &mut scratch, &mut out);
        out.iter()
            .map(|m| {
                let line = text[..m.span.start].matches('\n').count() + 1;
                let dec = m
                    .decoded
                    .as_ref()
                    .map(|d| String::from_utf8_lossy(&d.secret).to_string())
                    .unwrap_or_default();
                (
                    s.rule(m.rule).rule.id.clone(),
                    line,
                    text[m.secret.clone()].to_string(),
                    dec,
                )
            })
            .collect()
    }

    fn fake_stripe(seed: u64) -> String {
        format!("sk_live_{}", fake(seed, 40, ALNUM))
    }

    fn fake_service_account(seed: u64) -> String {
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"billing-prod-4471\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{}\",\n  \"client_email\": \"ci@billing-prod-4471.iam.gserviceaccount.com\"\n}}\n",
            fake(seed, 40, b"0123456789abcdef"),
            fake_pem(seed + 1).replace('\n', "\\n")
        )
    }

    #[test]
    fn a_run_that_is_a_whole_login_pair_is_basic_credentials() {
        let pair = format!("svc_alpha:Rosemary{}72*", fake(21, 12, ALNUM));
        let found = scan(&format!("    \"'{}'\"\n", b64(&pair)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "config.basic-credentials-encoded");
        // Prose and URLs with a colon are no login pair.
        for text in [
            "note: the nightly job runs at 02:30 on weekdays",
            "8http://crl.example.net/crl/example_root_ca_2024.crl",
        ] {
            assert_eq!(scan(&format!("x = \"{}\"\n", b64(text))), vec![], "{text}");
        }
    }

    #[test]
    fn encoded_credentials_anywhere_are_decoded_and_reported_at_the_run() {
        let pem = fake_pem(11);
        let sa = fake_service_account(12);
        let password = fake(13, 18, ALNUM);
        let uri = format!("postgres://app:{password}@db.internal:5432/orders");
        let token = fake_stripe(14);
        let cases: Vec<(String, &str, String)> = vec![
            // A PEM key as a Helm value.
            (
                format!("tls:\n  key: {}\n", b64(&pem)),
                "private-key",
                pem.lines().next().unwrap_or("").to_string(),
            ),
            // A service-account JSON in a CI variable, URL-safe and unpadded.
            (
                format!(
                    "variables:\n  GCP_SA: {}\n",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sa)
                ),
                // Reported by the service-account rule or the PEM rule: the key either way.
                "",
                "-----BEGIN PRIVATE KEY-----".to_string(),
            ),
            // A URI with a password in a random JSON field.
            (
                format!("{{\"meta\": {{\"blob\": \"{}\"}}}}\n", b64(&uri)),
                "database.postgres-uri",
                password.clone(),
            ),
            // A provider token in a shell pipeline.
            (
                format!("echo {} | base64 -d > /tmp/key\n", b64(&token)),
                "stripe.secret-key.live",
                token.clone(),
            ),
            // PowerShell's `-EncodedCommand`: base64 of UTF-16LE text.
            (
                format!(
                    "powershell.exe -NoProfile -EncodedCommand {}\n",
                    base64::engine::general_purpose::STANDARD.encode(
                        format!("$conn = \"{uri}\"; Invoke-Sqlcmd -ConnectionString $conn")
                            .encode_utf16()
                            .flat_map(u16::to_le_bytes)
                            .collect::<Vec<u8>>()
                    )
                ),
                "database.postgres-uri",
                password.clone(),
            ),
            // A Kubernetes Secret's `data:` (with no `kind: Secret` in view).
            (
                format!("data:\n  DATABASE_URL: {}\n", b64(&uri)),
                "database.postgres-uri",
                password.clone(),
            ),
            // Hex.
            (
                format!(
                    "blob = {}\n",
                    uri.bytes().map(|b| format!("{b:02x}")).collect::<String>()
                ),
                "database.postgres-uri",
                password.clone(),
            ),
        ];
        for (text, rule, secret) in cases {
            let got = scan(&text);
            let hit = got
                .iter()
                .find(|(r, _, _, d)| r.starts_with(rule) && d.contains(&secret));
            let Some((_, line, found, _)) = hit else {
                panic!("{rule} not found in {text:?}: {got:?}");
            };
            // Reported at the encoded run, on its line.
            assert_eq!(*line, 2.min(text.lines().count()), "{text}");
            assert!(
                text.contains(found.as_str()) && found.len() >= MIN_BASE64,
                "{found}"
            );
        }
    }

    #[test]
    fn images_fonts_hashes_and_binary_decodes_are_not_findings() {
        // A PNG and a WOFF2 font as data URIs, a SHA-512 integrity hash, random bytes, a JWT-free
        // long identifier.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(fake(21, 200, ALNUM).bytes().map(|b| b.wrapping_mul(7)));
        let mut woff = b"wOF2\0\x01\0\0".to_vec();
        woff.extend(fake(22, 200, ALNUM).bytes().map(|b| b.wrapping_mul(13)));
        let random: Vec<u8> = fake(23, 300, ALNUM)
            .bytes()
            .map(|b| b.wrapping_mul(31))
            .collect();
        let text = format!(
            "img = \"data:image/png;base64,{}\"\nsrc: url(data:font/woff2;base64,{})\n\"integrity\": \"sha512-{}\"\nblob = {}\nhash = {}\nprose = {}\n",
            b64_bytes(&png),
            b64_bytes(&woff),
            b64_bytes(&random[..64]),
            b64_bytes(&random),
            fake(24, 64, b"0123456789abcdef"),
            b64("The quick brown fox jumps over the lazy dog, twice over, without any secret.")
        );
        assert_eq!(scan(&text), vec![]);
    }

    fn b64_bytes(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn decoding_is_bounded_in_depth() {
        // Encoded three times: beyond the nesting limit, so not decoded all the way.
        let token = fake_stripe(31);
        let once = b64(&format!("STRIPE={token}"));
        let thrice = b64(&b64(&once));
        assert!(
            scan(&format!("x = {once}\n"))
                .iter()
                .any(|(_, _, _, d)| d == &token)
        );
        assert!(scan(&format!("x = {thrice}\n")).is_empty());
    }

    #[test]
    fn wrapped_lines_are_one_run() {
        use base64::Engine as _;
        let text = "SERVICE=billing\nREGION=eu-west-1\nAPI_TOKEN=Zq8Lm2Wr7NbXd3vT9aKc5Jz1Yh6Gf4Ps0Ue8Ri2O\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let hay = format!(
            "Content-Transfer-Encoding: base64\n\n{}\n--b1--\n",
            wrapped.join("\n")
        );
        let mut v = Vec::new();
        runs(hay.as_bytes(), &mut v);
        assert_eq!(v.len(), 1);
        let mut out = Vec::new();
        assert!(decode_run(
            v[0].encoding,
            &hay.as_bytes()[v[0].range.clone()],
            &mut out
        ));
        assert_eq!(out, text.as_bytes());
        // A lone unpadded run followed by a one-word line stays as it is.
        let lone = format!("{}\ndone\n", &b64[..76]);
        let mut v = Vec::new();
        runs(lone.as_bytes(), &mut v);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].range, 0..76);
    }
}
