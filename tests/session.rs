//! A session's findings are never stale: after every edit of a random sequence — a field
//! changed, an id renamed, a policy deleted, a roster record edited, a document of a new
//! kind added — they are what a fresh `check` of the repository as edited says, finding
//! for finding. And an edit re-runs only what it can change.

mod common;

use std::path::Path;

use common::edits::{edits, Edit, INCIDENT};
use common::{finding_line, finding_lines};
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
    let outcome = lessons::check(&options(root)).expect("a fresh run");
    let fresh = finding_lines(&outcome);
    // Each file's findings alone, as an editor asks for the file being written.
    let mut files: Vec<_> = outcome.findings.iter().map(|f| f.file.clone()).collect();
    files.dedup();
    // Not the configuration's: whether its waivers were used depends on every file.
    for file in files
        .into_iter()
        .filter(|file| !file.ends_with(".lessons.yaml"))
    {
        let alone: Vec<String> = session
            .findings_of(&file)
            .iter()
            .map(finding_line)
            .collect();
        let of_file: Vec<String> = outcome
            .findings
            .iter()
            .filter(|finding| finding.file == file)
            .map(finding_line)
            .collect();
        assert_eq!(
            alone,
            of_file,
            "the findings of {} alone, after {after:?}",
            file.display()
        );
    }
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

#[test]
fn a_count_of_a_kind_is_asked_again_when_a_document_of_it_comes_or_goes_not_when_one_changes() {
    let folder = tempfile::tempdir().expect("a folder");
    let root = folder.path();
    common::write_files(
        root,
        &[
            (".lessons.yaml", "policy: default\nrules: [rules/]\n"),
            (
                "rules/count.rhai",
                "const RULE = #{ id: \"ACME100\", name: \"policies\", severity: \"info\", kinds: [\"incident\"], summary: \"s\" };\n\
                 fn check(doc) { report(\"\", `${count(\"policy\")} policies`); }\n",
            ),
            ("incidents/a.yaml", "kind: incident\nid: INC-1\nstatus: open\n"),
            ("policies/a.yaml", "kind: policy\nid: POL-A\ntitle: A\n"),
        ],
    );
    let only_it = Options {
        select: vec!["ACME".into()],
        ..options(root)
    };
    let mut session = Session::open(&only_it).expect("a session");
    let said = |session: &Session| finding_lines(&session.outcome());
    assert!(
        said(&session)[0].contains("1 policies"),
        "{:?}",
        said(&session)
    );
    // A policy edited: the count is the same, and the incident's call is not made again.
    let edited = session
        .update(
            Path::new("policies/a.yaml"),
            "kind: policy\nid: POL-A\ntitle: Access\n".into(),
        )
        .expect("the update");
    assert!(
        !edited.remade.contains(Path::new("incidents/a.yaml")),
        "{edited:?}"
    );
    // A policy added, then a policy that becomes a runbook: asked again each time.
    // (A file the session has not held is taken when the walk takes it: on disk.)
    common::write_files(root, &[("policies/b.yaml", "kind: policy\nid: POL-B\n")]);
    session
        .update(
            Path::new("policies/b.yaml"),
            "kind: policy\nid: POL-B\n".into(),
        )
        .expect("the update");
    assert!(
        said(&session)[0].contains("2 policies"),
        "{:?}",
        said(&session)
    );
    session
        .update(
            Path::new("policies/a.yaml"),
            "kind: runbook\nid: RB-A\n".into(),
        )
        .expect("the update");
    assert!(
        said(&session)[0].contains("1 policies"),
        "{:?}",
        said(&session)
    );
}

#[test]
fn a_call_that_looked_a_document_up_runs_again_only_when_a_field_it_read_changed() {
    let folder = tempfile::tempdir().expect("a folder");
    let root = folder.path();
    let incident = "kind: incident\nid: INC-1\ntitle: Phishing\nstatus: closed\nclosed: 2026-03-01\nroot_cause: x\nrunbooks_used: [RB-1]\n";
    common::write_files(
        root,
        &[
            (".lessons.yaml", "policy: default\n"),
            (
                "runbooks/rb-1.yaml",
                "kind: runbook\nid: RB-1\ntitle: Phishing\nlast_reviewed: 2025-01-01\n",
            ),
            ("incidents/inc-1.yaml", incident),
        ],
    );
    let mut session = Session::open(&options(root)).expect("a session");
    let ll012 = |session: &Session| {
        finding_lines(&session.outcome())
            .into_iter()
            .filter(|line| line.contains("LL012"))
            .count()
    };
    assert_eq!(ll012(&session), 1);
    // The title: LL012 reads no title of the incidents naming the runbook.
    let retitled = incident.replace("title: Phishing", "title: Phishing of finance");
    std::fs::write(root.join("incidents/inc-1.yaml"), &retitled).expect("write");
    let edited = session
        .update(Path::new("incidents/inc-1.yaml"), retitled.clone())
        .expect("the update");
    assert!(
        !edited.remade.contains(Path::new("runbooks/rb-1.yaml")),
        "{edited:?}"
    );
    assert_same(root, &session, &[]);
    // The status: LL012 reads it, and an open incident does not count.
    let reopened = retitled.replace("status: closed", "status: open");
    std::fs::write(root.join("incidents/inc-1.yaml"), &reopened).expect("write");
    let edited = session
        .update(Path::new("incidents/inc-1.yaml"), reopened)
        .expect("the update");
    assert!(
        edited.remade.contains(Path::new("runbooks/rb-1.yaml")),
        "{edited:?}"
    );
    assert_eq!(ll012(&session), 0);
    assert_same(root, &session, &[]);
}
