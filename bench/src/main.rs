//! `kmkit-bench`: times one k-means configuration of kmkit-core or
//! linfa-clustering on `.npy` / CSR data and prints one JSON line. Called by
//! `bench/run.py`, which alternates it with the Python anchors
//! (`bench/anchors.py`) on the same data and the same starting centroids.

mod data;
mod peak;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand, ValueEnum};
use kmkit_core::{Algorithm, Init, KMeans, Metric, MiniBatchKMeans};
use serde_json::{json, Value};

use crate::data::Matrix;

const EXAMPLES: &str = "\
EXAMPLES:
  kmkit-bench fit --data bench/data/dense.npy --init bench/data/dense_init_0.npy --k 256 \\
      --algorithm lloyd --max-iter 20 --tol 0 --threads 2
  kmkit-bench fit --engine linfa --data X.npy --init C.npy --k 8 --max-iter 20
  kmkit-bench fit --data bench/data/tfidf.csr --init T.npy --k 20 --metric cosine
  kmkit-bench seed --data X.npy --k 256 --seeding kmeans-par --seed 0 --save C.npy
  kmkit-bench minibatch --data X.npy --init C.npy --k 256 --epochs 2
  kmkit-bench peak --threads 2";

/// Times one k-means run and prints one JSON line (see bench/README.md).
#[derive(Debug, Parser)]
#[command(name = "kmkit-bench", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// A whole k-means fit (Lloyd or a bounded algorithm) from given or seeded centroids.
    Fit(FitArgs),
    /// Seeding only (greedy k-means++ or k-means‖), optionally saving the centroids.
    Seed(SeedArgs),
    /// Mini-batch k-means for a fixed number of passes, scored on all rows.
    Minibatch(MiniBatchArgs),
    /// The f32 FMA peak of this machine (GFLOP/s) from a register-only microbenchmark.
    Peak(PeakArgs),
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Input: an f32 `.npy` file, or a CSR directory (indptr/indices/data/shape .npy).
    #[arg(long)]
    data: PathBuf,
    /// Number of clusters.
    #[arg(long)]
    k: usize,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Random seed for seeding / batches.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    Kmkit,
    Linfa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Seeding {
    #[value(name = "kmeans++")]
    KMeansPlusPlus,
    /// k-means‖ (5 rounds, ℓ = 2k).
    #[value(name = "kmeans-par", alias = "kmeans||")]
    KMeansParallel,
    Random,
}

impl Seeding {
    fn init(self) -> Init {
        match self {
            Seeding::KMeansPlusPlus => Init::KMeansPlusPlus,
            Seeding::KMeansParallel => Init::kmeans_parallel(),
            Seeding::Random => Init::Random,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Algo {
    Auto,
    Lloyd,
    Hamerly,
    Elkan,
    Yinyang,
    KdTree,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MetricArg {
    Euclidean,
    Cosine,
}

#[derive(Debug, clap::Args)]
struct FitArgs {
    #[command(flatten)]
    common: Common,
    /// Which library fits.
    #[arg(long, value_enum, default_value_t = Engine::Kmkit)]
    engine: Engine,
    /// Starting centroids (k × d f32 `.npy`): `init = given`. Without it, `--seeding`.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Seeding when no `--init` is given.
    #[arg(long, value_enum, default_value_t = Seeding::KMeansPlusPlus)]
    seeding: Seeding,
    /// kmkit's iteration algorithm.
    #[arg(long, value_enum, default_value_t = Algo::Auto)]
    algorithm: Algo,
    /// Distance (cosine = spherical k-means).
    #[arg(long, value_enum, default_value_t = MetricArg::Euclidean)]
    metric: MetricArg,
    /// Iteration cap.
    #[arg(long, default_value_t = 20)]
    max_iter: usize,
    /// Tolerance (scikit-learn's: relative to the mean feature variance); 0 = run max_iter
    /// iterations unless the labels stop changing.
    #[arg(long, default_value_t = 0.0)]
    tol: f64,
    /// Hartigan refinement after convergence (kmkit's default for users; off here by default).
    #[arg(long)]
    refine: bool,
}

#[derive(Debug, clap::Args)]
struct SeedArgs {
    #[command(flatten)]
    common: Common,
    /// Seeding method.
    #[arg(long, value_enum, default_value_t = Seeding::KMeansPlusPlus)]
    seeding: Seeding,
    /// Write the centroids here (f32 `.npy`), e.g. to fit from them afterwards.
    #[arg(long)]
    save: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct MiniBatchArgs {
    #[command(flatten)]
    common: Common,
    /// Starting centroids (k × d f32 `.npy`).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Rows per step.
    #[arg(long, default_value_t = 1024)]
    batch_size: usize,
    /// Passes over the data (scikit-learn's `max_iter`): steps = epochs · n / batch_size.
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    /// Stop after this many steps without improvement; 0 = never (fixed step count).
    #[arg(long, default_value_t = 0)]
    max_no_improvement: usize,
    /// scikit-learn's `reassignment_ratio`.
    #[arg(long, default_value_t = 0.01)]
    reassignment_ratio: f64,
}

#[derive(Debug, clap::Args)]
struct PeakArgs {
    /// Threads running FMA chains at once.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Approximate seconds per timed run (best of three).
    #[arg(long, default_value_t = 0.3)]
    seconds: f64,
}

fn main() -> std::process::ExitCode {
    kmkit_cli::run_main(|| {
        let out = match Cli::parse().task {
            Task::Fit(a) => fit(&a)?,
            Task::Seed(a) => seed(&a)?,
            Task::Minibatch(a) => minibatch(&a)?,
            Task::Peak(a) => peak(&a)?,
        };
        println!("{out}");
        Ok(())
    })
}

fn load(c: &Common) -> Result<Matrix> {
    let x = Matrix::load(&c.data)?;
    let (n, _) = x.dim();
    if c.k == 0 || c.k > n {
        return Err(kmkit_cli::usage_error(format!(
            "--k {} must be between 1 and the {n} rows",
            c.k
        )));
    }
    Ok(x)
}

/// Fields every task reports.
fn header(task: &str, engine: &str, c: &Common, x: &Matrix) -> serde_json::Map<String, Value> {
    let (n, d) = x.dim();
    let v = json!({
        "task": task, "engine": engine, "n": n, "d": d, "k": c.k, "threads": c.threads,
        "seed": c.seed, "input_bytes": x.bytes(), "sparse": matches!(x, Matrix::Sparse(_)),
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("json! of an object literal"),
    }
}

fn finish(mut m: serde_json::Map<String, Value>) -> Value {
    m.insert("peak_rss_bytes".into(), json!(peak_rss()));
    m.insert("kernel".into(), json!(kmkit_core::kernels::get().name));
    Value::Object(m)
}

fn fit(a: &FitArgs) -> Result<Value> {
    let c = &a.common;
    let x = load(c)?;
    let d = x.dim().1;
    let init = match &a.init {
        Some(p) => {
            let init = data::load_centroids(p)?;
            data::check_width(&x, &init, "--init centroids")?;
            if init.nrows() != c.k {
                bail!("--init has {} rows, --k is {}", init.nrows(), c.k);
            }
            Some(init)
        }
        None => None,
    };
    let metric = match a.metric {
        MetricArg::Euclidean => Metric::Euclidean,
        MetricArg::Cosine => Metric::Cosine,
    };
    let mut m = header("fit", engine_name(a.engine), c, &x);
    // What kmkit's `auto` runs on this shape (the rule `fit` applies), for every row.
    let auto = Algorithm::Auto.resolve(d, c.k, matches!(x, Matrix::Sparse(_)));
    m.insert("auto_picks".into(), json!(auto));
    let (seconds, centroids, n_iter, extra) = match a.engine {
        Engine::Kmkit => {
            let algorithm = match a.algorithm {
                Algo::Auto => Algorithm::Auto,
                Algo::Lloyd => Algorithm::Lloyd,
                Algo::Hamerly => Algorithm::Hamerly,
                Algo::Elkan => Algorithm::Elkan,
                Algo::Yinyang => Algorithm::Yinyang,
                Algo::KdTree => Algorithm::KdTree,
            };
            let params = KMeans::params(c.k)
                .init(init.map_or(a.seeding.init(), Init::Given))
                .n_init(1)
                .max_iter(a.max_iter)
                .tol(a.tol)
                .seed(c.seed)
                .algorithm(algorithm)
                .metric(metric)
                .threads(c.threads)
                .refine(a.refine);
            let start = Instant::now();
            let model = params.fit(x.input())?;
            let seconds = start.elapsed().as_secs_f64();
            // What `auto` ran: the same rule `fit` applies to this shape.
            let resolved = algorithm.resolve(d, c.k, matches!(x, Matrix::Sparse(_)));
            let extra = json!({
                "algorithm": resolved,
                "algorithm_asked": algorithm,
                "refine": a.refine, "converged": model.converged,
                "model_inertia": model.inertia,
            });
            (seconds, model.centroids, model.n_iter, extra)
        }
        Engine::Linfa => {
            use linfa::prelude::*;
            use linfa_clustering::{KMeans as LKMeans, KMeansInit};
            if metric != Metric::Euclidean {
                bail!("linfa-clustering's KMeans is Euclidean only");
            }
            let xd = x.dense("linfa")?;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(c.threads)
                .build()?;
            let linit = match init {
                Some(ci) => KMeansInit::Precomputed(ci),
                None if a.seeding == Seeding::KMeansParallel => KMeansInit::KMeansPara,
                None if a.seeding == Seeding::Random => KMeansInit::Random,
                None => KMeansInit::KMeansPlusPlus,
            };
            // linfa's tolerance must be > 0; the smallest positive one stops
            // only when the centroids stop moving, as tol = 0 does elsewhere.
            let tol = (a.tol as f32).max(f32::MIN_POSITIVE);
            let params = LKMeans::params(c.k)
                .n_runs(1)
                .max_n_iterations(a.max_iter as u64)
                .tolerance(tol)
                .init_method(linit);
            let start = Instant::now();
            // linfa parallelises through ndarray's rayon feature: the pool sets its threads.
            let model = pool.install(|| params.fit(&linfa::DatasetBase::from(xd.view())))?;
            let seconds = start.elapsed().as_secs_f64();
            let centroids = model.centroids().clone();
            // linfa does not report its iteration count; with tol = 0 it runs max_iter.
            (
                seconds,
                centroids,
                a.max_iter,
                json!({"algorithm": "lloyd"}),
            )
        }
    };
    m.insert("seconds".into(), json!(seconds));
    m.insert("n_iter".into(), json!(n_iter));
    let score_start = Instant::now();
    let inertia = match metric {
        Metric::Euclidean => data::inertia(&x, centroids.view())?,
        Metric::Cosine => data::cosine_objective(&x, centroids.view())?,
    };
    m.insert("inertia".into(), json!(inertia));
    m.insert(
        "objective".into(),
        json!(match metric {
            Metric::Euclidean => "sum of squared distances",
            Metric::Cosine => "sum of 2(1 - max cos) to unit centroids",
        }),
    );
    m.insert(
        "score_seconds".into(),
        json!(score_start.elapsed().as_secs_f64()),
    );
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    Ok(finish(m))
}

fn seed(a: &SeedArgs) -> Result<Value> {
    let c = &a.common;
    let x = load(c)?;
    let params = KMeans::params(c.k)
        .init(a.seeding.init())
        .seed(c.seed)
        .threads(c.threads);
    let start = Instant::now();
    let centroids = kmkit_core::init_centroids(x.input(), &params)?;
    let seconds = start.elapsed().as_secs_f64();
    let mut m = header("seed", "kmkit", c, &x);
    m.insert("seeding".into(), json!(params.init.name()));
    m.insert("seconds".into(), json!(seconds));
    m.insert("n_iter".into(), json!(0));
    m.insert("centroids".into(), json!(centroids.nrows()));
    m.insert(
        "seed_inertia".into(),
        json!(data::inertia(&x, centroids.view())?),
    );
    if let Some(p) = &a.save {
        ndarray_npy::write_npy(p, &centroids)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
        m.insert("saved".into(), json!(p));
    }
    Ok(finish(m))
}

fn minibatch(a: &MiniBatchArgs) -> Result<Value> {
    let c = &a.common;
    let x = load(c)?;
    let mut params = MiniBatchKMeans::params(c.k)
        .seed(c.seed)
        .threads(c.threads)
        .batch_size(a.batch_size)
        .max_iter(a.epochs)
        .tol(0.0)
        .reassignment_ratio(a.reassignment_ratio)
        .max_no_improvement((a.max_no_improvement > 0).then_some(a.max_no_improvement))
        .compute_labels(true);
    if let Some(p) = &a.init {
        let init = data::load_centroids(p)?;
        data::check_width(&x, &init, "--init centroids")?;
        params = params.init(Init::Given(init));
    }
    let start = Instant::now();
    let model = params.fit(x.input())?;
    let seconds = start.elapsed().as_secs_f64();
    let mut m = header("minibatch", "kmkit", c, &x);
    m.insert("seconds".into(), json!(seconds));
    // Steps, as scikit-learn's `n_steps_`: exact without early stopping
    // (max_iter · n / batch_size); with it, the passes made times steps per pass.
    let (n, _) = x.dim();
    let steps = model.n_iter.min(a.epochs) * n / a.batch_size.min(n);
    m.insert("n_iter".into(), json!(steps));
    m.insert("passes".into(), json!(model.n_iter));
    m.insert("batch_size".into(), json!(a.batch_size));
    m.insert("epochs".into(), json!(a.epochs));
    m.insert(
        "inertia".into(),
        json!(data::inertia(&x, model.centroids.view())?),
    );
    m.insert("model_inertia".into(), json!(model.inertia));
    Ok(finish(m))
}

fn peak(a: &PeakArgs) -> Result<Value> {
    if a.threads == 0 || !(a.seconds > 0.0 && a.seconds.is_finite()) {
        return Err(kmkit_cli::usage_error(
            "--threads must be ≥ 1 and --seconds positive",
        ));
    }
    let runs = peak::measure(a.threads, a.seconds);
    if runs.is_empty() {
        bail!("no FMA path on this CPU (needs AVX2+FMA or AVX-512)");
    }
    let best = runs.iter().map(|p| p.gflops).fold(0.0, f64::max);
    let by_isa: serde_json::Map<String, Value> = runs
        .iter()
        .map(|p| (p.isa.to_string(), json!(p.gflops)))
        .collect();
    Ok(json!({
        "task": "peak", "threads": a.threads, "gflops": best, "by_isa": by_isa,
        "per_thread": runs.iter().map(|p| p.gflops / p.threads as f64).fold(0.0, f64::max),
    }))
}

fn engine_name(e: Engine) -> &'static str {
    match e {
        Engine::Kmkit => "kmkit",
        Engine::Linfa => "linfa",
    }
}

/// Peak resident set size of this process, from /proc (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
