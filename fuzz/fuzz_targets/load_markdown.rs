//! A Markdown file through the loader's own path: front matter found (the standard
//! `---` style or comply's headerless YAML header closed by `---`, both in
//! `document::markdown::find_front_matter`), the YAML parsed at its offset in the file, the
//! body split into sections. Parsed twice: as a plain document and with the body read as
//! data (what a `formats:` mapping that reads the body asks for).
#![no_main]

use std::path::PathBuf;

use lessons::document::{parse_file_for, Format};
use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(text) = common::text_of(data) else {
        return;
    };
    let plain = parse_file_for(PathBuf::from("postmortems/f.md"), text.clone(), Format::Markdown, false);
    common::touch_parsed(&plain);
    let with_body = parse_file_for(PathBuf::from("postmortems/f.md"), text, Format::Markdown, true);
    common::touch_parsed(&with_body);
    // Problems do not depend on whether the body is read as data.
    assert_eq!(plain.problems, with_body.problems, "problems differ with the body read as data");
    assert_eq!(plain.documents.len(), with_body.documents.len());
    if let Some(body) = with_body.documents.first().and_then(|document| document.body.as_ref()) {
        for section in &body.sections {
            common::touch_span(&with_body.source, &section.heading_span, "body heading");
        }
        for heading in &body.headings {
            common::touch_span(&with_body.source, &heading.span, "body heading (sections)");
        }
        for label in &body.labels {
            common::touch_span(&with_body.source, &label.value.span, "body label");
        }
    }
});
