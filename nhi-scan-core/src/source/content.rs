//! What kind of bytes an input holds, decided from its first bytes.
//!
//! The rule: an input is skipped as binary only when its first bytes are the signature of a
//! known binary format (images, audio, video, fonts, executables and object files, compiled
//! bytecode, databases, compressed or archive formats the archive reader does not open).
//! Anything else is scanned, NUL bytes or not: the engine works on arbitrary bytes, a log or
//! a text file with a NUL near its start still holds readable secrets, and scanning an unknown
//! binary costs time but never hides a credential. (One NUL in the first block used to mean
//! "binary", which let a NUL-prefixed text file hide a token.)

/// The verdict on an input's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// Scan it.
    Text,
    /// A known binary format: skip it, naming the format.
    Binary(&'static str),
}

/// Signatures: (offset, magic bytes, format name).
const SIGNATURES: &[(usize, &[u8], &str)] = &[
    // Images.
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"BM", "bmp"),
    (0, b"\x00\x00\x01\x00", "ico"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"8BPS", "psd"),
    (4, b"ftypavif", "avif"),
    (4, b"ftypheic", "heic"),
    // Audio and video.
    (0, b"ID3", "mp3"),
    (0, b"fLaC", "flac"),
    (0, b"OggS", "ogg"),
    (0, b"\x1aE\xdf\xa3", "matroska"),
    (4, b"ftyp", "mp4"),
    // Fonts.
    (0, b"wOFF", "woff"),
    (0, b"wOF2", "woff2"),
    (0, b"OTTO", "otf"),
    (0, b"\x00\x01\x00\x00\x00", "ttf"),
    // Executables, object files, bytecode.
    (0, b"\x7fELF", "elf"),
    (0, b"MZ", "pe"),
    (0, b"\xfe\xed\xfa\xce", "mach-o"),
    (0, b"\xfe\xed\xfa\xcf", "mach-o"),
    (0, b"\xce\xfa\xed\xfe", "mach-o"),
    (0, b"\xcf\xfa\xed\xfe", "mach-o"),
    (0, b"\xca\xfe\xba\xbe", "java-class"),
    (0, b"\x00asm", "wasm"),
    (0, b"dex\n", "dex"),
    (0, b"!<arch>\n", "ar"),
    // Databases and packed data.
    (0, b"SQLite format 3\x00", "sqlite"),
    (0, b"PACK", "git-pack"),
    (0, b"\x93NUMPY", "numpy"),
    (0, b"%PDF-", "pdf"),
    // Compressed and archive formats (opened by the archive reader when it is enabled).
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\x28\xb5\x2f\xfd", "zstd"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"BZh", "bzip2"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"Rar!\x1a\x07", "rar"),
    (257, b"ustar", "tar"),
];

/// Classifies an input from its first bytes (at least the first 512 when the input has them).
pub(crate) fn sniff(head: &[u8]) -> Content {
    for &(at, magic, name) in SIGNATURES {
        if head.len() >= at + magic.len() && &head[at..at + magic.len()] == magic {
            // Two-byte signatures (`MZ`, `BM`) also begin ordinary words: demand a NUL soon
            // after, which text does not have and these formats always do.
            if magic.len() <= 2 && !head[..head.len().min(64)].contains(&0) {
                continue;
            }
            return Content::Binary(name);
        }
    }
    Content::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_are_binary_and_text_with_a_nul_is_not() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Content::Binary("png")
        );
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0"), Content::Binary("elf"));
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"),
            Content::Binary("pe")
        );
        assert_eq!(sniff(b"PK\x03\x04\x14\0\0\0"), Content::Binary("zip"));
        // Text that starts like a two-byte signature.
        assert_eq!(sniff(b"MZ is a word; BM too"), Content::Text);
        assert_eq!(sniff(b"BMW_TOKEN=abc"), Content::Text);
        // A NUL-prefixed log is scanned.
        assert_eq!(sniff(b"\0\0\0\0log line: token=abc"), Content::Text);
        let mut tar = vec![0u8; 512];
        tar[..8].copy_from_slice(b"file.txt");
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Content::Binary("tar"));
    }
}
