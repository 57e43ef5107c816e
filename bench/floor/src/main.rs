//! The parse floor: read every `*.yaml`/`*.yml` file under the given folders and parse it
//! into a `serde_yaml::Value`, on N threads, and nothing else. No checker that reads the
//! same files can be faster than this, so `bench/compare.sh` reports `lessons` as a ratio
//! to it.
//!
//! Usage: `lessons-parse-floor [-j N] DIR...` (N threads, default 2). Prints
//! `files: X, parsed: Y, failed: Z, bytes: B`; a file that cannot be read or parsed counts
//! as failed.
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Every YAML file under `dir`, hidden folders skipped.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str());
        if entry.file_type()?.is_dir() {
            if !entry.file_name().to_string_lossy().starts_with('.') {
                walk(&path, files)?;
            }
        } else if matches!(extension, Some("yaml" | "yml")) {
            files.push(path);
        }
    }
    Ok(())
}

/// The bytes read from `path`, and whether they parsed.
fn parse(path: &Path) -> (usize, bool) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return (0, false);
    };
    let parsed = serde_yaml::from_str::<serde_yaml::Value>(&text).is_ok();
    (text.len(), parsed)
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("lessons-parse-floor: {problem}\nusage: lessons-parse-floor [-j N] DIR...");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut threads, mut dirs) = (2, Vec::new());
    while let Some(arg) = args.next() {
        if arg != "-j" {
            dirs.push(PathBuf::from(arg));
            continue;
        }
        match args.next().and_then(|n| n.parse().ok()) {
            Some(n) if n > 0 => threads = n,
            _ => return usage("-j needs a positive number"),
        }
    }
    if dirs.is_empty() {
        return usage("no folder given");
    }
    let mut files = Vec::new();
    for dir in &dirs {
        if let Err(error) = walk(dir, &mut files) {
            eprintln!("lessons-parse-floor: {}: {error}", dir.display());
            return ExitCode::from(2);
        }
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads);
    let pool = pool.build().expect("a thread pool");
    let results: Vec<_> = pool.install(|| files.par_iter().map(|p| parse(p)).collect());
    let parsed = results.iter().filter(|(_, ok)| *ok).count();
    let bytes: usize = results.iter().map(|(len, _)| len).sum();
    let (files, failed) = (files.len(), files.len() - parsed);
    println!("files: {files}, parsed: {parsed}, failed: {failed}, bytes: {bytes}");
    ExitCode::SUCCESS
}
