//! Each machine format against its consumer's rules: SARIF against the official 2.1.0
//! schema, GitHub annotations against the workflow-command grammar, GitLab Code Quality's
//! required fields and stable fingerprints.

use std::path::PathBuf;

use lessons::document::date::Moment;
use lessons::output::{render, Format, Style};
use lessons::{check, Options, Outcome};

fn example() -> Outcome {
    check(&Options {
        paths: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme")],
        as_of: Moment::parse("2026-11-22"),
        ..Options::default()
    })
    .expect("the run starts")
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let outcome = example();
    let text = render(&outcome, Format::Sarif, &Style::default());
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json"))
            .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator is not a rubber stamp: a 0-based line is refused.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), outcome.findings.len());
    let first = &results[0];
    let finding = &outcome.findings[0];
    assert_eq!(first["ruleId"], finding.rule.as_str());
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], finding.location.line);
    assert_eq!(region["startColumn"], finding.location.column);
    let rule =
        &run["tool"]["driver"]["rules"][first["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["id"], finding.rule.as_str());
    assert!(rule["help"]["markdown"]
        .as_str()
        .expect("help")
        .contains("## Why it matters"));
}

/// `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=T::message`, with `%`, CR, LF
/// escaped in the message and also `:` and `,` in properties.
#[test]
fn github_annotations_follow_the_workflow_command_grammar() {
    let outcome = example();
    let text = render(&outcome, Format::Github, &Style::default());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), outcome.findings.len());
    for (line, finding) in lines.iter().zip(&outcome.findings) {
        let command = line.strip_prefix("::").expect("a workflow command");
        let (head, message) = command.split_once("::").expect("properties::message");
        let (level, properties) = head.split_once(' ').expect("level and properties");
        assert!(["error", "warning", "notice"].contains(&level), "{level}");
        let properties: Vec<(&str, &str)> = properties
            .split(',')
            .map(|pair| pair.split_once('=').expect("key=value"))
            .collect();
        let keys: Vec<&str> = properties.iter().map(|(key, _)| *key).collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"]
        );
        assert!(properties
            .iter()
            .all(|(_, value)| !value.contains([':', ',', '\n'])));
        assert_eq!(properties[1].1, finding.location.line.to_string());
        assert!(!message.contains('\n'));
        assert!(message.starts_with(&finding.message.replace('%', "%25")));
    }
}

#[test]
fn gitlab_code_quality_has_the_required_fields_and_stable_fingerprints() {
    let outcome = example();
    let text = render(&outcome, Format::Gitlab, &Style::default());
    let issues: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON array");
    assert_eq!(issues.len(), outcome.findings.len());
    let mut fingerprints = std::collections::HashSet::new();
    for issue in &issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[field].is_string(), "{field} in {issue}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().expect("severity")));
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].is_u64());
        assert!(fingerprints.insert(issue["fingerprint"].as_str().expect("fp").to_owned()));
    }
    // The same findings give the same fingerprints, run after run.
    let again: Vec<serde_json::Value> =
        serde_json::from_str(&render(&example(), Format::Gitlab, &Style::default())).expect("JSON");
    let first: Vec<&serde_json::Value> = issues.iter().map(|i| &i["fingerprint"]).collect();
    let second: Vec<&serde_json::Value> = again.iter().map(|i| &i["fingerprint"]).collect();
    assert_eq!(first, second);
}

/// JUnit read back with an XML parser: one failing test case per document and rule, and
/// text from a document (here an id full of markup) comes back as the same text.
#[test]
fn junit_parses_as_xml_with_one_case_per_document_and_rule() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let hostile = "INC-<script>&\"x\"";
    std::fs::write(
        folder.path().join("inc.yaml"),
        format!(
            "kind: incident\nid: '{hostile}'\nstatus: closed\naction_items:\n  - id: A\n  - id: B\n"
        ),
    )
    .expect("write");
    let outcome = check(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-22"),
        select: vec!["LL001".into(), "LL002".into()],
        ..Options::default()
    })
    .expect("the run starts");
    assert_eq!(outcome.findings.len(), 3, "{:?}", outcome.findings);
    let text = render(&outcome, Format::Junit, &Style::default());

    let mut reader = quick_xml::Reader::from_str(&text);
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(element) | quick_xml::events::Event::Empty(element) => {
                let attribute = |name: &str| {
                    element
                        .try_get_attribute(name)
                        .expect("attribute")
                        .map(|a| a.unescape_value().expect("unescape").into_owned())
                };
                match element.name().as_ref() {
                    b"testcase" => cases.push(attribute("name").expect("name")),
                    b"failure" => failures.push(attribute("message").expect("message")),
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    // LL001 once, LL002 twice on one document: two cases.
    assert_eq!(
        cases,
        [
            format!("{hostile}: LL001 incident-root-cause"),
            format!("{hostile}: LL002 action-item-owner")
        ]
    );
    assert_eq!(failures.len(), 2);
    assert!(failures[0].contains(hostile), "{failures:?}");
}
