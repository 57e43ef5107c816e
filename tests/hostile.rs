//! `lessons` tried as an attacker would: hostile rules from a contributor, hostile documents
//! pasted from a log, hostile paths. Every case ends by itself, under a 1 GiB address-space
//! limit, with exit 2 and the rule and limit named for a hostile rule, a located `LL000` for
//! a hostile document, and the run going on; nothing read from outside the repository
//! appears in any output.

mod common;

use std::path::Path;
use std::process::Command;

use common::hostile::{
    assert_stopped, check_concise, hostile_rule, lessons, mkfifo, repository, says,
};

#[test]
fn an_array_grown_forever_is_stopped_without_measuring_it_at_every_push() {
    let folder = repository(1, Some("let a = []; loop { a.push(1); }"));
    assert_stopped(&check_concise(folder.path()), "stopped after");
}

#[test]
fn looking_up_every_document_forever_is_stopped() {
    let folder = repository(20, Some("loop { let all = docs(\"incident\"); }"));
    assert_stopped(&check_concise(folder.path()), "stopped after");
}

#[test]
fn printing_a_megabyte_forever_is_stopped_by_the_output_budget() {
    for flood in ["print(s)", "debug(s)", "report(\"\", s)"] {
        let folder = repository(
            2,
            Some(&format!(
                "let s = \"x\"; s.pad(1000000, \"y\"); loop {{ {flood} }}"
            )),
        );
        assert_stopped(
            &check_concise(folder.path()),
            "printed and reported more than 8192 KiB",
        );
    }
}

#[test]
fn a_short_print_flood_over_many_documents_stays_bounded() {
    let folder = repository(
        200,
        Some("loop { print(\"012345678901234567890123456789012345678901234567890123456789\") }"),
    );
    let run = check_concise(folder.path());
    assert_stopped(&run, "stopped");
    says(&run, "left unchecked");
}

#[test]
fn many_values_each_under_the_limits_are_stopped_by_their_sum() {
    let folder = repository(
        2,
        Some(
            "let s = \"x\"; s.pad(16000000, \"y\"); let v = []; for i in 0..400 { v.push(s + i) }",
        ),
    );
    assert_stopped(
        &check_concise(folder.path()),
        "it held more than 64 MiB of memory at once",
    );
}

#[test]
fn strings_doubled_on_every_thread_are_stopped_without_exhausting_the_address_space() {
    // Each thread builds ever longer strings until its budget stops it: the allocator must
    // give their address space back, or the run aborts under the 1 GiB limit. What the run
    // holds besides decides where the allocator's reservations land: on the benchmarks'
    // 2,000-incident repository the abort came every time, on small ones seldom.
    let folder = tempfile::tempdir().expect("temporary folder");
    let generated = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/generate.py"))
        .args(["2000", &folder.path().to_string_lossy()])
        .output()
        .expect("python3 runs bench/generate.py");
    assert!(generated.status.success(), "{generated:?}");
    common::write_files(
        folder.path(),
        &[
            (".lessons.yaml", "rules: [\"rules/\"]\n"),
            (
                "rules/x.rhai",
                &hostile_rule("let s = \"xy\"; loop { s += s; }"),
            ),
        ],
    );
    for _ in 0..3 {
        let run = lessons(
            folder.path(),
            &["check", ".", "--format", "concise", "--as-of", "2026-11-01"],
        );
        assert_eq!(run.code, 2, "{}", run.all());
        says(&run, "rule X001 (rules/x.rhai)");
        says(&run, "it held more than 64 MiB of memory at once");
        // The other rules finish: a gap the generator plants, at its line and column.
        says(
            &run,
            "incidents/2021/INC-2021-00015.yaml:5:9: LL001 incident INC-2021-00015 is closed but records no root cause",
        );
    }
}

#[test]
fn copies_of_every_document_are_stopped_by_the_memory_budget() {
    // `to_map` copies a list of documents in one step; the copy stops growing past the
    // budget, and the rule is not re-run under the (copying) debugger to find its line.
    let folder = repository(
        2000,
        Some("let all = to_map(docs(\"incident\")); let s = all.to_string(); let t = []; for i in 0..100 { t.push(to_map(docs(\"incident\"))); }"),
    );
    // Its memory or, on a loaded machine, its time runs out first.
    assert_stopped(&check_concise(folder.path()), "stopped");
}

#[test]
fn one_step_that_would_build_too_much_is_refused_before_it_does() {
    for (body, limit) in [
        (
            "let s = \"x\"; s.pad(1000000000000, \"y\");",
            "length of string beyond the limit",
        ),
        (
            "let s = \"x\"; s.pad(16000000, \"y\"); let p = s.split(\"\");",
            "size of array beyond the limit",
        ),
        (
            "let s = \"ab\"; s.pad(1000000, \"a\"); s.replace(\"a\", s);",
            "length of string beyond the limit",
        ),
        ("let s = \"x\"; loop { s += s; }", "memory"),
        (
            "let a = []; a.pad(100000000000, \"x\");",
            "size of array beyond the limit",
        ),
    ] {
        let folder = repository(1, Some(body));
        assert_stopped(&check_concise(folder.path()), limit);
    }
}

#[test]
fn a_rule_failing_on_every_document_is_stopped_once_and_says_what_it_left() {
    let folder = repository(300, Some("loop {}"));
    let run = check_concise(folder.path());
    assert_stopped(&run, "stopped after");
    assert_eq!(run.all().matches("rule X001").count(), 1, "{}", run.all());
    says(&run, "documents were left unchecked");
}

#[test]
fn a_rule_slow_on_every_document_is_named_and_stopped() {
    // Correct on each document (60,000 operations), slow over the run: given no time at
    // all, it is stopped after its first document, whatever the machine's speed.
    let folder = repository(400, Some("let n = 0; for i in 0..30000 { n += i; }"));
    std::fs::write(
        folder.path().join(".lessons.yaml"),
        "rules: [\"rules/\"]\nlimits:\n  rule_seconds: 0\n  rule_milliseconds_per_document: 0\n",
    )
    .expect("config");
    let run = check_concise(folder.path());
    assert_stopped(&run, "more than a rule may take in this run");
}

#[test]
fn a_few_slow_steps_are_stopped_on_time() {
    // A hundred steps each building 16 MB: some 500 operations, fewer than the system
    // clock is read after, and far more time than the 50 ms the call is given.
    let body = "\"x\".pad(16000000, \"y\");\n".repeat(100);
    let folder = repository(1, Some(&body));
    std::fs::write(
        folder.path().join(".lessons.yaml"),
        "rules: [\"rules/\"]\nlimits:\n  call_milliseconds: 50\n",
    )
    .expect("config");
    assert_stopped(
        &check_concise(folder.path()),
        "stopped after 50 ms (`limits: call_milliseconds`)",
    );
}

#[test]
fn a_whole_run_stops_at_its_deadline_naming_the_slowest_rule() {
    let folder = repository(400, Some("let n = 0; for i in 0..200000 { n += i; }"));
    let run = lessons(
        folder.path(),
        &["check", ".", "--format", "concise", "--deadline", "1"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    says(
        &run,
        "rule X001 (rules/x.rhai) stopped: the run passed its deadline of 1 s",
    );
    says(&run, "left unchecked");
}

#[test]
fn a_rule_file_linked_outside_the_repository_is_not_read() {
    let folder = repository(1, None);
    let secret = tempfile::NamedTempFile::new().expect("secret file");
    std::fs::write(secret.path(), "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n").expect("secret");
    std::os::unix::fs::symlink(secret.path(), folder.path().join("rules/x.rhai")).expect("symlink");
    std::os::unix::fs::symlink("/proc/self/environ", folder.path().join("rules/env.rhai"))
        .expect("symlink");
    let run = check_concise(folder.path());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!run.all().contains("wJalrXUtnFEMI"), "{}", run.all());
    assert!(!run.all().contains("PATH="), "{}", run.all());
    says(&run, "the rule is not read: it resolves to");
    says(&run, "incidents/inc-0001.yaml:5:13: LL001");
}

#[test]
fn a_configuration_linked_outside_the_repository_is_not_read() {
    let folder = repository(1, None);
    std::fs::create_dir(folder.path().join(".git")).expect("a git work tree");
    let secret = tempfile::NamedTempFile::new().expect("secret file");
    std::fs::write(secret.path(), "root:x:0:0:secret-line\n").expect("secret");
    std::fs::remove_file(folder.path().join(".lessons.yaml")).expect("remove");
    std::os::unix::fs::symlink(secret.path(), folder.path().join(".lessons.yaml"))
        .expect("symlink");
    for args in [&["check", "."][..], &["test"], &["rules"]] {
        let run = lessons(folder.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(!run.all().contains("secret-line"), "{}", run.all());
        says(&run, "the configuration is not read");
    }
}

#[test]
fn a_rule_folder_outside_the_repository_is_refused() {
    let folder = repository(1, None);
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    std::fs::write(
        elsewhere.path().join("x.rhai"),
        hostile_rule("report(\"\", \"outside\");"),
    )
    .expect("rule");
    std::fs::write(
        folder.path().join(".lessons.yaml"),
        format!("rules: [\"{}\"]\n", elsewhere.path().display()),
    )
    .expect("config");
    let run = check_concise(folder.path());
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "is not read: it resolves to");
    assert!(!run.all().contains("X001"), "{}", run.all());
}

#[test]
fn terminal_control_sequences_from_a_document_are_shown_not_sent() {
    let folder = repository(1, None);
    common::write_files(
        folder.path(),
        &[
            // OSC 52 (write the clipboard), raw in the file and as a YAML escape.
            ("incidents/raw.yaml", "kind: incident\nid: INC-8\u{1b}]52;c;aGk=\u{7}\nstatus: closed\nroot_cause: \"\"\n"),
            ("incidents/escaped.yaml", "kind: incident\nid: \"INC-9\\e]52;c;aGk=\\a\\x9b2J\"\nstatus: closed\nroot_cause: \"\"\n"),
        ],
    );
    for format in ["human", "concise", "github"] {
        let run = lessons(
            folder.path(),
            &["check", ".", "--format", format, "--color", "always"],
        );
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(!run.all().contains("\u{1b}]"), "{format}: {:?}", run.all());
        assert!(!run.all().contains('\u{7}'), "{format}: {:?}", run.all());
        assert!(!run.all().contains('\u{9b}'), "{format}: {:?}", run.all());
        says(&run, "INC-9\\x1b]52;c;aGk=\\x07\\x9b2J");
    }
    let run = lessons(folder.path(), &["check", ".", "--format", "junit"]);
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{9b}'), "{}", run.stdout);
    assert!(
        run.stdout.contains("INC-9\\x1b]52;c;aGk=\\x07\\x9b2J"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_report_never_replaces_a_file_the_run_reads() {
    let folder = repository(1, None);
    let incident_before =
        std::fs::read(folder.path().join("incidents/inc-0001.yaml")).expect("read");
    for args in [
        ["--output", "incidents/inc-0001.yaml"],
        ["--write-baseline", ".lessons.yaml"],
    ] {
        let run = lessons(
            folder.path(),
            &["check", ".", "--format", "json", args[0], args[1]],
        );
        assert_eq!(run.code, 2, "{}", run.all());
        says(&run, "is a file this run reads");
    }
    assert_eq!(
        std::fs::read(folder.path().join("incidents/inc-0001.yaml")).expect("read"),
        incident_before
    );
    assert_eq!(
        std::fs::read_to_string(folder.path().join(".lessons.yaml")).expect("read"),
        "rules: [\"rules/\"]\n"
    );
}

#[test]
fn a_report_onto_a_fifo_is_written_in_place() {
    let folder = repository(1, None);
    let root = folder.path();
    // A FIFO is written in place (a rename would replace it with a file).
    let fifo = root.join("report.pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the FIFO"))
    };
    let run = lessons(
        root,
        &["check", ".", "--format", "json", "--output", "report.pipe"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let report = reader.join().expect("reader");
    assert!(report.contains("\"findings\""), "{report}");
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(
        &std::fs::symlink_metadata(&fifo)
            .expect("still there")
            .file_type()
    ));
    // A temporary file an earlier, killed run left is cleaned up.
    std::fs::create_dir(root.join("reports")).expect("folder");
    std::fs::write(root.join("reports/.latest.json.4194303.tmp"), "torn").expect("stale");
    let run = lessons(
        root,
        &[
            "check",
            ".",
            "--format",
            "json",
            "--output",
            "reports/latest.json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(std::fs::read_to_string(root.join("reports/latest.json"))
        .expect("report")
        .contains("\"findings\""));
    assert!(!root.join("reports/.latest.json.4194303.tmp").exists());
}

#[test]
fn a_document_over_the_size_limit_is_a_located_finding_and_the_run_goes_on() {
    let folder = repository(1, None);
    let mut big = String::from("kind: incident\nid: INC-BIG\ntimeline:\n");
    while big.len() <= 10 << 20 {
        big.push_str("  - at: 2026-01-01T00:00:00Z\n    what: a line pasted whole from a log\n");
    }
    common::write_files(folder.path(), &[("incidents/big.yaml", &big)]);
    let run = check_concise(folder.path());
    assert_eq!(run.code, 1, "{}", run.all());
    says(&run, "incidents/big.yaml:1:1: LL000 not read: the file is");
    says(&run, "over the limit of 10485760");
    says(&run, "incidents/inc-0001.yaml:5:13: LL001");
}

#[test]
fn a_collection_over_the_item_limit_is_a_located_finding() {
    let folder = repository(1, None);
    let mut keys = String::from("kind: incident\nid: INC-K\nstatus: open\nextra:\n");
    for key in 0..100_001 {
        keys.push_str(&format!("  k{key}: 1\n"));
    }
    let mut flow = String::from("{\"kind\": \"incident\", \"id\": \"INC-F\", \"timeline\": [");
    flow.push_str(&vec!["1"; 100_001].join(","));
    flow.push_str("]}");
    common::write_files(
        folder.path(),
        &[
            ("incidents/keys.yaml", &keys),
            ("incidents/flow.json", &flow),
        ],
    );
    let run = check_concise(folder.path());
    assert_eq!(run.code, 1, "{}", run.all());
    says(
        &run,
        "incidents/keys.yaml:5:3: LL000 a mapping of more than 100000 keys: not read",
    );
    says(
        &run,
        "incidents/flow.json:1:49: LL000 a list of more than 100000 items: not read",
    );
    says(&run, "incidents/inc-0001.yaml:5:13: LL001");
}

#[test]
fn a_fifo_is_an_error_never_a_hang() {
    let folder = repository(1, None);
    let fifo = folder.path().join("incidents/pipe.yaml");
    mkfifo(&fifo);
    let run = lessons(folder.path(), &["check", "incidents/pipe.yaml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "not a regular file or a folder");
    let run = lessons(
        folder.path(),
        &["check", ".", "--baseline", "incidents/pipe.yaml"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "not a regular file (a FIFO)");
    // In the repository's walk it is no document at all.
    let run = check_concise(folder.path());
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn baseline_counts_that_overflow_are_refused() {
    let folder = repository(1, None);
    let entry = |n: u32| {
        format!(
            "{{\"rule\": \"LL001\", \"file\": \"incidents/inc-0001.yaml\", \"doc_id\": \"INC-{n}\", \"path\": \"root_cause\", \"message\": \"m\", \"count\": 18446744073709551615}}"
        )
    };
    common::write_files(
        folder.path(),
        &[(
            "baseline.json",
            &format!(
                "{{\"version\": 1, \"findings\": [{}, {}]}}",
                entry(1),
                entry(2)
            ),
        )],
    );
    let run = lessons(
        folder.path(),
        &["check", ".", "--baseline", "baseline.json"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "its counts add up past");
}

#[test]
fn old_mac_line_endings_and_a_json_byte_order_mark_are_read_where_they_are() {
    let folder = repository(0, None);
    common::write_files(
        folder.path(),
        &[
            ("incidents/cr.yaml", "kind: incident\rid: INC-CR\rstatus: closed\rseverity: low\rroot_cause: \"\"\r"),
            ("incidents/bom.json", "\u{feff}{\n  \"kind\": \"incident\",\n  \"id\": \"INC-J\",\n  \"status\": \"closed\",\n  \"root_cause\": \"\"\n}\n"),
        ],
    );
    let run = lessons(
        folder.path(),
        &[
            "check",
            ".",
            "--format",
            "concise",
            "--select",
            "LL000,LL001",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    says(&run, "incidents/cr.yaml:5:13: LL001");
    says(&run, "incidents/bom.json:5:17: LL001");
    assert!(!run.all().contains("LL000"), "{}", run.all());
}

#[test]
fn a_parameter_of_the_wrong_type_is_a_configuration_error() {
    let folder = repository(1, None);
    for (params, said) in [
        (
            "LL005:\n    review_within_days: {}",
            "is empty; give one or more of: critical, high, other",
        ),
        (
            "LL005:\n    review_within_days: {critical: soon}",
            "must be a number, not text",
        ),
        (
            "LL033:\n    stale_open_days: [30]",
            "must be a number, not a list",
        ),
    ] {
        std::fs::write(
            folder.path().join(".lessons.yaml"),
            format!("rules: [\"rules/\"]\nparams:\n  {params}\n"),
        )
        .expect("config");
        let run = check_concise(folder.path());
        assert_eq!(run.code, 2, "{}", run.all());
        says(&run, said);
    }
}

#[test]
fn an_absurd_number_of_jobs_is_capped() {
    let folder = repository(3, None);
    let run = lessons(
        folder.path(),
        &["check", ".", "--format", "concise", "--jobs", "65535"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    says(&run, "incidents/inc-0003.yaml:5:13: LL001");
}

#[test]
fn lessons_test_exits_2_when_a_rule_fails_as_check_does() {
    let folder = repository(0, Some("throw \"broken\";"));
    common::write_files(
        folder.path(),
        &[(
            "rules/tests/X001/fires.yaml",
            "kind: incident\nid: INC-1 # expect: X001\n",
        )],
    );
    let run = lessons(folder.path(), &["test"]);
    assert_eq!(run.code, 2, "{}", run.all());
    says(&run, "broken");
}

/// The README's table of limits says the defaults the engine has.
#[test]
fn the_readme_limits_table_is_current() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let default = |key: &str| -> String {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{key}`")))
            .unwrap_or_else(|| panic!("README.md has no row for `{key}`"));
        row.split('|').nth(2).expect("a default").trim().to_owned()
    };
    let limits = lessons::rules::engine::Limits::default();
    assert_eq!(default("max_file_bytes"), "10485760 (10 MiB)");
    assert_eq!(
        lessons::workspace::read::MAX_FILE_BYTES.to_string(),
        "10485760"
    );
    assert_eq!(
        default("max_items"),
        lessons::document::yaml::MAX_ITEMS.to_string()
    );
    assert_eq!(default("call_operations"), limits.operations.to_string());
    assert_eq!(
        default("call_milliseconds"),
        limits.call_time.as_millis().to_string()
    );
    assert_eq!(
        default("call_memory_mib"),
        (limits.memory_bytes >> 20).to_string()
    );
    assert_eq!(
        default("call_output_kib"),
        (limits.output_bytes >> 10).to_string()
    );
    assert_eq!(
        default("rule_seconds"),
        limits.rule_base.as_secs().to_string()
    );
    assert_eq!(
        default("rule_milliseconds_per_document"),
        limits.rule_per_document.as_millis().to_string()
    );
    assert_eq!(
        default("call_operations_per_kib"),
        limits.operations_per_kib.to_string()
    );
    assert_eq!(
        default("call_milliseconds_per_mib"),
        limits.call_time_per_mib.as_millis().to_string()
    );
    assert_eq!(default("memo_mib"), (limits.memo_bytes >> 20).to_string());
    assert_eq!(default("rule_findings"), limits.rule_findings.to_string());
    assert_eq!(default("run_findings"), limits.run_findings.to_string());
    assert_eq!(
        (
            limits.rule_findings_bytes >> 20,
            limits.run_findings_bytes >> 20
        ),
        (64, 256)
    );
    // A run has a deadline of its own: N slow rules cannot add up without end.
    assert_eq!(
        default("run_seconds"),
        limits.run_time.as_secs().to_string()
    );
    assert_eq!(limits.run_time, std::time::Duration::from_secs(120));
}
