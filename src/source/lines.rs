//! Byte offset → 1-based line and column (in characters), for every renderer.

use super::Location;

#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset where each line starts: 32 bits, as documents are far smaller than
    /// 4 GiB and a repository of 100,000 holds eight million of these.
    starts: Vec<u32>,
}

fn offset(start: u32) -> usize {
    usize::try_from(start).unwrap_or(usize::MAX)
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.match_indices('\n')
                .map(|(at, _)| u32::try_from(at + 1).unwrap_or(u32::MAX)),
        );
        starts.shrink_to_fit();
        LineIndex { starts }
    }

    /// 1-based line and column of `offset`; the column counts characters, not bytes.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|&start| self::offset(start) <= offset)
            .max(1);
        let start = self::offset(self.starts[line - 1]).min(offset);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    pub fn location(&self, text: &str, span: &std::ops::Range<usize>) -> Location {
        location_with(span, |offset| self.position(text, offset))
    }

    /// [`LineIndex::position`] without an index: the lines before `offset` counted. What a
    /// small file is asked for a few places costs less this way than an index kept for it.
    pub fn scan_position(text: &str, offset: usize) -> (usize, usize) {
        Self::scan_from(text, (0, 1), offset)
    }

    /// The position of `offset`, counting on from `known`: the line start and line of an
    /// earlier offset.
    fn scan_from(text: &str, (line_start, line): (usize, usize), offset: usize) -> (usize, usize) {
        let (start, line) = scan_lines(text, (line_start, line), offset);
        let offset = offset.min(text.len());
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// [`LineIndex::location`] by counting lines: up to the start, then on to the end.
    pub fn scan_location(text: &str, span: &std::ops::Range<usize>) -> Location {
        let end = span.end.max(span.start);
        let at_start = scan_lines(text, (0, 1), span.start);
        let (line, column) = Self::scan_from(text, at_start, span.start);
        let (end_line, end_column) = Self::scan_from(text, at_start, end);
        Location::new(span.start..end, (line, column), (end_line, end_column))
    }

    /// Byte range of line `line` (1-based), without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .map_or(text.len(), |&start| offset(start).min(text.len()));
        let end = self.starts.get(line).map_or(text.len(), |&next| {
            offset(next).saturating_sub(1).min(text.len())
        });
        let end = if text[start..end.max(start)].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// From a line start and its line number, the start and number of the line `offset` is on.
fn scan_lines(text: &str, (mut start, mut line): (usize, usize), offset: usize) -> (usize, usize) {
    let bytes = &text.as_bytes()[start.min(text.len())..offset.min(text.len())];
    line += count_newlines(bytes);
    if let Some(last) = bytes.iter().rposition(|byte| *byte == b'\n') {
        start += last + 1;
    }
    (start, line)
}

/// The `\n` bytes of `bytes`, eight at a time.
fn count_newlines(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut words = bytes.chunks_exact(8);
    let mut count = 0;
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        // A byte of `x` is zero exactly where the word has a `\n`; its high bit in `zero`
        // is set exactly there.
        let x = u64::from_le_bytes(eight) ^ (ONES * u64::from(b'\n'));
        let zero = !(((x & LOW).wrapping_add(LOW)) | x | LOW);
        count += zero.count_ones() as usize;
    }
    count
        + words
            .remainder()
            .iter()
            .filter(|byte| **byte == b'\n')
            .count()
}

fn location_with(
    span: &std::ops::Range<usize>,
    position: impl Fn(usize) -> (usize, usize),
) -> Location {
    let (line, column) = position(span.start);
    let end = span.end.max(span.start);
    let (end_line, end_column) = position(end);
    Location::new(span.start..end, (line, column), (end_line, end_column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a: 1\nbé: x\n";
        let lines = LineIndex::new(text);
        assert_eq!(lines.position(text, 0), (1, 1));
        assert_eq!(lines.position(text, 5), (2, 1));
        assert_eq!(lines.position(text, text.find('x').expect("x")), (2, 5));
        assert_eq!(lines.line_span(text, 2), 5..11);
    }

    #[test]
    fn counting_lines_gives_what_the_index_gives() {
        let text = "a: 1\nbé: x\n\n  - ü\nlast\n\n\n\n\n\n\n\n\nkey: a longer line of text\n\n";
        let lines = LineIndex::new(text);
        let boundaries: Vec<usize> = (0..=text.len() + 2)
            .filter(|at| text.is_char_boundary((*at).min(text.len())))
            .collect();
        for &offset in &boundaries {
            assert_eq!(
                LineIndex::scan_position(text, offset),
                lines.position(text, offset),
                "at {offset}"
            );
            for &end in boundaries.iter().filter(|end| **end >= offset) {
                let span = offset..end;
                assert_eq!(
                    LineIndex::scan_location(text, &span),
                    lines.location(text, &span),
                    "at {span:?}"
                );
            }
        }
    }
}
