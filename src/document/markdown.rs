//! Markdown documents: fields from YAML front matter, the body split into sections.
//!
//! Two front-matter styles: the standard one between `---` lines at the top, and comply's,
//! a YAML header with no opening `---`, closed by a `---` line.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::tree::Span;

/// Where the front matter's YAML is and where the body starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    /// Byte range of the YAML text.
    pub yaml: Span,
    pub body_start: usize,
    /// The comply style: no opening `---`.
    pub headerless: bool,
}

/// What the top of a Markdown file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    None,
    Found(FrontMatter),
    /// A `---` opened front matter that is never closed.
    Unclosed {
        opening: Span,
    },
}

/// One body section: the heading's text (lower-cased, trimmed) and everything up to the next
/// heading of the same or a higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: super::Text,
    pub heading: Span,
    pub text: super::Text,
}

fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line.trim_end_matches(['\n', '\r']))
    })
}

pub fn find_front_matter(text: &str) -> Header {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let content = &text[start..];
    let mut lines = lines_with_offsets(content).map(|(at, line)| (at + start, line));
    let Some((_, first)) = lines.next() else {
        return Header::None;
    };
    if first.trim_end() == "---" {
        let yaml_start = start + first.len() + line_break_len(content, first.len());
        for (at, line) in lines {
            let line = line.trim_end();
            if line == "---" || line == "..." {
                return Header::Found(FrontMatter {
                    yaml: yaml_start..at,
                    body_start: next_line(text, at),
                    headerless: false,
                });
            }
        }
        return Header::Unclosed {
            opening: start..start + first.trim_end().len(),
        };
    }
    if !is_key_line(first) {
        return Header::None;
    }
    for (at, line) in lines {
        if line.trim_end() == "---" {
            let header = &text[start..at];
            if header.lines().all(looks_like_yaml) {
                return Header::Found(FrontMatter {
                    yaml: start..at,
                    body_start: next_line(text, at),
                    headerless: true,
                });
            }
            return Header::None;
        }
    }
    Header::None
}

fn line_break_len(text: &str, at: usize) -> usize {
    if text[at..].starts_with("\r\n") {
        2
    } else {
        usize::from(text[at..].starts_with('\n'))
    }
}

fn next_line(text: &str, at: usize) -> usize {
    text[at..]
        .find('\n')
        .map_or(text.len(), |offset| at + offset + 1)
}

/// `name: value` or `name:` at the start of a line: how a comply header begins.
fn is_key_line(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    let key = key.trim_matches(['"', '\'']);
    !key.is_empty()
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !key.contains(char::is_whitespace)
        && (rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// A line that can belong to a YAML header: blank, indented, a list item, a comment or a
/// key. Prose before a thematic break fails this, so it is not mistaken for a broken header.
fn looks_like_yaml(line: &str) -> bool {
    line.trim().is_empty()
        || line.starts_with([' ', '\t', '-', '#'])
        || line
            .split_once(':')
            .is_some_and(|(key, _)| !key.trim().is_empty() && !key.trim().contains("  "))
}

/// A heading of a body: its level (1 for `#`), its range in the file, where its section's
/// content starts, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub span: Span,
    pub content_start: usize,
    pub title: super::Text,
}

/// Splits the body (starting at byte `body_start` of `text`) into sections by heading.
pub fn sections(text: &str, body_start: usize) -> Vec<Section> {
    let body = text.get(body_start..).unwrap_or("");
    let mut headings: Vec<Heading> = Vec::new();
    let mut current: Option<(HeadingLevel, usize, String)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((level, range.start, String::new()));
            }
            Event::Text(words) | Event::Code(words) => {
                if let Some((_, _, title)) = current.as_mut() {
                    title.push_str(&words);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, title)) = current.take() {
                    headings.push(Heading {
                        level: level as u8,
                        span: body_start + start..body_start + range.end,
                        content_start: body_start + range.end,
                        title: title.into(),
                    });
                }
            }
            _ => {}
        }
    }
    sections_of(text, &headings)
}

/// A heading without its numbering: `5. Lessons learned`, `4.2 Root cause`, `3) Impact` are
/// the *lessons learned*, *root cause* and *impact* sections rules look for.
fn without_numbering(title: &str) -> &str {
    let digits_end = title
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(title.len());
    if digits_end == 0 || !title.starts_with(|c: char| c.is_ascii_digit()) {
        return title;
    }
    let rest = title[digits_end..]
        .strip_prefix(')')
        .unwrap_or(&title[digits_end..]);
    match rest.strip_prefix(' ') {
        Some(rest) if !rest.trim().is_empty() => rest.trim_start(),
        _ => title,
    }
}

/// The sections of `headings`: each heading's text (lower-cased, trimmed, its numbering
/// left out) and everything up
/// to the next heading of the same or a higher level; a repeated title keeps its first.
pub fn sections_of(text: &str, headings: &[Heading]) -> Vec<Section> {
    let mut result: Vec<Section> = Vec::with_capacity(headings.len());
    // The titles so far, in a set: a document of 80,000 headings compared each with every
    // earlier one for 14 s.
    let mut titles: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (index, heading) in headings.iter().enumerate() {
        // Each scan passes only deeper headings, so all of them together pass each heading
        // at most once per level.
        let end = headings[index + 1..]
            .iter()
            .find(|next| next.level <= heading.level)
            .map_or(text.len(), |next| next.span.start);
        let title = without_numbering(heading.title.trim()).to_lowercase();
        if title.is_empty() || !titles.insert(title.clone()) {
            continue;
        }
        let heading_span = heading.span.start..trim_heading_end(text, &heading.span);
        result.push(Section {
            title: title.into(),
            heading: heading_span,
            text: text
                .get(heading.content_start..end)
                .unwrap_or("")
                .trim()
                .to_owned()
                .into(),
        });
    }
    result
}

/// A setext heading's range includes its underline; a code frame wants the title line.
fn trim_heading_end(text: &str, heading: &Span) -> usize {
    let source = text.get(heading.clone()).unwrap_or("");
    heading.start
        + source
            .trim_end()
            .find('\n')
            .unwrap_or(source.trim_end().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_front_matter_is_found() {
        let text = "---\nid: INC-1\n---\n# Title\n";
        assert_eq!(
            find_front_matter(text),
            Header::Found(FrontMatter {
                yaml: 4..14,
                body_start: 18,
                headerless: false
            })
        );
    }

    #[test]
    fn comply_header_without_opening_line_is_found() {
        let text = "name: Policy\nmajorRevisions:\n  - date: Jun 1 2018\n---\n# Purpose\n";
        let Header::Found(front) = find_front_matter(text) else {
            panic!("no header")
        };
        assert!(front.headerless);
        assert_eq!(
            &text[front.yaml.clone()],
            "name: Policy\nmajorRevisions:\n  - date: Jun 1 2018\n"
        );
    }

    #[test]
    fn prose_before_a_thematic_break_is_not_a_header() {
        let text = "Note: this page is a draft.\n\nIt explains our process.\n\n---\n\nMore.\n";
        assert_eq!(find_front_matter(text), Header::None);
        assert_eq!(find_front_matter("# Title\n---\n"), Header::None);
    }

    #[test]
    fn unclosed_front_matter_is_reported() {
        assert_eq!(
            find_front_matter("---\nid: 1\n"),
            Header::Unclosed { opening: 0..3 }
        );
    }

    #[test]
    fn sections_nest_by_heading_level() {
        let text = "# Post-mortem\nintro\n## Root Cause\nThe VPN had no MFA.\n### Detail\nmore\n## Timeline\nt\n";
        let found = sections(text, 0);
        let titles: Vec<&str> = found.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["post-mortem", "root cause", "detail", "timeline"]);
        assert_eq!(found[1].text, "The VPN had no MFA.\n### Detail\nmore");
        assert_eq!(&text[found[1].heading.clone()], "## Root Cause");
    }
}
