//! AVX2+FMA and AVX-512F kernels.
//!
//! [`Kernels::assign`] is a GEMM-style micro-kernel with the argmin fused in:
//! a tile of rows × panels of accumulators starts from the centroids' half
//! norms, each row coordinate is broadcast and FNMADD'd against whole panels,
//! and each finished accumulator is folded into a per-row running
//! (best score, best index) vector. One horizontal reduction per row ends it.
//!
//! Every accumulator computes `half_norm − Σ_j x_j·c_j` with one fused
//! multiply-add per coordinate in order `j = 0, 1, …`, exactly like
//! [`scalar`](super::scalar), so scores are bit-identical to the reference.
//!
//! Soundness: the functions in `AVX2` and `AVX512` are safe wrappers
//! around `#[target_feature]` code. That is sound only because the statics
//! are private to the crate and [`by_name`](super::by_name) hands them out
//! only after [`has_avx2`] / [`has_avx512`] returned true.

use super::{BoundStep, Kernels, Packed, LANES};

/// Prefetches every cache line of `data` (SSE, part of the x86_64 baseline).
pub fn prefetch(data: &[f32]) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    for line in data.chunks(16) {
        // SAFETY: a prefetch is only a hint: it never faults or reads memory
        // architecturally, and the pointer comes from a live slice.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
    }
}

/// Whether the CPU has AVX2 and FMA.
pub fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

/// Whether the CPU has AVX-512F (and AVX2/FMA, and POPCNT, which every
/// AVX-512 CPU has).
pub fn has_avx512() -> bool {
    has_avx2() && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("popcnt")
}

/// `sq_dist_rows` for `d ≤ 8` (returns false, writing nothing, above): in
/// plain arithmetic that the compiler vectorises across rows in the caller's
/// instruction set. Per row, a horizontal sum cost more than the distance at
/// d = 3, and AVX-512 gathers were slower than scalar code on Zen 4.
/// Bit-identical to `sq_dist`: for `d ≤ 8` both the AVX2 and the AVX-512
/// `sq_dist` hold `(a_j − b_j)²` in lane `j` and zeros above and add the
/// lanes as `((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))` (adding the
/// zeros is exact, so skipped here).
#[inline(always)]
fn low_d_rows(d: usize, rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]) -> bool {
    match d {
        1 => rows_d::<1>(rows, cands, labels, out),
        2 => rows_d::<2>(rows, cands, labels, out),
        3 => rows_d::<3>(rows, cands, labels, out),
        4 => rows_d::<4>(rows, cands, labels, out),
        5 => rows_d::<5>(rows, cands, labels, out),
        6 => rows_d::<6>(rows, cands, labels, out),
        7 => rows_d::<7>(rows, cands, labels, out),
        8 => rows_d::<8>(rows, cands, labels, out),
        _ => return false,
    }
    true
}

/// [`low_d_rows`] for `d = D`. Rows that all share one centroid (a seeding
/// scan against one candidate) read it once, which lets the loop vectorise.
#[inline(always)]
fn rows_d<const D: usize>(rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]) {
    let sq = |r: &[f32], c: &[f32]| {
        let s: [f32; D] = std::array::from_fn(|j| (r[j] - c[j]) * (r[j] - c[j]));
        let at = |j: usize| s.get(j).copied();
        let pair = |a: Option<f32>, b: Option<f32>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        let lo = pair(pair(at(0), at(4)), pair(at(2), at(6)));
        let hi = pair(pair(at(1), at(5)), pair(at(3), at(7)));
        pair(lo, hi).unwrap_or(0.0)
    };
    let rows = rows.chunks_exact(D);
    match labels.first() {
        Some(&first) if labels.iter().all(|&c| c == first) => {
            let c: [f32; D] = std::array::from_fn(|j| cands[first as usize * D + j]);
            out.iter_mut().zip(rows).for_each(|(o, r)| *o = sq(r, &c));
        }
        _ => {
            for ((o, r), &c) in out.iter_mut().zip(rows).zip(labels) {
                *o = sq(r, &cands[c as usize * D..][..D]);
            }
        }
    }
}

/// AVX2 + FMA kernels. Crate-private: see the module docs on soundness.
pub(crate) static AVX2: Kernels = Kernels {
    name: "avx2",
    assign: avx2_assign,
    sq_dist: avx2_sq_dist,
    sq_dists: avx2_sq_dists,
    sq_dist_rows: avx2_sq_dist_rows,
    sparse_scores: avx2_sparse_scores,
    axpy_f64: avx2_axpy_f64,
    sq_dists_cols: avx2_sq_dists_cols,
    sort_by_label: super::scalar::sort_by_label,
    advance_bounds: super::scalar::advance_bounds,
};

/// AVX-512 kernels. Crate-private: see the module docs on soundness.
pub(crate) static AVX512: Kernels = Kernels {
    name: "avx512",
    assign: avx512_assign,
    sq_dist: avx512_sq_dist,
    sq_dists: avx512_sq_dists,
    sq_dist_rows: avx512_sq_dist_rows,
    sparse_scores: avx512_sparse_scores,
    axpy_f64: avx512_axpy_f64,
    sq_dists_cols: avx512_sq_dists_cols,
    sort_by_label: avx512_sort_by_label,
    advance_bounds: avx512_advance_bounds,
};

fn avx2_assign(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    debug_assert!(has_avx2());
    if (1..=LOW_D).contains(&packed.d) {
        low_d_tiles::<{ avx2::LOW_D_ROWS }>(
            rows,
            shift,
            packed,
            labels,
            scores,
            scratch,
            |x, shift, labels, scores| {
                // SAFETY: reachable only through `AVX2`, handed out after
                // `has_avx2()`; `d` is within 1..=LOW_D and `shift` holds d.
                unsafe { avx2::tile_low_d(x, shift, packed, labels, scores) }
            },
        );
        return;
    }
    for_each_tile::<{ avx2::ROWS }>(
        rows,
        shift,
        packed,
        labels,
        scores,
        scratch,
        |x, labels, scores| {
            // SAFETY: this function is reachable only through `AVX2`, which
            // `by_name` hands out only after `has_avx2()` confirmed AVX2 and FMA.
            unsafe { avx2::tile(x, packed, labels, scores) }
        },
    );
}

fn avx2_sq_dist(a: &[f32], b: &[f32]) -> f32 {
    debug_assert!(has_avx2());
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`.
    unsafe { avx2::sq_dist(a, b) }
}

fn avx2_sq_dists(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]) {
    debug_assert!(has_avx2());
    check_rows(x.len(), cands, which);
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`;
    // `check_rows` keeps every indexed row inside `cands`.
    unsafe { avx2::sq_dists(x, cands, which, out) }
}

fn avx2_sq_dist_rows(d: usize, rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]) {
    debug_assert!(has_avx2());
    check_rows(d, cands, labels);
    assert!(
        rows.len() >= out.len().min(labels.len()) * d,
        "too few rows"
    );
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`;
    // the checks above keep every row inside `rows` and `cands`.
    unsafe { avx2::sq_dist_rows(d, rows, cands, labels, out) }
}

fn avx2_sparse_scores(idx: &[u32], val: &[f32], cols: &[f32], acc: &mut [f32]) -> usize {
    debug_assert!(has_avx2());
    check_columns(idx, cols, acc.len());
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`;
    // `check_columns` keeps every column read inside `cols`.
    unsafe { avx2::sparse_scores(idx, val, cols, acc) }
}

fn avx512_assign(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    debug_assert!(has_avx512());
    if (1..=LOW_D).contains(&packed.d) {
        low_d_tiles::<{ avx512::LOW_D_ROWS }>(
            rows,
            shift,
            packed,
            labels,
            scores,
            scratch,
            |x, shift, labels, scores| {
                // SAFETY: reachable only through `AVX512`, handed out after
                // `has_avx512()`; `d` is within 1..=LOW_D and `shift` holds d.
                unsafe { avx512::tile_low_d(x, shift, packed, labels, scores) }
            },
        );
        return;
    }
    for_each_tile::<{ avx512::ROWS }>(
        rows,
        shift,
        packed,
        labels,
        scores,
        scratch,
        |x, labels, scores| {
            // SAFETY: this function is reachable only through `AVX512`, which
            // `by_name` hands out only after `has_avx512()` confirmed AVX-512F.
            unsafe { avx512::tile(x, packed, labels, scores) }
        },
    );
}

fn avx512_sq_dist(a: &[f32], b: &[f32]) -> f32 {
    debug_assert!(has_avx512());
    // SAFETY: reachable only through `AVX512`, handed out after `has_avx512()`.
    unsafe { avx512::sq_dist(a, b) }
}

fn avx512_sq_dists(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]) {
    debug_assert!(has_avx512());
    check_rows(x.len(), cands, which);
    // SAFETY: reachable only through `AVX512`, handed out after `has_avx512()`;
    // `check_rows` keeps every indexed row inside `cands`.
    unsafe { avx512::sq_dists(x, cands, which, out) }
}

fn avx512_sq_dist_rows(d: usize, rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]) {
    debug_assert!(has_avx512());
    check_rows(d, cands, labels);
    assert!(
        rows.len() >= out.len().min(labels.len()) * d,
        "too few rows"
    );
    // SAFETY: reachable only through `AVX512`, handed out after `has_avx512()`;
    // the checks above keep every row inside `rows` and `cands`.
    unsafe { avx512::sq_dist_rows(d, rows, cands, labels, out) }
}

fn avx512_sparse_scores(idx: &[u32], val: &[f32], cols: &[f32], acc: &mut [f32]) -> usize {
    debug_assert!(has_avx512());
    check_columns(idx, cols, acc.len());
    // SAFETY: reachable only through `AVX512`, handed out after `has_avx512()`;
    // `check_columns` keeps every column read inside `cols`.
    unsafe { avx512::sparse_scores(idx, val, cols, acc) }
}

/// Every column `idx[t]` (of `k` floats) lies inside `cols`.
fn check_columns(idx: &[u32], cols: &[f32], k: usize) {
    let n_cols = cols.len().checked_div(k).unwrap_or(usize::MAX);
    assert!(
        idx.iter().all(|&j| (j as usize) < n_cols),
        "column index out of range"
    );
}

fn avx2_axpy_f64(w: f64, x: &[f32], y: &mut [f64]) {
    debug_assert!(has_avx2());
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`.
    unsafe { avx2::axpy_f64(w, x, y) }
}

fn avx512_axpy_f64(w: f64, x: &[f32], y: &mut [f64]) {
    debug_assert!(has_avx512());
    // SAFETY: reachable only through `AVX512`, handed out after `has_avx512()`.
    unsafe { avx512::axpy_f64(w, x, y) }
}

/// The scalar loop compiled for AVX2: the compiler vectorises it across
/// centroids; Rust never fuses the product and the sum, so the bits are the
/// scalar ones.
#[target_feature(enable = "avx2")]
fn avx2_cols(x: &[f32], cols: &[f32], unit: &[f32], skip: usize, out: &mut [f32]) -> (f32, f32) {
    super::scalar::sq_dists_cols_body(x, cols, unit, skip, out)
}

fn avx2_sq_dists_cols(
    x: &[f32],
    cols: &[f32],
    unit: &[f32],
    skip: usize,
    out: &mut [f32],
) -> (f32, f32) {
    debug_assert!(has_avx2());
    // SAFETY: reachable only through `AVX2`, handed out after `has_avx2()`.
    unsafe { avx2_cols(x, cols, unit, skip, out) }
}

fn avx512_sq_dists_cols(
    x: &[f32],
    cols: &[f32],
    unit: &[f32],
    skip: usize,
    out: &mut [f32],
) -> (f32, f32) {
    debug_assert!(has_avx512());
    super::scalar::check_cols(x, cols, unit, out);
    // SAFETY: reachable only through `AVX512`, handed out after
    // `has_avx512()`; the bounds were checked above.
    unsafe { avx512::sq_dists_cols(x, cols, unit, skip, out) }
}

fn avx512_sort_by_label(labels: &[u32], k: usize, order: &mut [u32], start: &mut [usize]) {
    debug_assert!(has_avx512());
    if k > avx512::COMPRESS_MAX_K {
        return super::scalar::sort_by_label(labels, k, order, start);
    }
    super::scalar::check_sort(labels, k, order, start);
    // SAFETY: reachable only through `AVX512`, handed out after
    // `has_avx512()`; the bounds were checked above.
    unsafe { avx512::sort_by_label(labels, k, order, start) }
}

fn avx512_advance_bounds(
    labels: &[u32],
    bounds: &mut [[f64; 2]],
    step: &BoundStep,
    open: &mut [u32],
) -> usize {
    debug_assert!(has_avx512());
    super::scalar::check_advance(labels, bounds, open);
    // SAFETY: reachable only through `AVX512`, handed out after
    // `has_avx512()`; the bounds were checked above.
    unsafe { avx512::advance_bounds(labels, bounds, step, open) }
}

/// Every row named in `which` lies inside `cands` (rows of `d` floats).
fn check_rows(d: usize, cands: &[f32], which: &[u32]) {
    let rows = cands.len().checked_div(d).unwrap_or(usize::MAX);
    assert!(
        which.iter().all(|&c| (c as usize) < rows),
        "candidate row out of range"
    );
}

/// [`for_each_tile`] for `d ≤ 8`, tiles of `R` rows: whole tiles are read
/// in place and shifted in registers by `tile` (it subtracts the same
/// `v − m` the staging copy would), so that only the last, short tile is
/// copied. At d = 3 the staging copy took as long as the kernel.
fn low_d_tiles<const R: usize>(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
    tile: impl Fn(&[f32], &[f32], &mut [u32; R], &mut [f32; R]),
) {
    let d = packed.d;
    check_assign(rows, shift, d, labels, scores);
    let zero = [0.0f32; LOW_D];
    let shift = shift.map_or(&zero[..d], |s| &s[..d]);
    let (mut tile_labels, mut tile_scores) = ([0u32; R], [0.0f32; R]);
    for (t, (labels, scores)) in labels.chunks_mut(R).zip(scores.chunks_mut(R)).enumerate() {
        let n = labels.len();
        let src = &rows[t * R * d..(t * R + n) * d];
        if n == R {
            let labels = labels.try_into().expect("a whole tile");
            let scores = scores.try_into().expect("a whole tile");
            tile(src, shift, labels, scores);
        } else {
            scratch.resize(R * d, 0.0);
            stage(src, None, d, scratch);
            tile(scratch, shift, &mut tile_labels, &mut tile_scores);
            labels.copy_from_slice(&tile_labels[..n]);
            scores.copy_from_slice(&tile_scores[..n]);
        }
    }
}

/// Largest dimension the transposed low-dimension tiles serve.
const LOW_D: usize = 8;

/// The bounds an `assign` call must respect: enough rows for the labels,
/// as many scores as labels, and a shift of at least `d` (a short one would
/// leave stale coordinates in a tile).
fn check_assign(rows: &[f32], shift: Option<&[f32]>, d: usize, labels: &[u32], scores: &[f32]) {
    assert!(
        rows.len() >= labels.len() * d,
        "assign: {} floats for {} rows of {d}",
        rows.len(),
        labels.len()
    );
    assert_eq!(
        labels.len(),
        scores.len(),
        "assign: labels and scores differ in length"
    );
    assert!(
        shift.is_none_or(|s| s.len() >= d),
        "assign: shift shorter than d = {d}"
    );
}

/// The row loop both instruction sets share: cuts the rows into tiles of `R`,
/// hands each tile to `tile` as `R × d` contiguous floats and copies back the
/// labels and scores of the real rows.
///
/// A tile is staged in `scratch` when it must be shifted (once per row, not
/// once per centroid) or when it is the last, short one: its missing rows are
/// zero-filled so that the micro-kernel only ever sees whole tiles.
fn for_each_tile<const R: usize>(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
    tile: impl Fn(&[f32], &mut [u32; R], &mut [f32; R]),
) {
    let d = packed.d;
    check_assign(rows, shift, d, labels, scores);
    scratch.resize(R * d, 0.0);
    let (mut tile_labels, mut tile_scores) = ([0u32; R], [0.0f32; R]);
    for (t, (labels, scores)) in labels.chunks_mut(R).zip(scores.chunks_mut(R)).enumerate() {
        let n = labels.len();
        let src = &rows[t * R * d..(t * R + n) * d];
        let x: &[f32] = if shift.is_none() && n == R {
            src
        } else {
            stage(src, shift, d, scratch);
            scratch
        };
        // The next tile's rows, fetched while this one computes: at d = 64,
        // k = 256 the copy into `scratch` otherwise stalled on memory for
        // 8 % of a Lloyd iteration (the hardware prefetcher does not run
        // that far ahead of a compute-bound loop).
        let next = ((t + 1) * R * d).min(rows.len())..((t + 2) * R * d).min(rows.len());
        prefetch(&rows[next]);
        tile(x, &mut tile_labels, &mut tile_scores);
        labels.copy_from_slice(&tile_labels[..n]);
        scores.copy_from_slice(&tile_scores[..n]);
    }
}

/// Writes `src` minus `shift` (per row) into the front of `dst`, zeros after.
fn stage(src: &[f32], shift: Option<&[f32]>, d: usize, dst: &mut [f32]) {
    let (head, pad) = dst.split_at_mut(src.len());
    match shift {
        Some(s) if d > 0 => {
            for (out, row) in head.chunks_exact_mut(d).zip(src.chunks_exact(d)) {
                for ((o, &v), &m) in out.iter_mut().zip(row).zip(s) {
                    *o = v - m;
                }
            }
        }
        _ => head.copy_from_slice(src),
    }
    pad.fill(0.0);
}

/// Checks, once per tile, every bound the micro-kernels then rely on when
/// they read through raw pointers.
fn check_tile(x: &[f32], packed: &Packed, rows: usize) {
    let (d, n_panels) = (packed.d, packed.n_panels());
    assert!(
        x.len() >= rows * d,
        "tile: {} floats for {rows} rows of {d}",
        x.len()
    );
    assert!(
        packed.panels.len() >= n_panels * d * LANES,
        "tile: packed panels are short"
    );
}

/// AVX-512F: one panel of 16 centroids is one zmm register.
mod avx512 {
    use std::arch::x86_64::*;

    use super::{check_tile, low_d_rows, BoundStep, Packed, LANES};

    /// Rows per tile. With [`PANELS`] this gives 24 accumulators, plus the
    /// panel loads, within the 32 zmm registers; 24 independent FMA chains
    /// hide the FMA latency with room to spare. (On Zen 4, which runs a zmm
    /// FMA as two halves, 8×2, 6×4, 4×4 and 4×6 measured the same within
    /// noise; 8×3 keeps the row broadcasts per FMA low.)
    pub(super) const ROWS: usize = 8;
    /// Panels per tile; the last one or two panels get their own tile.
    const PANELS: usize = 3;

    /// Per-row running argmin: lane `l` holds the best score seen in lane `l`
    /// of any panel so far and the centroid index it came from.
    struct Best<const R: usize> {
        score: [__m512; R],
        index: [__m512i; R],
    }

    /// Rows per low-dimension tile: two registers of 16 rows.
    pub(super) const LOW_D_ROWS: usize = 32;

    /// [`tile`] for `d ≤ LOW_D`, transposed: one lane per row, centroids
    /// broadcast one at a time. At a few coordinates the panel kernel spends
    /// most of its time in the per-row horizontal argmin; here the argmin is
    /// a lane-wise compare and blend and no horizontal step is left. Each
    /// score is the same `half_norm − Σ_j x_j·c_j`, one FNMADD per coordinate
    /// in order, so labels and scores are bit-identical to [`tile`]; the
    /// centroid loop runs in index order with a strict compare, so ties keep
    /// the lower index, as there.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, and `1 ≤ packed.d ≤ LOW_D`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile_low_d(
        x: &[f32],
        shift: &[f32],
        packed: &Packed,
        labels: &mut [u32; LOW_D_ROWS],
        scores: &mut [f32; LOW_D_ROWS],
    ) {
        check_tile(x, packed, LOW_D_ROWS);
        assert!(shift.len() >= packed.d, "tile: shift shorter than d");
        match packed.d {
            1 => low_d::<1>(x, shift, packed, labels, scores),
            2 => low_d::<2>(x, shift, packed, labels, scores),
            3 => low_d::<3>(x, shift, packed, labels, scores),
            4 => low_d::<4>(x, shift, packed, labels, scores),
            5 => low_d::<5>(x, shift, packed, labels, scores),
            6 => low_d::<6>(x, shift, packed, labels, scores),
            7 => low_d::<7>(x, shift, packed, labels, scores),
            _ => low_d::<8>(x, shift, packed, labels, scores),
        }
    }

    /// [`tile_low_d`] for a dimension known at compile time.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn low_d<const D: usize>(
        x: &[f32],
        shift: &[f32],
        packed: &Packed,
        labels: &mut [u32; LOW_D_ROWS],
        scores: &mut [f32; LOW_D_ROWS],
    ) {
        const G: usize = LOW_D_ROWS / LANES;
        // Coordinate j of the 16 rows of group g, one register each.
        let mut xt = [[_mm512_setzero_ps(); D]; G];
        for (g, xt) in xt.iter_mut().enumerate() {
            // The group's 16 rows are D registers of 16 floats; coordinate j
            // of row r is float r·D + j of them. Two-register permutes
            // gather each column (scalar copies through memory took longer
            // than the distances).
            // SAFETY: `check_tile` confirmed LOW_D_ROWS·D floats.
            let regs: [__m512; D] = std::array::from_fn(|q| unsafe {
                _mm512_loadu_ps(x.as_ptr().add((g * D + q) * LANES))
            });
            for (j, xt) in xt.iter_mut().enumerate() {
                let mut col = _mm512_setzero_ps();
                for p in 0..D.div_ceil(2) {
                    // Lanes whose float lies in registers 2p or 2p+1.
                    let idx: [i32; LANES] =
                        std::array::from_fn(|r| ((r * D + j) % (2 * LANES)) as i32);
                    let mask = (0..LANES).fold(0u16, |m, r| {
                        m | (((r * D + j) / (2 * LANES) == p) as u16) << r
                    });
                    let hi = if 2 * p + 1 < D {
                        regs[2 * p + 1]
                    } else {
                        regs[2 * p]
                    };
                    // SAFETY: `idx` holds 16 indices.
                    let idx = unsafe { _mm512_loadu_si512(idx.as_ptr().cast()) };
                    let t = _mm512_permutex2var_ps(regs[2 * p], idx, hi);
                    col = _mm512_mask_mov_ps(col, mask, t);
                }
                *xt = _mm512_sub_ps(col, _mm512_set1_ps(shift[j]));
            }
        }
        // CHAINS running argmins per group, centroid c in chain c % CHAINS:
        // one chain would serialise every compare-and-blend on the last.
        const CHAINS: usize = 4;
        let mut chain_best = [[_mm512_set1_ps(f32::INFINITY); G]; CHAINS];
        let mut chain_index = [[_mm512_setzero_si512(); G]; CHAINS];
        // Folds centroid c into one chain's running argmin.
        let step = |c: usize, best: &mut [__m512; G], index: &mut [__m512i; G]| {
            // Centroid c is lane c % LANES of panel c / LANES.
            let base = (c / LANES) * D * LANES + c % LANES;
            let mut s = [_mm512_set1_ps(packed.half_norms[c]); G];
            #[allow(clippy::needless_range_loop)] // j walks xt's inner index
            for j in 0..D {
                let cj = _mm512_set1_ps(packed.panels[base + j * LANES]);
                for g in 0..G {
                    s[g] = _mm512_fnmadd_ps(xt[g][j], cj, s[g]);
                }
            }
            let ci = _mm512_set1_epi32(c as i32);
            for g in 0..G {
                let better = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(s[g], best[g]);
                best[g] = _mm512_mask_mov_ps(best[g], better, s[g]);
                index[g] = _mm512_mask_mov_epi32(index[g], better, ci);
            }
        };
        // Whole rounds of CHAINS centroids, so each chain stays in registers.
        let rounds = packed.k / CHAINS;
        for r in 0..rounds {
            for ch in 0..CHAINS {
                step(r * CHAINS + ch, &mut chain_best[ch], &mut chain_index[ch]);
            }
        }
        for ch in 0..packed.k % CHAINS {
            step(
                rounds * CHAINS + ch,
                &mut chain_best[ch],
                &mut chain_index[ch],
            );
        }
        // Merge the chains: the least score, and on a tie the lower index.
        let (mut best, mut index) = (chain_best[0], chain_index[0]);
        for ch in 1..CHAINS {
            for g in 0..G {
                let (s, i) = (chain_best[ch][g], chain_index[ch][g]);
                let less = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(s, best[g]);
                let tie = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(s, best[g])
                    & _mm512_cmp_epu32_mask::<_MM_CMPINT_LT>(i, index[g]);
                best[g] = _mm512_mask_mov_ps(best[g], less | tie, s);
                index[g] = _mm512_mask_mov_epi32(index[g], less | tie, i);
            }
        }
        for g in 0..G {
            // SAFETY: each destination holds LOW_D_ROWS = G·16 elements.
            unsafe {
                _mm512_storeu_ps(scores[g * LANES..].as_mut_ptr(), best[g]);
                _mm512_storeu_si512(labels[g * LANES..].as_mut_ptr().cast(), index[g]);
            }
        }
    }

    /// Labels and scores of one tile of `R` rows (`x` holds `R × d` floats).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile<const R: usize>(
        x: &[f32],
        packed: &Packed,
        labels: &mut [u32; R],
        scores: &mut [f32; R],
    ) {
        check_tile(x, packed, R);
        // Lanes that never improve keep index 0 and score +∞, so a row whose
        // scores are all +∞ gets label 0, as in the scalar reference.
        let mut best = Best {
            score: [_mm512_set1_ps(f32::INFINITY); R],
            index: [_mm512_setzero_si512(); R],
        };
        const _: () = assert!(PANELS == 3, "the remainder below handles 1 or 2 panels");
        let n_panels = packed.n_panels();
        let mut p = 0;
        while p + PANELS <= n_panels {
            panels::<R, PANELS>(x, packed, p, &mut best);
            p += PANELS;
        }
        match n_panels - p {
            0 => {}
            1 => panels::<R, 1>(x, packed, p, &mut best),
            _ => panels::<R, 2>(x, packed, p, &mut best),
        }
        for r in 0..R {
            (labels[r], scores[r]) = reduce(best.score[r], best.index[r]);
        }
    }

    /// The micro-kernel: `R` rows × panels `p0..p0 + P`, folded into `best`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn panels<const R: usize, const P: usize>(
        x: &[f32],
        packed: &Packed,
        p0: usize,
        best: &mut Best<R>,
    ) {
        let d = packed.d;
        let mut acc = [[_mm512_setzero_ps(); P]; R];
        for p in 0..P {
            // SAFETY: p0 + p < n_panels = half_norms.len() / LANES, so the
            // 16 floats from (p0 + p)·LANES are in bounds.
            let h = unsafe { _mm512_loadu_ps(packed.half_norms[(p0 + p) * LANES..].as_ptr()) };
            for row in acc.iter_mut() {
                row[p] = h;
            }
        }
        let panel = packed.panels.as_ptr();
        let xs = x.as_ptr();
        for j in 0..d {
            let mut c = [_mm512_setzero_ps(); P];
            for (p, c) in c.iter_mut().enumerate() {
                // SAFETY: `check_tile` verified panels.len() ≥ n_panels·d·LANES,
                // and (p0 + p, j) is in range, so these 16 floats are in bounds.
                *c = unsafe { _mm512_loadu_ps(panel.add(((p0 + p) * d + j) * LANES)) };
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: `check_tile` verified x.len() ≥ R·d; r < R, j < d.
                let xb = _mm512_set1_ps(unsafe { *xs.add(r * d + j) });
                for p in 0..P {
                    acc[p] = _mm512_fnmadd_ps(xb, c[p], acc[p]);
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            for (p, &scores) in row.iter().enumerate() {
                best.fold(r, scores, p0 + p);
            }
        }
    }

    impl<const R: usize> Best<R> {
        /// Folds the scores of panel `p` for row `r` into the running best.
        /// Strictly smaller only: each row sees its panels in index order, so
        /// on a tie a lane keeps the lower centroid index.
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn fold(&mut self, r: usize, scores: __m512, p: usize) {
            let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            let index = _mm512_add_epi32(lanes, _mm512_set1_epi32((p * LANES) as i32));
            let better = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(scores, self.score[r]);
            self.score[r] = _mm512_mask_mov_ps(self.score[r], better, scores);
            self.index[r] = _mm512_mask_mov_epi32(self.index[r], better, index);
        }
    }

    /// The least score across lanes and, among lanes holding it, the least index.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn reduce(score: __m512, index: __m512i) -> (u32, f32) {
        let min = _mm512_reduce_min_ps(score);
        let at_min = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(score, _mm512_set1_ps(min));
        (_mm512_mask_reduce_min_epu32(at_min, index), min)
    }

    /// [`sq_dist`] of `x` to each row `which[j]` of `cands`, inlined.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, and every row in `which` must lie inside
    /// `cands`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sq_dists(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]) {
        let d = x.len();
        // SAFETY (both closures): the caller checked that every row in
        // `which` lies inside `cands`; the CPU features are ours.
        let row = |c: u32| unsafe { cands.get_unchecked(c as usize * d..(c as usize + 1) * d) };
        let mut quads = which.chunks_exact(4);
        let mut outs = out.chunks_exact_mut(4);
        for (q, o) in (&mut quads).zip(&mut outs) {
            let v = [0, 1, 2, 3].map(|j| unsafe { lanes(x, row(q[j])) });
            o.copy_from_slice(&halving_sum4(v));
        }
        for (o, &c) in outs.into_remainder().iter_mut().zip(quads.remainder()) {
            *o = halving_sum(unsafe { lanes(x, row(c)) });
        }
    }

    /// [`sq_dist`] of each row of `rows` to its labelled row of `cands`,
    /// four rows at a time through [`halving_sum4`].
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `rows` must hold `out.len()` rows and
    /// every label must name a row inside `cands`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sq_dist_rows(
        d: usize,
        rows: &[f32],
        cands: &[f32],
        labels: &[u32],
        out: &mut [f32],
    ) {
        // SAFETY (all closures): the caller checked both bounds.
        let pair = |r: usize| unsafe {
            let c = *labels.get_unchecked(r) as usize;
            lanes(
                rows.get_unchecked(r * d..(r + 1) * d),
                cands.get_unchecked(c * d..(c + 1) * d),
            )
        };
        let n = out.len().min(labels.len());
        if low_d_rows(d, rows, cands, labels, out) {
            return;
        }
        let mut r = 0;
        while r + 4 <= n {
            out[r..r + 4].copy_from_slice(&halving_sum4([0, 1, 2, 3].map(|j| pair(r + j))));
            r += 4;
        }
        for (r, o) in out.iter_mut().enumerate().take(n).skip(r) {
            *o = halving_sum(pair(r));
        }
    }

    /// `Σ (a_j − b_j)²` over the common length: [`lanes`], then [`halving_sum`].
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: same CPU features.
        halving_sum(unsafe { lanes(a, b) })
    }

    /// The per-lane partial sums of `Σ (a_j − b_j)²`: four accumulators
    /// over 64-float blocks (the tail into the first), added pairwise.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn lanes(a: &[f32], b: &[f32]) -> __m512 {
        let n = a.len().min(b.len());
        let (a, b) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        while i + 4 * 16 <= n {
            for (u, acc) in acc.iter_mut().enumerate() {
                // SAFETY: i + 16u + 16 ≤ n, within both slices.
                let diff = unsafe {
                    _mm512_sub_ps(
                        _mm512_loadu_ps(a.add(i + 16 * u)),
                        _mm512_loadu_ps(b.add(i + 16 * u)),
                    )
                };
                *acc = _mm512_fmadd_ps(diff, diff, *acc);
            }
            i += 4 * 16;
        }
        while i < n {
            let m = tail_mask(n - i);
            // SAFETY: masked-off lanes are not read, the others are < n.
            let diff = unsafe {
                _mm512_sub_ps(
                    _mm512_maskz_loadu_ps(m, a.add(i)),
                    _mm512_maskz_loadu_ps(m, b.add(i)),
                )
            };
            acc[0] = _mm512_fmadd_ps(diff, diff, acc[0]);
            i += 16;
        }
        _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]))
    }

    /// The sum of 16 lanes by halving: lane `l` + lane `l + 8`, then
    /// `l + 4`, `l + 2`, `l + 1`. Written out (rather than
    /// `_mm512_reduce_add_ps`) so that [`halving_sum4`] can follow the
    /// same tree for four vectors at once.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn halving_sum(v: __m512) -> f32 {
        let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)));
        let y = _mm256_add_ps(_mm512_castps512_ps256(v), hi);
        let z = _mm_add_ps(_mm256_castps256_ps128(y), _mm256_extractf128_ps::<1>(y));
        let w = _mm_add_ps(z, _mm_movehl_ps(z, z));
        _mm_cvtss_f32(_mm_add_ss(w, _mm_movehdup_ps(w)))
    }

    /// [`halving_sum`] of four vectors, bit-identical, with the levels
    /// shared: each step halves the lanes of every vector and packs two
    /// results into one register (IEEE addition is commutative, so only
    /// the pairing of lanes matters).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn halving_sum4(v: [__m512; 4]) -> [f32; 4] {
        // l + 8: [v0 | v1] and [v2 | v3] by 256-bit halves.
        let y01 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(v[0], v[1]),
            _mm512_shuffle_f32x4::<0xEE>(v[0], v[1]),
        );
        let y23 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(v[2], v[3]),
            _mm512_shuffle_f32x4::<0xEE>(v[2], v[3]),
        );
        // l + 4: 128-bit lane t now belongs to vector t.
        let z = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(y01, y23),
            _mm512_shuffle_f32x4::<0xDD>(y01, y23),
        );
        // l + 2, then l + 1, within each 128-bit lane.
        let w = _mm512_add_ps(z, _mm512_permute_ps::<0x4E>(z));
        let s = _mm512_add_ps(w, _mm512_permute_ps::<0xB1>(w));
        let mut all = [0.0f32; 16];
        // SAFETY: `all` holds 16 floats.
        unsafe { _mm512_storeu_ps(all.as_mut_ptr(), s) };
        [all[0], all[4], all[8], all[12]]
    }

    /// [`Kernels::sparse_scores`](super::super::Kernels::sparse_scores):
    /// 16 centroids per register, each kept in a register over the whole row.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, and every `idx[t]` must satisfy
    /// `(idx[t] + 1) · acc.len() ≤ cols.len()`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sparse_scores(
        idx: &[u32],
        val: &[f32],
        cols: &[f32],
        acc: &mut [f32],
    ) -> usize {
        let k = acc.len();
        let (cols, out) = (cols.as_ptr(), acc.as_mut_ptr());
        let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let mut best = _mm512_set1_ps(f32::INFINITY);
        let mut best_index = _mm512_setzero_si512();
        // Two registers of centroids per pass: two independent FMA chains.
        let mut c = 0;
        while c < k {
            let m = [tail_mask(k - c), tail_mask((k - c).saturating_sub(16))];
            // SAFETY: only lanes below k are read or written (an all-zero
            // mask touches no memory, hence `wrapping_add` for the second
            // register's address, which may lie past the end); every column
            // `j` holds k floats inside `cols` (the caller's contract).
            let a = unsafe {
                let mut a = [
                    _mm512_maskz_loadu_ps(m[0], out.add(c)),
                    _mm512_maskz_loadu_ps(m[1], out.wrapping_add(c + 16)),
                ];
                for (&j, &v) in idx.iter().zip(val) {
                    let (col, v) = (cols.add(j as usize * k + c), _mm512_set1_ps(-v));
                    a[0] = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m[0], col), a[0]);
                    a[1] =
                        _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m[1], col.wrapping_add(16)), a[1]);
                }
                _mm512_mask_storeu_ps(out.add(c), m[0], a[0]);
                _mm512_mask_storeu_ps(out.wrapping_add(c + 16), m[1], a[1]);
                a
            };
            // Strictly smaller only, chunks in index order: a lane keeps the
            // lower index on a tie; lanes past k never take part.
            for h in 0..2 {
                let better = _mm512_mask_cmp_ps_mask::<_CMP_LT_OQ>(m[h], a[h], best);
                best = _mm512_mask_mov_ps(best, better, a[h]);
                let index = _mm512_add_epi32(lanes, _mm512_set1_epi32((c + 16 * h) as i32));
                best_index = _mm512_mask_mov_epi32(best_index, better, index);
            }
            c += 32;
        }
        if k == 0 {
            return 0;
        }
        reduce(best, best_index).0 as usize
    }

    /// [`Kernels::sq_dists_cols`](super::super::Kernels::sq_dists_cols):
    /// one register of 16 centroids per step, its sum kept in the register
    /// over the coordinates (the scalar loop's operations in its order, so
    /// its bits), the minima taken in registers and reduced once.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `out.len()` is a multiple of 16, and
    /// `cols` and `unit` hold `x.len() · out.len()` and `out.len()` floats.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sq_dists_cols(
        x: &[f32],
        cols: &[f32],
        unit: &[f32],
        skip: usize,
        out: &mut [f32],
    ) -> (f32, f32) {
        let k = out.len();
        let lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let inf = _mm512_set1_ps(f32::INFINITY);
        let (mut other, mut cost) = (inf, inf);
        for p in (0..k).step_by(LANES) {
            let mut acc = _mm512_setzero_ps();
            for (j, &v) in x.iter().enumerate() {
                // SAFETY: j·k + p + 16 ≤ d·k, within `cols` (the caller's bound).
                let c = unsafe { _mm512_loadu_ps(cols.as_ptr().add(j * k + p)) };
                let t = _mm512_sub_ps(_mm512_set1_ps(v), c);
                acc = _mm512_add_ps(acc, _mm512_mul_ps(t, t));
            }
            // SAFETY: p + 16 ≤ k = out.len() ≤ unit.len().
            let u = unsafe {
                _mm512_storeu_ps(out.as_mut_ptr().add(p), acc);
                _mm512_loadu_ps(unit.as_ptr().add(p))
            };
            let here =
                _mm512_cmpeq_epi32_mask(lane, _mm512_set1_epi32(skip.wrapping_sub(p) as i32));
            let dc = _mm512_mask_mov_ps(acc, here, inf);
            // `_mm512_min_ps(a, b)` is `a < b ? a : b`, the scalar rule.
            other = _mm512_min_ps(dc, other);
            cost = _mm512_min_ps(_mm512_mul_ps(u, dc), cost);
        }
        (_mm512_reduce_min_ps(other), _mm512_reduce_min_ps(cost))
    }

    /// `y += w · x` in f64 over the common length (product, then sum).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn axpy_f64(w: f64, x: &[f32], y: &mut [f64]) {
        let n = x.len().min(y.len());
        let (x, y) = (x.as_ptr(), y.as_mut_ptr());
        let a = _mm512_set1_pd(w);
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n; `y` is exclusively borrowed.
            unsafe {
                let v = _mm512_cvtps_pd(_mm256_loadu_ps(x.add(i)));
                let s = _mm512_add_pd(_mm512_loadu_pd(y.add(i)), _mm512_mul_pd(a, v));
                _mm512_storeu_pd(y.add(i), s);
            }
            i += 8;
        }
        for i in i..n {
            // SAFETY: i < n.
            unsafe { *y.add(i) += w * f64::from(*x.add(i)) };
        }
    }

    /// Up to this many clusters [`sort_by_label`] partitions by compress
    /// passes; above, the scalar counting sort's single pass is cheaper.
    pub(super) const COMPRESS_MAX_K: usize = 64;

    /// [`Kernels::sort_by_label`](super::Kernels::sort_by_label) for
    /// `k ≤ COMPRESS_MAX_K` by stable [`partition`]s: up to 8 clusters one
    /// pass per cluster; up to 64, first by `label / 8` (keeping the labels),
    /// then each part by `label % 8`. The scalar sort spends a counter
    /// update on every row, and when neighbouring rows share a label (image
    /// pixels) each waits on the store of the one before; this spends a few
    /// instructions per 16 rows and bucket. Same order (row order within a
    /// cluster).
    #[target_feature(enable = "avx512f,popcnt")]
    pub(super) unsafe fn sort_by_label(
        labels: &[u32],
        k: usize,
        order: &mut [u32],
        start: &mut [usize],
    ) {
        let n = labels.len();
        let mut at = [0usize; 9];
        if k <= 8 {
            partition(labels, None, 0, k, order, None, &mut at);
            start[..=k].copy_from_slice(&at[..=k]);
            return;
        }
        let (mut rows, mut keys) = (vec![0u32; n + LANES], vec![0u32; n + LANES]);
        let parts = k.div_ceil(8);
        let mut top = [0usize; 9];
        partition(labels, None, 3, parts, &mut rows, Some(&mut keys), &mut top);
        for p in 0..parts {
            let (lo, hi) = (top[p], top[p + 1]);
            let inner = (k - 8 * p).min(8);
            let (keys, rows) = (&keys[lo..hi], Some(&rows[lo..hi]));
            partition(keys, rows, 0, inner, &mut order[lo..], None, &mut at);
            for (b, &a) in at.iter().enumerate().take(inner) {
                start[8 * p + b] = lo + a;
            }
        }
        start[k] = n;
    }

    /// Stable partition of rows by bucket `(key >> shift) % 8 < parts`:
    /// for each bucket in turn, 16 keys at a time are compared and the
    /// matching values (`vals`, or the row numbers `0..` when `None`)
    /// compressed to the front of a register, which is stored whole; the
    /// keys too when `out_keys` is given. `at[b]..at[b + 1]` is bucket b.
    /// `out` and `out_keys` need `LANES` slots beyond `keys.len()`.
    #[target_feature(enable = "avx512f,popcnt")]
    fn partition(
        keys: &[u32],
        vals: Option<&[u32]>,
        shift: u32,
        parts: usize,
        out: &mut [u32],
        mut out_keys: Option<&mut [u32]>,
        at: &mut [usize; 9],
    ) {
        let n = keys.len();
        assert!(
            parts <= 8
                && out.len() >= n + LANES
                && vals.is_none_or(|v| v.len() >= n)
                && out_keys.as_ref().is_none_or(|o| o.len() >= n + LANES),
            "partition: buffers too small"
        );
        let (seven, by) = (_mm512_set1_epi32(7), _mm512_set1_epi32(shift as i32));
        let step = _mm512_set1_epi32(LANES as i32);
        let mut pos = 0usize;
        for (b, a) in at.iter_mut().enumerate().take(parts) {
            *a = pos;
            let want = _mm512_set1_epi32(b as i32);
            let mut iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for i in (0..n).step_by(LANES) {
                let live = tail_mask(n - i);
                // SAFETY: `live` covers only lanes below n − i of `keys` and
                // `vals`; `pos` never exceeds n, and the outputs have LANES
                // slots beyond n (asserted above), so whole-register stores
                // stay inside them.
                unsafe {
                    let key = _mm512_maskz_loadu_epi32(live, keys.as_ptr().add(i).cast());
                    let bucket = _mm512_and_si512(_mm512_srlv_epi32(key, by), seven);
                    let hit = _mm512_mask_cmpeq_epi32_mask(live, bucket, want);
                    let v = match vals {
                        Some(v) => _mm512_maskz_loadu_epi32(live, v.as_ptr().add(i).cast()),
                        None => iota,
                    };
                    _mm512_storeu_si512(
                        out.as_mut_ptr().add(pos).cast(),
                        _mm512_maskz_compress_epi32(hit, v),
                    );
                    if let Some(o) = out_keys.as_deref_mut() {
                        _mm512_storeu_si512(
                            o.as_mut_ptr().add(pos).cast(),
                            _mm512_maskz_compress_epi32(hit, key),
                        );
                    }
                    pos += hit.count_ones() as usize;
                }
                iota = _mm512_add_epi32(iota, step);
            }
        }
        at[parts] = pos;
    }

    /// [`Kernels::advance_bounds`](super::Kernels::advance_bounds), eight
    /// rows at a time: the pairs deinterleaved by two permutes, `shift` and
    /// `leave` looked up by label (permutes up to k = 64, gathers above),
    /// the open rows' offsets compressed into place (hence `open`'s spare
    /// lanes). Lane by lane the same operations in the same order as the
    /// scalar loop, so the same bits; the last rows go through that loop.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, and the caller must have run
    /// `check_advance` on these buffers. A label past `shift` or `leave`
    /// panics, as indexing does on the scalar path.
    #[target_feature(enable = "avx512f,popcnt")]
    pub(super) unsafe fn advance_bounds(
        labels: &[u32],
        bounds: &mut [[f64; 2]],
        step: &BoundStep,
        open: &mut [u32],
    ) -> usize {
        let BoundStep {
            shift,
            max,
            leave,
            join,
            unweighted,
        } = *step;
        let n = labels.len();
        let pairs = bounds.as_mut_ptr().cast::<f64>();
        let (vmax, zero, vjoin) = (
            _mm512_set1_pd(max),
            _mm512_setzero_pd(),
            _mm512_set1_pd(join),
        );
        let upper_of = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let lower_of = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        let (first, second) = (
            _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11),
            _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15),
        );
        // Up to 64 clusters, `shift` and `leave` live in registers and are
        // picked by permutes; gathers cost more on Zen 4.
        let k = shift.len().min(leave.len());
        let tables = (k <= 64).then(|| (Table::new(shift), Table::new(leave)));
        // A gather must never read past the tables: check every label first.
        // A permute cannot read out of place; its labels are checked after.
        assert!(
            tables.is_some() || labels.iter().all(|&a| (a as usize) < k),
            "advance_bounds: label out of range"
        );
        let mut top = _mm256_setzero_si256();
        let mut rows = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0);
        let eight = _mm512_set1_epi32(8);
        let mut n_open = 0usize;
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: rows i..i + 8 exist in `labels` and `bounds` (16
            // floats from `pairs + 2i`); the gathers run only after every
            // label was checked against `shift` and `leave`; `check_advance`
            // gave `open` n + LANES ≥ n_open + 16 slots.
            unsafe {
                let a = _mm256_loadu_si256(labels.as_ptr().add(i).cast());
                top = _mm256_max_epu32(top, a);
                let (sh, lv) = match &tables {
                    Some((shift, leave)) => {
                        let a = _mm512_cvtepu32_epi64(a);
                        (shift.pick(a), leave.pick(a))
                    }
                    None => (
                        _mm512_i32gather_pd::<8>(a, shift.as_ptr()),
                        _mm512_i32gather_pd::<8>(a, leave.as_ptr()),
                    ),
                };
                let (p0, p1) = (
                    _mm512_loadu_pd(pairs.add(2 * i)),
                    _mm512_loadu_pd(pairs.add(2 * i + 8)),
                );
                let upper = _mm512_add_pd(_mm512_permutex2var_pd(p0, upper_of, p1), sh);
                let lower = _mm512_max_pd(
                    _mm512_sub_pd(_mm512_permutex2var_pd(p0, lower_of, p1), vmax),
                    zero,
                );
                _mm512_storeu_pd(
                    pairs.add(2 * i),
                    _mm512_permutex2var_pd(upper, first, lower),
                );
                _mm512_storeu_pd(
                    pairs.add(2 * i + 8),
                    _mm512_permutex2var_pd(upper, second, lower),
                );
                let settled = if unweighted {
                    let cost = _mm512_mul_pd(_mm512_mul_pd(vjoin, lower), lower);
                    let save = _mm512_mul_pd(_mm512_mul_pd(lv, upper), upper);
                    _mm512_cmp_pd_mask::<_CMP_GE_OQ>(cost, save)
                } else {
                    0
                };
                let open_rows = (!settled) as u16;
                let listed = _mm512_maskz_compress_epi32(open_rows, rows);
                _mm512_storeu_si512(open.as_mut_ptr().add(n_open).cast(), listed);
                n_open += open_rows.count_ones() as usize;
            }
            rows = _mm512_add_epi32(rows, eight);
            i += 8;
        }
        let mut most = [0u32; 8];
        // SAFETY: `most` holds 8 lanes.
        unsafe { _mm256_storeu_si256(most.as_mut_ptr().cast(), top) };
        assert!(
            i == 0 || most.iter().all(|&a| (a as usize) < k),
            "advance_bounds: label out of range"
        );
        super::super::scalar::advance_bounds_body(labels, bounds, step, open, i, n_open)
    }

    /// Up to 64 f64 entries held in registers, looked up per lane.
    struct Table {
        regs: [__m512d; 8],
        len: usize,
    }

    impl Table {
        #[target_feature(enable = "avx512f")]
        fn new(t: &[f64]) -> Table {
            let len = t.len().min(64);
            let regs = std::array::from_fn(|q| {
                let live = ((1u32 << len.saturating_sub(8 * q).min(8)) - 1) as u8;
                // SAFETY: the mask covers only entries of `t` (those below
                // `len` from 8q); masked-off lanes are never read.
                unsafe { _mm512_maskz_loadu_pd(live, t.as_ptr().wrapping_add(8 * q)) }
            });
            Table { regs, len }
        }

        /// Entry `idx[l]` in lane `l` (each index below `len`): a permute
        /// picks among 16 entries, bits 4 and 5 of the index among those.
        #[target_feature(enable = "avx512f")]
        #[inline]
        fn pick(&self, idx: __m512i) -> __m512d {
            let r = &self.regs;
            let sixteen = |q: usize| _mm512_permutex2var_pd(r[2 * q], idx, r[2 * q + 1]);
            let bit = |b: i64| _mm512_test_epi64_mask(idx, _mm512_set1_epi64(b));
            match self.len {
                0..=16 => sixteen(0),
                17..=32 => _mm512_mask_blend_pd(bit(16), sixteen(0), sixteen(1)),
                _ => {
                    let b4 = bit(16);
                    _mm512_mask_blend_pd(
                        bit(32),
                        _mm512_mask_blend_pd(b4, sixteen(0), sixteen(1)),
                        _mm512_mask_blend_pd(b4, sixteen(2), sixteen(3)),
                    )
                }
            }
        }
    }

    /// Mask of the first `min(left, 16)` lanes.
    #[inline]
    fn tail_mask(left: usize) -> __mmask16 {
        if left >= 16 {
            0xffff
        } else {
            (1u16 << left) - 1
        }
    }
}

/// AVX2 + FMA: one panel of 16 centroids is two ymm registers.
mod avx2 {
    use std::arch::x86_64::*;

    use super::{check_tile, low_d_rows, Packed, LANES};

    /// Rows per tile: 6 rows × 1 panel is 12 ymm accumulators, plus two panel
    /// halves and a broadcast, fills the 16 ymm registers; 12 independent FMA
    /// chains cover the FMA latency at two FMAs per cycle.
    pub(super) const ROWS: usize = 6;
    /// ymm registers per panel.
    const HALVES: usize = LANES / 8;

    /// Rows per low-dimension tile: two registers of 8 rows. With two
    /// argmin chains this keeps the transposed rows, the chains and the
    /// scores within the 16 ymm registers at d = 3.
    pub(super) const LOW_D_ROWS: usize = 16;

    /// The AVX-512 `tile_low_d` in 8 lanes: one lane per row, centroids
    /// broadcast one at a time, the argmin a lane-wise compare and blend.
    /// The panel kernel spends most of its time at a few coordinates in
    /// the per-row horizontal argmin, and at k = 4 three quarters of its
    /// 16-centroid panel are padding. Same scores, bit for bit.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA, and `1 ≤ packed.d ≤ LOW_D`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile_low_d(
        x: &[f32],
        shift: &[f32],
        packed: &Packed,
        labels: &mut [u32; LOW_D_ROWS],
        scores: &mut [f32; LOW_D_ROWS],
    ) {
        check_tile(x, packed, LOW_D_ROWS);
        assert!(shift.len() >= packed.d, "tile: shift shorter than d");
        match packed.d {
            1 => low_d::<1>(x, shift, packed, labels, scores),
            2 => low_d::<2>(x, shift, packed, labels, scores),
            3 => low_d::<3>(x, shift, packed, labels, scores),
            4 => low_d::<4>(x, shift, packed, labels, scores),
            5 => low_d::<5>(x, shift, packed, labels, scores),
            6 => low_d::<6>(x, shift, packed, labels, scores),
            7 => low_d::<7>(x, shift, packed, labels, scores),
            _ => low_d::<8>(x, shift, packed, labels, scores),
        }
    }

    /// [`tile_low_d`] for a dimension known at compile time.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn low_d<const D: usize>(
        x: &[f32],
        shift: &[f32],
        packed: &Packed,
        labels: &mut [u32; LOW_D_ROWS],
        scores: &mut [f32; LOW_D_ROWS],
    ) {
        const W: usize = 8;
        const G: usize = LOW_D_ROWS / W;
        // Coordinate j of the 8 rows of group g, one register each: the
        // group's rows are D registers of 8 floats, coordinate j of row r
        // being float r·D + j; each register holding some of them is
        // permuted into place and blended in.
        let mut xt = [[_mm256_setzero_ps(); D]; G];
        for (g, xt) in xt.iter_mut().enumerate() {
            // SAFETY: `check_tile` confirmed LOW_D_ROWS·D floats.
            let regs: [__m256; D] = std::array::from_fn(|q| unsafe {
                _mm256_loadu_ps(x.as_ptr().add((g * D + q) * W))
            });
            for (j, xt) in xt.iter_mut().enumerate() {
                let mut col = _mm256_setzero_ps();
                for (q, &reg) in regs.iter().enumerate() {
                    let mask: [i32; W] = std::array::from_fn(|r| -(((r * D + j) / W == q) as i32));
                    if mask.iter().all(|&m| m == 0) {
                        continue;
                    }
                    let idx: [i32; W] = std::array::from_fn(|r| ((r * D + j) % W) as i32);
                    // SAFETY: both arrays hold 8 lanes.
                    let (idx, mask) = unsafe {
                        (
                            _mm256_loadu_si256(idx.as_ptr().cast()),
                            _mm256_loadu_si256(mask.as_ptr().cast()),
                        )
                    };
                    let t = _mm256_permutevar8x32_ps(reg, idx);
                    col = _mm256_blendv_ps(col, t, _mm256_castsi256_ps(mask));
                }
                *xt = _mm256_sub_ps(col, _mm256_set1_ps(shift[j]));
            }
        }
        // Two running argmins per group, centroid c in chain c % CHAINS:
        // one chain would serialise every compare-and-blend on the last.
        const CHAINS: usize = 2;
        let mut chain_best = [[_mm256_set1_ps(f32::INFINITY); G]; CHAINS];
        let mut chain_index = [[_mm256_setzero_si256(); G]; CHAINS];
        let step = |c: usize, best: &mut [__m256; G], index: &mut [__m256i; G]| {
            // Centroid c is lane c % LANES of panel c / LANES.
            let base = (c / LANES) * D * LANES + c % LANES;
            let mut s = [_mm256_set1_ps(packed.half_norms[c]); G];
            #[allow(clippy::needless_range_loop)] // j walks xt's inner index
            for j in 0..D {
                let cj = _mm256_set1_ps(packed.panels[base + j * LANES]);
                for g in 0..G {
                    s[g] = _mm256_fnmadd_ps(xt[g][j], cj, s[g]);
                }
            }
            let ci = _mm256_set1_epi32(c as i32);
            for g in 0..G {
                let better = _mm256_cmp_ps::<_CMP_LT_OQ>(s[g], best[g]);
                best[g] = _mm256_blendv_ps(best[g], s[g], better);
                index[g] = _mm256_castps_si256(_mm256_blendv_ps(
                    _mm256_castsi256_ps(index[g]),
                    _mm256_castsi256_ps(ci),
                    better,
                ));
            }
        };
        let rounds = packed.k / CHAINS;
        for r in 0..rounds {
            for ch in 0..CHAINS {
                step(r * CHAINS + ch, &mut chain_best[ch], &mut chain_index[ch]);
            }
        }
        for ch in 0..packed.k % CHAINS {
            step(
                rounds * CHAINS + ch,
                &mut chain_best[ch],
                &mut chain_index[ch],
            );
        }
        // Merge the chains: the least score, and on a tie the lower index.
        let (mut best, mut index) = (chain_best[0], chain_index[0]);
        for ch in 1..CHAINS {
            for g in 0..G {
                let (s, i) = (chain_best[ch][g], chain_index[ch][g]);
                let less = _mm256_cmp_ps::<_CMP_LT_OQ>(s, best[g]);
                let tie = _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_EQ_OQ>(s, best[g]),
                    _mm256_castsi256_ps(_mm256_cmpgt_epi32(index[g], i)),
                );
                let take = _mm256_or_ps(less, tie);
                best[g] = _mm256_blendv_ps(best[g], s, take);
                index[g] = _mm256_castps_si256(_mm256_blendv_ps(
                    _mm256_castsi256_ps(index[g]),
                    _mm256_castsi256_ps(i),
                    take,
                ));
            }
        }
        for g in 0..G {
            // SAFETY: each destination holds LOW_D_ROWS = G·8 elements.
            unsafe {
                _mm256_storeu_ps(scores[g * W..].as_mut_ptr(), best[g]);
                _mm256_storeu_si256(labels[g * W..].as_mut_ptr().cast(), index[g]);
            }
        }
    }

    /// Per-row running argmin, per half panel; see the AVX-512 `Best`.
    struct Best<const R: usize> {
        score: [[__m256; HALVES]; R],
        index: [[__m256i; HALVES]; R],
    }

    /// Labels and scores of one tile of `R` rows (`x` holds `R × d` floats).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile<const R: usize>(
        x: &[f32],
        packed: &Packed,
        labels: &mut [u32; R],
        scores: &mut [f32; R],
    ) {
        check_tile(x, packed, R);
        // As in AVX-512: untouched lanes keep (+∞, 0), matching the scalar
        // reference on rows whose scores are all +∞.
        let mut best = Best {
            score: [[_mm256_set1_ps(f32::INFINITY); HALVES]; R],
            index: [[_mm256_setzero_si256(); HALVES]; R],
        };
        for p in 0..packed.n_panels() {
            panel::<R>(x, packed, p, &mut best);
        }
        for r in 0..R {
            (labels[r], scores[r]) = reduce(best.score[r], best.index[r]);
        }
    }

    /// The micro-kernel: `R` rows × panel `p`, folded into `best`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn panel<const R: usize>(x: &[f32], packed: &Packed, p: usize, best: &mut Best<R>) {
        let d = packed.d;
        let mut acc = [[_mm256_setzero_ps(); HALVES]; R];
        for h in 0..HALVES {
            // SAFETY: p < n_panels = half_norms.len() / LANES, so the 8 floats
            // from p·LANES + 8h are in bounds.
            let norms = unsafe { _mm256_loadu_ps(packed.half_norms[p * LANES + 8 * h..].as_ptr()) };
            for row in acc.iter_mut() {
                row[h] = norms;
            }
        }
        // SAFETY: `check_tile` verified panels.len() ≥ n_panels·d·LANES.
        let panel = unsafe { packed.panels.as_ptr().add(p * d * LANES) };
        let xs = x.as_ptr();
        for j in 0..d {
            let mut c = [_mm256_setzero_ps(); HALVES];
            for (h, c) in c.iter_mut().enumerate() {
                // SAFETY: j < d, so these 8 floats lie inside panel `p`.
                *c = unsafe { _mm256_loadu_ps(panel.add(j * LANES + 8 * h)) };
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: `check_tile` verified x.len() ≥ R·d; r < R, j < d.
                let xb = _mm256_set1_ps(unsafe { *xs.add(r * d + j) });
                for h in 0..HALVES {
                    acc[h] = _mm256_fnmadd_ps(xb, c[h], acc[h]);
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            for (h, &scores) in row.iter().enumerate() {
                best.fold(r, h, scores, p * LANES + 8 * h);
            }
        }
    }

    impl<const R: usize> Best<R> {
        /// Folds the scores of half panel `h` (centroids `first..first + 8`)
        /// for row `r` into the running best. Strictly smaller only: panels
        /// come in index order, so on a tie a lane keeps the lower index.
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn fold(&mut self, r: usize, h: usize, scores: __m256, first: usize) {
            let index = _mm256_add_epi32(
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                _mm256_set1_epi32(first as i32),
            );
            let better = _mm256_cmp_ps::<_CMP_LT_OQ>(scores, self.score[r][h]);
            self.score[r][h] = _mm256_blendv_ps(self.score[r][h], scores, better);
            self.index[r][h] =
                _mm256_blendv_epi8(self.index[r][h], index, _mm256_castps_si256(better));
        }
    }

    /// The least score across both halves and, among lanes holding it, the
    /// least index.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn reduce(score: [__m256; HALVES], index: [__m256i; HALVES]) -> (u32, f32) {
        let min = hmin_ps(_mm256_min_ps(score[0], score[1]));
        let at_min = |h: usize| {
            let eq =
                _mm256_castps_si256(_mm256_cmp_ps::<_CMP_EQ_OQ>(score[h], _mm256_set1_ps(min)));
            // Lanes not at the minimum become u32::MAX so they lose the min.
            _mm256_or_si256(index[h], _mm256_andnot_si256(eq, _mm256_set1_epi32(-1)))
        };
        (hmin_epu32(_mm256_min_epu32(at_min(0), at_min(1))), min)
    }

    /// Least of the 8 lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hmin_ps(v: __m256) -> f32 {
        let v = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let v = _mm_min_ps(v, _mm_movehl_ps(v, v));
        _mm_cvtss_f32(_mm_min_ss(v, _mm_shuffle_ps::<1>(v, v)))
    }

    /// Least of the 8 unsigned lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hmin_epu32(v: __m256i) -> u32 {
        let v = _mm_min_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let v = _mm_min_epu32(v, _mm_shuffle_epi32::<0b01_00_11_10>(v));
        _mm_cvtsi128_si32(_mm_min_epu32(v, _mm_shuffle_epi32::<0b00_00_00_01>(v))) as u32
    }

    /// [`sq_dist`] of `x` to each row `which[j]` of `cands`, inlined.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA, and every row in `which` must lie inside
    /// `cands`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn sq_dists(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]) {
        let d = x.len();
        for (o, &c) in out.iter_mut().zip(which) {
            // SAFETY: same CPU features; the caller checked that row `c`
            // lies inside `cands`.
            *o = unsafe { sq_dist(x, cands.get_unchecked(c as usize * d..(c as usize + 1) * d)) };
        }
    }

    /// [`sq_dist`] of each row of `rows` to its labelled row of `cands`.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `rows` must hold `out.len()` rows
    /// and every label must name a row inside `cands`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn sq_dist_rows(
        d: usize,
        rows: &[f32],
        cands: &[f32],
        labels: &[u32],
        out: &mut [f32],
    ) {
        if low_d_rows(d, rows, cands, labels, out) {
            return;
        }
        for (r, (o, &c)) in out.iter_mut().zip(labels).enumerate() {
            let c = c as usize;
            // SAFETY: same CPU features; the caller checked both bounds.
            *o = unsafe {
                sq_dist(
                    rows.get_unchecked(r * d..(r + 1) * d),
                    cands.get_unchecked(c * d..(c + 1) * d),
                )
            };
        }
    }

    /// `Σ (a_j − b_j)²` over the common length, four accumulators wide.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(super) unsafe fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        while i + 4 * 8 <= n {
            for (u, acc) in acc.iter_mut().enumerate() {
                // SAFETY: i + 8u + 8 ≤ n, within both slices.
                let diff = unsafe {
                    _mm256_sub_ps(
                        _mm256_loadu_ps(a.add(i + 8 * u)),
                        _mm256_loadu_ps(b.add(i + 8 * u)),
                    )
                };
                *acc = _mm256_fmadd_ps(diff, diff, *acc);
            }
            i += 4 * 8;
        }
        while i < n {
            let m = tail_mask(n - i);
            // SAFETY: masked-off lanes are not read, the others are < n.
            let diff = unsafe {
                _mm256_sub_ps(
                    _mm256_maskload_ps(a.add(i), m),
                    _mm256_maskload_ps(b.add(i), m),
                )
            };
            acc[0] = _mm256_fmadd_ps(diff, diff, acc[0]);
            i += 8;
        }
        hsum_ps(_mm256_add_ps(
            _mm256_add_ps(acc[0], acc[1]),
            _mm256_add_ps(acc[2], acc[3]),
        ))
    }

    /// [`Kernels::sparse_scores`](super::super::Kernels::sparse_scores):
    /// 8 centroids per register, each kept in a register over the whole row.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA, and every `idx[t]` must satisfy
    /// `(idx[t] + 1) · acc.len() ≤ cols.len()`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn sparse_scores(
        idx: &[u32],
        val: &[f32],
        cols: &[f32],
        acc: &mut [f32],
    ) -> usize {
        let k = acc.len();
        let (cols, out) = (cols.as_ptr(), acc.as_mut_ptr());
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let mut best = _mm256_set1_ps(f32::INFINITY);
        let mut best_index = _mm256_setzero_si256();
        let mut c = 0;
        while c < k {
            let m = tail_mask(k - c);
            // SAFETY: only lanes below k are read or written (full mask but
            // on the last step); every column `j` holds k floats inside
            // `cols` (the caller's contract).
            let a = unsafe {
                let mut a = _mm256_maskload_ps(out.add(c), m);
                for (&j, &v) in idx.iter().zip(val) {
                    let col = _mm256_maskload_ps(cols.add(j as usize * k + c), m);
                    a = _mm256_fmadd_ps(_mm256_set1_ps(-v), col, a);
                }
                _mm256_maskstore_ps(out.add(c), m, a);
                a
            };
            // Strictly smaller only, chunks in index order: a lane keeps the
            // lower index on a tie; lanes past k never take part.
            let better =
                _mm256_and_si256(m, _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LT_OQ>(a, best)));
            best = _mm256_blendv_ps(best, a, _mm256_castsi256_ps(better));
            let index = _mm256_add_epi32(lanes, _mm256_set1_epi32(c as i32));
            best_index = _mm256_blendv_epi8(best_index, index, better);
            c += 8;
        }
        if k == 0 {
            return 0;
        }
        reduce([best, best], [best_index, best_index]).0 as usize
    }

    /// Sum of the 8 lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hsum_ps(v: __m256) -> f32 {
        let v = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let v = _mm_add_ps(v, _mm_movehl_ps(v, v));
        _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps::<1>(v, v)))
    }

    /// `y += w · x` in f64 over the common length (product, then sum).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn axpy_f64(w: f64, x: &[f32], y: &mut [f64]) {
        let n = x.len().min(y.len());
        let (x, y) = (x.as_ptr(), y.as_mut_ptr());
        let a = _mm256_set1_pd(w);
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 ≤ n; `y` is exclusively borrowed.
            unsafe {
                let v = _mm256_cvtps_pd(_mm_loadu_ps(x.add(i)));
                let s = _mm256_add_pd(_mm256_loadu_pd(y.add(i)), _mm256_mul_pd(a, v));
                _mm256_storeu_pd(y.add(i), s);
            }
            i += 4;
        }
        for i in i..n {
            // SAFETY: i < n.
            unsafe { *y.add(i) += w * f64::from(*x.add(i)) };
        }
    }

    /// Lanes `0..min(left, 8)` set (sign bit), the maskload/maskstore form.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn tail_mask(left: usize) -> __m256i {
        _mm256_cmpgt_epi32(
            _mm256_set1_epi32(left.min(8) as i32),
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
        )
    }
}
