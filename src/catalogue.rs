//! The rules a repository has, with the settings its policy pack and configuration give
//! them: what `lessons rules` lists and `lessons explain` describes.

use rhai::Map;

use crate::check::{repository, rule_folders_and_pack, Error, Options};
use crate::finding::Severity;
use crate::policy::{Pack, Plan, PACKS};
use crate::rules::{engine::Limits, Rule, RuleError, RuleSet};
use crate::workspace::Config;

/// One rule and how this repository runs it.
#[derive(Debug)]
pub struct Entry {
    pub rule: Rule,
    pub enabled: bool,
    pub severity: Severity,
    /// Parameters as the pack and configuration set them (defaults otherwise).
    pub params: Map,
}

#[derive(Debug)]
pub struct Catalogue {
    /// The policy pack in force.
    pub pack: String,
    pub entries: Vec<Entry>,
    /// Rules that did not load.
    pub errors: Vec<RuleError>,
}

impl Catalogue {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|entry| entry.rule.id.eq_ignore_ascii_case(id))
    }
}

/// Loads the rules of the repository `options` points at (its config's rule folders and
/// `--rules`), and applies its pack and configuration.
pub fn catalogue(options: &Options) -> Result<Catalogue, Error> {
    let (root, config_path) = repository(options)?;
    let config = match &config_path {
        Some(path) => Config::load(path).map_err(Error::Config)?,
        None => Config::default(),
    };
    let (folders, pack) = rule_folders_and_pack(options, &root, &config)?;
    let rules = RuleSet::load(&folders, &Limits::default());
    let plan = Plan::new(&rules.rules, &pack, &config, &[], &[]).map_err(|e| Error::Usage(e.0))?;
    let entries = rules
        .rules
        .iter()
        .zip(plan.base())
        .map(|(rule, setting)| Entry {
            rule: rule.clone(),
            enabled: setting.enabled,
            severity: setting.severity,
            params: (*setting.params).clone(),
        })
        .collect();
    Ok(Catalogue {
        pack: pack.name,
        entries,
        errors: rules.errors,
    })
}

/// The built-in packs that turn `rule` on, and the severity each gives it.
pub fn packs_enabling(rule: &Rule) -> Vec<(&'static str, Severity)> {
    PACKS
        .iter()
        .filter_map(|(name, _)| {
            let pack = Pack::builtin(name).ok()?;
            if !pack.enables(rule) {
                return None;
            }
            let severity = pack
                .rules
                .get(&rule.id)
                .and_then(|refinement| refinement.severity)
                .unwrap_or(rule.severity);
            Some((*name, severity))
        })
        .collect()
}
