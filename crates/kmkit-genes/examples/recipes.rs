//! Cluster quality of several recipes on Golub (k=2) and Khan SRBCT (k=4):
//! ARI of k-means (n_init 10) averaged over seeds 0–4, and the default recipe.
//!
//! ```text
//! cargo run --release -p kmkit-genes --example recipes
//! ```

use std::path::Path;

use kmkit_core::{metrics::adjusted_rand_index, KMeans};
use kmkit_genes::{default_recipe, read_golub, read_khan, to_features, ExpressionMatrix, Mode, Recipe, Step, ZAxis};

fn mean_ari(m: &ExpressionMatrix, recipe: &Recipe, k: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let (p, x) = recipe.fit_transform(m)?;
    let f = to_features(&x, &m.sample_ids, &p.output_names, Mode::Samples)?;
    let (truth, _) = m.label_codes().ok_or("no labels")?;
    let mut sum = 0.0;
    for seed in 0..5 {
        let model = KMeans::params(k).seed(seed).n_init(10).fit(&f)?;
        sum += adjusted_rand_index(&truth, model.labels())?;
    }
    Ok(sum / 5.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/genes");
    let golub = read_golub(
        &d.join("data_set_ALL_AML_train.csv.gz"),
        &d.join("data_set_ALL_AML_independent.csv.gz"),
        &d.join("actual.csv"),
    )?;
    let khan = read_khan(&d.join("Khan_xtrain.csv.gz"), &d.join("Khan_xtest.csv.gz"), &d.join("Khan_ytrain.csv"), &d.join("Khan_ytest.csv"))?;
    let zs = Step::ZScore { axis: ZAxis::Samples, ddof: 0 };
    let zg = Step::ZScore { axis: ZAxis::Genes, ddof: 0 };
    let dudoit = vec![
        Step::Floor { value: 100.0 },
        Step::Ceiling { value: 16000.0 },
        Step::Dudoit { min_ratio: 5.0, min_diff: 500.0 },
        Step::Log10,
    ];
    let with = |base: &[Step], extra: &[Step]| Recipe::new(base.iter().chain(extra).cloned().collect());
    let mut rows: Vec<(&str, String, f64)> = Vec::new();
    rows.push(("golub k=2", "default".into(), mean_ari(&golub, &default_recipe(&golub, Mode::Samples), 2)?));
    for (name, r) in [
        ("Dudoit, log10, z-score per gene", with(&dudoit, std::slice::from_ref(&zg))),
        ("Dudoit, log10, top 200 var, z-score per sample", with(&dudoit, &[Step::TopVariance { n: 200 }, zs.clone()])),
        ("Dudoit, log10, z-score per sample, PCA 10", with(&dudoit, &[zs.clone(), Step::Pca { n_components: 10 }])),
    ] {
        rows.push(("golub k=2", name.into(), mean_ari(&golub, &r, 2)?));
    }
    rows.push(("khan k=4", "default".into(), mean_ari(&khan, &default_recipe(&khan, Mode::Samples), 4)?));
    rows.push(("khan k=4", "raw".into(), mean_ari(&khan, &Recipe::default(), 4)?));
    rows.push(("khan k=4", "z-score per sample".into(), mean_ari(&khan, &Recipe::new(vec![zs.clone()]), 4)?));
    rows.push(("khan k=4", "z-score per gene".into(), mean_ari(&khan, &Recipe::new(vec![zg.clone()]), 4)?));
    for n in [50, 100, 200, 500, 1000] {
        rows.push(("khan k=4", format!("top {n} var"), mean_ari(&khan, &Recipe::new(vec![Step::TopVariance { n }]), 4)?));
        rows.push((
            "khan k=4",
            format!("top {n} var, z-score per sample"),
            mean_ari(&khan, &Recipe::new(vec![Step::TopVariance { n }, zs.clone()]), 4)?,
        ));
        rows.push((
            "khan k=4",
            format!("top {n} MAD, z-score per sample"),
            mean_ari(&khan, &Recipe::new(vec![Step::TopMad { n }, zs.clone()]), 4)?,
        ));
    }
    for c in [5, 10, 20] {
        rows.push(("khan k=4", format!("PCA {c}"), mean_ari(&khan, &Recipe::new(vec![Step::Pca { n_components: c }]), 4)?));
    }
    println!("| data | recipe | mean ARI (seeds 0-4, n_init 10) |\n|---|---|---|");
    for (data, recipe, ari) in rows {
        println!("| {data} | {recipe} | {ari:.4} |");
    }
    Ok(())
}
