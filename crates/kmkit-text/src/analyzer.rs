//! The analyzer: tokenizer plus filters in scikit-learn's order, from one
//! serialisable [`AnalyzerConfig`].

use serde::{Deserialize, Serialize};
use tantivy_tokenizer_api::{TokenFilter, TokenStream, Tokenizer};

use crate::error::{Result, TextError};
use crate::ngram::{NgramFilter, NgramTokenizer};
use crate::stem::{Language, StemFilter, StemTokenizer};
use crate::stop::{StopWordTokenizer, StopWords};
use crate::tokenize::WordTokenizer;

/// How documents become terms: lowercase → word tokens (`(?u)\b\w\w+\b`) →
/// stop words removed → optional Snowball stem → word n-grams.
///
/// With `stemmer: None` this is scikit-learn's word analyzer for the same
/// `lowercase`, `stop_words` and `ngram_range`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Lowercase before tokenizing (scikit-learn's default).
    pub lowercase: bool,
    /// Words dropped after tokenizing (matched before stemming).
    pub stop_words: StopWords,
    /// Snowball stemmer applied to each remaining token.
    pub stemmer: Option<Language>,
    /// `(min_n, max_n)`: n-grams of `min_n..=max_n` tokens; `(1, 1)` = single words.
    pub ngram_range: (usize, usize),
}

impl Default for AnalyzerConfig {
    /// scikit-learn's defaults: lowercase, no stop words, no stemming, unigrams.
    fn default() -> Self {
        AnalyzerConfig { lowercase: true, stop_words: StopWords::none(), stemmer: None, ngram_range: (1, 1) }
    }
}

impl AnalyzerConfig {
    /// Checks the n-gram range.
    pub fn check(&self) -> Result<()> {
        let (min_n, max_n) = self.ngram_range;
        if min_n == 0 || max_n < min_n {
            return Err(TextError::param(
                "ngram_range",
                format!("({min_n}, {max_n})"),
                "(min_n, max_n) with 1 <= min_n <= max_n",
            ));
        }
        Ok(())
    }

    /// Builds the token pipeline.
    pub fn build(&self) -> Result<Analyzer> {
        self.check()?;
        let word = if self.lowercase { WordTokenizer::new() } else { WordTokenizer::keep_case() };
        let stop = self.stop_words.filter().transform(word);
        let stem = OptionalStem(self.stemmer.map(StemFilter::new)).transform(stop);
        let (min_n, max_n) = self.ngram_range;
        Ok(Analyzer { chain: NgramFilter::new(min_n, max_n).transform(stem) })
    }
}

/// The analyzer's token chain as one concrete [`Tokenizer`] type.
pub type AnalyzerChain = NgramTokenizer<MaybeStem<StopWordTokenizer<WordTokenizer>>>;

/// A built analyzer. Cheap to clone (stop words and stemmer are shared), one
/// per thread.
#[derive(Debug, Clone)]
pub struct Analyzer {
    chain: AnalyzerChain,
}

impl Analyzer {
    /// Calls `sink` with every term of `text`, in order.
    pub fn for_each_term(&mut self, text: &str, mut sink: impl FnMut(&str)) {
        let mut stream = self.chain.token_stream(text);
        while stream.advance() {
            sink(&stream.token().text);
        }
    }
    /// The terms of `text`, in order.
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_string()));
        out
    }
    /// The underlying `tantivy-tokenizer-api` tokenizer.
    pub fn tokenizer(&mut self) -> &mut AnalyzerChain {
        &mut self.chain
    }
}

/// A stem filter that may be off, so the chain keeps one concrete type.
#[derive(Debug, Clone, Copy)]
pub struct OptionalStem(pub Option<StemFilter>);

/// A tokenizer that is stemmed or passed through.
#[derive(Debug, Clone)]
pub enum MaybeStem<T> {
    /// Stemmed.
    Stem(StemTokenizer<T>),
    /// Unchanged.
    Plain(T),
}

impl TokenFilter for OptionalStem {
    type Tokenizer<T: Tokenizer> = MaybeStem<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> MaybeStem<T> {
        match self.0 {
            Some(stem) => MaybeStem::Stem(stem.transform(tokenizer)),
            None => MaybeStem::Plain(tokenizer),
        }
    }
}

/// The token stream of a [`MaybeStem`] tokenizer.
#[derive(Debug)]
pub enum MaybeStemStream<A, B> {
    /// Stemmed.
    Stem(A),
    /// Unchanged.
    Plain(B),
}

impl<T: Tokenizer> Tokenizer for MaybeStem<T> {
    type TokenStream<'a> =
        MaybeStemStream<<StemTokenizer<T> as Tokenizer>::TokenStream<'a>, T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        match self {
            MaybeStem::Stem(t) => MaybeStemStream::Stem(t.token_stream(text)),
            MaybeStem::Plain(t) => MaybeStemStream::Plain(t.token_stream(text)),
        }
    }
}

impl<A: TokenStream, B: TokenStream> TokenStream for MaybeStemStream<A, B> {
    fn advance(&mut self) -> bool {
        match self {
            MaybeStemStream::Stem(s) => s.advance(),
            MaybeStemStream::Plain(s) => s.advance(),
        }
    }
    fn token(&self) -> &tantivy_tokenizer_api::Token {
        match self {
            MaybeStemStream::Stem(s) => s.token(),
            MaybeStemStream::Plain(s) => s.token(),
        }
    }
    fn token_mut(&mut self) -> &mut tantivy_tokenizer_api::Token {
        match self {
            MaybeStemStream::Stem(s) => s.token_mut(),
            MaybeStemStream::Plain(s) => s.token_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_chain() {
        let config = AnalyzerConfig {
            stop_words: StopWords::english(),
            stemmer: Some(Language::English),
            ngram_range: (1, 2),
            ..AnalyzerConfig::default()
        };
        let mut a = config.build().unwrap();
        assert_eq!(a.terms("Running the Queries"), ["run", "queri", "run queri"]);
        assert_eq!(a.terms(""), Vec::<String>::new());
        assert_eq!(a.terms("the and of"), Vec::<String>::new());
    }

    #[test]
    fn bad_ngram_range_is_an_error() {
        for range in [(0, 1), (2, 1)] {
            let err = AnalyzerConfig { ngram_range: range, ..AnalyzerConfig::default() }.build().unwrap_err();
            assert!(err.to_string().contains("ngram_range"), "{err}");
        }
    }
}
