//! Primitives for fits spread over partitions that an engine (Spark, Ray,
//! Dask, or a loop) maps, reduces and broadcasts: column [`Moments`] for the
//! tolerance, and the steps of a k-means‖ seeding whose draws depend on the
//! seed and each row's *global* index only, so any partitioning of the same
//! rows (given each partition's row offset) picks the same candidates.
//! One Lloyd step is [`crate::partial_stats`] → [`PartialStats::merge`] →
//! [`PartialStats::finalize`].
//!
//! Every random draw comes from a ChaCha8 stream fixed by (seed, purpose) at
//! word position `2 · global_row`: a partition seeks to its offset once and
//! then draws row by row, so the draw of a row ignores where it sits.

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::{validate, Data, Input};
use crate::error::{KMeansError, Result};
use crate::points::{assign_all, DenseRows, Points, SparseRows};
use crate::stats::{partial_stats, PartialStats};

/// Count, column sums and column sums of squares (f64) of a slice of rows:
/// merged, they give the mean column variance that scales `tol` exactly as
/// [`crate::KMeansParams::fit`] does (unweighted, ddof 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Rows seen.
    pub n: u64,
    /// Per-column sums.
    pub sum: Vec<f64>,
    /// Per-column sums of squares.
    pub sum_sq: Vec<f64>,
}

impl Moments {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Moments) -> Result<()> {
        if self.sum.len() != other.sum.len() {
            return Err(KMeansError::ShapeMismatch(format!(
                "cannot merge moments of {} and {} columns",
                self.sum.len(),
                other.sum.len()
            )));
        }
        self.n += other.n;
        self.sum
            .iter_mut()
            .zip(&other.sum)
            .for_each(|(a, b)| *a += b);
        self.sum_sq
            .iter_mut()
            .zip(&other.sum_sq)
            .for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Mean over columns of the column variance (0 for no rows).
    pub fn mean_variance(&self) -> f64 {
        let (n, d) = (self.n as f64, self.sum.len());
        if self.n == 0 || d == 0 {
            return 0.0;
        }
        (0..d)
            .map(|j| (self.sum_sq[j] / n - (self.sum[j] / n).powi(2)).max(0.0))
            .sum::<f64>()
            / d as f64
    }
}

/// The [`Moments`] of `input`'s rows (weights ignored, as the tolerance is).
pub fn moments<'a>(input: impl Into<Input<'a>>) -> Result<Moments> {
    let input = input.into();
    validate(&input)?;
    let d = input.data.n_cols();
    let mut m = Moments {
        n: input.data.n_rows() as u64,
        sum: vec![0.0; d],
        sum_sq: vec![0.0; d],
    };
    let mut add = |j: usize, v: f32| {
        m.sum[j] += v as f64;
        m.sum_sq[j] += (v as f64) * (v as f64);
    };
    match input.data {
        Data::Dense(x) => {
            for row in x.rows() {
                row.iter().enumerate().for_each(|(j, &v)| add(j, v));
            }
        }
        Data::Sparse(x) => {
            for (&j, &v) in x.indices().iter().zip(x.values()) {
                add(j as usize, v);
            }
        }
    }
    Ok(m)
}

/// Rows picked by a seeding step, with their global row indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// Global row index of each candidate (ascending after [`Candidates::merge`]).
    pub indices: Vec<u64>,
    /// `len × d` candidate rows, dense.
    pub rows: Array2<f32>,
    /// Selection key of each candidate (only the first-centre draw uses it:
    /// the largest key wins).
    pub keys: Vec<f64>,
}

impl Candidates {
    fn empty(d: usize) -> Candidates {
        Candidates {
            indices: Vec::new(),
            rows: Array2::zeros((0, d)),
            keys: Vec::new(),
        }
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The union of two candidate sets, ordered by global row index, so the
    /// result ignores the order partitions are merged in.
    pub fn merge(&self, other: &Candidates) -> Result<Candidates> {
        let d = self.rows.ncols();
        if d != other.rows.ncols() {
            return Err(KMeansError::ShapeMismatch(format!(
                "cannot merge candidates of {} and {} columns",
                d,
                other.rows.ncols()
            )));
        }
        let mut order: Vec<(u64, bool, usize)> = (0..self.len())
            .map(|i| (self.indices[i], false, i))
            .chain((0..other.len()).map(|i| (other.indices[i], true, i)))
            .collect();
        order.sort_unstable();
        order.dedup_by_key(|e| e.0);
        let mut out = Candidates {
            indices: Vec::with_capacity(order.len()),
            rows: Array2::zeros((order.len(), d)),
            keys: Vec::with_capacity(order.len()),
        };
        for (o, &(idx, theirs, i)) in order.iter().enumerate() {
            let src = if theirs { other } else { self };
            out.indices.push(idx);
            out.keys.push(src.keys[i]);
            out.rows.row_mut(o).assign(&src.rows.row(i));
        }
        Ok(out)
    }

    /// The single candidate with the largest key (ties: lowest index): the
    /// reduction of [`first_centre`] draws.
    pub fn best(&self) -> Candidates {
        let Some(b) = (0..self.len()).reduce(|b, i| {
            let better = self.keys[i] > self.keys[b]
                || (self.keys[i] == self.keys[b] && self.indices[i] < self.indices[b]);
            if better {
                i
            } else {
                b
            }
        }) else {
            return self.clone();
        };
        Candidates {
            indices: vec![self.indices[b]],
            rows: self.rows.select(ndarray::Axis(0), &[b]),
            keys: vec![self.keys[b]],
        }
    }
}

/// A ChaCha8 stream for `purpose` positioned at global row `offset`.
fn row_stream(seed: u64, purpose: u64, offset: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(purpose);
    // One f64 draw consumes two 32-bit words.
    r.set_word_pos(2 * offset as u128);
    r
}

fn gather(input: &Input, rows: &[usize], d: usize) -> Array2<f32> {
    let mut out = Array2::zeros((rows.len(), d));
    for (o, &i) in rows.iter().enumerate() {
        let mut dst = out.row_mut(o);
        match input.data {
            Data::Dense(x) => dst.assign(&x.row(i)),
            Data::Sparse(x) => {
                let (idx, val) = x.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    dst[j as usize] = v;
                }
            }
        }
    }
    out
}

/// k-means‖ step 0 on one partition whose first row has global index
/// `offset`: the row drawn with probability proportional to its weight
/// (Efraimidis–Spirakis key `ln u / w`). Reduce the partitions' draws with
/// [`Candidates::merge`] then [`Candidates::best`]. Rows of zero weight are
/// never drawn; the result is empty when every weight is zero.
pub fn first_centre<'a>(input: impl Into<Input<'a>>, seed: u64, offset: u64) -> Result<Candidates> {
    let input = input.into();
    validate(&input)?;
    let (n, d) = (input.data.n_rows(), input.data.n_cols());
    let mut r = row_stream(seed, 0, offset);
    let mut best: Option<(f64, usize)> = None;
    for i in 0..n {
        let u: f64 = r.random::<f64>();
        let w = input.weights.map_or(1.0, |w| w[i] as f64);
        if w <= 0.0 {
            continue;
        }
        let key = u.ln() / w;
        if best.is_none_or(|(b, _)| key > b) {
            best = Some((key, i));
        }
    }
    Ok(match best {
        None => Candidates::empty(d),
        Some((key, i)) => Candidates {
            indices: vec![offset + i as u64],
            rows: gather(&input, &[i], d),
            keys: vec![key],
        },
    })
}

/// Squared distance of every row to its nearest row of `centres`.
fn nearest_sq_dist(input: &Input, centres: ArrayView2<f32>) -> Vec<f32> {
    let n = input.data.n_rows();
    let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
    let centres = centres.as_standard_layout();
    match input.data {
        Data::Dense(x) => {
            let x = x.as_standard_layout();
            let rows = DenseRows::new(
                x.as_slice().expect("standard layout"),
                n,
                x.ncols(),
                input.weights,
            );
            assign_all(&rows, centres.view(), &mut labels, &mut dists, |_, _, _| ());
        }
        Data::Sparse(x) => {
            let rows = SparseRows::new(x, input.weights);
            debug_assert_eq!(rows.n(), n);
            assign_all(&rows, centres.view(), &mut labels, &mut dists, |_, _, _| ());
        }
    }
    dists
}

/// One k-means‖ sampling round on one partition (global row offset
/// `offset`): keeps every row independently with probability
/// `min(1, ℓ · w · D² / ψ)`, where D² is its squared distance to the current
/// `centres`, ψ the total cost of all partitions against them (the merged
/// [`crate::partial_stats`] inertia) and ℓ = `oversampling · k`. The coin of
/// row `i` in round `round` is fixed by (seed, round, i). Merge the
/// partitions' results with [`Candidates::merge`] and add them to `centres`.
pub fn sample_round<'a>(
    input: impl Into<Input<'a>>,
    centres: ArrayView2<f32>,
    psi: f64,
    ell: f64,
    seed: u64,
    round: u32,
    offset: u64,
) -> Result<Candidates> {
    let input = input.into();
    validate(&input)?;
    let (n, d) = (input.data.n_rows(), input.data.n_cols());
    if centres.ncols() != d || centres.nrows() == 0 {
        return Err(KMeansError::ShapeMismatch(format!(
            "centres are {}×{}, the data has {d} columns",
            centres.nrows(),
            centres.ncols()
        )));
    }
    if !(psi.is_finite() && ell.is_finite() && ell > 0.0) {
        return Err(KMeansError::InvalidParam {
            name: "psi/ell",
            value: format!("{psi}/{ell}"),
            expected: "finite, with ell > 0",
        });
    }
    if psi <= 0.0 {
        return Ok(Candidates::empty(d));
    }
    let dists = nearest_sq_dist(&input, centres);
    let mut r = row_stream(seed, 1 + round as u64, offset);
    let picked: Vec<usize> = (0..n)
        .filter(|&i| {
            let u: f64 = r.random::<f64>();
            let w = input.weights.map_or(1.0, |w| w[i] as f64);
            u < ell * w * dists[i] as f64 / psi
        })
        .collect();
    Ok(Candidates {
        indices: picked.iter().map(|&i| offset + i as u64).collect(),
        rows: gather(&input, &picked, d),
        keys: vec![0.0; picked.len()],
    })
}

/// k-means‖'s last step, on the driver: recluster the candidates, weighted
/// by the total weight of the rows nearest each (the merged
/// [`crate::partial_stats`] weights against the candidates), into `k`
/// centroids with weighted k-means++ and Lloyd. With at most `k`
/// candidates they are returned as they are (fewer than `k` rows when the
/// data had fewer distinct rows than `k`).
pub fn recluster(
    candidates: ArrayView2<f32>,
    weights: &[f64],
    k: usize,
    seed: u64,
) -> Result<Array2<f32>> {
    let (m, d) = candidates.dim();
    if weights.len() != m {
        return Err(KMeansError::ShapeMismatch(format!(
            "{m} candidates but {} weights",
            weights.len()
        )));
    }
    if k == 0 {
        return Err(KMeansError::InvalidParam {
            name: "n_clusters",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    if m <= k {
        return Ok(candidates.to_owned());
    }
    let cands = candidates.as_standard_layout();
    let w: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
    let sub = DenseRows::new(cands.as_slice().expect("standard layout"), m, d, Some(&w));
    let mut r = crate::seeding::rng(seed, u64::MAX);
    let init = crate::seeding::kmeans_plus_plus(&sub, k, &mut r).centroids;
    Ok(crate::lloyd::lloyd(&sub, init, 300, 0.0, crate::Metric::Euclidean).centroids)
}

/// The whole distributed k-means‖ seeding run on partitions given in row
/// order (each an [`Input`]), in this process: what an engine driver does
/// with maps and reductions, and the single-process reference for it. The
/// result depends on the seed and the concatenated rows only, not on where
/// the partitions are cut (up to f32 rounding of distances, which can flip a
/// coin only when it lands within rounding of its threshold).
pub fn kmeans_parallel_seeds(
    parts: &[Input],
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
) -> Result<Array2<f32>> {
    let d = parts
        .first()
        .map(|p| p.data.n_cols())
        .ok_or(KMeansError::NoRows)?;
    let offsets: Vec<u64> = parts
        .iter()
        .scan(0u64, |o, p| {
            let start = *o;
            *o += p.data.n_rows() as u64;
            Some(start)
        })
        .collect();
    let reduce = |cs: Vec<Candidates>| -> Result<Candidates> {
        cs.iter()
            .try_fold(Candidates::empty(d), |acc, c| acc.merge(c))
    };
    let first = reduce(
        parts
            .iter()
            .zip(&offsets)
            .map(|(p, &o)| first_centre(*p, seed, o))
            .collect::<Result<_>>()?,
    )?
    .best();
    if first.is_empty() {
        return Err(KMeansError::BadWeights(
            "every sample weight is zero".into(),
        ));
    }
    let mut cands = first;
    let ell = oversampling * k as f64;
    for round in 0..rounds {
        let psi = sum_stats(parts, cands.rows.view())?.inertia;
        let new = reduce(
            parts
                .iter()
                .zip(&offsets)
                .map(|(p, &o)| sample_round(*p, cands.rows.view(), psi, ell, seed, round as u32, o))
                .collect::<Result<_>>()?,
        )?;
        cands = cands.merge(&new)?;
    }
    let weights = sum_stats(parts, cands.rows.view())?.weights;
    recluster(cands.rows.view(), &weights, k, seed)
}

fn sum_stats(parts: &[Input], centres: ArrayView2<f32>) -> Result<PartialStats> {
    let (k, d) = centres.dim();
    let mut total = PartialStats::zeros(k, d);
    for p in parts {
        total.merge(&partial_stats(*p, centres)?)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Csr;
    use ndarray::{s, Array2};

    fn blobs(n: usize, d: usize) -> Array2<f32> {
        let mut r = ChaCha8Rng::seed_from_u64(7);
        Array2::from_shape_fn((n, d), |(i, j)| {
            ((i % 5) as f32) * 10.0 + (j as f32) + r.random::<f32>()
        })
    }

    fn split<'a>(x: &'a Array2<f32>, cuts: &[usize]) -> Vec<Input<'a>> {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(x.nrows());
        bounds
            .windows(2)
            .map(|w| Input::from(x.slice(s![w[0]..w[1], ..])))
            .collect()
    }

    #[test]
    fn moments_merge_to_the_fit_tolerance_scale() {
        let x = blobs(1000, 3);
        let whole = moments(&x).unwrap();
        let mut m = moments(x.slice(s![..333, ..])).unwrap();
        m.merge(&moments(x.slice(s![333.., ..])).unwrap()).unwrap();
        assert_eq!(m.n, 1000);
        let expect = crate::fit::mean_variance(&Data::Dense(x.view()));
        assert!((m.mean_variance() - expect).abs() < 1e-9 * expect);
        assert!((whole.mean_variance() - expect).abs() < 1e-12 * expect);
    }

    #[test]
    fn draws_ignore_the_partitioning() {
        let x = blobs(2000, 4);
        let one = kmeans_parallel_seeds(&split(&x, &[]), 5, 5, 2.0, 11).unwrap();
        for cuts in [vec![1usize], vec![333, 1001], vec![7, 8, 1500, 1999]] {
            let many = kmeans_parallel_seeds(&split(&x, &cuts), 5, 5, 2.0, 11).unwrap();
            assert_eq!(one.dim(), many.dim());
            for (a, b) in one.iter().zip(many.iter()) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b} for cuts {cuts:?}");
            }
        }
        // The seeds sit on the five blobs: one per blob.
        let mut firsts: Vec<i32> = one.column(0).iter().map(|v| (v / 10.0) as i32).collect();
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 1, 2, 3, 4]);
        let other = kmeans_parallel_seeds(&split(&x, &[]), 5, 5, 2.0, 12).unwrap();
        assert_eq!(other.dim(), (5, 4));
    }

    #[test]
    fn sparse_and_dense_sample_the_same_rows() {
        let x = blobs(500, 3);
        let csr = Csr::from_dense(x.view()).unwrap();
        let c = x.slice(s![..2, ..]).to_owned();
        let psi = partial_stats(&x, c.view()).unwrap().inertia;
        let a = sample_round(&x, c.view(), psi, 10.0, 3, 0, 100).unwrap();
        let b = sample_round(&csr, c.view(), psi, 10.0, 3, 0, 100).unwrap();
        assert_eq!(a.indices, b.indices);
        assert!(!a.is_empty() && a.indices.iter().all(|&i| (100..600).contains(&i)));
    }

    #[test]
    fn first_centre_follows_the_weights() {
        let x = blobs(50, 2);
        let mut w = vec![0.0f32; 50];
        w[17] = 1.0;
        let c = first_centre(Input::from(&x).weighted(&w), 1, 0).unwrap();
        assert_eq!(c.indices, vec![17]);
        let zero = vec![0.0f32; 50];
        // Core input validation refuses all-zero weights, as `fit` does.
        assert!(first_centre(Input::from(&x).weighted(&zero), 1, 0).is_err());
    }

    #[test]
    fn recluster_and_merge_errors() {
        let c = Array2::from_shape_vec((3, 1), vec![0.0f32, 1.0, 10.0]).unwrap();
        let two = recluster(c.view(), &[1.0, 1.0, 1.0], 2, 0).unwrap();
        let mut v: Vec<f32> = two.iter().copied().collect();
        v.sort_by(f32::total_cmp);
        assert_eq!(v, vec![0.5, 10.0]);
        assert!(recluster(c.view(), &[1.0], 2, 0).is_err());
        assert_eq!(recluster(c.view(), &[1.0; 3], 3, 0).unwrap(), c);
        let a = Candidates::empty(2);
        assert!(a.merge(&Candidates::empty(3)).is_err());
    }
}
