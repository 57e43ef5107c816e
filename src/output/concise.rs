//! `--format concise`: one line per finding, `file:line:column: RULE message`, as ruff's
//! `concise` and eslint's `compact` write them: what terminals and editors jump to. The
//! file is named from where `lessons` ran, so the jump lands on it.

use std::io::Write;

use super::Results;
use crate::finding::display_path;

pub fn render(results: &Results<'_>) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = write(results, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// How many bytes of lines are put together before they are written.
const PIECE: usize = 64 << 10;

/// Writes the lines as they are made, a piece at a time: a run with hundreds of thousands
/// of findings never holds its whole output in memory. Each line is put together by hand,
/// not through `writeln!`: formatting five values through `dyn Write` was a sixth of an
/// unchanged cached run (14 ms for 38,846 lines).
pub fn write(results: &Results<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    // Both made absolute once, so that naming each file costs no system call.
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = std::path::absolute(results.root).unwrap_or_else(|_| results.root.to_path_buf());
    // The root as seen from here, once: a file below it is named by joining its path to
    // that (a run of 100,000 files named each by walking both paths took a fifth of a
    // second). Not when the root holds the folder we are in: a file there is named from it.
    let from_here = crate::util::paths::relative_from(&cwd, &root)
        .map(|from_here| match from_here.to_str() {
            // The root itself: its files are named as they are.
            Some(".") => std::path::PathBuf::new(),
            _ => from_here,
        })
        .filter(|from_here| {
            matches!(
                from_here.components().next_back(),
                None | Some(std::path::Component::Normal(_))
            )
        });
    let mut lines = Vec::with_capacity(PIECE + 4096);
    // Findings come sorted by file: each file is named once.
    let mut named: Option<(&std::sync::Arc<std::path::Path>, String)> = None;
    for finding in results.findings.iter().filter(|f| !f.is_suppressed()) {
        let known = named.as_ref().is_some_and(|(known, _)| {
            std::sync::Arc::ptr_eq(known, &finding.file) || ***known == *finding.file
        });
        if !known {
            let below = finding
                .file
                .components()
                .all(|part| matches!(part, std::path::Component::Normal(_)));
            let path = match &from_here {
                Some(from_here) if below => from_here.join(&finding.file),
                _ => {
                    let path = root.join(&finding.file);
                    crate::util::paths::relative_from(&cwd, &path).unwrap_or(path)
                }
            };
            let file = display_path(&path);
            let file = super::terminal::escape_line(&file).into_owned();
            named = Some((&finding.file, file));
        }
        let file = named.as_ref().map_or("", |(_, file)| file.as_str());
        // One line each: neither a file name nor a message breaks the `file:line:column:`
        // grammar, nor starts a line of its own.
        let message = super::terminal::escape_line(&finding.message);
        lines.extend_from_slice(file.as_bytes());
        lines.push(b':');
        push_number(&mut lines, finding.location.line);
        lines.push(b':');
        push_number(&mut lines, finding.location.column);
        lines.extend_from_slice(b": ");
        lines.extend_from_slice(finding.rule.as_bytes());
        lines.push(b' ');
        lines.extend_from_slice(message.as_bytes());
        lines.push(b'\n');
        if lines.len() >= PIECE {
            out.write_all(&lines)?;
            lines.clear();
        }
    }
    out.write_all(&lines)
}

/// `number` in decimal digits.
fn push_number(lines: &mut Vec<u8>, number: impl Into<u64>) {
    let mut number = number.into();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    lines.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_in_decimal() {
        for number in [0, 7, 10, 99, 100, 1_234_567, u64::MAX] {
            let mut lines = b"at ".to_vec();
            super::push_number(&mut lines, number);
            assert_eq!(lines, format!("at {number}").into_bytes());
        }
    }
}
