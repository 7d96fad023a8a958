//! Shared by the examples: FAKE credentials with valid shapes, generated here so that no real
//! or real-looking secret is committed.

/// A FAKE GitHub personal access token (`ghp_` + 30 random base62 + 6-character CRC32
/// checksum): it has the right shape and checksum and belongs to nobody.
pub fn fake_github_token(seed: u64) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let body: String = (0..30)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            B62[(s % 62) as usize] as char
        })
        .collect();
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut check = [b'0'; 6];
    for slot in check.iter_mut().rev() {
        *slot = B62[(n % 62) as usize];
        n /= 62;
    }
    format!("ghp_{body}{}", String::from_utf8_lossy(&check))
}

/// Runs `git` in `dir`, failing the example if it fails.
#[allow(dead_code)]
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Example Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.invalid")
        .env("GIT_COMMITTER_NAME", "Example Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.invalid")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}
