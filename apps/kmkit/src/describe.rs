//! Centroids in words: the features that set each cluster apart.

use kmkit_io::{InputColumn, Preprocess, Scaling};
use ndarray::ArrayView2;

/// For each centroid, its `top` most distinctive features: numeric ones by
/// how far the (scaled) centroid sits from the data's centre — in standard
/// deviations under standard scaling — and one-hot levels held by most of
/// the cluster.
pub fn describe_clusters(pre: &Preprocess, centroids: ArrayView2<f32>, top: usize) -> Vec<String> {
    centroids
        .rows()
        .into_iter()
        .map(|c| {
            let mut items: Vec<(f64, String)> = Vec::new();
            let mut offset = 0;
            for input in &pre.inputs {
                match input {
                    InputColumn::Numeric { column, center, scale, .. } => {
                        let v = c[offset] as f64;
                        // Rank by distance from the data's centre in the scaled space.
                        let name = &column.name;
                        let side = |d: f64| if d >= 0.0 { "high" } else { "low" };
                        items.push(match pre.scaling {
                            Scaling::Standard => (v.abs(), format!("{name} {} ({v:+.2}σ)", side(v))),
                            Scaling::Robust => (v.abs(), format!("{name} {} ({v:+.2} IQR)", side(v))),
                            Scaling::MinMax => {
                                ((v - 0.5).abs() * 2.0, format!("{name} {} ({:.0}% of range)", side(v - 0.5), 100.0 * v))
                            }
                            // Unscaled features have no common unit to rank by: list them in order.
                            Scaling::None => (0.0, format!("{name} = {:.4}", v * scale + center)),
                        });
                    }
                    InputColumn::Categorical { column, levels, .. } => {
                        let (best, share) = (0..levels.len())
                            .map(|j| (j, c[offset + j] as f64))
                            .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
                        if share >= 0.5 {
                            // Ranked with numeric features as a share above one half.
                            items.push((2.0 * (share - 0.5) + 0.5, format!("{}={} ({:.0}%)", column.name, levels[best], 100.0 * share)));
                        }
                    }
                }
                offset += input.width();
            }
            items.sort_by(|a, b| b.0.total_cmp(&a.0));
            items.into_iter().take(top).map(|(_, s)| s).collect::<Vec<_>>().join(", ")
        })
        .collect()
}
