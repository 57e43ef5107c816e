//! The hostile tests' runner and repositories: every run under a 1 GiB address-space limit
//! and killed after a minute, so a hang or a blow-up is a failure, not a stuck suite.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `lessons ARGS` in `folder` under a 1 GiB address-space limit, killed after a minute
/// (a hang is a failure, not a stuck suite).
pub fn lessons(folder: &Path, args: &[&str]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_lessons"))
        .args(args)
        .current_dir(folder)
        // Wide enough that no message wraps inside a phrase a test looks for.
        .env("COLUMNS", "400")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lessons starts");
    let started = Instant::now();
    // Read both pipes on threads: a full pipe must not stall the run being timed.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("lessons {args:?} still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out.join().expect("stdout read")).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().expect("stderr read")).into_owned();
    let code = status.code().unwrap_or_else(|| {
        panic!("lessons {args:?} was killed by a signal ({status}); stderr:\n{stderr}")
    });
    Run {
        code,
        stdout,
        stderr,
    }
}

pub const ROSTER: &str = "kind: roster\npeople:\n  - id: p.okafor\n    role: responder\n";

/// A closed incident with no root cause: LL001 at 5:13, the finding that must survive.
pub fn incident(id: &str) -> String {
    format!(
        "kind: incident\nid: {id}\nstatus: closed\nseverity: low\nroot_cause: \"\"\nresponders: [p.okafor]\n"
    )
}

/// A repository of `count` incidents and a roster, with `rules: [rules/]`, and `rule_body`
/// as the `check` of rule X001 in `rules/x.rhai`.
pub fn repository(count: usize, rule_body: Option<&str>) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    let root = folder.path();
    let mut files = vec![
        (
            ".lessons.yaml".to_owned(),
            "rules: [\"rules/\"]\n".to_owned(),
        ),
        ("people/roster.yaml".to_owned(), ROSTER.to_owned()),
    ];
    for number in 1..=count {
        files.push((
            format!("incidents/inc-{number:04}.yaml"),
            incident(&format!("INC-{number}")),
        ));
    }
    if let Some(body) = rule_body {
        files.push(("rules/x.rhai".to_owned(), hostile_rule(body)));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    super::write_files(root, &files);
    std::fs::create_dir_all(root.join("rules")).expect("rules folder");
    folder
}

pub fn hostile_rule(body: &str) -> String {
    format!(
        "const RULE = #{{ id: \"X001\", name: \"hostile\", severity: \"warning\", kinds: [\"incident\"], summary: \"h\" }};\n\nfn check(doc) {{\n{body}\n}}\n"
    )
}

/// The run of a hostile rule: exit 2, the rule and its file named with `limit`, and the
/// built-in rules' findings still there.
pub fn assert_stopped(run: &Run, limit: &str) {
    assert_eq!(run.code, 2, "{}", run.all());
    let all = run.all();
    assert!(all.contains("rule X001 (rules/x.rhai)"), "{all}");
    assert!(all.contains(limit), "expected `{limit}` in:\n{all}");
    assert!(
        all.contains("incidents/inc-0001.yaml:5:13: LL001"),
        "the other rules finish:\n{all}"
    );
}

/// The run's output holds `text`.
#[track_caller]
pub fn says(run: &Run, text: &str) {
    let all = run.all();
    assert!(all.contains(text), "expected `{text}` in:\n{all}");
}

pub fn check_concise(folder: &Path) -> Run {
    lessons(folder, &["check", ".", "--format", "concise"])
}

/// Makes a FIFO at `path`: what a run must refuse, never wait on.
pub fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success());
}

/// A document the hostile rule X001 failed on has its finding, at its first line, naming
/// the limit: the rule did not check it.
#[track_caller]
pub fn assert_failed_on(run: &Run, file: &str, limit: &str) {
    let prefix = format!("{file}:1:1: X001 X001 did not check this document: ");
    let all = run.all();
    assert!(
        all.lines()
            .any(|line| line.starts_with(&prefix) && line.contains(limit)),
        "expected `{prefix}…{limit}…` in:\n{all}"
    );
}
