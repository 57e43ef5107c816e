//! Reading a file the way every input of a run is read: only a regular file (a FIFO or a
//! device would hang the run or never end), never more than a bound, and — for what the
//! repository itself names — only inside the repository, so a symlink cannot make the run
//! print `/proc/self/environ` or `/etc/passwd` in a code frame.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file read by default: a post-mortem is kilobytes, a whole export megabytes.
pub const MAX_FILE_BYTES: u64 = 10 << 20;

/// Why a file was not read. The message never holds the file's content.
#[derive(Debug)]
pub enum Refused {
    /// A FIFO, a device, a socket, a folder.
    NotRegular(&'static str),
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    /// It resolves (through a symlink or `..`) to `to`, outside `within`.
    Outside {
        to: PathBuf,
        within: PathBuf,
    },
    /// A document that is a symbolic link (to `to`): documents are read where they are.
    Link {
        to: PathBuf,
    },
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::NotRegular(what) => write!(f, "not a regular file ({what})"),
            Refused::TooLarge { bytes, limit } => write!(
                f,
                "the file is {} bytes, over the limit of {limit} (`limits: max_file_bytes`)",
                bytes
            ),
            Refused::Outside { to, within } => write!(
                f,
                "it resolves to {}, outside {}",
                to.display(),
                within.display()
            ),
            Refused::Link { to } => write!(
                f,
                "a symbolic link (to {}); documents are read where they are, never through a link",
                to.display()
            ),
            Refused::Io(error) => write!(f, "cannot read it: {error}"),
        }
    }
}

/// What kind of file `metadata` describes, in a user's words.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// The bytes of `path`, a regular file of at most `limit` bytes.
pub fn bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
    let metadata = std::fs::metadata(path).map_err(Refused::Io)?;
    if !metadata.is_file() {
        return Err(Refused::NotRegular(kind_of(&metadata)));
    }
    if metadata.len() > limit {
        return Err(Refused::TooLarge {
            bytes: metadata.len(),
            limit,
        });
    }
    let file = std::fs::File::open(path).map_err(Refused::Io)?;
    // The file may grow between the look and the read: never more than the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Refused::TooLarge {
            bytes: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// The bytes of a document or a rule fixture at `path`: [`bounded`], and never through a
/// symbolic link — the repository's walk does not follow them, and a file named on the
/// command line (by pre-commit, or `lessons test`) is held to the same.
pub fn document(path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        if metadata.file_type().is_symlink() {
            let to = std::fs::read_link(path).unwrap_or_default();
            return Err(Refused::Link { to });
        }
    }
    bounded(path, limit)
}

/// The text of `path` (see [`bounded`]); bytes that are not UTF-8 are an error.
pub fn bounded_text(path: &Path, limit: u64) -> Result<String, Refused> {
    text(bounded(path, limit)?)
}

/// The text of `bytes`; bytes that are not UTF-8 are an error.
pub fn text(bytes: Vec<u8>) -> Result<String, Refused> {
    String::from_utf8(bytes).map_err(|error| {
        Refused::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not valid UTF-8 (at byte {})",
                error.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// `path` if it resolves inside `within` (both through their symlinks); a path that does
/// not exist is left to the reader to report.
pub fn confined(path: &Path, within: &Path) -> Result<(), Refused> {
    let (Ok(to), Ok(within)) = (std::fs::canonicalize(path), std::fs::canonicalize(within)) else {
        return Ok(());
    };
    if to.starts_with(&within) {
        Ok(())
    } else {
        Err(Refused::Outside { to, within })
    }
}

/// `path` and `within`, made absolute with `..` resolved as written (not through the file
/// system), when `path` lies inside `within` so: a file of the repository, which its
/// contributors control, as opposed to one the user named elsewhere.
pub fn lexically_inside(path: &Path, within: &Path) -> Option<(PathBuf, PathBuf)> {
    let absolute =
        |path: &Path| std::path::absolute(path).map(|path| crate::util::paths::normalise(&path));
    let (path, within) = (absolute(path).ok()?, absolute(within).ok()?);
    path.starts_with(&within).then_some((path, within))
}

/// [`confined`] for a path the user named: one that lies inside `root` as written (a
/// contributor's file) must resolve inside it too; one outside it is the user's own choice.
pub fn confined_if_inside(path: &Path, root: &Path) -> Result<(), Refused> {
    match lexically_inside(path, root) {
        Some((path, root)) => confined(&path, &root),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_not_waited_on() {
        let folder = tempfile::tempdir().expect("folder");
        let fifo = folder.path().join("pipe.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        let refused = bounded(&fifo, MAX_FILE_BYTES).expect_err("a FIFO");
        assert_eq!(refused.to_string(), "not a regular file (a FIFO)");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let folder = tempfile::tempdir().expect("folder");
        let file = folder.path().join("big.yaml");
        std::fs::write(&file, "x".repeat(100)).expect("write");
        assert!(matches!(
            bounded(&file, 99),
            Err(Refused::TooLarge {
                bytes: 100,
                limit: 99
            })
        ));
        assert_eq!(bounded(&file, 100).expect("at the limit").len(), 100);
    }

    #[test]
    fn a_symlink_out_of_the_folder_is_outside() {
        let folder = tempfile::tempdir().expect("folder");
        let inside = folder.path().join("repo");
        std::fs::create_dir(&inside).expect("repo");
        std::fs::write(folder.path().join("secret"), "TOKEN=1").expect("write");
        std::os::unix::fs::symlink(folder.path().join("secret"), inside.join("x.rhai"))
            .expect("symlink");
        let refused = confined(&inside.join("x.rhai"), &inside).expect_err("outside");
        assert!(refused.to_string().contains("outside"), "{refused}");
        assert!(!refused.to_string().contains("TOKEN"));
        std::fs::write(inside.join("y.rhai"), "").expect("write");
        assert!(confined(&inside.join("y.rhai"), &inside).is_ok());
    }
}
