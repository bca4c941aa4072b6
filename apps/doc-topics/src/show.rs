//! What fitting and predicting both print and note.

use kmkit_cli::Verbosity;
use kmkit_text::NoTopicCounts;

pub use kmkit_cli::print;

/// Notes on stderr about lossily decoded and topic-less documents.
pub fn note_dropped(n_docs: usize, n_bad_encoding: usize, no_topic: &NoTopicCounts, v: &Verbosity) {
    if n_bad_encoding > 0 {
        v.note(format!(
            "note: {n_bad_encoding} of {n_docs} documents were not valid UTF-8 and were decoded lossily (bad bytes became U+FFFD)"
        ));
    }
    if no_topic.total() > 0 {
        v.note(format!(
            "note: {} of {n_docs} documents have no topic: {}",
            no_topic.total(),
            no_topic.describe()
        ));
    }
}
