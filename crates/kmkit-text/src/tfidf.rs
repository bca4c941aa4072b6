//! TF-IDF equal to scikit-learn's `TfidfVectorizer`: [`TfIdf`] parameters →
//! `fit` → [`FittedTfIdf`] (sorted vocabulary and idf, serialisable) →
//! `transform` → CSR rows for the core.

use std::fmt;

use kmkit_core::{Csr, Features};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, AnalyzerConfig};
use crate::error::{Result, TextError};
use crate::stop::StopWords;

/// Documents are tokenized in parallel in chunks of this many; results do
/// not depend on it (the vocabulary is sorted and rows keep document order).
const CHUNK: usize = 1024;

/// A document-frequency bound: an absolute count of documents or a fraction
/// of them (scikit-learn's int vs float `min_df` / `max_df`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocFreq {
    /// At least 1 document.
    Count(usize),
    /// A fraction of the documents, in `[0, 1]`.
    Fraction(f64),
}

impl DocFreq {
    /// Parses `"2"` as a count and `"0.5"` or `"1.0"` as a fraction, as a
    /// Python int or float literal would be read.
    pub fn parse(text: &str) -> Result<DocFreq> {
        let t = text.trim();
        let bad = || TextError::param("document frequency", t, "a count of documents (2) or a fraction in [0, 1] (0.5)");
        let df = if t.contains(['.', 'e', 'E']) {
            DocFreq::Fraction(t.parse().map_err(|_| bad())?)
        } else {
            DocFreq::Count(t.parse().map_err(|_| bad())?)
        };
        df.check("document frequency")?;
        Ok(df)
    }

    /// The bound as a number of documents out of `n_docs` (may be fractional).
    pub fn as_count(&self, n_docs: usize) -> f64 {
        match *self {
            DocFreq::Count(c) => c as f64,
            DocFreq::Fraction(f) => f * n_docs as f64,
        }
    }

    fn check(&self, name: &'static str) -> Result<()> {
        match *self {
            DocFreq::Count(0) => Err(TextError::param(name, 0, "a count >= 1 or a fraction in [0, 1]")),
            DocFreq::Fraction(f) if !(0.0..=1.0).contains(&f) => {
                Err(TextError::param(name, f, "a count >= 1 or a fraction in [0, 1]"))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for DocFreq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocFreq::Count(c) => write!(f, "{c}"),
            DocFreq::Fraction(x) => write!(f, "{x:?}"),
        }
    }
}

/// Row normalisation after weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Unit Euclidean length (scikit-learn's default).
    #[default]
    L2,
    /// Unit sum of absolute values.
    L1,
    /// No normalisation.
    None,
}

/// TF-IDF parameters, named and defaulted as scikit-learn's `TfidfVectorizer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfIdf {
    /// Tokenizing, stop words, stemming, n-grams.
    pub analyzer: AnalyzerConfig,
    /// Drop terms in fewer documents than this.
    pub min_df: DocFreq,
    /// Drop terms in more documents than this.
    pub max_df: DocFreq,
    /// Keep only this many terms, the most frequent in the corpus (total
    /// count; ties broken alphabetically).
    pub max_features: Option<usize>,
    /// Add one to every document frequency, as if one extra document held
    /// every term once (prevents division by zero).
    pub smooth_idf: bool,
    /// Use `1 + ln(tf)` instead of the raw count.
    pub sublinear_tf: bool,
    /// Row normalisation.
    pub norm: Norm,
}

impl Default for TfIdf {
    fn default() -> Self {
        TfIdf::new()
    }
}

impl TfIdf {
    /// scikit-learn's defaults: lowercase, no stop words, `min_df=1`,
    /// `max_df=1.0`, all terms, smooth idf, raw tf, L2 norm.
    pub fn new() -> Self {
        TfIdf {
            analyzer: AnalyzerConfig::default(),
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Fraction(1.0),
            max_features: None,
            smooth_idf: true,
            sublinear_tf: false,
            norm: Norm::L2,
        }
    }

    /// The settings for topic clustering (those of scikit-learn's document
    /// clustering recipe): English stop words, sublinear tf, `min_df=2`,
    /// `max_df=0.5`.
    pub fn for_topics() -> Self {
        TfIdf::new()
            .stop_words(StopWords::english())
            .sublinear_tf(true)
            .min_df(DocFreq::Count(2))
            .max_df(DocFreq::Fraction(0.5))
    }

    /// Sets the stop words.
    pub fn stop_words(mut self, stop_words: StopWords) -> Self {
        self.analyzer.stop_words = stop_words;
        self
    }
    /// Sets `min_df`.
    pub fn min_df(mut self, min_df: DocFreq) -> Self {
        self.min_df = min_df;
        self
    }
    /// Sets `max_df`.
    pub fn max_df(mut self, max_df: DocFreq) -> Self {
        self.max_df = max_df;
        self
    }
    /// Sets `max_features`.
    pub fn max_features(mut self, max_features: Option<usize>) -> Self {
        self.max_features = max_features;
        self
    }
    /// Sets `sublinear_tf`.
    pub fn sublinear_tf(mut self, on: bool) -> Self {
        self.sublinear_tf = on;
        self
    }
    /// Sets `smooth_idf`.
    pub fn smooth_idf(mut self, on: bool) -> Self {
        self.smooth_idf = on;
        self
    }
    /// Sets the row norm.
    pub fn norm(mut self, norm: Norm) -> Self {
        self.norm = norm;
        self
    }
    /// Sets the analyzer.
    pub fn analyzer(mut self, analyzer: AnalyzerConfig) -> Self {
        self.analyzer = analyzer;
        self
    }

    /// Validates the parameters that do not depend on the documents.
    pub fn check(&self) -> Result<()> {
        self.analyzer.check()?;
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if self.max_features == Some(0) {
            return Err(TextError::param("max_features", 0, "at least 1, or none for all terms"));
        }
        Ok(())
    }

    /// Learns the vocabulary and idf of `docs`.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<FittedTfIdf> {
        Ok(self.fit_counts(docs)?.0)
    }

    /// Learns the vocabulary and idf of `docs` and returns their TF-IDF rows
    /// as [`Features`] (CSR, row ids `0..n`, the vocabulary as feature names).
    /// Same result as `fit` then `transform`, tokenizing once.
    pub fn fit_transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<(FittedTfIdf, Features)> {
        let (fitted, counts) = self.fit_counts(docs)?;
        let csr = fitted.weigh(counts)?;
        let features = fitted.features_from(csr);
        Ok((fitted, features))
    }

    fn fit_counts<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<(FittedTfIdf, Counts)> {
        self.check()?;
        if docs.is_empty() {
            return Err(TextError::NoDocuments);
        }
        let analyzer = self.analyzer.build()?;
        let n_docs = docs.len();
        let (vocabulary, counts) = count_vocabulary(&analyzer, docs);
        if vocabulary.is_empty() {
            return Err(TextError::EmptyVocabulary { n_docs });
        }
        let n_terms_seen = vocabulary.len();
        let max_count = self.max_df.as_count(n_docs);
        let min_count = self.min_df.as_count(n_docs);
        if max_count < min_count {
            return Err(TextError::DocFreqRange {
                min_df: self.min_df.to_string(),
                max_df: self.max_df.to_string(),
                min_count,
                max_count,
            });
        }
        let df = counts.document_frequency();
        let mut keep: Vec<bool> = df.iter().map(|&d| (d as f64) <= max_count && (d as f64) >= min_count).collect();
        if let Some(limit) = self.max_features {
            if keep.iter().filter(|&&k| k).count() > limit {
                let tf = counts.term_frequency();
                let mut kept: Vec<usize> = (0..keep.len()).filter(|&j| keep[j]).collect();
                // Most frequent first; equal counts in vocabulary (alphabetical) order.
                kept.sort_by(|&a, &b| tf[b].cmp(&tf[a]).then(a.cmp(&b)));
                keep.iter_mut().for_each(|k| *k = false);
                kept[..limit].iter().for_each(|&j| keep[j] = true);
            }
        }
        let n_kept = keep.iter().filter(|&&k| k).count();
        if n_kept == 0 {
            return Err(TextError::NoTermsAfterPruning {
                n_terms: n_terms_seen,
                min_df: self.min_df.to_string(),
                max_df: self.max_df.to_string(),
                n_docs,
            });
        }
        let counts = counts.keep_columns(&keep);
        let vocabulary: Vec<String> = vocabulary.into_iter().zip(&keep).filter(|(_, &k)| k).map(|(t, _)| t).collect();
        let smooth = f64::from(u8::from(self.smooth_idf));
        let idf = counts
            .document_frequency()
            .iter()
            .map(|&d| ((n_docs as f64 + smooth) / (d as f64 + smooth)).ln() + 1.0)
            .collect();
        let fitted = FittedTfIdf::new(self.clone(), vocabulary, idf, n_docs, n_terms_seen)?;
        Ok((fitted, counts))
    }
}

/// A fitted TF-IDF vectorizer: the sorted vocabulary, the idf of each term
/// and the parameters. `transform` repeats exactly the fit-time weighting on
/// new documents. Serialises with serde (the term index is rebuilt on load).
#[derive(Clone)]
pub struct FittedTfIdf {
    params: TfIdf,
    vocabulary: Vec<String>,
    idf: Vec<f64>,
    n_docs: usize,
    n_terms_seen: usize,
    index: FxHashMap<String, u32>,
    analyzer: Analyzer,
}

impl fmt::Debug for FittedTfIdf {
    // The vocabulary and index can hold many thousands of terms: show sizes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FittedTfIdf")
            .field("params", &self.params)
            .field("n_terms", &self.vocabulary.len())
            .field("n_docs", &self.n_docs)
            .field("n_terms_seen", &self.n_terms_seen)
            .finish_non_exhaustive()
    }
}

impl PartialEq for FittedTfIdf {
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params
            && self.vocabulary == other.vocabulary
            && self.idf == other.idf
            && self.n_docs == other.n_docs
            && self.n_terms_seen == other.n_terms_seen
    }
}

impl FittedTfIdf {
    fn new(params: TfIdf, vocabulary: Vec<String>, idf: Vec<f64>, n_docs: usize, n_terms_seen: usize) -> Result<Self> {
        params.check()?;
        let bad = |m: String| Err(TextError::Model(m));
        if vocabulary.is_empty() {
            return bad("the vocabulary is empty".into());
        }
        if vocabulary.len() != idf.len() {
            return bad(format!("{} terms but {} idf values", vocabulary.len(), idf.len()));
        }
        if vocabulary.len() > u32::MAX as usize {
            return bad("more terms than u32 column indices".into());
        }
        if let Some(w) = vocabulary.windows(2).find(|w| w[0] >= w[1]) {
            return bad(format!("the vocabulary is not sorted and unique at {:?}, {:?}", w[0], w[1]));
        }
        if let Some(v) = idf.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return bad(format!("idf value {v} is not a finite positive number"));
        }
        let index = vocabulary.iter().enumerate().map(|(j, t)| (t.clone(), j as u32)).collect();
        let analyzer = params.analyzer.build()?;
        Ok(FittedTfIdf { params, vocabulary, idf, n_docs, n_terms_seen, index, analyzer })
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &TfIdf {
        &self.params
    }
    /// The terms, sorted (column `j` of the output is `vocabulary()[j]`).
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }
    /// Inverse document frequency of each term.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }
    /// Number of terms (columns).
    pub fn n_terms(&self) -> usize {
        self.vocabulary.len()
    }
    /// Number of documents fitted on.
    pub fn n_docs(&self) -> usize {
        self.n_docs
    }
    /// Distinct terms seen before `min_df` / `max_df` / `max_features` pruning.
    pub fn n_terms_seen(&self) -> usize {
        self.n_terms_seen
    }
    /// Column of `term`, if it is in the vocabulary.
    pub fn column(&self, term: &str) -> Option<usize> {
        self.index.get(term).map(|&j| j as usize)
    }
    /// The terms of `text` as the analyzer produces them (in vocabulary or not).
    pub fn analyze(&self, text: &str) -> Vec<String> {
        self.analyzer.clone().terms(text)
    }

    /// TF-IDF rows of `docs`, columns sorted within each row. Terms not in
    /// the vocabulary are ignored; a document with none gives an empty row.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Csr> {
        let parts: Vec<Counts> = docs
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut analyzer = self.analyzer.clone();
                let mut counts = Counts::new(self.n_terms());
                let mut ids = Vec::new();
                for doc in chunk {
                    ids.clear();
                    analyzer.for_each_term(doc.as_ref(), |t| {
                        if let Some(&j) = self.index.get(t) {
                            ids.push(j);
                        }
                    });
                    counts.push_row(&mut ids);
                }
                counts
            })
            .collect();
        self.weigh(Counts::concat(parts, self.n_terms()))
    }

    /// [`transform`](Self::transform) wrapped as [`Features`] (row ids `0..n`,
    /// the vocabulary as feature names).
    pub fn features<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Features> {
        Ok(self.features_from(self.transform(docs)?))
    }

    fn features_from(&self, csr: Csr) -> Features {
        let mut features = Features::sparse(csr);
        features.feature_names = self.vocabulary.clone();
        features
    }

    /// Term counts → weighted, normalised CSR (all arithmetic in f64 as
    /// scikit-learn, stored as f32).
    fn weigh(&self, counts: Counts) -> Result<Csr> {
        let Counts { indptr, indices, counts, n_cols } = counts;
        let mut values = vec![0f32; counts.len()];
        let mut row = Vec::new();
        for r in 0..indptr.len() - 1 {
            let span = indptr[r]..indptr[r + 1];
            row.clear();
            row.extend(indices[span.clone()].iter().zip(&counts[span.clone()]).map(|(&j, &c)| {
                let tf = if self.params.sublinear_tf { (c as f64).ln() + 1.0 } else { c as f64 };
                tf * self.idf[j as usize]
            }));
            let norm = match self.params.norm {
                Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
                Norm::L1 => row.iter().map(|v| v.abs()).sum::<f64>(),
                Norm::None => 1.0,
            };
            let norm = if norm == 0.0 { 1.0 } else { norm };
            for (out, v) in values[span].iter_mut().zip(&row) {
                *out = (v / norm) as f32;
            }
        }
        Ok(Csr::new(indptr.len() - 1, n_cols, indptr, indices, values)?)
    }
}

/// Rows of documents with no vocabulary term (empty, only stop words, or
/// only unknown or pruned terms).
pub fn empty_rows(x: &Csr) -> Vec<usize> {
    (0..x.n_rows()).filter(|&i| x.row(i).1.iter().all(|&v| v == 0.0)).collect()
}

/// Term counts in CSR layout, columns sorted within each row.
#[derive(Debug, Clone)]
struct Counts {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    counts: Vec<u32>,
    n_cols: usize,
}

impl Counts {
    fn new(n_cols: usize) -> Self {
        Counts { indptr: vec![0], indices: Vec::new(), counts: Vec::new(), n_cols }
    }

    /// Appends a row from a list of column ids with repeats (sorted in place).
    fn push_row(&mut self, ids: &mut [u32]) {
        ids.sort_unstable();
        for run in ids.chunk_by(|a, b| a == b) {
            self.indices.push(run[0]);
            self.counts.push(run.len() as u32);
        }
        self.indptr.push(self.indices.len());
    }

    fn concat(parts: Vec<Counts>, n_cols: usize) -> Counts {
        let mut out = Counts::new(n_cols);
        for part in parts {
            let base = out.indices.len();
            out.indptr.extend(part.indptr[1..].iter().map(|p| p + base));
            out.indices.extend(part.indices);
            out.counts.extend(part.counts);
        }
        out
    }

    fn document_frequency(&self) -> Vec<u32> {
        let mut df = vec![0u32; self.n_cols];
        self.indices.iter().for_each(|&j| df[j as usize] += 1);
        df
    }

    fn term_frequency(&self) -> Vec<u64> {
        let mut tf = vec![0u64; self.n_cols];
        self.indices.iter().zip(&self.counts).for_each(|(&j, &c)| tf[j as usize] += c as u64);
        tf
    }

    /// Only the columns with `keep[j]`, renumbered in order (rows stay sorted).
    fn keep_columns(self, keep: &[bool]) -> Counts {
        if keep.iter().all(|&k| k) {
            return self;
        }
        let mut new_index = vec![u32::MAX; keep.len()];
        let mut next = 0u32;
        for (j, &k) in keep.iter().enumerate() {
            if k {
                new_index[j] = next;
                next += 1;
            }
        }
        let mut out = Counts::new(next as usize);
        out.indptr.clear();
        out.indptr.push(0);
        for r in 0..self.indptr.len() - 1 {
            for p in self.indptr[r]..self.indptr[r + 1] {
                let j = new_index[self.indices[p] as usize];
                if j != u32::MAX {
                    out.indices.push(j);
                    out.counts.push(self.counts[p]);
                }
            }
            out.indptr.push(out.indices.len());
        }
        out
    }
}

/// One chunk's tokens: its own term ids (in first-seen order) and rows.
struct ChunkCounts {
    terms: Vec<String>,
    counts: Counts,
}

/// Tokenizes every document (in parallel chunks) and returns the sorted
/// vocabulary with the count matrix over it.
fn count_vocabulary<S: AsRef<str> + Sync>(analyzer: &Analyzer, docs: &[S]) -> (Vec<String>, Counts) {
    let chunks: Vec<ChunkCounts> = docs
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut analyzer = analyzer.clone();
            let mut index: FxHashMap<String, u32> = FxHashMap::default();
            let mut terms = Vec::new();
            let mut counts = Counts::new(0);
            let mut ids = Vec::new();
            for doc in chunk {
                ids.clear();
                analyzer.for_each_term(doc.as_ref(), |t| {
                    let id = match index.get(t) {
                        Some(&id) => id,
                        None => {
                            let id = terms.len() as u32;
                            index.insert(t.to_string(), id);
                            terms.push(t.to_string());
                            id
                        }
                    };
                    ids.push(id);
                });
                counts.push_row(&mut ids);
            }
            counts.n_cols = terms.len();
            ChunkCounts { terms, counts }
        })
        .collect();

    // Merge the chunk vocabularies, then sort: a term's column is its rank.
    let mut global: FxHashMap<String, u32> = FxHashMap::default();
    let mut all_terms: Vec<String> = Vec::new();
    let local_to_global: Vec<Vec<u32>> = chunks
        .iter()
        .map(|c| {
            c.terms
                .iter()
                .map(|t| {
                    *global.entry(t.clone()).or_insert_with(|| {
                        all_terms.push(t.clone());
                        (all_terms.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    let mut order: Vec<u32> = (0..all_terms.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| all_terms[a as usize].cmp(&all_terms[b as usize]));
    let mut rank = vec![0u32; order.len()];
    for (r, &g) in order.iter().enumerate() {
        rank[g as usize] = r as u32;
    }
    let n_cols = all_terms.len();
    let parts: Vec<Counts> = chunks
        .into_par_iter()
        .zip(local_to_global)
        .map(|(chunk, to_global)| {
            let c = chunk.counts;
            let mut out = Counts::new(n_cols);
            out.indices.reserve(c.indices.len());
            out.counts.reserve(c.counts.len());
            let mut row: Vec<(u32, u32)> = Vec::new();
            for r in 0..c.indptr.len() - 1 {
                row.clear();
                row.extend(
                    (c.indptr[r]..c.indptr[r + 1]).map(|p| (rank[to_global[c.indices[p] as usize] as usize], c.counts[p])),
                );
                row.sort_unstable_by_key(|&(j, _)| j);
                for &(j, n) in &row {
                    out.indices.push(j);
                    out.counts.push(n);
                }
                out.indptr.push(out.indices.len());
            }
            out
        })
        .collect();
    let mut vocabulary: Vec<Option<String>> = all_terms.into_iter().map(Some).collect();
    let vocabulary = order.iter().map(|&g| vocabulary[g as usize].take().unwrap_or_default()).collect();
    (vocabulary, Counts::concat(parts, n_cols))
}

/// The serialised form of a [`FittedTfIdf`].
#[derive(Serialize)]
struct FittedRef<'a> {
    params: &'a TfIdf,
    n_docs: usize,
    n_terms_seen: usize,
    vocabulary: &'a [String],
    idf: &'a [f64],
}

#[derive(Deserialize)]
struct FittedData {
    params: TfIdf,
    n_docs: usize,
    n_terms_seen: usize,
    vocabulary: Vec<String>,
    idf: Vec<f64>,
}

impl Serialize for FittedTfIdf {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> std::result::Result<Ser::Ok, Ser::Error> {
        FittedRef {
            params: &self.params,
            n_docs: self.n_docs,
            n_terms_seen: self.n_terms_seen,
            vocabulary: &self.vocabulary,
            idf: &self.idf,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FittedTfIdf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let f = FittedData::deserialize(d)?;
        FittedTfIdf::new(f.params, f.vocabulary, f.idf, f.n_docs, f.n_terms_seen).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_core::Matrix;

    const DOCS: [&str; 4] = [
        "This is the first document.",
        "This document is the second document.",
        "And this is the third one.",
        "Is this the first document?",
    ];

    #[test]
    fn sklearn_docstring_example() {
        // sklearn.feature_extraction.text.TfidfVectorizer docstring corpus.
        let (fitted, features) = TfIdf::new().fit_transform(&DOCS).unwrap();
        assert_eq!(fitted.vocabulary(), ["and", "document", "first", "is", "one", "second", "the", "third", "this"]);
        // TfidfVectorizer().fit(DOCS).idf_
        let idf = [1.91629073, 1.22314355, 1.51082562, 1.0, 1.91629073, 1.91629073, 1.0, 1.91629073, 1.0];
        for (a, b) in fitted.idf().iter().zip(idf) {
            assert!((a - b).abs() < 1e-8, "{a} vs {b}");
        }
        let Matrix::Sparse(x) = &features.data else { panic!("TF-IDF is sparse") };
        // TfidfVectorizer().fit_transform(DOCS)[1]
        let (idx, val) = x.row(1);
        assert_eq!(idx, [1, 3, 5, 6, 8]);
        for (a, b) in val.iter().zip([0.6876236, 0.28108867, 0.53864762, 0.28108867, 0.28108867]) {
            assert!((*a as f64 - b).abs() < 1e-7, "{a} vs {b}");
        }
        assert_eq!(&fitted.transform(&DOCS).unwrap(), x);
    }

    #[test]
    fn pruning_by_counts_fractions_and_max_features() {
        let params = TfIdf::new().min_df(DocFreq::Count(2)).max_df(DocFreq::Fraction(0.75));
        let fitted = params.fit(&DOCS).unwrap();
        // df: document 3, first 2, is 4, the 4, this 4 → keep document, first (<= 3 docs, >= 2).
        assert_eq!(fitted.vocabulary(), ["document", "first"]);
        assert_eq!(fitted.n_terms_seen(), 9);
        // max_features: total counts document 4, first 2, is/the/this 4 → ties alphabetical.
        let fitted = TfIdf::new().max_features(Some(3)).fit(&DOCS).unwrap();
        assert_eq!(fitted.vocabulary(), ["document", "is", "the"]);
    }

    #[test]
    fn norms_and_sublinear_tf() {
        let docs = ["apple apple apple pear", "pear plum"];
        for norm in [Norm::L1, Norm::None] {
            let fitted = TfIdf::new().norm(norm).sublinear_tf(true).fit(&docs).unwrap();
            let x = fitted.transform(&docs).unwrap();
            let (_, v) = x.row(0);
            // apple: (1 + ln 3) · idf(apple); idf = ln(3/2) + 1, pear: ln(3/3) + 1 = 1.
            let apple = (1.0 + 3f64.ln()) * ((3.0f64 / 2.0).ln() + 1.0);
            let (a, p) = match norm {
                Norm::L1 => (apple / (apple + 1.0), 1.0 / (apple + 1.0)),
                _ => (apple, 1.0),
            };
            assert!((v[0] as f64 - a).abs() < 1e-6 && (v[1] as f64 - p).abs() < 1e-6, "{norm:?}: {v:?}");
        }
        let fitted = TfIdf::new().smooth_idf(false).fit(&docs).unwrap();
        assert!((fitted.idf()[0] - (2f64.ln() + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn errors_not_panics() {
        let none: [&str; 0] = [];
        assert!(matches!(TfIdf::new().fit(&none), Err(TextError::NoDocuments)));
        let only_stop = ["the and of", "", "  !! a"];
        let err = TfIdf::for_topics().fit(&only_stop).unwrap_err();
        assert!(matches!(err, TextError::EmptyVocabulary { n_docs: 3 }), "{err}");
        assert!(err.to_string().contains("stop words"), "{err}");
        let err = TfIdf::new().min_df(DocFreq::Count(5)).fit(&DOCS).unwrap_err();
        assert!(matches!(err, TextError::DocFreqRange { .. }), "{err}");
        let err = TfIdf::new().min_df(DocFreq::Count(4)).max_df(DocFreq::Count(4)).max_features(None).fit(&["aa bb", "aa", "aa", "bb"]).unwrap_err();
        assert!(matches!(err, TextError::NoTermsAfterPruning { .. }), "{err}");
        assert!(err.to_string().contains("lower min_df"), "{err}");
        let err = TfIdf::new().max_df(DocFreq::Fraction(1.5)).fit(&DOCS).unwrap_err();
        assert!(err.to_string().contains("max_df"), "{err}");
        assert!(TfIdf::new().max_features(Some(0)).fit(&DOCS).is_err());
    }

    #[test]
    fn empty_documents_give_empty_rows() {
        let docs = ["java code", "", "the", "java"];
        let (fitted, features) = TfIdf::new().stop_words(StopWords::english()).fit_transform(&docs).unwrap();
        let Matrix::Sparse(x) = &features.data else { panic!() };
        assert_eq!(empty_rows(x), [1, 2]);
        let unseen = fitted.transform(&["python", "java"]).unwrap();
        assert_eq!(empty_rows(&unseen), [0]);
    }

    #[test]
    fn doc_freq_parsing() {
        assert_eq!(DocFreq::parse("2").unwrap(), DocFreq::Count(2));
        assert_eq!(DocFreq::parse("0.5").unwrap(), DocFreq::Fraction(0.5));
        assert_eq!(DocFreq::parse("1.0").unwrap(), DocFreq::Fraction(1.0));
        assert!(DocFreq::parse("0").is_err());
        assert!(DocFreq::parse("1.5").is_err());
        assert!(DocFreq::parse("two").is_err());
        assert_eq!(DocFreq::Fraction(1.0).to_string(), "1.0");
    }

    #[test]
    fn json_round_trip_repeats_the_transform() {
        let (fitted, features) = TfIdf::for_topics().min_df(DocFreq::Count(1)).max_df(DocFreq::Fraction(1.0)).fit_transform(&DOCS).unwrap();
        let json = serde_json::to_string(&fitted).unwrap();
        let back: FittedTfIdf = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fitted);
        let Matrix::Sparse(x) = &features.data else { panic!() };
        assert_eq!(&back.transform(&DOCS).unwrap(), x);
        // A hand-edited file whose vocabulary is no longer sorted is rejected.
        assert_eq!(back.vocabulary(), ["document", "second"]);
        let broken = json.replace("\"document\"", "\"zzz\"");
        let err = serde_json::from_str::<FittedTfIdf>(&broken).unwrap_err();
        assert!(err.to_string().contains("not sorted"), "{err}");
    }
}
