//! Built-in rules the engine evaluates itself: they look at the whole repository at once
//! (a pattern across incidents), where a per-document Rhai `check` would compare every
//! incident with every other. Their id, severity, parameters and documentation are still
//! their `rules/*.rhai` file, which has no `check`.

/// Declares the native rule `$name` with the id `$id`, evaluated by `$evaluate`.
macro_rules! native_rule {
    ($name:ident, $id:expr, $evaluate:expr) => {
        pub struct $name;

        impl super::NativeRule for $name {
            fn id(&self) -> &'static str {
                $id
            }

            fn evaluate(&self, context: &super::Context) -> Vec<crate::finding::Finding> {
                $evaluate(context)
            }
        }
    };
}

mod invalid_document;
mod recurring_cause;
mod unknown_field;
mod unknown_kind;

use std::sync::Arc;

use crate::document::date::Moment;
use crate::finding::Finding;
use crate::rules::evaluate::RuleSettings;
use crate::rules::Rule;
use crate::workspace::Workspace;

/// What a native rule needs: the repository, the rule, each file's settings, the day.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub rule: &'a Rule,
    /// Indexed like the rules; per file.
    pub position: usize,
    pub settings_of: &'a [Arc<[RuleSettings]>],
    pub as_of: Moment,
    /// Whether a file's findings are reported (named-file mode).
    pub reported: &'a (dyn Fn(&std::path::Path) -> bool + Sync),
    /// The kinds the loaded rules check: kinds too, for LL030.
    pub rule_kinds: &'a [String],
    /// The files to judge, by position (a session's edited files); `None`: all of them.
    /// A rule that judges a file alone looks at no other.
    pub files: Option<&'a [usize]>,
}

/// A built-in rule whose findings Rust produces; what it says of itself (id, severity,
/// parameters, documentation) is its `rules/*.rhai` file, which has no `check`.
pub trait NativeRule: Sync {
    /// The id in its `.rhai` file.
    fn id(&self) -> &'static str;
    fn evaluate(&self, context: &Context) -> Vec<Finding>;
}

/// Every native rule. LL025 and LL026 are the waivers' own findings (`policy/waiver.rs`):
/// they need every other finding first.
pub const RULES: &[&dyn NativeRule] = &[
    &invalid_document::InvalidDocument,
    &recurring_cause::RecurringCause,
    &unknown_kind::UnknownKind,
    &unknown_field::UnknownField,
];

/// The rules the waivers produce.
pub const WAIVER_RULES: &[&str] = &["LL025", "LL026"];

/// The native rules whose findings on a file depend on that file alone (its problems, its
/// documents' kinds and fields): after an edit only the edited file's are made again.
/// The others (LL024) compare documents across the repository.
pub const PER_FILE: &[&str] = &["LL000", "LL030", "LL031"];

/// What the other native rules read, by kind: the fields besides the id. A session runs
/// them again only when a document of the kind came, went or changed one of these.
pub const ACROSS_READS: &[(&str, &[&str])] = &[("incident", recurring_cause::READS)];

impl<'a> Context<'a> {
    fn settings(&self, file: usize) -> &RuleSettings {
        &self.settings_of[file][self.position]
    }

    /// The documents of the files to judge: after an edit, those of the edited files, not
    /// every document with each one's path looked up among the edited ones (three rules'
    /// worth of 10,000 look-ups on every keystroke).
    fn documents(&self) -> Vec<&'a crate::workspace::LoadedDocument> {
        let workspace = self.workspace;
        match self.files {
            Some(files) => files
                .iter()
                .flat_map(|&file| &workspace.documents[workspace.documents_of(file)])
                .collect(),
            None => workspace.documents.iter().collect(),
        }
    }
}

/// Which native rules run, and over which files.
pub struct Scope<'a> {
    /// The rules taken, by id.
    pub rules: &'a dyn Fn(&str) -> bool,
    /// The files the rules that judge a file alone judge, by position; `None`: all.
    pub files: Option<&'a [usize]>,
}

/// Runs every native rule that is loaded, or those of them `scope` takes.
pub fn evaluate(
    workspace: &Workspace,
    rules: &[Rule],
    settings_of: &[Arc<[RuleSettings]>],
    as_of: Moment,
    reported: &(dyn Fn(&std::path::Path) -> bool + Sync),
    scope: Scope,
    spent: &mut Vec<super::evaluate::Spent>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // The kinds custom rules check are kinds too.
    let rule_kinds: Vec<String> = rules
        .iter()
        .flat_map(|rule| rule.kinds.iter().cloned())
        .collect();
    for (position, rule) in rules.iter().enumerate() {
        if !rule.is_builtin() || rule.scripted {
            continue;
        }
        let Some(native) = RULES.iter().find(|native| native.id() == rule.id) else {
            continue;
        };
        if !(scope.rules)(&rule.id) {
            continue;
        }
        // Not selected, or turned off in every file: nothing to run.
        if !settings_of
            .iter()
            .any(|settings| settings[position].enabled)
        {
            continue;
        }
        let context = Context {
            workspace,
            rule,
            position,
            settings_of,
            as_of,
            reported,
            rule_kinds: &rule_kinds,
            files: scope.files,
        };
        let started = std::time::Instant::now();
        findings.extend(native.evaluate(&context));
        if spent.len() <= position {
            spent.resize(position + 1, super::evaluate::Spent::default());
        }
        spent[position].calls += 1;
        spent[position].time += started.elapsed();
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_rule_without_check_is_evaluated_natively() {
        let rules = crate::rules::RuleSet::load(&[], &crate::rules::engine::Limits::default());
        let mut without_check: Vec<&str> = rules
            .rules
            .iter()
            .filter(|rule| rule.is_builtin() && !rule.scripted)
            .map(|rule| rule.id.as_str())
            .collect();
        without_check.sort_unstable();
        let mut native: Vec<&str> = RULES
            .iter()
            .map(|rule| rule.id())
            .chain(WAIVER_RULES.iter().copied())
            .collect();
        native.sort_unstable();
        assert_eq!(without_check, native);
    }
}
