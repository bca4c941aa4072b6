//! Out-of-core exact Lloyd: the data stays wherever a [`RowChunks`] source
//! keeps it (a memory-mapped or streamed file, usually) and every step is a
//! pass over its chunks, so memory holds one chunk, `k × d` statistics and a
//! bounded seeding sample — never anything of size n.
//!
//! **Same result as in memory.** Each pass assigns the rows of a chunk in the
//! same 256-row blocks as the in-memory kernel (chunks start at multiples of
//! [`CHUNK_ALIGN`]), with the same centring shift (the data mean, from a first
//! pass), and folds them into one [`PartialStats`] per in-memory row group
//! ([`crate::points`]'s groups, fixed by n), carrying a group across chunk
//! boundaries and merging finished groups in group order. So from the same
//! initial centroids, [`fit_chunks`] gives bit-identical centroids and
//! inertia, and [`assign_chunks`] bit-identical labels, to
//! `KMeansParams::fit` with `Algorithm::Lloyd` and `refine(false)`, for any
//! chunk size and thread count.
//!
//! Labels are not kept between iterations: when they stop changing (and no
//! cluster was relocated) the new centroids equal the old ones bit for bit,
//! so the shift test `≤ tol` stops at the same iteration as the in-memory
//! label test.
//!
//! **Seeding** draws a uniform sample of at most [`OutOfCore::seed_sample`]
//! rows in one pass (indices from a ChaCha stream of the seed, so the sample
//! depends on the seed and n alone) and runs the chosen [`Init`] on it in
//! memory. When the whole data fits in the sample it *is* the data, in order,
//! and the seeds equal the in-memory ones. **Empty clusters** take the
//! farthest rows (scikit-learn's rule), gathered by an extra pass only in the
//! iterations that need them.

use std::collections::BinaryHeap;
use std::ops::Range;

use ndarray::{s, Array2, ArrayView2, CowArray, Ix2};
use rayon::prelude::*;

use crate::error::{KMeansError, Result};
use crate::fit::{normalize_rows, seed};
use crate::lloyd::{apply_update, n_empty, FarRow};
use crate::model::{Model, MODEL_FORMAT_VERSION};
use crate::params::{Algorithm, Init, KMeansParams, Metric};
use crate::points::{groups, DenseRows, Points, Scratch, BLOCK};
use crate::seeding::rng;
use crate::stats::PartialStats;

/// Chunk sizes (in rows) must be a multiple of this: the rows the kernel
/// takes at once, so blocks fall where they fall in memory.
pub const CHUNK_ALIGN: usize = BLOCK;

/// The error a [`RowChunks`] source reports (a file that cannot be read,
/// usually); the core passes its message on as [`KMeansError::Source`].
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Dense f32 rows served in chunks of a fixed number of rows: the input of
/// an out-of-core fit. Chunk `i` holds rows `i·chunk_rows ..` (the last one
/// may be shorter). Passes ask for the chunks in order, 0, 1, 2, …
pub trait RowChunks {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// Number of columns.
    fn n_cols(&self) -> usize;
    /// Rows per chunk: a positive multiple of [`CHUNK_ALIGN`].
    fn chunk_rows(&self) -> usize;
    /// Chunk `index` as a `rows × n_cols` matrix, valid until the next call.
    fn chunk(&mut self, index: usize) -> std::result::Result<ArrayView2<'_, f32>, SourceError>;
}

/// An in-memory matrix served in chunks: for tests, and to run the
/// out-of-core path on data that is already loaded.
#[derive(Debug, Clone)]
pub struct ArrayChunks<'a> {
    x: ArrayView2<'a, f32>,
    chunk_rows: usize,
}

impl<'a> ArrayChunks<'a> {
    /// Serves `x` in chunks of `chunk_rows` rows.
    pub fn new(x: ArrayView2<'a, f32>, chunk_rows: usize) -> Self {
        ArrayChunks { x, chunk_rows }
    }
}

impl RowChunks for ArrayChunks<'_> {
    fn n_rows(&self) -> usize {
        self.x.nrows()
    }
    fn n_cols(&self) -> usize {
        self.x.ncols()
    }
    fn chunk_rows(&self) -> usize {
        self.chunk_rows
    }
    fn chunk(&mut self, index: usize) -> std::result::Result<ArrayView2<'_, f32>, SourceError> {
        let start = index * self.chunk_rows;
        let end = (start + self.chunk_rows).min(self.x.nrows());
        Ok(self.x.slice(s![start..end, ..]))
    }
}

/// Settings of the out-of-core path that an in-memory fit does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfCore {
    /// Rows sampled (uniformly, seeded) for seeding; the sample is held in
    /// memory (`seed_sample × d` f32).
    pub seed_sample: usize,
}

impl Default for OutOfCore {
    /// 65,536 rows: plenty for k-means++ at k ≤ a few hundred.
    fn default() -> Self {
        OutOfCore {
            seed_sample: 1 << 16,
        }
    }
}

/// The ChaCha stream the seeding sample's row indices come from.
const SAMPLE_STREAM: u64 = 1 << 40;

/// Fits `params` to the rows of `source` with exact Lloyd, one pass over the
/// chunks per iteration (see the module docs). The model's parameters say
/// what ran: `algorithm = lloyd`, `refine = false` (Hartigan moves need
/// random access to rows). The model holds no labels: get them with
/// [`assign_chunks`].
pub fn fit_chunks(
    params: &KMeansParams,
    source: &mut dyn RowChunks,
    options: &OutOfCore,
) -> Result<Model> {
    let valid = params.check()?;
    crate::kernels::selected()?;
    let (n, d) = check_source(source)?;
    let k = params.n_clusters;
    if k > n {
        return Err(KMeansError::TooManyClusters { k, n });
    }
    if let Init::Given(c) = &params.init {
        if c.ncols() != d {
            return Err(KMeansError::BadInit(format!(
                "given centroids have {} columns, the data {d}",
                c.ncols()
            )));
        }
    }
    let pool = Pool::new(params.threads)?;
    let metric = params.metric;
    let moments = moments(source, metric)?;
    let ctx = Ctx {
        metric,
        shift: moments.mean(),
        groups: groups(n),
        pool: &pool,
    };
    let tol = params.tol * moments.mean_variance();
    let sample = match params.init {
        Init::Given(_) => None,
        _ => Some(sample_rows(
            source,
            metric,
            options.seed_sample,
            params.seed,
        )?),
    };
    let mut best: Option<Fitted> = None;
    let mut warnings = Vec::new();
    for run in 0..valid.n_init() {
        let init = match &sample {
            None => seed(&DenseRows::new(&[], 0, d, None), params, run),
            Some(x) => {
                let rows = DenseRows::new(x.as_slice().expect("fresh array"), x.nrows(), d, None);
                pool.install(|| seed(&rows, params, run))
            }
        };
        if init.nrows() < k {
            let msg = format!(
                "only {} distinct rows for n_clusters = {k}: the model has {} clusters",
                init.nrows(),
                init.nrows()
            );
            if !warnings.contains(&msg) {
                warnings.push(msg);
            }
        }
        let result = lloyd_chunks(source, &ctx, init, params.max_iter, tol)?;
        if best.as_ref().is_none_or(|b| result.inertia < b.inertia) {
            best = Some(result);
        }
    }
    let best = best.expect("n_init >= 1");
    if !best.converged {
        warnings.push(format!(
            "did not converge in max_iter = {} iterations",
            params.max_iter
        ));
    }
    let mut params = params.clone();
    params.algorithm = Algorithm::Lloyd;
    params.refine = false;
    Ok(Model {
        format_version: MODEL_FORMAT_VERSION,
        centroids: best.centroids,
        inertia: best.inertia,
        n_iter: best.n_iter,
        converged: best.converged,
        params,
        minibatch: None,
        warnings,
        labels: Vec::new(),
    })
}

/// The starting centroids [`fit_chunks`] uses for its first run on `source`
/// (as [`crate::init_centroids`] does for in-memory fits): the chosen
/// [`Init`] run on the seeding sample.
pub fn chunk_seeds(
    params: &KMeansParams,
    source: &mut dyn RowChunks,
    options: &OutOfCore,
) -> Result<Array2<f32>> {
    params.check()?;
    crate::kernels::selected()?;
    let (n, d) = check_source(source)?;
    if params.n_clusters > n {
        return Err(KMeansError::TooManyClusters {
            k: params.n_clusters,
            n,
        });
    }
    let pool = Pool::new(params.threads)?;
    let sample = match params.init {
        Init::Given(_) => Array2::zeros((0, d)),
        _ => sample_rows(source, params.metric, options.seed_sample, params.seed)?,
    };
    let rows = DenseRows::new(
        sample.as_slice().expect("fresh array"),
        sample.nrows(),
        d,
        None,
    );
    Ok(pool.install(|| seed(&rows, params, 0)))
}

/// Assigns every row of `source` to its nearest centroid of `model`, one
/// chunk at a time, calling `sink(first_row, labels, squared_distances)` per
/// chunk in order. Equal to [`Model::assign`] on the same rows held in memory
/// (a first pass computes the data mean the kernel centres on).
pub fn assign_chunks(
    model: &Model,
    source: &mut dyn RowChunks,
    mut sink: impl FnMut(usize, &[u32], &[f32]) -> std::result::Result<(), SourceError>,
) -> Result<()> {
    crate::kernels::selected()?;
    let (n, d) = check_source(source)?;
    if model.centroids.ncols() != d {
        return Err(KMeansError::ShapeMismatch(format!(
            "the model has {} features, the data {d}",
            model.centroids.ncols()
        )));
    }
    let pool = Pool::new(model.params.threads)?;
    let metric = model.params.metric;
    let ctx = Ctx {
        metric,
        shift: moments(source, metric)?.mean(),
        groups: groups(n),
        pool: &pool,
    };
    let centroids = model.centroids.as_standard_layout();
    let rows = source.chunk_rows().min(n);
    let (mut labels, mut dists) = (vec![0u32; rows], vec![0f32; rows]);
    pass(source, metric, |start, x| {
        let len = x.nrows();
        let rows = ctx.rows(&x);
        ctx.assign(
            &rows,
            centroids.view(),
            &mut labels[..len],
            &mut dists[..len],
        );
        sink(start, &labels[..len], &dists[..len]).map_err(|e| KMeansError::Source(e.to_string()))
    })
}

/// What every pass shares.
struct Ctx<'p> {
    metric: Metric,
    /// The data mean the kernel centres on (as `DenseRows::new` computes it).
    shift: Vec<f32>,
    /// The in-memory row groups, fixed by n.
    groups: Vec<Range<usize>>,
    pool: &'p Pool,
}

impl Ctx<'_> {
    /// The rows of one chunk, centred on the data mean.
    fn rows<'x>(&self, x: &'x ArrayView2<f32>) -> DenseRows<'x> {
        let (len, d) = x.dim();
        DenseRows::with_shift(
            x.to_slice().expect("standard layout"),
            len,
            d,
            self.shift.clone(),
        )
    }
    /// Labels and exact squared distances of the rows of one chunk, in
    /// parallel over 256-row-aligned pieces.
    fn assign(&self, rows: &DenseRows, c: ArrayView2<f32>, labels: &mut [u32], dists: &mut [f32]) {
        const PIECE: usize = 8 * BLOCK;
        let prep = rows.prepare(c);
        self.pool.install(|| {
            labels
                .par_chunks_mut(PIECE)
                .zip(dists.par_chunks_mut(PIECE))
                .enumerate()
                .for_each_init(Scratch::default, |scratch, (p, (l, dd))| {
                    let start = p * PIECE;
                    rows.assign(start..start + l.len(), &prep, l, dd, scratch);
                });
        });
    }
}

/// The result of one out-of-core run.
struct Fitted {
    centroids: Array2<f32>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
}

/// Lloyd from `centroids`, as [`crate::lloyd::lloyd`] but one pass per step.
fn lloyd_chunks(
    source: &mut dyn RowChunks,
    ctx: &Ctx,
    mut centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
) -> Result<Fitted> {
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let (stats, _) = stats_pass(source, ctx, centroids.view(), 0)?;
        let m = n_empty(&stats);
        let far = if m > 0 {
            stats_pass(source, ctx, centroids.view(), m)?.1
        } else {
            Vec::new()
        };
        let (new, _) = apply_update(&stats, &far, centroids.view(), ctx.metric);
        let shift = crate::lloyd::sq_shift(&new, &centroids);
        centroids = new;
        // Unchanged labels without relocation give shift = 0 exactly, so this
        // also stops where the in-memory label test does.
        if shift <= tol {
            converged = true;
            break;
        }
    }
    let (stats, _) = stats_pass(source, ctx, centroids.view(), 0)?;
    Ok(Fitted {
        centroids,
        inertia: stats.inertia,
        n_iter,
        converged,
    })
}

/// One Lloyd map step over all chunks: the merged [`PartialStats`] and, if
/// `n_far > 0`, the `n_far` rows farthest from their centroid.
fn stats_pass(
    source: &mut dyn RowChunks,
    ctx: &Ctx,
    centroids: ArrayView2<f32>,
    n_far: usize,
) -> Result<(PartialStats, Vec<FarRow>)> {
    let (k, d) = centroids.dim();
    let n = source.n_rows();
    let rows = source.chunk_rows().min(n);
    let (mut labels, mut dists) = (vec![0u32; rows], vec![0f32; rows]);
    let mut total = PartialStats::zeros(k, d);
    let mut carry: Option<PartialStats> = None;
    let mut far = Farthest::new(n_far);
    pass(source, ctx.metric, |start, x| {
        let len = x.nrows();
        let (labels, dists) = (&mut labels[..len], &mut dists[..len]);
        let rows = ctx.rows(&x);
        ctx.assign(&rows, centroids, labels, dists);
        let (labels, dists) = (&*labels, &*dists);
        // One accumulator per piece of a group in this chunk; the first piece
        // continues the group the previous chunk left open.
        let pieces = pieces(&ctx.groups, start..start + len);
        let mut starts: Vec<Option<PartialStats>> = pieces.iter().map(|_| None).collect();
        starts[0] = carry.take();
        let parts: Vec<PartialStats> = ctx.pool.install(|| {
            pieces
                .par_iter()
                .zip(starts.into_par_iter())
                .map(|(p, st)| {
                    let mut st = st.unwrap_or_else(|| PartialStats::zeros(k, d));
                    let o = p.rows.start - start..p.rows.end - start;
                    st.add_range(
                        &rows,
                        o.clone(),
                        &labels[o.clone()],
                        dists[o].iter().copied(),
                    );
                    st
                })
                .collect()
        });
        for (p, st) in pieces.iter().zip(parts) {
            if p.closes_group {
                total.merge(&st).expect("same shape by construction");
            } else {
                carry = Some(st);
            }
        }
        if n_far > 0 {
            for (o, (&dd, &l)) in dists.iter().zip(labels).enumerate() {
                far.offer(start + o, dd, l, || rows.row(o).to_vec());
            }
        }
        Ok(())
    })?;
    Ok((total, far.into_rows()))
}

/// A run of rows of one group inside one chunk.
struct Piece {
    rows: Range<usize>,
    /// The piece ends its group: the group's statistics are complete.
    closes_group: bool,
}

/// The pieces of `chunk` (global rows) cut at group boundaries.
fn pieces(groups: &[Range<usize>], chunk: Range<usize>) -> Vec<Piece> {
    let first = groups.partition_point(|g| g.end <= chunk.start);
    groups[first..]
        .iter()
        .take_while(|g| g.start < chunk.end)
        .map(|g| Piece {
            rows: g.start.max(chunk.start)..g.end.min(chunk.end),
            closes_group: g.end <= chunk.end,
        })
        .collect()
}

/// The `m` rows farthest from their centroid, in the order `lloyd::update`
/// ranks all rows by ([`FarRow::order`]).
struct Farthest {
    m: usize,
    /// A max-heap whose top is the *least* far row kept.
    heap: BinaryHeap<Ranked>,
}

/// A [`FarRow`] ordered by [`FarRow::order`] for the heap.
struct Ranked(FarRow);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.0.order(&other.0).is_eq()
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.order(&other.0)
    }
}

impl Farthest {
    fn new(m: usize) -> Self {
        Farthest {
            m,
            heap: BinaryHeap::with_capacity(m + 1),
        }
    }
    fn offer(&mut self, index: usize, dist: f32, label: u32, row: impl FnOnce() -> Vec<f32>) {
        if self.m == 0 {
            return;
        }
        // Rows nearer than the least far kept row are skipped unread.
        if self.heap.len() == self.m {
            let worst = self.heap.peek().expect("m > 0");
            if dist.total_cmp(&worst.0.dist).is_lt() {
                return;
            }
        }
        let candidate = FarRow {
            dist,
            index,
            label,
            weight: 1.0,
            row: row(),
        };
        self.heap.push(Ranked(candidate));
        if self.heap.len() > self.m {
            self.heap.pop();
        }
    }
    fn into_rows(self) -> Vec<FarRow> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
            .collect()
    }
}

/// Column sums and sums of squares in row order, in f64.
struct Moments {
    n: usize,
    sum: Vec<f64>,
    sq: Vec<f64>,
}

impl Moments {
    /// The centring shift, exactly as `DenseRows::new` computes it unweighted.
    fn mean(&self) -> Vec<f32> {
        let total = self.n as f64;
        self.sum
            .iter()
            .map(|m| if total > 0.0 { (m / total) as f32 } else { 0.0 })
            .collect()
    }
    /// As `fit::mean_variance`.
    fn mean_variance(&self) -> f64 {
        let n = self.n as f64;
        let d = self.sum.len();
        (0..d)
            .map(|j| (self.sq[j] / n - (self.sum[j] / n).powi(2)).max(0.0))
            .sum::<f64>()
            / d as f64
    }
}

/// First pass: checks every value (finite; non-zero rows under cosine) and
/// accumulates the column moments of the rows the algorithm sees.
fn moments(source: &mut dyn RowChunks, metric: Metric) -> Result<Moments> {
    let d = source.n_cols();
    let mut m = Moments {
        n: source.n_rows(),
        sum: vec![0.0; d],
        sq: vec![0.0; d],
    };
    pass_raw(source, |start, raw| {
        for (o, row) in raw.rows().into_iter().enumerate() {
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(KMeansError::NonFinite {
                    row: start + o,
                    col: j,
                    value: row[j].to_string(),
                });
            }
            if metric == Metric::Cosine && row.iter().all(|&v| v == 0.0) {
                return Err(KMeansError::ZeroNormRow { row: start + o });
            }
        }
        let x = prepared(raw, metric);
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate() {
                m.sum[j] += v as f64;
                m.sq[j] += (v as f64) * (v as f64);
            }
        }
        Ok(())
    })?;
    Ok(m)
}

/// One pass: a uniform sample of at most `size` rows, in row order (all rows
/// when there are no more than `size`).
fn sample_rows(
    source: &mut dyn RowChunks,
    metric: Metric,
    size: usize,
    seed: u64,
) -> Result<Array2<f32>> {
    let (n, d) = (source.n_rows(), source.n_cols());
    let size = size.max(1).min(n);
    let mut picks: Vec<usize> = if size == n {
        (0..n).collect()
    } else {
        rand::seq::index::sample(&mut rng(seed, SAMPLE_STREAM), n, size).into_vec()
    };
    picks.sort_unstable();
    let mut out = Array2::zeros((size, d));
    let mut next = 0;
    pass(source, metric, |start, x| {
        while next < size && picks[next] < start + x.nrows() {
            out.row_mut(next).assign(&x.row(picks[next] - start));
            next += 1;
        }
        Ok(())
    })?;
    Ok(out)
}

/// Checks the source's shape and chunk size; returns (n, d).
fn check_source(source: &dyn RowChunks) -> Result<(usize, usize)> {
    let (n, d) = (source.n_rows(), source.n_cols());
    if n == 0 {
        return Err(KMeansError::NoRows);
    }
    if d == 0 {
        return Err(KMeansError::NoColumns);
    }
    let c = source.chunk_rows();
    if c == 0 || !c.is_multiple_of(CHUNK_ALIGN) {
        return Err(KMeansError::Source(format!(
            "chunks of {c} rows: the chunk size must be a positive multiple of {CHUNK_ALIGN} rows"
        )));
    }
    Ok((n, d))
}

/// Rows as the algorithm sees them: contiguous, unit length under cosine.
fn prepared(raw: ArrayView2<'_, f32>, metric: Metric) -> CowArray<'_, f32, Ix2> {
    match metric {
        Metric::Cosine => CowArray::from(normalize_rows(raw.to_owned())),
        Metric::Euclidean if raw.is_standard_layout() => CowArray::from(raw),
        Metric::Euclidean => CowArray::from(raw.as_standard_layout().into_owned()),
    }
}

/// Calls `f(first_row, rows)` on every chunk in order, rows as the algorithm
/// sees them.
fn pass(
    source: &mut dyn RowChunks,
    metric: Metric,
    mut f: impl FnMut(usize, ArrayView2<f32>) -> Result<()>,
) -> Result<()> {
    pass_raw(source, |start, raw| f(start, prepared(raw, metric).view()))
}

/// Calls `f(first_row, chunk)` on every chunk in order, as the source serves
/// it, after checking its shape.
fn pass_raw(
    source: &mut dyn RowChunks,
    mut f: impl FnMut(usize, ArrayView2<f32>) -> Result<()>,
) -> Result<()> {
    let (n, d, size) = (source.n_rows(), source.n_cols(), source.chunk_rows());
    for (index, start) in (0..n).step_by(size).enumerate() {
        let want = size.min(n - start);
        let x = source
            .chunk(index)
            .map_err(|e| KMeansError::Source(e.to_string()))?;
        if x.dim() != (want, d) {
            return Err(KMeansError::Source(format!(
                "chunk {index} has {} × {} values, expected {want} × {d}",
                x.nrows(),
                x.ncols()
            )));
        }
        f(start, x)?;
    }
    Ok(())
}

/// The worker pool of a fit, built once (`threads = 0`: rayon's global pool).
struct Pool(Option<rayon::ThreadPool>);

impl Pool {
    fn new(threads: usize) -> Result<Pool> {
        if threads == 0 {
            return Ok(Pool(None));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map(|p| Pool(Some(p)))
            .map_err(|_| KMeansError::Threads(threads))
    }
    fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.0 {
            Some(p) => p.install(f),
            None => f(),
        }
    }
}
