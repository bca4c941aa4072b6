//! Why a document got no topic: it is empty, has no word token, holds only
//! stop words, or only terms outside the vocabulary (pruned by
//! `min_df`/`max_df`/`max_features`, or unseen at fit time). Apps report
//! these counts so that no dropped document goes unexplained.

use serde::{Deserialize, Serialize};

use crate::analyzer::AnalyzerConfig;
use crate::error::Result;
use crate::tfidf::FittedTfIdf;

/// The reason one document has no vocabulary term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoTopic {
    /// Nothing but whitespace.
    Empty,
    /// No token of at least 2 letters, digits or underscores (e.g. `"!!"`, `"a"`).
    NoWords,
    /// Every token is a stop word.
    OnlyStopWords,
    /// Every term is outside the vocabulary (too rare or too common at fit
    /// time, or never seen).
    OnlyUnknownTerms,
}

/// How many documents got no topic, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoTopicCounts {
    /// Empty documents.
    pub empty: usize,
    /// Documents without a word token.
    pub no_words: usize,
    /// Documents of stop words only.
    pub only_stop_words: usize,
    /// Documents whose terms are all outside the vocabulary.
    pub only_unknown_terms: usize,
}

impl NoTopicCounts {
    /// Documents without a topic.
    pub fn total(&self) -> usize {
        self.empty + self.no_words + self.only_stop_words + self.only_unknown_terms
    }
    /// One phrase per non-zero reason, e.g. `"2 empty, 1 with only stop words"`.
    pub fn describe(&self) -> String {
        let parts = [
            (self.empty, "empty"),
            (self.no_words, "without a word of 2+ letters or digits"),
            (self.only_stop_words, "with only stop words"),
            (
                self.only_unknown_terms,
                "with only terms outside the vocabulary (too rare or too common: see --min-df/--max-df)",
            ),
        ];
        parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Classifies documents that have no vocabulary term under `tfidf`.
#[derive(Debug)]
pub struct NoTopicClassifier<'a> {
    tfidf: &'a FittedTfIdf,
    words: crate::analyzer::Analyzer,
}

impl<'a> NoTopicClassifier<'a> {
    /// A classifier for documents featurized by `tfidf`.
    pub fn new(tfidf: &'a FittedTfIdf) -> Result<Self> {
        // The same tokens as the vectorizer, before stop words and stemming.
        let words = AnalyzerConfig {
            lowercase: tfidf.params().analyzer.lowercase,
            ..AnalyzerConfig::default()
        }
        .build()?;
        Ok(NoTopicClassifier { tfidf, words })
    }

    /// Why `text` has no topic. Meaningful only for a document whose
    /// feature row is empty; any other document is reported as
    /// [`NoTopic::OnlyUnknownTerms`] if it has a non-stop word.
    pub fn reason(&mut self, text: &str) -> NoTopic {
        if text.trim().is_empty() {
            return NoTopic::Empty;
        }
        let stop = &self.tfidf.params().analyzer.stop_words;
        let mut any = false;
        let mut all_stop = true;
        self.words.for_each_term(text, |t| {
            any = true;
            all_stop &= stop.contains(t);
        });
        match (any, all_stop) {
            (false, _) => NoTopic::NoWords,
            (true, true) => NoTopic::OnlyStopWords,
            (true, false) => NoTopic::OnlyUnknownTerms,
        }
    }

    /// Counts the reasons over the documents whose `labels` entry is `None`.
    pub fn count<S: AsRef<str>>(&mut self, docs: &[S], labels: &[Option<u32>]) -> NoTopicCounts {
        let mut c = NoTopicCounts::default();
        for (doc, _) in docs.iter().zip(labels).filter(|(_, l)| l.is_none()) {
            match self.reason(doc.as_ref()) {
                NoTopic::Empty => c.empty += 1,
                NoTopic::NoWords => c.no_words += 1,
                NoTopic::OnlyStopWords => c.only_stop_words += 1,
                NoTopic::OnlyUnknownTerms => c.only_unknown_terms += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DocFreq, TfIdf};

    #[test]
    fn each_reason() {
        let docs = [
            "rust cargo",
            "rust borrow",
            "cargo crates",
            "  ",
            "!! a",
            "The AND of",
            "zebra rust",
            "unique words here",
        ];
        let tfidf = TfIdf::for_topics()
            .min_df(DocFreq::Count(2))
            .max_df(DocFreq::Fraction(1.0))
            .fit(&docs)
            .unwrap();
        let mut c = NoTopicClassifier::new(&tfidf).unwrap();
        assert_eq!(c.reason(""), NoTopic::Empty);
        assert_eq!(c.reason("!! a"), NoTopic::NoWords);
        assert_eq!(c.reason("The AND of"), NoTopic::OnlyStopWords);
        assert_eq!(c.reason("unique words here"), NoTopic::OnlyUnknownTerms);
        let labels = [Some(0), Some(0), Some(1), None, None, None, Some(0), None];
        let counts = c.count(&docs, &labels);
        assert_eq!(
            counts,
            NoTopicCounts {
                empty: 1,
                no_words: 1,
                only_stop_words: 1,
                only_unknown_terms: 1
            }
        );
        assert_eq!(counts.total(), 4);
        assert!(counts.describe().starts_with("1 empty, 1 without a word"));
        assert_eq!(NoTopicCounts::default().describe(), "");
    }
}
