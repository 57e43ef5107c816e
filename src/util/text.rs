//! What counts as saying nothing: the one test `blank()` of the rule API and the `formats:`
//! mapping share.

/// A template's hint: text wholly in italics, `_Your name goes here._`.
pub fn is_hint(text: &str) -> bool {
    let text = text.trim();
    text.chars().count() > 2
        && ((text.starts_with('_') && text.ends_with('_') && !text.starts_with("__"))
            || (text.starts_with('*') && text.ends_with('*') && !text.starts_with("**")))
}

/// Text that says nothing: empty, a template's italic hint, or one of `placeholders` in
/// any case. What `blank()` and the `formats:` mapping both call blank.
pub fn is_blank_text(text: &str, placeholders: &[String]) -> bool {
    let text = text.trim();
    text.is_empty()
        || is_hint(text)
        || placeholders
            .iter()
            .any(|placeholder| placeholder.eq_ignore_ascii_case(text))
}
