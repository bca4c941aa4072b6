//! Seeding: greedy k-means++, k-means‖, random rows.
//!
//! Sampling walks fixed groups of rows with f64 prefix sums, so the chosen
//! rows depend on the seed and `n` alone, never on the thread count.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::points::{groups, map_groups, DenseRows, Points};

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
    closest
        .par_chunks_mut(size)
        .zip(ranges.into_par_iter())
        .map(|(cl, range)| {
            let mut pot = 0.0;
            for (o, i) in range.enumerate() {
                let dd = points.sq_dist(i, c, c_norm2);
                if dd < cl[o] {
                    cl[o] = dd;
                }
                pot += points.weight(i) * cl[o] as f64;
            }
            pot
        })
        .collect()
}

/// Picks a row with probability proportional to `w_i · closest_i`, given
/// the per-group sums of those products and a target `r` in `[0, total)`.
fn sample_by(points: &(impl Points + ?Sized), closest: &[f32], group_pots: &[f64], mut r: f64) -> usize {
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
    range.rev().find(|&i| points.weight(i) * closest[i] as f64 > 0.0).unwrap_or(0)
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
pub(crate) fn kmeans_plus_plus(points: &(impl Points + ?Sized), k: usize, rng: &mut ChaCha8Rng) -> Seeds {
    let (n, d) = (points.n(), points.d());
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut chosen = vec![weighted_row(points, rng)];
    let mut centre = vec![0.0f32; d];
    points.row_into(chosen[0], &mut centre);
    let mut closest = vec![f32::INFINITY; n];
    let mut pots = update_closest(points, &centre, &mut closest);
    let mut cand = vec![0.0f32; d];
    while chosen.len() < k {
        let total: f64 = pots.iter().sum();
        if total <= 0.0 {
            break;
        }
        let ids: Vec<usize> = (0..trials).map(|_| sample_by(points, &closest, &pots, rng.random::<f64>() * total)).collect();
        // Potential after adding each candidate, without storing n × trials distances.
        let cands: Vec<Vec<f32>> = ids
            .iter()
            .map(|&i| {
                points.row_into(i, &mut cand);
                cand.clone()
            })
            .collect();
        let norms: Vec<f64> = cands.iter().map(|c| c.iter().map(|&v| (v as f64) * (v as f64)).sum()).collect();
        let per_group: Vec<Vec<f64>> = map_groups(n, |range| {
            let mut acc = vec![0.0f64; cands.len()];
            for i in range {
                let w = points.weight(i);
                for (t, c) in cands.iter().enumerate() {
                    let dd = points.sq_dist(i, c, norms[t]).min(closest[i]);
                    acc[t] += w * dd as f64;
                }
            }
            acc
        });
        let cand_pots: Vec<f64> =
            (0..cands.len()).map(|t| per_group.iter().map(|g| g[t]).sum()).collect();
        let best = (0..cands.len()).fold(0, |b, t| if cand_pots[t] < cand_pots[b] { t } else { b });
        chosen.push(ids[best]);
        pots = update_closest(points, &cands[best], &mut closest);
    }
    Seeds { centroids: points.gather(&chosen) }
}

/// `k` distinct rows drawn without replacement, with probability
/// proportional to weight (Efraimidis–Spirakis keys `u^(1/w)`).
pub(crate) fn random_rows(points: &(impl Points + ?Sized), k: usize, rng: &mut ChaCha8Rng) -> Seeds {
    let mut keyed: Vec<(f64, usize)> = (0..points.n())
        .filter_map(|i| {
            let w = points.weight(i);
            let u: f64 = rng.random::<f64>();
            (w > 0.0).then(|| (u.ln() / w, i))
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let rows: Vec<usize> = keyed.iter().take(k).map(|&(_, i)| i).collect();
    Seeds { centroids: points.gather(&rows) }
}

/// k-means‖ (Bahmani et al. 2012): start from one weighted-random row; in each
/// round keep every row independently with probability `ℓ·w·D²/ψ`; weight
/// the candidates by the rows nearest them, and recluster the candidates with
/// weighted k-means++ and Lloyd. Row `i`'s coin in round `r` comes from a
/// stream fixed by (seed, r, group), so the draw ignores the thread count.
pub(crate) fn kmeans_parallel(
    points: &(impl Points + ?Sized),
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
    rng: &mut ChaCha8Rng,
) -> Seeds {
    let (n, d) = (points.n(), points.d());
    let ell = oversampling * k as f64;
    let mut chosen = vec![weighted_row(points, rng)];
    let mut centre = vec![0.0f32; d];
    points.row_into(chosen[0], &mut centre);
    let mut closest = vec![f32::INFINITY; n];
    let mut pots = update_closest(points, &centre, &mut closest);
    let round_seed: u64 = rng.random();
    for round in 0..rounds {
        let psi: f64 = pots.iter().sum();
        if psi <= 0.0 {
            break;
        }
        let picked: Vec<Vec<usize>> = groups(n)
            .into_par_iter()
            .enumerate()
            .map(|(g, range)| {
                let mut r = self::rng(round_seed ^ seed, ((round as u64) << 32) | g as u64);
                range
                    .filter(|&i| {
                        let p = ell * points.weight(i) * closest[i] as f64 / psi;
                        r.random::<f64>() < p
                    })
                    .collect()
            })
            .collect();
        let new: Vec<usize> = picked.into_iter().flatten().collect();
        if new.is_empty() {
            continue;
        }
        // Update D² with the new candidates through the fast assignment kernel.
        let cands = points.gather(&new);
        let mut labels = vec![0u32; n];
        let mut dists = vec![0f32; n];
        let parts = crate::points::assign_all(points, cands.view(), &mut labels, &mut dists, |_, _, _| ());
        drop(parts);
        closest.par_iter_mut().zip(dists.par_iter()).for_each(|(c, &dd)| *c = c.min(dd));
        pots = map_groups(n, |range| range.map(|i| points.weight(i) * closest[i] as f64).sum());
        chosen.extend(new);
    }
    chosen.sort_unstable();
    chosen.dedup();
    let cands = points.gather(&chosen);
    if chosen.len() <= k {
        // Too few candidates (tiny data or few distinct rows): fill with k-means++.
        return kmeans_plus_plus(points, k, rng);
    }
    // Weight each candidate by the total weight of the rows nearest to it.
    let mut labels = vec![0u32; n];
    let mut dists = vec![0f32; n];
    let counts: Vec<Vec<f64>> = crate::points::assign_all(points, cands.view(), &mut labels, &mut dists, |range, l, _| {
        let mut acc = vec![0.0f64; chosen.len()];
        for (o, i) in range.enumerate() {
            acc[l[o] as usize] += points.weight(i);
        }
        acc
    });
    let cw: Vec<f32> = (0..chosen.len()).map(|c| counts.iter().map(|g| g[c]).sum::<f64>() as f32).collect();
    let slice = cands.as_slice().expect("fresh array is contiguous");
    let sub = DenseRows::new(slice, chosen.len(), d, Some(&cw));
    let init = kmeans_plus_plus(&sub, k, rng).centroids;
    let run = crate::lloyd::lloyd(&sub, init, 300, 0.0, crate::Metric::Euclidean);
    Seeds { centroids: run.centroids }
}
