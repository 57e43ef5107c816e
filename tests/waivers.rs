//! Waivers: valid ones suppress (and say why in the output), expired, undated, unreasoned
//! and unused ones are findings themselves, inline ones cover their line or the next.

use lessons::document::date::Moment;
use lessons::finding::Severity;
use lessons::{check, Options, Outcome};

const CONFIG: &str = "\
waivers:
  - rule: LL003
    file: inc.yaml
    reason: owner on leave
    approved_by: ciso
    expires: 2027-06-30
    ticket: SEC-12
  - rule: LL001
    file: inc.yaml
    reason: root cause under investigation
    expires: 2026-10-01
  - rule: LL004
    file: other.yaml
    reason: x
    expires: soon
  - rule: LL001
    file: other.yaml
    expires: 2027-01-01
  - rule: LL002
    doc_id: INC-9
    reason: a waiver nothing needs
    expires: 2027-01-01
";

const INCIDENT: &str = "\
kind: incident
id: INC-1
status: closed
detected: 2026-09-01
action_items:
  - id: AI-1   # lessons: allow LL002 until 2027-01-31 -- owner named at the next review
    title: Rotate keys
  # lessons: allow LL002 until 2026-11-10 -- reorg
  - id: AI-2
    title: Add MFA to the access policy
    type: policy
";

fn run() -> Outcome {
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(folder.path().join(".lessons.yaml"), CONFIG).expect("config");
    std::fs::write(folder.path().join("inc.yaml"), INCIDENT).expect("incident");
    let outcome = check(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        // The rules the waivers are about, and the waivers' own.
        select: ["LL001", "LL002", "LL003", "LL025", "LL026"]
            .map(String::from)
            .to_vec(),
        ..Options::default()
    })
    .expect("the run starts");
    drop(folder);
    outcome
}

/// (rule, file, line, severity, suppressed) of every finding.
fn table(outcome: &Outcome) -> Vec<(String, String, usize, Severity, bool)> {
    outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.file.display().to_string(),
                f.location.line(),
                f.severity,
                f.is_suppressed(),
            )
        })
        .collect()
}

#[test]
fn waivers_suppress_report_and_expire() {
    let outcome = run();
    let found = table(&outcome);
    let has = |rule: &str, file: &str, line: usize, severity: Severity, suppressed: bool| {
        assert!(
            found.contains(&(rule.into(), file.into(), line, severity, suppressed)),
            "no {rule} {file}:{line} {severity} suppressed={suppressed} in {found:#?}"
        );
    };
    // Valid config waiver: both LL003 findings suppressed, with the waiver's words.
    has("LL003", "inc.yaml", 6, Severity::Warning, true);
    has("LL003", "inc.yaml", 9, Severity::Warning, true);
    let waived = outcome
        .findings
        .iter()
        .find(|f| &*f.rule == "LL003")
        .expect("LL003");
    let suppression = waived.suppression.as_ref().expect("a suppression");
    assert!(matches!(
        suppression,
        lessons::finding::Suppression::Waiver(_)
    ));
    let suppression = suppression.waived().expect("a waiver's words");
    assert_eq!(suppression.reason.as_deref(), Some("owner on leave"));
    assert_eq!(suppression.approved_by.as_deref(), Some("ciso"));
    assert_eq!(suppression.ticket.as_deref(), Some("SEC-12"));
    // Expired: LL001 is not suppressed, and the waiver is an error at its line.
    has("LL001", "inc.yaml", 3, Severity::Error, false);
    has("LL025", ".lessons.yaml", 8, Severity::Error, false);
    // Unparsable expiry and no reason: errors.
    has("LL025", ".lessons.yaml", 12, Severity::Error, false);
    has("LL025", ".lessons.yaml", 16, Severity::Error, false);
    // Matches nothing: unused.
    has("LL026", ".lessons.yaml", 19, Severity::Warning, false);
    // Inline at the end of a line covers that line; alone on a line, the next one; one
    // expiring within 30 days is a note.
    has("LL002", "inc.yaml", 6, Severity::Error, true);
    has("LL002", "inc.yaml", 9, Severity::Error, true);
    has("LL025", "inc.yaml", 8, Severity::Info, false);
    // Nothing else: in particular no LL026 for the waivers that did match.
    assert_eq!(found.len(), 10, "{found:#?}");
}
