/// Substrings that mark a documentation value, template or redaction rather than a live secret.
/// Compared against the lower-cased secret.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "your_",
    "your-",
    "yourkey",
    "<",
    ">",
    "${",
    "{{",
    "changeme",
    "change_me",
    "placeholder",
    "dummy",
    "redacted",
    "****",
    "sample",
    "insert",
    "replace_me",
    // The payload of jwt.io's default example token ({"sub":"1234567890","name":"John Doe",...}),
    // pasted into countless READMEs and tests.
    "eyjzdwiioiixmjm0nty3odkwiiwibmftzsi6ikpvag4gr",
    // The Azure Storage emulator's (Azurite) published account key, in every tutorial.
    "eby8vdm02xnocqflquwjpllmetlcdxj1ouzft50usrz6ifsufq2uvercz4i6tq",
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
    let lower = secret.to_ascii_lowercase();
    if MARKERS
        .iter()
        .any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some())
    {
        return true;
    }
    has_sequential_run(&lower)
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
            "<token>",
            "your_api_key_here",
            "changeme",
            "aaaaaaaaaaaa",
            "sk-abcdefghijkl",
            "key-12345678901",
            "98765432zz",
            "{{ secrets.X }}",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn random_tokens_are_not_placeholders() {
        for t in [
            "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",
            "q8Zk2LmN0pXr7TvW4yBc9DfG",
            "abc123",
        ] {
            assert!(!is_placeholder(t.as_bytes()), "{t}");
        }
    }
}
