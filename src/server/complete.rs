//! Completion in records and front matter: the field names the schema knows at the place
//! being typed, and the enumerated values of the field whose value is being typed. Read
//! from the lines as they are, not from a parse: a document being typed rarely parses.

use std::path::Path;

use serde_json::{json, Value};

use crate::document::markdown::{find_front_matter, Header};
use crate::document::schema;
use crate::source::Format;

/// Completion at `offset` (a byte offset) in `text`.
pub fn completion(path: &Path, text: &str, offset: usize, kind: Option<&str>) -> Value {
    let yaml = match Format::of(path) {
        Some(Format::Yaml) => 0..text.len(),
        Some(Format::Markdown) => match find_front_matter(text) {
            Header::Found(front) => front.yaml,
            _ => return Value::Null,
        },
        _ => return Value::Null,
    };
    if !(yaml.start <= offset && offset <= yaml.end) {
        return Value::Null;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let typed = &text[line_start..offset];
    let kind = kind
        .map(str::to_owned)
        .or_else(|| declared_kind(&text[yaml.clone()]));
    let (indent, rest) = indented(typed);
    let parents = parents(&text[yaml.start..line_start], indent);
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    if let Some((key, value)) = rest.split_once(':') {
        // A value: the field's enumerated values.
        let key = key.trim();
        let value = value.trim_start();
        if value.contains(' ') {
            return Value::Null;
        }
        let values: Vec<&str> = if key == "kind" && parents.is_empty() {
            schema::KINDS.to_vec()
        } else {
            let mut path = parents.clone();
            path.push(key);
            kind.as_deref()
                .and_then(|kind| schema::field_help(kind, &path))
                .map(|help| help.values.to_vec())
                .unwrap_or_default()
        };
        let items: Vec<Value> = values
            .iter()
            .map(|value| json!({ "label": value, "kind": 20, "detail": format!("{key}") }))
            .collect();
        return json!({ "isIncomplete": false, "items": items });
    }
    if rest
        .chars()
        .any(|c| !(c.is_alphanumeric() || c == '_' || c == '-'))
    {
        return Value::Null;
    }
    let Some(kind) = kind else {
        if parents.is_empty() {
            return json!({ "isIncomplete": false, "items": [
                { "label": "kind", "kind": 5, "insertText": "kind: ", "detail": "what the document is" }
            ]});
        }
        return Value::Null;
    };
    let present = siblings(text, line_start, indent);
    let items: Vec<Value> = schema::fields_help(&kind, &parents)
        .into_iter()
        .filter(|help| !present.iter().any(|key| key == help.name))
        .map(|help| {
            let mut documentation = help.shape.clone();
            if let Some(refers) = help.refers {
                documentation.push_str(&format!("; names {refers}"));
            }
            json!({
                "label": help.name,
                "kind": 5,
                "detail": help.shape,
                "documentation": documentation,
                "insertText": format!("{}: ", help.name),
            })
        })
        .collect();
    json!({ "isIncomplete": false, "items": items })
}

/// The column where a line's key starts (a list item's `- ` counts as indentation), and
/// the line from there.
fn indented(line: &str) -> (usize, &str) {
    let trimmed = line.trim_start_matches(' ');
    let mut indent = line.len() - trimmed.len();
    let mut rest = trimmed;
    while let Some(after) = rest.strip_prefix("- ") {
        let after_spaces = after.trim_start_matches(' ');
        indent += 2 + (after.len() - after_spaces.len());
        rest = after_spaces;
    }
    (indent, rest)
}

/// The keys of the mappings that hold a line indented by `indent`, from the top: read up
/// the lines above, each less indented `key:` with no value a parent.
fn parents(above: &str, mut indent: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for line in above.lines().rev() {
        if indent == 0 {
            break;
        }
        let (at, rest) = indented(line);
        if rest.is_empty() || rest.starts_with('#') || at >= indent {
            continue;
        }
        let key_only = rest
            .split_once(':')
            .filter(|(_, value)| value.trim().is_empty() || value.trim_start().starts_with('#'));
        if let Some((key, _)) = key_only {
            keys.push(key.trim().trim_matches(['"', '\'']).to_owned());
        }
        indent = at;
    }
    keys.reverse();
    keys
}

/// The keys already written beside the line at `line_start`, at its indentation.
fn siblings(text: &str, line_start: usize, indent: usize) -> Vec<String> {
    let key = |line: &str| {
        let (at, rest) = indented(line);
        (at == indent)
            .then(|| rest.split_once(':').map(|(key, _)| key.trim().to_owned()))
            .flatten()
    };
    let mut keys = Vec::new();
    for line in text[..line_start].lines().rev() {
        let (at, rest) = indented(line);
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if at < indent || (at == indent && line.trim_start().starts_with("- ")) {
            if let Some(key) = key(line) {
                keys.push(key);
            }
            break;
        }
        keys.extend(key(line));
    }
    let after = text[line_start..]
        .split_once('\n')
        .map_or("", |(_, after)| after);
    for line in after.lines() {
        let (at, rest) = indented(line);
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if at < indent || (at == indent && line.trim_start().starts_with("- ")) || rest == "---" {
            break;
        }
        keys.extend(key(line));
    }
    keys
}

/// The kind a `kind:` (or `type:`) line at the top declares, aliases read as the loader
/// reads them (`kind: postmortem` is an incident).
fn declared_kind(yaml: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        let kind = crate::document::normalise_kind(value.trim().trim_matches(['"', '\'']));
        (matches!(key, "kind" | "type") && schema::KINDS.contains(&kind.as_str())).then_some(kind)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str, kind: Option<&str>) -> Vec<String> {
        let at = text.find('|').unwrap();
        let text = text.replace('|', "");
        let value = completion(Path::new("a.yaml"), &text, at, kind);
        value["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| item["label"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_fields_of_an_action_item_are_offered_inside_one_less_those_written() {
        let text = "kind: incident\nid: INC-1\naction_items:\n  - id: A1\n    title: Rotate keys\n    ow|\n";
        let offered = labels(text, Some("incident"));
        assert!(offered.contains(&"owner".to_owned()), "{offered:?}");
        assert!(offered.contains(&"due".to_owned()), "{offered:?}");
        assert!(!offered.contains(&"title".to_owned()), "{offered:?}");
        assert!(!offered.contains(&"root_cause".to_owned()), "{offered:?}");
    }

    #[test]
    fn an_enumerated_value_is_offered_for_its_field() {
        let text = "kind: incident\nid: INC-1\nstatus: |\n";
        assert_eq!(
            labels(text, None),
            ["open", "contained", "resolved", "closed"]
        );
        let item = "kind: incident\naction_items:\n  - status: |\n";
        assert_eq!(
            labels(item, Some("incident")),
            ["open", "in-progress", "done", "wont-do"]
        );
        assert_eq!(labels("kind: |\n", None), schema::KINDS);
        // An alias declares its kind.
        assert_eq!(
            labels("kind: postmortem\nstatus: |\n", None),
            ["open", "contained", "resolved", "closed"]
        );
    }
}
