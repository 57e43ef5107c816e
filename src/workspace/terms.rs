//! Help in the document's own terms. A rule's help names the lessons schema's keys ("add
//! `owner:`", "add `could_improve:` under `review:`"); on a post-mortem read through
//! `formats:` from its Markdown body, the writer has no such key to add — they have a table
//! column to fill, a bullet to complete, a heading to write. Each finding on such a document
//! gets the help that says so, from the mapping's own headings.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::Workspace;
use crate::document::Value;
use crate::finding::Finding;
use crate::formats::Mapping;

/// Rewrites the help of every finding on a Markdown document a mapping reads, when the
/// help names a schema key the body writes in its own way.
pub fn in_document_terms(workspace: &Workspace, findings: &mut [Finding]) {
    let formats = &workspace.config.mappings;
    if formats.is_empty() {
        return;
    }
    // Each file's documents, found once.
    let mut by_file: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (position, loaded) in workspace.documents.iter().enumerate() {
        if !loaded.document.origins.is_empty() {
            by_file
                .entry(&*workspace.files[loaded.file].path)
                .or_default()
                .push(position);
        }
    }
    for finding in findings.iter_mut() {
        let Some(help) = finding.help.as_deref() else {
            continue;
        };
        let Some(positions) = by_file.get(&*finding.file) else {
            continue;
        };
        let Some(&position) = positions.iter().find(|&&position| {
            workspace.documents[position].document.id.as_deref() == finding.doc_id.as_deref()
        }) else {
            continue;
        };
        let loaded = &workspace.documents[position];
        let source = &workspace.files[loaded.file];
        if source.format != crate::document::Format::Markdown {
            continue;
        }
        let Some(mapping) = formats.for_file(&source.path) else {
            continue;
        };
        let said = rewrite(&mapping, loaded, source.text(), &finding.path, help);
        if let Some(said) = said {
            finding.help = Some(Arc::from(said));
        }
    }
}

/// The schema key a help asks for first: `owner` of "add `owner:` with …".
fn asked_key(help: &str) -> Option<&str> {
    let start = help.find('`')? + 1;
    let end = start + help[start..].find('`')?;
    let key = help[start..end].strip_suffix(':')?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(key)
}

fn rewrite(
    mapping: &Mapping,
    loaded: &super::LoadedDocument,
    text: &str,
    path: &str,
    help: &str,
) -> Option<String> {
    let key = asked_key(help)?;
    let root = &loaded.document.root;
    if let Some(rest) = path.strip_prefix("action_items[") {
        let index: usize = rest.split(']').next()?.parse().ok()?;
        let Value::Seq(items) = &root.get("action_items")?.value else {
            return None;
        };
        let item = items.get(index)?;
        let line_start = text[..item.span().start.min(text.len())]
            .rfind('\n')
            .map_or(0, |at| at + 1);
        let in_table = text[line_start..].trim_start().starts_with('|');
        let column = match key {
            "owner" => "Owner",
            "due" => "Due",
            "status" => "Status",
            _ => return None,
        };
        return Some(if in_table {
            if item.get(key).is_some() {
                format!("fill in the {column} cell of this row of the action-items table")
            } else {
                format!(
                    "add a `{column}` column to the action-items table and fill it in for \
                     this row, or link the item's ticket in a `Ticket` column"
                )
            }
        } else {
            let example = match key {
                "owner" => "`- [ ] Rotate the keys — owner: @jane`",
                "due" => "`- [ ] Rotate the keys — due: 2026-12-31`",
                _ => "`- [x] Rotate the keys`",
            };
            format!(
                "write the {} in the bullet, e.g. {example}, or link the ticket that tracks \
                 it (a URL or a key such as `OPS-12`)",
                column.to_lowercase()
            )
        });
    }
    let heading = |target: &str| -> Option<String> {
        mapping
            .section_headings(target)
            .and_then(|headings| headings.first().cloned())
    };
    let section = |target: &str, what: &str| -> Option<String> {
        let heading = heading(target)?;
        Some(format!(
            "add a `## {}` section to the post-mortem with {what}",
            title_case(&heading)
        ))
    };
    match key {
        "root_cause" | "initial_access" => section(
            "root_cause",
            "the condition that let it happen (not who), or say in the summary what caused it",
        ),
        "could_improve" => section("review.could_improve", "what the team would do differently"),
        "went_well" => section("review.went_well", "what helped during the response"),
        "timeline" => section(
            "timeline",
            "a `| Time (UTC) | Event |` table, or bullets that start with a time",
        ),
        "action_items" => section(
            "action_items",
            "one bullet or table row per follow-up, with its owner and due date or ticket",
        ),
        "detected" => Some(
            "add a timeline entry that says when it was detected (`- 14:02 alert fired`), or \
             `detected:` to the front matter"
                .to_owned(),
        ),
        "responders" => section("responders", "one bullet per responder"),
        "impact" => section("impact", "who and what was affected, and for how long"),
        _ => None,
    }
}

/// `root cause` → `Root cause`.
fn title_case(heading: &str) -> String {
    let mut chars = heading.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
