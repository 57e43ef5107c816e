//! The one vocabulary every room shares: a finding, its severity and where it points.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

/// A place in a source file: a byte range plus its 1-based line and column (in characters)
/// at both ends, so renderers never search the text again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Location {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// One gap found in one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Rule id, e.g. `LL001`.
    pub rule: String,
    /// Rule name, e.g. `incident-root-cause`.
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// File relative to the repository root, with `/` separators.
    pub file: PathBuf,
    pub location: Location,
    /// Dotted path inside the document (`action_items[2].owner`), `""` for the document.
    pub path: String,
    pub doc_id: Option<String>,
    pub kind: Option<String>,
    /// Set when a waiver or baseline covers the finding; it then does not fail the run.
    pub suppressed: bool,
    /// Why it is suppressed: the waiver (reason, approver, expiry) or the baseline.
    pub suppression: Option<Suppression>,
}

/// Where a suppression is written: SARIF calls a waiver in the document `inSource` and
/// one kept elsewhere (the configuration, the baseline) `external`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    /// `waivers:` in the configuration.
    Waiver,
    /// `# lessons: allow …` in the document.
    InlineWaiver,
    Baseline,
}

impl SuppressionKind {
    /// `waiver` or `baseline`, as the JSON output names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Waiver | SuppressionKind::InlineWaiver => "waiver",
            SuppressionKind::Baseline => "baseline",
        }
    }

    pub fn is_waiver(self) -> bool {
        self != SuppressionKind::Baseline
    }
}

/// What a waived finding carries into every machine-readable output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub expires: Option<String>,
    pub ticket: Option<String>,
}

impl Suppression {
    /// The reason, approver, expiry and ticket on one line:
    /// `forensics pending; approved by ciso; expires 2027-06-30; ticket SEC-12`.
    pub fn justification(&self) -> String {
        let mut text = self
            .reason
            .clone()
            .unwrap_or_else(|| "no reason given".to_owned());
        if let Some(approver) = &self.approved_by {
            text.push_str(&format!("; approved by {approver}"));
        }
        if let Some(expires) = &self.expires {
            text.push_str(&format!("; expires {expires}"));
        }
        if let Some(ticket) = &self.ticket {
            text.push_str(&format!("; ticket {ticket}"));
        }
        text
    }
}

impl Finding {
    /// Sort key of the reports: by file, then position, then rule.
    pub fn sort_key(&self) -> (&PathBuf, usize, usize, &str) {
        (
            &self.file,
            self.location.line,
            self.location.column,
            &self.rule,
        )
    }
}

/// The file name as shown to users: always `/`-separated, whatever the platform.
pub fn display_path(path: &std::path::Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    path.to_string_lossy().replace('\\', "/")
}
