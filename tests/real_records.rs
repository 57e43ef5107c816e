//! Findings a team can trust on the post-mortems it already has (issue 25): one test per
//! cause of a false finding seen on real records, and per piece of first-day friction —
//! each asserting what the user sees: the finding or its absence, its line, the exit code.

mod common;

use std::path::Path;

use common::{lessons_apart, write_files};

/// `check --format concise --as-of 2026-12-01` in `root`: (exit code, stdout, stderr).
fn concise(root: &Path) -> (i32, String, String) {
    lessons_apart(
        root,
        &["check", "--format", "concise", "--as-of", "2026-12-01"],
        // Error messages on one line, as a wide terminal shows them.
        &[("COLUMNS", "400")],
    )
}

fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("a temporary folder");
    write_files(folder.path(), files);
    folder
}

const MARKDOWN: &str = "formats:\n  - files: \"postmortems/*.md\"\n    preset: markdown\n";

#[test]
fn a_rule_whose_evidence_the_repository_does_not_keep_says_so_once_at_the_configuration() {
    let incident = |id: &str| {
        format!("kind: incident\nid: {id}\nstatus: open\ndetected: 2026-11-20\nresponders: [a.kim, b.osei, c.diaz]\n")
    };
    let folder = repository(&[
        (".lessons.yaml", "policy: default\n"),
        ("incidents/a.yaml", &incident("INC-1")),
        ("incidents/b.yaml", &incident("INC-2")),
    ]);
    let (code, stdout, stderr) = concise(folder.path());
    assert_eq!(code, 0, "{stderr}");
    let ll009: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("LL009"))
        .collect();
    assert_eq!(
        ll009,
        [".lessons.yaml:1:1: LL009 LL009 did not run: the repository keeps no roster document, and 2 incident documents name some in `responders`"],
        "{stdout}"
    );
    let (_, human, _) = lessons_apart(
        folder.path(),
        &["check", "--as-of", "2026-12-01"],
        &[("COLUMNS", "400"), ("NO_COLOR", "1")],
    );
    assert!(
        human.contains("help: add the roster documents (`kind: roster`) for LL009 to check against, or turn it off in .lessons.yaml with `disable: [LL009]`"),
        "{human}"
    );
    // With a roster, the rule runs and judges each responder.
    write_files(
        folder.path(),
        &[(
            "people/roster.yaml",
            "kind: roster\npeople:\n  - { id: a.kim, role: responder }\n",
        )],
    );
    let (_, stdout, _) = concise(folder.path());
    assert!(
        stdout.contains("incidents/a.yaml:5:21: LL009 responder b.osei of INC-1 is on no roster"),
        "{stdout}"
    );
    assert!(!stdout.contains("did not run"), "{stdout}");
}

#[test]
fn headings_with_qualifiers_and_timeline_columns_with_a_zone_are_read() {
    let post_mortem = "# Checkout outage\n\n## Summary\n\nCheckout failed.\n\n\
## Contributing Factors (findings)\n\nThe cache had no TTL.\n\n\
## Timeline\n\n| Date and Time in CET | What happened |\n|---|---|\n\
| 2026-03-02 09:00 | Deploy of the cache change |\n| 2026-03-02 09:14 | PagerDuty alert fired |\n| 2026-03-02 10:02 | Rolled back |\n";
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        ("postmortems/2026-03-checkout.md", post_mortem),
    ]);
    let (_, stdout, _) = concise(folder.path());
    assert!(
        !stdout.contains("LL001"),
        "the contributing factors are the cause:\n{stdout}"
    );
    assert!(
        !stdout.contains("LL007"),
        "the timeline dates every row:\n{stdout}"
    );
    let (code, shown, stderr) = lessons_apart(
        folder.path(),
        &["show", "postmortems/2026-03-checkout.md"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    // Detection is the alert, in the header's zone: not the deploy before it.
    let detected = shown
        .lines()
        .find(|line| line.trim_start().starts_with("detected "))
        .expect("a detected line");
    assert!(
        detected.contains("\"2026-03-02T09:14:00+01:00\""),
        "{detected}"
    );
    assert!(
        detected.contains("the first timeline entry that says it was detected"),
        "{detected}"
    );
    assert!(
        shown.contains("root_cause")
            && shown.contains("heading \"Contributing Factors (findings)\""),
        "{shown}"
    );
}

#[test]
fn a_cause_stated_in_prose_counts_and_show_names_the_sentence() {
    let narrative = "# DNS outage of 3 March\n\nOn 3 March at 14:02 UTC our API stopped resolving. \
A typo in a zone file and a name conflict caused the records to vanish. We restored them at 15:10.\n";
    let silent = "# Queue backlog\n\nThe queue backed up for two hours and then drained.\n";
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        ("postmortems/dns.md", narrative),
        ("postmortems/queue.md", silent),
    ]);
    let (_, stdout, _) = concise(folder.path());
    assert!(
        !stdout.contains("postmortems/dns.md:1:1: LL001"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "postmortems/queue.md:1:1: LL001 incident queue is resolved but records no root cause"
        ),
        "a post-mortem that states no cause is still flagged:\n{stdout}"
    );
    let (_, shown, _) = lessons_apart(folder.path(), &["show", "postmortems/dns.md"], &[]);
    assert!(
        shown.contains("the sentence \"A typo in a zone file and a name conflict caused the records to vanish.\""),
        "{shown}"
    );
}

#[test]
fn tickets_as_urls_or_keys_and_done_items_need_no_owner_or_due_date_here() {
    let post_mortem =
        "# Deploy outage\n\n## Root cause\n\nA bad config push.\n\n## Action items\n\n\
- [ ] hold a retrospective https://github.com/acme/infra/issues/2194\n\
- [ ] rotate the keys #2201\n\
- [x] roll back the config\n\
- [ ] add an alert on config pushes — owner: @jane, due: 2026-12-20\n\
- [ ] be more careful\n";
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        ("postmortems/deploy.md", post_mortem),
    ]);
    let (_, stdout, _) = concise(folder.path());
    let items: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("LL002") || line.contains("LL003"))
        .collect();
    assert_eq!(
        items,
        [
            "postmortems/deploy.md:13:1: LL002 action item be more careful of incident deploy has no owner",
            "postmortems/deploy.md:13:1: LL003 action item be more careful of incident deploy has no due date",
        ],
        "{stdout}"
    );
}

#[test]
fn dates_as_people_write_them_are_read_and_nonsense_is_one_finding_at_its_cell() {
    let post_mortem = "---\nstart_time: \"\"\n---\n# Login outage\n\n## Root cause\n\nAn expired certificate.\n\n\
## Timeline\n\n| Time | Event |\n|---|---|\n| 2020-12-21 HH:mm | Certificate expired |\n\
| ~2020-12-21 19:30 | Users reported login errors |\n| 2020-13-45 20:10 | Renewed |\n";
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        ("postmortems/login.md", post_mortem),
    ]);
    let (_, stdout, _) = concise(folder.path());
    let ll000: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("LL000"))
        .collect();
    assert_eq!(
        ll000,
        ["postmortems/login.md:16:2: LL000 `timeline[2].at` is not a date: `2020-13-45 20:10`"],
        "{stdout}"
    );
    let (_, shown, _) = lessons_apart(folder.path(), &["show", "postmortems/login.md"], &[]);
    assert!(
        shown.contains("timeline[0].at") && shown.contains("\"2020-12-21\""),
        "{shown}"
    );
    assert!(
        shown.contains("timeline[1].approximate") && shown.contains("true"),
        "{shown}"
    );
}

#[test]
fn status_page_issues_open_notices_and_track_updates() {
    let ongoing = "---\ntitle: Slow API\ndate: 2026-11-30 10:00:00\nseverity: disrupted\naffected: [API]\nsection: issue\n---\n\n\
*Investigating* - We are looking into slow responses. {{< track \"2026-11-30 10:00:00\" >}}\n";
    let notice = "---\ntitle: New status page\ndate: 2026-11-01 10:00:00\nresolved: true\ninformational: true\nseverity: notice\nsection: issue\n---\n\nWelcome.\n";
    let maintenance = "---\ntitle: Database maintenance\ndate: 2026-11-10 22:00:00\nresolved: true\nresolvedWhen: 2026-11-10 23:00:00\nseverity: down\nsection: issue\n---\n\nThe database will be down for an hour.\n";
    let tracked = "---\ntitle: Database down\ndate: 2026-11-12 05:00:00\nresolved: true\nresolvedWhen: 2026-11-12 05:54:00\nseverity: down\naffected: [API]\nsection: issue\n---\n\n\
*Resolved* - The database is back. {{< track \"2026-11-12 05:54:00\" >}}\n\n\
*Investigating* - Due to a full disk the database stopped. {{< track \"2026-11-12 05:02:00\" >}}\n";
    let folder = repository(&[
        (
            ".lessons.yaml",
            "formats:\n  - files: \"issues/*.md\"\n    preset: cstate\n",
        ),
        ("issues/ongoing.md", ongoing),
        ("issues/notice.md", notice),
        ("issues/maintenance.md", maintenance),
        ("issues/tracked.md", tracked),
    ]);
    let (_, stdout, _) = concise(folder.path());
    assert!(
        !stdout.contains("notice.md") && !stdout.contains("maintenance.md"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("tracked.md"),
        "a cause and a timeline:\n{stdout}"
    );
    let (_, shown, _) = lessons_apart(folder.path(), &["show", "issues/ongoing.md"], &[]);
    let status = shown
        .lines()
        .find(|line| line.trim_start().starts_with("status "))
        .expect("a status");
    assert!(status.contains("\"open\""), "{status}");
    let (_, shown, _) = lessons_apart(folder.path(), &["show", "issues/tracked.md"], &[]);
    assert!(
        shown.contains("timeline[1].at") && shown.contains("\"2026-11-12T05:02:00Z\""),
        "{shown}"
    );
    let (code, _, stderr) = lessons_apart(
        folder.path(),
        &["check", "--verbose", "--as-of", "2026-12-01"],
        &[],
    );
    assert!(code <= 1, "{stderr}");
    assert!(
        stderr.contains("issues/maintenance.md:2: not checked: skipped by its `formats:` mapping: a planned maintenance notice, not an incident"),
        "{stderr}"
    );
    assert!(
        stderr.contains("issues/notice.md:2: not checked: skipped by its `formats:` mapping: an informational notice, not an incident"),
        "{stderr}"
    );
}

#[test]
fn the_report_says_unknown_when_no_entry_says_when_it_was_detected() {
    let dated = |event: &str| {
        format!("# Outage\n\n## Root cause\n\nA full disk.\n\n## Timeline\n\n- 2026-09-02 08:00 disk filling\n- 2026-09-02 09:30 {event}\n- 2026-09-02 10:00 fixed\n\n## Action items\n\n- [ ] Update the disk runbook (OPS-1)\n")
    };
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        ("postmortems/a.md", &dated("restarted the service")),
    ]);
    let (_, report, stderr) = lessons_apart(
        folder.path(),
        &["report", "--format", "markdown", "--as-of", "2026-12-01"],
        &[],
    );
    assert!(report.contains("| 2026-Q3 | unknown |"), "{report}{stderr}");
    write_files(
        folder.path(),
        &[("postmortems/a.md", &dated("alert fired"))],
    );
    let (_, report, _) = lessons_apart(
        folder.path(),
        &["report", "--format", "markdown", "--as-of", "2026-12-01"],
        &[],
    );
    assert!(
        report.contains("| 2026-Q3 | 1.5 h / 1.5 h (n=1) |"),
        "{report}"
    );
    // The item that updates a runbook carries the lesson: LL008 does not fire.
    let (_, stdout, _) = concise(folder.path());
    assert!(!stdout.contains("LL008"), "{stdout}");
}

#[test]
fn gate_close_on_a_post_mortem_speaks_its_terms_and_wants_action_items() {
    let folder = repository(&[
        (".lessons.yaml", MARKDOWN),
        (
            "postmortems/none.md",
            "# Outage\n\n## Root cause\n\nA full disk.\n\n## Action items\n\n",
        ),
        (
            "postmortems/bullet.md",
            "# Outage\n\n## Root cause\n\nA full disk.\n\n## Action items\n\n- [ ] Alert on disk usage\n",
        ),
    ]);
    let (code, stdout, _) = lessons_apart(
        folder.path(),
        &["gate", "close", "none", "--as-of", "2026-12-01"],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("none is not ready to close"), "{stdout}");
    assert!(
        stdout.contains("postmortems/none.md:7:1  no action items: none records no follow-up"),
        "{stdout}"
    );
    let (_, stdout, _) = lessons_apart(
        folder.path(),
        &["gate", "close", "bullet", "--as-of", "2026-12-01"],
        &[],
    );
    assert!(
        stdout
            .contains("write the owner in the bullet, e.g. `- [ ] Rotate the keys — owner: @jane`"),
        "{stdout}"
    );
    assert!(!stdout.contains("add `owner:`"), "{stdout}");
}

#[test]
fn configuration_mistakes_are_errors_at_their_line() {
    let folder = repository(&[
        (".lessons.yaml", "policy: default\ndisable: [LL09]\n"),
        (
            "incidents/a.yaml",
            "kind: incident\nid: INC-1\nstatus: open\n",
        ),
    ]);
    let (code, _, stderr) = concise(folder.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "unknown rule `LL09` in `disable` of the configuration; did you mean `LL009`?"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(".lessons.yaml:2:11"), "{stderr}");

    // A formats glob with a typo would check nothing and pass.
    write_files(
        folder.path(),
        &[
            (
                ".lessons.yaml",
                "formats:\n  - files: \"postmortem/*.md\"\n    preset: markdown\n",
            ),
            ("postmortems/a.md", "# A\n"),
        ],
    );
    let (code, _, stderr) = concise(folder.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the `formats` glob `postmortem/*.md` matches no file"),
        "{stderr}"
    );
    assert!(stderr.contains(".lessons.yaml:2:12"), "{stderr}");

    // A misspelt mapping target, at its line instead of LL031 on every post-mortem.
    write_files(
        folder.path(),
        &[(
            ".lessons.yaml",
            "formats:\n  - files: \"postmortems/*.md\"\n    preset: markdown\n    sections:\n      root_casue: [why]\n",
        )],
    );
    let (code, stdout, stderr) = concise(folder.path());
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains(
            "`root_casue` is not a field of incident documents; did you mean `root_cause`?"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(".lessons.yaml:5:7"), "{stderr}");

    // A source field no document has: LL031 at its line, with the field meant.
    write_files(
        folder.path(),
        &[
            (
                ".lessons.yaml",
                "formats:\n  - files: \"incidents/*.yaml\"\n    kind: incident\n    fields:\n      detected: start_tme\n",
            ),
            ("incidents/a.yaml", "id: INC-1\nstatus: open\nstart_time: 2026-11-30\n"),
        ],
    );
    let (_, stdout, _) = concise(folder.path());
    assert!(
        stdout.contains(".lessons.yaml:5:17: LL031 `start_tme`, the source of `detected` in `formats` entry 1, is in none of the 1 document it maps; did you mean `start_time`?"),
        "{stdout}"
    );

    // An unknown policy pack, at its line.
    write_files(folder.path(), &[(".lessons.yaml", "policy: sox2\n")]);
    let (code, _, stderr) = concise(folder.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown policy pack `sox2`") && stderr.contains(".lessons.yaml:1:9"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::process::{Command, Stdio};
    for args in [
        &["formats"][..],
        &["rules"],
        &["explain", "LL001"],
        &["completions", "bash"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lessons"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lessons starts");
        // The reader goes away before a byte is read.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("lessons ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn extends_merges_three_levels_and_refuses_a_cycle_at_its_line() {
    let folder = repository(&[
        ("org/base/lessons.yaml", "policy: soc2\ndisable: [LL020]\nparams:\n  LL015: { interval_days: 30 }\n"),
        ("org/lessons.yaml", "extends: [base/lessons.yaml]\ndisable: [LL022]\nseverity: { LL021: info }\n"),
        (".lessons.yaml", "extends: org/lessons.yaml\ndisable: [LL018]\nparams:\n  LL015: { interval_days: 60 }\n"),
        ("incidents/a.yaml", "kind: incident\nid: INC-1\nstatus: open\ndetected: 2026-11-30\n"),
    ]);
    let (code, shown, stderr) = lessons_apart(folder.path(), &["config"], &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(shown);
    let (code, json, _) = lessons_apart(folder.path(), &["config", "--format", "json"], &[]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        json["settings"]["disable"],
        serde_json::json!(["LL020", "LL022", "LL018"])
    );
    assert_eq!(json["settings"]["params"]["LL015"]["interval_days"], 60);
    assert_eq!(
        json["origins"]["params.LL015.interval_days"]["file"],
        ".lessons.yaml"
    );
    assert_eq!(json["origins"]["disable[1]"]["file"], "org/lessons.yaml");
    let (code, _, stderr) = concise(folder.path());
    assert!(code <= 1, "the merged configuration runs:\n{stderr}");

    write_files(
        folder.path(),
        &[(
            "org/base/lessons.yaml",
            "extends: [../../.lessons.yaml]\npolicy: soc2\n",
        )],
    );
    let (code, _, stderr) = concise(folder.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`extends` forms a cycle: .lessons.yaml → org/lessons.yaml → org/base/lessons.yaml → .lessons.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("org/base/lessons.yaml:1:11"), "{stderr}");

    write_files(
        folder.path(),
        &[("org/base/lessons.yaml", "extends: [missing.yaml]\n")],
    );
    let (code, _, stderr) = concise(folder.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`extends: missing.yaml`: there is no such file"),
        "{stderr}"
    );
    write_files(
        folder.path(),
        &[("org/base/lessons.yaml", "extends: [/etc/hostname]\n")],
    );
    let (_, _, stderr) = concise(folder.path());
    assert!(
        stderr.contains("it lies outside the repository"),
        "{stderr}"
    );
}

#[test]
fn init_from_a_folder_of_post_mortems_picks_the_preset_that_reads_them() {
    let folder = tempfile::tempdir().expect("a folder");
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats/google-sre/postmortems"),
        &folder.path().join("pm"),
    );
    let (code, stdout, stderr) = lessons_apart(folder.path(), &["init", "--from", "pm"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(
            "created .lessons.yaml: 2 of 2 files in pm mapped cleanly with the `google-sre` preset"
        ),
        "{stdout}"
    );
    let config = std::fs::read_to_string(folder.path().join(".lessons.yaml")).expect("written");
    assert!(
        config.contains("files: \"pm/**/*.md\"\n    preset: google-sre"),
        "{config}"
    );
    assert!(
        config.contains("baseline: .lessons-baseline.json"),
        "{config}"
    );
    let (code, stdout, _) = concise(folder.path());
    assert_eq!((code, stdout.as_str()), (0, ""), "clean once adopted");
    // Never over a configuration that is there.
    let (code, _, stderr) = lessons_apart(folder.path(), &["init", "--from", "pm"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not overwriting .lessons.yaml"), "{stderr}");
}
