//! `Session::update` in a loaded session of a generated repository: one incident edited,
//! then one policy that many incidents reference, then the roster's training renewed, each
//! many times; p50 and p95 of the update, and of the outcome assembled after it (what
//! `check` returns).
//!
//!     cargo bench --bench session                 # 10,000 incidents, generated
//!     LESSONS_BENCH_REPO=/path cargo bench --bench session
//!
//! The repository is written by `bench/generate.py` (Python 3, standard library only).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lessons::check::session::Session;
use lessons::document::date::Moment;
use lessons::Options;

/// As the binary runs: mimalloc, counted (a rule call's memory budget).
#[global_allocator]
static ALLOCATOR: lessons::util::memory::Counting<mimalloc::MiMalloc> =
    lessons::util::memory::Counting(mimalloc::MiMalloc);

fn main() {
    let mut generated = None;
    let root: PathBuf = match std::env::var_os("LESSONS_BENCH_REPO") {
        Some(path) => PathBuf::from(path),
        None => {
            let folder = tempfile_folder();
            generated = Some(folder.clone());
            let status = std::process::Command::new("python3")
                .args(["bench/generate.py", "10000"])
                .arg(&folder)
                .status()
                .expect("python3 bench/generate.py");
            assert!(status.success(), "bench/generate.py failed");
            folder
        }
    };
    let options = Options {
        paths: vec![root.clone()],
        as_of: Moment::parse("2026-11-01"),
        ..Options::default()
    };
    let started = Instant::now();
    let mut session = Session::open(&options).expect("a session");
    println!(
        "open: {:.0} ms ({} documents, {} calls recorded)",
        started.elapsed().as_secs_f64() * 1000.0,
        session.workspace().documents.len(),
        session.recorded_calls()
    );
    let started = Instant::now();
    let outcome = session.outcome();
    println!(
        "outcome: {:.0} ms ({} findings)",
        started.elapsed().as_secs_f64() * 1000.0,
        outcome.findings.len()
    );
    drop(outcome);

    let incident = first_file(&root.join("incidents"));
    let policy = first_file(&root.join("policies"));
    let roster = first_file(&root.join("people"));
    for (what, file, from, to) in [
        ("one incident", &incident, "severity: ", "severity:  "),
        ("one policy", &policy, "title: ", "title:  "),
        // One person's training renewed: every incident they worked is judged anew.
        ("the roster", &roster, "expires_on: 20", "expires_on: 29"),
    ] {
        let relative = file.strip_prefix(&root).expect("inside").to_path_buf();
        let text = std::fs::read_to_string(file).expect("readable");
        let edited = text.replacen(from, to, 1);
        let mut updates = Vec::new();
        let mut outcomes = Vec::new();
        let mut calls = 0;
        let rounds = if what == "the roster" { 10 } else { 40 };
        for round in 0..rounds {
            let next = if round % 2 == 0 { &edited } else { &text };
            let started = Instant::now();
            let done = session.update(&relative, next.clone()).expect("an update");
            updates.push(started.elapsed());
            calls = done.calls;
            let started = Instant::now();
            let outcome = session.outcome();
            outcomes.push(started.elapsed());
            drop(outcome);
        }
        println!(
            "{what} ({}): update p50 {:.1} ms, p95 {:.1} ms ({calls} calls re-run); outcome p50 {:.1} ms, p95 {:.1} ms",
            relative.display(),
            percentile(&mut updates, 50),
            percentile(&mut updates, 95),
            percentile(&mut outcomes, 50),
            percentile(&mut outcomes, 95),
        );
    }
    if let Some(folder) = generated {
        let _ = std::fs::remove_dir_all(folder);
    }
}

fn percentile(times: &mut [Duration], at: usize) -> f64 {
    times.sort();
    let index = (times.len() * at).div_ceil(100).saturating_sub(1);
    times[index.min(times.len() - 1)].as_secs_f64() * 1000.0
}

fn first_file(folder: &Path) -> PathBuf {
    let mut stack = vec![folder.to_path_buf()];
    let mut files = Vec::new();
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files.into_iter().next().expect("a file")
}

fn tempfile_folder() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("lessons-session-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder
}
