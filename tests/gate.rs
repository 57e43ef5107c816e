//! `gate close` on a file that holds several incidents: only the one being closed counts.

mod common;

use std::path::Path;

fn gate(root: &Path, id: &str) -> (i32, String) {
    common::lessons(root, &["gate", "close", id, "--as-of", "2026-11-22"])
}

#[test]
fn another_incident_in_the_same_file_does_not_block_the_close() {
    let scratch = tempfile::tempdir().expect("scratch");
    let root = scratch.path();
    common::copy_tree(&common::example(), root);
    // A second incident in the file of the ready INC-2026-025, with an ownerless item.
    let file = root.join("incidents/2026/INC-2026-025-malicious-npm-package.yaml");
    let mut text = std::fs::read_to_string(&file).expect("incident");
    text.push_str(
        "---\nkind: incident\nid: INC-2026-098\ntitle: Second record in the file\n\
         status: open\nseverity: low\ncategory: malware\ndetected: 2026-11-20\n\
         action_items:\n  - { id: AI-1, title: Block the package, due: 2026-12-01, type: control }\n",
    );
    std::fs::write(&file, text).expect("two incidents");

    let (code, checklist) = gate(root, "INC-2026-025");
    assert_eq!(code, 0, "{checklist}");
    assert!(
        checklist.starts_with("INC-2026-025 is ready to close"),
        "{checklist}"
    );
    assert!(!checklist.contains("INC-2026-098"), "{checklist}");

    let (code, checklist) = gate(root, "INC-2026-098");
    assert_eq!(code, 1, "{checklist}");
    // Closing it needs a root cause and a review too; and the ownerless item, at its line.
    assert!(
        checklist.starts_with("INC-2026-098 is not ready to close: 3 items missing"),
        "{checklist}"
    );
    let text = std::fs::read_to_string(&file).expect("incident");
    let line = 1 + text
        .lines()
        .position(|l| l.contains("title: Block the package"))
        .expect("the item");
    assert!(
        checklist.contains(&format!(
            "[ ] incidents/2026/INC-2026-025-malicious-npm-package.yaml:{line}:5  LL002 error: "
        )),
        "{checklist}"
    );
    assert!(!checklist.contains("INC-2026-025 "), "{checklist}");
}
