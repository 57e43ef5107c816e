//! Real data nobody here wrote (copied into tests/corpus with its licence): strongDM
//! comply's policies and malformed fixtures, JupiterOne's policy templates, and VERIS
//! community records.

use std::path::PathBuf;

use lessons::document::date::Moment;
use lessons::{check, Options, Outcome};

fn corpus(name: &str) -> Outcome {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    let outcome = check(&Options {
        paths: vec![folder],
        as_of: Moment::parse("2026-11-01"),
        ..Options::default()
    })
    .expect("the run starts");
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    outcome
}

/// (file, line) of every LL000 finding.
fn invalid(outcome: &Outcome) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = outcome
        .findings
        .iter()
        .filter(|f| &*f.rule == "LL000")
        .map(|f| (f.file.display().to_string(), f.location.line()))
        .collect();
    found.sort();
    found
}

#[test]
fn comply_policies_parse_and_its_malformed_fixtures_are_reported_at_their_line() {
    let outcome = corpus("strongdm-comply");
    // 27 example policies and 4 fixtures, every one classified through the path mapping.
    assert!(
        outcome.unclassified.is_empty(),
        "{:?}",
        outcome.unclassified
    );
    assert_eq!(outcome.files, 31);
    // The three Markdown fixtures still yield a (fieldless) document each; the YAML one
    // does not parse at all.
    assert_eq!(outcome.documents, 30);
    assert_eq!(
        invalid(&outcome),
        [
            ("fixtures/narratives/invalid-control.md".to_owned(), 5),
            ("fixtures/policies/invalid-access.md".to_owned(), 10),
            ("fixtures/procedures/invalid-workstation.md".to_owned(), 2),
            ("fixtures/standards/invalid-standard.yml".to_owned(), 3),
        ]
    );
    // `Jun 1 2018` parsed: the staleness is measured from the revision dates.
    let stale = outcome
        .findings
        .iter()
        .find(|f| &*f.rule == "LL013" && f.message.contains("last reviewed"))
        .expect("a stale policy");
    assert!(stale.message.contains("(2018-06-01)"), "{}", stale.message);
    assert!(stale.path.starts_with("majorRevisions["), "{}", stale.path);
}

#[test]
fn jupiterone_templates_give_no_false_invalid_document() {
    let outcome = corpus("jupiterone");
    assert!(outcome.files > 100, "{} files", outcome.files);
    assert_eq!(outcome.documents, outcome.files);
    assert_eq!(invalid(&outcome), []);
}

#[test]
fn vcdb_records_are_recognised_as_veris() {
    let outcome = corpus("vcdb");
    assert_eq!(outcome.files, 14);
    assert_eq!(outcome.documents, 14, "every record detected as veris");
    assert_eq!(invalid(&outcome), []);
    // Public records compiled from news reports: the lessons-learned fields are what they
    // lack, and the VERIS rules say so.
    let count = |rule: &str| outcome.findings.iter().filter(|f| &*f.rule == rule).count();
    assert_eq!(count("LL100"), 5, "discovery method unknown");
    assert_eq!(count("LL101"), 14, "no corrective action");
    assert_eq!(
        count("LL102"),
        14,
        "no time to discovery (or an Unknown unit)"
    );
    assert_eq!(count("LL103"), 14, "no control failure");
    assert_eq!(count("LL104"), 13, "impact not rated");
    assert_eq!(count("LL105"), 3, "the way in unknown");
}

/// jenkins-infra's status page: of 297 cState issues with `preset: cstate`, the planned
/// work (maintenance windows, upgrades, migrations, brownouts — by title or file name) is
/// not checked, and every other issue is an incident with an id (the file name), a
/// detection date, a status and a severity, and no LL000 — where without the preset every
/// one had three.
#[test]
fn cstate_issues_read_with_their_preset_give_no_invalid_document() {
    let outcome = corpus("jenkins-infra-status");
    assert_eq!(outcome.files, 297);
    assert_eq!(invalid(&outcome), []);
    let workspace = &outcome.workspace;
    assert_eq!(workspace.documents.len(), 297);
    let incidents = workspace.index.of_kind("incident");
    let planned = regex::Regex::new(
        r"(?i)\b(maintenance|upgrade|migrat\w*|version update|brownout|planned|scheduled)\b",
    )
    .expect("a pattern");
    let mut skipped = 0;
    for loaded in &workspace.documents {
        let file = workspace.files[loaded.file].path.display().to_string();
        let title = loaded
            .document
            .root
            .get("title")
            .and_then(|node| node.scalar_text())
            .unwrap_or_default();
        let is_planned = planned.is_match(&title) || file.to_lowercase().contains("maintenance");
        assert_eq!(
            loaded.document.skipped.is_some(),
            is_planned,
            "{file}: {title}"
        );
        assert_eq!(loaded.kind.is_none(), is_planned, "{file}");
        skipped += usize::from(is_planned);
    }
    assert_eq!(outcome.unclassified.len(), skipped);
    assert_eq!(incidents.len(), 297 - skipped);
    assert_eq!(outcome.documents, 297 - skipped);
    assert!(incidents.len() > 100, "{}", incidents.len());
    for &position in incidents {
        let document = &workspace.documents[position].document;
        let file = &workspace.files[workspace.documents[position].file].path;
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("a name");
        assert_eq!(document.id.as_deref(), Some(stem));
        for field in ["detected", "status", "severity", "title"] {
            assert!(
                document.root.get(field).is_some(),
                "{} has no {field}",
                file.display()
            );
        }
    }
    // A resolved issue is resolved at `resolvedWhen`, and `severity: down` is critical.
    let expired = workspace
        .index
        .find("incident", "2022-05-27-ssl-certificate-expired")
        .map(|position| &workspace.documents[position].document.root)
        .expect("the certificate incident");
    let text = |key: &str| {
        expired
            .get(key)
            .and_then(lessons::document::Node::scalar_text)
    };
    assert_eq!(text("status").as_deref(), Some("resolved"));
    assert_eq!(
        text("resolved").as_deref(),
        Some("2022-05-27T21:18:00-00:00")
    );
    assert_eq!(text("severity").as_deref(), Some("high"));
}
