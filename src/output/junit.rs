//! `--format junit`: JUnit XML for CI test reports. One test suite per file, one failing
//! test case per document and rule that fired (its findings in the failure's text), so a
//! CI server shows "INC-2026-007: LL001 incident-root-cause" as a failed test. Written
//! with an XML writer, which escapes every text taken from a document.

use std::collections::BTreeMap;
use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::finding::{display_path, Finding, Severity};
use crate::Outcome;

/// One test case: a document and a rule, and what the rule found there.
struct Case<'a> {
    name: String,
    findings: Vec<&'a Finding>,
}

pub fn render(outcome: &Outcome) -> String {
    // file → (document, rule) → findings, in the order the findings are sorted.
    let mut suites: BTreeMap<String, BTreeMap<(String, String), Case>> = BTreeMap::new();
    for finding in outcome.findings.iter().filter(|f| !f.suppressed) {
        let file = display_path(&outcome.root.join(&finding.file));
        let document = finding.doc_id.clone().unwrap_or_else(|| file.clone());
        suites
            .entry(file)
            .or_default()
            .entry((document.clone(), finding.rule.clone()))
            .or_insert_with(|| Case {
                name: format!("{document}: {} {}", finding.rule, finding.name),
                findings: Vec::new(),
            })
            .findings
            .push(finding);
    }
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = write(&mut writer, &suites, outcome);
    let mut text = match written {
        Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
        Err(error) => format!("<!-- cannot write JUnit XML: {error} -->"),
    };
    text.push('\n');
    text
}

type Suites<'a> = BTreeMap<String, BTreeMap<(String, String), Case<'a>>>;

fn write(writer: &mut Writer<Vec<u8>>, suites: &Suites, outcome: &Outcome) -> io::Result<()> {
    let cases: usize = suites.values().map(BTreeMap::len).sum();
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attribute(("name", "lessons"))
        .with_attribute(("tests", cases.to_string().as_str()))
        .with_attribute(("failures", cases.to_string().as_str()))
        .with_attribute((
            "time",
            format!("{:.3}", outcome.timing.total.as_secs_f64()).as_str(),
        ))
        .write_inner_content(|writer| {
            for (file, cases) in suites {
                writer
                    .create_element("testsuite")
                    .with_attribute(("name", file.as_str()))
                    .with_attribute(("tests", cases.len().to_string().as_str()))
                    .with_attribute(("failures", cases.len().to_string().as_str()))
                    .write_inner_content(|writer| {
                        for case in cases.values() {
                            write_case(writer, file, case)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_case(writer: &mut Writer<Vec<u8>>, file: &str, case: &Case) -> io::Result<()> {
    let worst = case
        .findings
        .iter()
        .map(|finding| finding.severity)
        .max()
        .unwrap_or(Severity::Info);
    let first = case.findings[0];
    let details: Vec<String> = case
        .findings
        .iter()
        .map(|finding| {
            let mut line = format!(
                "{file}:{}:{}: {}",
                finding.location.line, finding.location.column, finding.message
            );
            if let Some(help) = &finding.help {
                line.push_str(&format!("\n  help: {help}"));
            }
            line
        })
        .collect();
    writer
        .create_element("testcase")
        .with_attribute(("name", case.name.as_str()))
        .with_attribute(("classname", file))
        .with_attribute(("file", file))
        .with_attribute(("line", first.location.line.to_string().as_str()))
        .write_inner_content(|writer| {
            writer
                .create_element("failure")
                .with_attribute(("message", first.message.as_str()))
                .with_attribute(("type", worst.as_str()))
                .write_text_content(BytesText::new(&details.join("\n")))?;
            Ok(())
        })?;
    Ok(())
}
