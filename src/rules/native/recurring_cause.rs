//! LL024 recurring-cause (documented in `rules/LL024-recurring-cause.rhai`): incidents of
//! one category that come back `recurring_threshold` times within `window_days`. Sorted by
//! category and day, one pass with a sliding window: n log n over the whole repository.

use std::collections::HashMap;
use std::sync::Arc;

use rhai::Dynamic;

use super::Context;
use crate::document::date::Moment;
use crate::document::Node;
use crate::finding::Finding;

pub const ID: &str = "LL024";

/// What it reads of an incident besides its id: a session runs it again only when one of
/// these changed (or an incident came or went).
pub const READS: &[&str] = &["category", "detected", "contained", "resolved", "closed"];

struct Occurrence {
    position: usize,
    day: Moment,
    id: String,
}

fn int_param(context: &Context, file: usize, name: &str, default: i64) -> i64 {
    context
        .settings(file)
        .params
        .get(name)
        .and_then(|value: &Dynamic| value.as_int().ok())
        .unwrap_or(default)
}

native_rule!(RecurringCause, ID, evaluate);

fn evaluate(context: &Context) -> Vec<Finding> {
    let workspace = context.workspace;
    let mut by_category: HashMap<&str, Vec<Occurrence>> = HashMap::new();
    for &position in workspace.index.of_kind("incident") {
        let loaded = &workspace.documents[position];
        let root = &loaded.document.root;
        let Some(category) = root.get("category").and_then(Node::as_str) else {
            continue;
        };
        // When it happened: detected, else the first date the record has.
        let day = READS[1..].iter().find_map(|field| {
            root.get(field)?
                .scalar_text()
                .and_then(|t| Moment::parse(&t))
        });
        let Some(day) = day else {
            continue;
        };
        by_category.entry(category).or_default().push(Occurrence {
            position,
            day,
            id: loaded.document.id.as_deref().unwrap_or("?").to_owned(),
        });
    }
    let mut findings = Vec::new();
    // One help for all its findings: a recurring cause is found in most incidents.
    let help: Arc<str> = "find what these incidents share and fix it once: add an action item \
                          of type `control` or `policy` whose `ref` names the change"
        .into();
    for (category, mut occurrences) in by_category {
        occurrences.sort_by(|a, b| a.day.date.cmp(&b.day.date).then_with(|| a.id.cmp(&b.id)));
        let mut first = 0;
        for (last, occurrence) in occurrences.iter().enumerate() {
            let loaded = &workspace.documents[occurrence.position];
            let settings = context.settings(loaded.file);
            let window = int_param(context, loaded.file, "window_days", 365);
            let threshold = int_param(context, loaded.file, "recurring_threshold", 3).max(2);
            while occurrences[first].day.days_until(&occurrence.day) > window {
                first += 1;
            }
            let count = last - first + 1;
            let source = &workspace.files[loaded.file];
            if !settings.enabled || (count as i64) < threshold || !(context.reported)(&source.path)
            {
                continue;
            }
            // The latest few earlier ones by name; a long run is summed up.
            let window_ids = &occurrences[first..last];
            let shown: Vec<&str> = window_ids
                .iter()
                .rev()
                .take(3)
                .map(|o| o.id.as_str())
                .collect();
            let more = window_ids.len() - shown.len();
            let earlier = if more > 0 {
                format!("{} and {more} earlier", shown.join(", "))
            } else {
                shown.join(", ")
            };
            let span = loaded.document.locate("category");
            let message = format!(
                "{} is the {} {category} incident within {window} days (after {}): a recurring cause",
                occurrence.id,
                ordinal(count),
                earlier
            );
            findings.push(
                Finding::new(
                    context.rule.key(),
                    settings.severity,
                    source,
                    &span,
                    message,
                )
                .help(Some(Arc::clone(&help)))
                .path("category")
                .document(loaded.document.id.clone(), loaded.kind.clone()),
            );
        }
    }
    findings
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
