//! The command line: arguments, picking a command, terminal detection and exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use miette::SourceSpan;

use crate::document::date::Moment;
use crate::finding::Severity;
use crate::output::human::{render_frame, Excerpt, Frame};
use crate::output::{self, Format, Style};
use crate::policy::baseline::Baseline;
use crate::{Error, Options, Outcome};

mod catalogue;
mod config;
mod gate;
mod report;
mod show;
mod test;

/// Exit codes of the spec.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILED: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "lessons",
    version,
    about = "Policy-as-code checks for the lessons-learned phase of incident response",
    long_about = "Runs rules written in Rhai over the incident records, post-mortems, policies, \
                  runbooks, training rosters and access reviews of a repository, and reports \
                  each gap with a code frame at its line."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate the rules; PATH files or folders (default: .)
    Check(CheckArgs),
    /// Run rule fixtures: the findings each fixture's `# expect:` comments ask for
    Test(test::TestArgs),
    /// List the rules: id, name, severity, kinds, origin
    Rules(catalogue::RulesArgs),
    /// A rule's documentation, its parameters, and the packs that enable it
    Explain(catalogue::ExplainArgs),
    /// Incident gates for CI
    Gate(gate::GateArgs),
    /// The auditor's sweep: findings, incident trends and action items in one report
    Report(report::ReportArgs),
    /// Start a policy repository: configuration, an example of each document, a custom rule
    Init(InitArgs),
    /// The documents of FILE as the rules see them, with where every field came from
    Show(show::ShowArgs),
    /// The built-in format presets and what each maps
    Formats(show::FormatsArgs),
    /// The configuration resolved through `extends:`, each setting with its file and line
    Config(config::ConfigArgs),
    /// The language server (LSP over stdio): diagnostics as you type, hover, fixes, completion
    Server(ServerArgs),
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub source: catalogue::RuleSource,
    /// The day all date rules count from (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<Moment>,
    /// Accepted for editors that start every language server with `--stdio`: stdio is the
    /// only transport
    #[arg(long, hide = true)]
    pub stdio: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to write into (default: .); existing files are never overwritten
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Adopt lessons on existing post-mortems in FROM (inside DIR): pick the preset that
    /// reads most of them, write `.lessons.yaml` with it and a baseline, and check
    #[arg(long, value_name = "FROM")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub(crate) fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to report on; the whole repository is still loaded for
    /// cross-document rules
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output; `-` is standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// After the findings, how many each rule produced, most frequent first
    #[arg(long)]
    pub statistics: bool,
    #[command(flatten)]
    pub source: catalogue::RuleSource,
    /// The day all date rules count from (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<Moment>,
    /// Lowest severity that fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Run only these rules (ids or id prefixes, comma-separated)
    #[arg(long, value_name = "ID,..", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (ids or id prefixes, comma-separated)
    #[arg(long, value_name = "ID,..", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Only findings not in this baseline fail the run (those in it are marked suppressed)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: also fail when a baseline entry no longer occurs (shrink it)
    #[arg(long, requires = "baseline")]
    pub strict_baseline: bool,
    /// Record the findings of this run as a baseline in FILE (written atomically)
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Stop evaluating after SECONDS and report what was left unchecked, naming the
    /// slowest rule (also `limits: run_seconds` in .lessons.yaml)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: Option<u64>,
    /// Worker threads (default: one per core; at most four per core)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Print the findings only, no summary
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say which documents have no kind, what rules printed, and timings
    #[arg(long, short)]
    pub verbose: bool,
    /// Do not keep or use the cache of findings between runs
    #[arg(
        long,
        env = "LESSONS_NO_CACHE",
        value_parser = clap::builder::FalseyValueParser::new(),
        action = clap::ArgAction::SetTrue
    )]
    pub no_cache: bool,
    /// Apply the safe fixes rules offer (atomically, never through a symbolic link), then
    /// report what is left
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    pub fix: bool,
    /// Print the safe fixes as a unified diff; write nothing
    #[arg(long, conflicts_with_all = ["write_baseline", "output"])]
    pub diff: bool,
    /// Keep the cache between runs in DIR [default: .lessons_cache at the repository root]
    #[arg(
        long,
        value_name = "DIR",
        env = "LESSONS_CACHE_DIR",
        conflicts_with = "no_cache"
    )]
    pub cache_dir: Option<PathBuf>,
}

pub(crate) fn parse_as_of(text: &str) -> Result<Moment, String> {
    Moment::parse(text).ok_or_else(|| format!("`{text}` is not a date (use YYYY-MM-DD)"))
}

/// Parses the arguments, runs, prints, and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_FAILED
            } else {
                EXIT_CLEAN
            };
        }
    };
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Test(args) => test::run(&args),
        Command::Rules(args) => catalogue::rules(&args),
        Command::Explain(args) => catalogue::explain(&args),
        Command::Init(args) => init(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Show(args) => show::show(&args),
        Command::Formats(args) => show::formats(&args),
        Command::Config(args) => config::run(&args),
        Command::Server(args) => server(&args),
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "lessons", &mut std::io::stdout());
            EXIT_CLEAN
        }
    }
}

/// Whether colour is wanted. `--color always|never` wins; under `auto`, the variables CI
/// systems and users set: `FORCE_COLOR` or `CLICOLOR_FORCE` colour piped output (a CI log
/// renders ANSI), `NO_COLOR`, `CLICOLOR=0` and `TERM=dumb` turn colour off on a terminal.
pub(crate) fn wants_color(color: Color, stream_is_terminal: bool) -> bool {
    colour_from(color, stream_is_terminal, |name| std::env::var(name).ok())
}

/// [`wants_color`] with the environment given as a lookup.
fn colour_from(
    color: Color,
    stream_is_terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    let var = |name: &str| env(name).filter(|value| !value.is_empty());
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let forced = var("FORCE_COLOR").is_some_and(|v| v != "0" && v != "false")
                || var("CLICOLOR_FORCE").is_some_and(|v| v != "0");
            if forced {
                return true;
            }
            let off = var("NO_COLOR").is_some()
                || var("CLICOLOR").as_deref() == Some("0")
                || var("TERM").as_deref() == Some("dumb");
            stream_is_terminal && !off
        }
    }
}

pub(crate) fn style_for(color: Color, stream_is_terminal: bool, quiet: bool) -> Style {
    let color = wants_color(color, stream_is_terminal);
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .unwrap_or(100);
    Style {
        color,
        width,
        quiet,
        ..Style::default()
    }
}

/// `--output`: standard output when absent or `-`.
pub(crate) fn output_file(output: Option<&std::path::Path>) -> Option<&std::path::Path> {
    output.filter(|path| path.as_os_str() != "-")
}

/// Writes `text` to `output` (atomically, never through a link inside the repository at
/// `root`) or standard output; a closed pipe (`lessons check | head`) is not a failure of
/// the run.
pub(crate) fn emit(
    output: Option<&std::path::Path>,
    root: &std::path::Path,
    text: &str,
) -> Result<(), String> {
    emit_with(output, root, &mut |out| out.write_all(text.as_bytes()))
}

/// [`emit`] for output written piece by piece.
pub(crate) fn emit_with(
    output: Option<&std::path::Path>,
    root: &std::path::Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    match output_file(output) {
        Some(path) => output::write_atomically_with(path, root, write).map_err(|error| {
            format!(
                "cannot write {}: {error}",
                crate::output::terminal::shown_path(path)
            )
        }),
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is the reader's choice, not a failure of the run.
            let _ = write(&mut stdout);
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// Refuses (exit 2, before anything is written) an output path that is a file the run
/// reads: a document, the configuration, a rule, or the baseline it compares with.
pub(crate) fn refuse_inputs(
    outcome: &Outcome,
    targets: &[(&str, Option<&std::path::Path>)],
    baseline: Option<&std::path::Path>,
) -> Result<(), String> {
    for (flag, target) in targets {
        let Some(target) = output_file(*target) else {
            continue;
        };
        let is_baseline = baseline.is_some_and(|baseline| {
            let canonical = |path: &std::path::Path| std::fs::canonicalize(path).ok();
            canonical(baseline).is_some() && canonical(baseline) == canonical(target)
        });
        if (is_baseline && *flag == "--output") || outcome.reads(target) {
            return Err(format!(
                "{flag} {} is a file this run reads; refusing to overwrite it (name a new file)",
                target.display()
            ));
        }
    }
    Ok(())
}

/// `fixed 3 findings in 2 files`.
fn fixes_summary(fixes: usize, files: usize, done: &str) -> String {
    let plural = |count: usize| if count == 1 { "" } else { "s" };
    format!(
        "{done} {fixes} finding{} in {files} file{}",
        plural(fixes),
        plural(files)
    )
}

fn server(args: &ServerArgs) -> i32 {
    let options = Options {
        config: args.source.config.clone(),
        policy: args.source.policy.clone(),
        as_of: args.as_of,
        rule_dirs: args.source.rule_dirs.clone(),
        ..Options::default()
    };
    match crate::server::serve_stdio(crate::server::Start { options }) {
        Ok(()) => EXIT_CLEAN,
        Err(error) => {
            eprintln!("error: the language server stopped: {error}");
            EXIT_FAILED
        }
    }
}

fn check(args: &CheckArgs) -> i32 {
    let options = Options {
        paths: args.paths.clone(),
        config: args.source.config.clone(),
        policy: args.source.policy.clone(),
        as_of: args.as_of,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        rule_dirs: args.source.rule_dirs.clone(),
        jobs: args.jobs.map(usize::from),
        baseline: args.baseline.clone(),
        deadline: args.deadline.map(std::time::Duration::from_secs),
        cache: match (&args.cache_dir, args.no_cache) {
            (_, true) => None,
            (Some(dir), false) => Some(crate::check::cache::CacheDir::At(dir.clone())),
            (None, false) => Some(crate::check::cache::CacheDir::InRepository),
        },
        ..Options::default()
    };
    let stderr_style = style_for(
        args.source.color,
        std::io::stderr().is_terminal(),
        args.quiet,
    );
    let run = || match crate::check(&options) {
        // The process exits once the outcome is printed: freeing a repository's documents
        // one by one would only delay that (about 50 ms for 10,000 incidents).
        Ok(outcome) => Ok(std::mem::ManuallyDrop::new(outcome)),
        Err(error) => {
            eprint!("{}", render_error(&error, &stderr_style));
            Err(EXIT_FAILED)
        }
    };
    let mut outcome = match run() {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    // Before anything is written, fixes included.
    if let Err(message) = refuse_inputs(
        &outcome,
        &[
            ("--output", args.output.as_deref()),
            ("--write-baseline", args.write_baseline.as_deref()),
        ],
        args.baseline.as_deref(),
    ) {
        eprintln!("error: {message}");
        return EXIT_FAILED;
    }
    if args.diff {
        if !outcome.rule_errors.is_empty() {
            eprint!(
                "{}",
                output::human::render_rule_errors(&outcome.results(), &stderr_style)
            );
        }
        let fixed = crate::fix::fixes_of(&outcome);
        print!("{}", output::terminal::escape(&crate::fix::diff(&fixed)));
        if !args.quiet {
            let fixes = fixed.iter().map(|file| file.fixes).sum();
            eprintln!("{}", fixes_summary(fixes, fixed.len(), "would fix"));
        }
        return exit_code(&outcome, args.fail_on);
    }
    if args.fix {
        // A fix can show the next (a kind mended, its fields are read): a few passes, as
        // ruff makes them, each over what the last one wrote.
        const PASSES: usize = 4;
        let mut files = std::collections::HashSet::new();
        let mut fixes = 0;
        for _ in 0..PASSES {
            let fixed = crate::fix::fixes_of(&outcome);
            if fixed.is_empty() {
                break;
            }
            let refused = crate::fix::write(&outcome.root, &fixed);
            for (path, why) in &refused {
                eprintln!(
                    "error: {}: {}",
                    crate::output::terminal::shown_path(path),
                    output::terminal::escape_line(why)
                );
            }
            if !refused.is_empty() {
                return EXIT_FAILED;
            }
            for file in fixed {
                fixes += file.fixes;
                files.insert(file.path);
            }
            // What is left is what the fixed files now say.
            outcome = match run() {
                Ok(outcome) => outcome,
                Err(code) => return code,
            };
        }
        if !args.quiet {
            eprintln!("{}", fixes_summary(fixes, files.len(), "fixed"));
        }
    }
    let to_terminal =
        output_file(args.output.as_deref()).is_none() && std::io::stdout().is_terminal();
    let mut style = style_for(args.source.color, to_terminal, args.quiet);
    style.fail_on = args.fail_on.threshold();
    let mut statistics = String::new();
    if args.statistics {
        statistics = output::statistics::render(&outcome.results());
        // A machine format stays one document: the counts go to stderr.
        if !matches!(args.format, Format::Human | Format::Concise) {
            eprint!("{statistics}");
            statistics.clear();
        }
    }
    if args.verbose {
        eprint!("{}", verbose_notes(&outcome));
    }
    if !args.quiet {
        for (path, why) in &outcome.skipped {
            eprintln!(
                "note: {}: {}",
                crate::output::terminal::shown_path(path),
                output::terminal::escape_line(why)
            );
        }
    }
    // A folder with nothing to check is no clean bill of health: say so.
    if outcome.documents == 0 && !args.quiet && args.paths.iter().all(|path| path.is_dir()) {
        eprint!("{}", nothing_checked(&outcome));
    }
    if !outcome.rule_errors.is_empty() {
        eprint!(
            "{}",
            output::human::render_rule_errors(&outcome.results(), &stderr_style)
        );
    }
    // After the findings, in the same stream (for the human and concise formats).
    let written = emit_with(args.output.as_deref(), &outcome.root, &mut |out| {
        output::write(&outcome.results(), args.format, &style, out)?;
        out.write_all(statistics.as_bytes())
    });
    if let Err(message) = written {
        eprintln!("error: {message}");
        return EXIT_FAILED;
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &outcome, args.quiet);
    }
    let code = exit_code(&outcome, args.fail_on);
    if args.strict_baseline && !outcome.unmatched_baseline.is_empty() {
        for entry in &outcome.unmatched_baseline {
            eprintln!(
                "baseline entry no longer found: {} {} {}{} (x{}): remove it from the baseline",
                entry.rule,
                entry.file,
                entry.doc_id.as_deref().unwrap_or(""),
                if entry.path.is_empty() {
                    String::new()
                } else {
                    format!(" {}", entry.path)
                },
                entry.count
            );
        }
        return code.max(EXIT_FINDINGS);
    }
    code
}

/// `--write-baseline FILE`: the run's findings, plus the entries of an existing baseline
/// in `FILE` that this run did not check (other files, rules not selected), so a run on
/// some files never drops the debt recorded for the rest. Exit 0 once written; 2 when a
/// rule failed (the baseline would miss its findings) or the file cannot be written.
fn write_baseline(path: &std::path::Path, outcome: &Outcome, quiet: bool) -> i32 {
    // Before the earlier baseline is read: a link there is not followed for reading either.
    if let Err(error) = output::refuse_links(path, &outcome.root) {
        eprintln!("error: cannot write the baseline: {error}");
        return EXIT_FAILED;
    }
    if !outcome.rule_errors.is_empty() {
        eprintln!(
            "error: not writing the baseline {}: a rule failed to run, so its findings are missing",
            path.display()
        );
        return EXIT_FAILED;
    }
    // What a baseline it was compared with suppressed is still debt: recorded again, so
    // `--baseline b.json --write-baseline b.json` keeps every entry that still occurs.
    let mut baseline = Baseline::record(&outcome.findings);
    if path.exists() {
        match Baseline::load(path) {
            Ok(previous) => baseline.keep(previous, |entry| !outcome.checked(entry)),
            Err(message) => {
                eprintln!("error: {message} (remove it to record a new baseline)");
                return EXIT_FAILED;
            }
        }
    }
    if let Err(error) = output::write_atomically(path, &outcome.root, baseline.to_json().as_bytes())
    {
        eprintln!(
            "error: cannot write the baseline {}: {error}",
            path.display()
        );
        return EXIT_FAILED;
    }
    if !quiet {
        eprintln!(
            "wrote {} baseline entries to {}",
            baseline.findings.len(),
            path.display()
        );
    }
    EXIT_CLEAN
}

/// `init --from`: the configuration for the post-mortems already there, a baseline of
/// today's findings, and what the check made of them.
fn adopt(dir: &std::path::Path, from: &std::path::Path) -> i32 {
    let adoption = match crate::init::adopt(dir, from) {
        Ok(adoption) => adoption,
        Err(message) => {
            eprintln!("error: {}", output::terminal::escape_line(&message));
            return EXIT_FAILED;
        }
    };
    println!(
        "created {}: {} of {} files in {} mapped cleanly with the `{}` preset",
        output::terminal::shown_path(&adoption.config),
        adoption.clean,
        adoption.read,
        output::terminal::shown_path(from),
        adoption.preset
    );
    let options = Options {
        paths: vec![dir.to_path_buf()],
        ..Options::default()
    };
    let outcome = match crate::check(&options) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprint!(
                "{}",
                render_error(&error, &style_for(Color::Auto, false, false))
            );
            return EXIT_FAILED;
        }
    };
    let baseline = dir.join(".lessons-baseline.json");
    let code = write_baseline(&baseline, &outcome, true);
    if code != EXIT_CLEAN {
        return code;
    }
    let findings = outcome.findings.len();
    println!(
        "created {}: {findings} finding{} of today recorded, so only new gaps fail\n\n\
         Next: `lessons check {}` (clean now), `lessons show FILE` for what a post-mortem \
         maps to, and the README's pre-commit recipe for the hook.",
        output::terminal::shown_path(&baseline),
        if findings == 1 { "" } else { "s" },
        match crate::finding::display_path(dir) {
            shown if shown.is_empty() => ".".to_owned(),
            shown => shown,
        }
    );
    EXIT_CLEAN
}

fn init(args: &InitArgs) -> i32 {
    if let Some(from) = &args.from {
        return adopt(&args.dir, from);
    }
    match crate::init::init(&args.dir, crate::document::date::Moment::today()) {
        Ok(written) => {
            for path in &written {
                println!("created {}", crate::output::terminal::shown_path(path));
            }
            println!(
                "\nNext: `lessons check {0}` checks the documents, `lessons test` (in {0}) runs \
                 the custom rule's fixtures.",
                crate::finding::display_path(&args.dir)
            );
            EXIT_CLEAN
        }
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_FAILED
        }
    }
}

/// 2 when a rule failed (never 0 then), 1 when a finding reaches `--fail-on`, else 0.
pub fn exit_code(outcome: &Outcome, fail_on: FailOn) -> i32 {
    if !outcome.rule_errors.is_empty() {
        return EXIT_FAILED;
    }
    let failing = fail_on.threshold().is_some_and(|threshold| {
        outcome
            .findings
            .iter()
            .any(|finding| !finding.is_suppressed() && finding.severity >= threshold)
    });
    if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Why a run checked no document: what the include globs took, and what would give the
/// files a kind.
fn nothing_checked(outcome: &Outcome) -> String {
    let config = &outcome.workspace.config;
    let include: Vec<String> = match &config.include {
        Some(patterns) => patterns.clone(),
        None => crate::workspace::config::DEFAULT_INCLUDE
            .iter()
            .map(|pattern| (*pattern).to_owned())
            .collect(),
    };
    let root = crate::finding::display_path(&outcome.root);
    let root = if root.is_empty() {
        ".".to_owned()
    } else {
        root
    };
    let mut note = format!(
        "note: no document was checked under {root}: the include globs {} took {} file{}",
        include
            .iter()
            .map(|glob| format!("`{glob}`"))
            .collect::<Vec<_>>()
            .join(", "),
        outcome.files,
        if outcome.files == 1 { "" } else { "s" }
    );
    if !config.exclude.is_empty() {
        note.push_str(&format!(" (exclude: {})", config.exclude.join(", ")));
    }
    if outcome.files > 0 {
        note.push_str(
            ", and none has a kind: add `kind:` to the documents, map their folders under \
             `kinds:` in .lessons.yaml, or read them with a `formats:` preset (`lessons formats`)",
        );
    }
    note.push('\n');
    note
}

fn verbose_notes(outcome: &Outcome) -> String {
    let mut notes = String::new();
    // Why a `formats:` mapping skipped a record: a status page's maintenance notice, say.
    let skipped: std::collections::HashMap<&std::path::Path, &str> = outcome
        .workspace
        .documents
        .iter()
        .filter_map(|loaded| {
            let why = loaded.document.skipped.as_deref()?;
            Some((&*outcome.workspace.files[loaded.file].path, why))
        })
        .collect();
    for (file, line) in &outcome.unclassified {
        let why = match skipped.get(file.as_path()) {
            Some(why) => format!(
                "skipped by its `formats:` mapping: {}",
                output::terminal::escape_line(why)
            ),
            None => {
                "no kind (add `kind:`, or map its path under `kinds:` in .lessons.yaml)".to_owned()
            }
        };
        notes.push_str(&format!(
            "note: {}:{line}: not checked: {why}\n",
            crate::output::terminal::shown_path(file)
        ));
    }
    for printed in &outcome.printed {
        notes.push_str(&format!(
            "print: {}\n",
            output::terminal::escape_line(printed)
        ));
    }
    notes.push_str(&format!(
        "timing: load {:.3}s, evaluate {:.3}s, total {:.3}s; CPU: parsing {:.3}s, mapping {:.3}s\n",
        outcome.timing.load.as_secs_f64(),
        outcome.timing.evaluate.as_secs_f64(),
        outcome.timing.total.as_secs_f64(),
        outcome.workspace.parse_time.as_secs_f64(),
        outcome.workspace.mapping_time.as_secs_f64()
    ));
    if let Some(cache) = &outcome.cache {
        notes.push_str(&match &cache.missed {
            Some(why) => format!(
                "cache: not used ({}); {} calls made, kept for the next run\n",
                output::terminal::escape_line(why),
                cache.calls
            ),
            None => format!(
                "cache: {} files unchanged, {} changed, {} read; {} calls made again\n",
                cache.unchanged, cache.changed, cache.read, cache.calls
            ),
        });
    }
    notes.push_str(&rule_timing(outcome));
    notes
}

/// The rules that took time, slowest first, with their calls and CPU time summed over the
/// worker threads: what names a slow rule.
fn rule_timing(outcome: &Outcome) -> String {
    let mut rules: Vec<(&crate::rules::RuleInfo, &crate::rules::evaluate::Spent)> = outcome
        .rules
        .iter()
        .zip(&outcome.spent)
        .filter(|(_, spent)| spent.calls > 0)
        .collect();
    if rules.is_empty() {
        return String::new();
    }
    rules.sort_by(|a, b| b.1.time.cmp(&a.1.time).then_with(|| a.0.id.cmp(&b.0.id)));
    let mut table = String::from("timing by rule (CPU, summed over threads):\n");
    table.push_str("  rule    seconds      calls  µs per call  name\n");
    for (rule, spent) in rules {
        let seconds = spent.time.as_secs_f64();
        #[allow(clippy::cast_precision_loss)] // a count of calls, far below 2^52
        let per_call = seconds * 1e6 / spent.calls as f64;
        table.push_str(&format!(
            "  {} {seconds:>7.3} {:>10} {per_call:>12.1}  {}\n",
            output::terminal::padded(&output::terminal::escape_line(&rule.id), 7),
            spent.calls,
            output::terminal::escape_line(&rule.name)
        ));
    }
    table
}

/// A run that could not start: a configuration error gets a code frame at its line.
pub fn render_error(error: &Error, style: &Style) -> String {
    let frame = match error {
        Error::Config(config) => {
            let name = crate::finding::display_path(&config.path);
            let text: Arc<str> = Arc::from(config.text.as_str());
            let label = config.offset.map(|offset| {
                let offset = offset.min(text.len());
                let end = text[offset..]
                    .find('\n')
                    .map_or(text.len(), |len| offset + len);
                (SourceSpan::new(offset.into(), end - offset), None)
            });
            Frame {
                code: Some("config".into()),
                message: format!("{name}: {}", config.message),
                severity: miette::Severity::Error,
                help: Some("see the Configuration section of the README for every key".into()),
                source: label.as_ref().map(|_| Excerpt::new(name.clone(), text)),
                label,
            }
        }
        Error::Usage(message) => Frame {
            code: None,
            message: message.clone(),
            severity: miette::Severity::Error,
            help: None,
            source: None,
            label: None,
        },
    };
    render_frame(&frame, style)
}

#[cfg(test)]
mod tests {
    use super::{colour_from, Color};

    fn colour(color: Color, terminal: bool, env: &[(&str, &str)]) -> bool {
        colour_from(color, terminal, |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn colour_follows_what_ci_systems_and_users_ask_for() {
        assert!(colour(Color::Auto, true, &[]));
        assert!(!colour(Color::Auto, false, &[]));
        // Piped, as in a CI log, colour only when asked for.
        assert!(colour(Color::Auto, false, &[("FORCE_COLOR", "1")]));
        assert!(colour(Color::Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!colour(Color::Auto, false, &[("FORCE_COLOR", "0")]));
        assert!(!colour(Color::Auto, false, &[("CLICOLOR_FORCE", "0")]));
        // On a terminal, off when asked.
        assert!(!colour(Color::Auto, true, &[("NO_COLOR", "1")]));
        assert!(!colour(Color::Auto, true, &[("CLICOLOR", "0")]));
        assert!(!colour(Color::Auto, true, &[("TERM", "dumb")]));
        assert!(
            colour(Color::Auto, true, &[("NO_COLOR", "")]),
            "empty is unset"
        );
        // --color wins over every variable.
        assert!(!colour(Color::Never, true, &[("FORCE_COLOR", "1")]));
        assert!(colour(
            Color::Always,
            false,
            &[("NO_COLOR", "1"), ("TERM", "dumb")]
        ));
    }
}
