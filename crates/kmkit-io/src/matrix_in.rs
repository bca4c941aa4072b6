//! Binary matrices in: NumPy `.npy` (f32/f64, C or Fortran order, via ndarray-npy),
//! `.fvecs` (per row: little-endian i32 dimension, then that many f32) and
//! `.fbin` (u32 rows, u32 columns, then row-major f32), the formats of the
//! ANN benchmark corpora.

use std::path::Path;

use crate::csv_in::read_bytes;
use crate::error::{IoError, Result};
use crate::memory;
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
    // ndarray-npy allocates the header's stated length, then the array the
    // header describes, before reading either: a 200-byte file claiming 10⁹
    // rows must be refused first.
    npy_header_fits(path, bytes)?;
    if let Some((shape, needed, available)) = npy_claim(bytes) {
        if needed > available as u128 {
            return Err(bad(
                path,
                format!(
                    "the header says shape {shape:?} ({needed} bytes of data), but the file holds \
                     {available}: truncated or not a .npy file"
                ),
            ));
        }
        let values = shape.iter().fold(1u64, |acc, &n| acc.saturating_mul(n));
        let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
        check_matrix_fits(path, &dims.join(" × "), values)?;
    }
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

/// Refuses a `.npy` preamble whose header length runs past the file's end:
/// ndarray-npy allocates that length before reading the header (a v2/v3
/// length is a u32, up to 4 GB; found by fuzzing).
pub(crate) fn npy_header_fits(path: &Path, bytes: &[u8]) -> Result<()> {
    match npy_header_range(bytes) {
        Some(range) if range.end > bytes.len() => Err(bad(
            path,
            format!(
                "the header says it is {} bytes long, but the file holds {}: truncated or not a \
                 .npy file",
                range.len(),
                bytes.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// Where a `.npy` file's header text lies: `start..end`, the data starting
/// at `end`. `None` when the preamble (magic, version, length) is not `.npy`'s.
fn npy_header_range(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    if bytes.get(..6)? != b"\x93NUMPY" {
        return None;
    }
    let (len, start) = match bytes.get(6)? {
        1 => (
            u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?) as usize,
            10,
        ),
        _ => (
            u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize,
            12,
        ),
    };
    Some(start..start.checked_add(len)?)
}

/// The shape a `.npy` header declares, the bytes of data that shape needs
/// (item size from the `descr`, at least 1) and the bytes the file has after
/// the header, read from the header's Python dict text without allocating
/// anything of the declared size. `None` when the header cannot be read this
/// way; ndarray-npy then reports why.
fn npy_claim(bytes: &[u8]) -> Option<(Vec<u64>, u128, usize)> {
    let range = npy_header_range(bytes)?;
    let header = std::str::from_utf8(bytes.get(range.clone())?).ok()?;
    let value_of = |key: &str| {
        let at = header
            .find(&format!("'{key}'"))
            .or_else(|| header.find(&format!("\"{key}\"")))?;
        Some(&header[at + key.len() + 2..])
    };
    let dims = value_of("shape")?;
    let dims = &dims[dims.find('(')? + 1..];
    let dims = &dims[..dims.find(')')?];
    let shape: Vec<u64> = dims
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // The item size is the number ending the type string: '<f8' → 8.
    let item = value_of("descr")
        .and_then(|d| {
            let d = &d[d.find(['\'', '"'])? + 1..];
            let d = &d[..d.find(['\'', '"'])?];
            d.trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse::<u128>()
                .ok()
        })
        .unwrap_or(1)
        .max(1);
    let needed = shape
        .iter()
        .try_fold(item, |acc, &n| acc.checked_mul(n as u128))
        .unwrap_or(u128::MAX);
    Some((shape, needed, bytes.len() - range.end.min(bytes.len())))
}

/// Refuses a matrix of `values` numbers (`shape` for the message) whose
/// in-memory form would not fit in the memory available.
fn check_matrix_fits(path: &Path, shape: &str, values: u64) -> Result<()> {
    memory::check_fits(
        path,
        &format!("holding its {shape} values"),
        values.saturating_mul(memory::IN_MEMORY_BYTES_PER_VALUE),
        ": fit it out of core (kmkit fit --memory-limit SIZE) or give a sample",
    )
}

/// The first `n` bytes of `path` (fewer if it is shorter) and its length.
fn head(path: &Path, n: u64) -> Result<(Vec<u8>, u64)> {
    use std::io::Read;
    let err = |source| IoError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    let mut head = Vec::new();
    file.take(n).read_to_end(&mut head).map_err(err)?;
    Ok((head, len))
}

/// Reads a `.fvecs` file.
pub fn read_fvecs(path: &Path) -> Result<Table> {
    let (_, len) = head(path, 0)?;
    check_matrix_fits(path, &format!("~{}", len / 4), len / 4)?;
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
    let (first, len) = head(path, 8)?;
    let (n, d) = fbin_shape(path, &first, len)?;
    check_matrix_fits(path, &format!("{n} × {d}"), n as u64 * d as u64)?;
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
    if !len.is_multiple_of(row) {
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
        while !(10 + header.len() + 1).is_multiple_of(64) {
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

    #[test]
    fn npy_header_claiming_more_than_the_file_holds_is_refused_before_allocating() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        // 10¹⁰ f32 values would be a 40 GB allocation inside ndarray-npy.
        std::fs::write(&p, npy_bytes("<f4", false, "(1000000000, 10)", &[0; 64])).unwrap();
        let e = read_npy(&p).unwrap_err().to_string();
        assert!(e.contains("header says shape [1000000000, 10]"), "{e}");
        assert!(e.contains("(40000000000 bytes of data)"), "{e}");
        // A shape whose byte count overflows, and one short by a single value.
        std::fs::write(
            &p,
            npy_bytes("<f8", false, "(18446744073709551615, 4)", &[]),
        )
        .unwrap();
        assert!(read_npy(&p)
            .unwrap_err()
            .to_string()
            .contains("header says"));
        std::fs::write(&p, npy_bytes("<f8", false, "(2, 2)", &[0; 24])).unwrap();
        assert!(read_npy(&p).unwrap_err().to_string().contains("holds 24"));
        // The exact size still reads.
        std::fs::write(&p, npy_bytes("<f8", false, "(2, 2)", &[0; 32])).unwrap();
        assert_eq!(read_npy(&p).unwrap().n_rows(), 2);
    }

    #[test]
    fn npy_header_length_beyond_the_file_is_refused_before_allocating() {
        // The fuzzer's input (table target): a version-3 preamble whose u32
        // header length is 4,286,251,126; ndarray-npy allocated that much.
        let mut bytes = b"\x93NUMPY\x03\x00".to_vec();
        bytes.extend(0xff7b_0076u32.to_le_bytes());
        bytes.extend(b"{'descr': '<f4'}");
        let e = read_npy_bytes(Path::new("x.npy"), &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the header says it is 4286251126 bytes long, but the file holds 28"),
            "{e}"
        );
        // Version 1 (u16 length) is held to the file's size too.
        let mut v1 = b"\x93NUMPY\x01\x00".to_vec();
        v1.extend(600u16.to_le_bytes());
        let e = read_npy_bytes(Path::new("x.npy"), &v1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("600 bytes long"), "{e}");
    }
}
