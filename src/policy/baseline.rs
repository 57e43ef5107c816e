//! Baselines: today's findings recorded so that only new ones fail. An entry is keyed by
//! rule, file, document id and path — never the line — so editing other lines of a file
//! keeps it valid; counts make it a multiset (two findings of one rule on one path need two
//! entries). Written atomically by the caller.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::{display_path, Finding, Suppression};

/// One recorded finding, and how many times it occurred.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<String>,
    #[serde(default)]
    pub path: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: usize,
    /// The message when it was recorded: for a reader of the file, not for matching.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

fn one() -> usize {
    1
}

fn is_one(count: &usize) -> bool {
    *count == 1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

type Key = (String, String, Option<String>, String);

fn key(finding: &Finding) -> Key {
    (
        finding.rule.to_string(),
        display_path(&finding.file),
        finding.doc_id.as_deref().map(str::to_owned),
        finding.path.to_string(),
    )
}

impl Baseline {
    /// The findings not waived, as a baseline: those an earlier baseline suppressed too,
    /// for they still occur.
    pub fn record(findings: &[Finding]) -> Baseline {
        let mut entries: BTreeMap<Key, Entry> = BTreeMap::new();
        let waived = |finding: &Finding| {
            finding
                .suppression
                .as_ref()
                .is_some_and(Suppression::is_waiver)
        };
        for finding in findings.iter().filter(|finding| !waived(finding)) {
            let (rule, file, doc_id, path) = key(finding);
            entries
                .entry((rule.clone(), file.clone(), doc_id.clone(), path.clone()))
                .and_modify(|entry| entry.count += 1)
                .or_insert(Entry {
                    rule,
                    file,
                    doc_id,
                    path,
                    count: 1,
                    message: finding.message.to_string(),
                });
        }
        Baseline {
            version: 1,
            findings: entries.into_values().collect(),
        }
    }

    /// Adds the entries of `previous` that `keep` accepts (those a partial run did not
    /// check), merged with what is recorded already.
    pub fn keep(&mut self, previous: Baseline, keep: impl Fn(&Entry) -> bool) {
        self.findings
            .extend(previous.findings.into_iter().filter(|entry| keep(entry)));
        self.findings.sort();
        self.findings.dedup_by(|later, earlier| {
            let same = (&later.rule, &later.file, &later.doc_id, &later.path)
                == (&earlier.rule, &earlier.file, &earlier.doc_id, &earlier.path);
            if same {
                earlier.count = earlier.count.saturating_add(later.count);
            }
            same
        });
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text =
            crate::workspace::read::bounded_text(path, crate::workspace::read::MAX_FILE_BYTES)
                .map_err(|error| format!("cannot read the baseline {}: {error}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|error| format!("the baseline {} is not valid: {error}", path.display()))?;
        if baseline.version != 1 {
            return Err(format!(
                "the baseline {} has version {}; this lessons reads version 1",
                path.display(),
                baseline.version
            ));
        }
        // Counts are summed per finding when the baseline is applied: a total past what a
        // counter holds is a hand-edited file, refused rather than wrapped.
        if baseline
            .findings
            .iter()
            .try_fold(0u64, |total, entry| total.checked_add(entry.count as u64))
            .is_none()
        {
            return Err(format!(
                "the baseline {} is not valid: its counts add up past {}",
                path.display(),
                u64::MAX
            ));
        }
        Ok(baseline)
    }

    /// Marks the findings the baseline holds as suppressed and returns the entries (with
    /// the count left over) that no finding matched any more: the debt that was paid.
    pub fn apply(&self, findings: &mut [Finding]) -> Vec<Entry> {
        let mut remaining: BTreeMap<Key, (usize, &Entry)> = BTreeMap::new();
        for entry in &self.findings {
            let key = (
                entry.rule.clone(),
                entry.file.clone(),
                entry.doc_id.clone(),
                entry.path.clone(),
            );
            let slot = remaining.entry(key).or_insert((0, entry));
            slot.0 = slot.0.saturating_add(entry.count);
        }
        for finding in findings.iter_mut().filter(|f| !f.is_suppressed()) {
            if let Some((count, _)) = remaining.get_mut(&key(finding)) {
                if *count > 0 {
                    *count -= 1;
                    finding.suppression = Some(Suppression::Baseline);
                }
            }
        }
        remaining
            .into_values()
            .filter(|(count, _)| *count > 0)
            .map(|(count, entry)| Entry {
                count,
                ..entry.clone()
            })
            .collect()
    }
}
