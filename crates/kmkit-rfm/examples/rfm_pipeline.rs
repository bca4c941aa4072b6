//! The whole RFM pipeline on one file, timed in-process: read + clean, RFM,
//! quintile scores and segments, log1p + standardise, k-means (k=4, n_init=10).
//!
//! ```text
//! cargo run --release -p kmkit-rfm --example rfm_pipeline -- datasets/customers/CDNOW_master.txt.gz 7
//! ```
//! Prints one JSON line: per-run seconds and what was computed (bench/rfm/bench.py reads it).
//! With `RFM_STEPS=1` each run is repeated step by step and the step times go to stderr.
//! For profiling the k-means step: `RFM_N_INIT` (default 10, the recipe's),
//! `RFM_REFINE=0` (Hartigan refinement off), `RFM_ALGORITHM` (lloyd, hamerly, …).

use std::path::PathBuf;
use std::time::Instant;

use kmkit_core::KMeans;
use kmkit_rfm::{read_transactions, rfm_table, score, segments, RfmModel, TransactionFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "datasets/customers/CDNOW_master.txt.gz".into()),
    );
    let runs: usize = args.next().map_or(Ok(7), |s| s.parse())?;
    let format = TransactionFormat::cdnow_master();
    let env = |k: &str| std::env::var(k).ok();
    let mut params = KMeans::params(4)
        .n_init(env("RFM_N_INIT").map_or(Ok(10), |s| s.parse())?)
        .refine(env("RFM_REFINE").is_none_or(|s| s != "0"))
        .seed(0);
    if let Some(a) = env("RFM_ALGORITHM") {
        params = params.algorithm(serde_json::from_value(serde_json::Value::String(a))?);
    }
    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let tx = read_transactions(&path, &format)?;
        let table = rfm_table(&tx, None)?;
        let scores = score(&table)?;
        let segs = segments(&scores);
        let (model, labels) = RfmModel::fit(&table, &scores, &params)?;
        times.push(t0.elapsed().as_secs_f64());
        if std::env::var_os("RFM_STEPS").is_some() {
            let t = Instant::now();
            let tx = read_transactions(&path, &format)?;
            let a = t.elapsed();
            let table = rfm_table(&tx, None)?;
            let b = t.elapsed();
            segments(&score(&table)?);
            let c = t.elapsed();
            let f = kmkit_rfm::RfmTransform::fit_transform(&table, true)?.1;
            let d = t.elapsed();
            params.fit(&f)?;
            let e = t.elapsed();
            eprintln!(
                "read {a:?} rfm {:?} score {:?} transform {:?} kmeans {:?}",
                b - a,
                c - b,
                d - c,
                e - d
            );
        }
        summary = format!(
            "\"customers\": {}, \"segments\": {}, \"inertia\": {:.6}, \"labels\": {}",
            table.len(),
            segs.len(),
            model.kmeans.inertia,
            labels.len()
        );
    }
    let times: Vec<String> = times.iter().map(|t| format!("{t:.6}")).collect();
    println!("{{\"seconds\": [{}], {summary}}}", times.join(", "));
    Ok(())
}
