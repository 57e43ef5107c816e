//! Policy packs and the per-file plan: which rules run, at which severity, with which
//! parameters, once the pack, the configuration, its overrides and the command line have
//! had their say (in that order).

pub mod baseline;
pub mod waiver;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use globset::GlobSet;
use rayon::prelude::*;
use rhai::Map;
use serde::Deserialize;

use crate::finding::Severity;
use crate::rules::convert::yaml_to_dynamic;
use crate::rules::evaluate::RuleSettings;
use crate::rules::Rule;
use crate::workspace::config::{Config, Override};
use crate::workspace::discover;

/// The packs shipped in the binary: (name, YAML), one per file of `policies/` (a test holds
/// the list to the folder).
/// What the waivers-and-baseline phase works with.
pub struct Suppressing<'a> {
    pub workspace: &'a crate::workspace::Workspace,
    pub rules: &'a [Rule],
    /// The rules' settings no override changes (indexed like `rules`).
    pub settings: &'a [RuleSettings],
    pub as_of: crate::document::date::Moment,
    /// Whether the run reports on a file.
    pub reported: &'a dyn Fn(&Path) -> bool,
    /// Whether a finding belongs to what is reported (`gate close` keeps the close's own).
    pub kept: &'a dyn Fn(&crate::finding::Finding) -> bool,
    pub baseline: Option<&'a baseline::Baseline>,
    /// When the findings are those of one file only (an editor's file being written): the
    /// inline waivers read are that file's, and only its own findings are kept.
    pub only_file: Option<&'a Path>,
}

/// What the phase leaves beside the findings it marked.
pub struct Suppressed {
    /// Every waiver and where it stands.
    pub waivers: Vec<waiver::WaiverStatus>,
    /// The sources the waivers' own findings point into (the configuration).
    pub sources: Vec<Arc<crate::document::SourceFile>>,
    /// Baseline entries no finding matched.
    pub unmatched_baseline: Vec<baseline::Entry>,
}

/// Waivers, then the baseline: marks what they cover, adds the waivers' own findings
/// (LL025, LL026), sorts the findings by place and drops repeats.
pub fn suppress(findings: &mut Vec<crate::finding::Finding>, run: &Suppressing) -> Suppressed {
    let warn_days = run
        .rules
        .iter()
        .position(|rule| rule.id == "LL025")
        .and_then(|position| {
            run.settings[position]
                .params
                .get("warn_days")?
                .as_int()
                .ok()
        })
        .unwrap_or(30);
    let workspace = run.workspace;
    let one_file: Vec<Arc<crate::document::SourceFile>>;
    let files = match run.only_file {
        Some(only) => {
            one_file = workspace
                .file_position(only)
                .map(|position| Arc::clone(&workspace.files[position]))
                .into_iter()
                .collect();
            &one_file
        }
        None => &workspace.files,
    };
    let mut waivers = waiver::Waivers::collect(
        &workspace.config,
        workspace.config_path.as_deref(),
        &workspace.root,
        files,
    );
    let mut sources = Vec::new();
    let mut own = Vec::new();
    for (finding, source) in waivers.apply(findings, run.rules, run.settings, &run.as_of, warn_days)
    {
        if (run.reported)(&finding.file) {
            sources.push(source);
            own.push(finding);
        }
    }
    findings.reserve_exact(own.len());
    findings.extend(own);
    sort_by_place(findings);
    findings.dedup();
    findings.retain(|finding| {
        (run.kept)(finding) && run.only_file.is_none_or(|only| *finding.file == *only)
    });
    let unmatched_baseline = run
        .baseline
        .as_ref()
        .map_or_else(Vec::new, |baseline| baseline.apply(findings));
    Suppressed {
        waivers: waivers.statuses(&run.as_of, warn_days),
        sources,
        unmatched_baseline,
    }
}

/// Sorts findings by file, line, column and rule, keeping the order a rule reported them in
/// at one place. Each file's rank is found once: comparing two paths walks their parts, and
/// a run compares its findings' files hundreds of thousands of times.
fn sort_by_place(findings: &mut [crate::finding::Finding]) {
    // The findings of a file share its path, and of a rule its id: each is told apart by
    // its address, and only the distinct ones are sorted. A key is then four small numbers:
    // a run of 100,000 incidents sorts some 400,000 findings.
    // Addresses as numbers: they are only compared, and numbers can be shared by threads.
    let file_at =
        |finding: &crate::finding::Finding| Arc::as_ptr(&finding.file).cast::<u8>() as usize;
    let rule_at =
        |finding: &crate::finding::Finding| Arc::as_ptr(&finding.rule).cast::<u8>() as usize;
    // A document's findings come together: one look-up per run of findings of one file.
    let mut files: Vec<(&Path, usize)> = distinct(findings, file_at, |finding| &*finding.file);
    discover::sort_by_path(&mut files, |&(file, _)| file);
    let mut rules: Vec<(&str, usize)> = distinct(findings, rule_at, |finding| &*finding.rule);
    rules.sort_unstable();
    let file_rank = rank_of(&files);
    let rule_rank = rank_of(&rules);
    sort_stably_in_place(findings, |finding| {
        let location = &finding.location;
        (
            file_rank[&file_at(finding)],
            small(location.line()),
            small(location.column()),
            rule_rank[&rule_at(finding)],
        )
    });
}

/// The distinct values `value` reads from `findings`, each with its address (`at`).
fn distinct<'a, T: ?Sized>(
    findings: &'a [crate::finding::Finding],
    at: impl Fn(&crate::finding::Finding) -> usize,
    value: impl Fn(&'a crate::finding::Finding) -> &'a T,
) -> Vec<(&'a T, usize)> {
    let mut seen = rustc_hash::FxHashMap::default();
    let mut previous = None;
    for finding in findings {
        let address = at(finding);
        if previous != Some(address) {
            previous = Some(address);
            seen.entry(address).or_insert_with(|| value(finding));
        }
    }
    seen.into_iter()
        .map(|(address, value)| (value, address))
        .collect()
}

/// Sorted (value, address) pairs as address → rank, equal values at one rank.
fn rank_of<T: PartialEq + ?Sized>(sorted: &[(&T, usize)]) -> rustc_hash::FxHashMap<usize, u32> {
    let mut rank = 0;
    let mut previous: Option<&T> = None;
    let mut ranks =
        rustc_hash::FxHashMap::with_capacity_and_hasher(sorted.len(), Default::default());
    for &(value, at) in sorted {
        if previous.is_some_and(|previous| previous != value) {
            rank += 1;
        }
        previous = Some(value);
        ranks.insert(at, rank);
    }
    ranks
}

/// A count or a place as 32 bits: files, lines and columns past four billion sort last.
fn small(number: usize) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

/// A stable sort by `key` that makes no second copy of what it sorts: the positions are
/// sorted, then the order is applied by swapping. The stable sort's scratch space (a copy
/// of half the findings: tens of megabytes at 100,000 incidents) is never allocated.
/// Each key sits beside its position (sorting positions that point into a list of keys
/// reads all over memory), and the pairs are sorted on every thread: their positions make
/// them distinct, so the unstable sort keeps a place's findings in the order they came.
fn sort_stably_in_place<T: Sync, K: Ord + Send>(items: &mut [T], key: impl Fn(&T) -> K + Sync) {
    let mut keyed: Vec<(K, usize)> = items
        .par_iter()
        .enumerate()
        .map(|(at, item)| (key(item), at))
        .collect();
    keyed.par_sort_unstable();
    let order: Vec<usize> = keyed.into_iter().map(|(_, at)| at).collect();
    apply_order(items, order);
}

/// Puts the item at `order[at]` at `at`, by swapping.
fn apply_order<T>(items: &mut [T], mut order: Vec<usize>) {
    // Position `at` takes the finding at `order[at]`: each cycle of the permutation is
    // walked once, and a placed position marks itself.
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

pub const PACKS: &[(&str, &str)] = crate::util::embedded::embed!(
    "policies",
    ".yaml",
    [
        "default",
        "iso27001",
        "ncsc-small-business",
        "nist-800-61",
        "soc2",
        "veris",
    ]
);

/// A named selection of rules with severities and parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub name: String,
    pub description: String,
    /// `all` built-in rules, or a list of ids.
    pub enable: Enable,
    #[serde(default)]
    pub rules: BTreeMap<String, PackRule>,
    /// What `blank()` and the `formats:` mapping count as blank besides empty values, in
    /// any case: a template's `TBD`, `unknown`, `n/a`.
    #[serde(default = "default_placeholders")]
    pub placeholders: Vec<String>,
    /// The lessons-learned questions the pack asks of every review: `LL035` holds each
    /// review to them (they are its `review_questions`), and `lessons explain PACK` lists
    /// them with the rule that answers each.
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// One lessons-learned question of a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The key of its answer under `review.answers`: `information-needed-sooner`.
    pub id: String,
    pub question: String,
    /// Headings of a post-mortem's section that answer it (matched by their start, in any
    /// case).
    #[serde(default)]
    pub headings: Vec<String>,
    /// The rule that holds the records to answering it: `LL035` for a question only a
    /// review can answer, the rule of the field that answers it otherwise.
    pub rule: String,
}

/// The placeholders of a pack that names none.
pub fn default_placeholders() -> Vec<String> {
    [
        "TBD", "TBC", "TODO", "unknown", "n/a", "N/A", "?", "??", "-", "–",
    ]
    .map(String::from)
    .to_vec()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Enable {
    All(AllKeyword),
    Some(Vec<String>),
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllKeyword {
    All,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackRule {
    pub severity: Option<Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_yaml::Value>,
}

impl Pack {
    pub fn builtin(name: &str) -> Result<Pack, String> {
        let (_, text) = PACKS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| {
                let names: Vec<&str> = PACKS.iter().map(|(name, _)| *name).collect();
                format!(
                    "unknown policy pack `{name}` (built in: {})",
                    names.join(", ")
                )
            })?;
        serde_yaml::from_str(text)
            .map_err(|error| format!("policy pack `{name}` is invalid: {error}"))
    }

    pub fn enables(&self, rule: &Rule) -> bool {
        if !rule.is_builtin() {
            return true;
        }
        match &self.enable {
            Enable::All(_) => true,
            Enable::Some(ids) => ids.contains(&rule.id),
        }
    }
}

/// `--select` / `--ignore` entries: an id or an id prefix (`LL01`).
fn matches_any(patterns: &[String], id: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| id.starts_with(pattern.as_str()))
}

/// Why a configuration cannot be applied to the rules at hand.
#[derive(Debug, Clone)]
pub struct PlanError(pub String, pub Option<ConfigPlace>);

/// Where in the configuration a problem is: the word (a rule id, a parameter name) under
/// its top-level key (`disable`, `params`, `overrides`), for the error's line.
#[derive(Debug, Clone)]
pub struct ConfigPlace {
    pub key: &'static str,
    pub word: String,
}

impl PlanError {
    fn new(message: String) -> PlanError {
        PlanError(message, None)
    }

    /// At `word` under the configuration's `key`, when `place` is the configuration's.
    fn at(mut self, place: &str, word: &str) -> PlanError {
        let key = ["disable", "severity", "params", "overrides"]
            .into_iter()
            .find(|key| {
                place.starts_with(&format!("`{key}`")) && place.ends_with("of the configuration")
            });
        self.1 = key.map(|key| ConfigPlace {
            key,
            word: word.to_owned(),
        });
        self
    }
}

/// The rule settings of every file: a base, and the overrides whose globs match.
pub struct Plan {
    base: Arc<[RuleSettings]>,
    overrides: Vec<(GlobSet, Override)>,
    rules: Vec<(String, Map)>,
    cache: Mutex<HashMap<Vec<usize>, Arc<[RuleSettings]>>>,
}

impl Plan {
    pub fn new(
        rules: &[Rule],
        pack: &Pack,
        config: &Config,
        select: &[String],
        ignore: &[String],
    ) -> Result<Plan, PlanError> {
        let known = |id: &str, place: &str| -> Result<usize, PlanError> {
            rules.iter().position(|rule| rule.id == id).ok_or_else(|| {
                let known: Vec<&str> = rules.iter().map(|rule| rule.id.as_str()).collect();
                let near = crate::document::schema::nearest(id, &known)
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                PlanError::new(format!("unknown rule `{id}` in {place}{near}")).at(place, id)
            })
        };
        let mut base: Vec<RuleSettings> = rules
            .iter()
            .map(|rule| RuleSettings {
                enabled: pack.enables(rule),
                severity: rule.severity,
                params: Arc::new(rule.params.clone()),
            })
            .collect();
        if let Enable::Some(ids) = &pack.enable {
            for id in ids {
                known(id, &format!("`enable` of policy pack `{}`", pack.name))?;
            }
        }
        for (id, refinement) in &pack.rules {
            let position = known(id, &format!("policy pack `{}`", pack.name))?;
            if let Some(severity) = refinement.severity {
                base[position].severity = severity;
            }
            set_params(
                &rules[position],
                &mut base[position],
                &refinement.params,
                &format!("policy pack `{}`", pack.name),
            )?;
        }
        if !pack.questions.is_empty() {
            if let Ok(position) = known("LL035", "") {
                // The pack's questions are LL035's, unless the pack sets them itself.
                let set = pack
                    .rules
                    .get("LL035")
                    .is_some_and(|rule| rule.params.contains_key("review_questions"));
                if !set {
                    let questions: Vec<serde_yaml::Value> = pack
                        .questions
                        .iter()
                        .map(|question| {
                            let mut map = serde_yaml::Mapping::new();
                            map.insert("id".into(), question.id.clone().into());
                            map.insert("question".into(), question.question.clone().into());
                            map.insert(
                                "headings".into(),
                                serde_yaml::Value::Sequence(
                                    question.headings.iter().cloned().map(Into::into).collect(),
                                ),
                            );
                            serde_yaml::Value::Mapping(map)
                        })
                        .collect();
                    set_params(
                        &rules[position],
                        &mut base[position],
                        &BTreeMap::from([(
                            "review_questions".to_owned(),
                            serde_yaml::Value::Sequence(questions),
                        )]),
                        &format!("the questions of policy pack `{}`", pack.name),
                    )?;
                }
            }
        }
        for id in &config.disable {
            base[known(id, "`disable` of the configuration")?].enabled = false;
        }
        for (id, severity) in &config.severity {
            base[known(id, "`severity` of the configuration")?].severity = *severity;
        }
        for (id, params) in &config.params {
            let position = known(id, "`params` of the configuration")?;
            set_params(
                &rules[position],
                &mut base[position],
                params,
                "`params` of the configuration",
            )?;
        }
        for (flag, patterns) in [("--select", select), ("--ignore", ignore)] {
            let unmatched = patterns.iter().find(|pattern| {
                !rules
                    .iter()
                    .any(|rule| rule.id.starts_with(pattern.as_str()))
            });
            if let Some(pattern) = unmatched {
                return Err(PlanError::new(format!(
                    "`{flag} {pattern}` matches no rule"
                )));
            }
        }
        for (rule, setting) in rules.iter().zip(base.iter_mut()) {
            if (!select.is_empty() && !matches_any(select, &rule.id))
                || matches_any(ignore, &rule.id)
            {
                setting.enabled = false;
            }
        }
        let mut overrides = Vec::new();
        for entry in &config.overrides {
            let globs = discover::glob_set(entry.files.patterns()).map_err(|bad| {
                PlanError::new(format!(
                    "`overrides` glob `{}`: {}",
                    bad.pattern, bad.message
                ))
            })?;
            for id in entry.disable.iter().chain(entry.severity.keys()) {
                known(id, "`overrides` of the configuration")?;
            }
            for (id, params) in &entry.params {
                check_param_names(
                    &rules[known(id, "`overrides` of the configuration")?],
                    params,
                    "`overrides` of the configuration",
                )?;
            }
            overrides.push((globs, entry.clone()));
        }
        Ok(Plan {
            base: base.into(),
            overrides,
            rules: rules
                .iter()
                .map(|rule| (rule.id.clone(), rule.params.clone()))
                .collect(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The settings for `file` (relative to the root).
    pub fn settings(&self, file: &Path) -> Arc<[RuleSettings]> {
        let matching: Vec<usize> = self
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, (globs, _))| globs.is_match(file))
            .map(|(position, _)| position)
            .collect();
        if matching.is_empty() {
            return Arc::clone(&self.base);
        }
        if let Some(settings) = self
            .cache
            .lock()
            .ok()
            .and_then(|cache| cache.get(&matching).cloned())
        {
            return settings;
        }
        let mut settings = self.base.to_vec();
        for &position in &matching {
            let entry = &self.overrides[position].1;
            for (index, (id, defaults)) in self.rules.iter().enumerate() {
                if entry.disable.contains(id) {
                    settings[index].enabled = false;
                }
                if let Some(severity) = entry.severity.get(id) {
                    settings[index].severity = *severity;
                }
                if let Some(params) = entry.params.get(id) {
                    let mut merged = (*settings[index].params).clone();
                    // Names were checked against the rule's parameters in `Plan::new`.
                    for (name, value) in params
                        .iter()
                        .filter(|(name, _)| defaults.contains_key(name.as_str()))
                    {
                        merged.insert(name.as_str().into(), yaml_to_dynamic(value));
                    }
                    settings[index].params = Arc::new(merged);
                }
            }
        }
        let settings: Arc<[RuleSettings]> = settings.into();
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(matching, Arc::clone(&settings));
        }
        settings
    }

    /// The settings with no override applied.
    pub fn base(&self) -> &[RuleSettings] {
        &self.base
    }
}

fn set_params(
    rule: &Rule,
    setting: &mut RuleSettings,
    params: &BTreeMap<String, serde_yaml::Value>,
    place: &str,
) -> Result<(), PlanError> {
    if params.is_empty() {
        return Ok(());
    }
    check_param_names(rule, params, place)?;
    let mut merged = (*setting.params).clone();
    for (name, value) in params {
        let value = yaml_to_dynamic(value);
        if let Some(default) = rule.params.get(name.as_str()) {
            check_param_type(rule, name, default, &value, place)?;
        }
        merged.insert(name.as_str().into(), value);
    }
    setting.params = Arc::new(merged);
    Ok(())
}

/// A parameter of another type than the rule's default (`review_within_days: {}`) is an
/// error: the rule would read it as nothing and quietly fall back to its own default.
fn check_param_type(
    rule: &Rule,
    name: &str,
    default: &rhai::Dynamic,
    value: &rhai::Dynamic,
    place: &str,
) -> Result<(), PlanError> {
    fn shape(value: &rhai::Dynamic) -> &'static str {
        if value.is_int() || value.is_float() {
            "a number"
        } else if value.is_string() {
            "text"
        } else if value.is_bool() {
            "true or false"
        } else if value.is_array() || value.is::<crate::rules::view::ListView>() {
            "a list"
        } else if value.is_map() || value.is::<crate::rules::view::MapView>() {
            "a mapping"
        } else if value.is_unit() {
            "empty"
        } else {
            "a value"
        }
    }
    let (expected, given) = (shape(default), shape(value));
    if expected == "empty" {
        return Ok(());
    }
    if given != expected {
        return Err(PlanError::new(format!(
            "parameter `{name}` of {} in {place} must be {expected}, not {given}",
            rule.id
        ))
        .at(place, name.split('.').next().unwrap_or(name)));
    }
    // A mapping of fixed keys (days per severity): each key one of them, of its type.
    let (Some(default), Some(value)) = (
        default.read_lock::<rhai::Map>(),
        value.read_lock::<rhai::Map>(),
    ) else {
        return Ok(());
    };
    if default.is_empty() {
        return Ok(());
    }
    let keys = || {
        default
            .keys()
            .map(|key| key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if value.is_empty() {
        return Err(PlanError::new(format!(
            "parameter `{name}` of {} in {place} is empty; give one or more of: {}",
            rule.id,
            keys()
        ))
        .at(place, name.split('.').next().unwrap_or(name)));
    }
    for (key, item) in value.iter() {
        let Some(default_item) = default.get(key) else {
            return Err(PlanError::new(format!(
                "parameter `{name}` of {} in {place} has no key `{key}` (it has: {})",
                rule.id,
                keys()
            ))
            .at(place, key));
        };
        check_param_type(rule, &format!("{name}.{key}"), default_item, item, place)?;
    }
    Ok(())
}

/// A parameter the rule does not declare is a typo: an error, not a silent no-op.
fn check_param_names(
    rule: &Rule,
    params: &BTreeMap<String, serde_yaml::Value>,
    place: &str,
) -> Result<(), PlanError> {
    match params
        .keys()
        .find(|name| !rule.params.contains_key(name.as_str()))
    {
        None => Ok(()),
        Some(name) => {
            let known: Vec<&str> = rule.params.keys().map(|key| key.as_str()).collect();
            Err(PlanError::new(format!(
                "unknown parameter `{name}` for {} in {place} (it has: {})",
                rule.id,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
            .at(place, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::util::embedded::{listed, names_in};

    proptest! {
        #[test]
        fn sorting_in_place_is_a_stable_sort(items in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            let mut sorted = items;
            super::sort_stably_in_place(&mut sorted, |item| item.0);
            prop_assert_eq!(sorted, expected);
        }
    }

    /// Files whose names sort one way as text and another by their parts (`a-b` before
    /// `a/b` as text, after it as a path), each finding's file its own `Arc` or a shared one.
    fn finding(
        file: &std::sync::Arc<std::path::Path>,
        line: u32,
        rule: &str,
    ) -> crate::finding::Finding {
        crate::finding::Finding::kept(crate::finding::Details {
            rule: rule.into(),
            name: "a-rule".into(),
            severity: crate::finding::Severity::Warning,
            message: format!("{}:{line} {rule}", file.display()).into(),
            help: None,
            file: std::sync::Arc::clone(file),
            location: crate::source::Location {
                line,
                column: 1,
                ..Default::default()
            },
            path: "".into(),
            doc_id: None,
            kind: None,
            suppression: None,
            fix: None,
        })
    }

    proptest! {
        #[test]
        fn findings_are_ranked_by_file_parts_line_and_rule_whatever_their_order(
            picks in proptest::collection::vec((0usize..5, 1u32..4, 0usize..2), 0..60),
            presorted in any::<bool>(),
        ) {
            let names = ["a/b.yaml", "a-b.yaml", "a.yaml", "a/b/c.yaml", "b.yaml"];
            let files: Vec<std::sync::Arc<std::path::Path>> =
                names.iter().map(|name| std::sync::Arc::from(std::path::Path::new(name))).collect();
            let mut picks = picks;
            if presorted {
                picks.sort_by(|one, other| {
                    std::path::Path::new(names[one.0]).cmp(std::path::Path::new(names[other.0]))
                });
            }
            let mut findings: Vec<_> = picks
                .iter()
                .map(|&(file, line, rule)| finding(&files[file], line, ["LL001", "LL002"][rule]))
                .collect();
            let mut expected: Vec<String> = findings.iter().map(|f| f.message.to_string()).collect();
            let key = |message: &String| {
                let (file, rest) = message.split_once(':').expect("file:line rule");
                let (line, rule) = rest.split_once(' ').expect("line rule");
                (std::path::PathBuf::from(file), line.parse::<u32>().expect("line"), rule.to_owned())
            };
            expected.sort_by_key(key);
            super::sort_by_place(&mut findings);
            let sorted: Vec<String> = findings.iter().map(|f| f.message.to_string()).collect();
            prop_assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn every_pack_file_is_embedded() {
        assert_eq!(names_in("policies", ".yaml"), listed(super::PACKS, ""));
    }
}
