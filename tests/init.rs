//! `lessons init`: what it writes checks clean and its fixtures pass, and it never
//! overwrites a file.

mod common;

use common::lessons;

#[test]
fn init_writes_a_repository_that_checks_clean_and_whose_fixtures_pass() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let (code, text) = lessons(folder.path(), &["init", "acme"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("created acme/.lessons.yaml"), "{text}");
    let repository = folder.path().join("acme");

    let (code, text) = lessons(&repository, &["check", "--color", "never"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("No findings in 5 documents"), "{text}");

    let (code, text) = lessons(&repository, &["test"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("2 fixtures: 2 passed, 0 failed"), "{text}");

    let (code, text) = lessons(&repository, &["rules"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("LOCAL001  incident-commander"), "{text}");
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(folder.path().join(".lessons.yaml"), "policy: soc2\n").expect("write");
    let (code, text) = lessons(folder.path(), &["init"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("not overwriting") && text.contains(".lessons.yaml"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join(".lessons.yaml")).expect("read"),
        "policy: soc2\n"
    );
    assert!(
        !folder.path().join("incidents").exists(),
        "nothing else was written"
    );
}
