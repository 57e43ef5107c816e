//! Regular expressions from text a contributor wrote — a rule's `matches(text, pattern)`, a
//! `formats:` entry's `file_name` — held to one set of bounds before and while they are
//! compiled: the regex parser spends time and memory by the pattern's length before any
//! size limit applies (16 MB of `b|b|…` took 3 GB), and each pattern otherwise keeps the
//! `regex` crate's 10 MiB default for its automaton.
//!
//! The `regex` crate's syntax: no look-around or back-references, so a search takes time
//! linear in the text, times the pattern's size.

use regex_automata::nfa::thompson;

/// The longest pattern compiled, in bytes: a rule's pattern or a file-name pattern is a line
/// or two; a longer one was built from data.
pub const MAX_PATTERN_BYTES: usize = 4 << 10;
/// What one pattern may compile to: a larger automaton is refused with an error.
pub const COMPILED_BYTES: usize = 1 << 20;
/// What a pattern's lazy DFA may cache while it searches.
pub const CACHE_BYTES: usize = 1 << 18;

/// A pattern compiled within bounds: the regex, and the automaton it was measured by.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub regex: regex::Regex,
    /// The Thompson NFA of the same pattern: its size, and what a search in steps runs.
    pub nfa: thompson::NFA,
}

impl Pattern {
    /// Compiles `pattern`: refused before parsing when longer than [`MAX_PATTERN_BYTES`],
    /// and when its automaton would pass [`COMPILED_BYTES`]. The error quotes at most a few
    /// dozen characters of the pattern.
    pub fn new(pattern: &str) -> Result<Pattern, String> {
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(format!(
                "the pattern `{}` is {} bytes long; at most {MAX_PATTERN_BYTES} (a pattern is \
                 a line or two: match a long list of words with `find_words`)",
                quoted(pattern),
                pattern.len()
            ));
        }
        // The regex crate's own first: its reasons name the problem.
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(COMPILED_BYTES)
            .dfa_size_limit(CACHE_BYTES)
            .build()
            .map_err(|problem| refused(pattern, &problem.to_string()))?;
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().nfa_size_limit(Some(COMPILED_BYTES)))
            .build(pattern)
            .map_err(|problem| refused(pattern, &problem.to_string()))?;
        Ok(Pattern { regex, nfa })
    }

    /// The memory its automaton holds, in bytes.
    pub fn compiled_bytes(&self) -> usize {
        self.nfa.memory_usage()
    }

    /// The NFA's states: what a search may do per byte of text, at worst.
    pub fn states(&self) -> usize {
        self.nfa.states().len()
    }
}

/// Why `pattern` cannot be used: the first line of the regex crate's reason (its later
/// lines repeat the pattern), cut short, after the pattern quoted.
fn refused(pattern: &str, problem: &str) -> String {
    let reason: String = problem
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('^'))
        .filter(|line| *line != "regex parse error:" && !pattern.contains(*line))
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    format!("the pattern `{}` cannot be used: {reason}", quoted(pattern))
}

/// As much of `pattern` as a message quotes.
fn quoted(pattern: &str) -> String {
    crate::finding::shortened(pattern, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_pattern_is_refused_before_it_is_parsed() {
        let long = "b|".repeat(8 << 20);
        let started = std::time::Instant::now();
        let error = Pattern::new(&long).expect_err("too long");
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
        assert!(
            error.contains("is 16777216 bytes long; at most 4096"),
            "{error}"
        );
        assert!(error.len() < 400, "{error}");
    }

    #[test]
    fn a_pattern_that_compiles_too_large_is_refused_and_quoted_short() {
        let error = Pattern::new(&r"\w{200}".repeat(20)).expect_err("too large");
        assert!(
            error.starts_with("the pattern `\\w{200}\\w{200}"),
            "{error}"
        );
        assert!(error.contains("exceeds size limit of 1048576"), "{error}");
        assert!(error.len() < 400, "{error}");
        let error = Pattern::new("(unclosed").expect_err("not a pattern");
        assert_eq!(
            error,
            "the pattern `(unclosed` cannot be used: error: unclosed group"
        );
    }
}
