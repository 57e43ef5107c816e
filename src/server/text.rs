//! Places as the protocol counts them — 0-based lines, columns in UTF-16 code units — and
//! `file:` URIs, against the byte offsets and paths the rest of `lessons` uses.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// The protocol's position of byte `offset` in `text` (clamped to the text, and to a
/// character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let offset = boundary(text, offset);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.bytes().filter(|&byte| byte == b'\n').count();
    Position::new(small(line), small(utf16_len(&text[line_start..offset])))
}

/// [`position`] for a place whose line is known (a finding's 1-based `line`): only that
/// line is scanned, not everything before it.
pub fn position_on_line(text: &str, offset: usize, line: u32) -> Position {
    let offset = boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    Position::new(
        line.saturating_sub(1),
        small(utf16_len(&text[line_start..offset])),
    )
}

/// The byte offset of a protocol position; past the end of a line is its end, past the
/// last line is the end of the text.
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(at) => line_start += at + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |at| line_start + at);
    let mut units = 0;
    for (at, character) in text[line_start..line_end].char_indices() {
        if units >= position.character as usize {
            return line_start + at;
        }
        units += character.len_utf16();
    }
    line_end
}

/// The protocol's range of a byte range.
pub fn range(text: &str, span: std::ops::Range<usize>) -> Range {
    Range::new(position(text, span.start), position(text, span.end))
}

pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn small(number: usize) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

/// The local path a `file:` URI names; `None` for any other scheme.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///x`, or `file://localhost/x`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut at = 0;
    while at < raw.len() {
        let hex = |byte: u8| char::from(byte).to_digit(16);
        match (raw[at], raw.get(at + 1), raw.get(at + 2)) {
            (b'%', Some(&high), Some(&low)) if hex(high).is_some() && hex(low).is_some() => {
                let value = hex(high).unwrap_or(0) * 16 + hex(low).unwrap_or(0);
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
                at += 3;
            }
            (byte, _, _) => {
                bytes.push(byte);
                at += 1;
            }
        }
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// The `file:` URI of an absolute path, with every byte that is not a plain path
/// character percent-encoded (as VS Code and Neovim write them).
pub fn uri_of(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut uri = String::with_capacity(text.len() + 8);
    uri.push_str("file://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_and_offsets_come_back() {
        let text = "a: é\nb: 😀x\n";
        // `x` is after a character of two UTF-16 units.
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x), Position::new(1, 5));
        assert_eq!(position_on_line(text, x, 2), Position::new(1, 5));
        assert_eq!(offset(text, Position::new(1, 5)), x);
        // Past a line's end is its end; past the last line, the text's.
        assert_eq!(offset(text, Position::new(0, 99)), 5);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
        // Inside a character: its start.
        assert_eq!(position(text, text.find('é').unwrap() + 1).character, 3);
    }

    #[test]
    fn a_path_and_its_uri_round_trip_with_spaces_and_accents() {
        let path = Path::new("/tmp/post mortems/réseau#1.md");
        let uri = uri_of(path).unwrap();
        assert_eq!(
            uri.as_str(),
            "file:///tmp/post%20mortems/r%C3%A9seau%231.md"
        );
        assert_eq!(path_of(&uri).unwrap(), path);
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(path_of(&other), None);
    }
}
