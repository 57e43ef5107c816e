//! The leaf of the crate: what every layer may use and that uses nothing of the crate —
//! paths, globs, the blank-text test, the allocator's accounting, embedded data files.

pub mod embedded;
pub mod globs;
pub mod memory;
pub mod paths;
pub mod text;
