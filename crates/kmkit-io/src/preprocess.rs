//! Table → `Features`: column selection, id and label columns, one-hot
//! categoricals, missing values and scaling, with the fitted state kept in a
//! serialisable [`Preprocess`] so `predict` repeats the transform exactly.
//!
//! `fit` only learns statistics; the matrix is then built by the same
//! `transform` that `predict` runs, so the two cannot drift apart.

use std::collections::HashMap;
use std::str::FromStr;

use kmkit_core::{Features, Matrix};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{IoError, Result};
use crate::table::{Column, ColumnData, Table};

/// How numeric columns are scaled (one-hot columns stay 0/1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scaling {
    /// Subtract the mean, divide by the standard deviation (ddof 0), as scikit-learn's `StandardScaler`.
    #[default]
    Standard,
    /// Map the fit data's range to [0, 1], as `MinMaxScaler`.
    MinMax,
    /// Subtract the median, divide by the interquartile range, as `RobustScaler`.
    Robust,
    /// Leave values as they are.
    None,
}

/// What to do with missing cells (empty, `NA`, `NaN`, `?`, …) in used columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// Stop with the line and column of the first missing cell.
    #[default]
    Error,
    /// Leave out rows with a missing cell.
    Drop,
    /// Fill numeric cells with the fit mean, categorical ones with the most frequent level.
    ImputeMean,
}

impl Scaling {
    /// Names accepted by `FromStr`.
    pub const NAMES: [&'static str; 4] = ["standard", "min-max", "robust", "none"];
}
impl MissingPolicy {
    /// Names accepted by `FromStr`.
    pub const NAMES: [&'static str; 3] = ["error", "drop", "impute-mean"];
}

impl FromStr for Scaling {
    type Err = IoError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "standard" => Ok(Scaling::Standard),
            "min-max" | "minmax" => Ok(Scaling::MinMax),
            "robust" => Ok(Scaling::Robust),
            "none" => Ok(Scaling::None),
            _ => Err(IoError::Config(format!(
                "unknown scaling {s:?}: use one of {}",
                Scaling::NAMES.join(", ")
            ))),
        }
    }
}

impl FromStr for MissingPolicy {
    type Err = IoError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "error" => Ok(MissingPolicy::Error),
            "drop" => Ok(MissingPolicy::Drop),
            "impute-mean" | "impute" => Ok(MissingPolicy::ImputeMean),
            _ => Err(IoError::Config(format!(
                "unknown missing-value policy {s:?}: use one of {}",
                MissingPolicy::NAMES.join(", ")
            ))),
        }
    }
}

/// What the user asked for: which columns, and how to treat them.
/// Columns are named by header name or 1-based number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreprocessSpec {
    /// Feature columns; empty = every column but the id, label and dropped ones.
    pub columns: Vec<String>,
    /// Columns to leave out.
    pub drop: Vec<String>,
    /// Column of row ids (default: the R row-name column if there is one, else row numbers).
    pub id_column: Option<String>,
    /// Column of known classes: kept out of the features, used to evaluate.
    pub label_column: Option<String>,
    /// Columns to one-hot encode.
    pub categorical: Vec<String>,
    /// One-hot encode every non-numeric feature column.
    pub categorical_auto: bool,
    /// Scaling of numeric columns.
    pub scaling: Scaling,
    /// Missing-value policy.
    pub missing: MissingPolicy,
}

/// A column of the input table, by name and position (position is used
/// when the table has no header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnRef {
    /// Name in the fit table.
    pub name: String,
    /// 0-based position in the fit table.
    pub position: usize,
}

/// One input column's fitted transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InputColumn {
    /// `(x − center) / scale`; missing cells take `fill` (the fit mean) first.
    Numeric {
        /// The column.
        column: ColumnRef,
        /// Subtracted.
        center: f64,
        /// Divided by (never 0).
        scale: f64,
        /// Imputed value (mean of the fit column).
        fill: f64,
    },
    /// One 0/1 feature per level; unseen levels encode as all zeros.
    Categorical {
        /// The column.
        column: ColumnRef,
        /// Levels in feature order.
        levels: Vec<String>,
        /// Imputed level (most frequent), if any.
        fill: Option<String>,
    },
}

/// The fitted preprocessing: apply with [`Preprocess::transform`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Whether columns are matched by name (the fit table had a header) or by position.
    pub by_name: bool,
    /// Id column, if any.
    pub id_column: Option<ColumnRef>,
    /// Label (truth) column, if any.
    pub label_column: Option<ColumnRef>,
    /// Missing-value policy.
    pub missing: MissingPolicy,
    /// Scaling used.
    pub scaling: Scaling,
    /// Feature columns in order.
    pub inputs: Vec<InputColumn>,
}

/// Known classes from the label column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// The column's name.
    pub column: String,
    /// Class names, in order of first appearance; `labels` index them.
    pub classes: Vec<String>,
    /// Class of each used row.
    pub labels: Vec<u32>,
}

/// What the transform did, for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepReport {
    /// Rows in the table.
    pub n_rows_read: usize,
    /// Rows in the features.
    pub n_rows_used: usize,
    /// Rows dropped for missing cells.
    pub rows_dropped: usize,
    /// Cells imputed.
    pub cells_imputed: usize,
    /// Missing cells per used column (columns without any left out).
    pub missing_by_column: Vec<(String, usize)>,
    /// Categorical cells whose level was not seen at fit time (encoded as zeros).
    pub unknown_levels: usize,
    /// Feature columns after one-hot encoding.
    pub n_features: usize,
}

/// The result of fitting or applying a [`Preprocess`].
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Dense features with row ids and feature names.
    pub features: Features,
    /// Known classes, when a label column was given and is present.
    pub truth: Option<Truth>,
    /// Index in the table of each feature row.
    pub rows: Vec<usize>,
    /// Counts of what was dropped, imputed, unknown.
    pub report: PrepReport,
}

impl Preprocess {
    /// Learns the preprocessing from `table` and applies it.
    pub fn fit(spec: &PreprocessSpec, table: &Table) -> Result<(Preprocess, Prepared)> {
        let id = match &spec.id_column {
            Some(s) => Some(table.find(s)?),
            None => table.index_column,
        };
        let label = spec
            .label_column
            .as_deref()
            .map(|s| table.find(s))
            .transpose()?;
        let dropped = spec
            .drop
            .iter()
            .map(|s| table.find(s))
            .collect::<Result<Vec<_>>>()?;
        let mut categorical = spec
            .categorical
            .iter()
            .map(|s| table.find(s))
            .collect::<Result<Vec<_>>>()?;
        let mut features: Vec<usize> = if spec.columns.is_empty() {
            (0..table.columns.len())
                .filter(|j| Some(*j) != id && Some(*j) != label && !dropped.contains(j))
                .collect()
        } else {
            spec.columns
                .iter()
                .map(|s| table.find(s))
                .collect::<Result<Vec<_>>>()?
        };
        for &j in &categorical {
            if !features.contains(&j) && Some(j) != id && Some(j) != label {
                features.push(j);
            }
        }
        if spec.categorical_auto {
            categorical.extend(
                features
                    .iter()
                    .copied()
                    .filter(|&j| matches!(table.columns[j].data, ColumnData::Text { .. })),
            );
        }
        if features.is_empty() {
            return Err(IoError::NoFeatures {
                path: table.path.clone(),
            });
        }
        let cref = |j: usize| ColumnRef {
            name: table.columns[j].name.clone(),
            position: j,
        };
        for &j in features.iter().filter(|j| !categorical.contains(j)) {
            non_numeric_check(table, j)?;
        }
        let rows = select_rows(table, &features, spec.missing)?;
        let inputs = features
            .iter()
            .map(|&j| {
                let col = &table.columns[j];
                if categorical.contains(&j) {
                    let (levels, fill) = levels_and_mode(col, &rows);
                    InputColumn::Categorical {
                        column: cref(j),
                        levels,
                        fill,
                    }
                } else {
                    let ColumnData::Numeric(v) = &col.data else {
                        unreachable!("checked numeric above")
                    };
                    let present: Vec<f64> =
                        rows.iter().map(|&i| v[i]).filter(|x| !x.is_nan()).collect();
                    let fill = if present.is_empty() {
                        0.0
                    } else {
                        present.iter().sum::<f64>() / present.len() as f64
                    };
                    let n_missing = rows.len() - present.len();
                    let mut filled = present;
                    filled.extend(std::iter::repeat_n(fill, n_missing));
                    let (center, scale) = scaler(spec.scaling, &mut filled);
                    InputColumn::Numeric {
                        column: cref(j),
                        center,
                        scale,
                        fill,
                    }
                }
            })
            .collect();
        let pre = Preprocess {
            by_name: table.has_header,
            id_column: id.map(cref),
            label_column: label.map(cref),
            missing: spec.missing,
            scaling: spec.scaling,
            inputs,
        };
        let prepared = pre.transform(table)?;
        Ok((pre, prepared))
    }

    /// Applies the fitted preprocessing to a table with the same columns.
    pub fn transform(&self, table: &Table) -> Result<Prepared> {
        let locate = |c: &ColumnRef| -> Result<usize> {
            if self.by_name {
                table
                    .columns
                    .iter()
                    .position(|col| col.name == c.name)
                    .ok_or_else(|| IoError::UnknownColumn {
                        path: table.path.clone(),
                        name: c.name.clone(),
                        available: crate::table::describe_names(&table.names()),
                    })
            } else if c.position < table.columns.len() {
                Ok(c.position)
            } else {
                Err(IoError::UnknownColumn {
                    path: table.path.clone(),
                    name: format!("{} (column {})", c.name, c.position + 1),
                    available: format!("{} columns", table.columns.len()),
                })
            }
        };
        let cols: Vec<usize> = self
            .inputs
            .iter()
            .map(|c| locate(c.column()))
            .collect::<Result<_>>()?;
        // Id and label columns are optional at predict time.
        let id = self.id_column.as_ref().and_then(|c| locate(c).ok());
        let label = self.label_column.as_ref().and_then(|c| locate(c).ok());
        for (input, &j) in self.inputs.iter().zip(&cols) {
            if matches!(input, InputColumn::Numeric { .. }) {
                non_numeric_check(table, j)?;
            }
        }
        let rows = select_rows(table, &cols, self.missing)?;
        let n_features: usize = self.inputs.iter().map(InputColumn::width).sum();
        let mut x = Array2::<f32>::zeros((rows.len(), n_features));
        let mut report = PrepReport {
            n_rows_read: table.n_rows(),
            n_rows_used: rows.len(),
            rows_dropped: table.n_rows() - rows.len(),
            n_features,
            ..PrepReport::default()
        };
        let mut offset = 0;
        for (input, &j) in self.inputs.iter().zip(&cols) {
            let col = &table.columns[j];
            let mut n_missing = 0;
            match input {
                InputColumn::Numeric {
                    center,
                    scale,
                    fill,
                    ..
                } => {
                    let ColumnData::Numeric(v) = &col.data else {
                        unreachable!("checked numeric above")
                    };
                    for (r, &i) in rows.iter().enumerate() {
                        let mut value = v[i];
                        if value.is_nan() {
                            n_missing += 1;
                            value = *fill;
                        }
                        x[[r, offset]] = ((value - center) / scale) as f32;
                    }
                }
                InputColumn::Categorical { levels, fill, .. } => {
                    let index: HashMap<&str, usize> = levels
                        .iter()
                        .enumerate()
                        .map(|(k, l)| (l.as_str(), k))
                        .collect();
                    for (r, &i) in rows.iter().enumerate() {
                        let text = if col.is_missing(i) {
                            n_missing += 1;
                            fill.clone().unwrap_or_default()
                        } else {
                            col.text(i)
                        };
                        match index.get(text.as_str()) {
                            Some(&k) => x[[r, offset + k]] = 1.0,
                            None => report.unknown_levels += 1,
                        }
                    }
                }
            }
            if n_missing > 0 {
                report.missing_by_column.push((col.name.clone(), n_missing));
                report.cells_imputed += n_missing;
            }
            offset += input.width();
        }
        let row_ids = match id {
            Some(j) => rows.iter().map(|&i| table.columns[j].text(i)).collect(),
            None => rows.iter().map(|i| i.to_string()).collect(),
        };
        let truth = label.map(|j| truth_of(&table.columns[j], &rows));
        let features = Features {
            data: Matrix::Dense(x),
            row_ids,
            feature_names: self.feature_names(),
            weights: None,
        };
        Ok(Prepared {
            features,
            truth,
            rows,
            report,
        })
    }

    /// Checks state read from a model file before it is used: every numeric
    /// column's centre, scale and fill finite with a positive scale, and as
    /// many features as the model's centroids have columns (`n_features`).
    /// A hand-edited or damaged file is reported as such, not as odd data.
    pub fn check(&self, n_features: usize) -> std::result::Result<(), String> {
        for input in &self.inputs {
            if let InputColumn::Numeric {
                column,
                center,
                scale,
                fill,
            } = input
            {
                if !(center.is_finite() && fill.is_finite() && scale.is_finite() && *scale > 0.0) {
                    return Err(format!(
                        "column {:?} has centre {center}, scale {scale}, fill {fill}: \
                         the scale must be a positive number and all three finite",
                        column.name
                    ));
                }
            }
        }
        let made = self.feature_names().len();
        if made != n_features {
            return Err(format!(
                "the preprocessing makes {made} features but the model's centroids have {n_features} columns"
            ));
        }
        Ok(())
    }

    /// Names of the feature columns: numeric column names, `name=level` for one-hot.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for input in &self.inputs {
            match input {
                InputColumn::Numeric { column, .. } => names.push(column.name.clone()),
                InputColumn::Categorical { column, levels, .. } => {
                    names.extend(levels.iter().map(|l| format!("{}={l}", column.name)));
                }
            }
        }
        names
    }

    /// Centroids (or any rows in feature space) back in the table's units:
    /// numeric features unscaled, one-hot features left as level shares.
    pub fn inverse(&self, x: ArrayView2<f32>) -> Array2<f64> {
        let mut out = x.mapv(f64::from);
        let mut offset = 0;
        for input in &self.inputs {
            if let InputColumn::Numeric { center, scale, .. } = input {
                out.column_mut(offset).mapv_inplace(|v| v * scale + center);
            }
            offset += input.width();
        }
        out
    }
}

impl InputColumn {
    /// The input column this transform reads.
    pub fn column(&self) -> &ColumnRef {
        match self {
            InputColumn::Numeric { column, .. } | InputColumn::Categorical { column, .. } => column,
        }
    }
    /// Number of features it produces.
    pub fn width(&self) -> usize {
        match self {
            InputColumn::Numeric { .. } => 1,
            InputColumn::Categorical { levels, .. } => levels.len(),
        }
    }
}

/// A text column used as numeric fails at its first non-number.
fn non_numeric_check(table: &Table, j: usize) -> Result<()> {
    let col = &table.columns[j];
    if let ColumnData::Text { .. } = col.data {
        let (row, value) = col.first_text.clone().unwrap_or_default();
        return Err(IoError::NonNumeric {
            path: table.path.clone(),
            line: table.lines.get(row).copied().unwrap_or(0),
            column: col.name.clone(),
            value,
        });
    }
    Ok(())
}

/// Rows to use under the missing-value policy.
fn select_rows(table: &Table, cols: &[usize], policy: MissingPolicy) -> Result<Vec<usize>> {
    let n = table.n_rows();
    let with_missing: Vec<&Column> = cols
        .iter()
        .map(|&j| &table.columns[j])
        .filter(|c| c.n_missing > 0)
        .collect();
    match policy {
        MissingPolicy::ImputeMean => Ok((0..n).collect()),
        MissingPolicy::Error => {
            // The first missing cell in file order.
            let first = with_missing
                .iter()
                .filter_map(|c| (0..n).find(|&i| c.is_missing(i)).map(|i| (i, *c)))
                .min_by_key(|(i, _)| *i);
            match first {
                Some((i, c)) => Err(IoError::Missing {
                    path: table.path.clone(),
                    line: table.lines[i],
                    column: c.name.clone(),
                }),
                None => Ok((0..n).collect()),
            }
        }
        MissingPolicy::Drop => {
            let rows: Vec<usize> = (0..n)
                .filter(|&i| with_missing.iter().all(|c| !c.is_missing(i)))
                .collect();
            if rows.is_empty() {
                return Err(IoError::AllRowsDropped {
                    path: table.path.clone(),
                });
            }
            Ok(rows)
        }
    }
}

/// Levels present in `rows` (first-appearance order) and the most frequent one.
fn levels_and_mode(col: &Column, rows: &[usize]) -> (Vec<String>, Option<String>) {
    let mut levels: Vec<String> = Vec::new();
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for &i in rows {
        if col.is_missing(i) {
            continue;
        }
        let t = col.text(i);
        let order = counts.len();
        let e = counts.entry(t.clone()).or_insert((0, order));
        if e.0 == 0 {
            levels.push(t);
        }
        e.0 += 1;
    }
    // Ties go to the level seen first, so the choice does not depend on hashing.
    let mode = counts
        .into_iter()
        .max_by_key(|(_, (count, order))| (*count, std::cmp::Reverse(*order)))
        .map(|(l, _)| l);
    (levels, mode)
}

fn truth_of(col: &Column, rows: &[usize]) -> Truth {
    let mut classes: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let labels = rows
        .iter()
        .map(|&i| {
            let t = col.text(i);
            *index.entry(t.clone()).or_insert_with(|| {
                classes.push(t);
                (classes.len() - 1) as u32
            })
        })
        .collect();
    Truth {
        column: col.name.clone(),
        classes,
        labels,
    }
}

/// (center, scale) of a column under `scaling`; `values` is reordered.
fn scaler(scaling: Scaling, values: &mut [f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let nonzero = |s: f64| if s > 0.0 && s.is_finite() { s } else { 1.0 };
    if values.is_empty() {
        return (0.0, 1.0);
    }
    match scaling {
        Scaling::None => (0.0, 1.0),
        Scaling::Standard => {
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            (mean, nonzero(var.sqrt()))
        }
        Scaling::MinMax => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (min, nonzero(max - min))
        }
        Scaling::Robust => {
            values.sort_by(f64::total_cmp);
            let q = |p: f64| {
                let pos = p * (values.len() - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
            };
            (q(0.5), nonzero(q(0.75) - q(0.25)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_in::read_csv_bytes;
    use crate::table::ReadOptions;
    use std::path::Path;

    fn table(text: &str) -> Table {
        read_csv_bytes(Path::new("t.csv"), text.as_bytes(), &ReadOptions::default()).unwrap()
    }
    fn dense(p: &Prepared) -> &Array2<f32> {
        match &p.features.data {
            Matrix::Dense(x) => x,
            Matrix::Sparse(_) => panic!("dense expected"),
        }
    }

    #[test]
    fn standard_scaling_matches_sklearn() {
        // StandardScaler on [1, 2, 3, 4]: mean 2.5, std sqrt(1.25).
        let t = table("x\n1\n2\n3\n4\n");
        let (_, p) = Preprocess::fit(&PreprocessSpec::default(), &t).unwrap();
        let s = 1.25f64.sqrt();
        let expected: Vec<f32> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|v| ((v - 2.5) / s) as f32)
            .collect();
        assert_eq!(dense(&p).column(0).to_vec(), expected);
    }

    #[test]
    fn robust_and_min_max() {
        let t = table("x\n1\n2\n3\n4\n100\n");
        let spec = PreprocessSpec {
            scaling: Scaling::Robust,
            ..Default::default()
        };
        let (pre, _) = Preprocess::fit(&spec, &t).unwrap();
        // numpy percentiles of [1,2,3,4,100]: q25 = 2, median 3, q75 = 4.
        assert!(
            matches!(pre.inputs[0], InputColumn::Numeric { center, scale, .. } if center == 3.0 && scale == 2.0)
        );
        let spec = PreprocessSpec {
            scaling: Scaling::MinMax,
            ..Default::default()
        };
        let (_, p) = Preprocess::fit(&spec, &t).unwrap();
        assert_eq!(
            dense(&p).column(0).to_vec(),
            vec![0.0, 1.0 / 99.0, 2.0 / 99.0, 3.0 / 99.0, 1.0]
        );
    }

    #[test]
    fn one_hot_id_and_label_columns() {
        let t = table("id,color,x,class\na,red,1,p\nb,blue,2,q\nc,red,3,p\n");
        let spec = PreprocessSpec {
            id_column: Some("id".into()),
            label_column: Some("class".into()),
            categorical: vec!["color".into()],
            scaling: Scaling::None,
            ..Default::default()
        };
        let (pre, p) = Preprocess::fit(&spec, &t).unwrap();
        assert_eq!(pre.feature_names(), vec!["color=red", "color=blue", "x"]);
        assert_eq!(dense(&p).row(1).to_vec(), vec![0.0, 1.0, 2.0]);
        assert_eq!(p.features.row_ids, vec!["a", "b", "c"]);
        let truth = p.truth.unwrap();
        assert_eq!(
            (truth.classes, truth.labels),
            (vec!["p".to_string(), "q".to_string()], vec![0, 1, 0])
        );
    }

    #[test]
    fn text_column_used_as_numeric_names_line_and_fix() {
        let t = table("a,b\n1,2\n3,x\n");
        let msg = Preprocess::fit(&PreprocessSpec::default(), &t)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("line 3") && msg.contains("\"b\"") && msg.contains("--categorical"),
            "{msg}"
        );
    }

    #[test]
    fn missing_policies() {
        let t = table("a,b\n1,2\n,4\n5,NA\n7,8\n");
        let msg = Preprocess::fit(&PreprocessSpec::default(), &t)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 3") && msg.contains("\"a\""), "{msg}");
        let drop = PreprocessSpec {
            missing: MissingPolicy::Drop,
            scaling: Scaling::None,
            ..Default::default()
        };
        let (_, p) = Preprocess::fit(&drop, &t).unwrap();
        assert_eq!((p.rows.clone(), p.report.rows_dropped), (vec![0, 3], 2));
        let imp = PreprocessSpec {
            missing: MissingPolicy::ImputeMean,
            scaling: Scaling::None,
            ..Default::default()
        };
        let (_, p) = Preprocess::fit(&imp, &t).unwrap();
        assert_eq!(
            dense(&p).column(0).to_vec(),
            vec![1.0, 13.0 / 3.0, 5.0, 7.0]
        );
        assert_eq!(
            dense(&p).column(1).to_vec(),
            vec![2.0, 4.0, 14.0 / 3.0, 8.0]
        );
        assert_eq!(p.report.cells_imputed, 2);
    }

    #[test]
    fn transform_repeats_fit_and_handles_unknown_levels() {
        let t = table("c,x\nu,1\nv,2\n");
        let spec = PreprocessSpec {
            categorical_auto: true,
            ..Default::default()
        };
        let (pre, p) = Preprocess::fit(&spec, &t).unwrap();
        let json = serde_json::to_string(&pre).unwrap();
        let back: Preprocess = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(&t).unwrap(), p);
        let other = table("x,c\n2,w\n1,u\n");
        let q = back.transform(&other).unwrap();
        assert_eq!(q.report.unknown_levels, 1);
        assert_eq!(dense(&q).row(1).to_vec(), dense(&p).row(0).to_vec());
        let missing = table("y\n1\n");
        assert!(matches!(
            back.transform(&missing),
            Err(IoError::UnknownColumn { .. })
        ));
    }

    #[test]
    fn inverse_restores_units() {
        let t = table("x,y\n1,10\n3,30\n");
        let (pre, p) = Preprocess::fit(&PreprocessSpec::default(), &t).unwrap();
        let back = pre.inverse(dense(&p).view());
        assert!((back[[1, 1]] - 30.0).abs() < 1e-5);
    }
}
