//! Byte offset → 1-based line and column (in characters), for every renderer.

use crate::finding::Location;

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
        let (line, column) = self.position(text, span.start);
        let (end_line, end_column) = self.position(text, span.end.max(span.start));
        Location {
            start: span.start,
            end: span.end.max(span.start),
            line,
            column,
            end_line,
            end_column,
        }
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
}
