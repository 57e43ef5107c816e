//! `--format junit`: JUnit XML for CI test reports, valid against the schema Jenkins'
//! xunit plugin checks (`junit-10.xsd`) and read by junitparser and junit2html (tested).
//!
//! One test suite per file; in it one test case per document and rule that fired, named
//! "INC-2026-007: LL001 incident-root-cause", so a CI server tracks it from run to run.
//! A case fails (`<failure>`) only when one of its findings is at or above `--fail-on`, so
//! the report is red exactly when the run fails; below it, the case passes with its
//! findings in `<system-out>`. A case whose findings are all waived or in the baseline is
//! `<skipped>` with the reason. A document checked where nothing fired is a passing case of
//! its own, so a clean run is a report of passes, not an empty file (which Jenkins rejects).
//! A rule that failed to run is an `<error>` case in a suite of its own. Text from documents
//! goes through an XML writer, and characters XML 1.0 forbids (control characters such as
//! ESC) are replaced by U+FFFD first: no document can make the file unreadable.

use std::collections::BTreeMap;
use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::Results;
use crate::finding::{display_path, Finding, Severity};

/// One test case: a document and a rule, and what the rule found there; or a document
/// where nothing fired (no findings).
struct Case<'a> {
    name: String,
    findings: Vec<&'a Finding>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    Skipped,
}

impl Case<'_> {
    fn verdict(&self, fail_on: Option<Severity>) -> Verdict {
        let active: Vec<&&Finding> = self
            .findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .collect();
        if active.is_empty() && !self.findings.is_empty() {
            return Verdict::Skipped;
        }
        let failing =
            fail_on.is_some_and(|threshold| active.iter().any(|f| f.severity >= threshold));
        if failing {
            Verdict::Failed
        } else {
            Verdict::Passed
        }
    }
}

/// A suite: a file's cases in order, or the rule errors.
struct Suite<'a> {
    name: String,
    cases: Vec<(Case<'a>, Verdict)>,
    /// For the rule-error suite: (case name, message).
    errors: Vec<(String, String)>,
}

impl Suite<'_> {
    fn count(&self, verdict: Verdict) -> usize {
        self.cases.iter().filter(|(_, v)| *v == verdict).count()
    }

    fn tests(&self) -> usize {
        self.cases.len() + self.errors.len()
    }
}

pub fn render(results: &Results<'_>, fail_on: Option<Severity>) -> String {
    // file → document → rule → findings; documents and rules in the findings' order.
    let mut files: BTreeMap<String, BTreeMap<String, BTreeMap<String, Case>>> = BTreeMap::new();
    for finding in results.findings {
        let file = display_path(&finding.file);
        let document = finding
            .doc_id
            .as_deref()
            .map_or_else(|| file.clone(), str::to_owned);
        files
            .entry(file)
            .or_default()
            .entry(document.clone())
            .or_default()
            .entry(finding.rule.to_string())
            .or_insert_with(|| Case {
                name: format!("{document}: {} {}", finding.rule, finding.name),
                findings: Vec::new(),
            })
            .findings
            .push(finding);
    }
    // Every document checked where nothing fired: a passing case of its own.
    for (path, id) in results.checked_documents() {
        let file = display_path(path);
        let document = id.map_or_else(|| file.clone(), str::to_owned);
        let documents = files.entry(file).or_default();
        if !documents.contains_key(&document) {
            documents.insert(
                document.clone(),
                BTreeMap::from([(
                    String::new(),
                    Case {
                        name: document,
                        findings: Vec::new(),
                    },
                )]),
            );
        }
    }
    let mut suites: Vec<Suite> = files
        .into_iter()
        .map(|(file, documents)| Suite {
            name: file,
            cases: documents
                .into_values()
                .flat_map(BTreeMap::into_values)
                .map(|case| {
                    let verdict = case.verdict(fail_on);
                    (case, verdict)
                })
                .collect(),
            errors: Vec::new(),
        })
        .collect();
    if !results.rule_errors.is_empty() {
        suites.push(Suite {
            name: "rules".into(),
            cases: Vec::new(),
            errors: results
                .rule_errors
                .iter()
                .map(|error| {
                    let name = format!(
                        "{} {}",
                        error.rule.as_deref().unwrap_or("rule"),
                        error.origin
                    );
                    let mut message = format!(
                        "{}:{}:{}: {}",
                        error.origin, error.line, error.column, error.message
                    );
                    if let Some(context) = &error.context {
                        message.push_str(&format!(" ({context})"));
                    }
                    (name, message)
                })
                .collect(),
        });
    }
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut text = match write(&mut writer, &suites, results) {
        Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
        Err(error) => format!("<!-- cannot write JUnit XML: {error} -->"),
    };
    text.push('\n');
    text
}

/// One line of a document's or a rule's text, for an attribute or a line of a report, as
/// XML 1.0 can carry it and a terminal shows it: control characters (which XML 1.0 forbids,
/// or allows but a CI server's page would pass on: C1, bidirectional overrides) written as
/// escapes by the path every format shares; U+FFFE and U+FFFF, which are not characters at
/// all, replaced.
fn line(text: &str) -> String {
    super::terminal::escape_line(text)
        .chars()
        .map(|c| match c {
            '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn write(writer: &mut Writer<Vec<u8>>, suites: &[Suite], results: &Results<'_>) -> io::Result<()> {
    let total =
        |count: &dyn Fn(&Suite) -> usize| suites.iter().map(count).sum::<usize>().to_string();
    let time = format!("{:.3}", results.timing.total.as_secs_f64());
    // The schema's timestamp: local date and time without a zone, as Ant writes it.
    let timestamp = results
        .started_at
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attribute(("name", "lessons"))
        .with_attribute(("tests", total(&|s| s.tests()).as_str()))
        .with_attribute(("failures", total(&|s| s.count(Verdict::Failed)).as_str()))
        .with_attribute(("errors", total(&|s| s.errors.len()).as_str()))
        .with_attribute(("time", time.as_str()))
        .write_inner_content(|writer| {
            for suite in suites {
                let name = line(&suite.name);
                writer
                    .create_element("testsuite")
                    .with_attribute(("name", name.as_str()))
                    .with_attribute(("tests", suite.tests().to_string().as_str()))
                    .with_attribute((
                        "failures",
                        suite.count(Verdict::Failed).to_string().as_str(),
                    ))
                    .with_attribute(("errors", suite.errors.len().to_string().as_str()))
                    .with_attribute((
                        "skipped",
                        suite.count(Verdict::Skipped).to_string().as_str(),
                    ))
                    // Time is measured for the run, not per file: the run's is on
                    // <testsuites>, so that summing the suites does not count it N times.
                    .with_attribute(("time", "0.000"))
                    .with_attribute(("timestamp", timestamp.as_str()))
                    .write_inner_content(|writer| {
                        for (case, verdict) in &suite.cases {
                            write_case(writer, &name, case, *verdict)?;
                        }
                        for (case, message) in &suite.errors {
                            writer
                                .create_element("testcase")
                                .with_attribute(("name", line(case).as_str()))
                                .with_attribute(("classname", name.as_str()))
                                .write_inner_content(|writer| {
                                    writer
                                        .create_element("error")
                                        .with_attribute(("message", line(message).as_str()))
                                        .with_attribute(("type", "rule-error"))
                                        .write_text_content(BytesText::new(&line(message)))?;
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// `file:line:column: message`, and the help, for each finding; waived ones say why.
fn details(file: &str, findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|finding| {
            let mut text = format!(
                "{file}:{}:{}: {} {}: {}",
                finding.location.line(),
                finding.location.column(),
                line(&finding.rule),
                finding.severity,
                line(&finding.message)
            );
            if let Some(help) = &finding.help {
                text.push_str(&format!("\n  help: {}", line(help)));
            }
            if let Some(suppression) = &finding.suppression {
                text.push_str(&format!("\n  suppressed: {}", line(&reason(suppression))));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a finding does not count: the waiver's reason, approver and expiry, or the baseline.
fn reason(suppression: &crate::finding::Suppression) -> String {
    let how = if suppression.is_waiver() {
        "waived"
    } else {
        "baselined"
    };
    format!("{how}: {}", suppression.justification())
}

fn write_case(
    writer: &mut Writer<Vec<u8>>,
    file: &str,
    case: &Case,
    verdict: Verdict,
) -> io::Result<()> {
    let element = writer
        .create_element("testcase")
        .with_attribute(("name", line(&case.name).as_str()))
        .with_attribute(("classname", file))
        .with_attribute(("time", "0"));
    if case.findings.is_empty() {
        element.write_empty()?;
        return Ok(());
    }
    let text = details(file, &case.findings);
    element.write_inner_content(|writer| {
        match verdict {
            Verdict::Failed => {
                let active: Vec<&Finding> = case
                    .findings
                    .iter()
                    .copied()
                    .filter(|finding| !finding.is_suppressed())
                    .collect();
                let worst = active
                    .iter()
                    .map(|finding| finding.severity)
                    .max()
                    .unwrap_or(Severity::Info);
                writer
                    .create_element("failure")
                    .with_attribute(("message", line(&active[0].message).as_str()))
                    .with_attribute(("type", worst.as_str()))
                    .write_text_content(BytesText::new(&text))?;
            }
            Verdict::Skipped => {
                let why = case
                    .findings
                    .iter()
                    .find_map(|finding| finding.suppression.as_ref().map(reason))
                    .unwrap_or_else(|| "suppressed".into());
                writer
                    .create_element("skipped")
                    .with_attribute(("message", line(&why).as_str()))
                    .write_empty()?;
                writer
                    .create_element("system-out")
                    .write_text_content(BytesText::new(&text))?;
            }
            Verdict::Passed => {
                writer
                    .create_element("system-out")
                    .write_text_content(BytesText::new(&text))?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_forbids_are_shown_as_escapes() {
        assert_eq!(
            super::line("a\u{1b}]52;c;x\u{7}b\tc\n\u{85}\u{9b}\u{202e}\u{fffe}"),
            "a\\x1b]52;c;x\\x07b\tc\\n\\x85\\x9b\\u{202e}\u{FFFD}"
        );
    }
}
