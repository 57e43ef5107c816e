//! `lessons init [DIR]`: a working starting point — a commented `.lessons.yaml`, one example
//! of each document kind, and a custom rule with its fixtures — on which `lessons check`
//! runs clean and `lessons test` passes. It never overwrites a file.

use std::path::{Path, PathBuf};

use crate::document::date::Moment;

/// The files `init` writes, relative to its folder, with `{{today}}`, `{{in_90_days}}` and
/// `{{half_a_year_ago}}` to fill in so the examples are current on the day they are written.
pub const TEMPLATES: &[(&str, &str)] = crate::embedded::embed!(
    "templates/init",
    "",
    [
        ".lessons.yaml",
        "incidents/INC-0001-example.yaml",
        "policies/incident-response.yaml",
        "runbooks/phishing.yaml",
        "people/roster.yaml",
        "access-reviews/identity-provider.yaml",
        "postmortems/_template.md",
        "rules/incident-commander.rhai",
        "rules/tests/LOCAL001/fires.yaml",
        "rules/tests/LOCAL001/near-miss.yaml",
    ]
);

/// Writes the starting point into `folder` (created if needed). Refuses, writing nothing,
/// when any of its files already exists, or when a file or folder it would write is a
/// symbolic link (`rules/` linked elsewhere would put the rule there).
pub fn init(folder: &Path, today: Moment) -> Result<Vec<PathBuf>, String> {
    for (path, _) in TEMPLATES {
        crate::output::refuse_links(&folder.join(path), folder).map_err(|error| {
            format!(
                "not writing into {}: {error}",
                crate::output::terminal::shown_path(folder)
            )
        })?;
    }
    let existing: Vec<String> = TEMPLATES
        .iter()
        .map(|(path, _)| folder.join(path))
        // A link is there even when what it names is not.
        .filter(|path| std::fs::symlink_metadata(path).is_ok())
        .map(|path| crate::output::terminal::shown_path(&path))
        .collect();
    if !existing.is_empty() {
        return Err(format!(
            "not overwriting what is already there: {} (init writes into a new or empty folder)",
            existing.join(", ")
        ));
    }
    let in_90_days = today
        .add_days(90)
        .map_or_else(|| today.to_string(), |day| day.to_string());
    // The roster's training half a year back: current for the incidents of the last six
    // months a user adds (not only those detected from today on), and for six more.
    let half_a_year_ago = today
        .add_days(-180)
        .map_or_else(|| today.to_string(), |day| day.to_string());
    let mut written = Vec::new();
    for (path, template) in TEMPLATES {
        let target = folder.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                format!(
                    "cannot create {}: {error}",
                    crate::output::terminal::shown_path(parent)
                )
            })?;
            // Checked again now that the folders are there: one made meanwhile may be a link.
            crate::output::refuse_links(&target, folder).map_err(|error| {
                format!(
                    "not writing into {}: {error}",
                    crate::output::terminal::shown_path(folder)
                )
            })?;
        }
        let text = template
            .replace("{{today}}", &today.to_string())
            .replace("{{in_90_days}}", &in_90_days)
            .replace("{{half_a_year_ago}}", &half_a_year_ago);
        // create_new: a file that appeared since the check above is still not overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|error| {
                format!(
                    "cannot create {}: {error}",
                    crate::output::terminal::shown_path(&target)
                )
            })?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|error| {
            format!(
                "cannot write {}: {error}",
                crate::output::terminal::shown_path(&target)
            )
        })?;
        written.push(target);
    }
    Ok(written)
}
