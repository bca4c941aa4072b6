//! `kmkit fit FILE --memory-limit SIZE` on a file too large for the
//! in-memory path: the preprocessing is learned and applied chunk by chunk
//! ([`ScaledChunks`]), the fit is `kmkit_core::fit_chunks`, and labels come
//! from a final pass. Everything held in memory is bounded by the limit:
//! one chunk, the seeding sample, `k × d` statistics — never n rows.

use anyhow::Context;
use kmkit_core::{
    assign_chunks, fit_chunks, KMeansParams, Model, OutOfCore, RowChunks, SourceError, CHUNK_ALIGN,
};
use kmkit_io::{ColumnRef, InputColumn, MatrixChunks, MissingPolicy, Preprocess, Scaling};
use ndarray::{Array2, ArrayView2};

pub use kmkit_io::memory::{parse_size, IN_MEMORY_BYTES_PER_VALUE};

/// Largest chunk, in rows: larger chunks gain nothing once a pass is
/// streaming at disk or memory speed.
const MAX_CHUNK_ROWS: usize = 1 << 16;

/// Whether fitting `n × d` values in memory would exceed `limit` bytes.
pub fn exceeds(n: usize, d: usize, limit: u64) -> bool {
    (n as u64)
        .saturating_mul(d as u64)
        .saturating_mul(IN_MEMORY_BYTES_PER_VALUE)
        > limit
}

/// How the out-of-core path spends `limit` bytes on `d` columns: chunk
/// rows (a multiple of the core's alignment) and seeding sample rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Rows per chunk.
    pub chunk_rows: usize,
    /// Rows of the seeding sample.
    pub seed_sample: usize,
}

impl Budget {
    /// An eighth of the limit for the chunk (a chunk exists up to four
    /// times: file buffer, scaled copy, labels and distances, the kernel's
    /// view) and a quarter for the seeding sample.
    pub fn new(limit: u64, d: usize) -> Budget {
        let row = (16 * d + 8) as u64;
        let rows = (limit / 8 / row) as usize;
        let chunk_rows = (rows / CHUNK_ALIGN * CHUNK_ALIGN).clamp(CHUNK_ALIGN, MAX_CHUNK_ROWS);
        let sample = (limit / 4 / (4 * d as u64).max(1)) as usize;
        Budget {
            chunk_rows,
            seed_sample: sample.clamp(1, OutOfCore::default().seed_sample),
        }
    }
}

/// The rows of a file with the fitted scaling applied, chunk by chunk:
/// exactly `Preprocess::transform`'s `((v − center) / scale) as f32`.
#[derive(Debug)]
pub struct ScaledChunks<'a> {
    inner: &'a mut MatrixChunks,
    center: Vec<f64>,
    scale: Vec<f64>,
    buf: Vec<f32>,
}

impl<'a> ScaledChunks<'a> {
    /// Applies `pre` (numeric columns only, as a binary matrix has) to `inner`.
    pub fn new(inner: &'a mut MatrixChunks, pre: &Preprocess) -> Self {
        let (center, scale) = pre
            .inputs
            .iter()
            .map(|c| match c {
                InputColumn::Numeric { center, scale, .. } => (*center, *scale),
                InputColumn::Categorical { .. } => (0.0, 1.0),
            })
            .unzip();
        ScaledChunks {
            inner,
            center,
            scale,
            buf: Vec::new(),
        }
    }
}

impl RowChunks for ScaledChunks<'_> {
    fn n_rows(&self) -> usize {
        self.inner.n_rows()
    }
    fn n_cols(&self) -> usize {
        self.inner.n_cols()
    }
    fn chunk_rows(&self) -> usize {
        self.inner.chunk_rows()
    }
    fn chunk(&mut self, index: usize) -> Result<ArrayView2<'_, f32>, SourceError> {
        let x = self.inner.chunk(index)?;
        let (rows, d) = x.dim();
        self.buf.clear();
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate() {
                self.buf
                    .push(((v as f64 - self.center[j]) / self.scale[j]) as f32);
            }
        }
        Ok(ArrayView2::from_shape((rows, d), &self.buf[..]).expect("whole rows"))
    }
}

/// Learns `scaling` from the file, as `Preprocess::fit` would on the table
/// the in-memory path reads (columns `c1…cd`, no header, missing values an
/// error): the same sums in the same order, so the same bits. Robust
/// scaling needs sorted columns and is refused.
pub fn fit_preprocess(source: &mut MatrixChunks, scaling: Scaling) -> anyhow::Result<Preprocess> {
    if scaling == Scaling::Robust {
        return Err(kmkit_cli::usage_error(
            "robust scaling needs every value of a column at once: use --scaling standard, min-max or none out of core",
        ));
    }
    let (n, d) = (source.n_rows(), source.n_cols());
    // `Iterator::sum` of f64 starts from -0.0: so does this.
    let mut sum = vec![-0.0f64; d];
    let mut min = vec![f64::INFINITY; d];
    let mut max = vec![f64::NEG_INFINITY; d];
    for_each_chunk(source, |start, x| {
        for (o, row) in x.rows().into_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    anyhow::bail!(
                        "row {}, column {} is {v}: out of core, missing or infinite values \
                         are an error (fix the file, or fit in memory with --missing)",
                        start + o,
                        j + 1
                    );
                }
                let v = v as f64;
                sum[j] += v;
                min[j] = min[j].min(v);
                max[j] = max[j].max(v);
            }
        }
        Ok(())
    })
    .with_context(|| source.path().display().to_string())?;
    let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
    let mut sq = vec![-0.0f64; d];
    if scaling == Scaling::Standard {
        for_each_chunk(source, |_, x| {
            for row in x.rows() {
                for (j, &v) in row.iter().enumerate() {
                    sq[j] += (v as f64 - mean[j]).powi(2);
                }
            }
            Ok(())
        })?;
    }
    let nonzero = |s: f64| if s > 0.0 && s.is_finite() { s } else { 1.0 };
    let inputs = (0..d)
        .map(|j| {
            let (center, scale) = match scaling {
                Scaling::Standard => (mean[j], nonzero((sq[j] / n as f64).sqrt())),
                Scaling::MinMax => (min[j], nonzero(max[j] - min[j])),
                _ => (0.0, 1.0),
            };
            InputColumn::Numeric {
                column: ColumnRef {
                    name: format!("c{}", j + 1),
                    position: j,
                },
                center,
                scale,
                fill: mean[j],
            }
        })
        .collect();
    Ok(Preprocess {
        by_name: false,
        id_column: None,
        label_column: None,
        missing: MissingPolicy::Error,
        scaling,
        inputs,
    })
}

/// Calls `f(first_row, chunk)` for every chunk of `source`, in order.
pub fn for_each_chunk(
    source: &mut dyn RowChunks,
    mut f: impl FnMut(usize, ArrayView2<f32>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (n, size) = (source.n_rows(), source.chunk_rows());
    for (i, start) in (0..n).step_by(size).enumerate() {
        let x = source.chunk(i).map_err(|e| anyhow::anyhow!("{e}"))?;
        f(start, x)?;
    }
    Ok(())
}

/// Evenly spaced rows (every ⌈n/size⌉-th) and their values.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Row indices, ascending.
    pub rows: Vec<usize>,
    /// The rows' values (after scaling).
    pub x: Array2<f32>,
}

/// Gathers about `size` evenly spaced rows (all when there are fewer) in one pass.
pub fn sample(source: &mut dyn RowChunks, size: usize) -> anyhow::Result<Sample> {
    let (n, d) = (source.n_rows(), source.n_cols());
    let rows = kmkit_cli::run::stride_rows(n, size);
    let mut x = Array2::zeros((rows.len(), d));
    let mut next = 0;
    for_each_chunk(source, |start, chunk| {
        while next < rows.len() && rows[next] < start + chunk.nrows() {
            x.row_mut(next).assign(&chunk.row(rows[next] - start));
            next += 1;
        }
        Ok(())
    })?;
    Ok(Sample { rows, x })
}

/// An out-of-core fit: the learned preprocessing and the model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Scaling learned from the file.
    pub pre: Preprocess,
    /// The model (`algorithm = lloyd`, `refine = false`; no labels).
    pub model: Model,
    /// The chunking and sample sizes used.
    pub budget: Budget,
}

/// Learns `scaling` and fits `params` to the file behind `source`, within
/// `limit` bytes.
pub fn fit(
    source: &mut MatrixChunks,
    params: &KMeansParams,
    scaling: Scaling,
    limit: u64,
) -> anyhow::Result<Fit> {
    let budget = Budget::new(limit, source.n_cols());
    source.set_chunk_rows(budget.chunk_rows);
    let pre = fit_preprocess(source, scaling)?;
    let mut scaled = ScaledChunks::new(source, &pre);
    let opts = OutOfCore {
        seed_sample: budget.seed_sample,
    };
    let model = fit_chunks(params, &mut scaled, &opts)?;
    Ok(Fit { pre, model, budget })
}

/// Labels and squared distances of every row, chunk by chunk, to `sink`.
pub fn labels(
    source: &mut MatrixChunks,
    fit: &Fit,
    sink: impl FnMut(usize, &[u32], &[f32]) -> Result<(), SourceError>,
) -> anyhow::Result<()> {
    let mut scaled = ScaledChunks::new(source, &fit.pre);
    assign_chunks(&fit.model, &mut scaled, sink)?;
    Ok(())
}
