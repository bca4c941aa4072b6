//! Binary matrices in: NumPy `.npy` (f32/f64, C or Fortran order, via ndarray-npy),
//! `.fvecs` (per row: little-endian i32 dimension, then that many f32) and
//! `.fbin` (u32 rows, u32 columns, then row-major f32), the formats of the
//! ANN benchmark corpora.

use std::path::Path;

use crate::csv_in::read_bytes;
use crate::error::{IoError, Result};
use crate::table::Table;

fn bad(path: &Path, message: impl Into<String>) -> IoError {
    IoError::Matrix {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads a 2-D (or 1-D, as one column) `.npy` array of f32 or f64, in C or
/// Fortran order.
pub fn read_npy(path: &Path) -> Result<Table> {
    read_npy_bytes(path, &read_bytes(path)?)
}

/// Parses `.npy` bytes already in memory; `path` is used in messages only.
pub fn read_npy_bytes(path: &Path, bytes: &[u8]) -> Result<Table> {
    use ndarray::{Array1, Array2};
    use ndarray_npy::{ReadNpyError, ReadNpyExt};
    // ndarray-npy reads one element type and rank at a time: try each of the
    // four supported forms, moving on only when the descriptor or rank differs.
    let wrong_form = |e: &ReadNpyError| {
        matches!(
            e,
            ReadNpyError::WrongDescriptor(_) | ReadNpyError::WrongNdim(..)
        )
    };
    let explain = |e: ReadNpyError| match e {
        ReadNpyError::WrongDescriptor(d) => bad(
            path,
            format!("dtype {d} is not supported: save the array as float32 or float64"),
        ),
        ReadNpyError::WrongNdim(_, n) => bad(
            path,
            format!("the array has {n} dimensions: give a 2-D array (rows × features)"),
        ),
        other => bad(path, format!("not a valid .npy file: {other}")),
    };
    let as_table = |x: Array2<f64>| {
        finite_table(
            path,
            x.nrows(),
            x.ncols(),
            x.as_standard_layout().iter().copied().collect(),
        )
    };
    let column = |v: Array1<f64>| v.insert_axis(ndarray::Axis(1));
    match Array2::<f32>::read_npy(bytes) {
        Ok(x) => return as_table(x.mapv(f64::from)),
        Err(e) if !wrong_form(&e) => return Err(explain(e)),
        Err(_) => {}
    }
    match Array2::<f64>::read_npy(bytes) {
        Ok(x) => return as_table(x),
        Err(e) if !wrong_form(&e) => return Err(explain(e)),
        Err(_) => {}
    }
    match Array1::<f32>::read_npy(bytes) {
        Ok(x) => return as_table(column(x.mapv(f64::from))),
        Err(e) if !wrong_form(&e) => return Err(explain(e)),
        Err(_) => {}
    }
    Array1::<f64>::read_npy(bytes)
        .map(column)
        .map_err(explain)
        .and_then(as_table)
}

/// Reads a `.fvecs` file.
pub fn read_fvecs(path: &Path) -> Result<Table> {
    read_fvecs_bytes(path, &read_bytes(path)?)
}

/// Parses `.fvecs` bytes already in memory; `path` is used in messages only.
pub fn read_fvecs_bytes(path: &Path, bytes: &[u8]) -> Result<Table> {
    let mut values = Vec::new();
    let (mut n, mut d_seen) = (0usize, None);
    let mut pos = 0usize;
    while pos < bytes.len() {
        let Some(head) = bytes.get(pos..pos + 4) else {
            return Err(bad(
                path,
                format!("truncated at byte {pos}: a row header needs 4 bytes"),
            ));
        };
        let d = i32::from_le_bytes(head.try_into().expect("4 bytes"));
        if d <= 0 {
            return Err(bad(
                path,
                format!("row {n} declares dimension {d}: not an .fvecs file?"),
            ));
        }
        let d = d as usize;
        if let Some(d0) = d_seen {
            if d != d0 {
                return Err(bad(
                    path,
                    format!(
                        "row {n} has dimension {d}, row 0 has {d0}: rows must have equal length"
                    ),
                ));
            }
        }
        d_seen = Some(d);
        let body = bytes
            .get(pos + 4..pos + 4 + 4 * d)
            .ok_or_else(|| bad(path, format!("row {n} is truncated: expected {d} floats")))?;
        values.extend(
            body.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64),
        );
        pos += 4 + 4 * d;
        n += 1;
    }
    let d = d_seen.ok_or_else(|| IoError::Empty {
        path: path.to_path_buf(),
    })?;
    finite_table(path, n, d, values)
}

/// Reads a `.fbin` file.
pub fn read_fbin(path: &Path) -> Result<Table> {
    read_fbin_bytes(path, &read_bytes(path)?)
}

/// Parses `.fbin` bytes already in memory; `path` is used in messages only.
pub fn read_fbin_bytes(path: &Path, bytes: &[u8]) -> Result<Table> {
    if bytes.is_empty() {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    let (n, d) = fbin_shape(path, bytes, bytes.len() as u64)?;
    let values = bytes[8..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64)
        .collect();
    finite_table(path, n, d, values)
}

/// Rows and columns of an `.fbin` file of `len` bytes that starts with
/// `head`, checked against its length (a truncated file is an error).
pub(crate) fn fbin_shape(path: &Path, head: &[u8], len: u64) -> Result<(usize, usize)> {
    if len == 0 {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    let head = head
        .get(..8)
        .ok_or_else(|| bad(path, "shorter than its 8-byte header"))?;
    let n = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as usize;
    let d = u32::from_le_bytes(head[4..].try_into().expect("4 bytes")) as usize;
    let expected = (n as u64)
        .checked_mul(d as u64)
        .and_then(|v| v.checked_mul(4))
        .and_then(|v| v.checked_add(8));
    if expected != Some(len) {
        return Err(bad(
            path,
            format!("the header says {n} × {d} floats, but the file has {len} bytes"),
        ));
    }
    if n == 0 || d == 0 {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok((n, d))
}

/// Rows and columns of an `.fvecs` file of `len` bytes whose first row
/// header is in `head`; every row must then be `4 + 4d` bytes.
pub(crate) fn fvecs_shape(path: &Path, head: &[u8], len: u64) -> Result<(usize, usize)> {
    if len == 0 {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    let Some(head) = head.get(..4) else {
        return Err(bad(path, "truncated at byte 0: a row header needs 4 bytes"));
    };
    let d = i32::from_le_bytes(head.try_into().expect("4 bytes"));
    if d <= 0 {
        return Err(bad(
            path,
            format!("row 0 declares dimension {d}: not an .fvecs file?"),
        ));
    }
    let row = 4 + 4 * d as u64;
    if len % row != 0 {
        return Err(bad(
            path,
            format!("row {} is truncated: expected {d} floats", len / row),
        ));
    }
    Ok(((len / row) as usize, d as usize))
}

/// The error for a malformed matrix file.
pub(crate) fn matrix_error(path: &Path, message: impl Into<String>) -> IoError {
    bad(path, message)
}

/// Binary formats have no missing-value marker: NaN is missing, ±inf an error.
fn finite_table(path: &Path, n: usize, d: usize, values: Vec<f64>) -> Result<Table> {
    if n == 0 || d == 0 {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    if let Some(p) = values.iter().position(|v| v.is_infinite()) {
        return Err(bad(
            path,
            format!("row {}, column {} is infinite", p / d, p % d + 1),
        ));
    }
    Ok(Table::from_matrix(path, n, d, &values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ColumnData;

    fn col(t: &Table, j: usize) -> Vec<f64> {
        match &t.columns[j].data {
            ColumnData::Numeric(v) => v.clone(),
            ColumnData::Text { .. } => panic!("numeric expected"),
        }
    }

    #[test]
    fn fvecs_and_fbin_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let mut fvecs = Vec::new();
        let mut fbin = vec![];
        fbin.extend(2u32.to_le_bytes());
        fbin.extend(3u32.to_le_bytes());
        for r in rows {
            fvecs.extend(3i32.to_le_bytes());
            for v in r {
                fvecs.extend(v.to_le_bytes());
                fbin.extend(v.to_le_bytes());
            }
        }
        let (pv, pb) = (dir.path().join("x.fvecs"), dir.path().join("x.fbin"));
        std::fs::write(&pv, &fvecs).unwrap();
        std::fs::write(&pb, &fbin).unwrap();
        for t in [read_fvecs(&pv).unwrap(), read_fbin(&pb).unwrap()] {
            assert_eq!(t.n_rows(), 2);
            assert_eq!(col(&t, 2), vec![3.0, 6.0]);
        }
        std::fs::write(&pv, &fvecs[..fvecs.len() - 2]).unwrap();
        assert!(read_fvecs(&pv)
            .unwrap_err()
            .to_string()
            .contains("row 1 is truncated"));
        std::fs::write(&pb, &fbin[..fbin.len() - 4]).unwrap();
        assert!(read_fbin(&pb).unwrap_err().to_string().contains("2 × 3"));
    }

    /// A minimal .npy writer (format 1.0) for the test.
    fn npy_bytes(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn npy_f32_f64_c_and_fortran() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let f64s: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(&p, npy_bytes("<f8", false, "(2, 3)", &f64s)).unwrap();
        let t = read_npy(&p).unwrap();
        assert_eq!(col(&t, 0), vec![1.0, 4.0]);
        std::fs::write(&p, npy_bytes("<f8", true, "(2, 3)", &f64s)).unwrap();
        let t = read_npy(&p).unwrap();
        assert_eq!(col(&t, 0), vec![1.0, 2.0]);
        assert_eq!(col(&t, 2), vec![5.0, 6.0]);
        let f32s: Vec<u8> = [0.5f32, 1.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&p, npy_bytes("<f4", false, "(2,)", &f32s)).unwrap();
        assert_eq!(col(&read_npy(&p).unwrap(), 0), vec![0.5, 1.5]);
        std::fs::write(&p, npy_bytes("<i8", false, "(1,)", &7i64.to_le_bytes())).unwrap();
        assert!(read_npy(&p)
            .unwrap_err()
            .to_string()
            .contains("float32 or float64"));
        std::fs::write(&p, b"not numpy").unwrap();
        assert!(read_npy(&p).is_err());
    }
}
