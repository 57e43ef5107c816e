//! `lessons report [PATH]`: the auditor's sweep. Exit 0 whatever it finds (it reports;
//! `check` gates), 2 when the run itself fails.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::catalogue::RuleSource;
use super::{parse_as_of, EXIT_CLEAN, EXIT_FAILED};
use crate::document::date::Moment;
use crate::{report, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables, for a pull request or a wiki
    Markdown,
    /// One self-contained page with charts, to hand over or print
    Html,
    /// The same numbers for dashboards
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The repository or a folder of it (default: .)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Write the report to FILE (atomically) instead of standard output; `-` is standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The day the report is as of (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<Moment>,
    /// Findings in this baseline count as suppressed, as in `check --baseline`
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub source: RuleSource,
}

pub fn run(args: &ReportArgs) -> i32 {
    let options = Options {
        paths: args.paths.clone(),
        as_of: args.as_of,
        ..args.source.options()
    };
    // The baseline marks the sweep's findings; the closure run below asks what is still
    // missing, debt or not.
    let outcome = match args.source.check(Options {
        baseline: args.baseline.clone(),
        ..options.clone()
    }) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    if !outcome.rule_errors.is_empty() {
        return EXIT_FAILED;
    }
    if let Err(message) = super::refuse_inputs(
        &outcome,
        &[("--output", args.output.as_deref())],
        args.baseline.as_deref(),
    ) {
        eprintln!("error: {message}");
        return EXIT_FAILED;
    }
    // Closure readiness: the same repository with every unclosed incident as if closing,
    // on the same day as the rest of the report.
    let closing = match report::closing(&options, &outcome) {
        Ok(closing) => closing,
        Err(error) => {
            eprintln!("error: {error}");
            return EXIT_FAILED;
        }
    };
    let numbers = report::build(&outcome, &closing);
    let text = match args.format {
        ReportFormat::Markdown => report::markdown::render(&numbers),
        ReportFormat::Json => report::json::render(&numbers),
        ReportFormat::Html => match report::html::render(&numbers) {
            Ok(page) => page,
            Err(error) => {
                eprintln!("error: the HTML report could not be rendered: {error}");
                return EXIT_FAILED;
            }
        },
    };
    match super::emit(args.output.as_deref(), &outcome.root, &text) {
        Ok(()) => EXIT_CLEAN,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_FAILED
        }
    }
}
