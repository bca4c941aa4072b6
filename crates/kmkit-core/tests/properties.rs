//! Property tests of the core (issue 10): Lloyd never raises the inertia,
//! every label is the argmin, results do not depend on row order (from the
//! same given centroids) or on the thread count, dense = CSR, the bounded
//! algorithms equal Lloyd, and `PartialStats::merge` is order-independent.
//!
//! Data are drawn on a grid of multiples of 1/64 within ±9 (blobs around
//! integer centres, some cells zero so CSR input is really sparse) with
//! weights on multiples of 1/4: every f64 sum of such values is exact, so
//! the per-cluster sums, and hence the centroids, cannot depend on the order
//! rows are added in. That is what makes "row order does not matter" a
//! bit-level property rather than one with a tolerance. `PartialStats` merge
//! order is tested on arbitrary floats, where it only holds to rounding.
//!
//! The case counts are small so the suite stays within seconds; the RNG seed
//! is fixed so CI is reproducible. `PROPTEST_CASES=2000 PROPTEST_RNG_SEED=N
//! cargo test -p kmkit-core --test properties` runs a longer soak
//! (RELIABILITY.md).

use kmkit_core::{partial_stats, Algorithm, Csr, Init, Input, KMeans, Metric, Model, PartialStats};
use ndarray::{Array2, ArrayView2, Axis};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Cases per property unless `PROPTEST_CASES` says otherwise; seed fixed
/// unless `PROPTEST_RNG_SEED` says otherwise.
fn config(cases: u32) -> Config {
    let base = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            cases
        },
        rng_seed: match base.rng_seed {
            RngSeed::Random => RngSeed::Fixed(0x6b6d_6b69_7400_0010),
            fixed => fixed,
        },
        // Each case builds a few small thread pools: no need for the
        // default shrink budget to be large.
        max_shrink_iters: 256,
        ..base
    }
}

/// A data set drawn for one case.
#[derive(Debug, Clone)]
struct Case {
    x: Array2<f32>,
    weights: Option<Vec<f32>>,
    k: usize,
    seed: u64,
}

impl Case {
    fn input(&self) -> Input<'_> {
        let input = Input::from(self.x.view());
        match &self.weights {
            Some(w) => input.weighted(w),
            None => input,
        }
    }
}

/// `n × d` blobs around up to 5 integer centres in [-8, 8]^d, offsets in
/// [-1, 1] on the 1/64 grid, about a quarter of the cells exactly zero.
fn grid_data(
    n: std::ops::Range<usize>,
    d: std::ops::Range<usize>,
) -> impl Strategy<Value = Array2<f32>> {
    (n, d, 1usize..=5).prop_flat_map(|(n, d, blobs)| {
        (
            prop::collection::vec(-8i32..=8, blobs * d),
            prop::collection::vec(
                (
                    0usize..blobs,
                    prop::collection::vec(-64i32..=64, d),
                    prop::collection::vec(0u8..4, d),
                ),
                n,
            ),
        )
            .prop_map(move |(centres, rows)| {
                let mut x = Array2::<f32>::zeros((n, d));
                for (i, (b, offsets, zero)) in rows.into_iter().enumerate() {
                    for j in 0..d {
                        if zero[j] != 0 {
                            let v = centres[b * d + j] as f32 + offsets[j] as f32 / 64.0;
                            x[[i, j]] = v;
                        }
                    }
                }
                x
            })
    })
}

/// A case: grid data, k below n, maybe weights in {0.25, …, 4}, a seed.
fn case() -> impl Strategy<Value = Case> {
    (
        grid_data(8..160, 1..7),
        1usize..7,
        any::<bool>(),
        any::<u64>(),
    )
        .prop_flat_map(|(x, k, weighted, seed)| {
            let n = x.nrows();
            let k = k.min(n);
            let weights = if weighted {
                prop::collection::vec(1u8..=16, n)
                    .prop_map(|w| Some(w.into_iter().map(|v| v as f32 / 4.0).collect()))
                    .boxed()
            } else {
                Just(None).boxed()
            };
            weights.prop_map(move |weights| Case {
                x: x.clone(),
                weights,
                k,
                seed,
            })
        })
}

/// Algorithm `i` of Lloyd, Hamerly, Elkan, Yinyang and the kd-tree filter,
/// which takes 1 to 4 columns (Lloyd in its place on wider data).
fn algorithm_of(i: usize, d: usize) -> Algorithm {
    match i {
        4 if d <= 4 => Algorithm::KdTree,
        4 => Algorithm::Lloyd,
        _ => [
            Algorithm::Lloyd,
            Algorithm::Hamerly,
            Algorithm::Elkan,
            Algorithm::Yinyang,
        ][i],
    }
}

/// k rows of `x` picked by `picks` (indices modulo n), as given centroids.
fn rows_of(x: &Array2<f32>, picks: &[usize]) -> Array2<f32> {
    x.select(
        Axis(0),
        &picks.iter().map(|p| p % x.nrows()).collect::<Vec<_>>(),
    )
}

fn sq_dist(a: ArrayView2<f32>, i: usize, c: ArrayView2<f32>, j: usize) -> f64 {
    a.row(i)
        .iter()
        .zip(c.row(j))
        .map(|(&u, &v)| (u as f64 - v as f64).powi(2))
        .sum()
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

fn max_abs_diff(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f32::max)
}

/// Seeds `a` and `b` drawn by the same k-means++ from the same rows `x`
/// part first at some seed `j`: the potential `Σ w·min_c ‖x − c‖²` over the
/// seeds up to `j` must be the same either way (to 1e-6 relative): a tie
/// between greedy candidates, not a different draw.
fn seeding_parted_on_a_tie(
    x: ArrayView2<f32>,
    weights: Option<&[f32]>,
    a: &Array2<f32>,
    b: &Array2<f32>,
) -> Result<(), TestCaseError> {
    let Some(j) = (0..a.nrows()).find(|&j| a.row(j) != b.row(j)) else {
        return Ok(());
    };
    let potential = |c: &Array2<f32>| -> f64 {
        (0..x.nrows())
            .map(|i| {
                let w = weights.map_or(1.0, |w| w[i] as f64);
                w * (0..=j)
                    .map(|s| sq_dist(x, i, c.view(), s))
                    .fold(f64::INFINITY, f64::min)
            })
            .sum()
    };
    let (pa, pb) = (potential(a), potential(b));
    prop_assert!(
        (pa - pb).abs() <= 1e-6 * pa.max(pb).max(1e-9),
        "seed {j} parted without a tie: potential {pa} vs {pb} ({:?} vs {:?})",
        a.row(j),
        b.row(j)
    );
    Ok(())
}

/// Whether two labelings are the same partition: a bijection maps one to the other.
fn same_partition(a: &[u32], b: &[u32]) -> bool {
    use std::collections::HashMap;
    let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
    a.iter()
        .zip(b)
        .all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

/// Checks that every label of `model` on `x` is a nearest centroid, with a
/// tolerance for the f32 kernel (relative to the squared norms involved).
fn assert_argmin(x: ArrayView2<f32>, model: &Model, labels: &[u32]) -> Result<(), TestCaseError> {
    let c = model.centroids.view();
    let scale = x
        .iter()
        .chain(c.iter())
        .map(|v| v.abs())
        .fold(0.0f32, f32::max) as f64;
    let tol = 1e-5 * (1.0 + scale * scale * x.ncols() as f64);
    for (i, &l) in labels.iter().enumerate() {
        let own = sq_dist(x, i, c, l as usize);
        let best = (0..c.nrows())
            .map(|j| sq_dist(x, i, c, j))
            .fold(f64::INFINITY, f64::min);
        prop_assert!(
            own <= best + tol,
            "row {i}: label {l} at {own}, a centroid is at {best} (tol {tol})"
        );
    }
    Ok(())
}

/// Rows scaled to unit length as the cosine metric does (f64 norm, f32 result).
fn unit_rows(x: &Array2<f32>) -> Array2<f32> {
    let mut x = x.clone();
    for mut row in x.rows_mut() {
        let norm = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|v| (v as f64 / norm) as f32);
        }
    }
    x
}

/// Every row that `la` and `lb` label differently is equidistant from its two
/// centroids up to f32 rounding of the distance kernels (1e-6 relative to the
/// squared norms involved, about 16 f32 ulps): a tie, not a wrong assignment.
fn differences_are_ties(
    x: ArrayView2<f32>,
    c: ArrayView2<f32>,
    la: &[u32],
    lb: &[u32],
) -> Result<(), TestCaseError> {
    let scale = x
        .iter()
        .chain(c.iter())
        .map(|v| v.abs())
        .fold(0.0f32, f32::max) as f64;
    let tol = 1e-6 * (1.0 + scale * scale * x.ncols() as f64);
    for (i, (&a, &b)) in la.iter().zip(lb).enumerate() {
        if a != b {
            let (da, db) = (sq_dist(x, i, c, a as usize), sq_dist(x, i, c, b as usize));
            prop_assert!(
                (da - db).abs() <= tol,
                "row {i}: labels {a} (at {da}) and {b} (at {db}) are not a tie (tol {tol})"
            );
        }
    }
    Ok(())
}

/// Two fits that should follow the same sequence of Lloyd steps from the
/// same starting centroids `init` (`fit_a(t)`, `fit_b(t)`: the fit stopped
/// after `t` iterations, refinement off) but ended differently. Exact
/// distance ties are where they may part: the dense kernel scores
/// `‖c‖²/2 − x·c` on centred f32 coordinates and the CSR kernel on uncentred
/// ones, while the bounded algorithms compare direct `Σ(x−c)²` distances,
/// and each rounds a true tie its own way (the midpoint of two grid values;
/// orthogonal unit vectors under cosine, whose normalised centroids differ in
/// norm by an ulp). Resolving ties exactly would take a second distance pass
/// on every row near a boundary, on the hot path. So: step both until they
/// first part. If their centroids part after step `t`, some row was tied
/// between centroids of step `t − 1`, and every cluster that parted is one of
/// those tied centroids; if only the final labels part, each such row is a tie.
fn first_divergence_is_a_tie(
    x: ArrayView2<f32>,
    init: Array2<f32>,
    fit_a: impl Fn(usize) -> Model,
    fit_b: impl Fn(usize) -> Model,
) -> Result<(), TestCaseError> {
    let mut previous = init;
    for t in 1..=300 {
        let (a, b) = (fit_a(t), fit_b(t));
        if max_abs_diff(&a.centroids, &b.centroids) >= 1e-4 {
            return parted_on_a_tie(x, previous.view(), &a.centroids, &b.centroids, t);
        }
        if a.labels() != b.labels() {
            return differences_are_ties(x, a.centroids.view(), a.labels(), b.labels());
        }
        if a.converged && b.converged {
            break;
        }
        previous = a.centroids.clone();
    }
    prop_assert!(false, "the fits differ, but step by step they never did");
    Ok(())
}

/// After a step from centroids `previous`, the centroids `ca` and `cb` differ:
/// every cluster that differs is tied, for some row, with another centroid.
fn parted_on_a_tie(
    x: ArrayView2<f32>,
    previous: ArrayView2<f32>,
    ca: &Array2<f32>,
    cb: &Array2<f32>,
    t: usize,
) -> Result<(), TestCaseError> {
    let scale = x
        .iter()
        .chain(previous.iter())
        .map(|v| v.abs())
        .fold(0.0f32, f32::max) as f64;
    let tol = 1e-6 * (1.0 + scale * scale * x.ncols() as f64);
    let k = previous.nrows();
    let mut tied = vec![false; k];
    let mut best = vec![0.0f64; x.nrows()];
    let mut first = vec![0usize; x.nrows()];
    for i in 0..x.nrows() {
        let d: Vec<f64> = (0..k).map(|j| sq_dist(x, i, previous, j)).collect();
        best[i] = d.iter().cloned().fold(f64::INFINITY, f64::min);
        let near: Vec<usize> = (0..k).filter(|&j| d[j] <= best[i] + tol).collect();
        first[i] = near[0];
        if near.len() > 1 {
            near.iter().for_each(|&j| tied[j] = true);
        }
    }
    // A cluster left empty takes the farthest row from its cluster. When the
    // farthest rows tie (up to rounding) at the cut, either fit may take
    // either row: the empty clusters and those rows' clusters may part.
    let empty: Vec<usize> = (0..k).filter(|j| !first.contains(j)).collect();
    if !empty.is_empty() {
        let mut far = best.clone();
        far.sort_by(|a, b| b.total_cmp(a));
        let cut = far[(empty.len() - 1).min(far.len() - 1)];
        let candidates: Vec<usize> = (0..x.nrows()).filter(|&i| best[i] >= cut - tol).collect();
        if candidates.len() > empty.len() {
            empty.iter().for_each(|&j| tied[j] = true);
            candidates.iter().for_each(|&i| tied[first[i]] = true);
        }
    }
    for (j, &tied_j) in tied.iter().enumerate() {
        let moved = ca
            .row(j)
            .iter()
            .zip(cb.row(j))
            .any(|(u, v)| (u - v).abs() >= 1e-4);
        prop_assert!(
            !moved || tied_j,
            "step {t}: cluster {j} parted ({:?} vs {:?}) without a tie",
            ca.row(j),
            cb.row(j)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    /// Inertia after t Lloyd iterations, t = 1, 2, …, never increases (up to
    /// f32 rounding of the centroids), whatever the starting centroids,
    /// weights, and empty-cluster relocations along the way.
    #[test]
    fn lloyd_inertia_never_increases(c in case(), picks in prop::collection::vec(any::<usize>(), 6)) {
        let init = rows_of(&c.x, &picks[..c.k]);
        let params = KMeans::params(c.k)
            .init(Init::Given(init))
            .algorithm(Algorithm::Lloyd)
            .refine(false)
            .tol(0.0)
            .threads(1);
        let mut previous = f64::INFINITY;
        for t in 1..=8 {
            let m = params.clone().max_iter(t).fit(c.input()).unwrap();
            prop_assert!(
                m.inertia <= previous * (1.0 + 1e-6) + 1e-9,
                "iteration {t}: inertia {} after {previous}", m.inertia
            );
            previous = m.inertia;
            if m.converged {
                break;
            }
        }
    }

    /// Every fit label is a nearest final centroid, and `predict` returns the
    /// fit labels, for every algorithm, with and without Hartigan refinement.
    #[test]
    fn every_label_is_the_argmin(c in case(), algorithm in 0usize..5, refine in any::<bool>()) {
        let algorithm = algorithm_of(algorithm, c.x.ncols());
        let model = KMeans::params(c.k)
            .seed(c.seed)
            .n_init(2)
            .algorithm(algorithm)
            .refine(refine)
            .threads(1)
            .fit(c.input())
            .unwrap();
        assert_argmin(c.x.view(), &model, model.labels())?;
        prop_assert_eq!(model.predict(c.x.view()).unwrap(), model.labels());
    }

    /// From the same given centroids, shuffling the rows (and their weights)
    /// gives bit-identical centroids and the shuffled labels: the same
    /// partition, here even with the same cluster numbers.
    #[test]
    fn row_order_does_not_matter(
        c in case(),
        picks in prop::collection::vec(any::<usize>(), 6),
        order in prop::collection::vec(any::<u64>(), 160),
        algorithm in 0usize..5,
    ) {
        let algorithm = algorithm_of(algorithm, c.x.ncols());
        let n = c.x.nrows();
        // A permutation of the rows: sort by random keys.
        let mut perm: Vec<usize> = (0..n).collect();
        perm.sort_by_key(|&i| (order[i], i));
        let shuffled = Case {
            x: c.x.select(Axis(0), &perm),
            weights: c.weights.as_ref().map(|w| perm.iter().map(|&i| w[i]).collect()),
            ..c.clone()
        };
        let params = KMeans::params(c.k)
            .init(Init::Given(rows_of(&c.x, &picks[..c.k])))
            .algorithm(algorithm)
            .refine(false)
            .threads(1);
        let a = params.fit(c.input()).unwrap();
        let b = params.fit(shuffled.input()).unwrap();
        let a_perm: Vec<u32> = perm.iter().map(|&i| a.labels()[i]).collect();
        prop_assert!(same_partition(&a_perm, b.labels()), "partitions differ");
        prop_assert_eq!(&a_perm[..], b.labels());
        prop_assert_eq!(bits(&a.centroids), bits(&b.centroids));
        prop_assert!((a.inertia - b.inertia).abs() <= 1e-12 * a.inertia.max(1.0));
        prop_assert_eq!(a.n_iter, b.n_iter);
    }

    /// Same seed on 1, 2 and 3 threads: bit-identical labels, centroids and
    /// inertia, for every algorithm and seeding, refinement on.
    #[test]
    fn thread_count_does_not_matter(c in case(), algorithm in 0usize..5, init in 0usize..3) {
        let algorithm = algorithm_of(algorithm, c.x.ncols());
        let init = [Init::KMeansPlusPlus, Init::kmeans_parallel(), Init::Random][init].clone();
        let params = KMeans::params(c.k).seed(c.seed).n_init(2).init(init).algorithm(algorithm);
        let one = params.clone().threads(1).fit(c.input()).unwrap();
        for threads in [2, 3] {
            let many = params.clone().threads(threads).fit(c.input()).unwrap();
            prop_assert_eq!(one.labels(), many.labels(), "{} threads", threads);
            prop_assert_eq!(bits(&one.centroids), bits(&many.centroids), "{} threads", threads);
            prop_assert_eq!(one.inertia.to_bits(), many.inertia.to_bits(), "{} threads", threads);
        }
    }

    /// Dense and CSR input give the same clustering, from given centroids
    /// and from the same k-means++ seed, Euclidean and cosine.
    #[test]
    fn dense_equals_sparse(
        c in case(),
        picks in prop::collection::vec(any::<usize>(), 6),
        cosine in any::<bool>(),
    ) {
        let metric = if cosine { Metric::Cosine } else { Metric::Euclidean };
        // Cosine has no direction for an all-zero row: give those a 1.
        let mut x = c.x.clone();
        if cosine {
            for mut row in x.rows_mut() {
                if row.iter().all(|&v| v == 0.0) {
                    row[0] = 1.0;
                }
            }
        }
        let c = Case { x, ..c };
        let sparse = Csr::from_dense(c.x.view()).unwrap();
        let sparse_input = match &c.weights {
            Some(w) => Input::from(&sparse).weighted(w),
            None => Input::from(&sparse),
        };
        let given = KMeans::params(c.k).init(Init::Given(rows_of(&c.x, &picks[..c.k])));
        let seeded = KMeans::params(c.k).seed(c.seed);
        let rows = if cosine { unit_rows(&c.x) } else { c.x.clone() };
        for params in [given, seeded] {
            let mut params = params.metric(metric).threads(1);
            let init_d = kmkit_core::init_centroids(c.input(), &params).unwrap();
            let init_s = kmkit_core::init_centroids(sparse_input, &params).unwrap();
            if bits(&init_d) != bits(&init_s) {
                // Greedy k-means++ keeps the candidate that lowers the
                // potential most; when two tie up to the kernels' rounding,
                // dense and CSR may keep different ones. Where the seeds first
                // part, both choices must give the same potential; the fits
                // are then compared from the CSR seeds.
                seeding_parted_on_a_tie(rows.view(), c.weights.as_deref(), &init_d, &init_s)?;
                params = params.init(Init::Given(init_s));
            }
            let d = params.fit(c.input()).unwrap();
            let s = params.fit(sparse_input).unwrap();
            let diff = max_abs_diff(&d.centroids, &s.centroids);
            // Equal labels with parted centroids: see the bounded property.
            if d.labels() != s.labels() || diff >= 1e-4 {
                // Only a distance tie may part them (see first_divergence_is_a_tie).
                // Stepped without refinement: a step must be one Lloyd step
                // for the tie check to judge it (as in the bounded property).
                let init = kmkit_core::init_centroids(c.input(), &params).unwrap();
                let step = params.clone().refine(false);
                first_divergence_is_a_tie(
                    rows.view(),
                    init,
                    |t| step.clone().max_iter(t).fit(c.input()).unwrap(),
                    |t| step.clone().max_iter(t).fit(sparse_input).unwrap(),
                )?;
                continue;
            }
            prop_assert!(diff < 1e-4, "centroid difference {}", diff);
            prop_assert!((d.inertia - s.inertia).abs() <= 1e-5 * d.inertia.max(1e-6), "{} vs {}", d.inertia, s.inertia);
        }
    }

    /// Hamerly, Elkan, Yinyang and (at d <= 4) the kd-tree filter reach
    /// Lloyd's fixed point from the same seed: same labels, centroids equal
    /// to rounding, same inertia.
    #[test]
    fn bounded_algorithms_equal_lloyd(c in case(), refine in any::<bool>(), k_extra in 0usize..10) {
        // Bounds matter with more clusters: let k go up to 15 here.
        let k = (c.k + k_extra).min(c.x.nrows());
        // One run: a tie may part the algorithms, and stepping through the
        // run (below) must follow the run that was kept.
        let params = KMeans::params(k).seed(c.seed).tol(0.0).threads(1);
        let lloyd = params.clone().refine(refine).algorithm(Algorithm::Lloyd).fit(c.input()).unwrap();
        let kd = (c.x.ncols() <= 4).then_some(Algorithm::KdTree);
        for algorithm in [Algorithm::Hamerly, Algorithm::Elkan, Algorithm::Yinyang].into_iter().chain(kd) {
            let other = params.clone().refine(refine).algorithm(algorithm).fit(c.input()).unwrap();
            let diff = max_abs_diff(&lloyd.centroids, &other.centroids);
            // Labels may agree while centroids do not: on an exact tie a
            // bounded algorithm keeps a row's old cluster while Lloyd moves
            // it, and both final labelings come from the exact assignment.
            if lloyd.labels() != other.labels() || diff >= 1e-5 {
                // Only a distance tie may part them (see first_divergence_is_a_tie).
                let input = c.input();
                let step = |a: Algorithm| {
                    let p = params.clone().refine(false).algorithm(a);
                    move |t| p.clone().max_iter(t).fit(input).unwrap()
                };
                let init = kmkit_core::init_centroids(input, &params).unwrap();
                first_divergence_is_a_tie(c.x.view(), init, step(Algorithm::Lloyd), step(algorithm))?;
                continue;
            }
            prop_assert!(diff < 1e-5, "{:?}: centroid difference {}", algorithm, diff);
            prop_assert!(
                (lloyd.inertia - other.inertia).abs() <= 1e-6 * lloyd.inertia.max(1e-6),
                "{:?}: inertia {} vs {}", algorithm, other.inertia, lloyd.inertia
            );
        }
    }
}

/// Arbitrary (not grid) rows, weights, centroids and cut points for the
/// `PartialStats` property.
/// Rows, weights, centroids, cut points and a shuffle for the merge property.
type StatsCase = (Array2<f32>, Vec<f32>, Array2<f32>, Vec<usize>, Vec<u64>);

fn stats_case() -> impl Strategy<Value = StatsCase> {
    (2usize..200, 1usize..8, 1usize..6).prop_flat_map(|(n, d, k)| {
        (
            prop::collection::vec(-1e3f32..1e3, n * d),
            prop::collection::vec(0.0f32..10.0, n),
            prop::collection::vec(-1e3f32..1e3, k * d),
            prop::collection::vec(0..n, 0..6),
            prop::collection::vec(any::<u64>(), 7),
        )
            .prop_map(move |(x, w, c, cuts, order)| {
                (
                    Array2::from_shape_vec((n, d), x).unwrap(),
                    w,
                    Array2::from_shape_vec((k, d), c).unwrap(),
                    cuts,
                    order,
                )
            })
    })
}

fn assert_close(a: &PartialStats, b: &PartialStats) -> Result<(), TestCaseError> {
    let close = |u: f64, v: f64| (u - v).abs() <= 1e-9 * u.abs().max(v.abs()).max(1.0);
    prop_assert_eq!((a.k, a.d), (b.k, b.d));
    for (u, v) in a.sums.iter().zip(&b.sums) {
        prop_assert!(close(*u, *v), "sums {} vs {}", u, v);
    }
    for (u, v) in a.weights.iter().zip(&b.weights) {
        prop_assert!(close(*u, *v), "weights {} vs {}", u, v);
    }
    prop_assert!(
        close(a.inertia, b.inertia),
        "inertia {} vs {}",
        a.inertia,
        b.inertia
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    /// The statistics of row slices, merged in any order (forward, shuffled,
    /// as a tree), equal the statistics of all rows to 1e-9 relative.
    #[test]
    fn partial_stats_merge_is_order_independent((x, w, c, mut cuts, order) in stats_case()) {
        let n = x.nrows();
        cuts.extend([0, n]);
        cuts.sort_unstable();
        cuts.dedup();
        let parts: Vec<PartialStats> = cuts
            .windows(2)
            .map(|r| {
                let rows = x.slice(ndarray::s![r[0]..r[1], ..]);
                partial_stats(Input::from(rows).weighted(&w[r[0]..r[1]]), c.view()).unwrap()
            })
            .collect();
        let whole = partial_stats(Input::from(x.view()).weighted(&w), c.view()).unwrap();
        let (k, d) = c.dim();

        let mut forward = PartialStats::zeros(k, d);
        parts.iter().for_each(|p| forward.merge(p).unwrap());
        assert_close(&forward, &whole)?;

        let mut idx: Vec<usize> = (0..parts.len()).collect();
        idx.sort_by_key(|&i| (order[i % order.len()], i));
        let mut shuffled = PartialStats::zeros(k, d);
        idx.iter().for_each(|&i| shuffled.merge(&parts[i]).unwrap());
        assert_close(&shuffled, &forward)?;

        // Pairwise tree, right to left.
        let mut level: Vec<PartialStats> = parts.iter().rev().cloned().collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| {
                    let mut s = p[0].clone();
                    if let Some(q) = p.get(1) {
                        s.merge(q).unwrap();
                    }
                    s
                })
                .collect();
        }
        assert_close(&level[0], &forward)?;

        // A merge of mismatched shapes is an error, not a panic or a silent mix.
        prop_assert!(forward.clone().merge(&PartialStats::zeros(k + 1, d)).is_err());
    }
}
