//! The INPUT argument: a bundled dataset (`golub`, the default, or `khan`),
//! a GEO series matrix (`*_series_matrix.txt[.gz]`), or any CSV/TSV table;
//! and the optional labels file joined by sample id.

use std::path::Path;

use anyhow::{bail, Context};
use kmkit_genes::{
    read_geo_series_matrix, read_golub, read_khan, read_labels, read_text, DuplicateIds,
    ExpressionMatrix, MissingPolicy, MissingReport, SamplesIn, TableOptions,
};
use serde::{Deserialize, Serialize};

/// A dataset shipped under `datasets/genes/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bundled {
    /// Name on the command line.
    pub name: &'static str,
    /// One line about it.
    pub about: &'static str,
    /// Number of classes: the default k.
    pub k: usize,
}

/// The bundled expression datasets; the first is the default input.
pub const BUNDLED: &[Bundled] = &[
    Bundled {
        name: "golub",
        about: "Golub et al. (1999): 72 leukaemia patients × 7,129 Affymetrix probes, ALL (47) or AML (25)",
        k: 2,
    },
    Bundled {
        name: "khan",
        about: "Khan et al. (2001) SRBCT: 83 tumours × 2,308 cDNA genes (log ratios), 4 classes",
        k: 4,
    },
];

/// How a file is read; saved in model.json so `predict` reads alike by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadSettings {
    /// Orientation of a table.
    pub samples_in: SamplesIn,
    /// Id column: a header name or 1-based number; `None`: the first column.
    pub id_column: Option<String>,
    /// Missing cells.
    pub missing: MissingPolicy,
    /// Repeated gene ids.
    pub duplicates: DuplicateIds,
    /// GEO: the characteristic used as labels (`None`: the first that varies).
    pub geo_label: Option<String>,
}

impl Default for ReadSettings {
    fn default() -> Self {
        ReadSettings {
            samples_in: SamplesIn::Columns,
            id_column: None,
            missing: MissingPolicy::Error,
            duplicates: DuplicateIds::Error,
            geo_label: None,
        }
    }
}

/// A matrix read, with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Samples × genes, labels when known.
    pub matrix: ExpressionMatrix,
    /// How to name the input in output.
    pub display: String,
    /// The bundled dataset, when the input named one.
    pub bundled: Option<&'static Bundled>,
    /// What the missing-value and duplicate policies did.
    pub missing: MissingReport,
}

/// Reads `arg` (a path, `golub` or `khan`; `None` = golub).
pub fn load(arg: Option<&str>, settings: &ReadSettings) -> anyhow::Result<Loaded> {
    let arg = arg.unwrap_or(BUNDLED[0].name);
    let path = Path::new(arg);
    if !path.exists() {
        if let Some(b) = BUNDLED.iter().find(|b| b.name == arg) {
            let d = kmkit_cli::datasets_dir().join("genes");
            let matrix = match b.name {
                "golub" => read_golub(
                    &d.join("data_set_ALL_AML_train.csv.gz"),
                    &d.join("data_set_ALL_AML_independent.csv.gz"),
                    &d.join("actual.csv"),
                ),
                _ => read_khan(
                    &d.join("Khan_xtrain.csv.gz"),
                    &d.join("Khan_xtest.csv.gz"),
                    &d.join("Khan_ytrain.csv"),
                    &d.join("Khan_ytest.csv"),
                ),
            }
            .with_context(|| {
                format!("reading the bundled {} dataset in {}", b.name, d.display())
            })?;
            return Ok(Loaded {
                matrix,
                display: b.name.to_string(),
                bundled: Some(b),
                missing: MissingReport::default(),
            });
        }
        bail!(
            "{arg}: no such file, and not a bundled dataset ({})",
            BUNDLED
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let options = TableOptions {
        samples_in: settings.samples_in,
        id_column: Some(id_index(path, settings.id_column.as_deref())?),
        missing: settings.missing,
        duplicates: settings.duplicates,
        ..TableOptions::default()
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (matrix, missing) = if name.contains("_series_matrix.txt") {
        let g = read_geo_series_matrix(path, &options, settings.geo_label.as_deref())?;
        (g.matrix, g.missing)
    } else {
        kmkit_genes::read_table(path, &options)?
    };
    Ok(Loaded {
        matrix,
        display: arg.to_string(),
        bundled: None,
        missing,
    })
}

/// The 0-based id column: a 1-based number or a header name (default: the first).
fn id_index(path: &Path, id: Option<&str>) -> anyhow::Result<usize> {
    let Some(id) = id else { return Ok(0) };
    if let Ok(n) = id.parse::<usize>() {
        if n == 0 {
            bail!("--id-column {id}: columns are numbered from 1");
        }
        return Ok(n - 1);
    }
    if path.to_string_lossy().contains("_series_matrix.txt") {
        return Ok(0);
    }
    let text = read_text(path)?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = if first.contains('\t') { '\t' } else { ',' };
    first
        .split(sep)
        .position(|h| h.trim().trim_matches('"') == id)
        .with_context(|| {
            format!(
                "--id-column {id:?}: no such column in the header of {}",
                path.display()
            )
        })
}

/// Joins a labels file (CSV/TSV with a header) by sample id. `columns` names
/// the id and label columns; by default the file's first two.
pub fn attach_labels(
    m: &mut ExpressionMatrix,
    path: &Path,
    columns: Option<(&str, &str)>,
) -> anyhow::Result<()> {
    let (id, label) = match columns {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => {
            let text = read_text(path)?;
            let first = text.lines().next().unwrap_or("");
            let sep = if first.contains('\t') { '\t' } else { ',' };
            let h: Vec<String> = first
                .split(sep)
                .map(|s| s.trim().trim_matches('"').to_string())
                .collect();
            if h.len() < 2 {
                bail!(
                    "{}: a labels file needs a header with a sample id column and a label column",
                    path.display()
                );
            }
            (h[0].clone(), h[1].clone())
        }
    };
    let pairs = read_labels(path, &id, &label)?;
    m.join_labels(&pairs)?;
    Ok(())
}
