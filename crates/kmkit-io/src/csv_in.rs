//! CSV/TSV in: gzip, BOM, CRLF and quoted fields handled; the delimiter and
//! the header sniffed; ragged rows and parse failures reported with their line.
//!
//! Two passes over the bytes: the first checks the shape and learns which
//! columns are numeric, the second fills typed columns. This keeps memory at
//! the size of the typed table rather than of every cell as a string.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::{IoError, Result};
use crate::memory;
use crate::table::{
    is_missing_text, parse_number, Column, ColumnData, HeaderMode, ReadOptions, Table, MISSING_CODE,
};

/// Reads a CSV/TSV file (optionally `.gz`).
pub fn read_csv(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let bytes = read_bytes(path)?;
    let mut opts = opts.clone();
    if opts.delimiter.is_none() && is_tsv(path) {
        opts.delimiter = Some(b'\t');
    }
    read_csv_bytes(path, &bytes, &opts)
}

/// The bytes of a file, gunzipped when its name ends in `.gz`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let err = |source| IoError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Refuse what cannot fit before reading it: the file itself, and (for
    // gzip, whose size says little) the decompressed bytes as they come.
    let len = std::fs::metadata(path).map_err(err)?.len();
    memory::check_fits(path, "reading the file", len, "")?;
    let raw = std::fs::read(path).map_err(err)?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let budget = memory::available_memory()?.unwrap_or(u64::MAX);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .take(budget.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(err)?;
        if out.len() as u64 > budget {
            return Err(IoError::TooLarge {
                path: path.to_path_buf(),
                message: format!(
                    "it decompresses to more than the {} of memory available",
                    memory::human_bytes(budget)
                ),
            });
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn is_tsv(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tsv") || name.ends_with(".tsv.gz") || name.ends_with(".tab")
}

/// Parses CSV bytes already in memory; `path` is used in messages only.
pub fn read_csv_bytes(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IoError::Empty {
            path: path.to_path_buf(),
        });
    }
    // NUL bytes are UTF-16 (ASCII text with every other byte 0, which is
    // valid UTF-8) or binary data: say so rather than report odd cells.
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) || bytes.contains(&0) {
        return Err(IoError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: "not UTF-8 text (UTF-16 or binary data): save the file as UTF-8".into(),
        });
    }
    let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
    let shape = scan(path, bytes, delimiter)?;
    let layout = decide_layout(path, &shape, opts.header)?;
    fill(path, bytes, delimiter, &shape, layout)
}

fn reader(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(bytes)
}

/// Line numbers from byte offsets. The csv crate's own line count lags by one
/// after a CRLF terminator (it counts the `\n` when the next record starts),
/// so lines are counted here: the line of the first byte at or after the
/// record's start that is not a line terminator.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            pos: 0,
            line: 1,
        }
    }
    /// Line of the record starting at `byte`; offsets must not decrease.
    fn at(&mut self, byte: u64) -> u64 {
        let mut start = (byte as usize).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.pos {
            self.line += self.bytes[self.pos..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.pos = start;
        }
        self.line
    }
}

fn record_line(lines: &mut Lines, rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| lines.at(p.byte()))
}

fn csv_error(path: &Path, bytes: &[u8], e: csv::Error) -> IoError {
    let line = e.position().map_or(0, |p| Lines::new(bytes).at(p.byte()));
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "the line is not valid UTF-8: save the file as UTF-8".to_string()
        }
        _ => e.to_string(),
    };
    IoError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Picks the candidate delimiter that splits the first lines into the same
/// number (> 1) of fields most consistently, preferring more fields.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let head = match head.iter().rposition(|&b| b == b'\n') {
        Some(p) if head.len() < bytes.len() => &head[..p + 1],
        _ => head,
    };
    let mut best = (b',', 0.0f64, 0usize);
    for cand in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = reader(head, cand)
            .records()
            .take(30)
            .filter_map(|r| r.ok())
            .map(|r| r.len())
            .collect();
        // Skip the first record: a header may have one field fewer (R row names).
        let body = if counts.len() > 1 {
            &counts[1..]
        } else {
            &counts[..]
        };
        let mut freq: HashMap<usize, usize> = HashMap::new();
        body.iter().for_each(|&c| *freq.entry(c).or_default() += 1);
        let Some((&mode, &hits)) = freq.iter().max_by_key(|(&c, &h)| (h, c)) else {
            continue;
        };
        if mode < 2 {
            continue;
        }
        // The first record counts fully when it matches, half when it is one
        // short (a header without the row-name column).
        let first_hits = match counts.first() {
            Some(&c) if counts.len() > 1 && c == mode => 1.0,
            Some(&c) if counts.len() > 1 && c + 1 == mode => 0.5,
            _ => 0.0,
        };
        let consistency = (hits as f64 + first_hits) / counts.len() as f64;
        if consistency > best.1 + 1e-9 || ((consistency - best.1).abs() <= 1e-9 && mode > best.2) {
            best = (cand, consistency, mode);
        }
    }
    best.0
}

#[derive(Debug, Clone, Copy)]
struct ColStats {
    numeric_ok: bool,
    n_numeric: usize,
}

impl ColStats {
    fn observe(&mut self, cell: &str) {
        if is_missing_text(cell) {
            return;
        }
        if parse_number(cell).is_some() {
            self.n_numeric += 1;
        } else {
            self.numeric_ok = false;
        }
    }
}

/// What the first pass learns.
struct Shape {
    first_line: u64,
    first: Vec<String>,
    /// Fields per data row (rows after the first), and the line that set it.
    data_len: Option<(usize, u64)>,
    n_after_first: usize,
    /// Column statistics over the rows after the first.
    stats: Vec<ColStats>,
}

fn scan(path: &Path, bytes: &[u8], delimiter: u8) -> Result<Shape> {
    let mut rdr = reader(bytes, delimiter);
    let mut rec = csv::StringRecord::new();
    let mut first: Option<(u64, Vec<String>)> = None;
    let mut data_len: Option<(usize, u64)> = None;
    let mut stats = Vec::new();
    let mut n_after_first = 0;
    let mut lines = Lines::new(bytes);
    while rdr
        .read_record(&mut rec)
        .map_err(|e| csv_error(path, bytes, e))?
    {
        let line = record_line(&mut lines, &rec);
        if first.is_none() {
            first = Some((line, rec.iter().map(str::to_string).collect()));
            continue;
        }
        match data_len {
            None => {
                data_len = Some((rec.len(), line));
                stats = vec![
                    ColStats {
                        numeric_ok: true,
                        n_numeric: 0
                    };
                    rec.len()
                ];
            }
            Some((n, expected_line)) if rec.len() != n => {
                return Err(IoError::Ragged {
                    path: path.to_path_buf(),
                    line,
                    found: rec.len(),
                    expected: n,
                    expected_line,
                });
            }
            Some(_) => {}
        }
        rec.iter()
            .zip(stats.iter_mut())
            .for_each(|(cell, s)| s.observe(cell));
        n_after_first += 1;
    }
    let (first_line, first) = first.ok_or_else(|| IoError::Empty {
        path: path.to_path_buf(),
    })?;
    Ok(Shape {
        first_line,
        first,
        data_len,
        n_after_first,
        stats,
    })
}

/// How the first line is to be read.
#[derive(Debug, Clone)]
struct Layout {
    /// Column names.
    names: Vec<String>,
    /// Whether the first record is a header (skipped as data).
    header_line: bool,
    /// Whether the names came from the file.
    has_header: bool,
    index_column: Option<usize>,
}

fn decide_layout(path: &Path, shape: &Shape, mode: HeaderMode) -> Result<Layout> {
    let first = &shape.first;
    let generic = |n: usize| (1..=n).map(|j| format!("c{j}")).collect::<Vec<_>>();
    let non_numeric = |c: &String| !is_missing_text(c) && parse_number(c).is_none();
    let Some((data_len, data_line)) = shape.data_len else {
        // A single line: a header if asked, or if no cell is a number.
        let header = match mode {
            HeaderMode::Yes => true,
            HeaderMode::No => false,
            HeaderMode::Auto => first.iter().all(non_numeric),
        };
        if header {
            return Err(IoError::HeaderOnly {
                path: path.to_path_buf(),
            });
        }
        return Ok(Layout {
            names: generic(first.len()),
            header_line: false,
            has_header: false,
            index_column: None,
        });
    };
    if mode != HeaderMode::No {
        // scikit-learn's bundled CSVs open with "n_samples,n_features,class names…".
        let as_count = |c: &String| c.parse::<usize>().ok();
        if first.len() >= 3
            && as_count(&first[0]) == Some(shape.n_after_first)
            && as_count(&first[1]).is_some_and(|d| d == data_len || d + 1 == data_len)
            && first.iter().skip(2).all(non_numeric)
        {
            let d = as_count(&first[1]).unwrap_or(data_len);
            let mut names: Vec<String> = (0..d).map(|j| format!("f{j}")).collect();
            if d < data_len {
                names.push("target".into());
            }
            return Ok(Layout {
                names,
                header_line: true,
                has_header: true,
                index_column: None,
            });
        }
        // R's write.csv: the header lacks the row-name column.
        if first.len() + 1 == data_len && first.iter().any(non_numeric) {
            let mut names = vec!["row".to_string()];
            names.extend(first.iter().cloned());
            return Ok(Layout {
                names: dedup(names),
                header_line: true,
                has_header: true,
                index_column: Some(0),
            });
        }
    }
    if first.len() != data_len {
        return Err(IoError::Ragged {
            path: path.to_path_buf(),
            line: data_line,
            found: data_len,
            expected: first.len(),
            expected_line: shape.first_line,
        });
    }
    let header = match mode {
        HeaderMode::Yes => true,
        HeaderMode::No => false,
        HeaderMode::Auto => {
            let typed_below = first
                .iter()
                .zip(&shape.stats)
                .any(|(c, s)| non_numeric(c) && s.numeric_ok && s.n_numeric > 0);
            typed_below || first.iter().all(non_numeric)
        }
    };
    if header && shape.n_after_first == 0 {
        return Err(IoError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    let names = if header {
        dedup(
            first
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    if c.is_empty() {
                        format!("c{}", j + 1)
                    } else {
                        c.clone()
                    }
                })
                .collect(),
        )
    } else {
        generic(first.len())
    };
    Ok(Layout {
        names,
        header_line: header,
        has_header: header,
        index_column: None,
    })
}

/// Makes names unique the way pandas does: `x`, `x.1`, `x.2`, ….
fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    names
        .into_iter()
        .map(|n| {
            let count = seen.entry(n.clone()).or_default();
            *count += 1;
            if *count == 1 {
                n
            } else {
                format!("{n}.{}", *count - 1)
            }
        })
        .collect()
}

enum Builder {
    Numeric(Vec<f64>),
    Text {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: HashMap<String, u32>,
        first_text: Option<(usize, String)>,
    },
}

fn fill(path: &Path, bytes: &[u8], delimiter: u8, shape: &Shape, layout: Layout) -> Result<Table> {
    let n_cols = layout.names.len();
    let mut stats = shape.stats.clone();
    if stats.is_empty() {
        stats = vec![
            ColStats {
                numeric_ok: true,
                n_numeric: 0
            };
            n_cols
        ];
    }
    if !layout.header_line {
        shape
            .first
            .iter()
            .zip(stats.iter_mut())
            .for_each(|(c, s)| s.observe(c));
    }
    let n_rows = shape.n_after_first + usize::from(!layout.header_line);
    let mut builders: Vec<Builder> = stats
        .iter()
        .map(|s| {
            if s.numeric_ok {
                Builder::Numeric(Vec::with_capacity(n_rows))
            } else {
                Builder::Text {
                    codes: Vec::with_capacity(n_rows),
                    levels: Vec::new(),
                    index: HashMap::new(),
                    first_text: None,
                }
            }
        })
        .collect();
    let mut missing = vec![0usize; n_cols];
    let mut lines = Vec::with_capacity(n_rows);
    let mut rdr = reader(bytes, delimiter);
    let mut rec = csv::StringRecord::new();
    let mut skip = layout.header_line;
    let mut counter = Lines::new(bytes);
    while rdr
        .read_record(&mut rec)
        .map_err(|e| csv_error(path, bytes, e))?
    {
        if skip {
            skip = false;
            continue;
        }
        let row = lines.len();
        lines.push(record_line(&mut counter, &rec));
        for (j, cell) in rec.iter().enumerate() {
            let is_missing = is_missing_text(cell);
            missing[j] += usize::from(is_missing);
            match &mut builders[j] {
                Builder::Numeric(v) => v.push(if is_missing {
                    f64::NAN
                } else {
                    parse_number(cell).unwrap_or(f64::NAN)
                }),
                Builder::Text {
                    codes,
                    levels,
                    index,
                    first_text,
                } => {
                    if is_missing {
                        codes.push(MISSING_CODE);
                        continue;
                    }
                    if first_text.is_none() && parse_number(cell).is_none() {
                        *first_text = Some((row, cell.to_string()));
                    }
                    let code = *index.entry(cell.to_string()).or_insert_with(|| {
                        levels.push(cell.to_string());
                        (levels.len() - 1) as u32
                    });
                    codes.push(code);
                }
            }
        }
    }
    let columns = builders
        .into_iter()
        .zip(layout.names)
        .zip(missing)
        .map(|((b, name), n_missing)| match b {
            Builder::Numeric(v) => Column {
                name,
                data: ColumnData::Numeric(v),
                n_missing,
                first_text: None,
            },
            Builder::Text {
                codes,
                levels,
                first_text,
                ..
            } => Column {
                name,
                data: ColumnData::Text { codes, levels },
                n_missing,
                first_text,
            },
        })
        .collect();
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        lines,
        has_header: layout.has_header,
        index_column: layout.index_column,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Table> {
        read_csv_bytes(Path::new("t.csv"), text.as_bytes(), &ReadOptions::default())
    }
    fn nums(t: &Table, j: usize) -> Vec<f64> {
        match &t.columns[j].data {
            ColumnData::Numeric(v) => v.clone(),
            other => panic!("column {j} is not numeric: {other:?}"),
        }
    }

    #[test]
    fn header_sniffed_and_bom_crlf_quotes_handled() {
        let t = read("\u{feff}name,x,y\r\n\"a, b\",1,2\r\nc,3,4\r\n").unwrap();
        assert!(t.has_header);
        assert_eq!(t.names(), vec!["name", "x", "y"]);
        assert_eq!(t.columns[0].text(0), "a, b");
        assert_eq!(nums(&t, 1), vec![1.0, 3.0]);
        assert_eq!(t.lines, vec![2, 3]);
    }

    #[test]
    fn no_header_when_first_line_is_numeric() {
        let t = read("1,2\n3,4\n").unwrap();
        assert!(!t.has_header);
        assert_eq!(t.names(), vec!["c1", "c2"]);
        assert_eq!(nums(&t, 0), vec![1.0, 3.0]);
    }

    #[test]
    fn delimiters_sniffed() {
        for (text, n) in [
            ("a\tb\tc\n1\t2\t3\n", 3),
            ("a;b\n1,5;2\n", 2),
            ("a|b|c|d\n1|2|3|4\n", 4),
        ] {
            let t = read(text).unwrap();
            assert_eq!(t.columns.len(), n, "{text:?}");
        }
    }

    #[test]
    fn sklearn_header_is_recognised() {
        let t = read("3,2,a,b\r\n1,2,0\r\n3,4,1\r\n5,6,1\r\n").unwrap();
        assert_eq!(t.names(), vec!["f0", "f1", "target"]);
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.lines, vec![2, 3, 4]);
    }

    #[test]
    fn r_row_names_become_the_index_column() {
        let t = read("\"x\",\"y\"\n\"1\",\"a\",2\n\"2\",\"b\",3\n").unwrap();
        assert_eq!(t.names(), vec!["row", "x", "y"]);
        assert_eq!(t.index_column, Some(0));
    }

    #[test]
    fn missing_cells_counted() {
        let t = read("x,y\n1,NA\n,2\n?,3\n").unwrap();
        assert_eq!(t.columns[0].n_missing, 2);
        assert_eq!(t.columns[1].n_missing, 1);
        assert!(t.columns[1].is_missing(0));
    }

    #[test]
    fn text_column_remembers_first_non_number() {
        let t = read("x,y\n1,2\n3,oops\n5,6\n").unwrap();
        assert_eq!(t.columns[1].first_text, Some((1, "oops".to_string())));
    }

    #[test]
    fn oddities_are_errors_with_lines() {
        let ragged = read("a,b\n1,2\n3,4,5\n").unwrap_err().to_string();
        assert!(
            ragged.contains("line 3") && ragged.contains("3 fields"),
            "{ragged}"
        );
        assert!(matches!(read(""), Err(IoError::Empty { .. })));
        assert!(matches!(read("\n\n  \n"), Err(IoError::Empty { .. })));
        assert!(matches!(read("a,b,c\n"), Err(IoError::HeaderOnly { .. })));
        let bad_utf8 = read_csv_bytes(
            Path::new("t.csv"),
            b"a,b\n1,2\n\xff\xfe,3\n",
            &ReadOptions::default(),
        );
        let msg = bad_utf8.unwrap_err().to_string();
        assert!(msg.contains("line 3") && msg.contains("UTF-8"), "{msg}");
    }

    #[test]
    fn duplicate_names_are_suffixed() {
        let t = read("a,a,b\n1,2,3\n").unwrap();
        assert_eq!(t.names(), vec!["a", "a.1", "b"]);
    }
}
