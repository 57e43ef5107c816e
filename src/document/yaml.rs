//! YAML (and JSON, a subset of it) folded from `saphyr-parser` events into spanned nodes.
//!
//! An explicit stack rather than recursion, and a depth cap, so a hostile file cannot
//! overflow the stack. Aliases are refused: expanding them is how "billion laughs" files
//! blow up memory, and policy documents have no need for them.

use saphyr_parser::{Event, Parser, ScalarStyle, Span as MarkSpan, Tag};
use std::collections::HashSet;
use std::sync::Arc;

use super::tree::{shared_text, Entry, Node, Span, Text, Value};
use super::{LoadProblem, SourceFile};

/// Nesting deeper than this is refused with a finding.
pub const MAX_DEPTH: usize = 64;

/// A list or mapping longer than this is refused with a finding, while it is read: a
/// timeline of 100,000 entries is already a log pasted whole, not a record.
pub const MAX_ITEMS: usize = 100_000;

thread_local! {
    /// This thread's bound on a collection (the configuration's `limits: max_items`),
    /// set by the loader for the files it parses.
    static ITEMS: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_ITEMS) };
}

/// The longest list or mapping the parsers on this thread accept.
pub fn max_items() -> usize {
    ITEMS.with(std::cell::Cell::get)
}

/// Sets [`max_items`] for what this thread parses next.
pub fn set_max_items(items: usize) {
    ITEMS.with(|bound| bound.set(items.max(1)));
}

/// The documents of one YAML stream, and what went wrong in it.
#[derive(Debug, Default)]
pub struct YamlStream {
    /// One root node per non-empty document, in file order.
    pub documents: Vec<Node>,
    pub problems: Vec<LoadProblem>,
}

/// Saphyr counts characters; findings need byte offsets into the file.
struct ByteOffsets<'a> {
    text: &'a str,
    /// Byte offset of every character; empty when the text is ASCII (offset == index).
    table: Vec<usize>,
    base: usize,
}

impl<'a> ByteOffsets<'a> {
    fn new(text: &'a str, base: usize) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(offset, _)| offset).collect()
        };
        ByteOffsets { text, table, base }
    }

    /// Byte offset in the file of the character at `index` of this text.
    fn at(&self, index: usize) -> usize {
        let local = if self.table.is_empty() {
            index.min(self.text.len())
        } else {
            self.table.get(index).copied().unwrap_or(self.text.len())
        };
        self.base + local
    }

    fn span(&self, span: &MarkSpan) -> Span {
        self.at(span.start.index())..self.at(span.end.index())
    }

    fn slice(&self, span: &Span) -> &'a str {
        self.text
            .get(span.start - self.base..span.end - self.base)
            .unwrap_or("")
    }
}

enum Frame {
    Seq {
        start: Span,
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        flow: bool,
        entries: Vec<Entry>,
        key: Option<(Text, Span)>,
        /// The keys so far, for the duplicate check of a large mapping: a set, so a hostile
        /// mapping with a million keys costs a million lookups, not a million squared
        /// comparisons.
        keys: HashSet<Text>,
    },
}

/// Parses `text`, which starts at byte `base` of its file (front matter is not at 0).
pub fn parse(text: &str, base: usize) -> YamlStream {
    parse_in(text, base, None)
}

/// [`parse`] for the text at `base` of `file`: a plain scalar's text stays in the file
/// ([`Value::Verbatim`]) instead of being copied into the tree.
pub fn parse_in(text: &str, base: usize, file: Option<&Arc<SourceFile>>) -> YamlStream {
    match super::block::parse_in(text, base, file) {
        Some(root) => YamlStream {
            documents: vec![root],
            problems: Vec::new(),
        },
        None => parse_events_in(text, base, file),
    }
}

/// [`parse`] through saphyr's events, whatever the YAML: the reference the block reader is
/// held to.
pub fn parse_events(text: &str, base: usize) -> YamlStream {
    parse_events_in(text, base, None)
}

/// [`parse_events`] for the text at `base` of `file`, as [`parse_in`].
pub fn parse_events_in(text: &str, base: usize, file: Option<&Arc<SourceFile>>) -> YamlStream {
    let offsets = ByteOffsets::new(text, base);
    let mut stream = YamlStream::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;

    for event in Parser::new_from_str(text) {
        let (event, marks) = match event {
            Ok(event) => event,
            Err(error) => {
                let at = offsets.at(error.marker().index());
                stream.problems.push(LoadProblem::new(
                    format!("YAML syntax error: {}", error.info()),
                    at..at,
                ));
                return stream;
            }
        };
        let span = offsets.span(&marks);
        let completed = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                stack.clear();
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                // A trailing `---` opens an empty document: nothing to check there.
                if let Some(node) = root.take().filter(|node| !is_implicit_null(node)) {
                    stream.documents.push(node);
                }
                continue;
            }
            Event::Alias(_) => {
                stream.problems.push(
                    LoadProblem::new("YAML aliases are not supported in lessons documents", span)
                        .with_help("write the value out instead of `*alias`"),
                );
                return stream;
            }
            Event::Scalar(text, style, _anchor, tag) => {
                let span = scalar_span(&offsets, span, style);
                let value = typed_scalar(&text, style, tag.as_deref())
                    .unwrap_or_else(|| Value::text_in(&text, &span, file));
                Node {
                    value,
                    span: span.into(),
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    stream.problems.push(
                        LoadProblem::new(
                            format!("nesting deeper than {MAX_DEPTH} levels"),
                            span.start..span.start,
                        )
                        .with_help("flatten the structure; no lessons document needs this depth"),
                    );
                    return stream;
                }
                let flow = !span.is_empty();
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start: span,
                        flow,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start: span,
                        flow,
                        entries: Vec::new(),
                        key: None,
                        keys: HashSet::new(),
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { start, flow, items }) => {
                    let end =
                        collection_end(flow, &span, &start, items.last().map(Node::span).as_ref());
                    Node {
                        value: Value::list(items),
                        span: (start.start..end).into(),
                    }
                }
                Some(Frame::Map {
                    start,
                    flow,
                    entries,
                    ..
                }) => {
                    let end = collection_end(
                        flow,
                        &span,
                        &start,
                        entries.last().map(|e| e.value.span()).as_ref(),
                    );
                    Node {
                        value: Value::map(entries),
                        span: (start.start..end).into(),
                    }
                }
                None => continue,
            },
        };
        if let Err(problem) = attach(&mut stack, &mut root, completed) {
            stream.problems.push(*problem);
            return stream;
        }
    }
    if let Some(node) = root.take() {
        stream.documents.push(node);
    }
    stream
}

/// A block collection's end event sits at the next token, past blank lines and comments:
/// end it at its last child instead.
fn collection_end(flow: bool, end_event: &Span, start: &Span, last_child: Option<&Span>) -> usize {
    if flow {
        end_event.end
    } else {
        last_child.map_or(start.end, |span| span.end)
    }
}

/// Strips the anchor and tag saphyr includes in a scalar's span, and the trailing line
/// breaks and indentation of block scalars, so the span is exactly the value's text.
fn scalar_span(offsets: &ByteOffsets<'_>, span: Span, style: ScalarStyle) -> Span {
    let source = offsets.slice(&span);
    let mut skip = 0;
    let mut rest = source;
    while rest.starts_with('&') || rest.starts_with('!') {
        let token = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let after = rest[token..].trim_start();
        skip += rest.len() - after.len();
        rest = after;
    }
    let mut end = span.end;
    if matches!(
        style,
        ScalarStyle::Literal | ScalarStyle::Folded | ScalarStyle::Plain
    ) {
        end = span.start + skip + rest.trim_end().len();
    }
    (span.start + skip).min(end)..end
}

fn attach(
    stack: &mut [Frame],
    root: &mut Option<Node>,
    node: Node,
) -> Result<(), Box<LoadProblem>> {
    let limit = max_items();
    match stack.last() {
        Some(Frame::Seq { items, start, .. }) if items.len() >= limit => {
            return Err(too_many("list", "items", limit, start));
        }
        Some(Frame::Map {
            entries,
            start,
            key: Some(_),
            ..
        }) if entries.len() >= limit => {
            return Err(too_many("mapping", "keys", limit, start));
        }
        _ => {}
    }
    match stack.last_mut() {
        None => {
            *root = Some(node);
            Ok(())
        }
        Some(Frame::Seq { items, .. }) => {
            items.push(node);
            Ok(())
        }
        Some(Frame::Map {
            entries, key, keys, ..
        }) => match key.take() {
            Some((name, key_span)) => {
                // Most mappings are small: a scan of their keys beats hashing each; the set
                // takes over past a few dozen.
                const SCANNED: usize = 32;
                let duplicate = if entries.len() < SCANNED {
                    entries.iter().any(|entry| entry.key == name)
                } else {
                    if keys.is_empty() {
                        keys.extend(entries.iter().map(|entry| entry.key.clone()));
                    }
                    !keys.insert(name.clone())
                };
                if duplicate {
                    let problem = LoadProblem::new(format!("duplicate key `{name}`"), key_span)
                        .with_help(format!(
                            "`{name}` is already set above in this mapping; keep one of them"
                        ));
                    return Err(Box::new(problem));
                }
                entries.push(Entry {
                    key: name,
                    key_span: key_span.into(),
                    value: node,
                });
                Ok(())
            }
            None => {
                let span_of_key = node.span();
                match key_text(&node) {
                    Some(name) => {
                        *key = Some((name, span_of_key));
                        Ok(())
                    }
                    None => Err(Box::new(LoadProblem::new(
                        "a mapping or sequence used as a key is not supported",
                        span_of_key,
                    ))),
                }
            }
        },
    }
}

fn too_many(what: &str, of: &str, limit: usize, start: &Span) -> Box<LoadProblem> {
    Box::new(
        LoadProblem::new(
            format!("a {what} of more than {limit} {of}: not read"),
            start.start..start.start,
        )
        .with_help(
            "split it into several documents, or raise `limits: max_items` in .lessons.yaml",
        ),
    )
}

/// A scalar key as the tree holds keys: `1: x` is the key `"1"`, `null: x` or `: x` the
/// empty key; `None` for a collection.
pub fn key_text(node: &Node) -> Option<Text> {
    match node.value {
        Value::Null => Some(Text::new()),
        Value::Seq(_) | Value::Map(_) => None,
        Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_) => node.text(),
        _ => node.scalar_text().map(|text| shared_text(&text)),
    }
}

/// A plain key as written: `1` is the key `"1"`, `null` or `~` the empty key.
pub fn plain_key(text: &str) -> Text {
    match resolve_plain(text) {
        None => shared_text(text),
        Some(Value::Null) => Text::new(),
        Some(Value::Int(number)) => shared_text(&number.to_string()),
        Some(Value::Float(number)) => shared_text(&number.to_string()),
        Some(Value::Bool(flag)) => shared_text(&flag.to_string()),
        Some(_) => shared_text(text),
    }
}

/// A plain scalar resolved by the core schema: `None` when it is text.
pub fn resolve_plain(text: &str) -> Option<Value> {
    typed_scalar(text, ScalarStyle::Plain, None)
}

/// YAML 1.2 core schema: plain scalars may be null, booleans or numbers; dates stay text
/// (rules parse them with `date()`, so a bad date is a finding, not a load failure).
/// `None` for text, which the caller keeps where it is written or copies.
fn typed_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Option<Value> {
    if let Some(tag) = tag.filter(|tag| tag.is_yaml_core_schema()) {
        match tag.suffix.as_str() {
            "null" => return Some(Value::Null),
            "bool" | "int" | "float" => {}
            _ => return None,
        }
    }
    if style != ScalarStyle::Plain {
        return None;
    }
    // Most plain scalars are words (`closed`, `p.okafor`): only these first characters can
    // begin a null, a boolean or a number.
    if text.as_bytes().first().is_some_and(|first| {
        !first.is_ascii_digit()
            && !matches!(
                first,
                b'-' | b'+' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
            )
    }) {
        return None;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    if let Some(number) = parse_int(text) {
        return Some(Value::Int(number));
    }
    if looks_like_float(text) {
        if let Ok(number) = text.parse::<f64>() {
            return Some(Value::Float(number));
        }
    }
    None
}

fn is_implicit_null(node: &Node) -> bool {
    matches!(node.value, Value::Null) && node.span().is_empty()
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn looks_like_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit())
                && !(whole.is_empty() && fraction.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|exp| {
        let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let stream = parse(text, 0);
        assert!(stream.problems.is_empty(), "{:?}", stream.problems);
        stream.documents.into_iter().next().expect("a document")
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let doc = one("a: 1\nb: '1'\nc: 2026-03-14\nd: true\ne:\nf: 1.5\ng: ~\n");
        assert_eq!(doc.get("a").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(
            doc.get("b").map(|n| &n.value),
            Some(&Value::Str("1".into()))
        );
        assert_eq!(
            doc.get("c").map(|n| &n.value),
            Some(&Value::Str("2026-03-14".into()))
        );
        assert_eq!(doc.get("d").map(|n| &n.value), Some(&Value::Bool(true)));
        assert_eq!(doc.get("e").map(|n| &n.value), Some(&Value::Null));
        assert_eq!(doc.get("f").map(|n| &n.value), Some(&Value::Float(1.5)));
        assert_eq!(doc.get("g").map(|n| &n.value), Some(&Value::Null));
    }

    #[test]
    fn spans_are_byte_offsets_even_after_multibyte_text() {
        let text = "title: \"Überweisung – Betrug\"\nowner: p.okafor\n";
        let doc = one(text);
        let owner = doc.get("owner").expect("owner");
        assert_eq!(&text[owner.span()], "p.okafor");
        let title = doc.get("title").expect("title");
        assert_eq!(&text[title.span()], "\"Überweisung – Betrug\"");
    }

    #[test]
    fn block_scalars_end_at_their_last_character() {
        let text = "text: |\n  first\n  second\n\nnext: 1\n";
        let doc = one(text);
        let node = doc.get("text").expect("text");
        assert_eq!(&text[node.span()], "first\n  second");
    }

    #[test]
    fn several_documents_in_one_stream() {
        let stream = parse("a: 1\n---\nb: 2\n---\n", 0);
        assert_eq!(stream.documents.len(), 2);
    }

    #[test]
    fn aliases_duplicates_and_depth_are_refused_with_a_location() {
        let stream = parse("a: &x 1\nb: *x\n", 0);
        assert_eq!(stream.problems.len(), 1);
        assert_eq!(stream.problems[0].span.start, 11);

        let stream = parse("owner: a\nowner: b\n", 0);
        assert_eq!(stream.problems[0].message, "duplicate key `owner`");
        assert_eq!(stream.problems[0].span, 9..14);

        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let stream = parse(&deep, 0);
        assert!(stream.problems[0]
            .message
            .contains("nesting deeper than 64"));
    }

    #[test]
    fn syntax_errors_carry_a_byte_offset_from_the_base() {
        let stream = parse("a: [1, 2\n", 100);
        assert_eq!(stream.problems.len(), 1);
        assert!(stream.problems[0].span.start >= 100);
    }
}
