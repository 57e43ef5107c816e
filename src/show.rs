//! `lessons show FILE`: the documents of a file as the rules see them — kind, id, every
//! field — and where each value came from: the source field, heading, table cell or bullet,
//! with its line and column. How a user debugs a `formats:` mapping.

use std::path::Path;

use serde::Serialize;

use crate::document::{Node, Value};
use crate::finding::display_path;
use crate::formats::items::{entry, map_node};
use crate::Outcome;

/// One document of the file.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub file: String,
    pub kind: Option<String>,
    pub id: Option<String>,
    /// The presets that mapped it (`cstate`, `google-sre+…`), else the file's format.
    pub format: String,
    /// The fields as the rules see them, in the document's order.
    #[serde(serialize_with = "tree")]
    pub fields: Node,
    /// Every value, by its path (`action_items[1].owner`), with where it came from, in
    /// the document's order.
    #[serde(serialize_with = "in_order")]
    pub origins: Vec<(String, Origin)>,
    /// Why the document or file could not be read as it is (the `LL000` messages).
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
pub struct Origin {
    pub from: String,
    pub line: usize,
    pub column: usize,
    /// The value as the rules see it, on one line (for the human listing; not in JSON).
    #[serde(skip)]
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The documents `outcome` loaded from `file` (as named on the command line).
pub fn documents(outcome: &Outcome, file: &Path) -> Vec<Shown> {
    let workspace = &outcome.workspace;
    let Ok(wanted) = std::fs::canonicalize(file) else {
        return Vec::new();
    };
    // Under the root, by its path; a file named outside it, by comparing.
    let index = outcome.position_of_target(&wanted).or_else(|| {
        workspace.files.iter().position(|source| {
            source.path.is_absolute()
                && std::fs::canonicalize(&source.path).ok().as_ref() == Some(&wanted)
        })
    });
    let Some(index) = index else {
        return Vec::new();
    };
    let source = &workspace.files[index];
    let format = match source.format {
        crate::document::Format::Yaml => "yaml",
        crate::document::Format::Json => "json",
        crate::document::Format::Markdown => "markdown",
    };
    let problems_of = |doc_id: Option<&str>| -> Vec<Problem> {
        workspace
            .problems
            .iter()
            .filter(|(file, problem)| *file == index && problem.doc_id.as_deref() == doc_id)
            .map(|(_, problem)| {
                let at = source.location(&problem.span);
                Problem {
                    message: problem.message.clone(),
                    line: at.line(),
                    column: at.column(),
                }
            })
            .collect()
    };
    let mut shown: Vec<Shown> = workspace
        .documents
        .iter()
        .filter(|loaded| loaded.file == index)
        .map(|loaded| {
            let document = &loaded.document;
            let mut origins = Vec::new();
            walk(&document.root, "", &mut |path, node| {
                // The mapped target it sits in, else the field itself.
                let mapped = document
                    .origins
                    .iter()
                    .filter(|origin| within(path, &origin.target))
                    .max_by_key(|origin| origin.target.len());
                let from = match mapped {
                    Some(origin) if origin.target == path => origin.from.clone(),
                    Some(origin) => format!("{} ({})", origin.from, origin.target),
                    None => format!("field `{path}`"),
                };
                let at = source.location(&node.span());
                origins.push((
                    path.to_owned(),
                    Origin {
                        from,
                        line: at.line(),
                        column: at.column(),
                        value: one_line(node),
                    },
                ));
            });
            let mut fields = document.root.clone();
            fields.value.edit_map(|entries| {
                let at = document.root.span().start..document.root.span().start;
                let text = |text: &str, span: &crate::document::Span| Node {
                    value: Value::text(text.to_owned()),
                    span: span.clone().into(),
                };
                if let Some(kind) = &loaded.kind {
                    entries.retain(|entry| entry.key != "kind");
                    entries.push(entry("kind", text(kind, &at)));
                }
                if let Some(sections) = &document.sections {
                    if !sections.is_empty() && !entries.iter().any(|entry| entry.key == "sections")
                    {
                        let listed = sections
                            .iter()
                            .map(|section| {
                                entry(&section.title, text(&section.text, &section.heading))
                            })
                            .collect();
                        entries.push(entry("sections", map_node(listed, at.clone())));
                    }
                }
            });
            Shown {
                file: display_path(&source.path),
                kind: loaded.kind.as_deref().map(str::to_owned),
                id: document.id.as_deref().map(str::to_owned),
                format: if document.presets.is_empty() {
                    format.to_owned()
                } else {
                    document.presets.join("+")
                },
                fields,
                origins,
                problems: problems_of(document.id.as_deref()),
            }
        })
        .collect();
    // A file that yielded no document still says why.
    if shown.is_empty() {
        let problems = problems_of(None);
        if !problems.is_empty() {
            shown.push(Shown {
                file: display_path(&source.path),
                kind: None,
                id: None,
                format: format.to_owned(),
                fields: Node {
                    value: Value::Null,
                    span: (0..0).into(),
                },
                origins: Vec::new(),
                problems,
            });
        }
    }
    shown
}

/// `[(path, origin)]` as a JSON object, keys in the document's order.
fn in_order<S: serde::Serializer>(
    origins: &[(String, Origin)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(origins.len()))?;
    for (path, origin) in origins {
        map.serialize_entry(path, origin)?;
    }
    map.end()
}

/// Whether `path` is `target` or lies below it (`action_items[0].owner` in `action_items`).
fn within(path: &str, target: &str) -> bool {
    path == target
        || path
            .strip_prefix(target)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Calls `visit` with every scalar (and every empty list or map) and its path.
fn walk(node: &Node, path: &str, visit: &mut impl FnMut(&str, &Node)) {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => {
            for entry in entries.iter() {
                let child = if path.is_empty() {
                    entry.key.to_string()
                } else {
                    format!("{path}.{}", entry.key)
                };
                walk(&entry.value, &child, visit);
            }
        }
        Value::Seq(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{index}]"), visit);
            }
        }
        _ if path.is_empty() => {}
        _ => visit(path, node),
    }
}

fn one_line(node: &Node) -> String {
    match &node.value {
        Value::Null => "~".into(),
        Value::Bool(flag) => flag.to_string(),
        Value::Int(number) => number.to_string(),
        Value::Float(number) => number.to_string(),
        Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_) => {
            let text = node.as_str().unwrap_or_default();
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut shown: String = flat.chars().take(60).collect();
            if flat.chars().count() > 60 {
                shown.push('…');
            }
            format!("{shown:?}")
        }
        Value::Seq(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

/// A value tree as JSON, keys in the document's order.
fn tree<S: serde::Serializer>(node: &Node, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::{SerializeMap, SerializeSeq};
    struct Tree<'a>(&'a Node);
    impl Serialize for Tree<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            tree(self.0, serializer)
        }
    }
    match &node.value {
        Value::Null => serializer.serialize_none(),
        Value::Bool(flag) => serializer.serialize_bool(*flag),
        Value::Int(number) => serializer.serialize_i64(*number),
        Value::Float(number) => serializer.serialize_f64(*number),
        Value::Str(_) | Value::Verbatim(_) | Value::Quoted(_) => {
            serializer.serialize_str(node.as_str().unwrap_or_default())
        }
        Value::Seq(items) => {
            let mut seq = serializer.serialize_seq(Some(items.len()))?;
            for item in items.iter() {
                seq.serialize_element(&Tree(item))?;
            }
            seq.end()
        }
        Value::Map(entries) => {
            let mut map = serializer.serialize_map(Some(entries.len()))?;
            for entry in entries.iter() {
                map.serialize_entry(&entry.key, &Tree(&entry.value))?;
            }
            map.end()
        }
    }
}

/// `{"documents": [...]}`, as `lessons show --format json` prints it.
pub fn to_json(documents: &[Shown]) -> String {
    #[derive(Serialize)]
    struct Documents<'a> {
        documents: &'a [Shown],
    }
    serde_json::to_string_pretty(&Documents { documents }).unwrap_or_default()
}
