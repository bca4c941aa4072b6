//! Binary matrices served in chunks of rows, for out-of-core fits
//! (`kmkit_core::fit_chunks`): `.npy` memory-mapped (memmap2; the header
//! parsed by ndarray-npy), `.fbin` and `.fvecs` streamed through one
//! chunk-sized buffer. Memory use is one chunk, whatever the file's size.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use kmkit_core::{RowChunks, SourceError};
use memmap2::Mmap;
use ndarray::{s, ArrayView1, ArrayView2};
use ndarray_npy::{ViewNpyError, ViewNpyExt};

use crate::error::{IoError, Result};
use crate::matrix_in::{fbin_shape, fvecs_shape, matrix_error, npy_header_fits};

/// A `.npy`, `.fbin` or `.fvecs` file opened for reading in chunks.
#[derive(Debug)]
pub struct MatrixChunks {
    path: PathBuf,
    n: usize,
    d: usize,
    chunk_rows: usize,
    inner: Inner,
    /// The current chunk, converted to f32 when the file holds something else.
    buf: Vec<f32>,
}

#[derive(Debug)]
enum Inner {
    Npy {
        map: Mmap,
        f64: bool,
        /// Bytes of the chunk served last, handed back to the kernel when
        /// the next is asked for so resident memory stays one chunk.
        last: Option<Range<usize>>,
        /// Offset of the data in the file.
        data_start: usize,
    },
    Stream {
        file: File,
        /// `.fvecs`: every row starts with its dimension.
        fvecs: bool,
        data_start: u64,
        /// The chunk the file position is at.
        next: usize,
        bytes: Vec<u8>,
    },
}

/// Whether `path` is a format [`MatrixChunks`] reads (by extension).
pub fn is_chunked_format(path: &Path) -> bool {
    matches!(extension(path).as_str(), "npy" | "fbin" | "fvecs")
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

impl MatrixChunks {
    /// Opens `path` (`.npy`, `.fbin` or `.fvecs`, by extension) to be read
    /// in chunks of `chunk_rows` rows. Checks the header and the file's
    /// length; values are read (and checked) as the chunks are.
    pub fn open(path: &Path, chunk_rows: usize) -> Result<MatrixChunks> {
        let read_err = |source| IoError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(read_err)?;
        let len = file.metadata().map_err(read_err)?.len();
        let (n, d, inner) = match extension(path).as_str() {
            "npy" => open_npy(path, &file)?,
            ext @ ("fbin" | "fvecs") => {
                let fvecs = ext == "fvecs";
                let mut head = Vec::with_capacity(8);
                (&file).take(8).read_to_end(&mut head).map_err(read_err)?;
                let (n, d) = if fvecs {
                    fvecs_shape(path, &head, len)?
                } else {
                    fbin_shape(path, &head, len)?
                };
                let inner = Inner::Stream {
                    file,
                    fvecs,
                    data_start: if fvecs { 0 } else { 8 },
                    next: usize::MAX,
                    bytes: Vec::new(),
                };
                (n, d, inner)
            }
            _ => {
                return Err(matrix_error(
                    path,
                    "only .npy, .fbin and .fvecs files can be read in chunks",
                ))
            }
        };
        Ok(MatrixChunks {
            path: path.to_path_buf(),
            n,
            d,
            chunk_rows: chunk_rows.max(1),
            inner,
            buf: Vec::new(),
        })
    }

    /// Size of the values as f32, in bytes (`n × d × 4`).
    pub fn f32_bytes(&self) -> u64 {
        self.n as u64 * self.d as u64 * 4
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes the chunk size (rows).
    pub fn set_chunk_rows(&mut self, rows: usize) {
        self.chunk_rows = rows.max(1);
    }

    fn rows_of(&self, index: usize) -> Range<usize> {
        let start = (index * self.chunk_rows).min(self.n);
        start..(start + self.chunk_rows).min(self.n)
    }

    fn read_chunk(&mut self, index: usize) -> Result<ArrayView2<'_, f32>> {
        let rows = self.rows_of(index);
        let (d, path) = (self.d, &self.path);
        match &mut self.inner {
            Inner::Npy {
                map,
                f64,
                last,
                data_start,
            } => {
                let width = if *f64 { 8 } else { 4 };
                let range =
                    *data_start + rows.start * d * width..*data_start + rows.end * d * width;
                if let Some(done) = last.replace(range) {
                    release(map, done);
                }
                if *f64 {
                    let x = view_2d::<f64>(path, map)?;
                    self.buf.clear();
                    self.buf
                        .extend(x.slice(s![rows, ..]).iter().map(|&v| v as f32));
                } else {
                    let x = view_2d::<f32>(path, map)?;
                    return Ok(x.slice_move(s![rows, ..]));
                }
            }
            Inner::Stream {
                file,
                fvecs,
                data_start,
                next,
                bytes,
            } => {
                let row_bytes = if *fvecs { 4 + 4 * d } else { 4 * d };
                if *next != index {
                    let at = *data_start + (rows.start * row_bytes) as u64;
                    file.seek(SeekFrom::Start(at))
                        .map_err(|source| IoError::Read {
                            path: path.clone(),
                            source,
                        })?;
                }
                bytes.resize(rows.len() * row_bytes, 0);
                file.read_exact(bytes).map_err(|source| IoError::Read {
                    path: path.clone(),
                    source,
                })?;
                *next = index + 1;
                self.buf.clear();
                for (r, row) in bytes.chunks_exact(row_bytes).enumerate() {
                    let values = if *fvecs {
                        let dim = i32::from_le_bytes(row[..4].try_into().expect("4 bytes"));
                        if dim as i64 != d as i64 {
                            return Err(matrix_error(
                                path,
                                format!(
                                    "row {} has dimension {dim}, row 0 has {d}: rows must have equal length",
                                    rows.start + r
                                ),
                            ));
                        }
                        &row[4..]
                    } else {
                        row
                    };
                    self.buf.extend(
                        values
                            .chunks_exact(4)
                            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
                    );
                }
            }
        }
        Ok(ArrayView2::from_shape((self.buf.len() / d, d), &self.buf)
            .expect("whole rows were read"))
    }
}

impl RowChunks for MatrixChunks {
    fn n_rows(&self) -> usize {
        self.n
    }
    fn n_cols(&self) -> usize {
        self.d
    }
    fn chunk_rows(&self) -> usize {
        self.chunk_rows
    }
    fn chunk(&mut self, index: usize) -> std::result::Result<ArrayView2<'_, f32>, SourceError> {
        self.read_chunk(index)
            .map_err(|e| Box::new(e) as SourceError)
    }
}

/// Maps a `.npy` file and checks its header: 1-D or 2-D, f32 or f64
/// little-endian, C order, as long as the header says.
fn open_npy(path: &Path, file: &File) -> Result<(usize, usize, Inner)> {
    // SAFETY: the map is read-only and private to this process; kmkit never
    // writes its inputs. Another process truncating the file while we read
    // it is the one hazard mmap cannot rule out, as for every mmap reader.
    let map = unsafe { Mmap::map(file) }.map_err(|source| IoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if map.is_empty() {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    npy_header_fits(path, &map)?;
    let (n, d, f64, start) = match npy_shape::<f32>(path, &map)? {
        Some(shape) => (shape.0, shape.1, false, shape.2),
        None => match npy_shape::<f64>(path, &map)? {
            Some(shape) => (shape.0, shape.1, true, shape.2),
            None => unreachable!("npy_shape::<f64> explains every other dtype"),
        },
    };
    if n == 0 || d == 0 {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    #[cfg(unix)]
    {
        // Read ahead aggressively: every pass walks the file front to back.
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    let inner = Inner::Npy {
        map,
        f64,
        last: None,
        data_start: start,
    };
    Ok((n, d, inner))
}

/// `(rows, columns, data offset)` when the file holds `T`; `None` when it
/// holds another element type and `T = f32` (so f64 is tried next).
fn npy_shape<T>(path: &Path, map: &Mmap) -> Result<Option<(usize, usize, usize)>>
where
    T: ndarray_npy::ReadableElement + 'static,
    for<'a> ArrayView2<'a, T>: ViewNpyExt<'a>,
    for<'a> ArrayView1<'a, T>: ViewNpyExt<'a>,
{
    let is_f32 = std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>();
    let offset = |p: *const T| p as usize - map.as_ptr() as usize;
    match ArrayView2::<T>::view_npy(map) {
        Ok(x) if x.is_standard_layout() => {
            return Ok(Some((x.nrows(), x.ncols(), offset(x.as_ptr()))))
        }
        Ok(_) => return Err(fortran(path)),
        Err(ViewNpyError::WrongDescriptor(_)) if is_f32 => return Ok(None),
        Err(ViewNpyError::WrongNdim(..)) => {}
        Err(e) => return Err(explain(path, e)),
    }
    match ArrayView1::<T>::view_npy(map) {
        Ok(x) => Ok(Some((x.len(), 1, offset(x.as_ptr())))),
        Err(ViewNpyError::WrongDescriptor(_)) if is_f32 => Ok(None),
        Err(e) => Err(explain(path, e)),
    }
}

/// The whole mapped array as f32 or f64 rows (1-D arrays as one column).
fn view_2d<'m, T>(path: &Path, map: &'m Mmap) -> Result<ArrayView2<'m, T>>
where
    T: ndarray_npy::ReadableElement,
    ArrayView2<'m, T>: ViewNpyExt<'m>,
    ArrayView1<'m, T>: ViewNpyExt<'m>,
{
    match ArrayView2::<T>::view_npy(map) {
        Ok(x) => Ok(x),
        Err(ViewNpyError::WrongNdim(..)) => ArrayView1::<T>::view_npy(map)
            .map(|x| x.insert_axis(ndarray::Axis(1)))
            .map_err(|e| explain(path, e)),
        Err(e) => Err(explain(path, e)),
    }
}

fn fortran(path: &Path) -> IoError {
    matrix_error(
        path,
        "the array is in Fortran (column) order: reading it in row chunks needs C order \
         (re-save it with numpy.ascontiguousarray)",
    )
}

fn explain(path: &Path, e: ViewNpyError) -> IoError {
    let message = match e {
        ViewNpyError::WrongDescriptor(d) => {
            format!("dtype {d} is not supported: save the array as float32 or float64")
        }
        ViewNpyError::WrongNdim(_, n) => {
            format!("the array has {n} dimensions: give a 2-D array (rows × features)")
        }
        ViewNpyError::NonNativeEndian => {
            "the array is big-endian: save it little-endian (numpy's default, '<f4' or '<f8')"
                .into()
        }
        ViewNpyError::MissingBytes(b) => {
            format!("the file is truncated: {b} bytes of data are missing")
        }
        ViewNpyError::ExtraBytes(b) => {
            format!("{b} bytes follow the data the header describes: not a valid .npy file")
        }
        other => format!("not a valid .npy file: {other}"),
    };
    matrix_error(path, message)
}

/// Tells the kernel the pages of `range` are not needed any more: they are
/// dropped from this process's resident set (and read again from the file
/// if a later pass touches them).
fn release(map: &Mmap, range: Range<usize>) {
    #[cfg(unix)]
    {
        let page = 4096;
        let start = range.start.div_ceil(page) * page;
        let end = range.end / page * page;
        if end > start {
            // SAFETY: the map is a private read-only file mapping, so
            // MADV_DONTNEED only discards clean pages, which the kernel
            // reads back from the file on the next access; no data we
            // hand out can change. No view of this range is alive: the
            // previous chunk's view ended with the `&mut self` borrow.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
            };
        }
    }
    #[cfg(not(unix))]
    let _ = (map, range);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
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

    /// All chunks of `path` read with `rows` rows each, concatenated.
    fn read_all(path: &Path, rows: usize) -> Result<(usize, usize, Vec<f32>)> {
        let mut c = MatrixChunks::open(path, rows)?;
        let (n, d) = (c.n_rows(), c.n_cols());
        let mut out = Vec::new();
        for i in 0..n.div_ceil(rows) {
            out.extend(c.read_chunk(i)?.iter().copied());
        }
        // A second pass (as every Lloyd iteration makes) reads the same.
        let again: Vec<f32> = c.read_chunk(0)?.iter().copied().collect();
        assert_eq!(again[..], out[..again.len()]);
        Ok((n, d, out))
    }

    #[test]
    fn every_format_reads_the_same_rows_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let (n, d) = (7usize, 3usize);
        let values: Vec<f32> = (0..n * d).map(|v| v as f32 * 0.5 - 3.0).collect();
        let le = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let mut fbin = (n as u32).to_le_bytes().to_vec();
        fbin.extend((d as u32).to_le_bytes());
        fbin.extend(le(&values));
        let mut fvecs = Vec::new();
        for r in values.chunks(d) {
            fvecs.extend((d as i32).to_le_bytes());
            fvecs.extend(le(r));
        }
        let f64s: Vec<u8> = values
            .iter()
            .flat_map(|&v| (v as f64).to_le_bytes())
            .collect();
        let files = [
            ("x.fbin", fbin),
            ("x.fvecs", fvecs),
            ("a.npy", npy("<f4", false, "(7, 3)", &le(&values))),
            ("b.npy", npy("<f8", false, "(7, 3)", &f64s)),
        ];
        for (name, bytes) in files {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            for rows in [1, 2, 7, 100] {
                let (gn, gd, got) = read_all(&p, rows).unwrap();
                assert_eq!((gn, gd), (n, d), "{name}");
                assert_eq!(got, values, "{name}, chunks of {rows}");
            }
        }
        let p = dir.path().join("col.npy");
        std::fs::write(&p, npy("<f4", false, "(7,)", &le(&values[..7]))).unwrap();
        assert_eq!(read_all(&p, 3).unwrap(), (7, 1, values[..7].to_vec()));
    }

    #[test]
    fn bad_files_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let err = |bytes: Vec<u8>| {
            std::fs::write(&p, bytes).unwrap();
            MatrixChunks::open(&p, 4).unwrap_err().to_string()
        };
        let six: Vec<u8> = (0..6).flat_map(|v| (v as f32).to_le_bytes()).collect();
        assert!(err(npy("<f4", true, "(2, 3)", &six)).contains("Fortran"));
        assert!(err(npy("<i4", false, "(2, 3)", &six)).contains("float32 or float64"));
        assert!(err(npy(">f4", false, "(2, 3)", &six)).contains("big-endian"));
        assert!(err(npy("<f4", false, "(2, 3)", &six[..20])).contains("truncated"));
        assert!(err(npy("<f4", false, "(1, 2, 3)", &six)).contains("3 dimensions"));
        // A v3 header length of ~4 GB: refused before ndarray-npy allocates it.
        let mut huge = b"\x93NUMPY\x03\x00".to_vec();
        huge.extend(0xff7b_0076u32.to_le_bytes());
        huge.extend(b"{'descr': '<f4'}");
        assert!(err(huge).contains("4286251126 bytes long"));
        let fbin = dir.path().join("x.fbin");
        let mut bytes = 2u32.to_le_bytes().to_vec();
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(&six[..20]);
        std::fs::write(&fbin, bytes).unwrap();
        let e = MatrixChunks::open(&fbin, 4).unwrap_err().to_string();
        assert!(e.contains("2 × 3") && e.contains("28 bytes"), "{e}");
        let fvecs = dir.path().join("x.fvecs");
        let mut bytes = 2i32.to_le_bytes().to_vec();
        bytes.extend(&six[..8]);
        bytes.extend(3i32.to_le_bytes());
        bytes.extend(&six[..8]);
        std::fs::write(&fvecs, &bytes).unwrap();
        let mut c = MatrixChunks::open(&fvecs, 4).unwrap();
        let e = c.read_chunk(0).unwrap_err().to_string();
        assert!(e.contains("row 1 has dimension 3"), "{e}");
        std::fs::write(&fvecs, &bytes[..10]).unwrap();
        let e = MatrixChunks::open(&fvecs, 4).unwrap_err().to_string();
        assert!(e.contains("row 0 is truncated"), "{e}");
    }
}
