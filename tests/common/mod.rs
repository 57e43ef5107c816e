//! Helpers shared by the integration tests.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shipped example repository.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme")
}

/// Copies the folder `from` into `to` (created), so a test can change a repository; not
/// the cache an earlier run kept there.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("readable folder") {
        let entry = entry.expect("entry");
        if entry.file_name() == ".lessons_cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Runs `lessons ARGS` in `folder`: the exit code, and standard output then standard error.
pub fn lessons(folder: &Path, args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lessons"))
        .current_dir(folder)
        .args(args)
        .output()
        .expect("lessons runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + String::from_utf8_lossy(&output.stderr).as_ref();
    (output.status.code().unwrap_or(-1), text)
}

/// Runs `lessons ARGS` in `folder` with `env` set: the exit code, standard output and
/// standard error apart (for machine formats, which own standard output).
pub fn lessons_apart(folder: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lessons"));
    command.current_dir(folder).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("lessons runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Writes `files` (path relative to `root`, text) into `root`, creating folders.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(target, text).expect("write");
    }
}

/// Whether the tests run in CI (`CI=true`), where a missing client is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Says that a test skips, where a developer sees it: straight to the process's standard
/// error, past the test harness, which captures `eprintln!` of passing tests.
pub fn say_skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED {test}: {why}");
}
pub mod edits;
pub mod hostile;

/// Every finding of `outcome` as a user would read it, in its order: file, line, column,
/// rule, severity, message, help, the fix it carries (what `--fix` writes where), and
/// whether a waiver or the baseline suppresses it. What two runs that must agree are
/// compared by.
pub fn finding_lines(outcome: &lessons::Outcome) -> Vec<String> {
    outcome.findings.iter().map(finding_line).collect()
}

/// One finding as [`finding_lines`] writes it.
pub fn finding_line(finding: &lessons::finding::Finding) -> String {
    format!(
        "{}:{}:{}: {} [{}] {} (help: {}){}{}",
        lessons::finding::display_path(&finding.file),
        finding.location.line(),
        finding.location.column(),
        finding.rule,
        finding.severity,
        finding.message,
        finding.help.as_deref().unwrap_or("-"),
        finding.fix.as_ref().map_or(String::new(), |fix| format!(
            " (fix {}..{}: {:?})",
            fix.start, fix.end, fix.replacement
        )),
        finding
            .suppression
            .as_ref()
            .map_or(String::new(), |why| format!(" ({})", why.as_str()))
    )
}
