//! Every SIMD loop of kmkit lives here: a scalar reference ([`scalar`]) and
//! AVX2+FMA / AVX-512 paths ([`x86_64`]), chosen once at run time and cached.
//!
//! `KMKIT_SIMD=scalar|avx2|avx512` forces one path; asking for one the CPU
//! lacks is an error, never a silent fallback.
//!
//! The hot loop is [`Kernels::assign`]: for a block of rows it finds, for each
//! row, the centroid with the smallest score `‖c‖²/2 − x·c` (the squared
//! distance minus the row's own norm, halved). Centroids are packed in panels
//! of [`LANES`] so that one vector register holds one coordinate of 16
//! centroids; rows are broadcast and FMA'd against whole panels, and the argmin
//! is fused in, so no n×k distance matrix is ever materialised.

use std::sync::OnceLock;

use ndarray::ArrayView2;

use crate::error::{KMeansError, Result};

pub mod scalar;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
pub mod x86_64;

/// Centroids per panel (the AVX-512 f32 lane count; AVX2 uses two registers).
pub const LANES: usize = 16;

/// Centroids laid out for [`Kernels::assign`].
///
/// `panels` holds `n_panels × d × LANES` floats: panel `p`, coordinate `j`,
/// lane `l` is coordinate `j` of centroid `p·LANES + l` (already shifted by the
/// caller's centring vector). `half_norms[c] = ‖c‖²/2`; padding lanes have
/// `+∞` half-norm and zero coordinates so they never win the argmin.
#[derive(Debug, Clone)]
pub struct Packed {
    /// Number of real centroids.
    pub k: usize,
    /// Dimension.
    pub d: usize,
    /// Panel-major coordinates, see the type docs.
    pub panels: Vec<f32>,
    /// `‖c‖²/2` per centroid, padded with `+∞` to a multiple of [`LANES`].
    pub half_norms: Vec<f32>,
}

impl Packed {
    /// Packs `centroids` (k × d) after subtracting `shift` (length d) from each.
    pub fn new(centroids: ArrayView2<f32>, shift: Option<&[f32]>) -> Packed {
        let (k, d) = centroids.dim();
        let n_panels = k.div_ceil(LANES);
        let mut panels = vec![0.0f32; n_panels * d * LANES];
        let mut half_norms = vec![f32::INFINITY; n_panels * LANES];
        for (c, row) in centroids.rows().into_iter().enumerate() {
            let (p, l) = (c / LANES, c % LANES);
            let mut norm = 0.0f64;
            for (j, &v) in row.iter().enumerate() {
                let v = v - shift.map_or(0.0, |s| s[j]);
                panels[(p * d + j) * LANES + l] = v;
                norm += (v as f64) * (v as f64);
            }
            half_norms[c] = (norm / 2.0) as f32;
        }
        Packed {
            k,
            d,
            panels,
            half_norms,
        }
    }

    /// Number of panels.
    pub fn n_panels(&self) -> usize {
        self.half_norms.len() / LANES
    }
}

/// The signature of [`Kernels::assign`].
pub type AssignFn = fn(
    rows: &[f32],
    shift: Option<&[f32]>,
    packed: &Packed,
    labels: &mut [u32],
    scores: &mut [f32],
    scratch: &mut Vec<f32>,
);

/// The signature of [`Kernels::sq_dists`].
pub type SqDistsFn = fn(x: &[f32], cands: &[f32], which: &[u32], out: &mut [f32]);

/// The signature of [`Kernels::sq_dist_rows`].
pub type SqDistRowsFn = fn(d: usize, rows: &[f32], cands: &[f32], labels: &[u32], out: &mut [f32]);

/// The signature of [`Kernels::sq_dists_cols`].
pub type SqDistsColsFn =
    fn(x: &[f32], cols: &[f32], unit: &[f32], skip: usize, out: &mut [f32]) -> (f32, f32);

/// The signature of [`Kernels::sparse_scores`].
pub type SparseScoresFn = fn(idx: &[u32], val: &[f32], cols: &[f32], acc: &mut [f32]) -> usize;

/// The signature of [`Kernels::sort_by_label`].
pub type SortByLabelFn = fn(labels: &[u32], k: usize, order: &mut [u32], start: &mut [usize]);

/// What [`Kernels::advance_bounds`] moves row bounds by, and the test that
/// settles a row: plain data, one per sweep.
#[derive(Debug, Clone, Copy)]
pub struct BoundStep<'a> {
    /// How far each centroid moved since the bounds were last valid.
    pub shift: &'a [f64],
    /// The largest of `shift`.
    pub max: f64,
    /// Per cluster, the most a unit-weight row saves by leaving it, per
    /// squared distance (0 where it cannot leave).
    pub leave: &'a [f64],
    /// The least a unit-weight row pays to join any cluster, per squared
    /// distance.
    pub join: f64,
    /// Whether rows have unit weight; if not, no row is settled.
    pub unweighted: bool,
}

/// The signature of [`Kernels::advance_bounds`].
pub type AdvanceBoundsFn =
    fn(labels: &[u32], bounds: &mut [[f64; 2]], step: &BoundStep, open: &mut [u32]) -> usize;

/// One instruction-set path: plain function pointers, chosen once.
#[derive(Debug)]
pub struct Kernels {
    /// `scalar`, `avx2` or `avx512`.
    pub name: &'static str,
    /// For each row `i` of `rows` (row-major, `labels.len()` rows of `packed.d`
    /// floats), after subtracting `shift` if given: `labels[i]` = index of the
    /// centroid with the least `‖c‖²/2 − x·c`, `scores[i]` = that score. Ties go
    /// to the lower index. `scratch` is reusable working memory.
    pub assign: AssignFn,
    /// Squared Euclidean distance `Σ (a_j − b_j)²` of two equal-length slices.
    pub sq_dist: fn(a: &[f32], b: &[f32]) -> f32,
    /// `out[j] = sq_dist(x, row which[j] of cands)`, where `cands` holds rows
    /// of `x.len()` floats: bit-identical to calling `sq_dist` per row, but one
    /// call per `x`, so scans over many candidates skip the per-call overhead.
    pub sq_dists: SqDistsFn,
    /// `out[r] = sq_dist(row r of rows, row labels[r] of cands)`, rows and
    /// candidates of `d` floats: bit-identical to `sq_dist` per row, for the
    /// exact distance of each row to its assigned centroid.
    pub sq_dist_rows: SqDistRowsFn,
    /// One sparse row scored against transposed centroids: with
    /// `k = acc.len()`, for each term `t` in order,
    /// `acc[c] += (−val[t]) · cols[idx[t]·k + c]` as one FMA per centroid `c`.
    /// Starting from `acc = ‖c‖²/2` this leaves the row's scores; returns the
    /// index of the least score (ties to the lower index; 0 when `k = 0`).
    /// One call per row, not one per non-zero.
    pub sparse_scores: SparseScoresFn,
    /// `y += w · x` in f64 (x widened; a product then a sum, no fused
    /// multiply-add, so every path rounds alike): a row added to its
    /// cluster's sums.
    pub axpy_f64: fn(w: f64, x: &[f32], y: &mut [f64]),
    /// `out[c] = Σ_j (x[j] − cols[j·k + c])²` with `k = out.len()` (a
    /// multiple of [`LANES`]), `j` in order, a product then a sum (no fused
    /// multiply-add, so every path rounds alike): one row against centroids
    /// stored column by column, vectorised across centroids. Returns, over
    /// every `c ≠ skip`, the least `out[c]` and the least `unit[c] · out[c]`
    /// (Hartigan's near-tie test: the nearest other centroid and the
    /// cheapest one to join); minima are exact in any order. One call, so
    /// that the minima run in the same wide registers as the distances.
    pub sq_dists_cols: SqDistsColsFn,
    /// Stable counting sort of up to 65,536 rows by label (each `< k`):
    /// `order[start[c]..start[c + 1]]` lists the rows of cluster `c` in row
    /// order. `start` has at least `k + 1` slots, and `order` [`LANES`] more
    /// than there are labels (a vector path stores whole registers). Lets a
    /// caller add each cluster's rows in row order with one running sum per
    /// cluster in registers.
    pub sort_by_label: SortByLabelFn,
    /// Hamerly-style bounds of rows in cluster `labels[r]`, brought up to
    /// centroids that moved by `step.shift[c]` (at most `step.max`): for
    /// each row in order, `bounds[r] = [upper + shift[a], max(lower − max,
    /// 0)]`, and the row is listed in `open` (offsets, in order; `open` has
    /// [`LANES`] more slots than there are rows) unless `step.unweighted`
    /// and `join·lower·lower ≥ leave[a]·upper·upper` (Hartigan's near-tie
    /// scan: a row whose bounds rule out any move is not looked at).
    /// Returns the number listed. The same arithmetic on every path.
    pub advance_bounds: AdvanceBoundsFn,
}

/// The kernels for this process: `KMKIT_SIMD` if set, else the best the CPU has.
///
/// # Panics
/// Never: an invalid `KMKIT_SIMD` is reported by [`check_env`]; here it falls
/// back to detection so that library calls cannot panic.
pub fn get() -> &'static Kernels {
    static CHOSEN: OnceLock<&'static Kernels> = OnceLock::new();
    CHOSEN.get_or_init(|| check_env().unwrap_or_else(|_| best()))
}

/// The kernel set every fit uses, or the reason `KMKIT_SIMD` cannot be
/// honoured (checked once, cached). Every public entry point of the core
/// calls this first, so a bad `KMKIT_SIMD` is a typed error, never a silent
/// fallback.
pub fn selected() -> Result<&'static Kernels> {
    static CHECKED: OnceLock<Result<&'static Kernels>> = OnceLock::new();
    CHECKED.get_or_init(check_env).clone()
}

/// Resolves `KMKIT_SIMD` to a kernel set, or says why it cannot be honoured.
pub fn check_env() -> Result<&'static Kernels> {
    match std::env::var("KMKIT_SIMD") {
        Ok(name) if !name.is_empty() => by_name(&name),
        _ => Ok(best()),
    }
}

/// The kernel set of a given name, if this CPU supports it.
pub fn by_name(name: &str) -> Result<&'static Kernels> {
    match name {
        "scalar" => Ok(&scalar::KERNELS),
        #[cfg(target_arch = "x86_64")]
        "avx2" if x86_64::has_avx2() => Ok(&x86_64::AVX2),
        #[cfg(target_arch = "x86_64")]
        "avx512" if x86_64::has_avx512() => Ok(&x86_64::AVX512),
        "avx2" | "avx512" => Err(KMeansError::Simd(
            name.into(),
            "this CPU lacks that instruction set",
        )),
        _ => Err(KMeansError::Simd(
            name.into(),
            "expected scalar, avx2 or avx512",
        )),
    }
}

/// Asks the CPU to start loading `data` into cache (a hint with no effect on
/// results).
pub fn prefetch(data: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    x86_64::prefetch(data);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Every kernel set this CPU can run (scalar first), for tests and benchmarks.
pub fn available() -> Vec<&'static Kernels> {
    ["scalar", "avx2", "avx512"]
        .iter()
        .filter_map(|n| by_name(n).ok())
        .collect()
}

fn best() -> &'static Kernels {
    by_name("avx512")
        .or_else(|_| by_name("avx2"))
        .unwrap_or(&scalar::KERNELS)
}
