//! The rule engine as a rule author meets it: every helper of the API, hostile rules stopped
//! and reported, and documents no rule can change for another.

use std::path::Path;
use std::time::{Duration, Instant};

use lessons::document::date::Moment;
use lessons::rules::engine::Limits;
use lessons::{check, Options, Outcome};

/// A repository in a temporary folder: `files` are (relative path, text); `rules` are
/// (file name, source) written to `rules/`, which the config enables.
fn repository(files: &[(&str, &str)], rules: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    let root = folder.path();
    write(root, ".lessons.yaml", "rules: [rules/]\n");
    std::fs::create_dir_all(root.join("rules")).expect("rules folder");
    for (path, text) in files {
        write(root, path, text);
    }
    for (name, source) in rules {
        write(root, &format!("rules/{name}"), source);
    }
    folder
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    std::fs::write(path, text).expect("write");
}

fn run(folder: &tempfile::TempDir, select: &[&str]) -> Outcome {
    check(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        select: select.iter().map(|id| id.to_string()).collect(),
        ..Options::default()
    })
    .expect("the run starts")
}

/// A rule with id `id` whose `check` body is `body`.
fn rule(id: &str, body: &str) -> String {
    format!(
        "const RULE = #{{ id: \"{id}\", name: \"test-{id}\", severity: \"warning\", kinds: [\"incident\"], \
         summary: \"test\", params: #{{ window: 30, label: \"x\" }} }};\n\nfn check(doc) {{\n{body}\n}}\n"
    )
}

const INCIDENT: &str = "kind: incident\nid: INC-7\nstatus: closed\ndetected: 2026-09-02\nresolved: 2026-09-02T08:00:00Z\nowner: \"\"\nresponders: [p.okafor]\n";
const ROSTER: &str = "kind: roster\npeople:\n  - id: p.okafor\n    role: responder\n    training:\n      - course: ir-basics\n        completed_on: 2026-01-10\n";

/// What a rule `id` whose `check` body is `body` reports on a repository of `files`.
fn said_by(files: &[(&str, &str)], id: &str, body: &str) -> Vec<String> {
    let folder = repository(files, &[(&format!("{id}.rhai"), &rule(id, body))]);
    messages(&run(&folder, &[id]))
}

/// The messages reported, in the order the rule reported them (all point at one place).
fn messages(outcome: &Outcome) -> Vec<String> {
    assert!(
        outcome.rule_errors.is_empty(),
        "rule errors: {:?}",
        outcome.rule_errors
    );
    let mut findings = outcome.findings.clone();
    findings.sort_by_key(|finding| finding.location.line());
    findings
        .iter()
        .map(|finding| finding.message.to_string())
        .collect()
}

#[test]
fn each_helper_of_the_rule_api() {
    let body = r#"report("", `today=${today()}`);
    report("", `date=${date("Jun 1 2018")} ${date("June 1, 2018")} ${date("2026-03-14T09:30:00Z")}`);
    report("", `bad=${date("last tuesday") == ()}`);
    report("", `between=${days_between("2026-01-01", "2026-03-01")} ${days_between(doc.detected, doc.resolved)}`);
    report("", `age=${age_days("2026-10-01")} ${age_days("nonsense") == ()}`);
    report("", `order=${date(doc.detected) <= date(doc.resolved)} ${date(doc.detected) >= date(doc.resolved)}`);
    report("", `plus=${date("2026-12-31").add_days(1)} ${date("2026-02-01").month}`);
    report("", `blank=${blank(())} ${blank("  ")} ${blank([])} ${blank(#{})} ${blank(doc.owner)} ${blank(doc.id)} ${blank(0)}`);
    report("", `param=${param("window")} ${param("label")}`);
    report("", `docs=${docs("incident").len()} ${docs("roster").len()} ${docs("staff").len()} ${docs("runbook").len()}`);
    report("", `find=${find("incident", "INC-7").id} ${find("incident", "INC-404") == ()}`);
    report("", `person=${find("person", "p.okafor").training[0].course} ${find("person", "nobody") == ()}`);
    report("", `kind=${doc.kind} ${doc.alias == ()}`);
    report("", `nearest=${nearest("person", "p.okafr")} ${nearest("person", "P.OKAFOR")} ${nearest("person", "someone.else") == ()} ${nearest("incident", "INC-8")}`);"#;
    assert_eq!(
        said_by(
            &[
                ("incidents/inc.yaml", INCIDENT),
                ("people/roster.yaml", ROSTER),
            ],
            "T001",
            body
        ),
        [
            "today=2026-11-01",
            "date=2018-06-01 2018-06-01 2026-03-14T09:30:00Z",
            "bad=true",
            "between=59 0",
            "age=31 true",
            "order=true true",
            "plus=2027-01-01 2",
            "blank=true true true true true false false",
            "param=30 x",
            "docs=1 1 1 0",
            "find=INC-7 true",
            "person=ir-basics true",
            "kind=incident true",
            "nearest=p.okafor p.okafor true INC-7",
        ]
    );
}

/// A document written with an alias of its kind (`kind: plan` for a policy) says so in
/// `doc.alias`, so a rule can tell the incident response plan from other policies.
#[test]
fn a_document_written_with_an_alias_says_which() {
    let folder = repository(
        &[
            ("policies/plan.yaml", "kind: plan\nid: IRP\n"),
            ("policies/access.yaml", "kind: policy\nid: POL-ACCESS\n"),
            ("policies/own.yaml", "kind: Standard\nid: STD-1\nalias: the standard\n"),
        ],
        &[(
            "alias.rhai",
            "const RULE = #{ id: \"T050\", name: \"t\", severity: \"info\", kinds: [\"policy\"], summary: \"t\", params: #{} };\n\
             fn check(doc) { report(\"\", `${doc.id} ${doc.kind} ${doc.alias ?? \"-\"} ${\"alias\" in doc.keys()}`); }\n",
        )],
    );
    let outcome = run(&folder, &["T050"]);
    let mut said: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| f.message.to_string())
        .collect();
    said.sort();
    assert_eq!(
        said,
        [
            "IRP policy plan true",
            "POL-ACCESS policy - false",
            // A field of its own named `alias` is the document's, not the loader's.
            "STD-1 policy the standard true",
        ]
    );
}

/// An index of the wrong type is a read of nothing, not a write: the rule author is told
/// what Rhai found, not that documents are read-only.
#[test]
fn indexing_a_document_with_a_list_is_not_called_a_write() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[(
            "index.rhai",
            &rule("T051", "    let x = doc[[\"status\"]];"),
        )],
    );
    let outcome = run(&folder, &["T051"]);
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    assert!(
        !outcome.rule_errors[0].message.contains("read-only"),
        "{}",
        outcome.rule_errors[0]
    );
}

/// Rhai functions are pure; the engine folds the rule's top-level constants into them, so a
/// helper function can use a word list or thresholds declared beside `RULE`.
#[test]
fn functions_see_the_rules_top_level_constants() {
    let source = r#"const RULE = #{ id: "T010", name: "constants", severity: "warning", kinds: ["incident"], summary: "test" };
const VAGUE = ["tbd", "todo", "n/a"];
const LIMITS = #{ words: 3 };
const PREFIX = "INC-";

fn vague(text) {
    text in VAGUE
}

fn short(text) {
    text.split(" ").len() < LIMITS.words
}

fn check(doc) {
    report("", `vague=${vague("tbd")} ${vague("Patch the VPN")} short=${short("tbd")} prefix=${doc.id.starts_with(PREFIX)}`);
}
"#;
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("constants.rhai", source)],
    );
    assert_eq!(
        messages(&run(&folder, &["T010"])),
        ["vague=true false short=true prefix=true"]
    );
}

#[test]
fn parameters_come_from_the_configuration() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[(
            "param.rhai",
            &rule("T002", "report(\"\", `window=${param(\"window\")}`);"),
        )],
    );
    write(
        folder.path(),
        ".lessons.yaml",
        "rules: [rules/]\nparams: { T002: { window: 7 } }\n",
    );
    assert_eq!(messages(&run(&folder, &["T002"])), ["window=7"]);

    write(
        folder.path(),
        ".lessons.yaml",
        "rules: [rules/]\nparams: { T002: { windw: 7 } }\n",
    );
    let error = check(&Options {
        paths: vec![folder.path().to_path_buf()],
        ..Options::default()
    })
    .expect_err("a misspelt parameter is refused");
    // At its line of the configuration, named after its file.
    assert!(
        error.to_string().ends_with(
            ".lessons.yaml: unknown parameter `windw` for T002 in `params` of the configuration (it has: label, window)"
        ),
        "{error}"
    );
}

/// A list parameter is handed out as it is, not copied per call: it reads like a list,
/// the phrase helpers take it, an override replaces it per file, and changing it is an
/// error at its line like changing a document.
#[test]
fn list_parameters_are_shared_and_read_only() {
    let rule = |id: &str, body: &str| {
        format!(
            "const RULE = #{{ id: \"{id}\", name: \"t\", severity: \"warning\", kinds: [\"incident\"], \
             summary: \"t\", params: #{{ words: [\"closed\", \"open\"] }} }};\n\nfn check(doc) {{\n{body}\n}}\n"
        )
    };
    let folder = repository(
        &[
            ("incidents/inc.yaml", INCIDENT),
            ("incidents/other/inc.yaml", &INCIDENT.replace("INC-7", "INC-8")),
        ],
        &[
            (
                "read.rhai",
                &rule(
                    "T006",
                    "    let words = param(\"words\");\n    report(\"\", `${type_of(words)} ${words.len()} ${doc.status in words} ${words[0]} ${find_words(\"it is closed now\", words)}`);",
                ),
            ),
            ("write.rhai", &rule("T007", "    let words = param(\"words\");\n    words.push(\"x\");")),
        ],
    );
    write(
        folder.path(),
        ".lessons.yaml",
        "rules: [rules/]\noverrides:\n  - files: \"incidents/other/**\"\n    params: { T006: { words: [resolved] } }\n",
    );
    let outcome = run(&folder, &["T006", "T007"]);
    // T007 fails on each document: each gets its finding saying so.
    let said: Vec<(String, String)> = outcome
        .findings
        .iter()
        .filter(|finding| &*finding.rule == "T006")
        .map(|finding| {
            (
                finding.file.display().to_string(),
                finding.message.to_string(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            (
                "incidents/inc.yaml".to_owned(),
                "array 2 true closed closed".to_owned()
            ),
            (
                "incidents/other/inc.yaml".to_owned(),
                "array 1 false resolved ".to_owned()
            ),
        ]
    );
    let failed: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|finding| &*finding.rule == "T007")
        .map(|finding| &*finding.message)
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed[0].starts_with("T007 did not check this document: failed: documents are read-only"),
        "{failed:?}"
    );
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    let error = &outcome.rule_errors[0];
    assert_eq!((error.line, error.column), (5, 11), "{error}");
    assert!(error.message.contains("documents are read-only"), "{error}");
    assert_eq!(error.occurrences, 2, "{error:?}");
}

#[test]
fn findings_point_at_the_reported_path() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("paths.rhai", &rule("T003", "report(\"responders[0]\", \"a\"); report(\"owner\", \"b\"); report(\"missing.deeper\", \"c\"); report(\"\", \"d\");"))],
    );
    let outcome = run(&folder, &["T003"]);
    let mut at: Vec<(String, usize, usize)> = outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.message.to_string(),
                f.location.line(),
                f.location.column(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            // The value of a field, the deepest part of a path that exists, the document.
            ("a".to_owned(), 7, 14),
            ("b".to_owned(), 6, 8),
            ("c".to_owned(), 1, 1),
            ("d".to_owned(), 1, 1),
        ]
    );
}

/// Runs a hostile rule and returns its one rule error, after checking it was stopped (in
/// seconds, not minutes: the limits, not the test's patience, end it; its speed is the
/// hostile suite's and the benchmark's business).
fn stopped(body: &str) -> lessons::rules::RuleError {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("hostile.rhai", &rule("T900", body))],
    );
    let started = Instant::now();
    // The operations limit, not the clock, must stop it: a debug build on a loaded
    // machine takes more than the default half second for two million operations.
    let outcome = run_with_limits(
        &folder,
        &["T900"],
        Limits {
            call_time: Duration::from_secs(60),
            ..Limits::default()
        },
    );
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    the_one_error(outcome, "T900", "hostile.rhai", "incidents/inc.yaml")
}

/// The run's only rule error, which must be `rule`'s, from `rules/{file}`, met while
/// checking `document` (its first file, when several failed); beside it only the findings
/// of the documents it failed on, each saying so, `document` among them.
fn the_one_error(
    outcome: Outcome,
    rule: &str,
    file: &str,
    document: &str,
) -> lessons::rules::RuleError {
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    assert!(
        outcome.findings.iter().all(|finding| &*finding.rule == rule
            && finding
                .message
                .starts_with(&format!("{rule} did not check this document: "))
            && finding.location.line() == 1),
        "{:?}",
        outcome.findings
    );
    assert!(
        outcome
            .findings
            .iter()
            .any(|finding| finding.file.to_string_lossy() == document),
        "{:?}",
        outcome.findings
    );
    let error = outcome.rule_errors.into_iter().next().expect("one error");
    assert_eq!(error.rule.as_deref(), Some(rule));
    assert!(
        error.origin.ends_with(&format!("rules/{file}")),
        "{}",
        error.origin
    );
    assert!(
        error.context.as_deref().is_some_and(
            |context| context.starts_with(&format!("while checking {document} (line 1)"))
        ),
        "{:?}",
        error.context
    );
    error
}

#[test]
fn documents_checked_together_keep_their_own_calls() {
    // A rule checks many documents in one Rhai call: each still has its own findings, its
    // own `file()`, its own operations budget (a document that alone needs most of it
    // passes after others that did), and `exit` ends one document's call, not the rest.
    let body = "    let n = parse_int(doc.id.sub_string(4));\n    \
                let spin = 0; for i in 0..(if n == 59 || n == 60 { 15000 } else { 10 }) { spin += 1; }\n    \
                if n % 7 == 0 { report(\"\", `${doc.id} ${file()}`); exit(); }\n    \
                if n == 61 { report(\"\", \"after the heavy one\"); }";
    let folder = incidents(80, &[("batch.rhai", &rule("T905", body))]);
    let limits = Limits {
        operations: 50_000,
        ..Limits::default()
    };
    let outcome = run_with_limits(&folder, &["T905"], limits);
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    let mut messages: Vec<&str> = outcome.findings.iter().map(|f| &*f.message).collect();
    messages.sort();
    assert_eq!(messages.len(), 13, "{messages:?}");
    assert!(
        messages.contains(&"INC-0 incidents/inc-0000.yaml"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"INC-77 incidents/inc-0077.yaml"),
        "{messages:?}"
    );
    assert!(messages.contains(&"after the heavy one"), "{messages:?}");
}

#[test]
fn a_date_out_of_order_is_named_against_the_first_earlier_date_after_it() {
    // LL007 compares each date with the latest before it, and walks the earlier ones only
    // when it is out of order: `resolved` is before both, and `detected` comes first.
    let incident = "kind: incident\nid: INC-9\nseverity: low\ndetected: 2026-09-10\ncontained: 2026-09-12\nresolved: 2026-09-08\n";
    let folder = repository(&[("incidents/inc.yaml", incident)], &[]);
    let outcome = run(&folder, &["LL007"]);
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    let found: Vec<(&str, usize, usize, &str)> = outcome
        .findings
        .iter()
        .map(|f| {
            (
                &*f.rule,
                f.location.line(),
                f.location.column(),
                &*f.message,
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "LL007",
            6,
            11,
            "resolved 2026-09-08 of incident INC-9 is before detected 2026-09-10"
        )]
    );
}

#[test]
fn a_failure_amid_other_documents_names_its_own() {
    // The 38th of 40 documents fails: the error names it, at the line that failed.
    let body = "    if doc.id == \"INC-37\" {\n        let x = doc.missing.len();\n    }";
    let folder = incidents(40, &[("fails.rhai", &rule("T906", body))]);
    let error = the_one_error(
        run(&folder, &["T906"]),
        "T906",
        "fails.rhai",
        "incidents/inc-0037.yaml",
    );
    assert!(
        error.message.starts_with("failed: Function not found: len"),
        "{}",
        error.message
    );
    // `len` of `doc.missing.len()`.
    assert_eq!((error.line, error.column), (5, 29), "{}", error.message);
}

#[test]
fn an_endless_loop_is_stopped_and_reported() {
    let error = stopped("    let n = 0;\n    loop { n += 1; }");
    assert!(
        error
            .message
            .starts_with("stopped after 2000000 operations"),
        "{}",
        error.message
    );
    assert_eq!(error.line, 5, "the line of the loop");
}

/// A rule that fails on document after document is stopped for the rest of the run:
/// reported once, with the documents it failed on (each a finding of its own) and the
/// number it was then not run on, while the other rules check every document.
#[test]
fn a_rule_that_fails_is_stopped_once_and_the_others_finish() {
    let folder = incidents(
        200,
        &[
            ("forever.rhai", &rule("T910", "    loop { }")),
            ("says.rhai", &rule("T911", "    report(\"\", \"checked\");")),
        ],
    );
    let outcome = run(&folder, &["T910", "T911"]);
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    let error = &outcome.rule_errors[0];
    assert_eq!(error.rule.as_deref(), Some("T910"));
    assert!(error.message.starts_with("stopped after"), "{error}");
    // Each worker thread may meet the loop once more before it sees the rule stopped.
    let stop = lessons::rules::evaluate::FAILURES_BEFORE_STOP;
    assert!((stop..=stop + 1).contains(&error.occurrences), "{error:?}");
    assert_eq!(error.occurrences + error.unchecked, 200, "{error:?}");
    let failed = outcome
        .findings
        .iter()
        .filter(|f| &*f.rule == "T910")
        .count();
    assert_eq!(failed, error.occurrences);
    let checked = outcome
        .findings
        .iter()
        .filter(|f| &*f.rule == "T911")
        .count();
    assert_eq!(checked, 200);
}

/// One document the rule cannot check does not silence it for the others: that document
/// gets its finding, every other one is checked, and the run still fails (exit 2).
#[test]
fn a_rule_that_fails_on_one_document_goes_on_over_the_others() {
    let body = "    if doc.id == \"INC-3\" { loop { } }\n    report(\"\", \"checked\");";
    let folder = incidents(100, &[("one.rhai", &rule("T912", body))]);
    let outcome = run(&folder, &["T912"]);
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    let error = &outcome.rule_errors[0];
    assert_eq!((error.occurrences, error.unchecked), (1, 0), "{error:?}");
    let mut said: Vec<(String, &str)> = outcome
        .findings
        .iter()
        .map(|f| (f.file.display().to_string(), &*f.message))
        .collect();
    said.sort();
    assert_eq!(said.len(), 100);
    assert_eq!(said[3].0, "incidents/inc-0003.yaml");
    assert!(
        said[3]
            .1
            .starts_with("T912 did not check this document: stopped after 2000000 operations"),
        "{:?}",
        said[3]
    );
    assert!(said
        .iter()
        .enumerate()
        .all(|(at, (_, message))| at == 3 || *message == "checked"));
}

/// A repository of `count` incidents, each with one action item, and `rules`.
fn incidents(count: usize, rules: &[(&str, &str)]) -> tempfile::TempDir {
    let files: Vec<(String, String)> = (0..count)
        .map(|n| {
            (
                format!("incidents/inc-{n:04}.yaml"),
                format!("kind: incident\nid: INC-{n}\nstatus: open\ndetected: 2026-09-02\naction_items:\n  - title: Rotate the key {n}\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    repository(&files, rules)
}

fn run_with_limits(folder: &tempfile::TempDir, select: &[&str], limits: Limits) -> Outcome {
    check(&Options {
        paths: vec![folder.path().to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        select: select.iter().map(|id| id.to_string()).collect(),
        limits,
        ..Options::default()
    })
    .expect("the run starts")
}

#[test]
fn a_rule_is_stopped_when_its_time_is_up() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[(
            "slow.rhai",
            &rule("T901", "    let n = 0;\n    loop { n += 1; }"),
        )],
    );
    // No operations limit: only the clock can stop it.
    let limits = Limits {
        operations: 0,
        call_time: Duration::from_millis(200),
        ..Limits::default()
    };
    let outcome = run_with_limits(&folder, &["T901"], limits);
    let error = the_one_error(outcome, "T901", "slow.rhai", "incidents/inc.yaml");
    assert!(
        error.message.starts_with("stopped after 200 ms"),
        "{}",
        error.message
    );
    // Where in the loop depends on which step the clock was read at.
    assert_eq!(error.line, 5, "the line of the loop");
    assert!((5..=20).contains(&error.column), "column {}", error.column);
}

#[test]
fn work_native_helpers_do_counts_against_the_call() {
    let copies = |times: usize| {
        rule(
            "T902",
            &format!("    for i in 0..{times} {{ let all = to_map(docs(\"incident\")); }}\n    if doc.id == \"INC-0\" {{ report(\"\", \"done\"); }}"),
        )
    };
    let limits = Limits {
        operations: 20_000,
        ..Limits::default()
    };
    // Copying every incident once is cheap; two hundred times is far too much, although
    // the loop itself takes a few hundred operations of the interpreter.
    let once = incidents(40, &[("copies.rhai", &copies(1))]);
    let outcome = run_with_limits(&once, &["T902"], limits);
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(&*outcome.findings[0].rule, "T902");
    let many = incidents(40, &[("copies.rhai", &copies(200))]);
    let outcome = run_with_limits(&many, &["T902"], limits);
    let error = the_one_error(outcome, "T902", "copies.rhai", "incidents/inc-0000.yaml");
    assert!(
        error.message.starts_with("stopped after 20000 operations"),
        "{}",
        error.message
    );
    // Inside the loop, where the charged work passed the limit.
    assert_eq!((error.line, error.column), (4, 45));
}

#[test]
fn memo_computes_once_per_run_and_rule() {
    let body = "    let table = memo(\"titles\", || {\n        print(\"computed\");\n        let titles = #{};\n        \
                for incident in docs(\"incident\") { titles[incident.id] = incident.action_items[0].title; }\n        \
                titles\n    });\n    report(\"\", `${table.len()} ${table[doc.id]} ${type_of(table)}`);";
    let folder = incidents(6, &[("memo.rhai", &rule("T903", body))]);
    let outcome = run(&folder, &["T903"]);
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    assert_eq!(outcome.printed, ["T903: computed"]);
    let mut messages: Vec<&str> = outcome.findings.iter().map(|f| &*f.message).collect();
    messages.sort();
    assert_eq!(messages.len(), 6);
    assert_eq!(messages[0], "6 Rotate the key 0 map");
    assert_eq!(messages[5], "6 Rotate the key 5 map");
}

#[test]
fn a_memo_that_needs_itself_is_a_rule_error() {
    let source = format!(
        "{}\nfn again() {{ memo(\"k\", || again()) }}\n",
        rule("T904", "    again();")
    );
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("memo.rhai", &source)],
    );
    let outcome = run(&folder, &["T904"]);
    let error = &outcome.rule_errors[0];
    assert!(
        error.message.contains("memo(\"k\") needs its own result"),
        "{}",
        error.message
    );
}

#[test]
fn a_rule_looking_at_every_incident_for_each_sees_them_all() {
    // The pattern rule authors write first: quadratic in the loop, never in copies.
    let body = "    let same = 0;\n    for other in docs(\"incident\") {\n        \
                if other.detected == doc.detected && other.id != doc.id { same += 1; }\n    }\n    \
                if same != 299 { report(\"\", `saw ${same}`); }";
    let folder = incidents(300, &[("pairs.rhai", &rule("T905", body))]);
    let outcome = run(&folder, &["T905"]);
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    assert!(
        outcome.findings.is_empty(),
        "{:?}",
        outcome.findings.first()
    );
}

#[test]
fn unbounded_recursion_is_stopped_and_reported() {
    let source = format!(
        "{}\nfn deeper(n) {{ deeper(n + 1) }}\n",
        rule("T900", "    deeper(0);")
    );
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("hostile.rhai", &source)],
    );
    let started = Instant::now();
    let outcome = run(&folder, &["T900"]);
    assert!(started.elapsed() < Duration::from_secs(1));
    let error = &outcome.rule_errors[0];
    assert!(
        error.message.contains("nested deeper than 32"),
        "{}",
        error.message
    );
    assert!(
        error.line >= 4,
        "points into the rule, got line {}",
        error.line
    );
}

#[test]
fn a_string_that_doubles_forever_is_stopped_and_reported() {
    let error = stopped("    let text = \"lessons\";\n    loop { text += text; }");
    assert!(
        error.message.contains("length of string beyond the limit"),
        "{}",
        error.message
    );
}

#[test]
fn a_runtime_error_names_the_rule_line() {
    let error = stopped(
        "    let items = doc.responders;\n    let x = items[0] + 1;\n    x.no_such_method();",
    );
    assert!(error.message.starts_with("failed: "), "{}", error.message);
    assert_eq!(error.line, 6, "the line of `x.no_such_method()`");
}

#[test]
fn patterns_and_joins_and_a_pattern_that_does_not_compile_names_the_rule_line() {
    let body = r#"    report("", `id=${matches(doc.id, "^INC-[0-9]+$")} ${matches(doc.id, "^T[0-9]{4}$")} ${matches("see INC-7 now", "INC-7")}`);
    report("", `join=${doc.responders.join(", ")} ${["a", 2, (), "d"].join("; ")}`);"#;
    assert_eq!(
        said_by(&[("incidents/inc.yaml", INCIDENT)], "T002", body),
        ["id=true false true", "join=p.okafor a; 2; ; d"]
    );
    let error = stopped("    let id = doc.id;\n    matches(id, \"(INC\");");
    assert!(
        error
            .message
            .contains("the pattern `(INC` cannot be used: error: unclosed group"),
        "{}",
        error.message
    );
    assert_eq!(error.line, 5, "the line of `matches(id, \"(INC\")`");
}

#[test]
fn the_latest_date_of_a_list_passes_over_what_is_not_a_dated_mapping() {
    let incident = "kind: incident\nid: INC-8\ntimeline:\n  - { at: 2026-10-01T08:00:00Z, event: a }\n  - not a mapping\n  - { event: no date }\n  - { at: 2026-10-03, event: b }\n  - { at: someday, event: c }\n  - { at: 2026-10-02T23:59:00Z, event: d }\n";
    let body = r#"    report("", `timeline=${latest_date(doc.timeline, "at")}`);
    report("", `built=${latest_date([#{ at: "2026-01-02" }, 7, #{ at: date("2026-03-04") }], "at")}`);
    report("", `none=${latest_date(doc.nothing, "at") == ()} ${latest_date([], "at") == ()} ${latest_date(doc.timeline, "event") == ()}`);"#;
    assert_eq!(
        said_by(&[("incidents/inc.yaml", incident)], "T003", body),
        [
            "timeline=2026-10-03",
            "built=2026-03-04",
            "none=true true true"
        ]
    );
}

#[test]
fn unresolved_names_the_places_of_ids_no_document_has() {
    let incident = "kind: incident\nid: INC-9\nrunbooks_used: [rb-known, rb-gone, \"\", TBD, 42, [nested], rb-gone]\naction_items:\n  - { owner: p.okafor, ref: rb-known }\n  - not a mapping\n  - { owner: x.nobody, ref: pol-known }\n  - { ref: ticket-7 }\n";
    let body = r#"    report("", `runbooks=${unresolved("runbook", doc.runbooks_used)}`);
    report("", `owners=${unresolved("person", doc.action_items, "owner")}`);
    report("", `refs=${unresolved(["policy", "runbook"], doc.action_items, "ref")} ${unresolved("runbook", doc.action_items, "ref")}`);
    report("", `built=${unresolved("policy", ["pol-known", "pol-gone"])} ${unresolved("runbook", doc.id)} ${unresolved("runbook", doc.nothing)}`);
    report("", `shared=${unresolved(memo("kinds", || ["policy", "runbook"]), doc.action_items, "ref")}`);"#;
    let files = [
        ("incidents/inc.yaml", incident),
        ("people/roster.yaml", ROSTER),
        ("runbooks/known.yaml", "kind: runbook\nid: rb-known\n"),
        ("policies/known.yaml", "kind: policy\nid: pol-known\n"),
    ];
    // Blank values (`""`, the placeholder `TBD`) and what is not an id are not judged; a
    // number is an id.
    assert_eq!(
        said_by(&files, "T004", body),
        [
            "runbooks=[1, 4, 6]",
            "owners=[2]",
            "refs=[3] [2, 3]",
            "built=[1] [] []",
            "shared=[3]"
        ]
    );
    // A kind that is neither text nor a list would leave every id unresolved: an error.
    let error = stopped("    let used = doc.responders;\n    unresolved(42, used);");
    assert!(
        error
            .message
            .contains("unresolved: the kind is a text or a list of texts"),
        "{}",
        error.message
    );
    assert_eq!(error.line, 5, "the line of `unresolved(42, used)`");
}

#[test]
fn within_tells_whether_a_day_falls_in_a_span() {
    let body = r#"    let day = date("2026-06-15");
    report("", `one=${within(day, "2026-06-01", "2026-06-30")} ${within(day, "2026-06-15", "2026-06-15")} ${within(day, "2026-06-16", ())} ${within(day, (), "2026-06-14")} ${within(day, (), ())}`);
    report("", `times=${within(date("2026-06-15T10:00:00Z"), day, "2026-06-15T09:00:00Z")} ${within("2026-06-15", "2026-06-01", "2026-07-01")}`);
    report("", `spans=${within(day, [["2025-01-01", "2025-12-31"], ["2026-06-01", ()]])} ${within(day, [["2025-01-01", "2025-12-31"], "not a span", [day], [day, day, day]])} ${within(day, [])}`);
    report("", `odd=${within("someday", (), ())} ${within(day, "someday", ())} ${within(day, doc.nothing)}`);"#;
    assert_eq!(
        said_by(&[("incidents/inc.yaml", INCIDENT)], "T005", body),
        [
            "one=true true false false true",
            "times=false true",
            "spans=true false false",
            "odd=false false false"
        ]
    );
}

#[test]
fn a_list_a_lookup_returned_can_be_added_to_a_rules_own_list() {
    let body = r#"    let names = ["a"];
    names.append(memo("names", || ["b", "c"]));
    names.append(doc.responders);
    let more = names + doc.responders;
    more.push("d");
    report("", `names=${names} more=${more}`);"#;
    assert_eq!(
        said_by(&[("incidents/inc.yaml", INCIDENT)], "T006", body),
        [r#"names=["a", "b", "c", "p.okafor"] more=["a", "b", "c", "p.okafor", "p.okafor", "d"]"#]
    );
}

#[test]
fn one_rule_cannot_change_the_document_another_sees() {
    // Every way of writing is refused (and caught here, so the rule goes on); a writable
    // copy can be changed at will; the next rule sees the document as it was loaded.
    let writes = [
        "doc.status = \"tampered\"",
        "doc[\"added\"] = 1",
        "doc.responders.push(\"x\")",
        "doc.responders[0] = \"x\"",
        "doc.kind = \"x\"",
        "let person = find(\"person\", \"p.okafor\"); person.role = \"tampered\"",
        "let all = docs(\"incident\"); all[0].status = \"tampered\"",
        "let all = docs(\"incident\"); all.clear()",
        "let memo = memo(\"t\", || #{ list: [1] }); memo.list.push(2)",
    ];
    let body: String = writes
        .iter()
        .enumerate()
        .map(|(i, write)| format!("    try {{ {write}; report(\"\", \"written {i}\"); }} catch (error) {{ report(\"\", `refused {i}: ${{error}}`); }}\n"))
        .collect::<String>()
        + "    let copy = to_map(doc); copy.status = \"copied\"; copy.added = 1; copy.responders.push(\"x\");\n    \
           report(\"\", `copy: ${copy.status} ${copy.added} ${copy.responders.len()} ${type_of(copy)}`);";
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT), ("people/roster.yaml", ROSTER)],
        &[
            ("a-mutate.rhai", &rule("T010", &body)),
            (
                "b-observe.rhai",
                &rule(
                    "T011",
                    "    report(\"\", `${doc.status} ${doc.added} ${doc.responders.len()} ${doc.kind} ${find(\"person\", \"p.okafor\").role} ${docs(\"incident\")[0].status} ${memo(\"t\", || 0)}`);",
                ),
            ),
        ],
    );
    let messages = messages(&run(&folder, &["T010", "T011"]));
    let refused = messages.iter().filter(|m| m.starts_with("refused")).count();
    assert_eq!(refused, writes.len(), "{messages:#?}");
    assert!(
        messages.iter().all(|m| !m.starts_with("written")),
        "{messages:#?}"
    );
    assert!(
        messages.contains(&"copy: copied 1 2 map".to_owned()),
        "{messages:#?}"
    );
    assert!(
        messages.contains(&"closed  1 incident responder closed 0".to_owned()),
        "{messages:#?}"
    );
}

#[test]
fn documents_read_like_maps_and_arrays() {
    let body = r#"report("", `types=${type_of(doc)} ${type_of(doc.responders)} ${type_of(doc.review)}`);
    report("", `len=${doc.len()} ${doc.keys().len()} ${doc.responders.len()} ${doc.responders.is_empty()}`);
    report("", `in=${"p.okafor" in doc.responders} ${"x" in doc.responders} ${"status" in doc} ${"nope" in doc}`);
    report("", `index=${doc["status"]} ${doc.responders[0]} ${doc.responders[-1]} ${doc.nope == ()}`);
    report("", `functions=${doc.responders.filter(|r| r.starts_with("p")).len()} ${doc.responders.map(|r| r.to_upper())} ${doc.responders.index_of("p.okafor")}`);
    report("", `for=${{ let n = 0; for (r, i) in doc.responders { n += i + r.len(); } n }}`);
    report("", `same=${find("incident", "INC-7") == doc} ${docs("incident")[0] == doc} ${to_map(doc) == to_map(doc)}`);
    report("", `shown=${doc.responders}`);"#;
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("read.rhai", &rule("T013", body))],
    );
    let mut found = messages(&run(&folder, &["T013"]));
    found.sort();
    assert_eq!(
        found,
        [
            "for=8",
            "functions=1 [\"P.OKAFOR\"] 0",
            "in=true false true false",
            "index=closed p.okafor p.okafor true",
            "len=7 7 1 false",
            "same=true true true",
            "shown=[\"p.okafor\"]",
            "types=map array ()",
        ]
    );
}

#[test]
fn assigning_to_a_document_is_an_error_at_its_line() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[(
            "write.rhai",
            &rule(
                "T012",
                "    let items = doc.responders;\n    items.push(\"x\");",
            ),
        )],
    );
    let outcome = run(&folder, &["T012"]);
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    let error = &outcome.rule_errors[0];
    assert_eq!((error.line, error.column), (5, 11), "{error}");
    assert!(
        error
            .message
            .contains("documents are read-only: `to_map(x)` gives a writable copy"),
        "{error}"
    );
}

#[test]
fn output_of_print_is_captured_not_written() {
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[(
            "print.rhai",
            &rule("T020", "    print(\"hello\"); debug(42);"),
        )],
    );
    let outcome = run(&folder, &["T020"]);
    assert_eq!(outcome.printed, ["T020: hello", "T020: 42 (line 4)"]);
}

#[test]
fn modules_and_eval_are_not_available() {
    for (body, expected) in [
        ("    eval(\"1\");", "does not compile"),
        ("    import \"x\" as y;", "does not compile"),
    ] {
        let folder = repository(
            &[("incidents/inc.yaml", INCIDENT)],
            &[("sneaky.rhai", &rule("T030", body))],
        );
        let outcome = run(&folder, &[]);
        assert_eq!(outcome.rule_errors.len(), 1, "{body}");
        assert!(
            outcome.rule_errors[0].message.starts_with(expected),
            "{}",
            outcome.rule_errors[0].message
        );
        assert_eq!(outcome.rule_errors[0].line, 4);
    }
}

#[test]
fn bad_metadata_is_a_rule_error_at_the_rule_constant() {
    let source =
        "const RULE = #{ id: \"T040\", name: \"x\", severity: \"loud\" };\nfn check(doc) {}\n";
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("meta.rhai", source)],
    );
    let outcome = run(&folder, &[]);
    assert_eq!(outcome.rule_errors.len(), 1);
    assert_eq!(
        outcome.rule_errors[0].message,
        "RULE.severity `loud` is not error, warning or info"
    );
    assert_eq!(outcome.rule_errors[0].line, 1);
}

/// Only built-ins whose findings the engine produces (LL000) may leave out `check`.
#[test]
fn a_custom_rule_without_check_is_a_rule_error() {
    let source =
        "const RULE = #{ id: \"T041\", name: \"x\", severity: \"info\" };\nfn chek(doc) {}\n";
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("typo.rhai", source)],
    );
    let outcome = run(&folder, &[]);
    assert_eq!(outcome.rule_errors.len(), 1, "{:?}", outcome.rule_errors);
    assert_eq!(
        outcome.rule_errors[0].message,
        "the rule has no `fn check(doc)`"
    );
    assert!(outcome.rule_errors[0].origin.ends_with("rules/typo.rhai"));
}

/// `pad`, `replace`, `split` and `to_chars` are registered again with a size check first
/// (see `rules/bounded.rs`): they must still answer as Rhai's own.
#[test]
fn checked_string_helpers_answer_as_rhais_own() {
    let body = r#"report("", `${"a,b,,c".split(",")} ${"a,b,c".split(",", 2)} ${"a,b,c".split_rev(",")} ${"a,b,c".split_rev(",", 2)}`);
    report("", `${"a b  c".split()} ${"".split()} ${"abc".split("")} ${"a-b".split('-')} ${"a-b-c".split('-', 2)} ${"abc".split("x")}`);
    report("", `${"ab".to_chars()} ${"".to_chars()}`);
    let s = "ab"; s.pad(5, '-'); let t = "ab"; t.pad(6, "xy"); let u = "abc"; u.pad(2, "z");
    let w = "é"; w.pad(8, "xyz"); let v = "a"; v.pad(4, "é"); let x = "a"; x.pad(7, "ab");
    report("", `${s} ${t} ${u} ${w} ${v} ${x}`);
    let r = "a.b.c"; r.replace(".", "::"); let q = "a.b"; q.replace('.', '/'); let p = "aXb"; p.replace('X', "yy"); let o = "aXb"; o.replace("X", 'z');
    report("", `${r} ${q} ${p} ${o}`);
    let l = [1]; l.pad(3, 0); report("", `${l}`);"#;
    let folder = repository(
        &[("incidents/inc.yaml", INCIDENT)],
        &[("helpers.rhai", &rule("T050", body))],
    );
    assert_eq!(
        messages(&run(&folder, &["T050"])),
        [
            r#"["a", "b", "", "c"] ["a", "b,c"] ["c", "b", "a"] ["c", "a,b"]"#,
            r#"["a", "b", "c"] [""] ["", "a", "b", "c", ""] ["a", "b"] ["a", "b-c"] ["abc"]"#,
            "[a, b] []",
            "ab--- abxyxy abc éxyzxyzx aééé aababab",
            "a::b::c a/b ayyb azb",
            "[1, 0, 0]",
        ]
    );
}

/// `when:` turns documents away before the rule is called on them: by a field's text, one
/// of a list, one of a parameter's values (as the configuration sets it per file), or
/// whether a field is there and not blank. What it turns away costs no call.
#[test]
fn when_calls_a_rule_only_on_the_documents_it_names() {
    let incident = |name: &str, fields: &str| {
        (
            format!("incidents/{name}.yaml"),
            format!("kind: incident\nid: {name}\n{fields}"),
        )
    };
    let files = [
        incident(
            "A",
            "status: closed\ncategory: phishing\nreview: { held_on: 2026-01-02 }\n",
        ),
        incident(
            "B",
            "status: closed\ncategory: malware\nreview: { held_on: 2026-01-02 }\n",
        ),
        incident(
            "C",
            "status: open\ncategory: phishing\nreview: { held_on: 2026-01-02 }\n",
        ),
        incident("D", "status: closed\ncategory: phishing\nreview: TBD\n"),
        incident("E", "status: resolved\ncategory: vishing\n"),
    ];
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let guarded = |when: &str| {
        format!(
            "const RULE = #{{ id: \"T020\", name: \"guarded\", severity: \"warning\", \
             kinds: [\"incident\"], summary: \"test\", when: {when}, \
             params: #{{ categories: [\"phishing\", \"vishing\"] }} }};\n\n\
             fn check(doc) {{ report(\"\", doc.id); }}\n"
        )
    };
    let called = |when: &str, config: &str| {
        let folder = repository(&files, &[("T020.rhai", &guarded(when))]);
        write(
            folder.path(),
            ".lessons.yaml",
            &format!("rules: [rules/]\n{config}"),
        );
        let outcome = run(&folder, &["T020"]);
        let calls = outcome.spent.iter().map(|spent| spent.calls).sum::<u64>();
        (messages(&outcome), calls)
    };
    let ids = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
    assert_eq!(called("#{}", ""), (ids(&["A", "B", "C", "D", "E"]), 5));
    assert_eq!(
        called(r#"#{ status: "closed" }"#, ""),
        (ids(&["A", "B", "D"]), 3)
    );
    assert_eq!(
        called(
            r#"#{ status: ["closed", "resolved"], category: "$categories" }"#,
            ""
        ),
        (ids(&["A", "D", "E"]), 3)
    );
    // The parameter as the configuration sets it.
    assert_eq!(
        called(
            r#"#{ category: "$categories" }"#,
            "params: { T020: { categories: [malware] } }\n"
        ),
        (ids(&["B"]), 1)
    );
    // Present and not blank (a placeholder is blank), or not.
    assert_eq!(called("#{ review: true }", ""), (ids(&["A", "B", "C"]), 3));
    assert_eq!(called("#{ review: false }", ""), (ids(&["D", "E"]), 2));

    // A condition that cannot be read is the rule's load error.
    for (when, said) in [
        (
            r#"#{ category: "$nothing" }"#,
            "`$nothing` names no parameter of the rule",
        ),
        ("#{ status: 3 }", "RULE.when must be a map of fields"),
        ("[1]", "RULE.when must be a map of fields"),
    ] {
        let folder = repository(&files, &[("T020.rhai", &guarded(when))]);
        let outcome = run(&folder, &[]);
        assert!(
            outcome
                .rule_errors
                .iter()
                .any(|error| error.to_string().contains(said)),
            "{when}: {:?}",
            outcome.rule_errors
        );
    }
}
