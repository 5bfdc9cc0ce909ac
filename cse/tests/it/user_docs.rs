//! What the user-facing documents (README, docs/) may say.

/// Users read the docs without access to the team's tracker: no "issue 13".
#[test]
fn user_docs_cite_no_internal_work_items() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut files = vec![std::path::PathBuf::from(root).join("README.md")];
    for entry in std::fs::read_dir(std::path::Path::new(root).join("docs")).expect("docs") {
        let path = entry.expect("entry").path();
        // docs/images holds the pictures; only the text documents are read.
        if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let lower = text.to_lowercase();
        let cited = lower.match_indices("issue").any(|(at, _)| {
            let rest = lower[at + "issue".len()..].trim_start_matches(['s', ' ', '#']);
            rest.starts_with(|c: char| c.is_ascii_digit())
        });
        assert!(!cited, "{} cites an internal issue number", file.display());
    }
}
