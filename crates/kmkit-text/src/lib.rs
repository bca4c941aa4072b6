//! # kmkit-text (draft)
#![deny(missing_docs)]

mod analyzer;
mod corpus;
mod error;
mod lsa;
mod ngram;
mod stem;
mod stop;
mod tfidf;
mod tokenize;

pub use analyzer::{Analyzer, AnalyzerChain, AnalyzerConfig, MaybeStem, MaybeStemStream, OptionalStem};
pub use corpus::{encode_labels, read_csv, read_folder, read_jsonl, read_labels, read_lines, Corpus};
pub use error::{Result, TextError};
pub use lsa::{FittedLsa, Lsa};
pub use ngram::{NgramFilter, NgramTokenStream, NgramTokenizer};
pub use stem::{Language, StemFilter, StemTokenStream, StemTokenizer};
pub use stop::{StopWordFilter, StopWordTokenStream, StopWordTokenizer, StopWords};
pub use tfidf::{empty_rows, DocFreq, FittedTfIdf, Norm, TfIdf};
pub use tokenize::{is_word_char, WordTokenStream, WordTokenizer};
