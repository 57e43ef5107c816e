//! A custom rule written by the fuzzer, run by `lessons::check` on a small fixed
//! repository: the input is the body of `check(doc)` in `rules/f.rhai`, compiled and run
//! with `--select F001` under small engine limits. The repository is loaded once
//! (`Options::workspace`) and the built-in rules compiled once (`Options::compiled`, as a
//! caller checking many repositories does): each run compiles only `rules/f.rhai`, with
//! `rules::compile` as `RuleSet::load` does, which makes the target some ten times faster. The run must return (a finding, a rule
//! error, or `Err`), never panic; what it returns is rendered in every output format, and
//! every finding's place checked against its file.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lessons::document::date::Moment;
use lessons::output::{self, Format, Style};
use lessons::rules::engine::{self, Limits};
use lessons::rules::{self, Origin, RuleSet};
use lessons::workspace::Workspace;
use lessons::Options;
use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

const FILES: &[(&str, &str)] = &[
    (".lessons.yaml", "rules: [rules]\nkinds:\n  \"policies/**\": policy\n"),
    (
        "incidents/INC-1.yaml",
        "kind: incident\nid: INC-1\ntitle: Phishing of accounts payable\nseverity: high\n\
         status: closed\ncategory: phishing\ndetected: 2026-02-17T08:42:00Z\n\
         resolved: 2026-02-19\nclosed: 2026-03-06\nresponders: [d.osei, l.moreau]\n\
         root_cause:\n  summary: no look-alike domain scoring\n  initial_access: phishing link (T1566.002)\n\
         timeline:\n  - at: 2026-02-17T07:58:00Z\n    event: mails delivered\n\
         runbooks_used: [RB-PHISHING]\npolicies_affected: [SIRP]\n\
         review:\n  held_on: 2026-02-24\n  participants:\n    - { person: d.osei, role: ic, team: security }\n\
         action_items:\n  - id: AI-1\n    title: Turn on number matching\n    owner: l.moreau\n    due: 2026-03-15\n    status: done\n\
         \x20 - id: AI-2\n    title: \"Fix it\"\n    due: 2025-01-01\n    status: open\n",
    ),
    (
        "incidents/INC-2.json",
        "{\"kind\": \"incident\", \"id\": \"INC-2\", \"title\": \"Lost laptop é\", \"status\": \"open\",\n \"detected\": \"2026-05-01\", \"action_items\": [{\"title\": \"x\"}]}\n",
    ),
    (
        "incidents/INC-3.md",
        "---\nkind: incident\nid: INC-3\nstatus: resolved\ndetected: 2026-04-01\n---\n# Ransomware on the depot file server\n\n\
         ## Root cause\n\nAn exposed RDP port.\n\n## Timeline\n\n- 09:00 encrypted shares found\n\n\
         ## Action items\n\n- [ ] Close RDP (owner: s.iyer)\n",
    ),
    (
        "people/roster.yaml",
        "kind: roster\npeople:\n  - id: d.osei\n    name: Daniel Osei\n    role: incident-commander\n    status: active\n\
         \x20   training:\n      - course: incident-handling\n        completed_on: 2026-02-10\n        expires_on: 2027-02-10\n\
         \x20 - id: l.moreau\n    name: Léa Moreau\n    status: departed\n",
    ),
    (
        "runbooks/phishing.yaml",
        "kind: runbook\nid: RB-PHISHING\ntitle: Phishing response\nowner: d.osei\nlast_reviewed: 2026-04-02\n\
         review_cadence: annual\nsteps:\n  - Purge the message\n",
    ),
    (
        "policies/incident-response.md",
        "name: Security Incident Response Policy\nacronym: SIRP\nsatisfies:\n  TSC:\n    - CC7.3\n\
         majorRevisions:\n  - date: Jun 1 2018\n    comment: Initial document\n---\n\n# Purpose\n\nTo learn.\n",
    ),
];

struct Repository {
    _dir: tempfile::TempDir,
    root: PathBuf,
    rule: PathBuf,
    workspace: Arc<Workspace>,
    builtins: RuleSet,
}

fn limits() -> Limits {
    Limits {
        operations: 100_000,
        call_levels: 16,
        expression_depth: 64,
        function_expression_depth: 32,
        string_bytes: 1 << 20,
        array_items: 10_000,
        map_entries: 10_000,
        call_time: Duration::from_millis(500),
        // Whatever else the engine bounds (memory, output), at its defaults.
        ..Limits::default()
    }
}

fn options(
    repository_root: &Path,
    workspace: Option<Arc<Workspace>>,
    compiled: Option<Arc<RuleSet>>,
) -> Options {
    Options {
        paths: vec![repository_root.to_path_buf()],
        config: Some(repository_root.join(".lessons.yaml")),
        as_of: Moment::parse("2026-07-01"),
        select: vec!["F001".into()],
        jobs: Some(1),
        limits: limits(),
        workspace,
        compiled,
        ..Options::default()
    }
}

fn repository() -> &'static Repository {
    static REPOSITORY: OnceLock<Repository> = OnceLock::new();
    REPOSITORY.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().to_path_buf();
        for (name, text) in FILES {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
            std::fs::write(&path, text).expect("write a file");
        }
        let rule = root.join("rules/f.rhai");
        std::fs::create_dir_all(rule.parent().expect("a folder")).expect("create a folder");
        std::fs::write(&rule, wrap("")).expect("write the rule");
        // The repository is loaded once; each run reuses it and compiles only the rules.
        let outcome = lessons::check(&options(&root, None, None)).expect("the fixed repository loads");
        Repository {
            _dir: dir,
            root,
            rule,
            workspace: outcome.workspace,
            builtins: RuleSet::load(&[], &limits()),
        }
    })
}

fn wrap(body: &str) -> String {
    format!(
        "const RULE = #{{ id: \"F001\", name: \"fuzz\", severity: \"warning\", kinds: [\"incident\"], summary: \"f\" }};\nfn check(doc) {{\n{body}\n}}\n"
    )
}

fuzz_target!(|data: &[u8]| {
    let repository = repository();
    let body = String::from_utf8_lossy(data);
    let source = wrap(&body);
    std::fs::write(&repository.rule, &source).expect("write the rule");
    // What `RuleSet::load` does with the rule folder, the built-ins already compiled.
    let limits = limits();
    let engine = engine::build(limits, lessons::document::date::Moment::today(), Arc::new(engine::NoDocuments));
    let origin = Origin::File(repository.rule.clone());
    let mut compiled = RuleSet {
        rules: repository.builtins.rules.clone(),
        errors: repository.builtins.errors.clone(),
    };
    match rules::compile(&engine, origin, Arc::from(source), &limits, None) {
        Ok(rule) if compiled.get(&rule.id).is_some() => {}
        Ok(rule) => {
            compiled.rules.push(rule);
            compiled.rules.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Err(error) => compiled.errors.push(error),
    }
    let options = options(
        &repository.root,
        Some(Arc::clone(&repository.workspace)),
        Some(Arc::new(compiled)),
    );
    let Ok(outcome) = lessons::check(&options) else {
        return;
    };
    for finding in &outcome.findings {
        let source = outcome
            .source(&finding.file)
            .unwrap_or_else(|| panic!("a finding in {} has no source", finding.file.display()));
        common::touch_span(source, &finding.location.span(), "finding");
        let again = source.location(&finding.location.span());
        assert_eq!(again, finding.location, "a finding's place does not match its span");
    }
    let style = Style::default();
    for format in [Format::Human, Format::Concise, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Gitlab] {
        let _ = output::render(&outcome.results(), format, &style);
    }
});
