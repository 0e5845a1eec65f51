//! Keeps the runtime's modules in one-way layers (see the crate docs of `src/lib.rs`): a module may
//! name modules of its own layer or of a layer below, never one above, and no two top-level
//! modules may name each other, directly or through others.
//!
//! It reads `src/` as text: every `crate::<module>` outside comments and `#[cfg(test)]` items
//! (tests may reach anywhere) counts as a dependency of the top-level module the file belongs to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer's top-level modules, lowest first. Within a layer, the order is the import order:
/// a module may name only those before it (and any module of a lower layer).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "contract",
        &[
            "limits", "payload", "error", "raw", "attempt", "meter", "context", "activity",
            "registry",
        ],
    ),
    (
        "transport",
        &[
            "blocking",
            "process",
            "storage",
            "codec",
            "connection",
            "codec_server",
        ],
    ),
    ("client", &["client"]),
    ("worker", &["worker", "testing"]),
];

#[test]
fn modules_import_only_downwards_and_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&dependencies(&src));
    assert!(
        problems.is_empty(),
        "the runtime's layers are broken:\n{}",
        problems.join("\n")
    );
}

/// A module that names a module above it, and a cycle, are both reported; so is a module the
/// check does not know (add it to `LAYERS`).
#[test]
fn the_check_reports_an_upward_import_and_a_cycle() {
    let mut deps = Deps::new();
    deps.entry("payload".into())
        .or_default()
        .insert(("worker".into(), "src/payload.rs:3".into()));
    deps.entry("worker".into())
        .or_default()
        .insert(("payload".into(), "src/worker/mod.rs:9".into()));
    deps.entry("gadget".into()).or_default();
    let problems = check(&deps);
    assert!(
        problems.iter().any(|p| p.contains(
            "src/payload.rs:3: `payload` (contract) names `worker` (worker), a layer above it"
        )),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("cycle between top-level modules: payload → worker → payload")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`gadget`")),
        "{problems:#?}"
    );
}

/// Per top-level module: the modules it names, each with the first place it does.
type Deps = BTreeMap<String, BTreeSet<(String, String)>>;

fn check(deps: &Deps) -> Vec<String> {
    let rank = |module: &str| {
        LAYERS
            .iter()
            .enumerate()
            .find_map(|(layer, (name, modules))| {
                let position = modules.iter().position(|m| *m == module)?;
                Some((layer, *name, position))
            })
    };
    let mut problems = Vec::new();
    for (module, named) in deps {
        let Some((layer, layer_name, position)) = rank(module) else {
            problems.push(format!(
                "`{module}` is in no layer: add it to LAYERS in tests/integration/layers.rs and to the crate docs"
            ));
            continue;
        };
        for (other, place) in named {
            if other == module {
                continue;
            }
            let Some((other_layer, other_name, other_position)) = rank(other) else {
                problems.push(format!(
                    "{place}: `{module}` names `{other}`, which is in no layer (a path through \
                     the facade, `crate::Item`, counts as `lib`: name the module instead)"
                ));
                continue;
            };
            if other_layer > layer {
                problems.push(format!(
                    "{place}: `{module}` ({layer_name}) names `{other}` ({other_name}), a layer above it"
                ));
            } else if other_layer == layer && other_position > position {
                problems.push(format!(
                    "{place}: `{module}` names `{other}`, which comes after it in the {layer_name} layer"
                ));
            }
        }
    }
    problems.extend(cycles(deps));
    problems
}

/// Every cycle among top-level modules, once each (depth-first search over the module graph).
fn cycles(deps: &Deps) -> Vec<String> {
    fn visit(
        module: &str,
        deps: &Deps,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut BTreeSet<String>,
    ) {
        if let Some(start) = path.iter().position(|m| m == module) {
            let mut cycle: Vec<&str> = path[start..].iter().map(String::as_str).collect();
            // The same cycle found from another module reads the same: start at its least name.
            let least = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
            cycle.rotate_left(least);
            cycle.push(cycle[0]);
            found.insert(format!(
                "cycle between top-level modules: {}",
                cycle.join(" → ")
            ));
            return;
        }
        if done.contains(module) {
            return;
        }
        path.push(module.to_owned());
        for (other, _) in deps.get(module).into_iter().flatten() {
            if other != module {
                visit(other, deps, path, done, found);
            }
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut found = BTreeSet::new();
    let mut done = BTreeSet::new();
    for module in deps.keys() {
        visit(module, deps, &mut Vec::new(), &mut done, &mut found);
    }
    found.into_iter().collect()
}

/// The dependencies of every top-level module under `src` (`lib.rs`, the facade, is left out).
fn dependencies(src: &Path) -> Deps {
    let mut deps = Deps::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).expect("under src");
        let module = match relative.components().next() {
            Some(first) => first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned(),
            None => continue,
        };
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let named = deps.entry(module).or_default();
        for (other, line_number) in crate_paths(&code(&text)) {
            if !named.iter().any(|(m, _)| *m == other) {
                let place = format!("src/{}:{line_number}", relative.display());
                named.insert((other, place));
            }
        }
    }
    deps
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The code of `text`, line breaks kept: comments blanked out, and nothing from a `#[cfg(test)]`
/// attribute on (test modules stand at the end of a file, as everywhere in this crate).
fn code(text: &str) -> String {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module named after each `crate::` in `code` (the modules of a `use crate::{a, b::c}`
/// group too, over several lines), with the 1-based line it is on. A path through the facade
/// (`crate::Worker`) hides which module it uses, so it counts as the facade, `lib`, which is in no
/// layer and so is reported.
fn crate_paths(code: &str) -> Vec<(String, usize)> {
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` in a `macro_rules!` body is the facade as users see it.
        if code[..at].ends_with('$') {
            continue;
        }
        let after = &code[at + "crate::".len()..];
        let line = line_of(at);
        if let Some(group) = after.strip_prefix('{') {
            // The group's top-level items, up to its matching brace.
            let (mut depth, mut item) = (0usize, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push((head_of(&item), line));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && c != '}' {
                    item.push(c);
                }
            }
            found.push((head_of(&item), line));
        } else {
            found.push((head_of(after), line));
        }
    }
    found.retain(|(name, _)| !name.is_empty());
    found
}

/// `context` of `context::{A, B}`; `lib` for a facade item such as `Worker`.
fn head_of(path: &str) -> String {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_uppercase() => "lib".to_owned(),
        _ => name,
    }
}
