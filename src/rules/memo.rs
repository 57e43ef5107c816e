//! `memo(key, f)`: work a rule needs once per run (a table of training requirements), done
//! once and shared by every later call on every thread.
//!
//! The result is frozen into views, so no call can change what the next one reads. A thread
//! that asks for a key another thread is computing waits for it, unless it is computing a
//! memo itself: then it computes its own, so two memos that need each other cannot deadlock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, RwLock};

use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext};

use super::engine::CALL;
use super::view::freeze;

/// One rule's memos for one run, and what their results hold: past `budget` bytes (all
/// keys together, `limits: memo_mib`) no further result is kept — a memo per document,
/// each of megabytes, would otherwise sit outside every call's budget until the run ends.
pub struct Memo {
    slots: RwLock<HashMap<String, Arc<Slot>>>,
    held: AtomicUsize,
    budget: usize,
}

impl Default for Memo {
    fn default() -> Self {
        Memo::new(super::engine::Limits::default().memo_bytes)
    }
}

#[derive(Default)]
struct Slot {
    /// The result once there is one: read without a lock by every later call (a rule asks
    /// for its memo on each of tens of thousands of documents, on every thread).
    value: OnceLock<Dynamic>,
    /// What computing it looked at: what every call that reads it looked at too.
    looked: OnceLock<Vec<super::looked::Looked>>,
    /// Whether a thread is computing it; `ready` wakes the threads waiting for it.
    computing: Mutex<bool>,
    ready: Condvar,
}

thread_local! {
    /// The keys this thread is computing, innermost last.
    static COMPUTING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Memo {
    pub fn new(budget: usize) -> Memo {
        Memo {
            slots: RwLock::default(),
            held: AtomicUsize::new(0),
            budget,
        }
    }

    /// Counts `bytes` more held by results: `false`, counting nothing, past the budget.
    fn hold(&self, bytes: usize) -> bool {
        self.held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                held.checked_add(bytes)
                    .filter(|total| *total <= self.budget)
            })
            .is_ok()
    }

    fn slot(&self, key: &str) -> Arc<Slot> {
        let known = self
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned();
        known.unwrap_or_else(|| {
            let mut slots = self.slots.write().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key.to_owned()).or_default())
        })
    }
}

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

fn memo(context: NativeCallContext, key: &str, compute: FnPtr) -> RhaiResult<Dynamic> {
    let table =
        CALL.with(|call| call.borrow().memo.clone())
            .ok_or_else(|| -> Box<EvalAltResult> {
                "memo() is only available inside check()".into()
            })?;
    let (needs_itself, inside_a_memo) = COMPUTING.with(|computing| {
        let computing = computing.borrow();
        (
            computing.iter().any(|known| known == key),
            !computing.is_empty(),
        )
    });
    if needs_itself {
        return Err(format!(
            "memo(\"{}\") needs its own result: the function calls memo with the same key",
            crate::finding::shortened(key, 80)
        )
        .into());
    }
    let slot = table.slot(key);
    let read = |value: &Dynamic| {
        super::looked::extend(slot.looked.get().map_or(&[], Vec::as_slice));
        value.clone()
    };
    if let Some(value) = slot.value.get() {
        return Ok(read(value));
    }
    {
        let mut computing = slot
            .computing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(value) = slot.value.get() {
                return Ok(read(value));
            }
            if !*computing {
                *computing = true;
                break;
            }
            if inside_a_memo {
                break;
            }
            // Time spent waiting for another thread is not this call's.
            let waiting = std::time::Instant::now();
            computing = slot
                .ready
                .wait(computing)
                .unwrap_or_else(PoisonError::into_inner);
            super::engine::extend_deadline(waiting.elapsed());
        }
    }
    COMPUTING.with(|computing| computing.borrow_mut().push(key.to_owned()));
    // What the result holds: what this thread holds more once it is computed and frozen
    // (the function's own temporaries are freed by then).
    let before = crate::util::memory::live();
    let mark = super::looked::mark();
    let result = compute
        .call_within_context::<Dynamic>(&context, ())
        .map(freeze)
        .and_then(|value| {
            let bytes =
                usize::try_from(crate::util::memory::live().saturating_sub(before)).unwrap_or(0);
            if table.hold(bytes) {
                Ok(value)
            } else {
                Err(format!(
                    "memo(\"{}\"): its result ({} KiB) would take the rule's memo results past \
                     {} MiB over the run (`limits: memo_mib`)",
                    crate::finding::shortened(key, 80),
                    bytes >> 10,
                    table.budget >> 20
                )
                .into())
            }
        });
    COMPUTING.with(|computing| computing.borrow_mut().pop());
    let mut computing = slot
        .computing
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // On failure another call may do better (or fail the same way, at its own line).
    *computing = false;
    let outcome = result.inspect(|value| {
        // The first result stays: one computed meanwhile inside another memo is this
        // call's alone. What it looked at is set first: a reader of the value reads it.
        let _ = slot.looked.set(super::looked::since(mark));
        let _ = slot.value.set(value.clone());
    });
    slot.ready.notify_all();
    outcome
}

pub fn register(engine: &mut Engine) {
    engine.register_fn("memo", memo);
}
