//! The text of a file and places in it: what a finding points at and a renderer quotes,
//! below documents, findings and everything that reads either.

pub mod lines;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use self::lines::LineIndex;

/// A byte range in the source file (not in the front matter: offsets are file offsets).
pub type Span = std::ops::Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Markdown,
}

impl Format {
    /// The format a file name says; a template suffix (`access.md.tmpl`, `plan.yaml.j2`)
    /// is looked through, as policy template repositories name their files.
    pub fn of(path: &Path) -> Option<Format> {
        let mut extension = path.extension()?.to_str()?.to_ascii_lowercase();
        if matches!(
            extension.as_str(),
            "tmpl" | "tpl" | "j2" | "jinja" | "template"
        ) {
            extension = Path::new(path.file_stem()?)
                .extension()?
                .to_str()?
                .to_ascii_lowercase();
        }
        match extension.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// A file's text, kept for code frames, with its line index.
pub struct SourceFile {
    /// Relative to the repository root; shared with every finding in the file.
    pub path: Arc<Path>,
    text: std::sync::OnceLock<Arc<str>>,
    /// How to read the text of a file a cache remembers, when something first needs it: a
    /// run whose findings all come from the cache reads none of its unchanged files.
    deferred: Option<Deferred>,
    /// Built the first time a place in the file is asked for: most files of a large
    /// repository have no finding, and their index would only take room.
    lines: std::sync::OnceLock<LineIndex>,
    pub format: Format,
}

/// The text of a file, read later.
pub struct Deferred {
    pub read: Box<dyn Fn() -> String + Send + Sync>,
    /// Whether the text holds an inline waiver (`lessons: allow`), known without reading it.
    pub allows: bool,
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SourceFile")
            .field("path", &self.path)
            .field("text", &self.text.get())
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String, format: Format) -> Self {
        let file = SourceFile::deferred(path, format, None);
        let _ = file.text.set(Arc::from(text));
        file
    }

    /// A file whose text is read by `deferred` when first asked for.
    pub fn deferred(path: PathBuf, format: Format, deferred: Option<Deferred>) -> Self {
        SourceFile {
            path: path.into(),
            text: std::sync::OnceLock::new(),
            deferred,
            lines: std::sync::OnceLock::new(),
            format,
        }
    }

    /// The file's text (read now if it was deferred and no one needed it yet).
    pub fn text(&self) -> &Arc<str> {
        self.text.get_or_init(|| {
            Arc::from(
                self.deferred
                    .as_ref()
                    .map(|deferred| (deferred.read)())
                    .unwrap_or_default(),
            )
        })
    }

    /// Whether the text may hold an inline waiver: false only when it is deferred and the
    /// cache knows it holds none, so that looking does not read it.
    pub fn may_allow(&self) -> bool {
        self.text.get().is_some()
            || self
                .deferred
                .as_ref()
                .is_none_or(|deferred| deferred.allows)
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text()))
    }

    pub fn location(&self, span: &Span) -> Location {
        // Counting the lines of a small file is cheaper than an index kept for it.
        const INDEXED: usize = 64 << 10;
        let text = self.text();
        if text.len() <= INDEXED && self.lines.get().is_none() {
            return LineIndex::scan_location(text, span);
        }
        self.lines().location(text, span)
    }
}

/// A place in a source file: a byte range plus its 1-based line and column (in characters)
/// at both ends, so renderers never search the text again. 32 bits each: a document is far
/// smaller than 4 GiB, and a run of 100,000 incidents holds 400,000 of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Location {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    /// A place counted in `usize`, held in 32 bits (past 4 GiB it stays at the 4 GiB mark).
    pub fn new(
        span: std::ops::Range<usize>,
        (line, column): (usize, usize),
        (end_line, end_column): (usize, usize),
    ) -> Location {
        let small = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
        Location {
            start: small(span.start),
            end: small(span.end),
            line: small(line),
            column: small(column),
            end_line: small(end_line),
            end_column: small(end_column),
        }
    }

    /// The byte range in the file.
    pub fn span(&self) -> std::ops::Range<usize> {
        wide(self.start)..wide(self.end)
    }

    pub fn line(&self) -> usize {
        wide(self.line)
    }

    pub fn column(&self) -> usize {
        wide(self.column)
    }

    pub fn end_line(&self) -> usize {
        wide(self.end_line)
    }

    pub fn end_column(&self) -> usize {
        wide(self.end_column)
    }
}

/// A 32-bit place as an index.
fn wide(number: u32) -> usize {
    usize::try_from(number).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_suffixes_are_looked_through() {
        assert_eq!(
            Format::of(Path::new("p/access.md.tmpl")),
            Some(Format::Markdown)
        );
        assert_eq!(Format::of(Path::new("plan.yaml.j2")), Some(Format::Yaml));
        assert_eq!(Format::of(Path::new("notes.tmpl")), None);
        assert_eq!(Format::of(Path::new("README")), None);
    }
}
