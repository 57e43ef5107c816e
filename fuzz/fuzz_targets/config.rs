//! `.lessons.yaml` text through `Config::parse`: serde_yaml, the glob checks with their
//! offsets, and `formats:` compiled. An error's offset must point inside the text.
#![no_main]

use std::path::Path;

use lessons::workspace::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `Config::load` reads the file with `read_to_string`: text that is not UTF-8 never
    // reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(Path::new(".lessons.yaml"), text) {
        Ok(config) => {
            // What a run does next with it: which mapping each kind of file gets.
            for file in ["incidents/a.yaml", "postmortems/sre/PM-1.md", "status/x.json", "a"] {
                if let Some(mapping) = config.mappings.for_file(Path::new(file)) {
                    let _ = mapping.reads_body();
                    let _ = mapping.describe();
                }
            }
        }
        Err(error) => {
            if let Some(offset) = error.offset {
                assert!(
                    offset <= text.len(),
                    "error offset {offset} past the end ({} bytes): {}",
                    text.len(),
                    error.message
                );
                assert!(
                    text.is_char_boundary(offset),
                    "error offset {offset} is not on a character boundary: {}",
                    error.message
                );
            }
        }
    }
});
