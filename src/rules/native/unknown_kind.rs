//! LL030 unknown-kind (documented in `rules/LL030-unknown-kind.rhai`): a `kind:` that names
//! no kind, alias, or kind a loaded rule checks — with the nearest one — and a `type:` that
//! is one edit or two from a kind, so the document quietly took an unknown kind.

use super::Context;
use crate::document::schema::edit_distance;
use crate::document::{normalise_kind, Node};
use crate::finding::Finding;

pub const ID: &str = "LL030";

/// The kinds of the spec and their aliases, as written.
const NAMES: &[&str] = &[
    "incident",
    "postmortem",
    "post-mortem",
    "after-action-review",
    "incident-review",
    "debrief",
    "retrospective",
    "policy",
    "standard",
    "procedure",
    "plan",
    "runbook",
    "playbook",
    "roster",
    "people",
    "staff",
    "access-review",
    "access_review",
    "veris",
];

native_rule!(UnknownKind, ID, |context: &Context| evaluate(
    context,
    context.rule_kinds
));

fn evaluate(context: &Context, rule_kinds: &[String]) -> Vec<Finding> {
    let workspace = context.workspace;
    let known = |kind: &str| {
        NAMES.iter().any(|name| normalise_kind(name) == kind)
            || rule_kinds.iter().any(|k| k == kind)
    };
    // The nearest name, by edit distance, and the kind it stands for.
    // The nearest name, by edit distance, as the user would write it: `playbook (a
    // runbook)` for an alias.
    let nearest = |text: &str| -> Option<(usize, String)> {
        let text = text.trim().to_lowercase();
        NAMES
            .iter()
            .map(|name| {
                let kind = normalise_kind(name);
                let shown = if kind == *name {
                    kind
                } else {
                    format!("{name}` (a {kind})")
                };
                (edit_distance(&text, name), shown)
            })
            .chain(
                rule_kinds
                    .iter()
                    .map(|kind| (edit_distance(&text, kind), kind.clone())),
            )
            .min_by_key(|(distance, _)| *distance)
    };
    let mut findings = Vec::new();
    for loaded in &workspace.documents {
        let source = &workspace.files[loaded.file];
        let settings = context.settings(loaded.file);
        if !settings.enabled || !(context.reported)(&source.path) {
            continue;
        }
        let root = &loaded.document.root;
        let text_of = |key: &str| -> Option<(&Node, String)> {
            let node = root.get(key)?;
            Some((node, node.as_str()?.trim().to_owned()))
        };
        let report = |node: &Node, message: String, help: String| {
            Finding::new(
                context.rule.key(),
                settings.severity,
                source,
                &node.span(),
                message,
            )
            .help(Some(help.into()))
            .document(loaded.document.id.clone(), loaded.kind.clone())
        };
        let name = loaded
            .document
            .id
            .as_deref()
            .map_or_else(|| crate::finding::display_path(&source.path), str::to_owned);
        if let Some((node, kind)) = text_of("kind").filter(|(_, kind)| !kind.is_empty()) {
            if known(&normalise_kind(&kind)) {
                continue;
            }
            let suggestion = match nearest(&kind) {
                Some((distance, meant)) if distance <= kind.chars().count() / 2 => {
                    let meant = if meant.ends_with(')') {
                        meant
                    } else {
                        format!("{meant}`")
                    };
                    format!("; did you mean `{meant}?")
                }
                _ => String::new(),
            };
            // One edit from a kind (`incdent`) is a typo for certain: the fix writes it.
            let fix = nearest(&kind)
                .filter(|(distance, _)| *distance == 1)
                .map(|(_, meant)| {
                    let meant = meant.split('`').next().unwrap_or(&meant).to_owned();
                    crate::finding::Fix::new(
                        &node.span(),
                        meant.clone(),
                        format!("write `{meant}`"),
                    )
                });
            let mut finding = report(
                node,
                format!("`kind: {kind}` of {name} is no kind lessons knows{suggestion}"),
                "use one of incident, policy, runbook, roster, access-review (or an alias such as postmortem or playbook); no rule checks a document of another kind".into(),
            )
            .fix(fix);
            finding.path = "kind".into();
            findings.push(finding);
        } else if let Some((node, kind)) = text_of("type") {
            // Any `type:` may mean something else; one close to a kind is a typo.
            if known(&normalise_kind(&kind)) || kind.is_empty() {
                continue;
            }
            if let Some((distance, meant)) = nearest(&kind) {
                if (1..=2).contains(&distance) && kind.chars().count() >= 4 {
                    let meant = meant.split('`').next().unwrap_or(&meant).to_owned();
                    let mut finding = report(
                        node,
                        format!("`type: {kind}` of {name} is close to `{meant}`, so no rule checks it"),
                        format!("write `kind: {meant}` (a document takes its kind from `kind:`, else `type:`)"),
                    );
                    finding.path = "type".into();
                    findings.push(finding);
                }
            }
        }
    }
    findings
}
