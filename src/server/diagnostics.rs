//! Findings as the editor shows them: the rule id as the code, the severity mapped, the
//! exact range, `source: "lessons"`; a rule that failed as an error on its rule file; a
//! configuration that cannot be read as an error at its line.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range};
use serde_json::json;

use super::text;
use crate::check::{Error, Options, Outcome};
use crate::finding::{Finding, RuleError, Severity};

/// What becomes of a waived finding in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Waived {
    /// Not shown: it does not count, as in `check`.
    #[default]
    Hide,
    /// Shown as a hint that names the waiver and its reason.
    Show,
}

/// One file's diagnostics: its path, a digest that tells whether anything the client sees
/// changed since it was last published, and how to make them (only when they are sent).
pub type FileDiagnostics<'a> = (Arc<Path>, u64, Box<dyn FnOnce() -> Vec<Diagnostic> + 'a>);

/// Every file with diagnostics: its findings (in the order the run sorts them) and the
/// rules that failed in it.
pub fn by_file<'a>(outcome: &'a Outcome, waived: Waived, root: &Path) -> Vec<FileDiagnostics<'a>> {
    let mut files: Vec<FileDiagnostics<'a>> = Vec::new();
    for group in outcome.findings.chunk_by(|a, b| a.file == b.file) {
        let shown = shown(group, waived);
        if shown.is_empty() {
            continue;
        }
        let path = Arc::clone(&group[0].file);
        let digest = digest(&shown);
        let source = outcome.source(&path).cloned();
        files.push((
            path,
            digest,
            Box::new(move || {
                let text = source.as_ref().map_or("", |source| source.text());
                shown
                    .iter()
                    .map(|finding| of_finding(finding, text))
                    .collect()
            }),
        ));
    }
    let mut failed: Vec<(Arc<Path>, Vec<&'a RuleError>)> = Vec::new();
    for error in &outcome.rule_errors {
        let Some(path) = rule_file(&error.origin, root) else {
            continue;
        };
        match failed.iter_mut().find(|(file, _)| *file == path) {
            Some((_, errors)) => errors.push(error),
            None => failed.push((path, vec![error])),
        }
    }
    for (path, errors) in failed {
        let mut hasher = std::hash::DefaultHasher::new();
        for error in &errors {
            (&error.message, error.line, error.column, &error.context).hash(&mut hasher);
        }
        files.push((
            path,
            hasher.finish(),
            Box::new(move || errors.iter().map(|error| of_rule_error(error)).collect()),
        ));
    }
    files
}

/// The diagnostics of one file's findings (in `text`) and their digest.
pub fn of_findings(findings: &[Finding], text: &str, waived: Waived) -> (u64, Vec<Diagnostic>) {
    let shown = shown(findings, waived);
    let diagnostics = shown
        .iter()
        .map(|finding| of_finding(finding, text))
        .collect();
    (digest(&shown), diagnostics)
}

/// The findings the editor shows: waived ones only when asked to.
fn shown(findings: &[Finding], waived: Waived) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|finding| waived == Waived::Show || finding.suppression.is_none())
        .collect()
}

fn digest(findings: &[&Finding]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for finding in findings {
        (
            &finding.rule,
            finding.severity,
            &finding.message,
            &finding.help,
            // Places as the client sees them: an edit above a finding that moves its bytes
            // but not its line and column changes nothing there.
            finding.location.line,
            finding.location.column,
            finding.location.end_line,
            finding.location.end_column,
            finding.suppression.is_some(),
        )
            .hash(&mut hasher);
    }
    hasher.finish()
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// One finding, at its exact range in `text` (the text the rules read).
pub fn of_finding(finding: &Finding, text: &str) -> Diagnostic {
    let location = &finding.location;
    let start = text::position_on_line(text, location.start as usize, location.line);
    let end = text::position_on_line(text, location.end as usize, location.end_line);
    let mut message = finding.message.to_string();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut severity = severity(finding.severity);
    if let Some(suppression) = &finding.suppression {
        severity = DiagnosticSeverity::HINT;
        message.push_str(&format!(
            "\n({}: {})",
            suppression.as_str(),
            suppression.justification()
        ));
    }
    Diagnostic {
        range: Range::new(start, end),
        severity: Some(severity),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        source: Some("lessons".into()),
        message,
        data: Some(json!({ "name": &*finding.name, "path": &*finding.path })),
        ..Diagnostic::default()
    }
}

/// A rule that failed (a hostile loop stopped, a runtime error), on its own file.
fn of_rule_error(error: &RuleError) -> Diagnostic {
    let at = Position::new(
        u32::try_from(error.line.saturating_sub(1)).unwrap_or(0),
        u32::try_from(error.column.saturating_sub(1)).unwrap_or(0),
    );
    let mut message = format!("rule failed: {}", error.message);
    if let Some(context) = &error.context {
        message.push_str(&format!(" ({context})"));
    }
    if error.occurrences > 1 {
        message.push_str(&format!(
            "; {} documents failed the same way",
            error.occurrences
        ));
    }
    Diagnostic {
        range: Range::new(at, at),
        severity: Some(DiagnosticSeverity::ERROR),
        code: error.rule.clone().map(NumberOrString::String),
        source: Some("lessons".into()),
        message,
        ..Diagnostic::default()
    }
}

/// The file of a custom rule, relative to the root; built-in rules have none to show.
fn rule_file(origin: &str, root: &Path) -> Option<Arc<Path>> {
    let path = Path::new(origin);
    if path.is_absolute() {
        return path.strip_prefix(root).ok().map(Arc::from);
    }
    // An origin is written as messages show it, from the current folder (which may be
    // beside the repository: `../repo/rules/x.rhai`).
    let absolute = crate::util::paths::absolute(path);
    if let Ok(inside) = absolute.strip_prefix(root) {
        return Some(Arc::from(inside));
    }
    // The root is canonical; the current folder may be reached through a link.
    let canonical = std::fs::canonicalize(&absolute).ok()?;
    canonical.strip_prefix(root).ok().map(Arc::from)
}

/// Why the repository could not be loaded, on the configuration file: at the line the
/// problem is on when it is known.
pub fn of_error(error: &Error, root: &Path, options: &Options) -> (PathBuf, Diagnostic) {
    let configured = options
        .config
        .clone()
        .unwrap_or_else(|| root.join(crate::workspace::config::CONFIG_FILE));
    let (path, range, message) = match error {
        Error::Config(problem) => {
            // The path as messages show it (`../repo/.lessons.yaml` from a folder beside
            // the repository): its `..` taken out, or the editor is told of another file.
            let path = crate::util::paths::absolute(&problem.path);
            let range = problem.offset.map_or_else(Range::default, |offset| {
                let line = text::position(&problem.text, offset);
                let end = problem.text[offset.min(problem.text.len())..]
                    .find('\n')
                    .map_or(problem.text.len(), |at| offset + at);
                Range::new(line, text::position(&problem.text, end))
            });
            (path, range, problem.message.clone())
        }
        Error::Usage(message) => (configured, Range::default(), message.clone()),
    };
    let diagnostic = Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("lessons".into()),
        message: format!(
            "{message} (lessons keeps checking with the last configuration it could read)"
        ),
        ..Diagnostic::default()
    };
    (path, diagnostic)
}
