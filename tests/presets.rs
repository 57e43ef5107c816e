//! Every built-in format preset on fixtures made from the real templates and exports
//! (tests/fixtures/formats, SOURCE.md there): the exact findings, pinned by rule, file and
//! line, and what `lessons show` makes of one file of each, origins included. Then the
//! mapping's promise as a property: every value a post-mortem's body gives comes with the
//! span of the text it was read from.

mod common;

use std::path::{Path, PathBuf};

use lessons::document::date::Moment;
use lessons::{check, Options, Outcome};

fn fixture(preset: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(preset)
}

fn run(preset: &str) -> Outcome {
    let outcome = check(&Options {
        paths: vec![fixture(preset)],
        as_of: Moment::parse("2026-11-01"),
        ..Options::default()
    })
    .expect("the run starts");
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    outcome
}

/// `RULE file:line:column` of every finding, in the report's order.
fn findings(outcome: &Outcome) -> Vec<String> {
    outcome
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{}",
                f.rule,
                f.file.display(),
                f.location.line(),
                f.location.column()
            )
        })
        .collect()
}

/// What `lessons show --format json` prints for `file` of the fixture.
fn shown(preset: &str, file: &str) -> String {
    let outcome = run(preset);
    let documents = lessons::show::documents(&outcome, &fixture(preset).join(file));
    assert!(!documents.is_empty(), "{file} shows nothing");
    lessons::show::to_json(&documents)
}

#[test]
fn google_sre_template_and_post_mortem() {
    // The unfilled template: every gap at the heading to fill in. The filled one: the empty
    // Owner cell, the item with neither ticket nor due date, the vague "Investigate".
    assert_eq!(
        findings(&run("google-sre")),
        [
            "LL002 postmortems/PM-2026-004-checkout-cache-stampede.md:46:61",
            "LL003 postmortems/PM-2026-004-checkout-cache-stampede.md:47:2",
            "LL028 postmortems/PM-2026-004-checkout-cache-stampede.md:47:2",
            "LL007 postmortems/template.md:1:1",
            "LL001 postmortems/template.md:15:1",
            "LL006 postmortems/template.md:27:1",
            "LL006 postmortems/template.md:29:1",
        ]
    );
    insta::assert_snapshot!(shown(
        "google-sre",
        "postmortems/PM-2026-004-checkout-cache-stampede.md"
    ));
}

#[test]
fn pagerduty_template_and_post_mortem() {
    // Contributing Factors holds only the template's hint: no root cause, at its heading.
    // The ticketed action item is tracked in JIRA; the bare bullet has no owner, no date.
    assert_eq!(
        findings(&run("pagerduty")),
        [
            "LL001 postmortems/2026-06-10-database-failover.md:17:1",
            "LL006 postmortems/2026-06-10-database-failover.md:52:1",
            "LL002 postmortems/2026-06-10-database-failover.md:60:1",
            "LL003 postmortems/2026-06-10-database-failover.md:60:1",
            "LL007 postmortems/template.md:2:1",
            "LL001 postmortems/template.md:26:1",
            "LL006 postmortems/template.md:63:1",
        ]
    );
    insta::assert_snapshot!(shown(
        "pagerduty",
        "postmortems/2026-06-10-database-failover.md"
    ));
}

#[test]
fn markdown_preset_on_six_public_templates_and_a_team_post_mortem() {
    assert_eq!(
        findings(&run("markdown")),
        [
            "LL034 postmortems/2026-09-vpn-mfa-fatigue.md:3:11",
            "LL019 postmortems/2026-09-vpn-mfa-fatigue.md:40:1",
            "LL002 postmortems/2026-09-vpn-mfa-fatigue.md:43:1",
            "LL003 postmortems/2026-09-vpn-mfa-fatigue.md:43:1",
            "LL028 postmortems/2026-09-vpn-mfa-fatigue.md:43:1",
            "LL002 postmortems/2026-09-vpn-mfa-fatigue.md:44:1",
            "LL003 postmortems/2026-09-vpn-mfa-fatigue.md:44:1",
            "LL007 postmortems/template-azure.md:1:1",
            "LL001 postmortems/template-azure.md:11:1",
            "LL007 postmortems/template-elastic.md:1:1",
            "LL001 postmortems/template-elastic.md:15:1",
            "LL007 postmortems/template-google-api-infra.md:1:1",
            "LL001 postmortems/template-google-api-infra.md:10:1",
            "LL007 postmortems/template-michael.kehoe.md:1:1",
            "LL001 postmortems/template-michael.kehoe.md:49:1",
            "LL006 postmortems/template-michael.kehoe.md:62:1",
            "LL006 postmortems/template-michael.kehoe.md:62:1",
            "LL007 postmortems/template-real-world-sre.md:1:1",
            "LL001 postmortems/template-real-world-sre.md:17:1",
            "LL007 postmortems/template-thecloudbook.md:1:1",
            "LL001 postmortems/template-thecloudbook.md:21:1",
            "LL006 postmortems/template-thecloudbook.md:23:1",
            "LL006 postmortems/template-thecloudbook.md:25:1",
        ]
    );
    insta::assert_snapshot!(shown("markdown", "postmortems/2026-09-vpn-mfa-fatigue.md"));
}

#[test]
fn incident_io_export() {
    assert_eq!(
        findings(&run("incident-io")),
        [
            "LL007 exports/INC-342.json:7:42",
            "LL034 exports/INC-342.json:7:42",
            "LL001 exports/INC-342.json:8:71",
            "LL005 exports/INC-342.json:8:71",
            "LL008 exports/INC-342.json:23:17",
            "LL002 exports/INC-342.json:34:5",
            "LL003 exports/INC-342.json:34:5",
        ]
    );
    insta::assert_snapshot!(shown("incident-io", "exports/INC-342.json"));
}

#[test]
fn rootly_export() {
    assert_eq!(
        findings(&run("rootly")),
        [
            "LL001 exports/checkout-latency.json:10:17",
            "LL007 exports/checkout-latency.json:11:29",
            "LL034 exports/checkout-latency.json:11:29",
            "LL004 exports/checkout-latency.json:31:19",
            "LL002 exports/checkout-latency.json:34:5",
            "LL003 exports/checkout-latency.json:34:5",
        ]
    );
    insta::assert_snapshot!(shown("rootly", "exports/checkout-latency.json"));
}

#[test]
fn firehydrant_export() {
    assert_eq!(
        findings(&run("firehydrant")),
        [
            "LL001 exports/incident-58.json:7:24",
            "LL007 exports/incident-58.json:8:15",
            "LL005 exports/incident-58.json:15:54",
            "LL006 exports/incident-58.json:15:54",
            "LL006 exports/incident-58.json:15:54",
            "LL008 exports/incident-58.json:20:12",
            "LL002 exports/incident-58.json:30:5",
            "LL003 exports/incident-58.json:30:5",
        ]
    );
    insta::assert_snapshot!(shown("firehydrant", "exports/incident-58.json"));
}

/// What the presets are for: the same post-mortem with no `formats:` is a Markdown file of
/// no kind, which no rule checks.
#[test]
fn without_a_preset_a_template_post_mortem_is_not_checked() {
    let folder = tempfile::tempdir().expect("temporary folder");
    common::copy_tree(&fixture("google-sre"), folder.path());
    std::fs::remove_file(folder.path().join(".lessons.yaml")).expect("no configuration");
    let outcome = check(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        ..Options::default()
    })
    .expect("the run starts");
    assert_eq!(outcome.documents, 0);
    assert_eq!(outcome.unclassified.len(), 2);
}

/// `lessons formats` lists every preset with what it maps.
#[test]
fn lessons_formats_lists_every_preset() {
    let (code, text) = common::lessons(Path::new("."), &["formats"]);
    assert_eq!(code, 0);
    for preset in lessons::formats::PRESETS.iter().map(|(name, _)| *name) {
        assert!(
            text.contains(&format!("\n{preset} — ")) || text.starts_with(&format!("{preset} — ")),
            "{preset}"
        );
    }
    assert!(
        text.contains("action_items    ← each entry of `follow_ups`"),
        "{text}"
    );
    let (code, json) = common::lessons(Path::new("."), &["formats", "--format", "json"]);
    assert_eq!(code, 0);
    let presets: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        presets.as_array().map(Vec::len),
        Some(lessons::formats::PRESETS.len())
    );
}

mod property {
    use lessons::document::{parse_file, Format, Node, Value};
    use lessons::formats::{apply, FormatEntry, Mapping};
    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        "[a-z]{2,9}"
    }

    fn words(range: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        prop::collection::vec(word(), range).prop_map(|words| words.join(" "))
    }

    /// A post-mortem in Markdown: summary, root cause, an action-item table (cells may be
    /// empty), bullets of what went well, a timeline under a date line.
    fn post_mortem() -> impl Strategy<Value = String> {
        (
            words(3..=12),
            words(3..=12),
            prop::collection::vec((words(2..=6), prop::option::of(word()), prop::option::of(word())), 0..5),
            prop::collection::vec(words(2..=8), 0..4),
            prop::collection::vec((0u32..24, 0u32..60, words(2..=6)), 0..5),
        )
            .prop_map(|(summary, cause, items, well, moments)| {
                let mut text = format!(
                    "# Post-mortem\n\n## Summary\n\n{summary}\n\n## Root cause\n\n{cause}\n\n## Action items\n\n| Action item | Owner | Ticket |\n|---|---|---|\n"
                );
                for (title, owner, ticket) in &items {
                    text.push_str(&format!(
                        "| {title} | {} | {} |\n",
                        owner.as_deref().unwrap_or(""),
                        ticket.as_ref().map(|t| format!("SEC-{}", t.len())).unwrap_or_default()
                    ));
                }
                text.push_str("\n## What went well\n\n");
                for bullet in &well {
                    text.push_str(&format!("- {bullet}\n"));
                }
                text.push_str("\n## Timeline\n\n2026-03-02 (UTC)\n\n");
                for (hour, minute, event) in &moments {
                    text.push_str(&format!("- {hour:02}:{minute:02} {event}\n"));
                }
                text
            })
    }

    fn mapping() -> Mapping {
        let entry: FormatEntry =
            serde_yaml::from_str("files: '*.md'\npreset: markdown\n").expect("an entry");
        Mapping::of_entry(&entry).expect("the preset compiles")
    }

    fn leaves<'a>(node: &'a Node, path: String, out: &mut Vec<(String, &'a Node)>) {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries.iter() {
                    let child = if path.is_empty() {
                        entry.key.to_string()
                    } else {
                        format!("{path}.{}", entry.key)
                    };
                    leaves(&entry.value, child, out);
                }
            }
            Value::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    leaves(item, format!("{path}[{index}]"), out);
                }
            }
            _ => out.push((path, node)),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Every text value the body gives — summary, root cause, item titles and owners,
        /// what went well, timeline events — lies inside the text its span names; a time
        /// lies in its bullet; an empty value (an empty cell) spans that cell.
        #[test]
        fn every_mapped_value_spans_the_text_it_came_from(text in post_mortem()) {
            let parsed = parse_file("pm.md".into(), text.clone(), Format::Markdown);
            let document = parsed.documents.into_iter().next().expect("a document");
            let mapped = apply(&mapping(), document, &parsed.source, &[]);
            let mut found = Vec::new();
            leaves(&mapped.root, String::new(), &mut found);
            for (path, node) in found {
                let Value::Str(value) = &node.value else { continue };
                let spanned = text.get(node.span()).expect("a span inside the file");
                let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
                if (path.ends_with(".at") || path == "detected") && value.len() >= 16 {
                    // `2026-03-02T09:05:00Z` from the bullet `09:05 …`.
                    let time = &value[11..16];
                    prop_assert!(spanned.contains(time), "{path}: {value} not in {spanned:?}");
                } else if path == "detected" || path.ends_with(".type") {
                    // A day the title or the opening names, in its own words; a type the
                    // item's title implies: at the text that says so.
                    prop_assert!(!spanned.trim().is_empty(), "{path}: {value:?} spans nothing");
                } else if ["id", "title", "status"].contains(&path.as_str()) || path.contains("in_ticket") {
                    // From the file name, the first heading, the mapping's default.
                } else if value.is_empty() {
                    prop_assert!(spanned.trim().is_empty() || spanned.starts_with('#'), "{path}: {spanned:?}");
                } else {
                    prop_assert!(squash(spanned).contains(&squash(value)), "{path}: {value:?} not in {spanned:?}");
                }
            }
        }
    }
}

/// A folder with nothing to check says so, with the globs it used, instead of a clean
/// bill of health.
#[test]
fn a_run_that_checked_no_document_says_so() {
    let folder = tempfile::tempdir().expect("temporary folder");
    common::write_files(
        folder.path(),
        &[
            (".lessons.yaml", "exclude: [\"drafts/**\"]\n"),
            (
                "notes/pm.md",
                "# A post-mortem\n\n## Root cause\n\nNo MFA.\n",
            ),
        ],
    );
    let (code, _, stderr) = common::lessons_apart(folder.path(), &["check"], &[]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("note: no document was checked under .: the include globs `**/*.yaml`, `**/*.yml`, `**/*.json`, `**/*.md` took 1 file (exclude: drafts/**), and none has a kind"),
        "{stderr}"
    );
    assert!(stderr.contains("`formats:` preset"), "{stderr}");
}

/// VCDB ships `.JSON` files: an extension matches the include globs in any case.
#[test]
fn extensions_match_in_any_case() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let record = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/vcdb/0001AA7F-C601-424A-B2B8-BE6C9F5164E7.json"),
    )
    .expect("a VCDB record");
    common::write_files(folder.path(), &[("data/RECORD.JSON", &record)]);
    let (_, stdout, _) = common::lessons_apart(folder.path(), &["check", "--format", "json"], &[]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["summary"]["documents"], 1, "{stdout}");
}

/// A `formats:` entry that cannot be applied is a configuration error at its line.
#[test]
fn a_bad_format_entry_is_a_configuration_error_at_its_line() {
    let folder = tempfile::tempdir().expect("temporary folder");
    for (config, at, message) in [
        (
            "formats:\n  - files: \"pm/*.md\"\n    preset: google_sre\n",
            "[.lessons.yaml:3:5]",
            "unknown preset `google_sre`",
        ),
        (
            "formats:\n  - files: \"pm/*.md\"\n    fields:\n      id: { file_name: \"^(PM-\" }\n",
            "[.lessons.yaml:4:7]",
            "`file_name`: the pattern `^(PM-` cannot be used: error: unclosed group",
        ),
        (
            "formats:\n  - files: \"pm/*.md\"\n    fields:\n      detected: \"timeline[\"\n",
            "[.lessons.yaml:4:7]",
            "is never closed",
        ),
        (
            "formats:\n  - files: \"pm/[*.md\"\n",
            "[.lessons.yaml:2:12]",
            "is not a glob",
        ),
    ] {
        common::write_files(folder.path(), &[(".lessons.yaml", config)]);
        let (code, _, stderr) =
            common::lessons_apart(folder.path(), &["check"], &[("COLUMNS", "200")]);
        assert_eq!(code, 2, "{config}");
        assert!(stderr.contains(at), "{config}: {stderr}");
        assert!(stderr.contains(message), "{config}: {stderr}");
    }
}

/// The README's `formats:` example is a configuration lessons accepts, as written.
#[test]
fn the_readme_formats_example_is_a_valid_configuration() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let block = readme
        .split("## Reading the records a team already keeps")
        .nth(1)
        .and_then(|rest| rest.split("```yaml\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the formats: example");
    let config = lessons::workspace::Config::parse(Path::new(".lessons.yaml"), block)
        .unwrap_or_else(|error| panic!("{}: {block}", error.message));
    assert_eq!(config.formats.len(), 3);
}
