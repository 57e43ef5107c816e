//! What first users hit, as they hit it: a fresh repository of their own, the README's
//! commands, `gate close`, the report. One test per defect or expectation, named after it,
//! asserting what the user sees: the exit code, the message, the file and line.

mod common;

use std::path::Path;

use common::{lessons_apart, write_files};

/// `lessons ARGS` in `folder`: exit code and standard output, standard error.
fn run(folder: &Path, args: &[&str]) -> (i32, String, String) {
    lessons_apart(folder, args, &[])
}

/// `lessons check examples/acme --as-of 2026-11-22 ARGS` from the project's folder.
fn check_example(args: &[&str]) -> (i32, String, String) {
    let all: Vec<&str> = ["check", "examples/acme", "--as-of", "2026-11-22"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    run(Path::new(env!("CARGO_MANIFEST_DIR")), &all)
}

const RESOLVED_WITHOUT_ROOT_CAUSE: &str =
    "kind: incident\nid: INC-1\nstatus: resolved\nseverity: low\ndetected: 2026-09-01\n";

#[test]
fn a_waiver_whose_glob_does_not_parse_is_a_configuration_error() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[
            (
                ".lessons.yaml",
                "waivers:\n  - rule: LL001\n    file: \"incidents/[2026\"\n    reason: typo\n    expires: 2027-01-01\n",
            ),
            ("incidents/inc.yaml", RESOLVED_WITHOUT_ROOT_CAUSE),
        ],
    );
    let (code, stdout, stderr) = lessons_apart(folder.path(), &["check"], &[("COLUMNS", "200")]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("[.lessons.yaml:3:11]"), "{stderr}");
    assert!(
        stderr.contains(
            "the `file` glob of a waiver `incidents/[2026` is not a glob: unclosed character class"
        ),
        "{stderr}"
    );
    // Nothing was suppressed behind the user's back: the run did not happen at all.
    assert!(stdout.is_empty(), "{stdout}");

    // The same for every other glob of the configuration.
    for config in [
        "include: [\"**/*.yaml\", \"a/{b\"]\n",
        "exclude: [\"drafts/[x\"]\n",
        "kinds:\n  \"incidents/[x\": incident\n",
        "overrides:\n  - files: \"incidents/[x\"\n    disable: [LL005]\n",
    ] {
        std::fs::write(folder.path().join(".lessons.yaml"), config).expect("config");
        let (code, _, stderr) = run(folder.path(), &["check"]);
        assert_eq!(code, 2, "{config}: {stderr}");
        assert!(stderr.contains("is not a glob"), "{config}: {stderr}");
        assert!(stderr.contains("[.lessons.yaml:"), "{config}: {stderr}");
    }
}

#[test]
fn policy_veris_is_a_pack_that_ships() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/vcdb");
    let (code, stdout, stderr) = run(&corpus, &["check", "--policy", "veris", "--quiet"]);
    assert_ne!(code, 2, "{stderr}");
    assert!(!stderr.contains("unknown policy pack"), "{stderr}");
    assert!(stdout.contains("LL10"), "the VERIS rules ran: {stdout}");
}

/// `params: {LL015: {interval_days: 30}}`: `check` flags a review of 59 days, and the
/// report shows the same 30-day interval and the review overdue. LL010's grace and
/// LL011's interval likewise.
#[test]
fn the_report_judges_by_the_rules_effective_settings() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[
            (
                ".lessons.yaml",
                "params:\n  LL015: { interval_days: 30 }\n  LL010: { new_hire_grace_days: 90 }\n  LL011: { review_interval_days: 60 }\n",
            ),
            (
                "access/erp.yaml",
                "kind: access-review\nid: AR-ERP\nsystem: ERP\nreviewer: a.lee\nreviewed_on: 2026-09-02\n",
            ),
            (
                "runbooks/ddos.yaml",
                "kind: runbook\nid: RB-DDOS\nowner: a.lee\nlast_reviewed: 2026-08-01\nlast_exercised: 2026-08-01\n",
            ),
            (
                "policies/training.yaml",
                "kind: policy\nid: POL-T\nowner: a.lee\nlast_reviewed: 2026-10-01\nrequired_training:\n  - { course: ir-basics, valid_days: 365 }\n",
            ),
            (
                "people/roster.yaml",
                "kind: roster\npeople:\n  - { id: a.lee, role: responder, hired_on: 2020-01-01, training: [{ course: ir-basics, completed_on: 2026-06-01 }] }\n  - { id: n.new, role: responder, hired_on: 2026-09-01 }\n",
            ),
        ],
    );
    let as_of = ["--as-of", "2026-10-31"];
    let (_, stdout, _) = run(
        folder.path(),
        &["check", "--format", "concise", as_of[0], as_of[1]],
    );
    assert!(
        stdout.contains("access/erp.yaml:5:14: LL015 access review AR-ERP is 59 days old (2026-09-02); it is due every 30 days"),
        "{stdout}"
    );
    assert!(
        stdout.contains("runbooks/ddos.yaml:4:16: LL011"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("LL010"),
        "n.new is in LL010's grace: {stdout}"
    );

    let (code, stdout, stderr) = run(
        folder.path(),
        &["report", "--format", "json", as_of[0], as_of[1]],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let review = |id: &str| {
        report["reviews"]
            .as_array()
            .expect("reviews")
            .iter()
            .find(|review| review["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {}", report["reviews"]))
            .clone()
    };
    assert_eq!(review("AR-ERP")["interval_days"], 30);
    assert_eq!(review("AR-ERP")["overdue_days"], 29);
    assert_eq!(review("RB-DDOS")["interval_days"], 60);
    assert_eq!(review("RB-DDOS")["overdue_days"], 31);
    let training = &report["training"]["ir-basics"];
    assert_eq!(training["not_current"], serde_json::json!([]));
    assert_eq!(training["in_grace"], serde_json::json!(["n.new"]));
    assert_eq!(training["current"], 1);
}

/// A pre-commit run names one file, a `--select` run checks one rule: the other entries of
/// the baseline were not checked, so they are not "no longer found".
#[test]
fn strict_baseline_counts_only_what_the_run_checked() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[
            (".lessons.yaml", "policy: default\n"),
            ("incidents/a.yaml", RESOLVED_WITHOUT_ROOT_CAUSE),
            (
                "incidents/b.yaml",
                "kind: incident\nid: INC-2\nstatus: open\naction_items:\n  - id: AI-1\n    title: Rotate the keys\n",
            ),
        ],
    );
    let (code, _, stderr) = run(
        folder.path(),
        &["check", "--write-baseline", "baseline.json", "--quiet"],
    );
    assert_eq!(code, 0, "--write-baseline exits 0 once written: {stderr}");
    let strict = ["--baseline", "baseline.json", "--strict-baseline"];
    for scope in [
        vec!["check", "incidents/a.yaml"],
        vec!["check", "--select", "LL001"],
        vec!["check", "--select", "LL002", "incidents/b.yaml"],
    ] {
        let args: Vec<&str> = scope.iter().copied().chain(strict).collect();
        let (code, stdout, stderr) = run(folder.path(), &args);
        assert_eq!(code, 0, "{args:?}: {stdout}{stderr}");
        assert!(!stderr.contains("no longer found"), "{args:?}: {stderr}");
    }
    // Pay one debt in the named file: exactly that entry is reported, and the run fails.
    std::fs::write(
        folder.path().join("incidents/b.yaml"),
        "kind: incident\nid: INC-2\nstatus: open\naction_items:\n  - id: AI-1\n    title: Rotate the keys\n    owner: a.lee\n",
    )
    .expect("edit");
    let args: Vec<&str> = ["check", "incidents/b.yaml"]
        .into_iter()
        .chain(strict)
        .collect();
    let (code, _, stderr) = run(folder.path(), &args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("no longer found").count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "baseline entry no longer found: LL002 incidents/b.yaml INC-2 action_items[0] (x1)"
        ),
        "{stderr}"
    );

    // Re-recording from one file keeps the entries of the others.
    let (code, _, _) = run(
        folder.path(),
        &[
            "check",
            "incidents/b.yaml",
            "--write-baseline",
            "baseline.json",
            "--quiet",
        ],
    );
    assert_eq!(code, 0);
    let baseline = std::fs::read_to_string(folder.path().join("baseline.json")).expect("baseline");
    assert!(baseline.contains("incidents/a.yaml"), "{baseline}");
    assert!(!baseline.contains("\"LL002\""), "{baseline}");
}

#[test]
fn check_without_a_path_is_check_dot() {
    let repository = tempfile::tempdir().expect("temporary folder");
    common::copy_tree(&common::example(), repository.path());
    let incidents = repository.path().join("incidents");
    let (_, without, _) = run(
        &incidents,
        &["check", "--format", "concise", "--as-of", "2026-11-22"],
    );
    let (_, dot, _) = run(
        &incidents,
        &["check", ".", "--format", "concise", "--as-of", "2026-11-22"],
    );
    assert_eq!(without, dot);
    assert!(!without.is_empty());
    // Only the subfolder's findings, named from where the user is.
    assert!(
        without.lines().all(|line| line.starts_with("2026/INC-")),
        "{without}"
    );
}

#[test]
fn a_document_without_an_id_is_named_by_its_file() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[(
            "incidents/noid.yaml",
            "kind: incident\nstatus: resolved\nseverity: high\ncategory: phishing\ndetected: 2026-09-01\naction_items:\n  - id: AI-1\n    title: Block the sender domain\n",
        )],
    );
    let (_, stdout, _) = run(
        folder.path(),
        &["check", "--format", "concise", "--as-of", "2026-11-01"],
    );
    assert!(
        stdout.contains("LL001 incident incidents/noid.yaml is resolved but records no root cause"),
        "{stdout}"
    );
    assert!(
        stdout.contains("LL002 action item AI-1 of incident incidents/noid.yaml has no owner"),
        "{stdout}"
    );
    for wrong in ["incident incident ", "(no id)", "of incident ?", " ? "] {
        assert!(!stdout.contains(wrong), "{wrong:?} in {stdout}");
    }
    let (_, report, _) = run(folder.path(), &["report", "--as-of", "2026-11-01"]);
    assert!(report.contains("incidents/noid.yaml"), "{report}");
    assert!(!report.contains("(no id)"), "{report}");
}

#[test]
fn the_gate_lists_what_blocks_first() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[(
            "incidents/inc.yaml",
            "kind: incident\nid: INC-1\nstatus: resolved\nseverity: low\ndetected: 2026-09-01\nresolved: 2026-09-02\naction_items:\n  - id: AI-1\n    title: Rotate the keys\n    owner: a.lee\n  - id: AI-2\n    title: Block the domain\n",
        )],
    );
    let (code, stdout, _) = run(
        folder.path(),
        &["gate", "close", "INC-1", "--as-of", "2026-11-01"],
    );
    assert_eq!(code, 1, "{stdout}");
    let marks: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.get(..3).filter(|mark| mark.starts_with('[')))
        .collect();
    let first_to_consider = marks
        .iter()
        .position(|mark| *mark == "[~]")
        .expect("a warning");
    assert!(first_to_consider > 0, "{stdout}");
    assert!(
        marks[first_to_consider..].iter().all(|mark| *mark == "[~]"),
        "{stdout}"
    );
    // Within each group, by line.
    let lines_of = |mark: &str| -> Vec<usize> {
        stdout
            .lines()
            .filter(|line| line.starts_with(mark))
            .map(|line| {
                line.split(':')
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .expect("file:line")
            })
            .collect()
    };
    for mark in ["[ ]", "[~]"] {
        let lines = lines_of(mark);
        assert!(
            lines.windows(2).all(|pair| pair[0] <= pair[1]),
            "{mark}: {lines:?}"
        );
    }
}

#[test]
fn output_never_overwrites_a_file_the_run_reads() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_files(
        folder.path(),
        &[
            (".lessons.yaml", "policy: default\n"),
            ("incidents/INC-1.yaml", RESOLVED_WITHOUT_ROOT_CAUSE),
        ],
    );
    let (code, _, _) = run(
        folder.path(),
        &["check", "--write-baseline", "baseline.json", "--quiet"],
    );
    assert_eq!(code, 0);
    let before: Vec<(String, String)> = ["incidents/INC-1.yaml", ".lessons.yaml", "baseline.json"]
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(folder.path().join(file)).expect("file");
            ((*file).to_owned(), text)
        })
        .collect();
    for args in [
        vec![
            "check",
            "--format",
            "json",
            "--output",
            "incidents/INC-1.yaml",
        ],
        vec![
            "check",
            "--format",
            "json",
            "--output",
            "./incidents/../incidents/INC-1.yaml",
        ],
        vec!["check", "--write-baseline", ".lessons.yaml"],
        vec!["check", "--write-baseline", "incidents/INC-1.yaml"],
        vec![
            "check",
            "--baseline",
            "baseline.json",
            "--output",
            "baseline.json",
        ],
        vec!["report", "--output", "incidents/INC-1.yaml"],
        vec![
            "report",
            "--baseline",
            "baseline.json",
            "--output",
            "baseline.json",
        ],
    ] {
        let (code, stdout, stderr) = run(folder.path(), &args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("is a file this run reads; refusing to overwrite it"),
            "{stderr}"
        );
    }
    for (file, text) in before {
        let now = std::fs::read_to_string(folder.path().join(&file)).expect("file");
        assert_eq!(now, text, "{file} was changed");
    }
    // A new file is fine, and `-` is standard output, not a file named `-`.
    let (code, _, _) = run(
        folder.path(),
        &["check", "--format", "json", "--output", "report.json"],
    );
    assert_eq!(code, 1);
    assert!(folder.path().join("report.json").is_file());
    // And again: an earlier report is not a document the run checks.
    let (code, _, stderr) = run(
        folder.path(),
        &["check", "--format", "json", "--output", "report.json"],
    );
    assert_eq!(code, 1, "{stderr}");
    let (_, stdout, _) = run(
        folder.path(),
        &["check", "--format", "json", "--output", "-"],
    );
    assert!(stdout.starts_with('{'), "{stdout}");
    assert!(!folder.path().join("-").exists());
}

/// The scaffold's responder is trained half a year back, so an incident the user adds
/// from the last months passes LL009; one from before says when the training came.
#[test]
fn init_dates_the_roster_so_a_new_users_incidents_pass() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let (code, _, stderr) = run(folder.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let today = jiff::Zoned::now().date();
    let days_ago = |days: i64| {
        today
            .checked_sub(jiff::Span::new().days(days))
            .expect("date")
    };
    let incident = |detected: jiff::civil::Date| {
        format!(
            "kind: incident\nid: INC-0002\ntitle: Lost laptop\nseverity: low\nstatus: open\ndetected: {detected}\nresponders: [a.responder]\n"
        )
    };
    write_files(
        folder.path(),
        &[("incidents/INC-0002.yaml", &incident(days_ago(90)))],
    );
    let (_, stdout, _) = run(
        folder.path(),
        &["check", "--format", "concise", "--select", "LL009"],
    );
    assert!(stdout.is_empty(), "{stdout}");

    write_files(
        folder.path(),
        &[("incidents/INC-0002.yaml", &incident(days_ago(200)))],
    );
    let (code, stdout, _) = run(
        folder.path(),
        &["check", "--format", "concise", "--select", "LL009"],
    );
    assert_eq!(code, 1);
    let completed = days_ago(180);
    assert!(
        stdout.contains(&format!(
            "was not current on incident-response-fundamentals (completed on {completed}, after detection)"
        )),
        "{stdout}"
    );
}

#[test]
fn concise_is_one_line_per_finding_where_editors_jump() {
    let (code, stdout, _) = check_example(&["--format", "concise"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 55, "{stdout}");
    assert!(
        lines.contains(&"examples/acme/incidents/2026/INC-2026-007-vpn-credential-stuffing.yaml:44:10: LL004 action item AI-2 of incident INC-2026-007 is 53 days overdue (due 2026-09-30, in-progress)"),
        "{stdout}"
    );
    for line in lines {
        let mut parts = line.splitn(4, ':');
        let file = parts.next().expect("file");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(file).is_file(),
            "{line}"
        );
        let line_number: usize = parts.next().and_then(|n| n.parse().ok()).expect("line");
        let column: usize = parts.next().and_then(|n| n.parse().ok()).expect("column");
        assert!(line_number >= 1 && column >= 1);
        let rest = parts.next().expect("rule and message");
        assert!(rest.starts_with(" LL"), "{line}");
    }
}

#[test]
fn statistics_count_each_rule_most_frequent_first() {
    let (code, stdout, _) = check_example(&["--format", "concise", "--statistics"]);
    assert_eq!(code, 1);
    let statistics: Vec<&str> = stdout.lines().skip(55).collect();
    assert_eq!(
        statistics[0], "3  LL036  warning  ir-plan-feedback",
        "{stdout}"
    );
    let counts: Vec<usize> = statistics
        .iter()
        .map(|line| {
            line.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("count")
        })
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 55);
    assert!(
        counts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{counts:?}"
    );
    // A machine format stays one document: the counts go to standard error.
    let (_, stdout, stderr) = check_example(&["--format", "json", "--statistics"]);
    serde_json::from_str::<serde_json::Value>(&stdout).expect("still JSON");
    assert!(
        stderr.contains("LL002  error    action-item-owner"),
        "{stderr}"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = run(Path::new("."), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(
            stdout.contains("lessons") && stdout.contains("gate"),
            "{shell}"
        );
        assert!(stdout.contains("fail-on"), "{shell}");
    }
    let (code, _, stderr) = run(Path::new("."), &["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}

/// CI logs are pipes: `FORCE_COLOR` and `CLICOLOR_FORCE` colour them, `--color never`
/// still wins.
#[test]
fn force_color_colours_piped_output() {
    let example = common::example();
    let args = ["check", ".", "--as-of", "2026-11-22", "--select", "LL002"];
    let has_colour = |env: &[(&str, &str)], extra: &[&str]| {
        let all: Vec<&str> = args.iter().chain(extra).copied().collect();
        let (_, stdout, _) = lessons_apart(&example, &all, env);
        stdout.contains('\u{1b}')
    };
    assert!(!has_colour(&[], &[]));
    assert!(has_colour(&[("FORCE_COLOR", "1")], &[]));
    assert!(has_colour(&[("CLICOLOR_FORCE", "1")], &[]));
    assert!(!has_colour(&[("FORCE_COLOR", "1")], &["--color", "never"]));
}

/// A slow rule is named: `--verbose` lists the rules that ran, slowest first, with how often
/// each was called and the time they took.
#[test]
fn verbose_names_the_time_each_rule_took() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let rule = |id: &str, body: &str| {
        format!(
            "const RULE = #{{ id: \"{id}\", name: \"{id}-rule\", severity: \"info\", \
             kinds: [\"incident\"], summary: \"s\", params: #{{}} }};\nfn check(doc) {{ {body} }}\n"
        )
    };
    write_files(
        folder.path(),
        &[
            (".lessons.yaml", "rules: [\"checks\"]\n"),
            (
                "checks/slow.rhai",
                &rule("T001", "let n = 0; for i in 0..20000 { n += i; }"),
            ),
            ("checks/fast.rhai", &rule("T002", "")),
            ("incidents/a.yaml", RESOLVED_WITHOUT_ROOT_CAUSE),
            (
                "incidents/b.yaml",
                &RESOLVED_WITHOUT_ROOT_CAUSE.replace("INC-1", "INC-2"),
            ),
            (
                "incidents/c.yaml",
                &RESOLVED_WITHOUT_ROOT_CAUSE.replace("INC-1", "INC-3"),
            ),
        ],
    );
    let (code, _, stderr) = run(
        folder.path(),
        &["check", "--verbose", "--select", "T001,T002"],
    );
    assert_eq!(code, 0, "{stderr}");
    let table: Vec<&str> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("timing by rule"))
        .skip(2)
        .collect();
    let row = |line: &str| -> (String, u64, String) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        (
            cells[0].to_owned(),
            cells[2].parse().expect("calls"),
            cells[4].to_owned(),
        )
    };
    assert_eq!(table.len(), 2, "{stderr}");
    assert_eq!(
        row(table[0]),
        ("T001".into(), 3, "T001-rule".into()),
        "{stderr}"
    );
    assert_eq!(
        row(table[1]),
        ("T002".into(), 3, "T002-rule".into()),
        "{stderr}"
    );
}
