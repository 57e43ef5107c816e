//! Edits a contributor makes to a copy of `examples/acme`: what the session and cache
//! tests apply in random sequences.

use std::path::Path;

/// One edit, as a contributor makes it.
#[derive(Debug, Clone)]
pub enum Edit {
    /// `from` → `to` in the file (its first occurrence), when it is there.
    Replace(&'static str, &'static str, &'static str),
    Delete(&'static str),
    Add(&'static str, &'static str),
}

pub const INCIDENT: &str = "incidents/2026/INC-2026-003-invoice-phishing.yaml";
pub const INCIDENT_2: &str = "incidents/2026/INC-2026-007-vpn-credential-stuffing.yaml";
pub const POLICY: &str = "policies/access-control.yaml";
pub const RUNBOOK: &str = "runbooks/phishing.yaml";
pub const ROSTER: &str = "people/roster.yaml";
pub const TRAINING: &str = "policies/security-awareness-training.md";

pub fn edits() -> Vec<Edit> {
    vec![
        // A field changed.
        Edit::Replace(INCIDENT, "status: closed", "status: open"),
        Edit::Replace(INCIDENT, "    owner: s.iyer", "    owner: x.nobody"),
        Edit::Replace(INCIDENT, "  facilitator: d.osei\n", ""),
        Edit::Replace(INCIDENT_2, "root_cause:", "root_cause_was:"),
        Edit::Replace(POLICY, "last_reviewed: 2026-07-14", "last_reviewed: 2024-01-02"),
        // Findings that carry a fix: a value in the wrong case, a misspelt field.
        Edit::Replace(INCIDENT_2, "severity: high", "severity: High"),
        Edit::Replace(RUNBOOK, "last_reviewed:", "last_reviewd:"),
        // An id renamed: what referenced it is unresolved, and back.
        Edit::Replace(POLICY, "id: POL-ACCESS", "id: POL-ACCESS-2"),
        Edit::Replace(POLICY, "id: POL-ACCESS-2", "id: POL-ACCESS"),
        Edit::Replace(RUNBOOK, "id: RB-PHISHING", "id: RB-PHISH"),
        Edit::Replace(INCIDENT, "id: INC-2026-003", "id: INC-2026-029"),
        // A reference moved from one document to another: who names the old one and the
        // new one both changed.
        Edit::Replace(INCIDENT_2, "runbooks_used: [RB-PHISHING]", "runbooks_used: [RB-DDOS]"),
        Edit::Replace(INCIDENT_2, "runbooks_used: [RB-DDOS]", "runbooks_used: [RB-PHISHING]"),
        Edit::Replace(INCIDENT, "policies_affected: [POL-ACCESS]", "policies_affected: [POL-TRAINING]"),
        Edit::Replace(INCIDENT, "closed: 2026-03-06", "closed: 2026-10-30"),
        // The training a policy requires: changed, required of another role, and a policy
        // that required none starts to.
        Edit::Replace(TRAINING, "valid_days: 365\n  - course: incident-handling", "valid_days: 30\n  - course: incident-handling"),
        Edit::Replace(TRAINING, "roles: [ciso, incident-commander, responder]", "roles: [ciso]"),
        Edit::Replace(
            POLICY,
            "review_cadence: annual",
            "review_cadence: annual\nrequired_training:\n  - course: first-aid\n    valid_days: 10",
        ),
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

impl Edit {
    /// Makes the edit on disk under `root`: the file and its new text (`None`: deleted);
    /// `None` when the edit changes nothing there.
    pub fn on_disk(&self, root: &Path) -> Option<(&'static str, Option<String>)> {
        let (relative, text) = match self {
            Edit::Replace(file, from, to) => {
                let text = std::fs::read_to_string(root.join(file)).ok()?;
                if !text.contains(from) {
                    return None;
                }
                (*file, Some(text.replacen(from, to, 1)))
            }
            Edit::Delete(file) => {
                if !root.join(file).exists() {
                    return None;
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
            }
            None => std::fs::remove_file(&path).expect("delete"),
        }
        Some((relative, text))
    }
}
