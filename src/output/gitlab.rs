//! `--format gitlab`: GitLab Code Quality (a JSON array of issues with `description`,
//! `check_name`, `fingerprint`, `severity` and `location.path` / `location.lines.begin`).
//! The fingerprint is keyed like a baseline (rule, file, document id, path — not the line),
//! so an issue keeps its identity when lines move and merge requests show only new ones.

use serde::Serialize;

use super::Results;
use crate::finding::{display_path, Finding, Severity};

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// FNV-1a, 64 bits: stable across runs, platforms and versions (unlike `std`'s hasher).
fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(seed, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// 32 hex digits from the finding's identity; `occurrence` tells apart two findings with
/// the same identity (the same rule on the same path of one document).
pub fn fingerprint(finding: &Finding, occurrence: usize) -> String {
    let identity = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{occurrence}",
        finding.rule,
        display_path(&finding.file),
        finding.doc_id.as_deref().unwrap_or(""),
        finding.path
    );
    format!(
        "{:016x}{:016x}",
        fnv1a(identity.as_bytes(), 0xcbf2_9ce4_8422_2325),
        fnv1a(identity.as_bytes(), 0x6c62_272e_07bb_0142)
    )
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(results: &Results<'_>) -> String {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let issues: Vec<Issue> = results
        .findings
        .iter()
        .filter(|finding| !finding.is_suppressed())
        .map(|finding| {
            let base = fingerprint(finding, 0);
            let occurrence = seen.entry(base.clone()).or_default();
            let fingerprint = if *occurrence == 0 {
                base
            } else {
                self::fingerprint(finding, *occurrence)
            };
            *occurrence += 1;
            Issue {
                kind: "issue",
                description: match &finding.help {
                    Some(help) => format!("{} — {help}", finding.message),
                    None => finding.message.to_string(),
                },
                check_name: format!("{} {}", finding.rule, finding.name),
                fingerprint,
                severity: severity(finding.severity),
                location: Location {
                    // Relative to the repository root, wherever `lessons` ran from.
                    path: display_path(&finding.file),
                    lines: Lines {
                        begin: finding.location.line(),
                        end: finding.location.end_line(),
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}
