//! Line and column numbers, computed only for matches, in one forward pass over the bytes
//! before them, and carried from one chunk of a large input to the next.

/// A position in an input: line and column (1-based), the absolute offset where the line
/// starts, and whether the line so far is UTF-8 (character columns) or not (byte columns, so
/// Latin-1 text still gets honest columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    line: u64,
    column: u64,
    line_start: u64,
    utf8: bool,
}

impl Cursor {
    /// The start of an input.
    pub(crate) const START: Cursor = Cursor {
        line: 1,
        column: 1,
        line_start: 0,
        utf8: true,
    };
}

/// Computes (line, column) for increasing offsets of one buffer, so a file with many matches on
/// one huge (minified) line costs O(file), not O(matches x line).
pub(crate) struct LineCounter<'a> {
    hay: &'a [u8],
    /// Absolute offset of `hay[0]` in the input.
    base: u64,
    /// Cursor at `hay[0]`, to start over from.
    first: Cursor,
    pos: usize,
    cursor: Cursor,
}

impl<'a> LineCounter<'a> {
    /// A counter over a whole input.
    #[cfg(test)]
    pub(crate) fn new(hay: &'a [u8]) -> Self {
        LineCounter::resume(hay, 0, Cursor::START)
    }

    /// A counter over a chunk that starts at absolute offset `base`, where the position is `at`.
    pub(crate) fn resume(hay: &'a [u8], base: u64, at: Cursor) -> Self {
        LineCounter {
            hay,
            base,
            first: at,
            pos: 0,
            cursor: at,
        }
    }

    /// The cursor at `offset` (an offset into this buffer).
    pub(crate) fn cursor(&mut self, offset: usize) -> Cursor {
        if offset < self.pos {
            self.pos = 0;
            self.cursor = self.first;
        }
        self.cursor = advance(self.hay, self.base, self.pos, offset, self.cursor);
        self.pos = offset;
        self.cursor
    }

    /// (line, column) of `offset`.
    pub(crate) fn position(&mut self, offset: usize) -> (u64, u64) {
        let c = self.cursor(offset);
        (c.line, c.column)
    }

    /// (line, column) of `end`, from the last position asked for (`start`), without moving.
    pub(crate) fn position_from(&self, end: usize, start: usize) -> (u64, u64) {
        let c = advance(self.hay, self.base, start, end, self.cursor);
        (c.line, c.column)
    }
}

/// Moves a cursor from byte `from` to byte `to` of `hay` (which starts at absolute `base`).
fn advance(hay: &[u8], base: u64, from: usize, to: usize, at: Cursor) -> Cursor {
    let span = &hay[from..to];
    let mut c = at;
    let segment = match memchr::memrchr(b'\n', span) {
        Some(last) => {
            c.line += memchr::memchr_iter(b'\n', span).count() as u64;
            c.line_start = base + (from + last + 1) as u64;
            c.utf8 = true;
            c.column = 1;
            &span[last + 1..]
        }
        None => span,
    };
    c.utf8 = c.utf8 && std::str::from_utf8(segment).is_ok();
    c.column = if c.utf8 {
        c.column + segment.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
    } else {
        base + to as u64 - c.line_start + 1
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let mut lc = LineCounter::new("ab\nçé tok\nx".as_bytes());
        assert_eq!(lc.position(0), (1, 1));
        assert_eq!(lc.position(8), (2, 4));
        assert_eq!(lc.position_from(13, 8), (3, 2));
        // Latin-1 (not UTF-8): byte columns.
        let mut lc = LineCounter::new(b"caf\xe9 \xa9\xa9 x=tok");
        assert_eq!(lc.position(12), (1, 13));
    }

    #[test]
    fn a_counter_resumed_on_a_later_chunk_agrees_with_one_pass() {
        let text = "first line\nsecond çé line that is long\nthird\n\nfifth tok here\n".as_bytes();
        let mut whole = LineCounter::new(text);
        for split in 0..text.len() {
            // Only split on character boundaries, as the chunker does.
            if (text[split] & 0xC0) == 0x80 {
                continue;
            }
            let mut first = LineCounter::new(&text[..split]);
            let at = first.cursor(split);
            let mut second = LineCounter::resume(&text[split..], split as u64, at);
            for (off, &b) in text.iter().enumerate().skip(split) {
                if (b & 0xC0) == 0x80 {
                    continue;
                }
                assert_eq!(
                    second.position(off - split),
                    whole.position(off),
                    "split {split} offset {off}"
                );
            }
        }
    }
}
