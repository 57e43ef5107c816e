//! `lessons`: policy-as-code checks for the lessons-learned phase of incident response.
//!
//! The library does the whole job without printing: [`check`] loads a repository, runs the
//! rules and returns an [`Outcome`]; the `lessons` binary only parses arguments, calls it
//! and renders.

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod document;
pub mod finding;
pub mod fix;
pub mod formats;
pub mod gate;
pub mod init;
pub mod output;
pub mod policy;
pub mod report;
pub mod rule_tests;
pub mod rules;
pub mod server;
pub mod show;
pub mod source;
pub mod util;
pub mod workspace;

pub use check::{check, Closing, Error, Options, Outcome, Timing};
pub use util::paths::relative_from;
