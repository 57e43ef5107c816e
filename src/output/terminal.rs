//! Text from documents and rules, made harmless for a terminal and a CI log: an incident
//! id holding `ESC ] 52 ; c ; … BEL` would otherwise write the reader's clipboard, `ESC [ 2 J`
//! clear their screen, a file name holding a line break start a line of its own — in a
//! GitHub Actions log `::error file=README.md::…` or `::add-mask::…` is a command to the
//! runner — and a right-to-left override make a line read other than it is. Control
//! characters (C0, DEL, C1), line and paragraph separators and bidirectional controls are
//! shown as escapes, not sent, whatever `--color` says; the colours `lessons` adds itself
//! are added after. Every text a renderer takes from a document, a rule or a path goes
//! through [`escape_line`] (one line: a file name, an id, a message) or [`escape`] (a block
//! of lines: a rule's documentation).

use std::borrow::Cow;

use crate::finding::is_hidden_control;

/// What is escaped in a block of lines: everything [`escape_line`] escapes
/// ([`is_hidden_control`]) but line feeds and tabs.
fn is_control(c: char) -> bool {
    is_hidden_control(c) && c != '\n' && c != '\t'
}

/// Whether `text` is printable ASCII and tabs: nearly every message and path, told by a
/// test of bytes the compiler runs many at a time, before the test of characters.
fn is_plain_line(text: &str) -> bool {
    // No early exit: a fold of every byte is what the compiler vectorises.
    text.bytes().fold(true, |plain, byte| {
        plain & ((b' '..=b'~').contains(&byte) | (byte == b'\t'))
    })
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = if (c as u32) < 0x100 {
        write!(out, "\\x{:02x}", c as u32)
    } else {
        write!(out, "\\u{{{:x}}}", c as u32)
    };
}

/// `text` on one line: each control character, line break, separator and bidirectional
/// control written as an escape (`\n`, `\x1b`, `\u{202e}`), and a start a CI runner would
/// take as a command given away as [`escape`] does (a key or a value may begin a line). For
/// everything that must stay on its line: file names, ids, rule names, messages, values.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    let command = starts_command(text.trim_start()) || text.contains("##vso[");
    if !command && (is_plain_line(text) || !text.chars().any(|c| c == '\n' || is_control(c))) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let text = text.replace("##vso[", "\\x23#vso[");
    let indent = text.len() - text.trim_start().len();
    let mut given_away = !starts_command(&text[indent..]);
    for (at, c) in text.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            c if is_control(c) => push_escaped(&mut out, c),
            c if !given_away && at >= indent => {
                push_escaped(&mut out, c);
                given_away = true;
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether a line, past its indentation, would be read as a command by a CI runner:
/// GitHub Actions takes one that starts with `::` (and `##[` where old commands are
/// allowed).
fn starts_command(body: &str) -> bool {
    body.starts_with("::") || body.starts_with("##[")
}

/// A block of lines (a rule's documentation, a help text): each line as [`escape_line`]
/// writes it, line feeds kept — a line a CI runner would take as a command (`::…`, `##[…`)
/// has its first character written as an escape, and `##vso[`, Azure Pipelines' command
/// wherever it stands on a line, its `#`.
pub fn escape(text: &str) -> Cow<'_, str> {
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(escape_line).collect();
    if lines.iter().all(|line| matches!(line, Cow::Borrowed(_))) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(lines.join("\n"))
}

/// A path on one line: as every output names a file (`/` between its parts), escaped.
pub fn shown_path(path: &std::path::Path) -> String {
    escape_line(&crate::finding::display_path(path)).into_owned()
}

/// `text` flowed onto one line, its line breaks as spaces (a multi-line title in a table
/// cell of a report), then escaped as [`escape_line`] does.
pub fn flat_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return escape_line(text);
    }
    let flat = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    Cow::Owned(escape_line(&flat).into_owned())
}

/// The widest a column of a listing is padded to: a key or an id of a hundred thousand
/// characters is printed whole, not used as the width of every row (Rust's formatter
/// refuses widths past 65,535 with a panic).
pub const MAX_COLUMN: usize = 48;

/// `text` (already escaped) padded with spaces to `width` characters, at most
/// [`MAX_COLUMN`]; longer text as it is.
pub fn padded(text: &str, width: usize) -> String {
    let have = text.chars().count();
    let width = width.min(MAX_COLUMN);
    let mut out = String::with_capacity(text.len() + width.saturating_sub(have));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(have)));
    out
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
        assert_eq!(escape("a\u{9b}31m\u{85}"), "a\\x9b31m\\x85");
        assert_eq!(escape("line\nnext\ttab"), "line\nnext\ttab");
        assert_eq!(escape("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
    }

    #[test]
    fn one_line_stays_one_line() {
        assert_eq!(
            escape_line("x\n::error file=README.md,line=1::x\r"),
            "x\\n::error file=README.md,line=1::x\\x0d"
        );
        assert_eq!(escape_line("a\u{2028}b\u{2066}c"), "a\\u{2028}b\\u{2066}c");
        assert!(matches!(escape_line("plain\ttext"), Cow::Borrowed(_)));
        assert!(matches!(escape_line("Zoë — déjà"), Cow::Borrowed(_)));
        assert_eq!(escape_line("  ::error::x"), "  \\x3a:error::x");
    }

    #[test]
    fn a_line_a_runner_would_obey_is_given_away() {
        assert_eq!(
            escape("docs\n  ::add-mask::x\n::error::y\nok :: here\n##[warning]w\nsee ##vso[task]"),
            "docs\n  \\x3a:add-mask::x\n\\x3a:error::y\nok :: here\n\\x23#[warning]w\nsee \\x23#vso[task]"
        );
        assert_eq!(escape("## What it does\n\nok"), "## What it does\n\nok");
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
