//! `lessons report --format markdown`: the report as tables, readable in a pull request or a
//! wiki.

use std::fmt::Write as _;

use super::{Counts, Gap, Report, Spread};

fn counts_table(out: &mut String, title: &str, rows: &std::collections::BTreeMap<String, Counts>) {
    let _ = writeln!(
        out,
        "| {title} | opened | done | overdue |\n|---|---:|---:|---:|"
    );
    for (name, counts) in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(name),
            counts.opened,
            counts.done,
            counts.overdue
        );
    }
    out.push('\n');
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        escape(&ids.join(", "))
    }
}

/// Table cells: a `|` or a line break from a document would break the table, and markup
/// from a document must show as text wherever the Markdown is rendered with HTML allowed.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// `text` linked to `file` at `line`, as GitHub and GitLab anchor lines.
fn link(text: &str, file: &str, line: usize) -> String {
    format!("[{}]({file}#L{line})", escape(text))
}

/// `file:line`, linked.
fn place(file: &str, line: usize) -> String {
    link(&format!("{file}:{line}"), file, line)
}

fn or_dash(value: Option<&str>) -> String {
    escape(value.unwrap_or("–"))
}

/// The reason, approver, expiry and ticket cells of a waiver.
fn waiver_cells(
    reason: &Option<String>,
    approved_by: &Option<String>,
    expires: &Option<String>,
    ticket: &Option<String>,
) -> String {
    [reason, approved_by, expires, ticket]
        .map(|value| or_dash(value.as_deref()))
        .join(" | ")
}

/// `LL001 incidents/a.yaml:4`, joined with `<br>` (a line break inside a table cell).
fn gaps(items: &[&Gap]) -> String {
    if items.is_empty() {
        return "–".into();
    }
    items
        .iter()
        .map(|item| format!("{} {}", item.rule, place(&item.file, item.line)))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Lessons-learned report, as of {}\n", report.as_of);

    out.push_str("## Summary\n\n| kind | documents |\n|---|---:|\n");
    for (kind, count) in &report.summary.documents_by_kind {
        let _ = writeln!(out, "| {kind} | {count} |");
    }
    out.push_str("\n| owner | findings |\n|---|---:|\n");
    for (owner, count) in &report.summary.findings_by_owner {
        let _ = writeln!(out, "| {} | {count} |", escape(owner));
    }
    out.push_str("\n| severity | findings |\n|---|---:|\n");
    for (severity, count) in &report.summary.findings_by_severity {
        let _ = writeln!(out, "| {severity} | {count} |");
    }
    let _ = writeln!(
        out,
        "\nSuppressed: {} ({} waived, {} in the baseline)\n",
        report.summary.suppressed,
        report.summary.waived.len(),
        report.summary.baselined
    );
    if !report.summary.waived.is_empty() {
        out.push_str("| waived finding | where | reason | approved by | expires | ticket |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for waived in &report.summary.waived {
            let _ = writeln!(
                out,
                "| {} {}: {} | {} | {} |",
                waived.gap.rule,
                waived.gap.severity,
                escape(&waived.gap.message),
                place(&waived.gap.file, waived.gap.line),
                waiver_cells(
                    &waived.reason,
                    &waived.approved_by,
                    &waived.expires,
                    &waived.ticket
                )
            );
        }
        out.push('\n');
    }
    out.push_str("| rule | findings |\n|---|---:|\n");
    for (rule, count) in &report.summary.findings_by_rule {
        let _ = writeln!(out, "| {rule} | {count} |");
    }
    out.push_str("\n### The documents with the most serious gaps\n\n");
    out.push_str("| document | errors | warnings | infos |\n|---|---:|---:|---:|\n");
    for document in &report.summary.worst_documents {
        let name = document.doc_id.as_deref().unwrap_or(&document.file);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            link(name, &document.file, document.line),
            document.errors,
            document.warnings,
            document.infos
        );
    }

    out.push_str("\n## Incidents\n\n### Per quarter, by category\n\n| quarter | category | incidents |\n|---|---|---:|\n");
    for (quarter, categories) in &report.incidents.per_quarter {
        for (category, count) in categories {
            let _ = writeln!(out, "| {quarter} | {} | {count} |", escape(category));
        }
    }
    out.push_str("\n### Time to detect, contain and resolve (median / 90th percentile)\n\n");
    out.push_str("| quarter | detect | contain | resolve |\n|---|---|---|---|\n");
    for (quarter, durations) in &report.incidents.durations {
        let _ = writeln!(
            out,
            "| {quarter} | {} | {} | {} |",
            Spread::text(&durations.detect),
            Spread::text(&durations.contain),
            Spread::text(&durations.resolve)
        );
    }

    out.push_str("\n### Recurring causes\n\n");
    if report.incidents.recurring.is_empty() {
        out.push_str("No category recurred within its window.\n");
    }
    for (category, ids) in &report.incidents.recurring {
        let _ = writeln!(out, "- {}: {}", escape(category), escape(&ids.join(", ")));
    }

    out.push_str("\n### Closure readiness\n\n");
    if report.incidents.closure.is_empty() {
        out.push_str("Every incident is closed.\n");
    } else {
        out.push_str(
            "Every incident not yet closed, as `lessons gate close` would judge it today: \
             errors block the close, warnings and infos are to consider.\n\n",
        );
        out.push_str("| incident | title | status | ready | blocking | to consider |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for closure in &report.incidents.closure {
            let (blocking, rest): (Vec<&Gap>, Vec<&Gap>) = closure
                .missing
                .iter()
                .partition(|item| item.severity == "error");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                link(&closure.id, &closure.file, closure.line),
                or_dash(closure.title.as_deref()),
                escape(&closure.status),
                if closure.ready { "yes" } else { "no" },
                gaps(&blocking),
                gaps(&rest)
            );
        }
    }

    out.push_str("\n## Lessons applied: action items\n\n");
    let _ = writeln!(
        out,
        "Resolved or closed incidents whose lessons changed a policy, runbook or training: {}; \
         whose did not: {}.\n",
        list(&report.incidents.lessons_applied),
        list(&report.incidents.lessons_not_applied)
    );
    let total = report.action_items.total;
    let _ = writeln!(
        out,
        "{} opened, {} done, {} overdue.\n",
        total.opened, total.done, total.overdue
    );
    counts_table(&mut out, "type", &report.action_items.by_type);
    counts_table(&mut out, "owner", &report.action_items.by_owner);

    out.push_str("## Training\n\n| course | required of | current | share | not current |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    for (course, standing) in &report.training {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape(course),
            standing.required_of,
            standing.current,
            standing.share_text(),
            escape(&standing.not_current.join(", "))
        );
    }

    out.push_str("\n## Access reviews, runbooks and policies\n\n");
    out.push_str("| kind | id | last review | age | interval | overdue by |\n");
    out.push_str("|---|---|---|---:|---:|---:|\n");
    for age in &report.reviews {
        let _ = writeln!(
            out,
            "| {} | [{}]({}) | {} | {} | {} days | {} |",
            age.kind,
            escape(&age.id),
            age.file,
            age.last.as_deref().unwrap_or("–"),
            age.age_text(),
            age.interval_days,
            age.overdue_text()
        );
    }

    out.push_str("\n## Waivers\n\n");
    if report.waivers.is_empty() {
        out.push_str("No waivers.\n");
    } else {
        out.push_str("| state | rules | where | reason | approved by | expires | ticket |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for waiver in &report.waivers {
            let _ = writeln!(
                out,
                "| {} | {} | {}:{} | {} |",
                waiver.state,
                waiver.rules.join(", "),
                waiver.file,
                waiver.line,
                waiver_cells(
                    &waiver.reason,
                    &waiver.approved_by,
                    &waiver.expires,
                    &waiver.ticket
                )
            );
        }
    }
    out
}
