//! The report's domain picture: each cluster's (or speaker's) mean MFCCs as
//! a heatmap, in standard deviations from the collection's mean.

use kmkit_report::{heatmap_svg, Body, Section};
use kmkit_speech::FittedEmbedding;
use ndarray::{Array2, ArrayView2};

/// Columns of the mean coefficients in an embedding (`mean_mfcc0…`, and
/// `mean_d_mfcc0…` with deltas), with their short names (`mfcc0…`).
pub fn mean_columns(feature_names: &[String]) -> Vec<(usize, String)> {
    feature_names
        .iter()
        .enumerate()
        .filter_map(|(j, n)| n.strip_prefix("mean_").map(|s| (j, s.to_string())))
        .collect()
}

/// Mean-MFCC profile of each centroid: the centroids are in the embedding's
/// standardised space, so each mean-coefficient column already reads as
/// standard deviations from the collection's mean.
pub fn cluster_profile(
    embedding: &FittedEmbedding,
    centroids: ArrayView2<f32>,
) -> (Array2<f64>, Vec<String>) {
    let cols = mean_columns(&embedding.feature_names);
    let values = Array2::from_shape_fn((centroids.nrows(), cols.len()), |(c, j)| {
        centroids[[c, cols[j].0]] as f64
    });
    (values, cols.into_iter().map(|(_, n)| n).collect())
}

/// Rows standardised column by column (mean 0, unit standard deviation
/// across rows; constant columns become 0), e.g. speakers' mean frames.
pub fn standardize_columns(x: ArrayView2<f64>) -> Array2<f64> {
    let mut out = x.to_owned();
    let n = x.nrows() as f64;
    for mut col in out.columns_mut() {
        let mean = col.sum() / n;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        col.mapv_inplace(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 });
    }
    out
}

/// The heatmap as a report section. Colours saturate at ±2 SD so one
/// extreme cell does not wash out the rest.
pub fn profile_section(
    title: &str,
    values: ArrayView2<f64>,
    row_labels: &[String],
    col_labels: &[String],
    caption: &str,
) -> anyhow::Result<Section> {
    let svg = heatmap_svg(title, values, row_labels, col_labels, Some(2.0))?;
    Ok(Section {
        title: title.to_string(),
        body: Body::Svg(svg),
        caption: Some(caption.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_takes_the_mean_columns() {
        let names: Vec<String> = ["mean_mfcc0", "mean_mfcc1", "std_mfcc0", "std_mfcc1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            mean_columns(&names),
            vec![(0, "mfcc0".to_string()), (1, "mfcc1".to_string())]
        );
        let z = standardize_columns(ndarray::array![[1.0, 5.0], [3.0, 5.0]].view());
        assert_eq!(z, ndarray::array![[-1.0, 0.0], [1.0, 0.0]]);
    }
}
