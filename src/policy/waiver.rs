//! Waivers: a finding accepted on purpose, with a reason, an approver and an expiry. From
//! the configuration's `waivers:` or inline, on the finding's line or the line above it:
//! `# lessons: allow LL003 until 2027-01-31 -- owner on leave, tracked in SEC-12`.
//!
//! A waiver that is past its expiry, whose expiry does not parse (that counts as expired,
//! never as forever) or that gives no reason suppresses nothing and is itself an `LL025`
//! finding; one with no expiry or expiring within `warn_days` is an `LL025` note (info);
//! one that matched no finding is `LL026`, so dead suppressions do not pile up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;

use crate::document::date::Moment;
use crate::document::{yaml, Format, SourceFile, Span};
use crate::finding::{Finding, Severity, Suppression, Waived};
use crate::rules::evaluate::RuleSettings;
use crate::rules::Rule;
use crate::workspace::{discover, Config};

/// One waiver, wherever it was written.
#[derive(Debug)]
struct Waiver {
    rules: Vec<String>,
    /// Config waivers: the files they cover; inline ones cover their own file and line.
    files: Option<GlobSet>,
    path: Option<String>,
    doc_id: Option<String>,
    /// Inline: the file and the line the waiver applies to.
    at_line: Option<(PathBuf, usize)>,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<String>,
    /// Where the expiry is written, to fix one that is not a date.
    expires_span: Option<Span>,
    ticket: Option<String>,
    /// Where it is written, for its own findings.
    source: Arc<SourceFile>,
    span: Span,
    used: bool,
}

impl Waiver {
    fn matches(&self, finding: &Finding) -> bool {
        if !self.rules.iter().any(|rule| **rule == *finding.rule) {
            return false;
        }
        if let Some((file, line)) = &self.at_line {
            return *finding.file == **file && finding.location.line() == *line;
        }
        let file_matches = self
            .files
            .as_ref()
            .is_none_or(|globs| globs.is_match(&finding.file));
        let path_matches = self.path.as_ref().is_none_or(|path| {
            *finding.path == **path
                || finding.path.starts_with(&format!("{path}."))
                || finding.path.starts_with(&format!("{path}["))
        });
        let id_matches = self
            .doc_id
            .as_ref()
            .is_none_or(|id| finding.doc_id.as_deref() == Some(id.as_str()));
        file_matches && path_matches && id_matches
    }
}

/// Why a waiver suppresses nothing, or what to note about it.
enum Standing {
    Valid,
    /// Valid, but worth a note (no expiry, or expiring soon).
    Note(String),
    /// Suppresses nothing: why, what to do, and for an expiry that is not a date but
    /// reads as one in another form (`2027/03/31`), the date as it should be written.
    Invalid(String, String, Option<String>),
}

fn standing(waiver: &Waiver, as_of: &Moment, warn_days: i64) -> Standing {
    let rules = waiver.rules.join(", ");
    if waiver
        .reason
        .as_deref()
        .is_none_or(|reason| reason.trim().is_empty())
    {
        return Standing::Invalid(
            format!("the waiver of {rules} gives no reason"),
            "say why the finding is accepted: `reason:` in the configuration, or `-- reason` after an inline waiver".into(),
            None,
        );
    }
    let Some(expires) = &waiver.expires else {
        return Standing::Note(format!(
            "the waiver of {rules} never expires; an exception should be reviewed"
        ));
    };
    let Some(expiry) = Moment::parse(expires) else {
        let written = iso_date(expires);
        let help = match &written {
            Some(written) => format!("write the expiry as YYYY-MM-DD: {written}"),
            None => "write the expiry as YYYY-MM-DD".into(),
        };
        return Standing::Invalid(
            format!("the waiver of {rules} expires on `{expires}`, which is not a date, so it counts as expired"),
            help,
            written,
        );
    };
    let left = as_of.days_until(&expiry);
    if left < 0 {
        return Standing::Invalid(
            format!("the waiver of {rules} expired on {expires}"),
            "fix the finding, or renew the waiver with a new `expires` date and a fresh approval"
                .into(),
            None,
        );
    }
    if left <= warn_days {
        return Standing::Note(format!(
            "the waiver of {rules} expires in {left} day{} ({expires})",
            if left == 1 { "" } else { "s" }
        ));
    }
    Standing::Valid
}

/// Where a waiver stands after the run, for the auditor's report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WaiverStatus {
    pub rules: Vec<String>,
    /// The file it is written in, and its line.
    pub file: String,
    pub line: usize,
    /// `in force`, `expiring` (within `warn_days`, or no expiry), `expired`, `invalid`
    /// (no reason, or an expiry that is not a date) or `unused`.
    pub state: &'static str,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub expires: Option<String>,
    pub ticket: Option<String>,
}

/// The waivers of a run and the sources their findings point into.
pub struct Waivers {
    waivers: Vec<Waiver>,
}

impl Waivers {
    /// The configuration's waivers (with their lines in `config_path`) and every inline
    /// waiver in `files`.
    pub fn collect(
        config: &Config,
        config_path: Option<&Path>,
        root: &Path,
        files: &[Arc<SourceFile>],
    ) -> Waivers {
        let mut waivers = Vec::new();
        if let (Some(path), false) = (config_path, config.waivers.is_empty()) {
            // Each waiver at its place in the file that writes it: with `extends:`, the
            // merged list is each file's own, base first.
            let files: Vec<(&Path, String)> = match config.layers.is_empty() {
                true => vec![(path, std::fs::read_to_string(path).unwrap_or_default())],
                false => config
                    .layers
                    .iter()
                    .map(|layer| (layer.path.as_path(), layer.text.clone()))
                    .collect(),
            };
            let mut places = Vec::new();
            let mut top = None;
            for (file, text) in files {
                let relative = file.strip_prefix(root).unwrap_or(file).to_path_buf();
                let source = Arc::new(SourceFile::new(relative, text, Format::Yaml));
                for spans in waiver_spans(source.text()) {
                    places.push((Arc::clone(&source), spans));
                }
                top = Some(source);
            }
            // Should the files and the merged list not line up, no waiver is placed (nor
            // fixed) at a line that may hold another.
            let aligned = places.len() == config.waivers.len();
            for (index, waiver) in config.waivers.iter().enumerate() {
                let (source, (span, expires_span)) = match (aligned, &top) {
                    (true, _) => places[index].clone(),
                    (false, Some(top)) => (Arc::clone(top), (0..0, None)),
                    (false, None) => break,
                };
                waivers.push(Waiver {
                    rules: vec![waiver.rule.clone()],
                    // The configuration's globs were checked when it loaded; should one still
                    // not compile, it covers nothing rather than everything.
                    files: waiver.file.as_deref().map(|file| {
                        discover::glob_set([file]).unwrap_or_else(|_| GlobSet::empty())
                    }),
                    path: waiver.path.clone(),
                    doc_id: waiver.doc_id.clone(),
                    at_line: None,
                    reason: waiver.reason.clone(),
                    approved_by: waiver.approved_by.clone(),
                    expires: waiver.expires.clone(),
                    expires_span,
                    ticket: waiver.ticket.clone(),
                    source,
                    span,
                    used: false,
                });
            }
        }
        for file in files {
            waivers.extend(inline_waivers(file));
        }
        Waivers { waivers }
    }

    /// Marks the findings a valid waiver covers as suppressed, then returns the waivers'
    /// own findings (`LL025`, `LL026`) for the rules that are enabled.
    pub fn apply(
        &mut self,
        findings: &mut [Finding],
        rules: &[Rule],
        settings: &[RuleSettings],
        as_of: &Moment,
        warn_days: i64,
    ) -> Vec<(Finding, Arc<SourceFile>)> {
        let setting = |id: &str| {
            rules
                .iter()
                .position(|rule| rule.id == id)
                .map(|position| (&rules[position], &settings[position]))
        };
        let mut own = Vec::new();
        for waiver in &mut self.waivers {
            let state = standing(waiver, as_of, warn_days);
            let invalid = matches!(state, Standing::Invalid(..));
            if !invalid {
                for finding in findings.iter_mut() {
                    if !finding.is_suppressed() && waiver.matches(finding) {
                        waiver.used = true;
                        // Boxed: a finding carries it only when waived.
                        let waived = Box::new(Waived {
                            reason: waiver.reason.clone(),
                            approved_by: waiver.approved_by.clone(),
                            expires: waiver.expires.clone(),
                            ticket: waiver.ticket.clone(),
                        });
                        finding.suppression = Some(if waiver.at_line.is_some() {
                            Suppression::InlineWaiver(waived)
                        } else {
                            Suppression::Waiver(waived)
                        });
                    }
                }
            }
            let mut report = |id: &str,
                              severity: Option<Severity>,
                              message: String,
                              help: String,
                              fix: Option<crate::finding::Fix>| {
                if let Some((rule, settings)) = setting(id) {
                    if settings.enabled {
                        own.push((
                            Finding::new(
                                rule.key(),
                                severity.unwrap_or(settings.severity),
                                &waiver.source,
                                &waiver.span,
                                message,
                            )
                            .help(Some(help.into()))
                            .fix(fix),
                            Arc::clone(&waiver.source),
                        ));
                    }
                }
            };
            match state {
                Standing::Invalid(message, help, written) => {
                    let fix = written
                        .zip(waiver.expires_span.as_ref())
                        .map(|(written, span)| crate::finding::Fix::writing(span, written.clone()));
                    report("LL025", None, message, help, fix);
                }
                Standing::Note(message) => report(
                    "LL025",
                    Some(Severity::Info),
                    message,
                    "set `expires:` to the date the exception must be looked at again".into(),
                    None,
                ),
                Standing::Valid => {}
            }
            if !waiver.used && !invalid {
                let rules = waiver.rules.join(", ");
                report(
                    "LL026",
                    None,
                    format!("the waiver of {rules} matched no finding"),
                    "remove it: the finding it accepted is gone (or the waiver's rule, file, path or id is wrong)".into(),
                    None,
                );
            }
        }
        own
    }
}

impl Waivers {
    /// Every waiver's standing on `as_of`, after [`Waivers::apply`] marked the used ones.
    pub fn statuses(&self, as_of: &Moment, warn_days: i64) -> Vec<WaiverStatus> {
        self.waivers
            .iter()
            .map(|waiver| {
                let state = match standing(waiver, as_of, warn_days) {
                    Standing::Invalid(message, ..) if message.contains("expired on") => "expired",
                    Standing::Invalid(..) => "invalid",
                    _ if !waiver.used => "unused",
                    Standing::Note(_) => "expiring",
                    Standing::Valid => "in force",
                };
                WaiverStatus {
                    rules: waiver.rules.clone(),
                    file: crate::finding::display_path(&waiver.source.path),
                    line: waiver.source.location(&waiver.span).line(),
                    state,
                    reason: waiver.reason.clone(),
                    approved_by: waiver.approved_by.clone(),
                    expires: waiver.expires.clone(),
                    ticket: waiver.ticket.clone(),
                }
            })
            .collect()
    }
}

/// The span of each entry of `waivers:` in the configuration text, in order, and of its
/// `expires:` value.
fn waiver_spans(text: &str) -> Vec<(Span, Option<Span>)> {
    let stream = yaml::parse(text, 0);
    let Some(root) = stream.documents.first() else {
        return Vec::new();
    };
    match root.get("waivers").map(|node| &node.value) {
        Some(crate::document::Value::Seq(items)) => items
            .iter()
            .map(|item| match &item.value {
                crate::document::Value::Map(entries) if !entries.is_empty() => (
                    entries[0].key_span(),
                    item.get("expires").map(crate::document::Node::span),
                ),
                _ => (item.span(), None),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `2027/03/31`, `2027.3.31`, `20270331`: a date with the year first, in a form that is
/// certain, written as YYYY-MM-DD; `None` for anything else.
fn iso_date(text: &str) -> Option<String> {
    let text = text.trim();
    let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        vec![&text[..4], &text[4..6], &text[6..]]
    } else {
        text.split(['/', '.']).collect()
    };
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 || !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len()) {
        return None;
    }
    let date =
        jiff::civil::Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()?;
    Some(date.to_string())
}

/// What starts an inline waiver in a comment: a file without it holds none.
pub const MARKER: &str = "lessons: allow ";

/// `# lessons: allow ID[,ID] [until DATE] [-- reason]` in a file's comments.
fn inline_waivers(file: &Arc<SourceFile>) -> Vec<Waiver> {
    if !file.may_allow() {
        return Vec::new();
    }
    let text: &str = file.text();
    if !text.contains(MARKER) {
        return Vec::new();
    }
    // In a Markdown body `#` starts a heading, not a comment: there a waiver is
    // `<!-- lessons: allow … -->` alone on its line, and only there.
    let body_start = match file.format {
        Format::Markdown => match crate::document::markdown::find_front_matter(text) {
            crate::document::markdown::Header::Found(front) => front.body_start,
            _ => 0,
        },
        _ => usize::MAX,
    };
    let mut waivers = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = line[..at].trim_end();
        let html = before.trim_start() == "<!--";
        if html != (start >= body_start) {
            continue;
        }
        let head = if html {
            ""
        } else {
            let Some(head) = before.strip_suffix('#') else {
                continue;
            };
            head
        };
        if !(head.is_empty() || head.ends_with(char::is_whitespace)) {
            continue;
        }
        let mut rest = line[at + MARKER.len()..].trim_end_matches(['\n', '\r']);
        if html {
            match rest.trim_end().strip_suffix("-->") {
                Some(inside) => rest = inside.trim_end(),
                None => continue,
            }
        }
        let (rest, reason) = match rest.split_once("--") {
            Some((rest, reason)) => (rest, Some(reason.trim().to_owned())),
            None => (rest, None),
        };
        let (ids, expires, expires_span) = match rest.split_once(" until ") {
            Some((ids, date)) => {
                let from = start + at + MARKER.len() + ids.len() + " until ".len();
                let from = from + (date.len() - date.trim_start().len());
                (
                    ids,
                    Some(date.trim().to_owned()),
                    Some(from..from + date.trim().len()),
                )
            }
            None => (rest, None, None),
        };
        let rules: Vec<String> = ids
            .split([',', ' '])
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        if rules.is_empty() {
            continue;
        }
        // Alone on its line, it covers the next line; after a value, its own.
        let line_number = index + 1;
        let target = if head.trim().is_empty() {
            line_number + 1
        } else {
            line_number
        };
        let comment_start = start + head.len();
        waivers.push(Waiver {
            rules,
            files: None,
            path: None,
            doc_id: None,
            at_line: Some((file.path.to_path_buf(), target)),
            reason: reason.filter(|reason| !reason.is_empty()),
            approved_by: None,
            expires,
            expires_span,
            ticket: None,
            source: Arc::clone(file),
            span: comment_start..start + line.trim_end().len(),
            used: false,
        });
    }
    waivers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rules, line covered, reason, expiry.
    type Inline = (Vec<String>, usize, Option<String>, Option<String>);

    /// Each inline waiver of `text`, as [`Inline`].
    fn inline(path: &str, text: &str) -> Vec<Inline> {
        let format = Format::of(Path::new(path)).unwrap_or(Format::Yaml);
        let file = Arc::new(SourceFile::new(path.into(), text.to_owned(), format));
        inline_waivers(&file)
            .into_iter()
            .map(|waiver| {
                let line = waiver.at_line.map_or(0, |(_, line)| line);
                (waiver.rules, line, waiver.reason, waiver.expires)
            })
            .collect()
    }

    #[test]
    fn a_markdown_body_waives_with_an_html_comment_alone_on_its_line() {
        let text = "---\nkind: incident\n---\n# Root cause\n\
                    <!-- lessons: allow LL027 until 2027-03-31 -- quoting the vendor's report -->\n\
                    Human error on the vendor's side.\n\
                    <!-- lessons: allow LL001 -->\n\
                    text\n\
                    <!-- lessons: allow LL002 -- the comment is never closed\n\
                    text # lessons: allow LL003 -- a hash in prose is no comment\n\
                    # lessons: allow LL004 -- nor is a heading\n";
        assert_eq!(
            inline("pm.md", text),
            vec![
                (
                    vec!["LL027".to_owned()],
                    6,
                    Some("quoting the vendor's report".to_owned()),
                    Some("2027-03-31".to_owned())
                ),
                // No reason: kept, and LL025 says it waives nothing.
                (vec!["LL001".to_owned()], 8, None, None),
            ]
        );
    }

    #[test]
    fn a_yaml_comment_waives_its_own_line_or_the_next() {
        let text = "status: open # lessons: allow LL003, LL004 -- due at the review\n\
                    # lessons: allow LL002\n\
                    owner:\n\
                    title: a#lessons: allow LL028 -- inside a value, no comment\n";
        assert_eq!(
            inline("a.yaml", text),
            vec![
                (
                    vec!["LL003".to_owned(), "LL004".to_owned()],
                    1,
                    Some("due at the review".to_owned()),
                    None
                ),
                (vec!["LL002".to_owned()], 3, None, None),
            ]
        );
        // In a Markdown file's front matter, as in YAML.
        let front = "---\nkind: incident\nstatus: open # lessons: allow LL001 -- pending\n---\n\
                     <!-- lessons: allow LL027 -- quoted -->\nbody\n";
        assert_eq!(
            inline("pm.md", front),
            vec![
                (
                    vec!["LL001".to_owned()],
                    3,
                    Some("pending".to_owned()),
                    None
                ),
                (vec!["LL027".to_owned()], 6, Some("quoted".to_owned()), None),
            ]
        );
    }
}
