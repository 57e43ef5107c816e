//! `when:` in a rule's `RULE` map: what a document's fields must be for the rule to be
//! called on it at all. Most rules judge a few documents of their kind — closed incidents,
//! phishing incidents, those with a review — and return at once on the others; on many small
//! records those calls are most of the cost. The conditions are checked natively, on the
//! same view of the document the rule would see, before a call is made:
//!
//! ```rhai
//! when: #{ status: ["resolved", "closed"], category: "$categories", review: true },
//! ```
//!
//! - a text, or a list of texts: the field is one of them (as `==` and `in` compare);
//! - `"$name"`: the field is one of the values of the rule's parameter `name` (a text or a
//!   list), as the document's configuration sets it;
//! - `true`: the field is there and not blank (as `blank()` says); `false`: it is not.
//!
//! Every condition must hold. A document the conditions turn away costs no call: a rule's
//! `check` still tests what it relies on, and `when:` says which documents are worth asking.

use rhai::{Dynamic, ImmutableString, Map};

use super::view::MapView;

/// The conditions of a rule's `when:`, field by field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct When(Vec<(String, Condition)>);

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// The field is one of these texts.
    OneOf(Vec<String>),
    /// The field is one of the values of this parameter.
    Param(String),
    /// The field is there and not blank (`true`), or not (`false`).
    Present(bool),
}

impl When {
    /// `RULE.when`; what is wrong with it, said as the rule's load error.
    pub fn parse(value: &Dynamic, params: &Map) -> Result<When, String> {
        const SHAPE: &str = "RULE.when must be a map of fields to a text, a list of texts, \
                             \"$parameter\", true or false";
        let map = value.clone().try_cast::<Map>().ok_or(SHAPE)?;
        let mut conditions = Vec::new();
        for (field, wanted) in map {
            let condition = if let Some(present) = wanted.clone().try_cast::<bool>() {
                Condition::Present(present)
            } else if let Ok(text) = wanted.clone().into_string() {
                match text.strip_prefix('$') {
                    Some(name) if params.contains_key(name) => Condition::Param(name.to_owned()),
                    Some(name) => {
                        return Err(format!(
                            "RULE.when.{field}: `${name}` names no parameter of the rule"
                        ))
                    }
                    None => Condition::OneOf(vec![text]),
                }
            } else if let Ok(texts) = wanted.into_typed_array::<ImmutableString>() {
                Condition::OneOf(texts.iter().map(ToString::to_string).collect())
            } else {
                return Err(format!("{SHAPE} (`{field}` is not)"));
            };
            conditions.push((field.to_string(), condition));
        }
        conditions.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(When(conditions))
    }

    /// The conditions as `lessons explain` says them; `None` when there are none.
    pub fn describe(&self) -> Option<String> {
        let said: Vec<String> = self
            .0
            .iter()
            .map(|(field, condition)| match condition {
                Condition::OneOf(texts) if texts.len() == 1 => format!("`{field}` is {}", texts[0]),
                Condition::OneOf(texts) => format!("`{field}` is one of {}", texts.join(", ")),
                Condition::Param(name) => {
                    format!("`{field}` is one of the values of parameter `{name}`")
                }
                Condition::Present(true) => format!("`{field}` is there and not blank"),
                Condition::Present(false) => format!("`{field}` is missing or blank"),
            })
            .collect();
        (!said.is_empty()).then(|| said.join("; "))
    }

    /// Whether the rule is to be called on the document whose view is `document`, under
    /// the parameters `params` and the pack's `placeholders`.
    pub fn admits(&self, document: &Dynamic, params: &Map, placeholders: &[String]) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let Some(view) = document.read_lock::<MapView>() else {
            return true; // not a document view: the rule decides
        };
        self.0.iter().all(|(field, condition)| {
            let value = view.get(field);
            match condition {
                Condition::Present(wanted) => {
                    let present = value
                        .as_ref()
                        .is_some_and(|value| !super::engine::is_blank_with(value, placeholders));
                    present == *wanted
                }
                Condition::OneOf(texts) => value.as_ref().is_some_and(|value| {
                    value
                        .read_lock::<ImmutableString>()
                        .is_some_and(|text| texts.iter().any(|wanted| wanted == text.as_str()))
                }),
                Condition::Param(name) => {
                    let Some(value) = value else { return false };
                    // Rules read their parameters' lists frozen (see `evaluate`).
                    match params.get(name.as_str()) {
                        Some(allowed) => {
                            if let Some(items) = allowed.read_lock::<super::view::ListView>() {
                                items.clone().into_iter().any(|item| same(&item, &value))
                            } else if let Some(items) = allowed.read_lock::<rhai::Array>() {
                                items.iter().any(|item| same(item, &value))
                            } else {
                                same(allowed, &value)
                            }
                        }
                        None => false,
                    }
                }
            }
        })
    }
}

/// `a == b` as Rhai compares a field with a parameter's value: texts by text, whole
/// numbers by number; values of other types are never equal here.
fn same(a: &Dynamic, b: &Dynamic) -> bool {
    if let (Some(a), Some(b)) = (
        a.read_lock::<ImmutableString>(),
        b.read_lock::<ImmutableString>(),
    ) {
        return *a == *b;
    }
    match (a.as_int(), b.as_int()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
