//! `lessons report --format markdown`: the report as tables, readable in a pull request or a
//! wiki.

use std::fmt::Write as _;

use super::{Counts, Gap, Report, Spread};

fn counts_table(out: &mut String, title: &str, rows: &std::collections::BTreeMap<String, Counts>) {
    table(
        out,
        &format!("| {title} | opened | done | overdue |\n|---|---:|---:|---:|"),
        rows.iter()
            .map(|(name, counts)| {
                format!(
                    "| {} | {} | {} | {} |",
                    escape(name),
                    counts.opened,
                    counts.done,
                    counts.overdue
                )
            })
            .collect(),
    );
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        escape(&ids.join(", "))
    }
}

/// Table cells: a `|` or a line break from a document would break the table, markup from a
/// document must show as text wherever the Markdown is rendered with HTML allowed, and
/// control characters and bidirectional overrides are shown as escapes (the report goes to
/// a terminal as often as to a wiki).
fn escape(text: &str) -> String {
    crate::output::terminal::flat_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

/// A file as a link's target: spaces, brackets and a `|` would end it or the table.
fn target(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for c in crate::output::terminal::escape_line(file).chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '|' => out.push_str("%7C"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            c => out.push(c),
        }
    }
    out
}

/// `text` linked to `file` at `line`, as GitHub and GitLab anchor lines.
fn link(text: &str, file: &str, line: usize) -> String {
    format!("[{}]({}#L{line})", escape(text), target(file))
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
        .map(|item| format!("{} {}", escape(&item.rule), place(&item.file, item.line)))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A table with `header` (`| a | b |` and its `|---|` line) and `rows`, or "None." when
/// there are no rows: an empty table reads as broken.
fn table(out: &mut String, header: &str, rows: Vec<String>) {
    if rows.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    out.push_str(header);
    out.push('\n');
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out.push('\n');
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Lessons-learned report, as of {}\n", report.as_of);
    let _ = writeln!(
        out,
        "Policy pack `{}`{}; written by lessons {}.\n",
        report.pack,
        report
            .commit
            .as_ref()
            .map(|commit| format!(", commit `{commit}`"))
            .unwrap_or_default(),
        env!("CARGO_PKG_VERSION")
    );

    out.push_str("## Summary\n\n");
    table(
        &mut out,
        "| kind | documents |\n|---|---:|",
        report
            .summary
            .documents_by_kind
            .iter()
            .map(|(kind, count)| format!("| {} | {count} |", escape(kind)))
            .collect(),
    );
    let mut owners: Vec<(&String, &usize)> = report.summary.findings_by_owner.iter().collect();
    owners.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    table(
        &mut out,
        "| owner | findings |\n|---|---:|",
        owners
            .into_iter()
            .map(|(owner, count)| format!("| {} | {count} |", escape(owner)))
            .collect(),
    );
    table(
        &mut out,
        "| severity | findings |\n|---|---:|",
        report
            .summary
            .by_severity()
            .into_iter()
            .map(|(severity, count)| format!("| {severity} | {count} |"))
            .collect(),
    );
    let _ = writeln!(
        out,
        "Suppressed: {} ({} waived, {} in the baseline)\n",
        report.summary.suppressed,
        report.summary.waived.len(),
        report.summary.baselined
    );
    if !report.summary.waived.is_empty() {
        table(
            &mut out,
            "| waived finding | where | reason | approved by | expires | ticket |\n|---|---|---|---|---|---|",
            report
                .summary
                .waived
                .iter()
                .map(|waived| {
                    format!(
                        "| {} {}: {} | {} | {} |",
                        escape(&waived.gap.rule),
                        waived.gap.severity,
                        escape(&waived.gap.message),
                        place(&waived.gap.file, waived.gap.line),
                        waiver_cells(
                            &waived.reason,
                            &waived.approved_by,
                            &waived.expires,
                            &waived.ticket
                        )
                    )
                })
                .collect(),
        );
    }
    out.push_str("### Findings by rule, most frequent first\n\n");
    table(
        &mut out,
        "| rule | name | findings |\n|---|---|---:|",
        report
            .summary
            .findings_by_rule
            .iter()
            .map(|rule| {
                format!(
                    "| {} | {} | {} |",
                    escape(&rule.rule),
                    escape(&rule.name),
                    rule.findings
                )
            })
            .collect(),
    );
    out.push_str("### The documents with the most serious gaps\n\n");
    table(
        &mut out,
        "| document | errors | warnings | infos |\n|---|---:|---:|---:|",
        report
            .summary
            .worst_documents
            .iter()
            .map(|document| {
                let name = document.doc_id.as_deref().unwrap_or(&document.file);
                format!(
                    "| {} | {} | {} | {} |",
                    link(name, &document.file, document.line),
                    document.errors,
                    document.warnings,
                    document.infos
                )
            })
            .collect(),
    );

    out.push_str("## Incidents\n\n### Per quarter, by category\n\n");
    table(
        &mut out,
        "| quarter | category | incidents |\n|---|---|---:|",
        report
            .incidents
            .per_quarter
            .iter()
            .flat_map(|(quarter, categories)| {
                categories.iter().map(move |(category, count)| {
                    format!("| {quarter} | {} | {count} |", escape(category))
                })
            })
            .collect(),
    );
    let unit = report.incidents.duration_unit;
    let _ = writeln!(
        out,
        "### Time to detect, contain and resolve (median / 90th percentile, in {})\n",
        unit.name()
    );
    table(
        &mut out,
        "| quarter | detect | contain | resolve |\n|---|---|---|---|",
        report
            .incidents
            .durations
            .iter()
            .map(|(quarter, durations)| {
                format!(
                    "| {quarter} | {} | {} | {} |",
                    Spread::text(&durations.detect, &unit),
                    Spread::text(&durations.contain, &unit),
                    Spread::text(&durations.resolve, &unit)
                )
            })
            .collect(),
    );

    out.push_str("### Recurring causes\n\n");
    if report.incidents.recurring.is_empty() {
        out.push_str("No category recurred within its window.\n");
    }
    for (category, ids) in &report.incidents.recurring {
        let _ = writeln!(out, "- {}: {}", escape(category), escape(&ids.join(", ")));
    }

    out.push_str("\n### Closure readiness\n\n");
    if report.incidents.closure.is_empty() {
        out.push_str("Every incident is closed.\n\n");
    } else {
        out.push_str(
            "Every incident not yet closed, as `lessons gate close` would judge it today: \
             errors block the close, warnings and infos are to consider.\n\n",
        );
        table(
            &mut out,
            "| incident | title | status | ready | blocking | to consider |\n|---|---|---|---|---|---|",
            report
                .incidents
                .closure
                .iter()
                .map(|closure| {
                    let (blocking, rest): (Vec<&Gap>, Vec<&Gap>) = closure
                        .missing
                        .iter()
                        .partition(|item| item.severity == "error");
                    format!(
                        "| {} | {} | {} | {} | {} | {} |",
                        link(&closure.id, &closure.file, closure.line),
                        or_dash(closure.title.as_deref()),
                        escape(&closure.status),
                        if closure.ready { "yes" } else { "no" },
                        gaps(&blocking),
                        gaps(&rest)
                    )
                })
                .collect(),
        );
    }

    out.push_str("## Lessons applied: action items\n\n");
    let _ = writeln!(
        out,
        "Resolved or closed incidents whose lessons changed a policy, runbook or training: {}; \
         whose did not: {}.\n",
        list(&report.incidents.lessons_applied),
        list(&report.incidents.lessons_not_applied)
    );
    if !report.incidents.lessons_missed.is_empty() {
        out.push_str(
            "Lessons that did not reach the review or the plan, by the quarter the incident was detected:\n\n",
        );
        table(
            &mut out,
            "| quarter | reviews with an unanswered question (LL035) | serious incidents the plan did not learn from (LL036) |\n|---|---:|---:|",
            report
                .incidents
                .lessons_missed
                .iter()
                .map(|(quarter, missed)| {
                    format!(
                        "| {quarter} | {} | {} |",
                        missed.unanswered_reviews, missed.plan_unchanged
                    )
                })
                .collect(),
        );
    }
    let total = report.action_items.total;
    let _ = writeln!(
        out,
        "{} opened, {} done, {} overdue.\n",
        total.opened, total.done, total.overdue
    );
    counts_table(&mut out, "type", &report.action_items.by_type);
    counts_table(&mut out, "owner", &report.action_items.by_owner);
    out.push_str("### Open action items, most overdue first\n\n");
    table(
        &mut out,
        "| incident | item | owner | due | overdue by | status |\n|---|---|---|---|---:|---|",
        report
            .action_items
            .open
            .iter()
            .map(|item| {
                let name = match &item.title {
                    Some(title) => format!("{}: {title}", item.id),
                    None => item.id.clone(),
                };
                format!(
                    "| {} | {} | {} | {} | {} | {} |",
                    escape(&item.incident),
                    link(&name, &item.file, item.line),
                    or_dash(item.owner.as_deref()),
                    or_dash(item.due.as_deref()),
                    item.overdue_text(),
                    escape(&item.status)
                )
            })
            .collect(),
    );

    out.push_str("## Training\n\n");
    table(
        &mut out,
        "| course | required of | current | share | not current | new hires in grace |\n|---|---:|---:|---:|---|---|",
        report
            .training
            .iter()
            .map(|(course, standing)| {
                format!(
                    "| {} | {} | {} | {} | {} | {} |",
                    escape(course),
                    standing.required_of,
                    standing.current,
                    standing.share_text(),
                    list(&standing.not_current),
                    list(&standing.in_grace)
                )
            })
            .collect(),
    );

    out.push_str("## Access reviews, runbooks and policies\n\n");
    table(
        &mut out,
        "| kind | id | last review | age | interval | overdue by |\n|---|---|---|---:|---:|---:|",
        report
            .reviews
            .iter()
            .map(|age| {
                format!(
                    "| {} | [{}]({}) | {} | {} | {} days | {} |",
                    escape(&age.kind),
                    escape(&age.id),
                    target(&age.file),
                    or_dash(age.last.as_deref()),
                    age.age_text(),
                    age.interval_days,
                    age.overdue_text()
                )
            })
            .collect(),
    );

    out.push_str("## Waivers\n\n");
    if report.waivers.is_empty() {
        out.push_str("No waivers.\n");
    } else {
        table(
            &mut out,
            "| state | rules | where | reason | approved by | expires | ticket |\n|---|---|---|---|---|---|---|",
            report
                .waivers
                .iter()
                .map(|waiver| {
                    format!(
                        "| {} | {} | {}:{} | {} |",
                        waiver.state,
                        escape(&waiver.rules.join(", ")),
                        escape(&waiver.file),
                        waiver.line,
                        waiver_cells(
                            &waiver.reason,
                            &waiver.approved_by,
                            &waiver.expires,
                            &waiver.ticket
                        )
                    )
                })
                .collect(),
        );
    }
    out
}
