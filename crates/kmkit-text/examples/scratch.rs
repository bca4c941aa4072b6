use std::time::Instant;
use kmkit_core::{Init, Metric};
use kmkit_text::*;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/documents/stackoverflow_titles");
    let corpus = read_lines(&dir.join("title_StackOverflow.txt.gz")).unwrap();
    let (truth, _) = encode_labels(&read_labels(&dir.join("label_StackOverflow.txt")).unwrap());
    let titles = corpus.texts;
    let args: Vec<String> = std::env::args().collect();
    let lsa = args[1] == "lsa";
    let base = if lsa { TopicsConfig::new(20).lsa(100) } else { TopicsConfig::new(20) };
    let f = DocFeatures::fit(&base, &titles).unwrap();
    for mode in &args[2..] {
        let mut nmis = Vec::new();
        let t = Instant::now();
        for seed in 0..10u64 {
            let mut config = base.clone().seed(seed);
            if mode.contains("euc") { config.kmeans.metric = Metric::Euclidean; }
            if mode.contains("norefine") { config.kmeans.refine = false; }
            if mode.contains("par") { config.kmeans.init = Init::kmeans_parallel(); }
            if mode.contains("rand") { config.kmeans.init = Init::Random; }
            for n in 2..=10 { if mode.contains(&format!("n{n}")) { config.kmeans.n_init = Some(n); } }
            let fit = TopicModel::fit_features(&config.kmeans, f.clone()).unwrap();
            let s = score(&truth, &fit.assignment).unwrap();
            nmis.push(s.nmi);
        }
        let m5: f64 = nmis[..5].iter().sum::<f64>() / 5.0;
        let m10: f64 = nmis.iter().sum::<f64>() / 10.0;
        println!("{mode:20} mean5 {m5:.4} mean10 {m10:.4} {:?} {:.1}s", nmis.iter().map(|v| (v * 1000.0).round() / 1000.0).collect::<Vec<_>>(), t.elapsed().as_secs_f64());
    }
}
