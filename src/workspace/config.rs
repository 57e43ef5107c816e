//! `.lessons.yaml`: typed, and strict: an unknown key or a wrong type is an error with its
//! line, never silently ignored.

pub use crate::util::globs::OneOrMany;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::finding::Severity;

/// The name of the configuration file at a repository's root.
pub const CONFIG_FILE: &str = ".lessons.yaml";

/// The default `include:` globs.
pub const DEFAULT_INCLUDE: [&str; 4] = ["**/*.yaml", "**/*.yml", "**/*.json", "**/*.md"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Built-in policy pack: default, nist-800-61, soc2, iso27001, ncsc-small-business, veris.
    pub policy: Option<String>,
    pub include: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Path glob → kind, first match wins (order of the file).
    #[serde(default)]
    pub kinds: KindMapping,
    /// Folders of custom rules, relative to the repository root.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub overrides: Vec<Override>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// Documents of other shapes mapped onto the schema (`formats:`).
    #[serde(default)]
    pub formats: Vec<crate::formats::FormatEntry>,
    /// Bounds of a run beyond their defaults (the README's Security section).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The baseline every `check` reads unless `--baseline` names another (relative to
    /// the root): the pre-commit hook then fails only on new findings of the staged files.
    pub baseline: Option<PathBuf>,
    /// The configurations this one refines (`extends.rs`).
    pub extends: Option<OneOrMany>,
    /// The files the configuration was merged from, base first (one without `extends`).
    #[serde(skip)]
    pub layers: Vec<super::extends::Layer>,
    /// `formats:` compiled, once, when the configuration is read.
    #[serde(skip)]
    pub mappings: std::sync::Arc<crate::formats::Formats>,
}

/// `limits:` — what a file, a rule call and a run may take. Absent keys keep the defaults.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// A larger document is a located `LL000`, not read (default 10 MiB).
    pub max_file_bytes: Option<u64>,
    /// A longer list or mapping is a located `LL000` (default 100,000).
    pub max_items: Option<usize>,
    /// Wall time of one rule call on one document (default 500).
    pub call_milliseconds: Option<u64>,
    /// More wall time per MiB of the document checked (default 1,000).
    pub call_milliseconds_per_mib: Option<u64>,
    /// Rhai operations of one rule call, with the work helpers do for it (default 2,000,000).
    pub call_operations: Option<u64>,
    /// More operations per KiB of the document checked (default 8,192).
    pub call_operations_per_kib: Option<u64>,
    /// Memory one rule call may hold (default 64).
    pub call_memory_mib: Option<u64>,
    /// What one rule call may print and report (default 8,192).
    pub call_output_kib: Option<u64>,
    /// What one rule's `memo` results may hold over a run (default 64).
    pub memo_mib: Option<u64>,
    /// Findings one rule may report over a run (default 500,000), and their text (64).
    pub rule_findings: Option<u64>,
    pub rule_findings_mib: Option<u64>,
    /// Findings all rules may report over a run (default 2,000,000), and their text (256).
    pub run_findings: Option<u64>,
    pub run_findings_mib: Option<u64>,
    /// Wall time of the whole evaluation (default 120); `--deadline` wins over it.
    pub run_seconds: Option<u64>,
    /// Time any rule may take over a run, beside its time per document (default 5).
    pub rule_seconds: Option<u64>,
    /// Time a rule may take over a run per document, beside `rule_seconds` (default 2).
    pub rule_milliseconds_per_document: Option<u64>,
}

/// Settings that apply to the files matching `files` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub files: OneOrMany,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
}

/// A documented exception to a rule: why, who approved it, until when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: String,
    pub file: Option<String>,
    pub path: Option<String>,
    pub doc_id: Option<String>,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    /// Kept as text: an expiry that does not parse is a finding, not a load failure.
    pub expires: Option<String>,
    pub ticket: Option<String>,
}

/// An ordered glob → kind list: YAML mappings keep their order and the first match wins.
#[derive(Debug, Clone, Default)]
pub struct KindMapping(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for KindMapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = KindMapping;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of path globs to kinds")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KindMapping, A::Error> {
                let mut pairs = Vec::new();
                while let Some((glob, kind)) = map.next_entry::<String, String>()? {
                    pairs.push((glob, kind));
                }
                Ok(KindMapping(pairs))
            }
        }
        deserializer.deserialize_map(Ordered)
    }
}

/// A configuration file that cannot be used, with where.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    pub message: String,
    /// Byte offset of the problem, when known.
    pub offset: Option<usize>,
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let config = serde_yaml::from_str::<Config>(text).map_err(|error| ConfigError {
            path: path.to_owned(),
            text: text.to_owned(),
            offset: error.location().map(|location| location.index()),
            message: with_suggestion(strip_position(&error.to_string())),
        })?;
        check_globs(text).map_err(|(offset, message)| ConfigError {
            path: path.to_owned(),
            text: text.to_owned(),
            offset: Some(offset),
            message,
        })?;
        let mut config = config;
        match crate::formats::Formats::compile(&config.formats) {
            Ok(mappings) => config.mappings = std::sync::Arc::new(mappings),
            Err((index, problem)) => {
                return Err(ConfigError {
                    path: path.to_owned(),
                    text: text.to_owned(),
                    offset: Some(locate(text, "formats", index, &problem.at)),
                    message: format!("`formats` entry {}: {}", index + 1, problem.message),
                });
            }
        }
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            super::read::bounded_text(path, super::read::MAX_FILE_BYTES).map_err(|refused| {
                ConfigError {
                    path: path.to_owned(),
                    text: String::new(),
                    message: format!("cannot read the configuration: {refused}"),
                    offset: None,
                }
            })?;
        let own = Config::parse(path, &text)?;
        if own.extends.is_none() {
            let mut own = own;
            own.layers = vec![super::extends::Layer {
                path: path.to_owned(),
                folder: PathBuf::new(),
                text,
            }];
            return Ok(own);
        }
        let layers = super::extends::layers(path, &text)?;
        // Each file holds up alone, so a mistake is found at its line in its file.
        for layer in &layers {
            Config::parse(&layer.path, &layer.text)?;
        }
        let merged = super::extends::merge(&layers);
        let merged_text = serde_yaml::to_string(&merged).unwrap_or_default();
        let mut config = serde_yaml::from_value::<Config>(merged).map_err(|error| ConfigError {
            path: path.to_owned(),
            text: text.clone(),
            offset: None,
            message: format!(
                "the merged configuration: {}",
                strip_position(&error.to_string())
            ),
        })?;
        config.mappings =
            std::sync::Arc::new(crate::formats::Formats::compile(&config.formats).map_err(
                |(index, problem)| ConfigError {
                    path: path.to_owned(),
                    text: merged_text.clone(),
                    offset: Some(locate(&merged_text, "formats", index, &problem.at)),
                    message: format!("`formats` entry {}: {}", index + 1, problem.message),
                },
            )?);
        config.layers = layers;
        Ok(config)
    }
}

/// Every glob of the configuration compiles, or the first that does not is an error at its
/// place: a glob that does not parse must never quietly match everything (a waiver) or
/// nothing (an exclude).
fn check_globs(text: &str) -> Result<(), (usize, String)> {
    use crate::document::{Node, Value};
    let stream = crate::document::yaml::parse(text, 0);
    let Some(root) = stream.documents.first() else {
        return Ok(());
    };
    let check = |node: &Node, what: &str| -> Result<(), (usize, String)> {
        let Some(pattern) = node.as_str() else {
            return Ok(());
        };
        super::discover::compile(pattern)
            .map(|_| ())
            .map_err(|bad| {
                (
                    node.span().start,
                    format!("{what} `{pattern}` is not a glob: {}", bad.message),
                )
            })
    };
    let each = |node: Option<&Node>, what: &str| -> Result<(), (usize, String)> {
        match node.map(|node| &node.value) {
            Some(Value::Seq(items)) => items.iter().try_for_each(|item| check(item, what)),
            Some(_) => node.map_or(Ok(()), |node| check(node, what)),
            None => Ok(()),
        }
    };
    each(root.get("include"), "the `include` glob")?;
    each(root.get("exclude"), "the `exclude` glob")?;
    if let Some(Value::Map(entries)) = root.get("kinds").map(|node| &node.value) {
        for entry in entries.iter() {
            super::discover::compile(&entry.key).map_err(|bad| {
                (
                    entry.key_span().start,
                    format!(
                        "the `kinds` glob `{}` is not a glob: {}",
                        entry.key, bad.message
                    ),
                )
            })?;
        }
    }
    for (list, field, what) in [
        ("formats", "files", "the `files` glob of a format"),
        ("overrides", "files", "the `files` glob of an override"),
        ("waivers", "file", "the `file` glob of a waiver"),
    ] {
        if let Some(Value::Seq(items)) = root.get(list).map(|node| &node.value) {
            for item in items.iter() {
                each(item.get(field), what)?;
            }
        }
    }
    Ok(())
}

/// The offset of `list[index]`, then of the keys `at` below it, as deep as they exist.
fn locate(text: &str, list: &str, index: usize, at: &[String]) -> usize {
    use crate::document::Value;
    let stream = crate::document::yaml::parse(text, 0);
    let Some(root) = stream.documents.first() else {
        return 0;
    };
    let Some(Value::Seq(items)) = root.get(list).map(|node| &node.value) else {
        return 0;
    };
    let Some(mut node) = items.get(index) else {
        return 0;
    };
    let mut offset = node.span().start;
    for key in at {
        match node.entry(key) {
            Some(entry) => {
                offset = entry.key_span().start;
                node = &entry.value;
            }
            None => break,
        }
    }
    offset
}

/// The offset of `word` — a key or a scalar — anywhere under the configuration's top-level
/// `key`: `LL09` in `disable: [LL09]`, `intervl_days` under `params: {LL015: …}`.
pub fn locate_word(text: &str, key: &str, word: &str) -> Option<usize> {
    use crate::document::{Node, Value};
    fn find(node: &Node, word: &str) -> Option<usize> {
        match &node.value {
            Value::Map(entries) => entries.iter().find_map(|entry| {
                if *entry.key == *word {
                    Some(entry.key_span().start)
                } else {
                    find(&entry.value, word)
                }
            }),
            Value::Seq(items) => items.iter().find_map(|item| find(item, word)),
            _ => (node.scalar_text().as_deref() == Some(word)).then(|| node.span().start),
        }
    }
    let stream = crate::document::yaml::parse(text, 0);
    let root = stream.documents.first()?;
    let entry = root.entry(key)?;
    find(&entry.value, word).or(Some(entry.key_span().start))
}

/// The offset of every key and scalar under the configuration's top-level `key`, the
/// first of each text: [`locate_word`] for many words at once.
pub fn word_offsets(text: &str, key: &str) -> std::collections::HashMap<String, usize> {
    use crate::document::{Node, Value};
    fn walk(node: &Node, found: &mut std::collections::HashMap<String, usize>) {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries.iter() {
                    found
                        .entry(entry.key.to_string())
                        .or_insert(entry.key_span().start);
                    walk(&entry.value, found);
                }
            }
            Value::Seq(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {
                if let Some(text) = node.scalar_text() {
                    found.entry(text).or_insert(node.span().start);
                }
            }
        }
    }
    let mut found = std::collections::HashMap::new();
    let stream = crate::document::yaml::parse(text, 0);
    if let Some(entry) = stream.documents.first().and_then(|root| root.entry(key)) {
        walk(&entry.value, &mut found);
    }
    found
}

/// serde's "unknown field `disabled`, expected one of `policy`, …", with the one meant.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_owned();
    };
    let Some((wrong, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::document::schema::nearest(wrong, &known) {
        Some(meant) => format!("{message}; did you mean `{meant}`?"),
        None => message.to_owned(),
    }
}

/// serde_yaml ends messages with " at line L column C"; the diagnostic shows the frame.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new(".lessons.yaml"), text)
    }

    #[test]
    fn the_spec_example_parses() {
        let config = parse(
            "policy: default\ninclude: [\"**/*.yaml\"]\nexclude: [\"drafts/**\"]\n\
             kinds: { \"incidents/**\": incident, \"runbooks/**\": runbook }\nrules: [\"rules/\"]\n\
             params: { LL015: { interval_days: 30 } }\nseverity: { LL022: warning }\ndisable: [LL020]\n\
             overrides:\n  - files: \"incidents/2019/**\"\n    disable: [LL005]\n\
             waivers:\n  - rule: LL015\n    file: access/legacy-erp.yaml\n    reason: ERP is decommissioned in March\n\
             \x20   approved_by: ciso\n    expires: 2027-03-31\n",
        )
        .expect("valid config");
        assert_eq!(
            config.kinds.0[0],
            ("incidents/**".into(), "incident".into())
        );
        assert_eq!(config.kinds.0[1].1, "runbook");
        assert_eq!(config.severity.get("LL022"), Some(&Severity::Warning));
        assert_eq!(config.waivers[0].expires.as_deref(), Some("2027-03-31"));
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_errors_with_a_position() {
        let error = parse("policy: default\ndisabled: [LL020]\n").expect_err("unknown key");
        assert!(
            error.message.contains("unknown field `disabled`"),
            "{}",
            error.message
        );
        assert_eq!(error.offset, Some(16));

        let error = parse("severity: { LL022: loud }\n").expect_err("bad severity");
        assert!(error.message.contains("loud"), "{}", error.message);
    }

    #[test]
    fn a_glob_that_does_not_parse_is_an_error_at_its_place() {
        for (text, glob, what) in [
            (
                "include: [\"**/*.yaml\", \"a/[.yaml\"]\n",
                "\"a/[",
                "`include`",
            ),
            ("exclude:\n  - \"b/{x\"\n", "\"b/{", "`exclude`"),
            ("kinds:\n  \"inc/[z\": incident\n", "\"inc/[", "`kinds`"),
            (
                "overrides:\n  - files: \"c/[\"\n    disable: [LL005]\n",
                "\"c/[",
                "override",
            ),
            (
                "waivers:\n  - rule: LL015\n    file: \"acc/[x\"\n    reason: r\n",
                "\"acc/[",
                "waiver",
            ),
        ] {
            let at = text.find(glob).expect("the glob is in the text");
            let error = parse(text).expect_err(text);
            assert_eq!(error.offset, Some(at), "{text}: {}", error.message);
            assert!(error.message.contains(what), "{}", error.message);
            assert!(error.message.contains("is not a glob"), "{}", error.message);
        }
    }
}
