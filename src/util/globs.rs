//! Globs as the configuration writes them: `drafts/` is everything under it, `*` stays in
//! one folder, and an extension matches in any case.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// A glob that does not compile, with the pattern.
#[derive(Debug, Clone)]
pub struct BadGlob {
    pub pattern: String,
    pub message: String,
}

pub fn glob_set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<GlobSet, BadGlob> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(compile(pattern)?);
    }
    builder.build().map_err(|error| BadGlob {
        pattern: String::new(),
        message: error.to_string(),
    })
}

/// Whether `globs` match `path`, or `path` with its extension in lower case: `*.json`
/// takes VCDB's `.JSON` files too, as a user expects of an extension.
pub fn is_match_any_case(globs: &GlobSet, path: &Path) -> bool {
    if globs.is_match(path) {
        return true;
    }
    match path.extension().and_then(|extension| extension.to_str()) {
        Some(extension) if extension.chars().any(|c| c.is_ascii_uppercase()) => {
            globs.is_match(path.with_extension(extension.to_ascii_lowercase()))
        }
        _ => false,
    }
}

/// `drafts/` means everything under it, as in `.gitignore`.
pub fn compile(pattern: &str) -> Result<Glob, BadGlob> {
    let normalised = match pattern.strip_suffix('/') {
        Some(folder) => format!("{folder}/**"),
        None => pattern.to_owned(),
    };
    globset::GlobBuilder::new(&normalised)
        .literal_separator(true)
        .build()
        .map_err(|error| BadGlob {
            pattern: pattern.to_owned(),
            message: error.kind().to_string(),
        })
}

/// `files: "a/**"` or `files: ["a/**", "b/**"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn patterns(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(pattern) => vec![pattern],
            OneOrMany::Many(patterns) => patterns.iter().map(String::as_str).collect(),
        }
    }
}
