//! Readers for the two classic layouts: Golub et al. (1999) as packaged on
//! Kaggle, and Khan et al. (2001) SRBCT as shipped with ISLP.

use std::path::Path;

use ndarray::{Array2, Axis};

use crate::error::{GenesError, Result};
use crate::matrix::ExpressionMatrix;
use crate::read::{assemble, parse_raw, read_labels, read_text, DuplicateIds, MissingPolicy};

/// Golub's Kaggle layout: genes × (Gene Description, Gene Accession Number,
/// then per patient a value column named by the patient number and a `call`
/// column). The `call` and description columns are dropped, genes are named
/// by accession number, and patients of both files are put in numeric order
/// (the files list them out of order); labels come from `actual.csv`
/// (`patient,cancer`). Train (38) + independent (34) = 72 samples.
pub fn read_golub(train: &Path, independent: &Path, actual: &Path) -> Result<ExpressionMatrix> {
    let a = golub_file(train)?;
    let b = golub_file(independent)?;
    let mut m = a.concat_samples(b)?;
    let mut order: Vec<(u64, usize)> = Vec::with_capacity(m.n_samples());
    for (i, s) in m.sample_ids.iter().enumerate() {
        let n = s.parse::<u64>().map_err(|_| {
            GenesError::Format(format!("Golub layout: patient column {s:?} is not a number: is this the Kaggle file?"))
        })?;
        order.push((n, i));
    }
    order.sort_unstable();
    let idx: Vec<usize> = order.iter().map(|&(_, i)| i).collect();
    m.values = m.values.select(Axis(0), &idx);
    m.sample_ids = idx.iter().map(|&i| m.sample_ids[i].clone()).collect();
    m.join_labels(&read_labels(actual, "patient", "cancer")?)?;
    Ok(m)
}

fn golub_file(path: &Path) -> Result<ExpressionMatrix> {
    let text = read_text(path)?;
    let drop = ["Gene Description".to_string(), "call".to_string()];
    let raw = parse_raw(&text, &path.display().to_string(), Some(1), None, &drop)?;
    let grid = Array2::from_shape_vec((raw.row_ids.len(), raw.n_cols), raw.values).expect("rows have n_cols values");
    let values = grid.reversed_axes().as_standard_layout().to_owned();
    Ok(assemble(values, raw.header, raw.row_ids, MissingPolicy::Error, DuplicateIds::Error)?.0)
}

/// Khan SRBCT as in ISLP: `Khan_xtrain.csv` (63 × 2,308) and `Khan_xtest.csv`
/// (20 × 2,308), samples in rows with a header `V1..V2308` and no id column,
/// and `Khan_y*.csv` (header `x`, one class 1–4 per line). Samples are named
/// `train-1..` and `test-1..`; labels are the class numbers as text.
pub fn read_khan(xtrain: &Path, xtest: &Path, ytrain: &Path, ytest: &Path) -> Result<ExpressionMatrix> {
    let a = khan_part(xtrain, ytrain, "train")?;
    let b = khan_part(xtest, ytest, "test")?;
    a.concat_samples(b)
}

fn khan_part(x: &Path, y: &Path, prefix: &str) -> Result<ExpressionMatrix> {
    let text = read_text(x)?;
    let raw = parse_raw(&text, &x.display().to_string(), None, None, &[])?;
    let n = raw.row_ids.len();
    let values = Array2::from_shape_vec((n, raw.n_cols), raw.values).expect("rows have n_cols values");
    let samples = (1..=n).map(|i| format!("{prefix}-{i}")).collect();
    let (mut m, _) = assemble(values, samples, raw.header, MissingPolicy::Error, DuplicateIds::Error)?;
    let labels: Vec<String> = read_text(y)?
        .lines()
        .skip(1)
        .map(|l| l.trim().trim_matches('"').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if labels.len() != n {
        return Err(GenesError::Labels(format!("{}: {} labels for {n} samples in {}", y.display(), labels.len(), x.display())));
    }
    m.labels = Some(labels);
    Ok(m)
}
