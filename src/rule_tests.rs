//! `lessons test`: rule fixtures with their expectations written in them, checked the way
//! the built-in rules are tested.
//!
//! A fixture is a document file; `# expect: ID[, ID...]` at the end of a line, or alone on
//! the line above it, expects a finding of that rule at that line (`<!-- expect: ID -->` in
//! a Markdown body). `# lessons-test: as-of YYYY-MM-DD` fixes the date, and
//! `# lessons-test: policy NAME` runs it under a built-in policy pack. Each fixture is
//! checked as a repository of its own, so a cross-document case keeps its roster or policy
//! in the same file as further YAML documents. A fixture in a folder named after a rule id
//! (`tests/LL005/late.yaml`), or whose file name starts with one (`LL005-late.yaml`), runs
//! that rule only; any other runs every rule. Rules run with their default parameters, or
//! those of the pack the fixture names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::document::date::Moment;
use crate::document::Format;
use crate::rules::{engine::Limits, RuleError, RuleSet};
use crate::workspace::read;
use crate::{check, Error, Options};

/// A finding a fixture expects or produced: its line and rule id.
pub type Mark = (usize, String);

/// The result of one fixture.
#[derive(Debug)]
pub struct FixtureResult {
    pub path: PathBuf,
    /// The rule the fixture is scoped to, from its folder or file name.
    pub scope: Option<String>,
    pub expected: usize,
    /// Expected, not found.
    pub missing: Vec<Mark>,
    /// Found, not expected, with the finding's message.
    pub unexpected: Vec<(usize, String, String)>,
    /// Why the fixture could not be checked: a bad `as-of`, a rule that failed on it.
    pub problems: Vec<String>,
    /// A rule failed (an error or a limit) on the fixture: `lessons test` then exits 2, as
    /// `lessons check` would.
    pub rule_failed: bool,
}

impl FixtureResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.problems.is_empty()
    }
}

#[derive(Debug)]
pub struct TestReport {
    pub fixtures: Vec<FixtureResult>,
    /// Rules that did not load: the run fails whatever the fixtures say.
    pub rule_errors: Vec<RuleError>,
}

impl TestReport {
    pub fn passed(&self) -> bool {
        self.rule_errors.is_empty() && self.fixtures.iter().all(FixtureResult::passed)
    }
}

/// What a fixture's text asks for.
#[derive(Debug, Default, PartialEq)]
pub struct Annotations {
    /// `Err(text)` when the `as-of` line holds no date.
    pub as_of: Option<Result<Moment, String>>,
    /// The built-in policy pack to run under (`default` when none is named).
    pub policy: Option<String>,
    pub expected: Vec<Mark>,
}

/// Reads `# lessons-test: as-of` and every `# expect:` of a fixture.
pub fn annotations(text: &str) -> Annotations {
    let mut result = Annotations::default();
    let mut pending: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if let Some(rest) = comment_text(trimmed).and_then(|c| c.strip_prefix("lessons-test:")) {
            if let Some(date) = rest.trim().strip_prefix("as-of") {
                let date = date.trim();
                result.as_of = Some(Moment::parse(date).ok_or_else(|| date.to_owned()));
            }
            if let Some(pack) = rest.trim().strip_prefix("policy") {
                result.policy = Some(pack.trim().to_owned());
            }
            continue;
        }
        let Some(ids) = expectation(line) else {
            if !trimmed.is_empty() {
                result
                    .expected
                    .extend(pending.drain(..).map(|id| (number, id)));
            }
            continue;
        };
        // Alone when nothing but the comment is on the line: `## Root cause <!-- expect -->`
        // is a heading with an expectation, not a comment.
        let before = &line[..line.find("expect:").unwrap_or(0)];
        let before = before.trim();
        let alone = before == "#" || before == "<!--";
        if alone {
            pending.extend(ids);
        } else {
            result
                .expected
                .extend(pending.drain(..).map(|id| (number, id)));
            result
                .expected
                .extend(ids.into_iter().map(|id| (number, id)));
        }
    }
    result.expected.sort();
    result
}

/// The text of a line that is only a comment.
fn comment_text(trimmed: &str) -> Option<&str> {
    trimmed.strip_prefix('#').map(str::trim)
}

/// The rule ids of an `expect:` comment on this line, if it has one.
fn expectation(line: &str) -> Option<Vec<String>> {
    let at = line.find("expect:")?;
    let before = line[..at].trim_end();
    // A YAML comment's `#` starts the line or follows a space (`"#"` in a value is text).
    let hash_comment = before
        .strip_suffix('#')
        .is_some_and(|head| head.is_empty() || head.ends_with(char::is_whitespace));
    let is_comment = hash_comment || before.ends_with("<!--");
    if !is_comment {
        return None;
    }
    let rest = &line[at + "expect:".len()..];
    let rest = rest.split("-->").next().unwrap_or(rest);
    let ids: Vec<String> = rest
        .split(',')
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// The rule ids named by `# lessons: allow ID[,ID] ...` comments.
fn waived_rules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split_once("lessons: allow ").map(|(_, rest)| rest))
        .flat_map(|rest| {
            let ids = rest.split("--").next().unwrap_or(rest);
            let ids = ids.split(" until ").next().unwrap_or(ids);
            ids.split([',', ' '])
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every fixture file under `folder`, sorted. Links are not followed into (a folder linked
/// elsewhere is no folder of fixtures); a file that is a link, a FIFO or a device is listed,
/// and refused when it is read, as `check` refuses such a document.
pub fn fixture_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                folders.push(path);
            } else if Format::of(&path).is_some() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The rule a fixture is scoped to: its folder's name or its file name's first part, when
/// that is a rule id.
fn scope_of(path: &Path, rules: &RuleSet) -> Option<String> {
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str());
    let stem = path
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.split(['-', '.']).next());
    [folder, stem]
        .into_iter()
        .flatten()
        .find(|candidate| rules.get(candidate).is_some())
        .map(str::to_owned)
}

/// Runs every fixture under `folders` against the built-ins and the rules in `rule_dirs`.
/// A folder inside the repository at `root` (when there is one) must resolve inside it, as
/// `check` holds its rule folders: a `tests/` linked elsewhere is not read.
pub fn run(
    folders: &[PathBuf],
    rule_dirs: &[PathBuf],
    root: Option<&Path>,
    limits: Limits,
) -> Result<TestReport, Error> {
    let compiled = Arc::new(RuleSet::load(rule_dirs, &limits));
    let mut files = Vec::new();
    for folder in folders {
        if let Some(root) = root {
            read::confined_if_inside(folder, root).map_err(|refused| {
                Error::Usage(format!(
                    "{}: the fixtures are not read: {refused}",
                    folder.display()
                ))
            })?;
        }
        let found = if folder.is_file() {
            Ok(vec![folder.clone()])
        } else {
            fixture_files(folder)
        };
        match found {
            Ok(found) => files.extend(found),
            Err(error) => {
                return Err(Error::Usage(format!(
                    "{}: cannot read the fixtures: {error}",
                    folder.display()
                )))
            }
        }
    }
    let fixtures = files
        .into_iter()
        .map(|path| run_fixture(path, &compiled, limits))
        .collect();
    Ok(TestReport {
        fixtures,
        rule_errors: compiled.errors.clone(),
    })
}

fn run_fixture(path: PathBuf, compiled: &Arc<RuleSet>, limits: Limits) -> FixtureResult {
    let scope = scope_of(&path, compiled);
    let mut result = FixtureResult {
        path: path.clone(),
        scope: scope.clone(),
        expected: 0,
        missing: Vec::new(),
        unexpected: Vec::new(),
        problems: Vec::new(),
        rule_failed: false,
    };
    // Read as `check` reads a document: a regular file, bounded, never through a link.
    let text = match read::document(&path, read::MAX_FILE_BYTES).and_then(read::text) {
        Ok(text) => text,
        Err(refused) => {
            result.problems.push(format!("not read: {refused}"));
            return result;
        }
    };
    let wanted = annotations(&text);
    result.expected = wanted.expected.len();
    let as_of = match wanted.as_of {
        Some(Ok(date)) => Some(date),
        Some(Err(text)) => {
            result.problems.push(format!(
                "`# lessons-test: as-of {text}` is not a date (use YYYY-MM-DD)"
            ));
            return result;
        }
        None => None,
    };
    // A scoped fixture also runs the rules its inline waivers name: a waiver is about them.
    let mut select: Vec<String> = scope.into_iter().collect();
    if !select.is_empty() {
        select.extend(waived_rules(&text));
    }
    let options = Options {
        paths: vec![path],
        as_of,
        select,
        policy: wanted.policy,
        jobs: Some(1),
        limits,
        isolated: true,
        compiled: Some(Arc::clone(compiled)),
        ..Options::default()
    };
    let outcome = match check(&options) {
        Ok(outcome) => outcome,
        Err(error) => {
            result.problems.push(error.to_string());
            return result;
        }
    };
    result.rule_failed = !outcome.rule_errors.is_empty();
    for error in &outcome.rule_errors {
        let rule = error.rule.as_deref().unwrap_or("?");
        result.problems.push(format!(
            "rule {rule} ({}:{}) {}",
            error.origin, error.line, error.message
        ));
    }
    // Compare as multisets: two findings of one rule on one line need two expectations.
    let mut remaining: BTreeMap<Mark, usize> = BTreeMap::new();
    for mark in wanted.expected {
        *remaining.entry(mark).or_default() += 1;
    }
    for finding in outcome.findings.iter().filter(|f| !f.is_suppressed()) {
        let mark = (finding.location.line(), finding.rule.to_string());
        match remaining.get_mut(&mark) {
            Some(count) if *count > 0 => *count -= 1,
            _ => result
                .unexpected
                .push((mark.0, mark.1, finding.message.to_string())),
        }
    }
    for (mark, count) in remaining {
        result.missing.extend(std::iter::repeat_n(mark, count));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_at_the_end_of_a_line_or_alone_above_it() {
        let text =
            "# lessons-test: as-of 2026-11-01\nkind: incident\nstatus: closed  # expect: LL001\n\
                    # expect: LL002, LL003\n\n  - id: AI-1\nnote: \"# expect: nothing\"\n";
        let found = annotations(text);
        assert_eq!(
            found.as_of,
            Some(Ok(Moment::parse("2026-11-01").expect("date")))
        );
        assert_eq!(
            found.expected,
            [
                (3, "LL001".to_owned()),
                (6, "LL002".to_owned()),
                (6, "LL003".to_owned())
            ]
        );
    }

    #[test]
    fn markdown_bodies_use_html_comments() {
        let text = "---\nid: INC-1\n---\n<!-- expect: LL001 -->\n## Root cause\n";
        assert_eq!(annotations(text).expected, [(5, "LL001".to_owned())]);
    }

    #[test]
    fn an_expectation_on_a_heading_is_for_the_heading() {
        let text = "---\nid: INC-1\n---\n## Root cause <!-- expect: LL001 -->\ntext\n";
        assert_eq!(annotations(text).expected, [(4, "LL001".to_owned())]);
    }

    #[test]
    fn a_bad_as_of_is_kept_as_text() {
        let found = annotations("# lessons-test: as-of soon\n");
        assert_eq!(found.as_of, Some(Err("soon".to_owned())));
    }
}
