//! `lessons check --fix` and `--diff`: the safe fixes findings carry, applied to their
//! files. The same fixes are the language server's quick fixes.
//!
//! A fix is applied only when it is certain and harmless: the finding is not waived, no
//! other fix of the file overlaps it, and the file still reads as well after as before
//! (no load problem it did not have — a renamed field that now repeats a key is not
//! written). Files are written atomically, never through a symbolic link, and only inside
//! the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::Outcome;
use crate::finding::{Finding, Fix};
use crate::workspace::Workspace;

/// The fixes of a file's findings that can be applied together: unwaived, one per span,
/// none overlapping another (the first in the file wins; the rest wait for the next run).
pub fn safe_fixes<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<&'a Fix> {
    let mut fixes: Vec<&Fix> = findings
        .into_iter()
        .filter(|finding| finding.suppression.is_none())
        .filter_map(|finding| finding.fix.as_deref())
        .collect();
    fixes.sort_by_key(|fix| (fix.start, fix.end));
    fixes.dedup_by(|later, earlier| later.start == earlier.start && later.end == earlier.end);
    let mut taken: Vec<&Fix> = Vec::new();
    for fix in fixes {
        if taken.last().is_none_or(|last| last.end <= fix.start) {
            taken.push(fix);
        }
    }
    taken
}

/// `text` with `fixes` (in order, none overlapping) applied; `None` when one does not fit
/// the text (a span past its end or inside a character).
pub fn applied(text: &str, fixes: &[&Fix]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for fix in fixes {
        let span = fix.span();
        out.push_str(text.get(at..span.start)?);
        text.get(span.clone())?;
        out.push_str(&fix.replacement);
        at = span.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// One file's fixes: its text before and after.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// Relative to the repository root.
    pub path: Arc<Path>,
    pub before: String,
    pub after: String,
    /// How many fixes made the change.
    pub fixes: usize,
}

/// Every reported file's safe fixes that leave it reading as well as before.
pub fn fixes_of(outcome: &Outcome) -> Vec<Fixed> {
    let mut fixed = Vec::new();
    for group in outcome.findings.chunk_by(|a, b| a.file == b.file) {
        let path = &group[0].file;
        if !outcome.reports_on(path) {
            continue;
        }
        let Some(source) = outcome.source(path) else {
            continue;
        };
        let before: &str = source.text();
        let fixes = safe_fixes(group);
        let reading = Reading::of(&outcome.workspace, &outcome.root, path, before);
        if let Some(after) = reading.certain(&fixes) {
            fixed.push(Fixed {
                path: Arc::clone(path),
                before: before.to_owned(),
                after,
                fixes: fixes.len(),
            });
        }
    }
    fixed
}

/// A file as it reads before its fixes: what a fix must not make worse. Made once per
/// file and asked of each set of fixes (the editor asks of every finding in view); the
/// file is parsed when first asked. What `--fix` writes and what the editor offers go
/// through here alike.
pub struct Reading<'a> {
    workspace: &'a Workspace,
    root: &'a Path,
    /// Relative to the root.
    path: &'a Path,
    text: &'a str,
    before: std::cell::OnceCell<Before>,
}

/// What a file held before its fixes: its number of documents, their kinds, and its load
/// problems (of no kind or of one of those kinds), sorted.
struct Before {
    documents: usize,
    kinds: Vec<Option<Arc<str>>>,
    problems: Vec<String>,
}

impl<'a> Reading<'a> {
    pub fn of(workspace: &'a Workspace, root: &'a Path, path: &'a Path, text: &'a str) -> Self {
        Reading {
            workspace,
            root,
            path,
            text,
            before: std::cell::OnceCell::new(),
        }
    }

    /// The text with `fixes` applied, when they change it, fit it and leave it reading as
    /// well as before; `None` otherwise.
    pub fn certain(&self, fixes: &[&Fix]) -> Option<String> {
        if fixes.is_empty() {
            return None;
        }
        let after = applied(self.text, fixes)?;
        (after != self.text && self.reads_as_well(&after)).then_some(after)
    }

    /// Whether `after` loads with no problem the text did not have: the configuration
    /// parses still; a document file has as many documents and no new load problem — but
    /// for the field problems of a document that only now has its kind (`kind: incidnt`
    /// fixed shows what its fields hold, which the next fix or the writer mends).
    fn reads_as_well(&self, after: &str) -> bool {
        // The configuration's findings name it as the run does: relative to the root.
        let is_config =
            self.workspace.config_path.as_deref().is_some_and(|config| {
                config.strip_prefix(self.root).unwrap_or(config) == self.path
            });
        if is_config {
            return crate::workspace::Config::parse(self.path, after).is_ok();
        }
        let reader = &self.workspace.reader;
        let read = |text: &str| reader.settle(reader.parse_text(self.path, text.to_owned()));
        let problems = |file: &crate::workspace::SettledFile, kinds: &[Option<Arc<str>>]| {
            let mut messages: Vec<String> = file
                .problems
                .iter()
                .filter(|problem| problem.kind.is_none() || kinds.contains(&problem.kind))
                .map(|problem| problem.message.clone())
                .collect();
            messages.sort();
            messages
        };
        let before = self.before.get_or_init(|| {
            let was = read(self.text);
            let kinds: Vec<Option<Arc<str>>> =
                was.documents.iter().map(|(_, kind)| kind.clone()).collect();
            Before {
                documents: was.documents.len(),
                problems: problems(&was, &kinds),
                kinds,
            }
        });
        let is = read(after);
        before.documents == is.documents.len()
            && problems(&is, &before.kinds)
                .iter()
                .all(|problem| before.problems.binary_search(problem).is_ok())
    }
}

/// Writes each fixed file in place of the old one, atomically; files outside `root` or
/// behind a symbolic link in it are refused. The errors, by file.
pub fn write(root: &Path, fixed: &[Fixed]) -> Vec<(PathBuf, String)> {
    let mut refused = Vec::new();
    for file in fixed {
        let path = root.join(&file.path);
        let inside = crate::workspace::read::lexically_inside(&path, root).is_some();
        if !inside || file.path.is_absolute() {
            refused.push((path, "outside the repository: not written".to_owned()));
            continue;
        }
        // Written in place of the old one, with its mode (see `write_atomically`).
        if let Err(error) = crate::output::write_atomically(&path, root, file.after.as_bytes()) {
            refused.push((path, error.to_string()));
        }
    }
    refused
}

/// The fixes as a unified diff, `a/` and `b/` paths relative to the root, as `git diff`
/// and `ruff --diff` print them.
pub fn diff(fixed: &[Fixed]) -> String {
    let mut out = String::new();
    for file in fixed {
        let name = crate::finding::display_path(&file.path);
        let diff = similar::TextDiff::from_lines(&file.before, &file.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(start: u32, end: u32, replacement: &str) -> Fix {
        Fix {
            start,
            end,
            replacement: replacement.into(),
            title: "".into(),
        }
    }

    #[test]
    fn fixes_are_applied_in_order_and_one_that_does_not_fit_stops_all() {
        let text = "status: Closed\nrootcause: x\n";
        let a = fix(8, 14, "closed");
        let b = fix(15, 24, "root_cause");
        assert_eq!(
            applied(text, &[&a, &b]).unwrap(),
            "status: closed\nroot_cause: x\n"
        );
        let past = fix(20, 99, "x");
        assert_eq!(applied(text, &[&past]), None);
        // One that does not fit stops the others with it.
        assert_eq!(applied(text, &[&a, &past]), None);
        let inside = fix(7, 8, "x");
        assert_eq!(
            applied("é: ü\n", &[&fix(1, 2, "x")]),
            None,
            "inside a character"
        );
        assert_eq!(
            applied(text, &[&inside]).unwrap(),
            "status:xClosed\nrootcause: x\n"
        );
    }
}
