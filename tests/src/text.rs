//! The bundled StackOverflow titles and their tags.

use crate::data::repo_root;

/// The 20,000 StackOverflow titles and their tag ids (0..20), line-aligned.
pub fn stackoverflow() -> (Vec<String>, Vec<u32>) {
    let dir = repo_root().join("datasets/documents/stackoverflow_titles");
    let corpus = kmkit_text::read_lines(&dir.join("title_StackOverflow.txt.gz")).expect("bundled titles");
    let labels = kmkit_text::read_labels(&dir.join("label_StackOverflow.txt")).expect("bundled labels");
    assert_eq!(corpus.n_bad_encoding, 0, "the titles are valid UTF-8");
    let (ids, _) = kmkit_text::encode_labels(&labels);
    (corpus.texts, ids)
}
