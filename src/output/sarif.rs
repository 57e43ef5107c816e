//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards, written with plain serde
//! structs and only the fields we fill; valid against the official schema (tested).
//! Rules carry their summary, help and documentation; results their region (1-based);
//! waived findings stay in, with a `suppressions` entry.

use serde::Serialize;

use crate::finding::{display_path, Severity};
use crate::output::gitlab::fingerprint;
use crate::Outcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "lessons/v1")]
    lessons: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

/// The file relative to where `lessons` ran, as code scanning resolves it from the
/// checkout's root.
#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference: `/`-separated, spaces and `%` escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The waiver's reason, approver, expiry and ticket in one line.
fn justification(suppression: &crate::finding::Suppression) -> String {
    let mut text = suppression
        .reason
        .clone()
        .unwrap_or_else(|| suppression.kind.to_owned());
    if let Some(approver) = &suppression.approved_by {
        text.push_str(&format!("; approved by {approver}"));
    }
    if let Some(expires) = &suppression.expires {
        text.push_str(&format!("; expires {expires}"));
    }
    if let Some(ticket) = &suppression.ticket {
        text.push_str(&format!("; ticket {ticket}"));
    }
    text
}

/// The first paragraph of *What it does*, on one line: what a dashboard shows beside the
/// rule; the whole documentation goes in `help`.
fn first_paragraph(documentation: &str) -> Option<String> {
    let body = documentation
        .split("## What it does")
        .nth(1)
        .unwrap_or(documentation);
    let paragraph = body.trim_start().split("\n\n").next()?;
    let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

pub fn render(outcome: &Outcome) -> String {
    let rules: Vec<ReportingDescriptor> = outcome
        .rules
        .iter()
        .map(|rule| ReportingDescriptor {
            id: &rule.id,
            name: &rule.name,
            short_description: Text {
                text: if rule.summary.is_empty() {
                    rule.name.clone()
                } else {
                    rule.summary.clone()
                },
            },
            full_description: first_paragraph(&rule.documentation).map(|text| Text { text }),
            help: (!rule.documentation.is_empty()).then(|| Help {
                text: rule.documentation.clone(),
                markdown: rule.documentation.clone(),
            }),
            default_configuration: Configuration {
                level: level(rule.severity),
            },
        })
        .collect();
    let results = outcome
        .findings
        .iter()
        .map(|finding| {
            let rule_index = outcome
                .rules
                .iter()
                .position(|rule| rule.id == finding.rule)
                .unwrap_or(0);
            let mut text = finding.message.clone();
            if let Some(help) = &finding.help {
                text.push_str(&format!(" ({help})"));
            }
            let location = &finding.location;
            SarifResult {
                rule_id: &finding.rule,
                rule_index,
                level: level(finding.severity),
                message: Text { text },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri(&display_path(&outcome.root.join(&finding.file))),
                        },
                        region: Region {
                            start_line: location.line.max(1),
                            start_column: location.column.max(1),
                            end_line: location.end_line.max(location.line).max(1),
                            end_column: location.end_column.max(1),
                        },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    lessons: fingerprint(finding, 0),
                },
                suppressions: match (&finding.suppression, finding.suppressed) {
                    (Some(suppression), _) => vec![Suppression {
                        kind: if suppression.kind == "waiver" {
                            "external"
                        } else {
                            "inSource"
                        },
                        justification: justification(suppression),
                    }],
                    (None, true) => vec![Suppression {
                        kind: "external",
                        justification: "suppressed".into(),
                    }],
                    (None, false) => Vec::new(),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "lessons",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
