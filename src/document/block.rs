//! The block YAML nearly every policy document is written in, read directly from the bytes.
//!
//! Incident records, rosters and runbooks are indented `key: value` lines and `- ` lists of
//! plain or quoted one-line scalars. Going through a general YAML parser's token and event
//! streams for them costs more than the rules run on them, so this reader takes that subset
//! in one pass and builds the same [`Node`] tree, spans included, that [`super::yaml`]
//! folds from `saphyr-parser` events. It also takes one-line flow lists and maps of
//! scalars and plain `|`/`>` block scalars. Anything else — nested or multi-line flow
//! collections, anchors, tags, multi-line plain or escaped scalars, several documents,
//! tabs, carriage returns, a duplicate key — makes it give up (`None`), and the file goes
//! to saphyr, which stays the reference for what YAML means and for every error message.
//! A test holds the two to the same tree on every YAML file the tests carry and on
//! generated ones.

use std::sync::Arc;

use super::tree::{Entry, Node, Value};
use super::yaml::{plain_key, resolve_plain, MAX_DEPTH};
use super::SourceFile;

/// The root node of `text` (which starts at byte `base` of its file), or `None` when the
/// text is not in the subset.
pub fn parse(text: &str, base: usize) -> Option<Node> {
    parse_in(text, base, None)
}

/// [`parse`] for the text at `base` of `file`: plain scalars stay in the file
/// ([`Value::Verbatim`]).
pub fn parse_in(text: &str, base: usize, file: Option<&Arc<SourceFile>>) -> Option<Node> {
    if !plain_bytes(text.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        base,
        file,
        line: None,
    };
    let first = reader.first_line()?;
    let root = reader.collection(first.indent(), 0)?;
    // Something left over is a line the structure did not take: not ours to judge.
    match reader.line {
        None => Some(root),
        Some(_) => None,
    }
}

/// No byte that needs YAML's full rules: tabs, carriage returns, other control characters,
/// the byte-order mark and the Unicode line separators (NEL, LS, PS).
fn plain_bytes(bytes: &[u8]) -> bool {
    // Printable ASCII, the common case, in one pass the compiler can vectorise.
    if bytes
        .iter()
        .all(|byte| (0x20..0x7f).contains(byte) || *byte == b'\n')
    {
        return true;
    }
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\n' | 0x20..=0x7e => {}
            0x00..=0x1f | 0x7f => return false,
            0xc2 if bytes.get(at + 1) == Some(&0x85) => return false,
            0xe2 if bytes.get(at + 1) == Some(&0x80)
                && matches!(bytes.get(at + 2), Some(0xa8 | 0xa9)) =>
            {
                return false
            }
            0xef if bytes.get(at + 1) == Some(&0xbb) && bytes.get(at + 2) == Some(&0xbf) => {
                return false
            }
            _ => {}
        }
        at += 1;
    }
    true
}

/// A line with something on it (not blank, not only a comment).
#[derive(Clone, Copy)]
struct Line {
    /// Where the line starts, and where its content starts after the indentation; for the
    /// mapping of a `- key: value` item, the content is `key`.
    start: usize,
    content: usize,
    /// The end of the line, before its `\n`.
    end: usize,
}

impl Line {
    /// The column of the content.
    fn indent(&self) -> usize {
        self.content - self.start
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    base: usize,
    /// The file the text is part of, when plain scalars should stay in it.
    file: Option<&'a Arc<SourceFile>>,
    /// The next line with content, not yet taken.
    line: Option<Line>,
}

impl<'a> Reader<'a> {
    /// The first line with content, past a leading `---`.
    fn first_line(&mut self) -> Option<Line> {
        let first = match self.scan(0) {
            Ok(line) => line?,
            // The one marker allowed: a bare `---` opening the document.
            Err(marker) if &self.bytes[marker.content..marker.end] == b"---" => {
                self.scan(marker.end).ok()??
            }
            Err(_) => return None,
        };
        self.line = Some(first);
        Some(first)
    }

    /// The next line with content from `from`: `Ok(None)` at the end of the text, `Err` on a
    /// document marker (`---` or `...`).
    fn scan(&self, mut from: usize) -> Result<Option<Line>, Line> {
        let bytes = self.bytes;
        loop {
            if from < bytes.len() && bytes[from] == b'\n' {
                from += 1;
            }
            if from >= bytes.len() {
                return Ok(None);
            }
            let start = from;
            let end = self.line_end(start);
            let content = self.skip_spaces(start, end);
            from = end;
            if content == end || bytes[content] == b'#' {
                continue;
            }
            let line = Line {
                start,
                content,
                end,
            };
            if line.indent() == 0 && self.is_marker(&line) {
                return Err(line);
            }
            return Ok(Some(line));
        }
    }

    fn is_marker(&self, line: &Line) -> bool {
        let rest = &self.bytes[line.content..line.end];
        (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && rest.get(3).is_none_or(|byte| *byte == b' ')
    }

    /// Moves past the line that ends at `end`.
    fn advance(&mut self, end: usize) -> Option<()> {
        self.line = self.scan(end).ok()?;
        Some(())
    }

    fn is_dash(&self, line: &Line) -> bool {
        self.bytes[line.content] == b'-'
            && self
                .bytes
                .get(line.content + 1)
                .is_none_or(|byte| matches!(byte, b' ' | b'\n'))
            && line.content < line.end
    }

    /// The block collection whose first line is the current one, at `indent`.
    fn collection(&mut self, indent: usize, depth: usize) -> Option<Node> {
        let line = self.line?;
        if self.is_dash(&line) {
            self.sequence(indent, false, depth)
        } else {
            self.mapping(indent, depth)
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Node> {
        // Past the depth saphyr refuses, saphyr says so.
        if depth >= MAX_DEPTH {
            return None;
        }
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(line) = self.line {
            if line.indent() < indent {
                break;
            }
            if line.indent() > indent || self.is_dash(&line) {
                return None;
            }
            let colon = self.key_colon(&line)?;
            let key = self.key(line.content, colon)?;
            // Most mappings are small: a scan of their keys beats hashing each.
            if entries.len() > 64 || entries.iter().any(|entry| entry.key == key) {
                return None;
            }
            let after = self.skip_spaces(colon + 1, line.end);
            let value = if after == line.end || self.bytes[after] == b'#' {
                self.advance(line.end)?;
                match self.line {
                    Some(next) if next.indent() > indent => {
                        self.collection(next.indent(), depth + 1)?
                    }
                    Some(next) if next.indent() == indent && self.is_dash(&next) => {
                        self.sequence(indent, true, depth + 1)?
                    }
                    _ => self.null(colon),
                }
            } else {
                self.value(after, line.end, indent)?
            };
            if entries.len() >= super::yaml::max_items() {
                return None; // saphyr's reader reports it, at the collection
            }
            entries.push(Entry {
                key,
                key_span: self.span(line.content, colon),
                value,
            });
        }
        let first = entries.first()?;
        let start = first.key_span().start;
        let end = entries.last()?.value.span().end;
        Some(Node {
            value: Value::map(entries),
            span: (start..end).into(),
        })
    }

    /// A sequence of `- ` items at `indent`. An indentless one (the value of a key at the
    /// same column) ends at the next key; an indented one has only items at its column.
    fn sequence(&mut self, indent: usize, indentless: bool, depth: usize) -> Option<Node> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let mut items: Vec<Node> = Vec::new();
        let mut first_dash = None;
        while let Some(line) = self.line {
            if line.indent() < indent {
                break;
            }
            if line.indent() > indent {
                return None;
            }
            if !self.is_dash(&line) {
                if indentless {
                    break;
                }
                return None;
            }
            let dash = line.content;
            first_dash.get_or_insert(dash);
            let item = if dash + 1 == line.end {
                self.advance(line.end)?;
                match self.line {
                    Some(next) if next.indent() > indent => {
                        self.collection(next.indent(), depth + 1)?
                    }
                    _ => self.null(dash + 1),
                }
            } else {
                let content = self.skip_spaces(dash + 1, line.end);
                if content == line.end || self.bytes[content] == b'#' {
                    return None;
                }
                let inner = Line {
                    start: line.start,
                    content,
                    end: line.end,
                };
                if self.is_dash(&inner) {
                    return None;
                }
                if self.starts_plain(content) && self.find_colon(&inner).is_some() {
                    // `- key: value`: a mapping whose column is that of `key`.
                    self.line = Some(inner);
                    self.mapping(inner.indent(), depth + 1)?
                } else {
                    self.value(content, line.end, indent)?
                }
            };
            if items.len() >= super::yaml::max_items() {
                return None;
            }
            items.push(item);
        }
        // saphyr starts an indented sequence at its first dash, an indentless one where the
        // first item's text would start: past the dash and the spaces after it.
        let dash = first_dash?;
        let start = if indentless {
            self.skip_spaces(dash + 1, self.line_end(dash))
        } else {
            dash
        };
        let start = self.base + start;
        let end = items.last()?.span().end;
        Some(Node {
            value: Value::list(items),
            span: (start..end).into(),
        })
    }

    /// The colon that ends the key of `line`.
    fn key_colon(&self, line: &Line) -> Option<usize> {
        if !self.starts_plain(line.content) {
            return None;
        }
        self.find_colon(line)
    }

    /// The first `: ` (or `:` at the end) of a line; `None` when a comment comes first.
    fn find_colon(&self, line: &Line) -> Option<usize> {
        let bytes = self.bytes;
        let mut at = line.content;
        while at < line.end {
            match bytes[at] {
                b':' if at + 1 == line.end || bytes[at + 1] == b' ' => return Some(at),
                b'#' if at > line.content && bytes[at - 1] == b' ' => return None,
                _ => {}
            }
            at += 1;
        }
        None
    }

    /// A plain key from `start` to its colon, as the tree holds keys.
    fn key(&self, start: usize, colon: usize) -> Option<super::tree::Text> {
        let raw = &self.text[start..colon];
        if raw.is_empty() || raw.ends_with(' ') || raw.len() > 1000 {
            return None;
        }
        // Flow indicators in a key are legal in block YAML, and rare enough to leave to saphyr.
        if raw
            .bytes()
            .any(|byte| matches!(byte, b'[' | b']' | b'{' | b'}' | b','))
        {
            return None;
        }
        Some(plain_key(raw))
    }

    /// Whether a plain scalar may start at `at`: not an indicator, and `-` only before a
    /// non-space (`-1`, `-foo`).
    fn starts_plain(&self, at: usize) -> bool {
        match self.bytes[at] {
            b'-' => self
                .bytes
                .get(at + 1)
                .is_some_and(|byte| !matches!(byte, b' ' | b'\n')),
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
            _ => true,
        }
    }

    /// The scalar value at `start` of a line ending at `end`, in a collection at `indent`,
    /// and past it: nothing more indented may follow (a continued plain scalar is saphyr's).
    fn value(&mut self, start: usize, end: usize, indent: usize) -> Option<Node> {
        let (value, last) = match self.bytes[start] {
            b'|' | b'>' => self.block_scalar(start, end, indent)?,
            _ => (self.scalar(start, end)?, end),
        };
        self.advance(last)?;
        if self.line.is_some_and(|next| next.indent() > indent) {
            return None;
        }
        Some(value)
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at `header` and whose
    /// lines are more indented than `indent`, and the end of its last line. Kept to the
    /// plain cases: clipped or stripped (`-`), no indentation indicator, no comment on the
    /// header, no leading blank line, and for folded text no more-indented line.
    fn block_scalar(&self, header: usize, end: usize, indent: usize) -> Option<(Node, usize)> {
        let bytes = self.bytes;
        let folded = bytes[header] == b'>';
        let strip = match &bytes[header + 1..end] {
            b"" => false,
            b"-" => true,
            _ => return None,
        };
        let first = end + 1;
        if first >= bytes.len() {
            return None;
        }
        let first_end = self.line_end(first);
        let width = self.skip_spaces(first, first_end) - first;
        if width <= indent || first + width == first_end {
            return None;
        }
        let mut text = String::new();
        let mut blanks = 0usize;
        let mut last = first_end;
        let mut at = first;
        let mut any = false;
        while at < bytes.len() {
            let line_end = self.line_end(at);
            let lead = self.skip_spaces(at, line_end) - at;
            if at + lead == line_end {
                if lead > width {
                    return None;
                }
                blanks += 1;
            } else if lead < width {
                break;
            } else {
                let line = &self.text[at + width..line_end];
                if folded && line.starts_with(' ') {
                    return None;
                }
                if any {
                    match (folded, blanks) {
                        (true, 0) => text.push(' '),
                        (true, _) => text.extend(std::iter::repeat_n('\n', blanks)),
                        (false, _) => text.extend(std::iter::repeat_n('\n', blanks + 1)),
                    }
                }
                text.push_str(line);
                any = true;
                blanks = 0;
                last = line_end;
            }
            at = line_end + 1;
        }
        // Blank lines running into the end of a text with no final line break: saphyr keeps
        // a line break for them that the rules above would not.
        if at >= bytes.len() && blanks > 0 && !self.text.ends_with('\n') {
            return None;
        }
        if !strip {
            text.push('\n');
        }
        let stop = self.trim_spaces(first + width, last);
        let span = self.base + first + width..self.base + stop;
        let node = self.node(Value::text_in(&text, &span, self.file), first + width, stop);
        Some((node, last))
    }

    /// The one-line value from `start` to the end of its line: a scalar, or a flow list of
    /// scalars (`responders: [k.ortiz, a.walsh]`), or `{}`.
    fn scalar(&self, start: usize, end: usize) -> Option<Node> {
        match self.bytes[start] {
            b'[' => self.flow_list(start, end),
            b'{' => self.flow_map(start, end),
            b'"' | b'\'' => {
                let (node, after) = self.quoted(start, end)?;
                (after == end).then_some(node)
            }
            _ if !self.starts_plain(start) => None,
            _ => {
                let bytes = self.bytes;
                let mut stop = end;
                let mut at = start;
                while at < end {
                    match bytes[at] {
                        b':' if at + 1 == end || bytes[at + 1] == b' ' => return None,
                        b'#' if bytes[at - 1] == b' ' => {
                            stop = at;
                            break;
                        }
                        _ => {}
                    }
                    at += 1;
                }
                let stop = self.trim_spaces(start, stop);
                Some(self.plain(start, stop))
            }
        }
    }

    /// `[a, 'b c', "d"]` alone on the rest of its line; nested or multi-line lists, a
    /// trailing comma and `:` in an item are saphyr's.
    fn flow_list(&self, open: usize, end: usize) -> Option<Node> {
        let mut items = Vec::new();
        let mut at = self.skip_spaces(open + 1, end);
        if self.bytes.get(at) == Some(&b']') {
            return (at + 1 == end).then(|| self.node(Value::list(items), open, end));
        }
        loop {
            let (item, after) = self.flow_scalar(at, end, b']')?;
            if items.len() >= super::yaml::max_items() {
                return None;
            }
            items.push(item);
            match self.flow_next(after, end, b']')? {
                Some(next) => at = next,
                None => return Some(self.node(Value::list(items), open, end)),
            }
        }
    }

    /// `{ person: d.osei, role: lead }` alone on the rest of its line, scalars only.
    fn flow_map(&self, open: usize, end: usize) -> Option<Node> {
        let bytes = self.bytes;
        let mut entries: Vec<Entry> = Vec::new();
        let mut at = self.skip_spaces(open + 1, end);
        if bytes.get(at) == Some(&b'}') {
            return (at + 1 == end).then(|| self.node(Value::map(entries), open, end));
        }
        loop {
            if at >= end || !self.starts_plain(at) {
                return None;
            }
            let key_start = at;
            let colon = key_start + memchr(b':', &bytes[key_start..end])?;
            if bytes.get(colon + 1) != Some(&b' ') {
                return None;
            }
            let key = self.key(key_start, colon)?;
            if bytes[key_start..colon]
                .iter()
                .any(|byte| matches!(byte, b'#' | b'"' | b'\''))
                || entries.iter().any(|entry| entry.key == key)
            {
                return None;
            }
            let (value, after) = self.flow_scalar(self.skip_spaces(colon + 1, end), end, b'}')?;
            if entries.len() >= super::yaml::max_items() {
                return None; // saphyr's reader reports it, at the collection
            }
            entries.push(Entry {
                key,
                key_span: self.span(key_start, colon),
                value,
            });
            match self.flow_next(after, end, b'}')? {
                Some(next) => at = next,
                None => return Some(self.node(Value::map(entries), open, end)),
            }
        }
    }

    /// Past an item of a flow collection: `Some(next item)` after a comma, `None` at the
    /// closing bracket that ends the line; a trailing comma or more text gives up.
    fn flow_next(&self, after: usize, end: usize, close: u8) -> Option<Option<usize>> {
        match self.bytes.get(after) {
            Some(b',') if after < end => {
                let next = self.skip_spaces(after + 1, end);
                (next < end && self.bytes[next] != close).then_some(Some(next))
            }
            Some(byte) if *byte == close && after + 1 == end => Some(None),
            _ => None,
        }
    }

    /// A scalar item of a flow collection at `start`, and where it ends (past the spaces
    /// after a plain one).
    fn flow_scalar(&self, start: usize, end: usize, close: u8) -> Option<(Node, usize)> {
        let bytes = self.bytes;
        if start >= end {
            return None;
        }
        match bytes[start] {
            b'"' | b'\'' => self.quoted(start, end),
            _ if !self.starts_plain(start) => None,
            _ => {
                let mut stop = start;
                while stop < end && bytes[stop] != b',' && bytes[stop] != close {
                    if matches!(
                        bytes[stop],
                        b'[' | b']' | b'{' | b'}' | b':' | b'#' | b'"' | b'\''
                    ) {
                        return None;
                    }
                    stop += 1;
                }
                let trimmed = self.trim_spaces(start, stop);
                Some((self.plain(start, trimmed), stop))
            }
        }
    }

    /// A quoted scalar at `start` that closes before `end`, and the offset past its closing
    /// quote: `'it''s'` is `it's`; a double-quoted one with an escape is saphyr's.
    fn quoted(&self, start: usize, end: usize) -> Option<(Node, usize)> {
        let quote = self.bytes[start];
        let mut text = String::new();
        let mut from = start + 1;
        loop {
            let close = from + memchr(quote, &self.bytes[from..end])?;
            if quote == b'\'' && close + 1 < end && self.bytes[close + 1] == b'\'' {
                text.push_str(&self.text[from..=close]);
                from = close + 2;
                continue;
            }
            text.push_str(&self.text[from..close]);
            if quote == b'"' && text.contains('\\') {
                return None;
            }
            let span = self.base + start..self.base + close + 1;
            let node = self.node(Value::text_in(&text, &span, self.file), start, close + 1);
            return Some((node, close + 1));
        }
    }

    fn null(&self, at: usize) -> Node {
        self.node(Value::Null, at, at)
    }

    /// The plain scalar from `start` to `end`: null, a boolean or a number as the core
    /// schema reads it, else text.
    fn plain(&self, start: usize, end: usize) -> Node {
        let text = &self.text[start..end];
        let value = resolve_plain(text).unwrap_or_else(|| {
            Value::text_in(text, &(self.base + start..self.base + end), self.file)
        });
        self.node(value, start, end)
    }

    fn node(&self, value: Value, start: usize, end: usize) -> Node {
        Node {
            value,
            span: self.span(start, end),
        }
    }

    fn span(&self, start: usize, end: usize) -> super::tree::Compact {
        (self.base + start..self.base + end).into()
    }

    /// `stop`, moved back over the spaces before it (not past `start`).
    fn trim_spaces(&self, start: usize, mut stop: usize) -> usize {
        while stop > start && self.bytes[stop - 1] == b' ' {
            stop -= 1;
        }
        stop
    }

    fn line_end(&self, at: usize) -> usize {
        memchr(b'\n', &self.bytes[at..]).map_or(self.bytes.len(), |end| at + end)
    }

    fn skip_spaces(&self, mut at: usize, end: usize) -> usize {
        while at < end && self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|byte| *byte == needle)
}

#[cfg(test)]
mod tests {
    use super::super::{markdown, yaml};
    use super::*;
    use proptest::prelude::*;

    /// What saphyr makes of `text`, when it is one document without problems.
    fn reference(text: &str, base: usize) -> Option<Node> {
        let stream = yaml::parse_events(text, base);
        if !stream.problems.is_empty() || stream.documents.len() != 1 {
            return None;
        }
        stream.documents.into_iter().next()
    }

    /// The block reader either gives up or builds saphyr's tree, spans included; and read
    /// as part of a file, both keep every text written as it reads in the file.
    fn agrees(text: &str, base: usize) -> Result<bool, String> {
        let Some(fast) = parse(text, base) else {
            return Ok(false);
        };
        match reference(text, base) {
            Some(expected) if expected == fast => {}
            expected => {
                return Err(format!(
                    "{text:?}\nblock reader: {fast:#?}\nsaphyr: {expected:#?}"
                ))
            }
        }
        let file = Arc::new(SourceFile::new(
            "a.yaml".into(),
            format!("{}{text}", " ".repeat(base)),
            super::super::Format::Yaml,
        ));
        let kept = parse_in(text, base, Some(&file));
        let events = yaml::parse_events_in(text, base, Some(&file));
        match (kept, events.documents.first()) {
            (Some(kept), Some(events)) if kept == fast && *events == fast => {
                for tree in [&kept, events] {
                    if let Some(copied) = copied_text(tree, &file) {
                        return Err(format!("{text:?}\n{copied:?} is a copy"));
                    }
                }
                Ok(true)
            }
            (kept, events) => Err(format!(
                "{text:?}\nread from the file: {kept:#?}\nsaphyr: {events:#?}"
            )),
        }
    }

    /// A text node holding a copy of what the file has at its span (or inside its quotes).
    fn copied_text<'a>(node: &'a Node, file: &SourceFile) -> Option<&'a Node> {
        match &node.value {
            Value::Str(text) => {
                let written = file.text().get(node.span()).unwrap_or_default();
                let quoted = written.len() >= 2
                    && written.starts_with(['"', '\''])
                    && written.ends_with(['"', '\''])
                    && written[1..written.len() - 1] == **text;
                (written == text.as_str() || quoted).then_some(node)
            }
            Value::Seq(items) => items.iter().find_map(|item| copied_text(item, file)),
            Value::Map(entries) => entries
                .iter()
                .find_map(|entry| copied_text(&entry.value, file)),
            _ => None,
        }
    }

    /// The YAML of every document the tests and examples carry, front matter included.
    fn carried_yaml() -> Vec<(std::path::PathBuf, String, usize)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        for top in ["tests", "examples", "policies", "templates"] {
            for entry in ignore::WalkBuilder::new(root.join(top))
                .hidden(false)
                .build()
                .flatten()
            {
                let path = entry.path();
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                match path.extension().and_then(|ext| ext.to_str()) {
                    Some("yaml" | "yml") => found.push((path.to_path_buf(), text, 0)),
                    Some("md") => {
                        if let markdown::Header::Found(front) = markdown::find_front_matter(&text) {
                            let yaml = text[front.yaml.clone()].to_string();
                            found.push((path.to_path_buf(), yaml, front.yaml.start));
                        }
                    }
                    _ => {}
                }
            }
        }
        found
    }

    #[test]
    fn every_carried_document_reads_as_saphyr_reads_it() {
        let files = carried_yaml();
        let mut taken = 0;
        for (path, text, base) in &files {
            match agrees(text, *base) {
                Ok(true) => taken += 1,
                Ok(false) => {}
                Err(difference) => panic!("{}: {difference}", path.display()),
            }
        }
        // The reader is only worth having if it takes the common case.
        assert!(
            taken * 10 >= files.len() * 8,
            "the block reader took {taken} of {} files",
            files.len()
        );
    }

    #[test]
    fn an_incident_record_is_read_directly() {
        let text = "---\nid: INC-1\ntitle: \"Object store: expiry\"\nstatus: closed\n\
                    opened: 2024-07-08T09:14:00+09:00\nroot_cause: Disk filled # why\n\
                    participants:\n  - name: Olga Costa\n    role: scribe\n  -\n    name: B\n\
                    timeline:\n- at: 2024-07-08T00:44:00Z\n  event: 'it''s declared'\n\
                    lessons:\n  went_well:\n    - Alerting caught it\n  could_improve:\n\
                    empty:\nimpact: >\n  Payroll ran a day\n  late.\n\n  Nobody was paid twice.\n\
                    notes: |-\n    kept\n      as written\nresponders: [k.ortiz, 'a.walsh']\n\
                    people:\n  - { person: d.osei, role: lead }\nnumbers: [1, [2]]\n";
        // The nested flow list at the end is not the reader's: saphyr reads the file.
        assert_eq!(agrees(text, 0), Ok(false));
        let text = text.replace("numbers: [1, [2]]\n", "count: 12\nratio: 1.5\nflag: true\n");
        assert_eq!(agrees(&text, 7), Ok(true));
        // A block scalar that reads as it is written stays in the file like a plain one
        // (found by the generated documents).
        assert_eq!(agrees("id:   |-\n  x\nroot cause:   x  \n", 0), Ok(true));
    }

    #[test]
    fn what_needs_full_yaml_is_left_to_saphyr() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: |2\n  text\n",
            "a: >+\n  text\n\n",
            "a: | # c\n  text\n",
            "a: >\n  text\n    more\n",
            "a: !tag x\n",
            "a: {b: [1]}\n",
            "a: plain\n  continued\n",
            "a: \"esc\\\"aped\"\n",
            "a: 'x' # c\n",
            "a: b: c\n",
            "a: 1\na: 2\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\n...\n",
            "a:\tb\n",
            "a: 1\r\nb: 2\r\n",
            "\u{feff}a: 1\n",
            "\"quoted key\": 1\n",
            "? complex\n: value\n",
            "- - nested\n",
            "just a scalar\n",
            "",
            "# only a comment\n",
            "a: 1\n - b\n",
            "a:\n  b: 1\n c: 2\n",
        ] {
            assert_eq!(parse(text, 0), None, "{text:?}");
        }
        // Nesting past saphyr's limit, however it is written, is saphyr's to refuse.
        let mut deep = String::new();
        for level in 0..20_000 {
            deep.push_str(&" ".repeat(2 * level));
            deep.push_str(if level % 2 == 0 { "- a:\n" } else { "b:\n" });
        }
        assert_eq!(parse(&deep, 0), None);
        let stream = yaml::parse(&deep, 0);
        assert!(stream.problems[0]
            .message
            .contains("nesting deeper than 64"));
    }

    /// Lines put together from pieces that are block YAML, near it, or not YAML at all.
    fn line() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec!["", "", "  ", "  ", "    ", "      ", " "]);
        let dash = prop::sample::select(vec!["", "", "", "- ", "-", "- - ", "-  "]);
        let key = prop::sample::select(vec![
            "a",
            "b",
            "c",
            "root cause",
            "1",
            "null",
            "true",
            "1.0",
            "-x",
            "k:v",
            "a#b",
            "a #b",
            "[k]",
            "'q'",
            "~",
            "x ",
            "?",
            "0x1F",
        ]);
        let colon = prop::sample::select(vec![": ", ":", ":  ", " : ", "", ": # c"]);
        let value = prop::sample::select(vec![
            "",
            "x",
            "x y",
            "'it''s'",
            "''",
            "\"q\"",
            "\"\"",
            "\"a\\\"b\"",
            "[1]",
            "{}",
            "&a x",
            "*a",
            "!t x",
            "x # c",
            "x: y",
            "x:",
            "-1",
            "- y",
            "-",
            "|",
            ">-",
            "2024-01-01T00:00:00Z",
            "a#b",
            "true",
            "1.5",
            "~",
            "'x' # c",
            "x  ",
            "#",
            "Überweisung – Betrug",
            "0o17",
            ".inf",
            "%x",
            "@x",
            "a, b",
            "'unclosed",
            "\"unclosed",
            "'a' b",
            "x\t",
            "[a, ]",
            "[a, [b]]",
            "[a: b]",
            "['a' , b]",
            "[a] x",
            "[a,",
            "{a: 1, a: 2}",
            "{a: [1]}",
            "{a:1}",
            "{a: }",
            "{a}",
            "{'a': 1}",
            "{a: 1} # c",
            "[a, b]  ",
            "[a , b ]",
            "{ a : 1 }",
            "[-a, -1]",
            "[- a]",
            "['it''s' , b]",
            "|",
            ">",
            "|+",
            "|1",
            "> # c",
            "|-",
            "  text under a header",
            "   deeper text",
        ]);
        let whole = prop::sample::select(vec!["", "# comment", "  # indented", "---", "...", "  "]);
        prop_oneof![
            4 => (indent.clone(), dash, key, colon, value).prop_map(|(i, d, k, c, v)| format!("{i}{d}{k}{c}{v}")),
            2 => (indent.clone(), prop::sample::select(vec!["- ", "-"]), prop::sample::select(vec!["", "x", "'y'", "1"]))
                .prop_map(|(i, d, v)| format!("{i}{d}{v}")),
            1 => whole.prop_map(str::to_string),
        ]
    }

    /// A document as a tree, to be written out in one of block YAML's styles.
    #[derive(Debug, Clone)]
    enum Shape {
        Scalar(&'static str),
        List(Vec<Shape>),
        Map(Vec<(&'static str, Shape)>),
    }

    fn shape() -> impl Strategy<Value = Shape> {
        let scalar = prop::sample::select(vec![
            "x",
            "a b",
            "'it''s'",
            "\"q: r\"",
            "-1",
            "1.5",
            "true",
            "~",
            "",
            "2024-01-01",
            "2024-07-08T00:44:00+01:00",
            "a#b",
            "x # comment",
            "Überweisung – Betrug",
            "a, b",
            "see [x] y",
            "http://host:80/p",
            "''",
            "\"\"",
            "null",
            "0x1F",
            "'a: b'",
            "12",
            "[a, b]",
            "[]",
            "['x', \"y z\"]",
            "['it''s', b]",
            "[1, 2.5, true]",
            "[a,b]",
            "[ a ]",
            "{}",
            "{ person: d.osei, role: lead }",
            "{a: 1,b: 'x''y'}",
            "{ }",
            "[ ]",
            "|\n  first\n    indented\n\n  after a blank  \n\n",
            ">\n  folded\n  line\n\n  para\n",
            ">-\n   stripped\n   text\n",
            "|-\n  x\n",
            "|\n  # not a comment\n  - not a list\n",
        ])
        .prop_map(Shape::Scalar);
        let key = prop::sample::select(vec![
            "id",
            "status",
            "root cause",
            "owner",
            "due",
            "1",
            "a.b",
            "x-y",
            "true",
            "k:v",
        ]);
        scalar.prop_recursive(4, 24, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Shape::List),
                prop::collection::vec((key.clone(), inner), 1..5).prop_map(|entries| {
                    // Keys are unique in a mapping the reader takes.
                    let mut seen = Vec::new();
                    Shape::Map(
                        entries
                            .into_iter()
                            .filter(|(key, _)| {
                                let fresh = !seen.contains(key);
                                seen.push(*key);
                                fresh
                            })
                            .collect(),
                    )
                }),
            ]
        })
    }

    fn pick(style: &mut impl Iterator<Item = u8>, n: u8) -> u8 {
        style.next().unwrap_or(0) % n
    }

    /// The indentation of a collection under a key or a `-` alone: two or four more.
    fn deeper(style: &mut impl Iterator<Item = u8>, indent: usize) -> usize {
        indent + 2 + 2 * usize::from(pick(style, 2))
    }

    /// Writes `shape` as block YAML; `style` picks, node by node, among the ways to write it
    /// (indentation, indentless lists, `-` alone on its line, comments, blank lines).
    fn write(shape: &Shape, indent: usize, style: &mut impl Iterator<Item = u8>, out: &mut String) {
        let pad = " ".repeat(indent);
        match shape {
            // A block scalar's lines go under the item or key that holds it.
            Shape::Scalar(text) => {
                out.push_str(&text.replace("\n  ", &format!("\n{pad}")));
                out.push('\n');
            }
            Shape::List(items) => {
                for item in items {
                    if pick(style, 5) == 0 {
                        out.push_str(&format!("{pad}# a comment\n\n"));
                    }
                    match item {
                        Shape::Scalar(_) => {
                            out.push_str(&format!("{pad}- "));
                            write(item, indent + 2, style, out);
                        }
                        Shape::Map(entries) if !entries.is_empty() && pick(style, 3) != 0 => {
                            out.push_str(&format!("{pad}- "));
                            let mut first = String::new();
                            write(item, indent + 2, style, &mut first);
                            out.push_str(first.trim_start());
                        }
                        _ => {
                            out.push_str(&format!("{pad}-\n"));
                            write(item, deeper(style, indent), style, out);
                        }
                    }
                }
            }
            Shape::Map(entries) => {
                for (key, value) in entries {
                    if pick(style, 6) == 0 {
                        out.push_str(&format!("{pad}  # aside\n"));
                    }
                    match value {
                        Shape::Scalar(text) => {
                            let gap = if pick(style, 4) == 0 { "   " } else { " " };
                            let trail = if pick(style, 5) == 0 { "  " } else { "" };
                            if text.is_empty() {
                                out.push_str(&format!("{pad}{key}:{trail}\n"));
                            } else {
                                let text = text.replace("\n  ", &format!("\n{pad}  "));
                                out.push_str(&format!("{pad}{key}:{gap}{text}{trail}\n"));
                            }
                        }
                        Shape::List(_) if pick(style, 2) == 0 => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            write(value, indent, style, out);
                        }
                        _ => {
                            let comment = if pick(style, 4) == 0 { " # note" } else { "" };
                            out.push_str(&format!("{pad}{key}:{comment}\n"));
                            write(value, deeper(style, indent), style, out);
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn generated_yaml_reads_as_saphyr_reads_it(
            root in shape(),
            style in prop::collection::vec(any::<u8>(), 64),
            opening in any::<bool>(),
            change in prop::option::weighted(0.5, (line(), any::<prop::sample::Index>(), any::<bool>())),
            newline_at_end in any::<bool>(),
            base in 0usize..3,
        ) {
            let mut written = String::new();
            if opening {
                written.push_str("---\n");
            }
            write(&root, 0, &mut style.into_iter().cycle(), &mut written);
            let mut lines: Vec<String> = written.lines().map(str::to_string).collect();
            // Half the documents get one line replaced or added by a piece near block YAML.
            if let Some((piece, at, replace)) = change {
                let at = at.index(lines.len() + 1);
                if replace && at < lines.len() {
                    lines[at] = piece;
                } else {
                    lines.insert(at, piece);
                }
            }
            let mut text = lines.join("\n");
            if newline_at_end {
                text.push('\n');
            }
            if let Err(difference) = agrees(&text, base) {
                prop_assert!(false, "{}", difference);
            }
        }
    }
}
