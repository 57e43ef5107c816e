//! The README's CI recipes: each parses as YAML, and every `lessons` command line in them
//! runs on the shipped example and writes what the CI system then reads.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn recipes() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let mut found = Vec::new();
    for part in readme.split("<!-- recipe: ").skip(1) {
        let (name, rest) = part.split_once(" -->").expect("recipe marker");
        let body = rest
            .split_once("```yaml\n")
            .and_then(|(_, body)| body.split_once("```"))
            .map(|(yaml, _)| yaml.to_owned())
            .expect("a yaml block after the marker");
        found.push((name.to_owned(), body));
    }
    found
}

#[test]
fn every_recipe_parses_and_its_commands_run() {
    let recipes = recipes();
    let names: Vec<&str> = recipes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["pre-commit", "github", "gitlab"]);
    // A copy: the recipes write their reports beside the documents.
    let copy = tempfile::tempdir().expect("scratch");
    common::copy_tree(&common::example(), copy.path());
    let example = copy.path().to_path_buf();
    for (name, yaml) in &recipes {
        let value: serde_yaml::Value = serde_yaml::from_str(yaml)
            .unwrap_or_else(|error| panic!("recipe {name} is not YAML: {error}"));
        assert!(value.is_mapping(), "{name}");
        for line in yaml.lines() {
            let Some(command) = line
                .trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .strip_prefix("lessons ")
            else {
                continue;
            };
            let args: Vec<String> = command
                .split_whitespace()
                .map(|arg| arg.to_owned())
                .collect();
            let output = Command::new(env!("CARGO_BIN_EXE_lessons"))
                .current_dir(&example)
                .args(&args)
                .args(["--as-of", "2026-11-22"])
                .output()
                .expect("lessons runs");
            let code = output.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "{name}: `lessons {command}` exited {code}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            // What the CI system reads was written, and is what it expects.
            if let Some(at) = args.iter().position(|arg| arg == "--output") {
                let file = example.join(&args[at + 1]);
                let text = std::fs::read_to_string(&file).expect("the report was written");
                std::fs::remove_file(&file).expect("clean up");
                match args[at + 1].rsplit('.').next() {
                    Some("json") => assert!(
                        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                        "{name}"
                    ),
                    Some("xml") => assert!(text.starts_with("<?xml"), "{name}"),
                    Some("sarif") => assert!(text.contains("\"version\": \"2.1.0\""), "{name}"),
                    other => panic!("{name}: unexpected report {other:?}"),
                }
            }
        }
    }
}
