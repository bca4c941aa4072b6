//! Fits every bundled tabular dataset (`datasets/tabular/`) with k = its number
//! of classes and prints inertia, iterations and agreement with the classes.
//!
//! Run from the repository root: `cargo run --release -p kmkit-core --example tabular`

use std::io::Read;
use std::time::Instant;

use kmkit_core::{metrics, KMeans};
use ndarray::Array2;

fn load(
    path: &str,
    header: bool,
    sep: char,
) -> Result<(Array2<f32>, Vec<u32>), Box<dyn std::error::Error>> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("{path}: {e} (run from the repository root)"))?;
    let text = if path.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut s)?;
        s
    } else {
        String::from_utf8(bytes)?
    };
    let mut rows = Vec::new();
    for line in text
        .lines()
        .skip(usize::from(header))
        .filter(|l| !l.trim().is_empty())
    {
        let cells: Result<Vec<f32>, _> = line.split(sep).map(|c| c.trim().parse::<f32>()).collect();
        rows.push(cells?);
    }
    let d = rows[0].len() - 1;
    let x = Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j]);
    Ok((x, rows.iter().map(|r| r[d] as u32).collect()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sets = [
        (
            "iris",
            "datasets/tabular/sklearn_bundled/iris.csv",
            true,
            ',',
            3,
        ),
        (
            "wine",
            "datasets/tabular/sklearn_bundled/wine_data.csv",
            true,
            ',',
            3,
        ),
        (
            "breast_cancer",
            "datasets/tabular/sklearn_bundled/breast_cancer.csv",
            true,
            ',',
            2,
        ),
        (
            "digits",
            "datasets/tabular/sklearn_bundled/digits.csv.gz",
            false,
            ',',
            10,
        ),
        (
            "seeds",
            "datasets/tabular/seeds/seeds_dataset.txt",
            false,
            '\t',
            3,
        ),
    ];
    println!(
        "{:<14} {:>6} {:>4} {:>4} {:>16} {:>6} {:>8} {:>9}",
        "dataset", "n", "d", "k", "inertia", "iter", "ARI", "ms"
    );
    for (name, path, header, sep, k) in sets {
        let (x, y) = load(path, header, sep)?;
        let start = Instant::now();
        let model = KMeans::params(k).n_init(10).fit(&x)?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let ari = metrics::adjusted_rand_index(&y, model.labels())?;
        println!(
            "{:<14} {:>6} {:>4} {:>4} {:>16.3} {:>6} {:>8.4} {:>9.2}",
            name,
            x.nrows(),
            x.ncols(),
            k,
            model.inertia,
            model.n_iter,
            ari,
            ms
        );
    }
    Ok(())
}
