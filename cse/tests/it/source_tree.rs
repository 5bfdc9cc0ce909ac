//! The server's sources (`cse/src`) as the structure tests read them: one walker, so
//! every rule about imports, names and routes sees the same files.

use std::path::{Path, PathBuf};

/// `cse/src`.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `cse/src`, relative to it with `/` separators, sorted.
pub fn files() -> Vec<String> {
    let root = root();
    let mut found = Vec::new();
    walk(&root, &root, &mut found);
    found.sort();
    found
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("cse/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            walk(root, &path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under cse/src");
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(parts.join("/"));
        }
    }
}

/// The text of `relative` (a path [`files`] returned).
pub fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).expect("a readable source file")
}

/// The code of a source without its comment lines (docs may name what code may not).
pub fn code(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}
