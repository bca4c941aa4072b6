//! Stemming with `rust-stemmers` (Snowball) as a [`TokenFilter`].

use std::sync::Arc;

pub use rust_stemmers::Algorithm as Language;
use rust_stemmers::Stemmer;
use tantivy_tokenizer_api::{Token, TokenFilter, TokenStream, Tokenizer};

use crate::error::{Result, TextError};

/// Every Snowball language of `rust-stemmers`, by its lowercase English name.
pub const LANGUAGES: [(&str, Language); 18] = [
    ("arabic", Language::Arabic),
    ("danish", Language::Danish),
    ("dutch", Language::Dutch),
    ("english", Language::English),
    ("finnish", Language::Finnish),
    ("french", Language::French),
    ("german", Language::German),
    ("greek", Language::Greek),
    ("hungarian", Language::Hungarian),
    ("italian", Language::Italian),
    ("norwegian", Language::Norwegian),
    ("portuguese", Language::Portuguese),
    ("romanian", Language::Romanian),
    ("russian", Language::Russian),
    ("spanish", Language::Spanish),
    ("swedish", Language::Swedish),
    ("tamil", Language::Tamil),
    ("turkish", Language::Turkish),
];

/// The stemmer language called `name` (any case), e.g. `english`.
pub fn parse_language(name: &str) -> Result<Language> {
    let lower = name.trim().to_lowercase();
    LANGUAGES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|&(_, l)| l)
        .ok_or_else(|| {
            let names: Vec<&str> = LANGUAGES.iter().map(|(n, _)| *n).collect();
            TextError::param(
                "stemmer language",
                name,
                format!("one of {}", names.join(", ")),
            )
        })
}

/// A [`TokenFilter`] that replaces each token by its Snowball stem.
/// Snowball expects lowercased input, so it belongs after lowercasing.
#[derive(Debug, Clone, Copy)]
pub struct StemFilter {
    language: Language,
}

impl StemFilter {
    /// A stemmer for `language`.
    pub fn new(language: Language) -> Self {
        StemFilter { language }
    }
}

impl TokenFilter for StemFilter {
    type Tokenizer<T: Tokenizer> = StemTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> StemTokenizer<T> {
        StemTokenizer {
            inner: tokenizer,
            stemmer: Arc::new(Stemmer::create(self.language)),
        }
    }
}

/// A tokenizer wrapped by a [`StemFilter`].
#[derive(Clone)]
pub struct StemTokenizer<T> {
    inner: T,
    stemmer: Arc<Stemmer>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for StemTokenizer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StemTokenizer")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<T: Tokenizer> Tokenizer for StemTokenizer<T> {
    type TokenStream<'a> = StemTokenStream<'a, T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemTokenStream {
            inner: self.inner.token_stream(text),
            stemmer: &self.stemmer,
        }
    }
}

/// The token stream of a [`StemTokenizer`].
pub struct StemTokenStream<'a, S> {
    inner: S,
    stemmer: &'a Stemmer,
}

impl<S: std::fmt::Debug> std::fmt::Debug for StemTokenStream<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StemTokenStream")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S: TokenStream> TokenStream for StemTokenStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.inner.advance() {
            return false;
        }
        let token = self.inner.token_mut();
        // Only allocate when the stem differs from the word.
        if let std::borrow::Cow::Owned(stem) = self.stemmer.stem(&token.text) {
            token.text = stem;
        }
        true
    }
    fn token(&self) -> &Token {
        self.inner.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::WordTokenizer;

    fn stems(language: Language, text: &str) -> Vec<String> {
        let mut t = StemFilter::new(language).transform(WordTokenizer::new());
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        s.process(&mut |tok| out.push(tok.text.clone()));
        out
    }

    #[test]
    fn english_and_german() {
        assert_eq!(
            stems(Language::English, "Running queries fruitlessly"),
            ["run", "queri", "fruitless"]
        );
        assert_eq!(stems(Language::German, "Häuser Katzen"), ["haus", "katz"]);
    }

    #[test]
    fn languages_by_name() {
        assert_eq!(parse_language("English").unwrap(), Language::English);
        assert_eq!(parse_language(" turkish").unwrap(), Language::Turkish);
        let err = parse_language("klingon").unwrap_err().to_string();
        assert!(err.contains("klingon") && err.contains("french"), "{err}");
        // The table covers every language: each name round-trips through serde.
        for (name, lang) in LANGUAGES {
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json.trim_matches('"').to_lowercase(), name);
        }
    }
}
