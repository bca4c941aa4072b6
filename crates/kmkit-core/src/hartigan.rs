//! Hartigan refinement: single-row moves from a Lloyd fixed point while they
//! lower the inertia.

use std::ops::Range;

use ndarray::Array2;
use rayon::prelude::*;

use crate::kernels::LANES;
use crate::points::Points;

/// Hartigan-style single-row moves from a Lloyd fixed point: a row moves to
/// another cluster whenever that lowers the total inertia once both centroids
/// shift (`W·w/(W−w)·d²` saved on leaving, `W·w/(W+w)·d²` paid on joining).
/// Every Hartigan-stable partition is Lloyd-stable (Telgarsky & Vattani
/// 2010), so a Lloyd pass afterwards lands on a fixed point at least as good.
///
/// Each sweep scans all rows in parallel against the sweep's centroids for
/// candidate moves, then re-checks and applies them one by one in row order
/// against the live centroids: deterministic for any thread count.
pub(crate) fn hartigan(
    points: &(impl Points + ?Sized),
    centroids: &mut Array2<f32>,
    labels: &mut [u32],
    max_sweeps: usize,
) -> usize {
    sweeps(points, centroids, labels, max_sweeps, true)
}

/// [`hartigan`], with the [`NearTie`] scan allowed or not (the tests check
/// that it changes no move).
fn sweeps(
    points: &(impl Points + ?Sized),
    centroids: &mut Array2<f32>,
    labels: &mut [u32],
    max_sweeps: usize,
    near_ties: bool,
) -> usize {
    let (k, d) = centroids.dim();
    let n = points.n();
    let mut sums = vec![0.0f64; k * d];
    let mut weights = vec![0.0f64; k];
    // Row by row in row order, as `add_to` adds them (one kernel call per
    // row cost 3 % of the CDNOW pipeline).
    points.accumulate(0..n, &labels[..n], &mut sums, &mut weights);
    let mut live = Clusters::new(centroids.as_standard_layout().into_owned(), weights);
    let mut row = vec![0.0f64; d];
    // Every centroid, for best_move's one-call distance scans.
    let all: Vec<u32> = (0..k as u32).collect();
    let mut dists = vec![0f32; k];
    let mut total_moves = 0;
    // Per-row bounds for the `NearTie` path, kept across sweeps.
    let mut bounds = Vec::new();
    let mut previous: Option<Clusters> = None;
    let ranges = crate::points::groups(n);
    let size = ranges.first().map_or(1, |r| r.len());
    for _ in 0..max_sweeps {
        let snapshot = live.clone();
        let near = near_ties
            .then(|| NearTie::new(points, &snapshot, previous.as_ref()))
            .flatten();
        // The plain scan's test; the near-tie scan has its own bounds.
        let bound = near.is_none().then(|| MoveBound::new(&snapshot));
        if near.is_some() && bounds.is_empty() {
            bounds = vec![RowBound::UNKNOWN; n];
        }
        let cands = snapshot
            .centroids
            .as_slice()
            .expect("centroids are contiguous");
        let labels_now: &[u32] = labels;
        let scan = |(range, rb): (Range<usize>, &mut [RowBound])| -> Vec<usize> {
            let mut dists = vec![0f32; k];
            if let Some(near) = &near {
                let mut row = vec![0f32; d];
                let mut near_dists = vec![0f32; near.unit.len()];
                let mut found = Vec::new();
                let open =
                    near.advance_all(&labels_now[range.clone()], rb, points.weights().is_none());
                for o in open {
                    let (i, rb) = (range.start + o as usize, &mut rb[o as usize]);
                    let a = labels_now[i] as usize;
                    if near.may_move(points, i, a, &snapshot, rb, &mut row, &mut near_dists)
                        && best_move(points, i, a, &snapshot, &all, &mut dists).is_some()
                    {
                        found.push(i);
                    }
                }
                return found;
            }
            // Each row's distance to its own centroid, for the whole group
            // in one call (the same values as `sq_dist` row by row).
            let mut own = vec![0.0f32; range.len()];
            points.sq_dists_own(
                range.clone(),
                cands,
                &snapshot.norms,
                &labels_now[range.clone()],
                &mut own,
            );
            range
                .zip(own)
                .filter(|&(i, da)| {
                    let a = labels_now[i] as usize;
                    bound
                        .as_ref()
                        .is_none_or(|b| b.may_move(points, i, a, da, &snapshot.weights))
                        && best_move(points, i, a, &snapshot, &all, &mut dists).is_some()
                })
                .map(|(i, _)| i)
                .collect()
        };
        let slices: Vec<&mut [RowBound]> = if bounds.is_empty() {
            ranges.iter().map(|_| &mut [][..]).collect()
        } else {
            bounds.chunks_mut(size).collect()
        };
        let found: Vec<Vec<usize>> = if crate::points::sequential() {
            ranges.iter().cloned().zip(slices).map(scan).collect()
        } else {
            ranges.par_iter().cloned().zip(slices).map(scan).collect()
        };
        let candidates: Vec<usize> = found.into_iter().flatten().collect();
        previous = Some(snapshot);
        let mut moves = 0;
        for i in candidates {
            let a = labels[i] as usize;
            let Some(b) = best_move(points, i, a, &live, &all, &mut dists) else {
                continue;
            };
            let w = points.weight(i);
            live.weights[a] -= w;
            live.weights[b] += w;
            row.fill(0.0);
            points.add_to(i, w, &mut row);
            for j in 0..d {
                sums[a * d + j] -= row[j];
                sums[b * d + j] += row[j];
            }
            for c in [a, b] {
                live.set(c, &sums[c * d..(c + 1) * d]);
            }
            labels[i] = b as u32;
            if let Some(rb) = bounds.get_mut(i) {
                *rb = RowBound::UNKNOWN; // its bounds were for cluster a
            }
            moves += 1;
        }
        total_moves += moves;
        if moves == 0 {
            break;
        }
    }
    *centroids = live.centroids;
    total_moves
}

/// The clusters a Hartigan sweep works against: centroids, weights, squared
/// norms, and `unit[c] = W_c/(W_c+1)`, the cost factor of moving a row of
/// weight 1 into `c`. Kept per cluster so that scanning k clusters for an
/// unweighted row costs no division (the same value as computing
/// `W_c·w/(W_c+w)` with w = 1, bit for bit).
#[derive(Clone)]
struct Clusters {
    centroids: Array2<f32>,
    weights: Vec<f64>,
    norms: Vec<f64>,
    unit: Vec<f64>,
}

impl Clusters {
    fn new(centroids: Array2<f32>, weights: Vec<f64>) -> Clusters {
        let norms = centroids
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| (v as f64).powi(2)).sum())
            .collect();
        let unit = weights.iter().map(|&w| w / (w + 1.0)).collect();
        Clusters {
            centroids,
            weights,
            norms,
            unit,
        }
    }

    /// Cluster `c`'s centroid and norm from its `sums` and current weight.
    fn set(&mut self, c: usize, sums: &[f64]) {
        let wc = self.weights[c];
        let mut nn = 0.0;
        for (j, &s) in sums.iter().enumerate() {
            let v = (s / wc) as f32;
            self.centroids[[c, j]] = v;
            nn += (v as f64).powi(2);
        }
        self.norms[c] = nn;
        self.unit[c] = wc / (wc + 1.0);
    }
}

/// A cheap test that rules out most rows before [`best_move`] scans every
/// centroid: moving `x` from `a` to `c` needs
/// `W_c·w/(W_c+w)·d²(x,c) < W_a·w/(W_a−w)·d²(x,a)`, so
/// `d²(x,c) < F·d²(x,a)` with `F = W_a/(W_a−w) · (W_min+w)/W_min`, while the
/// triangle inequality gives `d(x,c) ≥ 2s_a − d(x,a)`, `s_a` being half the
/// gap from `a` to its nearest other centroid (Elkan's bound). Rows it rules
/// out are exactly rows `best_move` would reject, so results do not change.
struct MoveBound {
    half_gap: Vec<f64>,
    w_min: f64,
    /// `F` of a unit-weight row in each cluster, worked out once.
    unit_factor: Vec<f64>,
}

impl MoveBound {
    fn new(clusters: &Clusters) -> MoveBound {
        let (centroids, weights) = (&clusters.centroids, &clusters.weights);
        let k = centroids.nrows();
        let live: Vec<usize> = (0..k).filter(|&c| weights[c] > 0.0).collect();
        let half_gap = (0..k)
            .map(|a| {
                let row = centroids.row(a);
                let min2 = live
                    .iter()
                    .filter(|&&c| c != a)
                    .map(|&c| {
                        row.iter()
                            .zip(centroids.row(c))
                            .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min);
                min2.sqrt() / 2.0
            })
            .collect();
        let w_min = live
            .iter()
            .map(|&c| weights[c])
            .fold(f64::INFINITY, f64::min);
        let unit_factor = weights
            .iter()
            .map(|&wa| wa / (wa - 1.0) * (w_min + 1.0) / w_min)
            .collect();
        MoveBound {
            half_gap,
            w_min,
            unit_factor,
        }
    }

    /// Whether row `i`, in cluster `a` at squared distance `da` from it,
    /// may move.
    fn may_move(
        &self,
        points: &(impl Points + ?Sized),
        i: usize,
        a: usize,
        da: f32,
        weights: &[f64],
    ) -> bool {
        let (w, wa) = (points.weight(i), weights[a]);
        if w <= 0.0 || wa - w <= 1e-12 * wa {
            return false; // best_move never moves these rows
        }
        let da = da as f64;
        let factor = if w == 1.0 {
            self.unit_factor[a]
        } else {
            wa / (wa - w) * (self.w_min + w) / self.w_min
        };
        let lower = 2.0 * self.half_gap[a] - da.sqrt();
        // The slack keeps f32 rounding of the distances on the safe side.
        !(lower > 0.0 && lower * lower >= factor * da * (1.0 + 1e-4))
    }
}

/// The scan of dense rows of few coordinates, where [`MoveBound`] lets most
/// rows through (at k = 4 the gap between centroids says little about one
/// row) and a sweep moves only a few rows, so that the centroids barely
/// move from one sweep to the next. Each row keeps, across sweeps, an upper
/// bound on its distance to its own centroid and a lower bound on its
/// distance to every other (Hamerly's bounds, moved by each centroid's
/// shift since the last sweep); a row whose bounds rule out any move is not
/// looked at. Otherwise its distances are computed inline from centroids
/// stored column by column, rather than through the kernel call of
/// [`best_move`], which at d = 3 costs more than its arithmetic. These
/// distances are rounded differently from the kernel's, by far less than
/// `NEAR_TIE_SLACK`: a row `best_move` would move always passes, so results
/// do not change; only near-ties (a few per sweep) reach `best_move`.
struct NearTie {
    /// Centroid coordinate `j` of every centroid, `kp` apart (k padded to
    /// whole lanes).
    columns: Vec<f32>,
    /// The cost factor of a unit-weight row joining each cluster, or
    /// infinity for an empty one (never a destination); in f32, well within
    /// the slack.
    unit: Vec<f32>,
    /// How far each centroid moved since the last sweep (Euclidean; zero
    /// on the first sweep, whose bounds are all unknown), and the largest.
    shift: Vec<f64>,
    max_shift: f64,
    /// The smallest weight of a non-empty cluster.
    w_min: f64,
    /// For a unit-weight row: the saving factor `W_a/(W_a−1)` of leaving
    /// each cluster (0 where it cannot leave), widened by the slack, and
    /// the least cost factor `W_min/(W_min+1)` of joining any.
    leave1: Vec<f64>,
    join1: f64,
}

/// Bounds of one row's distances, valid for its current label. Laid out
/// as `[upper, lower]`, which the kernels' `advance_bounds` works on.
#[derive(Clone, Copy)]
#[repr(C)]
struct RowBound {
    /// At least the distance to its own centroid.
    upper: f64,
    /// At most the distance to any other non-empty centroid.
    lower: f64,
}

impl RowBound {
    /// No bound yet: the distances must be computed.
    const UNKNOWN: RowBound = RowBound {
        upper: f64::INFINITY,
        lower: 0.0,
    };
}

/// Rows of at most this many coordinates take the [`NearTie`] scan.
const NEAR_TIE_MAX_D: usize = 16;

/// Relative slack of [`NearTie`]'s comparisons: two roundings of a squared
/// distance over ≤ 16 coordinates differ by ~1e-6 relative.
const NEAR_TIE_SLACK: f64 = 1e-4;

impl NearTie {
    fn new(
        points: &(impl Points + ?Sized),
        clusters: &Clusters,
        previous: Option<&Clusters>,
    ) -> Option<NearTie> {
        let (k, d) = clusters.centroids.dim();
        if points.sparse() || d > NEAR_TIE_MAX_D {
            return None;
        }
        // Padded to whole lanes with centroids at infinity, whose
        // distances are infinite and never a bound or a destination.
        let kp = k.div_ceil(LANES) * LANES;
        let live = |c: &usize| clusters.weights[*c] > 0.0;
        // Empty clusters are never a destination: at infinity too.
        let columns = (0..d)
            .flat_map(|j| {
                let col = clusters.centroids.column(j);
                (0..kp).map(move |c| {
                    if c < k && live(&c) {
                        col[c]
                    } else {
                        f32::INFINITY
                    }
                })
            })
            .collect();
        let unit = (0..kp)
            .map(|c| {
                if c < k && live(&c) {
                    clusters.unit[c] as f32
                } else {
                    f32::INFINITY
                }
            })
            .collect();
        let shift: Vec<f64> = (0..k)
            .map(|c| {
                let Some(p) = previous else { return 0.0 };
                let now = clusters.centroids.row(c);
                let then = p.centroids.row(c);
                now.iter()
                    .zip(then)
                    .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let max_shift = shift.iter().copied().fold(0.0, f64::max);
        let w_min = (0..k)
            .filter(live)
            .map(|c| clusters.weights[c])
            .fold(f64::INFINITY, f64::min);
        let leave1 = clusters
            .weights
            .iter()
            .map(|&wa| {
                if wa - 1.0 <= 1e-12 * wa {
                    0.0
                } else {
                    wa / (wa - 1.0) * (1.0 + NEAR_TIE_SLACK)
                }
            })
            .collect();
        Some(NearTie {
            columns,
            unit,
            shift,
            max_shift,
            w_min,
            leave1,
            join1: w_min / (w_min + 1.0),
        })
    }

    /// Brings the bounds of a group's rows (with these labels) up to this
    /// sweep's centroids, and lists the rows (offsets in the group) whose
    /// bounds do not rule out a move; for weighted rows, every row.
    fn advance_all(&self, labels: &[u32], rbs: &mut [RowBound], unweighted: bool) -> Vec<u32> {
        // SAFETY: `RowBound` is `repr(C)` with two f64 fields, so it has the
        // size, alignment and layout of `[f64; 2]` (upper, lower).
        let pairs = unsafe {
            std::slice::from_raw_parts_mut(rbs.as_mut_ptr().cast::<[f64; 2]>(), rbs.len())
        };
        let mut open = vec![0u32; rbs.len() + crate::kernels::LANES];
        // Moving costs at least W_min/(W_min+1)·lower² and saves at most
        // W_a/(W_a−1)·upper², for a unit-weight row: the kernel lists the
        // rows where that does not rule a move out.
        let step = crate::kernels::BoundStep {
            shift: &self.shift,
            max: self.max_shift,
            leave: &self.leave1,
            join: self.join1,
            unweighted,
        };
        let n_open = (crate::kernels::get().advance_bounds)(labels, pairs, &step, &mut open);
        open.truncate(n_open);
        open
    }

    /// Whether row `i` (in `a`, bounds `rb` current) may move; `row` has
    /// room for d, `dists` for k. Recomputes the bounds when they do not
    /// settle it.
    #[allow(clippy::too_many_arguments)]
    fn may_move(
        &self,
        points: &(impl Points + ?Sized),
        i: usize,
        a: usize,
        cl: &Clusters,
        rb: &mut RowBound,
        row: &mut [f32],
        dists: &mut [f32],
    ) -> bool {
        let (w, wa) = (points.weight(i), cl.weights[a]);
        if w <= 0.0 || wa - w <= 1e-12 * wa {
            return false; // best_move never moves these rows
        }
        // Moving to c costs at least W_min·w/(W_min+w)·lower² and saves
        // W_a·w/(W_a−w)·upper² at most.
        let gain = wa * w / (wa - w);
        let least = self.w_min * w / (self.w_min + w);
        if least * rb.lower * rb.lower >= gain * rb.upper * rb.upper * (1.0 + NEAR_TIE_SLACK) {
            return false;
        }
        points.row_into(i, row);
        // The nearest other distance, and the least cost of joining another
        // cluster for a unit-weight row (empty clusters sit at infinity).
        let (other, cost) =
            (crate::kernels::get().sq_dists_cols)(row, &self.columns, &self.unit, a, dists);
        let da = dists[a];
        // Slightly widened, so that the bounds hold for the exact distances
        // whatever the rounding of these.
        *rb = RowBound {
            upper: (da as f64).sqrt() * (1.0 + 1e-6),
            lower: (other as f64).sqrt() * (1.0 - 1e-6),
        };
        let limit = gain * da as f64 * (1.0 + NEAR_TIE_SLACK);
        if w == 1.0 {
            (cost as f64) < limit
        } else {
            let others = dists.iter().zip(&cl.weights).enumerate();
            others.filter(|&(c, _)| c != a).any(|(_, (&dc, &wc))| {
                // `wc > 0` for every cluster whose distance is finite.
                wc * w / (wc + w) * (dc as f64) < limit
            })
        }
    }
}

/// The cluster row `i` (now in `a`) should move to under Hartigan's rule, if
/// any. `all` lists every centroid (0..k) and `dists` has room for k: the
/// distances to all centroids come from one `sq_dists` call (bit-identical
/// to one `sq_dist` call each, which at d = 3 spent more on the calls than on
/// the arithmetic: on china.jpg, k = 64, refinement took 14× the Lloyd fit).
fn best_move(
    points: &(impl Points + ?Sized),
    i: usize,
    a: usize,
    cl: &Clusters,
    all: &[u32],
    dists: &mut [f32],
) -> Option<usize> {
    let (w, weights) = (points.weight(i), &cl.weights);
    if w <= 0.0 || weights[a] - w <= 1e-12 * weights[a] {
        return None;
    }
    let cands = cl.centroids.as_slice().expect("contiguous");
    points.sq_dists(i, cands, &cl.norms, all, dists);
    let gain = weights[a] * w / (weights[a] - w) * dists[a] as f64;
    let mut best = (gain * (1.0 - 1e-9), None);
    let unit = w == 1.0;
    for (c, &wc) in weights.iter().enumerate() {
        if c == a || wc <= 0.0 {
            continue;
        }
        let factor = if unit { cl.unit[c] } else { wc * w / (wc + w) };
        let cost = factor * dists[c] as f64;
        if cost < best.0 {
            best = (cost, Some(c));
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::sweeps;
    use crate::lloyd::lloyd;
    use crate::params::Metric;
    use crate::points::DenseRows;

    /// Overlapping blobs, so that many rows sit near a tie and move.
    fn blobs(n: usize, d: usize, k: usize, spread: f32, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let centres: Vec<f32> = (0..k * d).map(|_| rng.random_range(-2.0..2.0)).collect();
        (0..n)
            .flat_map(|i| {
                let c = i % k;
                (0..d)
                    .map(|j| centres[c * d + j] + rng.random_range(-spread..spread))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The bounded near-tie scan makes exactly the moves of the plain one,
    /// for unit and general weights, few and many clusters.
    #[test]
    fn near_tie_scan_changes_no_move() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (n, d, k, spread, weighted) in [
            (3000, 3, 4, 1.5, false),
            (3000, 3, 4, 1.5, true),
            (4000, 2, 40, 1.5, false),
            (2000, 7, 9, 1.5, true),
            (1500, 16, 5, 6.0, false),
        ] {
            let x = blobs(n, d, k, spread, &mut rng);
            let w: Vec<f32> = (0..n).map(|_| rng.random_range(0.5..3.0)).collect();
            let points = DenseRows::new(&x, n, d, weighted.then_some(&w[..]));
            let start: Vec<f32> = (0..k).flat_map(|c| x[c * 7 * d..][..d].to_vec()).collect();
            let start = Array2::from_shape_vec((k, d), start).unwrap();
            let run = lloyd(&points, start, 300, 0.0, Metric::Euclidean);
            let plain = {
                let (mut c, mut l) = (run.centroids.clone(), run.labels.clone());
                let moves = sweeps(&points, &mut c, &mut l, 50, false);
                (moves, c, l)
            };
            let near = {
                let (mut c, mut l) = (run.centroids.clone(), run.labels.clone());
                let moves = sweeps(&points, &mut c, &mut l, 50, true);
                (moves, c, l)
            };
            assert!(plain.0 > 0, "n={n} d={d} k={k}: no move to compare");
            assert_eq!(
                plain.0, near.0,
                "n={n} d={d} k={k} weighted={weighted}: moves"
            );
            assert_eq!(plain.2, near.2, "labels");
            assert_eq!(plain.1, near.1, "centroids");
        }
    }
}
