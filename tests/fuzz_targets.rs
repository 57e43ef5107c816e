//! The fuzz targets of `fuzz/` build against the library as it is, so they never rot: CI
//! checks them on stable (running them needs nightly and cargo-fuzz; see fuzz/README.md).

use std::path::Path;

#[test]
fn the_fuzz_targets_build() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--bins", "--manifest-path"])
        .arg(project.join("fuzz/Cargo.toml"))
        // Its own target folder: the suite's cargo holds the lock on the project's.
        .env("CARGO_TARGET_DIR", project.join("fuzz/target"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo check of fuzz/ failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
