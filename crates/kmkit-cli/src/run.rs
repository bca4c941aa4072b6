//! What every app does after fitting: score the clusters, build the
//! standard report, and write the standard output files.

use std::path::Path;

use anyhow::Context;
use kmkit_core::metrics::{
    adjusted_rand_index, calinski_harabasz, davies_bouldin, homogeneity_completeness_v_measure, normalized_mutual_info,
    silhouette_samples, silhouette_score_sampled,
};
use kmkit_core::{Data, Features, KSweep, Matrix, Model};
use kmkit_io::{OutputDir, json_bytes};
use kmkit_report::{KCurve, Report, Scatter, Silhouette};
use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use serde::Serialize;

/// Rows the mean silhouette is computed on (a seeded sample above it), as
/// scikit-learn users pass `sample_size`.
pub const SILHOUETTE_ROWS: usize = 5_000;
/// Rows shown in the per-sample silhouette plot (an even stride above it).
pub const SILHOUETTE_PLOT_ROWS: usize = 2_000;
/// Largest `rows × columns` a sparse matrix is densified to for metrics and PCA.
pub const MAX_DENSE_CELLS: usize = 1 << 25;

/// Cluster quality: internal indices on the features and, when classes are
/// known, agreement with them. `None` where a metric does not apply (one
/// cluster, sparse data too large to densify, no classes).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    /// Sum of squared distances to the nearest centroid.
    pub inertia: f64,
    /// Mean silhouette (exact up to [`SILHOUETTE_ROWS`] rows, sampled above).
    pub silhouette: Option<f64>,
    /// Calinski–Harabasz index (higher is better).
    pub calinski_harabasz: Option<f64>,
    /// Davies–Bouldin index (lower is better).
    pub davies_bouldin: Option<f64>,
    /// Adjusted Rand index against the known classes.
    pub adjusted_rand: Option<f64>,
    /// Normalised mutual information against the known classes.
    pub normalized_mutual_info: Option<f64>,
    /// Homogeneity against the known classes.
    pub homogeneity: Option<f64>,
    /// Completeness against the known classes.
    pub completeness: Option<f64>,
    /// V-measure against the known classes.
    pub v_measure: Option<f64>,
}

impl Quality {
    /// The metrics that were computed, as (name, value) pairs for tables.
    pub fn pairs(&self) -> Vec<(&'static str, f64)> {
        let mut v = vec![("inertia", self.inertia)];
        let opt = [
            ("silhouette", self.silhouette),
            ("calinski_harabasz", self.calinski_harabasz),
            ("davies_bouldin", self.davies_bouldin),
            ("adjusted_rand", self.adjusted_rand),
            ("normalized_mutual_info", self.normalized_mutual_info),
            ("homogeneity", self.homogeneity),
            ("completeness", self.completeness),
            ("v_measure", self.v_measure),
        ];
        v.extend(opt.into_iter().filter_map(|(k, x)| x.map(|x| (k, x))));
        v
    }
}

/// The features as a dense array, when they are dense or small enough.
pub fn dense_view(features: &Features) -> Option<CowArray<'_, f32, Ix2>> {
    match &features.data {
        Matrix::Dense(x) => Some(CowArray::from(x.view())),
        Matrix::Sparse(x) if x.n_rows().saturating_mul(x.n_cols()) <= MAX_DENSE_CELLS => Some(CowArray::from(x.to_dense())),
        Matrix::Sparse(_) => None,
    }
}

/// Scores `labels` on `x` (and against `truth`). Metrics that cannot be
/// computed are left `None` rather than failing the run.
pub fn quality(x: Option<ArrayView2<f32>>, labels: &[u32], truth: Option<&[u32]>, inertia: f64, seed: u64) -> Quality {
    let mut q = Quality { inertia, ..Quality::default() };
    let n_clusters = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
    if let Some(x) = x {
        if n_clusters >= 2 && n_clusters < x.nrows() {
            q.silhouette = silhouette_score_sampled(x, labels, SILHOUETTE_ROWS, seed).ok();
            q.calinski_harabasz = calinski_harabasz(x, labels).ok();
            q.davies_bouldin = davies_bouldin(x, labels).ok();
        }
    }
    if let Some(t) = truth {
        q.adjusted_rand = adjusted_rand_index(t, labels).ok();
        q.normalized_mutual_info = normalized_mutual_info(t, labels).ok();
        if let Ok(v) = homogeneity_completeness_v_measure(t, labels) {
            q.homogeneity = Some(v.homogeneity);
            q.completeness = Some(v.completeness);
            q.v_measure = Some(v.v_measure);
        }
    }
    q
}

/// Evenly spaced rows (every ⌈n/max⌉-th), for plots of large data.
pub fn stride_rows(n: usize, max: usize) -> Vec<usize> {
    let step = n.div_ceil(max.max(1)).max(1);
    (0..n).step_by(step).collect()
}

/// Per-sample silhouette values of up to [`SILHOUETTE_PLOT_ROWS`] rows.
pub fn silhouette_plot(x: ArrayView2<f32>, labels: &[u32]) -> Option<Silhouette> {
    let rows = stride_rows(x.nrows(), SILHOUETTE_PLOT_ROWS);
    let sub: Array2<f32> = x.select(ndarray::Axis(0), &rows);
    let sub_labels: Vec<u32> = rows.iter().map(|&i| labels[i]).collect();
    // Labels must be dense 0..k for the metric; a subsample can miss a cluster.
    let values = silhouette_samples(sub.view(), &sub_labels).ok()?;
    Some(Silhouette { values, labels: sub_labels })
}

/// Cluster sizes from labels.
pub fn cluster_sizes(labels: &[u32], k: usize) -> Vec<usize> {
    let mut sizes = vec![0; k];
    labels.iter().for_each(|&l| sizes[l as usize] += 1);
    sizes
}

/// The sweep's curves for the report.
pub fn k_curve(sweep: &KSweep, chosen: Option<usize>) -> KCurve {
    let sil: Vec<Option<f64>> = sweep.scores.iter().map(|s| s.silhouette).collect();
    KCurve {
        ks: sweep.ks(),
        inertia: sweep.inertias(),
        silhouette: if sil.iter().all(Option::is_some) { Some(sil.into_iter().flatten().collect()) } else { None },
        chosen,
    }
}

/// The standard report of a fit: settings, metrics, sizes, the sweep if any,
/// the silhouette plot and the PCA projection. Apps add domain sections.
pub fn standard_report(
    title: &str,
    settings: Vec<(String, String)>,
    features: &Features,
    model: &Model,
    labels: &[u32],
    quality: &Quality,
    sweep: Option<&KSweep>,
) -> anyhow::Result<Report> {
    let mut r = Report::new(title);
    r.settings = settings;
    r.metrics = quality.pairs().into_iter().map(|(k, v)| (k.to_string(), crate::readable(&serde_json::json!(v)))).collect();
    r.cluster_sizes = cluster_sizes(labels, model.n_clusters());
    r.k_curve = sweep.map(|s| k_curve(s, Some(model.n_clusters())));
    if let Some(x) = dense_view(features) {
        if model.n_clusters() >= 2 {
            r.silhouette = silhouette_plot(x.view(), labels);
        }
        r.scatter = Some(Scatter::pca(Data::Dense(x.view()), labels).context("projecting the rows for the report")?);
    } else if let Matrix::Sparse(x) = &features.data {
        r.scatter = Some(Scatter::pca(Data::Sparse(x), labels).context("projecting the rows for the report")?);
    }
    Ok(r)
}

/// Writes `report.html` and `summary.json` into `out`; other files are the app's.
pub fn write_report_and_summary(out: &mut OutputDir, report: &Report, summary: &impl Serialize) -> anyhow::Result<()> {
    let html = report.render().context("rendering report.html")?;
    out.write("report.html", html.as_bytes())?;
    out.write("summary.json", &json_bytes(summary))?;
    Ok(())
}

/// Creates the output directory, when one was asked for.
pub fn output_dir(dir: Option<&Path>) -> anyhow::Result<Option<OutputDir>> {
    dir.map(|d| OutputDir::create(d).with_context(|| format!("creating {}", d.display()))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_core::KMeans;

    #[test]
    fn quality_of_separated_blobs() {
        let x = Array2::from_shape_fn((40, 2), |(i, j)| (i / 20) as f32 * 10.0 + ((i * 3 + j) % 5) as f32 * 0.1);
        let model = KMeans::params(2).seed(3).fit(&x).unwrap();
        let truth: Vec<u32> = (0..40).map(|i| (i / 20) as u32).collect();
        let q = quality(Some(x.view()), model.labels(), Some(&truth), model.inertia, 0);
        assert!(q.silhouette.unwrap() > 0.9);
        assert!((q.adjusted_rand.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(q.pairs().len(), 9);
        let f = Features::dense(x);
        let r = standard_report("t", vec![], &f, &model, model.labels(), &q, None).unwrap();
        assert_eq!(r.cluster_sizes, vec![20, 20]);
        assert!(r.render().unwrap().contains("<svg"));
    }

    #[test]
    fn single_cluster_has_no_internal_metrics() {
        let x = Array2::from_shape_fn((5, 2), |(i, j)| (i + j) as f32);
        let q = quality(Some(x.view()), &[0; 5], None, 1.0, 0);
        assert_eq!(q.pairs(), vec![("inertia", 1.0)]);
        assert_eq!(stride_rows(10, 4), vec![0, 3, 6, 9]);
    }
}
