//! Configuration values (rule parameters) as Rhai values. Documents are not converted:
//! rules read them through views (`view.rs`).

use rhai::Dynamic;

/// Configuration values (parameters) as Rhai values.
pub fn yaml_to_dynamic(value: &serde_yaml::Value) -> Dynamic {
    use serde_yaml::Value as Yaml;
    match value {
        Yaml::Null => Dynamic::UNIT,
        Yaml::Bool(flag) => Dynamic::from_bool(*flag),
        Yaml::Number(number) => match number.as_i64() {
            Some(int) => Dynamic::from_int(int),
            None => Dynamic::from_float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Yaml::String(text) => Dynamic::from(text.clone()),
        Yaml::Sequence(items) => Dynamic::from_array(items.iter().map(yaml_to_dynamic).collect()),
        Yaml::Mapping(entries) => Dynamic::from_map(
            entries
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        Yaml::String(text) => text.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key.into(), yaml_to_dynamic(value))
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => yaml_to_dynamic(&tagged.value),
    }
}
