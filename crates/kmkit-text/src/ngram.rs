//! Word n-grams as a [`TokenFilter`]: scikit-learn's `ngram_range=(min_n, max_n)`
//! for the word analyzer, built after stop-word removal (so an n-gram may
//! span a removed stop word, as in scikit-learn).

use std::collections::VecDeque;

use tantivy_tokenizer_api::{Token, TokenFilter, TokenStream, Tokenizer};

/// A [`TokenFilter`] emitting every n-gram of `min_n..=max_n` consecutive
/// tokens, joined by single spaces. After each incoming token it emits the
/// n-grams ending at that token, shortest first; the multiset of terms is
/// scikit-learn's. `(1, 1)` passes tokens through unchanged.
#[derive(Debug, Clone, Copy)]
pub struct NgramFilter {
    min_n: usize,
    max_n: usize,
}

impl NgramFilter {
    /// n-grams of `min_n..=max_n` tokens. Callers check `1 <= min_n <= max_n`
    /// (see [`AnalyzerConfig::check`](crate::AnalyzerConfig::check)); other
    /// values are clamped into that range.
    pub fn new(min_n: usize, max_n: usize) -> Self {
        let min_n = min_n.max(1);
        NgramFilter { min_n, max_n: max_n.max(min_n) }
    }
}

impl TokenFilter for NgramFilter {
    type Tokenizer<T: Tokenizer> = NgramTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> NgramTokenizer<T> {
        NgramTokenizer { inner: tokenizer, min_n: self.min_n, max_n: self.max_n }
    }
}

/// A tokenizer wrapped by an [`NgramFilter`].
#[derive(Debug, Clone)]
pub struct NgramTokenizer<T> {
    inner: T,
    min_n: usize,
    max_n: usize,
}

impl<T: Tokenizer> Tokenizer for NgramTokenizer<T> {
    type TokenStream<'a> = NgramTokenStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        NgramTokenStream {
            inner: self.inner.token_stream(text),
            min_n: self.min_n,
            max_n: self.max_n,
            window: VecDeque::with_capacity(self.max_n),
            next_n: usize::MAX,
            token: Token::default(),
        }
    }
}

/// The token stream of an [`NgramTokenizer`].
#[derive(Debug)]
pub struct NgramTokenStream<S> {
    inner: S,
    min_n: usize,
    max_n: usize,
    /// The last `max_n` tokens.
    window: VecDeque<Token>,
    /// Length of the next n-gram to emit ending at the newest token.
    next_n: usize,
    token: Token,
}

impl<S: TokenStream> NgramTokenStream<S> {
    fn passthrough(&self) -> bool {
        self.min_n == 1 && self.max_n == 1
    }
}

impl<S: TokenStream> TokenStream for NgramTokenStream<S> {
    fn advance(&mut self) -> bool {
        if self.passthrough() {
            return self.inner.advance();
        }
        loop {
            if self.next_n <= self.max_n && self.next_n <= self.window.len() {
                let n = self.next_n;
                self.next_n += 1;
                let parts = self.window.range(self.window.len() - n..);
                self.token.text.clear();
                for (i, part) in parts.enumerate() {
                    if i == 0 {
                        self.token.offset_from = part.offset_from;
                        self.token.position = part.position;
                    } else {
                        self.token.text.push(' ');
                    }
                    self.token.text.push_str(&part.text);
                    self.token.offset_to = part.offset_to;
                }
                self.token.position_length = n;
                return true;
            }
            if !self.inner.advance() {
                return false;
            }
            let recycled = if self.window.len() == self.max_n { self.window.pop_front() } else { None };
            let mut slot = recycled.unwrap_or_default();
            slot.clone_from(self.inner.token());
            self.window.push_back(slot);
            self.next_n = self.min_n;
        }
    }
    fn token(&self) -> &Token {
        if self.passthrough() {
            self.inner.token()
        } else {
            &self.token
        }
    }
    fn token_mut(&mut self) -> &mut Token {
        if self.passthrough() {
            self.inner.token_mut()
        } else {
            &mut self.token
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stop::StopWords;
    use crate::tokenize::WordTokenizer;

    fn grams(min_n: usize, max_n: usize, text: &str) -> Vec<String> {
        let mut t = NgramFilter::new(min_n, max_n).transform(StopWords::english().filter().transform(WordTokenizer::new()));
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        s.process(&mut |tok| out.push(tok.text.clone()));
        out.sort();
        out
    }

    fn sorted(v: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn same_terms_as_sklearn() {
        // TfidfVectorizer(stop_words='english', ngram_range=(1, 3)).build_analyzer()(
        //   "Spring MVC and the Hibernate session factory")
        let text = "Spring MVC and the Hibernate session factory";
        assert_eq!(
            grams(1, 3, text),
            sorted(&[
                "spring", "mvc", "hibernate", "session", "factory", "spring mvc", "mvc hibernate",
                "hibernate session", "session factory", "spring mvc hibernate", "mvc hibernate session",
                "hibernate session factory",
            ])
        );
        assert_eq!(grams(2, 2, "alpha beta"), sorted(&["alpha beta"]));
        assert_eq!(grams(2, 3, "alone"), Vec::<String>::new());
        assert_eq!(grams(1, 1, "plain words"), sorted(&["plain", "words"]));
    }

    #[test]
    fn offsets_span_the_ngram() {
        let text = "alpha beta gamma";
        let mut t = NgramFilter::new(2, 2).transform(WordTokenizer::new());
        let mut s = t.token_stream(text);
        let mut spans = Vec::new();
        s.process(&mut |tok| spans.push((&text[tok.offset_from..tok.offset_to]).to_string()));
        assert_eq!(spans, ["alpha beta", "beta gamma"]);
    }
}
