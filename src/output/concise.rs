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

/// Writes the lines as they are made: a run with hundreds of thousands of findings never
/// holds its whole output in memory.
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
        writeln!(
            out,
            "{file}:{}:{}: {} {message}",
            finding.location.line, finding.location.column, finding.rule
        )?;
    }
    Ok(())
}
