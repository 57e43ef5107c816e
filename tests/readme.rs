//! The README's pasted outputs cannot go stale: every ```text block that follows a
//! `cargo run --release -- …` command is run as `lessons …` and each of its lines must
//! appear in the output, in order (`...` skips lines; the run's time is left out).

use std::path::Path;
use std::process::Command;

/// (command arguments, the block's lines) of every pasted output with its command.
fn pasted() -> Vec<(Vec<String>, Vec<String>)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        if lines[at] != "```text" {
            at += 1;
            continue;
        }
        let end = (at + 1..lines.len())
            .find(|&end| lines[end] == "```")
            .expect("a closed block");
        // The command is in the prose just above the block.
        let command = lines[at.saturating_sub(8)..at]
            .iter()
            .rev()
            .find_map(|line| {
                let start = line.find("`cargo run --release -- ")?;
                let rest = &line[start + "`cargo run --release -- ".len()..];
                Some(rest[..rest.find('`')?].to_owned())
            });
        if let Some(command) = command {
            let block = lines[at + 1..end]
                .iter()
                .map(|line| (*line).to_owned())
                .collect();
            found.push((
                command.split_whitespace().map(str::to_owned).collect(),
                block,
            ));
        }
        at = end + 1;
    }
    found
}

/// `in 0.03s` → `in …s`: the only thing that differs between two runs.
fn timeless(line: &str) -> String {
    let mut line = line.trim_end().to_owned();
    if let Some(at) = line.rfind(" in ") {
        let tail = &line[at + 4..];
        if tail.ends_with("s.") && tail[..tail.len() - 2].parse::<f64>().is_ok() {
            line.replace_range(at + 4.., "…s.");
        }
    }
    line
}

#[test]
fn every_pasted_output_is_what_the_command_prints() {
    let blocks = pasted();
    assert!(
        blocks.len() >= 4,
        "the README's pasted outputs: {}",
        blocks.len()
    );
    for (args, block) in blocks {
        let output = Command::new(env!("CARGO_BIN_EXE_lessons"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .env("COLUMNS", "100")
            .env("NO_COLOR", "1")
            .output()
            .expect("lessons runs");
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        let printed: Vec<String> = printed.lines().map(timeless).collect();
        let mut from = 0;
        for line in block.iter().map(|line| timeless(line)) {
            if line == "..." || line.is_empty() {
                continue;
            }
            match printed[from..].iter().position(|known| *known == line) {
                Some(offset) => from += offset + 1,
                None => panic!(
                    "`lessons {}`: the README shows a line the command does not print (or not \
                     in this order):\n{line}\n\nIt prints:\n{}",
                    args.join(" "),
                    printed.join("\n")
                ),
            }
        }
    }
}
