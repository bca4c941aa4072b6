//! The word tokenizer: scikit-learn's default token rule `(?u)\b\w\w+\b`
//! applied to the lowercased text, as a `tantivy-tokenizer-api` [`Tokenizer`].
//!
//! Python's `\w` on `str` patterns is "alphanumeric or underscore", where
//! alphanumeric means a Unicode general category L* (letters) or N*
//! (numbers). Combining marks (M*) are *not* word characters, so a
//! decomposed "cafe\u{301}" gives the token "cafe". `\b\w\w+\b` then matches
//! exactly the maximal runs of word characters that are at least two code
//! points long. scikit-learn lowercases the whole document first (with
//! Python's full case mapping, final sigma included) and tokenizes the
//! result; we do the same with `str::to_lowercase`, which implements the same
//! Unicode rules, and map offsets back to the original text.

use tantivy_tokenizer_api::{Token, TokenStream, Tokenizer};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Whether Python's `re` counts `c` as `\w` in a `str` pattern.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        matches!(c.general_category_group(), GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number)
    }
}

/// Splits text into runs of at least two word characters ([`is_word_char`]),
/// lowercased unless built with [`WordTokenizer::keep_case`].
///
/// Token offsets are byte offsets into the original text; the token text is
/// the lowercased run.
#[derive(Debug, Clone)]
pub struct WordTokenizer {
    lowercase: bool,
    /// The lowercased document (reused between documents).
    lowered: String,
    /// For non-ASCII documents: byte offset in the original text of every
    /// byte offset of `lowered` (plus one for the end).
    offsets: Vec<usize>,
    token: Token,
}

impl Default for WordTokenizer {
    fn default() -> Self {
        WordTokenizer::new()
    }
}

impl WordTokenizer {
    /// A lowercasing tokenizer (scikit-learn's `lowercase=True`).
    pub fn new() -> Self {
        WordTokenizer { lowercase: true, lowered: String::new(), offsets: Vec::new(), token: Token::default() }
    }
    /// A tokenizer that keeps the case of the text (`lowercase=False`).
    pub fn keep_case() -> Self {
        WordTokenizer { lowercase: false, ..WordTokenizer::new() }
    }
}

/// The token stream of a [`WordTokenizer`].
#[derive(Debug)]
pub struct WordTokenStream<'a> {
    /// The text tokens are cut from (lowercased when the tokenizer lowercases).
    text: &'a str,
    /// The text as given.
    original: &'a str,
    /// Original offset of each byte offset of `text`; empty when they are equal.
    offsets: &'a [usize],
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        self.offsets.clear();
        let original = text;
        let text: &'a str = if !self.lowercase {
            text
        } else if text.is_ascii() {
            self.lowered.clear();
            self.lowered.push_str(text);
            self.lowered.make_ascii_lowercase();
            &self.lowered
        } else {
            // `str::to_lowercase` differs from char-by-char lowercasing only
            // for a final capital sigma, which maps to another two-byte
            // character; so each original character maps to the same number
            // of lowered characters either way, and we can walk both in step.
            self.lowered = text.to_lowercase();
            let mut lowered = self.lowered.char_indices();
            for (orig, c) in text.char_indices() {
                for _ in c.to_lowercase() {
                    if let Some((at, l)) = lowered.next() {
                        self.offsets.resize(at + l.len_utf8(), orig);
                    }
                }
            }
            self.offsets.push(text.len());
            &self.lowered
        };
        WordTokenStream { text, original, offsets: &self.offsets, pos: 0, token: &mut self.token }
    }
}

impl WordTokenStream<'_> {
    /// Original byte offset where the character at lowered byte `at` starts.
    fn original_start(&self, at: usize) -> usize {
        if self.offsets.is_empty() {
            at
        } else {
            self.offsets[at]
        }
    }
    /// Original byte offset just past the character that produced lowered
    /// byte `end - 1` (a run may end inside the expansion of one character).
    fn original_end(&self, end: usize) -> usize {
        if self.offsets.is_empty() {
            end
        } else {
            let start = self.offsets[end - 1];
            start + char_at(self.original, start).1
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            // Skip non-word characters.
            let (c, len) = char_at(self.text, self.pos);
            if !is_word_char(c) {
                self.pos += len;
                continue;
            }
            // Extend over the run of word characters.
            let start = self.pos;
            let mut n_chars = 0usize;
            while self.pos < bytes.len() {
                let (c, len) = char_at(self.text, self.pos);
                if !is_word_char(c) {
                    break;
                }
                self.pos += len;
                n_chars += 1;
            }
            if n_chars >= 2 {
                let end = self.pos;
                self.token.text.clear();
                self.token.text.push_str(&self.text[start..end]);
                self.token.offset_from = self.original_start(start);
                self.token.offset_to = self.original_end(end);
                self.token.position = self.token.position.wrapping_add(1);
                self.token.position_length = 1;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The character starting at byte `at` of `text` and its length in bytes.
#[inline]
fn char_at(text: &str, at: usize) -> (char, usize) {
    let b = text.as_bytes()[at];
    if b < 0x80 {
        (b as char, 1)
    } else {
        let c = text[at..].chars().next().unwrap_or('\u{FFFD}');
        (c, c.len_utf8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize)> {
        let mut t = WordTokenizer::new();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push((tok.text.clone(), tok.offset_from, tok.offset_to));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn sklearn_examples() {
        // Expected values from Python: re.findall(r'(?u)\b\w\w+\b', text.lower()).
        let cases: &[(&str, &[&str])] = &[
            ("How do I fill a DataGridView?", &["how", "do", "fill", "datagridview"]),
            ("a b c x_y __ _a 12 3", &["x_y", "__", "_a", "12"]),
            ("cafe\u{301} naïve İstanbul ΟΔΟΣ", &["cafe", "naïve", "stanbul", "οδος"]),
            ("ⅫⅫ ²³ ٣٤ C++ c# .NET 64-bit", &["ⅻⅻ", "²³", "٣٤", "net", "64", "bit"]),
            ("", &[]),
            ("!!! ?? a", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(texts(text), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Straße İSTANBUL ΟΔΟΣ xİ ok";
        let t = tokens(text);
        let spans: Vec<&str> = t.iter().map(|(_, from, to)| &text[*from..*to]).collect();
        // "İ" lowercases to "i" plus a combining dot, which is not a word
        // character: the token "xi" spans all of "xİ" in the original.
        assert_eq!(spans, ["Straße", "STANBUL", "ΟΔΟΣ", "xİ", "ok"]);
        assert_eq!(t[3].0, "xi");
    }

    #[test]
    fn keep_case_keeps_case() {
        let mut t = WordTokenizer::keep_case();
        let mut s = t.token_stream("Hello World");
        let mut out = Vec::new();
        s.process(&mut |tok| out.push(tok.text.clone()));
        assert_eq!(out, ["Hello", "World"]);
    }

    #[test]
    fn positions_count_tokens() {
        let mut t = WordTokenizer::new();
        let mut s = t.token_stream("one two three");
        let mut pos = Vec::new();
        s.process(&mut |tok| pos.push(tok.position));
        assert_eq!(pos, [0, 1, 2]);
    }
}
