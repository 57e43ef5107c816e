//! Which files of the repository a run reports on: every file, or those under the paths
//! named on the command line (a pre-commit hook names hundreds).

use std::path::{Path, PathBuf};

use crate::util::paths::normalise;

/// Which loaded files the run reports on: those under the named paths. Named files are a
/// set, not a list: pre-commit names hundreds, and the report's closure run thousands.
#[derive(Debug, Clone)]
pub struct Reported {
    /// Relative to the root; `None` reports everything.
    only: Option<Named>,
}

#[derive(Debug, Clone, Default)]
pub struct Named {
    files: std::collections::HashSet<PathBuf>,
    folders: Vec<PathBuf>,
}

impl Reported {
    pub const EVERYTHING: Reported = Reported { only: None };

    pub fn new(root: &Path, paths: &[PathBuf]) -> Reported {
        let absolute_root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let mut named = Named::default();
        for path in paths {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let absolute = normalise(&absolute);
            let relative = match absolute.strip_prefix(normalise(&absolute_root)) {
                Ok(relative) if relative.as_os_str().is_empty() => return Reported::EVERYTHING,
                Ok(relative) => relative.to_path_buf(),
                Err(_) => path.clone(),
            };
            if path.is_dir() {
                named.folders.push(relative);
            } else {
                named.files.insert(relative);
            }
        }
        Reported::of(named)
    }

    /// Exactly these files (relative to the root).
    pub fn files(files: impl IntoIterator<Item = PathBuf>) -> Reported {
        Reported::of(Named {
            files: files.into_iter().collect(),
            folders: Vec::new(),
        })
    }

    pub fn of(named: Named) -> Reported {
        if named.files.is_empty() && named.folders.is_empty() {
            return Reported::EVERYTHING;
        }
        Reported { only: Some(named) }
    }

    pub fn includes(&self, file: &Path) -> bool {
        match &self.only {
            None => true,
            Some(named) => {
                named.files.contains(file)
                    || named.folders.iter().any(|folder| file.starts_with(folder))
            }
        }
    }

    /// Named files outside the root are loaded as given.
    pub fn outside(&self) -> Vec<PathBuf> {
        let mut outside: Vec<PathBuf> = self
            .only
            .iter()
            .flat_map(|named| named.files.iter())
            .filter(|path| path.is_absolute())
            .cloned()
            .collect();
        outside.sort();
        outside
    }
}
