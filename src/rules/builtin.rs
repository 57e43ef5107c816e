//! The built-in rules, embedded at compile time: the tool works with no files beside it.

/// (file name under `rules/`, source), in id order.
pub const RULES: &[(&str, &str)] = crate::util::embedded::embed!(
    "rules",
    "",
    [
        "LL000-invalid-document.rhai",
        "LL001-incident-root-cause.rhai",
        "LL002-action-item-owner.rhai",
        "LL003-action-item-due.rhai",
        "LL004-action-item-overdue.rhai",
        "LL005-incident-review-missing.rhai",
        "LL006-review-outcomes.rhai",
        "LL007-incident-timeline.rhai",
        "LL008-lessons-not-applied.rhai",
        "LL009-responder-untrained.rhai",
        "LL010-training-expired.rhai",
        "LL011-runbook-review-stale.rhai",
        "LL012-runbook-not-updated.rhai",
        "LL013-policy-review-stale.rhai",
        "LL014-policy-not-updated.rhai",
        "LL015-access-review-stale.rhai",
        "LL016-access-departed.rhai",
        "LL017-access-self-review.rhai",
        "LL018-phishing-training.rhai",
        "LL019-credential-controls.rhai",
        "LL020-third-party-review.rhai",
        "LL021-early-warning-detection.rhai",
        "LL022-review-cross-functional.rhai",
        "LL023-attack-technique-id.rhai",
        "LL024-recurring-cause.rhai",
        "LL025-waiver-invalid.rhai",
        "LL026-waiver-unused.rhai",
        "LL027-blameless-root-cause.rhai",
        "LL028-action-item-vague.rhai",
        "LL029-runbook-not-exercised.rhai",
        "LL030-unknown-kind.rhai",
        "LL031-unknown-field.rhai",
        "LL032-reference-unresolved.rhai",
        "LL033-incident-stale-open.rhai",
        "LL034-incident-impact.rhai",
        "LL035-review-questions.rhai",
        "LL036-ir-plan-feedback.rhai",
        "LL100-veris-discovery-method.rhai",
        "LL101-veris-corrective-action.rhai",
        "LL102-veris-timeline-discovery.rhai",
        "LL103-veris-control-failure.rhai",
        "LL104-veris-impact-unknown.rhai",
        "LL105-veris-action-vector.rhai",
    ]
);

#[cfg(test)]
mod tests {
    use crate::util::embedded::{listed, names_in};

    #[test]
    fn every_rule_file_is_embedded() {
        assert_eq!(names_in("rules", ".rhai"), listed(super::RULES, ".rhai"));
    }
}
