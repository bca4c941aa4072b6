//! Starting palettes: variance partitioning (Celebi 2011, "Improving the
//! performance of k-means for color quantization", Image and Vision
//! Computing 29(4)), a colour-quantization seeding that splits the colour
//! cloud k−1 times and gives k-means a start from which it often converges
//! to lower error than k-means++ does on photos; and the coarse copy of the
//! colours that every start is computed on. One deterministic pass of
//! splits, not a clustering loop: the iterations are the core's `KdTree`.

use std::collections::BinaryHeap;

use ndarray::{Array2, ArrayView2};
use rustc_hash::FxHashMap;

/// A box of rows and the statistics that decide where it splits.
struct Cell {
    rows: Vec<u32>,
    /// Weighted sum of squared deviations from the mean, over all columns.
    sse: f64,
    mean: Vec<f64>,
    /// Column of largest weighted variance.
    axis: usize,
}

impl Cell {
    fn new(rows: Vec<u32>, x: &ArrayView2<f32>, w: &[f32]) -> Cell {
        let d = x.ncols();
        let (mut sum, mut sq, mut total) = (vec![0.0f64; d], vec![0.0f64; d], 0.0f64);
        for &r in &rows {
            let wi = f64::from(w[r as usize]);
            total += wi;
            for j in 0..d {
                let v = f64::from(x[[r as usize, j]]);
                sum[j] += wi * v;
                sq[j] += wi * v * v;
            }
        }
        let total = total.max(f64::MIN_POSITIVE);
        let mean: Vec<f64> = sum.iter().map(|s| s / total).collect();
        let spread: Vec<f64> = (0..d)
            .map(|j| (sq[j] - sum[j] * mean[j]).max(0.0))
            .collect();
        let axis = (0..d)
            .max_by(|&a, &b| spread[a].total_cmp(&spread[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        Cell {
            rows,
            sse: spread.iter().sum(),
            mean,
            axis,
        }
    }

    /// Splits at the weighted mean of the axis of largest variance (Celebi's VP).
    fn split(self, x: &ArrayView2<f32>) -> (Vec<u32>, Vec<u32>) {
        let (a, m) = (self.axis, self.mean[self.axis]);
        self.rows
            .into_iter()
            .partition(|&r| f64::from(x[[r as usize, a]]) <= m)
    }
}

/// Heap order: largest SSE first; ties by first row, so the result is deterministic.
struct BySse(Cell);

impl PartialEq for BySse {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for BySse {}
impl PartialOrd for BySse {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for BySse {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .sse
            .total_cmp(&other.0.sse)
            .then_with(|| other.0.rows.first().cmp(&self.0.rows.first()))
    }
}

/// Up to `k` initial centroids of the weighted rows `x`: start from one box
/// holding every row; repeatedly split the box of largest weighted SSE, at
/// its weighted mean, across the column of largest variance; return the box
/// means. Fewer than `k` come back only if fewer than `k` rows are distinct.
pub(crate) fn variance_partition(x: ArrayView2<f32>, w: &[f32], k: usize) -> Array2<f32> {
    let d = x.ncols();
    let mut heap = BinaryHeap::new();
    heap.push(BySse(Cell::new((0..x.nrows() as u32).collect(), &x, w)));
    let mut done: Vec<Cell> = Vec::new();
    while heap.len() + done.len() < k {
        let Some(BySse(cell)) = heap.pop() else { break };
        if cell.sse <= 0.0 {
            // Every row in it is the same colour: nothing left to split anywhere.
            done.push(cell);
            break;
        }
        let (lo, hi) = cell.split(&x);
        if lo.is_empty() || hi.is_empty() {
            // Variance too small to separate in f64: keep the box whole.
            done.push(Cell {
                sse: 0.0,
                ..Cell::new(if lo.is_empty() { hi } else { lo }, &x, w)
            });
            continue;
        }
        heap.push(BySse(Cell::new(lo, &x, w)));
        heap.push(BySse(Cell::new(hi, &x, w)));
    }
    let cells: Vec<Cell> = done
        .into_iter()
        .chain(heap.into_iter().map(|c| c.0))
        .collect();
    let mut out = Array2::zeros((cells.len(), d));
    for (i, c) in cells.iter().enumerate() {
        for j in 0..d {
            out[[i, j]] = c.mean[j] as f32;
        }
    }
    out
}

/// A coarse copy of the weighted rows `x` for computing starts on: rows
/// binned on a grid of 2^`bits` cells per column (over each column's range),
/// one row per non-empty cell at the weighted mean of its rows, carrying
/// their total weight. Cells come in order of their first row, so the result
/// is deterministic.
pub(crate) fn coarse_rows(x: &Array2<f32>, w: &[f32], bits: u32) -> (Array2<f32>, Vec<f32>) {
    let d = x.ncols();
    let cells = 1u64 << bits;
    let (mut lo, mut hi) = (vec![f32::INFINITY; d], vec![f32::NEG_INFINITY; d]);
    for row in x.rows() {
        for j in 0..d {
            lo[j] = lo[j].min(row[j]);
            hi[j] = hi[j].max(row[j]);
        }
    }
    let mut slot: FxHashMap<u64, usize> = FxHashMap::default();
    let (mut sums, mut weights): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for (row, &wi) in x.rows().into_iter().zip(w) {
        let mut key = 0u64;
        for j in 0..d {
            let span = f64::from(hi[j] - lo[j]).max(f64::MIN_POSITIVE);
            let cell = (f64::from(row[j] - lo[j]) / span * cells as f64) as u64;
            key = key * cells + cell.min(cells - 1);
        }
        let s = *slot.entry(key).or_insert_with(|| {
            sums.extend(std::iter::repeat_n(0.0, d));
            weights.push(0.0);
            weights.len() - 1
        });
        for j in 0..d {
            sums[s * d + j] += f64::from(wi) * f64::from(row[j]);
        }
        weights[s] += f64::from(wi);
    }
    let mut out = Array2::zeros((weights.len(), d));
    for (s, &ws) in weights.iter().enumerate() {
        for j in 0..d {
            out[[s, j]] = (sums[s * d + j] / ws.max(f64::MIN_POSITIVE)) as f32;
        }
    }
    (out, weights.iter().map(|&v| v as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn splits_well_separated_groups_apart() {
        let x = array![
            [0.0f32, 0.0],
            [0.1, 0.0],
            [5.0, 5.0],
            [5.1, 5.0],
            [9.0, 0.0],
            [9.0, 0.2]
        ];
        let c = variance_partition(x.view(), &[1.0; 6], 3);
        let mut means: Vec<(i32, i32)> = c
            .rows()
            .into_iter()
            .map(|r| ((r[0] * 100.0) as i32, (r[1] * 100.0) as i32))
            .collect();
        means.sort();
        assert_eq!(means, [(5, 0), (505, 500), (900, 10)]);
    }

    #[test]
    fn the_coarse_copy_keeps_weight_and_mean() {
        let x = array![[0.0f32, 0.0, 0.0], [0.01, 0.0, 0.0], [1.0, 1.0, 1.0]];
        let (c, w) = coarse_rows(&x, &[1.0, 3.0, 2.0], 3);
        assert_eq!(w, [4.0, 2.0]);
        assert!((c[[0, 0]] - 0.0075).abs() < 1e-7);
        assert_eq!(c.row(1).to_vec(), [1.0, 1.0, 1.0]);
    }

    #[test]
    fn weights_move_the_means_and_identical_rows_stop_the_splits() {
        let x = array![[0.0f32], [1.0], [1.0]];
        let c = variance_partition(x.view(), &[3.0, 1.0, 1.0], 1);
        assert!((c[[0, 0]] - 0.4).abs() < 1e-6);
        let same = array![[2.0f32], [2.0], [2.0]];
        assert_eq!(variance_partition(same.view(), &[1.0; 3], 3).nrows(), 1);
    }
}
