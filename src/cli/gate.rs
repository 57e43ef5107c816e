//! `lessons gate close ID|FILE`: a checklist of what is missing before the incident can
//! be closed, each item with the file and line to edit.

use std::io::IsTerminal;

use clap::{Args, Subcommand};

use super::catalogue::RuleSource;
use super::{exit_code, parse_as_of, style_for, FailOn};
use crate::document::date::Moment;
use crate::finding::display_path;
use crate::output::terminal::escape_line as line;
use crate::output::{self, Format};
use crate::{Closing, Options};

#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(subcommand)]
    pub command: GateCommand,
}

#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Can this incident be closed? Every missing piece; exit 0 only when ready
    Close(CloseArgs),
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The incident: its id (INC-2026-014) or its file
    #[arg(value_name = "ID|FILE")]
    pub target: String,
    /// Output format: the checklist (human) or the findings as JSON
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The day of the close (default: today): the `closed` date when the record has none
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<Moment>,
    /// Lowest severity that blocks the close (exit 1)
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub source: RuleSource,
}

pub fn run(args: &GateArgs) -> i32 {
    match &args.command {
        GateCommand::Close(close) => close_incident(close),
    }
}

fn close_incident(args: &CloseArgs) -> i32 {
    let style = style_for(args.source.color, std::io::stderr().is_terminal(), false);
    // A file names the repository too: found from the file, as `check FILE` does, not
    // from the folder the gate runs in.
    let paths = if std::path::Path::new(&args.target).is_file() {
        vec![args.target.clone().into()]
    } else {
        Vec::new()
    };
    let options = Options {
        paths,
        as_of: args.as_of,
        closing: Some(Closing::Incident(args.target.clone())),
        ..args.source.options()
    };
    let outcome = match args.source.check(options) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    let mut code = exit_code(&outcome, args.fail_on);
    // An incident that records no follow-up at all has not learnt anything yet: whatever
    // the rules' severities, it is not ready to close.
    let no_items = outcome
        .closing
        .as_deref()
        .and_then(|id| without_action_items(&outcome, id));
    if no_items.is_some() && code == super::EXIT_CLEAN {
        code = super::EXIT_FINDINGS;
    }
    if args.format != Format::Human {
        let style = output::Style {
            fail_on: args.fail_on.threshold(),
            ..style
        };
        print!(
            "{}",
            output::render(&outcome.results(), args.format, &style)
        );
        return code;
    }
    let id = outcome
        .closing
        .clone()
        .unwrap_or_else(|| args.target.clone());
    let id = line(&id);
    let open: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .collect();
    let blocking = |severity| {
        args.fail_on
            .threshold()
            .is_some_and(|threshold| severity >= threshold)
    };
    let blockers =
        open.iter().filter(|f| blocking(f.severity)).count() + usize::from(no_items.is_some());
    let mut out = if code == 0 {
        format!("{id} is ready to close")
    } else {
        format!(
            "{id} is not ready to close: {blockers} item{} missing",
            if blockers == 1 { "" } else { "s" }
        )
    };
    let rest = open.len() - blockers;
    if rest > 0 {
        out.push_str(&format!(
            " ({rest} more to consider below the --fail-on level)"
        ));
    }
    out.push_str(&format!(" as of {}\n\n", outcome.as_of));
    if let Some((file, line_number, column)) = &no_items {
        out.push_str(&format!(
            "[ ] {}:{line_number}:{column}  no action items: {id} records no follow-up\n      \
             {}\n",
            line(file),
            "add the action items the review agreed (what will change, who owns it, by when); \
             an incident that changes nothing is not closed"
        ));
    }
    // What blocks the close first, then what to consider; each group by file and line.
    let mut open = open;
    open.sort_by_key(|finding| (!blocking(finding.severity), finding.sort_key()));
    for finding in &open {
        let mark = if blocking(finding.severity) {
            "[ ]"
        } else {
            "[~]"
        };
        let file = display_path(&outcome.root.join(&finding.file));
        out.push_str(&format!(
            "{mark} {}:{}:{}  {} {}: {}\n",
            line(&file),
            finding.location.line(),
            finding.location.column(),
            line(&finding.rule),
            finding.severity,
            line(&finding.message)
        ));
        if let Some(help) = &finding.help {
            out.push_str(&format!("      {}\n", line(help)));
        }
    }
    if open.is_empty() && no_items.is_none() {
        out.push_str(
            "Nothing is missing: the record, its runbooks and policies pass every rule.\n",
        );
    }
    print!("{out}");
    code
}

/// Where the incident `id` should list its action items, when it lists none: (file, line,
/// column) of its `action_items` (an empty section's heading in a post-mortem), else of
/// the record's start.
fn without_action_items(outcome: &crate::Outcome, id: &str) -> Option<(String, usize, usize)> {
    let workspace = &outcome.workspace;
    let position = workspace.index.find("incident", id)?;
    let loaded = &workspace.documents[position];
    let root = &loaded.document.root;
    let items = root.get("action_items");
    let listed = items.is_some_and(|node| match &node.value {
        crate::document::Value::Seq(items) => !items.is_empty(),
        crate::document::Value::Null => false,
        _ => true,
    });
    if listed {
        return None;
    }
    let source = &workspace.files[loaded.file];
    let span = items.map_or_else(|| root.span(), |node| node.span());
    let location = source.location(&span);
    let file = display_path(&outcome.root.join(&*source.path));
    Some((file, location.line(), location.column()))
}
