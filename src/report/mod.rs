//! The auditor's sweep (`lessons report`): the numbers the lessons-learned phase asks for,
//! computed once from the checked repository and rendered per format (one file each).
//!
//! This first part holds the summary, the incident trends (per quarter by category; time
//! to detect, contain and resolve) and the action items. Durations are in hours; a date
//! without a time counts from its midnight (UTC). Percentiles are by nearest rank; the
//! median of an even count is the mean of the middle two.

mod charts;
pub mod html;
pub mod json;
pub mod markdown;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::document::date::Moment;
use crate::document::{Node, Value};
use crate::finding::{display_path, Severity};
use crate::workspace::Workspace;
use crate::Outcome;

#[derive(Debug, Serialize)]
pub struct Report {
    pub as_of: String,
    /// The policy pack the rules ran with.
    pub pack: String,
    /// The commit checked out at the repository root, when it is a git work tree.
    pub commit: Option<String>,
    pub summary: Summary,
    pub incidents: Incidents,
    pub action_items: ActionItems,
    /// Per required course: who must hold it, who is current, who is not.
    pub training: BTreeMap<String, Training>,
    /// Access reviews, runbooks and policies: age against interval, overdue first.
    pub reviews: Vec<ReviewAge>,
    /// Every waiver with its reason, approver, expiry and ticket, and where it stands.
    pub waivers: Vec<crate::policy::waiver::WaiverStatus>,
}

#[derive(Debug, Serialize)]
pub struct ReviewAge {
    pub kind: String,
    pub id: String,
    pub file: String,
    /// The last review (or, for a policy, revision); `None` when there is none.
    pub last: Option<String>,
    pub age_days: Option<i64>,
    pub interval_days: i64,
    /// Days past the interval (negative: days left); `None` when never reviewed.
    pub overdue_days: Option<i64>,
}

impl ReviewAge {
    /// `120 days`, or `–` when there was no review.
    pub fn age_text(&self) -> String {
        self.age_days
            .map_or("–".into(), |days| format!("{days} days"))
    }

    /// How far past its interval: `never reviewed`, `12 days`, or `–` while in time.
    pub fn overdue_text(&self) -> String {
        match self.overdue_days {
            None => "never reviewed".into(),
            Some(days) if days > 0 => format!("{days} days"),
            Some(_) => "–".into(),
        }
    }

    pub fn late(&self) -> bool {
        self.overdue_days.is_none_or(|days| days > 0)
    }
}

impl Training {
    /// `80%`.
    pub fn share_text(&self) -> String {
        format!("{:.0}%", self.share * 100.0)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Training {
    pub required_of: usize,
    pub current: usize,
    /// `current / required_of`, 0 to 1.
    pub share: f64,
    /// Past LL010's grace and not current: what LL010 reports.
    pub not_current: Vec<String>,
    /// New hires not yet current, within LL010's `new_hire_grace_days` of `hired_on`.
    pub in_grace: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub documents_by_kind: BTreeMap<String, usize>,
    pub findings_by_severity: BTreeMap<String, usize>,
    /// Most frequent first.
    pub findings_by_rule: Vec<RuleCount>,
    pub findings_by_kind: BTreeMap<String, usize>,
    /// By the `owner` of the document a finding is in.
    pub findings_by_owner: BTreeMap<String, usize>,
    pub suppressed: usize,
    /// Of those, the ones in a baseline (accepted as they were, with no reason of their own).
    pub baselined: usize,
    /// The waived findings, each with the waiver's reason, approver, expiry and ticket.
    pub waived: Vec<Waived>,
    /// The documents with the most serious gaps: errors first, then warnings.
    pub worst_documents: Vec<WorstDocument>,
}

/// How often a rule fired (unsuppressed findings).
#[derive(Debug, Serialize)]
pub struct RuleCount {
    pub rule: String,
    pub name: String,
    pub findings: usize,
}

impl Summary {
    /// Findings per severity, most severe first, every severity shown.
    pub fn by_severity(&self) -> Vec<(&'static str, usize)> {
        [Severity::Error, Severity::Warning, Severity::Info]
            .map(|severity| {
                let name = severity.as_str();
                (
                    name,
                    self.findings_by_severity.get(name).copied().unwrap_or(0),
                )
            })
            .to_vec()
    }
}

/// A waived finding with its waiver's reason, approver, expiry and ticket.
#[derive(Debug, Serialize)]
pub struct Waived {
    #[serde(flatten)]
    pub gap: Gap,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub expires: Option<String>,
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WorstDocument {
    pub file: String,
    pub line: usize,
    pub doc_id: Option<String>,
    /// The document's `title` (or `name`), when it has one.
    pub title: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Incidents {
    /// Categories that recur (LL024), with the incidents flagged as recurrences.
    pub recurring: BTreeMap<String, Vec<String>>,
    /// Resolved or closed incidents whose action items change a policy, runbook or
    /// training, and those whose do not.
    pub lessons_applied: Vec<String>,
    pub lessons_not_applied: Vec<String>,
    /// `2026-Q3` → category → count, by the day each incident was detected.
    pub per_quarter: BTreeMap<String, BTreeMap<String, usize>>,
    /// `2026-Q3` → the lessons of that quarter's incidents that went missing: reviews that
    /// left a question of the pack unanswered (LL035), serious incidents the incident
    /// response plan did not change after (LL036). By the day each incident was detected.
    pub lessons_missed: BTreeMap<String, LessonsMissed>,
    /// `2026-Q3` → time to detect, contain and resolve.
    pub durations: BTreeMap<String, Durations>,
    /// The unit the durations are shown in, in tables and the chart alike: `hours`, or
    /// `days` when the slowest resolution's 90th percentile is over four days.
    pub duration_unit: DurationUnit,
    /// Every incident not yet closed, as `gate close` would judge it: not ready first.
    pub closure: Vec<Closure>,
}

/// What one quarter's incidents left unlearned.
#[derive(Debug, Default, Serialize)]
pub struct LessonsMissed {
    /// Reviews with an unanswered lessons-learned question (LL035).
    pub unanswered_reviews: usize,
    /// Serious incidents the incident response plan did not change after (LL036).
    pub plan_unchanged: usize,
}

/// Whether an incident could be closed as of the report's day, and what is still missing.
#[derive(Debug, Serialize)]
pub struct Closure {
    pub id: String,
    pub title: Option<String>,
    /// The status recorded (`open`, `contained`, `resolved`, …).
    pub status: String,
    pub file: String,
    pub line: usize,
    /// No error remains (the default `--fail-on` of `gate close`).
    pub ready: bool,
    /// What `gate close` lists: errors block the close, warnings and infos are to consider.
    pub missing: Vec<Gap>,
}

/// A finding as the report lists it.
#[derive(Debug, Serialize)]
pub struct Gap {
    pub rule: String,
    pub severity: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Gap {
    fn of(finding: &crate::finding::Finding) -> Gap {
        Gap {
            rule: finding.rule.to_string(),
            severity: finding.severity.to_string(),
            file: display_path(&finding.file),
            line: finding.location.line(),
            column: finding.location.column(),
            message: finding.message.to_string(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Durations {
    /// From the first timeline entry to `detected`.
    pub detect: Option<Spread>,
    /// From `detected` to `contained`.
    pub contain: Option<Spread>,
    /// From `detected` to `resolved`.
    pub resolve: Option<Spread>,
}

/// Hours or days: one unit for a chart and its table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DurationUnit {
    #[default]
    Hours,
    Days,
}

impl DurationUnit {
    /// Days when the slowest 90th percentile of time to resolve is over four days.
    pub fn for_durations(durations: &BTreeMap<String, Durations>) -> DurationUnit {
        let slowest = durations
            .values()
            .filter_map(|d| d.resolve)
            .map(|s| s.p90_hours)
            .fold(0.0, f64::max);
        if slowest > 96.0 {
            DurationUnit::Days
        } else {
            DurationUnit::Hours
        }
    }

    pub fn hours(self) -> f64 {
        match self {
            DurationUnit::Hours => 1.0,
            DurationUnit::Days => 24.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DurationUnit::Hours => "hours",
            DurationUnit::Days => "days",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
        }
    }
}

/// Median and 90th percentile of a set of durations, in hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub median_hours: f64,
    pub p90_hours: f64,
}

impl Spread {
    /// `6.0 h / 8.0 h (n=3)`: median / 90th percentile in `unit` and count, `–` for none.
    pub fn text(value: &Option<Spread>, unit: &DurationUnit) -> String {
        value.map_or("unknown".into(), |s| {
            let symbol = unit.symbol();
            format!(
                "{:.1} {symbol} / {:.1} {symbol} (n={})",
                s.median_hours / unit.hours(),
                s.p90_hours / unit.hours(),
                s.count
            )
        })
    }

    pub fn of(mut hours: Vec<f64>) -> Option<Spread> {
        if hours.is_empty() {
            return None;
        }
        hours.sort_by(f64::total_cmp);
        let n = hours.len();
        let median = if n % 2 == 1 {
            hours[n / 2]
        } else {
            (hours[n / 2 - 1] + hours[n / 2]) / 2.0
        };
        // Nearest rank: the smallest value with at least 90% of the values at or below it.
        let rank = (n * 9).div_ceil(10).max(1);
        Some(Spread {
            count: n,
            median_hours: median,
            p90_hours: hours[rank - 1],
        })
    }
}

#[derive(Debug, Default, Serialize)]
pub struct ActionItems {
    pub total: Counts,
    pub by_type: BTreeMap<String, Counts>,
    pub by_owner: BTreeMap<String, Counts>,
    /// Every action item not done (nor won't-do): the most overdue first, then by due date.
    pub open: Vec<OpenItem>,
}

/// An action item still to do, with who owns it and how late it is.
#[derive(Debug, Serialize)]
pub struct OpenItem {
    pub incident: String,
    /// The item's `id`, else its position (`#2`).
    pub id: String,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// Days past `due` (0 or less: not yet late); `None` without a due date.
    pub days_overdue: Option<i64>,
    pub status: String,
    pub file: String,
    pub line: usize,
}

impl OpenItem {
    /// `12 days`, `–` while in time or without a due date.
    pub fn overdue_text(&self) -> String {
        match self.days_overdue {
            Some(days) if days > 0 => format!("{days} day{}", if days == 1 { "" } else { "s" }),
            _ => "–".into(),
        }
    }

    pub fn late(&self) -> bool {
        self.days_overdue.is_some_and(|days| days > 0)
    }
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counts {
    pub opened: usize,
    pub done: usize,
    pub overdue: usize,
}

impl Counts {
    fn add(&mut self, done: bool, overdue: bool) {
        self.opened += 1;
        self.done += usize::from(done);
        self.overdue += usize::from(overdue);
    }
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text)
        .filter(|text| !text.trim().is_empty())
}

/// Who is to act on a finding at `path`: the owner of the action item it is in, else the
/// document's `owner`.
fn owner_of(root: &Node, path: &str) -> Option<String> {
    let item = path
        .strip_prefix("action_items[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(index, _)| index.parse::<usize>().ok());
    if let (Some(index), Some(Value::Seq(items))) =
        (item, root.get("action_items").map(|node| &node.value))
    {
        if let Some(owner) = items.get(index).and_then(|item| text(item.get("owner"))) {
            return Some(owner);
        }
    }
    text(root.get("owner"))
}

/// What a reader calls the document: its `title`, else its `name`.
fn title_of(root: &Node) -> Option<String> {
    text(root.get("title")).or_else(|| text(root.get("name")))
}

fn moment(node: Option<&Node>) -> Option<Moment> {
    text(node).and_then(|text| Moment::parse(&text))
}

fn hours(from: &Moment, to: &Moment) -> Option<f64> {
    let seconds = to.epoch_seconds() - from.epoch_seconds();
    (seconds >= 0).then(|| seconds as f64 / 3600.0)
}

/// `2026-Q3`.
pub fn quarter(day: &Moment) -> String {
    let month = day.date.month();
    format!("{}-Q{}", day.date.year(), (month - 1) / 3 + 1)
}

/// The repository of `outcome` checked again with every incident not yet closed evaluated
/// as if being closed, on the same day: what [`build`] needs for closure readiness.
pub fn closing(options: &crate::Options, outcome: &Outcome) -> Result<Outcome, crate::Error> {
    crate::check(&crate::Options {
        as_of: Some(outcome.as_of),
        closing: Some(crate::Closing::Unclosed),
        workspace: Some(std::sync::Arc::clone(&outcome.workspace)),
        ..options.clone()
    })
}

/// The report of a checked repository; `closing` is the same repository checked with
/// every incident not yet closed evaluated as if being closed ([`crate::Closing::Unclosed`]).
pub fn build(outcome: &Outcome, closing: &Outcome) -> Report {
    let workspace = &*outcome.workspace;
    let mut summary = Summary::default();
    for loaded in &workspace.documents {
        if let Some(kind) = &loaded.kind {
            *summary
                .documents_by_kind
                .entry(kind.to_string())
                .or_default() += 1;
        }
    }
    // (file, document id) → the document, for the owner, category and title of findings.
    let documents: std::collections::HashMap<(String, Option<String>), &Node> = workspace
        .documents
        .iter()
        .map(|loaded| {
            let file = display_path(&workspace.files[loaded.file].path);
            let id = loaded.document.id.as_deref().map(str::to_owned);
            ((file, id), &loaded.document.root)
        })
        .collect();
    let mut recurring: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut lessons_missed: BTreeMap<String, LessonsMissed> = BTreeMap::new();
    let mut rule_counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut worst: BTreeMap<(String, Option<String>), WorstDocument> = BTreeMap::new();
    for finding in &outcome.findings {
        if finding.is_suppressed() {
            summary.suppressed += 1;
            match &finding.suppression {
                Some(suppression) => match suppression.waived() {
                    Some(waiver) => summary.waived.push(Waived {
                        gap: Gap::of(finding),
                        reason: waiver.reason.clone(),
                        approved_by: waiver.approved_by.clone(),
                        expires: waiver.expires.clone(),
                        ticket: waiver.ticket.clone(),
                    }),
                    None => summary.baselined += 1,
                },
                _ => summary.baselined += 1,
            }
            continue;
        }
        *summary
            .findings_by_severity
            .entry(finding.severity.to_string())
            .or_default() += 1;
        rule_counts
            .entry(finding.rule.to_string())
            .or_insert_with(|| (finding.name.to_string(), 0))
            .1 += 1;
        *summary
            .findings_by_kind
            .entry(finding.kind.as_deref().unwrap_or("(file)").to_owned())
            .or_default() += 1;
        let file = display_path(&finding.file);
        let doc_id = finding.doc_id.as_deref().map(str::to_owned);
        let document = documents.get(&(file.clone(), doc_id.clone()));
        let owner = document
            .and_then(|root| owner_of(root, &finding.path))
            .unwrap_or_else(|| "(no owner)".into());
        let category = document.and_then(|root| text(root.get("category")));
        let title = document.and_then(|root| title_of(root));
        *summary.findings_by_owner.entry(owner).or_default() += 1;
        if &*finding.rule == "LL024" {
            if let (Some(category), Some(id)) = (category, &doc_id) {
                recurring.entry(category).or_default().push(id.clone());
            }
        }
        if matches!(&*finding.rule, "LL035" | "LL036") {
            let day = document.and_then(|root| {
                ["detected", "contained", "resolved", "closed"]
                    .into_iter()
                    .find_map(|field| moment(root.get(field)))
            });
            if let Some(day) = day {
                let missed = lessons_missed.entry(quarter(&day)).or_default();
                if &*finding.rule == "LL035" {
                    missed.unanswered_reviews += 1;
                } else {
                    missed.plan_unchanged += 1;
                }
            }
        }
        let entry = worst
            .entry((file.clone(), doc_id.clone()))
            .or_insert(WorstDocument {
                file,
                line: finding.location.line(),
                doc_id,
                title,
                errors: 0,
                warnings: 0,
                infos: 0,
            });
        entry.line = entry.line.min(finding.location.line());
        match finding.severity {
            Severity::Error => entry.errors += 1,
            Severity::Warning => entry.warnings += 1,
            Severity::Info => entry.infos += 1,
        }
    }
    let mut worst: Vec<WorstDocument> = worst.into_values().collect();
    worst.sort_by(|a, b| {
        (b.errors, b.warnings, b.infos)
            .cmp(&(a.errors, a.warnings, a.infos))
            .then_with(|| a.file.cmp(&b.file))
    });
    worst.truncate(10);
    summary.worst_documents = worst;
    let mut by_rule: Vec<RuleCount> = rule_counts
        .into_iter()
        .map(|(rule, (name, findings))| RuleCount {
            rule,
            name,
            findings,
        })
        .collect();
    by_rule.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    summary.findings_by_rule = by_rule;

    let mut incidents = Incidents::default();
    let mut spans: BTreeMap<String, [Vec<f64>; 3]> = BTreeMap::new();
    let mut action_items = ActionItems::default();
    for &position in workspace.index.of_kind("incident") {
        let root = &workspace.documents[position].document.root;
        let detected = moment(root.get("detected"));
        if let Some(detected) = &detected {
            let quarter = quarter(detected);
            let category = text(root.get("category")).unwrap_or_else(|| "uncategorised".into());
            *incidents
                .per_quarter
                .entry(quarter.clone())
                .or_default()
                .entry(category)
                .or_default() += 1;
            let spans = spans.entry(quarter).or_default();
            let first_sign = match root.get("timeline").map(|node| &node.value) {
                Some(Value::Seq(entries)) => entries
                    .iter()
                    .filter_map(|entry| moment(entry.get("at")))
                    .min_by_key(Moment::epoch_seconds),
                _ => None,
            };
            // A post-mortem whose timeline does not say when it was detected had its
            // first entry taken: the time to detect is not known, not zero.
            let assumed = workspace.documents[position]
                .document
                .origins
                .iter()
                .any(|origin| {
                    origin.target == "detected" && origin.from == crate::formats::EARLIEST_ENTRY
                });
            if let Some(hours) = first_sign
                .filter(|_| !assumed)
                .and_then(|first| hours(&first, detected))
            {
                spans[0].push(hours);
            }
            if let Some(hours) = moment(root.get("contained")).and_then(|c| hours(detected, &c)) {
                spans[1].push(hours);
            }
            if let Some(hours) = moment(root.get("resolved")).and_then(|r| hours(detected, &r)) {
                spans[2].push(hours);
            }
        }
        let finished = matches!(
            text(root.get("status")).as_deref(),
            Some("resolved" | "closed")
        );
        let mut applied = false;
        let loaded = &workspace.documents[position];
        let source = &workspace.files[loaded.file];
        let incident = loaded
            .document
            .id
            .as_deref()
            .map_or_else(|| display_path(&source.path), str::to_owned);
        if let Some(Value::Seq(items)) = root.get("action_items").map(|node| &node.value) {
            for (index, item) in items.iter().enumerate() {
                let changes = matches!(
                    text(item.get("type")).as_deref(),
                    Some("policy" | "runbook" | "training")
                );
                if changes && text(item.get("status")).as_deref() != Some("wont-do") {
                    applied = true;
                }
                let status = text(item.get("status")).unwrap_or_else(|| "open".into());
                if status == "wont-do" {
                    continue;
                }
                let done = status == "done";
                let due = moment(item.get("due"));
                let overdue = !done && due.is_some_and(|due| due.days_until(&outcome.as_of) > 0);
                if !done {
                    action_items.open.push(OpenItem {
                        incident: incident.clone(),
                        id: text(item.get("id")).unwrap_or_else(|| format!("#{}", index + 1)),
                        title: text(item.get("title")),
                        owner: text(item.get("owner")),
                        due: due.map(|due| due.to_string()),
                        days_overdue: due.map(|due| due.days_until(&outcome.as_of)),
                        status: status.clone(),
                        file: display_path(&source.path),
                        line: source.location(&item.span()).line(),
                    });
                }
                action_items.total.add(done, overdue);
                let kind = text(item.get("type")).unwrap_or_else(|| "(no type)".into());
                action_items
                    .by_type
                    .entry(kind)
                    .or_default()
                    .add(done, overdue);
                let owner = text(item.get("owner")).unwrap_or_else(|| "(no owner)".into());
                action_items
                    .by_owner
                    .entry(owner)
                    .or_default()
                    .add(done, overdue);
            }
        }
        if finished {
            if applied {
                incidents.lessons_applied.push(incident);
            } else {
                incidents.lessons_not_applied.push(incident);
            }
        }
    }
    incidents.closure = closure(workspace, closing);
    // Most overdue first; then the nearest due date; items without one last.
    action_items.open.sort_by(|a, b| {
        b.days_overdue
            .map(|days| days.max(0))
            .cmp(&a.days_overdue.map(|days| days.max(0)))
            .then_with(|| a.due.is_none().cmp(&b.due.is_none()))
            .then_with(|| a.due.cmp(&b.due))
            .then_with(|| (&a.incident, &a.id).cmp(&(&b.incident, &b.id)))
    });
    incidents.lessons_applied.sort();
    incidents.lessons_not_applied.sort();
    incidents.recurring = recurring;
    incidents.lessons_missed = lessons_missed;
    for (quarter, [detect, contain, resolve]) in spans {
        incidents.durations.insert(
            quarter,
            Durations {
                detect: Spread::of(detect),
                contain: Spread::of(contain),
                resolve: Spread::of(resolve),
            },
        );
    }
    incidents.duration_unit = DurationUnit::for_durations(&incidents.durations);
    Report {
        as_of: outcome.as_of.to_string(),
        pack: outcome.pack.clone(),
        commit: commit(&outcome.root),
        summary,
        incidents,
        action_items,
        training: training(outcome),
        reviews: reviews(outcome),
        waivers: outcome.waivers.clone(),
    }
}

/// The commit checked out at `root` (12 digits), when git is there and `root` is in a work
/// tree: which state of the repository the report describes.
fn commit(root: &Path) -> Option<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--short=12", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let commit = text.trim();
    (output.status.success() && !commit.is_empty()).then(|| commit.to_owned())
}

/// Each incident not yet closed with the findings `gate close` would list for it: those of
/// its [`CloseScope`](crate::gate::CloseScope). The closing run's findings are grouped by
/// document once, so each incident looks its documents up instead of scanning them all.
fn closure(workspace: &Workspace, closing: &Outcome) -> Vec<Closure> {
    let mut by_document: HashMap<(&Path, Option<&str>), Vec<usize>> = HashMap::new();
    for (at, finding) in closing.findings.iter().enumerate() {
        if !finding.is_suppressed() {
            by_document
                .entry((&*finding.file, finding.doc_id.as_deref()))
                .or_default()
                .push(at);
        }
    }
    let mut closures = Vec::new();
    for position in crate::gate::unclosed(workspace) {
        let scope = crate::gate::CloseScope::of(workspace, position);
        // A document's own findings and its file's; in the closing run's order.
        let mut picked: Vec<usize> = scope
            .documents
            .iter()
            .flat_map(|(file, id)| [(file.as_path(), id.as_deref()), (file.as_path(), None)])
            .filter_map(|key| by_document.get(&key))
            .flatten()
            .copied()
            .collect();
        picked.sort_unstable();
        picked.dedup();
        let missing: Vec<Gap> = picked
            .into_iter()
            .map(|at| Gap::of(&closing.findings[at]))
            .collect();
        let loaded = &workspace.documents[position];
        let source = &workspace.files[loaded.file];
        closures.push(Closure {
            id: loaded
                .document
                .id
                .as_deref()
                .map_or_else(|| display_path(&source.path), str::to_owned),
            title: title_of(&loaded.document.root),
            status: text(loaded.document.root.get("status")).unwrap_or_else(|| "(none)".into()),
            file: display_path(&source.path),
            line: source.location(&loaded.document.root.span()).line(),
            ready: !missing.iter().any(|item| item.severity == "error"),
            missing,
        });
    }
    closures.sort_by(|a, b| a.ready.cmp(&b.ready).then_with(|| a.id.cmp(&b.id)));
    closures
}

/// The interval of a review: the document's own days, else its cadence, else the rule's
/// parameter as the run applied it to the document's file — the order LL011, LL013 and
/// LL015 use, so the report and `check` never disagree.
fn interval(root: &Node, days_field: &str, cadence: bool, rule_default: i64) -> i64 {
    if let Some(Value::Int(days)) = root.get(days_field).map(|n| &n.value) {
        return *days;
    }
    if !cadence {
        return rule_default;
    }
    match text(root.get("review_cadence")).as_deref() {
        Some("monthly") => 30,
        Some("quarterly") => 90,
        Some("semiannual") => 180,
        Some("annual") => 365,
        _ => rule_default,
    }
}

/// The last review as LL013 takes it: `last_reviewed`, else the latest dated revision.
fn last_review(root: &Node, field: &str, revisions: bool) -> Option<Moment> {
    let reviewed = moment(root.get(field));
    if reviewed.is_some() || !revisions {
        return reviewed;
    }
    let mut latest: Option<Moment> = None;
    for list in ["revisions", "majorRevisions"] {
        if let Some(Value::Seq(entries)) = root.get(list).map(|n| &n.value) {
            for date in entries.iter().filter_map(|entry| moment(entry.get("date"))) {
                if latest.as_ref().is_none_or(|l| l.days_until(&date) > 0) {
                    latest = Some(date);
                }
            }
        }
    }
    latest
}

/// Access reviews, runbooks and policies, judged as LL015, LL011 and LL013 judge them with
/// the run's settings; never-reviewed and most overdue first.
fn reviews(outcome: &Outcome) -> Vec<ReviewAge> {
    let workspace = &*outcome.workspace;
    let day = &outcome.as_of;
    let mut ages = Vec::new();
    for (kind, rule, field, days_field, cadence) in [
        (
            "access-review",
            "LL015",
            "reviewed_on",
            "interval_days",
            false,
        ),
        (
            "runbook",
            "LL011",
            "last_reviewed",
            "review_interval_days",
            true,
        ),
        (
            "policy",
            "LL013",
            "last_reviewed",
            "review_interval_days",
            true,
        ),
    ] {
        for &position in workspace.index.of_kind(kind) {
            let loaded = &workspace.documents[position];
            let root = &loaded.document.root;
            if text(root.get("status")).as_deref() == Some("retired") {
                continue;
            }
            let file = &workspace.files[loaded.file].path;
            let Some(rule_default) = outcome.int_param(rule, file, days_field) else {
                continue; // a custom rule set without the built-in: nothing to measure by
            };
            let last = last_review(root, field, kind == "policy");
            let interval_days = interval(root, days_field, cadence, rule_default);
            let age_days = last.as_ref().map(|last| last.days_until(day));
            let id = loaded
                .document
                .id
                .as_deref()
                .map(str::to_owned)
                .or_else(|| text(root.get("acronym")))
                .or_else(|| text(root.get("title")))
                .unwrap_or_else(|| display_path(file));
            ages.push(ReviewAge {
                kind: kind.into(),
                id,
                file: display_path(file),
                last: last.map(|last| last.to_string()),
                age_days,
                interval_days,
                overdue_days: age_days.map(|age| age - interval_days),
            });
        }
    }
    // Never reviewed first, then the most overdue.
    ages.sort_by_key(|age| {
        (
            age.overdue_days.is_some(),
            std::cmp::Reverse(age.overdue_days),
        )
    });
    ages
}

/// A course some policy requires: of whom (`None`: everyone) and for how long a record
/// stays current.
struct Requirement {
    course: String,
    roles: Option<Vec<String>>,
    valid_days: Option<i64>,
}

/// Every course some policy requires, and how the active people it applies to stand on the
/// report's day, as LL010 judges them with the run's settings: a person's requirement is the
/// first one of the course (in policy order) that applies to their role; a record is current
/// when `completed_on` ≤ day ≤ `expires_on` (or `completed_on` + its `valid_days`); a new
/// hire within LL010's `new_hire_grace_days` of `hired_on` is in grace, not late.
fn training(outcome: &Outcome) -> BTreeMap<String, Training> {
    let workspace = &*outcome.workspace;
    let day = &outcome.as_of;
    let mut requirements = Vec::new();
    for &position in workspace.index.of_kind("policy") {
        let root = &workspace.documents[position].document.root;
        let Some(Value::Seq(entries)) = root.get("required_training").map(|n| &n.value) else {
            continue;
        };
        for entry in entries.iter() {
            let Some(course) = text(entry.get("course")) else {
                continue;
            };
            let roles = match entry.get("roles").map(|n| &n.value) {
                Some(Value::Seq(roles)) if !roles.is_empty() => {
                    Some(roles.iter().filter_map(Node::scalar_text).collect())
                }
                _ => None,
            };
            let valid_days = match entry.get("valid_days").map(|n| &n.value) {
                Some(Value::Int(days)) => Some(*days),
                _ => None,
            };
            requirements.push(Requirement {
                course,
                roles,
                valid_days,
            });
        }
    }
    let mut result: BTreeMap<String, Training> = requirements
        .iter()
        .map(|requirement| (requirement.course.clone(), Training::default()))
        .collect();
    for &position in workspace.index.of_kind("roster") {
        let loaded = &workspace.documents[position];
        let file = &workspace.files[loaded.file].path;
        let grace = outcome
            .int_param("LL010", file, "new_hire_grace_days")
            .unwrap_or(0);
        let Some(Value::Seq(people)) = loaded.document.root.get("people").map(|n| &n.value) else {
            continue;
        };
        for person in people.iter() {
            // Gone as LL010 and LL016 judge it: departed, or left on or before the day.
            let left = moment(person.get("left_on")).is_some_and(|left| left.days_until(day) >= 0);
            if left || text(person.get("status")).as_deref() == Some("departed") {
                continue;
            }
            let in_grace =
                moment(person.get("hired_on")).is_some_and(|hired| hired.days_until(day) <= grace);
            let role = text(person.get("role"));
            let id = text(person.get("id"))
                .or_else(|| text(person.get("name")))
                .unwrap_or_else(|| "(no id)".into());
            for (course, standing) in result.iter_mut() {
                let Some(requirement) = requirements.iter().find(|requirement| {
                    requirement.course == *course
                        && requirement.roles.as_ref().is_none_or(|roles| {
                            role.as_ref().is_some_and(|role| roles.contains(role))
                        })
                }) else {
                    continue;
                };
                standing.required_of += 1;
                let current = match person.get("training").map(|n| &n.value) {
                    Some(Value::Seq(records)) => records.iter().any(|record| {
                        text(record.get("course")).as_deref() == Some(course.as_str())
                            && record_current(record, requirement.valid_days, day)
                    }),
                    _ => false,
                };
                if current {
                    standing.current += 1;
                } else if in_grace {
                    standing.in_grace.push(id.clone());
                } else {
                    standing.not_current.push(id.clone());
                }
            }
        }
    }
    for standing in result.values_mut() {
        if standing.required_of > 0 {
            standing.share = standing.current as f64 / standing.required_of as f64;
        }
    }
    result
}

fn record_current(record: &Node, valid_days: Option<i64>, day: &Moment) -> bool {
    let Some(done) = moment(record.get("completed_on")) else {
        return false;
    };
    if done.days_until(day) < 0 {
        return false;
    }
    let expires = moment(record.get("expires_on"))
        .or_else(|| valid_days.and_then(|days| done.add_days(days)));
    expires.is_none_or(|expires| day.days_until(&expires) >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_percentile() {
        let spread = Spread::of(vec![4.0, 1.0, 3.0, 2.0]).expect("values");
        assert_eq!((spread.median_hours, spread.p90_hours), (2.5, 4.0));
        let spread = Spread::of((1..=10).map(f64::from).collect()).expect("values");
        assert_eq!((spread.median_hours, spread.p90_hours), (5.5, 9.0));
        let spread = Spread::of(vec![7.0]).expect("one value");
        assert_eq!((spread.median_hours, spread.p90_hours), (7.0, 7.0));
        assert_eq!(Spread::of(Vec::new()), None);
    }
}
