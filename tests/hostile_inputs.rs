//! What `lessons` reads, attacked through the repository: `lessons test` holds its fixtures
//! as `check` holds documents (never through a link, only regular files, bounded), a
//! configuration that is no regular file is an error, and a named symlink is said skipped.

mod common;

use common::hostile::{lessons, mkfifo, repository, says};

/// A repository with a custom rule X001 (reporting each incident's id) and its fixtures.
fn with_fixtures() -> tempfile::TempDir {
    let folder = repository(0, Some("report(\"id\", `id ${doc.id}`);"));
    common::write_files(
        folder.path(),
        &[(
            "rules/tests/X001/fires.yaml",
            "kind: incident\nid: INC-1 # expect: X001\n",
        )],
    );
    folder
}

#[test]
fn a_fixture_linked_outside_the_repository_is_not_read() {
    let folder = with_fixtures();
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let secret = elsewhere.path().join("secret.yaml");
    std::fs::write(&secret, "kind: incident\nid: AKIA-SECRET-KEY\n").expect("secret");
    std::os::unix::fs::symlink(&secret, folder.path().join("rules/tests/X001/leak.yaml"))
        .expect("link");
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(!run.all().contains("AKIA-SECRET-KEY"), "{}", run.all());
    says(&run, "FAIL  rules/tests/X001/leak.yaml [X001]");
    says(&run, "not read: a symbolic link (to ");
    says(&run, "ok    rules/tests/X001/fires.yaml [X001]");
}

#[test]
fn a_tests_folder_linked_outside_the_repository_is_not_read() {
    let folder = repository(0, Some("report(\"id\", `id ${doc.id}`);"));
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    common::write_files(
        elsewhere.path(),
        &[("X001/secret.yaml", "kind: incident\nid: AKIA-SECRET-KEY\n")],
    );
    std::os::unix::fs::symlink(elsewhere.path(), folder.path().join("rules/tests")).expect("link");
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!run.all().contains("AKIA-SECRET-KEY"), "{}", run.all());
    says(
        &run,
        "rules/tests: the fixtures are not read: it resolves to",
    );
    // A folder of fixtures linked inside it is not walked into either.
    let folder = with_fixtures();
    std::os::unix::fs::symlink(elsewhere.path(), folder.path().join("rules/tests/more"))
        .expect("link");
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("AKIA-SECRET-KEY"), "{}", run.all());
}

#[test]
fn a_fifo_fixture_fails_instead_of_hanging() {
    let folder = with_fixtures();
    mkfifo(&folder.path().join("rules/tests/X001/pipe.yaml"));
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 1, "{}", run.all());
    says(&run, "FAIL  rules/tests/X001/pipe.yaml [X001]");
    says(&run, "not read: not a regular file (a FIFO)");
}

#[test]
fn control_characters_of_a_fixture_are_shown_not_sent() {
    let folder = repository(0, Some("report(\"id\", doc.id);"));
    common::write_files(
        folder.path(),
        &[(
            "rules/tests/X001/escape.yaml",
            "kind: incident\nid: \"INC-1\\e]52;c;aGk=\\a\"\n",
        )],
    );
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(!run.all().contains('\u{1b}'), "{:?}", run.all());
    says(
        &run,
        "+ line 2: found X001, not expected: INC-1\\x1b]52;c;aGk=\\x07",
    );
}

#[test]
fn a_configuration_that_is_a_fifo_is_an_error_not_the_defaults() {
    let folder = repository(1, None);
    std::fs::remove_file(folder.path().join(".lessons.yaml")).expect("remove");
    mkfifo(&folder.path().join(".lessons.yaml"));
    for args in [&["check", "."][..], &["test"], &["rules"]] {
        let run = lessons(folder.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        says(&run, "not a regular file (a FIFO)");
    }
    let run = lessons(folder.path(), &["check", ".", "--config", ".lessons.yaml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "the configuration is not a regular file");
}

#[test]
fn a_symlinked_document_named_on_the_command_line_is_said_skipped() {
    let folder = repository(1, None);
    std::os::unix::fs::symlink("inc-0001.yaml", folder.path().join("incidents/linked.yaml"))
        .expect("link");
    let run = lessons(folder.path(), &["check", "incidents/linked.yaml"]);
    assert_eq!(run.code, 0, "{}", run.all());
    says(
        &run,
        "note: incidents/linked.yaml: not checked: a symbolic link (to inc-0001.yaml)",
    );
}
