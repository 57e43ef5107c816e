//! The layers of ARCHITECTURE.md, held: every `crate::…` and `super::…` path in `src/` is
//! read, and a path into a module of a higher layer, or one that closes a cycle between
//! modules of one layer, fails the build's tests with its file and line (rust-analyzer's
//! tidy tests keep its invariants the same way).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Leaf to top: a module may use its own layer's and lower layers' modules, never a higher
/// one's. Every top-level module of `src/` is in exactly one layer.
const LAYERS: &[&[&str]] = &[
    &["util"],
    &["source"],
    &["finding"],
    &["document"],
    &["formats"],
    &["workspace"],
    &["rules"],
    &["policy", "gate"],
    &["output"],
    &["check"],
    &[
        "report",
        "show",
        "catalogue",
        "rule_tests",
        "init",
        "fix",
        "server",
    ],
    &["cli"],
];

/// What `lib.rs` may be: the module list and a few re-exports.
const LIB_LINES: usize = 80;

/// One path from a file into another module: where it is written, and the module it names.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The module path of a file under `src/`: `document/yaml.rs` → `[document, yaml]`,
/// `rules/mod.rs` → `[rules]`, `lib.rs` → `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The line without its `//` comment (a `//` inside a string, as in a URL, is kept).
fn code_of(line: &str) -> &str {
    let mut quotes = 0;
    let bytes = line.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        match byte {
            b'"' if at == 0 || bytes[at - 1] != b'\\' => quotes += 1,
            b'/' if quotes % 2 == 0 && bytes.get(at + 1) == Some(&b'/') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// The names a path continues with after `prefix::`: `x` of `x::y`, or each top-level
/// name of a group `{x::y, z}` (read across lines), with its offset in `rest`.
fn names_after(rest: &str) -> Vec<(String, usize)> {
    let identifier = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![(identifier(rest), 0)];
    };
    let mut names = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expecting = true,
            c if expecting && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                names.push((identifier(&group[at..]), at + 1));
                expecting = false;
            }
            _ => {}
        }
    }
    names
}

/// Every path of `text` (the file at `relative` under `src/`) that leaves its top-level
/// module: `crate::x`, `super::x` from a top-level file, `super::super::x` from one level
/// down. Items of the crate root are resolved through `root_items` (what `lib.rs`
/// re-exports, and from which module); one it does not re-export is named as it is.
fn imports_of(relative: &Path, text: &str, root_items: &BTreeMap<String, String>) -> Vec<Import> {
    let module = module_path(relative);
    let file = relative.display().to_string();
    let from = module.first().cloned().unwrap_or_else(|| "lib".to_owned());
    // Code only, lines kept: a group may span lines, and a finding names its first line.
    let code: Vec<&str> = text.lines().map(code_of).collect();
    let joined = code.join("\n");
    let line_at = |offset: usize| joined[..offset].matches('\n').count() + 1;
    let mut imports = Vec::new();
    let mut push = |offset: usize, names: Vec<(String, usize)>| {
        for (name, within) in names {
            let to = if layer_of(&name).is_some() {
                name
            } else {
                match root_items.get(&name) {
                    Some(module) => module.clone(),
                    None => format!("crate::{name}"),
                }
            };
            if to != from && !to.is_empty() {
                imports.push(Import {
                    file: file.clone(),
                    line: line_at(offset + within),
                    from: from.clone(),
                    to,
                });
            }
        }
    };
    let bytes = joined.as_bytes();
    let word_start =
        |at: usize| at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
    for (at, _) in joined.match_indices("crate::") {
        if word_start(at) {
            push(
                at + "crate::".len(),
                names_after(&joined[at + "crate::".len()..]),
            );
        }
    }
    let inline = inline_modules(&joined);
    let mut at = 0;
    while let Some(found) = joined[at..].find("super::") {
        let start = at + found;
        let mut end = start;
        let mut levels = 0;
        while joined[end..].starts_with("super::") {
            levels += 1;
            end += "super::".len();
        }
        at = end;
        if !word_start(start) {
            continue;
        }
        // A file's own module is its path, and each inline `mod x { … }` around the path
        // one more level; `super` is the one around it.
        if levels >= module.len() + inline_depth(&inline, start) {
            push(end, names_after(&joined[end..]));
        }
    }
    imports
}

/// The byte ranges of the inline modules (`mod tests { … }`) of `code`: braces counted
/// outside string and character literals.
fn inline_modules(code: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = code.as_bytes();
    let mut ranges = Vec::new();
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut in_string = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if in_string {
            match byte {
                b'\\' => at += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'\'' if bytes.get(at + 2) == Some(&b'\'') => at += 2,
                b'{' => {
                    // `mod name {`: the words before the brace.
                    let before = code[..at].trim_end();
                    let words: Vec<&str> = before.rsplitn(3, char::is_whitespace).collect();
                    let is_module = words.len() >= 2 && words[1] == "mod";
                    open.push(is_module.then_some(at));
                }
                b'}' => {
                    if let Some(Some(start)) = open.pop() {
                        ranges.push(start..at);
                    }
                }
                _ => {}
            }
        }
        at += 1;
    }
    ranges
}

/// How many inline modules enclose `offset`.
fn inline_depth(ranges: &[std::ops::Range<usize>], offset: usize) -> usize {
    ranges
        .iter()
        .filter(|range| range.contains(&offset))
        .count()
}

/// What `lib.rs` re-exports, by name: `pub use check::{check, Options}` → `check` → `check`.
fn root_items(lib: &str) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    for statement in lib.split(';') {
        let statement = statement.trim();
        let Some(path) = statement
            .strip_prefix("pub use ")
            .map(|path| path.trim_start_matches("crate::"))
        else {
            continue;
        };
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        for (name, _) in names_after(rest) {
            items.insert(name, module.to_owned());
        }
    }
    items
}

/// What is wrong with the imports: one line per upward import, per path into the crate
/// root that is not a module, per module in no layer, and per cycle between modules.
fn violations(imports: &[Import], modules: &BTreeSet<String>) -> Vec<String> {
    let mut wrong = Vec::new();
    for module in modules {
        if layer_of(module).is_none() {
            wrong.push(format!(
                "src/{module}: the module `{module}` is in no layer of tests/architecture.rs \
                 (and ARCHITECTURE.md): say where it belongs"
            ));
        }
    }
    let mut edges: BTreeMap<(&str, &str), &Import> = BTreeMap::new();
    for import in imports {
        if import.from == "lib" {
            continue; // the module list and its re-exports
        }
        let (Some(from), Some(to)) = (layer_of(&import.from), layer_of(&import.to)) else {
            if layer_of(&import.from).is_some() {
                wrong.push(format!(
                    "src/{}:{}: `{}` is not a module of the crate: import it from the module \
                     that defines it",
                    import.file, import.line, import.to
                ));
            }
            continue;
        };
        if to > from {
            wrong.push(format!(
                "src/{}:{}: `{}` (layer {from}) imports `{}` (layer {to}), a layer above it: \
                 move the type it needs down",
                import.file, import.line, import.from, import.to
            ));
        } else {
            edges.entry((&import.from, &import.to)).or_insert(import);
        }
    }
    // A cycle within one layer: a path back from `to` to `from`.
    for (&(from, to), import) in &edges {
        if layer_of(from) != layer_of(to) {
            continue;
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![to];
        while let Some(module) = stack.pop() {
            if module == from {
                wrong.push(format!(
                    "src/{}:{}: `{from}` imports `{to}`, which leads back to `{from}`: a cycle \
                     between the modules of one layer",
                    import.file, import.line
                ));
                break;
            }
            if seen.insert(module) {
                stack.extend(
                    edges
                        .keys()
                        .filter(|(source, _)| *source == module)
                        .map(|(_, target)| *target),
                );
            }
        }
    }
    wrong
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("src/ is readable")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_it_or_closes_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let items = root_items(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut imports = Vec::new();
    let mut modules = BTreeSet::new();
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src");
        if relative == Path::new("main.rs") {
            continue; // the binary: uses the library as any caller does
        }
        if let Some(module) = module_path(relative).first() {
            modules.insert(module.clone());
        }
        let text = std::fs::read_to_string(path).expect("a source file");
        imports.extend(imports_of(relative, &text, &items));
    }
    let wrong = violations(&imports, &modules);
    assert!(
        wrong.is_empty(),
        "{} imports break the layers of ARCHITECTURE.md:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn lib_rs_is_the_module_list_and_a_few_re_exports() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("lib.rs");
    let lines = lib.lines().count();
    assert!(
        lines <= LIB_LINES,
        "src/lib.rs has {lines} lines, at most {LIB_LINES}"
    );
    for (number, line) in lib.lines().enumerate() {
        let code = code_of(line).trim_start();
        assert!(
            !(code.starts_with("fn ")
                || code.starts_with("pub fn ")
                || code.starts_with("struct ")
                || code.starts_with("pub struct ")
                || code.starts_with("impl ")
                || code.starts_with("enum ")
                || code.starts_with("pub enum ")),
            "src/lib.rs:{}: `{}`: code belongs in its module, not the crate root",
            number + 1,
            line.trim()
        );
    }
}

/// The reader of paths itself, on files written to break each rule once.
#[test]
fn the_checker_finds_each_kind_of_wrong_import() {
    let items = root_items("pub mod check;\npub use check::{check, Options, Outcome};\n");
    let cases: &[(&str, &str)] = &[
        // Upward, in a group spread over lines, after a comment that names a module.
        (
            "document/yaml.rs",
            "// crate::cli is fine in a comment\nuse crate::{\n    finding::Finding,\n    rules::engine,\n};\n",
        ),
        // `super::super` from two levels down names a top-level module.
        ("rules/native/x.rs", "use super::super::super::output::human;\n"),
        // A root item re-exported from `check`, used by a lower layer.
        ("workspace/mod.rs", "fn f(o: &crate::Options) {}\n"),
        // A root item nothing re-exports.
        ("formats/mod.rs", "use crate::helper;\n"),
        // A cycle between the two modules of one layer.
        ("policy/mod.rs", "use crate::gate::CloseScope;\n"),
        ("gate.rs", "use crate::policy::Plan;\n"),
        // Fine: downward, inside its module, a string with `//` before a path.
        (
            "output/sarif.rs",
            "use super::Format; use crate::finding::Finding;\nlet u = \"https://x\"; use crate::rules::RuleInfo;\n",
        ),
        ("cli/mod.rs", "use crate::check;\n"),
        // Inside an inline module, `super::*` is the file's own module.
        (
            "report/mod.rs",
            "fn f() { let s = \"{\"; }\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::output;\n}\n",
        ),
    ];
    let mut imports = Vec::new();
    for (path, text) in cases {
        imports.extend(imports_of(Path::new(path), text, &items));
    }
    let modules: BTreeSet<String> = ["document", "rules", "workspace", "newcomer"]
        .map(str::to_owned)
        .into();
    let wrong = violations(&imports, &modules);
    let expected = [
        "src/newcomer: the module `newcomer` is in no layer",
        "src/document/yaml.rs:4: `document` (layer 3) imports `rules` (layer 6)",
        "src/rules/native/x.rs:1: `rules` (layer 6) imports `output` (layer 8)",
        "src/workspace/mod.rs:1: `workspace` (layer 5) imports `check` (layer 9)",
        "src/formats/mod.rs:1: `crate::helper` is not a module of the crate",
        "src/gate.rs:1: `gate` imports `policy`, which leads back to `gate`",
        "src/policy/mod.rs:1: `policy` imports `gate`, which leads back to `policy`",
    ];
    for line in expected {
        assert!(
            wrong.iter().any(|wrong| wrong.starts_with(line)),
            "expected `{line}…` in:\n{}",
            wrong.join("\n")
        );
    }
    assert_eq!(wrong.len(), expected.len(), "{}", wrong.join("\n"));
}
