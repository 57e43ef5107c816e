//! Paths as messages show them and as the repository compares them, without touching the
//! file system unless a name says so.

use std::path::{Path, PathBuf};

/// Keeps paths short in messages: the root relative to the current folder (`.`, `docs`,
/// `..`), or as it is when the two share nothing but `/`.
pub(crate) fn relative_to_cwd(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => relative_from(&cwd, path).unwrap_or_else(|| path.to_path_buf()),
        Err(_) => path.to_path_buf(),
    }
}

/// `path` as seen from the folder `from` (both made absolute): `2026/a.yaml`, `../b`, `.`;
/// `None` when they share nothing but the file system's root, where an absolute path reads
/// better than `../../..`.
pub fn relative_from(from: &Path, path: &Path) -> Option<PathBuf> {
    let (path, from) = (absolute(path), absolute(from));
    let common = path
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common <= 1 {
        return None;
    }
    let mut relative = PathBuf::new();
    for _ in from.components().skip(common) {
        relative.push("..");
    }
    for part in path.components().skip(common) {
        relative.push(part);
    }
    Some(if relative.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        relative
    })
}

/// `path` made absolute from the current folder, its `.` and `..` taken out as written
/// (the inverse of [`relative_to_cwd`]; links are not followed).
pub fn absolute(path: &Path) -> PathBuf {
    normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut result = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                result.pop();
            }
            other => result.push(other),
        }
    }
    result
}
