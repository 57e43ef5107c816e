//! The auditor's report: the numbers of a fixture repository with known counts and
//! durations, asserted exactly, and a snapshot of the Markdown.

use std::path::PathBuf;

use lessons::document::date::Moment;
use lessons::report::{self, Spread};
use lessons::{check, Options};

/// The options of a report on `folder` (of this project) as of `day`.
fn options(folder: &str, day: &str) -> Options {
    Options {
        paths: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(folder)],
        as_of: Moment::parse(day),
        ..Options::default()
    }
}

/// The report as `lessons report` builds it: the check, then the closure run.
fn report_of(options: &Options) -> report::Report {
    let outcome = check(options).expect("the run starts");
    let closing = report::closing(options, &outcome).expect("the closing run starts");
    report::build(&outcome, &closing)
}

fn fixture() -> report::Report {
    report_of(&options("tests/fixtures/report-repo", "2026-11-01"))
}

fn spread(count: usize, median: f64, p90: f64) -> Option<Spread> {
    Some(Spread {
        count,
        median_hours: median,
        p90_hours: p90,
    })
}

#[test]
fn incidents_per_quarter_and_their_durations() {
    let report = fixture();
    let q1 = &report.incidents.per_quarter["2026-Q1"];
    assert_eq!((q1["phishing"], q1["malware"]), (2, 1));
    assert_eq!(report.incidents.per_quarter["2026-Q3"]["malware"], 1);
    assert_eq!(report.incidents.per_quarter.len(), 2);

    let q1 = &report.incidents.durations["2026-Q1"];
    // Detect: only INC-A has a timeline, 6 h before detection.
    assert_eq!(q1.detect, spread(1, 6.0, 6.0));
    // Contain: 2 h, 8 h, and 6 h (a date counts from midnight): median 6, p90 8.
    assert_eq!(q1.contain, spread(3, 6.0, 8.0));
    // Resolve: 24 h, 48 h, 72 h.
    assert_eq!(q1.resolve, spread(3, 48.0, 72.0));
    let q3 = &report.incidents.durations["2026-Q3"];
    assert_eq!(q3.contain, spread(1, 1.5, 1.5));
    assert_eq!((q3.detect, q3.resolve), (None, None));
}

#[test]
fn action_items_opened_done_overdue_by_type_and_owner() {
    let report = fixture();
    let total = report.action_items.total;
    // Wont-do items are not counted; AI-2 of INC-A (due March) and INC-D's item are overdue.
    assert_eq!((total.opened, total.done, total.overdue), (4, 1, 2));
    let control = report.action_items.by_type["control"];
    assert_eq!((control.opened, control.done, control.overdue), (3, 1, 1));
    let training = report.action_items.by_type["training"];
    assert_eq!((training.opened, training.overdue), (1, 1));
    let iyer = report.action_items.by_owner["s.iyer"];
    assert_eq!((iyer.opened, iyer.done, iyer.overdue), (2, 1, 0));
    assert_eq!(report.action_items.by_owner["(no owner)"].overdue, 1);
}

#[test]
fn summary_counts_documents_and_findings() {
    let report = fixture();
    assert_eq!(report.summary.documents_by_kind["incident"], 4);
    let worst = &report.summary.worst_documents[0];
    assert!(worst.errors >= 1, "{worst:?}");
    assert!(report.summary.worst_documents.len() <= 10);
}

#[test]
fn markdown_report_of_the_fixture() {
    let mut report = fixture();
    // The fixture lives in this project's own git history: its commit moves with ours.
    report.commit = Some("0123456789ab".into());
    insta::assert_snapshot!(report::markdown::render(&report));
}

#[test]
fn training_share_per_required_course() {
    let report = fixture();
    let handling = &report.training["incident-handling"];
    // Two active responders (the departed one is not counted), and the accountant a
    // second policy adds; p.okafor's has expired and a.haddad has none.
    assert_eq!((handling.required_of, handling.current), (3, 1));
    assert_eq!(handling.share, 1.0 / 3.0);
    assert_eq!(handling.not_current, ["p.okafor", "a.haddad"]);
    let awareness = &report.training["security-awareness"];
    // Everyone active; p.okafor's is older than 365 days on 2026-11-01.
    assert_eq!((awareness.required_of, awareness.current), (3, 2));
    assert_eq!(awareness.not_current, ["p.okafor"]);
}

#[test]
fn reviews_by_age_against_interval_overdue_first() {
    let report = fixture();
    let rows: Vec<(&str, Option<i64>, i64, Option<i64>)> = report
        .reviews
        .iter()
        .map(|r| (r.id.as_str(), r.age_days, r.interval_days, r.overdue_days))
        .collect();
    assert_eq!(
        rows,
        [
            // Never reviewed first.
            ("RB-PHISHING", None, 365, None),
            // Quarterly, last revised 2026-05-04: 181 days, 91 over.
            ("POL-BACKUP", Some(181), 90, Some(91)),
            // Reviewed 2026-06-01, annual by default: 153 days, 212 left.
            ("POL-TRAINING", Some(153), 365, Some(-212)),
        ]
    );
}

#[test]
fn lessons_applied_and_recurring_causes() {
    let report = fixture();
    // INC-A has a training item; INC-B only a control (its policy change was wont-do);
    // INC-C none; INC-D is still open.
    assert_eq!(report.incidents.lessons_applied, ["INC-A"]);
    assert_eq!(report.incidents.lessons_not_applied, ["INC-B", "INC-C"]);
    // Two phishing incidents within a year do not make a recurrence (threshold 3).
    assert!(report.incidents.recurring.is_empty());
    // Incidents name no owner (INC-D, open and untouched since July, is one more: LL033); a
    // finding on an action item goes to the item's owner (the overdue AI-2 of INC-A to
    // p.okafor), the runbook and policy findings to s.iyer.
    let owners: Vec<(&str, usize)> = report
        .summary
        .findings_by_owner
        .iter()
        .map(|(owner, count)| (owner.as_str(), *count))
        .collect();
    assert_eq!(owners, [("(no owner)", 9), ("p.okafor", 1), ("s.iyer", 3)]);
}

/// The lessons that did not reach the review or the plan, per quarter: in the example, a
/// review of 2026-Q3 leaves the team's question unanswered (INC-2026-029), and the plan did
/// not change after INC-2026-011 (detected in Q2), INC-2026-027 and INC-2026-029 (Q3).
#[test]
fn lessons_missed_per_quarter() {
    let report = report_of(&options("examples/acme", "2026-11-22"));
    let missed: Vec<(&str, usize, usize)> = report
        .incidents
        .lessons_missed
        .iter()
        .map(|(quarter, missed)| {
            (
                quarter.as_str(),
                missed.unanswered_reviews,
                missed.plan_unchanged,
            )
        })
        .collect();
    assert_eq!(missed, [("2026-Q2", 0, 1), ("2026-Q3", 1, 2)]);
    let markdown = report::markdown::render(&report);
    assert!(markdown.contains("| 2026-Q3 | 1 | 2 |"), "{markdown}");
}

#[test]
fn waivers_with_their_standing() {
    let report = fixture();
    let rows: Vec<(&str, &str, usize, Option<&str>)> = report
        .waivers
        .iter()
        .map(|w| (w.rules[0].as_str(), w.state, w.line, w.ticket.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("LL001", "in force", 4, Some("SEC-7")),
            ("LL002", "expiring", 10, None)
        ]
    );
    assert_eq!(report.summary.suppressed, 2);
    assert_eq!(report.summary.baselined, 0);
    // Each waived finding carries its waiver's reason, approver, expiry and ticket.
    let waived: Vec<String> = report
        .summary
        .waived
        .iter()
        .map(|w| {
            format!(
                "{} {}:{}:{} {:?} by {:?} until {:?}",
                w.gap.rule,
                w.gap.file,
                w.gap.line,
                w.gap.column,
                w.reason,
                w.approved_by,
                w.expires
            )
        })
        .collect();
    assert_eq!(
        waived,
        [
            r#"LL001 incidents/c.yaml:4:9 Some("Forensics report due from the insurer") by Some("ciso") until Some("2027-06-30")"#,
            r#"LL002 incidents/d.yaml:8:5 Some("The owner joins in November") by Some("ciso") until Some("2026-11-20")"#,
        ]
    );
}

/// `report --baseline`: what the baseline holds counts as suppressed, not as a gap.
#[test]
fn a_baseline_suppresses_what_it_holds() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-repo");
    let scratch = tempfile::tempdir().expect("scratch");
    let baseline = scratch.path().join("baseline.json");
    let recorded = std::process::Command::new(env!("CARGO_BIN_EXE_lessons"))
        .arg("check")
        .arg(&repo)
        .args(["--as-of", "2026-11-01", "--quiet", "--write-baseline"])
        .arg(&baseline)
        .status()
        .expect("lessons runs");
    assert_eq!(recorded.code(), Some(0));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lessons"))
        .arg("report")
        .arg(&repo)
        .args(["--as-of", "2026-11-01", "--format", "json", "--baseline"])
        .arg(&baseline)
        .output()
        .expect("lessons runs");
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let summary = &json["summary"];
    let plain = fixture();
    let open: usize = plain.summary.findings_by_severity.values().sum();
    assert_eq!(summary["baselined"], open);
    assert_eq!(summary["suppressed"], open + 2);
    assert_eq!(summary["findings_by_severity"], serde_json::json!({}));

    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_lessons"))
        .arg("report")
        .arg(&repo)
        .args(["--baseline", "no-such-baseline.json"])
        .output()
        .expect("lessons runs");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn closure_readiness_of_every_unclosed_incident() {
    let report = fixture();
    let closure = &report.incidents.closure;
    let ids: Vec<&str> = closure.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["INC-A", "INC-B", "INC-C", "INC-D"]);
    let c = &closure[2];
    assert_eq!((c.status.as_str(), c.ready), ("resolved", false));
    let missing: Vec<(&str, &str, usize)> = c
        .missing
        .iter()
        .map(|m| (m.rule.as_str(), m.severity.as_str(), m.line))
        .collect();
    // No review blocks the close; the missing policy change is only to consider.
    assert_eq!(missing, [("LL005", "error", 4), ("LL008", "warning", 4)]);
}

/// What the report says of each unclosed incident is what `gate close` says of it alone:
/// the same findings at the same places. The report closes every unclosed incident in one
/// run, so a finding on a referenced policy or runbook may count those other incidents as
/// closed too: its message may differ (not its rule, severity or place). The incident's
/// own findings match word for word.
#[test]
fn closure_readiness_agrees_with_gate_close() {
    let options = options("examples/acme", "2026-11-22");
    let report = report_of(&options);
    assert!(report.incidents.closure.len() >= 5);
    assert!(report.incidents.closure.iter().any(|c| c.ready));
    assert!(report.incidents.closure.iter().any(|c| !c.ready));
    for closure in &report.incidents.closure {
        let gate = check(&Options {
            closing: Some(lessons::Closing::Incident(closure.id.clone())),
            ..options.clone()
        })
        .expect("the gate runs");
        // The message only where the finding is in the incident's own file.
        let line = |rule: &str, severity: String, file: &str, at: (usize, usize), message: &str| {
            let message = if file == closure.file { message } else { "" };
            format!("{rule} {severity} {file}:{}:{} {message}", at.0, at.1)
        };
        let said: Vec<String> = gate
            .findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .map(|f| {
                let file = f.file.to_string_lossy().replace('\\', "/");
                let at = (f.location.line(), f.location.column());
                line(&f.rule, f.severity.to_string(), &file, at, &f.message)
            })
            .collect();
        let reported: Vec<String> = closure
            .missing
            .iter()
            .map(|m| {
                line(
                    &m.rule,
                    m.severity.clone(),
                    &m.file,
                    (m.line, m.column),
                    &m.message,
                )
            })
            .collect();
        assert_eq!(reported, said, "closure of {}", closure.id);
        let blocked = gate
            .findings
            .iter()
            .any(|f| !f.is_suppressed() && f.severity == lessons::finding::Severity::Error);
        assert_eq!(closure.ready, !blocked, "readiness of {}", closure.id);
    }
}

/// The report of a folder of `files` as of `day`.
fn report_of_files(files: &[(&str, &str)], day: &str) -> (tempfile::TempDir, report::Report) {
    let folder = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        let target = folder.path().join(path);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("folder");
        std::fs::write(target, text).expect("write");
    }
    let report = report_of(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse(day),
        ..Options::default()
    });
    (folder, report)
}

#[test]
fn the_report_names_its_pack_and_the_commit_it_describes() {
    let (folder, report) = report_of_files(
        &[
            (".lessons.yaml", "policy: soc2\n"),
            ("a.yaml", "kind: incident\nid: INC-1\nstatus: open\n"),
        ],
        "2026-11-01",
    );
    assert_eq!(report.pack, "soc2");
    assert_eq!(report.commit, None, "not a git work tree");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .current_dir(folder.path())
            .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success());
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "first"]);
    let head = std::process::Command::new("git")
        .current_dir(folder.path())
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    let report = report_of(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        ..Options::default()
    });
    assert_eq!(report.commit.as_deref(), Some(&head[..12]));
    let markdown = report::markdown::render(&report);
    assert!(
        markdown.contains(&format!("Policy pack `soc2`, commit `{}`", &head[..12])),
        "{markdown}"
    );
}

#[test]
fn rules_most_frequent_first_and_severities_in_severity_order() {
    let report = fixture();
    let counts: Vec<usize> = report
        .summary
        .findings_by_rule
        .iter()
        .map(|rule| rule.findings)
        .collect();
    assert!(
        counts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{counts:?}"
    );
    assert_eq!(report.summary.findings_by_rule[0].rule, "LL010");
    assert_eq!(report.summary.findings_by_rule[0].name, "training-expired");
    let markdown = report::markdown::render(&report);
    let (error, warning, info) = (
        markdown.find("| error |").expect("error row"),
        markdown.find("| warning |").expect("warning row"),
        markdown.find("| info |").expect("info row"),
    );
    assert!(error < warning && warning < info, "{markdown}");
}

#[test]
fn open_action_items_with_owner_due_date_and_days_overdue() {
    let report = fixture();
    let open: Vec<(&str, &str, Option<&str>, Option<i64>)> = report
        .action_items
        .open
        .iter()
        .map(|item| {
            (
                item.incident.as_str(),
                item.id.as_str(),
                item.owner.as_deref(),
                item.days_overdue,
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            ("INC-A", "AI-2", Some("p.okafor"), Some(245)),
            ("INC-D", "AI-1", None, Some(109)),
            ("INC-B", "AI-1", Some("s.iyer"), Some(-60)),
        ]
    );
    let markdown = report::markdown::render(&report);
    assert!(
        markdown.contains("| INC-A | [AI-2: Add the lure to the awareness course](incidents/a.yaml#L13) | p.okafor | 2026-03-01 | 245 days | open |"),
        "{markdown}"
    );
}

/// A repository with nothing to count in a section says "None." there, never an empty
/// table; and the HTML page likewise.
#[test]
fn an_empty_section_says_none_instead_of_an_empty_table() {
    let (_folder, report) = report_of_files(
        &[(
            "incidents/a.yaml",
            "kind: incident\nid: INC-1\nstatus: open\n",
        )],
        "2026-11-01",
    );
    let markdown = report::markdown::render(&report);
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("|---") {
            let next = lines.peek().copied().unwrap_or_default();
            assert!(
                next.starts_with("| "),
                "a table without rows before {next:?}:\n{markdown}"
            );
        }
    }
    for heading in [
        "### Per quarter, by category\n\nNone.",
        "### Open action items, most overdue first\n\nNone.",
        "## Training\n\nNone.",
        "## Access reviews, runbooks and policies\n\nNone.",
    ] {
        assert!(markdown.contains(heading), "{heading:?} in:\n{markdown}");
    }
    let html = report::html::render(&report).expect("the page");
    assert!(
        html.contains("<p class=\"none\">None: no incident has a <code>detected</code> date.</p>")
    );
    assert!(
        !html.contains("<tbody>\n</tbody>"),
        "an empty table in the page"
    );
}

/// The durations table uses the unit of the chart beside it: days once a resolution takes
/// more than four days.
#[test]
fn a_chart_and_its_table_share_one_unit() {
    let (_folder, report) = report_of_files(
        &[(
            "incidents/a.yaml",
            "kind: incident\nid: INC-1\nstatus: resolved\ndetected: 2026-09-01T00:00:00Z\ncontained: 2026-09-02T00:00:00Z\nresolved: 2026-09-11T00:00:00Z\n",
        )],
        "2026-11-01",
    );
    assert_eq!(report.incidents.duration_unit, report::DurationUnit::Days);
    let markdown = report::markdown::render(&report);
    assert!(
        markdown.contains("(median / 90th percentile, in days)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| 2026-Q3 | unknown | 1.0 d / 1.0 d (n=1) | 10.0 d / 10.0 d (n=1) |"),
        "{markdown}"
    );
    let html = report::html::render(&report).expect("the page");
    let chart = html
        .split("id=\"chart-resolve\"")
        .nth(1)
        .and_then(|rest| rest.split("</figure>").next())
        .expect("the chart");
    let axis: Vec<&str> = chart
        .split("<text")
        .filter_map(|text| text.split_once('>')?.1.split("</text>").next())
        .map(str::trim)
        .collect();
    assert!(
        axis.contains(&"days"),
        "the chart's axis is in days: {axis:?}"
    );
}
