//! Mini-batch k-means (Sculley 2010), following scikit-learn's `MiniBatchKMeans`.
//!
//! Each step draws `batch_size` rows uniformly with replacement, assigns them
//! to the nearest centre, and moves every centre that received weight towards
//! the batch mean of its rows with a per-centre learning rate `w / W`, where
//! `W` is the total weight the centre has ever received (so a centre is the
//! running weighted mean of every row assigned to it). Centres whose
//! cumulative weight falls below `reassignment_ratio · max W` are moved to
//! random rows of the batch, as scikit-learn does. The run stops after
//! `max_iter` passes' worth of steps, when the exponentially smoothed batch
//! inertia has not improved for `max_no_improvement` steps, or when the
//! squared centre change drops to `tol` (relative, off by default).
//!
//! Batches and reassignments come from one seeded ChaCha stream, the batch
//! assignment runs over the fixed row groups of [`crate::points`], and the
//! centre update is sequential in f64: the same seed gives bit-identical
//! centroids on any number of threads.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::{validate, Csr, Input};
use crate::error::{KMeansError, Result};
use crate::fit::{mean_variance, normalize_rows, prepare_rows, with_threads, Rows};
use crate::model::{Model, MODEL_FORMAT_VERSION};
use crate::params::{Init, KMeansParams, Metric};
use crate::points::{assign_all, DenseRows, Points, SparseRows};
use crate::seeding::{kmeans_parallel_or_first, kmeans_plus_plus, random_rows, rng};
use crate::stats::PartialStats;

/// Mini-batch k-means: [`MiniBatchKMeans::params`] starts a parameter builder
/// for a one-shot [`fit`](MiniBatchParams::fit); [`MiniBatchKMeans::new`]
/// starts a stream that learns from one [`partial_fit`](MiniBatchKMeans::partial_fit)
/// call at a time.
///
/// ```
/// use kmkit_core::MiniBatchKMeans;
/// use ndarray::array;
///
/// let x = array![[1.0f32, 1.0], [1.2, 0.8], [8.0, 8.0], [8.2, 7.9]];
/// let model = MiniBatchKMeans::params(2).seed(7).batch_size(2).fit(&x)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert_ne!(model.labels()[0], model.labels()[2]);
///
/// let mut stream = MiniBatchKMeans::new(MiniBatchKMeans::params(2).seed(7))?;
/// stream.partial_fit(&x)?;
/// stream.partial_fit(&x)?;
/// let model = stream.model().expect("fitted");
/// assert_eq!(model.predict(&x)?, model.labels());
/// # Ok::<(), kmkit_core::KMeansError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MiniBatchKMeans {
    params: MiniBatchParams,
    /// Centres and counts; `None` until the first `partial_fit`.
    engine: Option<Engine>,
    rng: ChaCha8Rng,
    n_steps: usize,
    /// Labels and inertia of the last batch (see [`MiniBatchSettings::compute_labels`]).
    labels: Vec<u32>,
    inertia: f64,
    warnings: Vec<String>,
    /// Built once for `threads > 0`, so that each call does not start a pool.
    pool: Option<Arc<rayon::ThreadPool>>,
}

/// What mini-batch k-means adds to the parameters it shares with [`KMeansParams`].
/// Defaults are scikit-learn's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchSettings {
    /// Rows per step (capped at the number of rows). Default 1024.
    pub batch_size: usize,
    /// Rows drawn (with replacement) to seed on. `None`: `3 · batch_size`, or
    /// `3 · k` if that is smaller than `k`; capped at the number of rows.
    pub init_size: Option<usize>,
    /// Centres whose cumulative weight is below this fraction of the largest
    /// are moved to random batch rows. In `[0, 1]`; 0 disables. Default 0.01.
    pub reassignment_ratio: f64,
    /// Stop after this many steps without improvement of the smoothed batch
    /// inertia; `None` disables. Default `Some(10)`.
    pub max_no_improvement: Option<usize>,
    /// Compute labels and inertia of the whole data after `fit` (of the batch
    /// after `partial_fit`). Without it the model's inertia is an estimate
    /// from the batches and its labels are empty. Default true.
    pub compute_labels: bool,
}

impl Default for MiniBatchSettings {
    fn default() -> Self {
        MiniBatchSettings {
            batch_size: 1024,
            init_size: None,
            reassignment_ratio: 0.01,
            max_no_improvement: Some(10),
            compute_labels: true,
        }
    }
}

/// Mini-batch k-means parameters. Build with [`MiniBatchKMeans::params`],
/// adjust with the setters, then [`fit`](MiniBatchParams::fit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchParams {
    /// The settings shared with exact k-means. `max_iter` counts passes over
    /// the data (default 100), `tol` defaults to 0 (off), `n_init` `None`
    /// means 1 for k-means++ / k-means‖ / given and 3 for random (scikit-learn),
    /// and `algorithm` is unused.
    pub common: KMeansParams,
    /// The mini-batch settings.
    pub settings: MiniBatchSettings,
}

/// Parameters that passed [`MiniBatchParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidMiniBatchParams {
    params: MiniBatchParams,
    n_init: usize,
}

impl ValidMiniBatchParams {
    /// The checked parameters.
    pub fn params(&self) -> &MiniBatchParams {
        &self.params
    }
    /// The resolved number of seedings tried.
    pub fn n_init(&self) -> usize {
        self.n_init
    }
}

impl MiniBatchKMeans {
    /// Default parameters for `n_clusters` clusters.
    pub fn params(n_clusters: usize) -> MiniBatchParams {
        MiniBatchParams::new(n_clusters)
    }

    /// A stream with these parameters and no centres yet. The first
    /// [`partial_fit`](Self::partial_fit) seeds on its rows.
    pub fn new(params: MiniBatchParams) -> Result<Self> {
        params.check()?;
        let threads = params.common.threads;
        let pool = if threads == 0 {
            None
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|_| KMeansError::Threads(threads))?;
            Some(Arc::new(pool))
        };
        Ok(MiniBatchKMeans {
            rng: rng(params.common.seed, 0),
            params,
            engine: None,
            n_steps: 0,
            labels: Vec::new(),
            inertia: 0.0,
            warnings: Vec::new(),
            pool,
        })
    }

    /// One mini-batch step on all rows of `x` (dense, CSR or
    /// [`Features`](crate::Features), weights through [`Input::weighted`]).
    /// The first call seeds the centres on (up to `init_size` rows of) `x`,
    /// so it needs at least `n_clusters` rows; later calls take any number of
    /// rows of the same width. A failed call leaves the stream unchanged.
    pub fn partial_fit<'a>(&mut self, x: impl Into<Input<'a>>) -> Result<()> {
        let input = x.into();
        validate(&input)?;
        let (n, d) = (input.data.n_rows(), input.data.n_cols());
        let common = &self.params.common;
        match &self.engine {
            Some(engine) if engine.d != d => {
                return Err(KMeansError::ShapeMismatch(format!(
                    "the stream has {} features, this batch {d}",
                    engine.d
                )));
            }
            Some(_) => {}
            None => check_data(common, n, d)?,
        }
        let settings = &self.params.settings;
        let (engine, rng) = (&mut self.engine, &mut self.rng);
        let mut warnings = Vec::new();
        let mut step = || -> Result<(Vec<u32>, f64)> {
            let owned = prepare_rows(input, common.metric)?;
            let rows = owned.rows(input.weights);
            let points = as_points(&rows);
            let engine = engine.get_or_insert_with(|| {
                let batch_size = settings.batch_size.min(n);
                let init_size = init_size(
                    settings.init_size,
                    batch_size,
                    common.n_clusters,
                    n,
                    &mut warnings,
                );
                let centers = seed_subset(&rows, common, init_size, 0, rng, &mut warnings);
                Engine::new(
                    centers,
                    batch_size,
                    settings.reassignment_ratio,
                    common.metric,
                )
            });
            let (batch_inertia, _) = engine.step(points, rng);
            Ok(if settings.compute_labels {
                labels_inertia(points, engine.centers32.view())
            } else {
                (Vec::new(), batch_inertia)
            })
        };
        let (labels, inertia) = match &self.pool {
            Some(pool) => pool.install(step)?,
            None => step()?,
        };
        self.labels = labels;
        self.inertia = inertia;
        self.n_steps += 1;
        for w in warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        Ok(())
    }

    /// The current model, or `None` before the first `partial_fit`. Its
    /// labels and inertia are those of the last batch (after its step) when
    /// `compute_labels` is on; otherwise labels are empty and the inertia is
    /// the last batch's before its step. `n_iter` counts the steps, and
    /// `converged` is false: a stream has no end.
    pub fn model(&self) -> Option<Model> {
        let engine = self.engine.as_ref()?;
        Some(Model {
            format_version: MODEL_FORMAT_VERSION,
            centroids: engine.centers32.clone(),
            inertia: self.inertia,
            n_iter: self.n_steps,
            converged: false,
            params: self.params.common.clone(),
            minibatch: Some(self.params.settings.clone()),
            warnings: self.warnings.clone(),
            labels: self.labels.clone(),
        })
    }

    /// Steps taken (successful `partial_fit` calls).
    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    /// Cumulative weight each centre has received (its inverse learning
    /// rate), or `None` before the first `partial_fit`.
    pub fn counts(&self) -> Option<&[f64]> {
        self.engine.as_ref().map(|e| e.counts.as_slice())
    }

    /// The parameters of the stream.
    pub fn parameters(&self) -> &MiniBatchParams {
        &self.params
    }

    /// Everything the stream carries between calls, as plain data: with
    /// its parameters, [`from_state`](Self::from_state) rebuilds a stream
    /// whose next steps are bit-identical (Python pickles it this way).
    pub fn state(&self) -> StreamState {
        let (centers, k, d, counts, since_reassign, batch_size) = match &self.engine {
            Some(e) => (
                e.centers.clone(),
                e.k,
                e.d,
                e.counts.clone(),
                e.since_reassign,
                e.batch_size,
            ),
            None => (Vec::new(), 0, 0, Vec::new(), 0, 0),
        };
        let pos = self.rng.get_word_pos();
        StreamState {
            started: self.engine.is_some(),
            k,
            d,
            centers,
            counts,
            since_reassign,
            batch_size,
            rng_seed: self.rng.get_seed(),
            rng_stream: self.rng.get_stream(),
            rng_word_pos: [(pos >> 64) as u64, pos as u64],
            n_steps: self.n_steps,
            labels: self.labels.clone(),
            inertia: self.inertia,
            warnings: self.warnings.clone(),
        }
    }

    /// A stream with `params` resumed from a [`state`](Self::state).
    pub fn from_state(params: MiniBatchParams, state: StreamState) -> Result<Self> {
        let mut stream = MiniBatchKMeans::new(params)?;
        let (k, d) = (state.k, state.d);
        if state.started {
            if k == 0 || state.centers.len() != k * d || state.counts.len() != k {
                return Err(KMeansError::ShapeMismatch(format!(
                    "stream state of {k}×{d} centres has {} centre values and {} counts",
                    state.centers.len(),
                    state.counts.len()
                )));
            }
            let centers32 = Array2::from_shape_fn((k, d), |(c, j)| state.centers[c * d + j] as f32);
            let s = &stream.params.settings;
            stream.engine = Some(Engine {
                k,
                d,
                centers: state.centers,
                centers32,
                counts: state.counts,
                since_reassign: state.since_reassign,
                batch_size: state.batch_size.max(1),
                ratio: s.reassignment_ratio,
                metric: stream.params.common.metric,
                labels: Vec::new(),
                dists: Vec::new(),
            });
        }
        let mut rng = ChaCha8Rng::from_seed(state.rng_seed);
        rng.set_stream(state.rng_stream);
        let [hi, lo] = state.rng_word_pos;
        rng.set_word_pos(((hi as u128) << 64) | lo as u128);
        stream.rng = rng;
        stream.n_steps = state.n_steps;
        stream.labels = state.labels;
        stream.inertia = state.inertia;
        stream.warnings = state.warnings;
        Ok(stream)
    }
}

/// The state of a [`MiniBatchKMeans`] stream between calls (see
/// [`MiniBatchKMeans::state`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    /// Whether the stream has centres (a first `partial_fit` or a `fit` ran).
    pub started: bool,
    /// Number of centres.
    pub k: usize,
    /// Number of features.
    pub d: usize,
    /// `k × d` centres in f64, row-major.
    pub centers: Vec<f64>,
    /// Cumulative weight per centre.
    pub counts: Vec<f64>,
    /// Rows counted towards the next reassignment check.
    pub since_reassign: usize,
    /// The batch size fixed by the first call.
    pub batch_size: usize,
    /// The ChaCha8 seed of the stream's random numbers.
    pub rng_seed: [u8; 32],
    /// Its stream number.
    pub rng_stream: u64,
    /// Its word position (high, low 64 bits).
    pub rng_word_pos: [u64; 2],
    /// Steps taken.
    pub n_steps: usize,
    /// Labels of the last batch.
    pub labels: Vec<u32>,
    /// Inertia of the last batch.
    pub inertia: f64,
    /// Warnings so far.
    pub warnings: Vec<String>,
}

impl MiniBatchParams {
    /// scikit-learn's defaults for `n_clusters` clusters: k-means++, batches
    /// of 1024, 100 passes, reassignment ratio 0.01, stop after 10 steps
    /// without improvement, tol 0, seed 0, Euclidean, all cores.
    pub fn new(n_clusters: usize) -> Self {
        MiniBatchParams {
            common: KMeansParams::new(n_clusters).max_iter(100).tol(0.0),
            settings: MiniBatchSettings::default(),
        }
    }
    /// Sets the seeding method.
    pub fn init(mut self, init: Init) -> Self {
        self.common.init = init;
        self
    }
    /// Sets the number of seedings tried (each on its own `init_size` rows;
    /// the one with least inertia on a common validation sample is kept).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.common.n_init = Some(n_init);
        self
    }
    /// Sets the cap on passes over the data (steps = `max_iter · n / batch_size`).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.common.max_iter = max_iter;
        self
    }
    /// Sets the tolerance on the squared centre change of one step, relative
    /// to the mean per-feature variance of the data (0 disables).
    pub fn tol(mut self, tol: f64) -> Self {
        self.common.tol = tol;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.common.seed = seed;
        self
    }
    /// Sets the metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.common.metric = metric;
        self
    }
    /// Sets the worker thread count (0 = all cores).
    pub fn threads(mut self, threads: usize) -> Self {
        self.common.threads = threads;
        self
    }
    /// Sets the rows per step.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.settings.batch_size = batch_size;
        self
    }
    /// Sets the number of rows to seed on.
    pub fn init_size(mut self, init_size: usize) -> Self {
        self.settings.init_size = Some(init_size);
        self
    }
    /// Sets the reassignment ratio (0 disables reassignment).
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.settings.reassignment_ratio = ratio;
        self
    }
    /// Sets the early-stopping patience (`None` disables it).
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.settings.max_no_improvement = steps;
        self
    }
    /// Sets whether labels and inertia are computed after fitting.
    pub fn compute_labels(mut self, compute: bool) -> Self {
        self.settings.compute_labels = compute;
        self
    }

    /// Validates the parameters that do not depend on the data.
    pub fn check(&self) -> Result<ValidMiniBatchParams> {
        self.common.check()?;
        let s = &self.settings;
        let bad = |name, value: String, expected| {
            Err(KMeansError::InvalidParam {
                name,
                value,
                expected,
            })
        };
        if s.batch_size == 0 {
            return bad("batch_size", "0".into(), "at least 1");
        }
        if s.init_size == Some(0) {
            return bad("init_size", "0".into(), "at least 1");
        }
        // Above 1 every centre could fall below the threshold, leaving none to
        // take the reset count from.
        if !(s.reassignment_ratio.is_finite() && (0.0..=1.0).contains(&s.reassignment_ratio)) {
            return bad(
                "reassignment_ratio",
                s.reassignment_ratio.to_string(),
                "a number in [0, 1]",
            );
        }
        let n_init = match self.common.init {
            Init::Given(_) => 1,
            Init::Random => self.common.n_init.unwrap_or(3),
            _ => self.common.n_init.unwrap_or(1),
        };
        Ok(ValidMiniBatchParams {
            params: self.clone(),
            n_init,
        })
    }

    /// Checks the parameters and fits a model to `x` (dense, CSR, or
    /// [`Features`](crate::Features); weights through [`Input::weighted`]).
    pub fn fit<'a>(&self, x: impl Into<Input<'a>>) -> Result<Model> {
        Ok(self.fit_parts(x)?.0)
    }

    /// [`fit`](Self::fit), and the stream it leaves behind: its centres,
    /// per-centre counts, step count and random state, so that later
    /// [`MiniBatchKMeans::partial_fit`] calls continue the fit (scikit-learn's
    /// `partial_fit` after `fit`).
    pub fn fit_stream<'a>(&self, x: impl Into<Input<'a>>) -> Result<(Model, MiniBatchKMeans)> {
        let (model, engine, rng, steps) = self.fit_parts(x)?;
        let mut stream = MiniBatchKMeans::new(self.clone())?;
        stream.engine = Some(engine);
        stream.rng = rng;
        stream.n_steps = steps;
        stream.labels = model.labels.clone();
        stream.inertia = model.inertia;
        stream.warnings = model.warnings.clone();
        Ok((model, stream))
    }

    /// The fitted model and the final engine, random state and step count.
    fn fit_parts<'a>(&self, x: impl Into<Input<'a>>) -> Result<(Model, Engine, ChaCha8Rng, usize)> {
        let valid = self.check()?;
        let input = x.into();
        validate(&input)?;
        let (n, d) = (input.data.n_rows(), input.data.n_cols());
        check_data(&self.common, n, d)?;
        let mut warnings = Vec::new();
        if matches!(self.common.init, Init::Given(_)) && self.common.n_init.is_some_and(|m| m > 1) {
            warnings.push(
                "n_init > 1 has no effect with given initial centroids: one run was made"
                    .to_string(),
            );
        }
        with_threads(self.common.threads, || {
            let owned = prepare_rows(input, self.common.metric)?;
            // Relative to the rows the algorithm sees (unit rows under cosine).
            let tol = self.common.tol * mean_variance(&owned.data());
            let rows = owned.rows(input.weights);
            Ok(fit_rows(&rows, &valid, tol, warnings))
        })?
    }
}

/// Data-dependent checks shared by `fit` and the first `partial_fit`.
fn check_data(common: &KMeansParams, n: usize, d: usize) -> Result<()> {
    let k = common.n_clusters;
    if k > n {
        return Err(KMeansError::TooManyClusters { k, n });
    }
    if let Init::Given(c) = &common.init {
        if c.ncols() != d {
            return Err(KMeansError::BadInit(format!(
                "given centroids have {} columns, the data {d}",
                c.ncols()
            )));
        }
    }
    Ok(())
}

fn fit_rows(
    rows: &Rows,
    valid: &ValidMiniBatchParams,
    tol: f64,
    mut warnings: Vec<String>,
) -> (Model, Engine, ChaCha8Rng, usize) {
    let (common, settings) = (&valid.params.common, &valid.params.settings);
    let points = as_points(rows);
    let n = points.n();
    let batch_size = settings.batch_size.min(n);
    let init_size = init_size(
        settings.init_size,
        batch_size,
        common.n_clusters,
        n,
        &mut warnings,
    );
    let mut rng = rng(common.seed, 0);

    // Several seedings are compared on one validation sample, as scikit-learn.
    let validation = (valid.n_init > 1).then(|| Batch::select(rows, &draw(&mut rng, n, init_size)));
    let validation_rows = validation.as_ref().map(Batch::rows);
    let mut best: Option<(Array2<f32>, f64)> = None;
    for run in 0..valid.n_init {
        let centers = seed_subset(rows, common, init_size, run, &mut rng, &mut warnings);
        let inertia = validation_rows
            .as_ref()
            .map_or(0.0, |v| labels_inertia(as_points(v), centers.view()).1);
        if best.as_ref().is_none_or(|(_, b)| inertia < *b) {
            best = Some((centers, inertia));
        }
    }
    let (centers, _) = best.expect("n_init >= 1");

    let mut engine = Engine::new(
        centers,
        batch_size,
        settings.reassignment_ratio,
        common.metric,
    );
    let mut monitor = Monitor::default();
    let n_steps = ((common.max_iter as u128 * n as u128) / batch_size as u128)
        .min(usize::MAX as u128) as usize;
    let (mut steps, mut converged, mut last_mean) = (0, false, 0.0);
    for step in 1..=n_steps {
        let idx = draw(&mut rng, n, batch_size);
        let batch = Batch::select(rows, &idx);
        let batch_rows = batch.rows();
        let (batch_inertia, shift) = engine.step(as_points(&batch_rows), &mut rng);
        steps = step;
        last_mean = batch_inertia / batch_size as f64;
        if monitor.stop(
            step,
            last_mean,
            shift,
            batch_size,
            n,
            tol,
            settings.max_no_improvement,
        ) {
            converged = true;
            break;
        }
    }
    let n_iter = (steps * batch_size).div_ceil(n);
    let (labels, inertia) = if settings.compute_labels {
        labels_inertia(points, engine.centers32.view())
    } else {
        // scikit-learn's estimate; after a single step only that batch is known.
        (Vec::new(), monitor.ewa.unwrap_or(last_mean) * n as f64)
    };
    let k_found = engine.k;
    if k_found < common.n_clusters {
        let msg = format!(
            "only {k_found} distinct rows for n_clusters = {}: the model has {k_found} clusters",
            common.n_clusters
        );
        if !warnings.contains(&msg) {
            warnings.push(msg);
        }
    }
    let model = Model {
        format_version: MODEL_FORMAT_VERSION,
        centroids: engine.centers32.clone(),
        inertia,
        n_iter,
        converged,
        params: common.clone(),
        minibatch: Some(settings.clone()),
        warnings,
        labels,
    };
    (model, engine, rng, steps)
}

/// scikit-learn's `init_size` rule: `3 · batch_size` by default, at least
/// `3 · k` (a smaller explicit value is raised, with a warning), at most `n`.
fn init_size(
    given: Option<usize>,
    batch_size: usize,
    k: usize,
    n: usize,
    warnings: &mut Vec<String>,
) -> usize {
    let size = match given {
        None => {
            let s = batch_size.saturating_mul(3);
            if s < k {
                k.saturating_mul(3)
            } else {
                s
            }
        }
        Some(s) if s < k => {
            warnings.push(format!(
                "init_size = {s} is below n_clusters = {k}: seeding on {} rows",
                k.saturating_mul(3)
            ));
            k.saturating_mul(3)
        }
        Some(s) => s,
    };
    size.min(n)
}

/// `count` row indices drawn uniformly with replacement.
fn draw(rng: &mut ChaCha8Rng, n: usize, count: usize) -> Vec<usize> {
    (0..count).map(|_| rng.random_range(0..n)).collect()
}

/// Seeds on `init_size` rows drawn with replacement (all rows if that is not
/// fewer than `n`). If the sample has fewer than `k` distinct rows, seeds on
/// all rows instead; fewer than `k` centres remain only when the data itself
/// has fewer distinct rows.
fn seed_subset(
    rows: &Rows,
    common: &KMeansParams,
    init_size: usize,
    run: usize,
    rng: &mut ChaCha8Rng,
    warnings: &mut Vec<String>,
) -> Array2<f32> {
    let points = as_points(rows);
    let (n, k) = (points.n(), common.n_clusters);
    if let Init::Given(c) = &common.init {
        return match common.metric {
            Metric::Euclidean => c.clone(),
            Metric::Cosine => normalize_rows(c.clone()),
        };
    }
    let centers = if init_size < n {
        let sample = Batch::select(rows, &draw(rng, n, init_size));
        let centers = seed_on(as_points(&sample.rows()), common, run, rng);
        if centers.nrows() < k {
            seed_on(points, common, run, rng)
        } else {
            centers
        }
    } else {
        seed_on(points, common, run, rng)
    };
    if centers.nrows() < k {
        let msg = format!(
            "only {} distinct rows for n_clusters = {k}: the model has {} clusters",
            centers.nrows(),
            centers.nrows()
        );
        if !warnings.contains(&msg) {
            warnings.push(msg);
        }
    }
    centers
}

fn seed_on(
    points: &dyn Points,
    common: &KMeansParams,
    run: usize,
    rng: &mut ChaCha8Rng,
) -> Array2<f32> {
    let k = common.n_clusters.min(points.n());
    match &common.init {
        Init::KMeansPlusPlus => kmeans_plus_plus(points, k, rng).centroids,
        Init::KMeansParallel {
            rounds,
            oversampling,
        } => kmeans_parallel_or_first(
            points,
            k,
            *rounds,
            *oversampling,
            common.seed.wrapping_add(run as u64),
        ),
        Init::Random => random_rows(points, k, rng).centroids,
        Init::Given(c) => c.clone(),
    }
}

/// Labels of every row and the weighted sum of squared distances.
fn labels_inertia(points: &dyn Points, centers: ArrayView2<f32>) -> (Vec<u32>, f64) {
    let n = points.n();
    let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
    let parts = assign_all(points, centers, &mut labels, &mut dists, |range, _, dd| {
        range
            .zip(dd)
            .map(|(i, &dist)| points.weight(i) * dist as f64)
            .sum::<f64>()
    });
    (labels, parts.iter().sum())
}

fn as_points<'s>(rows: &'s Rows<'_>) -> &'s dyn Points {
    match rows {
        Rows::Dense(p) => p,
        Rows::Sparse(p) => p,
    }
}

/// Rows copied out of the (prepared) data: a mini-batch or a seeding sample.
enum Batch {
    Dense {
        x: Vec<f32>,
        n: usize,
        d: usize,
        w: Option<Vec<f32>>,
        shift: Vec<f32>,
    },
    Sparse {
        x: Csr,
        w: Option<Vec<f32>>,
    },
}

impl Batch {
    fn select(rows: &Rows, idx: &[usize]) -> Batch {
        let gather_w = |w: Option<&[f32]>| w.map(|w| idx.iter().map(|&i| w[i]).collect());
        match rows {
            Rows::Dense(p) => {
                let mut x = Vec::with_capacity(idx.len() * p.d);
                for &i in idx {
                    x.extend_from_slice(p.row(i));
                }
                // The full data's centring keeps distances comparable across batches.
                Batch::Dense {
                    x,
                    n: idx.len(),
                    d: p.d,
                    w: gather_w(p.w),
                    shift: p.shift.clone(),
                }
            }
            Rows::Sparse(p) => Batch::Sparse {
                x: p.x.select_rows(idx),
                w: gather_w(p.w),
            },
        }
    }

    fn rows(&self) -> Rows<'_> {
        match self {
            Batch::Dense { x, n, d, w, shift } => Rows::Dense(DenseRows {
                x,
                n: *n,
                d: *d,
                w: w.as_deref(),
                shift: shift.clone(),
            }),
            Batch::Sparse { x, w } => Rows::Sparse(SparseRows::new(x, w.as_deref())),
        }
    }
}

/// The learning state: centres in f64 (the f32 copy feeds the kernel) and
/// the cumulative weight of each centre.
#[derive(Debug, Clone)]
struct Engine {
    k: usize,
    d: usize,
    centers: Vec<f64>,
    centers32: Array2<f32>,
    counts: Vec<f64>,
    since_reassign: usize,
    batch_size: usize,
    ratio: f64,
    metric: Metric,
    labels: Vec<u32>,
    dists: Vec<f32>,
}

impl Engine {
    fn new(init: Array2<f32>, batch_size: usize, ratio: f64, metric: Metric) -> Engine {
        let (k, d) = init.dim();
        let centers32 = init.as_standard_layout().into_owned();
        Engine {
            k,
            d,
            centers: centers32.iter().map(|&v| v as f64).collect(),
            centers32,
            counts: vec![0.0; k],
            since_reassign: 0,
            batch_size,
            ratio,
            metric,
            labels: Vec::new(),
            dists: Vec::new(),
        }
    }

    /// scikit-learn's `_random_reassign`: reassign while some centre has
    /// never received weight, and otherwise once per `10 · k` rows seen.
    fn due_for_reassignment(&mut self) -> bool {
        self.since_reassign += self.batch_size;
        if self.counts.contains(&0.0) || self.since_reassign >= 10 * self.k {
            self.since_reassign = 0;
            return true;
        }
        false
    }

    /// One step on `batch` (scikit-learn's `_mini_batch_step`). Returns the
    /// batch inertia against the centres before the step and the squared
    /// centre change.
    fn step(&mut self, batch: &dyn Points, rng: &mut ChaCha8Rng) -> (f64, f64) {
        let reassign = self.due_for_reassignment();
        let (k, d, b) = (self.k, self.d, batch.n());
        self.labels.resize(b, 0);
        self.dists.resize(b, 0.0);
        let stats = PartialStats::of_points(
            batch,
            self.centers32.view(),
            &mut self.labels,
            &mut self.dists,
        );
        let mut change = 0.0;
        let mut new = vec![0.0f64; d];
        for c in 0..k {
            let w = stats.weights[c];
            if w <= 0.0 {
                continue;
            }
            let total = self.counts[c] + w;
            let center = &mut self.centers[c * d..(c + 1) * d];
            let sums = &stats.sums[c * d..(c + 1) * d];
            for j in 0..d {
                new[j] = (center[j] * self.counts[c] + sums[j]) / total;
            }
            if self.metric == Metric::Cosine {
                normalize(&mut new);
            }
            change += squared_change(center, &new);
            center.copy_from_slice(&new);
            self.counts[c] = total;
        }
        if reassign && self.ratio > 0.0 {
            change += self.reassign(batch, rng);
        }
        for (o, &v) in self.centers32.iter_mut().zip(&self.centers) {
            *o = v as f32;
        }
        (stats.inertia, change)
    }

    /// Moves centres with too little weight to distinct random rows of the
    /// batch (at most half the batch), and gives them the smallest count of
    /// the others so they are not reassigned again at once. Returns the
    /// squared centre change.
    fn reassign(&mut self, batch: &dyn Points, rng: &mut ChaCha8Rng) -> f64 {
        let (k, d, b) = (self.k, self.d, batch.n());
        let max = self.counts.iter().cloned().fold(0.0f64, f64::max);
        let mut chosen: Vec<bool> = self.counts.iter().map(|&c| c < self.ratio * max).collect();
        let n_chosen = chosen.iter().filter(|&&r| r).count();
        if n_chosen as f64 > 0.5 * b as f64 {
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&a, &c| self.counts[a].total_cmp(&self.counts[c]).then(a.cmp(&c)));
            for &c in &order[b / 2..] {
                chosen[c] = false;
            }
        }
        let targets: Vec<usize> = (0..k).filter(|&c| chosen[c]).collect();
        if targets.is_empty() {
            return 0.0;
        }
        // Distinct batch rows, uniformly (a partial Fisher–Yates shuffle).
        let mut pool: Vec<usize> = (0..b).collect();
        for i in 0..targets.len() {
            let j = rng.random_range(i..b);
            pool.swap(i, j);
        }
        let mut row = vec![0.0f32; d];
        let mut change = 0.0;
        for (&c, &r) in targets.iter().zip(&pool) {
            batch.row_into(r, &mut row);
            let new: Vec<f64> = row.iter().map(|&v| v as f64).collect();
            let center = &mut self.centers[c * d..(c + 1) * d];
            change += squared_change(center, &new);
            center.copy_from_slice(&new);
        }
        let floor = (0..k)
            .filter(|&c| !chosen[c])
            .map(|c| self.counts[c])
            .fold(f64::INFINITY, f64::min);
        if floor.is_finite() {
            for &c in &targets {
                self.counts[c] = floor;
            }
        }
        change
    }
}

fn squared_change(old: &[f64], new: &[f64]) -> f64 {
    old.iter().zip(new).map(|(a, b)| (a - b) * (a - b)).sum()
}

fn normalize(v: &mut [f64]) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// scikit-learn's `_mini_batch_convergence`: an exponentially weighted
/// average of the per-row batch inertia, and a count of steps without a new
/// minimum of it.
#[derive(Debug, Default)]
struct Monitor {
    ewa: Option<f64>,
    ewa_min: Option<f64>,
    no_improvement: usize,
}

impl Monitor {
    /// Whether to stop after step `step` (1-based), whose batch had mean
    /// inertia `inertia` and moved the centres by `change` (squared).
    #[allow(clippy::too_many_arguments)]
    fn stop(
        &mut self,
        step: usize,
        inertia: f64,
        change: f64,
        batch_size: usize,
        n: usize,
        tol: f64,
        max_no_improvement: Option<usize>,
    ) -> bool {
        // The first batch's inertia is that of the seeds: not a sign of progress.
        if step == 1 {
            return false;
        }
        self.ewa = Some(match self.ewa {
            None => inertia,
            Some(ewa) => {
                let alpha = (batch_size as f64 * 2.0 / (n as f64 + 1.0)).min(1.0);
                ewa * (1.0 - alpha) + inertia * alpha
            }
        });
        if tol > 0.0 && change <= tol {
            return true;
        }
        let ewa = self.ewa.expect("set above");
        if self.ewa_min.is_none_or(|m| ewa < m) {
            self.no_improvement = 0;
            self.ewa_min = Some(ewa);
        } else {
            self.no_improvement += 1;
        }
        max_no_improvement.is_some_and(|m| self.no_improvement >= m)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ndarray::{array, Array2};
    use rand::Rng;

    use super::*;
    use crate::{Csr, KMeans};

    /// `n_per` rows around each centre with Gaussian noise of `spread`, and
    /// the index of the centre each row came from.
    fn blobs(
        n_per: usize,
        centers: &[Vec<f32>],
        spread: f32,
        seed: u64,
    ) -> (Array2<f32>, Vec<u32>) {
        let mut r = rng(seed, 99);
        let d = centers[0].len();
        let mut x = Array2::zeros((n_per * centers.len(), d));
        let mut truth = Vec::new();
        for (c, centre) in centers.iter().enumerate() {
            for i in 0..n_per {
                for j in 0..d {
                    x[[c * n_per + i, j]] = centre[j] + spread * gaussian(&mut r);
                }
                truth.push(c as u32);
            }
        }
        (x, truth)
    }

    fn gaussian(r: &mut ChaCha8Rng) -> f32 {
        let (u, v): (f64, f64) = (r.random::<f64>().max(1e-300), r.random());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    }

    /// `k` centres drawn uniformly from `[-half, half]^d`.
    fn random_centers(k: usize, d: usize, half: f32, seed: u64) -> Vec<Vec<f32>> {
        let mut r = rng(seed, 98);
        (0..k)
            .map(|_| (0..d).map(|_| r.random_range(-half..half)).collect())
            .collect()
    }

    /// Whether two labelings are the same partition (ARI = 1).
    fn same_partition(a: &[u32], b: &[u32]) -> bool {
        let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
    }

    fn four_blobs() -> (Array2<f32>, Vec<u32>) {
        let centers = vec![
            vec![0.0, 0.0, 0.0],
            vec![20.0, 0.0, 0.0],
            vec![0.0, 20.0, 0.0],
            vec![0.0, 0.0, 20.0],
        ];
        blobs(500, &centers, 1.0, 1)
    }

    #[test]
    fn recovers_separated_blobs() {
        let (x, truth) = four_blobs();
        for params in [
            MiniBatchKMeans::params(4).seed(3).batch_size(100),
            MiniBatchKMeans::params(4).seed(4),
            MiniBatchKMeans::params(4)
                .seed(5)
                .batch_size(64)
                .init(Init::Random),
            MiniBatchKMeans::params(4)
                .seed(6)
                .batch_size(64)
                .init(Init::kmeans_parallel()),
        ] {
            let model = params.fit(&x).unwrap();
            assert!(same_partition(model.labels(), &truth), "{:?}", params);
            assert_eq!(model.predict(&x).unwrap(), model.labels());
            assert!(model.converged, "easy data stops early: {:?}", params);
            assert!(model.minibatch.is_some());
        }
    }

    #[test]
    fn inertia_close_to_lloyd() {
        // 20 000 rows, 20 clusters at corners of a hypercube, some overlap.
        let mut r = rng(2, 95);
        let mut centers: Vec<Vec<f32>> = Vec::new();
        while centers.len() < 20 {
            let c: Vec<f32> = (0..8)
                .map(|_| if r.random::<bool>() { 12.0 } else { 0.0 })
                .collect();
            if !centers.contains(&c) {
                centers.push(c);
            }
        }
        let (x, _) = blobs(1000, &centers, 2.0, 3);
        // Single runs of either land in different local minima, so compare
        // the mean over seeds: mini-batch pays a little for its speed.
        let (mut lloyd, mut mini) = (0.0, 0.0);
        for seed in 0..6 {
            lloyd += KMeans::params(20).seed(seed).fit(&x).unwrap().inertia;
            let mb = MiniBatchKMeans::params(20).seed(seed).fit(&x).unwrap();
            // The reported inertia is that of the reported labels.
            let score = mb.score(&x).unwrap();
            assert!((score + mb.inertia).abs() <= 1e-9 * mb.inertia);
            mini += mb.inertia;
        }
        let ratio = mini / lloyd;
        assert!(
            ratio < 1.05,
            "mini-batch {mini} vs Lloyd {lloyd} (ratio {ratio})"
        );
    }

    #[test]
    fn same_seed_same_result_on_any_thread_count() {
        let centers = random_centers(12, 6, 8.0, 4);
        let (x, _) = blobs(800, &centers, 2.0, 5);
        let csr = Csr::from_dense(x.view()).unwrap();
        let w: Vec<f32> = (0..x.nrows()).map(|i| 0.5 + (i % 7) as f32).collect();
        let inputs: Vec<Input> = vec![(&x).into(), Input::from(&x).weighted(&w), (&csr).into()];
        for input in inputs {
            let fit = |t| {
                MiniBatchKMeans::params(12)
                    .seed(9)
                    .batch_size(300)
                    .threads(t)
                    .fit(input)
                    .unwrap()
            };
            let (one, two, all) = (fit(1), fit(2), fit(0));
            assert_eq!(one.centroids, two.centroids);
            assert_eq!(one.centroids, all.centroids);
            assert_eq!(one.labels(), two.labels());
            assert_eq!(one.inertia.to_bits(), two.inertia.to_bits());
            assert_eq!(one.n_iter, two.n_iter);
        }
        let stream = |t| {
            let mut s =
                MiniBatchKMeans::new(MiniBatchKMeans::params(12).seed(9).threads(t)).unwrap();
            for chunk in x.axis_chunks_iter(ndarray::Axis(0), 700) {
                s.partial_fit(chunk).unwrap();
            }
            s.model().unwrap()
        };
        let (one, two) = (stream(1), stream(2));
        assert_eq!(one.centroids, two.centroids);
        assert_eq!(one.labels(), two.labels());
        assert_eq!(one.inertia.to_bits(), two.inertia.to_bits());
    }

    #[test]
    fn partial_fit_over_chunks_converges() {
        let (x, truth) = four_blobs();
        // Shuffle rows so that each chunk sees every cluster.
        let order: Vec<usize> = (0..x.nrows()).map(|i| (i * 7919) % x.nrows()).collect();
        let x = x.select(ndarray::Axis(0), &order);
        let truth: Vec<u32> = order.iter().map(|&i| truth[i]).collect();
        let mut stream = MiniBatchKMeans::new(MiniBatchKMeans::params(4).seed(1)).unwrap();
        assert!(stream.model().is_none());
        for _pass in 0..3 {
            for chunk in x.axis_chunks_iter(ndarray::Axis(0), 100) {
                stream.partial_fit(chunk).unwrap();
            }
        }
        assert_eq!(stream.n_steps(), 60);
        let model = stream.model().unwrap();
        assert_eq!(model.labels().len(), 100, "labels of the last batch");
        assert!(same_partition(&model.predict(&x).unwrap(), &truth));
        let lloyd = KMeans::params(4).seed(1).fit(&x).unwrap().inertia;
        let streamed = -model.score(&x).unwrap();
        assert!(
            streamed < 1.01 * lloyd,
            "stream {streamed} vs Lloyd {lloyd}"
        );
        // Every row seen three times, and counts are the cumulative weights.
        let total: f64 = stream.counts().unwrap().iter().sum();
        assert!(total <= 3.0 * x.nrows() as f64 + 1e-9);
    }

    #[test]
    fn dense_and_csr_agree() {
        // Non-negative rows, each cluster on its own columns: mostly zeros.
        let mut r = rng(5, 97);
        let (n_per, d) = (300, 30);
        let mut x = Array2::<f32>::zeros((3 * n_per, d));
        let mut truth = Vec::new();
        for c in 0..3 {
            for i in 0..n_per {
                for j in c * 10..c * 10 + 10 {
                    if r.random::<f32>() < 0.6 {
                        x[[c * n_per + i, j]] = 1.0 + r.random::<f32>();
                    }
                }
                x[[c * n_per + i, c * 10]] = 2.0;
                truth.push(c as u32);
            }
        }
        let csr = Csr::from_dense(x.view()).unwrap();
        for metric in [Metric::Euclidean, Metric::Cosine] {
            let params = MiniBatchKMeans::params(3)
                .seed(2)
                .batch_size(128)
                .metric(metric);
            let dense = params.fit(&x).unwrap();
            let sparse = params.fit(&csr).unwrap();
            assert!(same_partition(dense.labels(), &truth), "{metric:?}");
            assert_eq!(dense.labels(), sparse.labels(), "{metric:?}");
            assert_eq!(dense.n_iter, sparse.n_iter);
            let diff = (&dense.centroids - &sparse.centroids)
                .mapv(f32::abs)
                .fold(0.0f32, |a, &b| a.max(b));
            assert!(diff < 1e-5, "{metric:?}: centroids differ by {diff}");
            assert!((dense.inertia - sparse.inertia).abs() <= 1e-4 * dense.inertia);
        }
    }

    #[test]
    fn cosine_keeps_unit_centroids() {
        // Three directions; rows at very different scales.
        let dirs = [[1.0f32, 0.1, 0.0], [0.0, 1.0, 0.1], [0.1, 0.0, 1.0]];
        let mut r = rng(6, 96);
        let mut rows = Vec::new();
        let mut truth = Vec::new();
        for i in 0..900 {
            let c = i % 3;
            let scale = r.random_range(0.5f32..50.0);
            for &v in &dirs[c] {
                rows.push(scale * (v + 0.05 * gaussian(&mut r)));
            }
            truth.push(c as u32);
        }
        let x = Array2::from_shape_vec((900, 3), rows).unwrap();
        let model = MiniBatchKMeans::params(3)
            .metric(Metric::Cosine)
            .batch_size(90)
            .seed(1)
            .fit(&x)
            .unwrap();
        assert!(same_partition(model.labels(), &truth));
        for c in model.centroids.rows() {
            let norm = c.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "centroid norm {norm}");
        }
        let mut stream =
            MiniBatchKMeans::new(MiniBatchKMeans::params(3).metric(Metric::Cosine).seed(1))
                .unwrap();
        for chunk in x.axis_chunks_iter(ndarray::Axis(0), 90) {
            stream.partial_fit(chunk).unwrap();
        }
        let streamed = stream.model().unwrap();
        assert!(same_partition(&streamed.predict(&x).unwrap(), &truth));
    }

    #[test]
    fn uniform_weights_scale_exactly() {
        let (x, _) = four_blobs();
        let ones = vec![1.0f32; x.nrows()];
        let twos = vec![2.0f32; x.nrows()];
        let params = MiniBatchKMeans::params(4).seed(8).batch_size(100);
        let a = params.fit(Input::from(&x).weighted(&ones)).unwrap();
        let b = params.fit(Input::from(&x).weighted(&twos)).unwrap();
        assert_eq!(a.centroids, b.centroids);
        assert_eq!(a.inertia * 2.0, b.inertia);
    }

    #[test]
    fn weights_pull_centres() {
        // Two rows per side: the heavy row should dominate its centre.
        let x = array![[0.0f32], [1.0], [10.0], [11.0]];
        let w = [9.0f32, 1.0, 1.0, 1.0];
        let model = MiniBatchKMeans::params(2)
            .seed(0)
            .batch_size(4)
            .max_iter(50)
            .fit(Input::from(&x).weighted(&w))
            .unwrap();
        let mut c: Vec<f32> = model.centroids.iter().cloned().collect();
        c.sort_by(f32::total_cmp);
        assert!((c[0] - 0.1).abs() < 0.05, "{c:?}");
        assert!((c[1] - 10.5).abs() < 0.2, "{c:?}");
    }

    #[test]
    fn far_centre_is_reassigned() {
        let (x, truth) = blobs(500, &[vec![0.0, 0.0, 0.0], vec![20.0, 0.0, 0.0]], 1.0, 1);
        let init = array![[0.0f32, 0.0, 0.0], [1000.0, 1000.0, 1000.0]];
        let params = MiniBatchKMeans::params(2)
            .init(Init::Given(init))
            .seed(1)
            .batch_size(100);
        let moved = params.clone().fit(&x).unwrap();
        assert!(
            moved.centroids.iter().all(|&v| v < 100.0),
            "{}",
            moved.centroids
        );
        assert!(same_partition(moved.labels(), &truth));
        // Without reassignment a centre that never wins a row stays put.
        let stuck = params.reassignment_ratio(0.0).fit(&x).unwrap();
        assert_eq!(
            stuck.centroids.row(1).to_vec(),
            vec![1000.0, 1000.0, 1000.0]
        );
        assert!(stuck.labels().iter().all(|&l| l == 0));
    }

    #[test]
    fn stopping_rules() {
        let (x, _) = four_blobs();
        let n = x.nrows();
        // No early stopping: exactly max_iter passes.
        let full = MiniBatchKMeans::params(4)
            .batch_size(100)
            .max_iter(3)
            .max_no_improvement(None)
            .fit(&x)
            .unwrap();
        assert_eq!((full.n_iter, full.converged), (3, false));
        // A tolerance stops as soon as the centres settle.
        let tol = MiniBatchKMeans::params(4)
            .batch_size(100)
            .max_no_improvement(None)
            .tol(1e-3)
            .fit(&x)
            .unwrap();
        assert!(tol.converged && tol.n_iter < 100);
        // Without labels the inertia is the smoothed batch estimate.
        let est = MiniBatchKMeans::params(4)
            .batch_size(100)
            .compute_labels(false)
            .fit(&x)
            .unwrap();
        assert!(est.labels().is_empty());
        let exact = -est.score(&x).unwrap();
        assert!(
            (est.inertia / exact - 1.0).abs() < 0.2,
            "estimate {} vs {exact}",
            est.inertia
        );
        assert!(n > 0);
    }

    #[test]
    fn model_json_round_trip() {
        let (x, _) = four_blobs();
        let mb = MiniBatchKMeans::params(4).seed(2).fit(&x).unwrap();
        let back = Model::from_json(&mb.to_json()).unwrap();
        assert_eq!(back.minibatch, mb.minibatch);
        assert_eq!(back.centroids, mb.centroids);
        // Exact models keep their old JSON shape.
        let exact = KMeans::params(4).seed(2).fit(&x).unwrap();
        assert!(!exact.to_json().contains("minibatch"));
        assert_eq!(Model::from_json(&exact.to_json()).unwrap().minibatch, None);
    }

    #[test]
    fn few_distinct_rows_give_fewer_clusters() {
        let x = array![
            [1.0f32, 1.0],
            [1.0, 1.0],
            [5.0, 5.0],
            [5.0, 5.0],
            [1.0, 1.0]
        ];
        let model = MiniBatchKMeans::params(3).seed(0).fit(&x).unwrap();
        assert_eq!(model.n_clusters(), 2);
        assert!(
            model.warnings.iter().any(|w| w.contains("distinct rows")),
            "{:?}",
            model.warnings
        );
    }

    /// What a bad call must return: the variant's name.
    fn check(result: Result<Model>, expected: &str) {
        let err = result.expect_err(expected);
        let name = format!("{err:?}");
        assert!(
            name.starts_with(expected),
            "expected {expected}, got {name}"
        );
    }

    #[test]
    fn bad_params_and_input_are_errors() {
        let x = array![[0.0f32, 1.0], [1.0, 0.0], [2.0, 2.0]];
        let nan = array![[0.0f32, f32::NAN], [1.0, 0.0]];
        let zero_row = array![[0.0f32, 0.0], [1.0, 0.0]];
        let empty = Array2::<f32>::zeros((0, 2));
        let p = MiniBatchKMeans::params;
        check(p(0).fit(&x), "InvalidParam");
        check(p(2).batch_size(0).fit(&x), "InvalidParam");
        check(p(2).init_size(0).fit(&x), "InvalidParam");
        check(p(2).reassignment_ratio(-0.1).fit(&x), "InvalidParam");
        check(p(2).reassignment_ratio(1.5).fit(&x), "InvalidParam");
        check(p(2).reassignment_ratio(f64::NAN).fit(&x), "InvalidParam");
        check(p(2).max_iter(0).fit(&x), "InvalidParam");
        check(p(2).tol(-1.0).fit(&x), "InvalidParam");
        check(p(2).n_init(0).fit(&x), "InvalidParam");
        check(p(4).fit(&x), "TooManyClusters");
        check(p(1).fit(&nan), "NonFinite");
        check(p(1).fit(&empty), "NoRows");
        check(
            p(1).fit(Input::from(&x).weighted(&[1.0, 2.0])),
            "BadWeights",
        );
        check(
            p(1).fit(Input::from(&x).weighted(&[0.0, 0.0, 0.0])),
            "BadWeights",
        );
        check(
            p(1).fit(Input::from(&x).weighted(&[1.0, -1.0, 1.0])),
            "BadWeights",
        );
        check(p(2).metric(Metric::Cosine).fit(&zero_row), "ZeroNormRow");
        check(
            p(2).init(Init::Given(array![[0.0f32, 1.0, 2.0], [1.0, 1.0, 1.0]]))
                .fit(&x),
            "BadInit",
        );
        check(
            p(2).init(Init::Given(array![[0.0f32, 1.0]])).fit(&x),
            "BadInit",
        );
    }

    #[test]
    fn bad_partial_fit_leaves_stream_unchanged() {
        let x = array![[0.0f32, 1.0], [1.0, 0.0], [2.0, 2.0]];
        let wide = array![[0.0f32, 1.0, 2.0]];
        let mut stream = MiniBatchKMeans::new(MiniBatchKMeans::params(3).seed(1)).unwrap();
        // The first batch must hold at least k rows.
        let first = stream.partial_fit(x.slice(ndarray::s![..2, ..]));
        assert!(matches!(
            first,
            Err(KMeansError::TooManyClusters { k: 3, n: 2 })
        ));
        assert!(stream.model().is_none());
        stream.partial_fit(&x).unwrap();
        let before = stream.model().unwrap();
        assert!(matches!(
            stream.partial_fit(&wide),
            Err(KMeansError::ShapeMismatch(_))
        ));
        assert!(matches!(
            stream.partial_fit(&array![[f32::INFINITY, 0.0]]),
            Err(KMeansError::NonFinite { .. })
        ));
        assert_eq!(stream.model().unwrap(), before);
        // Later batches may be smaller than k.
        stream.partial_fit(&array![[0.5f32, 0.5]]).unwrap();
        assert_eq!(stream.n_steps(), 2);
        assert!(matches!(
            MiniBatchKMeans::new(MiniBatchKMeans::params(2).batch_size(0)),
            Err(KMeansError::InvalidParam {
                name: "batch_size",
                ..
            })
        ));
    }

    #[test]
    fn state_round_trip_and_fit_stream_continue() {
        let (x, _) = four_blobs();
        let params = MiniBatchKMeans::params(4).seed(9).batch_size(100);
        let mut a = MiniBatchKMeans::new(params.clone()).unwrap();
        let before = MiniBatchKMeans::from_state(params.clone(), a.state()).unwrap();
        assert!(before.model().is_none());
        a.partial_fit(x.slice(ndarray::s![..300, ..])).unwrap();
        let mut b = MiniBatchKMeans::from_state(params.clone(), a.state()).unwrap();
        for chunk in [ndarray::s![300..900, ..], ndarray::s![900.., ..]] {
            a.partial_fit(x.slice(chunk)).unwrap();
            b.partial_fit(x.slice(chunk)).unwrap();
        }
        assert_eq!(a.state(), b.state());
        assert_eq!(a.n_steps(), 3);
        // fit_stream's model is fit's, and its stream carries the counts on.
        let (model, mut stream) = params.fit_stream(&x).unwrap();
        assert_eq!(model, params.fit(&x).unwrap());
        let counts: f64 = stream.counts().unwrap().iter().sum();
        assert!(counts > 0.0);
        stream.partial_fit(&x).unwrap();
        let after: f64 = stream.counts().unwrap().iter().sum();
        assert!((after - counts - x.nrows() as f64).abs() < 1e-6);
        let mut bad = a.state();
        bad.counts.pop();
        assert!(MiniBatchKMeans::from_state(params, bad).is_err());
    }
}
