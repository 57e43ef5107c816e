//! A real editor end to end: Debian's Neovim, headless, with the README's set-up
//! (`editors/nvim/lessons.lua`), opens a post-mortem of `examples/acme`, receives its
//! diagnostics from `lessons server`, applies the quick fix of one, and the diagnostic goes.
//! Under `CI=true` a missing `nvim` fails the test (`.ci/run` installs it).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_shows_a_finding_applies_its_quick_fix_and_the_finding_goes() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            !common::in_ci(),
            "nvim is not installed (.ci/run installs Debian's neovim)"
        );
        common::say_skipped("neovim", "nvim is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::example(), dir.path());
    let file = dir
        .path()
        .join("incidents/2026/INC-2026-018-public-s3-bucket.yaml");
    let before = std::fs::read_to_string(&file).unwrap();
    assert!(before.contains("status: Closed\n"));
    let out = dir.path().join("seen.txt");
    let repo = env!("CARGO_MANIFEST_DIR");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {repo}/tests/neovim/quick-fix.lua"))
        .env("LESSONS_E2E_REPO", repo)
        .env("LESSONS_E2E_BIN", env!("CARGO_BIN_EXE_lessons"))
        .env("LESSONS_E2E_FILE", &file)
        .env("LESSONS_E2E_OUT", &out)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // To a file, not a pipe nobody reads while waiting: a full pipe would stall nvim.
        .stderr(std::fs::File::create(dir.path().join("nvim.stderr")).unwrap())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    while nvim.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = nvim.kill();
            panic!("nvim did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        let stderr = std::fs::read_to_string(dir.path().join("nvim.stderr")).unwrap_or_default();
        panic!("nvim wrote nothing: {stderr}")
    });
    let lines: Vec<&str> = seen.lines().collect();
    let before = lines
        .iter()
        .find(|l| l.starts_with("before: "))
        .unwrap_or_else(|| panic!("{seen}"));
    // The incident's findings arrived, LL000 (`status: Closed`) among them.
    assert!(before.contains("LL000"), "{seen}");
    assert!(lines.contains(&"action: LL000: write `closed`"), "{seen}");
    assert!(
        lines.contains(&"action: LL000: waive here (write the reason)"),
        "{seen}"
    );
    let after = lines
        .iter()
        .find(|l| l.starts_with("after: "))
        .unwrap_or_else(|| panic!("{seen}"));
    assert!(!after.contains("LL000"), "{seen}");
    assert!(lines.contains(&"line: status: closed"), "{seen}");
    // The buffer was fixed; the file on disk is the writer's to save.
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("status: Closed\n"));
}
