//! kmkit-genes: transforms against numpy (tests/fixtures/genes/make_transforms.py),
//! Golub and Khan cluster quality against the scikit-learn baselines, GEO
//! series matrix reading, gene mode, consensus clustering, and bad input.

use kmkit_core::{metrics::adjusted_rand_index, KMeans, Matrix};
use kmkit_genes::{
    consensus, default_recipe, parse_table, read_geo_series_matrix, read_golub, read_khan,
    read_table, to_features, ConsensusConfig, DuplicateIds, ExpressionMatrix, GenesError,
    MissingPolicy, Mode, Recipe, SamplesIn, Step, TableOptions, ZAxis,
};
use kmkit_tests::data::{reference, repo_root};
use ndarray::Array2;

fn genes(file: &str) -> std::path::PathBuf {
    repo_root().join("datasets/genes").join(file)
}

fn golub() -> ExpressionMatrix {
    read_golub(
        &genes("data_set_ALL_AML_train.csv.gz"),
        &genes("data_set_ALL_AML_independent.csv.gz"),
        &genes("actual.csv"),
    )
    .unwrap()
}

fn khan() -> ExpressionMatrix {
    read_khan(
        &genes("Khan_xtrain.csv.gz"),
        &genes("Khan_xtest.csv.gz"),
        &genes("Khan_ytrain.csv"),
        &genes("Khan_ytest.csv"),
    )
    .unwrap()
}

fn baseline(dataset: &str, recipe: &str) -> f64 {
    reference("quality_baselines_sklearn.json")[dataset][recipe]["ari"]
        .as_f64()
        .unwrap()
}

/// ARI of k-means (n_init 10, seed 0) on the default recipe's features.
fn default_ari(m: &ExpressionMatrix, k: usize) -> (f64, usize) {
    let (pipeline, x) = default_recipe(m, Mode::Samples).fit_transform(m).unwrap();
    let f = to_features(&x, &m.sample_ids, &pipeline.output_names, Mode::Samples).unwrap();
    let model = KMeans::params(k).seed(0).n_init(10).fit(&f).unwrap();
    let (truth, _) = m.label_codes().unwrap();
    (
        adjusted_rand_index(&truth, model.labels()).unwrap(),
        x.ncols(),
    )
}

#[test]
fn transforms_equal_numpy() {
    let dir = repo_root().join("tests/fixtures/genes");
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("transforms_numpy.json")).unwrap())
            .unwrap();
    let (m, _) = read_table(&dir.join("transforms_input.csv"), &TableOptions::default()).unwrap();
    assert_eq!(serde_json::to_value(&m.sample_ids).unwrap(), fx["samples"]);
    for (name, case) in fx["cases"].as_object().unwrap() {
        let steps: Vec<Step> = serde_json::from_value(case["steps"].clone()).unwrap();
        let is_pca = steps.iter().any(|s| matches!(s, Step::Pca { .. }));
        let (pipeline, x) = Recipe::new(steps).fit_transform(&m).unwrap();
        if !is_pca {
            assert_eq!(
                serde_json::to_value(&pipeline.output_names).unwrap(),
                case["genes"],
                "{name}: genes kept"
            );
        }
        let want: Vec<Vec<f64>> = serde_json::from_value(case["values"].clone()).unwrap();
        assert_eq!(
            (x.nrows(), x.ncols()),
            (want.len(), want[0].len()),
            "{name}: shape"
        );
        for (i, row) in want.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                let tol = if is_pca { 1e-9 } else { 1e-12 } * w.abs().max(1.0);
                assert!(
                    (x[[i, j]] - w).abs() <= tol,
                    "{name}[{i},{j}]: {} vs numpy {w}",
                    x[[i, j]]
                );
            }
        }
        // The fitted pipeline repeats itself on the same samples.
        assert_eq!(
            pipeline.transform(&m).unwrap(),
            x,
            "{name}: transform after fit"
        );
    }
}

#[test]
fn golub_is_72_ordered_samples_with_labels() {
    let m = golub();
    assert_eq!((m.n_samples(), m.n_genes()), (72, 7129));
    let ids: Vec<String> = (1..=72).map(|i| i.to_string()).collect();
    assert_eq!(m.sample_ids, ids);
    let labels = m.labels.as_ref().unwrap();
    assert_eq!(labels.iter().filter(|l| *l == "ALL").count(), 47);
    assert_eq!(labels.iter().filter(|l| *l == "AML").count(), 25);
    assert_eq!(m.gene_ids[0], "AFFX-BioB-5_at");
    // The first value of patient 1 in the train file.
    assert_eq!(m.values[[0, 0]], -214.0);
}

/// The baseline's recipe (Dudoit filter → 3571 genes, log10, z-score per
/// sample) reaches scikit-learn's least inertia.
///
/// The baseline ARI (0.9118) is the mean over five scikit-learn runs of
/// `KMeans(2, n_init=10)`; three of them stop in a local optimum of higher
/// inertia whose ARI happens to be 0.944. The partition of least inertia
/// (scikit-learn with n_init=100, tests/fixtures/genes/golub_sklearn_optimum.json)
/// has ARI 0.8897. kmkit reaches that least-inertia partition on every seed,
/// so the test asserts that, and the ARI of that partition. The documented
/// default recipe (the same without the per-sample z-score) is checked
/// against 0.9118 in `golub_k2_default_recipe_meets_sklearn_baseline`.
#[test]
fn golub_k2_baseline_recipe_reaches_sklearn_least_inertia() {
    let m = golub();
    let recipe = Recipe::new(vec![
        Step::Floor { value: 100.0 },
        Step::Ceiling { value: 16000.0 },
        Step::Dudoit {
            min_ratio: 5.0,
            min_diff: 500.0,
        },
        Step::Log10,
        Step::ZScore {
            axis: ZAxis::Samples,
            ddof: 0,
        },
    ]);
    assert_eq!(
        default_recipe(&m, Mode::Samples).steps,
        recipe.steps[..4].to_vec(),
        "the default is the baseline recipe without the per-sample z-score"
    );
    let path = repo_root().join("tests/fixtures/genes/golub_sklearn_optimum.json");
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let want = baseline(
        "golub_72_samples_k2",
        "same filter and log10, z-score each sample row, KMeans(2)",
    );
    assert!(
        (fx["mean_ari"].as_f64().unwrap() - want).abs() < 1e-4,
        "the fixture reproduces the baseline"
    );
    let best_inertia = fx["least_inertia"]["inertia"].as_f64().unwrap();
    let best_ari = fx["least_inertia"]["ari"].as_f64().unwrap();
    let (pipeline, x) = recipe.fit_transform(&m).unwrap();
    assert_eq!(x.ncols(), fx["genes_kept"].as_u64().unwrap() as usize);
    let f = to_features(&x, &m.sample_ids, &pipeline.output_names, Mode::Samples).unwrap();
    let (truth, _) = m.label_codes().unwrap();
    for seed in 0..5 {
        let model = KMeans::params(2).seed(seed).n_init(10).fit(&f).unwrap();
        let ari = adjusted_rand_index(&truth, model.labels()).unwrap();
        assert!(
            model.inertia <= best_inertia * (1.0 + 1e-5),
            "seed {seed}: inertia {} vs {best_inertia}",
            model.inertia
        );
        assert!(
            ari >= best_ari - 1e-9,
            "seed {seed}: ARI {ari:.4} < {best_ari:.4}"
        );
    }
}

/// The documented default recipe on Golub k = 2: ARI ≥ scikit-learn's
/// baseline on every seed (kmkit reaches the same partition on each).
#[test]
fn golub_k2_default_recipe_meets_sklearn_baseline() {
    let m = golub();
    let want = baseline(
        "golub_72_samples_k2",
        "same filter and log10, z-score each sample row, KMeans(2)",
    );
    let (pipeline, x) = default_recipe(&m, Mode::Samples).fit_transform(&m).unwrap();
    assert_eq!(x.ncols(), 3571);
    let f = to_features(&x, &m.sample_ids, &pipeline.output_names, Mode::Samples).unwrap();
    let (truth, _) = m.label_codes().unwrap();
    for seed in 0..3 {
        let model = KMeans::params(2).seed(seed).n_init(10).fit(&f).unwrap();
        let ari = adjusted_rand_index(&truth, model.labels()).unwrap();
        assert!(
            ari >= want,
            "seed {seed}: ARI {ari:.4} < scikit-learn {want}"
        );
    }
}

#[test]
fn khan_k4_default_recipe_meets_sklearn_baseline() {
    let m = khan();
    assert_eq!((m.n_samples(), m.n_genes()), (83, 2308));
    let (ari, _) = default_ari(&m, 4);
    let want = baseline("khan_83_samples_k4", "raw matrix, KMeans(4, n_init=10)");
    assert!(ari >= want, "Khan ARI {ari:.4} < scikit-learn {want}");
}

#[test]
fn geo_series_matrix_labels_from_characteristics() {
    let path = repo_root().join("tests/fixtures/genes/GSE900000_series_matrix.txt.gz");
    match read_geo_series_matrix(&path, &TableOptions::default(), None) {
        Err(GenesError::Missing {
            cells: 1,
            first_gene,
            first_sample,
            ..
        }) => {
            assert_eq!(
                (first_gene.as_str(), first_sample.as_str()),
                ("1020_at", "GSM900006")
            );
        }
        other => panic!("expected the missing-value error, got {other:?}"),
    }
    let opts = TableOptions {
        missing: MissingPolicy::DropGene,
        ..TableOptions::default()
    };
    let g = read_geo_series_matrix(&path, &opts, None).unwrap();
    assert_eq!(
        (
            g.matrix.n_samples(),
            g.matrix.n_genes(),
            g.missing.genes_dropped
        ),
        (12, 39, 1)
    );
    assert_eq!(g.titles[0], "patient 1 tumor");
    assert_eq!(
        g.characteristics
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>(),
        vec!["tissue", "disease state", "age"]
    );
    let labels = g.matrix.labels.clone().unwrap();
    assert_eq!(&labels[..2], &["tumor", "normal"]);
    let (pipeline, x) = default_recipe(&g.matrix, Mode::Samples)
        .fit_transform(&g.matrix)
        .unwrap();
    let f = to_features(
        &x,
        &g.matrix.sample_ids,
        &pipeline.output_names,
        Mode::Samples,
    )
    .unwrap();
    let model = KMeans::params(2).seed(1).n_init(4).fit(&f).unwrap();
    let (truth, _) = g.matrix.label_codes().unwrap();
    assert_eq!(adjusted_rand_index(&truth, model.labels()).unwrap(), 1.0);
}

/// Gene mode: rows are genes, each z-scored over the samples, so k-means
/// groups genes by correlation; the tumour-shifted probes form one module.
#[test]
fn gene_mode_groups_correlated_probes() {
    let path = repo_root().join("tests/fixtures/genes/GSE900000_series_matrix.txt.gz");
    let opts = TableOptions {
        missing: MissingPolicy::ImputeRowMean,
        ..TableOptions::default()
    };
    let g = read_geo_series_matrix(&path, &opts, Some("disease state"))
        .unwrap()
        .matrix;
    let (pipeline, x) = default_recipe(&g, Mode::Genes).fit_transform(&g).unwrap();
    let f = to_features(&x, &g.sample_ids, &pipeline.output_names, Mode::Genes).unwrap();
    assert_eq!((f.n_rows(), f.n_cols()), (40, 12));
    let Matrix::Dense(z) = &f.data else {
        panic!("dense")
    };
    for row in z.rows() {
        let mean = row.iter().map(|&v| v as f64).sum::<f64>() / 12.0;
        let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / 12.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    }
    let model = KMeans::params(2).seed(0).n_init(4).fit(&f).unwrap();
    let l = model.labels();
    assert!(
        l[..10].iter().all(|&c| c == l[0]),
        "shifted probes share a module"
    );
    assert!(l[10..].iter().filter(|&&c| c == l[0]).count() < 10);
}

/// Consensus on Golub's default features: well-formed matrices and curves.
#[test]
fn consensus_on_golub() {
    let m = golub();
    let (pipeline, x) = default_recipe(&m, Mode::Samples).fit_transform(&m).unwrap();
    let f = to_features(&x, &m.sample_ids, &pipeline.output_names, Mode::Samples).unwrap();
    let cfg = ConsensusConfig {
        k_values: vec![2, 3, 4, 5],
        resamples: 40,
        ..ConsensusConfig::default()
    };
    let c = consensus(&f, &KMeans::params(2).n_init(2), &cfg).unwrap();
    assert_eq!(c.per_k.len(), 4);
    for p in &c.per_k {
        assert_eq!(p.matrix.dim(), (72, 72));
        assert!((0..72).all(|i| p.matrix[[i, i]] == 1.0));
        assert!(p.matrix.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert_eq!(p.matrix, p.matrix.t());
        assert!(p.cdf.windows(2).all(|w| w[0] <= w[1]) && p.cdf[100] == 1.0);
        assert!(p.area > 0.0 && p.area <= 1.0 && (0.0..=1.0).contains(&p.pac));
    }
    assert!(cfg.k_values.contains(&c.suggested_k) && cfg.k_values.contains(&c.lowest_pac_k));
    // ALL and AML samples are rarely together at k = 2.
    let (truth, _) = m.label_codes().unwrap();
    let k2 = &c.per_k[0].matrix;
    let (mut within, mut across, mut nw, mut na) = (0.0, 0.0, 0, 0);
    for i in 0..72 {
        for j in i + 1..72 {
            if truth[i] == truth[j] {
                within += k2[[i, j]] as f64;
                nw += 1;
            } else {
                across += k2[[i, j]] as f64;
                na += 1;
            }
        }
    }
    assert!(
        within / nw as f64 > across / na as f64 + 0.3,
        "within {} across {}",
        within / nw as f64,
        across / na as f64
    );
}

fn table(text: &str) -> Result<ExpressionMatrix, GenesError> {
    parse_table(text, "t.csv", &TableOptions::default()).map(|(m, _)| m)
}

#[test]
fn non_numeric_cells_and_duplicate_ids_are_clear_errors() {
    let err = table("gene,s1,s2\ng1,1,2\ng2,3,abc\n").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("line 3") && msg.contains("\"s2\"") && msg.contains("abc"),
        "{msg}"
    );
    let err = table("gene,s1,s2\ng1,1,2\ng1,3,4\n").unwrap_err();
    assert!(err.to_string().contains("\"g1\" appears 2 times"), "{err}");
    let o = TableOptions {
        duplicates: DuplicateIds::MakeUnique,
        ..TableOptions::default()
    };
    let (m, report) = parse_table("gene,s1,s2\ng1,1,2\ng1,3,4\n", "t", &o).unwrap();
    assert_eq!((m.gene_ids[1].as_str(), report.genes_renamed), ("g1-1", 1));
}

#[test]
fn all_constant_genes_give_zeros_or_a_clear_empty_error() {
    let m = table("gene,s1,s2,s3,s4\ng1,5,5,5,5\ng2,7,7,7,7\n").unwrap();
    let (p, x) = Recipe::new(vec![Step::ZScore {
        axis: ZAxis::Genes,
        ddof: 1,
    }])
    .fit_transform(&m)
    .unwrap();
    assert!(x.iter().all(|&v| v == 0.0));
    let f = to_features(&x, &m.sample_ids, &p.output_names, Mode::Samples).unwrap();
    let model = KMeans::params(2).fit(&f).unwrap();
    assert!(
        !model.warnings.is_empty(),
        "the core says there are fewer distinct rows than clusters"
    );
    // Intensities that never vary: the Dudoit filter keeps nothing, and says so.
    let flat = table("gene,s1,s2,s3\ng1,500.5,500.5,500.5\ng2,900.5,900.5,900.5\n").unwrap();
    let err = default_recipe(&flat, Mode::Samples)
        .fit_transform(&flat)
        .unwrap_err();
    assert!(err.to_string().contains("loosen the filter"), "{err}");
}

#[test]
fn more_samples_than_genes_and_the_reverse() {
    // 60 samples × 3 genes (samples in rows), two groups.
    let mut text = String::from("sample,g1,g2,g3\n");
    for i in 0..60 {
        let shift = if i < 30 { 0.0 } else { 3.0 };
        text.push_str(&format!(
            "s{i},{},{},{}\n",
            shift + (i % 7) as f64 * 0.1,
            -shift + (i % 5) as f64 * 0.1,
            (i % 3) as f64 * 0.1
        ));
    }
    let (wide, _) = parse_table(
        &text,
        "t",
        &TableOptions {
            samples_in: SamplesIn::Rows,
            ..TableOptions::default()
        },
    )
    .unwrap();
    assert_eq!((wide.n_samples(), wide.n_genes()), (60, 3));
    let recipe = Recipe::new(vec![
        Step::ZScore {
            axis: ZAxis::Genes,
            ddof: 0,
        },
        Step::Pca { n_components: 2 },
    ]);
    let (p, x) = recipe.fit_transform(&wide).unwrap();
    let f = to_features(&x, &wide.sample_ids, &p.output_names, Mode::Samples).unwrap();
    let l = KMeans::params(2)
        .seed(0)
        .n_init(3)
        .fit(&f)
        .unwrap()
        .labels()
        .to_vec();
    assert!(l[..30].iter().all(|&c| c == l[0]) && l[30..].iter().all(|&c| c != l[0]));
    let err = Recipe::new(vec![Step::Pca { n_components: 4 }])
        .fit_transform(&wide)
        .unwrap_err();
    assert!(err.to_string().contains("min(samples, features)"), "{err}");
    // 3 samples × 500 genes: PCA to at most 3 axes, k-means on 3 rows.
    let values = Array2::from_shape_fn((3, 500), |(i, j)| {
        ((i * 31 + j * 17) % 23) as f64 + i as f64
    });
    let tall = ExpressionMatrix::new(
        values,
        vec!["a".into(), "b".into(), "c".into()],
        (0..500).map(|j| format!("g{j}")).collect(),
    )
    .unwrap();
    let (p, x) = Recipe::new(vec![
        Step::TopVariance { n: 100 },
        Step::Pca { n_components: 3 },
    ])
    .fit_transform(&tall)
    .unwrap();
    assert_eq!(x.dim(), (3, 3));
    let f = to_features(&x, &tall.sample_ids, &p.output_names, Mode::Samples).unwrap();
    assert_eq!(KMeans::params(3).seed(0).fit(&f).unwrap().labels().len(), 3);
    let err = KMeans::params(4).fit(&f).unwrap_err();
    assert!(err.to_string().contains("lower k"), "{err}");
}
