//! What `lessons` prints, attacked through what a contributor controls — file names, ids,
//! values, a rule's metadata and documentation: no output may send a control sequence to
//! the terminal, start a line a CI runner obeys (`::error …`, `::add-mask::…`), forge a
//! `file:line:column:` line, or reverse a line with a bidirectional override.

mod common;

use std::path::Path;

use common::hostile::{hostile_rule, lessons, repository, says, Run};

/// Characters no output may carry raw: ESC, BEL, CSI and NEL (C1), and the right-to-left
/// override.
const RAW: [char; 5] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{85}', '\u{202e}'];

/// `text` holds none of [`RAW`], no line a runner would take as a command, and no line
/// that claims a finding in README.md.
#[track_caller]
fn harmless(what: &str, text: &str) {
    for c in RAW {
        assert!(!text.contains(c), "{what}: raw {c:?} in:\n{text:?}");
    }
    for line in text.lines() {
        let start = line.trim_start();
        assert!(
            !start.starts_with("::") && !start.starts_with("##["),
            "{what}: a line a CI runner obeys: {line:?}\n{text}"
        );
        assert!(
            !start.starts_with("README.md:1:1"),
            "{what}: a forged finding: {line:?}\n{text}"
        );
    }
}

/// A file name that would start workflow commands, and one that forges a concise line.
const COMMAND_NAME: &str = "inc\n::error file=README.md,line=1::x\n::add-mask::y.yaml";
const FORGED_NAME: &str = "inc\nREADME.md:1:1: LL001 forged.yaml";

/// A repository with incidents under hostile file names, an id holding OSC 52, C1 controls
/// and a right-to-left override, and a custom rule whose documentation, parameter and
/// printout are hostile too.
fn hostile_repository() -> tempfile::TempDir {
    let folder = repository(1, None);
    let root = folder.path();
    let id = "INC-9\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{85}\u{202e}fdp.exe";
    let incident = |id: &str| {
        format!(
            "kind: incident\nid: \"{}\"\nstatus: closed\nseverity: high\nroot_cause: \"\"\ntitle: \"t\\u001b[2J\\u202e\"\nresponders: [p.okafor]\n",
            id.replace('\u{1b}', "\\e")
                .replace('\u{7}', "\\a")
                .replace('\u{9b}', "\\x9b")
                .replace('\u{85}', "\\N")
                .replace('\u{202e}', "\\u202e")
        )
    };
    common::write_files(
        root,
        &[
            (&format!("incidents/{COMMAND_NAME}"), &incident("INC-C")),
            (&format!("incidents/{FORGED_NAME}"), &incident("INC-F")),
            ("incidents/escaped.yaml", &incident(id)),
            (
                "rules/x.rhai",
                &format!(
                    "//! Says \u{1b}]52;c;aGk=\u{7} hello\n//! ::error file=README.md,line=1::from the docs\n//!   ::add-mask::secret\n{}",
                    hostile_rule(
                        "print(\"p\\x1b[2J\\n::error::printed\\u202e\"); report(\"id\", \"m\\x1b]0;t\\x07\\n::warning::x\", \"h\\n::error::y\");"
                    )
                    .replace(
                        "summary: \"h\" }",
                        "summary: \"h\", params: #{ note: \"n\\x1b[31m\\x9b\" } }"
                    )
                ),
            ),
        ],
    );
    folder
}

fn ended(root: &Path, args: &[&str]) -> Run {
    let run = lessons(root, args);
    assert!(
        matches!(run.code, 0..=2),
        "{args:?} ended with {}: {}",
        run.code,
        run.all()
    );
    run
}

#[test]
fn no_output_sends_a_control_sequence_or_starts_a_ci_command() {
    let folder = hostile_repository();
    let root = folder.path();
    for format in ["human", "concise", "junit"] {
        let run = ended(
            root,
            &["check", ".", "--format", format, "--color", "never"],
        );
        assert_eq!(run.code, 1, "{format}: {}", run.all());
        harmless(format, &run.all());
    }
    // Every line of the github format is a command: one annotation each, none other.
    let run = ended(root, &["check", ".", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.all());
    for c in RAW {
        assert!(!run.stdout.contains(c), "raw {c:?} in {:?}", run.stdout);
    }
    for line in run.stdout.lines() {
        let property = line
            .strip_prefix("::error file=")
            .or_else(|| line.strip_prefix("::warning file="))
            .or_else(|| line.strip_prefix("::notice file="))
            .unwrap_or_else(|| panic!("not an annotation: {line:?}"));
        let file = property.split(',').next().unwrap_or_default();
        assert!(
            !file.contains(':'),
            "the file property ends early: {line:?}"
        );
    }
    says(&run, "file=incidents/inc%0A%3A%3Aerror file=README.md%2Cline=1%3A%3Ax%0A%3A%3Aadd-mask%3A%3Ay.yaml,line=5");
    let run = ended(root, &["check", ".", "--verbose", "--format", "concise"]);
    harmless("--verbose", &run.all());
    says(&run, "print: X001: p\\x1b[2J\\n::error::printed\\u{202e}");
    let run = ended(root, &["check", ".", "--format", "concise"]);
    says(
        &run,
        "incidents/inc\\nREADME.md:1:1: LL001 forged.yaml:5:13: LL001",
    );
    says(
        &run,
        "INC-9\\x1b]52;c;aGk=\\x07\\x9b2J\\x85\\u{202e}fdp.exe",
    );
    for args in [
        &["gate", "close", "incidents/escaped.yaml"][..],
        &["show", "incidents/escaped.yaml"],
        &["show", &format!("incidents/{COMMAND_NAME}")],
        &["report", ".", "--format", "markdown"],
        &["rules"],
        &["explain", "X001"],
    ] {
        let run = ended(root, args);
        harmless(&format!("{args:?}"), &run.all());
    }
    let run = ended(root, &["explain", "X001"]);
    says(&run, "Says \\x1b]52;c;aGk=\\x07 hello");
    says(&run, "\\x3a:error file=README.md,line=1::from the docs");
    says(&run, "note  default n\\x1b[31m\\x9b");
    let run = ended(root, &["report", ".", "--format", "html"]);
    harmless("html", &run.stdout);
    assert!(run.stdout.contains("\\u{202e}fdp.exe"), "{}", run.stdout);
}

#[test]
fn a_rule_id_or_name_that_is_not_one_line_is_refused_at_its_line() {
    let folder = repository(1, None);
    let root = folder.path();
    for (metadata, said) in [
        (
            "id: \"X001\\n::error::x\", name: \"n\"",
            "is not a rule id: a letter, then up to 31 letters, digits, `-` or `_`",
        ),
        ("id: \"X 1\", name: \"n\"", "RULE.id `X 1` is not a rule id"),
        (
            "id: \"X001\", name: \"n\\n::error file=README.md::x\"",
            "RULE.name `n\\n::error file=README.md::x` holds a line break",
        ),
        (
            "id: \"X001\", name: \"n\", summary: \"s\\u202e\"",
            "RULE.summary `s\\u{202e}` holds a line break or a control character",
        ),
    ] {
        std::fs::write(
            root.join("rules/x.rhai"),
            format!(
                "// a rule\nconst RULE = #{{ {metadata}, severity: \"warning\", kinds: [\"incident\"] }};\nfn check(doc) {{}}\n"
            ),
        )
        .expect("rule");
        let run = lessons(root, &["rules"]);
        assert_eq!(run.code, 2, "{metadata}: {}", run.all());
        says(&run, said);
        says(&run, "(rules/x.rhai:2)");
        harmless(metadata, &run.all());
    }
}

#[test]
fn keys_ids_and_names_wider_than_a_formatter_allows_never_panic() {
    let folder = repository(1, None);
    let root = folder.path();
    let wide = "k".repeat(70_000);
    common::write_files(
        root,
        &[(
            "incidents/wide.json",
            &format!("{{\"kind\": \"incident\", \"id\": \"INC-W\",\n \"{wide}\": 1}}\n"),
        )],
    );
    let run = lessons(root, &["show", "incidents/wide.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains(&format!("  {wide}  1 ")),
        "wide key listed: {}",
        &run.stdout[..run.stdout.len().min(300)]
    );
    for (metadata, said) in [
        (
            format!("id: \"X{wide}\", name: \"n\""),
            "is not a rule id".to_owned(),
        ),
        (
            format!("id: \"X001\", name: \"{wide}\""),
            "RULE.name is 70000 characters long; at most 64".to_owned(),
        ),
        (
            format!("id: \"X001\", name: \"n\", params: #{{ {wide}: 1 }}"),
            "is not a parameter name".to_owned(),
        ),
    ] {
        std::fs::write(
            root.join("rules/x.rhai"),
            format!(
                "const RULE = #{{ {metadata}, severity: \"warning\", kinds: [\"incident\"] }};\nfn check(doc) {{}}\n"
            ),
        )
        .expect("rule");
        for args in [&["rules"][..], &["explain", "X001"], &["check", "."]] {
            let run = lessons(root, args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.all());
            says(&run, &said);
        }
    }
}

#[test]
fn a_finding_past_column_sixty_five_thousand_of_a_minified_export_is_framed_short() {
    let folder = repository(0, None);
    let pad = "x".repeat(1_000_000);
    common::write_files(
        folder.path(),
        &[(
            "incidents/min.json",
            &format!(
                "{{\"kind\": \"incident\", \"id\": \"INC-M\", \"status\": \"closed\", \"severity\": \"high\", \"pad\": \"{pad}\", \"root_cause\": \"\", \"responders\": [\"p.okafor\"]}}"
            ),
        )],
    );
    let run = lessons(folder.path(), &["check", ".", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", &run.all()[..run.all().len().min(3000)]);
    says(&run, "╭─[incidents/min.json:1:1000102]");
    says(&run, "incident INC-M is closed but records no root cause");
    // Each frame shows a few hundred bytes of the line, not the megabyte.
    assert!(run.all().len() < 40_000, "{} bytes", run.all().len());
}
