//! The built-in rules, embedded at compile time: the tool works with no files beside it.

/// (file name under `rules/`, source).
pub const RULES: &[(&str, &str)] = &[
    (
        "LL000-invalid-document.rhai",
        include_str!("../../rules/LL000-invalid-document.rhai"),
    ),
    (
        "LL001-incident-root-cause.rhai",
        include_str!("../../rules/LL001-incident-root-cause.rhai"),
    ),
    (
        "LL002-action-item-owner.rhai",
        include_str!("../../rules/LL002-action-item-owner.rhai"),
    ),
    (
        "LL003-action-item-due.rhai",
        include_str!("../../rules/LL003-action-item-due.rhai"),
    ),
    (
        "LL004-action-item-overdue.rhai",
        include_str!("../../rules/LL004-action-item-overdue.rhai"),
    ),
    (
        "LL013-policy-review-stale.rhai",
        include_str!("../../rules/LL013-policy-review-stale.rhai"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_file_is_embedded() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .expect("rules/ exists")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".rhai"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = super::RULES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded);
    }
}
