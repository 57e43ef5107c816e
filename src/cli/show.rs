//! `lessons show FILE` and `lessons formats`: what a mapping makes of a file, and the
//! built-in presets with what each maps.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::catalogue::RuleSource;
use super::{EXIT_CLEAN, EXIT_FAILED};
use crate::Options;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Every value with its origin, one per line
    Human,
    /// `{"documents": [{file, kind, id, format, fields, origins}]}`
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The file to show
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = ShowFormat::Human)]
    pub format: ShowFormat,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Debug, Args)]
pub struct FormatsArgs {
    #[arg(long, value_enum, default_value_t = ShowFormat::Human)]
    pub format: ShowFormat,
}

pub fn show(args: &ShowArgs) -> i32 {
    if !args.file.is_file() {
        eprintln!(
            "error: {}: no such file",
            crate::output::terminal::shown_path(&args.file)
        );
        return EXIT_FAILED;
    }
    let options = Options {
        paths: vec![args.file.clone()],
        // Only what loading finds: the rules are not what `show` is about.
        select: vec!["LL000".into()],
        ..args.source.options()
    };
    let outcome = match args.source.check(options) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    let documents = crate::show::documents(&outcome, &args.file);
    if documents.is_empty() {
        eprintln!(
            "{}: not a document of the repository at {} (not included by `include`, or excluded)",
            crate::output::terminal::shown_path(&args.file),
            crate::output::terminal::shown_path(&outcome.root)
        );
        return EXIT_FAILED;
    }
    match args.format {
        ShowFormat::Json => {
            let json = serde_json::json!({ "documents": documents });
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
        ShowFormat::Human => print!("{}", human(&documents)),
    }
    EXIT_CLEAN
}

fn human(documents: &[crate::show::Shown]) -> String {
    use crate::output::terminal::{escape_line as line, padded};
    let mut out = String::new();
    for (at, document) in documents.iter().enumerate() {
        if at > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}: {} {}, read as {}\n",
            line(&document.file),
            line(document.kind.as_deref().unwrap_or("(no kind)")),
            line(document.id.as_deref().unwrap_or("(no id)")),
            line(&document.format)
        ));
        // Each column as printed, then as wide as its widest cell (within bounds).
        let rows: Vec<[String; 4]> = document
            .origins
            .iter()
            .map(|(path, origin)| {
                [
                    line(path).into_owned(),
                    line(&origin.value).into_owned(),
                    format!("{}:{}", origin.line, origin.column),
                    line(&origin.from).into_owned(),
                ]
            })
            .collect();
        let width = |column: usize| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (path_width, value_width, place_width) = (width(0), width(1).min(64), width(2));
        for [path, value, place, from] in &rows {
            out.push_str(&format!(
                "  {}  {}  {}  {from}\n",
                padded(path, path_width),
                padded(value, value_width),
                padded(place, place_width)
            ));
        }
        for problem in &document.problems {
            out.push_str(&format!(
                "  LL000 {}:{}  {}\n",
                problem.line,
                problem.column,
                line(&problem.message)
            ));
        }
    }
    out
}

pub fn formats(args: &FormatsArgs) -> i32 {
    let catalogue = crate::formats::catalogue();
    match args.format {
        ShowFormat::Json => {
            let presets: Vec<serde_json::Value> = catalogue
                .iter()
                .map(|(preset, rows)| {
                    serde_json::json!({
                        "name": preset.name,
                        "description": preset.description,
                        "reads": preset.reads,
                        "kind": preset.kind,
                        "maps": rows.iter().map(|(target, from)| serde_json::json!({"target": target, "from": from})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&presets).unwrap_or_default()
            );
        }
        ShowFormat::Human => {
            let mut out = String::new();
            for (preset, rows) in &catalogue {
                out.push_str(&format!(
                    "{} — {}\n  reads: {}\n  kind:  {}\n",
                    preset.name,
                    preset.description,
                    preset.reads,
                    preset.kind.as_deref().unwrap_or("from the document")
                ));
                let width = rows
                    .iter()
                    .map(|(t, _)| t.chars().count())
                    .max()
                    .unwrap_or(0);
                for (target, from) in rows {
                    out.push_str(&format!(
                        "    {}  ← {from}\n",
                        crate::output::terminal::padded(target, width)
                    ));
                }
                out.push('\n');
            }
            out.push_str(
                "Use one in .lessons.yaml: formats: [{ files: \"postmortems/*.md\", preset: google-sre }]\n",
            );
            print!("{out}");
        }
    }
    EXIT_CLEAN
}
