//! The picture of the workspace at the top of ARCHITECTURE.md is the manifests' truth: each
//! crate's line names exactly its dependencies on other workspace crates (as `cargo metadata`
//! reads them from the manifests), and the lines are in an order where every dependency points
//! down, so the layers run one way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The crates of the picture, in its order, with the dependencies each line names.
fn picture() -> Vec<(String, BTreeSet<String>)> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let block = text
        .split("```")
        .nth(1)
        .expect("ARCHITECTURE.md opens with the workspace's picture in a ``` block");
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (name, deps) = line.split_once('►').map_or((line, ""), |(n, d)| (n, d));
            let name = name.split_whitespace().next().unwrap().to_owned();
            let deps = deps
                .split(',')
                .map(|d| d.trim().trim_end_matches('*').to_owned())
                .filter(|d| !d.is_empty())
                .collect();
            (name, deps)
        })
        .collect()
}

/// The workspace crates and their normal (not dev, not build) dependencies on each other.
fn manifests() -> Graph {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(ROOT)
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let names: BTreeSet<&str> = packages.iter().map(|p| p["name"].as_str().unwrap()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() && names.contains(d["name"].as_str().unwrap()))
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn the_picture_of_the_workspace_is_what_the_manifests_say() {
    let picture = picture();
    let drawn: Graph = picture.iter().cloned().collect();
    assert_eq!(
        drawn,
        manifests(),
        "ARCHITECTURE.md's picture of the crates differs from the manifests: redraw it from `cargo metadata`"
    );
    // Down the list only: a crate's dependencies are all drawn below it.
    for (i, (name, deps)) in picture.iter().enumerate() {
        for d in deps {
            let at = picture.iter().position(|(n, _)| n == d).unwrap();
            assert!(
                at > i,
                "{name} depends on {d}, drawn above it: the layers must run one way"
            );
        }
    }
}

#[test]
fn the_layers_of_the_controller_are_crates_that_depend_one_way() {
    let m = manifests();
    let daemon = &m["pinghu-daemon"];
    assert!(
        !daemon.contains("pinghu-console") && !daemon.contains("pinghu"),
        "the daemon imports a layer above it: {daemon:?}"
    );
    assert!(
        !m["pinghu-console"].contains("pinghu"),
        "the console imports the command line"
    );
    assert!(m["pinghu"].contains("pinghu-console") && m["pinghu-console"].contains("pinghu-daemon"));
}

/// Every source file under `controller/` stays within 500 lines before its tests (issue #29): a
/// concern that grows gets its own file. Tests (a `tests.rs`, a `tests/` folder, the lines from a
/// file's `#[cfg(test)]` on) do not count.
#[test]
fn no_source_file_of_the_controller_is_over_500_lines_before_its_tests() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read a source folder").flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                if !matches!(name, "tests" | "target" | "benches" | "fuzz" | "examples") {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|x| x == "rs") && name != "tests.rs" {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(ROOT).join("controller"), &mut files);
    assert!(files.len() > 50, "the walk found the sources: {}", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).expect("read a source file");
            let lines = text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).count();
            (lines > 500).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}
