//! Precision and recall on post-mortems nobody here wrote (tests/precision, README.md
//! there): every set is checked as of 2026-12-01 and each finding is matched against the
//! set's `expected.txt` — the findings a reviewer of those post-mortems wants. Any finding
//! not listed (a false one) or any listed gap not found (a missed one) fails the test, which
//! prints the set's counts and every difference.
//!
//! `LESSONS_PRECISION_BINARY=/path/to/lessons cargo test --test precision -- --nocapture`
//! scores another build the same way without failing (how the note's "before" is measured).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One annotation of `expected.txt`.
#[derive(Debug)]
struct Expected {
    file: String,
    /// `None`: any line of the file.
    line: Option<usize>,
    rule: String,
    debatable: bool,
    why: String,
}

fn expected(set: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(set.join("expected.txt")).expect("expected.txt");
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let (line, debatable) = match line.strip_prefix("? ") {
                Some(rest) => (rest.trim(), true),
                None => (line, false),
            };
            let (annotation, why) = line.split_once('#').unwrap_or((line, ""));
            let mut words = annotation.split_whitespace();
            let place = words.next()?;
            let rule = words.next()?.to_owned();
            let (file, at) = place.rsplit_once(':')?;
            Some(Expected {
                file: file.to_owned(),
                line: at.parse().ok(),
                rule,
                debatable,
                why: why.trim().to_owned(),
            })
        })
        .collect()
}

/// (file, line, rule, message) of every finding of the set.
fn found(binary: &Path, set: &Path) -> Vec<(String, usize, String, String)> {
    let output = Command::new(binary)
        .current_dir(set)
        .args(["check", ".", "--format", "concise", "--as-of", "2026-12-01"])
        .output()
        .expect("lessons runs");
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}: {}",
        set.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (place, rest) = line.split_once(": ")?;
            let mut parts = place.rsplitn(3, ':');
            let _column = parts.next()?;
            let at: usize = parts.next()?.parse().ok()?;
            let file = parts.next()?.to_owned();
            let (rule, message) = rest.split_once(' ')?;
            Some((file, at, rule.to_owned(), message.to_owned()))
        })
        .collect()
}

#[derive(Default)]
struct Score {
    true_findings: usize,
    false_findings: Vec<String>,
    debatable: usize,
    missed: Vec<String>,
}

fn score(binary: &Path, set: &Path) -> Score {
    let expected = expected(set);
    let found = found(binary, set);
    let mut matched = vec![false; expected.len()];
    let mut score = Score::default();
    for (file, at, rule, message) in &found {
        let hit = expected.iter().position(|wanted| {
            wanted.file == *file
                && wanted.rule == *rule
                && wanted.line.is_none_or(|line| line == *at)
        });
        match hit {
            Some(index) => {
                matched[index] = true;
                if expected[index].debatable {
                    score.debatable += 1;
                } else {
                    score.true_findings += 1;
                }
            }
            None => score
                .false_findings
                .push(format!("{file}:{at}: {rule} {message}")),
        }
    }
    for (wanted, matched) in expected.iter().zip(matched) {
        if !matched && !wanted.debatable {
            let line = wanted.line.map_or("*".to_owned(), |line| line.to_string());
            score.missed.push(format!(
                "{}:{line} {}  # {}",
                wanted.file, wanted.rule, wanted.why
            ));
        }
    }
    score
}

fn sets() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/precision");
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/precision")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("expected.txt").is_file())
        .collect();
    sets.sort();
    sets
}

#[test]
fn findings_on_real_post_mortems_are_the_ones_a_reviewer_wants() {
    let other = std::env::var_os("LESSONS_PRECISION_BINARY").map(PathBuf::from);
    let binary = other
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_lessons")));
    let sets = sets();
    assert!(sets.len() >= 7, "the precision sets: {sets:?}");
    let documents: usize = sets
        .iter()
        .map(|set| {
            std::fs::read_dir(set)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|entry| entry.path().extension().is_some_and(|e| e == "md"))
                        .count()
                })
                .unwrap_or(0)
        })
        .sum();
    assert!(documents >= 60, "{documents} post-mortems");
    let mut report = format!(
        "{:<16} {:>5} {:>6} {:>10} {:>7} {:>10} {:>7}\n",
        "set", "true", "false", "debatable", "missed", "precision", "recall"
    );
    let mut totals = Score::default();
    let mut differences = String::new();
    for set in &sets {
        let name = set
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let score = score(&binary, set);
        let precision = ratio(
            score.true_findings,
            score.true_findings + score.false_findings.len(),
        );
        let recall = ratio(
            score.true_findings,
            score.true_findings + score.missed.len(),
        );
        report.push_str(&format!(
            "{name:<16} {:>5} {:>6} {:>10} {:>7} {precision:>10} {recall:>7}\n",
            score.true_findings,
            score.false_findings.len(),
            score.debatable,
            score.missed.len()
        ));
        for line in &score.false_findings {
            differences.push_str(&format!("false  {name}/{line}\n"));
        }
        for line in &score.missed {
            differences.push_str(&format!("missed {name}/{line}\n"));
        }
        totals.true_findings += score.true_findings;
        totals.debatable += score.debatable;
        totals.false_findings.extend(score.false_findings);
        totals.missed.extend(score.missed);
    }
    report.push_str(&format!(
        "{:<16} {:>5} {:>6} {:>10} {:>7} {:>10} {:>7}\n",
        "all",
        totals.true_findings,
        totals.false_findings.len(),
        totals.debatable,
        totals.missed.len(),
        ratio(
            totals.true_findings,
            totals.true_findings + totals.false_findings.len()
        ),
        ratio(
            totals.true_findings,
            totals.true_findings + totals.missed.len()
        ),
    ));
    println!("{report}\n{differences}");
    if other.is_none() {
        assert!(
            differences.is_empty(),
            "findings that differ from tests/precision/*/expected.txt:\n{report}\n{differences}"
        );
    }
}

fn ratio(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}
