//! A 2-D principal-component projection for the scatter plot.
//!
//! Power iteration on the covariance operator, applied as `Xcᵀ(Xc v)/n`
//! without forming the d×d covariance, so it costs O(n·d) per step and works
//! the same on dense and CSR rows (centring is applied implicitly, so sparse
//! rows stay sparse). The second component is kept orthogonal to the first
//! at every step. Sums are f64.

use kmkit_core::Data;
use ndarray::Array2;
use serde::Serialize;

use crate::error::{ReportError, Result};

/// Rows projected on the first two principal components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// `n × 2` coordinates.
    pub points: Array2<f32>,
    /// Share of the total variance along each component.
    pub explained: [f64; 2],
    /// The two unit component vectors (length d each).
    pub components: [Vec<f64>; 2],
}

const MAX_ITER: usize = 500;
const TOL: f64 = 1e-10;

/// Projects the rows of `data` on their first two principal components.
/// With one column, the second coordinate is 0.
pub fn pca_2d(data: Data) -> Result<Projection> {
    let (n, d) = (data.n_rows(), data.n_cols());
    if n == 0 || d == 0 {
        return Err(ReportError::Empty("PCA needs at least one row and one column".into()));
    }
    let mean = column_means(&data);
    let total_var: f64 = column_variances(&data, &mean).iter().sum();
    let op = Centered { data, mean: &mean };
    let v1 = power(&op, None);
    let v2 = if d > 1 { power(&op, Some(&v1)) } else { vec![0.0; d] };
    let s1 = op.mul(&v1);
    let s2 = op.mul(&v2);
    let var = |s: &[f64]| s.iter().map(|x| x * x).sum::<f64>() / n as f64;
    let explained = if total_var > 0.0 { [var(&s1) / total_var, var(&s2) / total_var] } else { [0.0, 0.0] };
    let points = Array2::from_shape_fn((n, 2), |(i, c)| if c == 0 { s1[i] as f32 } else { s2[i] as f32 });
    Ok(Projection { points, explained, components: [v1, v2] })
}

/// `Xc = X − 1μᵀ`, applied without materialising it.
struct Centered<'d, 'm> {
    data: Data<'d>,
    mean: &'m [f64],
}

impl Centered<'_, '_> {
    /// `Xc v` (length n).
    fn mul(&self, v: &[f64]) -> Vec<f64> {
        let shift: f64 = self.mean.iter().zip(v).map(|(m, x)| m * x).sum();
        match self.data {
            Data::Dense(x) => x.rows().into_iter().map(|r| r.iter().zip(v).map(|(&a, b)| a as f64 * b).sum::<f64>() - shift).collect(),
            Data::Sparse(x) => (0..x.n_rows())
                .map(|i| {
                    let (idx, val) = x.row(i);
                    idx.iter().zip(val).map(|(&j, &a)| a as f64 * v[j as usize]).sum::<f64>() - shift
                })
                .collect(),
        }
    }
    /// `Xcᵀ u` (length d).
    fn mul_t(&self, u: &[f64]) -> Vec<f64> {
        let d = self.mean.len();
        let mut out = vec![0.0; d];
        match self.data {
            Data::Dense(x) => {
                for (r, &ui) in x.rows().into_iter().zip(u) {
                    r.iter().zip(out.iter_mut()).for_each(|(&a, o)| *o += a as f64 * ui);
                }
            }
            Data::Sparse(x) => {
                for (i, &ui) in u.iter().enumerate() {
                    let (idx, val) = x.row(i);
                    idx.iter().zip(val).for_each(|(&j, &a)| out[j as usize] += a as f64 * ui);
                }
            }
        }
        let total: f64 = u.iter().sum();
        out.iter_mut().zip(self.mean).for_each(|(o, m)| *o -= m * total);
        out
    }
}

fn normalize(v: &mut [f64]) -> f64 {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    norm
}

fn orthogonalize(v: &mut [f64], against: Option<&[f64]>) {
    if let Some(a) = against {
        let dot: f64 = v.iter().zip(a).map(|(x, y)| x * y).sum();
        v.iter_mut().zip(a).for_each(|(x, y)| *x -= dot * y);
    }
}

/// Leading eigenvector of `Xcᵀ Xc` (orthogonal to `against`), with the sign
/// fixed so its largest-magnitude entry is positive (deterministic output).
fn power(op: &Centered, against: Option<&[f64]>) -> Vec<f64> {
    let d = op.mean.len();
    // A fixed, irregular start so it is unlikely to be orthogonal to the answer.
    let mut v: Vec<f64> = (0..d).map(|j| 1.0 + ((j * 7919) % 101) as f64 / 101.0).collect();
    orthogonalize(&mut v, against);
    if normalize(&mut v) == 0.0 {
        return vec![0.0; d];
    }
    for _ in 0..MAX_ITER {
        let mut w = op.mul_t(&op.mul(&v));
        orthogonalize(&mut w, against);
        if normalize(&mut w) == 0.0 {
            // No variance left in this direction: any orthogonal unit vector will do.
            break;
        }
        let change: f64 = w.iter().zip(&v).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        v = w;
        if change < TOL {
            break;
        }
    }
    let big = v.iter().copied().fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    if big < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    v
}

fn column_means(data: &Data) -> Vec<f64> {
    let (n, d) = (data.n_rows(), data.n_cols());
    let mut m = vec![0.0; d];
    match data {
        Data::Dense(x) => x.rows().into_iter().for_each(|r| r.iter().zip(m.iter_mut()).for_each(|(&a, o)| *o += a as f64)),
        Data::Sparse(x) => (0..n).for_each(|i| {
            let (idx, val) = x.row(i);
            idx.iter().zip(val).for_each(|(&j, &a)| m[j as usize] += a as f64);
        }),
    }
    m.iter_mut().for_each(|v| *v /= n as f64);
    m
}

fn column_variances(data: &Data, mean: &[f64]) -> Vec<f64> {
    let (n, d) = (data.n_rows(), data.n_cols());
    let mut sq = vec![0.0; d];
    match data {
        Data::Dense(x) => x.rows().into_iter().for_each(|r| {
            r.iter().zip(sq.iter_mut()).zip(mean).for_each(|((&a, o), m)| *o += (a as f64 - m).powi(2))
        }),
        Data::Sparse(x) => {
            // Σ(x−m)² = Σx² − n·m² over all n rows (zeros included).
            (0..n).for_each(|i| {
                let (idx, val) = x.row(i);
                idx.iter().zip(val).for_each(|(&j, &a)| sq[j as usize] += (a as f64).powi(2));
            });
            sq.iter_mut().zip(mean).for_each(|(s, m)| *s -= n as f64 * m * m);
        }
    }
    sq.iter().map(|s| s.max(0.0) / n as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_core::Csr;

    /// Points spread 10× more along (0.6, 0.8) than along (−0.8, 0.6), offset
    /// from the origin: the components are those axes, and the explained
    /// variance ratios are 100/101 and 1/101.
    fn cloud() -> Array2<f32> {
        let mut rows = Vec::new();
        for t in [-2.0f64, -1.0, 1.0, 2.0] {
            for s in [-1.0f64, 1.0] {
                let (a, b) = (10.0 * t, s * 10.0f64.sqrt() * 0.5 * 2.0f64.sqrt());
                rows.push([5.0 + 0.6 * a - 0.8 * b, -3.0 + 0.8 * a + 0.6 * b]);
            }
        }
        Array2::from_shape_fn((rows.len(), 2), |(i, j)| rows[i][j] as f32)
    }

    #[test]
    fn recovers_known_axes() {
        let x = cloud();
        let p = pca_2d(Data::Dense(x.view())).unwrap();
        assert!((p.components[0][0] - 0.6).abs() < 1e-6 && (p.components[0][1] - 0.8).abs() < 1e-6, "{:?}", p.components);
        assert!((p.components[1][0].abs() - 0.8).abs() < 1e-6, "{:?}", p.components);
        // Var along the axes: mean(a²) = 100·2.5 = 250, mean(b²) = 5 → ratios 250/255, 5/255.
        assert!((p.explained[0] - 250.0 / 255.0).abs() < 1e-6, "{:?}", p.explained);
        assert!((p.explained[1] - 5.0 / 255.0).abs() < 1e-6, "{:?}", p.explained);
        // Scores are centred.
        assert!(p.points.column(0).sum().abs() < 1e-3);
    }

    #[test]
    fn sparse_equals_dense() {
        let x = cloud();
        let csr = Csr::from_dense(x.view()).unwrap();
        let a = pca_2d(Data::Dense(x.view())).unwrap();
        let b = pca_2d(Data::Sparse(&csr)).unwrap();
        for (u, v) in a.points.iter().zip(b.points.iter()) {
            assert!((u - v).abs() < 1e-4);
        }
    }

    #[test]
    fn degenerate_inputs() {
        let one_col = Array2::from_shape_fn((4, 1), |(i, _)| i as f32);
        let p = pca_2d(Data::Dense(one_col.view())).unwrap();
        assert!((p.explained[0] - 1.0).abs() < 1e-9);
        let constant = Array2::from_elem((3, 2), 1.0f32);
        assert_eq!(pca_2d(Data::Dense(constant.view())).unwrap().explained, [0.0, 0.0]);
        let empty = Array2::<f32>::zeros((0, 2));
        assert!(pca_2d(Data::Dense(empty.view())).is_err());
    }
}
