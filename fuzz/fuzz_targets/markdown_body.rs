//! A Markdown body read as data by `document::body::parse`, what a `formats:` mapping reads
//! — sections and their blocks, label lines, headings — from the file's start and from
//! where the loader finds the front matter ending; then every item reader a mapping
//! target uses (timeline, action items, lists, text). Every span must lie in the file on
//! character boundaries, and the body's index (its sections and labels by key) must answer
//! as a search of them in order would.
#![no_main]

use std::path::PathBuf;

use lessons::document::{body, markdown, Format, SourceFile};
use lessons::formats::items;
use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(text) = common::text_of(data) else {
        return;
    };
    let source = SourceFile::new(PathBuf::from("postmortems/f.md"), text.clone(), Format::Markdown);
    let after_front_matter = match markdown::find_front_matter(&text) {
        markdown::Header::Found(front) => front.body_start,
        _ => 0,
    };
    let placeholders = ["TBD".to_owned(), "n/a".to_owned()];
    let maps = items::ItemMaps::new();
    for start in [0, after_front_matter] {
        let read = body::parse(&text, start);
        for section in &read.sections {
            common::touch_span(&source, &section.heading_span, "section heading");
            // The index finds the first section of a key, as a search in order would.
            let first = read.sections.iter().find(|known| known.key == section.key);
            assert_eq!(read.section(std::slice::from_ref(&section.key)), first);
            for node in items::timeline(section, &placeholders, Some("2026-03-02"), None)
                .iter()
                .chain(&items::action_items(section, &maps, &placeholders))
                .chain(&items::list(section, &placeholders, true))
            {
                common::walk(&source, node, &mut String::new(), &mut Vec::new(), 0);
            }
            if let Some((_, span)) = items::text(section, &placeholders) {
                common::touch_span(&source, &span, "section text");
            }
        }
        for label in &read.labels {
            common::touch_span(&source, &label.value.span, "label");
            let first = read.labels.iter().find(|known| known.name == label.name);
            assert_eq!(read.label(&label.name), first);
        }
        for heading in &read.headings {
            common::touch_span(&source, &heading.span, "heading");
        }
        for level in 1..=6 {
            let _ = read.heading(level);
        }
    }
});
