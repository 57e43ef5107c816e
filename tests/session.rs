//! A session's findings are never stale: after every edit of a random sequence — a field
//! changed, an id renamed, a policy deleted, a roster record edited, a document of a new
//! kind added — they are what a fresh `check` of the repository as edited says, finding
//! for finding. And an edit re-runs only what it can change.

mod common;

use std::path::Path;

use lessons::check::session::{finding_lines, Session};
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

/// One edit, as a contributor makes it.
#[derive(Debug, Clone)]
enum Edit {
    /// `from` → `to` in the file (its first occurrence), when it is there.
    Replace(&'static str, &'static str, &'static str),
    Delete(&'static str),
    Add(&'static str, &'static str),
}

const INCIDENT: &str = "incidents/2026/INC-2026-003-invoice-phishing.yaml";
const INCIDENT_2: &str = "incidents/2026/INC-2026-007-vpn-credential-stuffing.yaml";
const POLICY: &str = "policies/access-control.yaml";
const RUNBOOK: &str = "runbooks/phishing.yaml";
const ROSTER: &str = "people/roster.yaml";

fn edits() -> Vec<Edit> {
    vec![
        // A field changed.
        Edit::Replace(INCIDENT, "status: closed", "status: open"),
        Edit::Replace(INCIDENT, "    owner: s.iyer", "    owner: x.nobody"),
        Edit::Replace(INCIDENT, "  facilitator: d.osei\n", ""),
        Edit::Replace(INCIDENT_2, "root_cause:", "root_cause_was:"),
        Edit::Replace(POLICY, "last_reviewed: 2026-07-14", "last_reviewed: 2024-01-02"),
        // An id renamed: what referenced it is unresolved, and back.
        Edit::Replace(POLICY, "id: POL-ACCESS", "id: POL-ACCESS-2"),
        Edit::Replace(POLICY, "id: POL-ACCESS-2", "id: POL-ACCESS"),
        Edit::Replace(RUNBOOK, "id: RB-PHISHING", "id: RB-PHISH"),
        Edit::Replace(INCIDENT, "id: INC-2026-003", "id: INC-2026-029"),
        // A policy or runbook deleted.
        Edit::Delete(POLICY),
        Edit::Delete(RUNBOOK),
        // A roster record edited: a person renamed, gone, untrained.
        Edit::Replace(ROSTER, "id: d.osei", "id: d.osei2"),
        Edit::Replace(ROSTER, "status: active", "status: departed"),
        Edit::Replace(ROSTER, "course: incident-handling", "course: first-aid"),
        Edit::Delete(ROSTER),
        Edit::Add(
            "people/contractors.yaml",
            "kind: roster\npeople:\n  - id: q.unknown\n    name: Quinn Unknown\n    status: active\n\
             \x20   training:\n      - course: incident-handling\n        completed_on: 2026-01-10\n\
             \x20       expires_on: 2027-01-10\n",
        ),
        Edit::Delete("access-reviews/erp.yaml"),
        // Documents added: of a new kind, and a new incident naming what exists and not.
        Edit::Add(
            "exercises/tabletop.yaml",
            "kind: exercise\nid: EX-1\ntitle: Ransomware tabletop\nheld_on: 2026-09-01\n",
        ),
        Edit::Add(
            "incidents/2026/INC-2026-040-new.yaml",
            "kind: incident\nid: INC-2026-040\ntitle: Phishing again\nseverity: high\n\
             status: closed\ncategory: phishing\ndetected: 2026-10-01\nclosed: 2026-10-09\n\
             responders: [d.osei, q.unknown]\nroot_cause: no number matching on MFA push\n\
             runbooks_used: [RB-PHISHING]\npolicies_affected: [POL-ACCESS, POL-NONE]\n\
             action_items:\n  - id: AI-1\n    title: Investigate\n    owner: d.osei\n",
        ),
        Edit::Add(
            "policies/vendor.yaml",
            "kind: policy\nid: POL-VENDOR\ntitle: Vendor policy\nowner: r.nakamura\n\
             last_reviewed: 2026-01-10\nreview_cadence: annual\n",
        ),
        // A file that is no document of any kind, and one that does not parse.
        Edit::Add("notes/todo.yaml", "- a list\n- of notes\n"),
        Edit::Add("incidents/2026/broken.yaml", "kind: incident\nid: [unclosed\n"),
    ]
}

/// Applies `edit` on disk and to the session; `false` when it changed nothing.
fn apply(root: &Path, session: &mut Session, edit: &Edit) -> bool {
    let (relative, text) = match edit {
        Edit::Replace(file, from, to) => {
            let Ok(text) = std::fs::read_to_string(root.join(file)) else {
                return false;
            };
            if !text.contains(from) {
                return false;
            }
            (*file, Some(text.replacen(from, to, 1)))
        }
        Edit::Delete(file) => {
            if !root.join(file).exists() {
                return false;
            }
            (*file, None)
        }
        Edit::Add(file, text) => (*file, Some((*text).to_owned())),
    };
    let path = root.join(relative);
    match &text {
        Some(text) => {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
            std::fs::write(&path, text).expect("write");
            session
                .update(Path::new(relative), text.clone())
                .expect("the update");
        }
        None => {
            std::fs::remove_file(&path).expect("delete");
            session.remove(Path::new(relative)).expect("the removal");
        }
    }
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
