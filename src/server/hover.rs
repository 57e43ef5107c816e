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
use crate::workspace::{LoadedDocument, Workspace};

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
fn rule_help(session: &Session, path: &Path, id: &str) -> String {
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
        "\n\n`lessons explain {}` says more; waive it with `# {}{} until DATE -- reason`.",
        rule.id,
        crate::policy::waiver::MARKER,
        rule.id
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
    let loaded = loaded_at(workspace, path, offset)?;
    let kind = loaded.kind.as_deref()?;
    let mut keys = Vec::new();
    let Some(Place::Key(span)) = place_at(&loaded.document.root, offset, &mut keys) else {
        return None;
    };
    let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
    let help = schema::field_help(kind, &keys)?;
    let mut out = format!("**`{}`** ({kind}): {}", help.name, help.shape);
    if let Some(refers) = help.refers {
        out.push_str(&format!("\n\nNames {refers}."));
    }
    Some((out, span))
}

/// The document of `path` whose text holds `offset` (a YAML file may hold several).
pub(super) fn loaded_at<'a>(
    workspace: &'a Workspace,
    path: &Path,
    offset: usize,
) -> Option<&'a LoadedDocument> {
    let file = workspace.file_position(path)?;
    workspace.documents[workspace.documents_of(file)]
        .iter()
        .find(|loaded| holds(&loaded.document.root.span(), offset))
}

/// What is at a place of a document: a mapping's key (its span), or a value.
pub(super) enum Place<'a> {
    Key(std::ops::Range<usize>),
    Value(&'a Node),
}

/// What is at `offset` under `node`, and the keys down to it (list items looked through).
pub(super) fn place_at<'a>(
    node: &'a Node,
    offset: usize,
    keys: &mut Vec<String>,
) -> Option<Place<'a>> {
    match &node.value {
        Tree::Map(entries) => entries.iter().find_map(|entry| {
            let key = entry.key_span();
            if key.start < key.end && holds(&key, offset) {
                keys.push(entry.key.to_string());
                return Some(Place::Key(key));
            }
            if !holds(&entry.value.span(), offset) {
                return None;
            }
            keys.push(entry.key.to_string());
            let found = place_at(&entry.value, offset, keys);
            if found.is_none() {
                keys.pop();
            }
            found
        }),
        Tree::Seq(items) => items
            .iter()
            .find(|item| holds(&item.span(), offset))
            .and_then(|item| place_at(item, offset, keys)),
        _ => Some(Place::Value(node)),
    }
}

fn holds(span: &std::ops::Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}
