//! Results out: labels and centroids as CSV, any serialisable summary as
//! JSON, and model files that bundle a `kmkit_core::Model` with the
//! preprocessing state that produced its features. Bytes are built here and
//! written through [`crate::atomic`].

use std::path::Path;

use kmkit_core::Model;
use ndarray::ArrayView2;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::csv_in::read_bytes;
use crate::error::{IoError, Result};
use crate::preprocess::Preprocess;

/// `id,cluster[,extra…]` rows, one per sample. `extra` columns (e.g.
/// `distance`) must have one value per row.
pub fn labels_csv(ids: &[String], labels: &[u32], extra: &[(&str, &[f64])]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id", "cluster"];
    header.extend(extra.iter().map(|(name, _)| *name));
    w.write_record(&header).expect("writing to memory");
    for (i, (id, label)) in ids.iter().zip(labels).enumerate() {
        let mut row = vec![id.clone(), label.to_string()];
        row.extend(extra.iter().map(|(_, v)| v[i].to_string()));
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// `cluster,feature…` rows, one per centroid.
pub fn centroids_csv(feature_names: &[String], centroids: ArrayView2<f64>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cluster".to_string()];
    header.extend(feature_names.iter().cloned());
    w.write_record(&header).expect("writing to memory");
    for (c, row) in centroids.rows().into_iter().enumerate() {
        let mut rec = vec![c.to_string()];
        rec.extend(row.iter().map(|v| v.to_string()));
        w.write_record(&rec).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Pretty JSON of any serialisable value, with a trailing newline.
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("results serialise");
    v.push(b'\n');
    v
}

/// Labels read back from a labels CSV (`id,cluster,…` as written by
/// [`labels_csv`], or any CSV whose named column holds integer labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelsFile {
    /// Row ids (first column).
    pub ids: Vec<String>,
    /// The labels.
    pub labels: Vec<u32>,
}

/// Reads integer labels from column `column` of a CSV with a header.
pub fn read_labels(path: &Path, column: &str) -> Result<LabelsFile> {
    let bytes = read_bytes(path)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let csv_err = |e: csv::Error| IoError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let j = headers
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| IoError::UnknownColumn {
            path: path.to_path_buf(),
            name: column.to_string(),
            available: headers
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut out = LabelsFile {
        ids: Vec::new(),
        labels: Vec::new(),
    };
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = rec.get(j).unwrap_or("");
        let label = cell.parse::<u32>().map_err(|_| IoError::NonNumeric {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
            value: cell.to_string(),
        })?;
        out.ids.push(rec.get(0).unwrap_or("").to_string());
        out.labels.push(label);
    }
    if out.labels.is_empty() {
        return Err(IoError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// Version of the model-file envelope.
pub const MODEL_FILE_VERSION: u32 = 1;

/// A model file: the fitted `Model` plus the state `P` of the transform that
/// made its features (a [`crate::Preprocess`] for tables, a TF-IDF vocabulary
/// for text, …), tagged with the app `kind` that can read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile<P> {
    /// Envelope version ([`MODEL_FILE_VERSION`]).
    pub format_version: u32,
    /// Which app wrote it, e.g. `"table"`; checked on load.
    pub kind: String,
    /// The feature transform's fitted state.
    pub preprocess: P,
    /// The k-means model.
    pub model: Model,
}

impl<P: Serialize + DeserializeOwned> ModelFile<P> {
    /// Bundles a model with its preprocessing.
    pub fn new(kind: &str, preprocess: P, model: Model) -> Self {
        ModelFile {
            format_version: MODEL_FILE_VERSION,
            kind: kind.to_string(),
            preprocess,
            model,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Vec<u8> {
        json_bytes(self)
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        atomic::write(path, &self.to_json())
    }

    /// Reads a model file written by an app of kind `kind`. The embedded model
    /// goes through `Model::from_json`, so the core's own checks apply.
    pub fn load(path: &Path, kind: &str) -> Result<Self> {
        Self::from_json_bytes(path, &read_bytes(path)?, kind)
    }

    /// Parses model-file bytes already in memory, as [`ModelFile::load`]
    /// does; `path` is used in messages only.
    pub fn from_json_bytes(path: &Path, bytes: &[u8], kind: &str) -> Result<Self> {
        let bad = |message: String| IoError::Model {
            path: path.to_path_buf(),
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        #[derive(Deserialize)]
        struct Envelope<P> {
            format_version: u32,
            kind: String,
            preprocess: P,
            model: serde_json::Value,
        }
        #[derive(Deserialize)]
        struct Head {
            format_version: Option<u32>,
            kind: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| {
            bad(if e.is_data() {
                format!("not a kmkit model file: {e}")
            } else {
                format!("not JSON: {e}")
            })
        })?;
        if head.format_version != Some(MODEL_FILE_VERSION) {
            return Err(bad(format!(
                "model-file version {} is not supported (this build reads version {MODEL_FILE_VERSION})",
                head.format_version
                    .map_or("missing".to_string(), |v| v.to_string())
            )));
        }
        if head.kind.as_deref() != Some(kind) {
            return Err(bad(format!(
                "written by a {:?} app, but this command reads {kind:?} models",
                head.kind.unwrap_or_default()
            )));
        }
        let env: Envelope<P> =
            serde_json::from_str(text).map_err(|e| bad(format!("malformed: {e}")))?;
        let model = Model::from_json(&env.model.to_string()).map_err(|e| bad(e.to_string()))?;
        Ok(ModelFile {
            format_version: env.format_version,
            kind: env.kind,
            preprocess: env.preprocess,
            model,
        })
    }
}

impl ModelFile<Preprocess> {
    /// [`ModelFile::load`] for table models, with the preprocessing checked
    /// against the model ([`Preprocess::check`]).
    pub fn load_table(path: &Path, kind: &str) -> Result<Self> {
        let file = Self::load(path, kind)?;
        file.preprocess
            .check(file.model.centroids.ncols())
            .map_err(|message| IoError::Model {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_core::KMeans;
    use ndarray::array;

    #[test]
    fn labels_round_trip_through_csv() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        let ids = vec!["a".to_string(), "b,c".to_string()];
        atomic::write(
            &p,
            &labels_csv(&ids, &[2, 0], &[("distance", &[0.5, 1.25])]),
        )
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text, "id,cluster,distance\na,2,0.5\n\"b,c\",0,1.25\n");
        let back = read_labels(&p, "cluster").unwrap();
        assert_eq!((back.ids, back.labels), (ids, vec![2, 0]));
        assert!(matches!(
            read_labels(&p, "nope"),
            Err(IoError::UnknownColumn { .. })
        ));
    }

    #[test]
    fn centroids_csv_has_names() {
        let c = array![[1.0, 2.5], [3.0, 4.0]];
        let text = String::from_utf8(centroids_csv(&["x".into(), "y".into()], c.view())).unwrap();
        assert_eq!(text, "cluster,x,y\n0,1,2.5\n1,3,4\n");
    }

    #[test]
    fn model_file_round_trips_and_checks_kind() {
        let x = array![[0.0f32, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
        let model = KMeans::params(2).seed(1).fit(&x).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.json");
        ModelFile::new("table", vec!["state".to_string()], model.clone())
            .save(&p)
            .unwrap();
        let back: ModelFile<Vec<String>> = ModelFile::load(&p, "table").unwrap();
        assert_eq!(back.model.centroids, model.centroids);
        assert_eq!(back.preprocess, vec!["state".to_string()]);
        let err = ModelFile::<Vec<String>>::load(&p, "text")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"table\""), "{err}");
        std::fs::write(&p, "{\"format_version\": 9}").unwrap();
        assert!(ModelFile::<Vec<String>>::load(&p, "table")
            .unwrap_err()
            .to_string()
            .contains("version"));
    }
}
