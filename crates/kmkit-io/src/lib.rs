//! # kmkit-io
//!
//! Tables in and results out for every kmkit app.
//!
//! **In:** [`read_table`] reads CSV/TSV (gzip, BOM, CRLF, quoted fields; the
//! delimiter and header sniffed), NumPy `.npy`, `.fvecs` and `.fbin` into a
//! [`Table`] of typed columns. [`Preprocess::fit`] then turns a table into
//! `kmkit_core::Features` following a [`PreprocessSpec`] — column selection,
//! id and label columns, one-hot categoricals, [`Scaling`], a
//! [`MissingPolicy`] — and keeps what it learned in a serialisable
//! [`Preprocess`], whose [`Preprocess::transform`] repeats it exactly on new
//! data. Every bad input is an [`IoError`] naming the file, line and column.
//!
//! **In, out of core:** [`MatrixChunks`] serves a `.npy` (memory-mapped),
//! `.fbin` or `.fvecs` file (streamed) in chunks of rows as a
//! `kmkit_core::RowChunks` source, holding one chunk in memory at a time.
//!
//! **Out:** [`labels_csv`], [`centroids_csv`], [`json_bytes`] build result
//! files; [`ModelFile`] bundles a `kmkit_core::Model` with any transform
//! state. All writing goes through [`atomic`]: a temporary file in the same
//! directory, fsync, rename — so a failed run leaves no half-written file.
//!
//! **Key design decision:** fitting the preprocessing only learns statistics;
//! the matrix is always built by `transform`, the one code path `predict`
//! also runs, so a fitted model and its predictions cannot disagree on the
//! features.
//!
//! ```
//! use kmkit_io::{read_csv_bytes, Preprocess, PreprocessSpec, ReadOptions};
//! use std::path::Path;
//!
//! let csv = "id,size,colour\na,1.0,red\nb,3.0,blue\n";
//! let table = read_csv_bytes(Path::new("shop.csv"), csv.as_bytes(), &ReadOptions::default())?;
//! let spec = PreprocessSpec {
//!     id_column: Some("id".into()),
//!     categorical: vec!["colour".into()],
//!     ..Default::default()
//! };
//! let (pre, prepared) = Preprocess::fit(&spec, &table)?;
//! assert_eq!(pre.feature_names(), ["size", "colour=red", "colour=blue"]);
//! assert_eq!(prepared.features.row_ids, ["a", "b"]);
//! assert_eq!(pre.transform(&table)?, prepared);
//! # Ok::<(), kmkit_io::IoError>(())
//! ```
#![deny(missing_docs)]

pub mod atomic;
mod chunks;
mod csv_in;
mod error;
mod matrix_in;
pub mod memory;
mod preprocess;
mod results;
mod table;

use std::path::Path;

pub use atomic::OutputDir;
pub use chunks::{is_chunked_format, MatrixChunks};
pub use csv_in::{read_bytes, read_csv, read_csv_bytes};
pub use error::{IoError, Result};
pub use matrix_in::{
    read_fbin, read_fbin_bytes, read_fvecs, read_fvecs_bytes, read_npy, read_npy_bytes,
};
pub use preprocess::{
    ColumnRef, InputColumn, MissingPolicy, PrepReport, Prepared, Preprocess, PreprocessSpec,
    Scaling, Truth,
};
pub use results::{
    centroids_csv, json_bytes, labels_csv, read_labels, LabelsFile, ModelFile, MODEL_FILE_VERSION,
};
pub use table::{
    format_number, is_missing_text, parse_number, Column, ColumnData, HeaderMode, ReadOptions,
    Table, MISSING_CODE,
};

/// Reads a table by file extension: `.npy`, `.fvecs`, `.fbin`, otherwise
/// CSV/TSV (`.tsv`/`.tab` default to tabs; `.gz` is decompressed).
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "npy" => read_npy(path),
        "fvecs" => read_fvecs(path),
        "fbin" => read_fbin(path),
        _ => read_csv(path, opts),
    }
}
