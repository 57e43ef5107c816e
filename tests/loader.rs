//! Loader properties: every node's span slices back to exactly its source text, in YAML,
//! JSON and Markdown front matter; front-matter lines are the file's lines; and no input,
//! however broken, makes the loader panic or report a position outside the file.

use std::path::PathBuf;

use lessons::document::tree::{Node, Value};
use lessons::document::{parse_file, Format, ParsedFile};
use proptest::prelude::*;

/// A generated document: every scalar carries the exact text it is written as.
#[derive(Debug, Clone)]
enum Shape {
    Scalar(String),
    Map(Vec<(String, Shape)>),
    Seq(Vec<Shape>),
}

/// Plain, quoted and numeric YAML scalars, including multi-byte text and escapes.
fn yaml_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,8}( [a-z0-9]{1,6}){0,2}",
        "-?[1-9][0-9]{0,5}",
        "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
        "[a-zé–ü #:,]{0,12}".prop_map(|text| format!("\"{text}\"")),
        "[a-z ]{0,6}(\\\\n|\\\\\"|\\\\t)?[a-zß]{0,4}".prop_map(|text| format!("\"{text}\"")),
        "[a-z :#\"-]{0,10}".prop_map(|text| format!("'{text}'")),
        "[a-z]{1,4}''[a-z]{0,4}".prop_map(|text| format!("'{text}'")),
    ]
}

/// JSON scalars as serde_json writes them.
fn json_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zé–ü #:,\"\\\\\n\t]{0,12}".prop_map(|text| serde_json::to_string(&text).unwrap()),
        "-?[1-9][0-9]{0,5}",
        Just("true".to_owned()),
        Just("null".to_owned()),
    ]
}

fn shape(scalar: BoxedStrategy<String>) -> impl Strategy<Value = Shape> {
    scalar
        .prop_map(Shape::Scalar)
        .prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::btree_map("[a-z][a-z_]{0,7}", inner.clone(), 0..5)
                    .prop_map(|entries| Shape::Map(entries.into_iter().collect())),
                prop::collection::vec(inner, 0..5).prop_map(Shape::Seq),
            ]
        })
}

fn top_level_map(scalar: BoxedStrategy<String>) -> impl Strategy<Value = Shape> {
    prop::collection::btree_map("[a-z][a-z_]{0,7}", shape(scalar), 1..6)
        .prop_map(|entries| Shape::Map(entries.into_iter().collect()))
}

/// Block YAML, with `indent` spaces before every line of `shape`.
fn block_yaml(shape: &Shape, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    match shape {
        Shape::Scalar(text) => out.push_str(text),
        Shape::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Shape::Seq(items) if items.is_empty() => out.push_str("[]"),
        Shape::Map(entries) => {
            for (key, value) in entries {
                out.push_str(&format!("{pad}{key}:"));
                match value {
                    Shape::Map(inner) if !inner.is_empty() => {
                        out.push('\n');
                        out.push_str(&block_yaml(value, indent + 2));
                    }
                    Shape::Seq(inner) if !inner.is_empty() => {
                        out.push('\n');
                        out.push_str(&block_yaml(value, indent + 2));
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&block_yaml(value, 0));
                        out.push('\n');
                    }
                }
            }
        }
        Shape::Seq(items) => {
            for item in items {
                match item {
                    // `- key: value` with the rest of the mapping under it, as people write it.
                    Shape::Map(inner) if !inner.is_empty() => {
                        let nested = block_yaml(item, indent + 2);
                        out.push_str(&format!("{pad}- {}", &nested[indent + 2..]));
                    }
                    Shape::Seq(inner) if !inner.is_empty() => {
                        let nested = block_yaml(item, indent + 2);
                        out.push_str(&format!("{pad}- {}", &nested[indent + 2..]));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", block_yaml(item, 0))),
                }
            }
        }
    }
    out
}

fn json(shape: &Shape) -> String {
    match shape {
        Shape::Scalar(text) => text.clone(),
        Shape::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(key, value)| format!("\"{key}\": {}", json(value)))
                .collect();
            format!("{{\n{}\n}}", entries.join(",\n"))
        }
        Shape::Seq(items) => {
            let items: Vec<String> = items.iter().map(json).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn parse(name: &str, text: &str, format: Format) -> ParsedFile {
    parse_file(PathBuf::from(name), text.to_owned(), format)
}

/// Walks the parsed tree beside the shape it came from: every scalar's span is its text,
/// every key's span is the key (with its quotes in JSON).
fn assert_spans(text: &str, node: &Node, shape: &Shape) -> Result<(), TestCaseError> {
    match (shape, &node.value) {
        (Shape::Scalar(source), _) => {
            prop_assert_eq!(&text[node.span()], source.as_str());
        }
        (Shape::Map(entries), Value::Map(parsed)) => {
            prop_assert_eq!(entries.len(), parsed.len());
            for ((key, value), entry) in entries.iter().zip(parsed.iter()) {
                prop_assert_eq!(&entry.key, key);
                let written = &text[entry.key_span()];
                prop_assert!(
                    written == key || written == format!("\"{key}\""),
                    "key {key} written {written}"
                );
                assert_spans(text, &entry.value, value)?;
            }
        }
        (Shape::Seq(items), Value::Seq(parsed)) => {
            prop_assert_eq!(items.len(), parsed.len());
            for (item, node) in items.iter().zip(parsed.iter()) {
                assert_spans(text, node, item)?;
            }
        }
        (shape, value) => prop_assert!(false, "{shape:?} parsed as {value:?}"),
    }
    Ok(())
}

/// Every scalar of `node` with its line and column, in document order.
fn scalar_positions(file: &ParsedFile, node: &Node, out: &mut Vec<(usize, usize)>) {
    match &node.value {
        Value::Map(entries) => {
            for entry in entries.iter() {
                let key = file.source.location(&entry.key_span());
                out.push((key.line(), key.column()));
                scalar_positions(file, &entry.value, out);
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|item| scalar_positions(file, item, out)),
        _ => {
            let at = file.source.location(&node.span());
            out.push((at.line(), at.column()));
        }
    }
}

fn assert_sane(file: &ParsedFile) -> Result<(), TestCaseError> {
    let text = file.source.text();
    let lines = text.lines().count().max(1);
    for problem in &file.problems {
        prop_assert!(problem.span.start <= problem.span.end && problem.span.end <= text.len());
        prop_assert!(text.is_char_boundary(problem.span.start));
        prop_assert!(text.is_char_boundary(problem.span.end));
        let at = file.source.location(&problem.span);
        prop_assert!(
            at.line() >= 1 && at.line() <= lines + 1,
            "line {} of {lines}",
            at.line
        );
        prop_assert!(at.column >= 1);
    }
    for document in &file.documents {
        let mut stack = vec![&document.root];
        while let Some(node) = stack.pop() {
            prop_assert!(node.span().end <= text.len());
            prop_assert!(text.get(node.span()).is_some(), "span off a char boundary");
            match &node.value {
                Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                Value::Seq(items) => stack.extend(items.iter()),
                _ => {}
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Integration tests have no lib.rs beside them to store regressions next to.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn yaml_spans_slice_back_to_their_source(document in top_level_map(yaml_scalar().boxed())) {
        let text = block_yaml(&document, 0);
        let file = parse("doc.yaml", &text, Format::Yaml);
        prop_assert!(file.problems.is_empty(), "{:?}\n{text}", file.problems);
        prop_assert_eq!(file.documents.len(), 1);
        assert_spans(&text, &file.documents[0].root, &document)?;
    }

    #[test]
    fn json_spans_slice_back_to_their_source(document in top_level_map(json_scalar().boxed())) {
        let text = json(&document);
        let file = parse("doc.json", &text, Format::Json);
        prop_assert!(file.problems.is_empty(), "{:?}\n{text}", file.problems);
        assert_spans(&text, &file.documents[0].root, &document)?;
    }

    /// Several documents in one stream keep file offsets, not offsets within each document.
    #[test]
    fn every_document_of_a_stream_keeps_file_offsets(
        documents in prop::collection::vec(top_level_map(yaml_scalar().boxed()), 1..4),
    ) {
        let text: String = documents
            .iter()
            .map(|document| format!("---\n{}", block_yaml(document, 0)))
            .collect();
        let file = parse("stream.yaml", &text, Format::Yaml);
        prop_assert!(file.problems.is_empty(), "{:?}", file.problems);
        prop_assert_eq!(file.documents.len(), documents.len());
        for (parsed, document) in file.documents.iter().zip(&documents) {
            assert_spans(&text, &parsed.root, document)?;
        }
    }

    /// Front matter in both styles: each value is where the same YAML on its own puts it,
    /// moved down by the opening `---` line when there is one, and the body's sections are
    /// found at their headings.
    #[test]
    fn front_matter_lines_are_the_files_lines(
        document in top_level_map(yaml_scalar().boxed()),
        headings in prop::collection::vec("[A-Z][a-z]{2,8}( [a-z]{2,6})?", 0..4),
        comply_style in any::<bool>(),
    ) {
        let yaml = block_yaml(&document, 0);
        let standalone = parse("front.yaml", &yaml, Format::Yaml);
        let mut expected = Vec::new();
        scalar_positions(&standalone, &standalone.documents[0].root, &mut expected);

        let opening = if comply_style { "" } else { "---\n" };
        let body: String = headings.iter().map(|title| format!("\n## {title}\n\nSome text.\n")).collect();
        let text = format!("{opening}{yaml}---\n{body}");
        let file = parse("post-mortem.md", &text, Format::Markdown);
        prop_assert!(file.problems.is_empty(), "{:?}\n{text}", file.problems);
        let parsed = &file.documents[0];
        assert_spans(&text, &parsed.root, &document)?;

        let shift = usize::from(!comply_style);
        let mut found = Vec::new();
        scalar_positions(&file, &parsed.root, &mut found);
        let expected: Vec<(usize, usize)> = expected.iter().map(|&(line, column)| (line + shift, column)).collect();
        prop_assert_eq!(found, expected);

        let first_body_line = shift + yaml.lines().count() + 2;
        let sections = parsed.sections.as_ref().expect("markdown has sections");
        prop_assert_eq!(sections.len(), headings.len());
        for (index, (section, title)) in sections.iter().zip(&headings).enumerate() {
            prop_assert_eq!(&section.title, &title.to_lowercase());
            let line = file.source.location(&section.heading).line();
            prop_assert_eq!(line, first_body_line + 1 + index * 4);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        for (name, format) in [("a.yaml", Format::Yaml), ("a.json", Format::Json), ("a.md", Format::Markdown)] {
            assert_sane(&parse(name, &text, format))?;
        }
    }

    /// Fragments that break parsers: unclosed flows, anchors, tabs, stray document markers,
    /// a byte-order mark, CRLF and deep nesting.
    #[test]
    fn broken_yaml_never_panics(
        parts in prop::collection::vec(
            prop_oneof![
                Just("---\n"), Just("...\n"), Just("key: "), Just("- "), Just("  "), Just("\t"),
                Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(": "), Just("&a "),
                Just("*a"), Just("!!str "), Just("? "), Just("|\n"), Just(">-\n"), Just("\"é"),
                Just("'"), Just("#"), Just("\r\n"), Just("\n"), Just("\u{feff}"), Just("ü–"),
                Just("2026-02-30"), Just("[[[[[[[[[[[[[[[[[[[["), Just("id: INC-1\n"),
            ],
            0..40,
        ),
    ) {
        let text: String = parts.concat();
        for (name, format) in [("a.yaml", Format::Yaml), ("a.json", Format::Json), ("a.md", Format::Markdown)] {
            assert_sane(&parse(name, &text, format))?;
        }
    }
}
