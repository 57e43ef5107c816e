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
        eprintln!("error: {}: no such file", args.file.display());
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
            args.file.display(),
            crate::finding::display_path(&outcome.root)
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
    let mut out = String::new();
    for (at, document) in documents.iter().enumerate() {
        if at > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}: {} {}, read as {}\n",
            document.file,
            document.kind.as_deref().unwrap_or("(no kind)"),
            document.id.as_deref().unwrap_or("(no id)"),
            document.format
        ));
        let width = |column: &dyn Fn(&crate::show::Origin) -> usize| {
            document
                .origins
                .iter()
                .map(|(_, o)| column(o))
                .max()
                .unwrap_or(0)
        };
        let path_width = document
            .origins
            .iter()
            .map(|(p, _)| p.chars().count())
            .max()
            .unwrap_or(0);
        let value_width = width(&|o| o.value.chars().count()).min(64);
        let place_width = width(&|o| format!("{}:{}", o.line, o.column).len());
        for (path, origin) in &document.origins {
            let place = format!("{}:{}", origin.line, origin.column);
            out.push_str(&format!(
                "  {path:<path_width$}  {:<value_width$}  {place:<place_width$}  {}\n",
                origin.value, origin.from
            ));
        }
        for problem in &document.problems {
            out.push_str(&format!(
                "  LL000 {}:{}  {}\n",
                problem.line, problem.column, problem.message
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
                    out.push_str(&format!("    {target:<width$}  ← {from}\n"));
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
