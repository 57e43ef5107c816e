//! What `lessons` writes, attacked as a pull request would: a committed symlink at the
//! report's path, or a folder on the way to it, must never make a run write outside the
//! checkout; a baseline read and written in one run keeps its debt.

mod common;

use std::path::Path;

use common::hostile::{lessons, repository, says};

/// A file outside the repository standing for `~/.ssh/authorized_keys`, and its text.
fn outside_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let keys = elsewhere.path().join("authorized_keys");
    std::fs::write(&keys, "ssh-ed25519 AAAA the-runner\n").expect("keys");
    (elsewhere, keys)
}

fn unchanged(keys: &Path) {
    assert_eq!(
        std::fs::read_to_string(keys).expect("still there"),
        "ssh-ed25519 AAAA the-runner\n"
    );
}

#[test]
fn a_committed_symlink_at_the_report_path_is_refused_not_followed() {
    let folder = repository(1, None);
    let root = folder.path();
    let (_elsewhere, keys) = outside_file();
    std::os::unix::fs::symlink(&keys, root.join("lessons.sarif")).expect("link");
    for args in [
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--output",
            "lessons.sarif",
        ][..],
        &["check", ".", "--write-baseline", "lessons.sarif"],
        &[
            "report",
            ".",
            "--format",
            "html",
            "--output",
            "lessons.sarif",
        ],
    ] {
        let run = lessons(root, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        says(&run, "lessons.sarif is a symbolic link (to ");
        says(&run, "lessons never writes through one");
        unchanged(&keys);
        assert!(std::fs::symlink_metadata(root.join("lessons.sarif"))
            .expect("the link")
            .file_type()
            .is_symlink());
    }
}

#[test]
fn a_committed_baseline_linked_outside_is_not_read() {
    let folder = repository(1, None);
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let secret = elsewhere.path().join("config.json");
    std::fs::write(&secret, "{\"auths\": {\"registry\": \"c2VjcmV0\"}}").expect("secret");
    std::os::unix::fs::symlink(&secret, folder.path().join("baseline.json")).expect("link");
    let run = lessons(
        folder.path(),
        &["check", ".", "--baseline", "baseline.json"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    says(
        &run,
        "the baseline baseline.json is not read: it resolves to",
    );
    assert!(!run.all().contains("auths"), "{}", run.all());
}

#[test]
fn a_committed_symlinked_folder_on_the_way_is_refused() {
    let folder = repository(1, None);
    let root = folder.path();
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    std::os::unix::fs::symlink(elsewhere.path(), root.join("out")).expect("link");
    let run = lessons(
        root,
        &[
            "check",
            ".",
            "--format",
            "json",
            "--output",
            "out/lessons.json",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "out is a symbolic link (to ");
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).expect("listed").count(),
        0,
        "nothing created outside the repository"
    );
}

#[test]
fn a_path_the_user_names_outside_the_repository_is_written() {
    let folder = repository(1, None);
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let report = elsewhere.path().join("lessons.json");
    let run = lessons(
        folder.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--output",
            &report.to_string_lossy(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(std::fs::read_to_string(&report)
        .expect("written")
        .contains("\"LL001\""));
    // `/dev/stdout` is a link to the run's standard output: outside the repository, the
    // user's own choice, written as named.
    let run = lessons(
        folder.path(),
        &["check", ".", "--format", "json", "--output", "/dev/stdout"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("\"LL001\""), "{}", run.all());
}

#[test]
fn a_baseline_read_and_written_in_one_run_keeps_every_entry() {
    let folder = repository(3, None);
    let root = folder.path();
    let run = lessons(root, &["check", ".", "--write-baseline", "b.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let wrote = |run: &common::hostile::Run| {
        run.all()
            .lines()
            .find(|line| line.starts_with("wrote "))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let first = wrote(&run);
    assert!(
        first.ends_with(" baseline entries to b.json"),
        "{}",
        run.all()
    );
    assert_ne!(first, "wrote 0 baseline entries to b.json");
    let recorded = std::fs::read_to_string(root.join("b.json")).expect("baseline");
    let run = lessons(
        root,
        &[
            "check",
            ".",
            "--baseline",
            "b.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(wrote(&run), first);
    assert_eq!(
        std::fs::read_to_string(root.join("b.json")).expect("baseline"),
        recorded
    );
    let run = lessons(root, &["check", ".", "--baseline", "b.json"]);
    assert_eq!(run.code, 0, "the debt is still recorded: {}", run.all());
}

#[test]
fn init_refuses_a_symlinked_folder_and_writes_nothing() {
    let folder = tempfile::tempdir().expect("folder");
    let target = folder.path().join("policy-repo");
    std::fs::create_dir(&target).expect("target");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    std::os::unix::fs::symlink(elsewhere.path(), target.join("rules")).expect("link");
    let run = lessons(folder.path(), &["init", "policy-repo"]);
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "policy-repo/rules is a symbolic link (to ");
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).expect("listed").count(),
        0,
        "no rule written outside the folder"
    );
    assert_eq!(
        std::fs::read_dir(&target).expect("listed").count(),
        1,
        "nothing written: only the link is there"
    );
    // A link at a file init would write, even one naming nothing, is refused too.
    let other = folder.path().join("other");
    std::fs::create_dir(&other).expect("other");
    std::os::unix::fs::symlink(
        elsewhere.path().join("new.yaml"),
        other.join(".lessons.yaml"),
    )
    .expect("link");
    let run = lessons(folder.path(), &["init", "other"]);
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "other/.lessons.yaml is a symbolic link");
    assert!(!elsewhere.path().join("new.yaml").exists());
}
