//! Word and phrase matching for rules that read prose (root causes, action item titles):
//! loops a rule would otherwise run character by character in the interpreter, done once
//! natively and charged to the call like any other work.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, ImmutableString};

use regex_automata::hybrid;

use super::bounded::Written;
use super::engine::{charge, Limits};
use super::view::ListView;
use crate::document::pattern::{self, Pattern};

/// Lower-cased words of `text`, without the punctuation around them: "(SIEM)," is `siem`.
/// Letters, digits, `-` and `'` make up a word.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

fn is_word_character(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `phrase` (lower case) occurs in `lower` as whole words: no letter, digit or `_`
/// right before or after it.
fn contains_words(lower: &str, phrase: &str) -> bool {
    // Most phrases are not in most texts: `contains` says so with a vectorised scan, where
    // `match_indices` first builds a searcher for the phrase.
    if phrase.is_empty() || !lower.contains(phrase) {
        return false;
    }
    lower.match_indices(phrase).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + phrase.len()..].chars().next();
        !before.is_some_and(is_word_character) && !after.is_some_and(is_word_character)
    })
}

/// Whether `lower` is `phrase` or starts with it followed by a space.
fn starts_with_words(lower: &str, phrase: &str) -> bool {
    !phrase.is_empty()
        && lower
            .strip_prefix(phrase)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// `text` in lower case; ASCII text, the common case, without Unicode's case tables.
fn lowered(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// How a phrase is looked for in a text: [`starts_with_words`] or [`contains_words`].
type Matcher = fn(&str, &str) -> bool;

/// `text` as phrases are matched against it: trimmed and lower-cased. Matching it against
/// `phrases` phrases is charged to the call.
fn as_searched(text: &str, phrases: usize) -> String {
    let lower = lowered(text.trim());
    charge((lower.len() as u64 / 16 + 1) * phrases as u64);
    lower
}

/// The first of `phrases` (as written) that `matches` `text`.
fn first_phrase(text: &str, phrases: &[Dynamic], matches: Matcher) -> Dynamic {
    let lower = as_searched(text, phrases.len());
    phrases
        .iter()
        .find(|phrase| {
            phrase
                .read_lock::<ImmutableString>()
                .is_some_and(|phrase| matches(&lower, &as_matched(phrase.as_str())))
        })
        .cloned()
        .unwrap_or(Dynamic::UNIT)
}

/// A phrase as it is matched: trimmed, and in lower case (phrase lists are written in lower
/// case, so most are used as they are).
fn as_matched(phrase: &str) -> std::borrow::Cow<'_, str> {
    let phrase = phrase.trim();
    let capitals = if phrase.is_ascii() {
        phrase.bytes().any(|byte| byte.is_ascii_uppercase())
    } else {
        phrase.chars().any(char::is_uppercase)
    };
    if capitals {
        lowered(phrase).into()
    } else {
        phrase.into()
    }
}

/// A parameter's phrase list, each phrase as matched (`None` for what is not text).
struct Prepared {
    /// Kept so that its address, the key, is not another list's while it is here.
    list: Arc<[Dynamic]>,
    phrases: Vec<Option<String>>,
}

/// Lists a thread has prepared: a rule passes the same parameter list on every call, and
/// trimming and lower-casing its phrases each time cost more than matching them.
const LISTS_KEPT: usize = 16;

thread_local! {
    static PREPARED: std::cell::RefCell<Vec<Prepared>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`first_phrase`] for a shared list (a parameter, a document's list `memo` froze): its
/// phrases prepared once per thread.
fn first_shared_phrase(text: &str, list: &Arc<[Dynamic]>, matches: Matcher) -> Dynamic {
    let lower = as_searched(text, list.len());
    let found = with_prepared(list, |phrases| {
        phrases.iter().position(|phrase| {
            phrase
                .as_deref()
                .is_some_and(|phrase| matches(&lower, phrase))
        })
    });
    found.map_or(Dynamic::UNIT, |at| list[at].clone())
}

/// Calls `read` with `list`'s phrases as matched, prepared now or by an earlier call.
fn with_prepared<T>(list: &Arc<[Dynamic]>, read: impl FnOnce(&[Option<String>]) -> T) -> T {
    PREPARED.with(|kept| {
        let mut kept = kept.borrow_mut();
        if let Some(prepared) = kept.iter().find(|kept| Arc::ptr_eq(&kept.list, list)) {
            return read(&prepared.phrases);
        }
        let phrases: Vec<Option<String>> = list
            .iter()
            .map(|phrase| {
                phrase
                    .read_lock::<ImmutableString>()
                    .map(|phrase| as_matched(phrase.as_str()).into_owned())
            })
            .collect();
        let found = read(&phrases);
        if kept.len() < LISTS_KEPT {
            kept.push(Prepared {
                list: Arc::clone(list),
                phrases,
            });
        }
        found
    })
}

/// Patterns a thread has compiled, by their text: a rule calls `matches` with the same
/// literal on every document. Few and small, so that what a thread keeps between calls
/// stays a few megabytes whatever a rule builds: past this number, a pattern is compiled
/// for the call and dropped.
const PATTERNS_KEPT: usize = 32;

/// Work a search may do in one go, as the pattern's states times the bytes of the text: a
/// short id or a paragraph, searched as it is. Past it, the search runs a piece at a time
/// and looks at the call's clock and operations between pieces: `(?s).{600}z` over 16 MB
/// of text is minutes of work in one native call, which no other check would interrupt.
const WORK_IN_ONE_GO: usize = 1 << 24;
/// The bytes searched between two looks at the clock: at worst a new state of the lazy
/// DFA per byte, each a pass over the pattern's states.
const PIECE_BYTES: usize = 4 << 10;

/// A pattern as a thread keeps it: compiled, and its lazy DFA with its cache once a long
/// text needed a search in steps.
struct Kept {
    pattern: Pattern,
    stepped: Option<Stepped>,
}

struct Stepped {
    dfa: hybrid::dfa::DFA,
    cache: hybrid::dfa::Cache,
}

thread_local! {
    static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Kept>> =
        std::cell::RefCell::default();
}

type RhaiResult<T> = Result<T, Box<rhai::EvalAltResult>>;

fn runtime_error(message: String) -> Box<rhai::EvalAltResult> {
    Box::new(rhai::EvalAltResult::ErrorRuntime(
        message.into(),
        rhai::Position::NONE,
    ))
}

/// Whether `pattern`, a regular expression (the `regex` crate's syntax: no look-around or
/// back-references, so matching takes time linear in the text), matches anywhere in
/// `text`; `^…$` anchors it to the whole text. The pattern is held to the bounds of
/// [`crate::document::pattern`]; a long search is stopped by the call's budgets.
fn matches(text: &str, pattern: &str) -> RhaiResult<bool> {
    charge(text.len() as u64 / 16 + 1);
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if let Some(kept) = patterns.get_mut(pattern) {
            return search(kept, text);
        }
        charge(pattern.len() as u64 + 1);
        let compiled = Pattern::new(pattern)
            .map_err(|problem| runtime_error(format!("`matches`: {problem}")))?;
        let mut kept = Kept {
            pattern: compiled,
            stepped: None,
        };
        let found = search(&mut kept, text);
        if patterns.len() < PATTERNS_KEPT {
            patterns.insert(pattern.to_owned(), kept);
        }
        found
    })
}

/// Searches `text` for the kept pattern: in one go when the work is small, else in pieces.
fn search(kept: &mut Kept, text: &str) -> RhaiResult<bool> {
    let states = kept.pattern.states().max(1);
    if text.len().saturating_mul(states) <= WORK_IN_ONE_GO {
        return Ok(kept.pattern.regex.is_match(text));
    }
    if kept.stepped.is_none() {
        kept.stepped = Some(stepped(&kept.pattern)?);
    }
    let Some(stepped) = kept.stepped.as_mut() else {
        return Ok(false);
    };
    match in_pieces(stepped, text.as_bytes())? {
        Some(found) => Ok(found),
        // The regex crate's own search handles the boundary: in one go, when its work,
        // at worst, is a fraction of a second's.
        None if text.len().saturating_mul(states) <= WORK_IN_ONE_GO << 2 => {
            Ok(kept.pattern.regex.is_match(text))
        }
        None => Err(runtime_error(format!(
            "`matches`: the pattern's Unicode word boundary over {} KB of text that is not \
             ASCII is too much work for one search; `(?-u:\\b)` is an ASCII word boundary",
            text.len() >> 10
        ))),
    }
}

/// The lazy DFA a search in pieces walks, with its cache.
fn stepped(pattern: &Pattern) -> RhaiResult<Stepped> {
    let dfa = hybrid::dfa::DFA::builder()
        .configure(
            hybrid::dfa::DFA::config()
                .cache_capacity(pattern::CACHE_BYTES)
                // Never give up for a cache cleared too often: slow, but in pieces.
                .minimum_cache_clear_count(None)
                .unicode_word_boundary(true),
        )
        .build_from_nfa(pattern.nfa.clone())
        .map_err(|problem| {
            runtime_error(format!(
                "`matches`: the pattern cannot be searched: {problem}"
            ))
        })?;
    let cache = dfa.create_cache();
    Ok(Stepped { dfa, cache })
}

/// The lazy DFA's walk over `text`, a piece at a time, the call's clock and operations
/// looked at between pieces. `None` when the DFA gave up: a Unicode word boundary met a
/// byte that is not ASCII.
fn in_pieces(stepped: &mut Stepped, text: &[u8]) -> RhaiResult<Option<bool>> {
    use super::engine::{out_of_operations, out_of_time, stopped_in_helper};
    let Stepped { dfa, cache } = stepped;
    let gave_up = |_| runtime_error("`matches`: the search could not go on".to_owned());
    let input = regex_automata::Input::new(text);
    let mut state = match dfa.start_state_forward(cache, &input) {
        Ok(state) => state,
        Err(_) => return Ok(None),
    };
    for piece in text.chunks(PIECE_BYTES) {
        for &byte in piece {
            state = dfa.next_state(cache, state, byte).map_err(gave_up)?;
            if state.is_tagged() {
                // A match state is reached one byte after the match ends.
                if state.is_match() {
                    return Ok(Some(true));
                }
                if state.is_dead() {
                    return Ok(Some(false));
                }
                if state.is_quit() {
                    return Ok(None);
                }
            }
        }
        charge(piece.len() as u64 / 16 + 1);
        if out_of_time() {
            return Err(stopped_in_helper(super::engine::OUT_OF_TIME));
        }
        if out_of_operations() {
            return Err(stopped_in_helper(super::engine::OUT_OF_OPERATIONS));
        }
    }
    state = dfa.next_eoi_state(cache, state).map_err(gave_up)?;
    Ok(Some(state.is_match()))
}

/// The items of a list as one text, `separator` between them: text as it is, anything else
/// as `to_string` writes it (`()` as nothing). Written into a [`Written`]: a thousand
/// references to one 16 MB text stop at what the call may hold, not at 16 GB.
fn join(items: &[Dynamic], separator: &str, limits: &Limits) -> String {
    let mut joined = Written::new(limits);
    for (at, item) in items.iter().enumerate() {
        let written = (at == 0 || joined.push(separator))
            && match item.read_lock::<ImmutableString>() {
                Some(text) => joined.push(&text),
                None if item.is_unit() => true,
                None => joined.push(&item.to_string()),
            };
        if !written {
            break;
        }
    }
    let joined = joined.into_text();
    charge(joined.len() as u64 / 16 + 1);
    joined
}

pub fn register(engine: &mut Engine, limits: Limits) {
    // `reasons.join(", ")`: a message's list, without a closure called per item.
    engine.register_fn("join", move |items: &mut Array, separator: &str| {
        join(items, separator, &limits)
    });
    engine.register_fn("join", move |items: &mut ListView, separator: &str| {
        on_list(items, |items| join(items, separator, &limits))
    });
    // `matches(id, "^T[0-9]{4}([.][0-9]{3})?$")`: a pattern checked natively, where a rule
    // would otherwise walk the text a character at a time.
    engine.register_fn("matches", matches);
    engine.register_fn("words", |text: &str| -> Array {
        charge(text.len() as u64 / 16 + 1);
        words(text).into_iter().map(Dynamic::from).collect()
    });
    // `starts_with_words(title, ["look into", "investigate"])`: the phrase the text begins
    // with, whatever the case, as whole words; `()` when none.
    engine.register_fn("starts_with_words", |text: &str, phrases: Array| {
        first_phrase(text, &phrases, starts_with_words)
    });
    engine.register_fn("starts_with_words", |text: &str, phrases: ListView| {
        phrases_of(&phrases, text, starts_with_words)
    });
    // `find_words(cause, ["human error", "careless"])`: the first phrase found anywhere in
    // the text as whole words, whatever the case; `()` when none.
    engine.register_fn("find_words", |text: &str, phrases: Array| {
        first_phrase(text, &phrases, contains_words)
    });
    engine.register_fn("find_words", |text: &str, phrases: ListView| {
        phrases_of(&phrases, text, contains_words)
    });
}

/// A read-only list (a parameter, a document's list) as the values it holds: shared when
/// they are values already, read from the tree otherwise.
fn on_list<T>(list: &ListView, read: impl FnOnce(&[Dynamic]) -> T) -> T {
    match list {
        ListView::Values(values) => read(values),
        ListView::Items(_) => read(&list.to_array()),
    }
}

/// The first phrase of a read-only list that `matches` `text`.
fn phrases_of(list: &ListView, text: &str, matches: Matcher) -> Dynamic {
    match list {
        ListView::Values(values) => first_shared_phrase(text, values, matches),
        ListView::Items(_) => first_phrase(text, &list.to_array(), matches),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_punctuation_and_case() {
        assert_eq!(
            words("Send VPN logs (SIEM), don't wait — re-run"),
            ["send", "vpn", "logs", "siem", "don't", "wait", "re-run"]
        );
    }

    #[test]
    fn patterns_match_and_a_bad_one_says_so() {
        assert_eq!(
            matches("T1566.002", "^T[0-9]{4}([.][0-9]{3})?$").ok(),
            Some(true)
        );
        assert_eq!(
            matches("T1566.02", "^T[0-9]{4}([.][0-9]{3})?$").ok(),
            Some(false)
        );
        assert_eq!(matches("see RB-PHISH", "RB-[A-Z]+").ok(), Some(true));
        let error = matches("x", "(unclosed").expect_err("not a pattern");
        assert!(
            error
                .to_string()
                .contains("the pattern `(unclosed` cannot be used: error: unclosed group"),
            "{error}"
        );
    }

    #[test]
    fn a_long_search_in_pieces_answers_as_the_regex_does() {
        let long = "a".repeat(200_000);
        for (text, pattern) in [
            (format!("{long}z"), "(?s).{600}z"),
            (long.clone(), "(?s).{600}z"),
            (format!("x{long}"), "^x"),
            (format!("{long}x"), "^x"),
            (format!("{long}\nend"), "(?m)^end$"),
            (format!("{long} T1566.002"), r"\bT[0-9]{4}([.][0-9]{3})?\b"),
            (format!("{long}é"), "a{3}é$"),
            (String::new(), ""),
        ] {
            let pattern = Pattern::new(pattern).expect("a pattern");
            let expected = pattern.regex.is_match(&text);
            // In pieces, whatever the work; and as `matches` chooses.
            let mut walk = stepped(&pattern).expect("a lazy DFA");
            let found = in_pieces(&mut walk, text.as_bytes()).ok();
            assert_eq!(found, Some(Some(expected)), "{:?}", pattern.regex);
            let mut kept = Kept {
                pattern,
                stepped: None,
            };
            let found = search(&mut kept, &text).ok();
            assert_eq!(found, Some(expected), "{:?}", kept.pattern.regex);
        }
        // A Unicode word boundary over text that is not ASCII cannot be walked: said so.
        let text = format!("été {}", long.repeat(100));
        let mut kept = Kept {
            pattern: Pattern::new(r"\bété\b").expect("a pattern"),
            stepped: None,
        };
        let error = search(&mut kept, &text).expect_err("gave up");
        assert!(error.to_string().contains("(?-u:\\b)"), "{error}");
    }

    #[test]
    fn lists_join_as_text() {
        let items = [
            Dynamic::from("a"),
            Dynamic::from_int(2),
            Dynamic::UNIT,
            Dynamic::from("d"),
        ];
        let limits = Limits::default();
        assert_eq!(join(&items, ", ", &limits), "a, 2, , d");
        assert_eq!(join(&[], ", ", &limits), "");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(contains_words("it was human error.", "human error"));
        assert!(!contains_words("lazy loading", "lazy load"));
        assert!(!contains_words("the careless_flag", "careless"));
        assert!(contains_words("careless, again", "careless"));
        assert!(starts_with_words("look into the logs", "look into"));
        assert!(starts_with_words("investigate", "investigate"));
        assert!(!starts_with_words("investigated it", "investigate"));
    }

    #[test]
    fn a_shared_list_answers_as_a_rule_array_does_and_as_written() {
        let phrases = [
            Dynamic::from(" Look Into "),
            Dynamic::from_int(7),
            Dynamic::from("human error"),
        ];
        let shared: Arc<[Dynamic]> = Arc::from(phrases.to_vec());
        let written = |found: Dynamic| found.into_string().unwrap_or_default();
        let cases: [(&str, Matcher, &str); 3] = [
            ("  LOOK INTO the logs", starts_with_words, " Look Into "),
            ("look into", starts_with_words, " Look Into "),
            ("it was Human Error.", contains_words, "human error"),
        ];
        for (text, matcher, expected) in cases {
            assert_eq!(written(first_phrase(text, &phrases, matcher)), expected);
            // Twice: prepared on the first call, kept for the second.
            assert_eq!(
                written(first_shared_phrase(text, &shared, matcher)),
                expected
            );
            assert_eq!(
                written(first_shared_phrase(text, &shared, matcher)),
                expected
            );
        }
        assert!(first_shared_phrase("looking into it", &shared, starts_with_words).is_unit());
    }
}
