//! Running every applicable rule over every document, in parallel.

use std::sync::Arc;

use std::sync::atomic::Ordering;

use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Map, Position, Scope};

use super::engine::{self, Limits};
use super::{describe, innermost_position, Rule, RuleError};
use crate::finding::{Finding, Severity};
use crate::workspace::{LoadedDocument, Workspace};

/// How a rule runs on one file: on or off, at which severity, with which parameters.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub enabled: bool,
    pub severity: Severity,
    pub params: Arc<Map>,
}

/// Everything the rules produced.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Findings as they are made, in chunks of [`CHUNK`]: a vector grown by doubling would
    /// leave up to half its room unused, and a run of 100,000 incidents makes 400,000.
    found: Vec<Vec<Finding>>,
    pub errors: Vec<RuleError>,
    /// What rules printed, prefixed with the rule id (shown with `--verbose`).
    pub printed: Vec<String>,
    /// Documents with a kind: each had its fields checked while loading, and the rules of
    /// its kind run on it.
    pub documents_checked: usize,
    /// What each rule cost (indexed like the rules): `--verbose` names a slow rule.
    pub spent: Vec<Spent>,
    /// When the run records them: each call that reported or looked at anything beyond
    /// its document, with its findings (which are then not in `findings`).
    pub calls: Vec<Call>,
}

/// The calls a session re-runs: for each document (by position), the rules to run on it
/// (indexed like the rules).
#[derive(Debug, Default)]
pub struct Only {
    pub calls: std::collections::HashMap<usize, Vec<bool>>,
}

impl Only {
    /// Adds rule `rule` on the document at `position` (of `rules` rules in all).
    pub fn add(&mut self, position: usize, rule: usize, rules: usize) {
        let flags = self
            .calls
            .entry(position)
            .or_insert_with(|| vec![false; rules]);
        if let Some(flag) = flags.get_mut(rule) {
            *flag = true;
        }
    }

    /// Adds every rule on the document at `position`.
    pub fn add_document(&mut self, position: usize, rules: usize) {
        self.calls.insert(position, vec![true; rules]);
    }

    fn includes(&self, position: usize, rule: usize) -> bool {
        self.calls
            .get(&position)
            .and_then(|flags| flags.get(rule))
            .copied()
            .unwrap_or(false)
    }

    /// How many calls it asks for.
    pub fn len(&self) -> usize {
        self.calls
            .values()
            .map(|flags| flags.iter().filter(|flag| **flag).count())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One rule call on one document, as a recording run keeps it: what it found, and what it
/// looked at besides its document.
#[derive(Debug, Clone)]
pub struct Call {
    /// Indexed like the rules.
    pub rule: usize,
    /// The document's position in the workspace.
    pub position: usize,
    pub findings: Vec<Finding>,
    pub looked: Vec<super::looked::Looked>,
    /// What it printed, prefixed with the rule id (`--verbose`).
    pub printed: Vec<String>,
}

/// The calls of one rule in a run and the time they took together.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spent {
    pub calls: u64,
    pub time: std::time::Duration,
}

impl Spent {
    /// Adds `more` to `spent` (both indexed like the rules).
    pub fn add(spent: &mut Vec<Spent>, more: Vec<Spent>) {
        if spent.len() < more.len() {
            spent.resize(more.len(), Spent::default());
        }
        for (rule, more) in more.into_iter().enumerate() {
            spent[rule].calls += more.calls;
            spent[rule].time += more.time;
        }
    }
}

/// How many findings a chunk of [`Evaluation::found`] holds.
const CHUNK: usize = 1024;

impl Evaluation {
    fn found(&mut self, finding: Finding) {
        match self.found.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(finding),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(finding);
                self.found.push(chunk);
            }
        }
    }

    fn absorb(&mut self, part: Evaluation) {
        self.findings.extend(part.findings);
        self.found.extend(part.found);
        self.calls.extend(part.calls);
        self.printed.extend(part.printed);
        self.documents_checked += part.documents_checked;
        for (rule, spent) in part.spent.into_iter().enumerate() {
            self.spend(rule, spent);
        }
        for error in part.errors {
            self.fail(error);
        }
    }

    /// One report per rule and failure, with the number of documents it hit.
    fn fail(&mut self, error: RuleError) {
        let known = self.errors.iter_mut().find(|known| {
            known.rule == error.rule && known.message == error.message && known.line == error.line
        });
        match known {
            Some(known) => known.occurrences += error.occurrences,
            None => self.errors.push(error),
        }
    }

    fn spend(&mut self, rule: usize, spent: Spent) {
        if self.spent.len() <= rule {
            self.spent.resize(rule + 1, Spent::default());
        }
        let total = &mut self.spent[rule];
        total.calls += spent.calls;
        total.time += spent.time;
    }
}

/// What one run evaluates with.
pub struct Session<'a> {
    pub engine: &'a Engine,
    /// The same engine with a step tracer: re-runs a rule that hit a limit, to find the
    /// line Rhai does not report for it.
    pub tracer: &'a Tracer<'a>,
    pub rules: &'a [Rule],
    pub workspace: &'a Workspace,
    /// The documents as Rhai values, each made once (indexed like the workspace's documents).
    pub values: &'a super::lookup::Views,
    pub limits: Limits,
    /// What `blank()` counts as blank: the pack's `placeholders`.
    pub placeholders: Arc<[String]>,
    /// Each rule's `memo` table for the run (indexed like the rules).
    pub memos: Vec<Arc<super::memo::Memo>>,
    /// Each file's rule settings (indexed like the workspace's files, then the rules).
    pub settings: &'a [Arc<[RuleSettings]>],
    /// The same settings' parameters as rules read them (see [`frozen_parameters`]).
    pub params: &'a [Arc<[Arc<Map>]>],
    /// Rules stopped for the rest of the run (indexed like the rules): out of their time or
    /// their findings for the run, or failed on too many documents; the documents each then
    /// skips are counted.
    pub stopped: Vec<std::sync::atomic::AtomicBool>,
    pub unchecked: Vec<std::sync::atomic::AtomicUsize>,
    /// The documents each rule failed on: one document's failure is that document's, and
    /// the rule goes on over the others until [`FAILURES_BEFORE_STOP`].
    pub failures: Vec<std::sync::atomic::AtomicUsize>,
    /// The findings each rule reported so far, and the bytes of their texts; the same for
    /// the run.
    pub found: Vec<std::sync::atomic::AtomicUsize>,
    pub found_bytes: Vec<std::sync::atomic::AtomicUsize>,
    pub run_found: std::sync::atomic::AtomicUsize,
    pub run_found_bytes: std::sync::atomic::AtomicUsize,
    /// When the whole evaluation must end (`limits: run_seconds`), and whether it did.
    pub deadline: Option<std::time::Instant>,
    pub out_of_time: std::sync::atomic::AtomicBool,
    pub documents_left: std::sync::atomic::AtomicUsize,
    /// What rules printed so far, in bytes: past [`PRINTED_BYTES`] the rest is dropped.
    pub printed_bytes: std::sync::atomic::AtomicUsize,
    /// The time each rule has taken so far, in nanoseconds, and what a rule may take over
    /// the whole run: a rule correct on each document but slow on all of them is named
    /// and stopped, not left to run for minutes.
    pub rule_nanos: Vec<std::sync::atomic::AtomicU64>,
    pub rule_budget: std::time::Duration,
    /// Rules with nothing to judge against in this repository (see [`Rule::needs`]): not
    /// run (indexed like the rules).
    pub idle: Vec<bool>,
    /// Whether each call's findings and lookups are kept as a [`Call`].
    pub record: bool,
    /// The calls to make; every applicable one when `None`.
    pub only: Option<&'a Only>,
}

/// Documents a rule checks in one Rhai call: enough to share Rhai's set-up, few enough
/// that the threads share the work evenly.
const BATCH_DOCUMENTS: usize = 32;

/// The documents a rule may fail on (an error, or a limit hit on that document) before it
/// is stopped for the run: a failure on one document is that document's, and the rule goes
/// on over the others, but a rule that fails on every one is broken, not the documents.
pub const FAILURES_BEFORE_STOP: usize = 20;

/// A document with a kind, as a batch checks it.
struct Checked<'a> {
    position: usize,
    loaded: &'a LoadedDocument,
    kind: &'a Arc<str>,
    /// Its file, relative to the root: `file()`.
    file: rhai::ImmutableString,
    /// Its size in bytes, which its calls' budgets grow with.
    size: usize,
}

/// A document's size, what its calls' budgets grow with: its own span in its file, or the
/// whole file for a Markdown document, whose body (read into sections and by `formats:`)
/// lies past the front matter.
pub fn document_size(loaded: &LoadedDocument, source: &crate::document::SourceFile) -> usize {
    match source.format {
        crate::document::Format::Markdown => source.text().len(),
        _ => loaded.document.root.span().len(),
    }
}

/// What a finding's texts hold, as the findings caps count them (a help shared by many
/// findings counts for each: it is what an output writes for each).
fn report_bytes(report: &engine::Report) -> usize {
    report.path.len()
        + report.message.len()
        + report.help.as_deref().map_or(0, str::len)
        + report.fix.as_deref().map_or(0, str::len)
}

/// A failed `check`'s error without the frame of the driver's call of `check`, as a single
/// call of `check` reports it.
fn without_check_frame(error: EvalAltResult) -> EvalAltResult {
    match error {
        EvalAltResult::ErrorInFunctionCall(name, _, inner, _) if name == "check" => *inner,
        other => other,
    }
}

/// What `--verbose` keeps of what rules print over a whole run.
const PRINTED_BYTES: usize = 1 << 20;

impl Session<'_> {
    /// One Rhai call of the rule's batch driver.
    fn call_each(&self, engine: &Engine, rule: &Rule) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut scope = Scope::new();
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
        // Views, not copies: no rule can change what the next one sees.
        engine.call_fn_with_options::<Dynamic>(options, &mut scope, &rule.ast, "__lessons_each", ())
    }

    /// A batch of rule `rule`'s calls on `documents`: what they share (the rule's parameters
    /// in their files, each set once), and each document's own.
    fn batch(
        &self,
        rule: usize,
        documents: &[&Checked],
        limits: Limits,
    ) -> (engine::BatchInput, Vec<engine::BatchItem>) {
        let mut parameters: Vec<Arc<Map>> = Vec::new();
        let items = documents
            .iter()
            .enumerate()
            .map(|(key, checked)| {
                let params = &self.params[checked.loaded.file][rule];
                let known = parameters
                    .iter()
                    .position(|known| Arc::ptr_eq(known, params));
                let at = known.unwrap_or_else(|| {
                    parameters.push(Arc::clone(params));
                    parameters.len() - 1
                });
                engine::BatchItem {
                    key,
                    value: self.values.get(checked.position).clone(),
                    input: engine::CallInput {
                        parameters: at,
                        file: checked.file.clone(),
                        size: checked.size,
                        position: checked.position,
                    },
                }
            })
            .collect();
        let input = engine::BatchInput {
            parameters,
            placeholders: Arc::clone(&self.placeholders),
            memo: self.memos.get(rule).cloned(),
            limits,
            run_deadline: self.deadline,
            record: self.record,
        };
        (input, items)
    }

    /// Runs the rules over the documents at `targets` (positions in the workspace).
    /// `native` runs the native rules, beside the others (it is one task over the whole
    /// workspace); their findings are joined here so the run's findings are allocated
    /// once, at their final size.
    pub fn evaluate(
        &self,
        targets: &[usize],
        native: impl FnOnce() -> Vec<Finding> + Send,
    ) -> Evaluation {
        // Folded per piece of work, then joined: no list per document is kept.
        let (native, parts) = rayon::join(native, || {
            targets
                .par_chunks(BATCH_DOCUMENTS)
                // Rayon splits a range only as far as it sees threads idle, and a piece it
                // has begun runs to its end: pieces of an eighth of the run left one
                // thread alone at the end for up to a second. Four batches at most, so the
                // threads end together.
                .with_max_len(4)
                .fold(Evaluation::default, |mut total, positions| {
                    self.evaluate_documents(positions, &mut total);
                    total
                })
                .collect::<Vec<Evaluation>>()
        });
        let found = parts
            .iter()
            .flat_map(|part| &part.found)
            .map(Vec::len)
            .sum::<usize>()
            + native.len();
        // Joined into one vector of their final size, each chunk freed once moved. The
        // order between parts does not matter: findings are sorted by place later, and
        // findings at one place come from one document, so from one part.
        let mut findings = Vec::with_capacity(found);
        let mut total = Evaluation::default();
        for mut part in parts {
            for mut chunk in std::mem::take(&mut part.found) {
                findings.append(&mut chunk);
            }
            total.absorb(part);
        }
        findings.extend(native);
        total.findings = findings;
        // Each stopped rule's error says how many documents it left unchecked.
        for (rule, unchecked) in self.rules.iter().zip(&self.unchecked) {
            let unchecked = unchecked.load(Ordering::Relaxed);
            if let Some(error) = total
                .errors
                .iter_mut()
                .find(|error| error.rule.as_deref() == Some(rule.id.as_str()))
            {
                error.unchecked += unchecked;
            }
        }
        if self.out_of_time.load(Ordering::Relaxed) {
            total.errors.push(self.deadline_error(&total.spent));
        }
        total
    }

    fn past_deadline(&self) -> bool {
        self.out_of_time.load(Ordering::Relaxed)
            || self
                .deadline
                .is_some_and(|deadline| std::time::Instant::now() > deadline)
    }

    /// Runs the rules of their kinds on the documents at `positions`, into `result`: each
    /// rule over all of them in one batch.
    fn evaluate_documents(&self, positions: &[usize], result: &mut Evaluation) {
        let documents: Vec<Checked> = positions
            .iter()
            .filter_map(|&position| {
                let loaded = &self.workspace.documents[position];
                let kind = loaded.kind.as_ref()?;
                let source = &self.workspace.files[loaded.file];
                Some(Checked {
                    position,
                    loaded,
                    kind,
                    file: crate::finding::display_path(&source.path).into(),
                    size: document_size(loaded, source),
                })
            })
            .collect();
        if documents.is_empty() {
            return;
        }
        if self.past_deadline() {
            // Past the run's deadline no rule runs again.
            self.out_of_time.store(true, Ordering::Relaxed);
            self.documents_left
                .fetch_add(documents.len(), Ordering::Relaxed);
            return;
        }
        for (at, rule) in self.rules.iter().enumerate() {
            let batch: Vec<&Checked> = documents
                .iter()
                .filter(|checked| {
                    !self.idle[at]
                        && self.settings[checked.loaded.file][at].enabled
                        && rule.applies_to(checked.kind)
                        && self
                            .only
                            .is_none_or(|only| only.includes(checked.position, at))
                        && rule.when.admits(
                            self.values.get(checked.position),
                            &self.params[checked.loaded.file][at],
                            &self.placeholders,
                        )
                })
                .collect();
            if batch.is_empty() {
                continue;
            }
            self.run_rule(at, rule, &batch, result);
            if self.out_of_time.load(Ordering::Relaxed) {
                // Cut short by the run's deadline: these documents were not all checked.
                self.documents_left
                    .fetch_add(documents.len(), Ordering::Relaxed);
                return;
            }
        }
        result.documents_checked += documents.len();
    }

    /// Runs rule `at` on `documents`, in batches until each is checked or the rule stops.
    fn run_rule(&self, at: usize, rule: &Rule, documents: &[&Checked], result: &mut Evaluation) {
        // A batch's items are keyed by their place in `pending`.
        let mut pending: Vec<&Checked> = documents.to_vec();
        while !pending.is_empty() {
            if self.stopped[at].load(Ordering::Relaxed) {
                self.unchecked[at].fetch_add(pending.len(), Ordering::Relaxed);
                return;
            }
            let now = std::time::Instant::now();
            let spent =
                std::time::Duration::from_nanos(self.rule_nanos[at].load(Ordering::Relaxed));
            // No call begins past the rule's budget for the run, or the run's deadline.
            let mut stop_after = now + self.rule_budget.saturating_sub(spent);
            if let Some(deadline) = self.deadline {
                stop_after = stop_after.min(deadline);
            }
            let (input, items) = self.batch(at, &pending, self.limits);
            let (outcome, batch) = engine::with_batch(input, items, Some(stop_after), || {
                self.call_each(self.engine, rule)
            });
            let mut total = 0;
            let mut account = |time: std::time::Duration| {
                result.spend(at, Spent { calls: 1, time });
                let nanos = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
                total = self.rule_nanos[at]
                    .fetch_add(nanos, Ordering::Relaxed)
                    .saturating_add(nanos);
            };
            let last = batch.ended.last().map(|call| pending[call.key]);
            for call in &batch.ended {
                account(call.time);
            }
            if let Some((_, time)) = batch.failed {
                account(time);
            }
            // The batch's findings counted against the rule's and the run's caps at once:
            // written to what both threads share once a batch, not once a call.
            let reports = batch.ended.iter().flat_map(|call| &call.said.reports);
            let (count, bytes) = reports.fold((0, 0), |(count, bytes), report| {
                (count + 1, bytes + report_bytes(report))
            });
            let within = count == 0
                || last
                    .is_none_or(|last| self.within_findings(rule, at, last, count, bytes, result));
            for mut call in batch.ended {
                if !within {
                    call.said.reports.clear();
                }
                self.said(rule, at, pending[call.key], call.said, result);
            }
            let left: Vec<&Checked> = batch.left.iter().map(|item| pending[item.key]).collect();
            if !within {
                self.unchecked[at].fetch_add(left.len(), Ordering::Relaxed);
                return;
            }
            if let Err(error) = outcome {
                let error = without_check_frame(*error);
                if self.past_deadline() {
                    // Cut short by the run's deadline, not failed: said once, at the end.
                    self.out_of_time.store(true, Ordering::Relaxed);
                    return;
                }
                // The document it failed on (without a call under way, the driver itself
                // failed: the batch's first document) is that document's finding, and the
                // rule goes on over the others: one document must not silence a rule for
                // everyone. A rule that fails on document after document is stopped.
                let checked = pending[batch.failed.map_or(0, |(key, _)| key)];
                let position = self.failure_position(&error, at, checked);
                let rule_error = self.rule_error(&error, rule, checked, position);
                let finding = self.failure_finding(rule, checked, &rule_error);
                if self.record {
                    result.calls.push(Call {
                        rule: at,
                        position: checked.position,
                        findings: vec![finding],
                        looked: Vec::new(),
                        printed: Vec::new(),
                    });
                } else {
                    result.found(finding);
                }
                result.fail(rule_error);
                // Its error, kept once per rule, place and reason, counts the documents; the
                // documents a stopped rule then leaves are added to it.
                let failed = self.failures[at].fetch_add(1, Ordering::Relaxed) + 1;
                if failed >= FAILURES_BEFORE_STOP {
                    self.stopped[at].store(true, Ordering::Relaxed);
                }
                if self.stopped[at].load(Ordering::Relaxed) {
                    self.unchecked[at].fetch_add(left.len(), Ordering::Relaxed);
                    return;
                }
            } else if u128::from(total) > self.rule_budget.as_nanos()
                && !self.stopped[at].swap(true, Ordering::Relaxed)
            {
                let last = last.unwrap_or(pending[0]);
                result.fail(self.over_budget_error(rule, total, last.loaded));
                self.unchecked[at].fetch_add(left.len(), Ordering::Relaxed);
                return;
            }
            if !left.is_empty() && self.past_deadline() {
                self.out_of_time.store(true, Ordering::Relaxed);
                return;
            }
            pending = left;
        }
    }

    /// What one call on `checked` reported and printed, into `result`.
    fn said(
        &self,
        rule: &Rule,
        at: usize,
        checked: &Checked,
        said: engine::Said,
        result: &mut Evaluation,
    ) {
        let printed: usize = said.printed.iter().map(String::len).sum();
        let mut printed = if printed > 0
            && self.printed_bytes.fetch_add(printed, Ordering::Relaxed) < PRINTED_BYTES
        {
            said.printed
                .into_iter()
                .map(|text| format!("{}: {text}", rule.id))
                .collect()
        } else {
            Vec::new()
        };
        if !self.record {
            result.printed.append(&mut printed);
        }
        let loaded = checked.loaded;
        let source = &self.workspace.files[loaded.file];
        let severity = self.settings[loaded.file][at].severity;
        let findings = said.reports.into_iter().map(|report| {
            let span = loaded.document.locate(&report.path);
            // A fix replaces the value the finding names, when it is there: never the key
            // or the document a missing one falls back to.
            let fix = report.fix.and_then(|replacement| {
                let value = loaded.document.value_at(&report.path)?;
                Some(crate::finding::Fix::writing(&value, replacement))
            });
            Finding::new(rule.key(), severity, source, &span, report.message)
                .help(report.help)
                .fix(fix)
                .path(report.path)
                .document(loaded.document.id.clone(), Some(checked.kind.clone()))
        });
        if !self.record {
            for finding in findings {
                result.found(finding);
            }
            return;
        }
        let findings: Vec<Finding> = findings.collect();
        if !findings.is_empty() || !said.looked.is_empty() || !printed.is_empty() {
            result.calls.push(Call {
                rule: at,
                position: checked.position,
                findings,
                looked: said.looked,
                printed,
            });
        }
    }

    /// Counts a batch's `count` findings of `bytes` against its rule's and the run's caps:
    /// `false` (the rule stopped, said once) when they would pass one.
    fn within_findings(
        &self,
        rule: &Rule,
        at: usize,
        checked: &Checked,
        count: usize,
        bytes: usize,
        result: &mut Evaluation,
    ) -> bool {
        let add = |total: &std::sync::atomic::AtomicUsize, more: usize| {
            total
                .fetch_add(more, Ordering::Relaxed)
                .saturating_add(more)
        };
        let limits = &self.limits;
        let over = if add(&self.found[at], count) > limits.rule_findings {
            Some(format!(
                "more than {} findings over the run (`limits: rule_findings`)",
                limits.rule_findings
            ))
        } else if add(&self.found_bytes[at], bytes) > limits.rule_findings_bytes {
            Some(format!(
                "findings of more than {} MiB over the run (`limits: rule_findings_mib`)",
                limits.rule_findings_bytes >> 20
            ))
        } else if add(&self.run_found, count) > limits.run_findings {
            Some(format!(
                "findings past the run's {} (`limits: run_findings`)",
                limits.run_findings
            ))
        } else if add(&self.run_found_bytes, bytes) > limits.run_findings_bytes {
            Some(format!(
                "findings past the run's {} MiB (`limits: run_findings_mib`)",
                limits.run_findings_bytes >> 20
            ))
        } else {
            None
        };
        let Some(over) = over else {
            return true;
        };
        if !self.stopped[at].swap(true, Ordering::Relaxed) {
            let mut error = RuleError::new(
                &rule.origin,
                &rule.source,
                super::function_position(&rule.source, "check"),
                format!("stopped: it reported {over}"),
            );
            error.rule = Some(rule.id.clone());
            error.context = Some(format!(
                "the last document it reported on: {}",
                checked.file
            ));
            result.fail(error);
        }
        false
    }

    /// The finding a document gets when a rule failed on it: that rule did not check it,
    /// and why, at the document's first line.
    fn failure_finding(&self, rule: &Rule, checked: &Checked, error: &RuleError) -> Finding {
        let loaded = checked.loaded;
        let source = &self.workspace.files[loaded.file];
        let line = if error.line > 0 {
            format!(":{}", error.line)
        } else {
            String::new()
        };
        Finding::new(
            rule.key(),
            crate::finding::Severity::Error,
            source,
            &loaded.document.root.span(),
            format!(
                "{} did not check this document: {} ({}{line})",
                rule.id, error.message, error.origin
            ),
        )
        .help(Some(Arc::from(
            "a rule error, not a gap in the document: the run exits 2 until the rule or the \
             document is fixed; a limit grows with the document's size (`limits:` in \
             .lessons.yaml)",
        )))
        .document(loaded.document.id.clone(), Some(checked.kind.clone()))
    }

    /// Where a rule failed. Rhai drops the position of a limit (operations, call depth,
    /// data size) at the outermost call, so such a failure is run once more under the
    /// tracer, whose last step is where the limit struck; else `fn check` is named.
    fn failure_position(&self, error: &EvalAltResult, at: usize, checked: &Checked) -> Position {
        let rule = &self.rules[at];
        let position = innermost_position(error);
        if !position.is_none() {
            return position;
        }
        // Under the debugger Rhai copies its call frames, arguments and all, at each step:
        // a rule that filled its memory would take minutes to re-run. Its `check` is named.
        if engine::stopped_for(error) == Some(engine::OUT_OF_MEMORY) {
            return super::function_position(&rule.source, "check");
        }
        // Replayed to the step the first run was stopped at, through the same driver, so
        // that its steps are counted alike.
        let (input, items) = self.batch(at, &[checked], self.limits);
        let (_, _) = engine::stopping_at(engine::reached(), || {
            engine::with_batch(input, items, None, || {
                engine::reset_trace();
                self.call_each(self.tracer.engine(), rule)
            })
        });
        let traced = engine::last_traced_position();
        if traced.is_none() {
            super::function_position(&rule.source, "check")
        } else {
            traced
        }
    }

    /// The run passed its deadline: said on the rule that took the most time, so the
    /// slow one is named; every rule's unchecked documents are added to it.
    fn deadline_error(&self, spent: &[Spent]) -> RuleError {
        let slowest = spent
            .iter()
            .enumerate()
            .max_by_key(|(_, spent)| spent.time)
            .map_or(0, |(rule, _)| rule);
        let seconds = self.limits.run_time.as_secs();
        let taken = spent.get(slowest).copied().unwrap_or_default();
        let mut error = match self.rules.get(slowest) {
            Some(rule) => {
                let mut error = RuleError::new(
                    &rule.origin,
                    &rule.source,
                    super::function_position(&rule.source, "check"),
                    format!(
                        "stopped: the run passed its deadline of {seconds} s (`limits: run_seconds`); \
                         this rule took the most time, {:.1} s over {} calls",
                        taken.time.as_secs_f64(),
                        taken.calls
                    ),
                );
                error.rule = Some(rule.id.clone());
                error
            }
            None => RuleError::new(
                &super::Origin::Builtin("run"),
                &Arc::from(""),
                Position::NONE,
                format!("stopped: the run passed its deadline of {seconds} s"),
            ),
        };
        error.unchecked = self.documents_left.load(Ordering::Relaxed);
        error
    }

    fn over_budget_error(&self, rule: &Rule, nanos: u64, loaded: &LoadedDocument) -> RuleError {
        let mut error = RuleError::new(
            &rule.origin,
            &rule.source,
            super::function_position(&rule.source, "check"),
            format!(
                "stopped: it took {:.1} s in all, more than a rule may take in this run ({:.1} s: \
                 {} s, and {} ms per document, `limits: rule_seconds`, \
                 `rule_milliseconds_per_document`)",
                std::time::Duration::from_nanos(nanos).as_secs_f64(),
                self.rule_budget.as_secs_f64(),
                self.limits.rule_base.as_secs(),
                self.limits.rule_per_document.as_millis()
            ),
        );
        error.rule = Some(rule.id.clone());
        let source = &self.workspace.files[loaded.file];
        error.context = Some(format!(
            "the last document it checked: {}",
            crate::finding::display_path(&source.path)
        ));
        error
    }

    fn rule_error(
        &self,
        error: &EvalAltResult,
        rule: &Rule,
        checked: &Checked,
        position: Position,
    ) -> RuleError {
        let loaded = checked.loaded;
        // The budgets the call had: grown with its document.
        let reason = describe(error, &self.limits.for_document(checked.size));
        let reason = if reason.starts_with("stopped") {
            reason
        } else {
            format!("failed: {reason}")
        };
        let mut rule_error = RuleError::new(&rule.origin, &rule.source, position, reason);
        rule_error.rule = Some(rule.id.clone());
        let source = &self.workspace.files[loaded.file];
        let line = source.location(&loaded.document.root.span()).line();
        rule_error.context = Some(format!(
            "while checking {} (line {line})",
            crate::finding::display_path(&source.path)
        ));
        rule_error
    }
}

/// Each file's parameters as rules read them: lists and maps frozen into read-only views
/// once, so `param("phrases")` hands out the list and never copies it. Files that share
/// their settings (all but those an override names) share these too.
fn frozen_parameters(settings: &[Arc<[RuleSettings]>]) -> Vec<Arc<[Arc<Map>]>> {
    let mut frozen: std::collections::HashMap<*const RuleSettings, Arc<[Arc<Map>]>> =
        std::collections::HashMap::new();
    settings
        .iter()
        .map(|file| {
            let parameters = frozen.entry(file.as_ptr()).or_insert_with(|| {
                file.iter()
                    .map(|setting| {
                        Arc::new(
                            setting
                                .params
                                .iter()
                                .map(|(name, value)| {
                                    (name.clone(), super::view::freeze(value.clone()))
                                })
                                .collect(),
                        )
                    })
                    .collect()
            });
            Arc::clone(parameters)
        })
        .collect()
}

/// What the evaluate phase of a run works with.
pub struct Run<'a> {
    pub workspace: &'a Workspace,
    /// The rules, compiled while the workspace loaded.
    pub compiled: Arc<super::RuleSet>,
    /// Each file's settings of every rule (indexed like the workspace's files), and those
    /// of a file no override names: what the policy pack and configuration made of them.
    pub settings: &'a [Arc<[RuleSettings]>],
    pub base_settings: &'a Arc<[RuleSettings]>,
    /// What `blank()` counts as saying nothing, beside empty text.
    pub placeholders: &'a [String],
    pub as_of: crate::document::date::Moment,
    /// Whether the run reports on a file.
    pub reported: &'a (dyn Fn(&std::path::Path) -> bool + Sync),
    /// The run's limits, as the options and the configuration set them.
    pub limits: Limits,
    /// When the run must end (`limits: run_seconds`), counted from its start.
    pub deadline: Option<std::time::Instant>,
    /// Keep each call's findings and lookups ([`Evaluated::calls`]), for a session.
    pub record: bool,
    /// The workspace, shared: what reads a document a cache only remembers when a rule
    /// looks it up.
    pub shared: Option<Arc<Workspace>>,
    /// Make only these calls, and no native rule's: what a session re-runs after an edit.
    pub only: Option<&'a Only>,
}

/// What evaluating produced.
pub struct Evaluated {
    pub rules: Arc<super::RuleSet>,
    /// The rules that could not load, then those that failed while running.
    pub rule_errors: Vec<RuleError>,
    pub findings: Vec<Finding>,
    /// Each call that reported or looked beyond its document, when the run recorded them.
    pub calls: Vec<Call>,
    pub documents_checked: usize,
    pub printed: Vec<String>,
    /// What each rule cost (indexed like the rules).
    pub spent: Vec<Spent>,
    /// Reported documents no rule could check, having no kind: (file, line).
    pub unclassified: Vec<(std::path::PathBuf, usize)>,
    /// The files the run's own findings point into that are no document (the
    /// configuration, for a rule with nothing to judge against).
    pub sources: Vec<Arc<crate::document::SourceFile>>,
}

impl Evaluated {
    /// What evaluating `workspace` produced, put together from findings kept from earlier
    /// calls (a session's, a cache's).
    pub fn kept(
        workspace: &Workspace,
        rules: Arc<super::RuleSet>,
        rule_errors: Vec<RuleError>,
        findings: Vec<Finding>,
        printed: Vec<String>,
        spent: Vec<Spent>,
        sources: Vec<Arc<crate::document::SourceFile>>,
    ) -> Evaluated {
        let positions: Vec<usize> = (0..workspace.documents.len()).collect();
        Evaluated {
            rules,
            rule_errors,
            findings,
            calls: Vec::new(),
            documents_checked: workspace
                .documents
                .iter()
                .filter(|loaded| loaded.kind.is_some())
                .count(),
            printed,
            spent,
            unclassified: unclassified(workspace, &positions),
            sources,
        }
    }
}

/// The unseen sources LL031 names per `formats:` entry.
const UNSEEN_SOURCES_SAID: usize = 100;

/// LL031 at the configuration: a `formats:` entry's own source field that none of the
/// documents it maps has — `detected: start_tme` — which would leave its target empty on
/// every one of them without a word.
fn unseen_sources(
    rule: &Rule,
    severity: crate::finding::Severity,
    run: &Run,
) -> (Vec<Finding>, Vec<Arc<crate::document::SourceFile>>) {
    let workspace = run.workspace;
    let formats = &workspace.config.mappings;
    let unseen = formats.unseen_sources();
    let Some(path) = workspace
        .config_path
        .as_ref()
        .filter(|_| !unseen.is_empty())
    else {
        return (Vec::new(), Vec::new());
    };
    // Each layer of an `extends:` chain (else the top file), its words' places found once.
    let mut files: Vec<(std::path::PathBuf, String)> = workspace
        .config
        .layers
        .iter()
        .rev()
        .map(|layer| (layer.path.clone(), layer.text.clone()))
        .collect();
    if files.is_empty() {
        files.push((
            path.clone(),
            std::fs::read_to_string(path).unwrap_or_default(),
        ));
    }
    let places: Vec<std::collections::HashMap<String, usize>> = files
        .iter()
        .map(|(_, text)| crate::workspace::config::word_offsets(text, "formats"))
        .collect();
    let mut sources: Vec<Option<Arc<crate::document::SourceFile>>> = vec![None; files.len()];
    // The documents each entry maps, and their top-level keys, counted once per entry.
    let mut mapped: std::collections::HashMap<usize, (usize, Vec<String>)> =
        std::collections::HashMap::new();
    for loaded in &workspace.documents {
        let file = &workspace.files[loaded.file].path;
        for entry in formats.entries_of(file) {
            let (documents, keys) = mapped.entry(entry).or_default();
            *documents += 1;
            if let crate::document::Value::Map(entries) = &loaded.document.root.value {
                for known in entries.iter() {
                    if keys.len() <= 500 && !keys.iter().any(|key| **key == *known.key) {
                        keys.push(known.key.to_string());
                    }
                }
            }
        }
    }
    let mut findings = Vec::new();
    // A few per entry say what is wrong; thousands would only bury it.
    let mut said: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (entry, target, paths) in unseen {
        let Some((documents, keys)) = mapped.get(&entry) else {
            continue;
        };
        let count = said.entry(entry).or_default();
        *count += 1;
        if *count > UNSEEN_SOURCES_SAID {
            continue;
        }
        let Some(first) = paths.first() else {
            continue;
        };
        // A suggestion among a few hundred keys; past that, comparing each unseen source
        // with each key would cost more than the run.
        let known: Vec<&str> = keys.iter().map(String::as_str).collect();
        let meant = (known.len() <= 500)
            .then(|| crate::document::schema::nearest(first, &known))
            .flatten()
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        let layer = places
            .iter()
            .position(|words| words.contains_key(first))
            .unwrap_or(0);
        let offset = places[layer].get(first).copied().unwrap_or(0);
        let source = Arc::clone(sources[layer].get_or_insert_with(|| {
            let (file, text) = &files[layer];
            let relative = std::path::absolute(file)
                .ok()
                .and_then(|absolute| {
                    let root = std::path::absolute(&workspace.root).ok()?;
                    absolute
                        .strip_prefix(root)
                        .ok()
                        .map(std::path::Path::to_path_buf)
                })
                .unwrap_or_else(|| file.clone());
            Arc::new(crate::document::SourceFile::new(
                relative,
                text.clone(),
                crate::document::Format::Yaml,
            ))
        }));
        if !(run.reported)(&source.path) {
            continue;
        }
        let end = offset + first.len().min(source.text().len().saturating_sub(offset));
        let alternatives = if paths.len() > 1 {
            format!(
                " (nor {})",
                paths[1..]
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        let message = format!(
            "`{first}`{alternatives}, the source of `{target}` in `formats` entry {}, is in none of the {documents} document{} it maps{meant}",
            entry + 1,
            if *documents == 1 { "" } else { "s" },
        );
        findings.push(
            Finding::new(rule.key(), severity, &source, &(offset..end), message).help(Some(
                "name a field the documents have (`lessons show FILE` lists them), or remove the line"
                    .into(),
            )),
        );
    }
    let shown: Vec<Arc<crate::document::SourceFile>> = sources.into_iter().flatten().collect();
    (findings, shown)
}

/// A rule that has nothing to judge against: the kind it needs, the field that names it,
/// and the first document whose field does.
pub struct Idle {
    rule: usize,
    kind: String,
    field: String,
    naming: usize,
}

/// The rules whose evidence lives in a kind the repository keeps no document of, while a
/// document they would check names some (an incident's `responders`, with no roster).
fn idle_rules(rules: &[Rule], workspace: &Workspace, settings: &[RuleSettings]) -> Vec<Idle> {
    let mut idle = Vec::new();
    for (at, rule) in rules.iter().enumerate() {
        if !settings.get(at).is_some_and(|settings| settings.enabled) {
            continue;
        }
        for (kind, field) in &rule.needs {
            if !workspace.index.of_kind(kind).is_empty() {
                continue;
            }
            let naming = rule
                .kinds
                .iter()
                .flat_map(|of| workspace.index.of_kind(of).iter().copied())
                .filter(|&position| {
                    workspace.documents[position]
                        .document
                        .root
                        .get(field)
                        .is_some_and(|node| match &node.value {
                            crate::document::Value::Seq(items) => !items.is_empty(),
                            crate::document::Value::Null => false,
                            _ => node.as_str().is_none_or(|text| !text.trim().is_empty()),
                        })
                })
                .min();
            if let Some(naming) = naming {
                idle.push(Idle {
                    rule: at,
                    kind: kind.clone(),
                    field: field.clone(),
                    naming,
                });
                break;
            }
        }
    }
    idle
}

/// The one finding of a rule with nothing to judge against: at the configuration when
/// there is one, else at the field of the first document that names the missing kind.
fn idle_finding(
    idle: &Idle,
    rule: &Rule,
    run: &Run,
) -> Option<(Finding, Option<Arc<crate::document::SourceFile>>)> {
    let workspace = run.workspace;
    let documents = rule
        .kinds
        .iter()
        .map(|kind| workspace.index.of_kind(kind).len())
        .sum::<usize>();
    let of = rule.kinds.join(" or ");
    let message = format!(
        "{} did not run: the repository keeps no {} document, and {documents} {of} \
         document{} name{} some in `{}`",
        rule.id,
        idle.kind,
        if documents == 1 { "" } else { "s" },
        if documents == 1 { "s" } else { "" },
        idle.field,
    );
    let help = format!(
        "add the {} documents (`kind: {}`) for {} to check against, or turn it off in .lessons.yaml with `disable: [{}]`",
        idle.kind, idle.kind, rule.id, rule.id
    );
    let (source, span, own) = match &workspace.config_path {
        Some(path) => {
            let text = std::fs::read_to_string(path).ok()?;
            let relative = path
                .strip_prefix(&workspace.root)
                .unwrap_or(path)
                .to_path_buf();
            let source = Arc::new(crate::document::SourceFile::new(
                relative,
                text,
                crate::document::Format::Yaml,
            ));
            let first_line = source.text().find('\n').unwrap_or(source.text().len());
            (Arc::clone(&source), 0..first_line, Some(source))
        }
        None => {
            let loaded = &workspace.documents[idle.naming];
            let source = Arc::clone(&workspace.files[loaded.file]);
            let span = loaded.document.locate(&idle.field);
            (source, span, None)
        }
    };
    if !(run.reported)(&source.path) {
        return None;
    }
    let finding = Finding::new(
        rule.key(),
        crate::finding::Severity::Info,
        &source,
        &span,
        message,
    )
    .help(Some(help.into()));
    Some((finding, own))
}

/// The documents at `positions` no rule could check, having no kind: (file, line).
pub fn unclassified(
    workspace: &Workspace,
    positions: &[usize],
) -> Vec<(std::path::PathBuf, usize)> {
    positions
        .iter()
        .map(|&position| &workspace.documents[position])
        .filter(|loaded| loaded.kind.is_none())
        .map(|loaded| {
            let source = &workspace.files[loaded.file];
            (
                source.path.to_path_buf(),
                source.location(&loaded.document.root.span()).line(),
            )
        })
        .collect()
}

/// The rules with nothing to judge against in this repository (see [`Rule::needs`]),
/// indexed like the rules: they are not run.
pub fn idle(run: &Run) -> Vec<bool> {
    let mut flags = vec![false; run.compiled.rules.len()];
    for idle in idle_rules(&run.compiled.rules, run.workspace, run.base_settings) {
        flags[idle.rule] = true;
    }
    flags
}

/// The findings of the run as a whole, at the configuration: each idle rule's note, and
/// the `formats:` source fields no document has (LL031).
pub fn run_findings(
    run: &Run,
    idle: &[Idle],
) -> (Vec<Finding>, Vec<Arc<crate::document::SourceFile>>) {
    let rules = &run.compiled.rules;
    let mut findings = Vec::new();
    let mut sources = Vec::new();
    for idle in idle {
        if let Some((finding, source)) = idle_finding(idle, &rules[idle.rule], run) {
            findings.push(finding);
            sources.extend(source);
        }
    }
    if let Some(at) = rules.iter().position(|rule| rule.id == "LL031") {
        if run.base_settings[at].enabled {
            let (found, source) = unseen_sources(&rules[at], run.base_settings[at].severity, run);
            findings.extend(found);
            sources.extend(source);
        }
    }
    (findings, sources)
}

/// [`run_findings`] with the idle rules found anew.
pub fn run_level_findings(run: &Run) -> (Vec<Finding>, Vec<Arc<crate::document::SourceFile>>) {
    let idle = idle_rules(&run.compiled.rules, run.workspace, run.base_settings);
    run_findings(run, &idle)
}

/// The engine that re-runs a failed rule step by step, built the first time a rule fails:
/// most runs never need it, and building it was a tenth of the time of an edit in a
/// session.
pub struct Tracer<'a> {
    engine: std::sync::OnceLock<Engine>,
    build: Box<dyn Fn() -> Engine + Send + Sync + 'a>,
}

impl<'a> Tracer<'a> {
    pub fn new(build: Box<dyn Fn() -> Engine + Send + Sync + 'a>) -> Tracer<'a> {
        Tracer {
            engine: std::sync::OnceLock::new(),
            build,
        }
    }

    fn engine(&self) -> &Engine {
        self.engine.get_or_init(|| (self.build)())
    }
}

/// Builds each document's view once (as the calls ask for them, when only some are made)
/// and runs the Rhai rules in parallel, then the native ones, each with the settings its
/// file has.
pub fn evaluate_workspace(run: &Run) -> Evaluated {
    let workspace = run.workspace;
    // One view per document over its parsed tree: what every rule and lookup hands out;
    // when only some calls are made again, those of the documents they see.
    // A document a cache only remembers is read when a lookup first hands it out.
    let lazily = run.only.is_some();
    let values = Arc::new(super::lookup::Views::of(
        workspace,
        run.shared.clone(),
        lazily,
    ));
    let lookup = Arc::new(super::lookup::WorkspaceLookup::new(
        Arc::clone(&values),
        Arc::clone(&workspace.index),
    ));
    let limits = run.limits;
    let mut engine = engine::build(
        limits,
        run.as_of,
        Arc::clone(&lookup) as Arc<dyn engine::Lookup>,
    );
    let compiled = Arc::clone(&run.compiled);
    let fields = super::view::property_names(compiled.rules.iter().map(|rule| &*rule.source));
    super::view::register_fields(&mut engine, &fields);
    let tracer = Tracer::new(Box::new(|| {
        let mut tracer = engine::build_tracer(
            limits,
            run.as_of,
            Arc::clone(&lookup) as Arc<dyn engine::Lookup>,
        );
        super::view::register_fields(&mut tracer, &fields);
        tracer
    }));
    let rules = &compiled.rules;
    let settings = run.settings;
    let mut targets: Vec<usize> = match run.only {
        Some(only) => {
            let mut positions: Vec<usize> = only.calls.keys().copied().collect();
            positions.sort_unstable();
            positions
        }
        None => workspace
            .documents
            .iter()
            .enumerate()
            .filter(|(_, loaded)| (run.reported)(&workspace.files[loaded.file].path))
            .map(|(position, _)| position)
            .collect(),
    };
    // The few documents of the rarer kinds first: a policy or runbook is checked against
    // every incident naming it (LL012, LL014), and its long calls are best begun while the
    // threads still have incidents to share; in path order they came last, and one thread
    // ran them alone.
    targets.sort_by_cached_key(|&position| {
        let kind = workspace.documents[position].kind.as_deref();
        kind.map_or(0, |kind| workspace.index.of_kind(kind).len())
    });
    let run_deadline = run.deadline;
    let target_bytes: usize = targets
        .iter()
        .map(|&position| {
            let loaded = &workspace.documents[position];
            document_size(loaded, &workspace.files[loaded.file])
        })
        .sum();
    let idle = idle_rules(rules, workspace, run.base_settings);
    let _ticking = super::clock::Ticking::start();
    let session = Session {
        engine: &engine,
        tracer: &tracer,
        rules,
        workspace,
        values: &values,
        limits,
        placeholders: run.placeholders.into(),
        memos: rules
            .iter()
            .map(|_| Arc::new(super::memo::Memo::new(limits.memo_bytes)))
            .collect(),
        settings,
        params: &frozen_parameters(settings),
        stopped: rules.iter().map(|_| Default::default()).collect(),
        unchecked: rules.iter().map(|_| Default::default()).collect(),
        failures: rules.iter().map(|_| Default::default()).collect(),
        found: rules.iter().map(|_| Default::default()).collect(),
        found_bytes: rules.iter().map(|_| Default::default()).collect(),
        run_found: Default::default(),
        run_found_bytes: Default::default(),
        deadline: run_deadline,
        out_of_time: Default::default(),
        documents_left: Default::default(),
        printed_bytes: Default::default(),
        rule_nanos: rules.iter().map(|_| Default::default()).collect(),
        // Time per document, and per MiB of them as each call has: a large but legal
        // document is checked, not counted against a rule as a slow one.
        rule_budget: limits
            .rule_base
            .saturating_add(
                limits
                    .rule_per_document
                    .saturating_mul(u32::try_from(targets.len()).unwrap_or(u32::MAX)),
            )
            .saturating_add(limits.time_for_bytes(target_bytes)),
        idle: {
            let mut flags = vec![false; rules.len()];
            for idle in &idle {
                flags[idle.rule] = true;
            }
            flags
        },
        record: run.record,
        only: run.only,
    };
    let mut native_spent = Vec::new();
    // A session (it records) runs the native rules and the run's notes itself, each when
    // what it reads changed.
    let whole = run.only.is_none() && !run.record;
    let native = || match whole {
        false => Vec::new(),
        true => super::native::evaluate(
            workspace,
            rules,
            settings,
            run.as_of,
            run.reported,
            super::native::Scope {
                rules: &|_| true,
                files: None,
            },
            &mut native_spent,
        ),
    };
    let evaluation = session.evaluate(&targets, native);
    let mut findings = evaluation.findings;
    let mut sources = Vec::new();
    if whole {
        let (found, shown) = run_findings(run, &idle);
        findings.extend(found);
        sources.extend(shown);
    }
    let mut spent = evaluation.spent;
    spent.resize(rules.len(), Spent::default());
    Spent::add(&mut spent, native_spent);
    let unclassified = unclassified(workspace, &targets);
    let mut rule_errors = compiled.errors.clone();
    rule_errors.extend(evaluation.errors);
    Evaluated {
        rule_errors,
        findings,
        documents_checked: evaluation.documents_checked,
        calls: evaluation.calls,
        printed: evaluation.printed,
        spent,
        unclassified,
        sources,
        rules: compiled,
    }
}
