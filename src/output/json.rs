//! `--format json`: the schema of the spec, `version: 1`.

use serde::Serialize;

use super::Results;
use crate::finding::{display_path, Severity};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    as_of: String,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    rule_errors: Vec<RuleError<'a>>,
}

#[derive(Serialize)]
struct Summary {
    documents: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    path: &'a str,
    doc_id: Option<&'a str>,
    kind: Option<&'a str>,
    suppressed: bool,
    /// Why, when suppressed: the waiver's reason, approver, expiry and ticket, or the
    /// baseline. Additive to the spec's fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<Suppression<'a>>,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'a str,
    reason: Option<&'a str>,
    approved_by: Option<&'a str>,
    expires: Option<&'a str>,
    ticket: Option<&'a str>,
}

#[derive(Serialize)]
struct RuleError<'a> {
    rule: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
    context: Option<&'a str>,
    occurrences: usize,
    /// Documents the rule was not run on once it had failed.
    unchecked: usize,
}

pub fn render(results: &Results<'_>) -> String {
    let active = || {
        results
            .findings
            .iter()
            .filter(|finding| !finding.is_suppressed())
    };
    let count = |severity: Severity| {
        active()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let report = Report {
        version: 1,
        as_of: results.as_of.to_string(),
        summary: Summary {
            documents: results.documents,
            findings: results.findings.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            suppressed: results
                .findings
                .iter()
                .filter(|finding| finding.is_suppressed())
                .count(),
        },
        findings: results
            .findings
            .iter()
            .map(|finding| Finding {
                rule: &finding.rule,
                name: &finding.name,
                severity: finding.severity,
                message: &finding.message,
                help: finding.help.as_deref(),
                file: display_path(&finding.file),
                line: finding.location.line(),
                column: finding.location.column(),
                end_line: finding.location.end_line(),
                end_column: finding.location.end_column(),
                path: &finding.path,
                doc_id: finding.doc_id.as_deref(),
                kind: finding.kind.as_deref(),
                suppressed: finding.is_suppressed(),
                suppression: finding.suppression.as_ref().map(|s| {
                    let waived = s.waived();
                    Suppression {
                        kind: s.as_str(),
                        reason: match waived {
                            Some(waived) => waived.reason.as_deref(),
                            None => Some("recorded in the baseline"),
                        },
                        approved_by: waived.and_then(|w| w.approved_by.as_deref()),
                        expires: waived.and_then(|w| w.expires.as_deref()),
                        ticket: waived.and_then(|w| w.ticket.as_deref()),
                    }
                }),
            })
            .collect(),
        rule_errors: results
            .rule_errors
            .iter()
            .map(|error| RuleError {
                rule: error.rule.as_deref(),
                file: &error.origin,
                line: error.line,
                column: error.column,
                message: &error.message,
                context: error.context.as_deref(),
                occurrences: error.occurrences,
                unchecked: error.unchecked,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
