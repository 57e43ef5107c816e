//! `lessons report --format html`: one self-contained page to hand over — inline CSS and
//! SVG charts, no script, nothing fetched — that prints cleanly on A4. Rendered by askama
//! from `templates/report.html`, which escapes every value with [`Shown`]; only the charts,
//! which plotters has escaped itself, go in as markup.

use askama::Template;

use super::{charts, Report, Spread};

/// How every value reaches the page (askama's escaper for `templates/report.html`, named in
/// `askama.toml`): on one line, control characters and bidirectional overrides shown as
/// escapes by the path every output shares (a right-to-left override in an owner's name
/// would make the auditor's table read other than it is), then escaped for HTML.
#[derive(Debug, Clone, Copy)]
pub struct Shown;

impl askama::filters::Escaper for Shown {
    fn write_escaped_str<W: std::fmt::Write>(&self, dest: W, string: &str) -> std::fmt::Result {
        askama::filters::Html.write_escaped_str(dest, &crate::output::terminal::flat_line(string))
    }
}

/// A figure at the top of the page.
struct Tile {
    label: &'static str,
    value: String,
    /// `bad` when it calls for action.
    tone: &'static str,
}

struct Charts {
    incidents: Option<String>,
    resolve: Option<String>,
    action_items: Option<String>,
    training: Option<String>,
}

#[derive(Template)]
#[template(path = "report.html", escape = "shown")]
struct Page<'a> {
    report: &'a Report,
    version: &'static str,
    tiles: Vec<Tile>,
    /// Findings by owner, most first: the people an auditor talks to first.
    owners: Vec<(String, usize)>,
    charts: Charts,
}

fn tiles(report: &Report) -> Vec<Tile> {
    let severity = |name: &str| {
        report
            .summary
            .findings_by_severity
            .get(name)
            .copied()
            .unwrap_or(0)
    };
    let documents: usize = report.summary.documents_by_kind.values().sum();
    let unclosed = report.incidents.closure.len();
    let blocked = report.incidents.closure.iter().filter(|c| !c.ready).count();
    let overdue = report.action_items.total.overdue;
    let expired = report
        .waivers
        .iter()
        .filter(|w| w.state == "expired")
        .count();
    let tone = |bad: bool| if bad { "bad" } else { "good" };
    vec![
        Tile {
            label: "documents",
            value: documents.to_string(),
            tone: "plain",
        },
        Tile {
            label: "errors",
            value: severity("error").to_string(),
            tone: tone(severity("error") > 0),
        },
        Tile {
            label: "warnings",
            value: severity("warning").to_string(),
            tone: tone(severity("warning") > 0),
        },
        Tile {
            label: "suppressed",
            value: report.summary.suppressed.to_string(),
            tone: "plain",
        },
        Tile {
            label: "incidents not ready to close",
            value: format!("{blocked} of {unclosed}"),
            tone: tone(blocked > 0),
        },
        Tile {
            label: "action items overdue",
            value: overdue.to_string(),
            tone: tone(overdue > 0),
        },
        Tile {
            label: "waivers expired",
            value: expired.to_string(),
            tone: tone(expired > 0),
        },
    ]
}

/// The page; an error only if the template could not be written out.
pub fn render(report: &Report) -> Result<String, askama::Error> {
    let page = Page {
        report,
        version: env!("CARGO_PKG_VERSION"),
        tiles: tiles(report),
        owners: {
            let mut owners: Vec<(String, usize)> = report
                .summary
                .findings_by_owner
                .iter()
                .map(|(owner, count)| (owner.clone(), *count))
                .collect();
            owners.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            owners
        },
        charts: Charts {
            incidents: charts::incidents_per_quarter(&report.incidents.per_quarter),
            resolve: charts::time_to_resolve(&report.incidents.durations),
            action_items: charts::action_items(&report.action_items),
            training: charts::training_currency(&report.training),
        },
    };
    page.render()
}
