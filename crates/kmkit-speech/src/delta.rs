//! Delta features with `librosa.feature.delta` semantics: a Savitzky–Golay
//! derivative (`polyorder = deriv = order`) over `width` frames, with
//! scipy's `mode="interp"` edges (the polynomial fitted to the first or last
//! `width` frames). librosa refuses clips shorter than `width` frames; here
//! the window shrinks to the largest odd width that fits, and clips of fewer
//! than 3 frames get zero deltas, so short clips still give finite features.

use ndarray::{Array2, ArrayView2};

/// Derivative of order `order` (1 or 2) along the frame axis (rows) of `x`.
pub fn delta(x: ArrayView2<f32>, width: usize, order: usize) -> Array2<f32> {
    let (n_frames, n_cols) = x.dim();
    let mut out = Array2::<f32>::zeros((n_frames, n_cols));
    let width = if n_frames >= width { width } else if n_frames % 2 == 1 { n_frames } else { n_frames.saturating_sub(1) };
    if width < 3 || order == 0 {
        return out;
    }
    let weights = savgol_weights(width, order);
    let half = width / 2;
    // With polyorder = deriv the fitted derivative is constant over a window,
    // so scipy's "interp" edges equal the value at the first/last full window.
    for t in 0..n_frames {
        let centre = t.clamp(half, n_frames - 1 - half);
        let mut acc = vec![0f64; n_cols];
        for (j, &w) in weights.iter().enumerate() {
            for (a, &v) in acc.iter_mut().zip(x.row(centre - half + j).iter()) {
                *a += w * v as f64;
            }
        }
        for (o, &v) in out.row_mut(t).iter_mut().zip(&acc) {
            *o = v as f32;
        }
    }
    out
}

/// Weights `w` with `Σ w_j y_j` = the order-th derivative of the degree-`order`
/// least-squares polynomial through `y` at (any point of) the window:
/// `order! · ((VᵀV)⁻¹Vᵀ)[order]` for the Vandermonde matrix `V` of offsets −half..half.
fn savgol_weights(width: usize, order: usize) -> Vec<f64> {
    let half = (width / 2) as f64;
    let p = order + 1;
    let xs: Vec<f64> = (0..width).map(|j| j as f64 - half).collect();
    // Normal equations VᵀV (p × p), solved against the unit vector e_order:
    // since (VᵀV) is symmetric, row `order` of its inverse is the solution z.
    let mut a = vec![vec![0f64; p + 1]; p];
    for (r, row) in a.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().take(p).enumerate() {
            *cell = xs.iter().map(|x| x.powi((r + c) as i32)).sum();
        }
        row[p] = if r == order { 1.0 } else { 0.0 };
    }
    // Gauss–Jordan with partial pivoting on a tiny, well-conditioned system.
    for col in 0..p {
        let pivot = (col..p).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap_or(col);
        a.swap(col, pivot);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        for r in 0..p {
            if r != col {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                a[r].iter_mut().zip(&pivot_row).for_each(|(v, pv)| *v -= f * pv);
            }
        }
    }
    let z: Vec<f64> = a.iter().map(|row| row[p]).collect();
    let factorial: f64 = (1..=order).map(|i| i as f64).product();
    xs.iter().map(|&x| factorial * z.iter().enumerate().map(|(k, zk)| zk * x.powi(k as i32)).sum::<f64>()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn first_order_weights_are_the_regression_formula() {
        // Σ n·x[t+n] / Σ n², n = -4..4: n / 60.
        let w = savgol_weights(9, 1);
        for (j, wj) in w.iter().enumerate() {
            assert!((wj - (j as f64 - 4.0) / 60.0).abs() < 1e-12);
        }
    }

    #[test]
    fn deltas_of_polynomials_are_exact_everywhere_including_edges() {
        let n = 20;
        let x = Array2::from_shape_fn((n, 2), |(t, c)| if c == 0 { 3.0 * t as f32 - 5.0 } else { (t * t) as f32 });
        let d1 = delta(x.view(), 9, 1);
        let d2 = delta(x.view(), 9, 2);
        for t in 0..n {
            assert!((d1[[t, 0]] - 3.0).abs() < 1e-4, "t={t}: {}", d1[[t, 0]]);
            assert!((d2[[t, 0]]).abs() < 1e-4);
            assert!((d2[[t, 1]] - 2.0).abs() < 1e-3, "t={t}: {}", d2[[t, 1]]);
        }
        // The slope of t² fitted on frames 0..9 is 8 (the tangent at t = 4).
        assert!((d1[[0, 1]] - 8.0).abs() < 1e-3);
        assert!((d1[[10, 1]] - 20.0).abs() < 1e-3);
    }

    #[test]
    fn short_clips_shrink_the_window_or_get_zeros() {
        let x = Array2::from_shape_fn((5, 1), |(t, _)| 2.0 * t as f32);
        assert!(delta(x.view(), 9, 1).iter().all(|&v| (v - 2.0).abs() < 1e-5));
        let x = Array2::from_shape_fn((2, 1), |(t, _)| t as f32);
        assert!(delta(x.view(), 9, 1).iter().all(|&v| v == 0.0));
        let x = Array2::<f32>::zeros((0, 3));
        assert_eq!(delta(x.view(), 9, 2).dim(), (0, 3));
    }
}
