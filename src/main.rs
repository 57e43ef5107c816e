//! The `lessons` binary: arguments in, exit code out; the library does the work.

// Loading a repository is millions of small allocations across threads: mimalloc cuts the
// whole run by a fifth against glibc's allocator (see bench/README.md).
#[global_allocator]
static ALLOCATOR: lessons::util::memory::Counting<mimalloc::MiMalloc> =
    lessons::util::memory::Counting(mimalloc::MiMalloc);

fn main() {
    end_quietly_on_a_closed_pipe();
    std::process::exit(lessons::cli::run());
}

/// `lessons rules | head`: when the reader goes away, end as `cat` and `grep` do — killed by
/// SIGPIPE, silently — rather than panic on the next `print!` (Rust ignores SIGPIPE, so a
/// write to a closed pipe is an error every `print!` turns into a panic).
#[cfg(unix)]
fn end_quietly_on_a_closed_pipe() {
    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // The same numbers on Linux, the BSDs and macOS.
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: restores the default action of one signal before any thread is started; no
    // handler of ours runs.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_quietly_on_a_closed_pipe() {}
