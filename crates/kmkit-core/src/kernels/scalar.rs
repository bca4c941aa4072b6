//! The reference kernels: plain loops, the definition every SIMD path is
//! tested against.

use super::{BoundStep, Kernels, Packed, LANES};

/// The scalar kernel set.
pub static KERNELS: Kernels = Kernels {
    name: "scalar",
    assign,
    sq_dist,
    sq_dists,
    sq_dist_rows,
    sparse_scores,
    axpy_f64,
    sq_dists_cols: sq_dists_cols_body,
    sort_by_label,
    advance_bounds,
};

pub(crate) fn assign(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let d = packed.d;
    scratch.resize(d, 0.0);
    for (i, (label, score)) in labels.iter_mut().zip(scores.iter_mut()).enumerate() {
        let row = &rows[i * d..(i + 1) * d];
        let x: &[f32] = match shift {
            Some(s) => {
                for j in 0..d {
                    scratch[j] = row[j] - s[j];
                }
                scratch
            }
            None => row,
        };
        let (mut best, mut best_c) = (f32::INFINITY, 0u32);
        for c in 0..packed.k {
            let (p, l) = (c / LANES, c % LANES);
            let panel = &packed.panels[p * d * LANES..(p + 1) * d * LANES];
            let mut s = packed.half_norms[c];
            for j in 0..d {
                s = (-x[j]).mul_add(panel[j * LANES + l], s);
            }
            if s < best {
                best = s;
                best_c = c as u32;
            }
        }
        *label = best_c;
        *score = best;
    }
}

pub(crate) fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

pub(crate) fn sq_dists(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]) {
    let d = x.len();
    for (o, &c) in out.iter_mut().zip(which) {
        *o = sq_dist(x, &cands[c as usize * d..][..d]);
    }
}

pub(crate) fn sq_dist_rows(d: usize, rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]) {
    for (r, (o, &c)) in out.iter_mut().zip(labels).enumerate() {
        *o = sq_dist(&rows[r * d..][..d], &cands[c as usize * d..][..d]);
    }
}

pub(crate) fn sparse_scores(idx: &[u32], val: &[f32], cols: &[f32], acc: &mut [f32]) -> usize {
    let k = acc.len();
    for (&j, &v) in idx.iter().zip(val) {
        let col = &cols[j as usize * k..][..k];
        for (a, &c) in acc.iter_mut().zip(col) {
            *a = (-v).mul_add(c, *a);
        }
    }
    let mut best = 0;
    for c in 1..k {
        if acc[c] < acc[best] {
            best = c;
        }
    }
    best
}

pub(crate) fn axpy_f64(w: f64, x: &[f32], y: &mut [f64]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += w * x as f64;
    }
}

/// The bounds every `sq_dists_cols` path relies on; returns `k`.
pub(crate) fn check_cols(x: &[f32], cols: &[f32], unit: &[f32], out: &[f32]) -> usize {
    let k = out.len();
    assert!(cols.len() >= x.len() * k, "sq_dists_cols: short columns");
    assert!(
        k.is_multiple_of(LANES) && unit.len() >= k,
        "sq_dists_cols: k of whole lanes"
    );
    k
}

/// The scalar `sq_dists_cols`, also compiled with wider instruction sets by
/// `x86_64.rs` (the same operations in the same order, so the same bits).
#[inline(always)]
pub(crate) fn sq_dists_cols_body(
    x: &[f32],
    cols: &[f32],
    unit: &[f32],
    skip: usize,
    out: &mut [f32],
) -> (f32, f32) {
    let k = check_cols(x, cols, unit, out);
    let inf = f32::INFINITY;
    let (mut other, mut cost) = ([inf; LANES], [inf; LANES]);
    for (p, (o, us)) in out
        .chunks_exact_mut(LANES)
        .zip(unit.chunks_exact(LANES))
        .enumerate()
    {
        // A lane's sum stays in a register over the coordinates (summed
        // through `out` in memory, each coordinate waited on the last
        // one's store).
        let mut acc = [0.0f32; LANES];
        for (j, &v) in x.iter().enumerate() {
            let col = &cols[j * k + p * LANES..][..LANES];
            for (a, &c) in acc.iter_mut().zip(col) {
                let t = v - c;
                *a += t * t;
            }
        }
        o.copy_from_slice(&acc);
        // Lane-wise minima (`if v < m` is the MINPS rule, so this
        // vectorises), with `skip` masked by index.
        for l in 0..LANES {
            let dc = if p * LANES + l == skip { inf } else { acc[l] };
            let uc = us[l] * dc;
            other[l] = if dc < other[l] { dc } else { other[l] };
            cost[l] = if uc < cost[l] { uc } else { cost[l] };
        }
    }
    // Halving, not lane by lane: one chain of 16 dependent minima was a
    // visible share of the call.
    let least = |mut m: [f32; LANES]| {
        let mut w = LANES;
        while w > 1 {
            w /= 2;
            for l in 0..w {
                m[l] = if m[l + w] < m[l] { m[l + w] } else { m[l] };
            }
        }
        m[0]
    };
    (least(other), least(cost))
}

/// The bounds [`Kernels::sort_by_label`](super::Kernels::sort_by_label)
/// needs, checked once for every path.
pub(crate) fn check_sort(labels: &[u32], k: usize, order: &[u32], start: &[usize]) {
    assert!(
        labels.len() <= 1 << 16 && order.len() >= labels.len() + LANES && start.len() > k,
        "sort_by_label: buffers too small"
    );
}

pub(crate) fn sort_by_label(labels: &[u32], k: usize, order: &mut [u32], start: &mut [usize]) {
    check_sort(labels, k, order, start);
    start[..=k].fill(0);
    if k <= 4 && labels.len() < 1 << 16 {
        // The counters are 16-bit fields of one register, so that two rows
        // of one cluster do not wait on each other's counter store, as they
        // do in memory.
        let field = |c: u32| 16 * (c & 3);
        let mut count = 0u64;
        for &c in labels {
            count += 1 << field(c);
        }
        let mut next = 0u64;
        for c in 0..k {
            start[c + 1] = start[c] + ((count >> field(c as u32)) as u16) as usize;
            next |= (start[c] as u64) << field(c as u32);
        }
        for (r, &c) in labels.iter().enumerate() {
            order[(next >> field(c)) as u16 as usize] = r as u32;
            next += 1 << field(c);
        }
        return;
    }
    for &c in labels {
        start[c as usize + 1] += 1;
    }
    for c in 0..k {
        start[c + 1] += start[c];
    }
    for (r, &c) in labels.iter().enumerate() {
        let at = &mut start[c as usize];
        order[*at] = r as u32;
        *at += 1;
    }
    // Each start[c] now holds the end of cluster c: shift them back.
    for c in (1..=k).rev() {
        start[c] = start[c - 1];
    }
    start[0] = 0;
}

/// The bounds [`Kernels::advance_bounds`](super::Kernels::advance_bounds)
/// needs, checked once for every path: `open` has the spare lanes a vector
/// store writes. (Each path checks the labels itself: indexing panics on a
/// label past `shift` or `leave`, a vector path asserts it.)
pub(crate) fn check_advance(labels: &[u32], bounds: &[[f64; 2]], open: &[u32]) {
    assert!(
        labels.len() == bounds.len()
            && open.len() >= labels.len() + LANES
            && labels.len() <= u32::MAX as usize,
        "advance_bounds: inconsistent buffers"
    );
}

pub(crate) fn advance_bounds(
    labels: &[u32],
    bounds: &mut [[f64; 2]],
    step: &BoundStep,
    open: &mut [u32],
) -> usize {
    check_advance(labels, bounds, open);
    advance_bounds_body(labels, bounds, step, open, 0, 0)
}

/// [`advance_bounds`] from row `from` on (a vector path's tail), with
/// `n_open` rows already listed; returns the new count.
#[inline(always)]
pub(crate) fn advance_bounds_body(
    labels: &[u32],
    bounds: &mut [[f64; 2]],
    step: &BoundStep,
    open: &mut [u32],
    from: usize,
    mut n_open: usize,
) -> usize {
    let BoundStep {
        shift,
        max,
        leave,
        join,
        unweighted,
    } = *step;
    for (o, (b, &a)) in bounds.iter_mut().zip(labels).enumerate().skip(from) {
        let a = a as usize;
        // By value, both halves at once: storing the halves and loading
        // the pair back stalled on store forwarding.
        let (upper, lower) = (b[0] + shift[a], (b[1] - max).max(0.0));
        *b = [upper, lower];
        let settled = unweighted && join * lower * lower >= leave[a] * upper * upper;
        open[n_open] = o as u32;
        n_open += !settled as usize;
    }
    n_open
}
