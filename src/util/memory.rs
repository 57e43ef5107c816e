//! What each thread has allocated and not yet freed, so a rule call can be held to a memory
//! budget as a whole — 400 strings of 60 MB are each under any per-value limit, their sum
//! is not — and stopped with its name before the process runs out.
//!
//! The binary installs [`Counting`] as its global allocator. Without it (the library
//! embedded elsewhere) [`live`] stays 0 and only the per-helper checks bound memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated minus bytes freed on this thread. Const-initialised and without a
    /// destructor, so reading it from inside the allocator is always possible.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// What [`LIVE`] may reach before the rule call on this thread is stopped.
    static CEILING: Cell<isize> = const { Cell::new(isize::MAX) };
}

/// Lets the current thread hold `bytes` more than it does now (`None`: no bound), until
/// the next call.
pub fn set_ceiling(bytes: Option<usize>) {
    let ceiling = bytes.map_or(isize::MAX, |bytes| {
        live().saturating_add(isize::try_from(bytes).unwrap_or(isize::MAX))
    });
    CEILING.with(|cell| cell.set(ceiling));
}

/// Runs `work` done for the whole run on a call's thread (a document read when a rule
/// first looks it up, kept for every later call): what it holds afterwards is not the
/// call's, so the call keeps the room it had.
pub fn outside_the_call<T>(work: impl FnOnce() -> T) -> T {
    let room = headroom();
    let result = work();
    if let Ok(room) = usize::try_from(room) {
        if CEILING.with(Cell::get) != isize::MAX {
            set_ceiling(Some(room));
        }
    }
    result
}

/// Trips [`over_ceiling`] whatever the thread holds: another budget of the call ran out.
pub fn trip() {
    CEILING.with(|cell| cell.set(isize::MIN));
}

/// Whether the thread holds more than its ceiling allows: one comparison, cheap enough
/// for every operation of a rule.
pub fn over_ceiling() -> bool {
    LIVE.with(Cell::get) > CEILING.with(Cell::get)
}

/// What the thread may still take before it passes its ceiling.
pub fn headroom() -> isize {
    CEILING.with(Cell::get).saturating_sub(live())
}

/// Bytes this thread holds now, as counted since it started (may be negative when it frees
/// what another thread allocated). Differences between two readings are what matters.
pub fn live() -> isize {
    LIVE.with(Cell::get)
}

/// Whether [`Counting`] is the global allocator: when it is not, a rule call's memory
/// cannot be measured and the engine falls back to Rhai's per-value size limits.
pub fn counting() -> bool {
    static COUNTING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *COUNTING.get_or_init(|| {
        let before = live();
        let probe = std::hint::black_box(vec![0u8; 4096]);
        let counted = live().wrapping_sub(before) >= 4096;
        drop(probe);
        counted
    })
}

fn add(bytes: usize) {
    let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
    let _ = LIVE.try_with(|live| live.set(live.get().wrapping_add(bytes)));
}

fn sub(bytes: usize) {
    let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
    let _ = LIVE.try_with(|live| live.set(live.get().wrapping_sub(bytes)));
}

/// A global allocator that counts, per thread, what `inner` hands out.
///
/// Blocks of [`LARGE`] bytes or more go to the system allocator instead, which maps each
/// from the operating system and unmaps it when it is freed. `inner` (mimalloc) keeps the
/// address space it reserved for them: a rule building ever longer strings, each stopped
/// by its budget, left hundreds of MiB reserved, and a run under `ulimit -v` aborted.
pub struct Counting<A>(pub A);

/// The size from which a block is the system allocator's.
pub const LARGE: usize = 4 << 20;

// SAFETY: every call is forwarded unchanged to `inner` or to the system allocator, chosen
// by the block's size, so a block is always freed by the allocator that made it (`Layout`
// gives `dealloc` and `realloc` the size it was made with); a block that changes owner in
// `realloc` is copied. The counting touches only a thread-local integer and never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = if layout.size() >= LARGE {
            unsafe { System.alloc(layout) }
        } else {
            unsafe { self.0.alloc(layout) }
        };
        if !pointer.is_null() {
            add(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = if layout.size() >= LARGE {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            unsafe { self.0.alloc_zeroed(layout) }
        };
        if !pointer.is_null() {
            add(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        if layout.size() >= LARGE {
            unsafe { System.dealloc(pointer, layout) };
        } else {
            unsafe { self.0.dealloc(pointer, layout) };
        }
        sub(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = match (layout.size() >= LARGE, new_size >= LARGE) {
            (true, true) => unsafe { System.realloc(pointer, layout, new_size) },
            (false, false) => unsafe { self.0.realloc(pointer, layout, new_size) },
            _ => {
                // SAFETY: `realloc`'s contract makes `new_size` valid with this alignment,
                // and `alloc`/`dealloc` pick the owner of each block by its size.
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(pointer, moved, layout.size().min(new_size));
                        self.dealloc(pointer, layout);
                    }
                }
                // `alloc` and `dealloc` counted the move already.
                return moved;
            }
        };
        if !moved.is_null() {
            sub(layout.size());
            add(new_size);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block keeps its bytes and its count as it grows past [`LARGE`] (to the system
    /// allocator) and shrinks back (to `inner`).
    #[test]
    fn a_block_moving_between_the_two_allocators_keeps_its_bytes() {
        let counting = Counting(System);
        let small = Layout::from_size_align(1 << 20, 16).expect("layout");
        let before = live();
        unsafe {
            let block = counting.alloc(small);
            assert!(!block.is_null());
            for offset in 0..small.size() {
                *block.add(offset) = (offset % 251) as u8;
            }
            let grown = counting.realloc(block, small, LARGE * 2);
            assert!(!grown.is_null());
            let large = Layout::from_size_align(LARGE * 2, 16).expect("layout");
            assert_eq!(live() - before, large.size() as isize);
            let shrunk = counting.realloc(grown, large, 4096);
            assert!(!shrunk.is_null());
            for offset in 0..4096 {
                assert_eq!(*shrunk.add(offset), (offset % 251) as u8);
            }
            counting.dealloc(shrunk, Layout::from_size_align(4096, 16).expect("layout"));
        }
        assert_eq!(live(), before);
    }
}
