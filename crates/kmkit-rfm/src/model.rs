//! k-means segmentation of customers on RFM features, clusters named by the
//! RF segment their centroid falls in, and a model that predicts new tables.

use kmkit_core::{KMeansParams, Model};
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::rfm::RfmTable;
use crate::scores::{QuintileScorer, Scores};
use crate::segments::{summarize, GroupSummary, Segment};
use crate::transform::RfmTransform;

/// Version of the JSON form of [`RfmModel`].
pub const RFM_MODEL_VERSION: u32 = 1;

/// A cluster in domain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterProfile {
    /// Cluster index (k-means label).
    pub cluster: u32,
    /// Unique readable name: the centroid's RF segment, with a value tier
    /// when two clusters share a segment.
    pub name: String,
    /// The RF segment of the centroid.
    pub segment: Segment,
    /// Centroid recency back in days.
    pub centroid_recency: f64,
    /// Centroid frequency back in purchases.
    pub centroid_frequency: f64,
    /// Centroid monetary back in money.
    pub centroid_monetary: f64,
    /// Customers, shares and member means.
    pub summary: GroupSummary,
}

/// Everything `predict` needs: the transform, the quintile thresholds, the
/// k-means model and the cluster names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmModel {
    /// Format version ([`RFM_MODEL_VERSION`]).
    pub format_version: u32,
    /// Snapshot of the fit table.
    pub snapshot: chrono::NaiveDate,
    /// log1p + scaling fitted on the fit table.
    pub transform: RfmTransform,
    /// Quintile thresholds fitted on the fit table.
    pub scorer: QuintileScorer,
    /// The k-means model.
    pub kmeans: Model,
    /// One profile per cluster.
    pub clusters: Vec<ClusterProfile>,
}

/// An [`RfmModel`] without its k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmPreprocess {
    /// Snapshot of the fit table.
    pub snapshot: chrono::NaiveDate,
    /// log1p + scaling fitted on the fit table.
    pub transform: RfmTransform,
    /// Quintile thresholds fitted on the fit table.
    pub scorer: QuintileScorer,
    /// One profile per cluster.
    pub clusters: Vec<ClusterProfile>,
}

/// Scores, segments and clusters of customers under a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Recency, frequency, monetary scores per customer.
    pub scores: Vec<(u8, u8, u8)>,
    /// RF segment per customer.
    pub segments: Vec<Segment>,
    /// Cluster per customer.
    pub clusters: Vec<u32>,
}

impl RfmModel {
    /// Fits log1p + scaling and k-means (`params`) on `table`, and names the
    /// clusters. Returns the model and the cluster of every customer.
    pub fn fit(
        table: &RfmTable,
        scores: &Scores,
        params: &KMeansParams,
    ) -> Result<(RfmModel, Vec<u32>)> {
        let (transform, features) = RfmTransform::fit_transform(table, true)?;
        let kmeans = params.fit(&features)?;
        Ok(RfmModel::from_kmeans(table, scores, transform, kmeans))
    }

    /// The model of a k-means fit made elsewhere (e.g. a sweep over k) on
    /// `transform.transform(table)`; names the clusters. Returns the model and
    /// the cluster of every customer.
    pub fn from_kmeans(
        table: &RfmTable,
        scores: &Scores,
        transform: RfmTransform,
        kmeans: Model,
    ) -> (RfmModel, Vec<u32>) {
        let labels = kmeans.labels().to_vec();
        let clusters = profiles(table, &labels, &transform, &scores.scorer, &kmeans);
        let model = RfmModel {
            format_version: RFM_MODEL_VERSION,
            snapshot: table.snapshot,
            transform,
            scorer: scores.scorer.clone(),
            kmeans,
            clusters,
        };
        (model, labels)
    }

    /// Splits off the k-means model, for files that store it beside the rest
    /// (`kmkit_io::ModelFile`).
    pub fn into_parts(self) -> (RfmPreprocess, Model) {
        (
            RfmPreprocess {
                snapshot: self.snapshot,
                transform: self.transform,
                scorer: self.scorer,
                clusters: self.clusters,
            },
            self.kmeans,
        )
    }

    /// Joins what [`RfmModel::into_parts`] split, checking they fit together.
    pub fn from_parts(pre: RfmPreprocess, kmeans: Model) -> Result<RfmModel> {
        if kmeans.centroids.ncols() != 3 || kmeans.n_clusters() != pre.clusters.len() {
            return Err(RfmError::Model(format!(
                "the k-means model ({} clusters × {} features) does not match the RFM state ({} clusters × 3 features)",
                kmeans.n_clusters(),
                kmeans.centroids.ncols(),
                pre.clusters.len()
            )));
        }
        Ok(RfmModel {
            format_version: RFM_MODEL_VERSION,
            snapshot: pre.snapshot,
            transform: pre.transform,
            scorer: pre.scorer,
            kmeans,
            clusters: pre.clusters,
        })
    }

    /// Scores, segments and clusters `table` with the fitted transform.
    pub fn predict(&self, table: &RfmTable) -> Result<Prediction> {
        let features = self.transform.transform(table)?;
        let clusters = self.kmeans.predict(&features)?;
        let scores: Vec<(u8, u8, u8)> = table
            .customers
            .iter()
            .map(|c| self.scorer.score(c.recency_days, c.frequency, c.monetary))
            .collect();
        let segments = scores
            .iter()
            .map(|&(r, f, _)| Segment::from_rf(r, f))
            .collect();
        Ok(Prediction {
            scores,
            segments,
            clusters,
        })
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an RFM model always serialises")
    }

    /// A model from [`RfmModel::to_json`] output.
    pub fn from_json(text: &str) -> Result<RfmModel> {
        let m: RfmModel = serde_json::from_str(text)
            .map_err(|e| RfmError::Model(format!("not a kmkit RFM model: {e}")))?;
        if m.format_version != RFM_MODEL_VERSION {
            return Err(RfmError::Model(format!(
                "format version {} is not supported (this build reads {RFM_MODEL_VERSION})",
                m.format_version
            )));
        }
        // Re-validate the embedded k-means model the way the core does.
        let kmeans = Model::from_json(&m.kmeans.to_json())?;
        if kmeans.centroids.ncols() != 3 {
            return Err(RfmError::Model(format!(
                "expected 3 features, the model has {}",
                kmeans.centroids.ncols()
            )));
        }
        Ok(m)
    }
}

/// Profiles of the clusters of `labels`.
pub fn profiles(
    table: &RfmTable,
    labels: &[u32],
    transform: &RfmTransform,
    scorer: &QuintileScorer,
    kmeans: &Model,
) -> Vec<ClusterProfile> {
    let summaries = summarize(table, labels, |c| c.to_string());
    let mut out: Vec<ClusterProfile> = Vec::new();
    for (c, row) in kmeans.centroids.rows().into_iter().enumerate() {
        let [r, f, m] = transform.inverse([row[0], row[1], row[2]]);
        let (rs, fs, ms) = scorer.score(r, f, m);
        let segment = Segment::from_rf(rs, fs);
        let summary = summaries
            .iter()
            .find(|s| s.name == c.to_string())
            .cloned()
            .unwrap_or(GroupSummary {
                name: c.to_string(),
                customers: 0,
                share: 0.0,
                mean_recency: f64::NAN,
                mean_frequency: f64::NAN,
                mean_monetary: f64::NAN,
                revenue_share: 0.0,
            });
        let tier = match ms {
            4..=5 => "high value",
            3 => "mid value",
            _ => "low value",
        };
        out.push(ClusterProfile {
            cluster: c as u32,
            name: format!("{}|{tier}", segment.name()),
            segment,
            centroid_recency: r,
            centroid_frequency: f,
            centroid_monetary: m,
            summary,
        });
    }
    // Names: the segment alone when unique, else with the value tier, else numbered.
    let names: Vec<String> = out.iter().map(|p| p.name.clone()).collect();
    for i in 0..out.len() {
        let seg = out[i].segment.name();
        let same_segment = out.iter().filter(|p| p.segment.name() == seg).count();
        let same_full = names.iter().filter(|n| **n == names[i]).count();
        let tier = names[i].split('|').nth(1).unwrap_or("");
        out[i].name = if same_segment == 1 {
            seg.to_string()
        } else if same_full == 1 {
            format!("{seg} ({tier})")
        } else {
            let nth = names[..i].iter().filter(|n| **n == names[i]).count() + 1;
            format!("{seg} ({tier}) #{nth}")
        };
    }
    out
}
