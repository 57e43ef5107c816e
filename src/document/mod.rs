//! Documents: YAML, JSON and Markdown files parsed once into spanned value trees.

pub mod block;
pub mod body;
pub mod date;
pub mod markdown;
pub mod pattern;
pub mod schema;
pub mod tree;
pub mod yaml;
pub mod zone;

use std::path::PathBuf;
use std::sync::Arc;

pub use self::markdown::Section;
pub use self::tree::{Entry, Node, Step, Text, Value};
pub use crate::source::{Format, LineIndex, SourceFile, Span};

/// Something wrong with a file or document itself, found while loading (becomes `LL000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
    /// The field path of a wrong-typed field (`action_items[0].due`); empty for the file.
    pub path: String,
    /// The document a field problem is in: its id and kind.
    pub doc_id: Option<Arc<str>>,
    pub kind: Option<Arc<str>>,
    /// What to write at `span` instead, when that is certain (`Closed` → `closed`).
    pub fix: Option<String>,
}

impl LoadProblem {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        LoadProblem {
            message: message.into(),
            span,
            help: None,
            path: String::new(),
            doc_id: None,
            kind: None,
            fix: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Where a mapped field came from, for `lessons show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldOrigin {
    /// The target path: `detected`, `review.went_well`, `action_items`.
    pub target: String,
    /// `field start_time`, `heading "Root Causes"`, `file name`, `constant`, …
    pub from: String,
    pub span: Span,
}

/// One document: a YAML document of a stream, a JSON file, or a Markdown file's front
/// matter and body.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// Markdown body sections; `None` for YAML and JSON.
    pub sections: Option<Vec<Section>>,
    /// The kind the document declares (`kind:`, `type:`, or VERIS shape), normalised.
    pub declared_kind: Option<String>,
    pub id: Option<Arc<str>>,
    /// Where each mapped field came from, when `formats:` mapped the document.
    pub origins: Vec<FieldOrigin>,
    /// A Markdown body parsed as data, kept from parsing until `formats:` maps it.
    pub body: Option<std::sync::Arc<body::Body>>,
    /// The presets that mapped it.
    pub presets: Vec<String>,
    /// Why it is no document of its mapping's kind (a `skip:` condition of `formats:`):
    /// not checked.
    pub skipped: Option<String>,
    /// Whether it is only what a cache remembers of it (place, id, kind; no fields): read
    /// from its file when a rule looks it up.
    pub remembered: bool,
    /// What a remembered document names, by field: the ids the cache kept for each field
    /// `referencing` asked about, so that finding who names an id reads no file.
    pub names: Vec<(Arc<str>, Vec<Arc<str>>)>,
    /// Whether a remembered document's field is there and not blank, for each field
    /// `docs(kind, field)` asked about.
    pub having: Vec<(Arc<str>, bool)>,
}

impl Document {
    /// The ids a remembered document names in `field`, when its cache kept them; `None`
    /// for a document that was read (ask its fields) or a field the cache has no word of.
    pub fn kept_names(&self, field: &str) -> Option<&[Arc<str>]> {
        let (_, names) = self
            .names
            .iter()
            .filter(|_| self.remembered)
            .find(|(named, _)| **named == *field)?;
        Some(names)
    }

    /// Whether a remembered document has `field`, not blank, when its cache kept that.
    pub fn kept_has(&self, field: &str) -> Option<bool> {
        let (_, has) = self
            .having
            .iter()
            .filter(|_| self.remembered)
            .find(|(named, _)| **named == *field)?;
        Some(*has)
    }

    /// A document as a cache remembers it: where it is, its id and kind, why it was
    /// skipped; no fields. What a run whose findings all come from the cache lists.
    pub fn remembered(
        span: Span,
        id: Option<Arc<str>>,
        declared_kind: Option<String>,
        skipped: Option<String>,
        names: Vec<(Arc<str>, Vec<Arc<str>>)>,
        having: Vec<(Arc<str>, bool)>,
    ) -> Document {
        Document {
            root: Node {
                value: Value::map(Vec::new()),
                span: span.into(),
            },
            sections: None,
            declared_kind,
            id,
            origins: Vec::new(),
            body: None,
            presets: Vec::new(),
            skipped,
            remembered: true,
            names,
            having,
        }
    }

    fn new(root: Node, sections: Option<Vec<Section>>, format: Format) -> Self {
        let declared_kind = declared_kind(&root, format);
        // comply-style policies name themselves by `acronym`: `policies_affected: [SIRP]`.
        let id = root
            .get("id")
            .or_else(|| root.get("acronym"))
            .and_then(Node::scalar_text)
            .map(Arc::from);
        Document {
            root,
            sections,
            declared_kind,
            id,
            origins: Vec::new(),
            presets: Vec::new(),
            remembered: false,
            names: Vec::new(),
            having: Vec::new(),
            body: None,
            skipped: None,
        }
    }

    /// The span a finding at `path` points at (see [`Node::locate`]); `sections.<title>`
    /// points at a Markdown heading.
    /// The span of the plain value at `path` (see [`tree::Node::value_at`]); `None` for a
    /// path that is not all there, a collection, an empty value or a Markdown section.
    pub fn value_at(&self, path: &str) -> Option<Span> {
        self.root.value_at(&tree::parse_path(path)?)
    }

    pub fn locate(&self, path: &str) -> Span {
        let Some(steps) = tree::parse_path(path) else {
            return self.root.span();
        };
        if let ([Step::Key("sections"), Step::Key(title), ..], Some(sections)) =
            (steps.as_slice(), &self.sections)
        {
            if self.root.get("sections").is_none() {
                if let Some(section) = sections.iter().find(|s| s.title == *title) {
                    return section.heading.clone();
                }
                return self.root.span();
            }
        }
        self.root.locate(&steps)
    }
}

/// Everything one file yields.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: Arc<SourceFile>,
    pub documents: Vec<Document>,
    pub problems: Vec<LoadProblem>,
}

/// Parses a file's text; never fails: what cannot be read becomes a [`LoadProblem`].
pub fn parse_file(path: PathBuf, text: String, format: Format) -> ParsedFile {
    parse_file_for(path, text, format, false)
}

/// [`parse_file`], reading a Markdown body as data too when `body` says a `formats:`
/// mapping will want it: the body is parsed once, for the mapping and `doc.sections` alike.
pub fn parse_file_for(path: PathBuf, text: String, format: Format, body: bool) -> ParsedFile {
    let source = Arc::new(SourceFile::new(
        path,
        lone_carriage_returns_as_newlines(text),
        format,
    ));
    let text: &str = source.text();
    let mut problems = Vec::new();
    let mut documents = Vec::new();
    match format {
        Format::Yaml => {
            let stream = yaml::parse_in(text, 0, Some(&source));
            problems.extend(stream.problems);
            documents.extend(
                stream
                    .documents
                    .into_iter()
                    .map(|root| Document::new(root, None, format)),
            );
        }
        Format::Json => {
            // serde_json names JSON's own errors precisely; saphyr then gives the spans
            // (JSON is YAML 1.2 flow syntax).
            // A byte-order mark is not JSON, but Windows tools write one: read past it.
            let (json, base) = match text.strip_prefix('\u{feff}') {
                Some(rest) => (rest, text.len() - rest.len()),
                None => (text, 0),
            };
            if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(json) {
                let column = error.column() + usize::from(error.line() == 1 && base > 0);
                let offset = source_offset(source.lines(), text, error.line(), column);
                problems.push(LoadProblem::new(
                    format!("JSON syntax error: {}", strip_position(&error.to_string())),
                    offset..offset,
                ));
            } else {
                let stream = yaml::parse_in(json, base, Some(&source));
                problems.extend(stream.problems);
                documents.extend(
                    stream
                        .documents
                        .into_iter()
                        .take(1)
                        .map(|root| Document::new(root, None, format)),
                );
            }
        }
        Format::Markdown => match markdown::find_front_matter(text) {
            markdown::Header::Found(front) => {
                let stream =
                    yaml::parse_in(&text[front.yaml.clone()], front.yaml.start, Some(&source));
                let (sections, parsed_body) = body_sections(text, front.body_start, body);
                if stream.problems.is_empty() || !front.headerless {
                    problems.extend(stream.problems);
                } else {
                    let mut problem = stream.problems.into_iter().next().unwrap_or_else(|| {
                        LoadProblem::new("front matter does not parse", front.yaml.clone())
                    });
                    problem.message = format!("front matter: {}", problem.message);
                    problem.help = Some(
                        "the YAML header above the first `---` line does not parse; fix its indentation or quoting"
                            .into(),
                    );
                    problems.push(problem);
                }
                let root = stream
                    .documents
                    .into_iter()
                    .next()
                    .filter(|root| matches!(root.value, Value::Map(_)))
                    .unwrap_or_else(|| empty_map(front.yaml.start));
                let mut document = Document::new(root, Some(sections), format);
                document.body = parsed_body;
                documents.push(document);
            }
            markdown::Header::Unclosed { opening } => {
                problems.push(
                    LoadProblem::new("front matter opened with `---` is never closed", opening)
                        .with_help("close the front matter with a `---` line before the body"),
                );
            }
            markdown::Header::None => {
                let (sections, parsed_body) = body_sections(text, 0, body);
                let mut document = Document::new(empty_map(0), Some(sections), format);
                document.body = parsed_body;
                documents.push(document);
            }
        },
    }
    ParsedFile {
        source,
        documents,
        problems,
    }
}

/// The sections of the body at `start`, and the body as data when `wanted`.
fn body_sections(
    text: &str,
    start: usize,
    wanted: bool,
) -> (Vec<Section>, Option<Arc<body::Body>>) {
    if !wanted {
        return (markdown::sections(text, start), None);
    }
    let body = body::parse(text, start);
    (
        markdown::sections_of(text, &body.headings),
        Some(Arc::new(body)),
    )
}

fn empty_map(at: usize) -> Node {
    Node {
        value: Value::map(Vec::new()),
        span: (at..at).into(),
    }
}

/// Old Mac files break lines with a lone `\r`, which YAML reads as a line break and the
/// line index would not: each becomes `\n`, byte for byte, so every offset stays the file's.
fn lone_carriage_returns_as_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    for at in 0..bytes.len() {
        if bytes[at] == b'\r' && bytes.get(at + 1) != Some(&b'\n') {
            bytes[at] = b'\n';
        }
    }
    // An ASCII byte for another: still UTF-8.
    String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

fn source_offset(lines: &LineIndex, text: &str, line: usize, column: usize) -> usize {
    let span = lines.line_span(text, line.max(1));
    let line_text = &text[span.clone()];
    let within = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(at, _)| at);
    span.start + within
}

/// serde_json appends " at line L column C"; the diagnostic shows the position itself.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

/// The kind aliases of the spec, normalised to their kind.
pub fn normalise_kind(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let kind = match lower.as_str() {
        "postmortem"
        | "post-mortem"
        | "after-action-review"
        | "incident-review"
        | "debrief"
        | "retrospective" => "incident",
        "standard" | "procedure" | "plan" => "policy",
        "playbook" => "runbook",
        "people" | "staff" => "roster",
        "access_review" => "access-review",
        _ => return lower,
    };
    kind.to_owned()
}

fn declared_kind(root: &Node, format: Format) -> Option<String> {
    let named = root
        .get("kind")
        .and_then(Node::as_str)
        .or_else(|| root.get("type").and_then(Node::as_str))
        .filter(|kind| !kind.trim().is_empty());
    if let Some(kind) = named {
        return Some(normalise_kind(kind));
    }
    // The VERIS community format, recognised by shape.
    if format == Format::Json
        && root.get("schema_version").is_some()
        && root.get("incident_id").is_some()
    {
        return Some("veris".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> ParsedFile {
        let path = PathBuf::from(name);
        let format = Format::of(&path).expect("format");
        parse_file(path, text.to_owned(), format)
    }

    #[test]
    fn kinds_come_from_kind_type_or_shape() {
        let file = parse(
            "a.yaml",
            "kind: Post-Mortem\nid: INC-1\n---\ntype: playbook\n---\nname: x\n",
        );
        let kinds: Vec<_> = file
            .documents
            .iter()
            .map(|d| d.declared_kind.clone())
            .collect();
        assert_eq!(
            kinds,
            [Some("incident".into()), Some("runbook".into()), None]
        );
        let veris = parse(
            "v.json",
            r#"{"schema_version": "1.3.4", "incident_id": "X"}"#,
        );
        assert_eq!(veris.documents[0].declared_kind.as_deref(), Some("veris"));
    }

    #[test]
    fn json_errors_point_at_their_line_and_column() {
        let file = parse("a.json", "{\n  \"id\": \"INC-1\",\n  \"title\": oops\n}\n");
        assert_eq!(file.problems.len(), 1);
        let location = file.source.location(&file.problems[0].span);
        assert_eq!((location.line(), location.column()), (3, 12));
    }

    #[test]
    fn markdown_front_matter_spans_match_the_whole_file() {
        let text = "---\nid: INC-7\nstatus: closed\n---\n# Post-mortem\n## Root cause\nNo MFA on the VPN.\n";
        let file = parse("a.md", text);
        let document = &file.documents[0];
        let status = document.locate("status");
        assert_eq!(&text[status.clone()], "closed");
        assert_eq!(file.source.location(&status).line(), 3);
        let heading = document.locate("sections.root cause");
        assert_eq!(file.source.location(&heading).line(), 6);
    }

    #[test]
    fn a_broken_comply_header_is_reported_at_its_line() {
        // The header of comply's own malformed fixture `policies/invalid-access.md`.
        let text = "name: Access Policy\nsatisfies:\nTSC:\n- CC6.1\n  - CC6.2\n\
                    majorRevisions:\n- date: Jun 1 2018\n   comment: Initial document\n---\n# Purpose\n";
        let file = parse("a.md", text);
        assert_eq!(file.problems.len(), 1, "{:?}", file.problems);
        let location = file.source.location(&file.problems[0].span);
        assert_eq!(location.line(), 8);
    }
}
