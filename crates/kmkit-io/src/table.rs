//! An in-memory table of typed columns, and the options to read one.
//!
//! A column is numeric when every non-missing cell parses as a finite number;
//! otherwise it is text, stored dictionary-encoded. Which columns become
//! features, and how, is decided later by [`crate::PreprocessSpec`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{IoError, Result};

/// Whether the first line of a CSV file is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderMode {
    /// Decide from the data: a header if some column is numeric below a
    /// non-numeric first cell, or every first-line cell is non-numeric.
    #[default]
    Auto,
    /// The first line is a header.
    Yes,
    /// The first line is data.
    No,
}

/// How to read a table file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Field delimiter; `None` sniffs it from the first lines (`,` `\t` `;` `|`).
    pub delimiter: Option<u8>,
    /// Header detection.
    pub header: HeaderMode,
}

/// The cells of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Numbers; missing cells are NaN.
    Numeric(Vec<f64>),
    /// Text, dictionary-encoded: `codes[i]` indexes `levels`; [`MISSING_CODE`] is missing.
    Text {
        /// One code per row.
        codes: Vec<u32>,
        /// Distinct values in order of first appearance.
        levels: Vec<String>,
    },
}

/// Code of a missing cell in a text column.
pub const MISSING_CODE: u32 = u32::MAX;

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header name, or `c1`, `c2`, … when the table has no header.
    pub name: String,
    /// The cells.
    pub data: ColumnData,
    /// Number of missing cells.
    pub n_missing: usize,
    /// For text columns: the first cell that is not a number (row, text), so
    /// using the column as numeric can say where it fails.
    pub first_text: Option<(usize, String)>,
}

impl Column {
    /// Whether cell `row` is missing.
    pub fn is_missing(&self, row: usize) -> bool {
        match &self.data {
            ColumnData::Numeric(v) => v[row].is_nan(),
            ColumnData::Text { codes, .. } => codes[row] == MISSING_CODE,
        }
    }
    /// Cell `row` as text (numbers formatted shortest-exact; missing → "").
    pub fn text(&self, row: usize) -> String {
        match &self.data {
            ColumnData::Numeric(v) => format_number(v[row]),
            ColumnData::Text { codes, levels } => levels.get(codes[row] as usize).cloned().unwrap_or_default(),
        }
    }
}

/// Formats a number without a trailing `.0` for integers; NaN (missing) as "".
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A table read from a file: named typed columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Where it came from (for messages).
    pub path: PathBuf,
    /// The columns.
    pub columns: Vec<Column>,
    /// Line of each row in the file (1-based), or the row number + 1 for binary formats.
    pub lines: Vec<u64>,
    /// Whether the file had a header line (names are then matched by name).
    pub has_header: bool,
    /// A column of row names (R's `write.csv` layout: the header has one
    /// field fewer than the rows), used as the default id column.
    pub index_column: Option<usize>,
}

impl Table {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }
    /// Column names.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
    /// Finds a column by name, or by 1-based number when no column has that name.
    pub fn find(&self, selector: &str) -> Result<usize> {
        if let Some(j) = self.columns.iter().position(|c| c.name == selector) {
            return Ok(j);
        }
        if let Ok(j) = selector.parse::<usize>() {
            if (1..=self.columns.len()).contains(&j) {
                return Ok(j - 1);
            }
        }
        Err(IoError::UnknownColumn {
            path: self.path.clone(),
            name: selector.to_string(),
            available: describe_names(&self.names()),
        })
    }
    /// A dense table from a matrix (binary formats): columns `c1..`, all numeric.
    pub fn from_matrix(path: &Path, n_rows: usize, n_cols: usize, values: &[f64]) -> Table {
        let columns = (0..n_cols)
            .map(|j| Column {
                name: format!("c{}", j + 1),
                data: ColumnData::Numeric((0..n_rows).map(|i| values[i * n_cols + j]).collect()),
                n_missing: (0..n_rows).filter(|&i| values[i * n_cols + j].is_nan()).count(),
                first_text: None,
            })
            .collect();
        Table { path: path.to_path_buf(), columns, lines: (1..=n_rows as u64).collect(), has_header: false, index_column: None }
    }
}

/// Lists column names for an error message (the first 20 of them).
pub(crate) fn describe_names(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(20).map(|n| format!("{n:?}")).collect();
    let more = names.len().saturating_sub(20);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Cell texts read as missing (pandas' defaults plus UCI's `?`).
const MISSING_MARKERS: &[&str] =
    &["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "<NA>", "#N/A", "?"];

/// Whether a (trimmed) cell means "missing".
pub fn is_missing_text(cell: &str) -> bool {
    MISSING_MARKERS.contains(&cell)
}

/// A cell as a finite number, or `None`.
pub fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl Table {
    /// A table of the rows `rows` (in that order), e.g. a subsample.
    pub fn select_rows(&self, rows: &[usize]) -> Table {
        let columns = self
            .columns
            .iter()
            .map(|c| {
                let data = match &c.data {
                    ColumnData::Numeric(v) => ColumnData::Numeric(rows.iter().map(|&i| v[i]).collect()),
                    ColumnData::Text { codes, levels } => {
                        ColumnData::Text { codes: rows.iter().map(|&i| codes[i]).collect(), levels: levels.clone() }
                    }
                };
                let first_text = c.first_text.as_ref().and_then(|(r, t)| rows.iter().position(|i| i == r).map(|p| (p, t.clone())));
                let mut col = Column { name: c.name.clone(), data, n_missing: 0, first_text };
                col.n_missing = (0..rows.len()).filter(|&i| col.is_missing(i)).count();
                // A text column whose first non-number was not selected still has one: find it.
                if col.first_text.is_none() {
                    if let ColumnData::Text { .. } = col.data {
                        col.first_text = (0..rows.len())
                            .find(|&i| !col.is_missing(i) && parse_number(&col.text(i)).is_none())
                            .map(|i| (i, col.text(i)));
                    }
                }
                col
            })
            .collect();
        Table {
            path: self.path.clone(),
            columns,
            lines: rows.iter().map(|&i| self.lines[i]).collect(),
            has_header: self.has_header,
            index_column: self.index_column,
        }
    }
}
