/// Substrings that mark a documentation value, template or redaction rather than a live secret.
/// Compared against the lower-cased secret.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "your_",
    "your-",
    "yourkey",
    "changeme",
    // The JDK's default keystore password.
    "changeit",
    // SQL Server's documented sample password (`yourStrong(!)Password`, `YourStrong@Passw0rd`).
    "yourstrong",
    // "password" spelled as policies ask (`p@ssw0rd`, `Passw0rd!`): every tutorial's sample.
    "p@ssw0rd",
    "passw0rd",
    "p@ssword",
    "p@$$w0rd",
    // Harbor's documented default admin password.
    "harbor12345",
    "change_me",
    "placeholder",
    "dummy",
    "notreal",
    "redacted",
    "****",
    "sample",
    "insert",
    "replace_me",
    // `replace-with-64-random-chars`, `replace_this_value`.
    "replace-with",
    "replace_with",
    "replace-this",
    "replace_this",
    "\u{2026}",
    // The payload of jwt.io's default example token ({"sub":"1234567890","name":"John Doe",...}),
    // pasted into countless READMEs and tests.
    "eyjzdwiioiixmjm0nty3odkwiiwibmftzsi6ikpvag4gr",
    // The Azure Storage emulator's (Azurite) published account key, in every tutorial.
    "eby8vdm02xnocqflquwjpllmetlcdxj1ouzft50usrz6ifsufq2uvercz4i6tq",
    // Stripe's documentation test key, printed in every Stripe quick start.
    "sk_test_4ec39hqlyjwdarjtt1zdp7dc",
    // The Google Cloud SDK's installed-app OAuth client secret, public by design.
    "d-fl95q19q7mqmfpd7hhd0ty",
    // RFC 7617's example credentials (`Aladdin:open sesame`), as typed and as base64.
    "open sesame",
    "qwxhzgrpbjpvcgvuihnlc2ftzq",
    // xkcd 936's passphrase, every password-strength tutorial's example.
    "correct horse battery staple",
    "correcthorsebatterystaple",
    "correct-horse-battery-staple",
    // Google's documented reCAPTCHA test secret, which always passes verification.
    "6leixactaaaaagg-vfi1tnrwxmzfuojj4wifjwe",
];

/// Shortest ascending or descending run (`abcdefgh`, `12345678`) that marks a made-up value.
const SEQUENTIAL_RUN: usize = 8;

/// True when `secret` is a placeholder: a marker substring, one repeated character, or a long
/// sequential run. Real random tokens of 40 characters contain a run of 8 with negligible odds.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() {
        return true;
    }
    if secret.iter().all(|&b| b == secret[0]) {
        return true;
    }
    // A truncated example (`AQoDYXdzEJr...`): the real value was cut out of the text. A
    // log that truncates a JWT keeps its header alone (`eyJhbGciOiJSUzI1NiJ9.[truncated]`).
    if secret.ends_with(b"...")
        || secret.starts_with(b"eyJ")
            && secret.ends_with(b".")
            && memchr::memchr_iter(b'.', secret).count() == 1
    {
        return true;
    }
    // A masked display of a token (`hf_***dP53`, `sk-...Xy7q`): its prefix and last characters.
    if secret.len() <= 20
        && (memchr::memmem::find(secret, b"***").is_some()
            || memchr::memmem::find(secret, b"...").is_some_and(|i| i > 0))
    {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if MARKERS
        .iter()
        .any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some())
    {
        return true;
    }
    has_sequential_run(&lower)
        || counted_runs(&lower)
        || angle_placeholder(&lower)
        || templated(secret)
        || punctuation_only(secret)
        || instruction(&lower)
}

/// Words that make a phrase of plain lower-case words an instruction to the reader.
const INSTRUCTION_WORDS: &[&[u8]] = &[
    b"your",
    b"here",
    b"enter",
    b"put",
    b"paste",
    b"unique",
    b"phrase",
    b"replace",
    b"change",
    b"generate",
    b"goes",
    b"fill",
    b"please",
];

/// A sentence where a value belongs (`put your unique phrase here`, the wp-config sample; `enter
/// password here`, `please-generate-with-openssl-rand`): three or more lower-case words,
/// between blanks or dashes, one of which addresses the reader. A passphrase of random words
/// has none of them.
fn instruction(lower: &[u8]) -> bool {
    let mut words = 0;
    let mut addressed = false;
    for w in lower
        .split(|b| matches!(b, b' ' | b'-'))
        .filter(|w| !w.is_empty())
    {
        if !w.iter().all(u8::is_ascii_lowercase) {
            return false;
        }
        words += 1;
        addressed |= INSTRUCTION_WORDS.contains(&w);
    }
    words >= 3 && addressed
}

/// A value of eight or more characters with fewer than three letters or digits once `%XX`
/// escapes are decoded, or of 24 or more of which under a fifth are letters or digits: the
/// punctuation test vectors of URL parsers (`%20!%22$%&'()*+,-.%3A%3B...`), never a password
/// or a token.
pub fn punctuation_only(v: &[u8]) -> bool {
    if v.len() < 8 {
        return false;
    }
    let mut alnum = 0;
    let mut len = 0;
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%'
            && v.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && v.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            let d = u8::from_str_radix(std::str::from_utf8(&v[i + 1..i + 3]).unwrap_or("00"), 16)
                .unwrap_or(0);
            alnum += usize::from(d.is_ascii_alphanumeric());
            len += 1;
            i += 3;
            continue;
        }
        alnum += usize::from(v[i].is_ascii_alphanumeric());
        len += 1;
        i += 1;
    }
    alnum < 3 || (len >= 24 && alnum * 5 < len)
}

/// A template or interpolation inside the value: `${X}`, `{{ x }}`, `{% x %}`, `$(cmd)`,
/// `%(x)s`, `#{x}`, `<%= x %>`: an opener followed later by its closer, so a random password
/// that merely contains `{{` or `${` is not mistaken for one; or an interpolation's start that a
/// quote nested inside it cut short (see below).
pub fn templated(v: &[u8]) -> bool {
    // `"Basic #{Base64.encode64("#{ID}")}"` read as `#{Base64.encode64(`, `"#{ENV['X']}"` as
    // `#{ENV[`: an expression's start, a name and a call, member access or index, nothing after.
    if (v.starts_with(b"#{") || v.starts_with(b"${"))
        && v.get(2)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && (v.ends_with(b"(") || v.ends_with(b"["))
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'(' | b'['))
    {
        return true;
    }
    // `{{ sql_password }` : a Jinja or Handlebars expression cut at its first `}` by a format
    // that closes a value there (an ODBC braced value, `Password={{ sql_password }};`).
    if v.len() > 4
        && v.starts_with(b"{{")
        && v.ends_with(b"}")
        && !v.ends_with(b"}}")
        && v[2..v.len() - 1]
            .trim_ascii()
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b' ' | b'|'))
    {
        return true;
    }
    [
        (&b"${"[..], &b"}"[..]),
        (b"{{", b"}}"),
        (b"{%", b"%}"),
        (b"$(", b")"),
        (b"%(", b")"),
        (b"#{", b"}"),
        (b"<%", b"%>"),
    ]
    .iter()
    .any(|(open, close)| {
        memchr::memmem::find(v, open).is_some_and(|i| {
            let rest = &v[i + open.len()..];
            memchr::memmem::find(rest, close).is_some_and(|j| balanced(&rest[..j]))
        })
    })
}

/// Whether the brackets in a template expression's text pair up (`ENV['X']`, `x | f("y")`):
/// a key drawn from every printable character rarely does (`#{CZm]a;vae<P/d.!n]FH4>&y}`).
fn balanced(inner: &[u8]) -> bool {
    let mut stack = Vec::new();
    for &b in inner {
        match b {
            b'(' | b'[' | b'{' => stack.push(b),
            b')' | b']' | b'}' => {
                let open = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty()
}

/// A `<...>` placeholder inside the value (`<token>`, `sk-<your key>`, `<REDACTED>`): a `<` at
/// the start or after a separator, then within 48 bytes a `>`, with only letters, digits,
/// blanks and `_-.:` between, and one letter. A `<` glued to a letter or digit is a character
/// of a password (`yi-F<JDFGAcfkS>-gW4A`), not a template's opening.
fn angle_placeholder(s: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'<', &s[from..]) {
        let open = from + i;
        if open > 0 && s[open - 1].is_ascii_alphanumeric() {
            from = open + 1;
            continue;
        }
        let rest = &s[open + 1..s.len().min(open + 49)];
        if let Some(j) = memchr::memchr(b'>', rest) {
            let inner = &rest[..j];
            if inner.iter().any(u8::is_ascii_alphabetic)
                && inner
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b" _-.:".contains(b))
            {
                return true;
            }
        }
        from = open + 1;
    }
    false
}

/// A value made by counting up twice (`abcdef123456`, `abcd1234`): eight or more characters
/// that are at most three ascending runs of four or more.
fn counted_runs(s: &[u8]) -> bool {
    if s.len() < 8 {
        return false;
    }
    let mut runs = 1;
    let mut run = 1;
    for w in s.windows(2) {
        if w[0].is_ascii_alphanumeric() && w[1] == w[0].wrapping_add(1) {
            run += 1;
        } else {
            if run < 4 {
                return false;
            }
            runs += 1;
            run = 1;
        }
    }
    run >= 4 && runs <= 3
}

fn has_sequential_run(s: &[u8]) -> bool {
    let (mut up, mut down) = (1usize, 1usize);
    for w in s.windows(2) {
        let (a, b) = (w[0], w[1]);
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        up = if alnum && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && b == a.wrapping_sub(1) {
            down + 1
        } else {
            1
        };
        if up >= SEQUENTIAL_RUN || down >= SEQUENTIAL_RUN {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxxxxxx",
            "${GITHUB_TOKEN}",
            // Cut at a quote nested in the interpolation.
            "#{Base64.strict_encode64(",
            "#{ENV[",
            "<token>",
            "your_api_key_here",
            "changeme",
            "Correct-Horse-Battery-Staple",
            // The JDK's default keystore password.
            "changeit",
            // SQL Server's documented sample password (`yourStrong(!)Password`, `YourStrong@Passw0rd`).
            "yourstrong",
            "aaaaaaaaaaaa",
            "sk-abcdefghijkl",
            "key-12345678901",
            "98765432zz",
            "abcdef123456",
            "abcd1234",
            "{{ secrets.X }}",
            "put your unique phrase here",
            "enter password here",
            "please-generate-with-openssl-rand",
            // A log's truncated JWT: its header alone.
            "eyJhbGciOiJSUzI1NiJ9.",
            // Masked displays of a token.
            "hf_***fA7v",
            "sk-...Xy7q",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn random_tokens_are_not_placeholders() {
        for t in [
            "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", // nhi-scan:allow (a fake)
            "q8Zk2LmN0pXr7TvW4yBc9DfG",
            // A passphrase of random words, and a wp-config salt with spaces.
            "lantern orbit cascade mesa",
            "lantern-orbit-cascade-mesa",
            "q2 |Vw@8;k]M<5 zR+c~J1_fT9{b&N0x)L-e^Y3/g!7sP.aH#4*Dm",
            "abc123",
        ] {
            assert!(!is_placeholder(t.as_bytes()), "{t}");
        }
    }
}
