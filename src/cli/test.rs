//! `lessons test [DIR]`: rule fixtures, reported by line as expected against found.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::{render_error, style_for, Color, EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS};
use crate::finding::display_path;
use crate::output::terminal::escape_line as line;
use crate::rule_tests::{self, FixtureResult, TestReport};
use crate::rules::engine::Limits;
use crate::workspace::{discover, Config};
use crate::Error;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Fixture files or folders (default: the `tests/` folder of each rule folder of the
    /// configuration)
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// A folder of custom rules to test (repeatable), beside the configuration's
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Configuration file whose `rules:` folders are tested (default: .lessons.yaml)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colours in the error output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

pub fn run(args: &TestArgs) -> i32 {
    let style = style_for(args.color, std::io::stderr().is_terminal(), false);
    let (rule_dirs, default_dirs, root) = match rule_folders(args) {
        Ok(folders) => folders,
        Err(error) => {
            eprint!("{}", render_error(&error, &style));
            return EXIT_FAILED;
        }
    };
    let dirs = if args.dirs.is_empty() {
        default_dirs
    } else {
        args.dirs.clone()
    };
    if dirs.is_empty() {
        eprintln!(
            "error: no fixtures to run: name a folder (`lessons test rules/tests`), or list rule \
             folders with a `tests/` folder under `rules:` in .lessons.yaml"
        );
        return EXIT_FAILED;
    }
    let report = match rule_tests::run(&dirs, &rule_dirs, Some(&root), Limits::default()) {
        Ok(report) => report,
        Err(error) => {
            eprint!("{}", render_error(&error, &style));
            return EXIT_FAILED;
        }
    };
    print!("{}", render(&report));
    if !report.rule_errors.is_empty() || report.fixtures.iter().any(|f| f.rule_failed) {
        EXIT_FAILED
    } else if report.passed() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

/// The configuration's rule folders (plus `--rules`), their `tests/` folders, and the
/// repository's root (the current folder when there is no repository around it).
fn rule_folders(args: &TestArgs) -> Result<(Vec<PathBuf>, Vec<PathBuf>, PathBuf), Error> {
    let found = match &args.config {
        Some(path) => Some((
            path.parent().map(PathBuf::from).unwrap_or_default(),
            Some(path.clone()),
        )),
        None => discover::find_root(std::path::Path::new(".")),
    };
    let mut folders = Vec::new();
    let mut repository = PathBuf::from(".");
    if let Some((root, config)) = found {
        // `--config .lessons.yaml` names the current folder by an empty parent.
        if !root.as_os_str().is_empty() {
            repository.clone_from(&root);
        }
        if let Some(config) = config {
            if args.config.is_none() {
                crate::check::found_config_inside(&config, &root)?;
            }
            let root = crate::util::paths::relative_to_cwd(&root);
            let config = Config::load(&config).map_err(Error::Config)?;
            folders.extend(crate::check::config_rule_folders(&root, &config)?);
        }
    }
    folders.extend(args.rule_dirs.iter().cloned());
    let tests = folders
        .iter()
        .map(|folder| folder.join("tests"))
        .filter(|folder| folder.is_dir())
        .collect();
    Ok((folders, tests, repository))
}

fn render(report: &TestReport) -> String {
    let mut out = String::new();
    for error in &report.rule_errors {
        out.push_str(&format!(
            "error: rule {} ({}:{}) {}\n",
            line(error.rule.as_deref().unwrap_or("?")),
            line(&error.origin),
            error.line,
            line(&error.message)
        ));
    }
    for fixture in &report.fixtures {
        out.push_str(&render_fixture(fixture));
    }
    let failed = report.fixtures.iter().filter(|f| !f.passed()).count();
    let total = report.fixtures.len();
    out.push_str(&format!(
        "\n{total} fixture{}: {} passed, {failed} failed\n",
        if total == 1 { "" } else { "s" },
        total - failed
    ));
    out
}

fn render_fixture(fixture: &FixtureResult) -> String {
    let name = line(&display_path(&fixture.path)).into_owned();
    let scope = fixture
        .scope
        .as_deref()
        .map_or(String::new(), |id| format!(" [{}]", line(id)));
    if fixture.passed() {
        let plural = if fixture.expected == 1 { "" } else { "s" };
        return format!(
            "ok    {name}{scope} ({} finding{plural} as expected)\n",
            fixture.expected
        );
    }
    let mut out = format!("FAIL  {name}{scope}\n");
    for problem in &fixture.problems {
        out.push_str(&format!("        {}\n", line(problem)));
    }
    // Both lists by line, so the report reads like a diff of the file.
    let mut lines: Vec<(usize, String)> = fixture
        .missing
        .iter()
        .map(|(at, rule)| {
            (
                *at,
                format!("- line {at}: expected {}, not found", line(rule)),
            )
        })
        .chain(fixture.unexpected.iter().map(|(at, rule, message)| {
            (
                *at,
                format!(
                    "+ line {at}: found {}, not expected: {}",
                    line(rule),
                    line(message)
                ),
            )
        }))
        .collect();
    lines.sort();
    for (_, text) in lines {
        out.push_str(&format!("        {text}\n"));
    }
    out
}
