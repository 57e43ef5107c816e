//! LL000 invalid-document (documented in `rules/LL000-invalid-document.rhai`): what could
//! not be read as a document, or not as its kind says, found while loading.

use super::Context;
use crate::finding::Finding;

native_rule!(InvalidDocument, "LL000", evaluate);

/// Each load problem, with the settings the rule has for its file.
fn evaluate(context: &Context) -> Vec<Finding> {
    let workspace = context.workspace;
    workspace
        .problems
        .iter()
        .filter(|(file, _)| context.files.is_none_or(|files| files.contains(file)))
        .filter_map(|(file, problem)| {
            let source = &workspace.files[*file];
            let settings = context.settings(*file);
            if !settings.enabled || !(context.reported)(&source.path) {
                return None;
            }
            let message = problem.message.clone();
            Some(
                Finding::new(
                    context.rule.key(),
                    settings.severity,
                    source,
                    &problem.span,
                    message,
                )
                .help(problem.help.as_deref().map(Into::into))
                .fix(
                    problem
                        .fix
                        .as_ref()
                        .map(|value| crate::finding::Fix::writing(&problem.span, value.clone())),
                )
                .path(problem.path.clone())
                .document(problem.doc_id.clone(), problem.kind.clone()),
            )
        })
        .collect()
}
