//! Cluster quality of a small set of standard recipes on Golub (k = 2) and
//! Khan SRBCT (k = 4): ARI of kmkit k-means (n_init 10, the app's default)
//! over seeds 0–9: mean, min and max. The table in BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p gene-clusters --example gene_recipes
//! ```

use gene_clusters::input::{load, ReadSettings};
use gene_clusters::recipes::{named, Tweaks};
use kmkit_core::{metrics::adjusted_rand_index, KMeans};
use kmkit_genes::{to_features, ExpressionMatrix, Mode, Recipe, Step, ZAxis};

const SEEDS: u64 = 10;

fn aris(
    m: &ExpressionMatrix,
    recipe: &Recipe,
    k: usize,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let (p, x) = recipe.fit_transform(m)?;
    let f = to_features(&x, &m.sample_ids, &p.output_names, Mode::Samples)?;
    let (truth, _) = m.label_codes().ok_or("no labels")?;
    (0..SEEDS)
        .map(|seed| {
            let model = KMeans::params(k).seed(seed).n_init(10).fit(&f)?;
            Ok(adjusted_rand_index(&truth, model.labels())?)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let golub = load(Some("golub"), &ReadSettings::default())?.matrix;
    let khan = load(Some("khan"), &ReadSettings::default())?.matrix;
    let zs = Step::ZScore {
        axis: ZAxis::Samples,
        ddof: 0,
    };
    let zg = Step::ZScore {
        axis: ZAxis::Genes,
        ddof: 0,
    };
    // (label, recipe for Golub, recipe for Khan): named recipes, then
    // variants of the scale's log + filter.
    let mut rows: Vec<(String, Recipe, Recipe)> = Vec::new();
    for name in gene_clusters::recipes::RECIPES {
        rows.push((
            format!("--recipe {name}"),
            named(name, &golub, Mode::Samples, Tweaks::default())?,
            named(name, &khan, Mode::Samples, Tweaks::default())?,
        ));
    }
    let g_base = || named("standard", &golub, Mode::Samples, Tweaks::default()).map(|r| r.steps);
    let k_base = || named("standard", &khan, Mode::Samples, Tweaks::default()).map(|r| r.steps);
    let strip_z = |mut s: Vec<Step>| {
        s.retain(|st| !matches!(st, Step::ZScore { .. }));
        s
    };
    let with = |mut s: Vec<Step>, extra: &[Step]| {
        s.extend_from_slice(extra);
        Recipe::new(s)
    };
    let cases: Vec<(&str, Vec<Step>)> = vec![
        ("scale's log + filter, no z-score", vec![]),
        ("scale's log + filter, z-score per sample", vec![zs.clone()]),
        ("scale's log + filter, z-score per gene", vec![zg.clone()]),
        (
            "scale's log + filter, centre genes, z-score per sample",
            vec![Step::CenterGenes, zs.clone()],
        ),
        (
            "scale's log + filter, PCA 5",
            vec![Step::Pca { n_components: 5 }],
        ),
        (
            "scale's log + filter, PCA 10",
            vec![Step::Pca { n_components: 10 }],
        ),
        (
            "scale's log + filter, z-score per sample, PCA 10",
            vec![zs.clone(), Step::Pca { n_components: 10 }],
        ),
        (
            "scale's log + filter, top 1000 var",
            vec![Step::TopVariance { n: 1000 }],
        ),
        (
            "scale's log + filter, top 50 var",
            vec![Step::TopVariance { n: 50 }],
        ),
        (
            "scale's log + filter, top 50 var, z-score per sample",
            vec![Step::TopVariance { n: 50 }, zs.clone()],
        ),
    ];
    for (label, extra) in cases {
        rows.push((
            label.to_string(),
            with(strip_z(g_base()?), &extra),
            with(strip_z(k_base()?), &extra),
        ));
    }
    println!("| recipe | Golub k=2 mean ARI | (min–max) | Khan k=4 mean ARI | (min–max) |\n|---|---:|---|---:|---|");
    for (label, g, k) in rows {
        let a = aris(&golub, &g, 2)?;
        let b = aris(&khan, &k, 4)?;
        let stat = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (mean, min, max)
        };
        let (am, an, ax) = stat(&a);
        let (bm, bn, bx) = stat(&b);
        println!("| {label} | {am:.4} | {an:.4}–{ax:.4} | {bm:.4} | {bn:.4}–{bx:.4} |");
    }
    Ok(())
}
