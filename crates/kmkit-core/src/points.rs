//! The rows the algorithms iterate over, dense or sparse, behind one small
//! internal trait so that seeding, Lloyd and mini-batch are written once.
//!
//! Parallel work is split into groups whose boundaries depend only on `n`,
//! never on the thread count, and group results are merged in group order:
//! that is what makes every result bit-identical for any number of threads.

use std::ops::Range;

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::data::Csr;
use crate::kernels::{self, Packed};

/// Rows handed to the kernel at once: small enough to stay in L1/L2.
pub(crate) const BLOCK: usize = 256;
/// Rows [`DenseRows::accumulate`] lists by cluster at once (and Lloyd
/// assigns before adding them). Each cluster's running sums are loaded and
/// stored once per list: at k = 64 a block of 256 rows gave a cluster ~4
/// rows, and that per-cluster work cost more than the adds.
pub(crate) const SUM_BLOCK: usize = 4 * BLOCK;
/// Up to this many clusters, [`DenseRows::accumulate`] adds each cluster's
/// rows of a block together.
const BUCKET_MAX_K: usize = 64;
/// At most this many groups; more would only add merge work.
const MAX_GROUPS: usize = 64;

/// Centroids prepared for one assignment pass.
pub(crate) struct Prepared<'c> {
    pub centroids: ArrayView2<'c, f32>,
    /// Dense path: centroids packed (and centred) for the SIMD kernel.
    packed: Option<Packed>,
    /// Sparse path: centroids transposed (d × k) and half squared norms.
    transposed: Vec<f32>,
    half_norms: Vec<f32>,
    norms2: Vec<f64>,
}

/// Per-thread working memory for [`Points::assign`].
#[derive(Default)]
pub(crate) struct Scratch {
    buf: Vec<f32>,
    scores: Vec<f32>,
}

pub(crate) trait Points: Sync {
    fn n(&self) -> usize;
    fn d(&self) -> usize;
    fn weights(&self) -> Option<&[f32]>;
    /// Whether rows are stored sparse (CSR).
    fn sparse(&self) -> bool {
        false
    }
    fn weight(&self, i: usize) -> f64 {
        self.weights().map_or(1.0, |w| w[i] as f64)
    }
    fn prepare<'c>(&self, centroids: ArrayView2<'c, f32>) -> Prepared<'c>;
    /// Nearest centroid and exact squared distance to it for rows `rows`.
    fn assign(
        &self,
        rows: Range<usize>,
        prep: &Prepared,
        labels: &mut [u32],
        dists: &mut [f32],
        scratch: &mut Scratch,
    );
    /// The labels of [`assign`](Points::assign) for rows `rows`; `dists`
    /// may be left as they were ([`dists_to`](Points::dists_to) fills them).
    /// Lloyd needs the distances only when a cluster empties and at the end.
    fn assign_labels(
        &self,
        rows: Range<usize>,
        prep: &Prepared,
        labels: &mut [u32],
        dists: &mut [f32],
        scratch: &mut Scratch,
    ) {
        self.assign(rows, prep, labels, dists, scratch);
    }
    /// The distances [`assign`](Points::assign) gives rows `rows` with
    /// these `labels`, bit for bit.
    fn dists_to(&self, rows: Range<usize>, prep: &Prepared, labels: &[u32], dists: &mut [f32]) {
        let cands = prep.centroids.as_slice().expect("centroids are contiguous");
        self.sq_dists_own(rows, cands, &prep.norms2, labels, dists);
    }
    /// `out[o] = sq_dist(row rows.start + o, row labels[o] of cands,
    /// norms[labels[o]])`, `cands` holding rows of `d` floats: one call for
    /// many rows.
    fn sq_dists_own(
        &self,
        rows: Range<usize>,
        cands: &[f32],
        norms: &[f64],
        labels: &[u32],
        out: &mut [f32],
    ) {
        let d = self.d();
        for ((o, &c), i) in out.iter_mut().zip(labels).zip(rows) {
            let c = c as usize;
            *o = self.sq_dist(i, &cands[c * d..][..d], norms[c]);
        }
    }
    /// For rows `rows` in order: `weights[c] += w`, `sums[c·d..] += w · row`
    /// with `c` the row's label: what [`PartialStats`](crate::PartialStats)
    /// adds per row, bit for bit.
    fn accumulate(
        &self,
        rows: Range<usize>,
        labels: &[u32],
        sums: &mut [f64],
        weights: &mut [f64],
    ) {
        accumulate_each(self, rows, labels, sums, weights);
    }
    /// Exact squared distance from row `i` to `c` (whose squared norm is `c_norm2`).
    fn sq_dist(&self, i: usize, c: &[f32], c_norm2: f64) -> f32;
    /// `out[j] = sq_dist(i, row which[j] of cands, norms[which[j]])`, where
    /// `cands` holds rows of `d` floats: one call for many candidates.
    fn sq_dists(&self, i: usize, cands: &[f32], norms: &[f64], which: &[u32], out: &mut [f32]) {
        let d = self.d();
        for (o, &c) in out.iter_mut().zip(which) {
            let c = c as usize;
            *o = self.sq_dist(i, &cands[c * d..][..d], norms[c]);
        }
    }
    /// `sums += w · row i`.
    fn add_to(&self, i: usize, w: f64, sums: &mut [f64]);
    /// Hints that row `i` is about to be read.
    fn prefetch(&self, _i: usize) {}
    /// Row `i` written densely into `out`.
    fn row_into(&self, i: usize, out: &mut [f32]);
    /// Rows `rows` as a new dense matrix (for small candidate sets).
    fn gather(&self, rows: &[usize]) -> Array2<f32> {
        let mut out = Array2::zeros((rows.len(), self.d()));
        for (o, &r) in rows.iter().enumerate() {
            self.row_into(
                r,
                out.row_mut(o)
                    .into_slice()
                    .expect("fresh array is contiguous"),
            );
        }
        out
    }
}

/// Dense contiguous rows, with the centring shift used by the kernel.
pub(crate) struct DenseRows<'a> {
    pub x: &'a [f32],
    pub n: usize,
    pub d: usize,
    pub w: Option<&'a [f32]>,
    /// The (weighted) column mean: distances are computed on centred
    /// coordinates so that `‖x‖² − 2x·c + ‖c‖²` does not cancel in f32 when the
    /// data sits far from the origin (scikit-learn centres for the same reason).
    pub shift: Vec<f32>,
}

impl<'a> DenseRows<'a> {
    pub fn new(x: &'a [f32], n: usize, d: usize, w: Option<&'a [f32]>) -> Self {
        let mut mean = vec![0.0f64; d];
        let mut total = 0.0f64;
        for i in 0..n {
            let wi = w.map_or(1.0, |w| w[i] as f64);
            total += wi;
            for (m, &v) in mean.iter_mut().zip(&x[i * d..(i + 1) * d]) {
                *m += wi * v as f64;
            }
        }
        let shift = mean
            .iter()
            .map(|m| if total > 0.0 { (m / total) as f32 } else { 0.0 })
            .collect();
        DenseRows { x, n, d, w, shift }
    }
    /// Unweighted rows centred on a shift computed elsewhere (the mean of
    /// the whole data, for one chunk of it).
    pub fn with_shift(x: &'a [f32], n: usize, d: usize, shift: Vec<f32>) -> Self {
        DenseRows {
            x,
            n,
            d,
            w: None,
            shift,
        }
    }
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
    /// [`Points::accumulate`] for `d == D`. For few clusters the rows of a
    /// block are first listed by cluster (in row order, by the kernels'
    /// `sort_by_label`), and each cluster's sums are then added in
    /// registers: adding row by row into memory made
    /// every add wait for the store of the one before whenever two rows
    /// shared a cluster, which at d = 3, k = 4 took longer than the
    /// assignment. The order of the additions into each sum is still the row
    /// order, so the sums are bit-identical.
    fn accumulate_d<const D: usize>(
        &self,
        rows: Range<usize>,
        labels: &[u32],
        sums: &mut [f64],
        weights: &mut [f64],
    ) {
        let k = weights.len();
        let x = &self.x[rows.start * D..rows.end * D];
        let w = self.w.map(|w| &w[rows]);
        if k > BUCKET_MAX_K {
            for (r, (row, &c)) in x.chunks_exact(D).zip(labels).enumerate() {
                let c = c as usize;
                // `1.0 · v` is `v`: the unweighted adds skip the product.
                let wi = w.map_or(1.0, |w| w[r] as f64);
                weights[c] += wi;
                for (s, &v) in sums[c * D..(c + 1) * D].iter_mut().zip(row) {
                    *s += if w.is_some() { wi * v as f64 } else { v as f64 };
                }
            }
            return;
        }
        let sort = kernels::get().sort_by_label;
        ORDER.with_borrow_mut(|order| {
            let mut start = [0usize; BUCKET_MAX_K + 1];
            for (b, (bx, bl)) in x
                .chunks(SUM_BLOCK * D)
                .zip(labels.chunks(SUM_BLOCK))
                .enumerate()
            {
                sort(bl, k, order, &mut start);
                let bw = w.map(|w| &w[b * SUM_BLOCK..]);
                let load = |c: usize, sums: &[f64], weights: &[f64]| Acc::<D> {
                    sums: std::array::from_fn(|j| sums[c * D + j]),
                    weight: weights[c],
                };
                let add = |acc: &mut Acc<D>, r: u32| {
                    let row = &bx[r as usize * D..][..D];
                    match bw {
                        None => {
                            acc.weight += 1.0;
                            for (s, &v) in acc.sums.iter_mut().zip(row) {
                                *s += v as f64;
                            }
                        }
                        Some(bw) => {
                            let wi = bw[r as usize] as f64;
                            acc.weight += wi;
                            for (s, &v) in acc.sums.iter_mut().zip(row) {
                                *s += wi * v as f64;
                            }
                        }
                    }
                };
                // Two clusters at a time, in step: each cluster's adds wait on
                // one another, two clusters' do not. (Four at a time measured
                // the same on CDNOW.)
                for c in (0..k).step_by(2) {
                    let pair = (c + 1).min(k - 1);
                    let m0 = &order[start[c]..start[c + 1]];
                    let m1 = if pair > c {
                        &order[start[pair]..start[pair + 1]]
                    } else {
                        &[][..]
                    };
                    let (mut a0, mut a1) = (load(c, sums, weights), load(pair, sums, weights));
                    for (&r0, &r1) in m0.iter().zip(m1) {
                        add(&mut a0, r0);
                        add(&mut a1, r1);
                    }
                    let both = m0.len().min(m1.len());
                    m0[both..].iter().for_each(|&r| add(&mut a0, r));
                    m1[both..].iter().for_each(|&r| add(&mut a1, r));
                    // With k odd the last "pair" is one cluster, stored once.
                    for (c, acc) in [(pair, a1), (c, a0)] {
                        sums[c * D..(c + 1) * D].copy_from_slice(&acc.sums);
                        weights[c] = acc.weight;
                    }
                }
            }
        });
    }
}

thread_local! {
    /// The row order [`DenseRows::accumulate_d`] sorts each block into, kept
    /// per thread: zeroing a fresh 4 KB array on every call (once per block
    /// of a Lloyd step) cost 2.4 % of the CDNOW pipeline's CPU time.
    static ORDER: std::cell::RefCell<Vec<u32>> =
        std::cell::RefCell::new(vec![0; SUM_BLOCK + kernels::LANES]);
}

/// [`Points::accumulate`] row by row through `add_to`: the definition the
/// faster paths reproduce bit for bit.
fn accumulate_each(
    points: &(impl Points + ?Sized),
    rows: Range<usize>,
    labels: &[u32],
    sums: &mut [f64],
    weights: &mut [f64],
) {
    let d = points.d();
    for (i, &c) in rows.zip(labels) {
        let (c, w) = (c as usize, points.weight(i));
        weights[c] += w;
        points.add_to(i, w, &mut sums[c * d..(c + 1) * d]);
    }
}

/// One cluster's running sums and weight, in registers
/// ([`DenseRows::accumulate`] at d = D).
struct Acc<const D: usize> {
    sums: [f64; D],
    weight: f64,
}

impl Points for DenseRows<'_> {
    fn n(&self) -> usize {
        self.n
    }
    fn d(&self) -> usize {
        self.d
    }
    fn weights(&self) -> Option<&[f32]> {
        self.w
    }
    fn prepare<'c>(&self, centroids: ArrayView2<'c, f32>) -> Prepared<'c> {
        let norms2 = centroids
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| (v as f64) * (v as f64)).sum())
            .collect();
        Prepared {
            packed: Some(Packed::new(centroids, Some(&self.shift))),
            centroids,
            transposed: Vec::new(),
            half_norms: Vec::new(),
            norms2,
        }
    }
    fn assign(
        &self,
        rows: Range<usize>,
        prep: &Prepared,
        labels: &mut [u32],
        dists: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let k = kernels::get();
        let packed = prep
            .packed
            .as_ref()
            .expect("dense rows are prepared with packed centroids");
        let d = self.d;
        scratch.scores.resize(BLOCK, 0.0);
        for (b, start) in rows.clone().step_by(BLOCK).enumerate() {
            let end = (start + BLOCK).min(rows.end);
            let (lo, hi) = (b * BLOCK, b * BLOCK + (end - start));
            (k.assign)(
                &self.x[start * d..end * d],
                Some(&self.shift),
                packed,
                &mut labels[lo..hi],
                &mut scratch.scores[..end - start],
                &mut scratch.buf,
            );
            (k.sq_dist_rows)(
                d,
                &self.x[start * d..end * d],
                prep.centroids.as_slice().expect("centroids are contiguous"),
                &labels[lo..hi],
                &mut dists[lo..hi],
            );
        }
    }
    fn assign_labels(
        &self,
        rows: Range<usize>,
        prep: &Prepared,
        labels: &mut [u32],
        _dists: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let packed = prep
            .packed
            .as_ref()
            .expect("dense rows are prepared with packed centroids");
        // Each row's label is its own: one kernel call over the whole range
        // gives the labels of `assign`'s blocks.
        scratch.scores.resize(rows.len(), 0.0);
        (kernels::get().assign)(
            &self.x[rows.start * self.d..rows.end * self.d],
            Some(&self.shift),
            packed,
            &mut labels[..rows.len()],
            &mut scratch.scores[..rows.len()],
            &mut scratch.buf,
        );
    }
    fn sq_dists_own(
        &self,
        rows: Range<usize>,
        cands: &[f32],
        _norms: &[f64],
        labels: &[u32],
        out: &mut [f32],
    ) {
        (kernels::get().sq_dist_rows)(
            self.d,
            &self.x[rows.start * self.d..rows.end * self.d],
            cands,
            &labels[..rows.len()],
            &mut out[..rows.len()],
        );
    }
    fn accumulate(
        &self,
        rows: Range<usize>,
        labels: &[u32],
        sums: &mut [f64],
        weights: &mut [f64],
    ) {
        // Few coordinates: a fixed-length row lets the adds unroll; the
        // order of the additions into each sum is the row order, as in
        // `add_to`, so the sums are bit-identical.
        match self.d {
            1 => self.accumulate_d::<1>(rows, labels, sums, weights),
            2 => self.accumulate_d::<2>(rows, labels, sums, weights),
            3 => self.accumulate_d::<3>(rows, labels, sums, weights),
            4 => self.accumulate_d::<4>(rows, labels, sums, weights),
            5 => self.accumulate_d::<5>(rows, labels, sums, weights),
            6 => self.accumulate_d::<6>(rows, labels, sums, weights),
            7 => self.accumulate_d::<7>(rows, labels, sums, weights),
            8 => self.accumulate_d::<8>(rows, labels, sums, weights),
            _ => accumulate_each(self, rows, labels, sums, weights),
        }
    }
    fn sq_dist(&self, i: usize, c: &[f32], _c_norm2: f64) -> f32 {
        (kernels::get().sq_dist)(self.row(i), c)
    }
    fn sq_dists(&self, i: usize, cands: &[f32], _norms: &[f64], which: &[u32], out: &mut [f32]) {
        (kernels::get().sq_dists)(self.row(i), cands, which, out)
    }
    fn add_to(&self, i: usize, w: f64, sums: &mut [f64]) {
        (kernels::get().axpy_f64)(w, self.row(i), sums)
    }
    fn prefetch(&self, i: usize) {
        if i < self.n {
            kernels::prefetch(self.row(i));
        }
    }
    fn row_into(&self, i: usize, out: &mut [f32]) {
        out.copy_from_slice(self.row(i));
    }
}

/// CSR rows with their squared norms.
pub(crate) struct SparseRows<'a> {
    pub x: &'a Csr,
    pub w: Option<&'a [f32]>,
    pub norms2: Vec<f64>,
}

impl<'a> SparseRows<'a> {
    pub fn new(x: &'a Csr, w: Option<&'a [f32]>) -> Self {
        let norms2 = (0..x.n_rows())
            .map(|i| x.row(i).1.iter().map(|&v| (v as f64) * (v as f64)).sum())
            .collect();
        SparseRows { x, w, norms2 }
    }
}

impl Points for SparseRows<'_> {
    fn sparse(&self) -> bool {
        true
    }
    fn n(&self) -> usize {
        self.x.n_rows()
    }
    fn d(&self) -> usize {
        self.x.n_cols()
    }
    fn weights(&self) -> Option<&[f32]> {
        self.w
    }
    fn prepare<'c>(&self, centroids: ArrayView2<'c, f32>) -> Prepared<'c> {
        let (k, d) = centroids.dim();
        let norms2: Vec<f64> = centroids
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| (v as f64) * (v as f64)).sum())
            .collect();
        // Written in order (column by column) rather than scattered.
        let mut transposed = Vec::with_capacity(d * k);
        for j in 0..d {
            transposed.extend(centroids.column(j).iter());
        }
        let half_norms = norms2.iter().map(|n| (n / 2.0) as f32).collect();
        Prepared {
            centroids,
            packed: None,
            transposed,
            half_norms,
            norms2,
        }
    }
    fn assign(
        &self,
        rows: Range<usize>,
        prep: &Prepared,
        labels: &mut [u32],
        dists: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let kern = kernels::get();
        let k = prep.half_norms.len();
        let cols = &prep.transposed;
        let acc = &mut scratch.scores;
        for (o, i) in rows.enumerate() {
            acc.clear();
            acc.extend_from_slice(&prep.half_norms);
            let (idx, val) = self.x.row(i);
            let best = (kern.sparse_scores)(idx, val, cols, acc);
            labels[o] = best as u32;
            // `sq_dist`'s arithmetic, reading the centroid from the transposed
            // columns the scores just loaded instead of its far-away row.
            let dot: f64 = idx
                .iter()
                .zip(val)
                .map(|(&j, &v)| v as f64 * cols[j as usize * k + best] as f64)
                .sum();
            dists[o] = (self.norms2[i] - 2.0 * dot + prep.norms2[best]).max(0.0) as f32;
        }
    }
    fn sq_dist(&self, i: usize, c: &[f32], c_norm2: f64) -> f32 {
        let (idx, val) = self.x.row(i);
        let dot: f64 = idx
            .iter()
            .zip(val)
            .map(|(&j, &v)| v as f64 * c[j as usize] as f64)
            .sum();
        (self.norms2[i] - 2.0 * dot + c_norm2).max(0.0) as f32
    }
    fn add_to(&self, i: usize, w: f64, sums: &mut [f64]) {
        let (idx, val) = self.x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            sums[j as usize] += w * v as f64;
        }
    }
    fn row_into(&self, i: usize, out: &mut [f32]) {
        out.fill(0.0);
        let (idx, val) = self.x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            out[j as usize] = v;
        }
    }
}

/// The row range of each group, for `n` rows: fixed by `n` alone.
pub(crate) fn groups(n: usize) -> Vec<Range<usize>> {
    groups_of_at_least(n, 0)
}

/// Groups as [`groups`], but of at least `min_rows` rows (rounded up to
/// whole blocks). Fixed by `n` and `min_rows`, never by the thread count.
pub(crate) fn groups_of_at_least(n: usize, min_rows: usize) -> Vec<Range<usize>> {
    let size = n.div_ceil(MAX_GROUPS).max(min_rows).div_ceil(BLOCK).max(1) * BLOCK;
    (0..n).step_by(size).map(|s| s..(s + size).min(n)).collect()
}

thread_local! {
    /// Set while a whole fit runs on this thread as one of several parallel
    /// runs ([`inline`]): the row groups are then walked in order here.
    static INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every group loop of this thread walked in order on this
/// thread. For `n_init` runs executed in parallel, one per thread: small data
/// split again into row groups on other threads costs more in hand-offs than
/// the rows take. Groups and merge order stay the same, so results do too.
pub(crate) fn inline<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            INLINE.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(INLINE.with(|c| c.replace(true)));
    f()
}

/// Whether group loops run in order on the calling thread: inside
/// [`inline`], or when the pool has one thread (handing the groups to its
/// worker only adds a round trip between threads).
pub(crate) fn sequential() -> bool {
    INLINE.with(|c| c.get()) || rayon::current_num_threads() == 1
}

/// Runs `f` on every group in parallel and returns the results in group order.
pub(crate) fn map_groups<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    if sequential() {
        return groups(n).into_iter().map(f).collect();
    }
    // The closure borrows `f` (Sync) so the map is Send; passing `f` itself would not be.
    #[allow(clippy::redundant_closure)]
    let out = groups(n).into_par_iter().map(|r| f(r)).collect();
    out
}

/// Assigns every row to its nearest centroid, in parallel, and returns for
/// each group the result of `fold(range, labels, dists)` in group order.
pub(crate) fn assign_all<P: Points + ?Sized, T: Send>(
    points: &P,
    centroids: ArrayView2<f32>,
    labels: &mut [u32],
    dists: &mut [f32],
    fold: impl Fn(Range<usize>, &[u32], &[f32]) -> T + Sync,
) -> Vec<T> {
    per_group(
        points,
        centroids,
        labels,
        dists,
        |range, prep, l, dd, scratch| {
            points.assign(range.clone(), prep, l, dd, scratch);
            fold(range, l, dd)
        },
    )
}

/// As [`assign_all`], but folds each block of [`BLOCK`] rows into its
/// group's accumulator (`init()`, then `step(acc, range, labels, dists)`
/// block by block, in row order) right after assigning it, while the block's
/// rows are still in cache. Folding a whole group afterwards read every row
/// from memory twice: on 1e6 × 64, k = 256 that second pass was 8–9 % of a
/// Lloyd iteration (`perf`, 1 and 2 threads). Same row order, so the same
/// sums bit for bit.
pub(crate) fn assign_fold<P: Points + ?Sized, T: Send>(
    points: &P,
    centroids: ArrayView2<f32>,
    labels: &mut [u32],
    dists: &mut [f32],
    init: impl Fn() -> T + Sync,
    step: impl Fn(&mut T, Range<usize>, &[u32], &[f32]) + Sync,
) -> Vec<T> {
    per_group(
        points,
        centroids,
        labels,
        dists,
        |range, prep, l, dd, scratch| {
            let mut acc = init();
            for start in range.clone().step_by(BLOCK) {
                let end = (start + BLOCK).min(range.end);
                let (lo, hi) = (start - range.start, end - range.start);
                points.assign(start..end, prep, &mut l[lo..hi], &mut dd[lo..hi], scratch);
                step(&mut acc, start..end, &l[lo..hi], &dd[lo..hi]);
            }
            acc
        },
    )
}

/// Runs `f(range, prepared, labels, dists, scratch)` on every group in
/// parallel, each with its slices of `labels` and `dists`; results in group order.
fn per_group<P: Points + ?Sized, T: Send>(
    points: &P,
    centroids: ArrayView2<f32>,
    labels: &mut [u32],
    dists: &mut [f32],
    f: impl Fn(Range<usize>, &Prepared, &mut [u32], &mut [f32], &mut Scratch) -> T + Sync,
) -> Vec<T> {
    let prep = points.prepare(centroids);
    // A fold typically fills k×d sums per group, which costs k·d to zero and
    // merge: with wide sparse rows (TF-IDF: d in the thousands, a few
    // non-zeros per row) that outweighed the assignment itself, 64 groups of
    // 838 KB per iteration. At least k·d/16 rows per group bounds that cost.
    let (k, d) = centroids.dim();
    let ranges = groups_of_at_least(points.n(), k.saturating_mul(d) / 16);
    let size = ranges.first().map_or(1, |r| r.len());
    let one = |((l, dd), range): ((&mut [u32], &mut [f32]), Range<usize>)| {
        let mut scratch = Scratch::default();
        f(range, &prep, l, dd, &mut scratch)
    };
    if sequential() {
        return labels
            .chunks_mut(size)
            .zip(dists.chunks_mut(size))
            .zip(ranges)
            .map(one)
            .collect();
    }
    labels
        .par_chunks_mut(size)
        .zip(dists.par_chunks_mut(size))
        .zip(ranges.into_par_iter())
        .map(one)
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::{DenseRows, Points};

    /// `accumulate` (cluster by cluster, for d ≤ 8) adds exactly what
    /// `add_to` row by row adds, bit for bit, for any k, d, weights and a
    /// range that starts and ends inside a block.
    #[test]
    fn accumulate_equals_row_by_row() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for d in 1..=9 {
            for k in [1, 2, 3, 4, 5, 8, 64, 70] {
                for weighted in [false, true] {
                    let n = 900;
                    let x: Vec<f32> = (0..n * d).map(|_| rng.random_range(-1e3..1e3)).collect();
                    let w: Vec<f32> = (0..n).map(|_| rng.random_range(0.1..4.0)).collect();
                    let labels: Vec<u32> = (0..n).map(|_| rng.random_range(0..k as u32)).collect();
                    let points = DenseRows::new(&x, n, d, weighted.then_some(&w[..]));
                    let rows = 37..n - 5;
                    let (mut sums, mut weights) = (vec![0.0f64; k * d], vec![0.0f64; k]);
                    points.accumulate(rows.clone(), &labels[rows.clone()], &mut sums, &mut weights);
                    let (mut want, mut want_w) = (vec![0.0f64; k * d], vec![0.0f64; k]);
                    for i in rows {
                        let (c, wi) = (labels[i] as usize, points.weight(i));
                        want_w[c] += wi;
                        for (s, &v) in want[c * d..(c + 1) * d].iter_mut().zip(points.row(i)) {
                            *s += wi * v as f64;
                        }
                    }
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&sums), bits(&want), "d={d} k={k} weighted={weighted}");
                    assert_eq!(bits(&weights), bits(&want_w), "d={d} k={k} weights");
                }
            }
        }
    }
}
