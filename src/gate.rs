//! `lessons gate close ID|FILE`: the incident as if it were being closed — `status: closed`,
//! and `closed:` the as-of date when it has none — checked with every rule, together with
//! the runbooks it used and the policies it affected, so the incident manager sees
//! everything still missing before the close.

use std::path::{Path, PathBuf};

use crate::document::date::Moment;
use crate::document::{Entry, Node, Value};
use crate::workspace::Workspace;
use crate::Error;

/// Finds the incident `target` names (an id, or a file holding one incident), rewrites it
/// as closed, and returns its id and the files to report on (relative to the root).
pub fn prepare(
    workspace: &mut Workspace,
    root: &Path,
    target: &str,
    as_of: Moment,
) -> Result<(String, Vec<PathBuf>), Error> {
    let position = find(workspace, root, target).ok_or_else(|| {
        Error::Usage(format!(
            "no incident `{target}`: give an incident id (`INC-2026-014`) or the file of one"
        ))
    })?;
    let loaded = &mut workspace.documents[position];
    let id = loaded
        .document
        .id
        .clone()
        .unwrap_or_else(|| target.to_owned());
    set(&mut loaded.document.root, "status", "closed".into(), true);
    set(
        &mut loaded.document.root,
        "closed",
        as_of.to_string(),
        false,
    );

    let mut files = vec![workspace.files[loaded.file].path.clone()];
    let root_node = &workspace.documents[position].document.root;
    for (field, kind) in [
        ("runbooks_used", "runbook"),
        ("policies_affected", "policy"),
    ] {
        let Some(Value::Seq(items)) = root_node.get(field).map(|node| &node.value) else {
            continue;
        };
        for item in items {
            let Some(reference) = item.scalar_text() else {
                continue;
            };
            if let Some(found) = workspace.index.find(kind, &reference) {
                let file = workspace.files[workspace.documents[found].file]
                    .path
                    .clone();
                if !files.contains(&file) {
                    files.push(file);
                }
            }
        }
    }
    Ok((id, files))
}

/// The incident by id, else by its file (as given, or relative to the root).
fn find(workspace: &Workspace, root: &Path, target: &str) -> Option<usize> {
    if let Some(position) = workspace.index.find("incident", target) {
        return Some(position);
    }
    let path = Path::new(target);
    let relative = std::path::absolute(path)
        .ok()
        .and_then(|absolute| {
            let root = std::path::absolute(root).ok()?;
            absolute.strip_prefix(root).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let mut incidents = workspace
        .index
        .of_kind("incident")
        .iter()
        .copied()
        .filter(|&position| {
            let file = &workspace.files[workspace.documents[position].file].path;
            file == &relative || file == path
        });
    let first = incidents.next()?;
    // A file with several incidents names none of them.
    incidents.next().is_none().then_some(first)
}

/// Sets `key` to `value` (replacing it when `replace`, else only when absent or empty),
/// keeping the existing span so findings still point at the line to edit.
fn set(root: &mut Node, key: &str, value: String, replace: bool) {
    let at = root.span.start;
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    match entries.iter_mut().find(|entry| entry.key == key) {
        Some(entry) => {
            let empty = matches!(&entry.value.value, Value::Null)
                || matches!(&entry.value.value, Value::Str(text) if text.trim().is_empty());
            if replace || empty {
                entry.value.value = Value::Str(value);
            }
        }
        None => entries.push(Entry {
            key: key.to_owned(),
            key_span: at..at,
            value: Node {
                value: Value::Str(value),
                span: at..at,
            },
        }),
    }
}
