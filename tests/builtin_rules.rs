//! The built-in rules, tested as users test theirs: every fixture under `rules/tests/`
//! through `lessons test`; every rule has fixtures where it fires and where it must not;
//! the set of rule ids is a snapshot (a rename is never silent); and the README's rule
//! table is the one the rule files' documentation gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lessons::rule_tests;
use lessons::rules::{engine::Limits, RuleSet};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture of the built-in rules, run.
fn built_in_fixtures() -> rule_tests::TestReport {
    rule_tests::run(
        &[project().join("rules/tests")],
        &[],
        None,
        Limits::default(),
    )
    .expect("the fixtures run")
}

#[test]
fn every_fixture_of_the_built_in_rules_passes() {
    let report = built_in_fixtures();
    assert!(report.rule_errors.is_empty(), "{:?}", report.rule_errors);
    let failures: Vec<String> = report
        .fixtures
        .iter()
        .filter(|fixture| !fixture.passed())
        .map(|fixture| format!("{fixture:#?}"))
        .collect();
    assert!(
        failures.is_empty(),
        "failing fixtures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_built_in_rule_has_a_firing_and_a_near_miss_fixture() {
    let report = built_in_fixtures();
    // rule → (fixtures expecting findings, fixtures expecting none)
    let mut coverage: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for fixture in &report.fixtures {
        let scope = fixture.scope.clone().unwrap_or_default();
        let entry = coverage.entry(scope).or_default();
        if fixture.expected > 0 {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let rules = RuleSet::load(&[], &Limits::default());
    let mut uncovered = Vec::new();
    for rule in &rules.rules {
        match coverage.get(&rule.id) {
            Some((fires, near_misses)) if *fires > 0 && *near_misses > 0 => {}
            other => uncovered.push(format!(
                "{} (firing, near-miss fixtures: {other:?})",
                rule.id
            )),
        }
    }
    assert!(
        uncovered.is_empty(),
        "rules without both kinds of fixture: {uncovered:?}"
    );
}

#[test]
fn the_set_of_rule_ids_is_pinned() {
    let rules = RuleSet::load(&[], &Limits::default());
    assert!(rules.errors.is_empty(), "{:?}", rules.errors);
    let ids: Vec<String> = rules
        .rules
        .iter()
        .map(|rule| format!("{} {} {}", rule.id, rule.name, rule.severity))
        .collect();
    insta::assert_snapshot!(ids.join("\n"));
}

const TABLE_START: &str =
    "<!-- rules:start (generated from rules/*.rhai by tests/builtin_rules.rs) -->";
const TABLE_END: &str = "<!-- rules:end -->";

/// The first sentence of a rule's *What it does*, on one line.
fn what_it_does(documentation: &str) -> String {
    let section = documentation
        .split("## What it does")
        .nth(1)
        .unwrap_or(documentation);
    let paragraph = section
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match paragraph.find(". ") {
        Some(end) => paragraph[..=end].trim().to_owned(),
        None => paragraph,
    }
}

fn rule_table() -> String {
    let rules = RuleSet::load(&[], &Limits::default());
    let mut table = String::from("| id | name | severity | what it finds |\n|---|---|---|---|\n");
    for rule in &rules.rules {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            rule.id,
            rule.name,
            rule.severity,
            what_it_does(&rule.documentation).replace('|', "\\|")
        ));
    }
    table
}

/// Regenerate with `UPDATE_README=1 cargo test --test builtin_rules`.
#[test]
fn the_readme_rule_table_is_current() {
    let path = project().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        panic!("README.md has no `{TABLE_START}` … `{TABLE_END}` block");
    };
    let current = &readme[start + TABLE_START.len()..end];
    let expected = format!("\n{}", rule_table());
    if current != expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!(
                "{}{TABLE_START}{expected}{}",
                &readme[..start],
                &readme[end..]
            );
            write(&path, &updated);
            return;
        }
        panic!(
            "the README's rule table is stale; run `UPDATE_README=1 cargo test --test builtin_rules`.\nExpected:\n{expected}"
        );
    }
}

fn write(path: &Path, text: &str) {
    let temporary = path.with_extension("md.tmp");
    std::fs::write(&temporary, text).expect("write README");
    std::fs::rename(&temporary, path).expect("replace README");
}

/// Every built-in pack names real rules and parameters of the right shape, and the run
/// starts with it: a pack that cannot be applied would fail every user who picks it.
#[test]
fn every_policy_pack_applies_to_the_built_in_rules() {
    let rules = RuleSet::load(&[], &Limits::default());
    for (name, _) in lessons::policy::PACKS {
        let pack = lessons::policy::Pack::builtin(name).expect("the pack parses");
        assert_eq!(pack.name, *name);
        lessons::policy::Plan::new(&rules.rules, &pack, &Default::default(), &[], &[])
            .unwrap_or_else(|error| panic!("pack {name}: {}", error.0));
    }
}

/// The shipped example shows every built-in rule at work, as its README promises.
#[test]
fn every_built_in_rule_fires_on_the_shipped_example() {
    let outcome = lessons::check(&lessons::Options {
        paths: vec![project().join("examples/acme")],
        as_of: lessons::document::date::Moment::parse("2026-11-22"),
        ..lessons::Options::default()
    })
    .expect("the run starts");
    assert!(outcome.rule_errors.is_empty(), "{:?}", outcome.rule_errors);
    let rules = RuleSet::load(&[], &Limits::default());
    let silent: Vec<&str> = rules
        .rules
        .iter()
        .map(|rule| rule.id.as_str())
        .filter(|id| !outcome.findings.iter().any(|finding| &*finding.rule == *id))
        .collect();
    assert!(
        silent.is_empty(),
        "rules that never fire on examples/acme: {silent:?}"
    );
}

/// Every lessons-learned question a pack asks is held to a rule the pack runs: LL035 for the
/// questions only a review answers, the rule of the field that answers it otherwise. NIST SP
/// 800-61 asks the nine of section 3.4.1, the NCSC guide its ten.
#[test]
fn every_question_of_a_pack_is_held_to_a_rule_it_runs() {
    let rules = RuleSet::load(&[], &Limits::default());
    let rule = |id: &str| rules.rules.iter().find(|rule| rule.id == id);
    for (name, _) in lessons::policy::PACKS {
        let pack = lessons::policy::Pack::builtin(name).expect("the pack parses");
        if pack.questions.is_empty() {
            continue;
        }
        let ll035 = rule("LL035").expect("LL035 is built in");
        assert!(
            pack.enables(ll035),
            "{name} asks questions but does not run LL035"
        );
        let mut ids = Vec::new();
        for question in &pack.questions {
            let holder = rule(&question.rule).unwrap_or_else(|| {
                panic!("{name}: `{}` names no rule: {}", question.id, question.rule)
            });
            assert!(
                pack.enables(holder),
                "{name}: `{}` is held to {}, which it does not run",
                question.id,
                question.rule
            );
            assert!(
                !question.question.trim().is_empty(),
                "{name}: `{}` asks nothing",
                question.id
            );
            ids.push(question.id.as_str());
        }
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{name}: a question id repeats");
    }
    let ids = |name: &str| -> Vec<String> {
        lessons::policy::Pack::builtin(name)
            .expect("the pack parses")
            .questions
            .into_iter()
            .map(|question| question.id)
            .collect()
    };
    assert_eq!(
        ids("nist-800-61"),
        [
            "what-happened",
            "staff-performance",
            "information-needed-sooner",
            "steps-inhibited-recovery",
            "do-differently",
            "information-sharing",
            "corrective-actions",
            "precursors",
            "tools-resources"
        ]
    );
    assert_eq!(
        ids("ncsc-small-business"),
        [
            "procedures-followed",
            "information-needed-sooner",
            "actions-slowed-response",
            "preventable",
            "do-differently",
            "information-sharing",
            "prevent-recurrence",
            "early-warning-signs",
            "feed-back-into-plan",
            "lessons-learned"
        ]
    );
    assert!(
        ids("default").is_empty(),
        "the default pack asks no questions"
    );
}
