//! Each crate of the harness imports its top-level modules one way: no module imports another
//! that imports it back (directly or around a longer loop). A cycle makes two modules one
//! concept in two files, which is what the split by job (issue 22) undid; this test keeps it
//! undone. Between crates, cargo itself refuses a cycle.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules each one names as `crate::<module>` outside comments.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        if path.is_dir() {
            sources(&path, &mut files);
        } else {
            files.push(path);
        }
        modules.insert(name, files);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, files)| {
            let mut used = BTreeSet::new();
            for file in files {
                let text: String = std::fs::read_to_string(file)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for target in named_modules(&text) {
                    if target != *name && names.contains(&target) {
                        used.insert(target);
                    }
                }
            }
            (name.clone(), used)
        })
        .collect()
}

/// The first path segment after each `crate::`, and each item's first segment in a
/// `crate::{a, b::c}` group (over several lines too, as rustfmt writes long ones). A macro's
/// `$crate::` names the macro's crate, not a module.
fn named_modules(text: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        if text[..i].ends_with('$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                out.extend(group.split(',').map(ident).filter(|m| !m.is_empty()));
            }
            None => out.push(ident(rest)),
        }
    }
    out
}

/// A loop through `from`, if any: the path back to it.
fn loop_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut found = path.clone();
                found.push(from.to_owned());
                return Some(found);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_top_level_module_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut modules = 0;
    for krate in ["harness", "launch", "capacity", "scenario", "plan"] {
        let graph = imports(&root.join(krate).join("src"));
        modules += graph.len();
        let loops: Vec<String> = graph
            .keys()
            .filter_map(|m| loop_through(&graph, m))
            .map(|path| path.join(" → "))
            .collect();
        assert!(loops.is_empty(), "import cycles in {krate}: {loops:#?}");
    }
    assert!(modules > 20, "{modules} modules read");
}

#[test]
fn grouped_and_macro_paths_are_read_as_rust_reads_them() {
    let text = "use crate::{\n    report::Report,\n    runner,\n};\nlet x = crate::outcome::Due;\n$crate::cli::main()";
    assert_eq!(named_modules(text), ["report", "runner", "outcome"]);
}

#[test]
fn the_checker_finds_a_loop() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("report", vec!["outcome", "runner"]),
        ("runner", vec!["outcome", "report"]),
        ("outcome", vec![]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_owned(), to.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        loop_through(&graph, "report").unwrap(),
        ["report", "runner", "report"]
    );
    assert!(loop_through(&graph, "outcome").is_none());
}
