//! Text from documents and rules, made harmless for a terminal: an incident id holding
//! `ESC ] 52 ; c ; … BEL` would otherwise write the reader's clipboard, and `ESC [ 2 J` clear
//! their screen. Control characters (C0 but line breaks and tabs, DEL, C1) are shown, not
//! sent, whatever `--color` says; the colours `lessons` adds itself are added after.

use std::borrow::Cow;

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `text` is printable ASCII, line breaks and tabs: nearly every message and path,
/// told by a test of bytes the compiler runs many at a time, before the test of characters.
fn is_printable_ascii(text: &str) -> bool {
    // No early exit: a fold of every byte is what the compiler vectorises.
    text.bytes().fold(true, |plain, byte| {
        plain & ((b' '..=b'~').contains(&byte) | (byte == b'\n') | (byte == b'\t'))
    })
}

/// `text` with each control character written as an escape: `\x1b`, `\u{9b}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if is_printable_ascii(text) || !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file's text for a code frame: each control character replaced by visible characters
/// of the same length in bytes, so every span into the file still lands where it did.
/// A carriage return before a line feed is left to the frame, which handles it.
pub fn frame_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let needs = text.chars().any(|c| is_control(c) && c != '\r');
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let lone_return = c == '\r' && bytes.get(at + 1) != Some(&b'\n');
        if is_control(c) && (c != '\r' || lone_return) {
            // `?` for each byte but the last two of a wide character, which become `¿`.
            let width = c.len_utf8();
            if width == 1 {
                out.push('?');
            } else {
                out.push_str(&"?".repeat(width - 2));
                out.push('¿');
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_sent() {
        assert_eq!(
            escape("INC-1\u{1b}]52;c;aGk=\u{7}"),
            "INC-1\\x1b]52;c;aGk=\\x07"
        );
        assert_eq!(escape("a\u{9b}31m"), "a\\x9b31m");
        assert_eq!(escape("line\nnext\ttab"), "line\nnext\ttab");
    }

    #[test]
    fn frame_text_keeps_every_offset() {
        let text = "id: INC-1\u{1b}[2J\u{9b}x\r\nnext: 1\n";
        let safe = frame_text(text);
        assert_eq!(safe.len(), text.len());
        assert_eq!(safe, "id: INC-1?[2J¿x\r\nnext: 1\n");
        assert!(matches!(frame_text("plain\r\n"), Cow::Borrowed(_)));
    }
}
