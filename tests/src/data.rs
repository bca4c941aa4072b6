//! Loading the bundled tabular datasets and reference fixtures.

use std::io::Read;
use std::path::PathBuf;

use ndarray::Array2;

/// The repository root (parent of the `tests` crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A reference JSON from `tests/fixtures/reference/`.
pub fn reference(name: &str) -> serde_json::Value {
    let path = repo_root().join("tests/fixtures/reference").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference fixtures are valid JSON")
}

/// A labelled table: features (f64, as scikit-learn read them) and classes.
#[derive(Debug, Clone)]
pub struct Table<T = f64> {
    /// `n × d` features.
    pub x: Array2<T>,
    /// Class per row.
    pub target: Vec<u32>,
}

impl Table {
    /// The same table with f32 features.
    pub fn into_f32(self) -> Table<f32> {
        Table {
            x: self.x32(),
            target: self.target,
        }
    }
    /// The features as f32.
    pub fn x32(&self) -> Array2<f32> {
        self.x.mapv(|v| v as f32)
    }
    /// Standardised features (mean 0, ddof-0 unit variance, as StandardScaler).
    pub fn standardized(&self) -> Array2<f64> {
        let mut x = self.x.clone();
        let n = x.nrows() as f64;
        for mut col in x.columns_mut() {
            let mean = col.sum() / n;
            let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            col.mapv_inplace(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 });
        }
        x
    }
}

/// A bundled tabular dataset by name: iris, wine, breast_cancer, digits, seeds.
pub fn table(name: &str) -> Table {
    let dir = repo_root().join("datasets/tabular");
    let (path, skip_header, sep) = match name {
        "iris" => (dir.join("sklearn_bundled/iris.csv"), true, ','),
        "wine" => (dir.join("sklearn_bundled/wine_data.csv"), true, ','),
        "breast_cancer" => (dir.join("sklearn_bundled/breast_cancer.csv"), true, ','),
        "digits" => (dir.join("sklearn_bundled/digits.csv.gz"), false, ','),
        "seeds" => (dir.join("seeds/seeds_dataset.txt"), false, '\t'),
        other => panic!("unknown table {other}"),
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("valid gzip");
        s
    } else {
        String::from_utf8(bytes).expect("utf-8")
    };
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for line in text.lines().skip(usize::from(skip_header)) {
        if line.trim().is_empty() {
            continue;
        }
        rows.push(
            line.split(sep)
                .map(|f| f.trim().parse::<f64>().expect("numeric cell"))
                .collect(),
        );
    }
    let d = rows[0].len() - 1;
    let x = Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j]);
    let target = rows.iter().map(|r| r[d] as u32).collect();
    Table { x, target }
}
