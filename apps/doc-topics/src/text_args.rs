//! The text options of the command line, turned into TF-IDF and LSA settings.

use std::path::PathBuf;

use clap::Args;
use kmkit_text::{parse_language, DocFreq, StopWords, TfIdf};

fn parse_df(s: &str) -> Result<DocFreq, String> {
    DocFreq::parse(s).map_err(|e| e.to_string())
}

/// Which built-in stop-word list to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StopList {
    /// scikit-learn's English list (318 words).
    English,
    /// None (a --stop-words-file may still add some).
    None,
}

/// How documents become TF-IDF (and optionally LSA) features.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Text features")]
pub struct TextArgs {
    /// Built-in stop words
    #[arg(long, value_enum, default_value_t = StopList::English)]
    pub stop_words: StopList,
    /// More stop words, one per line (# comments allowed), added to the built-in list
    #[arg(long, value_name = "FILE")]
    pub stop_words_file: Option<PathBuf>,
    /// Snowball stemming in this language (english, french, german, …; see rust-stemmers)
    #[arg(long, value_name = "LANGUAGE")]
    pub stem: Option<String>,
    /// Terms are word n-grams of 1 to N words
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub ngrams: usize,
    /// Ignore terms in fewer documents: a count (2) or a fraction of the documents (0.001)
    #[arg(long, default_value = "2", value_parser = parse_df, value_name = "COUNT|FRACTION")]
    pub min_df: DocFreq,
    /// Ignore terms in more documents: a count (500) or a fraction (0.5)
    #[arg(long, default_value = "0.5", value_parser = parse_df, value_name = "COUNT|FRACTION")]
    pub max_df: DocFreq,
    /// Keep only the N most frequent terms
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,
    /// Raw term counts instead of 1 + ln(count)
    #[arg(long)]
    pub raw_tf: bool,
    /// Cluster in an N-dimensional LSA space (truncated SVD of the TF-IDF matrix) instead of on TF-IDF
    #[arg(long, value_name = "N")]
    pub lsa: Option<usize>,
}

impl TextArgs {
    /// The TF-IDF parameters asked for (reads the stop-word file).
    pub fn tfidf(&self) -> anyhow::Result<TfIdf> {
        let mut stop = match self.stop_words {
            StopList::English => StopWords::english(),
            StopList::None => StopWords::none(),
        };
        if let Some(file) = &self.stop_words_file {
            stop = stop.union(&StopWords::from_file(file)?);
        }
        let mut tfidf = TfIdf::for_topics()
            .stop_words(stop)
            .min_df(self.min_df)
            .max_df(self.max_df)
            .max_features(self.max_features)
            .sublinear_tf(!self.raw_tf);
        tfidf.analyzer.stemmer = self.stem.as_deref().map(parse_language).transpose()?;
        tfidf.analyzer.ngram_range = (1, self.ngrams);
        tfidf.check()?;
        Ok(tfidf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        text: TextArgs,
    }

    #[test]
    fn defaults_are_the_topic_preset() {
        let cli = Cli::parse_from(["t"]);
        assert_eq!(cli.text.tfidf().unwrap(), TfIdf::for_topics());
        let cli = Cli::parse_from([
            "t",
            "--stop-words",
            "none",
            "--stem",
            "English",
            "--ngrams",
            "2",
            "--min-df",
            "0.01",
            "--max-df",
            "100",
            "--raw-tf",
        ]);
        let t = cli.text.tfidf().unwrap();
        assert!(t.analyzer.stop_words.is_empty());
        assert_eq!(t.analyzer.ngram_range, (1, 2));
        assert_eq!(
            (t.min_df, t.max_df),
            (DocFreq::Fraction(0.01), DocFreq::Count(100))
        );
        assert!(!t.sublinear_tf);
        let bad = Cli::parse_from(["t", "--stem", "klingon"])
            .text
            .tfidf()
            .unwrap_err();
        assert!(bad.to_string().contains("klingon"));
        assert!(Cli::parse_from(["t", "--ngrams", "0"])
            .text
            .tfidf()
            .is_err());
        assert!(Cli::try_parse_from(["t", "--min-df", "1.5"]).is_err());
    }
}
