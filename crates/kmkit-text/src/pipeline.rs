//! The documents → topics pipeline as plain library calls: featurize
//! (TF-IDF, optional LSA), cluster with the core, assign new documents,
//! describe topics, score against known labels, save and load.

use kmkit_core::{
    metrics, Csr, Features, KMeans, KMeansParams, Matrix, Metric, Model, MODEL_FORMAT_VERSION,
};
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TextError};
use crate::lsa::{FittedLsa, Lsa};
use crate::tfidf::{empty_rows, FittedTfIdf, TfIdf};
use crate::topics::{nearest_documents, top_terms, TermWeight, Topic};

/// Version of the topic-model JSON format; bumped on incompatible changes.
pub const TOPIC_MODEL_FORMAT_VERSION: u32 = 1;

/// k-means restarts in the LSA space unless the caller chose `n_init`.
/// Single runs there vary widely with the seed (NMI 0.61–0.71 over ten seeds
/// on the StackOverflow titles, k = 20), the best-inertia run of five is
/// steadier (0.68–0.71), and a run costs a fraction of a second.
pub const LSA_N_INIT: usize = 5;

/// Everything that defines a topic model: TF-IDF, optional LSA, k-means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicsConfig {
    /// TF-IDF parameters.
    pub tfidf: TfIdf,
    /// LSA before clustering, if any.
    pub lsa: Option<Lsa>,
    /// k-means parameters (cosine metric by default: spherical k-means).
    pub kmeans: KMeansParams,
}

impl TopicsConfig {
    /// The default pipeline for `k` topics: [`TfIdf::for_topics`] (English
    /// stop words, sublinear tf, `min_df=2`, `max_df=0.5`), no LSA, spherical
    /// k-means with the core's defaults.
    pub fn new(k: usize) -> Self {
        TopicsConfig {
            tfidf: TfIdf::for_topics(),
            lsa: None,
            kmeans: KMeans::params(k).metric(Metric::Cosine),
        }
    }
    /// Adds LSA to `n_components` dimensions (seeded like k-means), and
    /// [`LSA_N_INIT`] k-means restarts if `n_init` was not set.
    pub fn lsa(mut self, n_components: usize) -> Self {
        self.lsa = Some(Lsa::new(n_components).seed(self.kmeans.seed));
        self.kmeans.n_init.get_or_insert(LSA_N_INIT);
        self
    }
    /// Sets the seed of k-means and of LSA.
    pub fn seed(mut self, seed: u64) -> Self {
        self.kmeans.seed = seed;
        if let Some(lsa) = &mut self.lsa {
            lsa.seed = seed;
        }
        self
    }
    /// Sets the TF-IDF parameters.
    pub fn tfidf(mut self, tfidf: TfIdf) -> Self {
        self.tfidf = tfidf;
        self
    }
    /// Sets the k-means parameters.
    pub fn kmeans(mut self, kmeans: KMeansParams) -> Self {
        self.kmeans = kmeans;
        self
    }
}

/// Documents as the clustering sees them, with the fitted transforms.
#[derive(Debug, Clone)]
pub struct DocFeatures {
    /// The fitted TF-IDF.
    pub tfidf: FittedTfIdf,
    /// The fitted LSA, if any.
    pub lsa: Option<FittedLsa>,
    /// One row per document: TF-IDF (CSR) or LSA (dense) features.
    pub features: Features,
    /// Rows with at least one vocabulary term: the ones that are clustered.
    /// The others (empty, only stop words or unknown terms) get no topic.
    pub usable: Vec<usize>,
}

impl DocFeatures {
    /// Fits TF-IDF (and LSA, on the usable rows) to `docs`.
    pub fn fit<S: AsRef<str> + Sync>(config: &TopicsConfig, docs: &[S]) -> Result<DocFeatures> {
        let (tfidf, features) = config.tfidf.fit_transform(docs)?;
        let usable = usable_rows(&features);
        let (lsa, features) = match &config.lsa {
            None => (None, features),
            Some(lsa) => {
                let x = sparse(&features)?;
                let fitted = if usable.len() == x.n_rows() {
                    lsa.fit(x)?
                } else {
                    lsa.fit(&x.select_rows(&usable))?
                };
                let lsa_features = fitted.features(x)?;
                (
                    Some(fitted),
                    Features {
                        row_ids: features.row_ids,
                        ..lsa_features
                    },
                )
            }
        };
        Ok(DocFeatures {
            tfidf,
            lsa,
            features,
            usable,
        })
    }

    /// The usable rows only (what k-means is fitted on).
    pub fn usable_features(&self) -> Features {
        select_rows(&self.features, &self.usable)
    }
}

/// A fitted topic model: the transforms and the k-means model. Serialises
/// to one JSON document so `predict` repeats the whole pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicModel {
    /// JSON format version ([`TOPIC_MODEL_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The fitted TF-IDF.
    pub tfidf: FittedTfIdf,
    /// The fitted LSA, if any.
    pub lsa: Option<FittedLsa>,
    /// The k-means model (centroids in TF-IDF or LSA space).
    pub kmeans: Model,
}

/// The topic of each document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// Cluster of each document; `None` for documents with no vocabulary term.
    pub labels: Vec<Option<u32>>,
    /// Squared distance of each document to its centroid (for the cosine
    /// metric: between unit vectors, `2 − 2·cos`).
    pub distances: Vec<Option<f32>>,
}

impl Assignment {
    /// Documents with no topic.
    pub fn n_unassigned(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }
    /// Labels with the unassigned documents as one extra group `k`, the form
    /// the metrics take.
    pub fn labels_with_unassigned_as(&self, k: u32) -> Vec<u32> {
        self.labels.iter().map(|l| l.unwrap_or(k)).collect()
    }
}

/// A fitted model with the features and topics of the documents it was fitted on.
#[derive(Debug, Clone)]
pub struct TopicFit {
    /// The model.
    pub model: TopicModel,
    /// The features of the fit documents (all rows, usable or not).
    pub features: Features,
    /// The topic of each fit document.
    pub assignment: Assignment,
}

/// Agreement of an assignment with known labels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Adjusted Rand index.
    pub ari: f64,
    /// Normalised mutual information (arithmetic mean).
    pub nmi: f64,
    /// Homogeneity.
    pub homogeneity: f64,
    /// Completeness.
    pub completeness: f64,
    /// V-measure.
    pub v_measure: f64,
    /// Documents without a topic, scored as one extra group.
    pub n_unassigned: usize,
}

impl TopicModel {
    /// Featurizes `docs` and clusters the usable ones (see [`DocFeatures`]).
    pub fn fit<S: AsRef<str> + Sync>(config: &TopicsConfig, docs: &[S]) -> Result<TopicFit> {
        let doc_features = DocFeatures::fit(config, docs)?;
        TopicModel::fit_features(&config.kmeans, doc_features)
    }

    /// Clusters already featurized documents.
    pub fn fit_features(kmeans: &KMeansParams, doc_features: DocFeatures) -> Result<TopicFit> {
        let DocFeatures {
            tfidf,
            lsa,
            features,
            usable,
        } = doc_features;
        let k = kmeans.n_clusters;
        if k > usable.len() {
            return Err(TextError::TooFewDocuments {
                k,
                n_usable: usable.len(),
                n_docs: features.n_rows(),
            });
        }
        let model = kmeans.fit(&select_rows(&features, &usable))?;
        let model = TopicModel::new(tfidf, lsa, model)?;
        let assignment = model.assign(&features)?;
        Ok(TopicFit {
            model,
            features,
            assignment,
        })
    }

    /// Number of topics.
    pub fn n_topics(&self) -> usize {
        self.kmeans.n_clusters()
    }

    /// The features of `docs`, exactly as at fit time (TF-IDF, then LSA).
    pub fn featurize<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Features> {
        let tfidf = self.tfidf.features(docs)?;
        match &self.lsa {
            None => Ok(tfidf),
            Some(lsa) => lsa.features(sparse(&tfidf)?),
        }
    }

    /// The nearest topic of each row of `features` (from [`featurize`](Self::featurize)).
    pub fn assign(&self, features: &Features) -> Result<Assignment> {
        let usable = usable_rows(features);
        let n = features.n_rows();
        let mut assignment = Assignment {
            labels: vec![None; n],
            distances: vec![None; n],
        };
        if usable.is_empty() {
            return Ok(assignment);
        }
        let (labels, distances) = self
            .kmeans
            .assign((&select_rows(features, &usable)).into())?;
        for ((&i, l), d) in usable.iter().zip(labels).zip(distances) {
            assignment.labels[i] = Some(l);
            assignment.distances[i] = Some(d);
        }
        Ok(assignment)
    }

    /// The topic of each of `docs`; `None` for a document with no vocabulary term.
    pub fn predict<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Assignment> {
        self.assign(&self.featurize(docs)?)
    }

    /// The `n` heaviest terms of each centroid (back-projected to terms under LSA).
    pub fn top_terms(&self, n: usize) -> Result<Vec<Vec<TermWeight>>> {
        let c = &self.kmeans.centroids;
        let weights = match &self.lsa {
            None => c.mapv(|v| v as f64),
            Some(lsa) => {
                let rows = c
                    .rows()
                    .into_iter()
                    .map(|r| lsa.back_project(r))
                    .collect::<Result<Vec<_>>>()?;
                Array2::from_shape_fn((c.nrows(), lsa.n_terms()), |(i, j)| rows[i][j])
            }
        };
        top_terms(weights.view(), self.tfidf.vocabulary(), n)
    }

    /// Every topic: size, `n_terms` top terms and the `n_examples` documents
    /// of `assignment` nearest its centroid.
    pub fn topics(
        &self,
        assignment: &Assignment,
        n_terms: usize,
        n_examples: usize,
    ) -> Result<Vec<Topic>> {
        let k = self.n_topics();
        let terms = self.top_terms(n_terms)?;
        let examples = nearest_documents(&assignment.labels, &assignment.distances, k, n_examples)?;
        let mut sizes = vec![0usize; k];
        assignment
            .labels
            .iter()
            .flatten()
            .for_each(|&l| sizes[l as usize] += 1);
        Ok(terms
            .into_iter()
            .zip(examples)
            .enumerate()
            .map(|(c, (terms, examples))| Topic {
                cluster: c as u32,
                size: sizes[c],
                terms,
                examples,
            })
            .collect())
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a topic model always serialises")
    }

    /// A model from JSON written by [`TopicModel::to_json`], checked for
    /// consistency (format versions, shapes).
    pub fn from_json(text: &str) -> Result<TopicModel> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let v: Version = serde_json::from_str(text)
            .map_err(|e| TextError::Model(format!("not a kmkit topic model: {e}")))?;
        if v.format_version != TOPIC_MODEL_FORMAT_VERSION {
            return Err(TextError::Model(format!(
                "format version {} is not supported (this build reads version {TOPIC_MODEL_FORMAT_VERSION})",
                v.format_version
            )));
        }
        let m: TopicModel = serde_json::from_str(text)
            .map_err(|e| TextError::Model(format!("malformed topic model: {e}")))?;
        TopicModel::new(m.tfidf, m.lsa, m.kmeans)
    }

    /// A model from its parts (e.g. a k-means model chosen by a sweep over
    /// k, or parts read from another file format), checked for consistency:
    /// the k-means format version, centroids as wide as the features, an LSA
    /// projection over the same vocabulary.
    pub fn new(tfidf: FittedTfIdf, lsa: Option<FittedLsa>, kmeans: Model) -> Result<TopicModel> {
        if kmeans.format_version != MODEL_FORMAT_VERSION {
            return Err(TextError::Model(format!(
                "k-means model format {} is not supported (this build reads {MODEL_FORMAT_VERSION})",
                kmeans.format_version
            )));
        }
        let width = lsa
            .as_ref()
            .map_or(tfidf.n_terms(), FittedLsa::n_components);
        let (k, d) = kmeans.centroids.dim();
        if k == 0 || d != width || kmeans.centroids.iter().any(|v| !v.is_finite()) {
            return Err(TextError::Model(format!(
                "centroids are {k} × {d}; expected k ≥ 1 finite rows of {width}"
            )));
        }
        if let Some(lsa) = &lsa {
            if lsa.n_terms() != tfidf.n_terms() {
                return Err(TextError::Model(format!(
                    "the LSA projection has {} terms, the vocabulary {}",
                    lsa.n_terms(),
                    tfidf.n_terms()
                )));
            }
        }
        Ok(TopicModel {
            format_version: TOPIC_MODEL_FORMAT_VERSION,
            tfidf,
            lsa,
            kmeans,
        })
    }
}

/// ARI, NMI, homogeneity, completeness and V-measure of `assignment` against
/// the classes `truth` (unassigned documents count as one extra group).
pub fn score(truth: &[u32], assignment: &Assignment) -> Result<Scores> {
    if truth.len() != assignment.labels.len() {
        return Err(TextError::ShapeMismatch(format!(
            "{} labels for {} documents",
            truth.len(),
            assignment.labels.len()
        )));
    }
    let extra = assignment
        .labels
        .iter()
        .flatten()
        .max()
        .map_or(0, |&m| m + 1);
    let pred = assignment.labels_with_unassigned_as(extra);
    let v = metrics::homogeneity_completeness_v_measure(truth, &pred)?;
    Ok(Scores {
        ari: metrics::adjusted_rand_index(truth, &pred)?,
        nmi: metrics::normalized_mutual_info(truth, &pred)?,
        homogeneity: v.homogeneity,
        completeness: v.completeness,
        v_measure: v.v_measure,
        n_unassigned: assignment.n_unassigned(),
    })
}

/// Rows with a non-zero value.
fn usable_rows(features: &Features) -> Vec<usize> {
    match &features.data {
        Matrix::Sparse(x) => {
            let empty = empty_rows(x);
            (0..x.n_rows())
                .filter(|i| empty.binary_search(i).is_err())
                .collect()
        }
        Matrix::Dense(x) => x
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|&v| v != 0.0))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// The given rows of `features`, in order (a clone when that is all of them).
fn select_rows(features: &Features, rows: &[usize]) -> Features {
    if rows.len() == features.n_rows() {
        return features.clone();
    }
    let data = match &features.data {
        Matrix::Sparse(x) => Matrix::Sparse(x.select_rows(rows)),
        Matrix::Dense(x) => Matrix::Dense(x.select(Axis(0), rows)),
    };
    Features {
        data,
        row_ids: rows.iter().map(|&i| features.row_ids[i].clone()).collect(),
        feature_names: features.feature_names.clone(),
        weights: features
            .weights
            .as_ref()
            .map(|w| rows.iter().map(|&i| w[i]).collect()),
    }
}

fn sparse(features: &Features) -> Result<&Csr> {
    match &features.data {
        Matrix::Sparse(x) => Ok(x),
        Matrix::Dense(_) => Err(TextError::ShapeMismatch(
            "LSA needs the sparse TF-IDF matrix".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfidf::DocFreq;

    const DOCS: [&str; 10] = [
        "rust borrow checker lifetimes",
        "rust cargo crates compile",
        "rust lifetimes and the borrow checker",
        "cargo build of rust crates",
        "bake bread with flour and yeast",
        "sourdough bread flour starter",
        "yeast dough bread oven",
        "the oven bakes the bread",
        "",
        "the and of",
    ];

    fn config(k: usize) -> TopicsConfig {
        TopicsConfig::new(k)
            .tfidf(TfIdf::for_topics().min_df(DocFreq::Count(1)))
            .seed(3)
    }

    #[test]
    fn two_clear_topics_and_unassigned_documents() {
        let fit = TopicModel::fit(&config(2), &DOCS).unwrap();
        let labels = &fit.assignment.labels;
        assert_eq!(labels[8], None);
        assert_eq!(labels[9], None);
        assert!(
            labels[..4].iter().all(|l| *l == labels[0])
                && labels[4..8].iter().all(|l| *l == labels[4])
        );
        assert_ne!(labels[0], labels[4]);
        assert_eq!(fit.assignment.n_unassigned(), 2);
        let topics = fit.model.topics(&fit.assignment, 3, 2).unwrap();
        let rust = &topics[labels[0].unwrap() as usize];
        assert_eq!(rust.size, 4);
        assert_eq!(rust.terms[0].term, "rust");
        assert_eq!(rust.examples.len(), 2);
        assert!(rust.examples.iter().all(|&i| i < 4));
        let bread = &topics[labels[4].unwrap() as usize];
        assert_eq!(bread.terms[0].term, "bread");
        let truth = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        let s = score(&truth, &fit.assignment).unwrap();
        assert!(
            (s.nmi - 1.0).abs() < 1e-12 && (s.ari - 1.0).abs() < 1e-12,
            "{s:?}"
        );
        assert!(score(&truth[..3], &fit.assignment).is_err());
    }

    #[test]
    fn predict_after_json_round_trip_with_lsa() {
        let fit = TopicModel::fit(&config(2).lsa(2), &DOCS).unwrap();
        let json = fit.model.to_json();
        let back = TopicModel::from_json(&json).unwrap();
        // Fit labels are not part of the saved k-means model; all else is.
        assert_eq!(back.to_json(), json);
        assert_eq!(back.predict(&DOCS).unwrap(), fit.assignment);
        let new = back
            .predict(&["rust crates", "fresh bread", "nothing known here"])
            .unwrap();
        assert_eq!(new.labels[0], fit.assignment.labels[0]);
        assert_eq!(new.labels[1], fit.assignment.labels[4]);
        assert_eq!(new.labels[2], None);
        let terms = back.top_terms(2).unwrap();
        assert_eq!(terms.len(), 2);
        assert!(json.contains("\"format_version\":1"));
        let err = TopicModel::from_json(&json.replacen(
            "\"format_version\":1",
            "\"format_version\":99",
            1,
        ))
        .unwrap_err();
        assert!(err.to_string().contains("version 99"), "{err}");
        assert!(TopicModel::from_json("{}").is_err());
    }

    #[test]
    fn clear_errors() {
        let err = TopicModel::fit(&config(9), &DOCS).unwrap_err();
        assert!(
            matches!(
                err,
                TextError::TooFewDocuments {
                    k: 9,
                    n_usable: 8,
                    n_docs: 10
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("lower k"), "{err}");
        let err = TopicModel::fit(&config(2), &["", "the of", "a"]).unwrap_err();
        assert!(
            matches!(err, TextError::EmptyVocabulary { n_docs: 3 }),
            "{err}"
        );
        let none: [&str; 0] = [];
        assert!(matches!(
            TopicModel::fit(&config(2), &none),
            Err(TextError::NoDocuments)
        ));
        let err = TopicModel::fit(&config(0), &DOCS).unwrap_err();
        assert!(matches!(err, TextError::Core(_)), "{err}");
        let fit = TopicModel::fit(&config(2), &DOCS).unwrap();
        let all_empty = fit.model.predict(&["", "the"]).unwrap();
        assert_eq!(all_empty.labels, [None, None]);
    }
}
