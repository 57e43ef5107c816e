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

/// The scaffold's post-mortem template is read by the markdown preset: a copy of it, not yet
/// filled in, is an incident whose gaps point at the headings to fill.
#[test]
fn init_offers_a_post_mortem_template_the_markdown_preset_reads() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let (code, text) = lessons(folder.path(), &["init"]);
    assert_eq!(code, 0, "{text}");
    let template = folder.path().join("postmortems/_template.md");
    assert!(text.contains("created postmortems/_template.md"), "{text}");
    std::fs::copy(&template, folder.path().join("postmortems/PM-2026-001.md")).expect("a copy");
    let (code, text) = lessons(
        folder.path(),
        &["check", "--format", "concise", "postmortems"],
    );
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(
            &"postmortems/PM-2026-001.md:1:1: LL007 incident PM-2026-001 has no `detected` date"
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"postmortems/PM-2026-001.md:19:1: LL001 incident PM-2026-001 is resolved but records no root cause"),
        "{text}"
    );
    assert!(
        !text.contains("_template.md"),
        "the template itself is excluded: {text}"
    );
    let (code, text) = lessons(folder.path(), &["show", "postmortems/PM-2026-001.md"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("read as markdown"), "{text}");
    assert!(text.contains("heading \"Root cause\""), "{text}");
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
