//! A check that stays loaded: the documents, the compiled rules and, for every rule call,
//! its findings and what it looked at beyond its document. An edit to one file re-reads
//! that file and re-runs exactly the calls whose inputs changed — the rules on its own
//! documents, and the calls whose lookups named a kind, a document or a person it held
//! before or holds now. What the language server and the cache across runs are built on.
//!
//! The rules written in Rust (LL000, LL024, LL030, LL031) look at the whole repository at
//! once and are cheap: they run again after every edit, as do the notes at the
//! configuration. A rule that failed, a set of idle rules that changed, or an edit to the
//! configuration or a rule file re-runs everything: what is kept must always be what a
//! fresh run would say.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::{Error, Options, Outcome, Ready, Setup};
use crate::document::SourceFile;
use crate::finding::{Finding, RuleError};
use crate::rules::evaluate::{Call, Evaluated, Only, Spent};
use crate::rules::looked::Looked;
use crate::workspace::{LoadedDocument, Workspace};

/// A document as a session knows it across edits: its file and its place among the
/// file's documents (positions in the workspace move as files come and go).
type DocumentKey = (Arc<Path>, usize);

/// One rule call: its document and the rule (indexed like the rules).
pub(super) type CallKey = (DocumentKey, usize);

/// What one call found and looked at.
#[derive(Debug)]
pub(super) struct Record {
    pub findings: Vec<Finding>,
    pub looked: Vec<Looked>,
    pub printed: Vec<String>,
}

/// What a session holds besides its calls' records (see [`Session::whole_findings`]).
pub(super) struct Whole<'a> {
    pub across: &'a [Finding],
    pub run_level: &'a [Finding],
    pub run_sources: &'a [Arc<SourceFile>],
    pub idle: &'a [bool],
}

/// What an edit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edited {
    /// Rule calls made again (on the edited file's documents and on those whose lookups
    /// named what changed).
    pub calls: usize,
    /// Whether everything was evaluated again (a rule failed, the idle rules changed, the
    /// configuration or a rule file was edited).
    pub everything: bool,
    /// Whether the file belongs to the repository (a file the walk skips is ignored).
    pub taken: bool,
    /// The files whose records were made again; empty when `everything` was, every file's
    /// then.
    pub remade: HashSet<Arc<Path>>,
}

/// (kind, field) pairs.
pub(super) type Fields = HashSet<(Arc<str>, Arc<str>)>;

/// (kind, field) pairs gathered from a session's lookups, each once. The lookups of a run
/// share their texts, so a pair already met is known by the addresses of its two texts
/// (all alive while the pairs are gathered), without hashing them: over the 150,000
/// lookups of 10,000 incidents that was most of the time it took.
#[derive(Default)]
struct DistinctPairs {
    met: rustc_hash::FxHashSet<(usize, usize)>,
    pairs: Fields,
}

impl DistinctPairs {
    fn add(&mut self, kind: &Arc<str>, field: &Arc<str>) {
        let address = |text: &Arc<str>| Arc::as_ptr(text).cast::<u8>() as usize;
        if self.met.insert((address(kind), address(field))) {
            self.pairs.insert((Arc::clone(kind), Arc::clone(field)));
        }
    }
}

pub struct Session {
    setup_options: Options,
    pool: Arc<rayon::ThreadPool>,
    ready: Ready,
    records: rustc_hash::FxHashMap<CallKey, Record>,
    /// For each thing looked at, the calls that looked at it: made when an update first
    /// needs it (opening a session, or resuming one from a cache, does not pay for it).
    readers: Option<HashMap<Looked, HashSet<CallKey>>>,
    /// The findings of the native rules that judge a file alone, by file; of those that
    /// compare documents across the repository; of the run as a whole (at the
    /// configuration), with the files the last point into.
    per_file: rustc_hash::FxHashMap<Arc<Path>, Vec<Finding>>,
    across: Vec<Finding>,
    run_level: Vec<Finding>,
    run_sources: Vec<Arc<SourceFile>>,
    rule_errors: Vec<RuleError>,
    spent: Vec<Spent>,
    idle: Vec<bool>,
    /// The findings and printed lines of the calls a cache vouched for and no edit
    /// concerned, held as a whole, not call by call (see [`Session::settle`]); `None` when
    /// every call has its record.
    settled: Option<Settled>,
}

/// The findings and printed lines of calls a session holds only as a whole.
#[derive(Debug, Default)]
pub(super) struct Settled {
    pub findings: Vec<Finding>,
    pub printed: Vec<String>,
}

impl Session {
    /// Loads the repository `options` names and runs every rule once, recording each
    /// call. `options.paths` and `closing` are not used: a session reports on everything.
    pub fn open(options: &Options) -> Result<Session, Error> {
        // The repository is found from the first path; the session reports on all of it.
        let options = Options {
            paths: options.paths.first().cloned().into_iter().collect(),
            closing: None,
            workspace: None,
            isolated: false,
            ..options.clone()
        };
        let started = Instant::now();
        let setup = Setup::of(&options)?;
        let Setup {
            options: defaulted,
            as_of,
            root,
            config,
            config_path,
            pool,
        } = setup;
        let ready =
            pool.install(|| Ready::load(&defaulted, as_of, root, config, config_path, started))?;
        let mut session = Session::empty(
            Options {
                as_of: Some(as_of),
                ..options
            },
            Arc::new(pool),
            ready,
        );
        session.evaluate_everything();
        Ok(session)
    }

    /// A session over `ready` with nothing evaluated yet; `options` are what it reopens
    /// with when the configuration or a rule changes.
    pub(super) fn empty(options: Options, pool: Arc<rayon::ThreadPool>, ready: Ready) -> Session {
        Session {
            setup_options: options,
            pool,
            ready,
            records: rustc_hash::FxHashMap::default(),
            readers: None,
            per_file: rustc_hash::FxHashMap::default(),
            across: Vec::new(),
            run_level: Vec::new(),
            run_sources: Vec::new(),
            rule_errors: Vec::new(),
            spent: Vec::new(),
            idle: Vec::new(),
            settled: None,
        }
    }

    /// The repository's root.
    pub fn root(&self) -> &Path {
        &self.ready.root
    }

    /// The repository as the session holds it now.
    pub fn workspace(&self) -> &Workspace {
        &self.ready.workspace
    }

    /// The day the rules count from.
    pub fn as_of(&self) -> crate::document::date::Moment {
        self.ready.as_of
    }

    /// Rule `id` as it describes itself, and its settings for `file` (relative to the
    /// root) as the pack, the configuration and its overrides make them.
    pub fn rule(
        &self,
        id: &str,
        file: &Path,
    ) -> Option<(
        crate::finding::RuleInfo,
        &crate::rules::evaluate::RuleSettings,
    )> {
        let rules = &self.ready.compiled.rules;
        let at = rules.iter().position(|rule| rule.id == id)?;
        let settings = self
            .ready
            .workspace
            .file_position(file)
            .and_then(|position| self.ready.settings.get(position))
            .unwrap_or(&self.ready.base_settings);
        Some((rules[at].info(), settings.get(at)?))
    }

    /// Every call recorded with a finding or a lookup.
    pub fn recorded_calls(&self) -> usize {
        self.records.len()
    }

    /// The run as a fresh `check` of the repository as edited would return it.
    pub fn outcome(&self) -> Outcome {
        self.outcome_with(
            self.settled
                .as_ref()
                .map_or_else(Settled::default, |settled| Settled {
                    findings: settled.findings.clone(),
                    printed: settled.printed.clone(),
                }),
        )
    }

    /// The outcome, with `settled` (what [`Session::take_settled`] took) in it.
    pub(super) fn outcome_with(&self, settled: Settled) -> Outcome {
        let workspace = &self.ready.workspace;
        let Settled {
            mut findings,
            printed: mut settled_printed,
        } = settled;
        findings.reserve(
            self.records
                .values()
                .map(|record| record.findings.len())
                .sum::<usize>()
                + self.per_file.values().map(Vec::len).sum::<usize>()
                + self.across.len()
                + self.run_level.len(),
        );
        for record in self.records.values() {
            findings.extend(record.findings.iter().cloned());
        }
        for found in self.per_file.values() {
            findings.extend(found.iter().cloned());
        }
        findings.extend(self.across.iter().cloned());
        findings.extend(self.run_level.iter().cloned());
        settled_printed.extend(
            self.records
                .values()
                .flat_map(|record| record.printed.iter().cloned()),
        );
        let printed = settled_printed;
        let evaluated = Evaluated::kept(
            workspace,
            Arc::clone(&self.ready.compiled),
            self.rule_errors.clone(),
            findings,
            printed,
            self.spent.clone(),
            self.run_sources.clone(),
        );
        self.ready.finish(Arc::clone(workspace), evaluated, true)
    }

    /// The findings of `file` (relative to the root) alone, as a fresh run would report
    /// them, its inline waivers and the configuration's applied and sorted by place: what
    /// an editor shows for the file being written, without the whole repository's outcome.
    /// Not for the configuration: whether its waivers were used depends on every file.
    pub fn findings_of(&self, file: &Path) -> Vec<Finding> {
        // Its calls, by document and rule: never a pass over every record.
        let workspace = &self.ready.workspace;
        let mut findings: Vec<Finding> = Vec::new();
        if let Some(position) = workspace.file_position(file) {
            let path = Arc::clone(&workspace.files[position].path);
            let rules = self.ready.compiled.rules.len();
            for ordinal in 0..workspace.documents_of(position).len() {
                for rule in 0..rules {
                    if let Some(record) = self.records.get(&((Arc::clone(&path), ordinal), rule)) {
                        findings.extend(record.findings.iter().cloned());
                    }
                }
            }
        }
        findings.extend(self.per_file_findings(file).iter().cloned());
        findings.extend(
            self.across
                .iter()
                .chain(&self.run_level)
                .filter(|finding| *finding.file == *file)
                .cloned(),
        );
        let ready = &self.ready;
        ready.suppress(
            &ready.workspace,
            &ready.compiled.rules,
            &mut findings,
            Some(file),
        );
        findings
    }

    /// `relative` (to the root) now holds `text`: re-read it and re-run what it changes.
    pub fn update(&mut self, relative: &Path, text: String) -> Result<Edited, Error> {
        self.edit(relative, Some(text))
    }

    /// `relative` (to the root) is gone.
    pub fn remove(&mut self, relative: &Path) -> Result<Edited, Error> {
        self.edit(relative, None)
    }

    fn edit(&mut self, relative: &Path, text: Option<String>) -> Result<Edited, Error> {
        if self.settled.is_some() {
            // What is held only as a whole cannot be told apart by call: every call is
            // made once, to be recorded.
            self.evaluate_everything();
        }
        if self.reloads_on(relative) {
            // The configuration or a rule changed: everything it decides is decided anew.
            let options = self.setup_options.clone();
            *self = Session::open(&options)?;
            return Ok(Edited {
                calls: self.spent.iter().map(|spent| spent.calls as usize).sum(),
                everything: true,
                taken: true,
                remade: HashSet::new(),
            });
        }
        let workspace = &self.ready.workspace;
        let known = workspace.file_position(relative).is_some();
        let reader = Arc::clone(&workspace.reader);
        let taken = known || (text.is_some() && self.walk_takes(relative));
        if !taken {
            return Ok(Edited::default());
        }
        let settled = text.map(|text| reader.settle(reader.parse_text(relative, text)));
        let workspace = Arc::make_mut(&mut self.ready.workspace);
        let replaced = workspace.replace_file(relative, settled);
        // A file added or gone: the settings stay aligned with the files.
        match (replaced.was, replaced.is) {
            (None, Some(position)) => {
                let settings = self.ready.plan.settings(relative);
                self.ready.settings.insert(position, settings);
            }
            (Some(position), None) => {
                self.ready.settings.remove(position);
            }
            _ => {}
        }
        let checked = if replaced.was.is_none() || replaced.is.is_none() {
            self.ready.workspace.check_globs()
        } else {
            Ok(())
        };
        let old = replaced.old;
        let pool = Arc::clone(&self.pool);
        let calls = pool.install(|| self.reevaluate(relative, &old));
        checked.map_err(|error| {
            super::load_error(error, self.ready.workspace.config_path.as_deref())
        })?;
        Ok(calls)
    }

    /// Whether an edit to `relative` (to the root) changes what every call runs with: the
    /// configuration, or a rule file of the configured folders.
    pub fn reloads_on(&self, relative: &Path) -> bool {
        let workspace = &self.ready.workspace;
        let config = workspace.config_path.as_deref().is_some_and(|path| {
            match path.strip_prefix(&self.ready.root) {
                Ok(inside) => inside == relative,
                Err(_) => path
                    .file_name()
                    .is_some_and(|name| relative == Path::new(name)),
            }
        });
        let rule = relative
            .extension()
            .is_some_and(|extension| extension == "rhai")
            && workspace
                .config
                .rules
                .iter()
                .any(|folder| relative.starts_with(folder));
        config || rule
    }

    /// Whether the walk of the repository (globs, `.gitignore`, hidden files) takes a file
    /// it did not hold before.
    fn walk_takes(&self, relative: &Path) -> bool {
        let reader = &self.ready.workspace.reader;
        if !reader.takes(relative) {
            return false;
        }
        let root = &self.ready.root;
        let (found, _) = crate::workspace::discover::walk(root, &reader.include, &reader.exclude);
        found.iter().any(|file| file == relative)
    }

    /// The calls the last evaluation made (every call, or an edit's).
    pub fn calls_made(&self) -> usize {
        self.spent.iter().map(|spent| spent.calls as usize).sum()
    }

    /// Every record: its call, its findings, what it looked at and printed.
    pub(super) fn records(&self) -> impl Iterator<Item = (&CallKey, &Record)> + '_ {
        self.records.iter()
    }

    /// The findings of the native rules that judge `file` alone.
    pub(super) fn per_file_findings(&self, file: &Path) -> &[Finding] {
        self.per_file.get(file).map_or(&[], Vec::as_slice)
    }

    /// The findings across documents and of the run as a whole, the files the latter point
    /// into, and the idle rules.
    pub(super) fn whole_findings(&self) -> Whole<'_> {
        Whole {
            across: &self.across,
            run_level: &self.run_level,
            run_sources: &self.run_sources,
            idle: &self.idle,
        }
    }

    /// Takes up what a cache kept of an earlier run: calls (file, ordinal, rule,
    /// findings, lookups), per-file native findings, those across documents, the idle
    /// rules. What changed since is then re-run with [`Session::reevaluate_calls`].
    #[allow(clippy::type_complexity)]
    pub(super) fn take_up(
        &mut self,
        calls: Vec<(Arc<Path>, usize, usize, Record)>,
        per_file: Vec<(Arc<Path>, Vec<Finding>)>,
        across: Vec<Finding>,
        idle: Vec<bool>,
    ) {
        for (file, ordinal, rule, record) in calls {
            self.keep_record(((file, ordinal), rule), record);
        }
        self.per_file = per_file
            .into_iter()
            .filter(|(_, findings)| !findings.is_empty())
            .collect();
        self.across = across;
        self.idle = idle;
    }

    /// Holds `settled` — the findings and printed lines of calls a cache vouched for that
    /// no change concerns — as a whole: a session of one run resumed from a cache, never
    /// updated call by call (an edit of it makes every call again first).
    pub(super) fn settle(&mut self, settled: Settled) {
        self.settled = Some(settled);
    }

    /// Takes what [`Session::settle`] gave, to hand it to [`Session::outcome_with`]
    /// without a copy: the last use of a session resumed from a cache.
    pub(super) fn take_settled(&mut self) -> Settled {
        self.settled.take().unwrap_or_default()
    }

    /// Records every call anew.
    pub(super) fn evaluate_everything(&mut self) {
        self.settled = None;
        // Every document is checked: none may be only what a cache remembers.
        if self
            .ready
            .workspace
            .documents
            .iter()
            .any(|loaded| loaded.document.remembered)
        {
            let files: Vec<usize> = (0..self.ready.workspace.files.len()).collect();
            Arc::make_mut(&mut self.ready.workspace).materialize(&files);
        }
        let ready = &self.ready;
        let evaluated = self
            .pool
            .install(|| ready.evaluate(&ready.workspace, None, true));
        self.records.clear();
        self.readers = None;
        self.idle = ready.with_run(&ready.workspace, None, true, crate::rules::evaluate::idle);
        let keys = document_keys(&ready.workspace);
        let Evaluated {
            calls,
            rule_errors,
            spent,
            ..
        } = evaluated;
        for call in in_terms(&self.ready.workspace, calls) {
            self.keep(&keys, call);
        }
        self.rule_errors = rule_errors;
        self.spent = spent;
        // The native rules and the run's notes again, kept apart: each is redone on its own.
        self.per_file.clear();
        let mut native_spent = Vec::new();
        for finding in self.natives_of(Which::PerFile(None), &mut native_spent) {
            self.per_file
                .entry(Arc::clone(&finding.file))
                .or_default()
                .push(finding);
        }
        self.across = self.natives_of(Which::Across, &mut native_spent);
        Spent::add(&mut self.spent, native_spent);
        self.run_level_again();
    }

    /// The findings of the native rules `which` names.
    fn natives_of(&self, which: Which, spent: &mut Vec<Spent>) -> Vec<Finding> {
        let ready = &self.ready;
        let per_file = |id: &str| crate::rules::native::PER_FILE.contains(&id);
        let reported = |file: &Path| match &which {
            Which::PerFile(Some(only)) => only.contains(file),
            _ => ready.reported.includes(file),
        };
        let takes = |id: &str| match which {
            Which::PerFile(_) => per_file(id),
            Which::Across => !per_file(id),
        };
        // The edited files by position: the rules that judge a file alone look at theirs.
        let files: Option<Vec<usize>> = match &which {
            Which::PerFile(Some(only)) => Some(
                only.iter()
                    .filter_map(|file| ready.workspace.file_position(file))
                    .collect(),
            ),
            _ => None,
        };
        let mut found = crate::rules::native::evaluate(
            &ready.workspace,
            &ready.compiled.rules,
            &ready.settings,
            ready.as_of,
            &reported,
            crate::rules::native::Scope {
                rules: &takes,
                files: files.as_deref(),
            },
            spent,
        );
        crate::workspace::terms::in_document_terms(&ready.workspace, &mut found);
        found
    }

    /// The notes at the configuration, made again.
    fn run_level_again(&mut self) {
        let ready = &self.ready;
        let (mut found, sources) = ready.with_run(
            &ready.workspace,
            None,
            true,
            crate::rules::evaluate::run_level_findings,
        );
        crate::workspace::terms::in_document_terms(&ready.workspace, &mut found);
        self.run_level = found;
        self.run_sources = sources;
    }

    /// After the file `relative` changed (it held `old` before): re-runs the calls on its
    /// documents and those that looked at what changed, then the whole-repository rules.
    fn reevaluate(&mut self, relative: &Path, old: &[LoadedDocument]) -> Edited {
        let now = now_documents(&self.ready.workspace, relative);
        let mut touched = HashSet::new();
        let mut narrowed = Vec::new();
        let (referencing, having) = self.asked_fields();
        for (before, after) in changed(old, now) {
            touch_people(before, after, &mut touched);
            let fields = match (before, after) {
                (Some(before), Some(after))
                    if before.kind == after.kind && before.document.id == after.document.id =>
                {
                    Some(changed_fields(before, after))
                }
                _ => None,
            };
            let every = touch_change(
                before,
                after,
                fields,
                (&referencing, &having),
                &mut touched,
                &mut narrowed,
            );
            self.touch_every_referencing(&every, &mut touched);
        }
        let across = across_changed(old, now);
        let looked_again = self.readers_of(&touched, &narrowed);
        self.reevaluate_calls(
            &[(Arc::from(relative), old.len())],
            &touched,
            looked_again,
            across,
        )
    }

    /// The (kind, field) pairs some recorded call asked `referencing` about, and those it
    /// asked `docs(kind, field)` about.
    pub(super) fn asked_fields(&self) -> (Fields, Fields) {
        let mut referencing = DistinctPairs::default();
        let mut having = DistinctPairs::default();
        for looked in self.looked_at() {
            match looked {
                Looked::Referencing(kind, field, _) => referencing.add(kind, field),
                Looked::Having(kind, field) => having.add(kind, field),
                _ => {}
            }
        }
        (referencing.pairs, having.pairs)
    }

    /// The (kind, field) pairs some recorded call read of a document a lookup handed it
    /// (`""` for every field).
    pub(super) fn fields_read(&self) -> Fields {
        let mut read = DistinctPairs::default();
        for record in self.records.values() {
            for looked in &record.looked {
                if let Looked::Field(kind, field) = looked {
                    read.add(kind, field);
                }
            }
        }
        read.pairs
    }

    /// Adds to `touched` every `referencing(kind, field, …)` some recorded call made, for
    /// each (kind, field) of `every` (see [`touch_asked`]).
    fn touch_every_referencing(
        &self,
        every: &[(Arc<str>, Arc<str>)],
        touched: &mut HashSet<Looked>,
    ) {
        if every.is_empty() {
            return;
        }
        touched.extend(
            self.looked_at()
                .filter(|looked| {
                    matches!(looked, Looked::Referencing(of, named, _)
                        if every.iter().any(|(kind, field)| of == kind && named == field))
                })
                .cloned(),
        );
    }

    /// The calls that looked at something `touched`, and those that looked up a document
    /// that changed in some fields only (`narrowed`) and read one of them: from the index
    /// of readers, made on the first update.
    fn readers_of(&mut self, touched: &HashSet<Looked>, narrowed: &[Narrowed]) -> Vec<CallKey> {
        let records = &self.records;
        let readers = self.readers.get_or_insert_with(|| {
            let mut readers = HashMap::new();
            for (key, record) in records {
                add_reader(&mut readers, key, record);
            }
            readers
        });
        let mut stale = Vec::new();
        for looked in touched {
            if let Some(readers) = readers.get(looked) {
                stale.extend(readers.iter().cloned());
            }
        }
        for change in narrowed {
            for looked in &change.looked {
                let Some(readers) = readers.get(looked) else {
                    continue;
                };
                stale.extend(
                    readers
                        .iter()
                        .filter(|key| {
                            records
                                .get(*key)
                                .is_some_and(|record| change.concerns(looked, record))
                        })
                        .cloned(),
                );
            }
        }
        stale
    }

    /// After the files `edited` changed (each with the number of documents it held
    /// before): re-runs the calls on their documents and `looked_again` (calls that
    /// looked at something `touched` or a narrowed change concerns); the native rules that
    /// judge a file alone on those files, the others when `across`; the configuration's
    /// notes.
    pub(super) fn reevaluate_calls(
        &mut self,
        edited: &[(Arc<Path>, usize)],
        touched: &HashSet<Looked>,
        looked_again: Vec<CallKey>,
        across: bool,
    ) -> Edited {
        // A rule whose evidence has no document is idle when documents name some: that
        // count reads their fields, which a cache may only remember. It can change only
        // where the edit took the last documents of that kind away (where there were none
        // before, no remembered document named any, or the rule would have been idle).
        let workspace = &self.ready.workspace;
        let counts_fields = self.ready.compiled.rules.iter().any(|rule| {
            rule.needs.iter().any(|(kind, _)| {
                workspace.index.of_kind(kind).is_empty()
                    && touched.contains(&Looked::Kind(Arc::from(kind.as_str())))
            })
        });
        if counts_fields
            && workspace
                .documents
                .iter()
                .any(|loaded| loaded.document.remembered)
        {
            let files: Vec<usize> = (0..workspace.files.len()).collect();
            Arc::make_mut(&mut self.ready.workspace).materialize(&files);
        }
        let idle = self.ready.with_run(
            &self.ready.workspace,
            None,
            true,
            crate::rules::evaluate::idle,
        );
        if !self.rule_errors.is_empty() || idle != self.idle {
            self.evaluate_everything();
            return Edited {
                calls: self.spent.iter().map(|spent| spent.calls as usize).sum(),
                everything: true,
                taken: true,
                remade: HashSet::new(),
            };
        }
        let workspace = &self.ready.workspace;
        let rules = self.ready.compiled.rules.len();
        let positions = file_positions(workspace);
        let edited_files: HashSet<Arc<Path>> =
            edited.iter().map(|(file, _)| Arc::clone(file)).collect();
        // The edited files' documents before the edit: their calls are made again or gone.
        let mut stale: Vec<CallKey> = Vec::new();
        let mut only = Only::default();
        for (file, before) in edited {
            let now = positions.get(&**file).map(|&at| workspace.documents_of(at));
            let count = now.as_ref().map_or(0, ExactSizeIterator::len);
            for ordinal in 0..count.max(*before) {
                for rule in 0..rules {
                    let key = ((Arc::clone(file), ordinal), rule);
                    if self.records.contains_key(&key) {
                        stale.push(key);
                    }
                }
            }
            for position in now.into_iter().flatten() {
                only.add_document(position, rules);
            }
        }
        stale.extend(looked_again);
        stale.sort_unstable();
        stale.dedup();
        let mut remade = edited_files.clone();
        remade.extend(stale.iter().map(|((file, _), _)| Arc::clone(file)));
        // What the calls made again looked up last time, they most likely look up again:
        // documents a cache only remembers are read for them at once, on every thread,
        // rather than one by one inside the calls.
        let mut again: HashSet<Looked> = HashSet::new();
        for key in &stale {
            if let Some(record) = self.records.get(key) {
                again.extend(
                    record
                        .looked
                        .iter()
                        .filter(|looked| matches!(looked, Looked::Id(..) | Looked::Referencing(..)))
                        .cloned(),
                );
            }
        }
        for key in &stale {
            let ((file, ordinal), rule) = key;
            if edited_files.contains(file) {
                continue; // their documents are all re-run
            }
            if let Some(&at) = positions.get(&**file) {
                let range = workspace.documents_of(at);
                if *ordinal < range.len() {
                    only.add(range.start + ordinal, *rule, rules);
                }
            }
        }
        for key in stale {
            self.forget(&key);
        }
        let calls = only.len();
        // The documents checked again, and those the rules that compare documents read,
        // hold their fields (a cache may only remember them).
        let workspace = &self.ready.workspace;
        let mut files: Vec<usize> = only
            .calls
            .keys()
            .map(|&position| workspace.documents[position].file)
            .collect();
        if across {
            files.extend(
                workspace
                    .documents
                    .iter()
                    .filter(|loaded| {
                        loaded.kind.as_deref().is_some_and(|kind| {
                            crate::rules::native::ACROSS_READS
                                .iter()
                                .any(|(read, _)| *read == kind)
                        })
                    })
                    .map(|loaded| loaded.file),
            );
        }
        files.extend(looked_up_files(workspace, &again));
        files.sort_unstable();
        files.dedup();
        if files.iter().any(|&file| {
            workspace.documents[workspace.documents_of(file)]
                .iter()
                .any(|loaded| loaded.document.remembered)
        }) {
            Arc::make_mut(&mut self.ready.workspace).materialize(&files);
        }
        let ready = &self.ready;
        let evaluated = ready.evaluate(&ready.workspace, Some(&only), true);
        let keys = document_keys(&ready.workspace);
        let mut spent = evaluated.spent;
        for call in in_terms(&self.ready.workspace, evaluated.calls) {
            self.keep(&keys, call);
        }
        self.rule_errors = evaluated.rule_errors;
        if !self.rule_errors.is_empty() {
            // What failed is said as a fresh run would say it.
            self.evaluate_everything();
            return Edited {
                calls: self.calls_made(),
                everything: true,
                taken: true,
                remade: HashSet::new(),
            };
        }
        let mut native_spent = Vec::new();
        let found = self.natives_of(Which::PerFile(Some(&edited_files)), &mut native_spent);
        for file in &edited_files {
            self.per_file.remove(file);
        }
        for finding in found {
            self.per_file
                .entry(Arc::clone(&finding.file))
                .or_default()
                .push(finding);
        }
        if across {
            self.across = self.natives_of(Which::Across, &mut native_spent);
        }
        self.run_level_again();
        Spent::add(&mut spent, native_spent);
        self.spent = spent;
        Edited {
            calls,
            everything: false,
            taken: true,
            remade,
        }
    }

    /// Keeps `call`'s record, under its document's key.
    fn keep(&mut self, keys: &[DocumentKey], call: Call) {
        let Some(document) = keys.get(call.position) else {
            return;
        };
        let key = (document.clone(), call.rule);
        self.keep_record(
            key,
            Record {
                findings: call.findings,
                looked: call.looked,
                printed: call.printed,
            },
        );
    }

    fn keep_record(&mut self, key: CallKey, record: Record) {
        if let Some(readers) = &mut self.readers {
            add_reader(readers, &key, &record);
        }
        self.records.insert(key, record);
    }

    /// Everything some recorded call looked at (each thing once when the readers are
    /// indexed, as often as it was looked at otherwise).
    fn looked_at(&self) -> Box<dyn Iterator<Item = &Looked> + '_> {
        match &self.readers {
            Some(readers) => Box::new(readers.keys()),
            None => Box::new(self.records.values().flat_map(|record| &record.looked)),
        }
    }

    /// Drops the record of `key`, and it from the readers of what it looked at.
    fn forget(&mut self, key: &CallKey) {
        let Some(record) = self.records.remove(key) else {
            return;
        };
        for looked in &record.looked {
            let Some(all) = &mut self.readers else { break };
            if let Some(readers) = all.get_mut(looked) {
                readers.remove(key);
                if readers.is_empty() {
                    all.remove(looked);
                }
            }
        }
    }
}

/// The findings of `calls` in their documents' terms (see `workspace::terms`), as a
/// fresh run gives them: a session keeps them so, and the cache stores them so.
fn in_terms(workspace: &Workspace, mut calls: Vec<Call>) -> Vec<Call> {
    if workspace.config.mappings.is_empty() {
        return calls;
    }
    let counts: Vec<usize> = calls.iter().map(|call| call.findings.len()).collect();
    let mut all: Vec<Finding> = calls
        .iter_mut()
        .flat_map(|call| std::mem::take(&mut call.findings))
        .collect();
    crate::workspace::terms::in_document_terms(workspace, &mut all);
    let mut all = all.into_iter();
    for (call, count) in calls.iter_mut().zip(counts) {
        call.findings = all.by_ref().take(count).collect();
    }
    calls
}

/// Which native rules to run: those that judge a file alone (on every file, or one), or
/// the others.
enum Which<'a> {
    PerFile(Option<&'a HashSet<Arc<Path>>>),
    Across,
}

/// The documents the file `relative` holds now.
fn now_documents<'a>(workspace: &'a Workspace, relative: &Path) -> &'a [LoadedDocument] {
    match workspace.file_position(relative) {
        Some(file) => &workspace.documents[workspace.documents_of(file)],
        None => &[],
    }
}

/// Whether what the native rules that compare documents read changed between `old` and
/// `now`: a document of a kind they read came, went, or changed its id or a field they
/// read.
fn across_changed(old: &[LoadedDocument], now: &[LoadedDocument]) -> bool {
    let reads = |loaded: &LoadedDocument| {
        let kind = loaded.kind.as_deref()?;
        crate::rules::native::ACROSS_READS
            .iter()
            .find(|(read, _)| *read == kind)
            .map(|(_, fields)| *fields)
    };
    let read: Vec<(&LoadedDocument, &[&str])> = old
        .iter()
        .chain(now)
        .filter_map(|loaded| Some((loaded, reads(loaded)?)))
        .collect();
    if read.is_empty() {
        return false;
    }
    if old.len() != now.len() {
        return true;
    }
    old.iter().zip(now).any(|(before, after)| {
        let fields = reads(before).or(reads(after)).unwrap_or(&[]);
        before.kind != after.kind
            || before.document.id != after.document.id
            || fields.iter().any(|field| {
                match (
                    before.document.root.get(field),
                    after.document.root.get(field),
                ) {
                    (Some(a), Some(b)) => !a.same_value(b),
                    (None, None) => false,
                    _ => true,
                }
            })
    })
}

/// Each document's key, indexed like the workspace's documents.
fn document_keys(workspace: &Workspace) -> Vec<DocumentKey> {
    let mut keys = Vec::with_capacity(workspace.documents.len());
    let mut ordinal = 0;
    let mut last = usize::MAX;
    for loaded in &workspace.documents {
        ordinal = if loaded.file == last { ordinal + 1 } else { 0 };
        last = loaded.file;
        keys.push((Arc::clone(&workspace.files[loaded.file].path), ordinal));
    }
    keys
}

/// Each file's position, by its path.
fn file_positions(workspace: &Workspace) -> HashMap<&Path, usize> {
    workspace
        .files
        .iter()
        .enumerate()
        .map(|(position, file)| (&*file.path, position))
        .collect()
}

/// Notes `key` as a reader of everything its `record` looked at.
fn add_reader(readers: &mut HashMap<Looked, HashSet<CallKey>>, key: &CallKey, record: &Record) {
    // The fields a call read are asked of its record, never looked up by themselves.
    for looked in record
        .looked
        .iter()
        .filter(|looked| !matches!(looked, Looked::Field(..)))
    {
        readers
            .entry(looked.clone())
            .or_default()
            .insert(key.clone());
    }
}

/// The files of the documents `looked` names: found by id, or naming an id in a field
/// (as a document a cache remembers says it).
fn looked_up_files(workspace: &Workspace, looked: &HashSet<Looked>) -> Vec<usize> {
    let mut files = Vec::new();
    let mut named: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
    for looked in looked {
        match looked {
            Looked::Id(kind, id) => {
                if let Some(position) = workspace.index.find(kind, id) {
                    files.push(workspace.documents[position].file);
                }
            }
            Looked::Referencing(kind, field, id) => {
                named.entry((kind, field)).or_default().insert(id);
            }
            _ => {}
        }
    }
    for ((kind, field), ids) in named {
        for &position in workspace.index.of_kind(kind) {
            let loaded = &workspace.documents[position];
            let names = loaded
                .document
                .names
                .iter()
                .filter(|(named, _)| **named == *field)
                .flat_map(|(_, names)| names);
            if names.into_iter().any(|name| ids.contains(&**name)) {
                files.push(loaded.file);
            }
        }
    }
    files
}

/// What a document names in the `referencing` fields and has of the `docs(kind, field)`
/// fields asked about for its kind, as those lookups read it: a document read is asked
/// through its view, built once; a remembered one says what its cache kept, and leaves out
/// a field the cache has no word of.
#[derive(Default)]
pub(super) struct Asked {
    pub names: Vec<(Arc<str>, Vec<Arc<str>>)>,
    pub having: Vec<(Arc<str>, bool)>,
}

/// Adds to `touched` the lookups a change of `loaded` concerns beyond its kind and id:
/// `referencing(kind, field, id)` for each id it names in a field asked about, and
/// `docs(kind, field)` for each field asked about that it has. What it says of a field is
/// not known (a remembered document the cache kept no word of it for) concerns every
/// `referencing(kind, field, …)`: those (kind, field) pairs are returned, for the caller to
/// find among what calls looked at.
fn touch_asked(
    loaded: &LoadedDocument,
    referencing: &Fields,
    having: &Fields,
    touched: &mut HashSet<Looked>,
) -> Vec<(Arc<str>, Arc<str>)> {
    let mut every = Vec::new();
    let Some(kind) = &loaded.kind else {
        return every;
    };
    let asked = asked_of(loaded, referencing, having);
    for (_, field) in referencing.iter().filter(|(of, _)| of == kind) {
        match asked.names.iter().find(|(named, _)| named == field) {
            Some((_, names)) => touched.extend(names.iter().map(|id| {
                Looked::Referencing(Arc::clone(kind), Arc::clone(field), Arc::clone(id))
            })),
            None => every.push((Arc::clone(kind), Arc::clone(field))),
        }
    }
    for (_, field) in having.iter().filter(|(of, _)| of == kind) {
        let has = asked.having.iter().find(|(named, _)| named == field);
        if has.is_none_or(|(_, has)| *has) {
            touched.insert(Looked::Having(Arc::clone(kind), Arc::clone(field)));
        }
    }
    every
}

pub(super) fn asked_of(loaded: &LoadedDocument, referencing: &Fields, having: &Fields) -> Asked {
    let Some(kind) = &loaded.kind else {
        return Asked::default();
    };
    let document = &loaded.document;
    let of_kind = |(of, _): &&(Arc<str>, Arc<str>)| of == kind;
    if document.remembered {
        return Asked {
            names: referencing
                .iter()
                .filter(of_kind)
                .filter_map(|(_, field)| {
                    Some((Arc::clone(field), document.kept_names(field)?.to_vec()))
                })
                .collect(),
            having: having
                .iter()
                .filter(of_kind)
                .filter_map(|(_, field)| Some((Arc::clone(field), document.kept_has(field)?)))
                .collect(),
        };
    }
    use crate::rules::lookup::{ids_of, not_blank, written_field};
    // Read from the document's tree; its view is made only for a field the view makes.
    let view = std::cell::OnceCell::new();
    let value = |field: &str| {
        written_field(loaded, field).unwrap_or_else(|| {
            let view =
                view.get_or_init(|| crate::rules::view::document(document, kind, usize::MAX));
            crate::rules::lookup::field_value(view, field)
        })
    };
    Asked {
        names: referencing
            .iter()
            .filter(of_kind)
            .map(|(_, field)| {
                let ids = ids_of(value(field));
                (Arc::clone(field), ids.into_iter().map(Arc::from).collect())
            })
            .collect(),
        having: having
            .iter()
            .filter(of_kind)
            .map(|(_, field)| (Arc::clone(field), not_blank(value(field))))
            .collect(),
    }
}

/// A file's documents that changed, were added or went, at each place: before, after.
fn changed<'a>(
    old: &'a [LoadedDocument],
    now: &'a [LoadedDocument],
) -> impl Iterator<Item = (Option<&'a LoadedDocument>, Option<&'a LoadedDocument>)> {
    (0..old.len().max(now.len()))
        .map(|ordinal| (old.get(ordinal), now.get(ordinal)))
        .filter(|pair| !matches!(pair, (Some(before), Some(after)) if same_document(before, after)))
}

/// What a document that changed from `before` to `after` (one of them absent when it came
/// or went) concerns: the lookups of its kind and id ([`touch_identity`]) and of what it
/// names and has in the fields asked about (`asked`: `referencing` and `docs(kind, field)`
/// fields, [`touch_asked`]). Added to `touched` — or, when `fields` are the only ones it
/// changed in (its kind and id kept), held as a [`Narrowed`] change: a call that looked it
/// up is made again only if it read one of them. Returns the (kind, field) pairs every
/// `referencing` lookup of which it concerns (see [`touch_asked`]).
pub(super) fn touch_change(
    before: Option<&LoadedDocument>,
    after: Option<&LoadedDocument>,
    fields: Option<HashSet<Arc<str>>>,
    asked: (&Fields, &Fields),
    touched: &mut HashSet<Looked>,
    narrowed: &mut Vec<Narrowed>,
) -> Vec<(Arc<str>, Arc<str>)> {
    let mut of_it = HashSet::new();
    touch_identity(before, after, &mut of_it);
    let mut every = Vec::new();
    for loaded in [before, after].into_iter().flatten() {
        every.extend(touch_asked(loaded, asked.0, asked.1, &mut of_it));
    }
    match (fields, after.and_then(|after| after.kind.clone())) {
        (Some(fields), Some(kind)) => narrowed.push(Narrowed {
            looked: of_it,
            kind,
            fields,
        }),
        _ => touched.extend(of_it),
    }
    every
}

/// Adds to `touched` what a document that changed from `before` to `after` (one of them
/// absent when it came or went) concerns of its kind and id: every lookup of its kind and
/// of its id, and whether an id exists when its kind or id changed.
fn touch_identity(
    before: Option<&LoadedDocument>,
    after: Option<&LoadedDocument>,
    touched: &mut HashSet<Looked>,
) {
    let identity = |loaded: Option<&LoadedDocument>| {
        let loaded = loaded?;
        let (kind, id) = (loaded.kind.as_ref()?, loaded.document.id.as_ref()?);
        Some(Looked::Exists(Arc::clone(kind), Arc::clone(id)))
    };
    let (was, is) = (identity(before), identity(after));
    if was != is {
        touched.extend([was, is].into_iter().flatten());
    }
    // A document that came, went or changed its kind changes the counts of its kinds.
    let kind_of = |loaded: Option<&LoadedDocument>| loaded.and_then(|loaded| loaded.kind.clone());
    let (kind_was, kind_is) = (kind_of(before), kind_of(after));
    if kind_was != kind_is {
        touched.extend([kind_was, kind_is].into_iter().flatten().map(Looked::Count));
    }
    for loaded in [before, after].into_iter().flatten() {
        let Some(kind) = &loaded.kind else { continue };
        touched.insert(Looked::Kind(Arc::clone(kind)));
        if let Some(id) = &loaded.document.id {
            touched.insert(Looked::Id(Arc::clone(kind), Arc::clone(id)));
        }
    }
}

/// The people of a roster whose entry changed, came or went, from `before` to `after`.
fn touch_people(
    before: Option<&LoadedDocument>,
    after: Option<&LoadedDocument>,
    touched: &mut HashSet<Looked>,
) {
    let people_before = people(before);
    let people_after = people(after);
    for (id, person) in &people_before {
        match people_after.get(id) {
            Some(now) if now.same_value(person) => {}
            _ => {
                touched.insert(Looked::Person(Arc::from(id.as_str())));
            }
        }
    }
    for id in people_after.keys() {
        if !people_before.contains_key(id) {
            touched.insert(Looked::Person(Arc::from(id.as_str())));
        }
    }
}

/// The lookups of a document that kept its kind and id, and the fields in which it
/// changed: a call that looked it up is concerned only if it read one of them.
pub(super) struct Narrowed {
    pub looked: HashSet<Looked>,
    pub kind: Arc<str>,
    pub fields: HashSet<Arc<str>>,
}

impl Narrowed {
    /// Whether `record`, which looked at `looked` (one of this change's lookups), could
    /// say something else now: the lookup turns on a changed field (who names an id, who
    /// has a field), or the call read a changed field — or every field — of a document of
    /// the kind.
    fn concerns(&self, looked: &Looked, record: &Record) -> bool {
        if let Looked::Referencing(_, field, _) | Looked::Having(_, field) = looked {
            if self.fields.contains(field) {
                return true;
            }
        }
        record.looked.iter().any(|read| {
            matches!(read, Looked::Field(kind, field)
                if *kind == self.kind && (field.is_empty() || self.fields.contains(field)))
        })
    }
}

/// The top-level fields in which a document differs from what it was (`sections` for its
/// Markdown body; every field, `""`, when either is no mapping).
fn changed_fields(before: &LoadedDocument, after: &LoadedDocument) -> HashSet<Arc<str>> {
    let mut fields = HashSet::new();
    let (a, b) = (&before.document, &after.document);
    match (&a.root.value, &b.root.value) {
        (crate::document::Value::Map(was), crate::document::Value::Map(is)) => {
            for entry in was.iter() {
                if is
                    .iter()
                    .find(|now| now.key == entry.key)
                    .is_none_or(|now| !now.value.same_value(&entry.value))
                {
                    fields.insert(Arc::from(entry.key.as_str()));
                }
            }
            for entry in is.iter() {
                if !was.iter().any(|then| then.key == entry.key) {
                    fields.insert(Arc::from(entry.key.as_str()));
                }
            }
        }
        _ => {
            fields.insert(Arc::from(""));
        }
    }
    if !same_sections(a, b) {
        fields.insert(Arc::from("sections"));
    }
    if a.skipped != b.skipped {
        fields.insert(Arc::from(""));
    }
    fields
}

/// Whether two documents read alike to a rule: kind, id, fields and body sections.
fn same_document(before: &LoadedDocument, after: &LoadedDocument) -> bool {
    let (a, b) = (&before.document, &after.document);
    before.kind == after.kind
        && a.id == b.id
        && a.skipped == b.skipped
        && a.root.same_value(&b.root)
        && same_sections(a, b)
}

/// Whether two documents' Markdown sections read alike: titles and texts, in order.
fn same_sections(a: &crate::document::Document, b: &crate::document::Document) -> bool {
    match (&a.sections, &b.sections) {
        (Some(a), Some(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(a, b)| a.title == b.title && a.text == b.text)
        }
        (None, None) => true,
        _ => false,
    }
}

/// The people of a roster document, by id.
fn people(loaded: Option<&LoadedDocument>) -> HashMap<String, crate::document::Node> {
    let mut people = HashMap::new();
    let Some(loaded) = loaded.filter(|loaded| loaded.kind.as_deref() == Some("roster")) else {
        return people;
    };
    if let Some(crate::document::Value::Seq(entries)) =
        loaded.document.root.get("people").map(|node| &node.value)
    {
        for person in entries.iter() {
            if let Some(id) = person
                .get("id")
                .and_then(crate::document::Node::scalar_text)
            {
                people.entry(id).or_insert_with(|| person.clone());
            }
        }
    }
    people
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("root", &self.ready.root)
            .field("documents", &self.ready.workspace.documents.len())
            .field("records", &self.records.len())
            .finish()
    }
}
