//! The one vocabulary every room shares: a finding, its severity and where it points.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::source::Location;

/// How serious a gap is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One gap found in one document: its [`Details`] behind one pointer, read through it
/// (`finding.rule`, `finding.location`).
///
/// A run moves and sorts its findings as a whole, hundreds of thousands of them at 100,000
/// incidents: a pointer is 8 bytes to move where the details are 176, and joining the
/// threads' findings into one list no longer holds a second copy of them all (69 MB).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding(Box<Details>);

impl std::ops::Deref for Finding {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Finding {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

/// What a finding says and where.
///
/// What many findings have in common (the rule, the file, the document, a rule's fixed
/// help) is shared, not copied: only the message and the path are a finding's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    /// Rule id, e.g. `LL001`.
    pub rule: Arc<str>,
    /// Rule name, e.g. `incident-root-cause`.
    pub name: Arc<str>,
    pub severity: Severity,
    pub message: Box<str>,
    pub help: Option<Arc<str>>,
    /// File relative to the repository root, with `/` separators.
    pub file: Arc<Path>,
    pub location: Location,
    /// Dotted path inside the document (`action_items[2].owner`), `""` for the document.
    pub path: Box<str>,
    pub doc_id: Option<Arc<str>>,
    pub kind: Option<Arc<str>>,
    /// Why it does not count, when it does not: a waiver (reason, approver, expiry) or
    /// the baseline.
    pub suppression: Option<Suppression>,
    /// The change that fixes it, when a rule knows it for certain.
    pub fix: Option<Box<Fix>>,
}

/// A change that fixes a finding: the file's text at `start..end` (byte offsets) replaced
/// by `replacement`. `lessons check --fix`, `--diff` and the server's quick fixes apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub start: u32,
    pub end: u32,
    pub replacement: Box<str>,
    /// What it does, as an editor's action names it: "write `closed`".
    pub title: Box<str>,
}

impl Fix {
    pub fn new(
        span: &crate::source::Span,
        replacement: impl Into<String>,
        title: impl Into<String>,
    ) -> Fix {
        let small = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Fix {
            start: small(span.start),
            end: small(span.end),
            replacement: replacement.into().into_boxed_str(),
            title: title.into().into_boxed_str(),
        }
    }

    /// A fix that writes `value` at `span`, named as an editor offers it: "write
    /// `closed`" (its first line, for a value of several).
    pub fn writing(span: &crate::source::Span, value: impl Into<String>) -> Fix {
        let value = value.into();
        let title = format!("write `{}`", value.lines().next().unwrap_or(""));
        Fix::new(span, value, title)
    }

    pub fn span(&self) -> std::ops::Range<usize> {
        let at = |offset: u32| usize::try_from(offset).unwrap_or(usize::MAX);
        at(self.start)..at(self.end)
    }
}

/// Where a suppression is written: SARIF calls a waiver in the document `inSource` and
/// one kept elsewhere (the configuration, the baseline) `external`.
/// Why a finding does not count against the run: the one place that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    /// A waiver in the configuration's `waivers:`.
    Waiver(Box<Waived>),
    /// A waiver written in the document, beside the line it waives.
    InlineWaiver(Box<Waived>),
    /// An entry of the `--baseline` it was compared with: known debt.
    Baseline,
}

/// What a waiver says for itself, carried into every machine-readable output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Waived {
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub expires: Option<String>,
    pub ticket: Option<String>,
}

impl Suppression {
    /// `waiver` or `baseline`, as the outputs name it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Suppression::Waiver(_) | Suppression::InlineWaiver(_) => "waiver",
            Suppression::Baseline => "baseline",
        }
    }

    pub fn is_waiver(&self) -> bool {
        self.waived().is_some()
    }

    /// The waiver's own words, for a waiver.
    pub fn waived(&self) -> Option<&Waived> {
        match self {
            Suppression::Waiver(waived) | Suppression::InlineWaiver(waived) => {
                Some(waived.as_ref())
            }
            Suppression::Baseline => None,
        }
    }

    /// The reason, approver, expiry and ticket on one line:
    /// `forensics pending; approved by ciso; expires 2027-06-30; ticket SEC-12`.
    pub fn justification(&self) -> String {
        let Some(waived) = self.waived() else {
            return "recorded in the baseline".to_owned();
        };
        let mut text = waived
            .reason
            .clone()
            .unwrap_or_else(|| "no reason given".to_owned());
        if let Some(approver) = &waived.approved_by {
            text.push_str(&format!("; approved by {approver}"));
        }
        if let Some(expires) = &waived.expires {
            text.push_str(&format!("; expires {expires}"));
        }
        if let Some(ticket) = &waived.ticket {
            text.push_str(&format!("; ticket {ticket}"));
        }
        text
    }
}

impl Finding {
    /// Every finding is made here: rule `id` (`name`) at `span` of `source`, with the
    /// severity the run gives the rule in that file. The builders below add the rest.
    pub fn new(
        rule: &RuleKey,
        severity: Severity,
        source: &crate::source::SourceFile,
        span: &crate::source::Span,
        message: String,
    ) -> Finding {
        Finding(Box::new(Details {
            rule: Arc::clone(&rule.id),
            name: Arc::clone(&rule.name),
            severity,
            message: message.into_boxed_str(),
            help: None,
            file: Arc::clone(&source.path),
            location: source.location(span),
            path: Box::default(),
            doc_id: None,
            kind: None,
            suppression: None,
            fix: None,
        }))
    }

    /// A finding kept whole (by a cache), at its place.
    pub fn kept(details: Details) -> Finding {
        Finding(Box::new(details))
    }

    /// The change that fixes it.
    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix.map(Box::new);
        self
    }

    /// What to do about it.
    pub fn help(mut self, help: Option<Arc<str>>) -> Finding {
        self.help = help;
        self
    }

    /// The dotted path inside the document the finding is about.
    pub fn path(mut self, path: impl Into<String>) -> Finding {
        self.path = path.into().into_boxed_str();
        self
    }

    /// The document it is in: its id and kind.
    pub fn document(mut self, id: Option<Arc<str>>, kind: Option<Arc<str>>) -> Finding {
        self.doc_id = id;
        self.kind = kind;
        self
    }

    /// Whether a waiver or the baseline takes it out of the count.
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }

    /// Sort key of the reports: by file, then position, then rule.
    pub fn sort_key(&self) -> (&Path, usize, usize, &str) {
        (
            &self.file,
            self.location.line(),
            self.location.column(),
            &self.rule,
        )
    }
}

/// A rule's id and name as every finding of it shares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleKey {
    pub id: Arc<str>,
    pub name: Arc<str>,
}

impl RuleKey {
    pub fn new(id: &str, name: &str) -> RuleKey {
        RuleKey {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// The file name as shown to users: always `/`-separated, whatever the platform.
pub fn display_path(path: &std::path::Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    path.to_string_lossy().replace('\\', "/")
}

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary: the file name under `rules/`.
    Builtin(&'static str),
    /// A custom rule file.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "rules/{name}"),
            Origin::File(path) => f.write_str(&display_path(path)),
        }
    }
}

/// What a rule says of itself, without its compiled code: all that outputs and reports
/// need, so they never hold a Rhai AST.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    /// Kinds it runs on; empty means every kind.
    pub kinds: Vec<String>,
    pub summary: String,
    /// The `//!` header, Markdown.
    pub documentation: String,
    pub origin: Origin,
}

/// A rule that could not be loaded or failed while running: always fails the run (exit 2).
#[derive(Debug, Clone)]
pub struct RuleError {
    /// The rule's id, when known.
    pub rule: Option<String>,
    pub origin: String,
    pub source: Arc<str>,
    /// Byte range in the rule's source, when the error has a position.
    pub span: Option<std::ops::Range<usize>>,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// What the rule was doing, e.g. `while checking incidents/a.yaml (line 3)`.
    pub context: Option<String>,
    /// How many documents failed the same way (reported once).
    pub occurrences: usize,
    /// Documents the rule was not run on because it had failed: a rule that fails is
    /// stopped for the rest of the run, not run again on every other document.
    pub unchecked: usize,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(context) = &self.context {
            write!(f, " {context}")?;
        }
        Ok(())
    }
}

/// Characters no output shows raw: control characters (C0, DEL, C1), the line and paragraph
/// separators, and bidirectional controls — embeddings, overrides, isolates and marks, the
/// "Trojan Source" characters of CVE-2021-42574. Outputs write them as escapes
/// (`output::terminal`); a rule's metadata may not hold them at all.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// At most `characters` of `text`, with `…` when it was longer: how a message quotes what a
/// document or a rule put in it (a pattern, a key, a thrown value), never the whole of it.
pub fn shortened(text: &str, characters: usize) -> String {
    let mut shown: String = text.chars().take(characters).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}
