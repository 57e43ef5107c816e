//! The cache across runs: a session's records — each rule call's findings and what it
//! looked at, each file's digest and documents — kept in `.lessons_cache/` (or
//! `--cache-dir`) between two `check`s of the whole repository.
//!
//! A run looks at every file's size, times and inode first, and reads and digests only
//! the files whose look changed since the cache was written (a file changed less than two
//! seconds before that is read again, as git does with its racily clean entries). When
//! nothing changed, the findings come from the cache, no document is parsed and no
//! unchanged file is read, unless a code frame or an inline waiver needs its text. When
//! some files changed, those are read, the rest stay as the cache remembers them, and only
//! the calls on the changed documents and the calls whose lookups named what changed are
//! made again. The cache is keyed by the `lessons` version, the configuration,
//! every rule file, the policy pack and options, and the as-of day; one from another key
//! is not used.
//!
//! A cache is input a pull request can forge: a `.lessons_cache/` committed beside the
//! documents, claiming no findings, must never be believed. Every cache file is
//! authenticated with a key kept outside the repository (the user's cache directory,
//! `lessons/key`, mode 0600, made on first use), and digests are BLAKE3, so no edited
//! document can pass for one the cache knows. A cache that is truncated, corrupt, forged,
//! of another version or key, or being written by another run is ignored and rebuilt: it
//! can cost time, never a finding.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::session::Session;
use super::{Error, Options, Outcome, Ready, Setup};
use crate::document::{Document, LoadProblem};
use crate::finding::{Details, Finding, Location, Severity};
use crate::rules::looked::Looked;
use crate::source::{Format, SourceFile};
use crate::workspace::{read, LoadedDocument, Workspace};

/// The layout of a cache file: a change to it makes every older cache another key's.
const FORMAT: u32 = 8;

/// The folder a repository's cache is kept in, at its root.
pub const FOLDER: &str = ".lessons_cache";

/// Past this a cache file is not read: it is ours, and ours are far smaller.
const MAX_CACHE_BYTES: u64 = 256 << 20;

/// Where a run keeps its cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDir {
    /// `.lessons_cache/` at the repository's root.
    InRepository,
    /// `--cache-dir DIR`.
    At(PathBuf),
}

/// What the cache did for a run, for `--verbose`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Files whose digest the cache knew, and the others.
    pub unchanged: usize,
    pub changed: usize,
    /// Files read up front: the others looked as the cache saw them (read later only if a
    /// code frame, an inline waiver or a rule's lookup needs their text).
    pub read: usize,
    /// Rule calls made in this run (none when nothing changed).
    pub calls: usize,
    /// Why the cache was not used, when it was not (none yet, another key, unreadable).
    pub missed: Option<String>,
}

/// A cache as it is kept. Read, its texts are borrowed from the file's bytes: a run whose
/// findings all come from the cache makes no string it does not hand on.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    key: [u8; 32],
    /// Every text findings and lookups share (rule ids and names, helps, files, kinds,
    /// document ids), once; the rest refers to them by index.
    #[serde(borrow)]
    texts: Vec<Text<'a>>,
    /// The (kind, field) pairs some call asked `referencing` about, asked `docs(kind,
    /// field)` about, and read of a document a lookup handed it: whom an edit concerns,
    /// known without going through every call.
    asked: Vec<(TextIndex, TextIndex)>,
    having: Vec<(TextIndex, TextIndex)>,
    fields_read: Vec<(TextIndex, TextIndex)>,
    #[serde(borrow)]
    files: Vec<StoredFile<'a>>,
    #[serde(borrow)]
    across: Vec<StoredFinding<'a>>,
    #[serde(borrow)]
    run_level: Vec<StoredFinding<'a>>,
    /// The files the run-level findings point into (the configuration): path, text.
    #[serde(borrow)]
    run_sources: Vec<(Text<'a>, Text<'a>)>,
    idle: Vec<bool>,
}

#[derive(Serialize, Deserialize)]
struct StoredFile<'a> {
    #[serde(borrow)]
    path: Text<'a>,
    digest: [u8; 32],
    /// How the file looked when it was read ([`Stamp`]); zero to read it again next time.
    stamp: Stamp,
    /// Whether its text holds an inline waiver.
    allows: bool,
    format: u8,
    /// Its [`Parts`] in postcard: decoded on every thread when the cache is read, and
    /// written again as they are when the file is kept (not encoded anew).
    #[serde(borrow)]
    body: Bytes<'a>,
    /// The body, decoded.
    #[serde(skip)]
    parts: Parts<'a>,
}

/// What a cache keeps of a file besides its name and looks.
#[derive(Serialize, Deserialize, Default)]
struct Parts<'a> {
    #[serde(borrow)]
    documents: Vec<StoredDocument<'a>>,
    /// The findings of the native rules that judge a file alone.
    #[serde(borrow)]
    natives: Vec<StoredFinding<'a>>,
    /// Why parts could not be read as documents, as LL000 says it.
    #[serde(borrow)]
    problems: Vec<StoredProblem<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredProblem<'a> {
    span: (u32, u32),
    #[serde(borrow)]
    message: Text<'a>,
    #[serde(borrow)]
    help: Option<Text<'a>>,
    #[serde(borrow)]
    path: Text<'a>,
    #[serde(borrow)]
    doc_id: Option<Text<'a>>,
    #[serde(borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    fix: Option<Text<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredDocument<'a> {
    #[serde(borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    declared_kind: Option<Text<'a>>,
    #[serde(borrow)]
    skipped: Option<Text<'a>>,
    span: (u32, u32),
    digest: [u8; 32],
    /// A roster's people: id, digest of the entry.
    #[serde(borrow)]
    people: Vec<(Text<'a>, [u8; 32])>,
    /// The ids it names in each field `referencing` asked about (field, ids).
    names: Vec<(TextIndex, Vec<TextIndex>)>,
    /// Whether it has each field `docs(kind, field)` asked about, not blank.
    having: Vec<(TextIndex, bool)>,
    /// Digest of what the native rules that compare documents read of it (zero for a
    /// kind they do not read): when it is the same, they need not run again.
    across: [u8; 32],
    /// Each top-level field and a digest of what is written for it (YAML and JSON): an
    /// edit that keeps the kind and id concerns only the calls that read a field it
    /// changed. A `Vec<(TextIndex, [u8; 8])>` in postcard, read only when the document
    /// changed; empty when not known (a Markdown document, whose fields a body makes).
    #[serde(borrow)]
    fields: Bytes<'a>,
    #[serde(borrow)]
    calls: Vec<StoredCall<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredCall<'a> {
    rule: usize,
    #[serde(borrow)]
    findings: Vec<StoredFinding<'a>>,
    /// What the call looked at: a `Vec<StoredLooked>` in postcard, read only when a run
    /// has something to re-check.
    #[serde(borrow)]
    looked: Bytes<'a>,
    #[serde(borrow)]
    printed: Vec<Text<'a>>,
}

/// A string of a cache: borrowed from the bytes it was read from, owned when written.
#[derive(Serialize, Clone, PartialEq, Eq, Hash)]
#[serde(transparent)]
struct Text<'a>(std::borrow::Cow<'a, str>);

impl Text<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }

    fn owned(text: &str) -> Text<'static> {
        Text(std::borrow::Cow::Owned(text.to_owned()))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text<'_> {
    fn from(text: String) -> Self {
        Text(std::borrow::Cow::Owned(text))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

/// Bytes of a cache, borrowed like [`Text`].
#[derive(Default)]
struct Bytes<'a>(std::borrow::Cow<'a, [u8]>);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Bytes<'a>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("bytes")
            }
            fn visit_borrowed_bytes<E>(self, bytes: &'de [u8]) -> Result<Bytes<'a>, E> {
                Ok(Bytes(std::borrow::Cow::Borrowed(bytes)))
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Bytes<'a>, E> {
                Ok(Bytes(std::borrow::Cow::Owned(bytes.to_vec())))
            }
        }
        deserializer.deserialize_bytes(Visitor(std::marker::PhantomData))
    }
}

/// A text of [`Stored::texts`] by index; [`NONE`] for none.
type TextIndex = u32;
const NONE: TextIndex = u32::MAX;

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Hash)]
enum StoredLooked {
    Kind(TextIndex),
    Count(TextIndex),
    Field(TextIndex, TextIndex),
    Id(TextIndex, TextIndex),
    Person(TextIndex),
    Referencing(TextIndex, TextIndex, TextIndex),
    Exists(TextIndex, TextIndex),
    Having(TextIndex, TextIndex),
}

impl StoredLooked {
    /// `looked` with each of its texts at the index `index` gives it.
    fn of(looked: &Looked, mut index: impl FnMut(&str) -> TextIndex) -> StoredLooked {
        match looked {
            Looked::Kind(kind) => StoredLooked::Kind(index(kind)),
            Looked::Count(kind) => StoredLooked::Count(index(kind)),
            Looked::Field(kind, field) => StoredLooked::Field(index(kind), index(field)),
            Looked::Id(kind, id) => StoredLooked::Id(index(kind), index(id)),
            Looked::Person(id) => StoredLooked::Person(index(id)),
            Looked::Exists(kind, id) => StoredLooked::Exists(index(kind), index(id)),
            Looked::Having(kind, field) => StoredLooked::Having(index(kind), index(field)),
            Looked::Referencing(kind, field, id) => {
                StoredLooked::Referencing(index(kind), index(field), index(id))
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredFinding<'a> {
    rule: TextIndex,
    name: TextIndex,
    severity: Severity,
    #[serde(borrow)]
    message: Text<'a>,
    help: TextIndex,
    file: TextIndex,
    location: [u32; 6],
    #[serde(borrow)]
    path: Text<'a>,
    doc_id: TextIndex,
    kind: TextIndex,
    #[serde(borrow)]
    fix: Option<StoredFix<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredFix<'a> {
    span: (u32, u32),
    #[serde(borrow)]
    replacement: Text<'a>,
    #[serde(borrow)]
    title: Text<'a>,
}

/// A file of the repository as this run read it.
struct Read {
    relative: PathBuf,
    /// None when it could not be read, or was not: see `unread`.
    text: Option<String>,
    digest: [u8; 32],
    stamp: Stamp,
    /// Not read: it looks as it did when the cache read it, whose digest it has.
    unread: bool,
}

/// How a file looks without reading it: size, modification and change times in
/// nanoseconds, inode. Any write changes one of them (the change time cannot be set
/// back); all zero is no stamp.
type Stamp = [u64; 4];

fn stamp_of(metadata: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let nanos = |seconds: i64, nanos: i64| {
            (seconds as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(nanos as u64)
        };
        [
            metadata.size(),
            nanos(metadata.mtime(), metadata.mtime_nsec()),
            nanos(metadata.ctime(), metadata.ctime_nsec()),
            metadata.ino(),
        ]
    }
    #[cfg(not(unix))]
    {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos() as u64);
        [metadata.len(), modified, 0, 0]
    }
}

/// The stamp to keep for a file stamped at `stamp` by a run that began at `began`
/// (nanoseconds since the epoch): none when the file changed less than two seconds before,
/// since a write in the same tick of the file system's clock could leave it looking the
/// same.
fn settled_stamp(stamp: Stamp, began: u64) -> Stamp {
    const RACY: u64 = 2_000_000_000;
    if stamp[1].max(stamp[2]).saturating_add(RACY) >= began {
        [0; 4]
    } else {
        stamp
    }
}

/// `check` with the cache: the whole repository, no close, no named files.
pub(super) fn check(setup: Setup, dir: &CacheDir, started: Instant) -> Result<Outcome, Error> {
    let (options, as_of, root) = (setup.options, setup.as_of, setup.root);
    let (config, config_path) = (setup.config, setup.config_path);
    let pool = Arc::new(setup.pool);
    pool.install(|| {
        let (rule_dirs, pack) = super::rule_folders_and_pack(&options, &root, &config)?;
        let reader = crate::workspace::Reader::new(&config, &pack.placeholders)
            .map_err(|bad| super::load_error(bad.into(), config_path.as_deref()))?;
        let (found, unreadable) =
            crate::workspace::discover::walk(&root, &reader.include, &reader.exclude);
        let key = key_of(
            &root,
            &options,
            as_of,
            &config,
            config_path.as_deref(),
            &pack.name,
            &rule_dirs,
        );
        let file = cache_file(&root, dir);
        let mac_key = mac_key(&root);
        let began = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        // The cache is read while the files are looked at: both wait on the disk.
        let (bytes, stamps) = rayon::join(
            || match (&file, &mac_key, unreadable.is_empty()) {
                (Some(file), Some(mac), true) => load(file, &root, mac),
                _ => Err("no cache for this run".to_owned()),
            },
            || stamp_all(&root, &found),
        );
        let stored = bytes
            .as_deref()
            .map_err(Clone::clone)
            .and_then(|bytes| decode(bytes, &key));
        let read = read_all(&root, &found, &stamps, stored.as_ref().ok(), &reader);
        let options = Options {
            as_of: Some(as_of),
            ..options
        };
        let mut read = read;
        let (workspace, previous, missed) = match stored {
            Ok(stored) => {
                if same_files(&stored, &read) {
                    let unchanged = read.len();
                    let read_now = read.iter().filter(|read| !read.unread).count();
                    let workspace = lazy_workspace(
                        &root,
                        &config,
                        config_path.clone(),
                        reader,
                        Some(&stored),
                        &mut read,
                        None,
                    );
                    let mut outcome = from_cache(
                        workspace,
                        &options,
                        as_of,
                        root,
                        config,
                        config_path,
                        started,
                        &stored,
                    )?;
                    outcome.cache = Some(CacheUse {
                        unchanged,
                        read: read_now,
                        ..CacheUse::default()
                    });
                    // Files that looked changed and read the same (a checkout, a copy, a
                    // `touch`): their new looks are kept, or every later run reads them.
                    if let (Some(file), Some(mac), true) = (&file, &mac_key, read_now > 0) {
                        let mut stored = stored;
                        for (kept, read) in stored.files.iter_mut().zip(&read) {
                            if !read.unread {
                                kept.stamp = settled_stamp(read.stamp, began);
                            }
                        }
                        let _ = save(file, &outcome.root, mac, &mut encoded(&stored));
                    }
                    return Ok(outcome);
                }
                // What the cache knows as it remembers it, what changed read anew.
                let texts = Texts::of(&stored.texts);
                let workspace = remembers_enough(&config, &stored.idle, &read).then(|| {
                    lazy_workspace(
                        &root,
                        &config,
                        config_path.clone(),
                        reader,
                        Some(&stored),
                        &mut read,
                        Some(&texts),
                    )
                });
                (workspace, Some((stored, texts)), None)
            }
            Err(missed) => {
                // No cache: the repository from the texts just read, not read again.
                let whole = unreadable.is_empty() && remembers_enough(&config, &[], &read);
                let workspace = whole.then(|| {
                    lazy_workspace(
                        &root,
                        &config,
                        config_path.clone(),
                        reader,
                        None,
                        &mut read,
                        None,
                    )
                });
                (workspace, None, Some(missed))
            }
        };
        // Without a workspace put together from the cache, the whole repository is read.
        let read_now = match workspace {
            Some(_) => read.iter().filter(|read| !read.unread).count(),
            None => read.len(),
        };
        let options = Options {
            workspace: workspace.map(Arc::new),
            ..options
        };
        let ready = Ready::load(&options, as_of, root, config, config_path, started)?;
        let options = Options {
            workspace: None,
            ..options
        };
        let mut session = Session::empty(options, Arc::clone(&pool), ready);
        let (used, remade) = match &previous {
            Some((stored, texts)) => resume(&mut session, stored, texts, &read),
            None => {
                session.evaluate_everything();
                let used = CacheUse {
                    changed: read.len(),
                    calls: session.calls_made(),
                    missed,
                    ..CacheUse::default()
                };
                (used, None)
            }
        };
        // The outcome and what the cache will keep are put together side by side.
        let keeping = file.is_some() && mac_key.is_some();
        let settled = session.take_settled();
        let (mut outcome, stored) = rayon::join(
            || session.outcome_with(settled),
            || {
                keeping.then(|| {
                    encoded(&store(
                        &session,
                        key,
                        &read,
                        previous,
                        remade.as_ref(),
                        began,
                    ))
                })
            },
        );
        outcome.cache = Some(CacheUse {
            read: read_now,
            ..used
        });
        // Kept only when every rule ran through: a failure is said again, not remembered.
        if let (Some(file), Some(mac), Some(mut stored)) = (&file, &mac_key, stored) {
            if outcome.rule_errors.is_empty() {
                let _ = save(file, &outcome.root, mac, &mut stored);
            }
        }
        // The session's records (tens of thousands) are freed beside the caller's work,
        // which is printing them; should no thread be had, here.
        let _ = std::thread::Builder::new().spawn(move || drop(session));
        Ok(outcome)
    })
}

/// The cache's key: what every finding depends on besides the documents.
fn key_of(
    root: &Path,
    options: &Options,
    as_of: crate::document::date::Moment,
    config: &crate::workspace::Config,
    config_path: Option<&Path>,
    pack: &str,
    rule_dirs: &[PathBuf],
) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    let mut field = |part: &[u8]| {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    };
    // A path as the repository names it: the same key from its root or from elsewhere.
    let named = |path: &Path| -> Vec<u8> {
        let path = crate::util::paths::normalise(&std::path::absolute(path).unwrap_or_default());
        let root = crate::util::paths::normalise(&std::path::absolute(root).unwrap_or_default());
        path.strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned()
            .into_bytes()
    };
    field(&FORMAT.to_le_bytes());
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(as_of.to_string().as_bytes());
    field(pack.as_bytes());
    field(format!("{:?}", options.limits_with(config)).as_bytes());
    field(format!("{:?}/{:?}", options.select, options.ignore).as_bytes());
    if let Some(path) = config_path {
        field(&named(path));
        field(&std::fs::read(path).unwrap_or_default());
    }
    for layer in &config.layers {
        field(&named(&layer.path));
        field(layer.text.as_bytes());
    }
    // Every rule file, by path and text (the built-in ones are the version's).
    let mut rules: Vec<PathBuf> = Vec::new();
    for folder in rule_dirs {
        collect_rules(folder, &mut rules);
    }
    rules.sort();
    for path in rules {
        field(&named(&path));
        field(&std::fs::read(&path).unwrap_or_default());
    }
    *hasher.finalize().as_bytes()
}

fn collect_rules(folder: &Path, rules: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_rules(&path, rules),
            Ok(kind)
                if kind.is_file()
                    && path
                        .extension()
                        .is_some_and(|extension| extension == "rhai") =>
            {
                rules.push(path);
            }
            _ => {}
        }
    }
}

/// How every file the walk took looks (in parallel); zero for one that cannot be looked at.
fn stamp_all(root: &Path, found: &[PathBuf]) -> Vec<Stamp> {
    use rayon::prelude::*;
    found
        .par_iter()
        .map(|relative| {
            std::fs::symlink_metadata(root.join(relative))
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map_or([0; 4], |metadata| stamp_of(&metadata))
        })
        .collect()
}

/// Every file the walk took, read and digested (in parallel) unless it looks as it did when
/// `stored` read it; one that cannot be read is digested by why.
fn read_all(
    root: &Path,
    found: &[PathBuf],
    stamps: &[Stamp],
    stored: Option<&Stored>,
    reader: &crate::workspace::Reader,
) -> Vec<Read> {
    use rayon::prelude::*;
    let known: FxHashMap<&str, &StoredFile> = stored
        .map(|stored| {
            stored
                .files
                .iter()
                .map(|file| (file.path.as_str(), file))
                .collect()
        })
        .unwrap_or_default();
    found
        .par_iter()
        .zip(stamps)
        .map(|(relative, &stamp)| {
            let read = |text: Option<String>, digest: blake3::Hash| Read {
                relative: relative.clone(),
                text,
                digest: *digest.as_bytes(),
                stamp,
                unread: false,
            };
            if stamp != [0; 4] {
                let path = crate::finding::display_path(relative);
                if let Some(file) = known.get(path.as_str()).filter(|file| file.stamp == stamp) {
                    return Read {
                        relative: relative.clone(),
                        text: None,
                        digest: file.digest,
                        stamp,
                        unread: true,
                    };
                }
            }
            let bytes = read::document(&root.join(relative), reader.max_file_bytes());
            match bytes.map(String::from_utf8) {
                Ok(Ok(text)) => {
                    let digest = blake3::hash(text.as_bytes());
                    read(Some(text), digest)
                }
                // One that cannot be read is digested by why.
                Ok(Err(error)) => read(None, blake3::hash(error.as_bytes())),
                Err(refused) => read(None, blake3::hash(format!("refused: {refused}").as_bytes())),
            }
        })
        .collect()
}

fn same_files(stored: &Stored, read: &[Read]) -> bool {
    stored.files.len() == read.len()
        && stored.files.iter().zip(read).all(|(stored, read)| {
            stored.digest == read.digest && Path::new(stored.path.as_str()) == read.relative
        })
}

/// The cache file of the repository at `root`: one per root, so a shared `--cache-dir`
/// keeps several.
fn cache_file(root: &Path, dir: &CacheDir) -> Option<PathBuf> {
    let folder = match dir {
        CacheDir::InRepository => root.join(FOLDER),
        CacheDir::At(folder) => folder.clone(),
    };
    let absolute = std::path::absolute(root).ok()?;
    let name = blake3::hash(absolute.to_string_lossy().as_bytes()).to_hex();
    Some(folder.join(format!("{}.bin", &name[..16])))
}

/// The key cache files are authenticated with, made on first use: in the user's cache
/// directory, never in the repository at `root` (a key a pull request could commit would
/// let it forge caches). `None` where there is no such directory, or it lies in `root`.
fn mac_key(root: &Path) -> Option<[u8; 32]> {
    let folder = match std::env::var_os("XDG_CACHE_HOME").filter(|value| !value.is_empty()) {
        Some(folder) => PathBuf::from(folder),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    }
    .join("lessons");
    let lexical = |path: &Path| {
        std::path::absolute(path)
            .map(|path| crate::util::paths::normalise(&path))
            .ok()
    };
    if lexical(&folder)?.starts_with(lexical(root)?) {
        return None;
    }
    let file = folder.join("key");
    let read = |file: &Path| -> Option<[u8; 32]> {
        // The key itself, not what a link in its place points at.
        let metadata = std::fs::symlink_metadata(file).ok()?;
        if !metadata.is_file() {
            return None;
        }
        <[u8; 32]>::try_from(std::fs::read(file).ok()?.as_slice()).ok()
    };
    let key = match read(&file) {
        Some(key) => key,
        None => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).ok()?;
            create_private(&folder, &file, &key).ok()?;
            // Another run may have made it first: the one on disk is the key.
            read(&file)?
        }
    };
    let inside = match (std::fs::canonicalize(&folder), std::fs::canonicalize(root)) {
        (Ok(folder), Ok(root)) => folder.starts_with(root),
        _ => true,
    };
    (!inside).then_some(key)
}

#[cfg(unix)]
fn create_private(folder: &Path, file: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(mut opened) => opened.write_all(key),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn create_private(folder: &Path, file: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    std::fs::write(file, key)
}

/// The bytes of the cache at `file`, when it is ours (its MAC checks out); [`decode`] reads
/// them.
/// The MAC of a cache file's body, on every thread: 13 MB of cache for 10,000 incidents
/// are some 10 ms on one core, which an unchanged run would otherwise wait for.
fn keyed_digest(mac: &[u8; 32], body: &[u8]) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new_keyed(mac);
    hasher.update_rayon(body);
    hasher.finalize()
}

/// The cache's bytes, mapped rather than read: a copy of 12 MB into fresh memory cost the
/// unchanged run 5 ms of its 80 (page faults and the copy), a mapping of the pages the
/// system already holds a fraction of that. A run writes the cache to a new file and
/// renames it, so a mapped file never changes under its reader.
fn load(file: &Path, root: &Path, mac: &[u8; 32]) -> Result<memmap2::Mmap, String> {
    crate::output::refuse_links(file, root).map_err(|error| error.to_string())?;
    let not_a_cache = || "the cache is not a regular file of a cache's size".to_owned();
    let metadata = std::fs::symlink_metadata(file).map_err(|_| "no cache yet".to_owned())?;
    if !metadata.is_file() {
        return Err(not_a_cache());
    }
    let opened = std::fs::File::open(file).map_err(|error| error.to_string())?;
    // The size of what was opened: what is mapped.
    let metadata = opened.metadata().map_err(|error| error.to_string())?;
    if !metadata.is_file() || metadata.len() > MAX_CACHE_BYTES {
        return Err(not_a_cache());
    }
    // SAFETY: the mapping is read only and lives as long as what is decoded from it; the
    // file is written by rename, never in place (`save`), so no run truncates it under us.
    let bytes = unsafe { memmap2::Mmap::map(&opened) }.map_err(|error| error.to_string())?;
    let (tag, body) = bytes
        .split_at_checked(32)
        .ok_or_else(|| "the cache is truncated".to_owned())?;
    let expected = keyed_digest(mac, body);
    if expected != *<&[u8; 32]>::try_from(tag).map_err(|_| "truncated".to_owned())? {
        return Err("the cache was not written by this user's lessons: ignored".to_owned());
    }
    Ok(bytes)
}

/// The cache whose bytes [`load`] read, when it is whole and of `key`.
fn decode<'a>(bytes: &'a [u8], key: &[u8; 32]) -> Result<Stored<'a>, String> {
    let body = bytes.get(32..).unwrap_or_default();
    let unreadable = |error: postcard::Error| format!("the cache does not read: {error}");
    let mut stored: Stored<'a> = postcard::from_bytes(body).map_err(unreadable)?;
    if stored.key != *key {
        return Err("the cache is of another version, configuration, rule set or day".to_owned());
    }
    // Each file's documents and findings, on every thread.
    use rayon::prelude::*;
    stored.files.par_iter_mut().try_for_each(|file| {
        let std::borrow::Cow::Borrowed(body) = file.body.0 else {
            return Err("the cache does not read".to_owned());
        };
        file.parts = postcard::from_bytes(body).map_err(unreadable)?;
        Ok(())
    })?;
    Ok(stored)
}

/// Writes `stored` to `file`, authenticated, atomically; never through a symbolic link
/// inside the repository. The folder gets a `.gitignore` of `*` on the way.
/// A cache file's bytes, its MAC's 32 bytes left blank at the front: encoded beside the
/// outcome, into one buffer (13 MB for 10,000 incidents, not copied again to be written).
fn encoded(stored: &Stored<'_>) -> std::io::Result<Vec<u8>> {
    postcard::to_extend(stored, vec![0u8; 32]).map_err(std::io::Error::other)
}

fn save(
    file: &Path,
    root: &Path,
    mac: &[u8; 32],
    encoded: &mut std::io::Result<Vec<u8>>,
) -> std::io::Result<()> {
    let bytes = match encoded {
        Ok(bytes) if bytes.len() >= 32 => bytes,
        Ok(_) => return Err(std::io::Error::other("an empty cache")),
        Err(error) => return Err(std::io::Error::other(error.to_string())),
    };
    let tag = keyed_digest(mac, &bytes[32..]);
    bytes[..32].copy_from_slice(tag.as_bytes());
    let folder = file.parent().unwrap_or(Path::new("."));
    crate::output::refuse_links(folder, root)?;
    std::fs::create_dir_all(folder)?;
    let ignore = folder.join(".gitignore");
    if std::fs::symlink_metadata(&ignore).is_err() {
        crate::output::write_atomically(&ignore, root, b"# Written by lessons: its cache.\n*\n")?;
    }
    crate::output::write_atomically_unsynced(file, root, bytes)
}

/// The run whose findings all come from `stored`, over `workspace` as it remembers it: no
/// document parsed.
#[allow(clippy::too_many_arguments)]
fn from_cache(
    workspace: Workspace,
    options: &Options,
    as_of: crate::document::date::Moment,
    root: PathBuf,
    config: crate::workspace::Config,
    config_path: Option<PathBuf>,
    started: Instant,
    stored: &Stored,
) -> Result<Outcome, Error> {
    let options = Options {
        workspace: Some(Arc::new(workspace)),
        ..options.clone()
    };
    let ready = Ready::load(&options, as_of, root, config, config_path, started)?;
    let rules = &ready.compiled.rules;
    let texts = Texts::of(&stored.texts);
    let per_file: Vec<(Vec<Finding>, Vec<String>)> = {
        use rayon::prelude::*;
        stored
            .files
            .par_iter()
            .map(|file| {
                let mut calls = texts.calls_of(&file.parts);
                let natives = file.parts.natives.iter();
                calls
                    .findings
                    .extend(natives.map(|found| texts.finding(found)));
                (calls.findings, calls.printed)
            })
            .collect()
    };
    let mut findings = Vec::with_capacity(per_file.iter().map(|(found, _)| found.len()).sum());
    let mut printed = Vec::new();
    for (found, said) in per_file {
        findings.extend(found);
        printed.extend(said);
    }
    findings.extend(stored.across.iter().map(|found| texts.finding(found)));
    findings.extend(stored.run_level.iter().map(|found| texts.finding(found)));
    let sources = stored
        .run_sources
        .iter()
        .map(|(path, text)| {
            Arc::new(SourceFile::new(
                PathBuf::from(path.as_str()),
                text.to_string(),
                Format::Yaml,
            ))
        })
        .collect();
    let evaluated = crate::rules::evaluate::Evaluated::kept(
        &ready.workspace,
        Arc::clone(&ready.compiled),
        ready.compiled.errors.clone(),
        findings,
        printed,
        vec![Default::default(); rules.len()],
        sources,
    );
    Ok(ready.finish(Arc::clone(&ready.workspace), evaluated, true))
}

fn format_of(code: u8) -> Format {
    match code {
        1 => Format::Json,
        2 => Format::Markdown,
        _ => Format::Yaml,
    }
}

fn format_code(format: Format) -> u8 {
    match format {
        Format::Yaml => 0,
        Format::Json => 1,
        Format::Markdown => 2,
    }
}

/// The texts of a cache as findings hold them: each made once, shared by every finding
/// that names it.
struct Texts {
    texts: Vec<Arc<str>>,
    paths: Vec<std::sync::OnceLock<Arc<Path>>>,
}

impl Texts {
    fn of(texts: &[Text<'_>]) -> Texts {
        Texts {
            texts: texts.iter().map(|text| Arc::from(text.as_str())).collect(),
            paths: texts.iter().map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    fn text(&self, index: TextIndex) -> Option<Arc<str>> {
        self.texts.get(index as usize).cloned()
    }

    fn known(&self, index: TextIndex) -> Arc<str> {
        self.text(index).unwrap_or_else(|| Arc::from(""))
    }

    fn path(&self, index: TextIndex) -> Arc<Path> {
        let made = || Arc::from(Path::new(&*self.known(index)));
        match self.paths.get(index as usize) {
            Some(slot) => Arc::clone(slot.get_or_init(made)),
            None => made(),
        }
    }

    fn finding(&self, found: &StoredFinding) -> Finding {
        let [start, end, line, column, end_line, end_column] = found.location;
        Finding::kept(Details {
            rule: self.known(found.rule),
            name: self.known(found.name),
            severity: found.severity,
            message: Box::from(found.message.as_str()),
            help: self.text(found.help),
            file: self.path(found.file),
            location: Location {
                start,
                end,
                line,
                column,
                end_line,
                end_column,
            },
            path: Box::from(found.path.as_str()),
            doc_id: self.text(found.doc_id),
            kind: self.text(found.kind),
            suppression: None,
            fix: found.fix.as_ref().map(|fix| {
                Box::new(crate::finding::Fix {
                    start: fix.span.0,
                    end: fix.span.1,
                    replacement: Box::from(fix.replacement.as_str()),
                    title: Box::from(fix.title.as_str()),
                })
            }),
        })
    }

    /// The findings and printed lines of every call of a file, in order.
    fn calls_of(&self, parts: &Parts) -> super::session::Settled {
        let mut calls = super::session::Settled::default();
        for call in parts.documents.iter().flat_map(|document| &document.calls) {
            calls
                .findings
                .extend(call.findings.iter().map(|found| self.finding(found)));
            calls
                .printed
                .extend(call.printed.iter().map(|text| text.to_string()));
        }
        calls
    }

    /// (kind, field) pairs.
    fn fields(&self, pairs: &[(TextIndex, TextIndex)]) -> super::session::Fields {
        pairs
            .iter()
            .map(|(kind, field)| (self.known(*kind), self.known(*field)))
            .collect()
    }

    fn names(&self, names: &[(TextIndex, Vec<TextIndex>)]) -> Vec<(Arc<str>, Vec<Arc<str>>)> {
        names
            .iter()
            .map(|(field, ids)| {
                let ids = ids.iter().map(|id| self.known(*id)).collect();
                (self.known(*field), ids)
            })
            .collect()
    }

    fn looked(&self, looked: &StoredLooked) -> Looked {
        match looked {
            StoredLooked::Kind(kind) => Looked::Kind(self.known(*kind)),
            StoredLooked::Count(kind) => Looked::Count(self.known(*kind)),
            StoredLooked::Field(kind, field) => {
                Looked::Field(self.known(*kind), self.known(*field))
            }
            StoredLooked::Id(kind, id) => Looked::Id(self.known(*kind), self.known(*id)),
            StoredLooked::Person(id) => Looked::Person(self.known(*id)),
            StoredLooked::Exists(kind, id) => Looked::Exists(self.known(*kind), self.known(*id)),
            StoredLooked::Having(kind, field) => {
                Looked::Having(self.known(*kind), self.known(*field))
            }
            StoredLooked::Referencing(kind, field, id) => {
                Looked::Referencing(self.known(*kind), self.known(*field), self.known(*id))
            }
        }
    }
}

/// The texts a cache being written shares, each kept once: told apart by address first
/// (findings share their rule's, file's and help's texts), by content after. An address
/// stands for its text only while that text lives: [`TextTable::index`] is for the texts
/// of the session being stored, which outlive the table; a text made for the moment (a
/// document's facts, a path spelled out) goes through [`TextTable::index_transient`], or
/// another text later put at its freed address would be taken for it.
#[derive(Default)]
struct TextTable {
    by_address: FxHashMap<(usize, usize), TextIndex>,
    by_text: FxHashMap<String, TextIndex>,
    texts: Vec<String>,
}

impl TextTable {
    /// A table that goes on from `texts`, each at its place.
    fn continuing(texts: &[Text<'_>]) -> TextTable {
        let mut table = TextTable::default();
        for text in texts {
            let index = TextIndex::try_from(table.texts.len()).unwrap_or(NONE);
            table.texts.push(text.to_string());
            table.by_text.entry(text.to_string()).or_insert(index);
        }
        table
    }

    fn index(&mut self, text: &str) -> TextIndex {
        let address = (text.as_ptr() as usize, text.len());
        if let Some(&index) = self.by_address.get(&address) {
            return index;
        }
        // The first text of its kind is told apart by address from then on; the same text
        // at another address (an id a lookup made anew) by content.
        let known = self.texts.len();
        let index = self.index_transient(text);
        if self.texts.len() > known {
            self.by_address.insert(address, index);
        }
        index
    }

    /// [`TextTable::index`] of a text that may be freed before the table is: by content
    /// only, its address not remembered.
    fn index_transient(&mut self, text: &str) -> TextIndex {
        if let Some(&index) = self.by_text.get(text) {
            return index;
        }
        let index = TextIndex::try_from(self.texts.len()).unwrap_or(NONE);
        self.texts.push(text.to_owned());
        self.by_text.insert(text.to_owned(), index);
        index
    }

    fn optional(&mut self, text: Option<&str>) -> TextIndex {
        text.map_or(NONE, |text| self.index(text))
    }

    fn path(&mut self, path: &Path) -> TextIndex {
        match path.to_str() {
            Some(text) => self.index(text),
            None => self.index_transient(&crate::finding::display_path(path)),
        }
    }

    fn finding(&mut self, finding: &Finding) -> StoredFinding<'static> {
        let location = &finding.location;
        StoredFinding {
            rule: self.index(&finding.rule),
            name: self.index(&finding.name),
            severity: finding.severity,
            message: Text::owned(&finding.message),
            help: self.optional(finding.help.as_deref()),
            file: self.path(&finding.file),
            location: [
                location.start,
                location.end,
                location.line,
                location.column,
                location.end_line,
                location.end_column,
            ],
            path: Text::owned(&finding.path),
            doc_id: self.optional(finding.doc_id.as_deref()),
            kind: self.optional(finding.kind.as_deref()),
            fix: finding.fix.as_ref().map(|fix| StoredFix {
                span: (fix.start, fix.end),
                replacement: Text::owned(&fix.replacement),
                title: Text::owned(&fix.title),
            }),
        }
    }

    fn looked(&mut self, looked: &Looked) -> StoredLooked {
        StoredLooked::of(looked, |text| self.index(text))
    }
}

/// A document's digest: its text (a Markdown document's whole file, body and all).
fn document_digest(loaded: &LoadedDocument, source: &SourceFile) -> [u8; 32] {
    let text = match source.format {
        Format::Markdown => &source.text()[..],
        _ => source
            .text()
            .get(loaded.document.root.span())
            .unwrap_or_default(),
    };
    *blake3::hash(text.as_bytes()).as_bytes()
}

/// Each top-level field of a YAML or JSON document and a digest of what is written for it,
/// from its key to the end of its value; `None` for a Markdown document (a mapping makes
/// its fields from the body) or one whose top is no mapping.
fn field_digests(loaded: &LoadedDocument, source: &SourceFile) -> Option<Vec<(String, [u8; 8])>> {
    if source.format == Format::Markdown || !loaded.document.origins.is_empty() {
        return None;
    }
    let crate::document::Value::Map(entries) = &loaded.document.root.value else {
        return None;
    };
    let text = source.text();
    Some(
        entries
            .iter()
            .map(|entry| {
                let written = text
                    .get(entry.key_span().start..entry.value.span().end)
                    .unwrap_or_default();
                let digest = blake3::hash(written.as_bytes());
                let mut short = [0u8; 8];
                short.copy_from_slice(&digest.as_bytes()[..8]);
                (entry.key.to_string(), short)
            })
            .collect(),
    )
}

/// The top-level fields in which `after` differs from a document the cache remembers by
/// its field digests; `None` when either is not known field by field.
fn fields_changed(
    before: &[u8],
    texts: &Texts,
    after: &LoadedDocument,
    source: &SourceFile,
) -> Option<HashSet<Arc<str>>> {
    if before.is_empty() {
        return None;
    }
    let before: Vec<(TextIndex, [u8; 8])> = postcard::from_bytes(before).ok()?;
    let before: HashMap<Arc<str>, [u8; 8]> = before
        .iter()
        .map(|(field, digest)| (texts.known(*field), *digest))
        .collect();
    let now = field_digests(after, source)?;
    let mut changed = HashSet::new();
    for (field, digest) in &now {
        if before.get(field.as_str()) != Some(digest) {
            changed.insert(Arc::from(field.as_str()));
        }
    }
    for field in before.keys() {
        if !now.iter().any(|(now, _)| **now == **field) {
            changed.insert(Arc::clone(field));
        }
    }
    Some(changed)
}

/// What the native rules that compare documents read of a document (its id and the fields
/// [`crate::rules::native::ACROSS_READS`] lists for its kind), digested; zero for a kind
/// they do not read.
fn across_digest(loaded: &LoadedDocument, source: &SourceFile) -> [u8; 32] {
    let Some(fields) = loaded.kind.as_deref().and_then(|kind| {
        crate::rules::native::ACROSS_READS
            .iter()
            .find(|(read, _)| *read == kind)
            .map(|(_, fields)| *fields)
    }) else {
        return [0; 32];
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(loaded.document.id.as_deref().unwrap_or("").as_bytes());
    for field in fields {
        hasher.update(b"\0");
        hasher.update(field.as_bytes());
        if let Some(node) = loaded.document.root.get(field) {
            let text = node
                .as_str()
                .or_else(|| source.text().get(node.span()))
                .unwrap_or_default();
            hasher.update(b"=");
            hasher.update(text.as_bytes());
        }
    }
    *hasher.finalize().as_bytes()
}

/// A roster's people: id, digest of the entry's text.
fn people_digests(loaded: &LoadedDocument, source: &SourceFile) -> Vec<(String, [u8; 32])> {
    if loaded.kind.as_deref() != Some("roster") {
        return Vec::new();
    }
    let Some(crate::document::Value::Seq(people)) =
        loaded.document.root.get("people").map(|node| &node.value)
    else {
        return Vec::new();
    };
    people
        .iter()
        .filter_map(|person| {
            let id = person
                .get("id")
                .and_then(crate::document::Node::scalar_text)?;
            let text = source.text().get(person.span()).unwrap_or_default();
            Some((id, *blake3::hash(text.as_bytes()).as_bytes()))
        })
        .collect()
}

/// The session's records, as the cache keeps them.
///
/// With `remade` (the files whose records this run made again), every other file that did
/// not change is kept as `previous` has it, not encoded anew; the texts `previous` shares
/// keep their places, so what it says of those files still reads the same.
fn store<'a>(
    session: &Session,
    key: [u8; 32],
    read: &[Read],
    previous: Option<(Stored<'a>, Texts)>,
    remade: Option<&HashSet<Arc<Path>>>,
    began: u64,
) -> Stored<'a> {
    // What each document names and has in the fields lookups asked about (what a later
    // run needs to know whom an edit of it concerns, and to answer without reading it),
    // and its digests: worked out on every thread before the texts are shared out. A
    // session that took up only some of an earlier cache's calls asked what they asked
    // besides.
    let (mut fields, mut having) = session.asked_fields();
    let mut read_fields = session.fields_read();
    if let (Some((previous, texts)), Some(_)) = (&previous, remade) {
        fields.extend(texts.fields(&previous.asked));
        having.extend(texts.fields(&previous.having));
        read_fields.extend(texts.fields(&previous.fields_read));
    }
    // What the earlier cache says of each file, taken as it is where nothing was remade
    // (its texts then keep their places in the table).
    let (mut table, files) = match previous.map(|(previous, _)| previous) {
        Some(previous) if remade.is_some() => {
            (TextTable::continuing(&previous.texts), previous.files)
        }
        Some(previous) => (TextTable::default(), previous.files),
        None => (TextTable::default(), Vec::new()),
    };
    let mut remembered: FxHashMap<String, StoredFile<'a>> = files
        .into_iter()
        .map(|file| (file.path.to_string(), file))
        .collect();
    let keeps = |file: &Path| remade.is_some_and(|remade| !remade.contains(file));
    let workspace = session.workspace();
    let digests: FxHashMap<&Path, &Read> = read
        .iter()
        .map(|read| (read.relative.as_path(), read))
        .collect();
    let mut calls: FxHashMap<(&Path, usize), Vec<StoredCall>> = FxHashMap::default();
    for (((file, ordinal), rule), record) in session.records() {
        if keeps(file) {
            continue; // its file is kept as it was, should it not have changed
        }
        calls
            .entry((&**file, *ordinal))
            .or_default()
            .push(StoredCall {
                rule: *rule,
                findings: record
                    .findings
                    .iter()
                    .map(|finding| table.finding(finding))
                    .collect(),
                looked: {
                    let looked: Vec<StoredLooked> = record
                        .looked
                        .iter()
                        .map(|looked| table.looked(looked))
                        .collect();
                    Bytes(postcard::to_stdvec(&looked).unwrap_or_default().into())
                },
                printed: record.printed.iter().cloned().map(Text::from).collect(),
            });
    }
    // The fields whose digests a later run can use: those some call read of a looked-up
    // document, and those lookups turn on. A field left out counts as changed when its
    // document changes — which concerns no call that did not read it.
    let mut wanted: HashMap<&str, Option<HashSet<&str>>> = HashMap::new();
    for (kind, field) in read_fields.iter().chain(&fields).chain(&having) {
        let entry = wanted
            .entry(&**kind)
            .or_insert_with(|| Some(HashSet::new()));
        match (field.is_empty(), entry.as_mut()) {
            (true, _) => *entry = None, // every field
            (false, Some(named)) => {
                named.insert(&**field);
            }
            (false, None) => {}
        }
    }
    let wanted_field =
        |kind: Option<&str>, field: &str| match kind.and_then(|kind| wanted.get(kind)) {
            Some(None) => true,
            Some(Some(named)) => named.contains(field),
            None => false,
        };
    let mut facts: Vec<Option<Facts>> = {
        use rayon::prelude::*;
        workspace
            .documents
            .par_iter()
            .map(|loaded| {
                let source = &workspace.files[loaded.file];
                (!keeps(&source.path)).then(|| Facts::of(loaded, source, &fields, &having))
            })
            .collect()
    };
    let names_of = |table: &mut TextTable, facts: &Facts| {
        let mut names: Vec<(TextIndex, Vec<TextIndex>)> = facts
            .names
            .iter()
            .map(|(field, ids)| {
                // A document's ids are its facts', dropped once it is stored.
                let ids = ids.iter().map(|id| table.index_transient(id)).collect();
                (table.index(field), ids)
            })
            .collect();
        names.sort_unstable();
        names
    };
    let having_of = |table: &mut TextTable, facts: &Facts| {
        let mut fields: Vec<(TextIndex, bool)> = facts
            .having
            .iter()
            .map(|(field, has)| (table.index(field), *has))
            .collect();
        fields.sort_unstable();
        fields
    };
    // Each file's problems, gathered once (not looked for among all of them per file).
    let mut problems_of: HashMap<usize, Vec<&LoadProblem>> = HashMap::new();
    for (file, problem) in &workspace.problems {
        problems_of.entry(*file).or_default().push(problem);
    }
    let mut files = Vec::with_capacity(workspace.files.len());
    for (position, source) in workspace.files.iter().enumerate() {
        let path = crate::finding::display_path(&source.path);
        let read = digests.get(&*source.path);
        let same = |before: &StoredFile| read.is_some_and(|read| read.digest == before.digest);
        if keeps(&source.path) && remembered.get(&path).is_some_and(same) {
            if let Some(mut before) = remembered.remove(&path) {
                before.stamp = read.map_or([0; 4], |read| settled_stamp(read.stamp, began));
                files.push(before);
                continue;
            }
        }
        let range = workspace.documents_of(position);
        let range_start = range.start;
        let documents = workspace.documents[range]
            .iter()
            .enumerate()
            .map(|(ordinal, loaded)| {
                let span = loaded.document.root.span();
                let facts = facts
                    .get_mut(range_start + ordinal)
                    .and_then(Option::take)
                    .unwrap_or_else(|| Facts::of(loaded, source, &fields, &having));
                let mut kept = calls.remove(&(&*source.path, ordinal)).unwrap_or_default();
                kept.sort_by_key(|call| call.rule);
                // A document only remembered is as the earlier cache says (its text may
                // never have been read).
                let before = loaded.document.remembered.then(|| {
                    remembered
                        .get(&path)
                        .and_then(|file| file.parts.documents.get(ordinal))
                });
                StoredDocument {
                    names: names_of(&mut table, &facts),
                    having: having_of(&mut table, &facts),
                    kind: loaded.kind.as_deref().map(Text::owned),
                    id: loaded.document.id.as_deref().map(Text::owned),
                    declared_kind: loaded.document.declared_kind.as_deref().map(Text::owned),
                    skipped: loaded.document.skipped.as_deref().map(Text::owned),
                    span: (small(span.start), small(span.end)),
                    digest: match before {
                        Some(before) => before.map_or([0; 32], |document| document.digest),
                        None => facts.digest,
                    },
                    people: facts
                        .people
                        .into_iter()
                        .map(|(id, digest)| (Text::from(id), digest))
                        .collect(),
                    across: match before {
                        Some(before) => before.map_or([0; 32], |document| document.across),
                        None => facts.across,
                    },
                    fields: match before {
                        Some(before) => Bytes(
                            before
                                .map(|document| document.fields.0.to_vec())
                                .unwrap_or_default()
                                .into(),
                        ),
                        None => {
                            let fields: Vec<(TextIndex, [u8; 8])> = facts
                                .fields
                                .iter()
                                .flatten()
                                .filter(|(field, _)| wanted_field(loaded.kind.as_deref(), field))
                                .map(|(field, digest)| (table.index_transient(field), *digest))
                                .collect();
                            Bytes(match facts.fields {
                                Some(_) => postcard::to_stdvec(&fields).unwrap_or_default().into(),
                                None => Vec::new().into(),
                            })
                        }
                    },
                    calls: kept,
                }
            })
            .collect();
        let problems = problems_of
            .remove(&position)
            .unwrap_or_default()
            .into_iter()
            .map(|problem| StoredProblem {
                span: (small(problem.span.start), small(problem.span.end)),
                message: Text::owned(&problem.message),
                help: problem.help.as_deref().map(Text::owned),
                path: Text::owned(&problem.path),
                doc_id: problem.doc_id.as_deref().map(Text::owned),
                kind: problem.kind.as_deref().map(Text::owned),
                fix: problem.fix.as_deref().map(Text::owned),
            })
            .collect();
        files.push(StoredFile {
            digest: read.map_or([0; 32], |read| read.digest),
            stamp: read.map_or([0; 4], |read| settled_stamp(read.stamp, began)),
            // Whether it holds a waiver, without reading a text no one needed.
            allows: match remembered.get(&path) {
                Some(before) if read.is_some_and(|read| read.digest == before.digest) => {
                    before.allows
                }
                _ => source.text().contains(crate::policy::waiver::MARKER),
            },
            path: Text::from(path),
            format: format_code(source.format),
            body: Bytes(
                postcard::to_stdvec(&Parts {
                    documents,
                    natives: session
                        .per_file_findings(&source.path)
                        .iter()
                        .map(|finding| table.finding(finding))
                        .collect(),
                    problems,
                })
                .unwrap_or_default()
                .into(),
            ),
            parts: Parts::default(),
        });
    }
    let mut pairs = |pairs: &super::session::Fields| -> Vec<(TextIndex, TextIndex)> {
        let mut pairs: Vec<(TextIndex, TextIndex)> = pairs
            .iter()
            .map(|(kind, field)| (table.index(kind), table.index(field)))
            .collect();
        pairs.sort_unstable();
        pairs
    };
    let (asked, having, fields_read) = (pairs(&fields), pairs(&having), pairs(&read_fields));
    let whole = session.whole_findings();
    let across = whole
        .across
        .iter()
        .map(|finding| table.finding(finding))
        .collect();
    let run_level = whole
        .run_level
        .iter()
        .map(|finding| table.finding(finding))
        .collect();
    Stored {
        key,
        texts: std::mem::take(&mut table.texts)
            .into_iter()
            .map(Text::from)
            .collect(),
        asked,
        having,
        fields_read,
        files,
        across,
        run_level,
        run_sources: whole
            .run_sources
            .iter()
            .map(|source| {
                (
                    Text::from(source.path.to_string_lossy().into_owned()),
                    Text::owned(source.text()),
                )
            })
            .collect(),
        idle: whole.idle.to_vec(),
    }
}

/// What the cache keeps of a document it read: what it names and has in the fields lookups
/// asked about, and its digests.
#[derive(Default)]
struct Facts {
    names: Vec<(Arc<str>, Vec<Arc<str>>)>,
    having: Vec<(Arc<str>, bool)>,
    digest: [u8; 32],
    across: [u8; 32],
    people: Vec<(String, [u8; 32])>,
    fields: Option<Vec<(String, [u8; 8])>>,
}

impl Facts {
    /// What the cache keeps of `loaded`: a remembered document's digests are the earlier
    /// cache's (its text may never have been read), what it names and has its own.
    fn of(
        loaded: &LoadedDocument,
        source: &SourceFile,
        fields: &super::session::Fields,
        having: &super::session::Fields,
    ) -> Facts {
        let asked = super::session::asked_of(loaded, fields, having);
        let read = !loaded.document.remembered;
        Facts {
            names: asked.names,
            having: asked.having,
            digest: if read {
                document_digest(loaded, source)
            } else {
                [0; 32]
            },
            across: if read {
                across_digest(loaded, source)
            } else {
                [0; 32]
            },
            people: people_digests(loaded, source),
            fields: if read {
                field_digests(loaded, source)
            } else {
                None
            },
        }
    }
}

fn small(number: usize) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

/// Whether a run may read only what changed and what its rules look up, the rest of the
/// repository as the cache remembers it: not when `formats:` maps documents (which source
/// fields any document has is a finding of the configuration), when an idle rule's note
/// counts documents, or when a changed file could not be read.
fn remembers_enough(config: &crate::workspace::Config, idle: &[bool], read: &[Read]) -> bool {
    config.mappings.is_empty()
        && !idle.iter().any(|idle| *idle)
        && read.iter().all(|read| read.unread || read.text.is_some())
}

/// The repository with the files whose digest the cache knows as it remembers them, and
/// the others (changed, new; all of them without a cache) parsed from the texts read. With
/// the cache's `texts`, its documents keep what they name and have in the fields lookups
/// ask about, and the rosters are read (the people index a re-run call's lookups use).
fn lazy_workspace(
    root: &Path,
    config: &crate::workspace::Config,
    config_path: Option<PathBuf>,
    reader: crate::workspace::Reader,
    stored: Option<&Stored>,
    read: &mut [Read],
    texts: Option<&Texts>,
) -> Workspace {
    use rayon::prelude::*;
    let known: FxHashMap<&str, &StoredFile> = stored
        .iter()
        .flat_map(|stored| &stored.files)
        .map(|file| (file.path.as_str(), file))
        .collect();
    let parts: Vec<FileParts> = read
        .par_iter_mut()
        .map(|read| {
            let path = crate::finding::display_path(&read.relative);
            // The text moves into the workspace: only the path and digest are needed after.
            let text = read.text.take();
            match known
                .get(path.as_str())
                .filter(|file| file.digest == read.digest)
            {
                Some(file) => {
                    let format = format_of(file.format);
                    let source = match text {
                        Some(text) => SourceFile::new(read.relative.clone(), text, format),
                        None => SourceFile::deferred(
                            read.relative.clone(),
                            format,
                            Some(deferred_text(root, read, file, reader.max_file_bytes())),
                        ),
                    };
                    remembered_file(file, Arc::new(source), texts)
                }
                None => {
                    let text = text.unwrap_or_default();
                    let settled = reader.settle(reader.parse_text(&read.relative, text));
                    FileParts {
                        source: settled.source,
                        documents: settled.documents,
                        problems: settled.problems,
                    }
                }
            }
        })
        .collect();
    let mut files = Vec::with_capacity(parts.len());
    let mut documents = Vec::with_capacity(parts.iter().map(|part| part.documents.len()).sum());
    let mut problems = Vec::new();
    for (position, part) in parts.into_iter().enumerate() {
        files.push(part.source);
        documents.extend(
            part.documents
                .into_iter()
                .map(|(document, kind)| LoadedDocument {
                    file: position,
                    document,
                    kind,
                }),
        );
        problems.extend(part.problems.into_iter().map(|problem| (position, problem)));
    }
    let mut workspace = Workspace::from_parts(
        root,
        config.clone(),
        config_path,
        reader,
        files,
        documents,
        problems,
    );
    if texts.is_none() {
        return workspace;
    }
    let rosters: Vec<usize> = workspace
        .documents
        .iter()
        .filter(|loaded| loaded.kind.as_deref() == Some("roster"))
        .map(|loaded| loaded.file)
        .collect();
    workspace.materialize(&rosters);
    workspace
}

/// One file's share of a workspace being put together.
struct FileParts {
    source: Arc<SourceFile>,
    documents: Vec<(Document, Option<Arc<str>>)>,
    problems: Vec<LoadProblem>,
}

/// The text of a file the cache remembers, read when first needed: what is there then
/// (should the file have changed since it was looked at, the next run sees it changed).
fn deferred_text(
    root: &Path,
    read: &Read,
    file: &StoredFile,
    limit: u64,
) -> crate::source::Deferred {
    let path = root.join(&read.relative);
    crate::source::Deferred {
        read: Box::new(move || {
            read::document(&path, limit)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_default()
        }),
        allows: file.allows,
    }
}

/// A file as the cache remembers it, with its text (read now, or when first needed).
/// With `texts`, its documents keep what they name (what a re-run lookup may ask).
fn remembered_file(file: &StoredFile, source: Arc<SourceFile>, texts: Option<&Texts>) -> FileParts {
    FileParts {
        source,
        documents: file
            .parts
            .documents
            .iter()
            .map(|document| remembered_document(document, texts))
            .collect(),
        problems: file
            .parts
            .problems
            .iter()
            .map(|problem| LoadProblem {
                message: problem.message.to_string(),
                span: problem.span.0 as usize..problem.span.1 as usize,
                help: problem.help.as_deref().map(str::to_owned),
                path: problem.path.to_string(),
                doc_id: problem.doc_id.as_deref().map(Arc::from),
                kind: problem.kind.as_deref().map(Arc::from),
                fix: problem.fix.as_deref().map(str::to_owned),
            })
            .collect(),
    }
}

/// A document as the cache remembers it, with its kind; with `texts`, what it names and
/// has in the fields lookups asked about.
fn remembered_document(
    document: &StoredDocument,
    texts: Option<&Texts>,
) -> (Document, Option<Arc<str>>) {
    let remembered = Document::remembered(
        document.span.0 as usize..document.span.1 as usize,
        document.id.as_deref().map(Arc::from),
        document.declared_kind.as_deref().map(str::to_owned),
        document.skipped.as_deref().map(str::to_owned),
        texts.map_or_else(Vec::new, |texts| texts.names(&document.names)),
        texts.map_or_else(Vec::new, |texts| {
            let field = |(field, has): &(TextIndex, bool)| (texts.known(*field), *has);
            document.having.iter().map(field).collect()
        }),
    );
    (remembered, document.kind.as_deref().map(Arc::from))
}

/// Takes up a session over a freshly loaded repository from `stored`: what the changed
/// files touch is re-run, with the records of the files it re-runs calls of; the findings
/// of the other files are held as a whole ([`Session::settle`]), each file's decoded on
/// its own thread, never one by one in the session.
///
/// Says what it did, and which files' records it made again (`None`: all of them).
fn resume(
    session: &mut Session,
    stored: &Stored,
    texts: &Texts,
    read: &[Read],
) -> (CacheUse, Option<HashSet<Arc<Path>>>) {
    let digests: FxHashMap<&Path, [u8; 32]> = read
        .iter()
        .map(|read| (read.relative.as_path(), read.digest))
        .collect();
    // What every call asked, as the cache kept it: no call need be gone through for it.
    let (referencing, having) = (texts.fields(&stored.asked), texts.fields(&stored.having));
    let asked = (&referencing, &having);
    let workspace = session.workspace();
    let zero = [0u8; 32];
    let mut unchanged: Vec<usize> = Vec::new();
    let mut edited: Vec<(Arc<Path>, usize)> = Vec::new();
    let mut touched: HashSet<Looked> = HashSet::new();
    let mut narrowed = Vec::new();
    // (kind, field) pairs every `referencing` lookup of which a change concerns.
    let mut every: Vec<(Arc<str>, Arc<str>)> = Vec::new();
    let mut across = false;
    let mut known: FxHashSet<&str> = FxHashSet::default();
    for (at, file) in stored.files.iter().enumerate() {
        known.insert(file.path.as_str());
        let path = Path::new(file.path.as_str());
        if digests.get(path) == Some(&file.digest) {
            unchanged.push(at);
            continue;
        }
        // Changed or gone: what each document held before (as the cache remembers it) is
        // what others may have looked at, and what it holds now.
        let position = workspace.file_position(path);
        let documents_now = position.map_or(&[][..], |at| {
            &workspace.documents[workspace.documents_of(at)]
        });
        let befores = &file.parts.documents;
        edited.push((Arc::from(path), befores.len()));
        for ordinal in 0..befores.len().max(documents_now.len()) {
            let (before, after) = (befores.get(ordinal), documents_now.get(ordinal));
            let now = after.map(|after| (after, &*workspace.files[after.file]));
            across |= before.map_or(zero, |before| before.across)
                != now.map_or(zero, |(after, source)| across_digest(after, source));
            let same_identity = |before: &StoredDocument, after: &LoadedDocument| {
                after.kind.as_deref() == before.kind.as_deref()
                    && after.document.id.as_deref() == before.id.as_deref()
            };
            let fields = match (before, now) {
                (Some(before), Some((after, source))) if same_identity(before, after) => {
                    if document_digest(after, source) == before.digest {
                        continue;
                    }
                    fields_changed(&before.fields.0, texts, after, source)
                }
                _ => None,
            };
            touch_people(before, now, &mut touched);
            let remembered = before.map(|before| {
                let (document, kind) = remembered_document(before, Some(texts));
                LoadedDocument {
                    file: 0,
                    document,
                    kind,
                }
            });
            every.extend(super::session::touch_change(
                remembered.as_ref(),
                after,
                fields,
                asked,
                &mut touched,
                &mut narrowed,
            ));
        }
    }
    // The files that are new.
    for (position, source) in workspace.files.iter().enumerate() {
        if known.contains(crate::finding::display_path(&source.path).as_str()) {
            continue;
        }
        edited.push((Arc::clone(&source.path), 0));
        for after in &workspace.documents[workspace.documents_of(position)] {
            across |= across_digest(after, source) != zero;
            touch_people(None, Some((after, source)), &mut touched);
            every.extend(super::session::touch_change(
                None,
                Some(after),
                None,
                asked,
                &mut touched,
                &mut narrowed,
            ));
        }
    }
    // Which calls of the unchanged files looked at what changed, told in the cache's own
    // terms (text indexes), and their findings: each file on its own thread.
    let changes = Changes::of(&stored.texts, &touched, &every, &narrowed);
    let files: Vec<Remembered> = {
        use rayon::prelude::*;
        unchanged
            .par_iter()
            .map(|&at| changes.remembered(&stored.files[at], texts))
            .collect()
    };
    let mut kept: Vec<(Arc<Path>, usize, usize, super::session::Record)> = Vec::new();
    let mut looked_again: Vec<super::session::CallKey> = Vec::new();
    let mut per_file: Vec<(Arc<Path>, Vec<Finding>)> = Vec::with_capacity(files.len());
    let mut settled = super::session::Settled {
        findings: Vec::with_capacity(files.iter().map(|file| file.settled.findings.len()).sum()),
        printed: Vec::new(),
    };
    for file in files {
        let path = file.path;
        for (ordinal, rule, record, stale) in file.calls {
            if stale {
                looked_again.push(((Arc::clone(&path), ordinal), rule));
            }
            kept.push((Arc::clone(&path), ordinal, rule, record));
        }
        settled.findings.extend(file.settled.findings);
        settled.printed.extend(file.settled.printed);
        per_file.push((path, file.natives));
    }
    let changed = edited.len();
    session.take_up(
        kept,
        per_file,
        stored
            .across
            .iter()
            .map(|found| texts.finding(found))
            .collect(),
        stored.idle.clone(),
    );
    session.settle(settled);
    let edited_now = session.reevaluate_calls(&edited, &touched, looked_again, across);
    let used = CacheUse {
        unchanged: unchanged.len(),
        changed,
        calls: edited_now.calls,
        ..CacheUse::default()
    };
    (used, (!edited_now.everything).then_some(edited_now.remade))
}

/// Adds to `touched` the people of a roster whose entry changed, came or went: as the
/// cache remembers them (`before`, by digest) and as `now` holds them.
fn touch_people(
    before: Option<&StoredDocument>,
    now: Option<(&LoadedDocument, &SourceFile)>,
    touched: &mut HashSet<Looked>,
) {
    let people_now: FxHashMap<String, [u8; 32]> = now
        .map(|(after, source)| people_digests(after, source).into_iter().collect())
        .unwrap_or_default();
    let people_before = before.map_or(&[][..], |before| &before.people[..]);
    for (id, digest) in people_before {
        if people_now.get(id.as_str()) != Some(digest) {
            touched.insert(Looked::Person(Arc::from(id.as_str())));
        }
    }
    for id in people_now.keys() {
        if !people_before.iter().any(|(was, _)| was.as_str() == id) {
            touched.insert(Looked::Person(Arc::from(id.as_str())));
        }
    }
}

/// An unchanged file of a cache, taken up: the records of every call of it when one of
/// them is made again (with whether it is), its findings and printed lines as a whole
/// otherwise; and the findings of the native rules that judge it alone.
struct Remembered {
    path: Arc<Path>,
    calls: Vec<(usize, usize, super::session::Record, bool)>,
    settled: super::session::Settled,
    natives: Vec<Finding>,
}

/// What changed, in a cache's terms: the lookups it concerns, by the cache's text indexes
/// (a lookup naming a text the cache does not hold was made by no call it kept).
struct Changes {
    touched: FxHashSet<StoredLooked>,
    /// (kind, field): every `referencing` lookup of these.
    every: FxHashSet<(TextIndex, TextIndex)>,
    narrowed: Vec<StoredNarrowed>,
    /// The index of `""` (a call that read every field), if the cache holds it.
    every_field: Option<TextIndex>,
}

/// A [`super::session::Narrowed`] in a cache's terms.
struct StoredNarrowed {
    looked: FxHashSet<StoredLooked>,
    kind: Option<TextIndex>,
    fields: FxHashSet<TextIndex>,
}

impl Changes {
    fn of(
        texts: &[Text<'_>],
        touched: &HashSet<Looked>,
        every: &[(Arc<str>, Arc<str>)],
        narrowed: &[super::session::Narrowed],
    ) -> Changes {
        let index: FxHashMap<&str, TextIndex> = texts
            .iter()
            .enumerate()
            .map(|(at, text)| (text.as_str(), small(at)))
            .collect();
        let at = |text: &str| index.get(text).copied();
        // A lookup naming a text the cache does not hold is told by an index none has.
        let stored = |looked: &Looked| StoredLooked::of(looked, |text| at(text).unwrap_or(NONE));
        Changes {
            touched: touched.iter().map(stored).collect(),
            every: every
                .iter()
                .filter_map(|(kind, field)| Some((at(kind)?, at(field)?)))
                .collect(),
            narrowed: narrowed
                .iter()
                .map(|change| StoredNarrowed {
                    looked: change.looked.iter().map(stored).collect(),
                    kind: at(&change.kind),
                    fields: change.fields.iter().filter_map(|field| at(field)).collect(),
                })
                .collect(),
            every_field: at(""),
        }
    }

    /// Whether a call that looked at `looked` could say something else now.
    fn concern(&self, looked: &[StoredLooked]) -> bool {
        looked.iter().any(|one| {
            self.touched.contains(one)
                || matches!(one, StoredLooked::Referencing(kind, field, _)
                    if self.every.contains(&(*kind, *field)))
                || self.narrowed.iter().any(|change| {
                    change.looked.contains(one) && self.narrowed_concerns(change, one, looked)
                })
        })
    }

    /// As [`super::session::Narrowed`] judges it: the lookup turns on a changed field, or
    /// the call read a changed field (or every field) of a document of the kind.
    fn narrowed_concerns(
        &self,
        change: &StoredNarrowed,
        one: &StoredLooked,
        looked: &[StoredLooked],
    ) -> bool {
        if let StoredLooked::Referencing(_, field, _) | StoredLooked::Having(_, field) = one {
            if change.fields.contains(field) {
                return true;
            }
        }
        looked.iter().any(|read| {
            matches!(read, StoredLooked::Field(kind, field)
                if Some(*kind) == change.kind
                    && (Some(*field) == self.every_field || change.fields.contains(field)))
        })
    }

    /// `file` taken up (see [`Remembered`]).
    fn remembered(&self, file: &StoredFile, texts: &Texts) -> Remembered {
        let path: Arc<Path> = Arc::from(Path::new(file.path.as_str()));
        let file = &file.parts;
        let looked: Vec<Vec<StoredLooked>> = file
            .documents
            .iter()
            .flat_map(|document| &document.calls)
            .map(|call| postcard::from_bytes(&call.looked.0).unwrap_or_default())
            .collect();
        let stale: Vec<bool> = looked.iter().map(|looked| self.concern(looked)).collect();
        let natives = file
            .natives
            .iter()
            .map(|found| texts.finding(found))
            .collect();
        let calls = file
            .documents
            .iter()
            .enumerate()
            .flat_map(|(ordinal, document)| document.calls.iter().map(move |call| (ordinal, call)));
        if !stale.contains(&true) {
            return Remembered {
                path,
                calls: Vec::new(),
                settled: texts.calls_of(file),
                natives,
            };
        }
        let calls = calls
            .zip(looked)
            .zip(stale)
            .map(|(((ordinal, call), looked), stale)| {
                let record = super::session::Record {
                    findings: call
                        .findings
                        .iter()
                        .map(|found| texts.finding(found))
                        .collect(),
                    looked: looked.iter().map(|looked| texts.looked(looked)).collect(),
                    printed: call.printed.iter().map(|text| text.to_string()).collect(),
                };
                (ordinal, call.rule, record, stale)
            })
            .collect();
        Remembered {
            path,
            calls,
            settled: super::session::Settled::default(),
            natives,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{settled_stamp, Stamp, TextTable};

    /// A text of the moment, freed and its place taken by another of the same length (here
    /// the same buffer rewritten), is not taken for the first: a document's field or id
    /// stored under another's index would let an edit of it pass for an edit of the other.
    #[test]
    fn a_transient_text_is_told_apart_by_content_not_by_where_it_was() {
        let mut table = TextTable::default();
        let mut buffer = String::from("detected");
        let detected = table.index_transient(&buffer);
        buffer.clear();
        buffer.push_str("severity");
        let severity = table.index_transient(&buffer);
        assert_ne!(detected, severity);
        assert_eq!(table.texts[severity as usize], "severity");
        assert_eq!(table.index_transient("detected"), detected);
        // Texts that outlive the table are known by address too.
        let kept = String::from("responders");
        assert_eq!(table.index(&kept), table.index(&kept.clone()));
    }

    const SECOND: u64 = 1_000_000_000;

    /// A file written in the last two seconds before a run may be written again within the
    /// same tick of the file system's clock and still look the same: its stamp is not kept,
    /// so the next run reads it. An older one keeps its stamp.
    #[test]
    fn a_file_changed_just_before_the_run_is_read_again_next_time() {
        let began = 1_800_000_000 * SECOND;
        let stamp = |modified: u64, changed: u64| -> Stamp { [120, modified, changed, 7] };
        let old = stamp(began - 10 * SECOND, began - 10 * SECOND);
        assert_eq!(settled_stamp(old, began), old);
        for racy in [
            stamp(began - SECOND, began - 10 * SECOND),
            stamp(began - 10 * SECOND, began - SECOND),
            stamp(began, began),
            stamp(began + SECOND, began + SECOND),
        ] {
            assert_eq!(settled_stamp(racy, began), [0; 4], "{racy:?}");
        }
    }
}
