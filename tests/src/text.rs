//! The bundled StackOverflow titles and their tags.

use crate::data::repo_root;

/// The 20,000 StackOverflow titles and their tag ids, line-aligned: the
/// label file's 1..=20 minus one, so id `i` is tag `i + 1` of the dataset's
/// SOURCE.txt.
pub fn stackoverflow() -> (Vec<String>, Vec<u32>) {
    let dir = repo_root().join("datasets/documents/stackoverflow_titles");
    let corpus = kmkit_text::read_lines(&dir.join("title_StackOverflow.txt.gz")).expect("bundled titles");
    let labels = kmkit_text::read_labels(&dir.join("label_StackOverflow.txt")).expect("bundled labels");
    assert_eq!(corpus.n_bad_encoding, 0, "the titles are valid UTF-8");
    assert_eq!(corpus.len(), labels.len(), "one label per title");
    let ids = labels.iter().map(|l| l.parse::<u32>().expect("labels are 1..=20") - 1).collect();
    (corpus.texts, ids)
}
