//! The root crate's top-level modules import one way: no module imports another that imports it
//! back (directly or around a longer loop). A cycle makes two modules one concept in two files,
//! which is what the split by job (issue 22) undid; this test keeps it undone.

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
                for line in std::fs::read_to_string(file).unwrap().lines() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    for (i, _) in line.match_indices("crate::") {
                        let rest = &line[i + "crate::".len()..];
                        let target: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        // `crmsim::crate::` never occurs; `$crate::` is a macro's own crate.
                        if !line[..i].ends_with('$') && target != *name && names.contains(&target) {
                            used.insert(target);
                        }
                    }
                }
            }
            (name.clone(), used)
        })
        .collect()
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
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.len() > 10, "{graph:?}");
    let loops: Vec<String> = graph
        .keys()
        .filter_map(|m| loop_through(&graph, m))
        .map(|path| path.join(" → "))
        .collect();
    assert!(loops.is_empty(), "import cycles: {loops:#?}");
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
