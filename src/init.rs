//! `lessons init [DIR]`: a working starting point — a commented `.lessons.yaml`, one example
//! of each document kind, and a custom rule with its fixtures — on which `lessons check`
//! runs clean and `lessons test` passes. It never overwrites a file.

use std::path::{Path, PathBuf};

use crate::document::date::Moment;

/// The files `init` writes, relative to its folder, with `{{today}}`, `{{in_90_days}}` and
/// `{{half_a_year_ago}}` to fill in so the examples are current on the day they are written.
pub const TEMPLATES: &[(&str, &str)] = crate::util::embedded::embed!(
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

/// What `lessons init --from DIR` found: the preset that reads most of the folder's
/// post-mortems, and how well.
#[derive(Debug, Clone)]
pub struct Adoption {
    pub preset: String,
    /// The `files:` glob written for the folder.
    pub files: String,
    /// Post-mortems read as incidents with no problem, of `read`.
    pub clean: usize,
    pub read: usize,
    /// The fields the preset mapped, summed over the files (how much it understood).
    pub mapped: usize,
    /// The `.lessons.yaml` written.
    pub config: PathBuf,
}

/// The presets `init --from` tries, and the files each reads.
const CANDIDATES: &[(&str, &str)] = &[
    ("google-sre", "md"),
    ("pagerduty", "md"),
    ("cstate", "md"),
    ("markdown", "md"),
    ("incident-io", "json"),
    ("rootly", "json"),
    ("firehydrant", "json"),
];

/// Looks at the post-mortems under `from` (inside `root`), picks the preset that maps most
/// of them cleanly (then the one that maps most fields), and writes `root/.lessons.yaml`
/// with that `formats:` entry and `baseline: .lessons-baseline.json`. Refuses to overwrite
/// a configuration.
pub fn adopt(root: &Path, from: &Path) -> Result<Adoption, String> {
    let config_path = root.join(crate::workspace::config::CONFIG_FILE);
    crate::output::refuse_links(&config_path, root).map_err(|error| error.to_string())?;
    if std::fs::symlink_metadata(&config_path).is_ok() {
        return Err(format!(
            "not overwriting {}: init --from writes a new configuration",
            crate::output::terminal::shown_path(&config_path)
        ));
    }
    let absolute =
        |path: &Path| std::path::absolute(path).map(|path| crate::util::paths::normalise(&path));
    let (Ok(root_absolute), Ok(from_absolute)) = (absolute(root), absolute(from)) else {
        return Err("cannot resolve the folders".into());
    };
    let Ok(relative) = from_absolute.strip_prefix(&root_absolute) else {
        return Err(format!(
            "{} is not inside {}: the post-mortems must be part of the repository",
            crate::output::terminal::shown_path(from),
            crate::output::terminal::shown_path(root)
        ));
    };
    if !from.is_dir() {
        return Err(format!(
            "{}: no such folder",
            crate::output::terminal::shown_path(from)
        ));
    }
    let folder = relative.to_string_lossy().replace('\\', "/");
    let prefix = if folder.is_empty() {
        String::new()
    } else {
        format!("{folder}/")
    };
    let mut best: Option<Adoption> = None;
    for (preset, extension) in CANDIDATES {
        let files = format!("{prefix}**/*.{extension}");
        let text = format!("formats:\n  - files: \"{files}\"\n    preset: {preset}\n");
        let Ok(config) = crate::workspace::Config::parse(
            Path::new(crate::workspace::config::CONFIG_FILE),
            &text,
        ) else {
            continue;
        };
        let Ok(workspace) = crate::workspace::Workspace::load(
            root,
            config,
            None,
            &[],
            &crate::policy::default_placeholders(),
        ) else {
            continue;
        };
        let (clean, read, mapped) = score(&workspace, &prefix, extension);
        let better = best
            .as_ref()
            .is_none_or(|known| (clean, mapped) > (known.clean, known.mapped));
        if read > 0 && better {
            best = Some(Adoption {
                preset: (*preset).to_owned(),
                files,
                clean,
                read,
                mapped,
                config: config_path.clone(),
            });
        }
    }
    let Some(adoption) = best else {
        return Err(format!(
            "no post-mortem under {} that a preset reads (Markdown or an incident tool's JSON export)",
            crate::output::terminal::shown_path(from)
        ));
    };
    let text = format!(
        "# Written by `lessons init --from {folder}`: the post-mortems there are read with the\n\
         # `{preset}` preset ({clean} of {read} files mapped cleanly). `lessons show FILE`\n\
         # shows what it makes of one; `lessons formats` lists the presets.\n\
         formats:\n  - files: \"{files}\"\n    preset: {preset}\n\
         # Today's findings are recorded here: only new gaps fail a check.\n\
         baseline: .lessons-baseline.json\n",
        folder = if folder.is_empty() { "." } else { &folder },
        preset = adoption.preset,
        clean = adoption.clean,
        read = adoption.read,
        files = adoption.files,
    );
    crate::output::write_atomically(&config_path, root, text.as_bytes())
        .map_err(|error| format!("cannot write the configuration: {error}"))?;
    Ok(adoption)
}

/// (clean, read, mapped fields) of the files under `prefix` with `extension`: a file is
/// clean when each of its documents is an incident with no load problem and a title.
fn score(
    workspace: &crate::workspace::Workspace,
    prefix: &str,
    extension: &str,
) -> (usize, usize, usize) {
    let mut problem_files = std::collections::HashSet::new();
    for (file, _) in &workspace.problems {
        problem_files.insert(*file);
    }
    let mut read = 0;
    let mut clean = 0;
    let mut mapped = 0;
    for (position, source) in workspace.files.iter().enumerate() {
        let path = source.path.to_string_lossy();
        if !path.starts_with(prefix)
            || source.path.extension().and_then(|e| e.to_str()) != Some(extension)
        {
            continue;
        }
        read += 1;
        let documents: Vec<&crate::workspace::LoadedDocument> = workspace
            .documents
            .iter()
            .filter(|loaded| loaded.file == position)
            .collect();
        mapped += documents
            .iter()
            .map(|loaded| loaded.document.origins.len())
            .sum::<usize>();
        // A notice the preset knows is no incident (a status page's maintenance) is read
        // as well as an incident is.
        let fine = !documents.is_empty()
            && !problem_files.contains(&position)
            && documents.iter().all(|loaded| {
                loaded.document.skipped.is_some()
                    || (loaded.kind.as_deref() == Some("incident")
                        && loaded.document.root.get("title").is_some())
            });
        clean += usize::from(fine);
    }
    (clean, read, mapped)
}
