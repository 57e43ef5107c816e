//! Built-in rules the engine evaluates itself: they look at the whole repository at once
//! (a pattern across incidents), where a per-document Rhai `check` would compare every
//! incident with every other. Their id, severity, parameters and documentation are still
//! their `rules/*.rhai` file, which has no `check`.

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
}

impl Context<'_> {
    fn settings(&self, file: usize) -> &RuleSettings {
        &self.settings_of[file][self.position]
    }
}

/// Runs every native rule that is loaded.
pub fn evaluate(
    workspace: &Workspace,
    rules: &[Rule],
    settings_of: &[Arc<[RuleSettings]>],
    as_of: Moment,
    reported: &(dyn Fn(&std::path::Path) -> bool + Sync),
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
        let context = Context {
            workspace,
            rule,
            position,
            settings_of,
            as_of,
            reported,
        };
        match rule.id.as_str() {
            recurring_cause::ID => findings.extend(recurring_cause::evaluate(&context)),
            unknown_kind::ID => findings.extend(unknown_kind::evaluate(&context, &rule_kinds)),
            unknown_field::ID => findings.extend(unknown_field::evaluate(&context)),
            _ => {}
        }
    }
    findings
}
