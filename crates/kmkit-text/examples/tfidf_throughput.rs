//! Times TF-IDF `fit_transform` on one document per line of a file and
//! prints one JSON line; `bench/text/bench_tfidf.py` compares it with
//! scikit-learn's `TfidfVectorizer`.
//!
//! ```text
//! cargo run --release -p kmkit-text --example tfidf_throughput -- FILE [--repeats 7] [--preset topics|defaults]
//! ```
//! `topics` = `TfidfVectorizer(stop_words='english', sublinear_tf=True,
//! min_df=2, max_df=0.5)`; `defaults` = `TfidfVectorizer()`. The file is read
//! (and gunzipped) before timing; one untimed warm-up run precedes the timed ones.

use std::time::Instant;

use kmkit_core::Matrix;
use kmkit_text::{read_lines, TfIdf};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: tfidf_throughput FILE [--repeats N] [--preset topics|defaults]")?;
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let repeats: usize = option("--repeats").unwrap_or_else(|| "7".into()).parse()?;
    let preset = option("--preset").unwrap_or_else(|| "topics".into());
    let params = match preset.as_str() {
        "topics" => TfIdf::for_topics(),
        "defaults" => TfIdf::new(),
        other => return Err(format!("unknown preset {other}").into()),
    };
    let docs = read_lines(std::path::Path::new(path))?.texts;
    let mut seconds = Vec::with_capacity(repeats);
    let mut shape = (0, 0);
    for run in 0..=repeats {
        let start = Instant::now();
        let (fitted, features) = params.fit_transform(&docs)?;
        let elapsed = start.elapsed().as_secs_f64();
        let Matrix::Sparse(x) = &features.data else {
            return Err("TF-IDF output is sparse".into());
        };
        shape = (fitted.n_terms(), x.nnz());
        if run > 0 {
            seconds.push(elapsed);
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "engine": "kmkit",
            "preset": preset,
            "n_docs": docs.len(),
            "n_terms": shape.0,
            "nnz": shape.1,
            "threads": rayon::current_num_threads(),
            "seconds": seconds,
        })
    );
    Ok(())
}
