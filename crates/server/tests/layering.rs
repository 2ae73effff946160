//! The server crate's modules are layered: each uses only modules below it.
//! ARCHITECTURE.md states the layers ("Server module layers"); this test reads
//! them from there and checks every `crate::` path in the sources, so the
//! document and the code cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Module name → layer number, from the numbered list in ARCHITECTURE.md.
fn layers() -> BTreeMap<String, usize> {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md"),
    )
    .expect("ARCHITECTURE.md");
    let start = doc
        .find("Server module layers")
        .expect("ARCHITECTURE.md has a 'Server module layers' list");
    let mut layers = BTreeMap::new();
    for line in doc[start..].lines().skip(1) {
        let line = line.trim();
        if line.is_empty() && !layers.is_empty() {
            break;
        }
        let Some((number, modules)) = line.split_once(". ") else {
            continue;
        };
        let Ok(layer) = number.parse::<usize>() else {
            continue;
        };
        // "`a`, `b`: what they do" — the names are the backquoted words before the colon.
        let names = modules.split(':').next().unwrap_or("");
        for name in names.split(',') {
            let name = name.trim().trim_matches('`');
            if !name.is_empty() {
                layers.insert(name.to_owned(), layer);
            }
        }
    }
    assert!(!layers.is_empty(), "no layers found in ARCHITECTURE.md");
    layers
}

/// The module a source file belongs to (`cmd/*.rs` are all `cmd`).
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

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

/// The crate modules a file's code (not its comments) refers to.
fn uses(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or("");
                found.extend(
                    inside
                        .split(',')
                        .map(|p| p.trim().split("::").next().unwrap_or("").to_owned()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let layers = layers();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let module = module_of(&file, &src);
        if module == "lib" || module == "bin" {
            continue;
        }
        let Some(&own) = layers.get(&module) else {
            problems.push(format!(
                "module `{module}` is not in ARCHITECTURE.md's layers"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for used in uses(&text) {
            if used == module {
                continue;
            }
            match layers.get(&used) {
                Some(&layer) if layer < own => {}
                Some(&layer) => problems.push(format!(
                    "{}: `{module}` (layer {own}) uses `{used}` (layer {layer})",
                    file.display()
                )),
                None => problems.push(format!(
                    "{}: uses `{used}`, which is not in ARCHITECTURE.md's layers",
                    file.display()
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
