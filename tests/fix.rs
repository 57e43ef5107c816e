//! `lessons check --fix` and `--diff`: the safe fixes findings carry, as a user applies them.

mod common;

use common::{lessons_apart, write_files};

const CONFIG: &str = "policy: default\n";

const TYPOS: &str = "\
kind: incident
id: INC-7
title: Lost laptop
severity: LOW
status: Resolved
detected: 2026-11-02
resolved: 2026-11-03
rootcause: the disk was not encrypted
action_items:
  - id: A1
    title: Encrypt every laptop disk
    owner: a.ng
    due: 2027-01-15
    status: In-Progress
    type: control
";

fn run(root: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check", "--as-of", "2026-12-01", "--format", "concise"];
    all.extend_from_slice(args);
    lessons_apart(root, &all, &[])
}

#[test]
fn diff_prints_the_safe_fixes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(".lessons.yaml", CONFIG), ("incidents/INC-7.yaml", TYPOS)],
    );
    let (code, out, err) = run(dir.path(), &["--diff"]);
    assert_eq!(
        out,
        "\
--- a/incidents/INC-7.yaml
+++ b/incidents/INC-7.yaml
@@ -1,15 +1,15 @@
 kind: incident
 id: INC-7
 title: Lost laptop
-severity: LOW
-status: Resolved
+severity: low
+status: resolved
 detected: 2026-11-02
 resolved: 2026-11-03
-rootcause: the disk was not encrypted
+root_cause: the disk was not encrypted
 action_items:
   - id: A1
     title: Encrypt every laptop disk
     owner: a.ng
     due: 2027-01-15
-    status: In-Progress
+    status: in-progress
     type: control
"
    );
    assert_eq!(err.trim_end(), "would fix 4 findings in 1 file");
    // Exit as `check` would: the wrong-cased values are errors (LL000).
    assert_eq!(code, 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-7.yaml")).unwrap(),
        TYPOS
    );
}

#[test]
fn fix_writes_the_fixes_and_reports_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(".lessons.yaml", CONFIG), ("incidents/INC-7.yaml", TYPOS)],
    );
    let (code, out, err) = run(dir.path(), &["--fix"]);
    let fixed = std::fs::read_to_string(dir.path().join("incidents/INC-7.yaml")).unwrap();
    assert!(
        fixed.contains("severity: low\nstatus: resolved\n"),
        "{fixed}"
    );
    assert!(fixed.contains("root_cause: the disk"), "{fixed}");
    assert!(fixed.contains("status: in-progress\n"), "{fixed}");
    assert!(err.contains("fixed 4 findings in 1 file"), "{err}");
    // The findings left are the fixed file's: no LL000, no LL031; exit 0 (none an error).
    assert!(!out.contains("LL000") && !out.contains("LL031"), "{out}");
    assert_eq!(code, 0, "{out}{err}");
    // Nothing left to fix.
    let (_, out, err) = run(dir.path(), &["--diff"]);
    assert_eq!(out, "");
    assert!(err.contains("would fix 0 findings in 0 files"), "{err}");
}

#[test]
fn a_kind_fixed_shows_its_fields_and_the_next_pass_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (".lessons.yaml", CONFIG),
            (
                "incidents/INC-2.yaml",
                "kind: incidnt\nid: INC-2\nstatus: Open\n",
            ),
        ],
    );
    let (_, _, err) = run(dir.path(), &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-2.yaml")).unwrap(),
        "kind: incident\nid: INC-2\nstatus: open\n"
    );
    assert!(err.contains("fixed 2 findings in 1 file"), "{err}");
}

#[test]
fn a_fix_that_would_repeat_a_key_and_a_waived_finding_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let both = "kind: incident\nid: INC-3\nstatus: open\nrootcause: x\nroot_cause: y\n";
    let waived = "kind: incident\nid: INC-4\nstatus: Open # lessons: allow LL000 until 2027-01-31 -- the tracker exports it so\n";
    write_files(
        dir.path(),
        &[
            (".lessons.yaml", CONFIG),
            ("incidents/INC-3.yaml", both),
            ("incidents/INC-4.yaml", waived),
        ],
    );
    let (_, out, err) = run(dir.path(), &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-3.yaml")).unwrap(),
        both
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-4.yaml")).unwrap(),
        waived
    );
    assert!(out.contains("incidents/INC-3.yaml:4:1: LL031"), "{out}");
    assert!(err.contains("fixed 0 findings in 0 files"), "{err}");
}

#[test]
fn an_expiry_written_with_slashes_is_written_as_a_date_in_the_configuration_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = "policy: default\nwaivers:\n  - rule: LL002\n    reason: owner named at the next review\n    expires: 2027/03/31\n";
    let incident = "kind: incident\nid: INC-5\nstatus: open\naction_items:\n  - id: A1\n    title: Rotate the keys\n    due: 2027-01-10\n    status: open # lessons: allow LL002 until 2027.1.31 -- owner named in January\n";
    write_files(
        dir.path(),
        &[
            (".lessons.yaml", config),
            ("incidents/INC-5.yaml", incident),
        ],
    );
    let (_, out, _) = run(dir.path(), &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".lessons.yaml")).unwrap(),
        config.replace("2027/03/31", "2027-03-31")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-5.yaml")).unwrap(),
        incident.replace("2027.1.31", "2027-01-31")
    );
    assert!(!out.contains("LL025"), "{out}");
}

#[test]
fn a_custom_rule_offers_its_fix_through_report() {
    let dir = tempfile::tempdir().unwrap();
    let rule = r#"//! Severities are written in full.
const RULE = #{ id: "ACME010", name: "severity-in-full", severity: "warning", kinds: ["incident"],
                summary: "write the severity in full" };
fn check(doc) {
    if doc.severity == "med" {
        report("severity", "`med` is `medium` shortened", "write `medium`", #{ fix: "medium" });
    }
    if doc.review == () {
        // Nothing there to replace: the finding stands, with no fix.
        report("review.lead", "no review lead", "name one", #{ fix: "a.ng" });
    }
}
"#;
    write_files(
        dir.path(),
        &[
            (".lessons.yaml", "policy: default\nrules: [rules/]\n"),
            ("rules/severity.rhai", rule),
            (
                "incidents/INC-6.yaml",
                "kind: incident\nid: INC-6\nstatus: open\nseverity: med\n",
            ),
        ],
    );
    let (code, out, err) = run(dir.path(), &["--diff"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("-severity: med\n+severity: medium\n"), "{out}");
    assert!(
        !out.contains("a.ng"),
        "a fix where there is no value: {out}"
    );
    // Warnings only are left: the run passes.
    let (code, out, err) = run(dir.path(), &["--fix"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-6.yaml")).unwrap(),
        "kind: incident\nid: INC-6\nstatus: open\nseverity: medium\n"
    );
    assert!(
        out.contains("incidents/INC-6.yaml:1:1: ACME010 no review lead"),
        "{out}"
    );
    // An option report() does not know is a rule error, named at its line.
    std::fs::write(
        dir.path().join("rules/severity.rhai"),
        rule.replace("#{ fix: \"a.ng\" }", "#{ fixed: \"a.ng\" }"),
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("report() knows no option `fixed` (only `fix`)"),
        "{err}"
    );
    assert!(err.contains("╭─[rules/severity.rhai:10:9]"), "{err}");
    // The diff says so too, rather than end with exit 2 and no word.
    let (code, _, err) = run(dir.path(), &["--diff"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("report() knows no option `fixed` (only `fix`)"),
        "{err}"
    );
}

#[test]
fn a_waiver_of_an_extended_configuration_is_found_and_fixed_in_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = "waivers:\n  - rule: LL013\n    reason: the policy owner is being hired\n    expires: 2027/01/31\n";
    let top = "extends: org/base.yaml\npolicy: default\nexclude: [\"org/**\"]\nwaivers:\n  - rule: LL002\n    reason: owner named at the next review\n    expires: 2027-06-30\n";
    let incident = "kind: incident\nid: INC-5\nstatus: open\naction_items:\n  - id: A1\n    title: Rotate the keys\n    due: 2027-01-10\n    status: open\n";
    write_files(
        dir.path(),
        &[
            ("org/base.yaml", base),
            (".lessons.yaml", top),
            ("incidents/INC-5.yaml", incident),
        ],
    );
    let (code, out, _) = run(dir.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("org/base.yaml:2:5: LL025 the waiver of LL013 expires on `2027/01/31`"),
        "the base file's waiver, at its own line: {out}"
    );
    let (code, out, err) = run(dir.path(), &["--fix"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("org/base.yaml")).unwrap(),
        base.replace("2027/01/31", "2027-01-31")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".lessons.yaml")).unwrap(),
        top,
        "the other waiver's date is left as it was"
    );
    assert!(!out.contains("LL025"), "{out}");
}

#[test]
fn fix_refuses_an_output_that_is_a_document_before_it_writes_anything() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(".lessons.yaml", CONFIG), ("incidents/INC-7.yaml", TYPOS)],
    );
    let (code, out, err) = run(dir.path(), &["--fix", "--output", "incidents/INC-7.yaml"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-7.yaml")).unwrap(),
        TYPOS,
        "nothing fixed, nothing overwritten"
    );
}

#[cfg(unix)]
#[test]
fn a_fixed_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(".lessons.yaml", CONFIG), ("incidents/INC-7.yaml", TYPOS)],
    );
    let incident = dir.path().join("incidents/INC-7.yaml");
    std::fs::set_permissions(&incident, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (_, out, err) = run(dir.path(), &["--fix"]);
    assert_ne!(
        std::fs::read_to_string(&incident).unwrap(),
        TYPOS,
        "{out}{err}"
    );
    let mode = std::fs::metadata(&incident).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_kind_one_edit_from_two_kinds_is_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "const RULE = #{ id: \"ACME020\", name: \"incidents-listed\", severity: \"info\", \
                kinds: [\"incidents\"], summary: \"s\" };\nfn check(doc) {}\n";
    write_files(
        dir.path(),
        &[
            (".lessons.yaml", "policy: default\nrules: [rules/]\n"),
            ("rules/listed.rhai", rule),
            ("a.yaml", "kind: incidentz\nid: INC-8\n"),
            ("b.yaml", "kind: incidnt\nid: INC-9\n"),
        ],
    );
    let (_, out, _) = run(dir.path(), &["--diff"]);
    // `incident` or the rule's `incidents`: a guess, said, not written.
    assert!(!out.contains("a.yaml"), "{out}");
    assert!(out.contains("-kind: incidnt\n+kind: incident\n"), "{out}");
    let (_, out, _) = run(dir.path(), &[]);
    assert!(
        out.contains("a.yaml:1:7: LL030 `kind: incidentz` of INC-8 is no kind lessons knows; did you mean `incident`?"),
        "{out}"
    );
}
