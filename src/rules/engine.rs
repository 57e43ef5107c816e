//! The Rhai sandbox rules run in, and the helper functions of the rule API.
//!
//! Hardened as a policy engine must be: no modules, no `eval`, output captured, every limit
//! set explicitly (debug and release builds have different defaults), no string interner
//! (its lock serialises threads).

use std::cell::RefCell;
use std::sync::Arc;

use rhai::packages::{
    BasicArrayPackage, BasicFnPackage, BasicMapPackage, BasicMathPackage, BasicStringPackage,
    CorePackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, Position};

use crate::document::date::Moment;

/// The bounds of one `check` call, of a rule over a run, and of the run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub operations: u64,
    /// Operations a call is given beside `operations` per KiB of its document: a legal
    /// document of 100,000 action items, or a 3 MB root cause, is checked, not cut short.
    pub operations_per_kib: u64,
    pub call_levels: usize,
    pub expression_depth: usize,
    pub function_expression_depth: usize,
    pub string_bytes: usize,
    pub array_items: usize,
    pub map_entries: usize,
    /// Wall time one call may take, whatever it spends it on.
    pub call_time: std::time::Duration,
    /// Wall time a call is given beside `call_time` per MiB of its document.
    pub call_time_per_mib: std::time::Duration,
    /// Memory one call may hold at once (counted when the binary's counting allocator is
    /// installed; see [`crate::util::memory`]).
    pub memory_bytes: usize,
    /// Bytes one call may print and report.
    pub output_bytes: usize,
    /// Bytes a rule's `memo` results may hold over a run, all keys together.
    pub memo_bytes: usize,
    /// Findings one rule may report over a run, and the bytes of their texts (message,
    /// help, path); past either the rule is stopped.
    pub rule_findings: usize,
    pub rule_findings_bytes: usize,
    /// The same for all rules together.
    pub run_findings: usize,
    pub run_findings_bytes: usize,
    /// Wall time of the whole evaluation: N slow rules cannot add up without end.
    pub run_time: std::time::Duration,
    /// The time any rule may take over a run, whatever the number of documents.
    pub rule_base: std::time::Duration,
    /// The time a rule may take over a run, per document checked (beside `rule_base`):
    /// a hundred times what the slowest built-in rule takes.
    pub rule_per_document: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A few milliseconds of honest work; an endless loop stops well under a second.
            operations: 2_000_000,
            // Eight per byte: the built-in pack needs at most 2.3 per byte of a document of
            // 100,000 action items (3.8 MB) and 1.2 of a 3 MB root cause.
            operations_per_kib: 8 << 10,
            call_levels: 32,
            expression_depth: 128,
            function_expression_depth: 64,
            // What one helper may build in one step (`pad`, `replace`, `split`): the
            // memory budget bounds the sum, checked at every operation.
            string_bytes: 16 << 20,
            array_items: 1_000_000,
            map_entries: 1_000_000,
            // Built-in rules take tens of microseconds per document: half a second is a
            // runaway (and the re-run that finds its line takes at most half that again).
            call_time: std::time::Duration::from_millis(500),
            // A debug build takes 0.45 s per MiB for the slowest built-in rule on a document
            // of 100,000 action items: twice that, and more.
            call_time_per_mib: std::time::Duration::from_millis(1000),
            // One step can double a string: a thread then briefly holds three times this.
            memory_bytes: 64 << 20,
            output_bytes: 8 << 20,
            memo_bytes: 64 << 20,
            // A run of 100,000 incidents makes 390,000 findings over the pack, none more
            // than 100,000 of one rule.
            rule_findings: 500_000,
            rule_findings_bytes: 64 << 20,
            run_findings: 2_000_000,
            run_findings_bytes: 256 << 20,
            run_time: std::time::Duration::from_secs(120),
            rule_base: std::time::Duration::from_secs(5),
            rule_per_document: std::time::Duration::from_millis(2),
        }
    }
}

/// The size of document the base budgets are for: a larger one's calls get more.
pub const SMALL_DOCUMENT: usize = 64 << 10;

impl Limits {
    /// These limits with what the configuration's `limits:` sets.
    pub fn configured(mut self, set: &crate::workspace::config::LimitsConfig) -> Limits {
        let limits = &mut self;
        use std::time::Duration;
        let saturating = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        let mib = |value: u64| saturating(value.saturating_mul(1 << 20));
        if let Some(milliseconds) = set.call_milliseconds {
            limits.call_time = Duration::from_millis(milliseconds);
        }
        if let Some(milliseconds) = set.call_milliseconds_per_mib {
            limits.call_time_per_mib = Duration::from_millis(milliseconds);
        }
        if let Some(operations) = set.call_operations {
            limits.operations = operations;
        }
        if let Some(operations) = set.call_operations_per_kib {
            limits.operations_per_kib = operations;
        }
        if let Some(size) = set.call_memory_mib {
            limits.memory_bytes = mib(size);
        }
        if let Some(kib) = set.call_output_kib {
            limits.output_bytes = saturating(kib.saturating_mul(1 << 10));
        }
        if let Some(size) = set.memo_mib {
            limits.memo_bytes = mib(size);
        }
        if let Some(count) = set.rule_findings {
            limits.rule_findings = saturating(count);
        }
        if let Some(size) = set.rule_findings_mib {
            limits.rule_findings_bytes = mib(size);
        }
        if let Some(count) = set.run_findings {
            limits.run_findings = saturating(count);
        }
        if let Some(size) = set.run_findings_mib {
            limits.run_findings_bytes = mib(size);
        }
        if let Some(seconds) = set.rule_seconds {
            limits.rule_base = Duration::from_secs(seconds);
        }
        if let Some(milliseconds) = set.rule_milliseconds_per_document {
            limits.rule_per_document = Duration::from_millis(milliseconds);
        }
        if let Some(seconds) = set.run_seconds {
            limits.run_time = Duration::from_secs(seconds);
        }
        self
    }
}

impl Limits {
    /// These limits as a call on a document of `bytes` has them: its operations, time and
    /// output grown with the document past [`SMALL_DOCUMENT`].
    pub fn for_document(&self, bytes: usize) -> Limits {
        Limits {
            operations: self.operations_for(bytes),
            call_time: self.call_time_for(bytes),
            output_bytes: self.output_for(bytes),
            ..*self
        }
    }

    /// The operations a call on a document of `bytes` may take (0: no limit).
    fn operations_for(&self, bytes: usize) -> u64 {
        if self.operations == 0 {
            return 0;
        }
        let kib = u64::try_from(bytes.saturating_sub(SMALL_DOCUMENT) / 1024).unwrap_or(u64::MAX);
        self.operations
            .saturating_add(kib.saturating_mul(self.operations_per_kib))
    }

    /// The wall time a call on a document of `bytes` may take.
    fn call_time_for(&self, bytes: usize) -> std::time::Duration {
        self.call_time
            .saturating_add(self.time_for_bytes(bytes.saturating_sub(SMALL_DOCUMENT)))
    }

    /// What a call on a document of `bytes` may print and report: four bytes more for each
    /// byte of a large document (a finding on each of 100,000 action items is 9 MB).
    fn output_for(&self, bytes: usize) -> usize {
        if self.output_bytes == 0 {
            return 0;
        }
        self.output_bytes
            .saturating_add(bytes.saturating_sub(SMALL_DOCUMENT).saturating_mul(4))
    }

    /// What `call_time_per_mib` gives `bytes` of documents.
    pub fn time_for_bytes(&self, bytes: usize) -> std::time::Duration {
        let nanos = self.call_time_per_mib.as_nanos() * (bytes as u128) / (1 << 20);
        std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// A finding as a rule reports it, before it is given a location.
#[derive(Debug, Clone)]
pub struct Report {
    pub path: String,
    pub message: String,
    /// Shared with every other report of the same help (see [`shared_help`]).
    pub help: Option<Arc<str>>,
    /// `#{ fix: "…" }`: the text to write at the finding's span instead.
    pub fix: Option<String>,
}

thread_local! {
    /// Help texts this thread has reported: a rule's help is mostly one fixed sentence,
    /// repeated on each of its findings, and held once.
    static HELP: RefCell<std::collections::HashSet<Arc<str>>> = RefCell::default();
}

/// `help` as findings hold it: the same text shared, not copied per finding; and whether
/// it is new (a copy made now, which a call's output budget counts).
fn shared_help(help: &str) -> (Arc<str>, bool) {
    // Bounded, so a rule that builds a new help for every finding cannot grow it forever.
    const BOUND: usize = 4096;
    HELP.with(|known| {
        let mut known = known.borrow_mut();
        if let Some(text) = known.get(help) {
            return (Arc::clone(text), false);
        }
        let text: Arc<str> = help.into();
        if known.len() < BOUND {
            known.insert(Arc::clone(&text));
        }
        (text, true)
    })
}

/// What one `check` call may read and what it produced; lives in a thread-local so the
/// registered helpers, which are shared by all threads, reach the call they serve.
#[derive(Default)]
pub struct CallState {
    pub params: Arc<Map>,
    /// The file of the document being checked, relative to the root: `file()`.
    pub file: ImmutableString,
    /// What `blank()` counts as blank besides empty values: the pack's `placeholders`.
    pub placeholders: Arc<[String]>,
    pub reports: Vec<Report>,
    pub printed: Vec<String>,
    /// The rule's `memo` table for this run.
    pub memo: Option<Arc<super::memo::Memo>>,
}

/// What a call has spent besides Rhai's own operations, and when it must stop.
#[derive(Clone, Copy)]
struct Meter {
    /// Rhai's operation count when the call began: a batch runs many calls in one.
    base: u64,
    /// Bytes printed and reported so far, and the bound.
    said: usize,
    said_limit: usize,
}

const IDLE: Meter = Meter {
    base: 0,
    said: 0,
    said_limit: 0,
};

/// Why `on_progress` stopped a call: the token of Rhai's `ErrorTerminated`.
pub const OUT_OF_OPERATIONS: &str = "operations";
pub const OUT_OF_TIME: &str = "time";
pub const OUT_OF_MEMORY: &str = "memory";
pub const OUT_OF_OUTPUT: &str = "output";

thread_local! {
    pub(super) static CALL: RefCell<CallState> = RefCell::new(CallState::default());
    /// The last position the tracer stepped on, in this thread.
    static TRACE: std::cell::Cell<Position> = const { std::cell::Cell::new(Position::NONE) };
    static METER: std::cell::Cell<Meter> = const { std::cell::Cell::new(IDLE) };
    /// The operation at which the last call on this thread was stopped, and where the
    /// tracer's re-run of it stops: the same step, on any machine.
    static REACHED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static STOP_AT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The tick of [`super::clock`] past which the current call is out of time.
    static DEADLINE: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
    /// Rhai's operation count at the last operation: where the next call of a batch begins.
    static OPERATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The operation count past which the current call is out of operations: its start
    /// plus its limit, less what native helpers charged it.
    static LAST_OPERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
    static BATCH: RefCell<Option<Batch>> = const { RefCell::new(None) };
}

/// The operation count at which the last stopped call on this thread was stopped.
pub fn reached() -> u64 {
    REACHED.with(std::cell::Cell::get)
}

/// Runs `body` (a tracer re-run) stopping at operation `at` (0: no such stop).
pub fn stopping_at<T>(at: u64, body: impl FnOnce() -> T) -> T {
    STOP_AT.with(|cell| cell.set(at));
    let result = body();
    STOP_AT.with(|cell| cell.set(0));
    result
}

fn stop(operations: u64, token: &'static str) -> Option<Dynamic> {
    REACHED.with(|cell| cell.set(operations));
    Some(Dynamic::from(token))
}

/// The error that stops a call for the budget `token` names.
pub fn stopped(token: &'static str) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorTerminated(
        Dynamic::from(token),
        Position::NONE,
    ))
}

/// Which of this module's budgets stopped a call (`OUT_OF_MEMORY`…), if one did.
pub fn stopped_for(error: &EvalAltResult) -> Option<&'static str> {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => stopped_for(inner),
        EvalAltResult::ErrorTerminated(token, _) => {
            let token = token.clone().into_string().ok()?;
            [OUT_OF_OPERATIONS, OUT_OF_TIME, OUT_OF_MEMORY, OUT_OF_OUTPUT]
                .into_iter()
                .find(|known| *known == token)
        }
        _ => None,
    }
}

/// Whether the current call may build `bytes` more in one step (a helper about to pad,
/// replace or split): within the largest single value, and within what the call has left.
pub fn reserve(bytes: usize) -> RhaiResult<()> {
    if isize::try_from(bytes).unwrap_or(isize::MAX) > crate::util::memory::headroom() {
        return Err(stopped(OUT_OF_MEMORY));
    }
    Ok(())
}

/// Counts `bytes` printed or reported by the current call; `false` once past its bound.
fn say(bytes: usize) -> bool {
    METER.with(|meter| {
        let mut now = meter.get();
        now.said = now.said.saturating_add(bytes);
        meter.set(now);
        let within = now.said_limit == 0 || now.said <= now.said_limit;
        if !within {
            // Stopped at the next operation, by the one check `progress` always makes.
            crate::util::memory::trip();
        }
        within
    })
}

/// Counts `operations` of native work against the current call (a helper that walks a list
/// on a rule's behalf), so the call's operations limit bounds it too.
pub fn charge(operations: u64) {
    LAST_OPERATION.with(|cell| cell.set(cell.get().saturating_sub(operations)));
}

/// Moves the current call's deadline by `by`: time it spent waiting on another thread.
pub fn extend_deadline(by: std::time::Duration) {
    DEADLINE.with(|cell| cell.set(cell.get().saturating_add(super::clock::ticks(by))));
}

/// Called by Rhai at every operation: stops the call when it holds too much, is out of
/// time, or its operations with what native helpers charged pass the limit. The count is
/// the call's, not Rhai's: one Rhai call runs a batch of rule calls.
fn progress(operations: u64) -> Option<Dynamic> {
    OPERATIONS.with(|cell| cell.set(operations));
    if operations > LAST_OPERATION.with(std::cell::Cell::get) {
        let base = METER.with(std::cell::Cell::get).base;
        return stop(operations.saturating_sub(base), OUT_OF_OPERATIONS);
    }
    // Memory at every operation: one step can double what the call holds.
    if crate::util::memory::over_ceiling() {
        let now = METER.with(std::cell::Cell::get);
        let output = now.said_limit > 0 && now.said > now.said_limit;
        return stop(
            operations.saturating_sub(now.base),
            if output { OUT_OF_OUTPUT } else { OUT_OF_MEMORY },
        );
    }
    // Time at every operation too, on the coarse clock: one helper call can take long.
    if super::clock::now() > DEADLINE.with(std::cell::Cell::get) {
        let base = METER.with(std::cell::Cell::get).base;
        return stop(operations.saturating_sub(base), OUT_OF_TIME);
    }
    if operations % 1024 == 0 {
        // The ticker may not be running (or may be starved): the call keeps the clock going.
        super::clock::advance();
    }
    None
}

pub fn reset_trace() {
    TRACE.with(|trace| trace.set(Position::NONE));
}

pub fn last_traced_position() -> Position {
    TRACE.with(std::cell::Cell::get)
}

/// What every call of a batch runs with: one rule's, in one run.
pub struct BatchInput {
    /// The rule's parameters in the batch's files: most often one set for them all.
    pub parameters: Vec<Arc<Map>>,
    /// What `blank()` counts as blank besides empty values: the pack's `placeholders`.
    pub placeholders: Arc<[String]>,
    pub memo: Option<Arc<super::memo::Memo>>,
    pub limits: Limits,
    /// When the run ends (`limits: run_seconds`): no call runs past it.
    pub run_deadline: Option<std::time::Instant>,
    /// Whether each call notes what it looked at ([`super::looked`]).
    pub record: bool,
}

/// What one document's call adds to its batch's input. Nothing shared is cloned per call:
/// the parameters, placeholders and memo are one `Arc` each for both threads, and a clone
/// and a drop at every call were writes from both to the same few lines.
pub struct CallInput {
    /// Which of the batch's `parameters` apply: those of the document's file.
    pub parameters: usize,
    /// The checked document's file, relative to the root.
    pub file: ImmutableString,
    /// The document's size in bytes: its call's budget grows with it.
    pub size: usize,
    /// The document's place among the workspace's documents.
    pub position: usize,
}

/// What one rule call reported and printed.
pub struct Said {
    pub reports: Vec<Report>,
    pub printed: Vec<String>,
    /// What it looked at besides its document, when the batch recorded it.
    pub looked: Vec<super::looked::Looked>,
}

/// Sets the thread up for one rule call of the batch whose input is `batch`: its input, and
/// its budgets from `now`.
fn begin_call(input: CallInput, batch: &BatchInput, now: std::time::Instant) {
    // Field by field: the state stays in place between calls, and nothing is built to be
    // thrown away (a call takes a few microseconds; the pack makes 17 per incident).
    CALL.with(|call| {
        let mut call = call.borrow_mut();
        if let Some(parameters) = batch.parameters.get(input.parameters) {
            if !Arc::ptr_eq(&call.params, parameters) {
                call.params = Arc::clone(parameters);
            }
        }
        call.file = input.file;
        call.reports.clear();
        call.printed.clear();
    });
    super::looked::begin(batch.record, input.position);
    let base = OPERATIONS
        .with(std::cell::Cell::get)
        .saturating_add(DRIVER_STEPS);
    set_budgets(&batch.limits, base, input.size, now, batch.run_deadline);
}

/// The budgets of a call that begins now, at Rhai's operation `base`, on a document of
/// `size` bytes.
fn set_budgets(
    limits: &Limits,
    base: u64,
    size: usize,
    now: std::time::Instant,
    run_deadline: Option<std::time::Instant>,
) {
    let limits = limits.for_document(size);
    METER.with(|meter| {
        meter.set(Meter {
            base,
            said: 0,
            said_limit: limits.output_bytes,
        });
    });
    LAST_OPERATION.with(|cell| {
        cell.set(match limits.operations {
            0 => u64::MAX,
            limit => base.saturating_add(limit),
        });
    });
    let mut span = limits.call_time;
    if let Some(end) = run_deadline {
        span = span.min(end.saturating_duration_since(now));
    }
    DEADLINE.with(|cell| cell.set(super::clock::deadline_after(now, span)));
    crate::util::memory::set_ceiling(Some(limits.memory_bytes));
    REACHED.with(|cell| cell.set(0));
}

/// Runs `body` — a rule file's top-level code, run once as it is compiled — under the
/// budgets of one call: its operations, time, memory and output. Top-level statements run
/// as `check` does; without this, `loop {}` beside `RULE` hung every command.
pub fn with_call_budget<T>(
    limits: &Limits,
    run_deadline: Option<std::time::Instant>,
    body: impl FnOnce() -> T,
) -> T {
    OPERATIONS.with(|cell| cell.set(0));
    set_budgets(limits, 0, 0, std::time::Instant::now(), run_deadline);
    let result = body();
    let _ = end_call();
    result
}

/// Whether the current call is past its deadline, by the system clock: what a helper
/// doing long native work (a search through megabytes) asks between its pieces.
pub fn out_of_time() -> bool {
    super::clock::advance() > DEADLINE.with(std::cell::Cell::get)
}

/// Whether the current call has spent its operations, with what helpers charged it.
pub fn out_of_operations() -> bool {
    OPERATIONS.with(std::cell::Cell::get) > LAST_OPERATION.with(std::cell::Cell::get)
}

/// The error that stops the current call from inside a helper, for the budget `token`
/// names; the step it was at is kept, so the tracer's re-run stops where it did.
pub fn stopped_in_helper(token: &'static str) -> Box<EvalAltResult> {
    let base = METER.with(std::cell::Cell::get).base;
    let at = OPERATIONS.with(std::cell::Cell::get).saturating_sub(base);
    REACHED.with(|cell| cell.set(at.max(1)));
    stopped(token)
}

/// Ends the thread's rule call: what it reported and printed.
fn end_call() -> Said {
    METER.with(|meter| meter.set(IDLE));
    LAST_OPERATION.with(|cell| cell.set(u64::MAX));
    DEADLINE.with(|cell| cell.set(u64::MAX));
    crate::util::memory::set_ceiling(None);
    CALL.with(|call| {
        let mut call = call.borrow_mut();
        Said {
            reports: std::mem::take(&mut call.reports),
            printed: std::mem::take(&mut call.printed),
            looked: super::looked::take(),
        }
    })
}

/// The script a rule's batch runs: `check` on each document the batch hands out.
/// One Rhai call for many documents shares Rhai's per-call set-up and its cache of
/// resolved functions, which cost a fifth of a short rule's call.
pub const BATCH_DRIVER: &str =
    "fn __lessons_each() { for doc in __lessons_batch() { check(doc); } }";

/// The operations the driver takes from handing out a document to the first step of
/// `check`: not the call's, which counts from there as it would if called alone.
const DRIVER_STEPS: u64 = 2;

/// What the driver iterates: each step ends a rule call and begins the next.
#[derive(Clone)]
struct BatchDocuments;

impl IntoIterator for BatchDocuments {
    type Item = Dynamic;
    type IntoIter = BatchSteps;

    fn into_iter(self) -> BatchSteps {
        BatchSteps
    }
}

struct BatchSteps;

impl Iterator for BatchSteps {
    type Item = Dynamic;

    fn next(&mut self) -> Option<Dynamic> {
        next_in_batch()
    }
}

/// One document of a batch: the caller's key for it, its value, its call's input.
pub struct BatchItem {
    pub key: usize,
    pub value: Dynamic,
    pub input: CallInput,
}

/// A rule call of a batch that ended: its document's key, what it said, the time it took.
pub struct BatchCall {
    pub key: usize,
    pub said: Said,
    pub time: std::time::Duration,
}

struct Batch {
    input: BatchInput,
    items: std::vec::IntoIter<BatchItem>,
    /// The call under way: its document's key and when it began.
    current: Option<(usize, std::time::Instant)>,
    ended: Vec<BatchCall>,
    /// Past this instant no further call begins (the rule's budget, the run's deadline).
    stop_after: Option<std::time::Instant>,
    /// What the ended calls printed and reported, in bytes: past [`BATCH_SAID_BYTES`] no
    /// further call begins, so the findings caps, counted once a batch, are counted before
    /// a thread holds more than a few calls' worth.
    said: usize,
}

/// What a batch's calls may print and report before the batch ends and the rest of its
/// documents go to the next one (a call itself may say `limits: call_output_kib`).
const BATCH_SAID_BYTES: usize = 16 << 20;

/// What a batch did: its calls that ended (one that left with `exit` among them), the call
/// that failed (the batch's error is its error; nothing it said is kept) with the time it
/// took, and the items the batch did not reach.
#[derive(Default)]
pub struct BatchOutcome {
    pub ended: Vec<BatchCall>,
    pub failed: Option<(usize, std::time::Duration)>,
    pub left: Vec<BatchItem>,
}

/// Runs `body` (a Rhai call of [`BATCH_DRIVER`]) over `items`, each document as one rule
/// call with the batch's `input`, its own, and its own budgets.
pub fn with_batch<T, E>(
    input: BatchInput,
    items: Vec<BatchItem>,
    stop_after: Option<std::time::Instant>,
    body: impl FnOnce() -> Result<T, E>,
) -> (Result<T, E>, BatchOutcome) {
    OPERATIONS.with(|cell| cell.set(0));
    CALL.with(|call| {
        let mut call = call.borrow_mut();
        call.placeholders = Arc::clone(&input.placeholders);
        call.memo.clone_from(&input.memo);
    });
    BATCH.with(|batch| {
        *batch.borrow_mut() = Some(Batch {
            input,
            items: items.into_iter(),
            current: None,
            ended: Vec::new(),
            stop_after,
            said: 0,
        });
    });
    let result = body();
    // Set above and taken only here.
    let Some(batch) = BATCH.with(|batch| batch.borrow_mut().take()) else {
        return (result, BatchOutcome::default());
    };
    let mut ended = batch.ended;
    let mut failed = None;
    if let Some((key, began)) = batch.current {
        let said = end_call();
        let time = began.elapsed();
        match &result {
            Ok(_) => ended.push(BatchCall { key, said, time }),
            Err(_) => failed = Some((key, time)),
        }
    }
    let outcome = BatchOutcome {
        ended,
        failed,
        left: batch.items.collect(),
    };
    (result, outcome)
}

/// The driver's next document: ends the batch's current call and begins the next; `None`
/// when the batch is done.
fn next_in_batch() -> Option<Dynamic> {
    BATCH.with(|batch| {
        let mut batch = batch.borrow_mut();
        let batch = batch.as_mut()?;
        // A call that ran out in its last statement (a helper that would have built past
        // its memory, say) has no further operation to be stopped at: it is not ended, and
        // the driver's next step stops it, as the call it is.
        if batch.current.is_some() && crate::util::memory::over_ceiling() {
            return Some(Dynamic::UNIT);
        }
        // The system clock read once: the end of one call, the start of the next.
        let now = std::time::Instant::now();
        if let Some((key, began)) = batch.current.take() {
            let said = METER.with(std::cell::Cell::get).said;
            batch.said = batch.said.saturating_add(said);
            batch.ended.push(BatchCall {
                key,
                said: end_call(),
                time: now.saturating_duration_since(began),
            });
            // The first call always begins: every batch checks a document at least.
            if batch.stop_after.is_some_and(|at| now > at) || batch.said > BATCH_SAID_BYTES {
                return None;
            }
        }
        let item = batch.items.next()?;
        begin_call(item.input, &batch.input, now);
        batch.current = Some((item.key, now));
        Some(item.value)
    })
}

/// The documents cross-document helpers see. Every answer is a view (a list view of
/// document views), built once and handed out in O(1): never a copy.
pub trait Lookup: Send + Sync + 'static {
    /// Every document of `kind`.
    fn docs(&self, kind: &str) -> Dynamic;
    /// The documents of `kind` whose `field` is present and not blank: the few policies
    /// with `required_training` among many.
    fn docs_with(&self, kind: &str, field: &str) -> Dynamic;
    /// One document by kind and id; `()` when there is none.
    fn find(&self, kind: &str, id: &str) -> Dynamic;
    /// Whether a document of `kind` (a person, for `person`) has the id: what `unresolved`
    /// asks, which reads nothing of the document.
    fn exists(&self, kind: &str, id: &str) -> bool {
        !self.find(kind, id).is_unit()
    }
    /// The documents of `kind` whose `field` is `id` or a list holding it: the reverse of a
    /// reference such as an incident's `runbooks_used`.
    fn referencing(&self, kind: &str, field: &str, id: &str) -> Dynamic;
    /// The id of a document of `kind` (or a person, for `person`) that `id` is most likely a
    /// slip of; `()` when none is close.
    fn nearest(&self, kind: &str, id: &str) -> Dynamic;
    /// How many documents of `kind` there are (people on the rosters, for `person`),
    /// nothing of them read: whether a repository keeps rosters at all.
    fn count(&self, kind: &str) -> i64 {
        self.docs(kind)
            .read_lock::<super::view::ListView>()
            .map_or(0, |list| i64::try_from(list.len()).unwrap_or(i64::MAX))
    }
}

/// A lookup's answer when it found nothing.
pub fn no_documents() -> Dynamic {
    Dynamic::from(super::view::ListView::Values(Arc::from(Vec::new())))
}

/// An id as rules pass it and documents write it: text, or a number without quotes. One
/// reading for both, so `referencing(.., 42)` finds `runbooks_used: [42]`.
pub(super) fn id_text(id: &Dynamic) -> Option<String> {
    if let Some(text) = id.read_lock::<ImmutableString>() {
        Some(text.to_string())
    } else if id.is_int() || id.is_float() {
        Some(id.to_string())
    } else {
        None
    }
}

/// A lookup over no documents, for loading rule metadata.
pub struct NoDocuments;

impl Lookup for NoDocuments {
    fn docs(&self, _kind: &str) -> Dynamic {
        no_documents()
    }
    fn find(&self, _kind: &str, _id: &str) -> Dynamic {
        Dynamic::UNIT
    }
    fn docs_with(&self, _kind: &str, _field: &str) -> Dynamic {
        no_documents()
    }
    fn referencing(&self, _kind: &str, _field: &str, _id: &str) -> Dynamic {
        no_documents()
    }
    fn nearest(&self, _kind: &str, _id: &str) -> Dynamic {
        Dynamic::UNIT
    }
}

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

fn error(message: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        Position::NONE,
    ))
}

/// A date from a value: a `Date` as it is, text parsed; `None` for anything else.
pub fn to_moment(value: &Dynamic) -> Option<Moment> {
    if let Some(moment) = value.clone().try_cast::<Moment>() {
        return Some(moment);
    }
    value
        .read_lock::<ImmutableString>()
        .and_then(|text| Moment::parse(&text))
}

/// A kind (`"runbook"`) or a list of kinds, as the lookups name them; an error for
/// anything else, which would otherwise leave every id unresolved.
fn kinds_of(kinds: &Dynamic) -> RhaiResult<Vec<String>> {
    let kind = |kind: &Dynamic| {
        kind.read_lock::<ImmutableString>()
            .map(|kind| crate::document::normalise_kind(&kind))
    };
    if let Some(kind) = kind(kinds) {
        return Ok(vec![kind]);
    }
    if !kinds.is_array() && kinds.read_lock::<super::view::ListView>().is_none() {
        return Err(error("unresolved: the kind is a text or a list of texts"));
    }
    let mut all = Vec::new();
    super::view::each_item(kinds, None, |_, each| all.extend(kind(each)));
    Ok(all)
}

/// Whether `day` is on or after `from` and on or before `to`, either `()` for no bound; a
/// bound that is neither `()` nor a date makes no span.
fn in_span(day: Moment, from: &Dynamic, to: &Dynamic) -> bool {
    let after = from.is_unit() || to_moment(from).is_some_and(|from| from <= day);
    let before = to.is_unit() || to_moment(to).is_some_and(|to| day <= to);
    after && before
}

fn date_or_unit(moment: Option<Moment>) -> Dynamic {
    moment.map_or(Dynamic::UNIT, Dynamic::from)
}

/// `blank(x)`: unit, an empty or whitespace string, an empty array or map.
pub fn is_blank(value: &Dynamic) -> bool {
    is_blank_with(value, &[])
}

pub use crate::util::text::{is_blank_text, is_hint};

/// `blank(x)` of the rule API: unit, an empty or whitespace string, one of `placeholders`
/// (`TBD`, `unknown`, `n/a`…, whatever the case) or a template's italic hint, an empty array
/// or map.
pub fn is_blank_with(value: &Dynamic, placeholders: &[String]) -> bool {
    if value.is_unit() {
        return true;
    }
    if let Some(text) = value.read_lock::<ImmutableString>() {
        return is_blank_text(&text, placeholders);
    }
    if let Some(items) = value.read_lock::<Array>() {
        return items.is_empty();
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map.is_empty();
    }
    super::view::is_empty_view(value).unwrap_or(false)
}

/// `blank(value)` as the current call's rule reads it: with the pack's placeholders.
fn blank(value: &Dynamic) -> bool {
    CALL.with(|call| is_blank_with(value, &call.borrow().placeholders))
}

/// The engine that re-runs a failed rule step by step, remembering where it was when a
/// limit stopped it. Slower; used only after a failure.
#[allow(deprecated)] // Rhai marks its debugger interface volatile, not deprecated.
pub fn build_tracer(limits: Limits, as_of: Moment, lookup: Arc<dyn Lookup>) -> Engine {
    let mut engine = build(limits, as_of, lookup);
    engine.on_progress(|operations| {
        let at = STOP_AT.with(std::cell::Cell::get);
        let base = METER.with(std::cell::Cell::get).base;
        if at > 0 && operations.saturating_sub(base) >= at {
            return Some(Dynamic::from(OUT_OF_OPERATIONS));
        }
        progress(operations)
    });
    engine.register_debugger(
        |_, debugger| debugger,
        |_context, event, _node, _source, position| {
            // Only steps: the exit events carry the closing brace of the function.
            if matches!(event, rhai::debugger::DebuggerEvent::Step) && !position.is_none() {
                TRACE.with(|trace| trace.set(position));
            }
            // A step under the debugger can be slow (it sees the whole scope): the clock is
            // read at each one, so the re-run ends on time whatever the rule holds.
            if super::clock::advance() > DEADLINE.with(std::cell::Cell::get) {
                return Err(stopped(OUT_OF_TIME));
            }
            Ok(rhai::debugger::DebuggerCommand::StepInto)
        },
    );
    engine
}

/// Builds the engine for one run: `as_of` is what `today()` returns.
pub fn build(limits: Limits, as_of: Moment, lookup: Arc<dyn Lookup>) -> Engine {
    let mut engine = Engine::new_raw();
    // One module with every package's functions: Rhai looks a function up module by module
    // (and, for operators it has built in, through every module before it gives up), so
    // eight packages cost eight lookups per call site that are not yet cached.
    let mut standard = rhai::Module::new();
    CorePackage::init(&mut standard);
    LogicPackage::init(&mut standard);
    BasicStringPackage::init(&mut standard);
    MoreStringPackage::init(&mut standard);
    BasicArrayPackage::init(&mut standard);
    BasicMapPackage::init(&mut standard);
    BasicMathPackage::init(&mut standard);
    BasicFnPackage::init(&mut standard);
    standard.register_lazy_functions();
    standard.build_index();
    engine.register_global_module(standard.into());

    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.set_max_modules(0);
    engine.disable_symbol("eval");
    engine.disable_symbol("import");
    engine.set_max_strings_interned(0);
    // Operations are counted per rule call by `progress`, not by Rhai: one Rhai call runs
    // a batch of rule calls.
    engine.set_max_operations(0);
    engine.set_max_call_levels(limits.call_levels);
    engine.set_max_expr_depths(limits.expression_depth, limits.function_expression_depth);
    // No data size limits in Rhai: with any of them set it re-measures a whole array after
    // every `push`, so building a list is quadratic. The call's memory budget, checked at
    // every operation, and the checked helpers below (`pad`, `replace`, `split`…) bound
    // what a rule builds instead.
    // Without the counting allocator (the library embedded elsewhere) nothing measures a
    // call's memory: Rhai's own limits then bound each value, at that quadratic cost.
    if crate::util::memory::counting() {
        engine.set_max_string_size(0);
        engine.set_max_array_size(0);
        engine.set_max_map_size(0);
    } else {
        engine.set_max_string_size(limits.string_bytes);
        engine.set_max_array_size(limits.array_items);
        engine.set_max_map_size(limits.map_entries);
    }
    engine.set_max_variables(1_000);
    engine.set_max_functions(1_000);
    engine.on_progress(progress);

    // Never to stdout: it would corrupt JSON and SARIF output. `--verbose` shows it.
    // Past the call's output budget nothing more is kept; the next operation stops it.
    engine.on_print(|text| {
        if say(text.len()) {
            CALL.with(|call| call.borrow_mut().printed.push(text.to_owned()));
        }
    });
    engine.on_debug(|text, _source, position| {
        if say(text.len()) {
            CALL.with(|call| {
                call.borrow_mut()
                    .printed
                    .push(format!("{text} (line {})", position.line().unwrap_or(0)));
            });
        }
    });
    super::bounded::register(&mut engine, limits);
    engine.register_type_with_name::<BatchDocuments>("batch");
    engine.register_iterator::<BatchDocuments>();
    engine.register_fn("__lessons_batch", || BatchDocuments);

    register_reporting(&mut engine);
    register_contains(&mut engine);
    register_dates(&mut engine, as_of);
    super::view::register(&mut engine);
    super::memo::register(&mut engine);
    super::text::register(&mut engine, limits);

    engine.register_fn("blank", |value: Dynamic| blank(&value));

    let docs = Arc::clone(&lookup);
    engine.register_fn("docs", move |kind: &str| {
        docs.docs(&crate::document::normalise_kind(kind))
    });
    let having = Arc::clone(&lookup);
    engine.register_fn("docs", move |kind: &str, field: &str| {
        having.docs_with(&crate::document::normalise_kind(kind), field)
    });
    let find = Arc::clone(&lookup);
    engine.register_fn("find", move |kind: &str, id: Dynamic| -> Dynamic {
        match id_text(&id) {
            Some(id) => find.find(&crate::document::normalise_kind(kind), &id),
            None => Dynamic::UNIT,
        }
    });
    let count = Arc::clone(&lookup);
    engine.register_fn("count", move |kind: &str| {
        count.count(&crate::document::normalise_kind(kind))
    });
    let nearest = Arc::clone(&lookup);
    engine.register_fn("nearest", move |kind: &str, id: Dynamic| -> Dynamic {
        match id_text(&id) {
            Some(id) => nearest.nearest(&crate::document::normalise_kind(kind), &id),
            None => Dynamic::UNIT,
        }
    });
    // `unresolved("runbook", doc.runbooks_used)`, `unresolved("person", items, "owner")`:
    // the positions of the ids that name no document of the kind (of any of the kinds in a
    // list); blank values and values that are not ids are passed over (LL000's business).
    // One call for a list a rule would otherwise look up an item at a time.
    let unresolved = Arc::clone(&lookup);
    let unresolved = Arc::new(
        move |kinds: &Dynamic, list: &Dynamic, key: Option<&str>| -> RhaiResult<Array> {
            let kinds = kinds_of(kinds)?;
            let mut found = Array::new();
            super::view::each_item(list, key, |at, value| {
                // What LL000 does not report: text that says something, or a number.
                let is_id = (value.is_string() || value.is_int()) && !blank(value);
                let named = |id: &str| kinds.iter().any(|kind| unresolved.exists(kind, id));
                if is_id && id_text(value).is_some_and(|id| !named(&id)) {
                    found.push(Dynamic::from_int(i64::try_from(at).unwrap_or(i64::MAX)));
                }
            });
            Ok(found)
        },
    );
    let whole = Arc::clone(&unresolved);
    engine.register_fn("unresolved", move |kinds: Dynamic, list: Dynamic| {
        whole(&kinds, &list, None)
    });
    engine.register_fn(
        "unresolved",
        move |kinds: Dynamic, list: Dynamic, key: &str| unresolved(&kinds, &list, Some(key)),
    );
    engine.register_fn(
        "referencing",
        move |kind: &str, field: &str, id: Dynamic| -> Dynamic {
            match id_text(&id) {
                Some(id) => lookup.referencing(&crate::document::normalise_kind(kind), field, &id),
                None => no_documents(),
            }
        },
    );
    engine
}

/// `x in [..]` (Rhai's `contains` on an array) compares every element through a call of
/// `==` that resolves the function each time: a tenth of the built-in pack's time. Text,
/// integers, booleans and `()` of the same type are compared here; anything else still goes
/// through `==`, so the answer is Rhai's.
fn register_contains(engine: &mut Engine) {
    engine.register_fn(
        "contains",
        |context: rhai::NativeCallContext, items: &mut Array, value: Dynamic| -> RhaiResult<bool> {
            Ok(items.iter().any(|item| equal(&context, item, &value)))
        },
    );
}

/// `a == b` as Rhai answers it, without a function call for text, integers, booleans and
/// `()` of the same type.
pub fn equal(context: &rhai::NativeCallContext, a: &Dynamic, b: &Dynamic) -> bool {
    if let (Some(a), Some(b)) = (
        a.read_lock::<ImmutableString>(),
        b.read_lock::<ImmutableString>(),
    ) {
        return a.as_str() == b.as_str();
    }
    if let (Ok(a), Ok(b)) = (a.as_int(), b.as_int()) {
        return a == b;
    }
    if let (Ok(a), Ok(b)) = (a.as_bool(), b.as_bool()) {
        return a == b;
    }
    if a.is_unit() && b.is_unit() {
        return true;
    }
    // `()` against text (a missing `status` against `"done"`), text against a number: Rhai
    // says `false` for values of different types, after looking for a function that would
    // compare them. Integers and floats compare by value, so they are one kind here.
    if let (Some(a), Some(b)) = (plain_kind(a), plain_kind(b)) {
        if a != b {
            return false;
        }
    }
    context
        .call_native_fn::<Dynamic>("==", (a.clone(), b.clone()))
        .is_ok_and(|equal| equal.as_bool().unwrap_or(false))
}

/// The kinds of value no two of which are ever equal; `None` for the rest (a character
/// equals a one-character text in Rhai, and documents compare by their fields).
fn plain_kind(value: &Dynamic) -> Option<u8> {
    if value.is_unit() {
        Some(0)
    } else if value.is_bool() {
        Some(1)
    } else if value.is_string() {
        Some(2)
    } else if value.is_int() || value.is_float() {
        Some(3)
    } else {
        None
    }
}

fn register_reporting(engine: &mut Engine) {
    fn push(path: &str, message: &str, help: Option<&str>, fix: Option<String>) -> RhaiResult<()> {
        // The help is shared between findings: only a new one counts.
        let (help, new_help) = match help.map(shared_help) {
            Some((help, true)) => {
                let bytes = help.len();
                (Some(help), bytes)
            }
            Some((help, false)) => (Some(help), 0),
            None => (None, 0),
        };
        let fix_bytes = fix.as_ref().map_or(0, String::len);
        if !say(path.len() + message.len() + new_help + fix_bytes) {
            return Err(stopped(OUT_OF_OUTPUT));
        }
        CALL.with(|call| {
            call.borrow_mut().reports.push(Report {
                path: path.to_owned(),
                message: message.to_owned(),
                help,
                fix,
            });
        });
        Ok(())
    }
    engine.register_fn("report", |path: &str, message: &str| {
        push(path, message, None, None)
    });
    engine.register_fn("report", |path: &str, message: &str, help: &str| {
        push(path, message, Some(help), None)
    });
    // `report(path, message, help, #{ fix: "closed" })`: a finding with the text that fixes
    // it, written at the finding's span by `check --fix` and the editor's quick fix.
    engine.register_fn(
        "report",
        |path: &str, message: &str, help: &str, options: rhai::Map| -> RhaiResult<()> {
            let fix = match options.get("fix") {
                None => None,
                Some(value) if value.is_string() => Some(value.to_string()),
                Some(value) => {
                    return Err(error(format!(
                        "`fix` must be the replacement text, not {}",
                        value.type_name()
                    )))
                }
            };
            if let Some(key) = options.keys().find(|key| key.as_str() != "fix") {
                return Err(error(format!(
                    "report() knows no option `{key}` (only `fix`)"
                )));
            }
            let help = (!help.is_empty()).then_some(help);
            push(path, message, help, fix)
        },
    );
    // What to call a document without an id: its file, never "incident incident".
    engine.register_fn("file", || CALL.with(|call| call.borrow().file.clone()));
    engine.register_fn("param", |name: &str| -> RhaiResult<Dynamic> {
        CALL.with(|call| {
            call.borrow().params.get(name).cloned().ok_or_else(|| {
                error(format!(
                    "unknown parameter `{name}`: declare it in RULE.params"
                ))
            })
        })
    });
}

fn register_dates(engine: &mut Engine, as_of: Moment) {
    engine.register_type_with_name::<Moment>("Date");
    engine.register_fn("today", move || as_of);
    engine.register_fn("date", |value: Dynamic| date_or_unit(to_moment(&value)));
    engine.register_fn("days_between", |a: Dynamic, b: Dynamic| -> Dynamic {
        match (to_moment(&a), to_moment(&b)) {
            (Some(a), Some(b)) => Dynamic::from_int(a.days_until(&b)),
            _ => Dynamic::UNIT,
        }
    });
    engine.register_fn("age_days", move |value: Dynamic| -> Dynamic {
        to_moment(&value).map_or(Dynamic::UNIT, |moment| {
            Dynamic::from_int(moment.days_until(&as_of))
        })
    });
    // `latest_date(doc.timeline, "at")`: the latest date among the items' `at`, `()` when
    // none is one. A loop a rule would otherwise run per entry, with a parse and a compare.
    engine.register_fn("latest_date", |list: Dynamic, field: &str| -> Dynamic {
        let mut latest: Option<Moment> = None;
        super::view::each_field(&list, field, |value| {
            if let Some(day) = to_moment(value) {
                if latest.is_none_or(|latest| day > latest) {
                    latest = Some(day);
                }
            }
        });
        date_or_unit(latest)
    });
    // `within(day, from, to)`, `within(day, spans)`: whether the day falls in the span, or in
    // one of a list of `[from, to]` spans (a training record's completion and expiry); an
    // end that is `()` is open. A day that is not a date is in no span.
    engine.register_fn("within", |day: Dynamic, from: Dynamic, to: Dynamic| {
        to_moment(&day).is_some_and(|day| in_span(day, &from, &to))
    });
    engine.register_fn("within", |day: Dynamic, spans: Dynamic| {
        let Some(day) = to_moment(&day) else {
            return false;
        };
        let mut found = false;
        super::view::each_item(&spans, None, |_, span| {
            // A span is a list of two, whichever kind of list it is.
            let mut bounds = Vec::with_capacity(2);
            if !found {
                super::view::each_item(span, None, |_, bound| bounds.push(bound.clone()));
            }
            if let [from, to] = bounds.as_slice() {
                found = in_span(day, from, to);
            }
        });
        found
    });
    engine.register_fn("add_days", |moment: &mut Moment, days: i64| {
        date_or_unit(moment.add_days(days))
    });
    engine.register_get("year", |moment: &mut Moment| i64::from(moment.date.year()));
    engine.register_get("month", |moment: &mut Moment| {
        i64::from(moment.date.month())
    });
    engine.register_get("day", |moment: &mut Moment| i64::from(moment.date.day()));
    engine.register_fn("to_string", |moment: &mut Moment| moment.to_string());
    engine.register_fn("to_debug", |moment: &mut Moment| {
        format!("date(\"{moment}\")")
    });
    engine.register_fn("==", |a: Moment, b: Moment| a == b);
    engine.register_fn("!=", |a: Moment, b: Moment| a != b);
    engine.register_fn("<", |a: Moment, b: Moment| a < b);
    engine.register_fn("<=", |a: Moment, b: Moment| a <= b);
    engine.register_fn(">", |a: Moment, b: Moment| a > b);
    engine.register_fn(">=", |a: Moment, b: Moment| a >= b);
}
