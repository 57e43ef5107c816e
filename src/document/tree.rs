//! The spanned value tree every document is folded into, whatever its format.

use std::sync::Arc;

pub use crate::source::Span;

/// Text as the tree holds it: shared, so a rule reading a field gets the same string, not a
/// copy (Rhai's own string type, so no conversion either).
pub type Text = rhai::ImmutableString;

/// A value with the byte range of its source text.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    /// Read it with [`Node::span`].
    pub span: Compact,
}

/// A span in 8 bytes instead of 16: documents are far smaller than 4 GiB, and a repository
/// of 100,000 holds some twenty million spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compact {
    start: u32,
    end: u32,
}

impl From<Span> for Compact {
    fn from(span: Span) -> Compact {
        Compact::of(&span)
    }
}

impl Compact {
    /// Offsets past 4 GiB are clamped: a finding there points at the 4 GiB mark, never panics.
    fn of(span: &Span) -> Compact {
        let at = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Compact {
            start: at(span.start),
            end: at(span.end),
        }
    }

    fn span(self) -> Span {
        let at = |offset: u32| usize::try_from(offset).unwrap_or(usize::MAX);
        at(self.start)..at(self.end)
    }
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text that is not written as it reads (quoted, a block scalar, built by a mapping).
    Str(Text),
    /// Text exactly as the file has it at the node's span (a plain scalar): read from the
    /// file, never copied, so a repository's text is held once. [`Node::as_str`] reads it.
    Verbatim(Arc<super::SourceFile>),
    /// Text as the file has it inside the quotes that begin and end the node's span (a
    /// quoted scalar with no escape, every string of a JSON file).
    Quoted(Arc<super::SourceFile>),
    /// Lists and mappings are shared: a rule's view of a field is the field, never a copy.
    Seq(Items<Node>),
    Map(Items<Entry>),
}

/// Values compare as they read; a [`Value::Verbatim`] has no text of its own without its
/// node's span, so two compare equal when they are of the same file (nodes compare the
/// text itself, see [`Node`]'s `PartialEq`).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Verbatim(a), Value::Verbatim(b)) | (Value::Quoted(a), Value::Quoted(b)) => {
                Arc::ptr_eq(a, b)
            }
            (Value::Seq(a), Value::Seq(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            _ => false,
        }
    }
}

/// A list's items or a mapping's entries, shared as `Arc<[T]>` is but behind one pointer
/// instead of two (the length is kept with the items), which makes a [`Value`] 16 bytes
/// instead of 24: a repository of 100,000 incidents holds some ten million of them.
pub struct Items<T>(triomphe::ThinArc<(), T>);

impl<T> std::ops::Deref for Items<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0.slice
    }
}

impl<T> Clone for Items<T> {
    fn clone(&self) -> Self {
        Items(self.0.clone())
    }
}

impl<T: PartialEq> PartialEq for Items<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        Items(triomphe::ThinArc::from_header_and_iter(
            (),
            items.into_iter(),
        ))
    }
}

impl<T> FromIterator<T> for Items<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Items::from(items.into_iter().collect::<Vec<T>>())
    }
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items::from(Vec::new())
    }
}

/// A word-at-a-time multiplicative hash (the one rustc uses for its own tables): the shared
/// texts are short, and SipHash (the standard hasher, built against hash flooding, which a
/// bounded set does not fear) costs more than the lookup saves.
#[derive(Default, Clone, Copy)]
pub struct WordHash(u64);

impl WordHash {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut eight = [0; 8];
            eight.copy_from_slice(word);
            self.add(u64::from_le_bytes(eight));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut eight = [0; 8];
            eight[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(eight));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

/// Sets of short texts hashed with [`WordHash`].
pub type WordHashBuild = std::hash::BuildHasherDefault<WordHash>;

type SharedTexts = std::collections::HashSet<Text, WordHashBuild>;

thread_local! {
    /// The short texts this thread has read: keys (`status`, `owner`) and values (`closed`,
    /// `high`, a date) repeat across thousands of documents and are held once.
    static SHARED: std::cell::RefCell<SharedTexts> = std::cell::RefCell::new(SharedTexts::default());
}

/// `text` as the tree holds it: short texts shared with every other document that has them.
pub fn shared_text(text: &str) -> Text {
    // Longer texts are rarely repeated; the set is bounded so a hostile file cannot grow it.
    const SHORT: usize = 40;
    const BOUND: usize = 1 << 16;
    if text.len() > SHORT {
        return Text::from(text);
    }
    SHARED.with(|shared| {
        let mut shared = shared.borrow_mut();
        if let Some(known) = shared.get(text) {
            return known.clone();
        }
        let text = Text::from(text);
        if shared.len() < BOUND {
            shared.insert(text.clone());
        }
        text
    })
}

impl Value {
    pub fn text(text: impl Into<Text>) -> Value {
        Value::Str(text.into())
    }

    /// Text at `span` of `file` when the file has it there as it reads, else a copy:
    /// what a parser makes of a scalar that is text.
    pub fn text_in(text: &str, span: &Span, file: Option<&Arc<super::SourceFile>>) -> Value {
        let Some(file) = file else {
            return Value::Str(shared_text(text));
        };
        let written = file.text().get(span.clone()).unwrap_or_default();
        if written == text {
            return Value::Verbatim(Arc::clone(file));
        }
        match written.as_bytes() {
            [b'"', .., b'"'] | [b'\'', .., b'\''] if &written[1..written.len() - 1] == text => {
                Value::Quoted(Arc::clone(file))
            }
            _ => Value::Str(shared_text(text)),
        }
    }

    /// Whether it is text, wherever the text is kept.
    pub fn is_text(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_))
    }

    pub fn list(items: Vec<Node>) -> Value {
        Value::Seq(items.into())
    }

    pub fn map(entries: Vec<Entry>) -> Value {
        Value::Map(entries.into())
    }

    /// Changes a mapping's entries, on a copy when they are shared: for the few places that
    /// build a document (mapping, the gate's closing view) rather than read one.
    pub fn edit_map<R>(&mut self, edit: impl FnOnce(&mut Vec<Entry>) -> R) -> Option<R> {
        let Value::Map(entries) = self else {
            return None;
        };
        let mut list = entries.to_vec();
        let result = edit(&mut list);
        *entries = list.into();
        Some(result)
    }
}

/// One `key: value` pair of a mapping, keeping the key's own span so a finding about a
/// field can point at the key when the value is empty or spans many lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Text,
    /// Read it with [`Entry::key_span`].
    pub key_span: Compact,
    pub value: Node,
}

impl Entry {
    /// Where the key is written.
    pub fn key_span(&self) -> Span {
        self.key_span.span()
    }
}

/// One step of a finding path: `action_items[2].owner` is `Key(action_items)`, `Index(2)`,
/// `Key(owner)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits a finding path into steps. Returns `None` for a malformed path (`a[x]`, `a[`).
pub fn parse_path(path: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        if part.is_empty() {
            if path.is_empty() {
                break;
            }
            return None;
        }
        let (key, mut rest) = match part.find('[') {
            Some(open) => (&part[..open], &part[open..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index = rest.get(1..close)?.trim().parse::<usize>().ok()?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(steps)
}

/// Nodes compare as they read: the same span and the same value, text compared as text
/// wherever it is kept.
impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.span == other.span
            && match (self.as_str(), other.as_str()) {
                (Some(a), Some(b)) => a == b,
                (None, None) => self.value == other.value,
                _ => false,
            }
    }
}

impl Node {
    /// Whether `other` holds the same value, wherever either is written: what a rule reading
    /// both would see alike (`==` compares their places too).
    pub fn same_value(&self, other: &Node) -> bool {
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) => return a == b,
            (None, None) => {}
            _ => return false,
        }
        match (&self.value, &other.value) {
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| a.same_value(b))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(a, b)| a.key == b.key && a.value.same_value(&b.value))
            }
            (a, b) => a == b,
        }
    }

    /// Where the value is written.
    pub fn span(&self) -> Span {
        self.span.span()
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|entry| entry.key.as_str() == key),
            _ => None,
        }
    }

    /// The text of a text value, wherever it is kept.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            Value::Verbatim(file) => file.text().get(self.span()),
            Value::Quoted(file) => {
                let span = self.span();
                file.text().get(span.start + 1..span.end.saturating_sub(1))
            }
            _ => None,
        }
    }

    /// A text value as the tree shares text: a verbatim one is looked up among this
    /// thread's short texts (`closed`, `high`), or copied when long.
    pub fn text(&self) -> Option<Text> {
        match &self.value {
            Value::Str(text) => Some(text.clone()),
            Value::Verbatim(_) | Value::Quoted(_) => self.as_str().map(shared_text),
            _ => None,
        }
    }

    /// A scalar as text (`id: 42` is the id `"42"`); `None` for null and collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Int(number) => Some(number.to_string()),
            Value::Float(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => self.as_str().map(str::to_owned),
        }
    }

    pub fn is_collection(&self) -> bool {
        matches!(self.value, Value::Seq(_) | Value::Map(_))
    }

    /// The span a finding at `path` should point at: the value of a scalar field, the key of
    /// an empty or compound field, and for a path that does not exist, the deepest part
    /// that does (a missing `owner` points at its action item).
    /// The span of the plain value at `steps`, when every step is there and the value is
    /// written and no collection: the only place a fix that replaces a value may write
    /// ([`Node::locate`] falls back to the nearest thing there is).
    pub fn value_at(&self, steps: &[Step<'_>]) -> Option<Span> {
        let mut node = self;
        for step in steps {
            node = match (step, &node.value) {
                (Step::Key(key), Value::Map(entries)) => {
                    &entries
                        .iter()
                        .find(|entry| entry.key.as_str() == *key)?
                        .value
                }
                (Step::Index(index), Value::Seq(items)) => items.get(*index)?,
                _ => return None,
            };
        }
        let span = node.span();
        (!node.is_collection() && !span.is_empty()).then_some(span)
    }

    pub fn locate(&self, steps: &[Step<'_>]) -> Span {
        let mut node = self;
        let mut best = self.span();
        for step in steps {
            match (step, &node.value) {
                (Step::Key(key), Value::Map(entries)) => {
                    let Some(entry) = entries.iter().find(|entry| entry.key.as_str() == *key)
                    else {
                        break;
                    };
                    let value = &entry.value;
                    best = if value.is_collection() || value.span().is_empty() {
                        entry.key_span()
                    } else {
                        value.span()
                    };
                    node = value;
                }
                (Step::Index(index), Value::Seq(items)) => {
                    let Some(item) = items.get(*index) else { break };
                    if !item.span().is_empty() {
                        best = item.span();
                    }
                    node = item;
                }
                _ => break,
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            parse_path("action_items[2].owner"),
            Some(vec![
                Step::Key("action_items"),
                Step::Index(2),
                Step::Key("owner")
            ])
        );
        assert_eq!(parse_path(""), Some(vec![]));
        assert_eq!(
            parse_path("a[0][1]"),
            Some(vec![Step::Key("a"), Step::Index(0), Step::Index(1)])
        );
        assert_eq!(
            parse_path("sections.root cause"),
            Some(vec![Step::Key("sections"), Step::Key("root cause")])
        );
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path("a..b"), None);
        assert_eq!(parse_path("a[1]b"), None);
    }
}
