//! The lists a post-mortem body holds, as the schema's fields: a timeline from a table with
//! a time and an event column or from bullets that start with a time (a date line above
//! giving the day of bare times), and action items from a table whose headers name the
//! item, its owner, due date, status, type and ticket, or from bullets and task lists.
//! Every value keeps the span of the cell or bullet it came from.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::document::body::{Block, Section, Table, Text};
use crate::document::date::Moment;
use crate::document::zone::{self, Zone};
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
    crate::util::text::is_blank_text(text, placeholders)
        || text.starts_with('?')
        || text.contains("??")
}

/// A cell or bullet's text, unless it is a hint or a placeholder.
fn content<'a>(text: &'a Text, placeholders: &[String]) -> Option<&'a str> {
    text.content()
        .filter(|content| !is_placeholder(content, placeholders))
}

/// A header cell's words as a column is matched: lower-case, what is in brackets and a
/// time zone left out (`Time (UTC)`, `Date and Time in CET`, `When (UTC+1)`).
fn header_words(cell: &Text) -> Vec<String> {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in cell.text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.extend(c.to_lowercase()),
            _ => {}
        }
    }
    plain
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .filter(|word| !word.is_empty() && zone::named(word).is_none())
        .map(str::to_owned)
        .collect()
}

/// A table's header cells as [`header_words`] reads them, once per table: each column is
/// looked for by several names.
struct Headers(Vec<Vec<String>>);

impl Headers {
    fn of(table: &Table) -> Headers {
        Headers(table.header.iter().map(header_words).collect())
    }

    /// The column whose header is one of `names`.
    fn column(&self, names: &[&str]) -> Option<usize> {
        self.0.iter().position(|words| {
            let key = words.join(" ");
            let key = key.strip_suffix(" s").unwrap_or(&key);
            names.contains(&key)
        })
    }

    /// The column whose header holds one of `words`, not counting `except`.
    fn with_word(&self, words: &[&str], except: Option<usize>) -> Option<usize> {
        self.0.iter().enumerate().position(|(at, header)| {
            Some(at) != except && header.iter().any(|word| words.contains(&word.as_str()))
        })
    }
}

/// A timeline table's time column: by its header (`Time`, `Date and Time in CET`,
/// `When (UTC+1)`), else the column most of whose cells start with a time.
fn time_column(table: &Table, headers: &Headers) -> Option<usize> {
    const WORDS: &[&str] = &["time", "date", "when", "timestamp", "datetime", "date/time"];
    headers.with_word(WORDS, None).or_else(|| {
        (0..table.header.len()).find(|&at| {
            let cells: Vec<&str> = table
                .rows
                .iter()
                .filter_map(|row| row.get(at).and_then(Text::content))
                .collect();
            let timed = cells
                .iter()
                .filter(|text| when(text, None, None).timed)
                .count();
            !cells.is_empty() && timed * 2 > cells.len()
        })
    })
}

/// A timeline table's event column: by its header, else the first other column with text.
fn event_column(table: &Table, headers: &Headers, time: usize) -> Option<usize> {
    const WORDS: &[&str] = &[
        "event",
        "events",
        "what",
        "description",
        "happened",
        "action",
        "activity",
        "details",
        "update",
        "summary",
        "notes",
        "note",
        "message",
    ];
    headers.with_word(WORDS, Some(time)).or_else(|| {
        (0..table.header.len()).find(|&at| {
            at != time
                && table
                    .rows
                    .iter()
                    .any(|row| row.get(at).and_then(Text::content).is_some())
        })
    })
}

static TICKET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    // `SEC-12`; `#2194` or `acme/infra#2194` (an issue of the repository); a bare URL.
    Regex::new(r"\b[A-Z][A-Z0-9]+-\d+\b|(?:\b[\w.-]+/[\w.-]+)?#\d+\b|\bhttps?://[^\s<>()\[\]]+")
        .expect("a valid pattern")
});

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

/// A day written out at the start of `text` — `Mar 3, 2025`, `3 March 2025` — as
/// `2025-03-03`, and what follows it.
fn leading_spelled_day(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let mut ends = text
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(at, _)| at)
        .chain([text.len()]);
    // The third word's end: `Mar 3, 2025` or `3 March 2025`.
    let end = ends.nth(2)?;
    let words = text[..end].trim_end_matches([',', ':', '-']);
    let moment = Moment::parse(words)?;
    Some((moment.date.to_string(), &text[end..]))
}

/// A day a note names anywhere in it — `2015-10-21 (all times UTC)`, `All times UTC, 3
/// March 2024.`, `Times are PT on March 3, 2024` — as `2024-03-03`.
pub fn day_in(text: &str) -> Option<String> {
    static DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}\b|\b[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b",
        )
        .expect("a valid pattern")
    });
    DAY.find_iter(text).find_map(|found| {
        let words = found.as_str();
        match Moment::parse(words) {
            Some(moment) => Some(moment.date.to_string()),
            None => leading_spelled_day(&format!("{words} ")).map(|(date, _)| date),
        }
    })
}

/// Words that say a time is approximate: `~19:30`, `approx. 19:30`, `around 19:30`.
const APPROXIMATELY: &[&str] = &[
    "~",
    "≈",
    "approximately",
    "approx.",
    "approx",
    "around",
    "about",
    "circa",
    "ca.",
    "c.",
];

/// `text` without a leading word of [`APPROXIMATELY`], and whether it had one.
fn strip_approximately(text: &str) -> (&str, bool) {
    let trimmed = text.trim_start();
    for word in APPROXIMATELY {
        if let Some(rest) = trimmed
            .get(..word.len())
            .filter(|head| head.eq_ignore_ascii_case(word))
            .map(|_| &trimmed[word.len()..])
        {
            // A word must end there: `about` is not `aboutus`.
            let ends = word.len() == 1 || rest.is_empty() || rest.starts_with([' ', '\t']);
            if ends && !(word.len() == 1 && rest.trim_start().is_empty()) {
                return (rest.trim_start(), true);
            }
        }
    }
    (text, false)
}

/// A time left unfilled from a template: `HH:mm`, `hh:mm`, `XX:XX`, `??:??`, `--:--`.
fn leading_unfilled_time(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let (hours, rest) = text.split_once(':')?;
    let filler = |part: &str| {
        !part.is_empty()
            && part.len() <= 2
            && part
                .chars()
                .all(|c| matches!(c, 'H' | 'h' | 'M' | 'm' | 'X' | 'x' | '?' | '-' | '_'))
    };
    let minutes_end = rest
        .find(|c: char| !matches!(c, 'H' | 'h' | 'M' | 'm' | 'X' | 'x' | '?' | '-' | '_'))
        .unwrap_or(rest.len());
    (filler(hours) && filler(&rest[..minutes_end])).then(|| &rest[minutes_end..])
}

/// A time of day at the start of `text`: `14:51`, `14:51:03`, `2:14 PM`, then a zone
/// (`UTC`, `Z`, `PST`, `+01:00`) if one is named, then an optional `-`, `–`, `—`, `:` or
/// `|` before the rest: `(hour, minute, second, zone, rest)`.
fn leading_time(text: &str) -> Option<(u32, u32, u32, Option<Zone>, &str)> {
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
    let mut hour: u32 = hour.parse().ok()?;
    // `2:14 PM`, `2:14pm`, `2:14 p.m.`
    let after = rest.trim_start();
    for (word, afternoon) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
        let Some(head) = after.get(..word.len()) else {
            continue;
        };
        let tail = &after[word.len()..];
        if head.eq_ignore_ascii_case(word) && !tail.starts_with(|c: char| c.is_alphanumeric()) {
            if hour == 0 || hour > 12 {
                return None;
            }
            hour = hour % 12 + if afternoon { 12 } else { 0 };
            rest = tail;
            break;
        }
    }
    // A zone right after the time: `14:51 PDT`, `14:51Z`, `14:51+01:00`.
    let mut zone = None;
    let after = rest.trim_start();
    let word_end = after
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ',' | '|' | '—' | '–'))
        .unwrap_or(after.len());
    let word = after[..word_end].trim_start_matches('(');
    if let Some(named) = zone::named(word).filter(|_| !word.is_empty()) {
        // `14:51 - alert`: the `-` is a separator, not an offset.
        if word.len() > 1 || word.eq_ignore_ascii_case("z") {
            zone = Some(named);
            rest = after[word_end..].trim_start_matches(')');
        }
    }
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix(['-', '–', '—', ':', '|'])
        .unwrap_or(rest)
        .trim_start();
    let minute: u32 = minute.parse().ok()?;
    let second: u32 = second.parse().ok()?;
    Some((hour, minute, second, zone, rest))
}

/// What a timeline cell or bullet says of when something happened.
#[derive(Debug, Clone, PartialEq, Eq)]
struct When {
    /// As the schema writes it: `2015-10-21T14:51:00Z`, `2015-10-21T14:51:00-07:00`, a day
    /// alone when the time was never filled in; the text as it is when it holds no date, so
    /// LL000 can say so; `None` for a time whose day nothing gives.
    at: Option<String>,
    /// It starts with a time (or a day and an unfilled time): a timeline entry.
    timed: bool,
    /// `~19:30`, `approx. 19:30`
    approximate: bool,
    /// What follows: the event of a bullet.
    rest: String,
}

/// Reads `text` as a moment: its day, else `day` (of a date line above, or the
/// document's); its time in its own zone, else `zone` (of the column or a note), else UTC.
fn when(text: &str, day: Option<&str>, zone: Option<Zone>) -> When {
    let (text, approximate_before) = strip_approximately(text);
    let (date, after) = match leading_day(text) {
        Some((date, after)) => (Some(date.to_owned()), after),
        None => match leading_spelled_day(text) {
            Some((date, after)) if starts_with_a_time(after) => (Some(date), after),
            _ => (None, text),
        },
    };
    let after = after.trim_start_matches([' ', 'T', ',']);
    let after = after.strip_prefix("at ").unwrap_or(after);
    let (after, approximate_after) = strip_approximately(after);
    let approximate = approximate_before || approximate_after;
    let unknown = || When {
        at: Some(text.trim().to_owned()),
        timed: false,
        approximate,
        rest: String::new(),
    };
    // `2205-13-03 10:00`: shaped like a day but none; kept as written for LL000.
    if date
        .as_deref()
        .is_some_and(|date| Moment::parse(date).is_none())
    {
        return unknown();
    }
    if let Some(rest) = leading_unfilled_time(after) {
        let rest = rest
            .trim_start()
            .trim_start_matches(['-', '–', '—', ':', '|'])
            .trim();
        return When {
            at: date.clone().or_else(|| day.map(str::to_owned)),
            timed: true,
            approximate,
            rest: rest.to_owned(),
        };
    }
    let Some((hour, minute, second, own_zone, rest)) = leading_time(after) else {
        return match date {
            // A day alone.
            Some(date) if after.trim().is_empty() => When {
                at: Some(date),
                timed: false,
                approximate,
                rest: String::new(),
            },
            _ => unknown(),
        };
    };
    if hour >= 24 || minute >= 60 || second >= 60 {
        return unknown();
    }
    let Some(date) = date.or_else(|| day.map(str::to_owned)) else {
        return When {
            at: None,
            timed: true,
            approximate,
            rest: rest.to_owned(),
        };
    };
    let offset = own_zone
        .or(zone)
        .zip(jiff::civil::Date::strptime("%Y-%m-%d", &date).ok())
        .map_or(0, |(zone, day)| zone.offset_on(day));
    let suffix = if offset == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60)
    };
    When {
        at: Some(format!("{date}T{hour:02}:{minute:02}:{second:02}{suffix}")),
        timed: true,
        approximate,
        rest: rest.to_owned(),
    }
}

/// The day a stored moment falls on, as written (`2025-03-03` of `2025-03-03T19:30:00+01:00`).
fn day_of(at: &str) -> Option<&str> {
    let (day, _) = leading_day(at)?;
    Moment::parse(day).is_some().then_some(day)
}

/// A date as a person writes it where a date is asked for — `2024-06-14 15:00 UTC`,
/// `2024-02-23 10:00 PT, in the postmortem room`, `~2025-03-03` — as the schema writes it,
/// when it does not parse as it is; `None` when it holds no date at all.
pub fn written_moment(text: &str) -> Option<String> {
    if Moment::parse(text).is_some() {
        return None;
    }
    let read = when(text, None, None);
    read.at.filter(|at| Moment::parse(at).is_some())
}

/// Whether `text` starts with a time of day (or an unfilled one).
fn starts_with_a_time(text: &str) -> bool {
    let text = text.trim_start_matches([' ', 'T', ',']);
    let text = text.strip_prefix("at ").unwrap_or(text);
    let (text, _) = strip_approximately(text);
    leading_time(text).is_some() || leading_unfilled_time(text).is_some()
}

/// The zone a timeline section says its times are in: its heading (`Timeline (all times
/// PT)`), else a note in it (`All times in CET`), else `document` — a note elsewhere.
pub fn timeline_zone(section: &Section, document: Option<Zone>) -> Option<Zone> {
    zone::in_note(&section.heading)
        .or_else(|| {
            section.blocks.iter().find_map(|block| match block {
                Block::Paragraph(text) => zone::in_note(&text.text),
                _ => None,
            })
        })
        .or(document)
}

/// `timeline: [{at, event}]` from the section's table or bullets; `day` is the document's
/// own date for times with no day of their own, `zone` the zone a note elsewhere names.
pub fn timeline(
    section: &Section,
    placeholders: &[String],
    day: Option<&str>,
    zone: Option<Zone>,
) -> Vec<Node> {
    let mut entries = Vec::new();
    let mut day: Option<String> = day.map(str::to_owned);
    let zone = timeline_zone(section, zone);
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                if let Some(date) = day_in(&text.text) {
                    day = Some(date);
                }
            }
            Block::Table(table) => {
                let headers = Headers::of(table);
                let Some(at) = time_column(table, &headers) else {
                    continue;
                };
                let Some(event) = event_column(table, &headers, at) else {
                    continue;
                };
                let zone = table
                    .header
                    .get(at)
                    .and_then(|cell| zone::in_header(&cell.text))
                    .or(zone);
                for row in &table.rows {
                    let (Some(at_cell), Some(event_cell)) = (row.get(at), row.get(event)) else {
                        continue;
                    };
                    let (Some(written), Some(what)) = (
                        content(at_cell, placeholders),
                        content(event_cell, placeholders),
                    ) else {
                        continue;
                    };
                    let read = when(written, day.as_deref(), zone);
                    // The day of the bare times below it.
                    if let Some(date) = read.at.as_deref().and_then(day_of) {
                        day = Some(date.to_owned());
                    }
                    entries.push(timeline_entry(
                        read.at
                            .as_deref()
                            .map(|at| text_node(at, at_cell.span.clone())),
                        text_node(what, event_cell.span.clone()),
                        read.approximate,
                    ));
                }
            }
            Block::List(items) => {
                for item in items {
                    let Some(text) = content(&item.text, placeholders) else {
                        continue;
                    };
                    let read = when(text, day.as_deref(), zone);
                    // A date bullet (or a dated entry) gives the day of the bare times below.
                    if let Some(date) = read.at.as_deref().and_then(day_of) {
                        day = Some(date.to_owned());
                    }
                    if !read.timed {
                        continue;
                    }
                    let span = item.text.span.clone();
                    entries.push(timeline_entry(
                        read.at.as_deref().map(|at| text_node(at, span.clone())),
                        text_node(&read.rest, span),
                        read.approximate,
                    ));
                }
            }
        }
    }
    entries
}

/// Timeline entries from the body's paragraphs that carry `{{< name "time" >}}` (cState's
/// `track`): the time from the shortcode (UTC unless it names an offset), the event the
/// paragraph's words without it — `*Resolved* - The database is back.`
pub fn shortcode_timeline(
    body: &crate::document::body::Body,
    name: &str,
    placeholders: &[String],
) -> Vec<Node> {
    let Ok(pattern) = Regex::new(&format!(
        r#"\{{\{{[<%]\s*{}\s+"([^"]*)"\s*[>%]\}}\}}"#,
        regex::escape(name)
    )) else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    for section in &body.sections {
        for block in &section.blocks {
            let Block::Paragraph(text) = block else {
                continue;
            };
            let Some(found) = pattern.captures(&text.text) else {
                continue;
            };
            let event = pattern.replace_all(&text.text, "");
            let event = event.trim().trim_end_matches(['-', '–', '—']).trim();
            if event.is_empty() || is_placeholder(event, placeholders) {
                continue;
            }
            let read = when(&found[1], None, None);
            entries.push(timeline_entry(
                read.at
                    .as_deref()
                    .map(|at| text_node(at, text.span.clone())),
                text_node(event, text.span.clone()),
                read.approximate,
            ));
        }
    }
    entries
}

/// `{at, event}`, and `approximate: true` when the time was given as approximate; `at`
/// left out when nothing gives the day of a time.
fn timeline_entry(at: Option<Node>, event: Node, approximate: bool) -> Node {
    let span = match &at {
        Some(at) => at.span().start.min(event.span().start)..at.span().end.max(event.span().end),
        None => event.span(),
    };
    let mut fields: Vec<Entry> = at.into_iter().map(|at| entry("at", at)).collect();
    fields.push(entry("event", event));
    if approximate {
        fields.push(entry(
            "approximate",
            Node {
                value: Value::Bool(true),
                span: span.clone().into(),
            },
        ));
    }
    map_node(fields, span)
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
                    // A ticked box, a bold status word, `status: done`, or a status word
                    // closing the bullet's parentheses: `(owner: X, due 2026-10-01, done)`.
                    let written = bullet_status(text, maps.get("status"));
                    let status = match (bullet.task, written) {
                        (Some(true), _) => Some("done".to_owned()),
                        (_, Some(written)) => Some(written),
                        (Some(false), None) => Some("open".to_owned()),
                        (None, None) => bullet
                            .text
                            .strong
                            .iter()
                            .find_map(|word| status_word(word, maps.get("status"))),
                    };
                    let said = status.is_some();
                    if let Some(status) = status {
                        fields.push(entry("status", text_node(&status, span.clone())));
                    }
                    if let Some(ticket) = ticket(&bullet.text) {
                        fields.push(entry("ticket", text_node(&ticket, span.clone())));
                        let held: &[&str] = if said {
                            &["owner", "due"]
                        } else {
                            &["owner", "due", "status"]
                        };
                        fields.push(in_ticket(held, &span));
                    }
                    if let Some(kind) = type_from_title(text) {
                        fields.push(entry("type", text_node(kind, span.clone())));
                    }
                    let (owner, due) = bullet_owner_and_due(text);
                    if let Some(owner) = owner {
                        fields.push(entry("owner", text_node(&owner, span.clone())));
                    }
                    if let Some(due) = due {
                        fields.push(entry("due", text_node(&due, span.clone())));
                    }
                    items.push(map_node(fields, span));
                }
            }
            Block::Paragraph(_) => {}
        }
    }
    items
}

/// `owner: jane` or `@jane` names the owner of a bullet; `due: 2026-12-31`, `due 2026-12-31` or `by 2026-12-31` its due date.
static BULLET_OWNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:owner|assignee)\s*[:=]\s*@?([^,;()\n]+)|\b(?:owned by|assigned to)\s+@?([^,;()\n]+)|(?:^|\s|\()@([A-Za-z][\w.-]*)")
        .expect("a valid pattern")
});
static BULLET_DUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:due(?:\s+date)?|by|deadline)\s*[:=-]?\s*(\d{4}-\d{2}-\d{2})\b")
        .expect("a valid pattern")
});

fn bullet_owner_and_due(text: &str) -> (Option<String>, Option<String>) {
    // Most bullets name neither: passed over without the patterns.
    let lower = text.to_ascii_lowercase();
    let may_own = text.contains('@') || lower.contains("owne") || lower.contains("assign");
    let may_be_due = text.bytes().any(|b| b.is_ascii_digit())
        && (lower.contains("due") || lower.contains("by ") || lower.contains("deadline"));
    let owner = may_own
        .then(|| BULLET_OWNER.captures(text))
        .flatten()
        .and_then(|found| {
            found
                .get(1)
                .or_else(|| found.get(2))
                .or_else(|| found.get(3))
                .map(|name| {
                    name.as_str()
                        .trim()
                        .trim_end_matches(['.', ',', ':'])
                        .to_owned()
                })
        });
    let due = may_be_due
        .then(|| BULLET_DUE.captures(text))
        .flatten()
        .map(|found| found[1].to_owned());
    (owner, due)
}

/// The status a bullet writes in words: `status: in progress` anywhere, or a status word
/// as the last part of its closing parentheses or after a final dash (`— done`).
fn bullet_status(text: &str, map: Option<&ValueMap>) -> Option<String> {
    static STATUS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bstatus\s*[:=]\s*([a-z' -]+?)\s*(?:[,;)]|$)").expect("a valid pattern")
    });
    if let Some(found) = STATUS.captures(text) {
        if let Some(status) = status_word(&found[1], map) {
            return Some(status);
        }
    }
    // `…, completed 2026-02-27.`: done, on that day.
    static DONE_ON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(done|completed|complete|fixed|closed|resolved)(?:\s+(?:on\s+)?\d{4}-\d{2}-\d{2})?\s*\.?\s*$")
            .expect("a valid pattern")
    });
    if let Some(found) = DONE_ON.captures(text) {
        if found.get(0).is_some_and(|whole| whole.start() > 0) {
            return status_word(&found[1], map);
        }
    }
    let trimmed = text.trim_end().trim_end_matches('.');
    let last = if let Some(inner) = trimmed.strip_suffix(')') {
        let open = inner.rfind('(')?;
        inner[open + 1..].rsplit([',', ';']).next()?
    } else {
        trimmed
            .rsplit(['—', '–'])
            .next()
            .filter(|part| part.len() < trimmed.len())?
    };
    status_word(last.trim(), map)
}

/// The document an item with no type of its own changes, by what its title says:
/// "Update the failover runbook" changes a runbook — the lessons reached it (LL008).
fn type_from_title(title: &str) -> Option<&'static str> {
    const BY_WORD: &[(&str, &str)] = &[
        ("runbook", "runbook"),
        ("runbooks", "runbook"),
        ("playbook", "runbook"),
        ("playbooks", "runbook"),
        ("policy", "policy"),
        ("policies", "policy"),
        ("training", "training"),
        ("train", "training"),
        ("drill", "training"),
        ("tabletop", "training"),
    ];
    let lower = title.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .find_map(|word| BY_WORD.iter().find(|(known, _)| *known == word))
        .map(|(_, kind)| *kind)
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
    let headers = Headers::of(table);
    let title = headers.column(&[
        "action item",
        "action items",
        "action",
        "item",
        "title",
        "task",
        "follow-up",
        "follow up",
    ]);
    let Some(title) = title else {
        return Vec::new();
    };
    let owner = headers.column(&["owner", "assignee", "who", "owned by", "responsible"]);
    let due = headers.column(&["due", "due date", "by", "deadline", "due by"]);
    let status = headers.column(&["status", "state"]);
    let kind = headers.column(&["type", "kind", "category"]);
    let tracker = headers.column(&[
        "bug", "ticket", "issue", "jira", "link", "ref", "tracking", "tracker",
    ]);
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
        let typed = cell_value(kind).and_then(|cell| {
            let text = content(cell, placeholders)?;
            let key = text.to_lowercase();
            let value = maps
                .get("type")
                .and_then(|map| map.get(&key))
                .cloned()
                .unwrap_or(key);
            Some(entry("type", text_node(&value, cell.span.clone())))
        });
        if let Some(typed) = typed.or_else(|| {
            type_from_title(name)
                .map(|kind| entry("type", text_node(kind, title_cell.span.clone())))
        }) {
            fields.push(typed);
        }
        let status_said = fields.iter().any(|field| field.key == "status");
        if let Some(cell) = cell_value(tracker) {
            // Whatever a Bug or Ticket column holds names the ticket (`b/30122` too), less
            // the status words written beside it.
            let named = ticket(cell).or_else(|| {
                let text = content(cell, placeholders)?;
                let rest = cell.strong.iter().fold(text.to_owned(), |text, word| {
                    text.replace(word.as_str(), "")
                });
                let rest = rest.trim();
                (!rest.is_empty()).then(|| rest.to_owned())
            });
            if let Some(found) = named {
                fields.push(entry("ticket", text_node(&found, cell.span.clone())));
                let missing: Vec<&str> = [("owner", owner), ("due", due)]
                    .into_iter()
                    .filter(|(_, at)| at.is_none())
                    .map(|(name, _)| name)
                    .chain((!status_said).then_some("status"))
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
    use super::*;
    use crate::document::body;

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
        let entries = timeline(&section(text), &[], None, None);
        assert_eq!(entries.len(), 2);
        assert_eq!(field(&entries[0], "at"), Some("2015-10-21T14:51:00Z"));
        assert_eq!(field(&entries[0], "event"), Some("News reports a sonnet"));
        assert!(text[entries[1].span()].contains("14:53 Traffic up 88x"));
    }

    fn at(text: &str, day: Option<&str>, zone: Option<Zone>) -> (Option<String>, String) {
        let read = when(text, day, zone);
        (read.at, read.rest)
    }

    #[test]
    fn times_with_or_without_their_day() {
        let some = |at: &str, rest: &str| (Some(at.to_owned()), rest.to_owned());
        assert_eq!(
            at("14:51 News", Some("2015-10-21"), None),
            some("2015-10-21T14:51:00Z", "News")
        );
        assert_eq!(
            at("2026-03-02 09:14:05 UTC - Pager", None, None),
            some("2026-03-02T09:14:05Z", "Pager")
        );
        assert_eq!(
            at("2026-03-02T9:14 | Pager", None, None),
            some("2026-03-02T09:14:00Z", "Pager")
        );
        assert_eq!(at("9:05 no day", None, None), (None, "no day".into()));
        assert_eq!(
            at("25:00 x", Some("2026-01-01"), None).0.as_deref(),
            Some("25:00 x")
        );
        assert!(!starts_with_a_time("2026-03-02 (all times UTC)"));
        assert!(
            !starts_with_a_time("10:5 x")
                && !starts_with_a_time("123:45")
                && !starts_with_a_time("Pager at 09:14")
        );
        assert_eq!(leading_day("2026-03-02x"), None);
    }

    #[test]
    fn times_as_people_write_them() {
        let some = |at: &str, rest: &str| (Some(at.to_owned()), rest.to_owned());
        // Never filled in: the day stands.
        assert_eq!(at("2020-12-21 HH:mm", None, None), some("2020-12-21", ""));
        assert_eq!(
            at("2020-12-21 ??:?? - deploy", None, None),
            some("2020-12-21", "deploy")
        );
        // Approximate, before the day or the time.
        let read = when("~2025-03-03 19:30", None, None);
        assert_eq!(
            (read.at.as_deref(), read.approximate),
            (Some("2025-03-03T19:30:00Z"), true)
        );
        let read = when("approx. 19:30 — paged", Some("2025-03-03"), None);
        assert_eq!(
            (read.at.as_deref(), read.approximate),
            (Some("2025-03-03T19:30:00Z"), true)
        );
        assert!(!when("19:30 about the alert", Some("2025-03-03"), None).approximate);
        // A zone: the cell's own, else the column's or a note's.
        let cet = Some(Zone::Fixed(60));
        assert_eq!(
            at("2025-03-03 19:30", None, cet),
            some("2025-03-03T19:30:00+01:00", "")
        );
        assert_eq!(
            at("19:30 PDT alert", Some("2025-07-03"), cet),
            some("2025-07-03T19:30:00-07:00", "alert")
        );
        assert_eq!(
            at("2:14 PM: paged", Some("2025-03-03"), None),
            some("2025-03-03T14:14:00Z", "paged")
        );
        assert_eq!(
            at("12:05 a.m. x", Some("2025-03-03"), None),
            some("2025-03-03T00:05:00Z", "x")
        );
        assert_eq!(
            at("Mar 3, 2025 14:02 deploy", None, None),
            some("2025-03-03T14:02:00Z", "deploy")
        );
        // No date at all stays as written, for LL000.
        assert_eq!(
            at("2205-13-03 10:00", None, None).0.as_deref(),
            Some("2205-13-03 10:00")
        );
        for stamp in ["2025-03-03T19:30:00+01:00", "2025-03-03"] {
            assert!(Moment::parse(stamp).is_some(), "{stamp}");
        }
    }

    #[test]
    fn timeline_columns_by_header_words_or_content_with_their_zone() {
        let text = "## Timeline\n\n| Date and Time in CET | What happened |\n|---|---|\n| 2025-03-03 19:30 | Alert fired |\n";
        let entries = timeline(&section(text), &[], None, None);
        assert_eq!(field(&entries[0], "at"), Some("2025-03-03T19:30:00+01:00"));
        assert_eq!(field(&entries[0], "event"), Some("Alert fired"));
        let text = "## Timeline\n\nAll times in PST.\n\n| | |\n|---|---|\n| 2025-01-03 19:30 | Alert fired |\n| 19:45 | Rolled back |\n";
        let entries = timeline(&section(text), &[], None, None);
        assert_eq!(field(&entries[0], "at"), Some("2025-01-03T19:30:00-08:00"));
        assert_eq!(
            field(&entries[1], "at"),
            Some("2025-01-03T19:45:00-08:00"),
            "the day of the row above"
        );
        let text = "## Timeline (all times UTC+1)\n\n- 2025-01-03 19:30 alert\n";
        let entries = timeline(&section(text), &[], None, None);
        assert_eq!(field(&entries[0], "at"), Some("2025-01-03T19:30:00+01:00"));
    }

    #[test]
    fn a_timeline_from_a_table() {
        let text = "## Timeline\n\n| Time (UTC) | Event | Data Link |\n| --- | --- | --- |\n| 2026-03-02 09:14 | Pager fires | [graph](x) |\n| _time_ | _what_ | |\n";
        let entries = timeline(&section(text), &[], None, None);
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
