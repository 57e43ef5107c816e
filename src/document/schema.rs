//! The field types of each kind, as the spec's *Documents* section pins them, checked once
//! per document while loading. What this finds is reported as `LL000` (its documentation is
//! `rules/LL000-invalid-document.rhai`). Walking every field of every document is the one
//! check that touches everything, so it runs here at native speed rather than in Rhai.
//! Unknown fields are allowed; a null value counts as absent.

use super::date::Moment;
use super::tree::{Node, Value};
use super::{Document, LoadProblem};

/// What one field must hold.
#[derive(Debug, Clone, Copy)]
enum Field {
    Date,
    /// A string; a number counts as text (`id: 42`).
    Text,
    Int,
    Bool,
    List,
    TextList,
    OneOf(&'static [&'static str]),
    Map(&'static [(&'static str, Field)]),
    /// A list of mappings with these fields.
    Each(&'static [(&'static str, Field)]),
    /// A known field of any shape (`root_cause`: text or a mapping).
    Any,
}

use Field::*;

const CADENCE: Field = OneOf(&["monthly", "quarterly", "semiannual", "annual"]);
const REVISIONS: Field = Each(&[("date", Date)]);

const INCIDENT: &[(&str, Field)] = &[
    ("id", Text),
    ("title", Text),
    ("severity", OneOf(&["low", "medium", "high", "critical"])),
    (
        "status",
        OneOf(&["open", "contained", "resolved", "closed"]),
    ),
    ("category", Text),
    ("root_cause", Any),
    ("impact", Any),
    ("detected", Date),
    ("contained", Date),
    ("resolved", Date),
    ("closed", Date),
    (
        "detection",
        Map(&[("method", Text), ("early_warning_signs", List)]),
    ),
    ("timeline", Each(&[("at", Date)])),
    ("responders", TextList),
    (
        "review",
        Map(&[
            ("held_on", Date),
            ("facilitator", Text),
            (
                "participants",
                Each(&[("person", Text), ("role", Text), ("team", Text)]),
            ),
            ("went_well", List),
            ("could_improve", List),
            // Answers to the pack's lessons-learned questions, by question id (LL035).
            ("answers", Map(&[])),
        ]),
    ),
    (
        "action_items",
        Each(&[
            ("id", Text),
            ("title", Text),
            ("owner", Text),
            ("due", Date),
            ("status", OneOf(&["open", "in-progress", "done", "wont-do"])),
            (
                "type",
                OneOf(&[
                    "policy",
                    "runbook",
                    "training",
                    "control",
                    "detection",
                    "contract",
                    "other",
                ]),
            ),
            ("ref", Text),
            // A ticket of the item, and what it holds (`formats:` sets them).
            ("ticket", Text),
            ("in_ticket", TextList),
        ]),
    ),
    ("runbooks_used", TextList),
    ("policies_affected", TextList),
    ("third_parties", List),
    ("attack_techniques", List),
];

const POLICY: &[(&str, Field)] = &[
    ("id", Text),
    ("title", Text),
    ("owner", Text),
    ("version", Text),
    ("status", OneOf(&["draft", "approved", "retired"])),
    ("approved_by", Text),
    ("last_reviewed", Date),
    ("review_interval_days", Int),
    ("review_cadence", CADENCE),
    ("revisions", REVISIONS),
    ("majorRevisions", REVISIONS),
    (
        "required_training",
        Each(&[("course", Text), ("roles", TextList), ("valid_days", Int)]),
    ),
];

const RUNBOOK: &[(&str, Field)] = &[
    ("id", Text),
    ("title", Text),
    ("owner", Text),
    ("last_reviewed", Date),
    ("last_exercised", Date),
    ("review_interval_days", Int),
    ("review_cadence", CADENCE),
    ("incident_types", TextList),
];

const ROSTER: &[(&str, Field)] = &[(
    "people",
    Each(&[
        ("id", Text),
        ("status", OneOf(&["active", "departed"])),
        ("hired_on", Date),
        ("left_on", Date),
        (
            "training",
            Each(&[
                ("course", Text),
                ("completed_on", Date),
                ("expires_on", Date),
            ]),
        ),
    ]),
)];

const ACCESS_REVIEW: &[(&str, Field)] = &[
    ("id", Text),
    ("system", Text),
    ("owner", Text),
    ("reviewer", Text),
    ("reviewed_on", Date),
    ("interval_days", Int),
    (
        "grants",
        Each(&[
            ("person", Text),
            ("role", Text),
            ("privileged", Bool),
            ("granted_on", Date),
        ]),
    ),
];

/// The kinds whose fields the schema knows (VERIS records are read by their own rules).
pub const KINDS: [&str; 5] = ["incident", "policy", "runbook", "roster", "access-review"];

/// The fields of each of [`KINDS`], in its order (a kind added to one and not the other
/// does not compile).
const FIELDS: [&[(&str, Field)]; KINDS.len()] = [INCIDENT, POLICY, RUNBOOK, ROSTER, ACCESS_REVIEW];

fn fields_of(kind: &str) -> Option<&'static [(&'static str, Field)]> {
    let at = KINDS.iter().position(|known| *known == kind)?;
    FIELDS.get(at).copied()
}

/// What a field of the schema holds, for the editor: its name, its shape in words, its
/// enumerated values (if any) and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldHelp {
    pub name: &'static str,
    pub shape: String,
    pub values: &'static [&'static str],
    pub refers: Option<&'static str>,
    /// Whether it holds a date.
    pub date: bool,
}

/// What the spec says a field that names other documents names.
const REFERS: &[(&str, &str, &str)] = &[
    (
        "incident",
        "responders",
        "the `id` of each responder, as a roster lists them",
    ),
    (
        "incident",
        "runbooks_used",
        "the `id` of each runbook the responders followed",
    ),
    (
        "incident",
        "policies_affected",
        "the `id` of each policy the incident touched",
    ),
    (
        "incident",
        "action_items.ref",
        "the `id` of the policy or runbook the item changes",
    ),
    (
        "incident",
        "action_items.owner",
        "the `id` of the person accountable for the item",
    ),
    (
        "incident",
        "review.participants.person",
        "the `id` of a participant, as a roster lists them",
    ),
    (
        "access-review",
        "grants.person",
        "the `id` of the person granted access, as a roster lists them",
    ),
    (
        "access-review",
        "reviewer",
        "the `id` of the person who reviewed the grants",
    ),
];

/// The field at `path` (keys from the document's top; list items are looked through) of a
/// document of `kind`.
pub fn field_help(kind: &str, path: &[&str]) -> Option<FieldHelp> {
    let (last, parent) = path.split_last()?;
    let fields = fields_at(kind, parent)?;
    let (name, field) = fields.iter().find(|(name, _)| name == last)?;
    let dotted = path.join(".");
    Some(FieldHelp {
        name,
        shape: shape(*field),
        values: match field {
            OneOf(values) => values,
            _ => &[],
        },
        refers: REFERS
            .iter()
            .find(|(of, at, _)| *of == kind && *at == dotted)
            .map(|(_, _, refers)| *refers),
        date: matches!(field, Date),
    })
}

/// The fields of the mapping at `parent` in a document of `kind` (`[]`: the document's own).
fn fields_at(kind: &str, parent: &[&str]) -> Option<&'static [(&'static str, Field)]> {
    let mut fields = fields_of(kind)?;
    for key in parent {
        fields = match fields.iter().find(|(name, _)| name == key)?.1 {
            Map(inner) | Each(inner) => inner,
            _ => return None,
        };
    }
    Some(fields)
}

/// Every field of the mapping at `parent`, as [`field_help`] describes it.
pub fn fields_help(kind: &str, parent: &[&str]) -> Vec<FieldHelp> {
    let Some(fields) = fields_at(kind, parent) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|(name, _)| {
            let mut path = parent.to_vec();
            path.push(name);
            field_help(kind, &path)
        })
        .collect()
}

fn shape(field: Field) -> String {
    let names = |fields: &[(&str, Field)]| {
        fields
            .iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match field {
        Date => "a date: `2026-03-14`, or a date-time `2026-03-14T09:30:00Z`".into(),
        Text => "text".into(),
        Int => "a whole number".into(),
        Bool => "`true` or `false`".into(),
        List => "a list".into(),
        TextList => "a list of texts".into(),
        OneOf(values) => format!("one of {}", values.join(", ")),
        Map([]) => "a mapping".into(),
        Map(fields) => format!("a mapping of {}", names(fields)),
        Each(fields) => format!("a list of mappings, each with {}", names(fields)),
        Any => "text, or a mapping of its parts".into(),
    }
}

/// Every field of `document` (of `kind`) whose value has the wrong type, in document order.
/// `text` is the file's text, for quoting a compound value.
pub fn validate(document: &Document, kind: &str, text: &str) -> Vec<LoadProblem> {
    let Some(fields) = fields_of(kind) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if kind == "incident" && document.root.get("id").is_none_or(is_blank) {
        problems.push(
            LoadProblem::new("incident has no `id`", document.locate(""))
                .with_help("add `id:` with the incident's reference, e.g. `id: INC-2026-014`"),
        );
    }
    let mut walk = Walk {
        text,
        path: Vec::new(),
        problems: &mut problems,
    };
    walk.map(&document.root, fields);
    problems.sort_by_key(|problem| problem.span.start);
    problems
}

/// A field name that is probably a typo of a known field of its place: `action-items`,
/// `rootcause`, `root_casue`, `respnders`. Found where the schema knows the fields (the
/// top of a document, `review`, each action item, each person…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The path of the map holding the key (`action_items[1]`, `""` for the document).
    pub parent: String,
    pub key: String,
    pub key_span: super::tree::Span,
    pub meant: &'static str,
}

/// Every [`NearMiss`] of `document` (of `kind`), in document order.
pub fn near_misses(document: &Document, kind: &str) -> Vec<NearMiss> {
    let Some(fields) = fields_of(kind) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    near_misses_in(&document.root, fields, &mut Vec::new(), &mut found);
    found.sort_by_key(|miss| miss.key_span.start);
    found
}

/// The known field a mapping's target (`root_casue`, `review.could_improv`) is probably a
/// typo of, as [`near_misses`] judges a document's keys: `Some("root_cause")`.
pub fn meant_target(kind: &str, target: &str) -> Option<String> {
    let mut fields = fields_of(kind)?;
    let mut done: Vec<&str> = Vec::new();
    for key in target.split('.') {
        match fields.iter().find(|(name, _)| *name == key) {
            Some((_, Map(inner))) => {
                done.push(key);
                fields = inner;
            }
            Some(_) => return None,
            None => {
                let meant = typo_of(key, fields)?;
                done.push(meant);
                return Some(done.join("."));
            }
        }
    }
    None
}

/// One step of the path to a mapping: its key, or its index in a list.
enum Place<'a> {
    Key(&'a str),
    Index(usize),
}

fn near_misses_in<'a>(
    node: &'a Node,
    fields: &'static [(&'static str, Field)],
    path: &mut Vec<Place<'a>>,
    found: &mut Vec<NearMiss>,
) {
    let Value::Map(entries) = &node.value else {
        return;
    };
    for entry in entries.iter() {
        let known = fields.iter().find(|(name, _)| *name == entry.key);
        match known {
            Some((_, Map(inner))) => {
                path.push(Place::Key(&entry.key));
                near_misses_in(&entry.value, inner, path, found);
                path.pop();
            }
            Some((_, Each(inner))) => {
                if let Value::Seq(items) = &entry.value.value {
                    path.push(Place::Key(&entry.key));
                    for (index, item) in items.iter().enumerate() {
                        path.push(Place::Index(index));
                        near_misses_in(item, inner, path, found);
                        path.pop();
                    }
                    path.pop();
                }
            }
            Some(_) => {}
            None => {
                if let Some(meant) = typo_of(&entry.key, fields) {
                    found.push(NearMiss {
                        parent: written(path),
                        key: entry.key.to_string(),
                        key_span: entry.key_span(),
                        meant,
                    });
                }
            }
        }
    }
}

/// `action_items[2].links`: the path written out, only for the keys that are reported.
fn written(path: &[Place<'_>]) -> String {
    let mut text = String::new();
    for place in path {
        match place {
            Place::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Place::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// The known field `key` is a typo of: the same name but for case, `-`, `_` and spaces,
/// or one edit away (a letter missing, extra, wrong or two swapped) — two for long names.
fn typo_of(key: &str, fields: &'static [(&'static str, Field)]) -> Option<&'static str> {
    type Judged =
        std::collections::HashMap<usize, std::collections::HashMap<String, Option<&'static str>>>;
    thread_local! {
        /// The same unknown key turns up in thousands of documents: judged once per thread
        /// and set of fields.
        static JUDGED: std::cell::RefCell<Judged> = std::cell::RefCell::default();
    }
    let set = fields.as_ptr() as usize;
    let known = JUDGED.with(|judged| judged.borrow().get(&set)?.get(key).copied());
    if let Some(known) = known {
        return known;
    }
    let meant = judge_typo(key, fields);
    JUDGED.with(|judged| {
        let mut judged = judged.borrow_mut();
        let keys = judged.entry(set).or_default();
        if keys.len() < 1 << 16 {
            keys.insert(key.to_owned(), meant);
        }
    });
    meant
}

fn judge_typo(key: &str, fields: &'static [(&'static str, Field)]) -> Option<&'static str> {
    let squash = |text: &str| -> String {
        text.chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wrong = squash(key);
    if wrong.len() < 4 {
        return None;
    }
    fields
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.len() >= 4)
        // Two edits at most, besides the separators squashing drops.
        .filter(|name| {
            let separators = name
                .bytes()
                .filter(|b| matches!(b, b'_' | b'-' | b' '))
                .count();
            name.len().abs_diff(wrong.len()) <= 2 + separators
        })
        .filter_map(|name| {
            let limit = if name.len() >= 9 { 2 } else { 1 };
            edit_distance_within(&wrong, &squash(name), limit).map(|distance| (name, distance))
        })
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

/// The one of `known` nearest to `wrong` (at most two edits, case aside): `LL09` → `LL009`.
pub fn nearest<'a>(wrong: &str, known: &[&'a str]) -> Option<&'a str> {
    let wrong = wrong.to_ascii_lowercase();
    known
        .iter()
        .filter_map(|name| {
            edit_distance_within(&wrong, &name.to_ascii_lowercase(), 2)
                .map(|distance| (*name, distance))
        })
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbours each count one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    edit_distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// [`edit_distance`] when it is at most `limit`; `None` as soon as it cannot be, which for
/// a key nothing like any field is after a row or two.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Three rows of the table, not the whole of it: a typo is judged for every unknown key.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    let mut previous_least = 0;
    for i in 1..=a.len() {
        current[0] = i;
        let mut least = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
            least = least.min(best);
        }
        // No later cell can come below both of the last two rows' least.
        if least > limit && previous_least > limit {
            return None;
        }
        previous_least = least;
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[b.len()]).filter(|distance| *distance <= limit)
}

fn is_blank(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        _ => node.as_str().is_some_and(|text| text.trim().is_empty()),
    }
}

/// One step of the path being walked; formatted only when something is reported.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct Walk<'a> {
    text: &'a str,
    path: Vec<Step<'a>>,
    problems: &'a mut Vec<LoadProblem>,
}

impl<'a> Walk<'a> {
    /// `action_items[0].due`
    fn path(&self) -> String {
        let mut path = String::new();
        for step in &self.path {
            match step {
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Index(index) => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }

    fn report(&mut self, node: &Node, message: String, help: Option<String>) {
        let mut problem = LoadProblem::new(message, node.span());
        problem.help = help;
        problem.path = self.path();
        self.problems.push(problem);
    }

    fn map(&mut self, node: &'a Node, fields: &[(&str, Field)]) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        for entry in entries.iter() {
            let Some((_, field)) = fields.iter().find(|(name, _)| *name == entry.key) else {
                continue;
            };
            if matches!(entry.value.value, Value::Null) {
                continue;
            }
            self.path.push(Step::Key(&entry.key));
            self.value(&entry.value, *field);
            self.path.pop();
        }
    }

    fn value(&mut self, node: &'a Node, field: Field) {
        match field {
            Any => {}
            Map(fields) => match &node.value {
                Value::Map(_) => self.map(node, fields),
                _ => self.report(
                    node,
                    format!(
                        "`{}` must be a mapping, not {}",
                        self.path(),
                        describe(node)
                    ),
                    Some("write it as indented `key: value` lines".into()),
                ),
            },
            Each(fields) => match &node.value {
                Value::Seq(items) => {
                    for (index, item) in items.iter().enumerate() {
                        self.path.push(Step::Index(index));
                        match &item.value {
                            Value::Map(_) => self.map(item, fields),
                            Value::Null => {}
                            _ => self.report(
                                item,
                                format!(
                                    "`{}` must be a mapping of fields, not {}",
                                    self.path(),
                                    describe(item)
                                ),
                                Some("write the entry as `key: value` lines".into()),
                            ),
                        }
                        self.path.pop();
                    }
                }
                _ => self.report(
                    node,
                    format!("`{}` must be a list, not {}", self.path(), describe(node)),
                    Some("write one `- ` item per entry".into()),
                ),
            },
            // `start_time: ""`, `resolved: TBD`: left blank, which is no date and no error
            // (the rules that need the date say it is missing).
            Date if node.as_str().is_some_and(super::date::is_unfilled) => {}
            Date => {
                let parsed = match &node.value {
                    Value::Int(_) | Value::Float(_) => {
                        scalar_text(node).and_then(|t| Moment::parse(&t))
                    }
                    _ => node.as_str().and_then(Moment::parse),
                };
                // A typo'd year (`2205-03-03`) is a date no record means.
                if let Some(moment) =
                    parsed.filter(|moment| !(1970..=2100).contains(&moment.date.year()))
                {
                    self.report(
                        node,
                        format!(
                            "`{}` is not a plausible date: `{}` (the year {})",
                            self.path(),
                            self.quote(node),
                            moment.date.year()
                        ),
                        Some("correct the year".into()),
                    );
                } else if parsed.is_none() {
                    self.report(
                        node,
                        format!("`{}` is not a date: `{}`", self.path(), self.quote(node)),
                        Some(
                            "write an ISO 8601 date such as 2026-03-14 (or 2026-03-14T09:30:00Z)"
                                .into(),
                        ),
                    );
                }
            }
            Text => {
                if !(node.value.is_text() || matches!(node.value, Value::Int(_) | Value::Float(_)))
                {
                    let message = format!("`{}` must be text, not {}", self.path(), describe(node));
                    self.report(node, message, None);
                }
            }
            Int => {
                if !matches!(node.value, Value::Int(_)) {
                    let message = format!(
                        "`{}` must be a whole number, not {} `{}`",
                        self.path(),
                        describe(node),
                        self.quote(node)
                    );
                    self.report(node, message, None);
                }
            }
            Bool => {
                if !matches!(node.value, Value::Bool(_)) {
                    let message = format!(
                        "`{}` must be true or false, not `{}`",
                        self.path(),
                        self.quote(node)
                    );
                    self.report(node, message, None);
                }
            }
            List | TextList => match &node.value {
                Value::Seq(items) => {
                    if matches!(field, TextList) {
                        for (index, item) in items.iter().enumerate() {
                            if !(item.value.is_text()
                                || matches!(item.value, Value::Int(_) | Value::Float(_)))
                            {
                                self.path.push(Step::Index(index));
                                let message = format!(
                                    "`{}` must be text, not {}",
                                    self.path(),
                                    describe(item)
                                );
                                self.report(item, message, None);
                                self.path.pop();
                            }
                        }
                    }
                }
                _ => {
                    let path = self.path();
                    let help = format!(
                        "write it as a list: `{path}: [{}]`, or one `- ` item per line",
                        self.quote(node)
                    );
                    let message = format!("`{path}` must be a list, not {}", describe(node));
                    self.report(node, message, Some(help));
                }
            },
            OneOf(allowed) => {
                let known = node.as_str().is_some_and(|text| allowed.contains(&text));
                if !known {
                    let choices = allowed.join(", ");
                    self.report(
                        node,
                        format!(
                            "`{}` is `{}`, not one of {choices}",
                            self.path(),
                            self.quote(node)
                        ),
                        Some(format!("write one of {choices} (values are lower-case)")),
                    );
                    // `Closed`, `IN-PROGRESS`: a known value in the wrong case is certain.
                    let lower = node.as_str().map(|text| text.trim().to_lowercase());
                    if let Some(value) = lower.filter(|value| allowed.contains(&value.as_str())) {
                        if let Some(problem) = self.problems.last_mut() {
                            problem.fix = Some(value);
                        }
                    }
                }
            }
        }
    }

    /// The value as written: scalars as their value, anything else as its first source line.
    fn quote(&self, node: &Node) -> String {
        scalar_text(node).unwrap_or_else(|| {
            let written = self.text.get(node.span()).unwrap_or("");
            written.lines().next().unwrap_or("").trim().to_owned()
        })
    }
}

/// Strings and numbers read as text; booleans, lists and mappings do not.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(number.to_string()),
        _ => node.as_str().map(str::to_owned),
    }
}

fn describe(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "empty",
        Value::Bool(_) => "true/false",
        Value::Int(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_) => "text",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::document::{parse_file, Format};

    #[test]
    fn edit_distance_counts_a_swap_of_neighbours_as_one_edit() {
        for (a, b, distance) in [
            ("kitten", "sitting", 3),
            ("owner", "onwer", 1),
            ("ca", "ac", 1),
            ("", "due", 3),
            ("status", "", 6),
            ("résumé", "resume", 2),
            ("root_cause", "root_cause", 0),
        ] {
            assert_eq!(edit_distance(a, b), distance, "{a} → {b}");
            assert_eq!(edit_distance(b, a), distance, "{b} → {a}");
            for limit in 0..5 {
                let within = edit_distance_within(a, b, limit);
                assert_eq!(
                    within,
                    Some(distance).filter(|d| *d <= limit),
                    "{a} → {b} ≤ {limit}"
                );
            }
        }
    }

    fn problems(kind: &str, text: &str) -> Vec<(String, String, usize)> {
        let file = parse_file(PathBuf::from("a.yaml"), text.to_owned(), Format::Yaml);
        let document = &file.documents[0];
        validate(document, kind, text)
            .into_iter()
            .map(|problem| {
                let line = file.source.location(&problem.span).line();
                (problem.path, problem.message, line)
            })
            .collect()
    }

    #[test]
    fn a_clean_incident_has_no_problems() {
        let text = "id: INC-1\nstatus: closed\ndetected: 2026-09-02\nresponders: [a, b]\n\
                    action_items:\n  - id: AI-1\n    due: Jun 1 2027\n    status: done\n";
        assert!(problems("incident", text).is_empty());
    }

    #[test]
    fn wrong_types_are_found_at_their_value() {
        let text = "id: INC-1\nstatus: Closed\ndetected: last tuesday\nresponders: p.okafor\n\
                    action_items:\n  - id: AI-1\n    due: soon\n  - just text\n";
        assert_eq!(
            problems("incident", text),
            [
                (
                    "status".into(),
                    "`status` is `Closed`, not one of open, contained, resolved, closed".into(),
                    2
                ),
                (
                    "detected".into(),
                    "`detected` is not a date: `last tuesday`".into(),
                    3
                ),
                (
                    "responders".into(),
                    "`responders` must be a list, not text".into(),
                    4
                ),
                (
                    "action_items[0].due".into(),
                    "`action_items[0].due` is not a date: `soon`".into(),
                    7
                ),
                (
                    "action_items[1]".into(),
                    "`action_items[1]` must be a mapping of fields, not text".into(),
                    8
                ),
            ]
        );
    }

    #[test]
    fn an_incident_needs_an_id_and_other_kinds_do_not() {
        assert_eq!(
            problems("incident", "title: x\n"),
            [(String::new(), "incident has no `id`".into(), 1)]
        );
        assert!(problems("policy", "title: x\n").is_empty());
        assert!(problems("something-else", "status: whatever\n").is_empty());
    }

    #[test]
    fn numbers_booleans_and_nested_lists() {
        let text = "people:\n  - id: 42\n    hired_on: 2026-01-10\n    training:\n      - course: x\n        completed_on: true\n";
        assert_eq!(
            problems("roster", text),
            [(
                "people[0].training[0].completed_on".into(),
                "`people[0].training[0].completed_on` is not a date: `true`".into(),
                6
            )]
        );
        let text = "grants:\n  - person: a\n    privileged: yes\ninterval_days: ninety\n";
        assert_eq!(
            problems("access-review", text),
            [
                (
                    "grants[0].privileged".into(),
                    "`grants[0].privileged` must be true or false, not `yes`".into(),
                    3
                ),
                (
                    "interval_days".into(),
                    "`interval_days` must be a whole number, not text `ninety`".into(),
                    4
                ),
            ]
        );
    }
}
