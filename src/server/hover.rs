//! Help where the finding is: over a finding, the rule's own documentation (its file's
//! What / Why / Example / Use instead) and its parameters as configured for this file; over
//! a field name, what the schema says the field holds.

use std::path::Path;

use lsp_types::Position;
use serde_json::{json, Value};

use super::text;
use crate::check::session::Session;
use crate::document::schema;
use crate::document::{Node, Value as Tree};
use crate::finding::Finding;
use crate::workspace::Workspace;

pub fn hover(session: &Session, path: &Path, text: &str, position: Position) -> Value {
    let offset = text::offset(text, position);
    let mut sections = Vec::new();
    let mut rules_shown: Vec<&str> = Vec::new();
    let mut range = None;
    let findings = session.findings_of(path);
    for finding in findings_at(&findings, offset) {
        if rules_shown.contains(&&*finding.rule) {
            continue;
        }
        rules_shown.push(&finding.rule);
        range.get_or_insert_with(|| {
            text::range(
                text,
                finding.location.start as usize..finding.location.end as usize,
            )
        });
        sections.push(rule_help(session, path, &finding.rule));
    }
    if sections.is_empty() {
        if let Some((help, span)) = field_at(session.workspace(), path, offset) {
            sections.push(help);
            range = Some(text::range(text, span));
        }
    }
    if sections.is_empty() {
        return Value::Null;
    }
    json!({
        "contents": { "kind": "markdown", "value": sections.join("\n\n---\n\n") },
        "range": range,
    })
}

/// The findings whose range holds `offset`.
fn findings_at(findings: &[Finding], offset: usize) -> impl Iterator<Item = &Finding> + '_ {
    findings.iter().filter(move |finding| {
        let location = &finding.location;
        (location.start as usize) <= offset && offset <= (location.end as usize)
    })
}

/// A rule's documentation and its parameters for `path`.
pub fn rule_help(session: &Session, path: &Path, id: &str) -> String {
    let Some((rule, settings)) = session.rule(id, path) else {
        return format!("**{id}**");
    };
    let mut out = format!("**{} {}** ({})", rule.id, rule.name, settings.severity);
    if !rule.summary.is_empty() {
        out.push_str(&format!(": {}", rule.summary));
    }
    out.push_str("\n\n");
    out.push_str(rule.documentation.trim());
    if !settings.params.is_empty() {
        out.push_str("\n\n**Parameters here**\n\n");
        let mut params: Vec<_> = settings.params.iter().collect();
        params.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in params {
            out.push_str(&format!("- `{name}`: `{}`\n", short(&value.to_string())));
        }
    }
    out.push_str(&format!(
        "\n\n`lessons explain {}` says more; waive it with `# lessons: allow {} until DATE -- reason`.",
        rule.id, rule.id
    ));
    out
}

fn short(text: &str) -> String {
    const LIMIT: usize = 120;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

/// What the schema says of the field whose name is at `offset`, and the name's span.
fn field_at(
    workspace: &Workspace,
    path: &Path,
    offset: usize,
) -> Option<(String, std::ops::Range<usize>)> {
    let file = workspace.file_position(path)?;
    for loaded in workspace
        .documents
        .iter()
        .filter(|loaded| loaded.file == file)
    {
        let Some(kind) = loaded.kind.as_deref() else {
            continue;
        };
        let mut keys = Vec::new();
        if let Some(span) = key_at(&loaded.document.root, offset, &mut keys) {
            let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
            let help = schema::field_help(kind, &keys)?;
            let mut out = format!("**`{}`** ({kind}): {}", help.name, help.shape);
            if let Some(refers) = help.refers {
                out.push_str(&format!("\n\nNames {refers}."));
            }
            return Some((out, span));
        }
    }
    None
}

/// The keys down to the scalar value at `offset` (list items looked through), and it.
pub fn value_at<'a>(node: &'a Node, offset: usize, keys: &mut Vec<String>) -> Option<&'a Node> {
    match &node.value {
        Tree::Map(entries) => entries.iter().find_map(|entry| {
            let span = entry.value.span();
            if !(span.start <= offset && offset <= span.end) {
                return None;
            }
            keys.push(entry.key.to_string());
            let found = value_at(&entry.value, offset, keys);
            if found.is_none() {
                keys.pop();
            }
            found
        }),
        Tree::Seq(items) => items.iter().find_map(|item| {
            let span = item.span();
            (span.start <= offset && offset <= span.end)
                .then(|| value_at(item, offset, keys))
                .flatten()
        }),
        _ => Some(node),
    }
}

/// The keys down to the mapping key at `offset` (list items looked through), and its span.
fn key_at(node: &Node, offset: usize, keys: &mut Vec<String>) -> Option<std::ops::Range<usize>> {
    match &node.value {
        Tree::Map(entries) => {
            for entry in entries.iter() {
                let key = entry.key_span();
                if key.start <= offset && offset <= key.end && key.start < key.end {
                    keys.push(entry.key.to_string());
                    return Some(key);
                }
                let value = entry.value.span();
                if value.start <= offset && offset <= value.end {
                    keys.push(entry.key.to_string());
                    if let Some(found) = key_at(&entry.value, offset, keys) {
                        return Some(found);
                    }
                    keys.pop();
                }
            }
            None
        }
        Tree::Seq(items) => items.iter().find_map(|item| {
            let span = item.span();
            (span.start <= offset && offset <= span.end)
                .then(|| key_at(item, offset, keys))
                .flatten()
        }),
        _ => None,
    }
}
