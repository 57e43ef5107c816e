//! Read-only views of documents: what rules receive instead of copies.
//!
//! A document is parsed once into a tree whose strings, lists and mappings are shared; a
//! view is a handle on one of them. Reading a field through a view costs a lookup and a
//! reference count, never a copy, and a lookup that hands out ten thousand documents hands
//! out ten thousand handles. No rule can change what the next one sees: every write is an
//! error at the line that tried it, and `to_map(x)` gives a writable copy. `type_of` still
//! says `map` or `array`, so rules read documents as they read any Rhai value.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext};

use super::engine::charge;
use crate::document::tree::Items;
use crate::document::{Document, Entry, Node, Text, Value};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// A mapping as rules see it; `type_of` says `map`.
#[derive(Clone)]
pub enum MapView {
    /// A document's top level: its fields, with the kind, id and sections the loader gives it.
    Document(Arc<DocumentFields>),
    /// A mapping inside a document.
    Fields(Items<Entry>),
    /// A Markdown document's sections: lower-cased heading → text.
    Sections(Arc<DocumentFields>),
    /// A table a rule built once and `memo` froze.
    Frozen(Arc<Map>),
}

/// A list as rules see it; `type_of` says `array`.
#[derive(Clone)]
pub enum ListView {
    /// A list inside a document.
    Items(Items<Node>),
    /// Documents a lookup returned, or a list `memo` froze: values that are views already.
    Values(Arc<[Dynamic]>),
}

/// What `check(doc)` reads at a document's top level besides its own fields.
pub struct DocumentFields {
    /// Its place among the workspace's documents: a lookup that hands it to a call on
    /// another document notes which fields that call read.
    position: usize,
    fields: Items<Entry>,
    /// The normalised kind, whether the document wrote `kind:`, `type:`, an alias, or the
    /// configuration gave it by path.
    kind: Text,
    /// The id it goes by when it has no `id:` of its own (a comply policy's `acronym`).
    id: Option<Text>,
    /// Markdown sections, unless the front matter has a `sections` field of its own.
    sections: Option<Vec<(Text, Text)>>,
    /// The alias of its kind the document was written with (`kind: plan` for a policy),
    /// unless it has an `alias` field of its own.
    alias: Option<Text>,
    /// The keys added to the document's own, in the order `keys()` lists them.
    added: Vec<Text>,
}

/// What a rule is told when it assigns to a document, in place of Rhai's words for a
/// missing setter; `None` for any other error.
pub fn read_only_message(error: &EvalAltResult) -> Option<&'static str> {
    let on_view = |text: &str| text.contains("'map'") || text.contains("'array'");
    match error {
        EvalAltResult::ErrorDotExpr(text, _)
            if text.starts_with("No writable property") && on_view(text) =>
        {
            Some(READ_ONLY)
        }
        // `doc["x"] = 1`: Rhai names the indexer it lacks, `map [string] = i64` (a read
        // with an index of the wrong type, `map [array]`, is no write).
        EvalAltResult::ErrorIndexingType(text, _)
            if (text.starts_with("map [") || text.starts_with("array ["))
                && text.contains("] =") =>
        {
            Some(READ_ONLY)
        }
        _ => None,
    }
}

const READ_ONLY: &str =
    "documents are read-only: `to_map(x)` gives a writable copy of a document or a list";

fn read_only<T>() -> RhaiResult<T> {
    Err(READ_ONLY.into())
}

/// A document's value for `check(doc)`; `position` is its place among the workspace's
/// documents (`usize::MAX` for one no call checks).
pub fn document(document: &Document, kind: &str, position: usize) -> Dynamic {
    let fields = match &document.root.value {
        Value::Map(entries) => entries.clone(),
        _ => Items::default(),
    };
    let has = |key: &str| fields.iter().any(|entry| entry.key == key);
    let id = match (has("id"), &document.id) {
        (false, Some(id)) => Some(Text::from(&**id)),
        _ => None,
    };
    let sections = match (&document.sections, has("sections")) {
        (Some(sections), false) => Some(
            sections
                .iter()
                .map(|section| (section.title.clone(), section.text.clone()))
                .collect(),
        ),
        _ => None,
    };
    let alias = match has("alias") {
        true => None,
        false => ["kind", "type"]
            .iter()
            .find_map(|key| document.root.get(key).and_then(Node::as_str))
            .map(|written| written.trim().to_lowercase())
            .filter(|written| crate::document::normalise_kind(written) != *written)
            .map(Text::from),
    };
    let mut added = Vec::new();
    if !has("kind") {
        added.push(Text::from("kind"));
    }
    if alias.is_some() {
        added.push(Text::from("alias"));
    }
    if id.is_some() {
        added.push(Text::from("id"));
    }
    if sections.is_some() {
        added.push(Text::from("sections"));
    }
    Dynamic::from(MapView::Document(Arc::new(DocumentFields {
        position,
        fields,
        kind: kind.into(),
        id,
        sections,
        alias,
        added,
    })))
}

/// A value of the tree as a rule reads it: scalars as they are, lists and maps as views.
pub fn node_value(node: &Node) -> Dynamic {
    match &node.value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(flag) => Dynamic::from_bool(*flag),
        Value::Int(number) => Dynamic::from_int(*number),
        Value::Float(number) => Dynamic::from_float(*number),
        Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_) => {
            node.text().map_or(Dynamic::UNIT, Dynamic::from)
        }
        Value::Seq(items) => Dynamic::from(ListView::Items(items.clone())),
        Value::Map(entries) => Dynamic::from(MapView::Fields(entries.clone())),
    }
}

/// The value of `key` among a document's written fields as its view reads it, or `None`
/// when the view makes it: `kind` always, `id`, `alias` and `sections` when not written.
/// What a lookup reads of a document whose view is not made yet.
pub fn written_value(entries: &[Entry], key: &str) -> Option<Option<Dynamic>> {
    if key == "kind" {
        return None;
    }
    match field(entries, key) {
        Some(node) => Some(Some(node_value(node))),
        None if matches!(key, "id" | "alias" | "sections") => None,
        None => Some(None),
    }
}

fn field<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Node> {
    entries
        .iter()
        .find(|entry| entry.key == key)
        .map(|entry| &entry.value)
}

impl MapView {
    /// The value at `key`, as a rule reads it; `None` when there is none (a rule reads `()`).
    pub fn get(&self, key: &str) -> Option<Dynamic> {
        if let MapView::Document(document) = self {
            super::looked::read(document.position, &document.kind, key);
        }
        self.value(key)
    }

    /// The value at `key`, read by a lookup for its own work (an index, a person's roster
    /// entry), not by the rule: nothing is noted.
    pub fn value(&self, key: &str) -> Option<Dynamic> {
        match self {
            MapView::Document(document) => {
                if let Some(written) = written_value(&document.fields, key) {
                    return written;
                }
                match key {
                    "kind" => Some(Dynamic::from(document.kind.clone())),
                    "id" => document.id.clone().map(Dynamic::from),
                    "alias" => document.alias.clone().map(Dynamic::from),
                    "sections" if document.sections.is_some() => {
                        Some(Dynamic::from(MapView::Sections(Arc::clone(document))))
                    }
                    _ => None,
                }
            }
            MapView::Fields(entries) => field(entries, key).map(node_value),
            MapView::Sections(document) => document
                .sections
                .iter()
                .flatten()
                .find(|(title, _)| title == key)
                .map(|(_, text)| Dynamic::from(text.clone())),
            MapView::Frozen(map) => map.get(key).cloned(),
        }
    }

    pub fn keys(&self) -> Vec<Text> {
        charge(self.len() as u64);
        if let MapView::Document(document) = self {
            super::looked::read(document.position, &document.kind, "");
        }
        match self {
            MapView::Document(document) => document
                .fields
                .iter()
                .map(|entry| entry.key.clone())
                .chain(document.added.iter().cloned())
                .collect(),
            MapView::Fields(entries) => entries.iter().map(|entry| entry.key.clone()).collect(),
            MapView::Sections(document) => document
                .sections
                .iter()
                .flatten()
                .map(|(title, _)| title.clone())
                .collect(),
            MapView::Frozen(map) => map.keys().map(|key| key.as_str().into()).collect(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            MapView::Document(document) => {
                super::looked::read(document.position, &document.kind, "");
                document.fields.len() + document.added.len()
            }
            MapView::Fields(entries) => entries.len(),
            MapView::Sections(document) => document.sections.as_ref().map_or(0, Vec::len),
            MapView::Frozen(map) => map.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A writable copy, all the way down.
    pub fn to_map(&self) -> Map {
        self.keys()
            .into_iter()
            .map(|key| {
                let value = self
                    .get(&key)
                    .map_or(Dynamic::UNIT, |value| writable(&value));
                (key.as_str().into(), value)
            })
            .collect()
    }
}

impl ListView {
    pub fn len(&self) -> usize {
        match self {
            ListView::Items(items) => items.len(),
            ListView::Values(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<Dynamic> {
        match self {
            ListView::Items(items) => items.get(index).map(node_value),
            ListView::Values(values) => values.get(index).cloned(),
        }
    }

    /// The elements as a Rhai array of views: what the array functions run on.
    pub fn to_array(&self) -> Array {
        self.clone().into_iter().collect()
    }
}

/// Iterating a list view hands out its elements one at a time, as views.
pub struct ListIter {
    list: ListView,
    next: usize,
}

impl Iterator for ListIter {
    type Item = Dynamic;

    fn next(&mut self) -> Option<Dynamic> {
        let value = self.list.get(self.next)?;
        self.next += 1;
        Some(value)
    }
}

impl IntoIterator for ListView {
    type Item = Dynamic;
    type IntoIter = ListIter;

    fn into_iter(self) -> ListIter {
        ListIter {
            list: self,
            next: 0,
        }
    }
}

/// `to_map(x)`: a writable copy of a view (a map or an array), anything else as it is.
pub fn writable(value: &Dynamic) -> Dynamic {
    charge(1);
    if let Some(map) = value.read_lock::<MapView>() {
        return Dynamic::from_map(map.to_map());
    }
    if let Some(list) = value.read_lock::<ListView>() {
        // A copy of a hundred thousand documents stops growing once the call holds more
        // than its memory budget: the next operation then stops the call.
        return Dynamic::from_array(
            list.clone()
                .into_iter()
                .take_while(|_| !crate::util::memory::over_ceiling())
                .map(|v| writable(&v))
                .collect(),
        );
    }
    value.clone()
}

/// A value a rule built, made shareable: maps and arrays become views, all the way down,
/// so every later call reads the same table and none can change it.
pub fn freeze(value: Dynamic) -> Dynamic {
    charge(1);
    let value = value.flatten();
    if value.is_map() {
        let map = value.cast::<Map>();
        let frozen: Map = map.into_iter().map(|(k, v)| (k, freeze(v))).collect();
        return Dynamic::from(MapView::Frozen(Arc::new(frozen)));
    }
    if value.is_array() {
        let items = value.cast::<Array>();
        let frozen: Arc<[Dynamic]> = items.into_iter().map(freeze).collect();
        return Dynamic::from(ListView::Values(frozen));
    }
    value
}

/// Whether a view holds nothing (for `blank`); `None` when `value` is no view.
pub fn is_empty_view(value: &Dynamic) -> Option<bool> {
    if let Some(map) = value.read_lock::<MapView>() {
        return Some(map.is_empty());
    }
    value.read_lock::<ListView>().map(|list| list.is_empty())
}

/// `key` of each mapping in `list` (a list view or an array), in order; whatever is not a
/// mapping, and a mapping without `key`, is passed over.
pub fn each_field(list: &Dynamic, key: &str, mut each: impl FnMut(&Dynamic)) {
    each_item(list, Some(key), |_, value| each(value));
}

/// Each item of `list` (a list view or an array) with its position, or with `key` the
/// item's `key`: an item that is not a mapping, or has no `key`, is then passed over.
/// Anything but a list has no items. Charged one operation an item.
pub fn each_item(list: &Dynamic, key: Option<&str>, mut each: impl FnMut(usize, &Dynamic)) {
    let mut of_value = |at: usize, item: &Dynamic| {
        let Some(key) = key else {
            return each(at, item);
        };
        if let Some(map) = item.read_lock::<MapView>() {
            if let Some(value) = map.get(key) {
                each(at, &value);
            }
        } else if let Some(map) = item.read_lock::<Map>() {
            if let Some(value) = map.get(key) {
                each(at, value);
            }
        }
    };
    if let Some(list) = list.read_lock::<ListView>() {
        charge(list.len() as u64);
        match &*list {
            // Read from the tree: no view is made of an item only to read one field.
            ListView::Items(items) => {
                for (at, node) in items.iter().enumerate() {
                    match (key, &node.value) {
                        (None, _) => each(at, &node_value(node)),
                        (Some(key), Value::Map(entries)) => {
                            if let Some(node) = field(entries, key) {
                                each(at, &node_value(node));
                            }
                        }
                        _ => {}
                    }
                }
            }
            ListView::Values(values) => {
                for (at, item) in values.iter().enumerate() {
                    of_value(at, item);
                }
            }
        }
    } else if let Some(items) = list.read_lock::<Array>() {
        charge(items.len() as u64);
        for (at, item) in items.iter().enumerate() {
            of_value(at, item);
        }
    }
}

fn list_index(list: &ListView, index: i64) -> RhaiResult<Dynamic> {
    let len = list.len();
    // Negative indices count from the end, as for Rhai arrays.
    let at = if index < 0 {
        usize::try_from(index.unsigned_abs())
            .ok()
            .and_then(|back| len.checked_sub(back))
    } else {
        usize::try_from(index).ok()
    };
    at.and_then(|at| list.get(at))
        .ok_or_else(|| EvalAltResult::ErrorArrayBounds(len, index, rhai::Position::NONE).into())
}

/// The names rules read as properties (`doc.status`, `item?.owner`), for
/// [`register_fields`]: every identifier after a `.` in their source. A name that is in
/// fact a method (`.len()`) costs one getter that is never used; a getter answers what the
/// indexer would, so the set changes only the speed. Bounded, for a hostile rule file.
pub fn property_names<'a>(sources: impl Iterator<Item = &'a str>) -> Vec<Text> {
    const BOUND: usize = 4096;
    let mut names: std::collections::BTreeSet<&str> = ["kind", "id", "sections", "alias"].into();
    for source in sources {
        let mut rest = source;
        while let Some(dot) = rest.find('.') {
            rest = &rest[dot + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && names.len() < BOUND
            {
                names.insert(name);
            }
        }
    }
    names.into_iter().map(Text::from).collect()
}

/// A getter per field name: `doc.status` then finds its function at once, where otherwise
/// Rhai looks for a getter, fails (building an error) and falls back to the indexer.
pub fn register_fields(engine: &mut Engine, names: &[Text]) {
    for name in names {
        let key = name.clone();
        engine.register_get(name.as_str(), move |map: &mut MapView| {
            map.get(&key).unwrap_or(Dynamic::UNIT)
        });
    }
}

/// Registers the view types and every function rules call on maps and arrays.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<MapView>("map");
    engine.register_type_with_name::<ListView>("array");
    engine.register_iterator::<ListView>();

    // Reading. A property (`doc.status`) falls back to the string indexer.
    engine
        .register_indexer_get(|map: &mut MapView, key: &str| map.get(key).unwrap_or(Dynamic::UNIT));
    engine.register_indexer_get(|list: &mut ListView, index: i64| list_index(list, index));
    engine.register_fn("get", |map: MapView, key: &str| {
        map.get(key).unwrap_or(Dynamic::UNIT)
    });
    engine.register_fn("get", |list: ListView, index: i64| {
        list_index(&list, index).unwrap_or(Dynamic::UNIT)
    });
    engine.register_fn("len", |map: MapView| map.len() as i64);
    engine.register_fn("len", |list: ListView| list.len() as i64);
    engine.register_get("len", |list: &mut ListView| list.len() as i64);
    engine.register_fn("is_empty", |map: MapView| map.is_empty());
    engine.register_fn("is_empty", |list: ListView| list.is_empty());
    engine.register_fn("contains", |map: MapView, key: &str| map.get(key).is_some());
    engine.register_fn("keys", |map: MapView| -> Array {
        map.keys().into_iter().map(Dynamic::from).collect()
    });
    engine.register_fn("values", |map: MapView| -> Array {
        map.keys()
            .iter()
            .map(|key| map.get(key).unwrap_or(Dynamic::UNIT))
            .collect()
    });
    engine.register_fn("to_map", |value: Dynamic| writable(&value));
    // `to_string`, `to_debug`, `print` and `debug` of views: `super::bounded`.
    engine.register_fn("==", |a: MapView, b: MapView| {
        same(&Dynamic::from(a), &Dynamic::from(b))
    });
    engine.register_fn("==", |a: ListView, b: ListView| {
        same(&Dynamic::from(a), &Dynamic::from(b))
    });
    engine.register_fn("!=", |a: MapView, b: MapView| {
        !same(&Dynamic::from(a), &Dynamic::from(b))
    });
    engine.register_fn("!=", |a: ListView, b: ListView| {
        !same(&Dynamic::from(a), &Dynamic::from(b))
    });

    // The array functions read a list's elements as an array of views (shallow: one handle
    // per element) and run Rhai's own function on it, so they behave exactly as on arrays.
    fn on_array(
        context: &NativeCallContext,
        name: &str,
        list: &ListView,
        extra: Vec<Dynamic>,
    ) -> RhaiResult<Dynamic> {
        charge(list.len() as u64);
        let mut arguments = vec![Dynamic::from_array(list.to_array())];
        arguments.extend(extra);
        let mut references: Vec<&mut Dynamic> = arguments.iter_mut().collect();
        context.call_native_fn_raw(name, false, &mut references)
    }
    for name in [
        "filter",
        "map",
        "some",
        "all",
        "find",
        "find_map",
        "reduce",
        "reduce_rev",
        "index_of",
        "extract",
        "split",
    ] {
        engine.register_fn(
            name,
            move |context: NativeCallContext, list: ListView, argument: Dynamic| {
                on_array(&context, name, &list, vec![argument])
            },
        );
    }
    for name in ["reduce", "reduce_rev", "extract", "index_of"] {
        engine.register_fn(
            name,
            move |context: NativeCallContext, list: ListView, a: Dynamic, b: Dynamic| {
                on_array(&context, name, &list, vec![a, b])
            },
        );
    }
    // `x in list`, the commonest question a rule asks of a list: no array is built.
    engine.register_fn(
        "contains",
        |context: NativeCallContext, list: ListView, value: Dynamic| -> RhaiResult<bool> {
            charge(list.len() as u64);
            Ok(list
                .into_iter()
                .any(|item| crate::rules::engine::equal(&context, &item, &value)))
        },
    );
    engine.register_fn("+", |list: ListView, other: Array| -> Array {
        let mut joined = list.to_array();
        joined.extend(other);
        joined
    });
    // A writable list grown by a read-only one (`names.append(memo(..))`, `names + ..`): the
    // items are added, as for two arrays. (`names += view` pushes the view as one item:
    // Rhai's own `+=` on an array runs before any registered one.)
    engine.register_fn("+", |mut list: Array, other: ListView| -> Array {
        charge(other.len() as u64);
        list.extend(other);
        list
    });
    engine.register_fn("append", |list: &mut Array, other: ListView| {
        charge(other.len() as u64);
        list.extend(other);
    });
    engine.register_fn("+", |map: MapView, other: Map| -> Map {
        let mut joined = map.to_map();
        joined.extend(other);
        joined
    });

    // Writing: an error at the line that tried, whichever way it tried.
    // No setter and no indexer setter: Rhai then treats every field as read-only. It skips
    // writing a chain's result back (`doc.responders.filter(..).len()` would otherwise call
    // a setter), and an assignment fails with its own words, which `read_only_message`
    // turns into ours.
    for name in ["pop", "shift", "clear", "reverse", "sort", "dedup"] {
        engine.register_fn(name, |_: &mut ListView| read_only::<()>());
    }
    for name in [
        "push", "append", "+=", "remove", "truncate", "chop", "retain", "drain", "sort", "dedup",
    ] {
        engine.register_fn(name, |_: &mut ListView, _: Dynamic| read_only::<()>());
    }
    for name in ["insert", "splice", "drain", "retain", "pad"] {
        engine.register_fn(name, |_: &mut ListView, _: Dynamic, _: Dynamic| {
            read_only::<()>()
        });
    }
    engine.register_fn("clear", |_: &mut MapView| read_only::<()>());
    for name in ["remove", "mixin", "fill_with", "+="] {
        engine.register_fn(name, |_: &mut MapView, _: Dynamic| read_only::<()>());
    }
}

/// Structural equality of two values that may be views: the same keys with equal values,
/// the same items in order, equal scalars of the same type.
fn same(a: &Dynamic, b: &Dynamic) -> bool {
    fn equal(a: &Dynamic, b: &Dynamic) -> bool {
        if let (Some(a), Some(b)) = (a.read_lock::<Map>(), b.read_lock::<Map>()) {
            return a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| equal(value, other)));
        }
        if let (Some(a), Some(b)) = (a.read_lock::<Array>(), b.read_lock::<Array>()) {
            return a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| equal(a, b));
        }
        a.type_id() == b.type_id() && a.to_string() == b.to_string()
    }
    equal(&writable(a), &writable(b))
}
