//! The repository as the rules see it: configuration, the files that belong to it, every
//! document parsed once and given a kind, and an index by kind and id for cross-document
//! lookups.

pub mod config;
pub mod discover;
pub mod extends;
pub mod read;
pub mod reported;
pub mod terms;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;
use rayon::prelude::*;

use crate::document::{self, Document, Format, LoadProblem, Node, SourceFile, Value};

pub use self::config::{Config, ConfigError};
pub use self::discover::BadGlob;

/// Why a repository could not be loaded as configured.
#[derive(Debug)]
pub enum LoadError {
    BadGlob(BadGlob),
    /// A `formats:` entry's or a `kinds:` glob that matches no file of the repository.
    Unmatched {
        key: &'static str,
        glob: String,
    },
}

impl From<BadGlob> for LoadError {
    fn from(bad: BadGlob) -> Self {
        LoadError::BadGlob(bad)
    }
}

/// A document with the file it came from and the kind it was given.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// Index into [`Workspace::files`].
    pub file: usize,
    pub document: Document,
    pub kind: Option<Arc<str>>,
}

impl LoadedDocument {
    fn at(file: usize, document: Document, kind: Option<Arc<str>>) -> LoadedDocument {
        LoadedDocument {
            file,
            document,
            kind,
        }
    }
}

/// Documents by kind, by kind and id, and people by id across rosters: every cross-document
/// lookup is a hash lookup, never a scan.
#[derive(Debug, Default)]
pub struct Index {
    by_kind: HashMap<String, Vec<usize>>,
    by_id: HashMap<(String, String), usize>,
    people: HashMap<String, (usize, usize)>,
}

impl Index {
    fn build(documents: &[LoadedDocument]) -> Self {
        let mut index = Index::default();
        for (position, loaded) in documents.iter().enumerate() {
            let Some(kind) = &loaded.kind else { continue };
            index
                .by_kind
                .entry(kind.to_string())
                .or_default()
                .push(position);
            if let Some(id) = &loaded.document.id {
                index
                    .by_id
                    .entry((kind.to_string(), id.to_string()))
                    .or_insert(position);
            }
            if &**kind == "roster" {
                if let Some(Value::Seq(people)) =
                    loaded.document.root.get("people").map(|n| &n.value)
                {
                    for (slot, person) in people.iter().enumerate() {
                        if let Some(id) = person.get("id").and_then(Node::scalar_text) {
                            index.people.entry(id).or_insert((position, slot));
                        }
                    }
                }
            }
        }
        index
    }

    /// The kinds of the documents loaded.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.by_kind.keys().map(String::as_str)
    }

    /// Positions (into [`Workspace::documents`]) of every document of `kind`.
    pub fn of_kind(&self, kind: &str) -> &[usize] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    pub fn find(&self, kind: &str, id: &str) -> Option<usize> {
        self.by_id.get(&(kind.to_owned(), id.to_owned())).copied()
    }

    /// A person on any roster: (roster document, position in its `people`).
    pub fn person(&self, id: &str) -> Option<(usize, usize)> {
        self.people.get(id).copied()
    }

    /// The ids of everyone on a roster.
    pub fn people_ids(&self) -> impl Iterator<Item = &str> {
        self.people.keys().map(String::as_str)
    }

    pub fn people_count(&self) -> usize {
        self.people.len()
    }
}

/// Cloned (sources and index shared) when a second run must change documents, as the
/// report's closure run does, instead of reading and parsing the repository again.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub files: Vec<Arc<SourceFile>>,
    pub documents: Vec<LoadedDocument>,
    /// What could not be parsed, by file index: these become `LL000` findings.
    pub problems: Vec<(usize, LoadProblem)>,
    pub index: Arc<Index>,
    /// How its files are read: what re-reads one of them.
    pub reader: Arc<Reader>,
    /// CPU time spent reading and parsing files, and mapping them by `formats:`, summed
    /// over the worker threads (`--verbose` prints them).
    pub parse_time: std::time::Duration,
    pub mapping_time: std::time::Duration,
}

/// How the repository's files are read, compiled once from its configuration: which files
/// belong to it, the kind a path gives, the `formats:` mappings, the limits of a file.
/// A run reads every file through it; a session re-reads one edited file the same way.
#[derive(Debug, Clone)]
pub struct Reader {
    pub include: GlobSet,
    pub exclude: GlobSet,
    kinds: Vec<(GlobSet, String)>,
    formats: Arc<crate::formats::Formats>,
    placeholders: Arc<[String]>,
    max_file_bytes: u64,
    max_items: usize,
}

/// What [`Workspace::replace_file`] did: the documents the file held before, and its
/// position before and after (`None`: it was not there, or is gone).
#[derive(Debug)]
pub struct Replaced {
    pub old: Vec<LoadedDocument>,
    pub was: Option<usize>,
    pub is: Option<usize>,
}

/// One file's share of the workspace: its documents with their kinds, and what could not
/// be read as it is (parse problems first, then the fields' problems).
pub struct SettledFile {
    pub source: Arc<SourceFile>,
    pub documents: Vec<(Document, Option<Arc<str>>)>,
    pub problems: Vec<LoadProblem>,
}

impl Reader {
    pub fn new(config: &Config, placeholders: &[String]) -> Result<Reader, BadGlob> {
        let include: Vec<&str> = match &config.include {
            Some(patterns) => patterns.iter().map(String::as_str).collect(),
            None => config::DEFAULT_INCLUDE.to_vec(),
        };
        let include = discover::glob_set(include)?;
        // Rule folders hold fixtures full of deliberate gaps: they are not the repository.
        let rule_folders: Vec<String> = config
            .rules
            .iter()
            .map(|folder| format!("{}/", folder.to_string_lossy().trim_end_matches('/')))
            .collect();
        let exclude = discover::glob_set(
            config
                .exclude
                .iter()
                .map(String::as_str)
                .chain(rule_folders.iter().map(String::as_str)),
        )?;
        Ok(Reader {
            include,
            exclude,
            kinds: kind_mapping(config)?,
            formats: Arc::clone(&config.mappings),
            placeholders: placeholders.into(),
            max_file_bytes: config.limits.max_file_bytes.unwrap_or(read::MAX_FILE_BYTES),
            max_items: config.limits.max_items.unwrap_or(document::yaml::MAX_ITEMS),
        })
    }

    /// Reads `absolute` (shown as `relative`) and parses it, mapped by `formats:`; with the
    /// CPU time each step took.
    fn read(
        &self,
        absolute: &Path,
        relative: &Path,
    ) -> (
        document::ParsedFile,
        std::time::Duration,
        std::time::Duration,
    ) {
        let started = std::time::Instant::now();
        let mapping = self.formats.for_file(relative);
        let body = mapping.as_ref().is_some_and(|mapping| mapping.reads_body());
        document::yaml::set_max_items(self.max_items);
        let parsed = read_and_parse(absolute, relative, body, self.max_file_bytes);
        let parsing = started.elapsed();
        let started = std::time::Instant::now();
        let parsed = self.mapped(parsed, mapping.as_deref());
        (parsed, parsing, started.elapsed())
    }

    /// `text`, the content of the file `relative` (an editor's unsaved buffer, say), parsed
    /// and mapped as a read of the file would be.
    pub fn parse_text(&self, relative: &Path, text: String) -> document::ParsedFile {
        let mapping = self.formats.for_file(relative);
        let body = mapping.as_ref().is_some_and(|mapping| mapping.reads_body());
        let format = Format::of(relative).unwrap_or(Format::Yaml);
        document::yaml::set_max_items(self.max_items);
        let parsed = if text.len() as u64 > self.max_file_bytes {
            problem_file(
                relative,
                String::new(),
                format,
                format!(
                    "not read: {}",
                    read::Refused::TooLarge {
                        bytes: text.len() as u64,
                        limit: self.max_file_bytes,
                    }
                ),
                0,
            )
        } else {
            document::parse_file_for(relative.to_path_buf(), text, format, body)
        };
        self.mapped(parsed, mapping.as_deref())
    }

    fn mapped(
        &self,
        mut parsed: document::ParsedFile,
        mapping: Option<&crate::formats::Mapping>,
    ) -> document::ParsedFile {
        if let Some(mapping) = mapping {
            let source = Arc::clone(&parsed.source);
            parsed.documents = std::mem::take(&mut parsed.documents)
                .into_iter()
                .map(|document| {
                    crate::formats::apply(mapping, document, &source, &self.placeholders)
                })
                .collect();
        }
        parsed
    }

    /// What a document file may weigh (`limits: max_file_bytes`).
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// Whether the walk takes `relative`: its globs, before `.gitignore` has its say.
    pub fn takes(&self, relative: &Path) -> bool {
        discover::is_match_any_case(&self.include, relative)
            && !discover::is_match_any_case(&self.exclude, relative)
    }

    /// Gives each document of `parsed` its kind (declared, else its path's), and checks the
    /// fields of each against its kind.
    pub fn settle(&self, parsed: document::ParsedFile) -> SettledFile {
        let mapped = self
            .kinds
            .iter()
            .find(|(glob, _)| glob.is_match(&parsed.source.path))
            .map(|(_, kind)| kind.clone());
        let mut documents = Vec::with_capacity(parsed.documents.len());
        let mut problems = parsed.problems;
        for document in parsed.documents {
            let kind: Option<Arc<str>> = document
                .declared_kind
                .as_deref()
                .or(mapped.as_deref())
                .filter(|_| document.skipped.is_none())
                .map(Arc::from);
            // A file mapped to a kind must hold fields; a list or a bare value is not a
            // document any rule can read (and an unmapped one is not ours to judge).
            if kind.is_some() && !matches!(document.root.value, document::Value::Map(_)) {
                let span = document.root.span();
                problems.push(
                    LoadProblem::new(
                        format!(
                            "a {} document must be a mapping of `key: value` fields, not {}",
                            kind.as_deref().unwrap_or("?"),
                            shape(&document.root.value)
                        ),
                        span,
                    )
                    .with_help(
                        "write the document as `key: value` lines, or exclude the file in \
                         .lessons.yaml if it is not a lessons document",
                    ),
                );
                continue;
            }
            documents.push((document, kind));
        }
        // Field types, checked once per document now that its kind is known.
        for (document, kind) in &documents {
            let checked = document::schema::validate(
                document,
                kind.as_deref().unwrap_or(""),
                parsed.source.text(),
            );
            problems.extend(checked.into_iter().map(|mut problem| {
                problem.doc_id = document.id.clone();
                problem.kind = kind.clone();
                problem
            }));
        }
        SettledFile {
            source: parsed.source,
            documents,
            problems,
        }
    }
}

impl Workspace {
    /// Loads every file of the repository at `root` (plus `extra` files outside it, as
    /// given), parsing them in parallel on the current rayon pool.
    pub fn load(
        root: &Path,
        config: Config,
        config_path: Option<PathBuf>,
        extra: &[PathBuf],
        placeholders: &[String],
    ) -> Result<Workspace, LoadError> {
        let reader = Reader::new(&config, placeholders)?;
        let (found, unreadable) = if root.as_os_str().is_empty() {
            (Vec::new(), Vec::new())
        } else {
            discover::walk(root, &reader.include, &reader.exclude)
        };
        // A glob with a typo checks nothing and the run passes: a green CI that read no
        // post-mortem. Each `formats:` entry and `kinds:` glob must match a file.
        if !root.as_os_str().is_empty() {
            unmatched_globs(
                root,
                &reader.include,
                &config,
                &reader.formats,
                &reader.kinds,
                &found,
            )?;
        }
        let mut paths: Vec<(PathBuf, PathBuf)> = found
            .into_iter()
            .map(|relative| (root.join(&relative), relative))
            .collect();
        for file in extra {
            if !paths.iter().any(|(absolute, _)| absolute == file) {
                paths.push((file.clone(), file.clone()));
            }
        }

        // Parsed, then mapped by `formats:`, then settled, once per file, in parallel.
        let parsing = std::sync::atomic::AtomicU64::new(0);
        let mapping = std::sync::atomic::AtomicU64::new(0);
        let add = |total: &std::sync::atomic::AtomicU64, time: std::time::Duration| {
            let nanos = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
            total.fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
        };
        let settled: Vec<SettledFile> = paths
            .par_iter()
            .map(|(absolute, relative)| {
                let (parsed, parse_time, mapping_time) = reader.read(absolute, relative);
                add(&parsing, parse_time);
                add(&mapping, mapping_time);
                reader.settle(parsed)
            })
            // A folder or file the walk could not open is a finding at its path: its
            // documents must not vanish from the run without a word.
            .chain(unreadable.into_par_iter().map(|(relative, message)| {
                reader.settle(problem_file(
                    &relative,
                    String::new(),
                    Format::Yaml,
                    message,
                    0,
                ))
            }))
            .collect();

        let mut files = Vec::with_capacity(settled.len());
        // At its final size: a repository of 100,000 documents would otherwise leave up
        // to half the vector's room unused.
        let mut documents =
            Vec::with_capacity(settled.iter().map(|file| file.documents.len()).sum());
        let mut problems = Vec::new();
        for (position, file) in settled.into_iter().enumerate() {
            problems.extend(file.problems.into_iter().map(|problem| (position, problem)));
            documents.extend(
                file.documents
                    .into_iter()
                    .map(|(document, kind)| LoadedDocument::at(position, document, kind)),
            );
            files.push(file.source);
        }
        let mut workspace = Workspace::from_parts(
            root,
            config,
            config_path,
            reader,
            files,
            documents,
            problems,
        );
        workspace.parse_time = std::time::Duration::from_nanos(parsing.into_inner());
        workspace.mapping_time = std::time::Duration::from_nanos(mapping.into_inner());
        Ok(workspace)
    }

    /// A repository put together from its files, documents and problems, indexed: as
    /// loaded, or as a cache remembers it (places, ids and kinds, no fields). Read through
    /// `reader`.
    pub fn from_parts(
        root: &Path,
        config: Config,
        config_path: Option<PathBuf>,
        reader: Reader,
        files: Vec<Arc<SourceFile>>,
        documents: Vec<LoadedDocument>,
        problems: Vec<(usize, LoadProblem)>,
    ) -> Workspace {
        let index = Arc::new(Index::build(&documents));
        Workspace {
            root: root.to_path_buf(),
            config,
            config_path,
            files,
            documents,
            problems,
            index,
            reader: Arc::new(reader),
            parse_time: std::time::Duration::ZERO,
            mapping_time: std::time::Duration::ZERO,
        }
    }

    /// The position of the file `relative` among [`Workspace::files`].
    pub fn file_position(&self, relative: &Path) -> Option<usize> {
        self.files.iter().position(|file| &*file.path == relative)
    }

    /// The positions of the documents of file `position`: they lie together, in file order.
    pub fn documents_of(&self, position: usize) -> std::ops::Range<usize> {
        let start = self
            .documents
            .partition_point(|loaded| loaded.file < position);
        let end = self
            .documents
            .partition_point(|loaded| loaded.file <= position);
        start..end
    }

    /// Puts `settled` in place of the file at its path (a new file goes where the walk
    /// would have put it), or removes the file `relative` when `settled` is `None`; the
    /// index is rebuilt unless what it holds cannot have changed.
    pub fn replace_file(&mut self, relative: &Path, settled: Option<SettledFile>) -> Replaced {
        let was = self.file_position(relative);
        let (position, old) = match (was, &settled) {
            (Some(position), _) => {
                let range = self.documents_of(position);
                let old: Vec<LoadedDocument> = self.documents.drain(range).collect();
                self.problems.retain(|(file, _)| *file != position);
                (position, old)
            }
            (None, Some(_)) => {
                // The walk's order: `Path`'s own, part by part.
                let position = self
                    .files
                    .partition_point(|file| file.path.components().lt(relative.components()));
                self.files.insert(
                    position,
                    Arc::new(SourceFile::new(
                        relative.to_path_buf(),
                        String::new(),
                        Format::Yaml,
                    )),
                );
                self.shift_files(position, 1);
                (position, Vec::new())
            }
            (None, None) => {
                return Replaced {
                    old: Vec::new(),
                    was: None,
                    is: None,
                }
            }
        };
        // The same documents by kind and id at the same places, none of them a roster: what
        // the index holds is unchanged, and is kept (rebuilding it for 10,000 documents was
        // a quarter of a keystroke's time in the language server).
        let same_index = was.is_some()
            && settled.as_ref().is_some_and(|file| {
                file.documents.len() == old.len()
                    && old
                        .iter()
                        .zip(&file.documents)
                        .all(|(before, (document, kind))| {
                            before.kind == *kind
                                && before.document.id == document.id
                                && kind.as_deref() != Some("roster")
                        })
            });
        let is = match settled {
            Some(file) => {
                self.files[position] = file.source;
                let at = self
                    .documents
                    .partition_point(|loaded| loaded.file < position);
                self.documents.splice(
                    at..at,
                    file.documents
                        .into_iter()
                        .map(|(document, kind)| LoadedDocument::at(position, document, kind)),
                );
                let at = self.problems.partition_point(|(file, _)| *file < position);
                self.problems.splice(
                    at..at,
                    file.problems.into_iter().map(|problem| (position, problem)),
                );
                Some(position)
            }
            None => {
                self.files.remove(position);
                self.shift_files(position + 1, -1);
                None
            }
        };
        if !same_index {
            self.index = Arc::new(Index::build(&self.documents));
        }
        Replaced { old, was, is }
    }

    /// Reads the files at `positions` whose documents are only remembered (a cache's), as
    /// a load would, in parallel: their documents then hold their fields. The index is
    /// rebuilt once.
    pub fn materialize(&mut self, positions: &[usize]) {
        let wanted: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|&file| {
                self.documents[self.documents_of(file)]
                    .iter()
                    .any(|loaded| loaded.document.remembered)
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let reader = Arc::clone(&self.reader);
        let settled: Vec<(usize, SettledFile)> = wanted
            .par_iter()
            .map(|&file| {
                let source = &self.files[file];
                let parsed = reader.parse_text(&source.path, source.text().to_string());
                (file, reader.settle(parsed))
            })
            .collect();
        let mut read_again = std::collections::HashSet::new();
        let mut problems = Vec::new();
        for (file, settled) in settled {
            let range = self.documents_of(file);
            // The same text read again: the same documents, unless the cache was wrong.
            if settled.documents.len() != range.len() {
                continue;
            }
            for (loaded, (document, kind)) in
                self.documents[range].iter_mut().zip(settled.documents)
            {
                loaded.document = document;
                loaded.kind = kind;
            }
            read_again.insert(file);
            problems.extend(settled.problems.into_iter().map(|problem| (file, problem)));
        }
        // Their problems as the read says them, in file order (a stable sort keeps each
        // file's own order).
        self.problems.retain(|(file, _)| !read_again.contains(file));
        self.problems.extend(problems);
        self.problems.sort_by_key(|(file, _)| *file);
        self.index = Arc::new(Index::build(&self.documents));
    }

    /// Whether each `formats:` entry and `kinds:` glob still matches a file, after files
    /// came or went.
    pub fn check_globs(&self) -> Result<(), LoadError> {
        if self.root.as_os_str().is_empty() {
            return Ok(());
        }
        let files: Vec<PathBuf> = self
            .files
            .iter()
            .map(|file| file.path.to_path_buf())
            .collect();
        let reader = &self.reader;
        unmatched_globs(
            &self.root,
            &reader.include,
            &self.config,
            &reader.formats,
            &reader.kinds,
            &files,
        )
    }

    /// Moves the file positions at and after `from` by `by` in documents and problems.
    fn shift_files(&mut self, from: usize, by: isize) {
        let moved = |file: &mut usize| {
            if *file >= from {
                *file = file.saturating_add_signed(by);
            }
        };
        for loaded in &mut self.documents {
            moved(&mut loaded.file);
        }
        for (file, _) in &mut self.problems {
            moved(file);
        }
    }
}

fn shape(value: &document::Value) -> &'static str {
    match value {
        document::Value::Seq(_) => "a list",
        document::Value::Null => "empty",
        document::Value::Map(_) => "a mapping",
        _ => "a single value",
    }
}

/// A glob with a typo checks nothing and the run passes: a green CI that read no
/// post-mortem. Each `formats:` entry and `kinds:` glob must match a file — one the walk
/// read, or one `exclude:` left out on purpose (the template of a post-mortem folder).
fn unmatched_globs(
    root: &Path,
    include: &globset::GlobSet,
    config: &Config,
    formats: &crate::formats::Formats,
    kinds: &[(globset::GlobSet, String)],
    found: &[PathBuf],
) -> Result<(), LoadError> {
    let unmatched = |files: &[PathBuf]| -> Option<(&'static str, String)> {
        if let Some(entry) = formats.unmatched_entry(files) {
            let glob = config.formats[entry]
                .files
                .patterns()
                .first()
                .map_or_else(String::new, |glob| (*glob).to_owned());
            return Some(("formats", glob));
        }
        config
            .kinds
            .0
            .iter()
            .zip(kinds)
            .find(|(_, (set, _))| !files.iter().any(|file| set.is_match(file)))
            .map(|((glob, _), _)| ("kinds", glob.clone()))
    };
    if unmatched(found).is_none() {
        return Ok(());
    }
    // Only when something is unmatched: the walk again, without `exclude:`.
    let (everything, _) = discover::walk(root, include, &globset::GlobSet::empty());
    match unmatched(&everything) {
        Some((key, glob)) => Err(LoadError::Unmatched { key, glob }),
        None => Ok(()),
    }
}

fn kind_mapping(config: &Config) -> Result<Vec<(GlobSet, String)>, BadGlob> {
    config
        .kinds
        .0
        .iter()
        .map(|(pattern, kind)| {
            Ok((
                discover::glob_set([pattern.as_str()])?,
                document::normalise_kind(kind),
            ))
        })
        .collect()
}

/// Reads one file; a file that cannot be read or is not UTF-8 still yields a source (so the
/// problem gets a code frame) and a problem.
fn read_and_parse(
    absolute: &Path,
    relative: &Path,
    body: bool,
    max_file_bytes: u64,
) -> document::ParsedFile {
    let format = Format::of(relative).unwrap_or(Format::Yaml);
    let bytes = match read::document(absolute, max_file_bytes) {
        Ok(bytes) => bytes,
        Err(refused) => {
            let message = match refused {
                read::Refused::Io(error) => format!("cannot read the file: {error}"),
                refused => format!("not read: {refused}"),
            };
            return problem_file(relative, String::new(), format, message, 0);
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => document::parse_file_for(relative.to_path_buf(), text, format, body),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            problem_file(
                relative,
                text,
                format,
                "the file is not valid UTF-8".into(),
                valid,
            )
        }
    }
}

fn problem_file(
    relative: &Path,
    text: String,
    format: Format,
    message: String,
    at: usize,
) -> document::ParsedFile {
    let source = Arc::new(SourceFile::new(relative.to_path_buf(), text, format));
    let at = at.min(source.text().len());
    document::ParsedFile {
        source,
        documents: Vec::new(),
        problems: vec![LoadProblem::new(message, at..at)],
    }
}
