//! `lessons config [PATH]`: the configuration a run uses, resolved through `extends:`, each
//! setting with the file and line it came from — what an organisation's standard and a
//! team's refinements add up to.

use std::path::PathBuf;

use clap::Args;

use super::show::ShowFormat;
use super::{render_error, style_for, EXIT_CLEAN, EXIT_FAILED};
use crate::output::terminal::{escape_line, shown_path};

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A file or folder of the repository (default: .)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Configuration file (default: .lessons.yaml at the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ShowFormat::Human)]
    pub format: ShowFormat,
}

pub fn run(args: &ConfigArgs) -> i32 {
    let options = crate::Options {
        paths: vec![args.path.clone().unwrap_or_else(|| PathBuf::from("."))],
        config: args.config.clone(),
        ..crate::Options::default()
    };
    let style = style_for(super::Color::Auto, false, false);
    let resolved = crate::check::repository(&options).and_then(|(_, path)| match path {
        Some(path) => crate::workspace::Config::load(&path)
            .map(Some)
            .map_err(crate::Error::Config),
        None => Ok(None),
    });
    let config = match resolved {
        Ok(Some(config)) => config,
        Ok(None) => {
            eprintln!("no .lessons.yaml here or above: every setting is the default");
            return EXIT_CLEAN;
        }
        Err(error) => {
            eprint!("{}", render_error(&error, &style));
            return EXIT_FAILED;
        }
    };
    let merged = crate::workspace::extends::merge(&config.layers);
    let origins = crate::workspace::extends::origins(&config.layers);
    match args.format {
        ShowFormat::Json => {
            let settings: serde_json::Value =
                serde_json::to_value(&merged).unwrap_or(serde_json::Value::Null);
            let origins: serde_json::Map<String, serde_json::Value> = origins
                .iter()
                .map(|(path, file, line)| {
                    (
                        path.clone(),
                        serde_json::json!({"file": file.display().to_string(), "line": line}),
                    )
                })
                .collect();
            let files: Vec<String> = config
                .layers
                .iter()
                .map(|layer| layer.path.display().to_string())
                .collect();
            let out = serde_json::json!({"files": files, "settings": settings, "origins": origins});
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        ShowFormat::Human => {
            let files: Vec<String> = config
                .layers
                .iter()
                .map(|layer| shown_path(&layer.path))
                .collect();
            let mut out = format!("# resolved from {} (base first)\n", files.join(", "));
            let width = origins
                .iter()
                .map(|(path, _, _)| path.len())
                .max()
                .unwrap_or(0)
                .min(40);
            for (path, file, line) in &origins {
                let value = setting(&merged, path)
                    .map(|value| serde_json::to_string(&value).unwrap_or_default())
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{:<width$} = {}    # {}:{line}\n",
                    escape_line(path),
                    escape_line(&value),
                    shown_path(file)
                ));
            }
            print!("{out}");
        }
    }
    EXIT_CLEAN
}

/// The value at a dotted path with `[n]` indices.
fn setting<'a>(root: &'a serde_yaml::Value, path: &str) -> Option<&'a serde_yaml::Value> {
    let mut node = root;
    for part in path.split('.') {
        let (key, indices) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            node = node.get(key)?;
        }
        for index in indices.split(['[', ']']).filter(|piece| !piece.is_empty()) {
            node = node.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(node)
}
