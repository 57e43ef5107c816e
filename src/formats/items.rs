//! The lists a post-mortem body holds, as the schema's fields: a timeline from a table with
//! a time and an event column or from bullets that start with a time (a date line above
//! giving the day of bare times), and action items from a table whose headers name the
//! item, its owner, due date, status, type and ticket, or from bullets and task lists.
//! Every value keeps the span of the cell or bullet it came from.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::body::{heading_key, Block, Section, Table, Text};
use crate::document::{Entry, Node, Span, Value};

/// A value map of a mapping: source text (lower-case) → target value.
pub type ValueMap = BTreeMap<String, String>;

pub fn text_node(text: &str, span: Span) -> Node {
    Node {
        value: Value::text(text.to_owned()),
        span: span.into(),
    }
}

pub fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: key.into(),
        key_span: value.span().into(),
        value,
    }
}

pub fn map_node(entries: Vec<Entry>, span: Span) -> Node {
    Node {
        value: Value::map(entries),
        span: span.into(),
    }
}

/// A placeholder of a template: what `blank()` calls blank (`TBD`, `n/a`, a hint), and the
/// figures templates leave to fill in (`?mins`, `??% (?? of ??)`).
pub fn is_placeholder(text: &str, placeholders: &[String]) -> bool {
    let text = text.trim();
    crate::rules::engine::is_blank_text(text, placeholders)
        || text.starts_with('?')
        || text.contains("??")
}

/// A cell or bullet's text, unless it is a hint or a placeholder.
fn content<'a>(text: &'a Text, placeholders: &[String]) -> Option<&'a str> {
    text.content()
        .filter(|content| !is_placeholder(content, placeholders))
}

/// The column whose header is one of `names`.
fn column(table: &Table, names: &[&str]) -> Option<usize> {
    table.header.iter().position(|cell| {
        let key = heading_key(&cell.text);
        let key = key.trim_end_matches("(utc)").trim_end_matches("(s)").trim();
        names.contains(&key)
    })
}

static TICKET_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][A-Z0-9]+-\d+\b").expect("a valid pattern"));

/// `2026-03-02` at the start of `text` (after spaces), and what follows it.
fn leading_day(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let bytes = text.as_bytes();
    let shape = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(at, byte)| {
            if at == 4 || at == 7 {
                *byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    let ends = bytes
        .get(10)
        .is_none_or(|next| *next == b'T' || !next.is_ascii_alphanumeric());
    (shape && ends).then(|| (&text[..10], &text[10..]))
}

/// A time of day: `14:51` or `14:51:03` (and `UTC`/`Z`) at the start of `text`, then an
/// optional `-`, `–`, `—`, `:` or `|` before the rest: `(hour, minute, second, rest)`.
fn leading_time(text: &str) -> Option<(u32, &str, &str, &str)> {
    let text = text.trim_start();
    let colon = text.find(':')?;
    let hour = &text[..colon];
    if hour.is_empty() || hour.len() > 2 || !hour.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let two_digits = |at: usize| {
        text.get(at..at + 2)
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
    };
    let minute = two_digits(colon + 1)?;
    let mut rest = &text[colon + 3..];
    let second = match rest.strip_prefix(':').and_then(|_| two_digits(colon + 4)) {
        Some(second) => {
            rest = &text[colon + 6..];
            second
        }
        None => "00",
    };
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("UTC")
        .or_else(|| rest.strip_prefix('Z'))
        .unwrap_or(rest)
        .trim_start();
    let rest = rest
        .strip_prefix(['-', '–', '—', ':', '|'])
        .unwrap_or(rest)
        .trim_start();
    Some((hour.parse().ok()?, minute, second, rest))
}

/// `2015-10-21T14:51:00Z` from a time (and the day it falls on), and the text after it;
/// the text as it is when it holds no time, so LL000 can say it is not a date.
fn moment_text(text: &str, day: Option<&str>) -> (String, String) {
    let (date, after) = match leading_day(text) {
        Some((date, after)) => (Some(date), after.trim_start_matches([' ', 'T'])),
        None => (None, text),
    };
    let Some((hour, minute, second, rest)) = leading_time(after) else {
        return (text.trim().to_owned(), String::new());
    };
    match date.or(day) {
        Some(date) if hour < 24 => (
            format!("{date}T{hour:02}:{minute}:{second}Z"),
            rest.to_owned(),
        ),
        _ => (text.trim().to_owned(), rest.to_owned()),
    }
}

/// Whether `text` starts with a time of day, with or without its date.
fn starts_with_time(text: &str) -> bool {
    let after = leading_day(text).map_or(text, |(_, after)| after.trim_start_matches([' ', 'T']));
    leading_time(after).is_some()
}

/// `timeline: [{at, event}]` from the section's table or bullets.
pub fn timeline(section: &Section, placeholders: &[String]) -> Vec<Node> {
    let mut entries = Vec::new();
    let mut day: Option<String> = None;
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                if let Some((date, _)) = leading_day(&text.text) {
                    day = Some(date.to_owned());
                }
            }
            Block::Table(table) => {
                let (Some(at), Some(event)) = (
                    column(table, &["time", "date", "when", "timestamp", "date/time"]),
                    column(
                        table,
                        &["event", "what", "description", "what happened", "action"],
                    ),
                ) else {
                    continue;
                };
                for row in &table.rows {
                    let (Some(at_cell), Some(event_cell)) = (row.get(at), row.get(event)) else {
                        continue;
                    };
                    let (Some(when), Some(what)) = (
                        content(at_cell, placeholders),
                        content(event_cell, placeholders),
                    ) else {
                        continue;
                    };
                    let (moment, _) = moment_text(when, day.as_deref());
                    entries.push(timeline_entry(
                        text_node(&moment, at_cell.span.clone()),
                        text_node(what, event_cell.span.clone()),
                    ));
                }
            }
            Block::List(items) => {
                for item in items {
                    let Some(text) = content(&item.text, placeholders) else {
                        continue;
                    };
                    if !starts_with_time(text) {
                        // A date bullet gives the day of the bare times below it.
                        if let Some((date, _)) = leading_day(text) {
                            day = Some(date.to_owned());
                        }
                        continue;
                    }
                    let (moment, event) = moment_text(text, day.as_deref());
                    let span = item.text.span.clone();
                    entries.push(timeline_entry(
                        text_node(&moment, span.clone()),
                        text_node(&event, span),
                    ));
                }
            }
        }
    }
    entries
}

fn timeline_entry(at: Node, event: Node) -> Node {
    let span = at.span().start.min(event.span().start)..at.span().end.max(event.span().end);
    map_node(vec![entry("at", at), entry("event", event)], span)
}

/// The status an item's words say: `done`, `open`, `in-progress`, `wont-do`, or `None`.
fn status_word(text: &str, map: Option<&ValueMap>) -> Option<String> {
    let key = text.trim().to_lowercase();
    if let Some(mapped) = map.and_then(|map| map.get(&key)) {
        return Some(mapped.clone());
    }
    let status = match key.as_str() {
        "done" | "closed" | "fixed" | "complete" | "completed" | "resolved" => "done",
        "todo" | "to do" | "open" | "not started" | "new" | "outstanding" => "open",
        "in progress" | "in-progress" | "started" | "doing" => "in-progress",
        "wont-do" | "won't do" | "wont do" | "wontfix" | "won't fix" | "cancelled" | "canceled"
        | "not doing" => "wont-do",
        _ => return None,
    };
    Some(status.to_owned())
}

/// A ticket a cell or bullet names: its link, else a key such as `SEC-12`.
fn ticket(text: &Text) -> Option<String> {
    text.links
        .first()
        .cloned()
        .or_else(|| TICKET_KEY.find(&text.text).map(|m| m.as_str().to_owned()))
}

/// The value maps of an action-item mapping, by field (`type`, `status`).
pub type ItemMaps = BTreeMap<String, ValueMap>;

/// `action_items: [{title, owner, due, status, type, ticket}]` from the section's table or
/// bullets. An item that records a ticket and whose source has no owner (or due) column
/// lists them under `in_ticket`: the ticket holds them, so LL002 and LL003 do not ask.
pub fn action_items(section: &Section, maps: &ItemMaps, placeholders: &[String]) -> Vec<Node> {
    let mut items = Vec::new();
    for block in &section.blocks {
        match block {
            Block::Table(table) => items.extend(table_items(table, maps, placeholders)),
            Block::List(list) => {
                for bullet in list {
                    let Some(text) = content(&bullet.text, placeholders) else {
                        continue;
                    };
                    let span = bullet.text.span.clone();
                    let mut fields = vec![entry("title", text_node(text, span.clone()))];
                    let status = bullet
                        .task
                        .map(|done| if done { "done" } else { "open" })
                        .map(str::to_owned)
                        .or_else(|| {
                            bullet
                                .text
                                .strong
                                .iter()
                                .find_map(|word| status_word(word, maps.get("status")))
                        });
                    if let Some(status) = status {
                        fields.push(entry("status", text_node(&status, span.clone())));
                    }
                    if let Some(ticket) = ticket(&bullet.text) {
                        fields.push(entry("ticket", text_node(&ticket, span.clone())));
                        fields.push(in_ticket(&["owner", "due"], &span));
                    }
                    items.push(map_node(fields, span));
                }
            }
            Block::Paragraph(_) => {}
        }
    }
    items
}

fn in_ticket(fields: &[&str], span: &Span) -> Entry {
    entry(
        "in_ticket",
        Node {
            value: Value::list(
                fields
                    .iter()
                    .map(|field| text_node(field, span.clone()))
                    .collect(),
            ),
            span: span.clone().into(),
        },
    )
}

fn table_items(table: &Table, maps: &ItemMaps, placeholders: &[String]) -> Vec<Node> {
    let title = column(
        table,
        &[
            "action item",
            "action items",
            "action",
            "item",
            "title",
            "task",
            "follow-up",
            "follow up",
        ],
    );
    let Some(title) = title else {
        return Vec::new();
    };
    let owner = column(
        table,
        &["owner", "assignee", "who", "owned by", "responsible"],
    );
    let due = column(table, &["due", "due date", "by", "deadline", "due by"]);
    let status = column(table, &["status", "state"]);
    let kind = column(table, &["type", "kind", "category"]);
    let tracker = column(
        table,
        &[
            "bug", "ticket", "issue", "jira", "link", "ref", "tracking", "tracker",
        ],
    );
    let mut items = Vec::new();
    for row in &table.rows {
        let Some(title_cell) = row.get(title) else {
            continue;
        };
        let Some(name) = content(title_cell, placeholders) else {
            continue;
        };
        let span = row.first().map_or(title_cell.span.clone(), |first| {
            first.span.start..row.last().map_or(first.span.end, |last| last.span.end)
        });
        let mut fields = vec![entry("title", text_node(name, title_cell.span.clone()))];
        let cell_value = |at: Option<usize>| at.and_then(|at| row.get(at));
        if let Some(cell) = cell_value(owner) {
            // An empty owner cell is a missing owner, at that cell.
            let text = content(cell, placeholders).unwrap_or("");
            fields.push(entry("owner", text_node(text, cell.span.clone())));
        }
        if let Some(cell) = cell_value(due) {
            if let Some(text) = content(cell, placeholders) {
                fields.push(entry("due", text_node(text, cell.span.clone())));
            }
        }
        let said = cell_value(status)
            .and_then(|cell| content(cell, placeholders).map(|text| (text, cell)))
            .and_then(|(text, cell)| {
                status_word(text, maps.get("status"))
                    .or_else(|| Some(text.to_owned()))
                    .map(|status| (status, cell.span.clone()))
            })
            .or_else(|| {
                // `**DONE**` / `**TODO**` in any cell.
                row.iter().find_map(|cell| {
                    cell.strong
                        .iter()
                        .find_map(|word| status_word(word, maps.get("status")))
                        .map(|status| (status, cell.span.clone()))
                })
            });
        if let Some((status, at)) = said {
            fields.push(entry("status", text_node(&status, at)));
        }
        if let Some(cell) = cell_value(kind) {
            if let Some(text) = content(cell, placeholders) {
                let key = text.to_lowercase();
                let value = maps
                    .get("type")
                    .and_then(|map| map.get(&key))
                    .cloned()
                    .unwrap_or(key);
                fields.push(entry("type", text_node(&value, cell.span.clone())));
            }
        }
        if let Some(cell) = cell_value(tracker) {
            if let Some(found) = ticket(cell) {
                fields.push(entry("ticket", text_node(&found, cell.span.clone())));
                let missing: Vec<&str> = [("owner", owner), ("due", due)]
                    .into_iter()
                    .filter(|(_, at)| at.is_none())
                    .map(|(name, _)| name)
                    .collect();
                if !missing.is_empty() {
                    fields.push(in_ticket(&missing, &cell.span));
                }
            }
        }
        items.push(map_node(fields, span));
    }
    items
}

/// A list field (`review.went_well`, `responders`) from the section's bullets, else its
/// paragraphs; hints and placeholders left out.
pub fn list(section: &Section, placeholders: &[String], strip_role: bool) -> Vec<Node> {
    let mut bullets = Vec::new();
    let mut paragraphs = Vec::new();
    for block in &section.blocks {
        match block {
            Block::List(items) => {
                for item in items {
                    if let Some(text) = content(&item.text, placeholders) {
                        // `IC: Jane Doe` names Jane Doe.
                        let text = if strip_role {
                            text.rsplit_once(':').map_or(text, |(_, name)| name.trim())
                        } else {
                            text
                        };
                        bullets.push(text_node(text, item.text.span.clone()));
                    }
                }
            }
            Block::Paragraph(paragraph) => {
                if let Some(text) = content(paragraph, placeholders) {
                    paragraphs.push(text_node(text, paragraph.span.clone()));
                }
            }
            Block::Table(_) => {}
        }
    }
    if bullets.is_empty() {
        paragraphs
    } else {
        bullets
    }
}

/// A text field (`root_cause`, `impact`) from the section: its paragraphs, bullets and
/// table rows, hints and placeholders left out; `None` when nothing is left.
pub fn text(section: &Section, placeholders: &[String]) -> Option<(String, Span)> {
    let mut parts: Vec<String> = Vec::new();
    let mut span: Option<Span> = None;
    let mut widen = |at: &Span| {
        span = Some(match span.take() {
            Some(known) => known.start.min(at.start)..known.end.max(at.end),
            None => at.clone(),
        });
    };
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                if let Some(words) = content(text, placeholders) {
                    parts.push(words.to_owned());
                    widen(&text.span);
                }
            }
            Block::List(items) => {
                for item in items {
                    if let Some(words) = content(&item.text, placeholders) {
                        parts.push(format!("- {words}"));
                        widen(&item.text.span);
                    }
                }
            }
            Block::Table(table) => {
                for row in &table.rows {
                    let cells: Vec<&str> = row
                        .iter()
                        .filter_map(|cell| content(cell, placeholders))
                        .collect();
                    // A row that is only its label (`| Users Affected | ?? |`) says nothing.
                    if cells.len() >= 2 || (cells.len() == 1 && row.len() == 1) {
                        parts.push(cells.join(": "));
                        if let Some(first) = row.first() {
                            widen(&first.span);
                        }
                    }
                }
            }
        }
    }
    let span = span?;
    Some((parts.join("\n"), span))
}

#[cfg(test)]
mod tests {
    use super::super::body;
    use super::*;

    fn section(text: &str) -> Section {
        body::parse(text, 0)
            .sections
            .into_iter()
            .next()
            .expect("a section")
    }

    fn field<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
        node.get(key).and_then(Node::as_str)
    }

    #[test]
    fn a_timeline_from_bullets_under_a_date_line() {
        let text = "## Timeline\n\n2015-10-21 (all times UTC)\n\n* 14:51 News reports a sonnet\n* 14:53 Traffic up 88x\n";
        let entries = timeline(&section(text), &[]);
        assert_eq!(entries.len(), 2);
        assert_eq!(field(&entries[0], "at"), Some("2015-10-21T14:51:00Z"));
        assert_eq!(field(&entries[0], "event"), Some("News reports a sonnet"));
        assert!(text[entries[1].span()].contains("14:53 Traffic up 88x"));
    }

    #[test]
    fn times_with_or_without_their_day() {
        assert_eq!(
            moment_text("14:51 News", Some("2015-10-21")),
            ("2015-10-21T14:51:00Z".into(), "News".into())
        );
        assert_eq!(
            moment_text("2026-03-02 09:14:05 UTC - Pager", None),
            ("2026-03-02T09:14:05Z".into(), "Pager".into())
        );
        assert_eq!(
            moment_text("2026-03-02T9:14 | Pager", None),
            ("2026-03-02T09:14:00Z".into(), "Pager".into())
        );
        assert_eq!(
            moment_text("9:05 no day", None).0,
            "9:05 no day",
            "no day to put it on"
        );
        assert_eq!(moment_text("25:00 x", Some("2026-01-01")).0, "25:00 x");
        assert!(!starts_with_time("2026-03-02 (all times UTC)"));
        assert!(
            !starts_with_time("10:5 x")
                && !starts_with_time("123:45")
                && !starts_with_time("Pager at 09:14")
        );
        assert_eq!(leading_day("2026-03-02x"), None);
    }

    #[test]
    fn a_timeline_from_a_table() {
        let text = "## Timeline\n\n| Time (UTC) | Event | Data Link |\n| --- | --- | --- |\n| 2026-03-02 09:14 | Pager fires | [graph](x) |\n| _time_ | _what_ | |\n";
        let entries = timeline(&section(text), &[]);
        assert_eq!(entries.len(), 1, "the hint row is left out");
        assert_eq!(field(&entries[0], "at"), Some("2026-03-02T09:14:00Z"));
        let at = &entries[0].get("at").expect("at").span();
        assert_eq!(&text[at.clone()], " 2026-03-02 09:14 ");
    }

    #[test]
    fn action_items_from_a_table_with_tickets_and_status_words() {
        let text = "## Action Items\n\n| Action Item | Type | Owner | Bug |\n|---|---|---|---|\n| Enable MFA | prevent | jane | **DONE** [SEC-1](https://t/SEC-1) |\n| Rotate keys | mitigate | | SEC-2 **TODO** |\n";
        let maps = ItemMaps::from([(
            "type".to_owned(),
            ValueMap::from([("prevent".to_owned(), "control".to_owned())]),
        )]);
        let items = action_items(&section(text), &maps, &[]);
        assert_eq!(items.len(), 2);
        assert_eq!(field(&items[0], "title"), Some("Enable MFA"));
        assert_eq!(field(&items[0], "type"), Some("control"));
        assert_eq!(field(&items[0], "status"), Some("done"));
        assert_eq!(field(&items[0], "ticket"), Some("https://t/SEC-1"));
        assert_eq!(field(&items[1], "owner"), Some(""), "an empty owner cell");
        assert_eq!(field(&items[1], "status"), Some("open"));
        assert_eq!(field(&items[1], "ticket"), Some("SEC-2"));
        // The owner column exists: only the due date is in the ticket.
        let in_ticket: Vec<&str> = match &items[1].get("in_ticket").expect("in_ticket").value {
            Value::Seq(fields) => fields.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        };
        assert_eq!(in_ticket, ["due"]);
    }

    #[test]
    fn action_items_from_a_task_list() {
        let text = "## Action Items\n\n- [x] Rotate the keys (SEC-12)\n- [ ] Add MFA\n- _Each action item should be a ticket_\n";
        let items = action_items(&section(text), &ItemMaps::new(), &[]);
        assert_eq!(items.len(), 2);
        assert_eq!(field(&items[0], "status"), Some("done"));
        assert_eq!(field(&items[0], "ticket"), Some("SEC-12"));
        assert!(items[0].get("in_ticket").is_some());
        assert_eq!(field(&items[1], "status"), Some("open"));
        assert!(items[1].get("ticket").is_none());
    }

    #[test]
    fn template_figures_are_placeholders() {
        let text = "## Impact\n\n_Be very specific._\n\n| | |\n|-|-|\n| Time in SEV-1 | ?mins |\n| Users Affected | ?? |\n";
        assert_eq!(super::text(&section(text), &[]), None);
        let text = "## Impact\n\n| | |\n|-|-|\n| Users Affected | 1,200 |\n";
        assert_eq!(
            super::text(&section(text), &[]).map(|(t, _)| t),
            Some("Users Affected: 1,200".to_owned())
        );
    }
}
