//! `--format human`: a miette report with a code frame at each finding, then a summary.

use std::fmt::{self, Display, Write as _};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Results, Style};
use crate::finding::{display_path, Finding, RuleError, Severity};

/// One framed message: a finding, a rule failure or a configuration error.
#[derive(Debug)]
pub struct Frame {
    pub code: Option<String>,
    pub message: String,
    pub severity: miette::Severity,
    pub help: Option<String>,
    pub source: Option<Excerpt>,
    pub label: Option<(SourceSpan, Option<String>)>,
}

/// A file's text as a code frame shows it: a line of ordinary length whole, with its
/// context lines; a long one (a minified export is one line of megabytes) only around the
/// place the frame points at. miette writes a frame's lines whole, and pads an underline
/// to its column: a finding past column 65,535 of a line made it panic.
#[derive(Debug, Clone)]
pub struct Excerpt {
    name: String,
    text: Arc<str>,
}

/// A line longer than this, in bytes, is shown only around the place.
const LONG_LINE: usize = 400;
/// How much of a long line is shown before and after the place, in bytes.
const AROUND: usize = 120;
/// How much of a long line an underline covers at most.
const UNDERLINED: usize = 240;

impl Excerpt {
    pub fn new(name: String, text: Arc<str>) -> Excerpt {
        Excerpt { name, text }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.text;
        let bytes = text.as_bytes();
        let start = span.offset().min(text.len());
        let is_break = |byte: &u8| matches!(byte, b'\n' | b'\r');
        let line_start = bytes[..start]
            .iter()
            .rposition(is_break)
            .map_or(0, |at| at + 1);
        let line_end = bytes[start..]
            .iter()
            .position(is_break)
            .map_or(text.len(), |at| start + at);
        if line_end - line_start <= LONG_LINE {
            let inner = text.read_span(span, context_lines_before, context_lines_after)?;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line(),
                inner.column(),
                inner.line_count(),
            )));
        }
        // The line alone: from the place itself when miette asks where it is (its header's
        // line and column), else from a little before it; to a little after its end.
        let from = if context_lines_before == 0 && context_lines_after == 0 {
            start
        } else {
            boundary_at_or_before(text, start.saturating_sub(AROUND).max(line_start))
        };
        let end = start.saturating_add(span.len().clamp(1, UNDERLINED));
        let until = boundary_at_or_before(text, end.saturating_add(AROUND).min(line_end)).max(from);
        // Lines and columns counted as miette counts them: a line break is `\n`, `\r\n` or a
        // lone `\r`; a column is a byte.
        let before = &bytes[..line_start];
        let line = before.iter().filter(|byte| is_break(byte)).count()
            - before.windows(2).filter(|pair| pair == b"\r\n").count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &bytes[from..until],
            SourceSpan::new(from.into(), until - from),
            line,
            from - line_start,
            1,
        )))
    }
}

/// The nearest character boundary of `text` at or before `at`.
fn boundary_at_or_before(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Frame {}

impl Diagnostic for Frame {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (span, text) = self.label.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            text.clone(),
            *span,
        ))))
    }
}

pub fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// A span for a code frame: a multi-line node is underlined on its first line only (and on
/// a long line for at most a few hundred bytes), and a JSON object or array whose first
/// line is a lone `{` or `[` from its first entry on, so the underline falls on something a
/// reader recognises.
fn first_line_span(text: &str, start: usize, end: usize) -> SourceSpan {
    let span = whole_first_line_span(text, start, end);
    let start = span.offset();
    let end = boundary_at_or_before(text, start + span.len().min(UNDERLINED));
    SourceSpan::new(start.into(), end - start)
}

fn whole_first_line_span(text: &str, start: usize, end: usize) -> SourceSpan {
    let mut start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let line_end = |from: usize| {
        text[from..end]
            .find('\n')
            .map_or(end, |offset| from + offset)
    };
    let first_line = text[start..line_end(start)].trim();
    if matches!(first_line, "{" | "[") {
        if let Some(offset) = text[start + 1..end].find(|c: char| !c.is_whitespace()) {
            start += 1 + offset;
        }
    }
    SourceSpan::new(start.into(), line_end(start) - start)
}

/// The frame of a finding. The underline carries no text: the message above says what is
/// wrong there, and the rule's general summary could contradict it.
pub fn finding_frame(results: &Results<'_>, finding: &Finding) -> Frame {
    let (source, label) = match results.source(&finding.file) {
        Some(file) => (
            Some(Excerpt::new(
                display_path(&finding.file),
                Arc::clone(file.text()),
            )),
            Some((
                first_line_span(
                    file.text(),
                    finding.location.span().start,
                    finding.location.span().end,
                ),
                None,
            )),
        ),
        None => (None, None),
    };
    Frame {
        code: Some(format!("{} {}", finding.rule, finding.name)),
        message: finding.message.to_string(),
        severity: miette_severity(finding.severity),
        help: finding.help.as_deref().map(str::to_owned),
        source,
        label,
    }
}

pub fn rule_error_frame(error: &RuleError) -> Frame {
    let rule = error
        .rule
        .as_deref()
        .map_or(String::new(), |id| format!(" {id}"));
    let mut help = error.context.clone().unwrap_or_default();
    if error.occurrences > 1 {
        let more = error.occurrences - 1;
        help.push_str(&format!(
            " and {more} more document{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    if error.unchecked > 0 {
        help.push_str(&format!(
            "; the rule was stopped there, and {} document{} {} left unchecked",
            error.unchecked,
            if error.unchecked == 1 { "" } else { "s" },
            if error.unchecked == 1 { "was" } else { "were" }
        ));
    }
    Frame {
        code: Some("rule-error".into()),
        message: format!("rule{rule} ({}) {}", error.origin, error.message),
        severity: miette::Severity::Error,
        help: (!help.trim().is_empty()).then(|| help.trim().to_owned()),
        source: error
            .span
            .as_ref()
            .map(|_| Excerpt::new(error.origin.clone(), Arc::clone(&error.source))),
        label: error.span.as_ref().map(|span| {
            (
                SourceSpan::new(span.start.into(), span.end - span.start),
                Some("here".into()),
            )
        }),
    }
}

/// `frame` with every text from a document or a rule made terminal-safe, each on its line:
/// miette indents a help's second line with spaces only, which a CI runner reading
/// `::error …` past them would take as a command.
fn terminal_safe(frame: &Frame) -> Option<Frame> {
    use super::terminal::{escape_line as escape, frame_text};
    let owned = |text: std::borrow::Cow<'_, str>| match text {
        std::borrow::Cow::Owned(text) => Some(text),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let code = frame.code.as_deref().and_then(|code| owned(escape(code)));
    let message = owned(escape(&frame.message));
    let help = frame.help.as_deref().and_then(|help| owned(escape(help)));
    let source = frame.source.as_ref().and_then(|source| {
        let name = owned(escape(source.name()));
        let text = owned(frame_text(source.text()));
        (name.is_some() || text.is_some()).then(|| {
            Excerpt::new(
                name.unwrap_or_else(|| source.name().to_owned()),
                text.map_or_else(|| Arc::clone(source.text()), Arc::from),
            )
        })
    });
    let label = frame.label.as_ref().and_then(|(span, text)| {
        let text = text.as_deref().and_then(|text| owned(escape(text)))?;
        Some((*span, Some(text)))
    });
    if code.is_none() && message.is_none() && help.is_none() && source.is_none() && label.is_none()
    {
        return None;
    }
    Some(Frame {
        code: code.or_else(|| frame.code.clone()),
        message: message.unwrap_or_else(|| frame.message.clone()),
        severity: frame.severity,
        help: help.or_else(|| frame.help.clone()),
        source: source.or_else(|| frame.source.clone()),
        label: label.or_else(|| frame.label.clone()),
    })
}

/// Renders any frame with the style's theme and width.
pub fn render_frame(frame: &Frame, style: &Style) -> String {
    let safe = terminal_safe(frame);
    let frame = safe.as_ref().unwrap_or(frame);
    let mut out = String::new();
    if handler(style).render_report(&mut out, frame).is_err() {
        out = format!(
            "{}: {}\n",
            frame.code.as_deref().unwrap_or("error"),
            frame.message
        );
    }
    out
}

/// The findings with their frames, then the summary (unless quiet).
pub fn render(results: &Results<'_>, style: &Style) -> String {
    let mut out = String::new();
    for finding in results
        .findings
        .iter()
        .filter(|finding| !finding.is_suppressed())
    {
        out.push_str(&render_frame(&finding_frame(results, finding), style));
        out.push('\n');
    }
    if !style.quiet {
        out.push_str(&summary(results));
        out.push('\n');
    }
    out
}

/// Rule failures, for stderr.
pub fn render_rule_errors(results: &Results<'_>, style: &Style) -> String {
    let mut out = String::new();
    for error in results.rule_errors {
        out.push_str(&render_frame(&rule_error_frame(error), style));
        out.push('\n');
    }
    out
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `Found 7 findings (4 errors, 3 warnings, 0 infos) in 12 documents from 11 files in 0.04s.`
pub fn summary(results: &Results<'_>) -> String {
    let active: Vec<&Finding> = results
        .findings
        .iter()
        .filter(|finding| !finding.is_suppressed())
        .collect();
    let count = |severity: Severity| {
        active
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let mut line = String::new();
    let scope = format!(
        "{} from {}",
        plural(results.documents, "document", "documents"),
        plural(results.files, "file", "files")
    );
    if active.is_empty() {
        let _ = write!(line, "No findings in {scope}");
    } else {
        let _ = write!(
            line,
            "Found {} ({}, {}, {}) in {scope}",
            plural(active.len(), "finding", "findings"),
            plural(count(Severity::Error), "error", "errors"),
            plural(count(Severity::Warning), "warning", "warnings"),
            plural(count(Severity::Info), "info", "infos"),
        );
    }
    let suppressed = results.findings.len() - active.len();
    if suppressed > 0 {
        let _ = write!(line, "; {suppressed} suppressed");
    }
    let _ = write!(line, " in {:.2}s.", results.timing.total.as_secs_f64());
    if !results.rule_errors.is_empty() {
        let _ = write!(
            line,
            "\n{} failed to run: the run is incomplete.",
            plural(results.rule_errors.len(), "rule", "rules")
        );
    }
    line
}
