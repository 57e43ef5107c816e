//! The `lessons` binary: arguments in, exit code out; the library does the work.

// Loading a repository is millions of small allocations across threads: mimalloc cuts the
// whole run by a fifth against glibc's allocator (see bench/README.md).
#[global_allocator]
static ALLOCATOR: lessons::memory::Counting<mimalloc::MiMalloc> =
    lessons::memory::Counting(mimalloc::MiMalloc);

fn main() {
    std::process::exit(lessons::cli::run());
}
