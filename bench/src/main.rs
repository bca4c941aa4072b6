//! Times one k-means configuration on `.npy` data and prints one JSON line.
//!
//! ```text
//! kmkit-bench --engine kmkit|linfa --data X.npy [--init C.npy] --k 256
//!             [--task fit|seed|minibatch] [--seeding kmeans++|kmeans|||random]
//!             [--algorithm auto|lloyd|hamerly] [--max-iter 20] [--tol 0]
//!             [--threads 2] [--metric euclidean|cosine] [--refine on|off]
//! ```
//! Called by `bench/run.py`, which alternates it with the Python anchors.

use std::collections::HashMap;
use std::time::Instant;

use kmkit_core::{Algorithm, Init, KMeans, Metric};
use ndarray::Array2;
use ndarray_npy::read_npy;

type Error = Box<dyn std::error::Error>;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opt = HashMap::new();
    for pair in args.chunks(2) {
        let key = pair[0]
            .strip_prefix("--")
            .ok_or_else(|| format!("expected --option, got {}", pair[0]))?;
        opt.insert(
            key.to_string(),
            pair.get(1)
                .cloned()
                .ok_or_else(|| format!("--{key} needs a value"))?,
        );
    }
    let get = |k: &str, default: &str| opt.get(k).cloned().unwrap_or_else(|| default.to_string());
    let data: Array2<f32> = read_npy(get("data", "")).map_err(|e| format!("--data: {e}"))?;
    let k: usize = get("k", "8").parse()?;
    let max_iter: usize = get("max-iter", "20").parse()?;
    let tol: f64 = get("tol", "0").parse()?;
    let threads: usize = get("threads", "0").parse()?;
    let init: Option<Array2<f32>> = match opt.get("init") {
        Some(p) => Some(read_npy(p).map_err(|e| format!("--init: {e}"))?),
        None => None,
    };
    let engine = get("engine", "kmkit");
    let task = get("task", "fit");
    let (n, d) = data.dim();

    let start = Instant::now();
    let (inertia, n_iter) = match engine.as_str() {
        "kmkit" => {
            let seeding = match get("seeding", "kmeans++").as_str() {
                "kmeans++" => Init::KMeansPlusPlus,
                "kmeans||" => Init::kmeans_parallel(),
                "random" => Init::Random,
                other => return Err(format!("unknown --seeding {other}").into()),
            };
            let algorithm = match get("algorithm", "auto").as_str() {
                "auto" => Algorithm::Auto,
                "lloyd" => Algorithm::Lloyd,
                "hamerly" => Algorithm::Hamerly,
                "elkan" => Algorithm::Elkan,
                "yinyang" => Algorithm::Yinyang,
                other => return Err(format!("unknown --algorithm {other}").into()),
            };
            let metric = if get("metric", "euclidean") == "cosine" {
                Metric::Cosine
            } else {
                Metric::Euclidean
            };
            let params = KMeans::params(k)
                .init(init.clone().map_or(seeding, Init::Given))
                .n_init(1)
                .max_iter(max_iter)
                .tol(tol)
                .algorithm(algorithm)
                .metric(metric)
                .threads(threads)
                .refine(get("refine", "off") == "on");
            match task.as_str() {
                "fit" => {
                    let m = params.fit(&data)?;
                    (m.inertia, m.n_iter)
                }
                "seed" => {
                    let c = kmkit_core::init_centroids(&data, &params)?;
                    (kmkit_core::partial_stats(&data, c.view())?.inertia, 0)
                }
                other => return Err(format!("unknown --task {other}").into()),
            }
        }
        "linfa" => {
            use linfa::prelude::*;
            use linfa_clustering::{KMeans as LKMeans, KMeansInit};
            let ds = linfa::DatasetBase::from(data.clone());
            let linit = match init.clone() {
                Some(c) => KMeansInit::Precomputed(c),
                None => KMeansInit::KMeansPlusPlus,
            };
            let model = LKMeans::params(k)
                .n_runs(1)
                .max_n_iterations(max_iter as u64)
                .tolerance(tol as f32)
                .init_method(linit)
                .fit(&ds)?;
            let c = model.centroids().clone();
            (
                kmkit_core::partial_stats(&data, c.view())?.inertia,
                max_iter,
            )
        }
        other => return Err(format!("unknown --engine {other}").into()),
    };
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "engine": engine, "task": task, "n": n, "d": d, "k": k, "seconds": seconds,
            "n_iter": n_iter, "inertia": inertia, "peak_rss_bytes": peak_rss(),
            "kernel": kmkit_core::kernels::get().name,
        })
    );
    Ok(())
}

/// Peak resident set size of this process, from /proc (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
