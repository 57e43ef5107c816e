//! Documents become Rhai values once, straight from the spanned tree (no serde round trip),
//! and are then shared by every rule.

use rhai::{Array, Dynamic, Map};

use crate::document::{Document, Node, Value};

pub fn node_to_dynamic(node: &Node) -> Dynamic {
    match &node.value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(flag) => Dynamic::from_bool(*flag),
        Value::Int(number) => Dynamic::from_int(*number),
        Value::Float(number) => Dynamic::from_float(*number),
        Value::Str(text) => Dynamic::from(text.clone()),
        Value::Seq(items) => {
            Dynamic::from_array(items.iter().map(node_to_dynamic).collect::<Array>())
        }
        Value::Map(entries) => {
            let mut map = Map::new();
            for entry in entries {
                map.insert(entry.key.as_str().into(), node_to_dynamic(&entry.value));
            }
            Dynamic::from_map(map)
        }
    }
}

/// The value `check(doc)` receives: the fields, `kind` set to the document's normalised kind
/// (whether it came from `kind:`, `type:`, an alias or the path mapping), plus `sections`
/// for Markdown (a map from lower-cased heading to the section's text) unless the front
/// matter has its own.
pub fn document_to_dynamic(document: &Document, kind: &str) -> Dynamic {
    let mut value = node_to_dynamic(&document.root);
    if let Some(mut map) = value.write_lock::<Map>() {
        map.insert("kind".into(), Dynamic::from(kind.to_owned()));
        // The id the document goes by, when it is not an `id:` of its own (a comply
        // policy's `acronym`): rules look it up and name it by `doc.id`.
        if let (false, Some(id)) = (map.contains_key("id"), &document.id) {
            map.insert("id".into(), Dynamic::from(id.clone()));
        }
    }
    if let (Some(sections), Some(mut map)) = (&document.sections, value.write_lock::<Map>()) {
        if !map.contains_key("sections") {
            let sections: Map = sections
                .iter()
                .map(|section| {
                    (
                        section.title.as_str().into(),
                        Dynamic::from(section.text.clone()),
                    )
                })
                .collect();
            map.insert("sections".into(), Dynamic::from_map(sections));
        }
    }
    value
}

/// Configuration values (parameters) as Rhai values.
pub fn yaml_to_dynamic(value: &serde_yaml::Value) -> Dynamic {
    use serde_yaml::Value as Yaml;
    match value {
        Yaml::Null => Dynamic::UNIT,
        Yaml::Bool(flag) => Dynamic::from_bool(*flag),
        Yaml::Number(number) => match number.as_i64() {
            Some(int) => Dynamic::from_int(int),
            None => Dynamic::from_float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Yaml::String(text) => Dynamic::from(text.clone()),
        Yaml::Sequence(items) => Dynamic::from_array(items.iter().map(yaml_to_dynamic).collect()),
        Yaml::Mapping(entries) => Dynamic::from_map(
            entries
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        Yaml::String(text) => text.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key.into(), yaml_to_dynamic(value))
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => yaml_to_dynamic(&tagged.value),
    }
}
