//! A Markdown post-mortem's body as data: sections by heading (at any level), each with its
//! paragraphs, bullet and task lists and tables, every piece with its byte range in the
//! file, and the bold label lines templates use (`**Postmortem Owner:** Jane`). A paragraph
//! written entirely in italics is a template's hint, not content.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::Span;

/// Inline text with where it is and what marks it carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub span: Span,
    /// All of it is in italics: a template's hint to the writer.
    pub hint: bool,
    /// The texts in bold (`**DONE**`).
    pub strong: Vec<String>,
    /// Link targets, in order.
    pub links: Vec<String>,
}

impl Text {
    /// The text unless it is a hint.
    pub fn content(&self) -> Option<&str> {
        let text = self.text.trim();
        (!self.hint && !text.is_empty()).then_some(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub text: Text,
    /// A task-list item: `Some(true)` for `- [x]`.
    pub task: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<Text>,
    pub rows: Vec<Vec<Text>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Text),
    List(Vec<ListItem>),
    Table(Table),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading as written, trimmed.
    pub heading: String,
    /// For matching: lower-case, without trailing `?`, `:` and spaces.
    pub key: String,
    pub level: u8,
    pub heading_span: Span,
    pub blocks: Vec<Block>,
}

/// `**Postmortem Owner:** Jane Doe`: a label and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Lower-case, without the colon.
    pub name: String,
    pub value: Text,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub sections: Vec<Section>,
    pub labels: Vec<Label>,
    /// Every heading, for `doc.sections`: one parse of the body serves both.
    pub headings: Vec<super::markdown::Heading>,
    /// Sections and labels by key, built on the first lookup.
    index: std::sync::OnceLock<Index>,
}

/// Two bodies are equal by what they hold, whether or not either was looked into yet.
impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        self.sections == other.sections
            && self.labels == other.labels
            && self.headings == other.headings
    }
}

impl Eq for Body {}

/// The first section and the first label of each key: a mapping of 20,000 label names
/// searched a body of 500,000 label lines once for each.
#[derive(Debug, Clone, Default)]
struct Index {
    sections: std::collections::HashMap<String, usize>,
    /// The first section of each [`heading_stem`], for headings with a qualifier.
    stems: std::collections::HashMap<String, usize>,
    labels: std::collections::HashMap<String, usize>,
}

/// A heading or a name to match against one: lower-case, inner spaces collapsed, without
/// trailing `?`, `:`, `.` and spaces.
pub fn heading_key(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['?', ':', '.', ' '])
        .to_owned()
}

/// A heading's key without what qualifies it: its numbering (`3. `, `II)`), what is in
/// brackets (`(findings)`, `(s)`, `[draft]`) and what follows an ` and `, `&`, `/`, ` - `
/// or `:` — `Root cause(s) and trigger` is a *root cause* section, `Contributing Factors
/// (findings)` a *contributing factors* one. `None` when nothing qualifies it.
pub fn heading_stem(key: &str) -> Option<String> {
    let mut text = key.trim_start_matches(|c: char| {
        c.is_ascii_digit() || matches!(c, '.' | ')' | ' ' | '#' | '-' | '*')
    });
    // A roman numeral before `.` or `)`: `iv. root cause`.
    if let Some((number, rest)) = text.split_once(['.', ')']) {
        if !number.is_empty() && number.chars().all(|c| matches!(c, 'i' | 'v' | 'x')) {
            text = rest.trim_start();
        }
    }
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let cut = [" and ", " & ", "/", " - ", " – ", " — ", ":", " + ", ","]
        .iter()
        .filter_map(|separator| plain.find(separator))
        .min()
        .unwrap_or(plain.len());
    let stem = heading_key(&plain[..cut]);
    (!stem.is_empty() && stem != key).then_some(stem)
}

impl Body {
    /// The first section whose heading is one of `keys`, already [`heading_key`]s: a
    /// mapping normalises its headings once, not once per document. A heading that says
    /// exactly one of them wins over one that says it with a qualifier ([`heading_stem`]).
    pub fn section(&self, keys: &[String]) -> Option<&Section> {
        let index = self.index();
        keys.iter()
            .find_map(|wanted| index.sections.get(wanted))
            .or_else(|| keys.iter().find_map(|wanted| index.stems.get(wanted)))
            .map(|&at| &self.sections[at])
    }

    /// The label line named `key` (a [`heading_key`]).
    pub fn label(&self, key: &str) -> Option<&Label> {
        self.index().labels.get(key).map(|&at| &self.labels[at])
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            for (at, section) in self.sections.iter().enumerate() {
                index.sections.entry(section.key.clone()).or_insert(at);
                if let Some(stem) = heading_stem(&section.key) {
                    index.stems.entry(stem).or_insert(at);
                }
            }
            for (at, label) in self.labels.iter().enumerate() {
                index.labels.entry(label.name.clone()).or_insert(at);
            }
            index
        })
    }

    /// The first heading of `level` (1 for `#`).
    pub fn heading(&self, level: u8) -> Option<&Section> {
        self.sections.iter().find(|section| section.level == level)
    }
}

/// Inline content being collected.
#[derive(Default)]
struct Inline {
    text: Text,
    emphasis: usize,
    strong: usize,
    plain: bool,
    bold: String,
    /// A label line: the bold lead text, and what follows it.
    lead: Option<String>,
    after_lead: Option<AfterLead>,
}

/// What follows a label's bold lead.
#[derive(Default)]
struct AfterLead {
    text: String,
    plain: bool,
    links: Vec<String>,
}

impl Inline {
    fn starting(at: usize) -> Inline {
        Inline {
            text: Text {
                span: at..at,
                ..Text::default()
            },
            ..Inline::default()
        }
    }

    fn push(&mut self, words: &str) {
        if self.emphasis == 0 && !words.trim().is_empty() {
            self.plain = true;
        }
        if self.strong > 0 {
            self.bold.push_str(words);
        }
        if let Some(after) = &mut self.after_lead {
            after.text.push_str(words);
            if self.emphasis == 0 && !words.trim().is_empty() {
                after.plain = true;
            }
        }
        self.text.text.push_str(words);
    }

    fn finish(mut self, end: usize) -> (Text, Vec<Label>) {
        self.text.span.end = end;
        self.text.hint = !self.plain && !self.text.text.trim().is_empty();
        let bold = match (self.lead, self.after_lead) {
            (Some(lead), Some(after)) if lead.trim_end().ends_with(':') => {
                // `**Date:** 2026-03-02` then `**Authors:** …` on the next line: each line
                // is a label of its own.
                let mut lines = after.text.split('\n');
                let value = lines.next().unwrap_or("").trim().to_owned();
                let mut labels = vec![Label {
                    name: heading_key(&lead),
                    value: Text {
                        hint: !after.plain && !value.is_empty(),
                        text: value,
                        span: self.text.span.clone(),
                        strong: Vec::new(),
                        links: after.links,
                    },
                }];
                labels.extend(lines.filter_map(|line| plain_label(line, &self.text)));
                Some(labels)
            }
            _ => None,
        };
        let labels = match bold {
            Some(labels) => labels,
            // `Date: 2026-03-02` lines, as plain templates write them.
            None => self
                .text
                .text
                .lines()
                .filter_map(|line| plain_label(line, &self.text))
                .collect(),
        };
        (self.text, labels)
    }
}

/// `Name(s): Jane Doe` — a short label, a colon, a value — on a line of a paragraph.
fn plain_label(line: &str, paragraph: &Text) -> Option<Label> {
    let (name, value) = line.split_once(':')?;
    let words = name.split_whitespace().count();
    let value = value.trim();
    let plausible = (1..=4).contains(&words)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && name.chars().all(|c| c.is_alphanumeric() || " ()/'-_".contains(c))
        && !value.is_empty()
        // `https://…` is no label.
        && !value.starts_with("//");
    plausible.then(|| Label {
        name: heading_key(name),
        value: Text {
            text: value.to_owned(),
            span: paragraph.span.clone(),
            hint: paragraph.hint,
            strong: Vec::new(),
            links: Vec::new(),
        },
    })
}

/// Where inline text is going.
enum Container {
    Heading(HeadingLevel, usize),
    Paragraph,
    Cell,
}

/// Parses the body that starts at byte `start` of `text` (offsets are file offsets).
pub fn parse(text: &str, start: usize) -> Body {
    let body_text = text.get(start..).unwrap_or("");
    let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut body = Body::default();
    // Blocks before the first heading belong to an unnamed section.
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<(Container, Inline)> = None;
    let mut list_depth = 0usize;
    let mut quote_depth = 0usize;
    let mut items: Vec<ListItem> = Vec::new();
    let mut item: Option<(Inline, Option<bool>)> = None;
    let mut table: Option<Table> = None;
    let mut row: Vec<Text> = Vec::new();

    let flush_section = |body: &mut Body, blocks: &mut Vec<Block>| {
        let taken = std::mem::take(blocks);
        match body.sections.last_mut() {
            Some(section) => section.blocks.extend(taken),
            None if !taken.is_empty() => body.sections.push(Section {
                heading: String::new(),
                key: String::new(),
                level: 0,
                heading_span: start..start,
                blocks: taken,
            }),
            None => {}
        }
    };

    for (event, range) in Parser::new_ext(body_text, options).into_offset_iter() {
        let range = start + range.start..start + range.end;
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((
                    Container::Heading(level, range.start),
                    Inline::starting(range.start),
                ));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((Container::Heading(level, at), inline)) = current.take() {
                    flush_section(&mut body, &mut blocks);
                    let (heading, _) = inline.finish(range.end);
                    body.headings.push(super::markdown::Heading {
                        level: level as u8,
                        span: at..range.end,
                        content_start: range.end,
                        title: heading.text.clone().into(),
                    });
                    let heading = Text {
                        text: heading.text.replace('\n', " "),
                        ..heading
                    };
                    let line_end = text[at..range.end]
                        .trim_end()
                        .find('\n')
                        .map_or(at + text[at..range.end].trim_end().len(), |n| at + n);
                    body.sections.push(Section {
                        key: heading_key(&heading.text),
                        heading: heading.text.trim().to_owned(),
                        level: level as u8,
                        heading_span: at..line_end,
                        blocks: Vec::new(),
                    });
                }
            }
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Paragraph) if quote_depth == 0 => {
                if list_depth == 0 && table.is_none() {
                    current = Some((Container::Paragraph, Inline::starting(range.start)));
                } else if let Some((inline, _)) = &mut item {
                    // A loose list item's paragraphs run on.
                    if !inline.text.text.is_empty() {
                        inline.push(" ");
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if matches!(current, Some((Container::Paragraph, _))) {
                    if let Some((_, inline)) = current.take() {
                        let end = range.start + text[range.clone()].trim_end().len();
                        let (paragraph, labels) = inline.finish(end);
                        body.labels.extend(labels);
                        if !paragraph.text.trim().is_empty() {
                            blocks.push(Block::Paragraph(paragraph));
                        }
                    }
                }
            }
            Event::Start(Tag::List(_)) => {
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 && quote_depth == 0 && !items.is_empty() {
                    blocks.push(Block::List(std::mem::take(&mut items)));
                }
            }
            Event::Start(Tag::Item) => {
                if list_depth == 1 {
                    item = Some((Inline::starting(range.start), None));
                } else if let Some((inline, _)) = &mut item {
                    inline.push("; ");
                }
            }
            Event::End(TagEnd::Item) if list_depth == 1 => {
                if let Some((inline, task)) = item.take() {
                    let end = text[range.clone()].trim_end().len() + range.start;
                    // `- **Date:** 2025-04-09`: a label in a bullet is a label too.
                    let bold_lead = inline.lead.is_some();
                    let (text, labels) = inline.finish(end);
                    if bold_lead {
                        body.labels.extend(labels);
                    }
                    if quote_depth == 0 {
                        items.push(ListItem { text, task });
                    }
                }
            }
            Event::TaskListMarker(done) => {
                if let Some((_, task)) = &mut item {
                    if task.is_none() {
                        *task = Some(done);
                    }
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(Table {
                    header: Vec::new(),
                    rows: Vec::new(),
                    span: range.clone(),
                });
            }
            Event::End(TagEnd::Table) => {
                if let Some(done) = table.take() {
                    if quote_depth == 0 {
                        blocks.push(Block::Table(done));
                    }
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(table) = &mut table {
                    table.header = std::mem::take(&mut row);
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(table) = &mut table {
                    table.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Start(Tag::TableCell) => {
                current = Some((Container::Cell, Inline::starting(range.start)));
            }
            Event::End(TagEnd::TableCell) => {
                if let Some((Container::Cell, inline)) = current.take() {
                    let (mut cell, _) = inline.finish(range.end);
                    cell.text = cell.text.trim().to_owned();
                    row.push(cell);
                }
            }
            Event::Start(Tag::Emphasis) => {
                with_inline(&mut current, &mut item, |i| i.emphasis += 1)
            }
            Event::End(TagEnd::Emphasis) => with_inline(&mut current, &mut item, |i| {
                i.emphasis = i.emphasis.saturating_sub(1)
            }),
            Event::Start(Tag::Strong) => with_inline(&mut current, &mut item, |i| {
                i.strong += 1;
                i.bold.clear();
            }),
            Event::End(TagEnd::Strong) => with_inline(&mut current, &mut item, |i| {
                i.strong = i.strong.saturating_sub(1);
                if i.strong == 0 {
                    let bold = std::mem::take(&mut i.bold);
                    // A paragraph that opens with bold text: perhaps a label line.
                    if i.lead.is_none() && i.text.text.trim() == bold.trim() {
                        i.lead = Some(bold.trim().to_owned());
                        i.after_lead = Some(AfterLead::default());
                    }
                    i.text.strong.push(bold.trim().to_owned());
                }
            }),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let url = dest_url.to_string();
                with_inline(&mut current, &mut item, move |i| {
                    if let Some(after) = &mut i.after_lead {
                        after.links.push(url.clone());
                    }
                    i.text.links.push(url);
                });
            }
            Event::Text(words) | Event::Code(words) => {
                with_inline(&mut current, &mut item, |i| i.push(&words));
            }
            // Line breaks kept: a paragraph of `Label: value` lines is read line by line.
            Event::SoftBreak | Event::HardBreak => {
                with_inline(&mut current, &mut item, |i| i.push("\n"));
            }
            _ => {}
        }
    }
    flush_section(&mut body, &mut blocks);
    body
}

/// Applies `change` to the inline text being collected: a heading, paragraph or cell first,
/// else the list item.
fn with_inline(
    current: &mut Option<(Container, Inline)>,
    item: &mut Option<(Inline, Option<bool>)>,
    change: impl FnOnce(&mut Inline),
) {
    if let Some((_, inline)) = current {
        change(inline);
    } else if let Some((inline, _)) = item {
        change(inline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_blocks_labels_and_hints() {
        let text = "**Postmortem Owner:** _Your name goes here._\n\n**Incident lead:** Jane Doe\n\n\
# Title\n\n## Root Causes\n\n_Describe the cause._\n\nThe VPN had no MFA.\n\n\
## Action Items\n\n| Action Item | Type | Owner | Bug |\n|---|---|---|---|\n| Enable MFA | prevent | jane | **DONE** [SEC-1](https://t/SEC-1) |\n\n\
## What Went Well?\n\n* We paged fast\n* _List anything._\n\n- [x] Rotate keys\n";
        let body = parse(text, 0);
        let keys: Vec<&str> = body.sections.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            ["", "title", "root causes", "action items", "what went well"]
        );
        assert!(body.label("postmortem owner").expect("label").value.hint);
        assert_eq!(
            body.label(&heading_key("Incident Lead"))
                .expect("label")
                .value
                .text,
            "Jane Doe"
        );

        let root = body
            .section(&["root cause".into(), "root causes".into()])
            .expect("section");
        let Block::Paragraph(hint) = &root.blocks[0] else {
            panic!("a paragraph")
        };
        assert!(hint.hint);
        let Block::Paragraph(cause) = &root.blocks[1] else {
            panic!("a paragraph")
        };
        assert_eq!(cause.content(), Some("The VPN had no MFA."));
        assert_eq!(&text[cause.span.clone()], "The VPN had no MFA.");
        assert_eq!(&text[root.heading_span.clone()], "## Root Causes");

        let items = body.section(&["action items".into()]).expect("section");
        let Block::Table(table) = &items.blocks[0] else {
            panic!("a table")
        };
        let header: Vec<&str> = table.header.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(header, ["Action Item", "Type", "Owner", "Bug"]);
        let bug = &table.rows[0][3];
        assert_eq!(bug.strong, ["DONE"]);
        assert_eq!(bug.links, ["https://t/SEC-1"]);
        assert!(text[bug.span.clone()].contains("SEC-1"));

        let well = body.section(&["what went well".into()]).expect("section");
        let Block::List(first) = &well.blocks[0] else {
            panic!("a list")
        };
        assert_eq!(first[0].text.content(), Some("We paged fast"));
        assert!(first[1].text.hint);
        let Block::List(tasks) = &well.blocks[1] else {
            panic!("a task list")
        };
        assert_eq!(tasks[0].task, Some(true));
        assert_eq!(tasks[0].text.text.trim(), "Rotate keys");
    }

    #[test]
    fn offsets_are_file_offsets() {
        let text = "---\nid: PM-1\n---\n## Impact\n\nHalf the users.\n";
        let body = parse(text, 17);
        let Block::Paragraph(impact) = &body.sections[0].blocks[0] else {
            panic!("a paragraph")
        };
        assert_eq!(&text[impact.span.clone()], "Half the users.");
    }
}
