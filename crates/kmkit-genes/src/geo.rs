//! GEO series matrix files (`GSExxx_series_matrix.txt[.gz]`): sample
//! metadata lines (`!Sample_…`) then a tab-separated table between
//! `!series_matrix_table_begin` and `!series_matrix_table_end`, genes
//! (probes) in rows, samples (GSM ids) in columns.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};
use crate::matrix::ExpressionMatrix;
use crate::read::{parse_table, read_text, MissingReport, SamplesIn, TableOptions};

/// One `!Sample_characteristics_ch1` line: a key and a value per sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characteristic {
    /// Text before `: ` (e.g. `disease state`).
    pub key: String,
    /// Text after `: `, one per sample.
    pub values: Vec<String>,
}

/// A parsed series matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoSeries {
    /// The expression values, labelled by the chosen characteristic.
    pub matrix: ExpressionMatrix,
    /// `!Sample_title` per sample (empty if absent).
    pub titles: Vec<String>,
    /// Every characteristic line.
    pub characteristics: Vec<Characteristic>,
    /// What the missing-value policy did.
    pub missing: MissingReport,
}

/// Reads a series matrix file. Labels come from the characteristic named
/// `label_key`, or (when `None`) the first whose values differ between samples.
pub fn read_geo_series_matrix(path: &Path, options: &TableOptions, label_key: Option<&str>) -> Result<GeoSeries> {
    let text = read_text(path)?;
    parse_geo_series_matrix(&text, &path.display().to_string(), options, label_key)
}

/// [`read_geo_series_matrix`] on text.
pub fn parse_geo_series_matrix(text: &str, file: &str, options: &TableOptions, label_key: Option<&str>) -> Result<GeoSeries> {
    let mut titles = Vec::new();
    let mut accessions = Vec::new();
    let mut characteristics = Vec::new();
    let mut table = String::new();
    let mut in_table = false;
    let mut saw_end = false;
    for line in text.lines() {
        if in_table {
            if line.starts_with("!series_matrix_table_end") {
                saw_end = true;
                break;
            }
            table.push_str(line);
            table.push('\n');
            continue;
        }
        let mut fields = line.split('\t');
        let tag = fields.next().unwrap_or("");
        let values: Vec<String> = fields.map(unquote).collect();
        match tag {
            "!series_matrix_table_begin" => in_table = true,
            "!Sample_title" => titles = values,
            "!Sample_geo_accession" => accessions = values,
            t if t.starts_with("!Sample_characteristics") => {
                let key = values.iter().find_map(|v| v.split_once(": ").map(|(k, _)| k.to_string())).unwrap_or_default();
                let values = values.iter().map(|v| v.split_once(": ").map_or(v.clone(), |(_, x)| x.to_string())).collect();
                characteristics.push(Characteristic { key, values });
            }
            _ => {}
        }
    }
    if !in_table || !saw_end {
        return Err(GenesError::Format(format!(
            "{file}: no !series_matrix_table_begin … !series_matrix_table_end block: is this a GEO series matrix?"
        )));
    }
    let opts = TableOptions { samples_in: SamplesIn::Columns, id_column: Some(0), delimiter: Some(b'\t'), ..options.clone() };
    let (mut matrix, missing) = parse_table(&table, file, &opts)?;
    if !accessions.is_empty() && accessions != matrix.sample_ids {
        return Err(GenesError::Format(format!("{file}: the table's columns do not match !Sample_geo_accession")));
    }
    let n = matrix.n_samples();
    if let Some(c) = characteristics.iter().find(|c| c.values.len() != n) {
        return Err(GenesError::Format(format!("{file}: characteristic {:?} has {} values for {n} samples", c.key, c.values.len())));
    }
    let chosen = match label_key {
        Some(key) => Some(characteristics.iter().find(|c| c.key == key).ok_or_else(|| {
            let keys: Vec<&str> = characteristics.iter().map(|c| c.key.as_str()).collect();
            GenesError::Labels(format!("{file}: no characteristic {key:?} (have: {})", keys.join(", ")))
        })?),
        None => characteristics.iter().find(|c| c.values.iter().any(|v| *v != c.values[0])),
    };
    matrix.labels = chosen.map(|c| c.values.clone());
    Ok(GeoSeries { matrix, titles, characteristics, missing })
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GSE: &str = "!Series_title\t\"toy\"\n!Sample_title\t\"a\"\t\"b\"\t\"c\"\n!Sample_geo_accession\t\"GSM1\"\t\"GSM2\"\t\"GSM3\"\n\
!Sample_characteristics_ch1\t\"tissue: blood\"\t\"tissue: blood\"\t\"tissue: blood\"\n\
!Sample_characteristics_ch1\t\"disease: AML\"\t\"disease: ALL\"\t\"disease: AML\"\n\
!series_matrix_table_begin\n\"ID_REF\"\t\"GSM1\"\t\"GSM2\"\t\"GSM3\"\n\"p1\"\t1.5\t2\t3\n\"p2\"\t4\tnull\t6\n!series_matrix_table_end\n";

    #[test]
    fn labels_from_the_first_varying_characteristic() {
        let o = TableOptions { missing: crate::read::MissingPolicy::ImputeRowMean, ..TableOptions::default() };
        let g = parse_geo_series_matrix(GSE, "t", &o, None).unwrap();
        assert_eq!(g.matrix.sample_ids, vec!["GSM1", "GSM2", "GSM3"]);
        assert_eq!(g.matrix.labels.clone().unwrap(), vec!["AML", "ALL", "AML"]);
        assert_eq!(g.matrix.values[[1, 1]], 5.0);
        assert_eq!(g.missing.cells_imputed, 1);
        let g = parse_geo_series_matrix(GSE, "t", &o, Some("tissue")).unwrap();
        assert_eq!(g.matrix.labels.unwrap()[0], "blood");
        assert!(matches!(parse_geo_series_matrix(GSE, "t", &o, Some("age")), Err(GenesError::Labels(_))));
        assert!(matches!(parse_geo_series_matrix("!Series_title\tx\n", "t", &o, None), Err(GenesError::Format(_))));
    }
}
