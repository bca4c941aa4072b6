//! Every SIMD kernel set this CPU can run, against the scalar reference, on
//! lengths around the lane widths (8 and 16) and row counts around the tiles.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{available, scalar, BoundStep, Kernels, Packed, LANES};

/// Dimensions around the lane widths; 0 must work too (every score is 0).
const DIMS: [usize; 17] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100];
/// Centroid counts around the panel width.
const KS: [usize; 8] = [1, 2, 15, 16, 17, 33, 64, 257];
/// Row counts around the tile heights (6 and 8) and the block size.
const NS: [usize; 6] = [1, 3, 5, 8, 13, 257];
/// Relative tolerance on scores, of the magnitude of the terms summed.
const REL_TOL: f64 = 1e-5;

fn simd_sets() -> Vec<&'static Kernels> {
    available()
        .into_iter()
        .filter(|k| k.name != "scalar")
        .collect()
}

fn uniform(rng: &mut ChaCha8Rng, len: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

/// One `assign` problem: rows, centroids and the optional shift.
struct Problem {
    n: usize,
    d: usize,
    rows: Vec<f32>,
    centroids: Array2<f32>,
    shift: Option<Vec<f32>>,
}

impl Problem {
    /// Data off the origin (as real features are), centroids among it.
    fn random(n: usize, d: usize, k: usize, shift: bool, seed: u64) -> Problem {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rows = uniform(&mut rng, n * d, 2.0, 4.0);
        let centroids = Array2::from_shape_vec((k, d), uniform(&mut rng, k * d, 2.0, 4.0)).unwrap();
        let shift = shift.then(|| uniform(&mut rng, d, 2.5, 3.5));
        Problem {
            n,
            d,
            rows,
            centroids,
            shift,
        }
    }

    fn packed(&self) -> Packed {
        Packed::new(self.centroids.view(), self.shift.as_deref())
    }

    /// Row `i` after the shift, as the kernels see it.
    fn row(&self, i: usize) -> Vec<f32> {
        let row = &self.rows[i * self.d..(i + 1) * self.d];
        match &self.shift {
            Some(s) => row.iter().zip(s).map(|(v, m)| v - m).collect(),
            None => row.to_vec(),
        }
    }

    fn run(&self, kern: &Kernels, packed: &Packed) -> (Vec<u32>, Vec<f32>) {
        let (mut labels, mut scores) = (vec![u32::MAX; self.n], vec![f32::NAN; self.n]);
        // Junk in the scratch buffer must not matter.
        let mut scratch = vec![f32::NAN; 3];
        (kern.assign)(
            &self.rows,
            self.shift.as_deref(),
            packed,
            &mut labels,
            &mut scores,
            &mut scratch,
        );
        (labels, scores)
    }
}

/// Score of centroid `c` for row `x` in f64, and the magnitude of its terms.
fn exact_score(x: &[f32], packed: &Packed, c: usize) -> (f64, f64) {
    let (d, p, l) = (packed.d, c / LANES, c % LANES);
    let half = packed.half_norms[c] as f64;
    let (mut score, mut magnitude) = (half, half.abs());
    for (j, &v) in x.iter().enumerate() {
        let term = v as f64 * packed.panels[(p * d + j) * LANES + l] as f64;
        score -= term;
        magnitude += term.abs();
    }
    (score, magnitude)
}

/// `kern` agrees with the scalar reference on `problem`: the same label unless
/// the two candidates' scores are within tolerance, and scores within it.
fn check_assign(kern: &Kernels, problem: &Problem) {
    let packed = problem.packed();
    let (want_labels, want_scores) = problem.run(&scalar::KERNELS, &packed);
    let (got_labels, got_scores) = problem.run(kern, &packed);
    let what = format!(
        "{} n={} d={} k={} shift={}",
        kern.name,
        problem.n,
        problem.d,
        packed.k,
        problem.shift.is_some()
    );
    for i in 0..problem.n {
        let x = problem.row(i);
        let (want, want_mag) = exact_score(&x, &packed, want_labels[i] as usize);
        let (got, got_mag) = exact_score(&x, &packed, got_labels[i] as usize);
        let tol = REL_TOL * want_mag.max(got_mag);
        assert!(
            (want - got).abs() <= tol,
            "{what} row {i}: label {} (score {got}) instead of {} (score {want})",
            got_labels[i],
            want_labels[i]
        );
        let (want_s, got_s) = (want_scores[i] as f64, got_scores[i] as f64);
        assert!(
            (want_s - got_s).abs() <= tol,
            "{what} row {i}: score {got_s} instead of {want_s}"
        );
    }
}

#[test]
fn assign_matches_scalar() {
    for kern in simd_sets() {
        let mut seed = 0;
        for &d in &DIMS {
            for &k in &KS {
                for &n in &NS {
                    for shift in [false, true] {
                        seed += 1;
                        check_assign(kern, &Problem::random(n, d, k, shift, seed));
                    }
                }
            }
        }
    }
}

#[test]
fn assign_without_centroids_gives_label_0() {
    for kern in available() {
        let problem = Problem::random(5, 3, 0, false, 1);
        let (labels, scores) = problem.run(kern, &problem.packed());
        assert_eq!(labels, [0; 5], "{}", kern.name);
        assert!(scores.iter().all(|&s| s == f32::INFINITY), "{}", kern.name);
    }
}

/// Rows placed exactly on centroid `dups[0]`, which is duplicated at every
/// index of `dups`: every kernel set must pick the lowest of them. Small
/// integer coordinates keep all arithmetic exact, so the tie is exact.
fn check_tie(kern: &Kernels, d: usize, k: usize, dups: &[usize], shift: bool) {
    let mut rng = ChaCha8Rng::seed_from_u64((d * 1000 + k) as u64);
    let mut int = |len| {
        (0..len)
            .map(|_| rng.random_range(-20i32..=20) as f32)
            .collect::<Vec<_>>()
    };
    let mut centroids = Array2::from_shape_vec((k, d), int(k * d)).unwrap();
    let shift = shift.then(|| int(d));
    let original = centroids.row(dups[0]).to_owned();
    for &c in dups {
        centroids.row_mut(c).assign(&original);
    }
    // A random centroid may equal the original by chance; it counts too.
    let lowest = centroids
        .rows()
        .into_iter()
        .position(|c| c == original)
        .unwrap();
    let n = 11;
    let rows: Vec<f32> = (0..n).flat_map(|_| original.iter().copied()).collect();
    let problem = Problem {
        n,
        d,
        rows,
        centroids,
        shift,
    };
    let (labels, _) = problem.run(kern, &problem.packed());
    assert_eq!(
        labels,
        vec![lowest as u32; n],
        "{} d={d} k={k} dups={dups:?} shift={}",
        kern.name,
        problem.shift.is_some()
    );
}

#[test]
fn ties_go_to_the_lowest_index() {
    let dup_sets: [&[usize]; 9] = [
        &[1, 0],       // same panel, neighbouring lanes
        &[10, 2],      // same AVX2 lane, other half of the panel
        &[19, 3],      // same lane, next panel
        &[17, 9],      // AVX2 high half of panel 0 vs low half of panel 1
        &[40, 5],      // several panels apart, different lanes
        &[48, 47],     // across a panel boundary
        &[38, 22, 6],  // three panels, same lane
        &[63, 62, 61], // last panel
        &[15, 16, 31], // both edges of panel 1
    ];
    for kern in available() {
        for d in [2, 3, 16, 17] {
            for dups in dup_sets {
                for shift in [false, true] {
                    check_tie(kern, d, 64, dups, shift);
                }
            }
        }
    }
}

/// Few centroids: the low-d tiles split them into contiguous runs, one
/// running argmin each; a tie across two runs must still go to the lower.
#[test]
fn ties_across_few_centroids_go_to_the_lowest_index() {
    for kern in available() {
        for d in [1, 3, 8] {
            for k in 2..=9 {
                for dups in [[k - 1, 0], [k - 1, k / 2], [k / 2, k / 2 - 1]] {
                    if dups[0] != dups[1] {
                        check_tie(kern, d, k, &dups, d == 3);
                    }
                }
            }
        }
    }
}

#[test]
fn identical_centroids_give_label_0() {
    for kern in available() {
        for k in [1, 2, 3, 4, 5, 6, 9, 16, 17, 33] {
            check_tie(kern, 7, k, &(0..k).rev().collect::<Vec<_>>(), true);
        }
    }
}

fn check_sq_dist(kern: &Kernels, len: usize, rng: &mut ChaCha8Rng) {
    let (a, b) = (uniform(rng, len, -3.0, 3.0), uniform(rng, len, -3.0, 3.0));
    let (want, got) = ((scalar::KERNELS.sq_dist)(&a, &b), (kern.sq_dist)(&a, &b));
    assert!(
        (want - got).abs() <= REL_TOL as f32 * want,
        "{} len={len}: {got} instead of {want}",
        kern.name
    );
}

/// One row against `k` centroids stored column by column, for d = 1..=9:
/// bit-identical to the scalar reference (same operations, same order), and
/// the minima over every centroid but `skip` those of a plain scan.
fn check_sq_dists_cols(kern: &Kernels, k: usize, rng: &mut ChaCha8Rng) {
    let k = k.div_ceil(LANES) * LANES;
    for d in 1..=9 {
        let x = uniform(rng, d, -3.0, 3.0);
        let cols = uniform(rng, d * k, -3.0, 3.0);
        let unit = uniform(rng, k, 0.5, 1.0);
        let skip = rng.random_range(0..k.max(1));
        let mut want = vec![0.0f32; k];
        let want_min = (scalar::KERNELS.sq_dists_cols)(&x, &cols, &unit, skip, &mut want);
        let mut got = vec![f32::NAN; k + 1];
        let got_min = (kern.sq_dists_cols)(&x, &cols, &unit, skip, &mut got[..k]);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got[..k]), bits(&want), "{} k={k} d={d}", kern.name);
        assert!(got[k].is_nan(), "{} k={k}: wrote past the end", kern.name);
        let others = (0..k).filter(|&c| c != skip);
        let plain = (
            others
                .clone()
                .map(|c| want[c])
                .fold(f32::INFINITY, f32::min),
            others
                .map(|c| unit[c] * want[c])
                .fold(f32::INFINITY, f32::min),
        );
        assert_eq!(want_min, plain, "scalar k={k} d={d}");
        assert_eq!(got_min, plain, "{} k={k} d={d}", kern.name);
    }
}

/// A sparse row of `nnz` terms (repeated columns allowed) scored against
/// `d` transposed columns of `k` centroids: bit-identical to the scalar
/// reference, since each lane runs the same FMAs in the same order.
fn check_sparse_scores(kern: &Kernels, k: usize, nnz: usize, rng: &mut ChaCha8Rng) {
    let d = 9;
    let cols = uniform(rng, d * k, -3.0, 3.0);
    let idx: Vec<u32> = (0..nnz).map(|_| rng.random_range(0..d as u32)).collect();
    let val = uniform(rng, nnz, -2.0, 2.0);
    let start = uniform(rng, k, 0.0, 3.0);
    let mut want = start.clone();
    let want_best = (scalar::KERNELS.sparse_scores)(&idx, &val, &cols, &mut want);
    // A sentinel after the slice catches a tail that writes past its end.
    let mut got = start.clone();
    got.push(f32::NAN);
    let got_best = (kern.sparse_scores)(&idx, &val, &cols, &mut got[..k]);
    assert_eq!(got_best, want_best, "{} k={k} nnz={nnz}: argmin", kern.name);
    assert!(
        got.pop().unwrap().is_nan(),
        "{} k={k}: wrote past the end",
        kern.name
    );
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&want), "{} k={k} nnz={nnz}", kern.name);
}

/// Bit for bit: a cluster's sums must not depend on the instruction set.
fn check_axpy_f64(kern: &Kernels, len: usize, rng: &mut ChaCha8Rng) {
    let (w, x) = (rng.random_range(0.1..5.0), uniform(rng, len, -3.0, 3.0));
    let y: Vec<f64> = uniform(rng, len, -1e3, 1e3)
        .iter()
        .map(|&v| f64::from(v) / 7.0)
        .collect();
    let mut want = y.clone();
    (scalar::KERNELS.axpy_f64)(w, &x, &mut want);
    let mut got = y.clone();
    got.push(f64::NAN);
    (kern.axpy_f64)(w, &x, &mut got[..len]);
    assert!(
        got.pop().unwrap().is_nan(),
        "{} len={len}: wrote past the end",
        kern.name
    );
    assert_eq!(
        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "{} len={len}",
        kern.name
    );
}

#[test]
fn sq_dist_and_sparse_scores_match_scalar() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for kern in simd_sets() {
        for len in 0..=70 {
            check_sq_dist(kern, len, &mut rng);
            check_axpy_f64(kern, len, &mut rng);
            check_sq_dists_cols(kern, len, &mut rng);
            for nnz in [0, 1, 5] {
                check_sparse_scores(kern, len, nnz, &mut rng);
            }
        }
        // Ties: with no term every score is its start; equal starts must
        // give the lowest index, wherever the chunk boundaries fall.
        for k in [1, 7, 8, 9, 16, 17, 33] {
            for first in [0, k / 2, k - 1] {
                let mut acc = vec![2.0f32; k];
                acc[first..].fill(1.0);
                let best = (kern.sparse_scores)(&[], &[], &[], &mut acc);
                assert_eq!(best, first, "{} k={k}: tie", kern.name);
            }
        }
    }
}

/// Every path computes each score with the same FMAs in the same order as
/// the scalar reference, so labels and scores are bit-identical (this covers
/// the panel kernel and the transposed low-dimension one alike).
#[test]
fn assign_is_bit_identical_to_scalar() {
    for kern in simd_sets() {
        for d in DIMS {
            for (n, k) in [(1, 1), (13, 4), (40, 17), (257, 64)] {
                let problem = Problem::random(n, d, k, d % 2 == 0, (n * 31 + d) as u64);
                let packed = problem.packed();
                let (want_l, want_s) = problem.run(&scalar::KERNELS, &packed);
                let (got_l, got_s) = problem.run(kern, &packed);
                assert_eq!(got_l, want_l, "{} d={d} n={n} k={k}", kern.name);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got_s),
                    bits(&want_s),
                    "{} d={d} n={n} k={k}",
                    kern.name
                );
            }
        }
    }
}

/// `sq_dists` must equal `sq_dist` bit for bit in every kernel set: seeding
/// mixes the two and compares their results.
#[test]
fn sq_dists_equal_sq_dist_bitwise() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for kern in available() {
        for d in DIMS {
            let x = uniform(&mut rng, d, -3.0, 3.0);
            let cands = uniform(&mut rng, 9 * d, -3.0, 3.0);
            let which = [8u32, 0, 3, 3, 7];
            let mut out = [f32::NAN; 5];
            (kern.sq_dists)(&x, &cands, &which, &mut out);
            for (&c, &got) in which.iter().zip(&out) {
                let want = (kern.sq_dist)(&x, &cands[c as usize * d..][..d]);
                assert_eq!(got.to_bits(), want.to_bits(), "{} d={d} row {c}", kern.name);
            }
        }
    }
}

/// `sq_dist_rows` must equal `sq_dist` bit for bit (inertia is summed from it).
#[test]
fn sq_dist_rows_equal_sq_dist_bitwise() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for kern in available() {
        for d in DIMS {
            // 37 rows: whole runs of 16 and of 8 (the low-d paths) and a tail.
            let rows = uniform(&mut rng, 37 * d, -3.0, 3.0);
            let cands = uniform(&mut rng, 5 * d, -3.0, 3.0);
            // Mixed labels, and one label for all (a scan against one centre).
            let mixed: Vec<u32> = (0..37).map(|r| (r * 3 % 5) as u32).collect();
            for labels in [mixed, vec![3; 37]] {
                let mut out = [f32::NAN; 37];
                (kern.sq_dist_rows)(d, &rows, &cands, &labels, &mut out);
                for (r, (&c, &got)) in labels.iter().zip(&out).enumerate() {
                    let want = (kern.sq_dist)(&rows[r * d..][..d], &cands[c as usize * d..][..d]);
                    assert_eq!(got.to_bits(), want.to_bits(), "{} d={d} row {r}", kern.name);
                }
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Shapes off the edge table, including the tile and panel remainders.
    #[test]
    fn assign_matches_scalar_on_any_shape(n in 1usize..40, d in 0usize..40, k in 1usize..70, shift: bool, seed: u64) {
        for kern in simd_sets() {
            check_assign(kern, &Problem::random(n, d, k, shift, seed));
        }
    }
}

#[test]
fn unknown_or_unsupported_kernel_names_are_typed_errors() {
    use crate::KMeansError;
    assert!(matches!(
        super::by_name("avx9000"),
        Err(KMeansError::Simd(..))
    ));
    assert!(matches!(super::by_name(""), Err(KMeansError::Simd(..))));
    assert_eq!(super::by_name("scalar").unwrap().name, "scalar");
    #[cfg(not(target_arch = "x86_64"))]
    assert!(matches!(super::by_name("avx2"), Err(KMeansError::Simd(..))));
}

/// Every path lists each cluster's rows in row order: the same as a stable
/// sort by label, for k on both sides of the AVX-512 one- and two-level
/// bounds (8, 64) and of the scalar packed-counter bound (4), skewed and uniform labels, lengths
/// around the lane width.
#[test]
fn sort_by_label_is_a_stable_sort() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut sets = available();
    sets.push(&scalar::KERNELS);
    for kern in sets {
        for k in [1, 2, 3, 4, 5, 8, 9, 16, 17, 63, 64, 65] {
            for n in [0, 1, 15, 16, 17, 100, 256, 1024] {
                for skew in [false, true] {
                    let labels: Vec<u32> = (0..n)
                        .map(|_| {
                            let c = rng.random_range(0..k as u32);
                            // Skewed: most rows in cluster 0, as on real data.
                            if skew && rng.random_range(0..4) > 0 {
                                0
                            } else {
                                c
                            }
                        })
                        .collect();
                    let mut want: Vec<u32> = (0..n as u32).collect();
                    want.sort_by_key(|&r| labels[r as usize]);
                    let mut order = vec![u32::MAX; n + LANES];
                    let mut start = vec![usize::MAX; k + 1];
                    (kern.sort_by_label)(&labels, k, &mut order, &mut start);
                    assert_eq!(&order[..n], &want[..], "{} k={k} n={n}", kern.name);
                    for c in 0..k {
                        let count = labels.iter().filter(|&&l| l == c as u32).count();
                        assert_eq!(start[c + 1] - start[c], count, "{} k={k} c={c}", kern.name);
                    }
                    assert_eq!((start[0], start[k]), (0, n), "{} k={k} n={n}", kern.name);
                }
            }
        }
    }
}

/// Every path advances the bounds to the same bits and lists the same open
/// rows as the scalar loop: unknown bounds (upper +∞, lower 0), clusters
/// that cannot be left (factor 0), weighted and unweighted rows, lengths
/// around the vector width.
#[test]
fn advance_bounds_matches_scalar() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for kern in simd_sets() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 100, 257] {
            // Up to 64 clusters the AVX-512 path permutes (one, two or four
            // pairs of registers), above it gathers.
            for k in [1, 3, 9, 16, 17, 32, 33, 64, 65] {
                for unweighted in [true, false] {
                    let labels: Vec<u32> = (0..n).map(|_| rng.random_range(0..k as u32)).collect();
                    let bounds: Vec<[f64; 2]> = (0..n)
                        .map(|_| match rng.random_range(0..5) {
                            0 => [f64::INFINITY, 0.0],
                            _ => [rng.random_range(0.0..2.0), rng.random_range(0.0..2.5)],
                        })
                        .collect();
                    let shift: Vec<f64> = (0..k).map(|_| rng.random_range(0.0..0.1)).collect();
                    let max = shift.iter().copied().fold(0.0, f64::max);
                    let leave: Vec<f64> = (0..k)
                        .map(|c| {
                            if c == 1 {
                                0.0
                            } else {
                                rng.random_range(1.0..1.5)
                            }
                        })
                        .collect();
                    let join = rng.random_range(0.5..1.0);
                    let run = |f: super::AdvanceBoundsFn| {
                        let mut b = bounds.clone();
                        let mut open = vec![u32::MAX; n + LANES];
                        let step = BoundStep {
                            shift: &shift,
                            max,
                            leave: &leave,
                            join,
                            unweighted,
                        };
                        let m = f(&labels, &mut b, &step, &mut open);
                        open.truncate(m);
                        (
                            b.iter().map(|p| p.map(f64::to_bits)).collect::<Vec<_>>(),
                            open,
                        )
                    };
                    let (want, got) = (run(scalar::advance_bounds), run(kern.advance_bounds));
                    assert_eq!(
                        got, want,
                        "{} n={n} k={k} unweighted={unweighted}",
                        kern.name
                    );
                    if !unweighted {
                        assert_eq!(want.1.len(), n, "weighted rows are all open");
                    }
                }
            }
        }
    }
}

/// A label past the tables is refused on every path (a panic, never a
/// read out of place), whether the vector path permutes or gathers.
#[test]
fn advance_bounds_refuses_a_label_past_the_tables() {
    let mut sets = available();
    sets.push(&scalar::KERNELS);
    for kern in sets {
        for k in [4, 100] {
            let mut labels = vec![0u32; 20];
            labels[3] = k as u32;
            let mut bounds = vec![[1.0, 0.5]; 20];
            let mut open = vec![0u32; 20 + LANES];
            let (shift, leave) = (vec![0.0; k], vec![1.0; k]);
            let caught = std::panic::catch_unwind(move || {
                let step = BoundStep {
                    shift: &shift,
                    max: 0.0,
                    leave: &leave,
                    join: 1.0,
                    unweighted: true,
                };
                (kern.advance_bounds)(&labels, &mut bounds, &step, &mut open)
            });
            assert!(caught.is_err(), "{} k={k}", kern.name);
        }
    }
}
