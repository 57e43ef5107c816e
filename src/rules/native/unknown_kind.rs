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
    // The nearest name by edit distance (as written: a kind, an alias, a rule's kind), and
    // whether it is the only kind that near.
    let nearest = |text: &str| -> Option<Nearest> {
        let text = text.trim().to_lowercase();
        let candidates: Vec<(usize, &str, String)> = NAMES
            .iter()
            .map(|name| (edit_distance(&text, name), *name, normalise_kind(name)))
            .chain(
                rule_kinds
                    .iter()
                    .map(|kind| (edit_distance(&text, kind), kind.as_str(), kind.clone())),
            )
            .collect();
        let (distance, name, kind) = candidates.iter().min_by_key(|(distance, ..)| *distance)?;
        let alone = !candidates
            .iter()
            .any(|(other, _, of)| other == distance && of != kind);
        Some(Nearest {
            distance: *distance,
            name: (*name).to_owned(),
            kind: kind.clone(),
            alone,
        })
    };
    let mut findings = Vec::new();
    for loaded in context.documents() {
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
            let near = nearest(&kind);
            let suggestion = match &near {
                Some(near) if near.distance <= kind.chars().count() / 2 => {
                    format!("; did you mean {}?", near.shown())
                }
                _ => String::new(),
            };
            // One edit from a kind (`incdent`), and from no other, is a typo for certain:
            // the fix writes it.
            let fix = near
                .filter(|near| near.distance == 1 && near.alone)
                .map(|near| crate::finding::Fix::writing(&node.span(), near.name));
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
            if let Some(near) = nearest(&kind) {
                if (1..=2).contains(&near.distance) && kind.chars().count() >= 4 {
                    let meant = near.name;
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

/// The name of a kind nearest to what was written.
struct Nearest {
    distance: usize,
    /// As the user would write it: a kind, an alias (`playbook`), a rule's kind.
    name: String,
    /// The kind it stands for.
    kind: String,
    /// Whether no other kind is as near.
    alone: bool,
}

impl Nearest {
    /// `` `incident` ``, or `` `playbook` (a runbook) `` for an alias.
    fn shown(&self) -> String {
        match self.name == self.kind {
            true => format!("`{}`", self.name),
            false => format!("`{}` (a {})", self.name, self.kind),
        }
    }
}
