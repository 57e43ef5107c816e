//! `extends:` — one organisation's standard in every team's repository. A `.lessons.yaml`
//! refines the files it names (the organisation's policy repository as a submodule, say):
//! lists append, mappings merge with the nearer file winning, scalars replace. The files
//! must lie inside the repository; a cycle, a missing file or one outside is an error at
//! the line that names it. The layers are kept, base first, so `lessons config` can say
//! which file and line each setting came from.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::config::{locate_word, ConfigError};

/// One file of the chain: its path as shown, its folder relative to the repository, its text.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    pub folder: PathBuf,
    pub text: String,
}

/// The files `top` extends, each after those it extends, then `top` itself: base first.
pub fn layers(top: &Path, text: &str) -> Result<Vec<Layer>, ConfigError> {
    let root = std::path::absolute(top)
        .ok()
        .and_then(|top| top.parent().map(crate::util::paths::normalise))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut chain = Vec::new();
    let mut visiting = Vec::new();
    visit(&root, top, text.to_owned(), &mut visiting, &mut chain)?;
    Ok(chain)
}

fn error(path: &Path, text: &str, word: &str, message: String) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        text: text.to_owned(),
        offset: locate_word(text, "extends", word),
        message,
    }
}

/// The `extends:` entries of a file's text: one path or a list.
fn named(text: &str) -> Vec<String> {
    let Ok(Value::Mapping(map)) = serde_yaml::from_str::<Value>(text) else {
        return Vec::new();
    };
    match map.get("extends") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn visit(
    root: &Path,
    path: &Path,
    text: String,
    visiting: &mut Vec<PathBuf>,
    chain: &mut Vec<Layer>,
) -> Result<(), ConfigError> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    visiting.push(canonical);
    let folder = path.parent().unwrap_or(Path::new(""));
    for name in named(&text) {
        let base = folder.join(&name);
        let shown = base.strip_prefix("./").unwrap_or(&base).to_path_buf();
        let outside = super::read::lexically_inside(&base, root).is_none()
            || super::read::confined(&base, root).is_err();
        if outside {
            return Err(error(
                path,
                &text,
                &name,
                format!(
                    "`extends: {name}` is not read: it lies outside the repository (a shared \
                     configuration belongs inside it, as a submodule or a copy)"
                ),
            ));
        }
        let Ok(resolved) = std::fs::canonicalize(&base) else {
            return Err(error(
                path,
                &text,
                &name,
                format!("`extends: {name}`: there is no such file"),
            ));
        };
        if let Some(at) = visiting.iter().position(|known| *known == resolved) {
            let mut cycle: Vec<String> = visiting[at..]
                .iter()
                .map(|known| {
                    known
                        .strip_prefix(std::fs::canonicalize(root).unwrap_or_default())
                        .unwrap_or(known)
                        .display()
                        .to_string()
                })
                .collect();
            cycle.push(cycle[0].clone());
            return Err(error(
                path,
                &text,
                &name,
                format!("`extends` forms a cycle: {}", cycle.join(" → ")),
            ));
        }
        let base_text =
            super::read::bounded_text(&base, super::read::MAX_FILE_BYTES).map_err(|refused| {
                error(
                    path,
                    &text,
                    &name,
                    format!("`extends: {name}` cannot be read: {refused}"),
                )
            })?;
        visit(root, &shown, base_text, visiting, chain)?;
    }
    visiting.pop();
    let folder = std::path::absolute(path)
        .ok()
        .and_then(|absolute| {
            let parent = crate::util::paths::normalise(absolute.parent()?);
            parent.strip_prefix(root).ok().map(Path::to_path_buf)
        })
        .unwrap_or_default();
    chain.push(Layer {
        path: path.to_owned(),
        folder,
        text,
    });
    Ok(())
}

/// The layers merged, base first: lists append, mappings merge (the nearer file wins),
/// scalars replace. A base file's `rules:` folders are its own, so they are rebased onto
/// the repository root.
pub fn merge(layers: &[Layer]) -> Value {
    let mut merged = Value::Mapping(serde_yaml::Mapping::new());
    for layer in layers {
        let Ok(mut value) = serde_yaml::from_str::<Value>(&layer.text) else {
            continue;
        };
        if let Value::Mapping(map) = &mut value {
            map.remove("extends");
            if !layer.folder.as_os_str().is_empty() {
                if let Some(Value::Sequence(folders)) = map.get_mut("rules") {
                    for folder in folders.iter_mut() {
                        if let Some(text) = folder.as_str() {
                            *folder = Value::String(layer.folder.join(text).display().to_string());
                        }
                    }
                }
            }
        }
        overlay(&mut merged, value);
    }
    merged
}

fn overlay(base: &mut Value, nearer: Value) {
    match (base, nearer) {
        (Value::Mapping(base), Value::Mapping(nearer)) => {
            for (key, value) in nearer {
                match base.get_mut(&key) {
                    Some(known) => overlay(known, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (Value::Sequence(base), Value::Sequence(nearer)) => base.extend(nearer),
        (base, nearer) => *base = nearer,
    }
}

/// Where each setting of the merged configuration came from: (dotted path, file, line),
/// in the merged order — what `lessons config` prints beside each value.
pub fn origins(layers: &[Layer]) -> Vec<(String, PathBuf, usize)> {
    use crate::document::{LineIndex, Node, Value as Tree};
    let mut found: Vec<(String, PathBuf, usize)> = Vec::new();
    let mut lengths: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    fn walk(
        node: &Node,
        path: &str,
        file: &Path,
        lines: &(LineIndex, &str),
        lengths: &mut std::collections::HashMap<String, usize>,
        found: &mut Vec<(String, PathBuf, usize)>,
    ) {
        match &node.value {
            Tree::Map(entries) => {
                for entry in entries.iter() {
                    if path.is_empty() && &*entry.key == "extends" {
                        continue;
                    }
                    let inner = if path.is_empty() {
                        entry.key.to_string()
                    } else {
                        format!("{path}.{}", entry.key)
                    };
                    match &entry.value.value {
                        Tree::Map(_) | Tree::Seq(_) => {
                            walk(&entry.value, &inner, file, lines, lengths, found);
                        }
                        _ => {
                            let line = lines.0.position(lines.1, entry.key_span().start).0;
                            found.retain(|(known, _, _)| *known != inner);
                            found.push((inner, file.to_owned(), line));
                        }
                    }
                }
            }
            Tree::Seq(items) => {
                let start = lengths.get(path).copied().unwrap_or(0);
                for (index, item) in items.iter().enumerate() {
                    let inner = format!("{path}[{}]", start + index);
                    match &item.value {
                        Tree::Map(_) | Tree::Seq(_) => {
                            walk(item, &inner, file, lines, lengths, found);
                        }
                        _ => {
                            let line = lines.0.position(lines.1, item.span().start).0;
                            found.push((inner, file.to_owned(), line));
                        }
                    }
                }
                lengths.insert(path.to_owned(), start + items.len());
            }
            _ => {}
        }
    }
    for layer in layers {
        let stream = crate::document::yaml::parse(&layer.text, 0);
        let Some(root) = stream.documents.first() else {
            continue;
        };
        let lines = (LineIndex::new(&layer.text), layer.text.as_str());
        walk(root, "", &layer.path, &lines, &mut lengths, &mut found);
    }
    found
}
