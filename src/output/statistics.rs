//! `--statistics`: after the findings, how many each rule produced, most frequent first
//! (ruff's `--statistics`): where a team's debt is, at a glance.

use std::collections::BTreeMap;

use super::Results;
use crate::finding::Severity;

pub fn render(results: &Results<'_>) -> String {
    // rule → (count, name, highest severity)
    let mut counts: BTreeMap<&str, (usize, &str, Severity)> = BTreeMap::new();
    for finding in results.findings.iter().filter(|f| !f.is_suppressed()) {
        let entry = counts
            .entry(&finding.rule)
            .or_insert((0, &finding.name, finding.severity));
        entry.0 += 1;
        entry.2 = entry.2.max(finding.severity);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    let width = rows
        .first()
        .map_or(1, |(_, (count, _, _))| count.to_string().len());
    let mut out = String::new();
    for (rule, (count, name, severity)) in rows {
        out.push_str(&format!(
            "{count:>width$}  {}  {:<7}  {}\n",
            super::terminal::escape_line(rule),
            severity.as_str(),
            super::terminal::escape_line(name)
        ));
    }
    out
}
