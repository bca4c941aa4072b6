//! Primitives for fits spread over partitions that an engine (Spark, Ray,
//! Dask, or a loop) maps, reduces and broadcasts: column [`Moments`] for the
//! tolerance, and the steps of a k-means‖ seeding whose draws depend on the
//! seed and each row's *global* index only, so any partitioning of the same
//! rows (given each partition's row offset) picks the same candidates.
//! One Lloyd step is [`crate::partial_stats`] → [`PartialStats::merge`] →
//! [`PartialStats::finalize`].
//!
//! Every random draw comes from a ChaCha8 stream fixed by (seed, purpose) at
//! word position `2 · global_row`: a group of rows seeks to its first row
//! once and then draws row by row, so the draw of a row ignores where it
//! sits. The single-process `Init::KMeansParallel` seeding runs the same
//! steps ([`kmeans_parallel`] on one partition), so a driver and
//! `KMeans::params(k).init(Init::kmeans_parallel())` agree from one seed.
//!
//! An emptied cluster: the driver counts empty clusters in the merged
//! statistics ([`n_empty`]) and, only then, reduces the partitions'
//! [`far_rows`]; [`relocate`] applies the core's rule (the i-th empty
//! cluster takes the i-th row farthest from its centroid).

use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::{validate, Data, Input};
use crate::error::{KMeansError, Result};
use crate::lloyd::{apply_update, farthest, FarRow};
use crate::points::{assign_all, map_groups, DenseRows, Points, SparseRows};
use crate::stats::PartialStats;

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

/// Extra sampling rounds allowed past `rounds` while there are fewer than
/// `k` candidates (tiny data): each adds about `ℓ` candidates.
const EXTRA_ROUNDS: usize = 20;

/// Whether k-means‖ runs sampling round `round` (0-based), with
/// `n_candidates` picked so far: the `rounds` asked for, then more while
/// there are fewer than `k` candidates (the driver also stops when ψ = 0:
/// every row then coincides with a candidate).
pub fn next_round(round: usize, rounds: usize, n_candidates: usize, k: usize) -> bool {
    round < rounds || (n_candidates < k && round < rounds + EXTRA_ROUNDS)
}

/// The rows of an [`Input`] as the kernels take them (dense rows made
/// contiguous first).
enum PartRows<'a> {
    Dense(CowArray<'a, f32, Ix2>, Option<&'a [f32]>),
    Sparse(&'a crate::data::Csr, Option<&'a [f32]>),
}

impl<'a> PartRows<'a> {
    fn new(input: &Input<'a>) -> PartRows<'a> {
        match input.data {
            Data::Dense(x) => PartRows::Dense(
                if x.is_standard_layout() {
                    CowArray::from(x)
                } else {
                    CowArray::from(x.as_standard_layout().into_owned())
                },
                input.weights,
            ),
            Data::Sparse(x) => PartRows::Sparse(x, input.weights),
        }
    }

    fn points(&self) -> Box<dyn Points + '_> {
        match self {
            PartRows::Dense(x, w) => Box::new(DenseRows::new(
                x.as_slice().expect("standard layout"),
                x.nrows(),
                x.ncols(),
                *w,
            )),
            PartRows::Sparse(x, w) => Box::new(SparseRows::new(x, *w)),
        }
    }
}

/// Step 0 on prepared rows: the row with the largest Efraimidis–Spirakis
/// key `ln u / w` (a row drawn with probability ∝ weight), as (key, row);
/// `None` when no row has positive weight. Ties keep the lower row.
fn first_draw<P: Points + ?Sized>(points: &P, seed: u64, offset: u64) -> Option<(f64, usize)> {
    map_groups(points.n(), |range| {
        let mut r = row_stream(seed, 0, offset + range.start as u64);
        let mut best: Option<(f64, usize)> = None;
        for i in range {
            let u: f64 = r.random::<f64>();
            let w = points.weight(i);
            if w <= 0.0 {
                continue;
            }
            let key = u.ln() / w;
            if best.is_none_or(|(b, _)| key > b) {
                best = Some((key, i));
            }
        }
        best
    })
    .into_iter()
    .flatten()
    .reduce(|a, b| if b.0 > a.0 { b } else { a })
}

/// One sampling round on prepared rows given each row's squared distance
/// `closest` to the current candidates: row `i` is kept when its coin
/// `u < ℓ · w · D² / ψ`. Returns the kept rows, ascending.
fn sample_draws<P: Points + ?Sized>(
    points: &P,
    closest: &[f32],
    psi: f64,
    ell: f64,
    seed: u64,
    round: u32,
    offset: u64,
) -> Vec<usize> {
    map_groups(points.n(), |range| {
        let mut r = row_stream(seed, 1 + round as u64, offset + range.start as u64);
        // The coin is drawn for every row, kept or not, so the streams stay aligned.
        range
            .filter(|&i| {
                let u: f64 = r.random::<f64>();
                u < ell * points.weight(i) * closest[i] as f64 / psi
            })
            .collect::<Vec<_>>()
    })
    .concat()
}

/// k-means‖ step 0 on one partition whose first row has global index
/// `offset`: the row drawn with probability proportional to its weight
/// (Efraimidis–Spirakis key `ln u / w`). Reduce the partitions' draws with
/// [`Candidates::merge`] then [`Candidates::best`]. Rows of zero weight are
/// never drawn; the result is empty when every weight is zero.
pub fn first_centre<'a>(input: impl Into<Input<'a>>, seed: u64, offset: u64) -> Result<Candidates> {
    let input = input.into();
    validate(&input)?;
    let d = input.data.n_cols();
    let rows = PartRows::new(&input);
    let points = rows.points();
    Ok(match first_draw(&*points, seed, offset) {
        None => Candidates::empty(d),
        Some((key, i)) => Candidates {
            indices: vec![offset + i as u64],
            rows: points.gather(&[i]),
            keys: vec![key],
        },
    })
}

/// Squared distance of every row to its nearest row of `centres`.
fn nearest_sq_dist<P: Points + ?Sized>(points: &P, centres: ArrayView2<f32>) -> Vec<f32> {
    let n = points.n();
    let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
    let centres = centres.as_standard_layout();
    assign_all(
        points,
        centres.view(),
        &mut labels,
        &mut dists,
        |_, _, _| (),
    );
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
    let d = input.data.n_cols();
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
    let rows = PartRows::new(&input);
    let points = rows.points();
    let dists = nearest_sq_dist(&*points, centres);
    let picked = sample_draws(&*points, &dists, psi, ell, seed, round, offset);
    Ok(Candidates {
        indices: picked.iter().map(|&i| offset + i as u64).collect(),
        rows: points.gather(&picked),
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

/// k-means‖ (Bahmani et al. 2012) over partitions given in row order, in
/// this process: the one implementation behind `Init::KMeansParallel` (one
/// partition) and [`kmeans_parallel_seeds`]; engine drivers run the same
/// steps as maps and reductions. Start from one weight-drawn row; while
/// [`next_round`] says so and ψ > 0, keep every row with probability
/// `ℓ·w·D²/ψ`; weight the candidates (ordered by global row) by the rows
/// nearest them and [`recluster`]. Each partition keeps its rows' D² and
/// only measures the new candidates of a round. Returns `None` when no row
/// has positive weight.
pub(crate) fn kmeans_parallel<P: Points + ?Sized>(
    parts: &[&P],
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
) -> Option<Array2<f32>> {
    let d = parts.first()?.d();
    let offsets: Vec<u64> = parts
        .iter()
        .scan(0u64, |o, p| {
            let start = *o;
            *o += p.n() as u64;
            Some(start)
        })
        .collect();
    let (_, first_part, first_row) = parts
        .iter()
        .enumerate()
        .filter_map(|(p, part)| first_draw(*part, seed, offsets[p]).map(|(key, i)| (key, p, i)))
        .reduce(|a, b| if b.0 > a.0 { b } else { a })?;
    // Candidates as (global row, values), kept in global row order.
    let mut cands: Vec<(u64, Vec<f32>)> = Vec::new();
    let mut new: Vec<(u64, Vec<f32>)> = vec![(
        offsets[first_part] + first_row as u64,
        parts[first_part]
            .gather(&[first_row])
            .into_raw_vec_and_offset()
            .0,
    )];
    let mut closest: Vec<Vec<f32>> = parts.iter().map(|p| vec![f32::INFINITY; p.n()]).collect();
    let ell = oversampling * k as f64;
    let mut round = 0;
    loop {
        let fresh = Array2::from_shape_fn((new.len(), d), |(c, j)| new[c].1[j]);
        let any_new = !new.is_empty();
        cands.append(&mut new);
        cands.sort_unstable_by_key(|c| c.0);
        cands.dedup_by_key(|c| c.0);
        if !next_round(round, rounds, cands.len(), k) {
            break;
        }
        let mut psi = 0.0;
        for (part, cl) in parts.iter().zip(closest.iter_mut()) {
            if any_new {
                let dists = nearest_sq_dist(*part, fresh.view());
                cl.iter_mut()
                    .zip(&dists)
                    .for_each(|(c, &dd)| *c = c.min(dd));
            }
            psi += map_groups(part.n(), |r| {
                r.map(|i| part.weight(i) * cl[i] as f64).sum::<f64>()
            })
            .iter()
            .sum::<f64>();
        }
        if psi <= 0.0 {
            break;
        }
        for (p, part) in parts.iter().enumerate() {
            for i in sample_draws(*part, &closest[p], psi, ell, seed, round as u32, offsets[p]) {
                new.push((
                    offsets[p] + i as u64,
                    part.gather(&[i]).into_raw_vec_and_offset().0,
                ));
            }
        }
        round += 1;
    }
    let rows = Array2::from_shape_fn((cands.len(), d), |(c, j)| cands[c].1[j]);
    let mut weights = vec![0.0f64; cands.len()];
    for part in parts {
        let n = part.n();
        let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
        let per_group = assign_all(
            *part,
            rows.view(),
            &mut labels,
            &mut dists,
            |range, l, _| {
                let mut acc = vec![0.0f64; cands.len()];
                for (o, i) in range.enumerate() {
                    acc[l[o] as usize] += part.weight(i);
                }
                acc
            },
        );
        for g in per_group {
            weights.iter_mut().zip(g).for_each(|(w, v)| *w += v);
        }
    }
    recluster(rows.view(), &weights, k, seed).ok()
}

/// The whole k-means‖ seeding on partitions given in row order (each an
/// [`Input`]), in this process: the single-process reference of what an
/// engine driver does with maps and reductions. The result depends on the
/// seed and the concatenated rows only, not on where the partitions are cut
/// (up to f32 rounding of distances, which can flip a coin only when it
/// lands within rounding of its threshold).
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
    for p in parts {
        validate(p)?;
        if p.data.n_cols() != d {
            return Err(KMeansError::ShapeMismatch(format!(
                "partitions of {d} and {} columns",
                p.data.n_cols()
            )));
        }
    }
    if k == 0 {
        return Err(KMeansError::InvalidParam {
            name: "n_clusters",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    let rows: Vec<PartRows> = parts.iter().map(PartRows::new).collect();
    let points: Vec<Box<dyn Points + '_>> = rows.iter().map(PartRows::points).collect();
    let refs: Vec<&dyn Points> = points.iter().map(|p| &**p).collect();
    kmeans_parallel(&refs, k, rounds, oversampling, seed)
        .ok_or_else(|| KMeansError::BadWeights("every sample weight is zero".into()))
}

/// Number of clusters without weight in merged statistics: when it is not
/// zero, a driver reduces [`far_rows`] of that many rows and calls
/// [`relocate`] instead of [`PartialStats::finalize`].
pub fn n_empty(stats: &PartialStats) -> usize {
    crate::lloyd::n_empty(stats)
}

/// The rows of a partition farthest from their nearest centroid: what an
/// empty cluster is moved to (ranked as the core ranks them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarRows {
    /// How many rows are kept (the number of empty clusters).
    pub keep: usize,
    /// Squared distance of each row to its centroid (descending).
    pub dists: Vec<f32>,
    /// Global row index of each (ascending among equal distances).
    pub indices: Vec<u64>,
    /// The centroid each row is assigned to.
    pub labels: Vec<u32>,
    /// Each row's weight.
    pub weights: Vec<f64>,
    /// `len × d` rows.
    pub rows: Array2<f32>,
}

impl FarRows {
    fn far_rows(&self) -> Vec<FarRow> {
        (0..self.indices.len())
            .map(|i| FarRow {
                dist: self.dists[i],
                index: self.indices[i] as usize,
                label: self.labels[i],
                weight: self.weights[i],
                row: self.rows.row(i).to_vec(),
            })
            .collect()
    }

    fn from_far_rows(keep: usize, d: usize, rows: &[FarRow]) -> FarRows {
        FarRows {
            keep,
            dists: rows.iter().map(|f| f.dist).collect(),
            indices: rows.iter().map(|f| f.index as u64).collect(),
            labels: rows.iter().map(|f| f.label).collect(),
            weights: rows.iter().map(|f| f.weight).collect(),
            rows: Array2::from_shape_fn((rows.len(), d), |(r, j)| rows[r].row[j]),
        }
    }

    /// The `keep` farthest of both sets, ranked as the core ranks rows for
    /// an empty cluster (farther first, exact ties by the row's values,
    /// weight, cluster, then global row), so the result ignores the merge
    /// order.
    pub fn merge(&self, other: &FarRows) -> Result<FarRows> {
        let d = self.rows.ncols();
        if d != other.rows.ncols() || self.keep != other.keep {
            return Err(KMeansError::ShapeMismatch(format!(
                "cannot merge far rows of {} and {} columns, keeping {} and {}",
                d,
                other.rows.ncols(),
                self.keep,
                other.keep
            )));
        }
        let mut all = self.far_rows();
        all.extend(other.far_rows());
        all.sort_by(FarRow::order);
        all.dedup_by_key(|f| f.index);
        all.truncate(self.keep);
        Ok(FarRows::from_far_rows(self.keep, d, &all))
    }
}

/// The `keep` rows of positive weight of one partition (global row offset
/// `offset`) farthest from their nearest `centroids`, as the core's
/// empty-cluster rule ranks them.
pub fn far_rows<'a>(
    input: impl Into<Input<'a>>,
    centroids: ArrayView2<f32>,
    keep: usize,
    offset: u64,
) -> Result<FarRows> {
    let input = input.into();
    validate(&input)?;
    let d = input.data.n_cols();
    if centroids.ncols() != d || centroids.nrows() == 0 {
        return Err(KMeansError::ShapeMismatch(format!(
            "centroids are {}×{}, the data has {d} columns",
            centroids.nrows(),
            centroids.ncols()
        )));
    }
    let rows = PartRows::new(&input);
    let points = rows.points();
    let n = points.n();
    let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
    let centroids = centroids.as_standard_layout();
    assign_all(
        &*points,
        centroids.view(),
        &mut labels,
        &mut dists,
        |_, _, _| (),
    );
    let rows = farthest(&*points, &labels, &dists, keep, offset as usize);
    Ok(FarRows::from_far_rows(keep, d, &rows))
}

/// New centroids from merged statistics with the core's empty-cluster rule
/// (the i-th empty cluster takes the i-th farthest row, which leaves its old
/// cluster): the driver's [`PartialStats::finalize`] when [`n_empty`] > 0.
/// Returns the centroids and whether a cluster was relocated.
pub fn relocate(
    stats: &PartialStats,
    far: &FarRows,
    previous: ArrayView2<f32>,
) -> Result<(Array2<f32>, bool)> {
    if previous.dim() != (stats.k, stats.d) || far.rows.ncols() != stats.d {
        return Err(KMeansError::ShapeMismatch(format!(
            "stats are {}×{}, previous centroids {:?}, far rows of {} columns",
            stats.k,
            stats.d,
            previous.dim(),
            far.rows.ncols()
        )));
    }
    if far.labels.iter().any(|&l| l as usize >= stats.k) {
        return Err(KMeansError::ShapeMismatch(
            "a far row's label is not a cluster of the stats".into(),
        ));
    }
    Ok(apply_update(
        stats,
        &far.far_rows(),
        previous,
        crate::Metric::Euclidean,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Csr;
    use crate::stats::partial_stats;
    use crate::{init_centroids, Algorithm, Init, KMeans};
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

    #[test]
    fn single_process_seeding_is_the_distributed_one() {
        let x = blobs(3000, 3);
        for seed in [0u64, 5, 42] {
            let params = KMeans::params(6).seed(seed).init(Init::kmeans_parallel());
            let single = init_centroids(&x, &params).unwrap();
            let Init::KMeansParallel {
                rounds,
                oversampling,
            } = params.init
            else {
                unreachable!()
            };
            let parts =
                kmeans_parallel_seeds(&split(&x, &[700, 1900]), 6, rounds, oversampling, seed)
                    .unwrap();
            assert_eq!(single.dim(), parts.dim());
            // Same candidates; their weights can differ by a row that is
            // equidistant from two adjacent candidates to f32 rounding (each
            // partition centres its rows on its own mean), which moves a
            // reclustered seed by ~1e-3 here. The fits from both agree.
            for (a, b) in single.iter().zip(parts.iter()) {
                assert!((a - b).abs() < 1e-2, "seed {seed}: {a} vs {b}");
            }
            let lloyd = |c: &Array2<f32>| {
                KMeans::params(6)
                    .init(Init::Given(c.clone()))
                    .algorithm(Algorithm::Lloyd)
                    .refine(false)
                    .fit(&x)
                    .unwrap()
                    .centroids
            };
            let (fa, fb) = (lloyd(&single), lloyd(&parts));
            for (a, b) in fa.iter().zip(fb.iter()) {
                assert!((a - b).abs() < 1e-5, "seed {seed}: fit {a} vs {b}");
            }
            // And the fit seeded by the core itself is that fit.
            let own = params
                .clone()
                .algorithm(Algorithm::Lloyd)
                .refine(false)
                .n_init(1)
                .fit(&x)
                .unwrap();
            for (a, b) in own.centroids.iter().zip(fa.iter()) {
                assert!((a - b).abs() < 1e-5, "seed {seed}: own {a} vs {b}");
            }
        }
    }

    #[test]
    fn tiny_data_gets_k_candidates() {
        // 12 distinct rows, k = 10: one round of ℓ = 2k rarely picks 9 more
        // rows; extra rounds run until there are k candidates.
        let x = Array2::from_shape_fn((12, 2), |(i, j)| (i * 3 + j) as f32);
        let c = kmeans_parallel_seeds(&split(&x, &[5]), 10, 1, 0.1, 3).unwrap();
        assert_eq!(c.nrows(), 10);
        // Fewer distinct rows than k: as many centres as distinct rows.
        let dup = Array2::from_shape_fn((12, 2), |(i, _)| (i % 3) as f32);
        assert_eq!(
            kmeans_parallel_seeds(&split(&dup, &[]), 5, 5, 2.0, 3)
                .unwrap()
                .nrows(),
            3
        );
    }

    #[test]
    fn relocation_matches_the_core_update() {
        // Centre 2 sits far from every row: its cluster is empty.
        let x = blobs(600, 2);
        let c =
            Array2::from_shape_vec((3, 2), vec![0.0f32, 0.0, 40.0, 1.0, 1000.0, 1000.0]).unwrap();
        let whole = KMeans::params(3)
            .init(Init::Given(c.clone()))
            .algorithm(Algorithm::Lloyd)
            .refine(false)
            .max_iter(1)
            .fit(&x)
            .unwrap();
        let mut stats = PartialStats::zeros(3, 2);
        let mut far: Option<FarRows> = None;
        for (o, part) in [(0u64, s![..250, ..]), (250, s![250.., ..])] {
            let p = x.slice(part);
            stats.merge(&partial_stats(p, c.view()).unwrap()).unwrap();
            let f = far_rows(p, c.view(), 1, o).unwrap();
            far = Some(match far {
                None => f,
                Some(acc) => acc.merge(&f).unwrap(),
            });
        }
        assert_eq!(n_empty(&stats), 1);
        let (new, relocated) = relocate(&stats, &far.unwrap(), c.view()).unwrap();
        assert!(relocated);
        for (a, b) in new.iter().zip(whole.centroids.iter()) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        assert!(new[[2, 0]] < 100.0, "the empty centre moved to a row");
    }
}
