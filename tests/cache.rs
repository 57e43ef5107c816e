//! The cache across runs can cost time, never a finding: over random edit sequences a run
//! with the cache says what a run without it says; a cache that is truncated, corrupt, of
//! another day, left half-written or forged by a pull request changes no finding and no
//! exit code; it is never written through a symbolic link, and never read as a document.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::edits::edits;
use common::finding_lines;
use lessons::check::cache::{CacheDir, FOLDER};
use lessons::document::date::Moment;
use lessons::Options;
use proptest::prelude::*;

fn repository() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    common::copy_tree(&common::example(), folder.path());
    folder
}

fn options(root: &Path, cache: Option<CacheDir>) -> Options {
    Options {
        paths: vec![root.to_path_buf()],
        as_of: Moment::parse("2026-11-01"),
        jobs: Some(2),
        cache,
        ..Options::default()
    }
}

fn lines(
    root: &Path,
    cache: Option<CacheDir>,
) -> (Vec<String>, Option<lessons::check::cache::CacheUse>) {
    let outcome = lessons::check(&options(root, cache)).expect("a run");
    (finding_lines(&outcome), outcome.cache.clone())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(8),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn with_the_cache_every_run_says_what_a_run_without_it_says(
        sequence in prop::collection::vec(0..edits().len(), 1..6)
    ) {
        let folder = repository();
        let root = folder.path();
        let cache = Some(CacheDir::InRepository);
        let (first, used) = lines(root, cache.clone());
        prop_assert_eq!(&first, &lines(root, None).0);
        prop_assert!(used.is_some_and(|used| used.missed.is_some()));
        let edits = edits();
        let mut done = Vec::new();
        for at in sequence {
            if edits[at].on_disk(root).is_some() {
                done.push(edits[at].clone());
                let (cached, used) = lines(root, cache.clone());
                let fresh = lines(root, None).0;
                prop_assert_eq!(&cached, &fresh, "after {:?} ({:?})", done, used);
            }
        }
        // Nothing changed since the last run: every finding from the cache.
        let (again, used) = lines(root, cache);
        prop_assert_eq!(again, lines(root, None).0);
        let used = used.expect("the cache was used");
        prop_assert_eq!((used.changed, used.calls), (0, 0), "{:?}", used);
    }
}

/// `lessons ARGS` in `root` with `key_home` as the user's cache directory (where the
/// cache's key lives) and `env` set.
fn lessons(root: &Path, key_home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lessons"))
        .args(args)
        .current_dir(root)
        .env("XDG_CACHE_HOME", key_home)
        .env_remove("LESSONS_NO_CACHE")
        .env_remove("LESSONS_CACHE_DIR")
        .envs(env.iter().copied())
        .output()
        .expect("lessons runs")
}

/// `lessons check .` as of `day`, concise, with `extra`.
fn check_on(root: &Path, key_home: &Path, day: &str, extra: &[&str]) -> Output {
    let mut args = vec!["check", ".", "--format", "concise", "--as-of", day];
    args.extend_from_slice(extra);
    lessons(root, key_home, &args, &[])
}

/// `lessons check` in `root` as of 2026-11-01: (exit code, stdout).
fn run_cli(root: &Path, key_home: &Path, extra: &[&str]) -> (i32, String) {
    let output = check_on(root, key_home, "2026-11-01", extra);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn cache_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(FOLDER))
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|extension| extension == "bin"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// `run_cli` with `--verbose`: what it says of the cache.
fn cache_note(root: &Path, key_home: &Path) -> String {
    let output = check_on(root, key_home, "2026-11-01", &["--verbose"]);
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.starts_with("cache:"))
        .collect()
}

/// Whether `--verbose` said every finding came from the cache.
fn unchanged_and_none_made(said: &str) -> bool {
    said.contains(" 0 changed, ") && said.contains("; 0 calls made again")
}

#[test]
fn a_cache_forged_in_a_pull_request_changes_no_finding() {
    let keys = tempfile::tempdir().expect("keys");
    let (victim, attacker) = (keys.path().join("victim"), keys.path().join("attacker"));
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, &victim, &["--no-cache"]);
    assert_eq!(truth.0, 1, "the example has errors");
    // The attacker writes a cache of this very repository with their own lessons (same
    // version, configuration, rules, day and documents: the same key and digests) and
    // commits it. Their lessons believes it: every finding from the cache.
    let _ = run_cli(root, &attacker, &[]);
    assert!(
        unchanged_and_none_made(&cache_note(root, &attacker)),
        "{}",
        cache_note(root, &attacker)
    );
    let forged = cache_files(root);
    assert_eq!(forged.len(), 1);
    let bytes = std::fs::read(&forged[0]).expect("cache");
    // The victim's does not: the MAC is not made with the victim's key.
    assert!(
        cache_note(root, &victim).contains("not written by this user's lessons"),
        "{}",
        cache_note(root, &victim)
    );
    std::fs::write(&forged[0], &bytes).expect("forge again");
    assert_eq!(run_cli(root, &victim, &[]), truth);
    // Cut short, the findings of most files gone with the end of the file.
    std::fs::write(&forged[0], &bytes[..bytes.len() / 3]).expect("forge");
    assert_eq!(run_cli(root, &victim, &[]), truth);
    // `gate close` says the same with the forged cache there and without it.
    let gate = || {
        let output = lessons(
            root,
            &victim,
            &["gate", "close", "INC-2026-036", "--as-of", "2026-11-01"],
            &[],
        );
        (output.status.code(), output.stdout)
    };
    std::fs::write(&forged[0], &bytes).expect("forge");
    let forged_gate = gate();
    std::fs::remove_dir_all(root.join(FOLDER)).expect("remove the cache");
    assert_eq!(forged_gate, gate());
    // The key lives in the user's cache directory, readable by the user alone.
    let key = victim.join("lessons/key");
    assert_eq!(std::fs::read(&key).expect("key").len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_truncated_corrupt_stale_or_half_written_cache_is_ignored_and_rebuilt() {
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    let first = run_cli(root, keys.path(), &[]);
    assert_eq!(first, truth);
    let file = cache_files(root).into_iter().next().expect("a cache");
    let whole = std::fs::read(&file).expect("cache");
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", whole[..whole.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("a byte flipped", {
            let mut bytes = whole.clone();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
            bytes
        }),
        ("garbage", vec![7u8; 4096]),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).expect("damage");
        assert_eq!(run_cli(root, keys.path(), &[]), truth, "{what}");
        // Rebuilt: the next run reads it whole.
        assert!(std::fs::read(&file).expect("cache").len() > 64, "{what}");
    }
    // Another day is another key: the findings of that day, not the cached ones.
    let other_day = check_on(root, keys.path(), "2027-06-01", &[]);
    let uncached = check_on(root, keys.path(), "2027-06-01", &["--no-cache"]);
    assert_eq!(other_day.stdout, uncached.stdout);
    assert_ne!(other_day.stdout, truth.1.as_bytes());
    // A run killed while writing leaves a temporary file: never read as the cache.
    std::fs::write(
        file.with_file_name(format!(
            ".{}.999999.tmp",
            file.file_name().expect("name").to_string_lossy()
        )),
        b"half",
    )
    .expect("temporary");
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
}

#[test]
fn the_cache_folder_is_ignored_by_git_and_never_read_as_documents() {
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    assert_eq!(
        std::fs::read_to_string(root.join(FOLDER).join(".gitignore")).expect("gitignore"),
        "# Written by lessons: its cache.\n*\n"
    );
    // A document planted in the cache folder is not the repository's.
    std::fs::write(
        root.join(FOLDER).join("planted.yaml"),
        "kind: incident\nid: INC-PLANTED\nstatus: closed\n",
    )
    .expect("plant");
    let run = run_cli(root, keys.path(), &[]);
    assert!(!run.1.contains("INC-PLANTED"), "{}", run.1);
    assert_eq!(run, truth);
}

#[test]
fn the_same_repository_named_from_elsewhere_finds_its_cache() {
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &[]);
    let parent = root.parent().expect("a parent");
    let path = root.to_string_lossy().into_owned();
    let output = lessons(
        parent,
        keys.path(),
        &[
            "check",
            &path,
            "--format",
            "concise",
            "--as-of",
            "2026-11-01",
            "--verbose",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(unchanged_and_none_made(&stderr), "{stderr}");
    assert_eq!(output.status.code(), Some(truth.0));
}

#[test]
fn a_key_inside_the_repository_is_never_made_nor_trusted() {
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, root, &["--no-cache"]);
    // The user's cache directory is the checkout itself (a CI misconfiguration): a key
    // there could be committed, so no cache is kept at all.
    assert_eq!(run_cli(root, root, &[]), truth);
    assert!(
        !root.join("lessons").exists(),
        "no key made in the checkout"
    );
    assert!(cache_files(root).is_empty());
    assert!(
        cache_note(root, root).contains("not used"),
        "{}",
        cache_note(root, root)
    );
}

#[cfg(unix)]
#[test]
fn the_cache_is_never_written_through_a_symbolic_link() {
    let keys = tempfile::tempdir().expect("keys");
    let outside = tempfile::tempdir().expect("outside");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    std::os::unix::fs::symlink(outside.path(), root.join(FOLDER)).expect("link");
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    let written: Vec<_> = std::fs::read_dir(outside.path())
        .expect("outside")
        .flatten()
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn no_cache_and_cache_dir_decide_where_the_cache_is() {
    let keys = tempfile::tempdir().expect("keys");
    let elsewhere = tempfile::tempdir().expect("cache dir");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    assert!(!root.join(FOLDER).exists(), "--no-cache writes nothing");
    let dir = elsewhere.path().to_string_lossy().into_owned();
    assert_eq!(run_cli(root, keys.path(), &["--cache-dir", &dir]), truth);
    assert!(!root.join(FOLDER).exists());
    assert_eq!(
        std::fs::read_dir(elsewhere.path())
            .expect("cache dir")
            .flatten()
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "bin"))
            .count(),
        1
    );
    // LESSONS_NO_CACHE=1 as --no-cache.
    let output = lessons(
        root,
        keys.path(),
        &["check", ".", "--format", "concise", "--as-of", "2026-11-01"],
        &[("LESSONS_NO_CACHE", "1")],
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), truth.1);
    assert!(!root.join(FOLDER).exists());
}

/// A file that looks as it did when the cache read it (size, times, inode) is not read
/// again; its inline waivers still hold, its code frames still show, and an edit to it is
/// still seen. Files changed less than two seconds before a run are read the next time
/// too, so the repository is left to settle first.
#[test]
fn files_that_look_unchanged_are_not_read_yet_keep_their_waivers_and_frames() {
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    let incident = root.join("incidents/2026/INC-2026-022-portal-ddos.yaml");
    let text = std::fs::read_to_string(&incident).expect("the incident");
    let unowned = "    owner:\n    due: 2027-10-15\n";
    assert!(
        text.contains(unowned),
        "the example's second action item moved"
    );
    std::fs::write(
        &incident,
        text.replacen(
            unowned,
            "    # lessons: allow LL002 -- the owner is named in the ticket\n    owner:\n    due: 2027-10-15\n",
            1,
        ),
    )
    .expect("waived");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let human = |extra: &[&str]| {
        let mut args = vec!["check", ".", "--as-of", "2026-11-01", "--color", "never"];
        args.extend_from_slice(extra);
        let output = lessons(root, keys.path(), &args, &[]);
        // The summary's last words are the time the run took.
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let timed = text.rfind(" in ").unwrap_or(text.len());
        (output.status.code(), text[..timed].to_owned())
    };
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    assert!(
        !truth
            .1
            .contains("LL002 action item AI-2 of incident INC-2026-022"),
        "the inline waiver holds: {}",
        truth.1
    );
    let frames = human(&["--no-cache"]);
    assert!(frames.1.contains("runbooks_used: [RB-DOS]"), "{}", frames.1);
    // The first run reads everything and keeps how each file looked.
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    let note = cache_note(root, keys.path());
    assert!(note.contains(" 0 read;"), "{note}");
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    assert_eq!(human(&[]), frames);
    // An edit is seen: the file no longer looks as it did.
    std::fs::write(
        &incident,
        std::fs::read_to_string(&incident)
            .expect("the incident")
            .replace("runbooks_used: [RB-DOS]", "runbooks_used: [RB-DDOS]"),
    )
    .expect("edited");
    let edited = run_cli(root, keys.path(), &["--no-cache"]);
    assert_ne!(edited, truth);
    assert_eq!(run_cli(root, keys.path(), &[]), edited);
    assert_eq!(human(&[]), human(&["--no-cache"]));
}

#[test]
fn files_touched_but_not_changed_are_read_once_then_known_again() {
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    let truth = run_cli(root, keys.path(), &["--no-cache"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
    assert!(cache_note(root, keys.path()).contains(" 0 read;"));
    // A checkout or a copy writes every file again, as it was.
    let incident = root.join(common::edits::INCIDENT);
    let text = std::fs::read(&incident).expect("the incident");
    std::fs::write(&incident, &text).expect("written again");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let note = cache_note(root, keys.path());
    assert!(
        note.contains(" 0 changed, 1 read;") && unchanged_and_none_made(&note),
        "{note}"
    );
    // Read once: the next run knows it by its look again.
    let note = cache_note(root, keys.path());
    assert!(note.contains(" 0 read;"), "{note}");
    assert_eq!(run_cli(root, keys.path(), &[]), truth);
}

#[test]
fn a_person_added_to_a_roster_is_found_by_the_calls_that_looked_for_them() {
    // A rule that only asks `find("person", …)`: nothing but the person's own lookup says
    // that adding them to the roster, which keeps its kind and id, concerns its calls.
    let keys = tempfile::tempdir().expect("keys");
    let folder = repository();
    let root = folder.path();
    common::write_files(
        root,
        &[
            (
                "custom-rules/X900-on-roster.rhai",
                "const RULE = #{ id: \"X900\", name: \"responder-on-roster\", severity: \"warning\", \
                 kinds: [\"incident\"], summary: \"responders are on a roster\" };\n\n\
                 fn check(doc) {\n    for (responder, i) in doc.responders ?? [] {\n        \
                 if find(\"person\", responder) == () { report(`responders[${i}]`, `${responder} is on no roster`); }\n    }\n}\n",
            ),
            (
                "incidents/2026/INC-2026-040-new.yaml",
                "kind: incident\nid: INC-2026-040\ntitle: Phishing again\nseverity: high\n\
                 status: closed\ncategory: phishing\ndetected: 2026-10-01\nclosed: 2026-10-09\n\
                 responders: [d.osei, q.unknown]\nroot_cause: no number matching on MFA push\n",
            ),
        ],
    );
    let config = root.join(".lessons.yaml");
    let text = std::fs::read_to_string(&config).expect("the configuration");
    std::fs::write(&config, format!("{text}rules: [custom-rules]\n")).expect("rules added");
    let missing = "incidents/2026/INC-2026-040-new.yaml:9:22: X900 q.unknown is on no roster";
    let (code, said) = run_cli(root, keys.path(), &[]);
    assert!(said.contains(missing), "{said}");
    assert_eq!((code, said), run_cli(root, keys.path(), &["--no-cache"]));
    let roster = root.join(common::edits::ROSTER);
    let text = std::fs::read_to_string(&roster).expect("the roster");
    std::fs::write(
        &roster,
        text.replacen(
            "people:\n",
            "people:\n  - id: q.unknown\n    name: Quinn Unknown\n    role: responder\n    status: active\n",
            1,
        ),
    )
    .expect("a person added");
    let (code, said) = run_cli(root, keys.path(), &[]);
    assert!(!said.contains(missing), "{said}");
    assert_eq!((code, said), run_cli(root, keys.path(), &["--no-cache"]));
}
