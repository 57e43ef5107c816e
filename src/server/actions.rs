//! Code actions: the quick fix a finding carries (a replacement of the text at its span,
//! offered only when it is certain), "waive here" (the inline waiver written above the
//! finding's line, the cursor then placed where its reason goes), and
//! `source.fixAll.lessons` (every safe fix of the file at once).

use std::path::Path;

use lsp_types::{Range, Uri};
use serde_json::{json, Value};

use super::hover::{place_at, Place};
use super::text;
use crate::check::session::Session;
use crate::document::date::Moment;
use crate::document::markdown::{find_front_matter, Header};
use crate::document::schema;
use crate::finding::{Finding, Fix};
use crate::source::Format;
use crate::workspace::Workspace;

pub const FIX_ALL: &str = "source.fixAll.lessons";

/// The command a "waive here" action runs after its edit: the server shows the document
/// with the cursor where the reason goes (`window/showDocument`).
pub const PLACE_CURSOR: &str = "lessons.placeCursor";

/// How long a waiver written by "waive here" lasts: a quarter, then it is looked at again.
const WAIVER_DAYS: i64 = 90;

/// What the client asks actions for.
pub struct Asked<'a> {
    pub uri: &'a Uri,
    pub path: &'a Path,
    pub text: &'a str,
    pub range: Range,
    /// `context.only`: the kinds of action wanted.
    pub only: Option<&'a [String]>,
}

pub fn code_actions(session: &Session, asked: &Asked) -> Value {
    let workspace = session.workspace();
    let wants = |kind: &str| {
        asked
            .only
            .is_none_or(|only| only.iter().any(|wanted| kind.starts_with(wanted.as_str())))
    };
    let findings = session.findings_of(asked.path);
    // A fix is offered as `check --fix` would write it: only when the file reads as well
    // after it.
    let reading = crate::fix::Reading::of(workspace, session.root(), asked.path, asked.text);
    let certain = |fixes: &[&Fix]| reading.certain(fixes).is_some();
    let mut actions = Vec::new();
    let start = text::offset(asked.text, asked.range.start);
    let end = text::offset(asked.text, asked.range.end);
    if wants("quickfix") {
        for finding in findings.iter().filter(|finding| {
            finding.suppression.is_none()
                && (finding.location.start as usize) <= end
                && start <= (finding.location.end as usize)
        }) {
            let diagnostic = super::diagnostics::of_finding(finding, asked.text);
            if let Some(fix) = finding.fix.as_deref().filter(|fix| certain(&[fix])) {
                actions.push(json!({
                    "title": format!("{}: {}", finding.rule, fix.title),
                    "kind": "quickfix",
                    "diagnostics": [diagnostic],
                    "isPreferred": true,
                    "edit": { "changes": { asked.uri.as_str(): [edit(asked.text, fix)] } },
                }));
            }
            if let Some(mut waive) = waive_here(session.as_of(), asked, finding) {
                waive["diagnostics"] = json!([diagnostic]);
                actions.push(waive);
            }
        }
        actions.extend(iso_date(workspace, asked, start));
    }
    if wants(FIX_ALL) {
        let fixes = crate::fix::safe_fixes(&findings);
        if certain(&fixes) {
            let edits: Vec<Value> = fixes.into_iter().map(|fix| edit(asked.text, fix)).collect();
            actions.push(json!({
                "title": "lessons: fix all safe fixes",
                "kind": FIX_ALL,
                "edit": { "changes": { asked.uri.as_str(): edits } },
            }));
        }
    }
    Value::Array(actions)
}

fn edit(text: &str, fix: &Fix) -> Value {
    json!({
        "range": text::range(text, fix.start as usize..fix.end as usize),
        "newText": &*fix.replacement,
    })
}

/// `detected: Mar 3 2025` → `2025-03-03`: a date the loader reads in a spelled-out form
/// (as comply's policies write them), written as the schema writes dates. No finding asks
/// for it — the form is accepted — so it is offered where the cursor is, never in bulk.
fn iso_date(workspace: &Workspace, asked: &Asked, offset: usize) -> Option<Value> {
    let loaded = super::hover::loaded_at(workspace, asked.path, offset)?;
    let kind = loaded.kind.as_deref()?;
    let mut keys = Vec::new();
    let Some(Place::Value(node)) = place_at(&loaded.document.root, offset, &mut keys) else {
        return None;
    };
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    if !schema::field_help(kind, &keys)?.date {
        return None;
    }
    let written = asked.text.get(node.span())?;
    let moment = Moment::parse(node.as_str()?)?;
    let iso = moment.date.to_string();
    if moment.instant.is_some() || written.trim() == iso {
        return None;
    }
    Some(json!({
        "title": format!("write the date as {iso}"),
        "kind": "quickfix",
        "edit": { "changes": { asked.uri.as_str(): [{
            "range": text::range(asked.text, node.span()),
            "newText": iso,
        }]}},
    }))
}

/// The inline waiver for `finding`, alone on the line above it: a YAML comment in YAML and
/// front matter, an HTML comment in a Markdown body.
fn waive_here(as_of: Moment, asked: &Asked, finding: &Finding) -> Option<Value> {
    let text = asked.text;
    let at = (finding.location.start as usize).min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |at| at + 1);
    let line = &text[line_start..];
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let until = as_of
        .add_days(WAIVER_DAYS)
        .map(|day| format!(" until {}", day.date))
        .unwrap_or_default();
    let body = matches!(Format::of(asked.path), Some(Format::Markdown))
        && match find_front_matter(text) {
            Header::Found(front) => line_start >= front.body_start,
            _ => true,
        };
    if matches!(Format::of(asked.path), Some(Format::Json)) {
        return None; // JSON has no comments to hold a waiver.
    }
    let marker = crate::policy::waiver::MARKER;
    let (head, tail) = if body {
        (format!("<!-- {marker}{}{until} -- ", finding.rule), " -->")
    } else {
        (format!("# {marker}{}{until} -- ", finding.rule), "")
    };
    let inserted = format!("{indent}{head}{tail}\n");
    let position = text::position(text, line_start);
    let reason = lsp_types::Position::new(
        position.line,
        u32::try_from(text::utf16_len(&indent) + text::utf16_len(&head)).unwrap_or(0),
    );
    Some(json!({
        "title": format!("{}: waive here (write the reason)", finding.rule),
        "kind": "quickfix",
        "edit": { "changes": { asked.uri.as_str(): [{
            "range": { "start": position, "end": position },
            "newText": inserted,
        }]}},
        "command": {
            "title": "write the waiver's reason",
            "command": PLACE_CURSOR,
            "arguments": [asked.uri.as_str(), reason],
        },
    }))
}
