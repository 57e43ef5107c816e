//! Source paths of a mapping: where in a record a value is read from. `uuid`,
//! `severity.name`, `categories[0]`, and a filter for the lists incident tools export:
//! `milestones[type=detected].occurred_at`, the first entry of `milestones` whose `type` is
//! `detected` (the key may be dotted: `[incident_timestamp.name=Reported at]`).

use crate::document::{Node, Value};

/// One step of a source path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// The first list entry whose value at `path` is `value` (compared as text).
    Where(Vec<String>, String),
}

/// A parsed source path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    text: String,
    steps: Vec<Step>,
}

impl SourcePath {
    /// Parses `path`; `Err` says what is wrong with it.
    pub fn parse(path: &str) -> Result<SourcePath, String> {
        let mut steps = Vec::new();
        let mut rest = path.trim();
        if rest.is_empty() {
            return Err("an empty source path".into());
        }
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let close = inner
                    .find(']')
                    .ok_or_else(|| format!("`{path}`: `[` is never closed"))?;
                let selector = &inner[..close];
                rest = &inner[close + 1..];
                match selector.split_once('=') {
                    Some((key, value)) => {
                        let key: Vec<String> =
                            key.trim().split('.').map(|k| k.trim().to_owned()).collect();
                        if key.iter().any(String::is_empty) {
                            return Err(format!("`{path}`: `[key=value]` needs a key"));
                        }
                        steps.push(Step::Where(key, value.trim().to_owned()));
                    }
                    None => {
                        let index = selector.trim().parse::<usize>().map_err(|_| {
                            format!("`{path}`: `[{selector}]` is neither an index nor `key=value`")
                        })?;
                        steps.push(Step::Index(index));
                    }
                }
                rest = rest.strip_prefix('.').unwrap_or(rest);
                continue;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = rest[..end].trim();
            if key.is_empty() {
                return Err(format!("`{path}`: an empty key"));
            }
            steps.push(Step::Key(key.to_owned()));
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
        Ok(SourcePath {
            text: path.trim().to_owned(),
            steps,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first key: the field of the record this path reads (and a mapping consumes).
    pub fn top_key(&self) -> Option<&str> {
        match self.steps.first() {
            Some(Step::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// The node at this path in `root`, if any (a null value counts as absent).
    pub fn find<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        self.find_with(root, &Lookups::default())
    }

    /// [`find`](SourcePath::find), a `[key=value]` step over a long list answered by the
    /// index `lookups` keeps for the document: 5,000 targets over a list of 100,000 items
    /// each searched it from the start.
    pub fn find_with<'a>(&self, root: &'a Node, lookups: &Lookups) -> Option<&'a Node> {
        let mut node = root;
        for step in &self.steps {
            node = match (step, &node.value) {
                (Step::Key(key), Value::Map(entries)) if entries.len() > LONG_MAP => {
                    lookups.key(entries, key)?
                }
                (Step::Key(key), Value::Map(_)) => node.get(key)?,
                (Step::Index(index), Value::Seq(items)) => items.get(*index)?,
                (Step::Where(key, wanted), Value::Seq(items)) if items.len() > SHORT_LIST => {
                    let at = lookups.first(items, key, wanted)?;
                    items.get(at)?
                }
                (Step::Where(key, wanted), Value::Seq(items)) => items.iter().find(|item| {
                    descend(item, key)
                        .and_then(Node::scalar_text)
                        .is_some_and(|text| text == *wanted)
                })?,
                _ => return None,
            };
        }
        (!matches!(node.value, Value::Null)).then_some(node)
    }
}

/// A mapping searched key by key: a longer one is indexed.
const LONG_MAP: usize = 64;

/// A list searched item by item: a `[key=value]` step over a longer one is indexed.
const SHORT_LIST: usize = 16;

/// The indexes a document's `[key=value]` steps have built: for a list (by its address) and
/// a key, the first item of each value.
#[derive(Default)]
pub struct Lookups {
    lists: std::cell::RefCell<std::collections::HashMap<(usize, Vec<String>), Index>>,
    /// A long mapping's keys (by its address): an export of 2,000 fields read by 99,000
    /// sources searched every field for each of them.
    maps: std::cell::RefCell<std::collections::HashMap<usize, Index>>,
}

type Index = std::collections::HashMap<String, usize>;

impl Lookups {
    /// The value of the first of a mapping's `entries` named `key`.
    fn key<'a>(&self, entries: &'a [crate::document::Entry], key: &str) -> Option<&'a Node> {
        let mut maps = self.maps.borrow_mut();
        let index = maps.entry(entries.as_ptr() as usize).or_insert_with(|| {
            let mut index = Index::new();
            for (at, entry) in entries.iter().enumerate() {
                index.entry(entry.key.to_string()).or_insert(at);
            }
            index
        });
        index
            .get(key)
            .and_then(|&at| entries.get(at))
            .map(|entry| &entry.value)
    }

    /// The position of the first of `items` whose value at `key` is `wanted`.
    fn first(&self, items: &[Node], key: &[String], wanted: &str) -> Option<usize> {
        let mut lists = self.lists.borrow_mut();
        let index = lists
            .entry((items.as_ptr() as usize, key.to_vec()))
            .or_insert_with(|| {
                let mut index = Index::new();
                for (at, item) in items.iter().enumerate() {
                    if let Some(text) = descend(item, key).and_then(Node::scalar_text) {
                        index.entry(text.to_string()).or_insert(at);
                    }
                }
                index
            });
        index.get(wanted).copied()
    }
}

fn descend<'a>(node: &'a Node, keys: &[String]) -> Option<&'a Node> {
    keys.iter().try_fold(node, |node, key| node.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Node {
        crate::document::yaml::parse(text, 0)
            .documents
            .into_iter()
            .next()
            .expect("a document")
    }

    #[test]
    fn keys_indices_and_filters() {
        let root = yaml(
            "severity: {name: Major}\ncategories: [outage, db]\nmilestones:\n  - {type: started, occurred_at: a}\n  - {type: detected, occurred_at: b}\nvalues:\n  - {incident_timestamp: {name: Reported at}, value: {value: c}}\n",
        );
        let get = |path: &str| {
            SourcePath::parse(path)
                .expect("a path")
                .find(&root)
                .and_then(Node::scalar_text)
        };
        assert_eq!(get("severity.name").as_deref(), Some("Major"));
        assert_eq!(get("categories[1]").as_deref(), Some("db"));
        assert_eq!(
            get("milestones[type=detected].occurred_at").as_deref(),
            Some("b")
        );
        assert_eq!(
            get("values[incident_timestamp.name=Reported at].value.value").as_deref(),
            Some("c")
        );
        assert_eq!(get("milestones[type=closed].occurred_at"), None);
        assert_eq!(get("categories[5]"), None);
        assert!(SourcePath::parse("a[").is_err());
        assert!(SourcePath::parse("a[x]").is_err());
        assert!(SourcePath::parse("").is_err());
    }
}
