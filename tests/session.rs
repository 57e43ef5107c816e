//! A session's findings are never stale: after every edit of a random sequence — a field
//! changed, an id renamed, a policy deleted, a roster record edited, a document of a new
//! kind added — they are what a fresh `check` of the repository as edited says, finding
//! for finding. And an edit re-runs only what it can change.

mod common;

use std::path::Path;

use common::edits::{edits, Edit, INCIDENT};
use common::finding_lines;
use lessons::check::session::Session;
use lessons::document::date::Moment;
use lessons::Options;
use proptest::prelude::*;

/// The shipped example, copied: eleven incidents, policies, runbooks, a roster, access
/// reviews, a VERIS record, cross-referenced.
fn repository() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    common::copy_tree(&common::example(), folder.path());
    folder
}

fn options(root: &Path) -> Options {
    Options {
        paths: vec![root.to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        jobs: Some(2),
        ..Options::default()
    }
}

/// Applies `edit` on disk and to the session; `false` when it changed nothing.
fn apply(root: &Path, session: &mut Session, edit: &Edit) -> bool {
    let Some((relative, text)) = edit.on_disk(root) else {
        return false;
    };
    match text {
        Some(text) => session
            .update(Path::new(relative), text)
            .expect("the update"),
        None => session.remove(Path::new(relative)).expect("the removal"),
    };
    true
}

fn fresh(root: &Path) -> Vec<String> {
    finding_lines(&lessons::check(&options(root)).expect("a fresh run"))
}

fn assert_same(root: &Path, session: &Session, after: &[Edit]) {
    let fresh = fresh(root);
    let kept = finding_lines(&session.outcome());
    if fresh != kept {
        let only_fresh: Vec<&String> = fresh.iter().filter(|line| !kept.contains(line)).collect();
        let only_kept: Vec<&String> = kept.iter().filter(|line| !fresh.contains(line)).collect();
        panic!(
            "after {after:?}\nonly in a fresh run:\n{only_fresh:#?}\nonly in the session:\n{only_kept:#?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(12),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn after_every_edit_the_session_says_what_a_fresh_run_says(
        sequence in prop::collection::vec(0..edits().len(), 1..7)
    ) {
        let folder = repository();
        let root = folder.path();
        let mut session = Session::open(&options(root)).expect("a session");
        let edits = edits();
        let mut done = Vec::new();
        for at in sequence {
            let edit = &edits[at];
            if apply(root, &mut session, edit) {
                done.push(edit.clone());
                assert_same(root, &session, &done);
            }
        }
    }
}

#[test]
fn an_open_session_says_what_a_fresh_run_says() {
    let folder = repository();
    let session = Session::open(&options(folder.path())).expect("a session");
    let kept = finding_lines(&session.outcome());
    assert!(!kept.is_empty());
    assert_eq!(kept, fresh(folder.path()));
}

#[test]
fn an_edit_re_runs_its_documents_calls_and_those_that_looked_at_it() {
    let folder = repository();
    let root = folder.path();
    let mut session = Session::open(&options(root)).expect("a session");
    let rules = lessons::rules::RuleSet::load(&[], &lessons::rules::engine::Limits::default())
        .rules
        .len();
    // An incident's status: its own calls, and those that listed incidents (the runbooks'
    // and policies' `referencing` of incidents), not the other incidents'.
    let edit = Edit::Replace(INCIDENT, "status: closed", "status: open");
    let text = std::fs::read_to_string(root.join(INCIDENT))
        .expect("incident")
        .replacen("status: closed", "status: open", 1);
    std::fs::write(root.join(INCIDENT), &text).expect("write");
    let edited = session
        .update(Path::new(INCIDENT), text)
        .expect("the update");
    assert!(!edited.everything);
    assert!(edited.calls >= 1, "{edited:?}");
    let policies_and_runbooks = session
        .workspace()
        .documents
        .iter()
        .filter(|loaded| matches!(loaded.kind.as_deref(), Some("policy" | "runbook")))
        .count();
    assert!(
        edited.calls <= rules + policies_and_runbooks * 2,
        "{edited:?}: more than the incident's calls and the listings of incidents"
    );
    assert_same(root, &session, &[edit]);
    // The same text again changes nothing that others looked at.
    let again = session
        .update(
            Path::new(INCIDENT),
            std::fs::read_to_string(root.join(INCIDENT)).expect("incident"),
        )
        .expect("the update");
    assert!(again.calls <= rules, "{again:?}");
    // A file the walk does not take is not read.
    let ignored = session
        .update(Path::new("README.md"), "# notes\n".to_owned())
        .expect("the update");
    assert!(!ignored.taken);
}
