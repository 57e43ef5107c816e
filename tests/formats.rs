//! Each machine format against its consumer's rules: SARIF against the official 2.1.0
//! schema and the fields GitHub code scanning reads, GitHub annotations against the
//! workflow-command grammar, GitLab Code Quality's required fields and stable fingerprints,
//! JUnit against the schema Jenkins checks and as junitparser reads it.

mod common;

use std::path::{Path, PathBuf};

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
    let text = render(&outcome.results(), Format::Sarif, &Style::default());
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
    assert_eq!(first["ruleId"], &*finding.rule);
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], finding.location.line());
    assert_eq!(region["startColumn"], finding.location.column());
    let rule =
        &run["tool"]["driver"]["rules"][first["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["id"], &*finding.rule);
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
    let text = render(&outcome.results(), Format::Github, &Style::default());
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
        assert_eq!(properties[1].1, finding.location.line().to_string());
        assert!(!message.contains('\n'));
        assert!(message.starts_with(&finding.message.replace('%', "%25")));
    }
}

#[test]
fn gitlab_code_quality_has_the_required_fields_and_stable_fingerprints() {
    let outcome = example();
    let text = render(&outcome.results(), Format::Gitlab, &Style::default());
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
    let again: Vec<serde_json::Value> = serde_json::from_str(&render(
        &example().results(),
        Format::Gitlab,
        &Style::default(),
    ))
    .expect("JSON");
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
    let text = render(&outcome.results(), Format::Junit, &Style::default());

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

fn sarif_schema() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json"))
            .expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn assert_valid_sarif(sarif: &serde_json::Value) {
    let errors: Vec<String> = sarif_schema()
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// A repository with a configuration waiver, an inline waiver, and findings a baseline
/// will hold: LL001 (waived in the configuration), LL002 on AI-1 (waived inline), LL003 on
/// both items and LL002 on AI-2 (baselined where a test records a baseline).
fn waived_repository(root: &Path) {
    common::write_files(
        root,
        &[
            (
                ".lessons.yaml",
                "waivers:\n  - rule: LL001\n    file: incidents/inc.yaml\n    reason: forensics pending\n    approved_by: ciso\n    expires: 2027-06-30\n",
            ),
            (
                "incidents/inc.yaml",
                "kind: incident\nid: INC-1\nstatus: resolved\nseverity: low\ndetected: 2026-09-01\naction_items:\n  - id: AI-1   # lessons: allow LL002 until 2027-01-31 -- owner named at the review\n    title: Rotate the keys\n  - id: AI-2\n    title: Add MFA to the VPN\n",
            ),
        ],
    );
}

/// Inline waivers are `inSource`; a configuration waiver and the baseline are `external`,
/// each with its justification; artifact URIs are relative to `%SRCROOT%`, which
/// `originalUriBaseIds` defines as the repository root, from whatever folder the run starts.
#[test]
fn sarif_suppressions_and_uris_are_what_github_reads() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let root = folder.path().join("repo");
    waived_repository(&root);
    let select = "--select=LL001,LL002,LL003";
    let (code, _, stderr) = common::lessons_apart(
        &root,
        &[
            "check",
            select,
            "--as-of",
            "2026-11-01",
            "--write-baseline",
            "baseline.json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    // From outside the repository, naming it.
    let (code, stdout, stderr) = common::lessons_apart(
        folder.path(),
        &[
            "check",
            "repo",
            select,
            "--as-of",
            "2026-11-01",
            "--format",
            "sarif",
            "--baseline",
            "repo/baseline.json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT% is defined");
    assert!(
        base.starts_with("file:///") && base.ends_with("/repo/"),
        "{base}"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 5, "{results:#?}");
    let mut kinds = Vec::new();
    for result in results {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "incidents/inc.yaml");
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        // The base and the relative URI name the file that exists.
        let file = format!("{}{}", &base["file://".len()..], "incidents/inc.yaml");
        assert!(Path::new(&file).is_file(), "{file}");
        assert!(result["partialFingerprints"]["lessons/v1"]
            .as_str()
            .is_some_and(|fingerprint| fingerprint.len() == 32));
        let suppression = &result["suppressions"][0];
        kinds.push((
            result["ruleId"].as_str().expect("rule").to_owned(),
            suppression["kind"]
                .as_str()
                .expect("every result here is suppressed")
                .to_owned(),
            suppression["justification"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        ));
    }
    kinds.sort();
    assert_eq!(kinds[0].0, "LL001");
    assert_eq!(kinds[0].1, "external", "a configuration waiver");
    assert!(kinds[0].2.contains("forensics pending") && kinds[0].2.contains("approved by ciso"));
    assert_eq!(
        (kinds[1].0.as_str(), kinds[1].1.as_str()),
        ("LL002", "external"),
        "the baseline"
    );
    assert_eq!(
        (kinds[2].0.as_str(), kinds[2].1.as_str()),
        ("LL002", "inSource"),
        "inline"
    );
    assert!(kinds[2].2.contains("owner named at the review"));
    assert_eq!(
        (kinds[3].0.as_str(), kinds[3].1.as_str()),
        ("LL003", "external")
    );
    assert_eq!(
        (kinds[4].0.as_str(), kinds[4].1.as_str()),
        ("LL003", "external")
    );
}

/// A rule that fails makes the run partial: `executionSuccessful: false`, with a
/// notification naming the rule, so an upload never shows it as complete.
#[test]
fn sarif_of_a_run_with_a_failed_rule_says_it_is_incomplete() {
    let folder = tempfile::tempdir().expect("temporary folder");
    common::write_files(
        folder.path(),
        &[
            (".lessons.yaml", "rules: [rules/]\n"),
            ("inc.yaml", "kind: incident\nid: INC-1\nstatus: open\n"),
            (
                "rules/broken.rhai",
                "const RULE = #{ id: \"ACME001\", name: \"broken\", severity: \"error\", kinds: [\"incident\"], summary: \"fails\", params: #{} };\nfn check(doc) { throw \"no such field\"; }\n",
            ),
        ],
    );
    let (code, stdout, _) =
        common::lessons_apart(folder.path(), &["check", "--format", "sarif"], &[]);
    assert_eq!(code, 2);
    let sarif: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    assert_valid_sarif(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(notification["associatedRule"]["id"], "ACME001");
    assert!(
        notification["message"]["text"]
            .as_str()
            .is_some_and(
                |text| text.contains("rules/broken.rhai:2") && text.contains("no such field")
            )
    );
}

/// GitHub accepts 25,000 results per run: past that the run keeps the unsuppressed ones
/// and says how many it left out.
#[test]
fn sarif_holds_at_most_25000_results_unsuppressed_first() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut incident = String::from("kind: incident\nid: INC-1\nstatus: open\naction_items:\n");
    for item in 0..12_510 {
        incident.push_str(&format!(
            "  - id: AI-{item}\n    title: Rotate key {item}\n"
        ));
    }
    common::write_files(
        folder.path(),
        &[
            // Ten findings waived: they are the ones a cap drops first.
            (
                ".lessons.yaml",
                // 12,510 action items in one document: on a debug build under a loaded
                // machine one call can pass the default half second.
                "waivers:\n  - rule: LL003\n    doc_id: INC-2\n    reason: tracked in SEC-1\n    expires: 2027-01-01\nlimits:\n  call_milliseconds: 60000\n",
            ),
            ("big.yaml", &incident),
            (
                "small.yaml",
                &format!(
                    "kind: incident\nid: INC-2\nstatus: open\naction_items:\n{}",
                    (0..10).map(|i| format!("  - {{id: B-{i}, title: Rotate the keys, owner: a}}\n")).collect::<String>()
                ),
            ),
        ],
    );
    let (code, stdout, stderr) = common::lessons_apart(
        folder.path(),
        &["check", "--select", "LL002,LL003", "--format", "sarif"],
        &[],
    );
    assert_eq!(code, 1, "{stderr}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    assert!(results
        .iter()
        .all(|result| result["suppressions"].is_null()));
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "warning");
    // 12,510 × 2 unsuppressed and 10 waived: 30 left out.
    assert!(notification["message"]["text"]
        .as_str()
        .is_some_and(|text| text.starts_with("30 results were left out")));
}

/// `gitlab` and `github` name files relative to the repository root, whether the run
/// starts at the root, in a subfolder, or outside the repository.
#[test]
fn paths_do_not_depend_on_the_working_folder() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let root = folder.path().join("repo");
    common::write_files(
        &root,
        &[
            (".lessons.yaml", "policy: default\n"),
            (
                "incidents/2026/inc.yaml",
                "kind: incident\nid: INC-1\nstatus: closed\n",
            ),
        ],
    );
    for (cwd, path) in [
        (root.clone(), "."),
        (root.join("incidents"), "."),
        (folder.path().to_path_buf(), "repo"),
    ] {
        let (_, github, _) = common::lessons_apart(
            &cwd,
            &["check", path, "--select", "LL001", "--format", "github"],
            &[],
        );
        assert!(
            github.starts_with("::error file=incidents/2026/inc.yaml,line=3,"),
            "from {}: {github}",
            cwd.display()
        );
        let (_, gitlab, _) = common::lessons_apart(
            &cwd,
            &["check", path, "--select", "LL001", "--format", "gitlab"],
            &[],
        );
        let issues: serde_json::Value = serde_json::from_str(&gitlab).expect("JSON");
        assert_eq!(
            issues[0]["location"]["path"],
            "incidents/2026/inc.yaml",
            "{}",
            cwd.display()
        );
    }
}

/// Test cases of a JUnit report: (suite, name, outcome, message), outcome one of
/// `failure`, `skipped`, `error` or `passed`.
fn junit_cases(text: &str) -> Vec<(String, String, String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut suite = String::new();
    let mut cases: Vec<(String, String, String, String)> = Vec::new();
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let element = match &event {
            Event::Start(element) | Event::Empty(element) => element,
            Event::Eof => break,
            _ => continue,
        };
        let attribute = |name: &str| {
            element
                .try_get_attribute(name)
                .expect("attribute")
                .map(|a| a.unescape_value().expect("unescape").into_owned())
                .unwrap_or_default()
        };
        match element.name().as_ref() {
            b"testsuite" => suite = attribute("name"),
            b"testcase" => {
                cases.push((
                    suite.clone(),
                    attribute("name"),
                    "passed".into(),
                    String::new(),
                ));
            }
            outcome @ (b"failure" | b"skipped" | b"error") => {
                let case = cases.last_mut().expect("inside a test case");
                case.2 = String::from_utf8_lossy(outcome).into_owned();
                case.3 = attribute("message");
            }
            _ => {}
        }
    }
    cases
}

/// A `<failure>` only at or above `--fail-on`; below it the case passes with its finding in
/// `<system-out>`; waived and baselined findings are `<skipped>` with the reason; every
/// checked document where nothing fired is a passing case; suites carry tests, failures,
/// errors, skipped, time and timestamp.
#[test]
fn junit_fails_what_fails_the_run_and_skips_what_is_waived() {
    let folder = tempfile::tempdir().expect("temporary folder");
    waived_repository(folder.path());
    common::write_files(
        folder.path(),
        &[(
            "incidents/clean.yaml",
            "kind: incident\nid: INC-2\nstatus: open\n",
        )],
    );
    // The JUnit of LL001-LL003 with `extra` arguments: exit code and report.
    let junit = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--select=LL001,LL002,LL003",
            "--as-of",
            "2026-11-01",
        ];
        args.extend(["--format", "junit"]);
        args.extend(extra);
        let (code, stdout, _) = common::lessons_apart(folder.path(), &args, &[]);
        (code, stdout)
    };
    let (code, stdout) = junit(&[]);
    assert_eq!(code, 1, "LL002 on AI-2 is an error");
    let cases = junit_cases(&stdout);
    let outcome_of = |name: &str| {
        cases
            .iter()
            .find(|case| case.1 == name)
            .unwrap_or_else(|| panic!("no case {name} in {cases:#?}"))
    };
    assert_eq!(outcome_of("INC-1: LL001 incident-root-cause").2, "skipped");
    assert!(outcome_of("INC-1: LL001 incident-root-cause")
        .3
        .contains("forensics pending"));
    // AI-1 waived inline, AI-2 not: the case fails on AI-2's error.
    assert_eq!(outcome_of("INC-1: LL002 action-item-owner").2, "failure");
    // LL003 is a warning: below --fail-on error, the case passes.
    assert_eq!(outcome_of("INC-1: LL003 action-item-due").2, "passed");
    assert!(
        stdout.contains("<system-out>incidents/inc.yaml:7:5: LL003 warning"),
        "{stdout}"
    );
    assert_eq!(
        outcome_of("INC-2").2,
        "passed",
        "a clean document is a passing case"
    );
    for attribute in [
        "tests=",
        "failures=",
        "errors=",
        "skipped=",
        "time=",
        "timestamp=",
    ] {
        let suites = stdout.matches("<testsuite ").count();
        assert_eq!(
            stdout
                .split("<testsuite ")
                .skip(1)
                .filter(|s| s
                    .split('>')
                    .next()
                    .is_some_and(|head| head.contains(attribute)))
                .count(),
            suites,
            "{attribute} on every suite"
        );
    }

    // With --fail-on warning the run fails on LL003 too, and so does its case.
    let (code, stdout) = junit(&["--fail-on", "warning"]);
    assert_eq!(code, 1);
    assert_eq!(
        junit_cases(&stdout)
            .iter()
            .find(|case| case.1 == "INC-1: LL003 action-item-due")
            .map(|case| case.2.as_str()),
        Some("failure")
    );

    // A clean run: one passing case per document, never an empty report.
    let (code, stdout, _) = common::lessons_apart(
        folder.path(),
        &["check", "--select", "LL023", "--format", "junit"],
        &[],
    );
    assert_eq!(code, 0);
    let cases = junit_cases(&stdout);
    assert_eq!(
        cases
            .iter()
            .map(|case| (case.1.as_str(), case.2.as_str()))
            .collect::<Vec<_>>(),
        [("INC-2", "passed"), ("INC-1", "passed")]
    );
}

/// The JUnit of a run with waivers, a warning, a control character and a failed rule,
/// validated against Jenkins' `junit-10.xsd` (lxml) and read by junitparser, whose counts
/// must match. Python with both is required under `CI=true` (`.ci/run` installs them).
#[test]
fn junit_is_valid_for_jenkins_and_read_by_junitparser() {
    let python = std::process::Command::new("python3")
        .args(["-c", "import junitparser, lxml"])
        .status()
        .is_ok_and(|status| status.success());
    if !python {
        assert!(
            !common::in_ci(),
            "python3 with junitparser and lxml is required under CI (pip install junitparser lxml)"
        );
        common::say_skipped(
            "junit_is_valid_for_jenkins_and_read_by_junitparser",
            "python3 with junitparser and lxml is not installed (pip install junitparser lxml)",
        );
        return;
    }
    let folder = tempfile::tempdir().expect("temporary folder");
    waived_repository(folder.path());
    common::write_files(
        folder.path(),
        &[
            // ESC and SOH, as pasted from a terminal log: XML 1.0 cannot carry them.
            ("incidents/pasted.yaml", "kind: incident\nid: \"INC-\\e]52;c;x\\a-\\x01\"\nstatus: closed\n"),
            (".lessons.yaml", "rules: [rules/]\nwaivers:\n  - rule: LL001\n    file: incidents/inc.yaml\n    reason: forensics pending\n    expires: 2027-06-30\n"),
            (
                "rules/broken.rhai",
                "const RULE = #{ id: \"ACME001\", name: \"broken\", severity: \"error\", kinds: [\"incident\"], summary: \"fails\", params: #{} };\nfn check(doc) { throw \"no such field\"; }\n",
            ),
        ],
    );
    let report = folder.path().join("junit.xml");
    let (code, _, stderr) = common::lessons_apart(
        folder.path(),
        &[
            "check",
            "--select=LL001,LL002,LL003,ACME001",
            "--as-of",
            "2026-11-01",
            "--format",
            "junit",
            "--output",
        ]
        .into_iter()
        .chain([report.to_str().expect("UTF-8 path")])
        .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(code, 2, "a rule failed: {stderr}");
    let xml = std::fs::read_to_string(&report).expect("the report");
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{1}'), "{xml}");
    // Shown as escapes, as every output shows them.
    assert!(xml.contains("INC-\\x1b]52;c;x\\x07-\\x01"), "{xml}");
    let script = r#"
import sys
from lxml import etree
from junitparser import JUnitXml, Failure, Skipped, Error
schema = etree.XMLSchema(etree.parse(sys.argv[1]))
document = etree.parse(sys.argv[2])
if not schema.validate(document):
    print("INVALID", schema.error_log)
    sys.exit(1)
xml = JUnitXml.fromfile(sys.argv[2])
counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
for suite in xml:
    for case in suite:
        counts["tests"] += 1
        for result in case.result:
            if isinstance(result, Failure): counts["failures"] += 1
            elif isinstance(result, Skipped): counts["skipped"] += 1
            elif isinstance(result, Error): counts["errors"] += 1
    assert suite.timestamp, "timestamp"
    assert suite.time is not None, "time"
print(counts["tests"], counts["failures"], counts["skipped"], counts["errors"],
      sum(suite.tests for suite in xml), sum(suite.failures for suite in xml),
      sum(suite.skipped for suite in xml), sum(suite.errors for suite in xml))
"#;
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jenkins-junit-10.xsd");
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&xsd)
        .arg(&report)
        .output()
        .expect("python runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let numbers: Vec<usize> = printed
        .split_whitespace()
        .map(|n| n.parse().expect("a count"))
        .collect();
    // Cases: INC-1's LL001 (skipped), LL002 (failure), LL003 (passes: a warning), the pasted
    // incident's LL001 (failure), each incident's finding that ACME001 did not check it
    // (failures), and the failed rule (error).
    assert_eq!(
        &numbers[..4],
        &[7, 4, 1, 1],
        "cases as junitparser counts them"
    );
    assert_eq!(
        &numbers[4..],
        &numbers[..4],
        "the suites' attributes agree with their cases"
    );
}
