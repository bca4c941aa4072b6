//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ndarray::Array2;

/// The workspace root (the parent of this `tests` crate).
pub fn workspace_root() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().expect("the tests crate sits inside the workspace").to_path_buf()
}

/// Path of a file under `datasets/`, e.g. `dataset_path("tabular/sklearn_bundled/iris.csv")`.
pub fn dataset_path(relative: &str) -> PathBuf {
    workspace_root().join("datasets").join(relative)
}

/// Path of a reference output under `tests/fixtures/reference/`.
pub fn reference_fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("reference").join(name)
}

/// A reference output under `tests/fixtures/reference/`, parsed as JSON.
pub fn load_reference_json(name: &str) -> serde_json::Value {
    let path = reference_fixture_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// One of scikit-learn's bundled CSV datasets (iris, wine, breast cancer).
#[derive(Debug, Clone)]
pub struct SklearnCsv<T> {
    /// `n_samples × n_features` feature matrix.
    pub x: Array2<T>,
    /// Integer class of every row (the last column).
    pub target: Vec<u32>,
    /// Class names from the header.
    pub target_names: Vec<String>,
}

/// Loads a scikit-learn bundled CSV (header `n_samples,n_features,class names…`,
/// then features and an integer class per row) with f64 features.
pub fn load_sklearn_csv_f64(path: &Path) -> SklearnCsv<f64> {
    load_sklearn_csv(path)
}

/// As [`load_sklearn_csv_f64`], with f32 features (each value parsed directly as f32).
pub fn load_sklearn_csv_f32(path: &Path) -> SklearnCsv<f32> {
    load_sklearn_csv(path)
}

fn load_sklearn_csv<T: FromStr + Clone>(path: &Path) -> SklearnCsv<T> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_else(|| panic!("{} is empty", path.display())).split(',').collect();
    let parse_count =
        |s: &str| s.trim().parse::<usize>().unwrap_or_else(|_| panic!("{}: bad header {header:?}", path.display()));
    let (n, d) = (parse_count(header[0]), parse_count(header[1]));
    let target_names = header[2..].iter().map(|s| s.trim().to_string()).collect();
    let mut values = Vec::with_capacity(n * d);
    let mut target = Vec::with_capacity(n);
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        assert_eq!(fields.len(), d + 1, "{} line {}: expected {} fields", path.display(), i + 2, d + 1);
        for f in &fields[..d] {
            values
                .push(f.parse::<T>().unwrap_or_else(|_| panic!("{} line {}: bad number {f:?}", path.display(), i + 2)));
        }
        target.push(
            fields[d]
                .parse::<u32>()
                .unwrap_or_else(|_| panic!("{} line {}: bad class {:?}", path.display(), i + 2, fields[d])),
        );
    }
    assert_eq!(target.len(), n, "{}: header says {n} rows", path.display());
    let x = Array2::from_shape_vec((n, d), values).expect("n × d values");
    SklearnCsv { x, target, target_names }
}

/// Gaussian blobs for k-selection tests: `per_blob` rows around each of
/// `centres`, with per-feature standard deviations `sds[blob]`, and the blob
/// of each row as its label. Deterministic in `seed` (SplitMix64 and
/// Box–Muller, so no random-number crate is needed).
pub fn gaussian_blobs(centres: &[Vec<f64>], sds: &[Vec<f64>], per_blob: usize, seed: u64) -> (Array2<f64>, Vec<u32>) {
    assert_eq!(centres.len(), sds.len(), "one sd vector per centre");
    let d = centres.first().map_or(0, Vec::len);
    let mut state = seed;
    let mut uniform = move || {
        // SplitMix64, top 53 bits as a float in [0, 1).
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Array2::zeros((centres.len() * per_blob, d));
    let mut labels = Vec::with_capacity(centres.len() * per_blob);
    for (b, (centre, sd)) in centres.iter().zip(sds).enumerate() {
        for r in 0..per_blob {
            for j in 0..d {
                let (u1, u2) = (1.0 - uniform(), uniform());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                x[[b * per_blob + r, j]] = centre[j] + sd[j] * z;
            }
            labels.push(b as u32);
        }
    }
    (x, labels)
}
