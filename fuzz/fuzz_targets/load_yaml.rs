//! A YAML file (a stream of documents) through the loader's own path: UTF-8 check,
//! `parse_file_for`, then every span of every problem and node turned into a place.
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
    let parsed = parse_file_for(PathBuf::from("incidents/f.yaml"), text, Format::Yaml, false);
    common::touch_parsed(&parsed);
});
