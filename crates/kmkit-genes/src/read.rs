//! Reading expression tables (CSV/TSV, plain or gzip) in either orientation,
//! with missing-value and duplicate-id policies, and labels files.

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::budget;
use crate::error::{GenesError, Result};
use crate::matrix::{check_unique, ExpressionMatrix};

/// Where the samples are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SamplesIn {
    /// Genes are rows, samples are columns (microarray / GEO layout).
    #[default]
    Columns,
    /// Samples are rows, genes are columns (scikit-learn / ISLP layout).
    Rows,
}

/// What to do with missing cells (empty, `NA`, `NaN`, `null`, `N/A`, `#N/A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// Refuse, with the count and the first location.
    #[default]
    Error,
    /// Drop every gene with a missing value.
    DropGene,
    /// Replace a missing value by the mean of its gene over the samples that
    /// have it (the gene is the row in the usual genes × samples layout);
    /// a gene missing everywhere is dropped.
    ImputeRowMean,
}

/// What to do with repeated gene ids (repeated sample ids are always an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicateIds {
    /// Refuse, naming the id.
    #[default]
    Error,
    /// Append `-1`, `-2`, … to later copies (anndata's `var_names_make_unique`).
    MakeUnique,
}

/// How to read a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOptions {
    /// Orientation.
    pub samples_in: SamplesIn,
    /// 0-based column holding the row ids; `None`: rows are numbered.
    pub id_column: Option<usize>,
    /// Field separator; `None`: tab if the header has one, else comma.
    pub delimiter: Option<u8>,
    /// Columns to ignore, by header name (annotation columns).
    pub drop_columns: Vec<String>,
    /// Missing cells.
    pub missing: MissingPolicy,
    /// Repeated gene ids.
    pub duplicates: DuplicateIds,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            samples_in: SamplesIn::Columns,
            id_column: Some(0),
            delimiter: None,
            drop_columns: Vec::new(),
            missing: MissingPolicy::Error,
            duplicates: DuplicateIds::Error,
        }
    }
}

/// What the missing-value policy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MissingReport {
    /// Missing cells found.
    pub cells: usize,
    /// Genes dropped.
    pub genes_dropped: usize,
    /// Cells imputed.
    pub cells_imputed: usize,
    /// Gene ids renamed to make them unique.
    pub genes_renamed: usize,
}

/// Reads the file's bytes, gunzipping when it starts with the gzip magic.
pub fn read_text(path: &Path) -> Result<String> {
    let io = |source| GenesError::Io {
        path: path.display().to_string(),
        source,
    };
    // Refused from its size before it is read (the budget: [`crate::set_read_budget`]).
    let len = std::fs::metadata(path).map_err(io)?.len();
    if let Some(message) = budget::file_too_large(len, budget::read_budget()) {
        return Err(GenesError::Format(format!("{}: {message}", path.display())));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    decode_text(&path.display().to_string(), &bytes)
}

/// Text from a file's bytes, as [`read_text`] does: gunzipped when they start
/// with the gzip magic (up to the read budget), checked to be UTF-8; `file`
/// is used in messages only.
pub fn decode_text(file: &str, bytes: &[u8]) -> Result<String> {
    decode(bytes, budget::read_budget()).map_err(|e| GenesError::Format(format!("{file}: {e}")))
}

/// Decodes as [`decode_text`], inflating gzip only up to `limit` bytes.
pub(crate) fn decode(bytes: &[u8], limit: u64) -> std::result::Result<String, String> {
    let mut text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let bad = |e: String| format!("not valid gzip-compressed UTF-8 text ({e})");
        let raw = budget::gunzip(bytes, limit)
            .map_err(|e| bad(e.to_string()))?
            .ok_or_else(|| budget::inflates_too_far(limit))?;
        String::from_utf8(raw).map_err(|e| bad(e.to_string()))?
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|e| format!("not UTF-8 text ({e})"))?
    };
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

/// Reads an expression table from a file.
pub fn read_table(
    path: &Path,
    options: &TableOptions,
) -> Result<(ExpressionMatrix, MissingReport)> {
    let text = read_text(path)?;
    parse_table(&text, &path.display().to_string(), options)
}

/// A parsed table before orientation: header, row ids, values (NaN = missing).
pub(crate) struct RawTable {
    pub header: Vec<String>,
    pub row_ids: Vec<String>,
    pub values: Vec<f64>,
    pub n_cols: usize,
}

/// Parses CSV/TSV text: a header row, then rows of numbers.
pub(crate) fn parse_raw(
    text: &str,
    file: &str,
    id_column: Option<usize>,
    delimiter: Option<u8>,
    drop: &[String],
) -> Result<RawTable> {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| GenesError::Empty(format!("{file}: no rows")))?;
    let sep = delimiter.unwrap_or(if first.contains('\t') { b'\t' } else { b',' });
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => return Err(GenesError::Format(format!("{file}: {e}"))),
        None => return Err(GenesError::Empty(format!("{file}: no rows"))),
    };
    if let Some(i) = id_column {
        if i >= header.len() {
            return Err(GenesError::InvalidParam {
                name: "id_column",
                value: i.to_string(),
                expected: "a column of the header (0-based)",
            });
        }
    }
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| Some(j) != id_column && !drop.iter().any(|d| *d == header[j]))
        .collect();
    let mut row_ids = Vec::new();
    let mut values = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| GenesError::Format(format!("{file}: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() == 1 && rec[0].trim().is_empty() {
            continue;
        }
        if rec.len() != header.len() {
            return Err(GenesError::Ragged {
                line,
                found: rec.len(),
                expected: header.len(),
            });
        }
        row_ids.push(match id_column {
            Some(i) => rec[i].trim().to_string(),
            None => (row_ids.len() + 1).to_string(),
        });
        for &j in &keep {
            values.push(parse_cell(&rec[j]).ok_or_else(|| GenesError::NonNumeric {
                file: file.to_string(),
                line,
                column: header[j].clone(),
                value: rec[j].to_string(),
            })?);
        }
    }
    if row_ids.is_empty() {
        return Err(GenesError::Empty(format!(
            "{file}: a header but no data rows"
        )));
    }
    let header = keep.iter().map(|&j| header[j].clone()).collect::<Vec<_>>();
    Ok(RawTable {
        n_cols: header.len(),
        header,
        row_ids,
        values,
    })
}

/// A number, NaN for a missing marker, `None` for anything else.
fn parse_cell(s: &str) -> Option<f64> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() || ["NA", "NaN", "nan", "null", "NULL", "N/A", "#N/A", "na"].contains(&s) {
        return Some(f64::NAN);
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses an expression table from text (`file` names it in messages).
pub fn parse_table(
    text: &str,
    file: &str,
    options: &TableOptions,
) -> Result<(ExpressionMatrix, MissingReport)> {
    let raw = parse_raw(
        text,
        file,
        options.id_column,
        options.delimiter,
        &options.drop_columns,
    )?;
    let n_rows = raw.row_ids.len();
    let grid =
        Array2::from_shape_vec((n_rows, raw.n_cols), raw.values).expect("rows have n_cols values");
    let (values, sample_ids, gene_ids) = match options.samples_in {
        SamplesIn::Rows => (grid, raw.row_ids, raw.header),
        SamplesIn::Columns => (
            grid.reversed_axes().as_standard_layout().to_owned(),
            raw.header,
            raw.row_ids,
        ),
    };
    assemble(
        values,
        sample_ids,
        gene_ids,
        options.missing,
        options.duplicates,
    )
}

/// Applies the duplicate and missing policies and builds the matrix.
pub(crate) fn assemble(
    values: Array2<f64>,
    sample_ids: Vec<String>,
    mut gene_ids: Vec<String>,
    missing: MissingPolicy,
    duplicates: DuplicateIds,
) -> Result<(ExpressionMatrix, MissingReport)> {
    let mut report = MissingReport::default();
    check_unique("sample", &sample_ids)?;
    if duplicates == DuplicateIds::MakeUnique {
        report.genes_renamed = make_unique(&mut gene_ids);
    }
    check_unique("gene", &gene_ids)?;
    let (values, gene_ids) = apply_missing(values, gene_ids, &sample_ids, missing, &mut report)?;
    if values.ncols() == 0 || values.nrows() == 0 {
        return Err(GenesError::Empty(format!(
            "{} samples × {} genes left after the missing-value policy: nothing to cluster",
            values.nrows(),
            values.ncols()
        )));
    }
    Ok((ExpressionMatrix::new(values, sample_ids, gene_ids)?, report))
}

/// anndata's rule: the second `x` becomes `x-1`, the third `x-2`, …
fn make_unique(ids: &mut [String]) -> usize {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let originals: std::collections::HashSet<String> = ids.iter().cloned().collect();
    let mut renamed = 0;
    for id in ids.iter_mut() {
        let n = seen.entry(id.clone()).or_insert(0);
        if *n > 0 {
            let mut k = *n;
            let mut candidate = format!("{id}-{k}");
            while originals.contains(&candidate) {
                k += 1;
                candidate = format!("{id}-{k}");
            }
            *n = k + 1;
            *id = candidate;
            renamed += 1;
        } else {
            *n = 1;
        }
    }
    renamed
}

fn apply_missing(
    mut values: Array2<f64>,
    gene_ids: Vec<String>,
    sample_ids: &[String],
    policy: MissingPolicy,
    report: &mut MissingReport,
) -> Result<(Array2<f64>, Vec<String>)> {
    let per_gene: Vec<usize> = values
        .columns()
        .into_iter()
        .map(|c| c.iter().filter(|v| v.is_nan()).count())
        .collect();
    report.cells = per_gene.iter().sum();
    if report.cells == 0 {
        return Ok((values, gene_ids));
    }
    let genes_with = per_gene.iter().filter(|&&c| c > 0).count();
    let first = per_gene
        .iter()
        .position(|&c| c > 0)
        .expect("some gene has a missing cell");
    let keep: Vec<usize> = match policy {
        MissingPolicy::Error => {
            let sample = values
                .column(first)
                .iter()
                .position(|v| v.is_nan())
                .expect("column has a NaN");
            return Err(GenesError::Missing {
                cells: report.cells,
                genes: genes_with,
                first_gene: gene_ids[first].clone(),
                first_sample: sample_ids[sample].clone(),
            });
        }
        MissingPolicy::DropGene => (0..gene_ids.len()).filter(|&j| per_gene[j] == 0).collect(),
        MissingPolicy::ImputeRowMean => {
            let n = values.nrows();
            for (j, mut col) in values.columns_mut().into_iter().enumerate() {
                if per_gene[j] == 0 || per_gene[j] == n {
                    continue;
                }
                let mean =
                    col.iter().filter(|v| !v.is_nan()).sum::<f64>() / (n - per_gene[j]) as f64;
                col.iter_mut()
                    .filter(|v| v.is_nan())
                    .for_each(|v| *v = mean);
                report.cells_imputed += per_gene[j];
            }
            (0..gene_ids.len()).filter(|&j| per_gene[j] < n).collect()
        }
    };
    report.genes_dropped = gene_ids.len() - keep.len();
    let values = values.select(ndarray::Axis(1), &keep);
    let gene_ids = keep.iter().map(|&j| gene_ids[j].clone()).collect();
    Ok((values, gene_ids))
}

/// Reads `sample,label` pairs from a CSV/TSV with a header; `id_column` and
/// `label_column` name the columns (e.g. "patient", "cancer").
pub fn read_labels(
    path: &Path,
    id_column: &str,
    label_column: &str,
) -> Result<Vec<(String, String)>> {
    let text = read_text(path)?;
    parse_labels(&text, &path.display().to_string(), id_column, label_column)
}

/// [`read_labels`] on text.
pub fn parse_labels(
    text: &str,
    file: &str,
    id_column: &str,
    label_column: &str,
) -> Result<Vec<(String, String)>> {
    let first = text.lines().next().unwrap_or("");
    let sep = if first.contains('\t') { b'\t' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| GenesError::Format(format!("{file}: {e}")))?
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            GenesError::Labels(format!(
                "{file}: no column {name:?} (columns: {})",
                header.join(", ")
            ))
        })
    };
    let (i, j) = (col(id_column)?, col(label_column)?);
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| GenesError::Format(format!("{file}: {e}")))?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match (rec.get(i), rec.get(j)) {
            (Some(id), Some(label)) => out.push((id.trim().to_string(), label.trim().to_string())),
            _ => {
                return Err(GenesError::Labels(format!(
                    "{file}: line {} is short",
                    rec.position().map_or(0, |p| p.line())
                )))
            }
        }
    }
    check_unique(
        "sample",
        &out.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(samples_in: SamplesIn, missing: MissingPolicy) -> TableOptions {
        TableOptions {
            samples_in,
            missing,
            ..TableOptions::default()
        }
    }

    #[test]
    fn both_orientations_give_samples_by_genes() {
        let genes_rows = "gene,s1,s2,s3\ng1,1,2,3\ng2,4,5,6\n";
        let (m, _) = parse_table(
            genes_rows,
            "t",
            &opts(SamplesIn::Columns, MissingPolicy::Error),
        )
        .unwrap();
        assert_eq!(m.sample_ids, vec!["s1", "s2", "s3"]);
        assert_eq!(m.gene_ids, vec!["g1", "g2"]);
        assert_eq!(m.values.row(1).to_vec(), vec![2.0, 5.0]);
        let samples_rows = "sample\tg1\tg2\ns1\t1\t4\ns2\t2\t5\ns3\t3\t6\n";
        let (m2, _) = parse_table(
            samples_rows,
            "t",
            &opts(SamplesIn::Rows, MissingPolicy::Error),
        )
        .unwrap();
        assert_eq!(m2.values, m.values);
    }

    #[test]
    fn missing_policies_count_what_they_do() {
        let t = "gene,s1,s2,s3\ng1,1,NA,3\ng2,4,5,6\ng3,,,\n";
        match parse_table(t, "t", &opts(SamplesIn::Columns, MissingPolicy::Error)) {
            Err(GenesError::Missing {
                cells: 4,
                genes: 2,
                first_gene,
                first_sample,
            }) => {
                assert_eq!((first_gene.as_str(), first_sample.as_str()), ("g1", "s2"));
            }
            other => panic!("{other:?}"),
        }
        let (m, r) =
            parse_table(t, "t", &opts(SamplesIn::Columns, MissingPolicy::DropGene)).unwrap();
        assert_eq!(
            (m.gene_ids.clone(), r.genes_dropped, r.cells),
            (vec!["g2".to_string()], 2, 4)
        );
        let (m, r) = parse_table(
            t,
            "t",
            &opts(SamplesIn::Columns, MissingPolicy::ImputeRowMean),
        )
        .unwrap();
        assert_eq!(m.values[[1, 0]], 2.0);
        assert_eq!((r.cells_imputed, r.genes_dropped), (1, 1));
    }

    #[test]
    fn non_numeric_cell_is_located() {
        let t = "gene,s1,s2\ng1,1,2\ng2,4,high\n";
        match parse_table(t, "expr.csv", &TableOptions::default()) {
            Err(GenesError::NonNumeric {
                line,
                column,
                value,
                ..
            }) => {
                assert_eq!((line, column.as_str(), value.as_str()), (3, "s2", "high"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_gene_ids_error_or_made_unique() {
        let t = "gene,s1,s2\ng1,1,2\ng1,3,4\ng1,5,6\ng1-1,0,0\n";
        assert!(matches!(
            parse_table(t, "t", &TableOptions::default()),
            Err(GenesError::DuplicateId {
                what: "gene",
                count: 3,
                ..
            })
        ));
        let o = TableOptions {
            duplicates: DuplicateIds::MakeUnique,
            ..TableOptions::default()
        };
        let (m, r) = parse_table(t, "t", &o).unwrap();
        assert_eq!(m.gene_ids, vec!["g1", "g1-2", "g1-3", "g1-1"]);
        assert_eq!(r.genes_renamed, 2);
        let dup_samples = "gene,s1,s1\ng1,1,2\n";
        assert!(matches!(
            parse_table(dup_samples, "t", &o),
            Err(GenesError::DuplicateId { what: "sample", .. })
        ));
    }

    #[test]
    fn ragged_rows_and_empty_input() {
        assert!(matches!(
            parse_table("g,s1,s2\ng1,1\n", "t", &TableOptions::default()),
            Err(GenesError::Ragged { line: 2, .. })
        ));
        assert!(matches!(
            parse_table("g,s1\n", "t", &TableOptions::default()),
            Err(GenesError::Empty(_))
        ));
        assert!(matches!(
            parse_table("", "t", &TableOptions::default()),
            Err(GenesError::Empty(_))
        ));
    }

    #[test]
    fn labels_join_by_sample_id() {
        let l = parse_labels("patient,cancer\n2,AML\n1,ALL\n\n", "a", "patient", "cancer").unwrap();
        let (mut m, _) = parse_table("gene,1,2\ng,1,2\n", "t", &TableOptions::default()).unwrap();
        m.join_labels(&l).unwrap();
        assert_eq!(m.labels.unwrap(), vec!["ALL", "AML"]);
        let (mut m, _) = parse_table("gene,1,3\ng,1,2\n", "t", &TableOptions::default()).unwrap();
        assert!(matches!(m.join_labels(&l), Err(GenesError::Labels(_))));
    }

    #[test]
    fn gzip_is_inflated_only_up_to_the_budget() {
        use std::io::Write;
        // 1 MiB of one repeated line compresses to about 1 KB: a small bomb.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&b"g,1,2\n".repeat(1 << 17)).unwrap();
        let bytes = enc.finish().unwrap();
        let err = decode(&bytes, 64 * 1024).unwrap_err();
        assert!(
            err.contains("decompresses to more than the 65536 B"),
            "{err}"
        );
        assert_eq!(decode(&bytes, 1 << 20).unwrap().len(), 6 << 17);
    }
}
