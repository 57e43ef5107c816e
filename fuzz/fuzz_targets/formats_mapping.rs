//! A document mapped by a `formats:` entry of `.lessons.yaml`, as the loader maps it: the
//! configuration parsed (`Config::parse` compiles `formats:`), the mapping of the file
//! looked up, the file parsed with its body read as data when the mapping wants it, each
//! document mapped by `lessons::formats::apply`, then every span of the result checked.
//!
//! The first byte picks the configuration. Below 0xC0 it picks one of the fixed
//! configurations (each built-in preset, and custom entries using every kind of source);
//! from 0xC0 the configuration is fuzzed too: the input up to its first NUL byte is the
//! `.lessons.yaml`, the rest the document, and the low two bits pick the file's format.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lessons::document::{parse_file_for, Format, ParsedFile};
use lessons::workspace::Config;
use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

/// `.lessons.yaml`, the file it is applied to.
const FIXED: &[(&str, &str)] = &[
    ("formats:\n  - files: \"**/*.md\"\n    preset: cstate\n", "status/content/issues/2021-04-15-jira.md"),
    (
        "formats:\n  - files: \"**/*.md\"\n    preset: google-sre\n    fields:\n      id: { file_name: \"^(PM-\\\\d{4}-\\\\d{3})\" }\n",
        "postmortems/sre/PM-2025-014-db.md",
    ),
    ("formats:\n  - files: \"**/*.md\"\n    preset: pagerduty\n", "postmortems/pagerduty/2026-02-01.md"),
    ("formats:\n  - files: \"**/*.md\"\n    preset: markdown\n", "postmortems/2026-01-x.md"),
    ("formats:\n  - files: \"**/*.json\"\n    preset: firehydrant\n", "exports/fh-42.json"),
    ("formats:\n  - files: \"**/*.json\"\n    preset: incident-io\n", "exports/iio-42.json"),
    ("formats:\n  - files: \"**/*.json\"\n    preset: rootly\n", "exports/rootly-42.json"),
    (
        // Every kind of source, on a YAML record of a team's own shape.
        "formats:
  - files: \"**/*.yaml\"
    kind: incident
    within: record
    fields:
      id: [uuid, reference, { file_name: \"^(.+?)\\\\.yaml$\" }]
      title: { value: Fuzzed incident }
      detected: \"milestones[type=detected].occurred_at\"
      resolved: end_time
      severity: { from: sev, map: { sev1: critical, sev2: high, sev3: medium }, default: low }
      status: { from: state, map: { done: closed, \"true\": resolved }, default: resolved }
      owner: \"roles[name=Commander].user.name\"
      review.held_on: meta.review[0].date
      impact.systems: affected
      action_items:
        from: [follow_ups, tasks]
        each:
          id: id
          title: title
          owner: assignee.name
          due: due_at
          status: { from: state, map: { open: open, done: done } }
",
        "incidents/legacy/a.yaml",
    ),
    (
        // Labels, headings and sections of a Markdown body, on top of a preset.
        "formats:
  - files: \"**/*.md\"
    preset: markdown
  - files: \"notes/**\"
    kind: incident
    fields:
      id: [id, { file_name: \"^(.+?)\\\\.md$\" }]
      title: [title, { heading: 1 }, { heading: 2 }]
      owner: { label: postmortem owner }
      review.held_on: { label: [meeting scheduled for, review date] }
    sections:
      root_cause: [root cause, contributing factors]
      responders: [responders, people]
      timeline: [timeline]
      action_items:
        headings: [action items, follow-ups]
        map:
          type: { prevent: control, detect: detection }
      review.went_well: [what went well]
",
        "notes/2026/b.md",
    ),
];

fn fixed() -> &'static [Config] {
    static CONFIGS: OnceLock<Vec<Config>> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        FIXED
            .iter()
            .map(|(text, _)| {
                Config::parse(Path::new(".lessons.yaml"), text)
                    .unwrap_or_else(|error| panic!("fixed configuration: {}", error.message))
            })
            .collect()
    })
}

fn placeholders() -> &'static [String] {
    static PLACEHOLDERS: OnceLock<Vec<String>> = OnceLock::new();
    PLACEHOLDERS.get_or_init(lessons::policy::default_placeholders)
}

fn map(config: &Config, file: &str, text: String) -> Option<ParsedFile> {
    let relative = PathBuf::from(file);
    let format = Format::of(&relative).unwrap_or(Format::Yaml);
    let mapping = config.mappings.for_file(&relative)?;
    let body = mapping.reads_body();
    let mut parsed = parse_file_for(relative, text, format, body);
    let source = std::sync::Arc::clone(&parsed.source);
    parsed.documents = std::mem::take(&mut parsed.documents)
        .into_iter()
        .map(|document| lessons::formats::apply(&mapping, document, &source, placeholders()))
        .collect();
    let _ = mapping.describe();
    Some(parsed)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let parsed = if selector < 0xC0 {
        let index = usize::from(selector) % FIXED.len();
        let Some(text) = common::text_of(rest) else {
            return;
        };
        map(&fixed()[index], FIXED[index].1, text)
    } else {
        let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let (config, document) = (&rest[..split], rest.get(split + 1..).unwrap_or(&[]));
        let (Ok(config), Some(text)) = (std::str::from_utf8(config), common::text_of(document)) else {
            return;
        };
        let Ok(config) = Config::parse(Path::new(".lessons.yaml"), config) else {
            return;
        };
        let file = ["a/f.yaml", "a/f.json", "a/f.md", "a/PM-2025-001-f.md"][usize::from(selector & 3)];
        map(&config, file, text)
    };
    if let Some(parsed) = parsed {
        common::touch_parsed(&parsed);
    }
});
