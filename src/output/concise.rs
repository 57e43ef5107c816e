//! `--format concise`: one line per finding, `file:line:column: RULE message`, as ruff's
//! `concise` and eslint's `compact` write them: what terminals and editors jump to. The
//! file is named from where `lessons` ran, so the jump lands on it.

use crate::finding::display_path;
use crate::Outcome;

pub fn render(outcome: &Outcome) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut out = String::new();
    for finding in outcome.findings.iter().filter(|f| !f.suppressed) {
        let path = outcome.root.join(&finding.file);
        let file = display_path(&crate::relative_from(&cwd, &path).unwrap_or(path));
        // One line each: a message never breaks the `file:line:column:` grammar.
        let message = finding.message.replace(['\r', '\n'], " ");
        out.push_str(&format!(
            "{file}:{}:{}: {} {message}\n",
            finding.location.line, finding.location.column, finding.rule
        ));
    }
    out
}
