//! Baselines as a user meets them: record today's findings, then only new ones fail;
//! moving lines keeps the baseline valid; --strict-baseline fails when debt was paid.

mod common;

use std::path::Path;

/// LL001 (no root cause), LL002 (no owner) and LL003 (no due date) fire; the rest of the
/// record is complete so that the counts below are those three.
const INCIDENT: &str = "kind: incident\nid: INC-1\nstatus: resolved\ndetected: 2026-09-01\naction_items:\n  - id: AI-1\n    title: Enforce MFA on the VPN\n    type: policy\n";

/// `lessons check` on the fixed day, without colours.
fn lessons(folder: &Path, args: &[&str]) -> (i32, String) {
    let mut full = vec!["check", "--as-of", "2026-11-01", "--color", "never"];
    full.extend_from_slice(args);
    common::lessons(folder, &full)
}

fn repository() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(folder.path().join(".lessons.yaml"), "policy: default\n").expect("config");
    std::fs::write(folder.path().join("inc.yaml"), INCIDENT).expect("incident");
    folder
}

#[test]
fn a_baseline_lets_known_findings_pass_and_new_ones_fail() {
    let folder = repository();
    let (code, _) = lessons(folder.path(), &[]);
    assert_eq!(code, 1, "LL001 and LL002 fire");

    let (code, text) = lessons(folder.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "--write-baseline exits 0 once the file is written");
    assert!(text.contains("wrote 3 baseline entries"), "{text}");
    let (code, text) = lessons(folder.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("3 suppressed"), "{text}");

    // Lines move: a comment on top and a field in the middle; the baseline still holds.
    let moved = format!(
        "# moved\n{}",
        INCIDENT.replace("status: resolved\n", "title: VPN\nstatus: resolved\n")
    );
    std::fs::write(folder.path().join("inc.yaml"), moved).expect("edit");
    let (code, text) = lessons(folder.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{text}");

    // A new gap fails, and only it is shown.
    std::fs::write(
        folder.path().join("new.yaml"),
        "kind: incident\nid: INC-2\nstatus: resolved\n",
    )
    .expect("new incident");
    let (code, text) = lessons(folder.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("INC-2") && !text.contains("action item AI-1"),
        "{text}"
    );
}

#[test]
fn strict_baseline_fails_when_an_entry_no_longer_occurs() {
    let folder = repository();
    lessons(folder.path(), &["--write-baseline", "baseline.json"]);
    // The owner is added: one LL002 finding is gone, its entry is stale.
    std::fs::write(
        folder.path().join("inc.yaml"),
        INCIDENT.replace(
            "title: Enforce MFA on the VPN\n",
            "title: Enforce MFA on the VPN\n    owner: s.iyer\n",
        ),
    )
    .expect("fix");
    let (code, text) = lessons(folder.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = lessons(
        folder.path(),
        &["--baseline", "baseline.json", "--strict-baseline"],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("baseline entry no longer found: LL002"),
        "{text}"
    );
}

#[test]
fn a_broken_baseline_stops_the_run() {
    let folder = repository();
    std::fs::write(
        folder.path().join("baseline.json"),
        "{\"version\": 1, \"findngs\": []}",
    )
    .expect("write");
    let (code, text) = lessons(folder.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("is not valid") && text.contains("findngs"),
        "{text}"
    );
}
