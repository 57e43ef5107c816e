//! Snapshots of the human output with a fixed theme and width: the code frames, the rule
//! names and helps, the colours of a terminal, rule failures and the closing summary.

use std::path::PathBuf;

use lessons::document::date::Moment;
use lessons::output::{human, render, Format, Style};
use lessons::{check, Options, Outcome, Timing};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(options: Options) -> Outcome {
    let mut outcome = check(&Options {
        as_of: Moment::parse("2026-11-01"),
        ..options
    })
    .expect("the run starts");
    // The summary prints the elapsed time; a snapshot needs it fixed.
    outcome.timing = Timing::default();
    outcome
}

#[test]
fn findings_of_the_fixture_repository() {
    let outcome = run(Options {
        paths: vec![fixture("repo")],
        ..Options::default()
    });
    let style = Style {
        color: false,
        width: 100,
        quiet: false,
        ..Style::default()
    };
    insta::assert_snapshot!(render(&outcome.results(), Format::Human, &style));
}

#[test]
fn a_terminal_gets_colours() {
    let outcome = run(Options {
        paths: vec![fixture("repo/incidents/INC-2026-002-vpn.yaml")],
        select: vec!["LL002".into()],
        ..Options::default()
    });
    let style = Style {
        color: true,
        width: 100,
        quiet: true,
        ..Style::default()
    };
    let rendered = render(&outcome.results(), Format::Human, &style);
    assert!(
        rendered.contains('\u{1b}'),
        "no colour codes in:\n{rendered}"
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn a_narrow_terminal_wraps_messages_and_helps() {
    let outcome = run(Options {
        paths: vec![fixture("repo/incidents/INC-2026-002-vpn.yaml")],
        select: vec!["LL001".into()],
        ..Options::default()
    });
    let style = Style {
        color: false,
        width: 60,
        quiet: false,
        ..Style::default()
    };
    insta::assert_snapshot!(render(&outcome.results(), Format::Human, &style));
}

#[test]
fn a_rule_stopped_by_a_limit_points_into_the_rule() {
    let outcome = run(Options {
        paths: vec![fixture("repo/incidents/INC-2026-001-clean.yaml")],
        rule_dirs: vec![fixture("hostile-rules")],
        select: vec!["HOSTILE001".into()],
        // The operations limit, not the clock, stops it: the same place on any machine.
        limits: lessons::rules::engine::Limits {
            call_time: std::time::Duration::from_secs(60),
            ..Default::default()
        },
        ..Options::default()
    });
    // The rule's path is absolute, so its length depends on where the project is checked
    // out: wide enough a line that the message never wraps before the path is replaced.
    let style = Style {
        width: 400,
        ..Style::default()
    };
    let rendered = human::render_rule_errors(&outcome.results(), &style);
    let rendered = rendered.replace(&fixture("").display().to_string(), "<fixtures>/");
    insta::assert_snapshot!(rendered);
}
