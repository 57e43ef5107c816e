//! LL031 unknown-field (documented in `rules/LL031-unknown-field.rhai`): a field name that is
//! a typo of a field of its kind (`action-items`, `rootcause`, `root_casue`), which hides
//! the value from every rule. Fields that are no typo stay allowed.

use super::Context;
use crate::document::schema;
use crate::finding::Finding;

pub const ID: &str = "LL031";

native_rule!(UnknownField, ID, evaluate);

fn evaluate(context: &Context) -> Vec<Finding> {
    use rayon::prelude::*;
    context
        .documents()
        .par_iter()
        .flat_map_iter(|loaded| typos(context, loaded))
        .collect()
}

fn typos(context: &Context, loaded: &crate::workspace::LoadedDocument) -> Vec<Finding> {
    let workspace = context.workspace;
    let mut findings = Vec::new();
    let Some(kind) = &loaded.kind else {
        return findings;
    };
    let source = &workspace.files[loaded.file];
    let settings = context.settings(loaded.file);
    if !settings.enabled || !(context.reported)(&source.path) {
        return findings;
    }
    for miss in schema::near_misses(&loaded.document, kind) {
        let place = if miss.parent.is_empty() {
            format!(
                "of {kind} {}",
                loaded
                    .document
                    .id
                    .as_deref()
                    .map_or_else(|| crate::finding::display_path(&source.path), str::to_owned)
            )
        } else {
            format!("in `{}`", miss.parent)
        };
        let path = if miss.parent.is_empty() {
            miss.key.clone()
        } else {
            format!("{}.{}", miss.parent, miss.key)
        };
        let message = format!(
            "`{}` {place} is not a field lessons knows; did you mean `{}`?",
            miss.key, miss.meant
        );
        findings.push(
            Finding::new(
                context.rule.key(),
                settings.severity,
                source,
                &miss.key_span,
                message,
            )
            .help(Some(
                format!(
                    "rename it to `{}`: under its present name no rule reads its value",
                    miss.meant
                )
                .into(),
            ))
            .path(path)
            .document(loaded.document.id.clone(), loaded.kind.clone())
            .fix(Some(crate::finding::Fix::new(
                &miss.key_span,
                miss.meant,
                format!("rename to `{}`", miss.meant),
            ))),
        );
    }
    findings
}
