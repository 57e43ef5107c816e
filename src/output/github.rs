//! `--format github`: GitHub Actions workflow commands, one annotation per finding:
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=LL001 incident-root-cause::message`.
//! Escaped as GitHub's toolkit (`@actions/core`, `command.ts`) escapes them.

use super::Results;
use crate::finding::{display_path, Severity};

/// A message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    // The log is shown in a terminal-like view: controls are written out, not sent.
    super::terminal::escape_line(
        &text
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
    .into_owned()
}

/// A property value: the message's escapes, and `:` and `,` which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(results: &Results<'_>) -> String {
    let mut out = String::new();
    // Waived findings do not fail the run: an annotation would ask for a fix nobody owes.
    for finding in results.findings.iter().filter(|f| !f.is_suppressed()) {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        // Relative to the repository root, wherever `lessons` ran from.
        let file = &finding.file;
        let location = &finding.location;
        let mut message = finding.message.to_string();
        if let Some(help) = &finding.help {
            message.push_str("\n\n");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&display_path(file)),
            location.line(),
            location.column(),
            location.end_line(),
            location.end_column(),
            escape_property(&format!("{} {}", finding.rule, finding.name)),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
