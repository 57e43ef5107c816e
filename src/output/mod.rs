//! Renderers: one file per format, each over the one [`Finding`](crate::finding::Finding)
//! type. A new format is a new file and a new [`Format`] variant.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;
pub mod terminal;

use rustc_hash::FxHashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::document::date::Moment;
use crate::document::SourceFile;
use crate::finding::{Finding, RuleError, RuleInfo};
use crate::workspace::reported::Reported;
use crate::workspace::Workspace;

/// How long the phases took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub load: Duration,
    pub evaluate: Duration,
    pub total: Duration,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames at each finding, and a summary.
    Human,
    /// One line per finding: `file:line:column: RULE message`.
    Concise,
    /// One JSON object: version, as_of, summary, findings.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

/// What renderers need beside the outcome.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width for code frames.
    pub width: usize,
    /// Leave out the closing summary.
    pub quiet: bool,
    /// `--fail-on`: findings at or above it fail the run (JUnit marks only those failed).
    pub fail_on: Option<crate::finding::Severity>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
            quiet: false,
            fail_on: Some(crate::finding::Severity::Error),
        }
    }
}

/// What a renderer sees of a run: its findings, the rules as they describe themselves, the
/// rules that failed, the sources code frames quote, and the run's counts and times; the
/// workspace only to list the documents checked (JUnit's passing cases). Never the rules'
/// compiled code.
pub struct Results<'a> {
    /// Sorted by file, line, column and rule.
    pub findings: &'a [Finding],
    pub rules: &'a [RuleInfo],
    pub rule_errors: &'a [RuleError],
    pub root: &'a Path,
    pub as_of: Moment,
    pub timing: Timing,
    /// When the run started (JUnit's `timestamp`).
    pub started_at: jiff::Timestamp,
    /// Documents checked, files reported on.
    pub documents: usize,
    pub files: usize,
    /// The text of every file a finding may point into, by its path.
    pub sources: &'a FxHashMap<Arc<Path>, Arc<SourceFile>>,
    pub workspace: &'a Workspace,
    /// The files the run reported on.
    pub reported: &'a Reported,
}

impl<'a> Results<'a> {
    /// The text of `file` (relative to the root), for a code frame.
    pub fn source(&self, file: &Path) -> Option<&'a Arc<SourceFile>> {
        self.sources.get(file)
    }

    /// Every document the run checked, as (file, id): where JUnit puts a passing case.
    pub fn checked_documents(&self) -> impl Iterator<Item = (&'a Path, Option<&'a str>)> + 'a {
        let (workspace, reported) = (self.workspace, self.reported);
        workspace
            .documents
            .iter()
            .filter(|loaded| loaded.kind.is_some())
            .map(move |loaded| {
                (
                    &*workspace.files[loaded.file].path,
                    loaded.document.id.as_deref(),
                )
            })
            .filter(move |(file, _)| reported.includes(file))
    }
}

pub fn render(results: &Results, format: Format, style: &Style) -> String {
    match format {
        Format::Human => human::render(results, style),
        Format::Concise => concise::render(results),
        Format::Json => json::render(results),
        Format::Sarif => sarif::render(results),
        Format::Junit => junit::render(results, style.fail_on),
        Format::Github => github::render(results),
        Format::Gitlab => gitlab::render(results),
    }
}

/// Writes the output of `format` to `out`: the concise lines as they are made, any other
/// format rendered whole first.
pub fn write(
    results: &Results,
    format: Format,
    style: &Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Concise => concise::write(results, out),
        _ => out.write_all(render(results, format, style).as_bytes()),
    }
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so
/// a reader never sees half a report; never through a symbolic link inside `within` (see
/// [`refuse_links`]).
pub fn write_atomically(path: &Path, within: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, within, &mut |file| file.write_all(contents))
}

/// [`write_atomically`], with what `write` writes into the temporary file.
///
/// `within` is the repository the run read (or the folder `init` fills): what lies inside
/// it came from its contributors, so a symbolic link there — the file itself or a folder on
/// the way to it — is refused, never followed (a pull request can commit `lessons.sarif` as
/// a link to `~/.ssh/authorized_keys`). A path outside it is the user's own choice
/// (`--output /dev/stdout`) and is written as named. A target that exists and is not a
/// regular file (a FIFO, a terminal behind `/proc/self/fd/1`) is written in place: a rename
/// would replace the device node with a file.
pub fn write_atomically_with(
    path: &Path,
    within: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    replace(path, within, write, true)
}

/// [`write_atomically`] without waiting for the disk: for a cache, which a crash may lose
/// or leave half-written (its reader then ignores it), never a report or a baseline.
pub fn write_atomically_unsynced(
    path: &Path,
    within: &Path,
    contents: &[u8],
) -> std::io::Result<()> {
    replace(path, within, &mut |file| file.write_all(contents), false)
}

fn replace(
    path: &Path,
    within: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    sync: bool,
) -> std::io::Result<()> {
    refuse_links(path, within)?;
    let existing = std::fs::metadata(path).ok();
    if let Some(metadata) = &existing {
        if !metadata.is_file() {
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut buffered = std::io::BufWriter::new(file);
            write(&mut buffered)?;
            return buffered.flush();
        }
    }
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |name| name.to_string_lossy());
    remove_stale_temporaries(folder, &name);
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // `create_new` never opens through a link planted at the temporary's name.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        // A file written again keeps its mode (a private file stays private, a script
        // executable), set before a byte is written or the name is taken.
        if let Some(metadata) = &existing {
            file.set_permissions(metadata.permissions())?;
        }
        let mut buffered = std::io::BufWriter::new(file);
        write(&mut buffered)?;
        let file = buffered
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        if sync {
            file.sync_all()?;
        }
        // A rename replaces the name itself, whatever it was: never what a link names.
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Refuses a path to be written that, inside `within`, is a symbolic link or lies under
/// one: the path itself or any folder between `within` and it. Compared as written (made
/// absolute, `..` resolved without the file system), so `within/../elsewhere` is outside.
pub fn refuse_links(path: &Path, within: &Path) -> std::io::Result<()> {
    let Some((target, within)) = crate::workspace::read::lexically_inside(path, within) else {
        return Ok(());
    };
    let Ok(below) = target.strip_prefix(&within) else {
        return Ok(());
    };
    let mut walked = within.clone();
    for part in below.components() {
        walked.push(part);
        match std::fs::symlink_metadata(&walked) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let to = std::fs::read_link(&walked)
                    .map(|to| format!(" (to {})", to.display()))
                    .unwrap_or_default();
                let shown = crate::util::paths::relative_to_cwd(&walked);
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "{} is a symbolic link{} inside {}; lessons never writes through one \
                         (remove the link, or name another file)",
                        terminal::shown_path(&shown),
                        terminal::escape_line(&to),
                        terminal::shown_path(&crate::util::paths::relative_to_cwd(&within)),
                    ),
                ));
            }
            Ok(_) => {}
            // Nothing below a name that is not there yet can be a link.
            Err(_) => break,
        }
    }
    Ok(())
}

/// Removes the temporary files an earlier run left beside `name` when it was killed
/// mid-write: `.{name}.{pid}.tmp` whose process is gone. A live run's is left alone.
fn remove_stale_temporaries(folder: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|file| file.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        if !alive && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
