//! Rules: Rhai files with a `RULE` constant and a `check(doc)` function, their
//! documentation in the `//!` header. Built-ins are embedded; folders add custom ones.

// A rule error is the report itself (file, line, message, context), built once per broken
// rule: boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod bounded;
pub mod builtin;
pub mod clock;
pub mod convert;
pub mod engine;
pub mod evaluate;
pub mod looked;
pub mod lookup;
pub mod memo;
pub mod native;
pub mod text;
pub mod view;
pub mod when;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Position, Scope, AST};

use crate::document::LineIndex;
use crate::finding::Severity;
// What a rule says of itself and how it failed are the vocabulary every room shares.
pub use crate::finding::{Origin, RuleError, RuleInfo};

/// A compiled rule with its metadata.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    /// Kinds it runs on; empty means every kind.
    pub kinds: Vec<String>,
    /// The kinds its evidence lives in, each with the field of its documents that names
    /// them (`roster` ← `responders`): in a repository that keeps none of a kind the rule
    /// has nothing to judge against, and says so once instead of on every document.
    pub needs: Vec<(String, String)>,
    /// What a document's fields must be for the rule to be called on it (`when:`).
    pub when: when::When,
    pub summary: String,
    /// Parameters with their defaults.
    pub params: Map,
    /// The `//!` header, Markdown.
    pub documentation: String,
    /// Whether the rule has a `check(doc)` to run; a built-in without one reports through the
    /// engine (see [`compile`]).
    pub scripted: bool,
    pub origin: Origin,
    pub source: Arc<str>,
    pub ast: Arc<AST>,
    /// Id and name as its findings share them.
    key: crate::finding::RuleKey,
}

impl Rule {
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            severity: self.severity,
            kinds: self.kinds.clone(),
            summary: self.summary.clone(),
            documentation: self.documentation.clone(),
            origin: self.origin.clone(),
        }
    }

    pub fn applies_to(&self, kind: &str) -> bool {
        self.scripted && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
    }

    /// Id and name, as a finding names its rule.
    pub fn key(&self) -> &crate::finding::RuleKey {
        &self.key
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self.origin, Origin::Builtin(_))
    }
}

impl RuleError {
    pub fn new(origin: &Origin, source: &Arc<str>, position: Position, message: String) -> Self {
        let lines = LineIndex::new(source);
        let (span, line, column) = match (position.line(), position.position()) {
            (Some(line), column) => {
                let line_span = lines.line_span(source, line);
                let column = column.unwrap_or(1).max(1);
                let offset = source[line_span.clone()]
                    .char_indices()
                    .nth(column - 1)
                    .map_or(line_span.end, |(at, _)| line_span.start + at);
                let end = source[offset..line_span.end]
                    .find(|c: char| !c.is_alphanumeric() && c != '_')
                    .map_or(line_span.end, |len| offset + len.max(1))
                    .min(line_span.end)
                    .max(offset);
                (Some(offset..end), line, column)
            }
            (None, _) => (None, 0, 0),
        };
        RuleError {
            rule: None,
            origin: origin.to_string(),
            source: Arc::clone(source),
            span,
            line,
            column,
            message,
            context: None,
            occurrences: 1,
            unchecked: 0,
        }
    }
}

/// Explains why Rhai stopped a rule, in the words of a rule author; what the rule put in
/// it (a thrown value, a key) quoted to at most a few hundred characters.
pub fn describe(error: &EvalAltResult, limits: &engine::Limits) -> String {
    crate::finding::shortened(&describe_whole(error, limits), 300)
}

/// A value a rule put in an error, without writing out what may be huge: text cut short,
/// a list or a map by its size.
fn preview(value: &Dynamic) -> String {
    if let Some(text) = value.read_lock::<rhai::ImmutableString>() {
        return crate::finding::shortened(&text, 300);
    }
    if let Some(items) = value.read_lock::<rhai::Array>() {
        return format!("an array of {} items", items.len());
    }
    if let Some(map) = value.read_lock::<Map>() {
        return format!("a map of {} entries", map.len());
    }
    if value.is_unit() || value.is_int() || value.is_float() || value.is_bool() || value.is_char() {
        return value.to_string();
    }
    format!("a {}", value.type_name())
}

fn describe_whole(error: &EvalAltResult, limits: &engine::Limits) -> String {
    if let Some(message) = view::read_only_message(error) {
        return message.to_owned();
    }
    match error {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "stopped after {} operations (`limits: call_operations`): an endless loop, or far too much work for one document",
            limits.operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "stopped: function calls nested deeper than {} (unbounded recursion?)",
            limits.call_levels
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "stopped: {} beyond the limit (strings {} MiB, arrays and maps {} items)",
            what.to_lowercase(),
            limits.string_bytes >> 20,
            limits.array_items
        ),
        EvalAltResult::ErrorTerminated(token, _)
            if token.clone().into_string().ok().as_deref() == Some(engine::OUT_OF_TIME) =>
        {
            format!(
                "stopped after {} ms (`limits: call_milliseconds`): an endless loop, or far too much work for one document",
                limits.call_time.as_millis()
            )
        }
        EvalAltResult::ErrorTerminated(token, _)
            if token.clone().into_string().ok().as_deref() == Some(engine::OUT_OF_MEMORY) =>
        {
            format!(
                "stopped: it held more than {} MiB of memory at once (`limits: call_memory_mib`)",
                limits.memory_bytes >> 20
            )
        }
        EvalAltResult::ErrorTerminated(token, _)
            if token.clone().into_string().ok().as_deref() == Some(engine::OUT_OF_OUTPUT) =>
        {
            format!(
                "stopped: it printed and reported more than {} KiB for one document (`limits: call_output_kib`)",
                limits.output_bytes >> 10
            )
        }
        EvalAltResult::ErrorTerminated(..) => format!(
            "stopped after {} operations (`limits: call_operations`): an endless loop, or far too much work for one document",
            limits.operations
        ),
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => describe_whole(inner, limits),
        EvalAltResult::ErrorRuntime(value, _) => preview(value),
        EvalAltResult::ErrorIndexNotFound(value, _) => {
            format!("index not found: {}", preview(value))
        }
        other => other
            .to_string()
            .split(" (line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The position of the innermost failure (inside the function that failed, not the call).
pub fn innermost_position(error: &EvalAltResult) -> Position {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, position) => {
            let inner_position = innermost_position(inner);
            if inner_position.is_none() {
                *position
            } else {
                inner_position
            }
        }
        other => other.position(),
    }
}

/// The `//!` header of a rule file, as Markdown.
pub fn documentation(source: &str) -> String {
    let mut lines = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if let Some(text) = trimmed.strip_prefix("//!") {
            lines.push(text.strip_prefix(' ').unwrap_or(text));
        } else if trimmed.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    lines.join("\n").trim().to_owned()
}

/// Rhai functions are pure: they cannot see the script's top-level constants. Folding the
/// constants (as the first run computed them) into the AST lets `fn check` and its helpers
/// use `const WORDS = [...]` declared beside `RULE`, at no cost per call.
fn with_constants(engine: &Engine, ast: AST, run: &Scope) -> AST {
    let mut constants = Scope::new();
    for (name, constant, value) in run.iter() {
        if constant {
            constants.push_constant(name, value);
        }
    }
    engine.optimize_ast(&constants, ast, rhai::OptimizationLevel::Simple)
}

/// The rule with the function that runs its `check` over a batch of documents.
fn with_batch_driver(engine: &Engine, ast: AST) -> AST {
    match engine.compile(engine::BATCH_DRIVER) {
        Ok(driver) => ast.merge(&driver),
        // Never (a fixed script); the rule's batches would then fail with its id named.
        Err(_) => ast,
    }
}

/// Compiles a rule and reads its `RULE` metadata.
pub fn compile(
    engine: &Engine,
    origin: Origin,
    source: Arc<str>,
    limits: &engine::Limits,
    deadline: Option<std::time::Instant>,
) -> Result<Rule, RuleError> {
    let ast = engine.compile(&*source).map_err(|error| {
        RuleError::new(
            &origin,
            &source,
            error.position(),
            format!("does not compile: {}", error.err_type()),
        )
    })?;
    let scripted = ast
        .iter_functions()
        .any(|f| f.name == "check" && f.params.len() == 1);
    // A built-in whose findings the engine itself produces (LL000: what does not parse or has
    // the wrong type) is documentation and metadata only; every other rule needs `check`.
    if !scripted && !matches!(origin, Origin::Builtin(_)) {
        return Err(RuleError::new(
            &origin,
            &source,
            Position::NONE,
            "the rule has no `fn check(doc)`".into(),
        ));
    }
    if deadline.is_some_and(|deadline| std::time::Instant::now() > deadline) {
        return Err(RuleError::new(
            &origin,
            &source,
            Position::NONE,
            "not loaded: the run passed its deadline (`limits: run_seconds`) before its turn"
                .into(),
        ));
    }
    // Its top-level code (the constants `check` reads) runs once, as a call does: bounded.
    let mut scope = Scope::new();
    engine::with_call_budget(limits, deadline, || {
        engine.run_ast_with_scope(&mut scope, &ast)
    })
    .map_err(|error| {
        RuleError::new(
            &origin,
            &source,
            innermost_position(&error),
            describe(&error, limits),
        )
    })?;
    let rule_position = rule_constant_position(&source);
    let metadata = scope.get_value::<Map>("RULE").ok_or_else(|| {
        RuleError::new(
            &origin,
            &source,
            Position::NONE,
            "the rule has no `const RULE = #{ ... }` map".into(),
        )
    })?;
    let fail = |message: String| RuleError::new(&origin, &source, rule_position, message);
    let text = |key: &str| -> Result<String, RuleError> {
        match metadata.get(key).map(|value| value.clone().into_string()) {
            Some(Ok(text)) if !text.trim().is_empty() => Ok(text),
            _ => Err(fail(format!("RULE.{key} must be a non-empty string"))),
        }
    };
    let id = text("id")?;
    if !is_rule_id(&id) {
        return Err(fail(format!(
            "RULE.id `{}` is not a rule id: a letter, then up to 31 letters, digits, `-` or `_` \
             (it names the rule in every output and in `# lessons: allow` waivers)",
            quoted(&id)
        )));
    }
    let name = text("name")?;
    single_line("name", &name, NAME_CHARACTERS).map_err(fail)?;
    let severity_text = text("severity")?;
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        fail(format!(
            "RULE.severity `{severity_text}` is not error, warning or info"
        ))
    })?;
    let kinds = match metadata.get("kinds") {
        None => Vec::new(),
        Some(value) => value
            .clone()
            .into_typed_array::<rhai::ImmutableString>()
            .map_err(|_| fail("RULE.kinds must be an array of strings".into()))?
            .iter()
            .map(|kind| crate::document::normalise_kind(kind))
            .collect(),
    };
    let needs = match metadata.get("needs") {
        None => Vec::new(),
        Some(value) => {
            let map = value.clone().try_cast::<Map>().ok_or_else(|| {
                fail("RULE.needs must be a map of kinds to the field naming them".into())
            })?;
            let mut needs = Vec::new();
            for (kind, field) in map {
                let field = field
                    .into_string()
                    .map_err(|_| fail(format!("RULE.needs.{kind} must be the name of a field")))?;
                single_line("needs", &kind, NAME_CHARACTERS).map_err(fail)?;
                single_line("needs", &field, NAME_CHARACTERS).map_err(fail)?;
                needs.push((crate::document::normalise_kind(&kind), field));
            }
            needs
        }
    };
    let summary = match metadata.get("summary") {
        Some(value) => value
            .clone()
            .into_string()
            .map_err(|_| fail("RULE.summary must be a string".into()))?,
        None => String::new(),
    };
    single_line("summary", &summary, SUMMARY_CHARACTERS).map_err(fail)?;
    for kind in &kinds {
        single_line("kinds", kind, NAME_CHARACTERS).map_err(fail)?;
    }
    let params = match metadata.get("params") {
        None => Map::new(),
        Some(value) => value
            .clone()
            .try_cast::<Map>()
            .ok_or_else(|| fail("RULE.params must be a map of parameter defaults".into()))?,
    };
    if let Some(name) = params.keys().find(|name| !is_parameter_name(name)) {
        return Err(fail(format!(
            "RULE.params: `{}` is not a parameter name: a letter or `_`, then up to 63 \
             letters, digits or `_`",
            quoted(name)
        )));
    }
    let when = match metadata.get("when") {
        None => when::When::default(),
        Some(value) => when::When::parse(value, &params).map_err(fail)?,
    };
    Ok(Rule {
        key: crate::finding::RuleKey::new(&id, &name),
        id,
        name,
        severity,
        kinds,
        needs,
        when,
        summary,
        params,
        documentation: documentation(&source),
        scripted,
        origin,
        source,
        ast: Arc::new(with_batch_driver(
            engine,
            with_constants(engine, ast, &scope),
        )),
    })
}

/// `^[A-Za-z][A-Za-z0-9_-]{0,31}$`: what a rule id may be.
pub fn is_rule_id(id: &str) -> bool {
    let mut characters = id.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && id.len() <= 32
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `^[A-Za-z_][A-Za-z0-9_]{0,63}$`: what a parameter's name may be (a key under `params:`).
fn is_parameter_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && name.len() <= 64
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How long a rule's name (and each of its kinds) and its summary may be, in characters.
const NAME_CHARACTERS: usize = 64;
const SUMMARY_CHARACTERS: usize = 200;

/// A metadata text shown on one line of `lessons rules`, a finding's title and a CI
/// annotation: no line break or other control character, and at most `limit` characters.
fn single_line(key: &str, text: &str, limit: usize) -> Result<(), String> {
    let count = text.chars().count();
    if count > limit {
        return Err(format!(
            "RULE.{key} is {count} characters long; at most {limit} (one line of `lessons rules`)"
        ));
    }
    if text.chars().any(crate::finding::is_hidden_control) {
        return Err(format!(
            "RULE.{key} `{}` holds a line break or a control character; it must be one line",
            quoted(text)
        ));
    }
    Ok(())
}

/// At most a few dozen characters of a text a rule wrote, for an error message (which every
/// output escapes).
fn quoted(text: &str) -> String {
    crate::finding::shortened(text, 40)
}

fn rule_constant_position(source: &str) -> Position {
    line_position(source, |line| line.starts_with("const RULE"))
}

/// Where `fn NAME(` is declared.
pub fn function_position(source: &str, name: &str) -> Position {
    let declaration = format!("fn {name}(");
    line_position(source, |line| line.starts_with(&declaration))
}

fn line_position(source: &str, wanted: impl Fn(&str) -> bool) -> Position {
    source
        .lines()
        .enumerate()
        .find_map(|(number, line)| {
            let column = line.len() - line.trim_start().len();
            wanted(line.trim_start()).then_some((number, column))
        })
        .map_or(Position::NONE, |(number, column)| {
            Position::new(
                u16::try_from(number + 1).unwrap_or(u16::MAX),
                u16::try_from(column + 1).unwrap_or(u16::MAX),
            )
        })
}

/// The rule files of a folder (not its subfolders: `tests/` holds fixtures). A symlink is
/// listed wherever it points: the reader refuses one that leaves the folder.
pub fn rule_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rhai")
                && !std::fs::metadata(path).is_ok_and(|metadata| metadata.is_dir())
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Built-in rules plus the rules of `folders`, compiled; what fails is returned beside.
/// The rules of a run, compiled once: built-ins, then the custom folders' files, and what
/// failed to load.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub errors: Vec<RuleError>,
}

impl RuleSet {
    /// Compiles the built-ins and the rules in `folders` with `engine`; no rule file's
    /// top-level code runs past `deadline`.
    pub fn compile(
        engine: &Engine,
        folders: &[PathBuf],
        limits: &engine::Limits,
        deadline: Option<std::time::Instant>,
    ) -> RuleSet {
        let (rules, errors) = load(engine, folders, limits, deadline);
        RuleSet { rules, errors }
    }

    /// Compiles them with an engine of their own (no documents to look up): for callers
    /// that run the same rules over many repositories.
    pub fn load(folders: &[PathBuf], limits: &engine::Limits) -> RuleSet {
        let deadline = std::time::Instant::now().checked_add(limits.run_time);
        RuleSet::load_as_of(
            folders,
            limits,
            crate::document::date::Moment::today(),
            deadline,
        )
    }

    /// The same, with `today()` answering `as_of` while the rules' constants are set.
    pub fn load_as_of(
        folders: &[PathBuf],
        limits: &engine::Limits,
        as_of: crate::document::date::Moment,
        deadline: Option<std::time::Instant>,
    ) -> RuleSet {
        let engine = engine::build(*limits, as_of, std::sync::Arc::new(engine::NoDocuments));
        RuleSet::compile(&engine, folders, limits, deadline)
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }
}

pub fn load(
    engine: &Engine,
    folders: &[PathBuf],
    limits: &engine::Limits,
    deadline: Option<std::time::Instant>,
) -> (Vec<Rule>, Vec<RuleError>) {
    let mut sources: Vec<(Origin, Arc<str>)> = builtin::RULES
        .iter()
        .map(|(name, text)| (Origin::Builtin(name), Arc::from(*text)))
        .collect();
    let mut errors = Vec::new();
    for folder in folders {
        match rule_files(folder) {
            Ok(files) => {
                for file in files {
                    let origin = Origin::File(file.clone());
                    let read = crate::workspace::read::confined(&file, folder).and_then(|()| {
                        crate::workspace::read::bounded_text(
                            &file,
                            crate::workspace::read::MAX_FILE_BYTES,
                        )
                    });
                    match read {
                        Ok(text) => sources.push((origin, Arc::from(text))),
                        Err(error) => errors.push(RuleError::new(
                            &origin,
                            &Arc::from(""),
                            Position::NONE,
                            format!("the rule is not read: {error}"),
                        )),
                    }
                }
            }
            Err(error) => errors.push(RuleError::new(
                &Origin::File(folder.clone()),
                &Arc::from(""),
                Position::NONE,
                format!("cannot read the rule folder: {error}"),
            )),
        }
    }
    // Compiled side by side (forty-odd rules take tens of milliseconds one after another),
    // then taken in order, so the first of two rules with one id is the one kept.
    let compiled: Vec<Result<Rule, RuleError>> = sources
        .into_par_iter()
        .map(|(origin, source)| compile(engine, origin, source, limits, deadline))
        .collect();
    let mut rules: Vec<Rule> = Vec::new();
    for compiled in compiled {
        match compiled {
            Ok(rule) => {
                if let Some(first) = rules.iter().find(|known| known.id == rule.id) {
                    let mut error = RuleError::new(
                        &rule.origin,
                        &rule.source,
                        rule_constant_position(&rule.source),
                        format!("rule id {} is already defined by {}", rule.id, first.origin),
                    );
                    error.rule = Some(rule.id);
                    errors.push(error);
                } else {
                    rules.push(rule);
                }
            }
            Err(error) => errors.push(error),
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    (rules, errors)
}

/// Reads a value of a rule's parameter map as a Rhai value (for `explain`).
pub fn show_value(value: &Dynamic) -> String {
    if value.is_string() {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}
