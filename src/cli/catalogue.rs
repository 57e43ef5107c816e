//! `lessons rules` and `lessons explain ID`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{render_error, style_for, Color, EXIT_CLEAN, EXIT_FAILED};
use crate::catalogue::{catalogue, packs_enabling, Catalogue, Entry};
use crate::output::terminal::{escape, escape_line as line, padded};
use crate::rules::Origin;
use crate::Options;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table
    Human,
    /// A JSON array, one object per rule
    Json,
}

/// Where the rules come from: the same options as `check`.
#[derive(Debug, Args)]
pub struct RuleSource {
    /// Configuration file (default: .lessons.yaml at the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Built-in policy pack, over the configuration's `policy:`
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// A folder of custom rules (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Colours in the output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

impl RuleSource {
    /// The run's options from these flags; the caller adds its own.
    pub fn options(&self) -> Options {
        Options {
            config: self.config.clone(),
            policy: self.policy.clone(),
            rule_dirs: self.rule_dirs.clone(),
            ..Options::default()
        }
    }

    /// Runs the check, printing why it could not run (`Err` is the exit code).
    pub fn check(&self, options: Options) -> Result<crate::Outcome, i32> {
        let style = style_for(self.color, std::io::stderr().is_terminal(), false);
        let outcome = crate::check(&options).map_err(|error| {
            eprint!("{}", render_error(&error, &style));
            EXIT_FAILED
        })?;
        if !outcome.rule_errors.is_empty() {
            eprint!(
                "{}",
                crate::output::human::render_rule_errors(&outcome.results(), &style)
            );
        }
        Ok(outcome)
    }
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub source: RuleSource,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. LL005, or a built-in policy pack, e.g. nist-800-61
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub source: RuleSource,
}

fn load(source: &RuleSource) -> Result<Catalogue, i32> {
    let options = Options {
        config: source.config.clone(),
        policy: source.policy.clone(),
        rule_dirs: source.rule_dirs.clone(),
        ..Options::default()
    };
    let style = style_for(source.color, std::io::stderr().is_terminal(), false);
    let catalogue = catalogue(&options).map_err(|error| {
        eprint!("{}", render_error(&error, &style));
        EXIT_FAILED
    })?;
    for error in &catalogue.errors {
        eprintln!(
            "error: rule {} ({}:{}) {}",
            line(error.rule.as_deref().unwrap_or("?")),
            line(&error.origin),
            error.line,
            line(&error.message)
        );
    }
    Ok(catalogue)
}

fn origin(entry: &Entry) -> String {
    match &entry.rule.origin {
        Origin::Builtin(_) => "built-in".to_owned(),
        Origin::File(path) => line(&crate::finding::display_path(path)).into_owned(),
    }
}

fn kinds(entry: &Entry) -> String {
    if entry.rule.kinds.is_empty() {
        "all".to_owned()
    } else {
        line(&entry.rule.kinds.join(", ")).into_owned()
    }
}

fn severity(entry: &Entry) -> &'static str {
    if entry.enabled {
        entry.severity.as_str()
    } else {
        "off"
    }
}

pub fn rules(args: &RulesArgs) -> i32 {
    let catalogue = match load(&args.source) {
        Ok(catalogue) => catalogue,
        Err(code) => return code,
    };
    match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = catalogue
                .entries
                .iter()
                .map(|entry| {
                    json!({
                        "id": entry.rule.id,
                        "name": entry.rule.name,
                        "severity": severity(entry),
                        "default_severity": entry.rule.severity.as_str(),
                        "kinds": entry.rule.kinds,
                        "origin": origin(entry),
                        "summary": entry.rule.summary,
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&rules).unwrap_or_else(|_| "[]".into());
            println!("{text}");
        }
        ListFormat::Human => {
            let header = ["ID", "NAME", "SEVERITY", "KINDS", "ORIGIN"];
            let rows: Vec<[String; 5]> = catalogue
                .entries
                .iter()
                .map(|entry| {
                    [
                        line(&entry.rule.id).into_owned(),
                        line(&entry.rule.name).into_owned(),
                        severity(entry).to_owned(),
                        kinds(entry),
                        origin(entry),
                    ]
                })
                .collect();
            let mut widths = header.map(str::len);
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let row_line = |cells: [&str; 5]| {
                let cells: Vec<String> = cells
                    .iter()
                    .zip(widths)
                    .map(|(cell, width)| padded(cell, width))
                    .collect();
                cells.join("  ").trim_end().to_owned()
            };
            println!("{}", row_line(header));
            for row in &rows {
                println!("{}", row_line(row.each_ref().map(String::as_str)));
            }
            println!(
                "\n{} rules, policy pack `{}`; `lessons explain ID` for one rule's documentation",
                rows.len(),
                catalogue.pack
            );
        }
    }
    if catalogue.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FAILED
    }
}

pub fn explain(args: &ExplainArgs) -> i32 {
    let catalogue = match load(&args.source) {
        Ok(catalogue) => catalogue,
        Err(code) => return code,
    };
    if catalogue.get(&args.id).is_none() {
        if let Ok(pack) = crate::policy::Pack::builtin(&args.id) {
            print!("{}", explain_pack(&pack, &catalogue));
            return EXIT_CLEAN;
        }
    }
    let Some(entry) = catalogue.get(&args.id) else {
        // Ids one typo away from the one asked for (`LL05`, `LL0005`, `LL015` for `LL005`).
        let asked = args.id.to_uppercase();
        let near: Vec<&str> = catalogue
            .entries
            .iter()
            .map(|entry| entry.rule.id.as_str())
            .filter(|id| one_edit_apart(id, &asked))
            .collect();
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", near.join(", "))
        };
        eprintln!(
            "error: no rule `{}`{hint}; `lessons rules` lists them all",
            line(&args.id)
        );
        return EXIT_FAILED;
    };
    let rule = &entry.rule;
    let mut out = format!("{} {}\n\n", line(&rule.id), line(&rule.name));
    if !rule.summary.is_empty() {
        out.push_str(&format!("{}\n\n", line(&rule.summary)));
    }
    out.push_str(&format!(
        "severity: {} here (pack `{}` and configuration), {} by default\n",
        severity(entry),
        catalogue.pack,
        rule.severity
    ));
    out.push_str(&format!("kinds:    {}\n", kinds(entry)));
    if let Some(when) = rule.when.describe() {
        out.push_str(&format!("when:     {}\n", line(&when)));
    }
    out.push_str(&format!("origin:   {}\n", origin(entry)));
    if rule.is_builtin() {
        let packs: Vec<String> = packs_enabling(rule)
            .into_iter()
            .map(|(pack, severity)| format!("{pack} ({severity})"))
            .collect();
        out.push_str(&format!("packs:    {}\n", packs.join(", ")));
    }
    if !rule.params.is_empty() {
        out.push_str("\nparameters:\n");
        let names: Vec<String> = rule
            .params
            .keys()
            .map(|name| line(name).into_owned())
            .collect();
        let width = names
            .iter()
            .map(|name| name.chars().count())
            .max()
            .unwrap_or(0);
        for ((name, default), shown_name) in rule.params.iter().zip(&names) {
            let current = entry.params.get(name.as_str()).cloned().unwrap_or_default();
            let note = if current.to_string() == default.to_string() {
                String::new()
            } else {
                format!(" (set to {})", line(&shown(&current)))
            };
            out.push_str(&format!(
                "  {}  default {}{note}\n",
                padded(shown_name, width),
                line(&default.to_string())
            ));
        }
    }
    if !rule.documentation.is_empty() {
        out.push_str(&format!("\n{}\n", escape(&rule.documentation)));
    }
    print!("{out}");
    EXIT_CLEAN
}

/// `lessons explain PACK`: what a built-in policy pack is for, the rules it runs, and the
/// lessons-learned questions it asks, each with the rule that holds the records to it.
fn explain_pack(pack: &crate::policy::Pack, catalogue: &Catalogue) -> String {
    let mut out = format!("{} (policy pack)\n\n{}\n\n", pack.name, pack.description);
    let enabled: Vec<&str> = catalogue
        .entries
        .iter()
        .filter(|entry| entry.rule.is_builtin() && pack.enables(&entry.rule))
        .map(|entry| entry.rule.id.as_str())
        .collect();
    let which = match &pack.enable {
        crate::policy::Enable::All(_) => format!("every built-in rule ({})", enabled.len()),
        crate::policy::Enable::Some(_) => {
            format!("{} built-in rules: {}", enabled.len(), enabled.join(", "))
        }
    };
    out.push_str(&format!(
        "rules:    {which}; {} with their severity or thresholds refined\n",
        pack.rules.len()
    ));
    if !pack.questions.is_empty() {
        out.push_str(&format!(
            "\nthe {} questions it asks of every review (LL035), each with the rule that holds the\nrecords to it:\n",
            pack.questions.len()
        ));
        let name = |id: &str| {
            catalogue
                .get(id)
                .map_or(String::new(), |entry| entry.rule.name.clone())
        };
        for question in &pack.questions {
            out.push_str(&format!(
                "\n  {}  ({} {})\n    {}\n",
                question.id,
                question.rule,
                name(&question.rule),
                question.question
            ));
        }
        out.push_str(
            "\nAnswer each in `review.answers.<id>`, or in a post-mortem section whose heading\n\
             starts with one of its headings (`lessons explain LL035`).\n",
        );
    }
    out
}

/// A parameter's value on one line: a list of entries with ids (a pack's questions) by
/// their ids, anything else as Rhai writes it.
fn shown(value: &rhai::Dynamic) -> String {
    let Some(items) = value.read_lock::<rhai::Array>() else {
        return value.to_string();
    };
    let ids: Vec<String> = items
        .iter()
        .filter_map(|item| Some(item.read_lock::<rhai::Map>()?.get("id")?.to_string()))
        .collect();
    if ids.is_empty() || ids.len() != items.len() {
        return value.to_string();
    }
    format!("{} entries: {}", ids.len(), ids.join(", "))
}

/// Whether `a` becomes `b` by at most one inserted, deleted or replaced character.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(&long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1.min(short.len() - prefix)..] == long[prefix + 1.min(long.len() - prefix)..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}
