//! The pre-commit hooks, driven by the real `pre-commit` tool (`pre-commit try-repo` against
//! a temporary repository): a commit with a gap fails with the finding, a clean one passes.
//! `pre-commit` builds `lessons` from this repository's HEAD with `cargo install`; pinning
//! the ref lets every case share that one build, and an unoptimised profile in a target
//! folder kept between runs keeps it short. Without `pre-commit` the test is skipped
//! locally and fails under CI (`CI=true`), where `.ci/run` installs it.

mod common;

use std::path::Path;
use std::process::Command;

fn have_pre_commit() -> bool {
    let found = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("pre-commit is not installed (pip install pre-commit): CI must run this test");
    }
    found
}

fn git(folder: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(folder)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// Runs one hook of this repository over the staged files of `folder`.
fn try_hook(folder: &Path, cache: &Path, head: &str, hook: &str) -> (bool, String) {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    // `lessons-all` runs only when asked for.
    let stage: &[&str] = if hook == "lessons-all" {
        &["--hook-stage", "manual"]
    } else {
        &[]
    };
    let output = Command::new("pre-commit")
        .current_dir(folder)
        .env("PRE_COMMIT_HOME", cache)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .args([
            "try-repo",
            env!("CARGO_MANIFEST_DIR"),
            hook,
            "--ref",
            head,
            "--verbose",
        ])
        .args(stage)
        .output()
        .expect("pre-commit runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_hooks_fail_a_commit_with_a_gap_and_pass_a_clean_one() {
    if !have_pre_commit() {
        common::say_skipped(
            "the pre-commit hooks",
            "pre-commit is not installed (pip install pre-commit)",
        );
        return;
    }
    let head = Command::new("git")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git rev-parse");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    let cache = tempfile::tempdir().expect("cache folder");
    let folder = tempfile::tempdir().expect("repository");
    let root = folder.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join(".lessons.yaml"), "policy: default\n").expect("config");
    std::fs::write(
        root.join("inc.yaml"),
        "kind: incident\nid: INC-1\nstatus: resolved\ndetected: 2026-09-01\nroot_cause: Password reuse on the VPN\n",
    )
    .expect("clean incident");
    git(root, &["add", "."]);

    let (passed, text) = try_hook(root, cache.path(), &head, "lessons");
    assert!(passed, "a clean commit passes:\n{text}");
    let (passed, text) = try_hook(root, cache.path(), &head, "lessons-all");
    assert!(passed, "a clean repository passes:\n{text}");

    std::fs::write(
        root.join("inc.yaml"),
        "kind: incident\nid: INC-1\nstatus: closed\n",
    )
    .expect("gap");
    git(root, &["add", "."]);
    let (passed, text) = try_hook(root, cache.path(), &head, "lessons");
    assert!(!passed, "a commit with a gap fails:\n{text}");
    assert!(
        text.contains("LL001") && text.contains("inc.yaml:3"),
        "{text}"
    );
    let (passed, text) = try_hook(root, cache.path(), &head, "lessons-all");
    assert!(!passed && text.contains("LL001"), "{text}");
}

/// The README's adoption path with its pre-commit recipe, pasted as it is, in a repository
/// of Markdown post-mortems with old gaps and `lessons` on the `PATH`: the baseline named in
/// `.lessons.yaml` and recorded as the README says, the adoption commit passes, a one-word
/// edit to an old post-mortem passes, a new post-mortem with a gap is blocked at its line —
/// and each finding is printed once.
#[test]
fn the_readme_recipe_works_when_pasted() {
    if !have_pre_commit() {
        common::say_skipped(
            "the README's pre-commit recipe",
            "pre-commit is not installed (pip install pre-commit)",
        );
        return;
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let recipe = readme
        .split("<!-- recipe: pre-commit -->\n```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the pre-commit recipe");
    let folder = tempfile::tempdir().expect("repository");
    let root = folder.path();
    git(root, &["init", "-q"]);
    let old = "# Checkout outage\n\n## Summary\n\nCheckout failed for an hour.\n\n\
               ## Action items\n\n- [ ] Add an alert on checkout errors\n";
    common::write_files(
        root,
        &[
            (".pre-commit-config.yaml", recipe),
            (
                ".lessons.yaml",
                "policy: default\nformats:\n  - files: \"postmortems/*.md\"\n    preset: markdown\n",
            ),
            // Old debt: no root cause, an item with no owner or due date.
            ("postmortems/2024-03-checkout.md", old),
        ],
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_lessons"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The README's three lines, the first two run here as a shell would.
    let mut config = std::fs::read_to_string(root.join(".lessons.yaml")).expect("config");
    config.push_str("baseline: .lessons-baseline.json\n");
    std::fs::write(root.join(".lessons.yaml"), config).expect("config");
    let (code, _, stderr) = common::lessons_apart(
        root,
        &[
            "check",
            "--write-baseline",
            ".lessons-baseline.json",
            "--quiet",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    git(root, &["add", "."]);
    let cache = tempfile::tempdir().expect("cache folder");
    let run = |args: &[&str]| {
        let output = Command::new("pre-commit")
            .current_dir(root)
            .env("PRE_COMMIT_HOME", cache.path())
            .env("PATH", &path)
            .args(args)
            .output()
            .expect("pre-commit runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + String::from_utf8_lossy(&output.stderr).as_ref();
        (output.status.success(), text)
    };
    let (passed, text) = run(&["run"]);
    assert!(passed, "the adoption commit passes:\n{text}");
    git(
        root,
        &["commit", "-q", "--no-verify", "-m", "adopt lessons"],
    );

    // A one-word edit to the old post-mortem.
    common::write_files(
        root,
        &[(
            "postmortems/2024-03-checkout.md",
            &old.replace("an hour", "two hours"),
        )],
    );
    git(root, &["add", "."]);
    let (passed, text) = run(&["run"]);
    assert!(passed, "old debt stays baselined after an edit:\n{text}");
    git(root, &["commit", "-q", "--no-verify", "-m", "edit"]);

    // A new post-mortem with a gap.
    common::write_files(
        root,
        &[(
            "postmortems/2026-11-dns.md",
            "# DNS outage\n\n## Summary\n\nNames did not resolve.\n\n## Action items\n\n- [ ] Lower the TTL\n",
        )],
    );
    git(root, &["add", "."]);
    let (passed, text) = run(&["run"]);
    assert!(!passed, "a new gap is blocked:\n{text}");
    assert!(
        text.contains("postmortems/2026-11-dns.md:9:1: LL002")
            || text.contains("2026-11-dns.md:9:1"),
        "{text}"
    );
    assert!(
        !text.contains("2024-03-checkout"),
        "only the staged file:\n{text}"
    );
    assert_eq!(
        text.matches("LL002").count(),
        1,
        "each finding once:\n{text}"
    );
}
