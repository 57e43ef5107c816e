//! Applying a [`Mapping`] to one document: the mapped fields replace the record's, each
//! with the span of its source; the record's other fields stay (unknown fields are allowed
//! and visible to rules), except those a mapping consumed under another name.

use std::collections::{HashMap, HashSet};

use super::body::{self, Body};
use super::items::{self, entry, map_node, text_node};
use super::prose;
use super::{FieldOrigin, Mapping, Source, LIST_TARGETS};
use crate::document::date::Moment;
use crate::document::{markdown, Document, Entry, Format, Node, SourceFile, Value};

/// What one target became, and from where.
struct Mapped {
    node: Node,
    from: String,
}

/// The document `mapping` makes of `document` (of the file `source`).
pub fn apply(
    mapping: &Mapping,
    mut document: Document,
    source: &SourceFile,
    placeholders: &[String],
) -> Document {
    let root = &document.root;
    let record = mapping
        .within
        .as_ref()
        .and_then(|within| within.find(root))
        .filter(|node| matches!(node.value, Value::Map(_)))
        .unwrap_or(root);
    // Parsed with the file when the mapping was known then; else here.
    let parsed = document.body.take();
    let body = (source.format == Format::Markdown && mapping.reads_body()).then(|| {
        parsed.unwrap_or_else(|| {
            let start = match markdown::find_front_matter(source.text()) {
                markdown::Header::Found(front) => front.body_start,
                _ => 0,
            };
            std::sync::Arc::new(body::parse(source.text(), start))
        })
    });
    let file_name = source
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(because) = mapping.skipped(record, root, &file_name) {
        document.skipped = Some(because.to_owned());
        document.declared_kind = None;
        return document;
    }
    let at = root.span().start..root.span().start;
    let lookups = super::source::Lookups::default();
    let context = Context {
        root,
        body: body.as_deref(),
        file_name: &file_name,
        at: &at,
        placeholders,
        lookups: &lookups,
    };

    let mut results: Vec<(String, Option<Mapped>)> = Vec::new();
    let mut consumed: HashSet<String> = HashSet::new();
    // The record wrapped in `within` is read, not kept.
    if let Some(key) = mapping.within.as_ref().and_then(|within| within.top_key()) {
        consumed.insert(key.to_owned());
    }
    for (target, source) in mapping.fields.iter() {
        for key in read_keys(source) {
            if key != first_key(target) {
                consumed.insert(key.to_owned());
            }
        }
        results.push((target.clone(), evaluate(source, record, &context)));
    }
    // The document's own fields by key, for the sections' look at each: one search of them
    // per section target was quadratic in both.
    let own: HashMap<&str, &Node> = match &root.value {
        Value::Map(entries) if !mapping.sections.is_empty() => entries
            .iter()
            .rev()
            .map(|entry| (entry.key.as_str(), &entry.value))
            .collect(),
        _ => HashMap::new(),
    };
    // The day and zone of a timeline's bare times, when the timeline does not say them.
    let timeline_day = ["date", "detected", "started", "start_time"]
        .iter()
        .find_map(|key| own.get(key).and_then(|node| node.scalar_text()))
        .or_else(|| {
            let body = body.as_deref()?;
            ["date", "incident date", "date of incident"]
                .iter()
                .find_map(|key| body.label(key))
                .and_then(|label| label.value.content().map(str::to_owned))
        })
        .and_then(|text| Moment::parse(&text).or_else(|| Moment::parse(text.get(..10)?)))
        .map(|moment| moment.date.to_string());
    // Looked for only when the mapping reads a timeline from the body.
    let reads_timeline = mapping
        .sections
        .iter()
        .any(|(target, _)| target == "timeline");
    let timeline_zone = body.as_deref().filter(|_| reads_timeline).and_then(|body| {
        body.sections.iter().find_map(|section| {
            section.blocks.iter().find_map(|block| match block {
                body::Block::Paragraph(text) => crate::document::zone::in_note(&text.text),
                _ => None,
            })
        })
    });
    let around = Around {
        placeholders,
        day: timeline_day.as_deref(),
        zone: timeline_zone,
    };
    for (target, section) in mapping.sections.iter() {
        // What the front matter says is not replaced by a template's section.
        let (head, rest) = split_target(target);
        let present = own.get(head).and_then(|node| match rest {
            Some(rest) => at_path(node, rest),
            None => Some(*node),
        });
        if present.is_some_and(|node| !is_empty(node)) {
            continue;
        }
        let found = body.as_ref().and_then(|body| body.section(&section.keys));
        let mapped = found
            .map(|section_found| Mapped {
                node: section_value(target, section_found, &section.maps, &around),
                from: format!("heading \"{}\"", section_found.heading),
            })
            // An empty section is no date.
            .filter(|mapped| !(DATE_TARGETS.contains(&target.as_str()) && is_empty(&mapped.node)));
        results.push((target.clone(), mapped));
    }

    // A date written as people write it (`2024-06-14 15:00 UTC`) where a date is asked for.
    for (target, mapped) in &mut results {
        let Some(mapped) = mapped
            .as_mut()
            .filter(|_| DATE_TARGETS.contains(&target.as_str()))
        else {
            continue;
        };
        if let Some(at) = mapped.node.as_str().and_then(items::written_moment) {
            mapped.node.value = Value::text(at);
        }
    }
    // The record's fields, less those renamed; then every mapped target.
    let mut entries: Vec<Entry> = match &root.value {
        Value::Map(entries) => entries
            .iter()
            .filter(|entry| !consumed.contains(entry.key.as_str()))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let mut origins = Vec::new();
    let mut targets = Targets::default();
    for (target, mapped) in results {
        let Some(mapped) = mapped else { continue };
        origins.push(FieldOrigin {
            target: target.clone(),
            from: mapped.from,
            span: mapped.node.span(),
        });
        targets.insert(&target, mapped.node);
    }
    targets.merge_into(&mut entries);
    // A cause stated in prose, when no field or section gives one.
    if let Some(body) = body.as_deref() {
        let stated = entries
            .iter()
            .find(|entry| entry.key == "root_cause")
            .is_some_and(|entry| !is_empty(&entry.value));
        if !stated {
            let elsewhere: Vec<String> = mapping
                .sections
                .iter()
                .filter(|(target, _)| {
                    target.as_str() == "timeline"
                        || target.as_str() == "action_items"
                        || LIST_TARGETS.contains(&target.as_str())
                })
                .filter_map(|(_, section)| body.section(&section.keys))
                .map(|section| section.key.clone())
                .collect();
            if let Some((sentence, span, heading)) = prose::cause(body, &elsewhere, placeholders) {
                let under = if heading.is_empty() {
                    String::new()
                } else {
                    format!(" under \"{heading}\"")
                };
                origins.push(FieldOrigin {
                    target: "root_cause".into(),
                    from: format!(
                        "the sentence \"{}\"{under}",
                        crate::finding::shortened(&sentence, 100)
                    ),
                    span: span.clone(),
                });
                let mut cause = Targets::default();
                cause.insert("root_cause", text_node(&sentence, span));
                cause.merge_into(&mut entries);
            }
        }
    }
    // A post-mortem's detection is the first timeline entry that says so (an alert, a
    // page, a report), else its first entry — then the time to detect is not known.
    if body.is_some() && !has(&entries, "detected") {
        let found = detection(&entries)
            .map(|at| (at, DETECTION_ENTRY))
            .or_else(|| earliest(&entries).map(|at| (at, EARLIEST_ENTRY)))
            .or_else(|| {
                body.as_deref()
                    .and_then(written_date)
                    .map(|at| (at, WRITTEN_DATE))
            });
        if let Some((first, from)) = found {
            origins.push(FieldOrigin {
                target: "detected".into(),
                from: from.into(),
                span: first.span(),
            });
            let mut detected = Targets::default();
            detected.insert("detected", first);
            detected.merge_into(&mut entries);
        }
    }
    document.root = Node {
        value: Value::map(entries),
        span: document.root.span().into(),
    };
    document.id = document
        .root
        .get("id")
        .or_else(|| document.root.get("acronym"))
        .and_then(Node::scalar_text)
        .map(std::sync::Arc::from);
    document.declared_kind = mapping
        .kind
        .clone()
        .or_else(|| document.declared_kind.clone());
    document.origins = origins;
    document.presets.clone_from(&mapping.presets);
    document
}

struct Context<'a> {
    /// The document itself: a path not found inside `within` is read here.
    root: &'a Node,
    body: Option<&'a Body>,
    file_name: &'a str,
    /// Where a value with no place of its own (a constant) points: the document's start.
    at: &'a crate::document::Span,
    placeholders: &'a [String],
    /// The document's `[key=value]` indexes.
    lookups: &'a super::source::Lookups,
}

impl Mapping {
    /// Whether the mapping reads a Markdown body (sections, labels, headings).
    pub fn reads_body(&self) -> bool {
        !self.sections.is_empty()
            || self.fields.iter().any(|(_, source)| {
                matches!(
                    source,
                    Source::Label(..) | Source::Heading(_) | Source::Shortcode(_)
                )
            })
    }
}

/// The top-level fields of the record a source reads.
fn read_keys(source: &Source) -> Vec<&str> {
    match source {
        Source::From { paths, .. } | Source::Each { paths, .. } => {
            paths.iter().filter_map(|path| path.top_key()).collect()
        }
        Source::First(sources) => sources.iter().flat_map(read_keys).collect(),
        _ => Vec::new(),
    }
}

/// [`find_first`], and whether any of `paths` was there at all (blank or not), in one
/// search: a record of 2,000 keys mapped by 99,000 sources is searched once per source.
fn find_first_had<'a>(
    paths: &'a [super::source::SourcePath],
    record: &'a Node,
    context: &Context<'a>,
) -> (Option<(&'a super::source::SourcePath, &'a Node)>, bool) {
    let mut had = false;
    for path in paths {
        let Some(node) = path
            .find_with(record, context.lookups)
            .or_else(|| path.find_with(context.root, context.lookups))
        else {
            continue;
        };
        had = true;
        let blank = node
            .as_str()
            .is_some_and(|text| items::is_placeholder(text, context.placeholders));
        if !blank {
            return (Some((path, node)), true);
        }
    }
    (None, had)
}

/// The first of `paths` found in `record`, else at the document's top.
fn find_first<'a>(
    paths: &'a [super::source::SourcePath],
    record: &'a Node,
    context: &Context<'a>,
) -> Option<(&'a super::source::SourcePath, &'a Node)> {
    paths.iter().find_map(|path| {
        path.find_with(record, context.lookups)
            .or_else(|| path.find_with(context.root, context.lookups))
            // `start_time: ""`, `owner: TBD`: a value left blank is no value.
            .filter(|node| {
                !node
                    .as_str()
                    .is_some_and(|text| items::is_placeholder(text, context.placeholders))
            })
            .map(|node| (path, node))
    })
}

fn first_key(target: &str) -> &str {
    target.split('.').next().unwrap_or(target)
}

fn evaluate<'a>(source: &'a Source, record: &'a Node, context: &Context<'a>) -> Option<Mapped> {
    match source {
        Source::First(sources) => sources
            .iter()
            .find_map(|source| evaluate(source, record, context)),
        Source::From {
            paths,
            map,
            default,
            seen,
        } => {
            let (found, had) = find_first_had(paths, record, context);
            // Had by the document, even when blank there: not a misspelt source.
            if let (Some(seen), true) = (seen, had) {
                seen.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            match found {
                Some((path, node)) => {
                    let mut node = node.clone();
                    if let (Some(map), Some(text)) = (map, node.scalar_text()) {
                        if let Some(target) = super::mapped(map, &text) {
                            node.value = Value::text(target);
                        }
                    }
                    Some(Mapped {
                        node,
                        from: format!("field `{}`", path.text()),
                    })
                }
                None => default.as_ref().map(|value| Mapped {
                    node: Node {
                        value: value.clone(),
                        span: context.at.clone().into(),
                    },
                    from: "the mapping's default".into(),
                }),
            }
        }
        Source::Constant(value) => Some(Mapped {
            node: Node {
                value: value.clone(),
                span: context.at.clone().into(),
            },
            from: "a constant of the mapping".into(),
        }),
        Source::FileName(pattern) => {
            let captured = pattern
                .regex
                .captures(context.file_name)?
                .get(1)?
                .as_str()
                .to_owned();
            Some(Mapped {
                node: text_node(&captured, context.at.clone()),
                from: format!("the file name `{}`", context.file_name),
            })
        }
        Source::Label(labels, map) => {
            let body = context.body?;
            let label = labels.iter().find_map(|name| body.label(name))?;
            let text = label
                .value
                .content()
                .filter(|text| !items::is_placeholder(text, context.placeholders))?;
            let text = map
                .as_ref()
                .and_then(|map| super::mapped(map, text))
                .unwrap_or_else(|| text.to_owned());
            Some(Mapped {
                node: text_node(&text, label.value.span.clone()),
                from: format!("label **{}:**", label.name),
            })
        }
        Source::Shortcode(name) => {
            let entries = items::shortcode_timeline(context.body?, name, context.placeholders);
            let span = entries.first()?.span();
            Some(Mapped {
                node: Node {
                    value: Value::list(entries),
                    span: span.into(),
                },
                from: format!("the updates' {{{{< {name} >}}}} times"),
            })
        }
        Source::Heading(level) => {
            let section = context.body?.heading(*level)?;
            Some(Mapped {
                node: text_node(&section.heading, section.heading_span.clone()),
                from: format!("the level-{level} heading"),
            })
        }
        Source::Each { paths, fields } => {
            let (path, list) = find_first(paths, record, context)?;
            let Value::Seq(entries) = &list.value else {
                return None;
            };
            // Known once for the list, not searched for again on each of its entries.
            let owned: Vec<&str> = ["owner", "due"]
                .into_iter()
                .filter(|field| fields.iter().any(|(target, _)| target == field))
                .collect();
            let items = entries
                .iter()
                .map(|item| {
                    let inner = Context {
                        root: item,
                        ..*context
                    };
                    let mut mapped: Vec<Entry> = fields
                        .iter()
                        .filter_map(|(target, source)| {
                            let value = evaluate(source, item, &inner)?;
                            Some(entry(target, value.node))
                        })
                        .collect();
                    // Tracked in a ticket: the fields the export has no place for.
                    let ticketed = mapped.iter().any(|field| {
                        field.key == "ticket"
                            && field
                                .value
                                .scalar_text()
                                .is_some_and(|t| !t.trim().is_empty())
                    });
                    let missing: Vec<Node> = ["owner", "due"]
                        .into_iter()
                        .filter(|field| !owned.contains(field))
                        .map(|field| text_node(field, item.span()))
                        .collect();
                    if ticketed && !missing.is_empty() {
                        mapped.push(entry(
                            "in_ticket",
                            Node {
                                value: Value::list(missing),
                                span: item.span().into(),
                            },
                        ));
                    }
                    map_node(mapped, item.span())
                })
                .collect();
            Some(Mapped {
                node: Node {
                    value: Value::list(items),
                    span: list.span().into(),
                },
                from: format!("each entry of `{}`", path.text()),
            })
        }
    }
}

/// A body section as the target's type wants it.
/// What a section is read with besides itself.
struct Around<'a> {
    placeholders: &'a [String],
    /// The document's date, for a timeline's times with no day of their own.
    day: Option<&'a str>,
    /// The zone a note anywhere in the document names (`All times in CET`).
    zone: Option<crate::document::zone::Zone>,
}

fn section_value(
    target: &str,
    section: &body::Section,
    maps: &items::ItemMaps,
    around: &Around,
) -> Node {
    let placeholders = around.placeholders;
    let span = section.heading_span.clone();
    let list = |nodes: Vec<Node>| Node {
        value: Value::list(nodes),
        span: span.clone().into(),
    };
    match target {
        "timeline" => list(items::timeline(
            section,
            placeholders,
            around.day,
            around.zone,
        )),
        "action_items" => list(items::action_items(section, maps, placeholders)),
        _ if LIST_TARGETS.contains(&target) => {
            list(items::list(section, placeholders, target == "responders"))
        }
        _ => match items::text(section, placeholders) {
            // "Still unknown": the section is there, the cause is not.
            Some(_)
                if target == "root_cause"
                    && items::text(section, placeholders)
                        .is_some_and(|(text, _)| prose::says_not_known(&text)) =>
            {
                text_node("", span.clone())
            }
            Some((text, at)) => text_node(&text, at),
            // A section that holds only a template's hint: empty, at its heading.
            None => text_node("", span.clone()),
        },
    }
}

/// Targets that hold a date: an empty section does not set them.
const DATE_TARGETS: &[&str] = &[
    "detected",
    "contained",
    "resolved",
    "closed",
    "review.held_on",
];

fn at_path<'a>(root: &'a Node, target: &str) -> Option<&'a Node> {
    target.split('.').try_fold(root, |node, key| node.get(key))
}

fn is_empty(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Seq(items) => items.is_empty(),
        Value::Map(entries) => entries.is_empty(),
        _ => node.as_str().is_some_and(|text| text.trim().is_empty()),
    }
}

fn has(entries: &[Entry], key: &str) -> bool {
    entries
        .iter()
        .any(|entry| entry.key == key && !matches!(entry.value.value, Value::Null))
}

/// Where `detected` came from when a timeline entry's event says it was detected.
pub const DETECTION_ENTRY: &str = "the first timeline entry that says it was detected";
/// Where `detected` came from when no entry says so: the time to detect is not known.
pub const EARLIEST_ENTRY: &str = "the earliest timeline entry (none says when it was detected)";

/// Where `detected` came from when neither a field nor a timeline gives it: the date the
/// title or the opening paragraph names (`Master election loop: May 14, 2024`).
pub const WRITTEN_DATE: &str = "the date the title or the opening paragraph names";

/// The first date of the body's level-1 heading, else of its first paragraph.
fn written_date(body: &Body) -> Option<Node> {
    let title = body
        .heading(1)
        .map(|section| (section.heading.as_str(), section.heading_span.clone()));
    // The opening paragraphs: a byline (`By: …`) may come before the one with the date.
    let opening = body
        .sections
        .iter()
        .flat_map(|section| &section.blocks)
        .filter_map(|block| match block {
            body::Block::Paragraph(text) => text.content().map(|words| (words, text.span.clone())),
            _ => None,
        })
        .take(3);
    title.into_iter().chain(opening).find_map(|(text, span)| {
        let day = items::day_in(text)?;
        Some(text_node(&day, span))
    })
}

/// The timeline's `(moment, at, event)` of each entry whose `at` is a date, earliest first.
fn dated(entries: &[Entry]) -> Vec<(Moment, &Node, String)> {
    let Some(Value::Seq(moments)) = entries
        .iter()
        .find(|entry| entry.key == "timeline")
        .map(|timeline| &timeline.value.value)
    else {
        return Vec::new();
    };
    let mut dated: Vec<(Moment, &Node, String)> = moments
        .iter()
        .filter_map(|moment| {
            let at = moment.get("at")?;
            let event = moment
                .get("event")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            Some((Moment::parse(&at.scalar_text()?)?, at, event))
        })
        .collect();
    dated.sort_by_key(|(moment, _, _)| moment.epoch_seconds());
    dated
}

/// The earliest timeline entry's `at` that is a date.
fn earliest(entries: &[Entry]) -> Option<Node> {
    dated(entries).first().map(|(_, at, _)| (*at).clone())
}

/// The `at` of the earliest entry whose event says the incident was detected: an alert
/// fired, someone was paged, noticed or reported it.
fn detection(entries: &[Entry]) -> Option<Node> {
    const SAYS: &[&str] = &[
        "detect",
        "alert",
        "paged",
        "pager",
        "page ",
        "noticed",
        "notice ",
        "report",
        "discover",
        "spotted",
        "flagged",
        "became aware",
        "fired",
        "notified",
        "on-call",
        "oncall",
        "monitoring",
        "complain",
        "investigat",
        "aware",
    ];
    dated(entries)
        .into_iter()
        .find(|(_, _, event)| {
            let event = event.to_lowercase();
            SAYS.iter().any(|word| event.contains(word))
        })
        .map(|(_, at, _)| at.clone())
}

/// A dotted target's first key, and the rest of it.
fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (target, None),
    }
}

/// The mapped values by their dotted targets, each level indexed by key: a mapping of
/// 100,000 fields is set into a document in one pass, where setting each target in turn
/// searched (and, below the top, copied) the document's fields for every one of them.
#[derive(Default)]
struct Targets {
    slots: Vec<(String, Slot)>,
    index: HashMap<String, usize>,
}

enum Slot {
    Value(Node),
    /// A map of further targets, and the span of the value that made it.
    Map(Targets, crate::document::Span),
}

impl Targets {
    /// Sets the dotted `target` to `value`: a later target replaces an earlier one, and a
    /// map is made on the way where a value stood.
    fn insert(&mut self, target: &str, value: Node) {
        let (head, rest) = split_target(target);
        let at = match self.index.get(head) {
            Some(&at) => at,
            None => {
                let span = value.span();
                self.slots
                    .push((head.to_owned(), Slot::Map(Targets::default(), span)));
                self.index.insert(head.to_owned(), self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[at].1;
        match rest {
            None => *slot = Slot::Value(value),
            Some(rest) => {
                if let Slot::Value(_) = slot {
                    *slot = Slot::Map(Targets::default(), value.span());
                }
                if let Slot::Map(children, _) = slot {
                    children.insert(rest, value);
                }
            }
        }
    }

    /// Sets every target into `entries`, each level's keys found by an index.
    fn merge_into(self, entries: &mut Vec<Entry>) {
        let mut known: HashMap<String, usize> = HashMap::with_capacity(entries.len());
        for (position, entry) in entries.iter().enumerate() {
            known.entry(entry.key.to_string()).or_insert(position);
        }
        for (key, slot) in self.slots {
            let position = known.get(&key).copied();
            match slot {
                Slot::Value(value) => match position {
                    Some(position) => {
                        let known = &mut entries[position];
                        known.key_span = value.span().into();
                        known.value = value;
                    }
                    None => {
                        known.insert(key.clone(), entries.len());
                        entries.push(entry(&key, value));
                    }
                },
                Slot::Map(children, span) => {
                    let position = position.unwrap_or_else(|| {
                        entries.push(entry(&key, map_node(Vec::new(), span.clone())));
                        known.insert(key.clone(), entries.len() - 1);
                        entries.len() - 1
                    });
                    let parent = &mut entries[position].value;
                    if !matches!(parent.value, Value::Map(_)) {
                        *parent = map_node(Vec::new(), span);
                    }
                    parent
                        .value
                        .edit_map(|grandchildren| children.merge_into(grandchildren));
                }
            }
        }
    }
}
