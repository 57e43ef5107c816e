//! Word and phrase matching for rules that read prose (root causes, action item titles):
//! loops a rule would otherwise run character by character in the interpreter, done once
//! natively and charged to the call like any other work.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, ImmutableString};

use super::engine::charge;
use super::view::ListView;

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
/// What one pattern may compile to (`regex` refuses a larger automaton with an error), and
/// what its lazy DFA may cache while matching.
const PATTERN_BYTES: usize = 1 << 20;
const PATTERN_CACHE_BYTES: usize = 1 << 18;

thread_local! {
    static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>> =
        std::cell::RefCell::default();
}

/// Whether `pattern`, a regular expression (the `regex` crate's syntax: no look-around or
/// back-references, so matching takes time linear in the text), matches anywhere in
/// `text`; `^…$` anchors it to the whole text.
fn matches(text: &str, pattern: &str) -> Result<bool, Box<rhai::EvalAltResult>> {
    charge(text.len() as u64 / 16 + 1);
    PATTERNS.with(|patterns| {
        if let Some(regex) = patterns.borrow().get(pattern) {
            return Ok(regex.is_match(text));
        }
        charge(pattern.len() as u64 + 1);
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(PATTERN_BYTES)
            .dfa_size_limit(PATTERN_CACHE_BYTES)
            .build()
            .map_err(|problem| {
                Box::new(rhai::EvalAltResult::ErrorRuntime(
                    format!("`matches`: the pattern `{pattern}` cannot be used: {problem}").into(),
                    rhai::Position::NONE,
                ))
            })?;
        let found = regex.is_match(text);
        let mut patterns = patterns.borrow_mut();
        if patterns.len() < PATTERNS_KEPT {
            patterns.insert(pattern.to_owned(), regex);
        }
        Ok(found)
    })
}

/// The items of a list as one text, `separator` between them: text as it is, anything else
/// as `to_string` writes it (`()` as nothing).
fn join(items: &[Dynamic], separator: &str) -> String {
    let mut joined = String::new();
    for (at, item) in items.iter().enumerate() {
        if at > 0 {
            joined.push_str(separator);
        }
        match item.read_lock::<ImmutableString>() {
            Some(text) => joined.push_str(&text),
            None if item.is_unit() => {}
            None => joined.push_str(&item.to_string()),
        }
    }
    charge(joined.len() as u64 / 16 + 1);
    joined
}

pub fn register(engine: &mut Engine) {
    // `reasons.join(", ")`: a message's list, without a closure called per item.
    engine.register_fn("join", |items: &mut Array, separator: &str| {
        join(items, separator)
    });
    engine.register_fn("join", |items: &mut ListView, separator: &str| {
        on_list(items, |items| join(items, separator))
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
                .contains("the pattern `(unclosed` cannot be used: regex parse error"),
            "{error}"
        );
    }

    #[test]
    fn lists_join_as_text() {
        let items = [
            Dynamic::from("a"),
            Dynamic::from_int(2),
            Dynamic::UNIT,
            Dynamic::from("d"),
        ];
        assert_eq!(join(&items, ", "), "a, 2, , d");
        assert_eq!(join(&[], ", "), "");
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
