//! The report's domain pictures as PNG: the expression heatmap (genes ×
//! samples, samples ordered by cluster) and the consensus matrix. Raster,
//! because a heatmap of a few hundred genes × samples is too many cells for
//! inline SVG.

use kmkit_report::cluster_color;
use ndarray::{Array2, ArrayView2};

/// Rows (genes) shown in the sample-mode heatmap.
pub const HEATMAP_GENES: usize = 100;
/// Rows shown in the gene-mode heatmap (an even stride above it).
pub const HEATMAP_MODULE_ROWS: usize = 400;

/// RGB pixels of a picture.
struct Canvas {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Canvas {
            w,
            h,
            rgb: vec![255; w * h * 3],
        }
    }
    fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, c: [u8; 3]) {
        for y in y0..(y0 + h).min(self.h) {
            for x in x0..(x0 + w).min(self.w) {
                self.rgb[(y * self.w + x) * 3..][..3].copy_from_slice(&c);
            }
        }
    }
    fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        let mut w = e.write_header().expect("PNG header to memory");
        w.write_image_data(&self.rgb).expect("PNG data to memory");
        w.finish().expect("PNG to memory");
        out
    }
}

/// Blue (−) → white (0) → red (+), full colour at ±`limit`.
fn diverging(v: f64, limit: f64) -> [u8; 3] {
    let t = if v.is_finite() {
        (v / limit).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (end, a) = if t >= 0.0 {
        ([178.0, 24.0, 43.0], t)
    } else {
        ([33.0, 102.0, 172.0], -t)
    };
    end.map(|e: f64| (255.0 + (e - 255.0) * a).round() as u8)
}

fn color(c: usize) -> [u8; 3] {
    let rgb = cluster_color(c);
    [rgb.0, rgb.1, rgb.2]
}

/// Item order grouped by cluster (stable within a cluster).
pub fn order_by_cluster(labels: &[u32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    idx.sort_by_key(|&i| (labels[i], i));
    idx
}

/// Heatmap of `values` (rows × columns) with columns in `col_order`, rows in
/// `row_order`, a colour band of `col_groups` above and of `row_groups` on
/// the left; values are z-scored per row for display and clipped at ±2.5.
pub fn heatmap_png(
    values: ArrayView2<f64>,
    row_order: &[usize],
    col_order: &[usize],
    row_groups: Option<&[u32]>,
    col_groups: Option<&[u32]>,
) -> Vec<u8> {
    let (cw, ch) = (
        (640 / col_order.len().max(1)).clamp(1, 12),
        (480 / row_order.len().max(1)).clamp(1, 8),
    );
    let band = 8;
    let (left, top) = (if row_groups.is_some() { band + 2 } else { 0 }, band + 2);
    let mut cv = Canvas::new(left + cw * col_order.len(), top + ch * row_order.len());
    if let Some(g) = col_groups {
        for (x, &j) in col_order.iter().enumerate() {
            cv.fill(left + x * cw, 0, cw, band, color(g[j] as usize));
        }
    }
    for (y, &i) in row_order.iter().enumerate() {
        let row = values.row(i);
        let n = row.len() as f64;
        let mean = row.sum() / n;
        let sd = (row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        if let Some(g) = row_groups {
            cv.fill(0, top + y * ch, band, ch, color(g[i] as usize));
        }
        for (x, &j) in col_order.iter().enumerate() {
            let z = if sd > 0.0 { (row[j] - mean) / sd } else { 0.0 };
            cv.fill(left + x * cw, top + y * ch, cw, ch, diverging(z, 2.5));
        }
    }
    cv.png()
}

/// Genes for the sample-mode heatmap: the `max` columns of `x` (samples ×
/// genes) with the largest between-cluster spread of means, ordered by the
/// cluster where they are highest.
pub fn marker_genes(x: ArrayView2<f64>, labels: &[u32], k: usize, max: usize) -> Vec<usize> {
    let mut scored: Vec<(usize, usize, f64)> = x
        .columns()
        .into_iter()
        .enumerate()
        .map(|(j, col)| {
            let mut sum = vec![0.0; k];
            let mut cnt = vec![0usize; k];
            for (&v, &l) in col.iter().zip(labels) {
                sum[l as usize] += v;
                cnt[l as usize] += 1;
            }
            let means: Vec<f64> = sum
                .iter()
                .zip(&cnt)
                .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
                .collect();
            let all = col.mean().unwrap_or(0.0);
            let sd = col.std(0.0).max(1e-12);
            let (top, hi) = means
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |b, (c, &m)| if m > b.1 { (c, m) } else { b },
                );
            (j, top, (hi - all) / sd)
        })
        .collect();
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    scored.truncate(max);
    scored.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)));
    scored.into_iter().map(|(j, _, _)| j).collect()
}

/// The consensus matrix (items × items, 0..1) as white → dark blue, items
/// ordered by cluster, with the cluster band on top and left.
pub fn consensus_png(matrix: &Array2<f32>, labels: &[u32]) -> Vec<u8> {
    let n = matrix.nrows();
    let order = order_by_cluster(labels);
    let cell = (480 / n.max(1)).clamp(1, 8);
    let band = 8;
    let off = band + 2;
    let mut cv = Canvas::new(off + cell * n, off + cell * n);
    for (p, &i) in order.iter().enumerate() {
        cv.fill(off + p * cell, 0, cell, band, color(labels[i] as usize));
        cv.fill(0, off + p * cell, band, cell, color(labels[i] as usize));
        for (q, &j) in order.iter().enumerate() {
            let a = matrix[[i, j]].clamp(0.0, 1.0) as f64;
            let c = [8.0, 48.0, 107.0].map(|e: f64| (255.0 + (e - 255.0) * a).round() as u8);
            cv.fill(off + q * cell, off + p * cell, cell, cell, c);
        }
    }
    cv.png()
}
