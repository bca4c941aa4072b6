//! CI-sized smoke run of the core benchmark's Rust side (`kmkit-bench`, the
//! binary `bench/run.py` alternates with the Python anchors): every task on
//! tiny generated blobs, checked against the known answer (the within-blob sum
//! of squares), against linfa-clustering from the same centroids, and dense
//! against CSR input. No Python. The timings themselves are not checked.

use std::path::Path;

use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::blobs::gaussian_blobs;
use ndarray::{s, Array1, Array2};
use ndarray_npy::write_npy;
use serde_json::Value;

const PER_BLOB: usize = 100;

fn bench(args: &[&str]) -> Value {
    let r = run_app("kmkit-bench", args);
    assert_eq!(
        r.code, 0,
        "kmkit-bench {args:?} failed:\n{}{}",
        r.stderr, r.stdout
    );
    let line = r.stdout.lines().last().expect("one JSON line");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {v}"))
}

/// `k` well-separated blobs in `d` dimensions (positive coordinates, so
/// the same rows also make sense under the cosine metric).
fn blobs(k: usize, d: usize, seed: u64) -> Array2<f32> {
    let centres: Vec<Vec<f64>> = (0..k)
        .map(|b| {
            (0..d)
                .map(|j| 50.0 + 20.0 * ((b * (j + 3)) % 7) as f64 + 25.0 * b as f64)
                .collect()
        })
        .collect();
    let sds = vec![vec![1.0; d]; k];
    gaussian_blobs(&centres, &sds, PER_BLOB, seed)
        .0
        .mapv(|v| v as f32)
}

/// The known answer: sum of squared distances of each row to its blob's mean.
fn within_blob_ss(x: &Array2<f32>, k: usize) -> f64 {
    (0..k)
        .map(|b| {
            let rows = x
                .slice(s![b * PER_BLOB..(b + 1) * PER_BLOB, ..])
                .mapv(f64::from);
            let mean = rows.mean_axis(ndarray::Axis(0)).unwrap();
            rows.rows()
                .into_iter()
                .map(|r| (&r - &mean).mapv(|v| v * v).sum())
                .sum::<f64>()
        })
        .sum()
}

/// One row of each blob, shifted off its centre: starting centroids that lead
/// Lloyd to the true partition.
fn one_per_blob(x: &Array2<f32>, k: usize) -> Array2<f32> {
    let mut c = Array2::zeros((k, x.ncols()));
    for b in 0..k {
        c.row_mut(b).assign(&x.row(b * PER_BLOB + 7));
    }
    c
}

fn write_csr(dir: &Path, x: &Array2<f32>) {
    std::fs::create_dir_all(dir).unwrap();
    let (n, d) = x.dim();
    let mut indptr = vec![0i64];
    let (mut indices, mut data) = (Vec::new(), Vec::new());
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            // Drop every third column's entries to make the matrix truly sparse.
            if v != 0.0 && j % 3 != 2 {
                indices.push(j as i32);
                data.push(v);
            }
        }
        indptr.push(indices.len() as i64);
    }
    write_npy(dir.join("indptr.npy"), &Array1::from(indptr)).unwrap();
    write_npy(dir.join("indices.npy"), &Array1::from(indices)).unwrap();
    write_npy(dir.join("data.npy"), &Array1::from(data)).unwrap();
    write_npy(
        dir.join("shape.npy"),
        &Array1::from(vec![n as i64, d as i64]),
    )
    .unwrap();
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn fit_lloyd_auto_and_linfa_reach_the_known_partition() {
    let tmp = TempDir::new("bench-smoke-fit");
    let (k, d) = (6, 8);
    let x = blobs(k, d, 1);
    let expected = within_blob_ss(&x, k);
    write_npy(tmp.join("x.npy"), &x).unwrap();
    write_npy(tmp.join("c.npy"), &one_per_blob(&x, k)).unwrap();
    let (xp, cp) = (tmp.join("x.npy"), tmp.join("c.npy"));
    let common = [
        "--data",
        &xp,
        "--init",
        &cp,
        "--k",
        "6",
        "--max-iter",
        "20",
        "--tol",
        "0",
        "--threads",
        "2",
    ];
    let fit = |extra: &[&str]| bench(&[&["fit"], &common[..], extra].concat());

    let lloyd = fit(&["--algorithm", "lloyd"]);
    assert_eq!(lloyd["algorithm"], "lloyd");
    assert_eq!(
        (lloyd["n"].as_u64(), lloyd["d"].as_u64()),
        (Some(600), Some(8))
    );
    assert!(
        rel(num(&lloyd, "inertia"), expected) < 1e-5,
        "{lloyd} vs {expected}"
    );
    assert!(num(&lloyd, "seconds") > 0.0 && num(&lloyd, "n_iter") >= 1.0);
    assert!(num(&lloyd, "peak_rss_bytes") > num(&lloyd, "input_bytes"));

    // `auto` reports what it ran, and reaches Lloyd's fixed point.
    let auto = fit(&["--algorithm", "auto"]);
    assert_eq!(auto["algorithm_asked"], "auto");
    assert_ne!(auto["algorithm"], "auto");
    assert!(rel(num(&auto, "inertia"), expected) < 1e-5, "{auto}");

    // linfa-clustering from the same centroids: the same partition.
    let linfa = fit(&["--engine", "linfa"]);
    assert_eq!(linfa["engine"], "linfa");
    assert!(rel(num(&linfa, "inertia"), expected) < 1e-5, "{linfa}");
}

#[test]
fn seeding_minibatch_and_sparse_cosine() {
    let tmp = TempDir::new("bench-smoke-seed");
    let (k, d) = (4, 6);
    let x = blobs(k, d, 2);
    let expected = within_blob_ss(&x, k);
    write_npy(tmp.join("x.npy"), &x).unwrap();
    write_npy(tmp.join("c.npy"), &one_per_blob(&x, k)).unwrap();
    let (xp, cp) = (tmp.join("x.npy"), tmp.join("c.npy"));

    for seeding in ["kmeans++", "kmeans-par"] {
        let saved = tmp.join(&format!("seeds-{seeding}.npy"));
        let s = bench(&[
            "seed",
            "--data",
            &xp,
            "--k",
            "4",
            "--seeding",
            seeding,
            "--seed",
            "3",
            "--threads",
            "1",
            "--save",
            &saved,
        ]);
        assert_eq!(s["centroids"].as_u64(), Some(4), "{s}");
        let c: Array2<f32> = ndarray_npy::read_npy(&saved).unwrap();
        assert_eq!(c.dim(), (4, d));
        // Lloyd from the saved seeds never ends above where it started.
        let f = bench(&[
            "fit",
            "--data",
            &xp,
            "--init",
            &saved,
            "--k",
            "4",
            "--algorithm",
            "lloyd",
            "--threads",
            "1",
        ]);
        assert!(
            num(&f, "inertia") <= num(&s, "seed_inertia") * (1.0 + 1e-6),
            "{f} {s}"
        );
        assert!(num(&f, "inertia") >= expected * (1.0 - 1e-5));
    }

    // Mini-batch for a fixed number of steps: close to the optimum, scored on all rows.
    let mb = bench(&[
        "minibatch",
        "--data",
        &xp,
        "--init",
        &cp,
        "--k",
        "4",
        "--batch-size",
        "64",
        "--epochs",
        "4",
        "--seed",
        "5",
        "--threads",
        "2",
    ]);
    assert_eq!(mb["n_iter"].as_u64(), Some(4 * 400 / 64), "{mb}");
    assert!(num(&mb, "inertia") <= expected * 1.05, "{mb} vs {expected}");

    // Spherical k-means on a CSR directory equals the same fit on its dense copy.
    let csr = tmp.path().join("x.csr");
    write_csr(&csr, &x);
    let mut dense = x.clone();
    for j in (2..d).step_by(3) {
        dense.column_mut(j).fill(0.0);
    }
    write_npy(tmp.join("xd.npy"), &dense).unwrap();
    let cos = |data: &str| {
        bench(&[
            "fit",
            "--data",
            data,
            "--init",
            &cp,
            "--k",
            "4",
            "--metric",
            "cosine",
            "--max-iter",
            "50",
            "--tol",
            "0",
            "--threads",
            "2",
        ])
    };
    let (sparse, dense_fit) = (cos(&csr.to_string_lossy()), cos(&tmp.join("xd.npy")));
    assert_eq!(sparse["sparse"], true);
    assert_eq!(dense_fit["sparse"], false);
    let (a, b) = (num(&sparse, "inertia"), num(&dense_fit, "inertia"));
    assert!(a >= 0.0 && rel(a, b) < 1e-5, "{sparse} vs {dense_fit}");
}

#[test]
fn peak_and_bad_input() {
    let p = bench(&["peak", "--threads", "1", "--seconds", "0.02"]);
    if cfg!(target_arch = "x86_64") {
        assert!(num(&p, "gflops") > 0.1, "{p}");
    }

    let tmp = TempDir::new("bench-smoke-bad");
    write_npy(tmp.join("x.npy"), &blobs(2, 3, 4)).unwrap();
    write_npy(tmp.join("c5.npy"), &Array2::<f32>::zeros((2, 5))).unwrap();
    let xp = tmp.join("x.npy");
    let one_line = |r: &Run, code: i32| {
        assert_eq!(r.code, code, "{r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.starts_with("error:"), "{r:?}");
    };
    let missing = run_app(
        "kmkit-bench",
        &["fit", "--data", &tmp.join("none.npy"), "--k", "2"],
    );
    one_line(&missing, 1);
    assert_eq!(missing.stderr.trim_end().lines().count(), 1, "{missing:?}");
    let width = run_app(
        "kmkit-bench",
        &[
            "fit",
            "--data",
            &xp,
            "--k",
            "2",
            "--init",
            &tmp.join("c5.npy"),
        ],
    );
    one_line(&width, 1);
    assert!(width.stderr.contains("columns"), "{width:?}");
    one_line(
        &run_app("kmkit-bench", &["fit", "--data", &xp, "--k", "0"]),
        2,
    );
    one_line(
        &run_app(
            "kmkit-bench",
            &["fit", "--data", &xp, "--k", "2", "--bogus", "1"],
        ),
        2,
    );
    one_line(
        &run_app(
            "kmkit-bench",
            &["seed", "--data", &xp, "--k", "2", "--seeding", "nope"],
        ),
        2,
    );
}
