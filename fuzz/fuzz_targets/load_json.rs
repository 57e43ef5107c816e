//! A JSON file (an incident, a VERIS record) through the loader's own path: serde_json's
//! syntax check (its line/column turned into an offset), then saphyr for the spans.
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
    let parsed = parse_file_for(PathBuf::from("veris/f.json"), text, Format::Json, false);
    common::touch_parsed(&parsed);
});
