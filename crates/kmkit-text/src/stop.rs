//! Stop words: scikit-learn's English list (embedded), user lists from files,
//! and the [`StopWordFilter`] that drops them from a token stream.

use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use tantivy_tokenizer_api::{Token, TokenFilter, TokenStream, Tokenizer};

use crate::error::{Result, TextError};

/// scikit-learn's `ENGLISH_STOP_WORDS` (318 words), one per line.
const ENGLISH: &str = include_str!("../data/english_stop_words.txt");

/// A set of stop words, kept sorted so it serialises the same way every time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StopWords {
    words: Vec<String>,
}

impl StopWords {
    /// No stop words.
    pub fn none() -> Self {
        StopWords::default()
    }
    /// scikit-learn's English list (`stop_words='english'`).
    pub fn english() -> Self {
        StopWords::parse(ENGLISH)
    }
    /// Words from a list (duplicates removed).
    pub fn from_words<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Self {
        let mut words: Vec<String> = words.into_iter().map(|w| w.as_ref().to_string()).filter(|w| !w.is_empty()).collect();
        words.sort();
        words.dedup();
        StopWords { words }
    }
    /// One word per line; blank lines and lines starting with `#` are skipped,
    /// and words are trimmed.
    pub fn parse(text: &str) -> Self {
        StopWords::from_words(text.lines().map(str::trim).filter(|l| !l.starts_with('#')))
    }
    /// Reads a stop-word file (see [`StopWords::parse`]). Words are
    /// lowercased, because they are matched against lowercased tokens.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| TextError::io(path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(StopWords::from_words(StopWords::parse(&text).words.iter().map(|w| w.to_lowercase())))
    }
    /// The union of two lists.
    pub fn union(&self, other: &StopWords) -> Self {
        StopWords::from_words(self.words.iter().chain(&other.words))
    }
    /// The words, sorted.
    pub fn words(&self) -> &[String] {
        &self.words
    }
    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }
    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
    /// Whether `word` is a stop word.
    pub fn contains(&self, word: &str) -> bool {
        self.words.binary_search_by(|w| w.as_str().cmp(word)).is_ok()
    }
    /// The token filter for these words.
    pub fn filter(&self) -> StopWordFilter {
        StopWordFilter { words: Arc::new(self.words.iter().cloned().collect()) }
    }
}

/// A [`TokenFilter`] that drops tokens whose text is a stop word.
#[derive(Debug, Clone)]
pub struct StopWordFilter {
    words: Arc<FxHashSet<String>>,
}

impl TokenFilter for StopWordFilter {
    type Tokenizer<T: Tokenizer> = StopWordTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> StopWordTokenizer<T> {
        StopWordTokenizer { inner: tokenizer, words: self.words }
    }
}

/// A tokenizer wrapped by a [`StopWordFilter`].
#[derive(Debug, Clone)]
pub struct StopWordTokenizer<T> {
    inner: T,
    words: Arc<FxHashSet<String>>,
}

impl<T: Tokenizer> Tokenizer for StopWordTokenizer<T> {
    type TokenStream<'a> = StopWordTokenStream<'a, T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StopWordTokenStream { inner: self.inner.token_stream(text), words: &self.words }
    }
}

/// The token stream of a [`StopWordTokenizer`].
#[derive(Debug)]
pub struct StopWordTokenStream<'a, S> {
    inner: S,
    words: &'a FxHashSet<String>,
}

impl<S: TokenStream> TokenStream for StopWordTokenStream<'_, S> {
    fn advance(&mut self) -> bool {
        while self.inner.advance() {
            if self.words.is_empty() || !self.words.contains(self.inner.token().text.as_str()) {
                return true;
            }
        }
        false
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

    #[test]
    fn english_list_is_sklearns() {
        let sw = StopWords::english();
        assert_eq!(sw.len(), 318);
        for w in ["a", "the", "of", "yourselves", "amoungst", "bill"] {
            assert!(sw.contains(w), "{w}");
        }
        assert!(!sw.contains("#"));
        assert!(!sw.contains("python"));
    }

    #[test]
    fn filter_drops_stop_words() {
        let mut t = StopWords::english().filter().transform(WordTokenizer::new());
        let mut s = t.token_stream("How do I get the value of an XML node?");
        let mut out = Vec::new();
        s.process(&mut |tok| out.push(tok.text.clone()));
        // TfidfVectorizer(stop_words='english').build_analyzer()(...)
        assert_eq!(out, ["value", "xml", "node"]);
    }

    #[test]
    fn files_are_lowercased_and_merged() {
        let dir = std::env::temp_dir().join(format!("kmkit-text-stop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("stop.txt");
        std::fs::write(&path, "# mine\nJava\n\n  python  \n").unwrap();
        let mine = StopWords::from_file(&path).unwrap();
        assert_eq!(mine.words(), ["java", "python"]);
        assert_eq!(StopWords::english().union(&mine).len(), 320);
        let missing = StopWords::from_file(&dir.join("nope.txt")).unwrap_err();
        assert!(missing.to_string().contains("nope.txt"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
