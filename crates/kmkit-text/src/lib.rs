//! # kmkit-text
//!
//! Documents into k-means topics. A tokenizer built on the
//! `tantivy-tokenizer-api` traits ([`WordTokenizer`] with
//! [`StopWordFilter`], [`StemFilter`] and [`NgramFilter`] as token filters),
//! a TF-IDF vectorizer equal to scikit-learn's `TfidfVectorizer`
//! ([`TfIdf`] → [`FittedTfIdf`]), optional LSA by randomized truncated SVD
//! ([`Lsa`] → [`FittedLsa`]), and the way back from centroids to words
//! ([`top_terms`], [`nearest_documents`]). [`TopicModel`] strings them
//! together with the core's spherical k-means so that fitting, `predict` on
//! new documents, topic descriptions and scoring against known labels are
//! one call each; [`NoTopicClassifier`] says why a document got no topic.
//! Readers ([`read_folder`], [`read_lines`], [`read_csv`],
//! [`read_jsonl`]) decode bad UTF-8 lossily and count it.
//!
//! **Key design decision:** scikit-learn parity is the contract. The token
//! rule is Python's `(?u)\b\w\w+\b` on the lowercased text (word characters
//! are Unicode letters, numbers and `_`; combining marks are not), the
//! vocabulary is sorted by code point, and all weighting is done in f64 as
//! scikit-learn does before the rows are stored as f32. Every fitted state
//! serialises and is reused as stored, so a reloaded model repeats the
//! transform bit for bit. Documents left with no term (empty, only stop
//! words) are never clustered: they get no topic (`None`) instead of an
//! arbitrary one.
//!
//! ```
//! use kmkit_text::{score, DocFreq, TfIdf, TopicModel, TopicsConfig};
//!
//! let docs = [
//!     "rust borrow checker", "rust cargo crates", "borrow checker lifetimes in rust",
//!     "bread flour yeast", "sourdough bread", "yeast and flour for bread",
//!     "the and of",
//! ];
//! let config = TopicsConfig::new(2).tfidf(TfIdf::for_topics().min_df(DocFreq::Count(1))).seed(1);
//! let fit = TopicModel::fit(&config, &docs)?;
//! assert_eq!(fit.assignment.labels[6], None); // only stop words
//! let topics = fit.model.topics(&fit.assignment, 3, 1)?;
//! assert_eq!(topics.iter().map(|t| t.size).sum::<usize>(), 6);
//! let new = fit.model.predict(&["more rust crates"])?;
//! assert_eq!(new.labels[0], fit.assignment.labels[1]);
//! let s = score(&[0, 0, 0, 1, 1, 1, 2], &fit.assignment)?;
//! assert!(s.nmi > 0.99);
//! # Ok::<(), kmkit_text::TextError>(())
//! ```
#![deny(missing_docs)]

mod analyzer;
mod budget;
mod corpus;
mod error;
mod intern;
mod lsa;
mod ngram;
mod no_topic;
mod pipeline;
mod stem;
mod stop;
mod tfidf;
mod tokenize;
mod topics;

pub use analyzer::{
    Analyzer, AnalyzerChain, AnalyzerConfig, MaybeStem, MaybeStemStream, OptionalStem,
};
pub use corpus::{
    encode_labels, read_csv, read_folder, read_jsonl, read_labels, read_lines, Corpus,
};
pub use error::{Result, TextError};
pub use kmkit_core::budget::{read_budget, set_read_budget};
pub use lsa::{FittedLsa, Lsa};
pub use ngram::{NgramFilter, NgramTokenStream, NgramTokenizer};
pub use no_topic::{NoTopic, NoTopicClassifier, NoTopicCounts};
pub use pipeline::{
    score, Assignment, DocFeatures, Scores, TopicFit, TopicModel, TopicsConfig, LSA_N_INIT,
    TOPIC_MODEL_FORMAT_VERSION,
};
pub use stem::{parse_language, Language, StemFilter, StemTokenStream, StemTokenizer, LANGUAGES};
pub use stop::{StopWordFilter, StopWordTokenStream, StopWordTokenizer, StopWords};
pub use tfidf::{empty_rows, DocFreq, FittedTfIdf, Norm, TfIdf};
pub use tokenize::{is_word_char, WordTokenStream, WordTokenizer};
pub use topics::{nearest_documents, top_terms, TermWeight, Topic};
