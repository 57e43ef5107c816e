//! Reading the records a team already keeps: `formats:` maps documents of other shapes — a
//! post-mortem template, a status page's issues, an incident tool's export — onto the
//! lessons schema after they are parsed and before any rule runs. The files are never
//! written; every target field keeps the span of what it came from (the source key or
//! value, the heading, the table cell, the bullet), so a finding on a mapped field points
//! at that line, and [`FieldOrigin`]s say where each came from (`lessons show`).
//!
//! A mapping is a preset (a data file under `formats/`, embedded like the policy packs)
//! and/or the entry's own `fields` and `sections`; entries matching a file apply in order,
//! a later target replacing an earlier one.

pub mod items;
mod map;
mod prose;
pub mod source;

use crate::document::body;
pub use crate::document::FieldOrigin;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use self::items::{ItemMaps, ValueMap};
use self::source::SourcePath;
use crate::document::pattern::Pattern;
use crate::document::{Node, Value};
use crate::util::globs::OneOrMany;

pub use self::map::{apply, DETECTION_ENTRY, EARLIEST_ENTRY};

/// The built-in presets, one per file of `formats/` (a test holds the list to the folder).
pub const PRESETS: &[(&str, &str)] = crate::util::embedded::embed!(
    "formats",
    ".yaml",
    [
        "cstate",
        "firehydrant",
        "google-sre",
        "incident-io",
        "markdown",
        "pagerduty",
        "rootly",
    ]
);

/// An ordered `key: value` mapping, as written (YAML mappings keep their order).
#[derive(Debug, Clone, Default)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered<T>, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    pairs.push((key, value));
                }
                Ok(Ordered(pairs))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// One entry of the configuration's `formats:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatEntry {
    pub files: OneOrMany,
    pub preset: Option<String>,
    pub kind: Option<String>,
    /// Read source paths inside this field when the record has it (`incident` of an API
    /// response `{"incident": {...}}`).
    pub within: Option<String>,
    #[serde(default)]
    pub fields: Ordered<serde_yaml::Value>,
    #[serde(default)]
    pub sections: Ordered<serde_yaml::Value>,
    /// Files of these globs that are not documents of the kind: `{from, is}` or
    /// `{from, matches}` (a status page's maintenance notices).
    #[serde(default)]
    pub skip: Vec<SkipEntry>,
}

/// A `skip:` condition as written: the record is no document of the kind when the source
/// field `from` is the value `is`, or matches the pattern `matches`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipEntry {
    pub from: Option<String>,
    /// A pattern on the file's name instead of a field.
    pub file_name: Option<String>,
    pub is: Option<serde_yaml::Value>,
    pub matches: Option<String>,
    /// Why, for `--verbose` and `lessons show`: `a planned maintenance notice`.
    pub because: Option<String>,
}

/// A compiled `skip:` condition.
#[derive(Debug, Clone)]
struct Skip {
    /// `None`: the file's name.
    from: Option<SourcePath>,
    is: Option<String>,
    matches: Option<Pattern>,
    because: String,
}

/// A preset as its data file writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    pub name: String,
    pub description: String,
    /// What files it reads, for `lessons formats`.
    pub reads: String,
    pub kind: Option<String>,
    pub within: Option<String>,
    #[serde(default)]
    pub fields: Ordered<serde_yaml::Value>,
    #[serde(default)]
    pub sections: Ordered<serde_yaml::Value>,
    #[serde(default)]
    pub skip: Vec<SkipEntry>,
}

impl PresetFile {
    pub fn builtin(name: &str) -> Result<PresetFile, String> {
        let (_, text) = PRESETS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| {
                let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
                format!("unknown preset `{name}` (built in: {})", names.join(", "))
            })?;
        serde_yaml::from_str(text).map_err(|error| format!("preset `{name}` is invalid: {error}"))
    }
}

/// Where a target's value comes from.
#[derive(Debug, Clone)]
enum Source {
    /// The first of these paths that is present, its value mapped; else the default.
    From {
        paths: Vec<SourcePath>,
        map: Option<ValueMap>,
        default: Option<Value>,
        /// For a configuration's own field: whether any document had one of the paths (a
        /// source no document has is probably misspelt, and LL031 says so).
        seen: Option<Arc<std::sync::atomic::AtomicBool>>,
    },
    Constant(Value),
    /// The first capture group of a pattern on the file's name.
    FileName(Pattern),
    /// A bold label line of a Markdown body: `**Postmortem Owner:** Jane`, its value mapped.
    Label(Vec<String>, Option<ValueMap>),
    /// The first heading of a level (`# Title`).
    Heading(u8),
    /// The body's paragraphs that carry a Hugo shortcode with a time —
    /// `{{< track "2018-05-25 05:54:00" >}}` — as timeline entries.
    Shortcode(String),
    /// The first of these sources that gives a value.
    First(Vec<Source>),
    /// A list whose entries are mapped field by field.
    Each {
        paths: Vec<SourcePath>,
        fields: Vec<(String, Source)>,
    },
}

/// A body section feeding a target.
#[derive(Debug, Clone)]
struct SectionSource {
    /// As written, for `lessons formats`.
    headings: Vec<String>,
    /// As matched: [`body::heading_key`]s.
    keys: Vec<String>,
    maps: ItemMaps,
}

/// Headings or labels as they are matched.
fn keys(value: &serde_yaml::Value, at: &[&str]) -> Result<Vec<String>, MappingError> {
    Ok(strings(value, at, "a heading")?
        .iter()
        .map(|text| body::heading_key(text))
        .collect())
}

/// A compiled mapping: what one file's documents become.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub kind: Option<String>,
    /// The presets it uses, for `lessons show`.
    pub presets: Vec<String>,
    within: Option<SourcePath>,
    fields: Targeted<Source>,
    sections: Targeted<SectionSource>,
    skip: Vec<Skip>,
}

/// Targets in the order they were last set, each once: a later one replaces an earlier
/// one (and goes last), found by an index — an entry of 99,000 fields took 19 s to load
/// when each replaced its namesake by a search of all the others.
#[derive(Debug, Clone)]
struct Targeted<T> {
    slots: Vec<Option<(String, T)>>,
    index: HashMap<String, usize>,
}

impl<T> Default for Targeted<T> {
    fn default() -> Self {
        Targeted {
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Targeted<T> {
    fn set(&mut self, target: &str, value: T) {
        if let Some(&at) = self.index.get(target) {
            self.slots[at] = None;
        }
        self.slots.push(Some((target.to_owned(), value)));
        self.index.insert(target.to_owned(), self.slots.len() - 1);
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &T)> {
        self.slots
            .iter()
            .flatten()
            .map(|(target, value)| (target, value))
    }

    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// What is wrong with a mapping, and where: the keys under the entry (`fields`, `detected`).
#[derive(Debug, Clone)]
pub struct MappingError {
    pub at: Vec<String>,
    pub message: String,
}

fn error(at: &[&str], message: impl Into<String>) -> MappingError {
    MappingError {
        at: at.iter().map(|part| (*part).to_owned()).collect(),
        message: message.into(),
    }
}

/// A scalar as the text a value map compares: `true`, `3`, `down`.
fn scalar(value: &serde_yaml::Value) -> Option<String> {
    match value {
        serde_yaml::Value::String(text) => Some(text.clone()),
        serde_yaml::Value::Bool(flag) => Some(flag.to_string()),
        serde_yaml::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn constant(value: &serde_yaml::Value) -> Value {
    use serde_yaml::Value as Yaml;
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(flag) => Value::Bool(*flag),
        Yaml::Number(number) => number
            .as_i64()
            .map_or_else(|| Value::Float(number.as_f64().unwrap_or(0.0)), Value::Int),
        Yaml::String(text) => Value::text(text.clone()),
        Yaml::Sequence(items) => Value::list(
            items
                .iter()
                .map(|item| Node {
                    value: constant(item),
                    span: (0..0).into(),
                })
                .collect(),
        ),
        Yaml::Mapping(entries) => Value::map(
            entries
                .iter()
                .filter_map(|(key, value)| {
                    Some(crate::document::Entry {
                        key: scalar(key)?.into(),
                        key_span: (0..0).into(),
                        value: Node {
                            value: constant(value),
                            span: (0..0).into(),
                        },
                    })
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => constant(&tagged.value),
    }
}

fn strings(
    value: &serde_yaml::Value,
    at: &[&str],
    what: &str,
) -> Result<Vec<String>, MappingError> {
    match value {
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .map(|item| scalar(item).ok_or_else(|| error(at, format!("{what} must be text"))))
            .collect(),
        other => scalar(other)
            .map(|text| vec![text])
            .ok_or_else(|| error(at, format!("{what} must be text or a list of text"))),
    }
}

fn paths(value: &serde_yaml::Value, at: &[&str]) -> Result<Vec<SourcePath>, MappingError> {
    strings(value, at, "a source path")?
        .iter()
        .map(|text| SourcePath::parse(text).map_err(|message| error(at, message)))
        .collect()
}

fn value_map(value: &serde_yaml::Value, at: &[&str]) -> Result<ValueMap, MappingError> {
    let serde_yaml::Value::Mapping(entries) = value else {
        return Err(error(
            at,
            "`map` must be a mapping of source values to target values",
        ));
    };
    entries
        .iter()
        .map(|(from, to)| match (scalar(from), scalar(to)) {
            (Some(from), Some(to)) => Ok((from.to_lowercase(), to)),
            _ => Err(error(at, "`map` entries must be text, numbers or booleans")),
        })
        .collect()
}

/// Compiles one target's source as written.
fn compile_source(
    target: &str,
    value: &serde_yaml::Value,
    at: &[&str],
) -> Result<Source, MappingError> {
    let here: Vec<&str> = at.iter().copied().chain([target]).collect();
    if let serde_yaml::Value::Sequence(alternatives) = value {
        if alternatives.iter().any(serde_yaml::Value::is_mapping) {
            return alternatives
                .iter()
                .map(|alternative| compile_source(target, alternative, at))
                .collect::<Result<Vec<Source>, MappingError>>()
                .map(Source::First);
        }
    }
    let serde_yaml::Value::Mapping(spec) = value else {
        return Ok(Source::From {
            paths: paths(value, &here)?,
            map: None,
            default: None,
            seen: None,
        });
    };
    let get = |key: &str| spec.get(serde_yaml::Value::String(key.to_owned()));
    const KEYS: [&str; 9] = [
        "from",
        "map",
        "default",
        "value",
        "file_name",
        "label",
        "heading",
        "each",
        "shortcode",
    ];
    for key in spec.keys() {
        let name = scalar(key).unwrap_or_default();
        if !KEYS.contains(&name.as_str()) {
            return Err(error(
                &here,
                format!("unknown key `{name}` (a source has {})", KEYS.join(", ")),
            ));
        }
    }
    if let Some(value) = get("value") {
        return Ok(Source::Constant(constant(value)));
    }
    if let Some(pattern) = get("file_name") {
        let pattern =
            scalar(pattern).ok_or_else(|| error(&here, "`file_name` must be a pattern"))?;
        // Held to the bounds a rule's `matches` has: a 94 KB configuration of 1,000
        // patterns each keeping the regex crate's default 10 MiB took 7.9 GB.
        let compiled = Pattern::new(&pattern)
            .map_err(|problem| error(&here, format!("`file_name`: {problem}")))?;
        if compiled.regex.captures_len() < 2 {
            return Err(error(
                &here,
                "the `file_name` pattern needs a capture group: `^(PM-\\d+)`",
            ));
        }
        return Ok(Source::FileName(compiled));
    }
    if let Some(labels) = get("label") {
        let map = get("map").map(|map| value_map(map, &here)).transpose()?;
        return Ok(Source::Label(keys(labels, &here)?, map));
    }
    if let Some(name) = get("shortcode") {
        let name = scalar(name)
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            })
            .ok_or_else(|| {
                error(
                    &here,
                    "`shortcode` is the name of a Hugo shortcode: `track`",
                )
            })?;
        return Ok(Source::Shortcode(name));
    }
    if let Some(level) = get("heading") {
        let level = level
            .as_u64()
            .filter(|level| (1..=6).contains(level))
            .ok_or_else(|| error(&here, "`heading` is a level from 1 to 6"))?;
        return Ok(Source::Heading(level as u8));
    }
    let from = get("from").ok_or_else(|| {
        error(
            &here,
            "a source needs `from`, `value`, `file_name`, `label` or `heading`",
        )
    })?;
    let paths = paths(from, &here)?;
    if let Some(each) = get("each") {
        let serde_yaml::Value::Mapping(fields) = each else {
            return Err(error(
                &here,
                "`each` maps the fields of each entry: target: source",
            ));
        };
        let mut compiled = Vec::new();
        for (key, source) in fields {
            let key = scalar(key).ok_or_else(|| error(&here, "`each` keys are field names"))?;
            compiled.push((key.clone(), compile_source(&key, source, &here)?));
        }
        return Ok(Source::Each {
            paths,
            fields: compiled,
        });
    }
    Ok(Source::From {
        paths,
        map: get("map").map(|map| value_map(map, &here)).transpose()?,
        default: get("default").map(constant),
        seen: None,
    })
}

/// Marks the field sources of `source` to record whether a document had them.
fn watch(source: &mut Source) {
    match source {
        Source::From { seen, .. } => {
            *seen = Some(Arc::new(std::sync::atomic::AtomicBool::new(false)))
        }
        Source::First(sources) => sources.iter_mut().for_each(watch),
        _ => {}
    }
}

/// The source paths of `source` that are watched and that no document had.
fn unseen(source: &Source, found: &mut Vec<String>) {
    match source {
        Source::From {
            paths,
            seen: Some(seen),
            ..
        } if !seen.load(std::sync::atomic::Ordering::Relaxed) => {
            found.extend(paths.iter().map(|path| path.text().to_owned()));
        }
        Source::First(sources) => sources.iter().for_each(|source| unseen(source, found)),
        _ => {}
    }
}

fn compile_section(
    target: &str,
    value: &serde_yaml::Value,
    at: &[&str],
) -> Result<SectionSource, MappingError> {
    let here: Vec<&str> = at.iter().copied().chain([target]).collect();
    if let serde_yaml::Value::Mapping(spec) = value {
        let headings = spec
            .get(serde_yaml::Value::String("headings".into()))
            .ok_or_else(|| error(&here, "a section source needs `headings`"))?;
        let mut maps = ItemMaps::new();
        if let Some(serde_yaml::Value::Mapping(fields)) =
            spec.get(serde_yaml::Value::String("map".into()))
        {
            for (field, map) in fields {
                let field = scalar(field).unwrap_or_default();
                maps.insert(field, value_map(map, &here)?);
            }
        }
        return Ok(SectionSource {
            headings: strings(headings, &here, "a heading")?,
            keys: keys(headings, &here)?,
            maps,
        });
    }
    Ok(SectionSource {
        headings: strings(value, &here, "a heading")?,
        keys: keys(value, &here)?,
        maps: ItemMaps::new(),
    })
}

impl Mapping {
    /// Why `record` (of `root`) is no document of the kind, when a `skip:` condition says so.
    fn skipped(&self, record: &Node, root: &Node, file_name: &str) -> Option<&str> {
        self.skip.iter().find_map(|skip| {
            let text = match &skip.from {
                Some(from) => from
                    .find(record)
                    .or_else(|| from.find(root))?
                    .scalar_text()?,
                None => file_name.to_owned(),
            };
            let hit = match (&skip.is, &skip.matches) {
                (Some(value), _) => text.trim().to_lowercase() == *value,
                (_, Some(pattern)) => pattern.regex.is_match(&text),
                _ => false,
            };
            hit.then_some(skip.because.as_str())
        })
    }

    /// Adds `fields` and `sections` (a later target replaces an earlier one).
    fn refine(
        &mut self,
        kind: &Option<String>,
        within: &Option<String>,
        fields: &Ordered<serde_yaml::Value>,
        sections: &Ordered<serde_yaml::Value>,
        skip: &[SkipEntry],
        at: &[&str],
    ) -> Result<(), MappingError> {
        let at_skip: Vec<&str> = at.iter().copied().chain(["skip"]).collect();
        for condition in skip {
            let from = condition
                .from
                .as_deref()
                .map(|from| SourcePath::parse(from).map_err(|message| error(&at_skip, message)))
                .transpose()?;
            if from.is_some() == condition.file_name.is_some() {
                return Err(error(
                    &at_skip,
                    "a `skip:` condition reads one of `from` (a field) or `file_name`",
                ));
            }
            let matches = condition
                .matches
                .as_deref()
                .or(condition.file_name.as_deref())
                .map(|pattern| {
                    Pattern::new(pattern)
                        .map_err(|problem| error(&at_skip, format!("`matches`: {problem}")))
                })
                .transpose()?;
            if condition.is.is_none() == matches.is_none() {
                return Err(error(
                    &at_skip,
                    "a `skip:` condition needs one of `is` or `matches`",
                ));
            }
            self.skip.push(Skip {
                from,
                is: condition
                    .is
                    .as_ref()
                    .and_then(scalar)
                    .map(|text| text.to_lowercase()),
                matches,
                because: condition.because.clone().unwrap_or_else(|| {
                    let what = condition
                        .from
                        .as_deref()
                        .map_or("file name".to_owned(), |from| format!("`{from}`"));
                    format!(
                        "its {what} says it is no {}",
                        self.kind.as_deref().unwrap_or("document")
                    )
                }),
            });
        }
        if let Some(kind) = kind {
            self.kind = Some(crate::document::normalise_kind(kind));
        }
        if let Some(within) = within {
            self.within = Some(
                SourcePath::parse(within)
                    .map_err(|message| error(&[at, &["within"]].concat(), message))?,
            );
        }
        // A misspelt target would put every value under a name no rule reads.
        let typo = |target: &str, under: &[&str]| -> Result<(), MappingError> {
            let kind = self.kind.as_deref().unwrap_or("incident");
            match crate::document::schema::meant_target(kind, target) {
                Some(meant) => Err(error(
                    &[under, &[target]].concat(),
                    format!(
                        "`{target}` is not a field of {kind} documents; did you mean `{meant}`?"
                    ),
                )),
                None => Ok(()),
            }
        };
        let at_fields: Vec<&str> = at.iter().copied().chain(["fields"]).collect();
        for (target, _) in &fields.0 {
            typo(target, &at_fields)?;
        }
        for (target, _) in &sections.0 {
            typo(target, &[at, &["sections"]].concat())?;
        }
        for (target, value) in &fields.0 {
            let mut source = compile_source(target, value, &at_fields)?;
            // An entry's own sources are watched; a preset's are not the user's to misspell.
            if at.is_empty() {
                watch(&mut source);
            }
            self.fields.set(target, source);
        }
        let at_sections: Vec<&str> = at.iter().copied().chain(["sections"]).collect();
        for (target, value) in &sections.0 {
            let source = compile_section(target, value, &at_sections)?;
            self.sections.set(target, source);
        }
        Ok(())
    }

    /// The mapping of one `formats:` entry: its preset, then its own fields and sections.
    pub fn of_entry(entry: &FormatEntry) -> Result<Mapping, MappingError> {
        Mapping::of_entry_with(entry, &mut HashMap::new()).map(Arc::unwrap_or_clone)
    }

    /// [`of_entry`](Mapping::of_entry), each preset compiled once into `presets` and
    /// shared by the entries that only name it: 30,000 entries of one preset held 30,000
    /// copies of it (600 MB).
    fn of_entry_with(
        entry: &FormatEntry,
        presets: &mut HashMap<String, Arc<Mapping>>,
    ) -> Result<Arc<Mapping>, MappingError> {
        let preset = match &entry.preset {
            Some(name) => Some(match presets.get(name) {
                Some(compiled) => Arc::clone(compiled),
                None => {
                    let compiled = Arc::new(Mapping::of_preset(name)?);
                    presets.insert(name.clone(), Arc::clone(&compiled));
                    compiled
                }
            }),
            None => None,
        };
        let own = entry.kind.is_some()
            || entry.within.is_some()
            || !entry.fields.0.is_empty()
            || !entry.sections.0.is_empty()
            || !entry.skip.is_empty();
        if let (Some(preset), false) = (&preset, own) {
            return Ok(Arc::clone(preset));
        }
        let mut mapping = preset.map(|preset| (*preset).clone()).unwrap_or_default();
        mapping.refine(
            &entry.kind,
            &entry.within,
            &entry.fields,
            &entry.sections,
            &entry.skip,
            &[],
        )?;
        Ok(Arc::new(mapping))
    }

    fn of_preset(name: &str) -> Result<Mapping, MappingError> {
        let mut mapping = Mapping::default();
        let preset = PresetFile::builtin(name).map_err(|message| error(&["preset"], message))?;
        mapping
            .refine(
                &preset.kind,
                &preset.within,
                &preset.fields,
                &preset.sections,
                &preset.skip,
                &["preset"],
            )
            .map_err(|mut problem| {
                problem.message = format!("preset `{name}`: {}", problem.message);
                problem
            })?;
        mapping.presets.push(name.to_owned());
        Ok(mapping)
    }

    fn merge(&mut self, later: &Mapping) {
        if later.kind.is_some() {
            self.kind.clone_from(&later.kind);
        }
        if later.within.is_some() {
            self.within.clone_from(&later.within);
        }
        for (target, source) in later.fields.iter() {
            self.fields.set(target, source.clone());
        }
        for (target, source) in later.sections.iter() {
            self.sections.set(target, source.clone());
        }
        self.skip.extend(later.skip.iter().cloned());
        for preset in &later.presets {
            if !self.presets.contains(preset) {
                self.presets.push(preset.clone());
            }
        }
    }

    /// What its `file_name` patterns not in `counted` compile to, in bytes; those are
    /// added to it (a preset's pattern, shared by every entry that uses it, counts once).
    fn file_name_bytes(&self, counted: &mut std::collections::HashSet<String>) -> usize {
        fn of(source: &Source, counted: &mut std::collections::HashSet<String>) -> usize {
            match source {
                Source::FileName(pattern) if counted.insert(pattern.regex.as_str().to_owned()) => {
                    pattern.compiled_bytes()
                }
                Source::First(sources) => sources.iter().map(|source| of(source, counted)).sum(),
                Source::Each { fields, .. } => {
                    fields.iter().map(|(_, source)| of(source, counted)).sum()
                }
                _ => 0,
            }
        }
        self.fields
            .iter()
            .map(|(_, source)| of(source, counted))
            .sum()
    }

    /// The headings, as written, a body section for `target` is read from.
    pub fn section_headings(&self, target: &str) -> Option<&[String]> {
        self.sections
            .iter()
            .find(|(known, _)| known.as_str() == target)
            .map(|(_, section)| section.headings.as_slice())
    }

    /// What `lessons formats` shows of it: (target, where it comes from).
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|(target, source)| (target.clone(), describe(source)))
            .collect();
        rows.extend(self.skip.iter().map(|skip| {
            let test = match (&skip.is, &skip.matches) {
                (Some(value), _) => format!("is `{value}`"),
                (_, Some(pattern)) => format!("matches /{}/", pattern.regex.as_str()),
                _ => String::new(),
            };
            let what = skip
                .from
                .as_ref()
                .map_or("the file name".to_owned(), |from| {
                    format!("`{}`", from.text())
                });
            (
                "(skipped)".to_owned(),
                format!("when {what} {test}: {}", skip.because),
            )
        }));
        rows.extend(self.sections.iter().map(|(target, source)| {
            (
                target.clone(),
                format!(
                    "section {}",
                    source
                        .headings
                        .iter()
                        .map(|heading| format!("\"{heading}\""))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ),
            )
        }));
        rows
    }
}

fn describe(source: &Source) -> String {
    let joined = |paths: &[SourcePath]| {
        paths
            .iter()
            .map(|path| format!("`{}`", path.text()))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    match source {
        Source::From {
            paths,
            map,
            default,
            ..
        } => {
            let mut text = format!("field {}", joined(paths));
            if map.is_some() {
                text.push_str(", values mapped");
            }
            if let Some(default) = default {
                text.push_str(&format!(", else {}", value_text(default)));
            }
            text
        }
        Source::Constant(value) => format!("constant {}", value_text(value)),
        Source::FileName(pattern) => format!("file name /{}/", pattern.regex.as_str()),
        Source::Label(labels, map) => format!(
            "label **{}:**{}",
            labels.join(":** | **"),
            if map.is_some() { ", values mapped" } else { "" }
        ),
        Source::Heading(level) => format!("first level-{level} heading"),
        Source::Shortcode(name) => format!("updates with {{{{< {name} \"time\" >}}}}"),
        Source::First(sources) => sources
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join("; else "),
        Source::Each { paths, fields } => format!(
            "each entry of {} ({})",
            joined(paths),
            fields
                .iter()
                .map(|(target, _)| target.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Str(text) => format!("`{text}`"),
        Value::Int(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => "a value".into(),
    }
}

/// The configuration's `formats:`, compiled: which mapping each file gets.
#[derive(Debug, Default)]
pub struct Formats {
    entries: Vec<Arc<Mapping>>,
    globs: EntryGlobs,
    /// Mappings merged for a set of matching entries, built on first use.
    merged: Mutex<HashMap<Vec<usize>, Arc<Mapping>>>,
}

/// The `files:` globs of every entry, found by their literal start: a file is tried only
/// against the globs it begins like (`postmortems/team-7/` of `postmortems/team-7/*.md`),
/// each compiled the first time it is tried. Thirty thousand entries, each a set of its
/// own — or all in one `GlobSet`, which tries every glob of an extension in turn — took a
/// minute over two thousand files, and a compiled matcher each.
#[derive(Debug, Default)]
struct EntryGlobs {
    /// Each distinct glob, its matcher once compiled, and the entries it belongs to.
    globs: Vec<(
        globset::Glob,
        std::sync::OnceLock<globset::GlobMatcher>,
        Vec<usize>,
    )>,
    /// Glob positions by their text, and by their literal start.
    by_text: HashMap<String, usize>,
    by_start: HashMap<String, Vec<usize>>,
}

impl EntryGlobs {
    fn add(&mut self, glob: globset::Glob, entry: usize) {
        if let Some(&at) = self.by_text.get(glob.glob()) {
            self.globs[at].2.push(entry);
            return;
        }
        let at = self.globs.len();
        let text = glob.glob().to_owned();
        let start = text
            .find(['*', '?', '[', '{', '\\'])
            .map_or(text.as_str(), |end| &text[..end])
            .to_owned();
        self.by_start.entry(start).or_default().push(at);
        self.by_text.insert(text, at);
        self.globs
            .push((glob, std::sync::OnceLock::new(), vec![entry]));
    }

    /// The entries whose globs match `file` (or `file` with its extension in lower case),
    /// in order, once each.
    fn matching(&self, file: &Path) -> Vec<usize> {
        let text = file.to_string_lossy();
        let lowered = file
            .extension()
            .and_then(|extension| extension.to_str())
            .filter(|extension| extension.chars().any(|c| c.is_ascii_uppercase()))
            .map(|extension| file.with_extension(extension.to_ascii_lowercase()));
        // The globs whose literal start either form of the path begins with.
        let mut candidates: Vec<usize> = Vec::new();
        let lowered_text = lowered.as_ref().map(|path| path.to_string_lossy());
        for text in std::iter::once(&text).chain(lowered_text.as_ref()) {
            for (end, _) in text.char_indices().chain([(text.len(), ' ')]) {
                if let Some(starting) = self.by_start.get(&text[..end]) {
                    candidates.extend_from_slice(starting);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut entries = Vec::new();
        for at in candidates {
            let (glob, matcher, owners) = &self.globs[at];
            let matcher = matcher.get_or_init(|| glob.compile_matcher());
            if matcher.is_match(file) || lowered.as_ref().is_some_and(|l| matcher.is_match(l)) {
                entries.extend_from_slice(owners);
            }
        }
        entries.sort_unstable();
        entries.dedup();
        entries
    }
}

/// What all of a configuration's `file_name` patterns may compile to together.
const FILE_NAME_PATTERNS_BYTES: usize = 16 << 20;

impl Formats {
    /// Compiles the entries; `Err` names the entry (by position) and the problem.
    pub fn compile(entries: &[FormatEntry]) -> Result<Formats, (usize, MappingError)> {
        let mut compiled = Vec::new();
        let mut globs = EntryGlobs::default();
        let mut patterns_bytes = 0usize;
        let mut counted = std::collections::HashSet::new();
        let mut presets: HashMap<String, Arc<Mapping>> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            for pattern in entry.files.patterns() {
                let glob = crate::util::globs::compile(pattern).map_err(|bad| {
                    (
                        index,
                        error(
                            &["files"],
                            format!("`{}` is not a glob: {}", bad.pattern, bad.message),
                        ),
                    )
                })?;
                globs.add(glob, index);
            }
            let mapping =
                Mapping::of_entry_with(entry, &mut presets).map_err(|problem| (index, problem))?;
            // A pattern shared by entries (a preset's) is counted once.
            patterns_bytes = patterns_bytes.saturating_add(mapping.file_name_bytes(&mut counted));
            if patterns_bytes > FILE_NAME_PATTERNS_BYTES {
                return Err((
                    index,
                    error(
                        &["fields"],
                        format!(
                            "the `file_name` patterns compile to more than {} MiB together",
                            FILE_NAME_PATTERNS_BYTES >> 20
                        ),
                    ),
                ));
            }
            compiled.push(mapping);
        }
        Ok(Formats {
            entries: compiled,
            globs,
            merged: Mutex::new(HashMap::new()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The configuration's own field sources that no document had, once the documents
    /// are mapped: (entry, target, the source paths).
    pub fn unseen_sources(&self) -> Vec<(usize, String, Vec<String>)> {
        let mut found = Vec::new();
        for (index, mapping) in self.entries.iter().enumerate() {
            for (target, source) in mapping.fields.iter() {
                let mut paths = Vec::new();
                unseen(source, &mut paths);
                if !paths.is_empty() {
                    found.push((index, target.clone(), paths));
                }
            }
        }
        found
    }

    /// The entries whose `files:` match `file` (relative to the root), in order.
    pub fn entries_of(&self, file: &Path) -> Vec<usize> {
        self.globs.matching(file)
    }

    /// The first entry whose `files:` globs match none of `files`.
    pub fn unmatched_entry(&self, files: &[std::path::PathBuf]) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        let mut matched = vec![false; self.entries.len()];
        let mut left = self.entries.len();
        for file in files {
            for entry in self.globs.matching(file) {
                if !matched[entry] {
                    matched[entry] = true;
                    left -= 1;
                }
            }
            if left == 0 {
                return None;
            }
        }
        matched.iter().position(|matched| !matched)
    }

    /// The mapping of `file` (relative to the root): every matching entry, in order.
    pub fn for_file(&self, file: &Path) -> Option<Arc<Mapping>> {
        if self.entries.is_empty() {
            return None;
        }
        let mut matching = self.globs.matching(file);
        if matching.is_empty() {
            return None;
        }
        matching.sort_unstable();
        matching.dedup();
        let mut cache = self
            .merged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let merged = cache.entry(matching.clone()).or_insert_with(|| {
            if let [only] = matching.as_slice() {
                return Arc::clone(&self.entries[*only]);
            }
            let mut mapping = Mapping::default();
            for index in &matching {
                mapping.merge(&self.entries[*index]);
            }
            Arc::new(mapping)
        });
        Some(Arc::clone(merged))
    }
}

/// Every preset with its description, what it reads and what it maps (`lessons formats`).
pub fn catalogue() -> Vec<(PresetFile, Vec<(String, String)>)> {
    PRESETS
        .iter()
        .filter_map(|(name, _)| {
            let preset = PresetFile::builtin(name).ok()?;
            let entry = FormatEntry {
                files: OneOrMany::Many(Vec::new()),
                preset: Some((*name).to_owned()),
                kind: None,
                within: None,
                fields: Ordered::default(),
                sections: Ordered::default(),
                skip: Vec::new(),
            };
            let rows = Mapping::of_entry(&entry).ok()?.describe();
            Some((preset, rows))
        })
        .collect()
}

/// Target fields by kind that take a list from a body section (bullets, else paragraphs).
pub(crate) const LIST_TARGETS: &[&str] = &[
    "responders",
    "review.went_well",
    "review.could_improve",
    "review.lucky",
    "detection.early_warning_signs",
    "third_parties",
    "attack_techniques",
    "runbooks_used",
    "policies_affected",
];

/// Value maps keyed as they are compared: lower-case source text.
pub(crate) fn mapped(map: &BTreeMap<String, String>, text: &str) -> Option<String> {
    map.get(&text.trim().to_lowercase()).cloned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_file_is_embedded_and_compiles() {
        use crate::util::embedded::{listed, names_in};
        assert_eq!(names_in("formats", ".yaml"), listed(super::PRESETS, ""));
        for (name, rows) in super::catalogue().iter().map(|(p, rows)| (&p.name, rows)) {
            assert!(!rows.is_empty(), "preset {name} maps nothing");
        }
        assert_eq!(
            super::catalogue().len(),
            super::PRESETS.len(),
            "every preset compiles"
        );
    }
}
