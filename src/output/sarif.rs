//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards, written with plain serde
//! structs and only the fields we fill; valid against the official schema (tested), and
//! shaped as GitHub's code scanning reads it.
//!
//! Rules carry their summary, help and documentation; results their region (1-based, in
//! characters: `columnKind: unicodeCodePoints`). Artifact URIs are relative to the
//! repository root under `uriBaseId: %SRCROOT%`, wherever `lessons` ran from. Waived
//! findings stay in with a suppression: `inSource` for an inline waiver, `external` for a
//! configuration waiver or the baseline. The invocation says whether every rule ran; a rule
//! that failed is a notification, so a partial run never looks complete. At most
//! [`MAX_RESULTS`] results (GitHub's limit per run), unsuppressed first, with a notification
//! of how many were left out.

use serde::Serialize;

use super::Results;
use crate::finding::{display_path, Severity};
use crate::output::gitlab::fingerprint;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// The base every artifact URI is relative to: the repository root.
const SRCROOT: &str = "%SRCROOT%";

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
    invocations: Vec<Invocation>,
    original_uri_base_ids: std::collections::BTreeMap<&'static str, BaseUri>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleReference>,
}

#[derive(Serialize)]
struct RuleReference {
    id: String,
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

/// The file relative to the repository root (`uri_base_id` set), or an absolute `file:`
/// URI for a file named outside it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
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

/// A path as a URI reference: `/`-separated, spaces and `%` escaped.
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

/// The location of a finding's file: relative to the root, or absolute outside it.
fn artifact(file: &std::path::Path) -> ArtifactLocation {
    if file.is_absolute() {
        ArtifactLocation {
            uri: format!("file://{}", uri(&display_path(file))),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri(&display_path(file)),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// `file:///abs/root/`: the repository root as an absolute URI ending in `/`.
fn root_uri(root: &std::path::Path) -> String {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut text = uri(&display_path(&crate::util::paths::normalise(&absolute)));
    if !text.starts_with('/') {
        text.insert(0, '/'); // a Windows drive: file:///C:/…
    }
    if !text.ends_with('/') {
        text.push('/');
    }
    format!("file://{text}")
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

pub fn render(run: &Results<'_>) -> String {
    let rules: Vec<ReportingDescriptor> = run
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
    // Unsuppressed first, so a cap never drops a finding that fails the run.
    let mut ordered: Vec<&crate::finding::Finding> = run.findings.iter().collect();
    ordered.sort_by_key(|finding| finding.is_suppressed());
    let left_out = ordered.len().saturating_sub(MAX_RESULTS);
    ordered.truncate(MAX_RESULTS);
    let results = ordered
        .into_iter()
        .map(|finding| {
            let rule_index = run
                .rules
                .iter()
                .position(|rule| *rule.id == *finding.rule)
                .unwrap_or(0);
            let mut text = finding.message.to_string();
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
                        artifact_location: artifact(&finding.file),
                        region: Region {
                            start_line: location.line().max(1),
                            start_column: location.column().max(1),
                            end_line: location.end_line().max(location.line()).max(1),
                            end_column: location.end_column().max(1),
                        },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    lessons: fingerprint(finding, 0),
                },
                suppressions: match &finding.suppression {
                    Some(suppression) => vec![Suppression {
                        kind: match suppression {
                            crate::finding::Suppression::InlineWaiver(_) => "inSource",
                            _ => "external",
                        },
                        justification: suppression.justification(),
                    }],
                    None => Vec::new(),
                },
            }
        })
        .collect();
    let mut notifications: Vec<Notification> = run
        .rule_errors
        .iter()
        .map(|error| Notification {
            level: "error",
            message: Text {
                text: format!(
                    "{}:{}:{}: {}{}{}",
                    error.origin,
                    error.line,
                    error.column,
                    error.message,
                    error
                        .context
                        .as_ref()
                        .map(|context| format!(" ({context})"))
                        .unwrap_or_default(),
                    if error.unchecked > 0 {
                        format!("; stopped, {} documents left unchecked", error.unchecked)
                    } else {
                        String::new()
                    }
                ),
            },
            associated_rule: error.rule.clone().map(|id| RuleReference { id }),
        })
        .collect();
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{left_out} results were left out: a SARIF run holds at most {MAX_RESULTS} \
                     (GitHub's limit); run `lessons check --format json` for all of them"
                ),
            },
            associated_rule: None,
        });
    }
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
            invocations: vec![Invocation {
                execution_successful: run.rule_errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: std::collections::BTreeMap::from([(
                SRCROOT,
                BaseUri {
                    uri: root_uri(run.root),
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
