//! Running every applicable rule over every document, in parallel.

use std::sync::Arc;

use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, Engine, Map, Scope};

use super::engine::{self, Limits};
use super::{describe, innermost_position, Rule, RuleError};
use crate::finding::{Finding, Severity};
use crate::workspace::Workspace;

/// How a rule runs on one file: on or off, at which severity, with which parameters.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub enabled: bool,
    pub severity: Severity,
    pub params: Arc<Map>,
}

/// Everything the rules produced.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub errors: Vec<RuleError>,
    /// What rules printed, prefixed with the rule id (shown with `--verbose`).
    pub printed: Vec<String>,
    /// Documents that were checked by at least one rule.
    pub documents_checked: usize,
}

/// Runs the rules over the documents at `targets` (positions in the workspace).
/// `values` are the documents as Rhai values, built once; `settings` gives each file's
/// rule settings (indexed like `rules`).
pub fn evaluate(
    engine: &Engine,
    rules: &[Rule],
    workspace: &Workspace,
    values: &[Dynamic],
    targets: &[usize],
    settings: &(dyn Fn(usize) -> Arc<[RuleSettings]> + Sync),
    limits: &Limits,
) -> Evaluation {
    let per_document: Vec<Evaluation> = targets
        .par_iter()
        .map(|&position| {
            let loaded = &workspace.documents[position];
            let mut result = Evaluation::default();
            let Some(kind) = &loaded.kind else {
                return result;
            };
            let source = &workspace.files[loaded.file];
            let file_settings = settings(loaded.file);
            for (rule, setting) in rules.iter().zip(file_settings.iter()) {
                if !setting.enabled || !rule.applies_to(kind) {
                    continue;
                }
                result.documents_checked = 1;
                let (outcome, state) = engine::with_call(Arc::clone(&setting.params), || {
                    let mut scope = Scope::new();
                    let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
                    // A copy per call: no rule can change what the next one sees.
                    engine.call_fn_with_options::<Dynamic>(
                        options,
                        &mut scope,
                        &rule.ast,
                        "check",
                        (values[position].clone(),),
                    )
                });
                result.printed.extend(
                    state
                        .printed
                        .into_iter()
                        .map(|text| format!("{}: {text}", rule.id)),
                );
                if let Err(error) = outcome {
                    let reason = describe(&error, limits);
                    let reason = if reason.starts_with("stopped") {
                        reason
                    } else {
                        format!("failed: {reason}")
                    };
                    let mut rule_error = RuleError::new(
                        &rule.origin,
                        &rule.source,
                        innermost_position(&error),
                        reason,
                    );
                    rule_error.rule = Some(rule.id.clone());
                    let line = source.location(&loaded.document.root.span).line;
                    rule_error.context = Some(format!(
                        "while checking {} (line {line})",
                        crate::finding::display_path(&source.path)
                    ));
                    result.errors.push(rule_error);
                    continue;
                }
                for report in state.reports {
                    let span = loaded.document.locate(&report.path);
                    result.findings.push(Finding {
                        rule: rule.id.clone(),
                        name: rule.name.clone(),
                        severity: setting.severity,
                        message: report.message,
                        help: report.help,
                        file: source.path.clone(),
                        location: source.location(&span),
                        path: report.path,
                        doc_id: loaded.document.id.clone(),
                        kind: Some(kind.clone()),
                        suppressed: false,
                    });
                }
            }
            result
        })
        .collect();

    let mut total = Evaluation::default();
    for part in per_document {
        total.findings.extend(part.findings);
        total.printed.extend(part.printed);
        total.documents_checked += part.documents_checked;
        for error in part.errors {
            // One report per rule and failure, with the number of documents it hit.
            match total.errors.iter_mut().find(|known| {
                known.rule == error.rule
                    && known.message == error.message
                    && known.line == error.line
            }) {
                Some(known) => known.occurrences += 1,
                None => total.errors.push(error),
            }
        }
    }
    total
}
