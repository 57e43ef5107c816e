//! A coarse clock for rule calls, read with one atomic load, so the deadline of a call can
//! be looked at on every operation: a rule whose operations are few but each slow (a
//! helper padding 16 MB, a search through a long text) is stopped on time, not after the
//! next thousand of them. Reading the system clock at every operation would cost the pack
//! a tenth of its time; this costs a load and a comparison.
//!
//! The clock holds the whole [`TICK`]s since the process first read it. A ticker thread
//! brings it up to date every tick while a run evaluates rules (the [`Ticking`] guards
//! count the runs), and a rule call brings it up to date every thousand operations and
//! when it sets a deadline, so it only ever lags behind the time: a deadline is never
//! early, and without the ticker it is late by a thousand operations at most.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How often the ticker moves the clock: the precision of a call's deadline.
pub const TICK: Duration = Duration::from_millis(5);

static NOW: AtomicU64 = AtomicU64::new(0);

/// How many runs are evaluating, and whether the ticker thread is alive.
static TICKER: Mutex<(usize, bool)> = Mutex::new((0, false));

/// The clock now, in ticks, as last brought up to date.
pub fn now() -> u64 {
    NOW.load(Ordering::Relaxed)
}

/// Brings the clock up to date from the system clock, and returns it.
pub fn advance() -> u64 {
    advance_to(Instant::now())
}

/// Brings the clock up to `now`, an instant the caller has just read, and returns it.
fn advance_to(now: Instant) -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let elapsed = ticks(now.saturating_duration_since(*EPOCH.get_or_init(Instant::now)));
    // Written only when it moves: every rule call reads the clock, and a write from each
    // thread to the one shared line at every call cost more than the rest of beginning it.
    let now = NOW.load(Ordering::Relaxed);
    if elapsed <= now {
        return now;
    }
    NOW.fetch_max(elapsed, Ordering::Relaxed).max(elapsed)
}

/// The whole ticks `span` takes, rounded up.
pub fn ticks(span: Duration) -> u64 {
    let tick = TICK.as_nanos();
    u64::try_from(span.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX)
}

/// The tick after which `span` from `now` (an instant the caller has just read: a rule
/// call reads the system clock once as it begins) has surely gone by.
pub fn deadline_after(now: Instant, span: Duration) -> u64 {
    // One more: the current tick may be nearly over.
    advance_to(now)
        .saturating_add(ticks(span))
        .saturating_add(1)
}

/// Keeps the clock moving while it is held.
pub struct Ticking(());

impl Ticking {
    pub fn start() -> Ticking {
        let mut ticker = TICKER.lock().unwrap_or_else(PoisonError::into_inner);
        ticker.0 += 1;
        if !ticker.1 {
            // Without the thread, rule calls bring the clock up to date themselves.
            ticker.1 = std::thread::Builder::new()
                .name("lessons-clock".into())
                .spawn(tick)
                .is_ok();
        }
        Ticking(())
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        let mut ticker = TICKER.lock().unwrap_or_else(PoisonError::into_inner);
        ticker.0 = ticker.0.saturating_sub(1);
    }
}

fn tick() {
    loop {
        std::thread::sleep(TICK);
        let mut ticker = TICKER.lock().unwrap_or_else(PoisonError::into_inner);
        if ticker.0 == 0 {
            ticker.1 = false;
            return;
        }
        drop(ticker);
        advance();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_while_a_run_holds_it() {
        let ticking = Ticking::start();
        let before = now();
        let started = std::time::Instant::now();
        let deadline = deadline_after(started, Duration::from_millis(20));
        assert!(deadline >= before + 5, "{before} {deadline}");
        while now() <= deadline && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(TICK);
        }
        assert!(now() > deadline, "the clock did not pass the deadline");
        // Never early: the deadline passed no sooner than the span it stands for.
        assert!(started.elapsed() >= Duration::from_millis(20));
        drop(ticking);
    }

    #[test]
    fn the_clock_follows_the_system_clock_without_the_ticker() {
        let before = advance();
        std::thread::sleep(TICK * 3);
        assert!(advance() >= before + 3);
    }

    #[test]
    fn spans_round_up_to_whole_ticks() {
        assert_eq!(ticks(Duration::ZERO), 0);
        assert_eq!(ticks(Duration::from_millis(1)), 1);
        assert_eq!(ticks(Duration::from_millis(500)), 100);
        assert_eq!(ticks(Duration::MAX), u64::MAX);
    }
}
