//! `lessons check` as the library runs it: the options of a run, its outcome, and the
//! pipeline — find the repository, load it while the rules compile, settle each file's
//! rule settings, prepare a close, evaluate, apply waivers and the baseline, assemble —
//! each phase a call into the module it belongs to.

pub mod cache;
pub mod session;

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::document::date::Moment;
use crate::document::SourceFile;
use crate::finding::Finding;
pub use crate::gate::Closing;
pub use crate::output::Timing;
use crate::policy::Pack;
use crate::rules::engine::Limits;
use crate::rules::evaluate::RuleSettings;
use crate::rules::{Rule, RuleError};
use crate::util::paths::relative_to_cwd;
use crate::workspace::reported::Reported;
use crate::workspace::{Config, ConfigError, Workspace};
use crate::{gate, policy, rules, workspace};

/// What a run is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Files or folders to report on; empty means the current folder.
    pub paths: Vec<PathBuf>,
    /// `--config`: the configuration file (its folder is the repository root).
    pub config: Option<PathBuf>,
    /// `--policy`: a built-in pack, over the config's `policy:`.
    pub policy: Option<String>,
    /// `--as-of`: the day all date rules count from (default: today).
    pub as_of: Option<Moment>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// `--rules`: more custom rule folders.
    pub rule_dirs: Vec<PathBuf>,
    /// `--jobs`: worker threads (default: one per core).
    pub jobs: Option<usize>,
    /// The bounds of the run; the configuration's `limits:` refine them.
    pub limits: Limits,
    /// `--deadline`: the run's wall time, over the configuration's `run_seconds`.
    pub deadline: Option<Duration>,
    /// Load only the named files, as a repository of their own: no configuration, no
    /// repository around them. How `lessons test` checks one fixture.
    pub isolated: bool,
    /// `lessons gate close` (one incident) or the report's closure readiness (every incident
    /// not yet closed): evaluated as if being closed, with the runbooks and policies each
    /// references; only those are reported.
    pub closing: Option<Closing>,
    /// The repository as an earlier run with the same options loaded it
    /// ([`Outcome::workspace`]): used instead of reading and parsing it again.
    pub workspace: Option<Arc<Workspace>>,
    /// `--baseline`: findings it records are suppressed as known debt, and its entries
    /// that no longer occur are listed in [`Outcome::unmatched_baseline`].
    pub baseline: Option<PathBuf>,
    /// Rules already compiled (by [`rules::RuleSet::load`]), so a caller that checks many
    /// small repositories compiles them once; `None` compiles them for this run.
    pub compiled: Option<Arc<rules::RuleSet>>,
    /// Where the findings of unchanged documents are kept between runs ([`cache`]);
    /// `None` keeps none. The command line's default is `.lessons_cache/`. Used when the
    /// run checks the whole repository (no named files, no close).
    pub cache: Option<cache::CacheDir>,
}

impl Options {
    /// The run's limits: these options', refined by the configuration's `limits:`, the
    /// command line's `--deadline` over both.
    pub fn limits_with(&self, config: &Config) -> Limits {
        let mut limits = self.limits.configured(&config.limits);
        if let Some(deadline) = self.deadline {
            limits.run_time = deadline;
        }
        limits
    }
}

/// Why a run could not happen at all (exit 2).
#[derive(Debug)]
pub enum Error {
    Config(ConfigError),
    Usage(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(error) => write!(f, "{}: {}", error.path.display(), error.message),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// The result of a run: findings, rule failures, and the sources renderers need.
#[derive(Debug)]
pub struct Outcome {
    /// Every waiver and where it stands (in force, expiring, expired, invalid, unused).
    pub waivers: Vec<policy::waiver::WaiverStatus>,
    /// The loaded repository: documents, their kinds and the index (for `report`).
    pub workspace: Arc<Workspace>,
    /// `gate close`: the id of the incident evaluated as if closed.
    pub closing: Option<String>,
    pub root: PathBuf,
    pub as_of: Moment,
    /// Sorted by file, line, column and rule.
    pub findings: Vec<Finding>,
    pub rule_errors: Vec<RuleError>,
    /// The rules of the run, as they describe themselves (no compiled code).
    pub rules: Vec<rules::RuleInfo>,
    pub sources: FxHashMap<Arc<Path>, Arc<SourceFile>>,
    /// Documents in the reported files that at least one rule checked.
    pub documents: usize,
    /// Files reported on.
    pub files: usize,
    /// Documents no rule could check because they have no kind: (file, line).
    pub unclassified: Vec<(PathBuf, usize)>,
    /// What rules printed.
    pub printed: Vec<String>,
    /// What each rule cost, indexed like [`Outcome::rules`].
    pub spent: Vec<rules::evaluate::Spent>,
    pub timing: Timing,
    /// When the run started (for JUnit's `timestamp`).
    pub started_at: jiff::Timestamp,
    /// The policy pack the run used.
    pub pack: String,
    /// The effective settings of every rule for each file of the workspace (indexed like
    /// [`Workspace::files`]): what the pack, the configuration and its overrides made of them.
    pub settings: Vec<Arc<[RuleSettings]>>,
    /// The settings of a file no override names (a file that is gone, say).
    pub base_settings: Arc<[RuleSettings]>,
    /// The entries of the baseline that no finding of what the run checked matches any
    /// more (fixed debt: `--strict-baseline` asks to remove them).
    pub unmatched_baseline: Vec<policy::baseline::Entry>,
    /// Paths named on the command line that the run did not read, and why (a symbolic
    /// link: the repository's walk never follows one).
    pub skipped: Vec<(PathBuf, String)>,
    /// What the cache across runs did, when the run used one.
    pub cache: Option<cache::CacheUse>,
    reported: Reported,
    /// Each workspace file's position, by its path: a baseline of 40,000 entries or a
    /// report looks its files up instead of scanning them all.
    file_positions: FxHashMap<Arc<Path>, usize>,
}

impl Outcome {
    /// What a renderer sees of the run.
    pub fn results(&self) -> crate::output::Results<'_> {
        crate::output::Results {
            findings: &self.findings,
            rules: &self.rules,
            rule_errors: &self.rule_errors,
            root: &self.root,
            as_of: self.as_of,
            timing: self.timing,
            started_at: self.started_at,
            documents: self.documents,
            files: self.files,
            sources: &self.sources,
            workspace: &self.workspace,
            reported: &self.reported,
        }
    }

    pub fn source(&self, file: &Path) -> Option<&Arc<SourceFile>> {
        self.sources.get(file)
    }

    /// Whether the run reported on `file` (relative to the root): every file, or only those
    /// under the paths named on the command line.
    pub fn reports_on(&self, file: &Path) -> bool {
        self.reported.includes(file)
    }

    /// The position of `file` (relative to the root) in the workspace's files.
    pub fn file_position(&self, file: &Path) -> Option<usize> {
        self.file_positions.get(file).copied()
    }

    /// The settings of rule `id` for `file` (relative to the root), as the run applied them.
    pub fn rule_settings(&self, id: &str, file: &Path) -> Option<&RuleSettings> {
        let position = self.rules.iter().position(|rule| rule.id == id)?;
        let settings = self
            .file_position(file)
            .map_or(&self.base_settings, |index| &self.settings[index]);
        settings.get(position)
    }

    /// Whether `target` is a file this run read: a document (a file with a document of a
    /// kind, or one that failed to load as one), the configuration or a rule file.
    /// `--output` and `--write-baseline` refuse such a path, so no report ever replaces
    /// what it reports on; a file of no kind (an earlier report, a baseline) is not one.
    pub fn reads(&self, target: &Path) -> bool {
        let Ok(target) = std::fs::canonicalize(target) else {
            return false; // not there yet: nothing to lose
        };
        let workspace = &self.workspace;
        let documents: std::collections::HashSet<usize> = workspace
            .documents
            .iter()
            .filter(|loaded| loaded.kind.is_some())
            .map(|loaded| loaded.file)
            .chain(workspace.problems.iter().map(|(file, _)| *file))
            .collect();
        let same = |path: &Path| std::fs::canonicalize(path).is_ok_and(|path| path == target);
        let document = |index: usize| documents.contains(&index);
        let inside = self.position_of_target(&target).is_some_and(document);
        let outside = || {
            documents.iter().any(|&index| {
                let path = &workspace.files[index].path;
                path.is_absolute() && same(path)
            })
        };
        inside
            || outside()
            || workspace.config_path.as_deref().is_some_and(same)
            || self.rules.iter().any(|rule| match &rule.origin {
                rules::Origin::File(path) => same(path),
                rules::Origin::Builtin(_) => false,
            })
    }

    /// The workspace file a canonical path names, when it lies under the root.
    pub fn position_of_target(&self, canonical: &Path) -> Option<usize> {
        let root = std::fs::canonicalize(&self.root).ok()?;
        self.file_position(canonical.strip_prefix(root).ok()?)
    }

    /// Whether the run checked what a baseline entry records: its file was reported on and
    /// its rule ran there.
    pub fn checked(&self, entry: &policy::baseline::Entry) -> bool {
        let file = Path::new(&entry.file);
        self.reports_on(file)
            && self
                .rule_settings(&entry.rule, file)
                .is_some_and(|settings| settings.enabled)
    }

    /// An integer parameter of rule `id` for `file`, as the run applied it.
    pub fn int_param(&self, id: &str, file: &Path, name: &str) -> Option<i64> {
        self.rule_settings(id, file)?
            .params
            .get(name)?
            .as_int()
            .ok()
    }
}

/// Runs `lessons check`.
pub fn check(options: &Options) -> Result<Outcome, Error> {
    let started = Instant::now();
    let setup = Setup::of(options)?;
    if let Some(dir) = cache_for(&setup) {
        return cache::check(setup, &dir, started);
    }
    // One phase after another, each a call into the module it belongs to: load (read,
    // parse, map `formats:`, compile the rules), settle each file's rule settings,
    // evaluate, then waivers, baseline and assembly.
    setup.pool.install(|| {
        let ready = Ready::load(
            &setup.options,
            setup.as_of,
            setup.root,
            setup.config,
            setup.config_path,
            started,
        )?;
        let evaluated = ready.evaluate(&ready.workspace, None, false);
        Ok(ready.finish(Arc::clone(&ready.workspace), evaluated, false))
    })
}

/// Where the run keeps its cache, when it keeps one: a check of the whole repository as
/// it is on disk (no named files, no close, no workspace or rules handed in).
fn cache_for(setup: &Setup) -> Option<cache::CacheDir> {
    let options = &setup.options;
    let dir = options.cache.clone()?;
    let whole = options.paths.iter().all(|path| {
        let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        same(path, &setup.root)
    });
    (whole
        && !options.isolated
        && options.closing.is_none()
        && options.workspace.is_none()
        && options.compiled.is_none()
        && !setup.root.as_os_str().is_empty())
    .then_some(dir)
}

/// What a run settles before reading anything: its options with their defaults, the day,
/// the repository and its configuration, the worker threads.
pub(crate) struct Setup {
    pub options: Options,
    pub as_of: Moment,
    pub root: PathBuf,
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub pool: rayon::ThreadPool,
}

impl Setup {
    pub fn of(options: &Options) -> Result<Setup, Error> {
        let mut options = options.clone();
        // No path is the current folder, as `--help` says: in a subfolder, that subfolder.
        if options.paths.is_empty() && !options.isolated {
            options.paths = vec![PathBuf::from(".")];
        }
        let as_of = options.as_of.unwrap_or_else(Moment::today);
        let (root, config_path) = if options.isolated {
            (PathBuf::new(), None)
        } else {
            repository(&options)?
        };
        let config = match &config_path {
            Some(path) => Config::load(path).map_err(Error::Config)?,
            None => Config::default(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.jobs.map_or(0, worker_threads))
            // Rhai recursion (bounded by the call-level limit) runs on these threads.
            .stack_size(8 << 20)
            .build()
            .map_err(|error| Error::Usage(format!("cannot start worker threads: {error}")))?;
        Ok(Setup {
            options,
            as_of,
            root,
            config,
            config_path,
            pool,
        })
    }
}

/// The threads `--jobs N` gets: at most four per core (more only queue on the same cores,
/// each with its own 8 MiB stack; `--jobs 65535` would spend a minute starting them).
fn worker_threads(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    jobs.clamp(1, cores.saturating_mul(4).max(4))
}

/// Finds the repository root and its configuration, per the spec: `--config`'s folder, the
/// nearest `.lessons.yaml` or git work tree above the first path, else the path itself.
pub(crate) fn repository(options: &Options) -> Result<(PathBuf, Option<PathBuf>), Error> {
    for path in &options.paths {
        match std::fs::metadata(path) {
            Err(_) => {
                return Err(Error::Usage(format!(
                    "{}: no such file or folder",
                    path.display()
                )));
            }
            // A FIFO or a device would be waited on, or read forever.
            Ok(metadata) if !metadata.is_file() && !metadata.is_dir() => {
                return Err(Error::Usage(format!(
                    "{}: not a regular file or a folder; not read",
                    path.display()
                )));
            }
            Ok(_) => {}
        }
    }
    if let Some(config) = &options.config {
        match std::fs::metadata(config) {
            Err(_) => {
                return Err(Error::Usage(format!(
                    "{}: no such configuration file",
                    crate::output::terminal::shown_path(config)
                )));
            }
            Ok(metadata) if !metadata.is_file() => {
                return Err(Error::Usage(format!(
                    "{}: the configuration is not a regular file; not read",
                    crate::output::terminal::shown_path(config)
                )));
            }
            Ok(_) => {}
        }
        let root = config.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        return Ok((root, Some(config.clone())));
    }
    let first = options
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    if let Some((root, config)) = workspace::discover::find_root(&first) {
        if let Some(config) = &config {
            found_config_inside(config, &root)?;
        }
        return Ok((relative_to_cwd(&root), config.map(|c| relative_to_cwd(&c))));
    }
    let root = if first.is_dir() {
        first
    } else {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    Ok((
        if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        },
        None,
    ))
}

/// The rule folders (the configuration's, then `--rules`) and the policy pack (`--policy`,
/// else the configuration's, else `default`) of a run.
pub(crate) fn rule_folders_and_pack(
    options: &Options,
    root: &Path,
    config: &Config,
) -> Result<(Vec<PathBuf>, Pack), Error> {
    let mut folders = config_rule_folders(root, config)?;
    folders.extend(options.rule_dirs.iter().cloned());
    let name = options
        .policy
        .clone()
        .or_else(|| config.policy.clone())
        .unwrap_or_else(|| "default".to_owned());
    let pack = Pack::builtin(&name).map_err(|message| {
        // The configuration's `policy:` (of the nearest file that sets it), at its line.
        let layer =
            config.layers.iter().rev().find(|layer| {
                workspace::config::locate_word(&layer.text, "policy", &name).is_some()
            });
        match (options.policy.is_none(), layer) {
            (true, Some(layer)) => Error::Config(ConfigError {
                path: relative_to_cwd(&layer.path),
                text: layer.text.clone(),
                offset: workspace::config::locate_word(&layer.text, "policy", &name),
                message,
            }),
            _ => Error::Usage(message),
        }
    })?;
    Ok((folders, pack))
}

/// A `.lessons.yaml` found, not named: one that is a symlink out of the repository is not
/// read (its first line would be printed in the error).
pub(crate) fn found_config_inside(config: &Path, root: &Path) -> Result<(), Error> {
    workspace::read::confined(config, root).map_err(|refused| {
        Error::Config(workspace::ConfigError {
            path: relative_to_cwd(config),
            text: String::new(),
            message: format!("the configuration is not read: {refused}"),
            offset: None,
        })
    })
}

/// The configuration's rule folders, under `root`. They are the repository's: one that
/// resolves outside it is refused (a folder named on the command line, `--rules`, may lie
/// anywhere).
pub(crate) fn config_rule_folders(root: &Path, config: &Config) -> Result<Vec<PathBuf>, Error> {
    config
        .rules
        .iter()
        .map(|folder| {
            let folder = root.join(folder);
            match workspace::read::confined(&folder, root) {
                Ok(()) => Ok(folder),
                Err(refused) => Err(Error::Usage(format!(
                    "the rule folder {} is not read: {refused}",
                    folder.display()
                ))),
            }
        })
        .collect()
}

/// A repository loaded and its rules compiled and settled: what evaluating needs, and
/// what finishing the run (waivers, baseline, assembly) needs besides.
pub(crate) struct Ready {
    pub options: Options,
    pub as_of: Moment,
    pub root: PathBuf,
    pub started: Instant,
    pub started_at: jiff::Timestamp,
    pub reported: Reported,
    pub pack: Pack,
    pub baseline: Option<policy::baseline::Baseline>,
    pub limits: Limits,
    pub deadline: Option<Instant>,
    pub workspace: Arc<Workspace>,
    pub compiled: Arc<rules::RuleSet>,
    pub plan: policy::Plan,
    pub settings: Vec<Arc<[RuleSettings]>>,
    pub base_settings: Arc<[RuleSettings]>,
    pub closing: gate::Prepared,
    pub loaded_at: Duration,
}

impl Ready {
    /// Everything before evaluating: the files the run reports on, the pack, the baseline,
    /// the repository loaded while the rules compile, a close prepared, the plan settled.
    pub fn load(
        options: &Options,
        as_of: Moment,
        root: PathBuf,
        config: Config,
        config_path: Option<PathBuf>,
        started: Instant,
    ) -> Result<Ready, Error> {
        let started_at = jiff::Timestamp::now();
        let (mut reported, extra) = if options.isolated {
            (Reported::EVERYTHING, options.paths.clone())
        } else {
            let reported = Reported::new(&root, &options.paths);
            let extra = reported.outside();
            (reported, extra)
        };
        let (rule_dirs, pack) = rule_folders_and_pack(options, &root, &config)?;
        let baseline = baseline_of(options, &root, &config)?;

        // The rules are compiled while the repository loads: neither needs the other.
        let limits = options.limits_with(&config);
        // The run's deadline counts from its start: rules' top-level code, then their calls.
        let deadline = started.checked_add(limits.run_time);
        let config_file = config_path.clone();
        let (workspace, compiled) = rayon::join(
            || match &options.workspace {
                Some(loaded) => Ok(Workspace::clone(loaded)),
                None => Workspace::load(&root, config, config_path, &extra, &pack.placeholders),
            },
            || match &options.compiled {
                Some(compiled) => Arc::clone(compiled),
                None => Arc::new(rules::RuleSet::load_as_of(
                    &rule_dirs, &limits, as_of, deadline,
                )),
            },
        );
        let mut workspace = workspace.map_err(|error| load_error(error, config_file.as_deref()))?;
        let closing =
            gate::Prepared::for_run(options.closing.as_ref(), &mut workspace, &root, as_of)
                .map_err(|gate::NoIncident(message)| Error::Usage(message))?;
        if let Some(files) = &closing.reported {
            reported = Reported::files(files.iter().cloned());
        }
        let loaded_at = started.elapsed();

        // Each file's settings of every rule: the pack, the configuration, its overrides.
        let plan = policy::Plan::new(
            &compiled.rules,
            &pack,
            &workspace.config,
            &options.select,
            &options.ignore,
        )
        .map_err(|error| plan_error(&workspace, error))?;
        let settings: Vec<Arc<[RuleSettings]>> = workspace
            .files
            .iter()
            .map(|file| plan.settings(&file.path))
            .collect();
        let base_settings: Arc<[RuleSettings]> = plan.base().into();
        Ok(Ready {
            options: options.clone(),
            as_of,
            root,
            started,
            started_at,
            reported,
            pack,
            baseline,
            limits,
            deadline,
            workspace: Arc::new(workspace),
            compiled,
            plan,
            settings,
            base_settings,
            closing,
            loaded_at,
        })
    }

    /// Runs the rules over `workspace` (this one's, or a session's as edited): every
    /// applicable call, or `only` those; each call's findings and lookups kept when
    /// `record`.
    pub fn evaluate(
        &self,
        workspace: &Workspace,
        only: Option<&rules::evaluate::Only>,
        record: bool,
    ) -> rules::evaluate::Evaluated {
        self.with_run(workspace, only, record, rules::evaluate::evaluate_workspace)
    }

    /// `body` with the evaluate phase's view of this run over `workspace`.
    pub fn with_run<T>(
        &self,
        workspace: &Workspace,
        only: Option<&rules::evaluate::Only>,
        record: bool,
        body: impl FnOnce(&rules::evaluate::Run) -> T,
    ) -> T {
        body(&rules::evaluate::Run {
            workspace,
            compiled: Arc::clone(&self.compiled),
            settings: &self.settings,
            base_settings: &self.base_settings,
            placeholders: &self.pack.placeholders,
            as_of: self.as_of,
            reported: &|file| self.reported.includes(file),
            limits: self.limits,
            deadline: self.deadline,
            record,
            only,
            shared: std::ptr::eq(workspace, &*self.workspace).then(|| Arc::clone(&self.workspace)),
        })
    }

    /// Waivers and the baseline over `findings` (of `only_file`, when they are one file's).
    pub fn suppress(
        &self,
        workspace: &Workspace,
        rules: &[Rule],
        findings: &mut Vec<Finding>,
        only_file: Option<&Path>,
    ) -> policy::Suppressed {
        policy::suppress(
            findings,
            &policy::Suppressing {
                workspace,
                rules,
                settings: &self.base_settings,
                as_of: self.as_of,
                reported: &|file| self.reported.includes(file),
                kept: &|finding| {
                    self.closing
                        .scope
                        .as_ref()
                        .is_none_or(|scope| scope.includes(finding))
                },
                baseline: self.baseline.as_ref(),
                only_file,
            },
        )
    }

    /// Findings in the documents' terms (unless `in_terms`: a session's and a cache's
    /// already are), waivers, the baseline, and the outcome assembled.
    pub fn finish(
        &self,
        workspace: Arc<Workspace>,
        mut evaluated: rules::evaluate::Evaluated,
        in_terms: bool,
    ) -> Outcome {
        if !in_terms {
            workspace::terms::in_document_terms(&workspace, &mut evaluated.findings);
        }
        let suppressed = self.suppress(
            &workspace,
            &evaluated.rules.rules,
            &mut evaluated.findings,
            None,
        );
        let evaluated_at = self.started.elapsed();
        let mut sources = std::mem::take(&mut evaluated.sources);
        sources.extend(suppressed.sources);
        let mut outcome = Outcome::assemble(
            workspace,
            evaluated,
            suppressed.waivers,
            &sources,
            Assembly {
                settings: self.settings.clone(),
                base_settings: Arc::clone(&self.base_settings),
                root: self.root.clone(),
                as_of: self.as_of,
                closing: self.closing.id.clone(),
                started_at: self.started_at,
                pack: self.pack.name.clone(),
                reported: self.reported.clone(),
                timing: Timing {
                    load: self.loaded_at,
                    evaluate: evaluated_at.saturating_sub(self.loaded_at),
                    total: evaluated_at,
                },
            },
        );
        let unmatched = suppressed
            .unmatched_baseline
            .into_iter()
            .filter(|entry| outcome.checked(entry))
            .collect();
        outcome.unmatched_baseline = unmatched;
        outcome.skipped = named_links(&self.options);
        outcome
    }
}

/// The baseline of a run: `--baseline`, else the configuration's once it is written
/// (`--write-baseline` makes it). Read before the work, so one that cannot be read stops
/// the run at once.
fn baseline_of(
    options: &Options,
    root: &Path,
    config: &Config,
) -> Result<Option<policy::baseline::Baseline>, Error> {
    let configured = config
        .baseline
        .as_ref()
        .map(|path| root.join(path))
        .filter(|path| std::fs::symlink_metadata(path).is_ok());
    match options.baseline.as_ref().or(configured.as_ref()) {
        Some(path) => {
            workspace::read::confined_if_inside(path, root).map_err(|refused| {
                Error::Usage(format!(
                    "the baseline {} is not read: {refused}",
                    crate::output::terminal::shown_path(path)
                ))
            })?;
            Ok(Some(
                policy::baseline::Baseline::load(path).map_err(Error::Usage)?,
            ))
        }
        None => Ok(None),
    }
}

/// Why the repository could not be loaded, as the run says it: a glob that matches no file
/// at its line of the configuration.
pub(crate) fn load_error(error: workspace::LoadError, config_file: Option<&Path>) -> Error {
    match error {
        workspace::LoadError::BadGlob(bad) => Error::Usage(format!(
            "bad glob `{}` in the configuration: {}",
            bad.pattern, bad.message
        )),
        workspace::LoadError::Unmatched { key, glob } => {
            let message = format!(
                "the `{key}` glob `{glob}` matches no file of the repository, so nothing is \
                 read through it"
            );
            match config_file {
                Some(path) => {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    Error::Config(ConfigError {
                        path: relative_to_cwd(path),
                        offset: workspace::config::locate_word(&text, key, &glob),
                        text,
                        message,
                    })
                }
                None => Error::Usage(message),
            }
        }
    }
}

/// A problem with the configuration's rule settings: at its line of the configuration
/// when it is there (`disable: [LL09]`), else a usage error.
fn plan_error(workspace: &Workspace, error: policy::PlanError) -> Error {
    let policy::PlanError(message, place) = error;
    let (Some(place), Some(path)) = (place, &workspace.config_path) else {
        return Error::Usage(message);
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let offset = workspace::config::locate_word(&text, place.key, &place.word);
    Error::Config(workspace::ConfigError {
        path: relative_to_cwd(path),
        text,
        message,
        offset,
    })
}

/// The paths named on the command line that are symbolic links: neither the walk nor the
/// reader of a named file follows one, so each is said to be skipped, not silently left.
fn named_links(options: &Options) -> Vec<(PathBuf, String)> {
    options
        .paths
        .iter()
        .filter(|path| std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_symlink()))
        .map(|path| {
            let to = std::fs::read_link(path).unwrap_or_default();
            let refused = workspace::read::Refused::Link { to };
            (path.clone(), format!("not checked: {refused}"))
        })
        .collect()
}

/// What the outcome holds besides what evaluating produced.
struct Assembly {
    settings: Vec<Arc<[RuleSettings]>>,
    base_settings: Arc<[RuleSettings]>,
    root: PathBuf,
    as_of: Moment,
    closing: Option<String>,
    started_at: jiff::Timestamp,
    pack: String,
    reported: Reported,
    timing: Timing,
}

impl Outcome {
    fn assemble(
        workspace: Arc<Workspace>,
        evaluated: rules::evaluate::Evaluated,
        waivers: Vec<policy::waiver::WaiverStatus>,
        waiver_sources: &[Arc<SourceFile>],
        assembly: Assembly,
    ) -> Outcome {
        let reported = assembly.reported;
        let files = workspace
            .files
            .iter()
            .filter(|file| reported.includes(&file.path))
            .count();
        let sources = workspace
            .files
            .iter()
            .chain(waiver_sources)
            .map(|file| (file.path.clone(), Arc::clone(file)))
            .collect();
        let file_positions = workspace
            .files
            .iter()
            .enumerate()
            .map(|(position, file)| (file.path.clone(), position))
            .collect();
        Outcome {
            file_positions,
            waivers,
            workspace,
            closing: assembly.closing,
            root: assembly.root,
            as_of: assembly.as_of,
            findings: evaluated.findings,
            rule_errors: evaluated.rule_errors,
            documents: evaluated.documents_checked,
            files,
            sources,
            rules: evaluated.rules.rules.iter().map(Rule::info).collect(),
            unclassified: evaluated.unclassified,
            printed: evaluated.printed,
            spent: evaluated.spent,
            timing: assembly.timing,
            started_at: assembly.started_at,
            pack: assembly.pack,
            settings: assembly.settings,
            base_settings: assembly.base_settings,
            unmatched_baseline: Vec::new(),
            skipped: Vec::new(),
            cache: None,
            reported,
        }
    }
}
