//! A root cause stated in prose rather than under its own heading: narrative post-mortems
//! say "A typo in the config push caused …" in their summary, status pages "Due to an
//! expired certificate, …" in an update. The first sentence that states a cause is taken,
//! and `lessons show` says which.

use std::sync::LazyLock;

use regex::Regex;

use crate::document::body::{Block, Body};
use crate::document::Span;

/// Words that state a cause, strongest first: a sentence naming *the root cause* wins over
/// one that says *because*.
static STATES_A_CAUSE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)\broot[ -]?causes?\b",
        r"(?i)\b(?:was|were|is|are|been)\s+(?:ultimately\s+|directly\s+|mainly\s+|primarily\s+)?(?:caused|triggered)\s+by\b",
        r"(?i)\bcaused\b|\btriggered\b|\bled\s+to\b|\bresulted\s+(?:from|in)\b|\bstemmed\s+from\b",
        r"(?i)\bdue\s+to\b|\bbecause\b|\bas\s+a\s+result\s+of\b|\bthe\s+cause\s+was\b",
    ]
    .iter()
    .map(|pattern| Regex::new(pattern).expect("a valid pattern"))
    .collect()
});

/// A sentence that says the cause is not known yet states none.
static NOT_KNOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:unknown|not\s+(?:yet\s+)?(?:known|clear|determined|identified|understood)|under\s+investigation|still\s+investigating|investigating\s+the|tbd|to\s+be\s+determined|no\s+root\s+cause|we\s+do(?:n't|\s+not)\s+know|will\s+(?:publish|share|follow)|is\s+expected|post-?mortem\s+(?:will|is\s+expected))",
    )
    .expect("a valid pattern")
});

/// A short section that only says the cause is not known yet ("Still unknown, tracked in
/// #2390", "TBD after the vendor's report"): no root cause.
pub fn says_not_known(text: &str) -> bool {
    text.chars().count() <= 160 && NOT_KNOWN.is_match(text)
}

/// The sentence of `body` that states a cause, where it is and the heading it is under
/// (empty before the first heading). Sections whose key is in `elsewhere` (the timeline,
/// action items, what went well …) are not read: a cause there is not the incident's.
pub fn cause(
    body: &Body,
    elsewhere: &[String],
    placeholders: &[String],
) -> Option<(String, Span, String)> {
    let mut best: Option<(usize, String, Span, String)> = None;
    for section in &body.sections {
        if elsewhere.contains(&section.key) {
            continue;
        }
        let mut texts = Vec::new();
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => texts.push(text),
                Block::List(items) => texts.extend(items.iter().map(|item| &item.text)),
                Block::Table(_) => {}
            }
        }
        for text in texts {
            let Some(words) = text.content() else {
                continue;
            };
            if super::items::is_placeholder(words, placeholders) {
                continue;
            }
            for sentence in sentences(words) {
                if NOT_KNOWN.is_match(sentence) {
                    continue;
                }
                let Some(strength) = STATES_A_CAUSE
                    .iter()
                    .position(|says| says.is_match(sentence))
                else {
                    continue;
                };
                if best.as_ref().is_none_or(|(known, ..)| strength < *known) {
                    best = Some((
                        strength,
                        sentence.to_owned(),
                        text.span.clone(),
                        section.heading.clone(),
                    ));
                }
                if strength == 0 {
                    break;
                }
            }
        }
    }
    best.map(|(_, sentence, span, heading)| (sentence, span, heading))
}

/// The sentences of a paragraph: split after `.`, `!` or `?` followed by a space, and at
/// line breaks; `e.g.` and `i.e.` do not end one.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (at, c) in text.char_indices() {
        let ends = match c {
            '\n' => true,
            '.' | '!' | '?' => {
                bytes.get(at + 1).is_some_and(|next| *next == b' ')
                    && !text[..at].ends_with("e.g")
                    && !text[..at].ends_with("i.e")
            }
            _ => false,
        };
        if ends {
            pieces.push(text[start..=at].trim());
            start = at + c.len_utf8();
        }
    }
    pieces.push(text[start..].trim());
    pieces.into_iter().filter(|piece| piece.len() > 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause_of(text: &str) -> Option<String> {
        cause(
            &crate::document::body::parse(text, 0),
            &["timeline".into()],
            &[],
        )
        .map(|(s, _, _)| s)
    }

    #[test]
    fn the_sentence_that_states_the_cause() {
        assert_eq!(
            cause_of("# Outage\n\nOn 3 March the API failed. A typo and a name conflict caused the DNS records to vanish. We fixed it.\n").as_deref(),
            Some("A typo and a name conflict caused the DNS records to vanish.")
        );
        assert_eq!(
            cause_of("Due to [an expired root certificate](https://x) our LDAP server is down.\n")
                .as_deref(),
            Some("Due to an expired root certificate our LDAP server is down.")
        );
        // The root cause named outright wins over a *because* earlier on.
        assert_eq!(
            cause_of(
                "We paged twice because nobody answered. The root cause was an expired token.\n"
            )
            .as_deref(),
            Some("The root cause was an expired token.")
        );
    }

    #[test]
    fn no_cause_when_none_is_stated_or_it_is_not_known() {
        assert_eq!(
            cause_of("The API was down for an hour. It is back.\n"),
            None
        );
        assert_eq!(
            cause_of("The root cause is still under investigation.\n"),
            None
        );
        assert_eq!(
            cause_of("A post-mortem is expected in the upcoming days.\n"),
            None
        );
        assert_eq!(
            cause_of("## Timeline\n\n- 10:00 deploy caused errors\n"),
            None
        );
    }
}
