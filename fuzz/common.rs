//! Checks shared by the fuzz targets: every span a document, a problem or a finding
//! carries must point inside its file, on character boundaries (the human renderer slices
//! the text there to draw a code frame), and the two ways of turning a span into a line and
//! column (counting, or the line index) must agree.

#![allow(dead_code)]

use std::sync::Arc;

use lessons::document::{schema, Document, LineIndex, Node, ParsedFile, SourceFile, Span, Value};

/// The kinds the schema knows fields of.
pub const KINDS: [&str; 5] = ["incident", "policy", "runbook", "roster", "access-review"];

/// Turns `span` into a place the way every renderer does, and checks it.
pub fn touch_span(source: &SourceFile, span: &Span, what: &str) {
    let text: &str = source.text();
    // The real span → line/column function (a counted location for small files).
    let location = source.location(span);
    assert!(
        span.start <= text.len() && span.end <= text.len(),
        "{what}: span {span:?} lies outside the file ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} is not on character boundaries of the file \
         (the human renderer slices the text there)"
    );
    // Both ways of counting agree (the line index is used for large files).
    let indexed = LineIndex::new(text).location(text, span);
    let counted = LineIndex::scan_location(text, span);
    assert_eq!(indexed, counted, "{what}: line index and line count disagree on {span:?}");
    assert_eq!(location, counted, "{what}: SourceFile::location disagrees on {span:?}");
    assert!(location.line() >= 1 && location.column() >= 1, "{what}: {location:?}");
}

/// Every node of the tree: its span, its key spans, and its text (a verbatim or quoted text
/// is read back from the file at its span, so a wrong span loses the text).
pub fn walk(source: &SourceFile, node: &Node, path: &mut String, paths: &mut Vec<String>, depth: usize) {
    touch_span(source, &node.span(), "node");
    if matches!(node.value, Value::Verbatim(_) | Value::Quoted(_)) {
        assert!(
            node.as_str().is_some(),
            "a text node at {:?} cannot be read back from the file",
            node.span()
        );
    }
    let _ = node.scalar_text();
    if paths.len() < 256 {
        paths.push(path.clone());
    }
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Seq(items) => {
            for (index, item) in items.iter().enumerate() {
                let before = path.len();
                path.push_str(&format!("[{index}]"));
                walk(source, item, path, paths, depth + 1);
                path.truncate(before);
            }
        }
        Value::Map(entries) => {
            for entry in entries.iter() {
                touch_span(source, &entry.key_span(), "key");
                let before = path.len();
                let key = entry.key.as_str();
                // A key with `.` or `[` cannot be named by a finding path.
                let nameable = !key.is_empty() && !key.contains(['.', '[', ']']);
                if nameable {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                walk(source, &entry.value, path, paths, depth + 1);
                path.truncate(before);
            }
        }
        _ => {}
    }
}

/// A document, as the loader and then the rules see it: the tree, its sections and
/// origins, the place of every path a finding could name, and its fields checked against
/// each kind's schema (what the loader does once the kind is known).
pub fn touch_document(source: &SourceFile, document: &Document) {
    let mut paths = Vec::new();
    walk(source, &document.root, &mut String::new(), &mut paths, 0);
    for path in &paths {
        touch_span(source, &document.locate(path), "located path");
    }
    touch_span(source, &document.locate("no.such[3].field"), "located missing path");
    if let Some(sections) = &document.sections {
        for section in sections {
            touch_span(source, &section.heading, "section heading");
            let located = document.locate(&format!("sections.{}", section.title));
            touch_span(source, &located, "located section");
        }
    }
    for origin in &document.origins {
        touch_span(source, &origin.span, "field origin");
    }
    let text: &str = source.text();
    let declared = document.declared_kind.as_deref();
    for kind in declared.into_iter().chain(KINDS) {
        for problem in schema::validate(document, kind, text) {
            touch_span(source, &problem.span, "field problem");
        }
        for miss in schema::near_misses(document, kind) {
            touch_span(source, &miss.key_span, "near miss");
        }
    }
}

/// Everything one parsed file yields.
pub fn touch_parsed(parsed: &ParsedFile) {
    let source: &Arc<SourceFile> = &parsed.source;
    for problem in &parsed.problems {
        touch_span(source, &problem.span, "load problem");
        let _ = (&problem.message, &problem.help);
    }
    for document in &parsed.documents {
        touch_document(source, document);
    }
}

/// The file's text as the loader reads it: a file that is not UTF-8 is not parsed (it
/// becomes one "not valid UTF-8" problem), so such inputs are skipped.
pub fn text_of(data: &[u8]) -> Option<String> {
    String::from_utf8(data.to_vec()).ok()
}
