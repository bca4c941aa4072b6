//! Seeding: greedy k-means++ and random rows (k-means‖, shared with the
//! distributed drivers, is [`crate::distributed`]'s).
//!
//! Sampling walks fixed groups of rows with f64 prefix sums, so the chosen
//! rows depend on the seed and `n` alone, never on the thread count.

use std::ops::Range;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::points::{groups, sequential, Points, BLOCK};

/// Centroids chosen by a seeding method (fewer than k rows when the data has
/// fewer distinct rows).
pub(crate) struct Seeds {
    pub centroids: Array2<f32>,
}

/// A deterministic stream of random numbers derived from `seed` and a tag.
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Squared distance of every row to `c`, min'd into `closest`; returns the
/// per-group sums of `w · closest` (in group order).
fn update_closest(points: &(impl Points + ?Sized), c: &[f32], closest: &mut [f32]) -> Vec<f64> {
    let c_norm2: f64 = c.iter().map(|&v| (v as f64) * (v as f64)).sum();
    let ranges = groups(points.n());
    let size = ranges.first().map_or(1, |r| r.len());
    // A block's distances come from one kernel call (bit-identical to
    // `sq_dist` per row, which cost a call per row).
    let one = |(cl, range): (&mut [f32], Range<usize>)| {
        let (zeros, mut dd) = ([0u32; BLOCK], [0.0f32; BLOCK]);
        let mut pot = 0.0;
        for (cl, s) in cl.chunks_mut(BLOCK).zip(range.step_by(BLOCK)) {
            let dd = &mut dd[..cl.len()];
            points.sq_dists_own(s..s + cl.len(), c, &[c_norm2], &zeros[..cl.len()], dd);
            for ((o, &dd), i) in cl.iter_mut().zip(dd.iter()).zip(s..) {
                *o = if dd < *o { dd } else { *o };
                pot += points.weight(i) * *o as f64;
            }
        }
        pot
    };
    if sequential() {
        closest.chunks_mut(size).zip(ranges).map(one).collect()
    } else {
        closest
            .par_chunks_mut(size)
            .zip(ranges.into_par_iter())
            .map(one)
            .collect()
    }
}

/// Picks a row with probability proportional to `w_i · closest_i`, given
/// the per-group sums of those products and a target `r` in `[0, total)`.
fn sample_by(
    points: &(impl Points + ?Sized),
    closest: &[f32],
    group_pots: &[f64],
    mut r: f64,
) -> usize {
    let ranges = groups(points.n());
    let mut last_positive = None;
    for (range, &gp) in ranges.iter().zip(group_pots) {
        if r >= gp {
            r -= gp;
            if gp > 0.0 {
                last_positive = Some(range.clone());
            }
            continue;
        }
        for i in range.clone() {
            let p = points.weight(i) * closest[i] as f64;
            if r < p {
                return i;
            }
            r -= p;
        }
        last_positive = Some(range.clone());
        break;
    }
    // Rounding left `r` past the end: take the last row with positive mass.
    let range = last_positive.unwrap_or(0..points.n());
    range
        .rev()
        .find(|&i| points.weight(i) * closest[i] as f64 > 0.0)
        .unwrap_or(0)
}

/// A row drawn with probability proportional to its weight.
fn weighted_row(points: &(impl Points + ?Sized), rng: &mut ChaCha8Rng) -> usize {
    match points.weights() {
        None => rng.random_range(0..points.n()),
        Some(w) => {
            let total: f64 = w.iter().map(|&v| v as f64).sum();
            let mut r = rng.random::<f64>() * total;
            for (i, &v) in w.iter().enumerate() {
                if r < v as f64 {
                    return i;
                }
                r -= v as f64;
            }
            w.iter().rposition(|&v| v > 0.0).unwrap_or(0)
        }
    }
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): each step draws
/// `2 + ⌊ln k⌋` candidates by D² sampling and keeps the one that lowers the
/// potential most. Stops early if every row already coincides with a centre
/// (fewer distinct rows than k); the caller sees fewer centroids.
///
/// Scoring a candidate only visits rows it can win: every row belongs to its
/// nearest centre, and by the triangle inequality a candidate `c` cannot
/// come closer to a row `x` of centre `m` than `m` is when
/// `‖c − m‖ ≥ 2‖x − m‖`. Rows are visited in storage order (so they stream
/// from memory); a row whose centre no candidate can win, by that centre's
/// largest radius, is skipped unread, the others are tested one by one with
/// their own radius, and all candidates are scored in one pass so each row is
/// fetched once per step. The D² values, and so every draw,
/// equal those of the plain scan; only the work changes (the bound of Elkan
/// 2003 applied to seeding, as in Raff 2021).
pub(crate) fn kmeans_plus_plus(
    points: &(impl Points + ?Sized),
    k: usize,
    rng: &mut ChaCha8Rng,
) -> Seeds {
    let d = points.d();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut chosen = vec![weighted_row(points, rng)];
    let mut centres = vec![0.0f32; d];
    points.row_into(chosen[0], &mut centres);
    let mut closest = vec![f32::INFINITY; points.n()];
    let mut pots = update_closest(points, &centres, &mut closest);
    // With few dense coordinates every row is scored against every
    // candidate (at d = 3 the triangle test cost more than the distances),
    // so no owners are kept and the chosen centre is applied by one more
    // pass over the rows instead of a list of the rows it wins.
    let mut owners = (d > SCAN_ALL_MAX_D || points.sparse()).then(|| Owners::new(&closest));
    // The first candidate with the largest potential drop.
    let argmax =
        |gains: &[f64]| (0..gains.len()).fold(0, |b, t| if gains[t] > gains[b] { t } else { b });
    while chosen.len() < k {
        let total: f64 = pots.iter().sum();
        if total <= 0.0 {
            break;
        }
        let ids: Vec<usize> = (0..trials)
            .map(|_| sample_by(points, &closest, &pots, rng.random::<f64>() * total))
            .collect();
        let cands = Candidates::new(points, &ids, &centres);
        let best = match owners.as_mut() {
            Some(owners) => {
                let scored = owners.score(points, &cands, &closest);
                // Potential drop per candidate, summed over units in a fixed order.
                let gains: Vec<f64> = (0..ids.len())
                    .map(|t| scored.iter().map(|u| u.gains[t]).sum())
                    .collect();
                let best = argmax(&gains);
                let changed = owners.take(&scored, best as u32, &mut closest);
                pots = regroup_pots(points, &closest, &pots, &changed);
                best
            }
            None => {
                let best = argmax(&scan_gains(points, &cands, &closest));
                pots = update_closest(points, &cands.rows[best * d..(best + 1) * d], &mut closest);
                best
            }
        };
        chosen.push(ids[best]);
        centres.extend_from_slice(&cands.rows[best * d..(best + 1) * d]);
    }
    Seeds {
        centroids: points.gather(&chosen),
    }
}

/// Per candidate, the potential drop `Σ w · (D² − d²)` over the rows it is
/// nearer to than their centre, every row against every candidate: summed
/// in row order within units of [`UNIT`] rows, then over units in order.
fn scan_gains(points: &(impl Points + ?Sized), cands: &Candidates, closest: &[f32]) -> Vec<f64> {
    let (n, d, t_all) = (points.n(), points.d(), cands.len());
    let unit = |u: usize| {
        let mut gains = vec![0.0f64; t_all];
        let zeros = [0u32; BLOCK];
        let mut dd = vec![0.0f32; t_all * BLOCK];
        let rows = u * UNIT..((u + 1) * UNIT).min(n);
        for s in rows.clone().step_by(BLOCK) {
            let e = (s + BLOCK).min(rows.end);
            for (t, dd) in dd.chunks_exact_mut(BLOCK).enumerate() {
                let c = &cands.rows[t * d..(t + 1) * d];
                points.sq_dists_own(s..e, c, &cands.norms2[t..=t], &zeros[..e - s], dd);
            }
            // Row by row, every candidate's sum in turn: each sum still adds
            // its rows in row order, but the candidates' add chains overlap.
            // A row a candidate does not win adds +0.0, which changes no sum
            // (they only hold non-negative terms): branch-free, same bits.
            for (r, (&row_d2, i)) in closest[s..e].iter().zip(s..).enumerate() {
                let w = points.weight(i);
                for (t, gain) in gains.iter_mut().enumerate() {
                    *gain += w * (row_d2 - dd[t * BLOCK + r]).max(0.0) as f64;
                }
            }
        }
        gains
    };
    let units: Vec<Vec<f64>> = if sequential() {
        (0..n.div_ceil(UNIT)).map(unit).collect()
    } else {
        (0..n.div_ceil(UNIT)).into_par_iter().map(unit).collect()
    };
    (0..t_all)
        .map(|t| units.iter().map(|g| g[t]).sum())
        .collect()
}

/// The k-means++ candidates of one step: their rows (`T × d`, contiguous),
/// squared norms, and squared distances to every current centre.
struct Candidates {
    rows: Vec<f32>,
    norms2: Vec<f64>,
    /// `to_centre[t][m] = ‖candidate t − centre m‖²`, in f64.
    to_centre: Vec<Vec<f64>>,
}

impl Candidates {
    fn new(points: &(impl Points + ?Sized), ids: &[usize], centres: &[f32]) -> Candidates {
        let d = points.d();
        let mut rows = vec![0.0f32; ids.len() * d];
        for (&i, row) in ids.iter().zip(rows.chunks_exact_mut(d.max(1))) {
            points.row_into(i, &mut row[..d]);
        }
        let sq = |a: &[f32], b: &[f32]| -> f64 {
            a.iter()
                .zip(b)
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum()
        };
        let cand = |t: usize| &rows[t * d..(t + 1) * d];
        let norms2 = (0..ids.len())
            .map(|t| cand(t).iter().map(|&v| (v as f64) * (v as f64)).sum())
            .collect();
        let to_centre = (0..ids.len())
            .map(|t| {
                centres
                    .chunks_exact(d.max(1))
                    .map(|c| sq(cand(t), c))
                    .collect()
            })
            .collect();
        Candidates {
            rows,
            norms2,
            to_centre,
        }
    }

    fn len(&self) -> usize {
        self.norms2.len()
    }
}

/// Rows per unit of parallel scoring work: units are runs of rows in storage
/// order, so rows stream from memory and the unit order depends on `n` alone.
const UNIT: usize = 4096;
/// Rows of at most this many coordinates are scored against every candidate
/// ([`scan_gains`]), without the triangle test.
const SCAN_ALL_MAX_D: usize = 8;
/// How many rows ahead to prefetch.
const PREFETCH_AHEAD: usize = 12;

/// Which centre each row is nearest to, and the largest D² among each
/// centre's rows (an upper bound; the triangle test only needs that).
struct Owners {
    owner: Vec<u32>,
    max_d2: Vec<f32>,
}

/// What one unit of rows found: the potential drop per candidate and the rows
/// a candidate would take, `(row, candidate, d²)`, in row order.
struct Scored {
    gains: Vec<f64>,
    hits: Vec<(u32, u32, f32)>,
}

/// `‖c − m‖² > 4·D²(x)` with slack for rounding: `c` cannot beat `m` for `x`.
fn cannot_win(centre_d2: f64, row_d2: f32) -> bool {
    centre_d2 > 4.0 * row_d2 as f64 * (1.0 + 1e-4)
}

impl Owners {
    fn new(closest: &[f32]) -> Owners {
        Owners {
            owner: vec![0; closest.len()],
            max_d2: vec![closest.iter().copied().fold(0.0, f32::max)],
        }
    }

    /// Scores every candidate against the rows it might win, in parallel
    /// units of consecutive rows.
    fn score(
        &self,
        points: &(impl Points + ?Sized),
        cands: &Candidates,
        closest: &[f32],
    ) -> Vec<Scored> {
        let t_all = cands.len() as u32;
        // Per centre, the candidates that might win at least one of its rows:
        // rows of the other centres are skipped without being read.
        // Each with its squared distance to the centre, for the row test.
        let live: Vec<Vec<(u32, f64)>> = (0..self.max_d2.len())
            .map(|m| {
                (0..t_all)
                    .map(|t| (t, cands.to_centre[t as usize][m]))
                    .filter(|&(_, cd)| !cannot_win(cd, self.max_d2[m]))
                    .collect()
            })
            .collect();
        let n = points.n();
        (0..n.div_ceil(UNIT))
            .into_par_iter()
            .map(|u| {
                let mut out = Scored {
                    gains: vec![0.0; cands.len()],
                    hits: Vec::new(),
                };
                let (mut which, mut dd) = (Vec::new(), vec![0.0f32; cands.len()]);
                let rows = u * UNIT..((u + 1) * UNIT).min(n);
                let owned = self.owner[rows.clone()].iter().zip(&closest[rows.clone()]);
                for (i, (&m, &row_d2)) in rows.zip(owned) {
                    points.prefetch(i + PREFETCH_AHEAD);
                    let m = m as usize;
                    if live[m].is_empty() {
                        continue;
                    }
                    which.clear();
                    which.extend(
                        live[m]
                            .iter()
                            .filter(|&&(_, cd)| !cannot_win(cd, row_d2))
                            .map(|&(t, _)| t),
                    );
                    let dd = &mut dd[..which.len()];
                    points.sq_dists(i, &cands.rows, &cands.norms2, &which, dd);
                    for (&t, &dd) in which.iter().zip(dd.iter()) {
                        if dd < row_d2 {
                            out.gains[t as usize] += points.weight(i) * (row_d2 - dd) as f64;
                            out.hits.push((i as u32, t, dd));
                        }
                    }
                }
                out
            })
            .collect()
    }

    /// Makes candidate `best` a centre: moves the rows it is nearer to,
    /// lowers their D², and returns the moved rows in ascending order.
    fn take(&mut self, scored: &[Scored], best: u32, closest: &mut [f32]) -> Vec<u32> {
        let centre = self.max_d2.len() as u32;
        let mut taken: Vec<u32> = Vec::new();
        for unit in scored {
            for &(i, t, dd) in &unit.hits {
                if t == best {
                    closest[i as usize] = dd;
                    self.owner[i as usize] = centre;
                    taken.push(i);
                }
            }
        }
        self.max_d2 = self.bounds(closest, centre as usize + 1);
        taken
    }

    /// The largest D² of each of the `k` centres, from every row.
    fn bounds(&self, closest: &[f32], k: usize) -> Vec<f32> {
        self.owner
            .par_chunks(UNIT)
            .zip(closest.par_chunks(UNIT))
            .map(|(own, cl)| {
                let mut m = vec![0.0f32; k];
                for (&o, &d2) in own.iter().zip(cl) {
                    m[o as usize] = m[o as usize].max(d2);
                }
                m
            })
            .reduce(
                || vec![0.0f32; k],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x = x.max(y));
                    a
                },
            )
    }
}

/// Group sums of `w · D²` after the rows `changed` (ascending) got a new D²:
/// only the groups holding a changed row are summed again, in row order, so
/// the sums equal a full recomputation.
fn regroup_pots(
    points: &(impl Points + ?Sized),
    closest: &[f32],
    pots: &[f64],
    changed: &[u32],
) -> Vec<f64> {
    groups(points.n())
        .into_par_iter()
        .zip(pots.par_iter())
        .map(|(range, &old)| {
            let lo = changed.partition_point(|&i| (i as usize) < range.start);
            let touched = changed.get(lo).is_some_and(|&i| (i as usize) < range.end);
            if touched {
                range.map(|i| points.weight(i) * closest[i] as f64).sum()
            } else {
                old
            }
        })
        .collect()
}

/// `k` distinct rows drawn without replacement, with probability
/// proportional to weight (Efraimidis–Spirakis keys `u^(1/w)`).
pub(crate) fn random_rows(
    points: &(impl Points + ?Sized),
    k: usize,
    rng: &mut ChaCha8Rng,
) -> Seeds {
    let mut keyed: Vec<(f64, usize)> = (0..points.n())
        .filter_map(|i| {
            let w = points.weight(i);
            let u: f64 = rng.random::<f64>();
            (w > 0.0).then(|| (u.ln() / w, i))
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let rows: Vec<usize> = keyed.iter().take(k).map(|&(_, i)| i).collect();
    Seeds {
        centroids: points.gather(&rows),
    }
}

/// k-means‖ on one partition ([`crate::distributed`]'s implementation, so
/// the engine drivers draw the same rows from the same seed). With no row
/// of positive weight (a mini-batch seeding sample can have none) the first
/// row is the one centre.
pub(crate) fn kmeans_parallel_or_first(
    points: &(impl Points + ?Sized),
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
) -> Array2<f32> {
    crate::distributed::kmeans_parallel(&[points], k, rounds, oversampling, seed)
        .unwrap_or_else(|| points.gather(&[0]))
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::points::DenseRows;

    /// Greedy k-means++ as written down: every row against every candidate,
    /// D² and potentials recomputed from scratch each step, gains summed in
    /// row order per unit of [`UNIT`] rows and then over units.
    fn plain(points: &DenseRows, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let n = points.n();
        let trials = 2 + (k as f64).ln().floor() as usize;
        let dist = |i: usize, c: usize| points.sq_dist(i, points.row(c), 0.0);
        let mut chosen = vec![weighted_row(points, rng)];
        let mut closest: Vec<f32> = (0..n).map(|i| dist(i, chosen[0])).collect();
        while chosen.len() < k {
            let pots: Vec<f64> = groups(n)
                .into_iter()
                .map(|r| r.map(|i| points.weight(i) * closest[i] as f64).sum())
                .collect();
            let total: f64 = pots.iter().sum();
            if total <= 0.0 {
                break;
            }
            let ids: Vec<usize> = (0..trials)
                .map(|_| sample_by(points, &closest, &pots, rng.random::<f64>() * total))
                .collect();
            let gain = |c: usize| -> f64 {
                (0..n)
                    .step_by(UNIT)
                    .map(|s| {
                        let mut g = 0.0f64;
                        let e = (s + UNIT).min(n);
                        for (i, &cl) in (s..e).zip(&closest[s..e]) {
                            let dd = dist(i, c);
                            if dd < cl {
                                g += points.weight(i) * (cl - dd) as f64;
                            }
                        }
                        g
                    })
                    .sum()
            };
            let gains: Vec<f64> = ids.iter().map(|&c| gain(c)).collect();
            let best = (0..ids.len()).fold(0, |b, t| if gains[t] > gains[b] { t } else { b });
            chosen.push(ids[best]);
            for (i, cl) in closest.iter_mut().enumerate() {
                *cl = cl.min(dist(i, ids[best]));
            }
        }
        chosen
    }

    /// Both scoring paths (every candidate at d ≤ 8, the triangle test
    /// above) pick the rows of the plain algorithm, bit for bit, weighted
    /// or not, over more than one unit of rows, on 1 and 2 threads.
    #[test]
    fn kmeans_plus_plus_picks_the_rows_of_the_plain_algorithm() {
        let mut data = ChaCha8Rng::seed_from_u64(5);
        for d in [1, 3, 8, 9, 17] {
            let n = 9_000;
            // Clumps, so that candidates win some rows and not others.
            let x: Vec<f32> = (0..n * d)
                .map(|i| (i / d % 7) as f32 * 3.0 + data.random_range(-1.0..1.0))
                .collect();
            // Weights over four orders of magnitude, so that they decide.
            let w: Vec<f32> = (0..n)
                .map(|_| data.random_range(-4.0f32..4.0).exp())
                .collect();
            for weighted in [false, true] {
                let points = DenseRows::new(&x, n, d, weighted.then_some(&w[..]));
                for k in [5, 20] {
                    let want = plain(&points, k, &mut rng(9, k as u64));
                    for threads in [1, 2] {
                        let pool = rayon::ThreadPoolBuilder::new()
                            .num_threads(threads)
                            .build()
                            .expect("pool");
                        let got =
                            pool.install(|| kmeans_plus_plus(&points, k, &mut rng(9, k as u64)));
                        let bits = |a: &[f32]| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                        let want = points.gather(&want);
                        assert_eq!(
                            bits(got.centroids.as_slice().unwrap()),
                            bits(want.as_slice().unwrap()),
                            "d={d} weighted={weighted} k={k} threads={threads}"
                        );
                    }
                }
            }
        }
    }
}
