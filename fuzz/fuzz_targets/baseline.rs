//! A baseline file through `Baseline::load` (it reads a path, so the input is written to a
//! file first), and a loaded baseline written back and read again.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use lessons::policy::baseline::Baseline;
use libfuzzer_sys::fuzz_target;

fn path() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("baseline.json");
        (dir, path)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    let path = path();
    std::fs::write(path, data).expect("write the baseline");
    let Ok(baseline) = Baseline::load(path) else {
        return;
    };
    // Written as `--write-baseline` writes it, it reads back the same.
    let text = baseline.to_json();
    std::fs::write(path, &text).expect("write the baseline");
    let again = Baseline::load(path).expect("a written baseline loads");
    assert_eq!(again, baseline, "a baseline changed on its way through the file");
    // Merging it with itself keeps every entry once, counts added.
    let mut merged = Baseline::record(&[]);
    merged.keep(baseline.clone(), |_| true);
    merged.keep(baseline, |_| true);
    let _ = merged.apply(&mut []);
});
