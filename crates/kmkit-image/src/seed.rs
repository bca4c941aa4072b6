//! The initial palette handed to the core: variance partitioning (Celebi
//! 2011, "Improving the performance of k-means for color quantization",
//! Image and Vision Computing 29(4)), a colour-quantization seeding that
//! splits the colour cloud k−1 times and gives k-means a start from which it
//! converges to lower error, in fewer iterations, than k-means++ does on
//! photos. It is one deterministic pass of splits, not a clustering loop:
//! the iterations themselves are the core's.

use std::collections::BinaryHeap;

use ndarray::{Array2, ArrayView2};

/// Where a box is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// At the weighted mean of the axis of largest variance (Celebi's VP).
    Mean,
    /// At the cut, over all axes, that lowers the total error the most.
    BestCut,
}

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
        let spread: Vec<f64> = (0..d).map(|j| (sq[j] - sum[j] * mean[j]).max(0.0)).collect();
        let axis = (0..d).max_by(|&a, &b| spread[a].total_cmp(&spread[b]).then(b.cmp(&a))).unwrap_or(0);
        Cell { rows, sse: spread.iter().sum(), mean, axis }
    }

    /// Splits at the mean of the axis of largest variance (Celebi's VP), or
    /// at the cut, over all axes, that lowers the total error the most (as
    /// Wu's quantizer does on a colour grid; here on the exact rows).
    fn split(self, x: &ArrayView2<f32>, w: &[f32], split: Split) -> (Vec<u32>, Vec<u32>) {
        if split == Split::Mean {
            let (a, m) = (self.axis, self.mean[self.axis]);
            return self.rows.into_iter().partition(|&r| f64::from(x[[r as usize, a]]) <= m);
        }
        let d = x.ncols();
        let mut best: (f64, usize, f32) = (f64::INFINITY, 0, 0.0);
        let mut rows = self.rows.clone();
        for a in 0..d {
            rows.sort_by(|&p, &q| x[[p as usize, a]].total_cmp(&x[[q as usize, a]]));
            let (mut tw, mut ts, mut tq) = (0.0f64, vec![0.0f64; d], 0.0f64);
            for &r in &rows {
                let wi = f64::from(w[r as usize]);
                tw += wi;
                for j in 0..d {
                    let v = f64::from(x[[r as usize, j]]);
                    ts[j] += wi * v;
                    tq += wi * v * v;
                }
            }
            let (mut lw, mut ls, mut lq) = (0.0f64, vec![0.0f64; d], 0.0f64);
            for i in 0..rows.len() - 1 {
                let r = rows[i] as usize;
                let wi = f64::from(w[r]);
                lw += wi;
                for j in 0..d {
                    let v = f64::from(x[[r, j]]);
                    ls[j] += wi * v;
                    lq += wi * v * v;
                }
                let (v0, v1) = (x[[r, a]], x[[rows[i + 1] as usize, a]]);
                if v0 == v1 || lw <= 0.0 || tw - lw <= 0.0 {
                    continue;
                }
                let l2: f64 = ls.iter().map(|s| s * s).sum::<f64>() / lw;
                let r2: f64 = ls.iter().zip(&ts).map(|(l, t)| (t - l) * (t - l)).sum::<f64>() / (tw - lw);
                let sse = (lq - l2) + (tq - lq - r2);
                if sse < best.0 {
                    best = (sse, a, v0);
                }
            }
        }
        let (_, a, cut) = best;
        self.rows.into_iter().partition(|&r| x[[r as usize, a]] <= cut)
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
        self.0.sse.total_cmp(&other.0.sse).then_with(|| other.0.rows.first().cmp(&self.0.rows.first()))
    }
}

/// Up to `k` initial centroids of the weighted rows `x`: start from one box
/// holding every row; repeatedly split the box of largest weighted SSE, at
/// its weighted mean, across the column of largest variance; return the box
/// means. Fewer than `k` come back only if fewer than `k` rows are distinct.
pub(crate) fn variance_partition(x: ArrayView2<f32>, w: &[f32], k: usize, split: Split) -> Array2<f32> {
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
        let (lo, hi) = cell.split(&x, w, split);
        if lo.is_empty() || hi.is_empty() {
            // Variance too small to separate in f64: keep the box whole.
            done.push(Cell { sse: 0.0, ..Cell::new(if lo.is_empty() { hi } else { lo }, &x, w) });
            continue;
        }
        heap.push(BySse(Cell::new(lo, &x, w)));
        heap.push(BySse(Cell::new(hi, &x, w)));
    }
    let cells: Vec<Cell> = done.into_iter().chain(heap.into_iter().map(|c| c.0)).collect();
    let mut out = Array2::zeros((cells.len(), d));
    for (i, c) in cells.iter().enumerate() {
        for j in 0..d {
            out[[i, j]] = c.mean[j] as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn splits_well_separated_groups_apart() {
        let x = array![[0.0f32, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [9.0, 0.0], [9.0, 0.2]];
        let c = variance_partition(x.view(), &[1.0; 6], 3, Split::Mean);
        let mut means: Vec<(i32, i32)> = c.rows().into_iter().map(|r| ((r[0] * 100.0) as i32, (r[1] * 100.0) as i32)).collect();
        means.sort();
        assert_eq!(means, [(5, 0), (505, 500), (900, 10)]);
    }

    #[test]
    fn weights_move_the_means_and_identical_rows_stop_the_splits() {
        let x = array![[0.0f32], [1.0], [1.0]];
        let c = variance_partition(x.view(), &[3.0, 1.0, 1.0], 1, Split::BestCut);
        assert!((c[[0, 0]] - 0.4).abs() < 1e-6);
        let same = array![[2.0f32], [2.0], [2.0]];
        assert_eq!(variance_partition(same.view(), &[1.0; 3], 3, Split::BestCut).nrows(), 1);
    }
}
