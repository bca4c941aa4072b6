//! `fit`: validate, prepare rows, run `n_init` seeded runs, keep the best.

use std::borrow::Cow;

use ndarray::{Array2, CowArray, Ix2};
use rayon::prelude::*;

use crate::data::{validate, Csr, Data, Input};
use crate::elkan::elkan;
use crate::error::{KMeansError, Result};
use crate::hamerly::hamerly;
use crate::kdtree::KdTree;
use crate::lloyd::{lloyd, Run};
use crate::model::{Model, MODEL_FORMAT_VERSION};
use crate::params::{Algorithm, Init, KMeansParams, Metric};
use crate::points::{DenseRows, Points, SparseRows};
use crate::seeding::{kmeans_parallel_or_first, kmeans_plus_plus, random_rows, rng};
use crate::yinyang::yinyang;

/// Entry point: `KMeans::params(k)` starts a parameter builder.
#[derive(Debug, Clone, Copy)]
pub struct KMeans;

impl KMeans {
    /// Default parameters for `n_clusters` clusters.
    pub fn params(n_clusters: usize) -> KMeansParams {
        KMeansParams::new(n_clusters)
    }
}

impl KMeansParams {
    /// Checks the parameters and fits a model to `x` (dense, CSR, or
    /// [`Features`](crate::Features); weights through [`Input::weighted`]).
    pub fn fit<'a>(&self, x: impl Into<Input<'a>>) -> Result<Model> {
        let valid = self.check()?;
        let input = x.into();
        validate(&input)?;
        let (n, d) = (input.data.n_rows(), input.data.n_cols());
        let k = self.n_clusters;
        if k > n {
            return Err(KMeansError::TooManyClusters { k, n });
        }
        if let Init::Given(c) = &self.init {
            if c.ncols() != d {
                return Err(KMeansError::BadInit(format!(
                    "given centroids have {} columns, the data {d}",
                    c.ncols()
                )));
            }
        }
        with_threads(self.threads, || {
            let owned = prepare_rows(input, self.metric)?;
            // Scaled by the variance of the rows clustered (normalised under cosine).
            let tol = self.tol * mean_variance(&owned.data());
            let sparse = matches!(input.data, Data::Sparse(_));
            let algorithm = self.algorithm.resolve(d, k, sparse);
            if algorithm == Algorithm::KdTree && (sparse || d > 4 || k > usize::from(u16::MAX)) {
                return Err(KMeansError::InvalidParam {
                    name: "algorithm",
                    value: "kd-tree".into(),
                    expected: "dense data of 1 to 4 columns and at most 65,535 clusters; use auto or lloyd",
                });
            }
            Ok(match owned.rows(input.weights) {
                Rows::Dense(p) => {
                    // One tree for every run (and refinement pass) of the fit.
                    let tree = (algorithm == Algorithm::KdTree)
                        .then(|| KdTree::of_rows(&p))
                        .transpose()?;
                    fit_points(&p, self, valid.n_init, tol, tree.as_ref())
                }
                Rows::Sparse(p) => fit_points(&p, self, valid.n_init, tol, None),
            })
        })?
    }
}

/// Iterates from `init` with the resolved `algorithm` until convergence.
fn iterate(
    points: &(impl Points + ?Sized),
    params: &KMeansParams,
    algorithm: Algorithm,
    init: Array2<f32>,
    tol: f64,
    tree: Option<&KdTree>,
) -> Run {
    let (max_iter, metric) = (params.max_iter, params.metric);
    match (algorithm, tree) {
        (Algorithm::Hamerly, _) => hamerly(points, init, max_iter, tol, metric),
        (Algorithm::Elkan, _) => elkan(points, init, max_iter, tol, metric),
        (Algorithm::Yinyang, _) => yinyang(points, init, max_iter, tol, metric),
        (Algorithm::KdTree, Some(tree)) => tree.run(points, init, max_iter, tol),
        _ => lloyd(points, init, max_iter, tol, metric),
    }
}

/// Cap on Hartigan sweeps; each costs about one Lloyd iteration.
const HARTIGAN_SWEEPS: usize = 50;

/// The starting centroids `params` would use for its first run on `x` (as
/// scikit-learn's `kmeans_plusplus`): seeding only, no iterations. May return
/// fewer than k rows when the data has fewer distinct rows.
pub fn init_centroids<'a>(x: impl Into<Input<'a>>, params: &KMeansParams) -> Result<Array2<f32>> {
    params.check()?;
    let input = x.into();
    validate(&input)?;
    let (n, k) = (input.data.n_rows(), params.n_clusters);
    if k > n {
        return Err(KMeansError::TooManyClusters { k, n });
    }
    with_threads(params.threads, || {
        let owned = prepare_rows(input, params.metric)?;
        Ok(match owned.rows(input.weights) {
            Rows::Dense(p) => seed(&p, params, 0),
            Rows::Sparse(p) => seed(&p, params, 0),
        })
    })?
}

pub(crate) fn seed(
    points: &(impl Points + ?Sized),
    params: &KMeansParams,
    run: usize,
) -> Array2<f32> {
    let k = params.n_clusters;
    let mut r = rng(params.seed, run as u64);
    match &params.init {
        Init::KMeansPlusPlus => kmeans_plus_plus(points, k, &mut r).centroids,
        Init::KMeansParallel {
            rounds,
            oversampling,
        } => kmeans_parallel_or_first(
            points,
            k,
            *rounds,
            *oversampling,
            params.seed.wrapping_add(run as u64),
        ),
        Init::Random => random_rows(points, k, &mut r).centroids,
        // Row-major whatever the caller's layout: the algorithms read
        // centroid rows as slices.
        Init::Given(c) => {
            let c = c.as_standard_layout().into_owned();
            match params.metric {
                Metric::Euclidean => c,
                Metric::Cosine => normalize_rows(c),
            }
        }
    }
}

/// Above this many stored values (`n × d`) the `n_init` runs go one after
/// another, each spread over the threads by row groups; at or below it they
/// run in parallel, one per thread. Small data split into row groups spends
/// more on hand-offs between threads than on rows (CDNOW's 23,570 × 3: 0.7 ms
/// per Lloyd iteration, ~20 µs of it arithmetic), while whole runs in parallel
/// need no hand-off at all. The bound keeps the per-run buffers (labels,
/// distances, copies for refinement: ~24 bytes a row), held once per thread,
/// within a few times the data itself.
const PARALLEL_RUNS_MAX_VALUES: usize = 1 << 20;

fn fit_points(
    points: &(impl Points + ?Sized),
    params: &KMeansParams,
    n_init: usize,
    tol: f64,
    tree: Option<&KdTree>,
) -> Model {
    let parallel = n_init > 1
        && rayon::current_num_threads() > 1
        && points.n().saturating_mul(points.d()) <= PARALLEL_RUNS_MAX_VALUES;
    // The best run has the least inertia, ties going to the lower run index;
    // warnings are kept once each, in run order. Both are associative
    // (`reduce` keeps the order of the runs), so parallel runs give exactly
    // the sequential result.
    let better = |(a, mut wa): (Run, Vec<String>), (b, wb): (Run, Vec<String>)| {
        for w in wb {
            if !wa.contains(&w) {
                wa.push(w);
            }
        }
        (if b.inertia < a.inertia { b } else { a }, wa)
    };
    let (best, mut warnings) = if parallel {
        (0..n_init)
            .into_par_iter()
            .map(|run| crate::points::inline(|| one_run(points, params, run, tol, tree)))
            .reduce_with(better)
    } else {
        (0..n_init)
            .map(|run| one_run(points, params, run, tol, tree))
            .reduce(better)
    }
    .expect("n_init >= 1");
    if !best.converged {
        warnings.push(format!(
            "did not converge in max_iter = {} iterations",
            params.max_iter
        ));
    }
    Model {
        format_version: MODEL_FORMAT_VERSION,
        centroids: best.centroids,
        inertia: best.inertia,
        n_iter: best.n_iter,
        converged: best.converged,
        params: params.clone(),
        minibatch: None,
        warnings,
        labels: best.labels,
    }
}

/// Seeded run `run` of a fit, refined if asked, with its warnings.
fn one_run(
    points: &(impl Points + ?Sized),
    params: &KMeansParams,
    run: usize,
    tol: f64,
    tree: Option<&KdTree>,
) -> (Run, Vec<String>) {
    let k = params.n_clusters;
    let mut warnings = Vec::new();
    let init = seed(points, params, run);
    if init.nrows() < k {
        warnings.push(format!(
            "only {} distinct rows for n_clusters = {k}: the model has {} clusters",
            init.nrows(),
            init.nrows()
        ));
    }
    let algorithm = params
        .algorithm
        .resolve(points.d(), init.nrows(), points.sparse());
    let mut result = iterate(points, params, algorithm, init, tol, tree);
    // Every run is refined, not only the best: on digits (standardised,
    // k = 10) refining the best Lloyd run alone ended 0.46 % above
    // scikit-learn's n_init = 10 inertia, refining each ends below it.
    if params.refine && params.metric == Metric::Euclidean {
        let mut c = result.centroids.clone();
        let mut l = result.labels.clone();
        if crate::hartigan::hartigan(points, &mut c, &mut l, HARTIGAN_SWEEPS) > 0 {
            let mut again = iterate(points, params, algorithm, c, tol, tree);
            if again.inertia < result.inertia {
                // n_iter counts the iterations of both passes.
                again.n_iter += result.n_iter;
                result = again;
            }
        }
    }
    (result, warnings)
}

/// Mean over columns of the (unweighted, ddof 0) column variance, as
/// scikit-learn scales `tol`.
pub(crate) fn mean_variance(data: &Data) -> f64 {
    let (n, d) = (data.n_rows() as f64, data.n_cols());
    let mut sum = vec![0.0f64; d];
    let mut sq = vec![0.0f64; d];
    match data {
        Data::Dense(x) => {
            for row in x.rows() {
                for (j, &v) in row.iter().enumerate() {
                    sum[j] += v as f64;
                    sq[j] += (v as f64) * (v as f64);
                }
            }
        }
        Data::Sparse(x) => {
            for (&j, &v) in x.indices().iter().zip(x.values()) {
                sum[j as usize] += v as f64;
                sq[j as usize] += (v as f64) * (v as f64);
            }
        }
    }
    (0..d)
        .map(|j| (sq[j] / n - (sum[j] / n).powi(2)).max(0.0))
        .sum::<f64>()
        / d as f64
}

/// Rows as the algorithms need them: contiguous, and unit length for cosine.
pub(crate) enum OwnedRows<'a> {
    Dense(CowArray<'a, f32, Ix2>),
    Sparse(Cow<'a, Csr>),
}

/// Borrowing views over [`OwnedRows`].
pub(crate) enum Rows<'a> {
    Dense(DenseRows<'a>),
    Sparse(SparseRows<'a>),
}

impl OwnedRows<'_> {
    pub(crate) fn data(&self) -> Data<'_> {
        match self {
            OwnedRows::Dense(x) => Data::Dense(x.view()),
            OwnedRows::Sparse(x) => Data::Sparse(x),
        }
    }

    pub(crate) fn rows<'b>(&'b self, weights: Option<&'b [f32]>) -> Rows<'b> {
        match self {
            OwnedRows::Dense(x) => {
                let (n, d) = x.dim();
                Rows::Dense(DenseRows::new(
                    x.as_slice().expect("standard layout"),
                    n,
                    d,
                    weights,
                ))
            }
            OwnedRows::Sparse(x) => Rows::Sparse(SparseRows::new(x, weights)),
        }
    }
}

pub(crate) fn prepare_rows(input: Input, metric: Metric) -> Result<OwnedRows> {
    match (input.data, metric) {
        (Data::Dense(x), Metric::Euclidean) => Ok(OwnedRows::Dense(if x.is_standard_layout() {
            CowArray::from(x)
        } else {
            CowArray::from(x.as_standard_layout().into_owned())
        })),
        (Data::Dense(x), Metric::Cosine) => {
            if let Some(i) = x
                .rows()
                .into_iter()
                .position(|r| r.iter().all(|&v| v == 0.0))
            {
                return Err(KMeansError::ZeroNormRow { row: i });
            }
            Ok(OwnedRows::Dense(CowArray::from(normalize_rows(
                x.to_owned(),
            ))))
        }
        (Data::Sparse(x), Metric::Euclidean) => Ok(OwnedRows::Sparse(Cow::Borrowed(x))),
        (Data::Sparse(x), Metric::Cosine) => {
            if let Some(i) = (0..x.n_rows()).find(|&i| x.row(i).1.iter().all(|&v| v == 0.0)) {
                return Err(KMeansError::ZeroNormRow { row: i });
            }
            Ok(OwnedRows::Sparse(Cow::Owned(x.l2_normalized())))
        }
    }
}

/// Every row scaled to unit L2 norm (zero rows stay zero).
pub(crate) fn normalize_rows(mut x: Array2<f32>) -> Array2<f32> {
    for mut row in x.rows_mut() {
        let norm = row
            .iter()
            .map(|&v| (v as f64) * (v as f64))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|v| (v as f64 / norm) as f32);
        }
    }
    x
}

/// Runs `f` on a pool of `threads` workers (0: rayon's global pool).
pub(crate) fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    if threads == 0 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|_| KMeansError::Threads(threads))?;
    Ok(pool.install(f))
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use crate::params::{Algorithm, Init, Metric};
    use crate::KMeans;
    use crate::{Csr, KMeansError};

    /// The kd-tree filter takes dense Euclidean rows of 1 to 4 columns;
    /// anything else is a typed error naming the algorithm, never a panic.
    #[test]
    fn kd_tree_outside_its_domain_is_an_error() {
        let kd = |k| KMeans::params(k).algorithm(Algorithm::KdTree);
        let wide = Array2::from_shape_fn((20, 5), |(i, j)| (i * 5 + j) as f32);
        let sparse = Csr::from_dense(wide.view()).unwrap();
        for err in [
            kd(2).fit(&wide).unwrap_err(),
            kd(2).fit(&sparse).unwrap_err(),
            kd(2)
                .metric(Metric::Cosine)
                .fit(&wide.slice(ndarray::s![.., ..4]).to_owned())
                .unwrap_err(),
        ] {
            assert!(
                matches!(
                    err,
                    KMeansError::InvalidParam {
                        name: "algorithm",
                        ..
                    }
                ),
                "{err}"
            );
        }
        let narrow = wide.slice(ndarray::s![.., ..4]).to_owned();
        let model = kd(3).seed(1).fit(&narrow).unwrap();
        let lloyd = KMeans::params(3)
            .seed(1)
            .algorithm(Algorithm::Lloyd)
            .fit(&narrow)
            .unwrap();
        assert_eq!(model.labels(), lloyd.labels());
        assert!((model.inertia - lloyd.inertia).abs() <= 1e-6 * lloyd.inertia);
    }

    /// Given centroids in column-major order fit as the same centroids in
    /// row-major order, with every algorithm (the bounded ones read
    /// centroid rows as slices).
    #[test]
    fn given_init_in_any_memory_layout() {
        let x = Array2::from_shape_fn((300, 3), |(i, j)| {
            ((i * 3 + j) as f32 * 0.37).sin() + (i % 4) as f32
        });
        let rows = |(i, j): (usize, usize)| x[[i * 70, j]];
        let (c_order, f_order) = (
            Array2::from_shape_fn((4, 3), rows),
            Array2::from_shape_fn((4, 3).f(), rows),
        );
        assert!(
            f_order.as_slice().is_none(),
            "the test needs a column-major array"
        );
        for algorithm in [
            Algorithm::Lloyd,
            Algorithm::Hamerly,
            Algorithm::Elkan,
            Algorithm::Yinyang,
            Algorithm::KdTree,
        ] {
            let fit = |init: &Array2<f32>| {
                KMeans::params(4)
                    .algorithm(algorithm)
                    .init(Init::Given(init.clone()))
                    .fit(&x)
                    .expect("fit")
            };
            let (want, got) = (fit(&c_order), fit(&f_order));
            assert_eq!(want.labels, got.labels, "{algorithm:?}");
            assert_eq!(want.centroids, got.centroids, "{algorithm:?}");
            assert_eq!(
                want.inertia.to_bits(),
                got.inertia.to_bits(),
                "{algorithm:?}"
            );
        }
        let mini = |init: &Array2<f32>| {
            crate::MiniBatchKMeans::params(4)
                .init(Init::Given(init.clone()))
                .batch_size(64)
                .fit(&x)
                .expect("mini-batch fit")
        };
        let (want, got) = (mini(&c_order), mini(&f_order));
        assert_eq!(want.centroids, got.centroids, "mini-batch");
    }
}
