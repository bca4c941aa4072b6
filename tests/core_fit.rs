//! kmkit-core fits: inertia against scikit-learn, thread determinism,
//! dense = sparse, and typed errors for bad input.

use kmkit_core::{Csr, Init, KMeans, KMeansError, Metric};
use kmkit_tests::data::{reference, table};
use ndarray::{array, Array2};

const SETS: [&str; 5] = ["iris", "wine", "breast_cancer", "digits", "seeds"];

/// kmkit's inertia (f64, recomputed from its f32 centroids on f64 data).
fn inertia64(x: &Array2<f64>, centroids: &Array2<f32>, labels: &[u32]) -> f64 {
    x.rows()
        .into_iter()
        .zip(labels)
        .map(|(r, &l)| {
            r.iter()
                .zip(centroids.row(l as usize))
                .map(|(a, &b)| (a - b as f64).powi(2))
                .sum::<f64>()
        })
        .sum()
}

#[test]
fn inertia_matches_or_beats_sklearn_n_init_10() {
    let refs = reference("kmeans_inertia_sklearn.json");
    let mut within_1e6 = 0;
    let mut report = Vec::new();
    for name in SETS {
        let t = table(name);
        let k = refs["sets"][name]["k"].as_u64().unwrap() as usize;
        for (variant, x) in [("raw", t.x.clone()), ("standardized", t.standardized())] {
            let sk = refs["sets"][name][variant]["sklearn_n_init10_inertia"]
                .as_f64()
                .unwrap();
            let model = KMeans::params(k)
                .n_init(10)
                .fit(&x.mapv(|v| v as f32))
                .unwrap();
            let ours = inertia64(&x, &model.centroids, model.labels());
            let ratio = ours / sk;
            report.push(format!(
                "{name}/{variant}: kmkit {ours:.6} sklearn {sk:.6} ratio {ratio:.9}"
            ));
            eprintln!("{}", report.last().unwrap());
            assert!(ratio <= 1.001, "{}", report.last().unwrap());
            assert!(
                (model.inertia - ours).abs() <= 1e-5 * ours,
                "model.inertia {} vs recomputed {ours}",
                model.inertia
            );
            if ratio <= 1.0 + 1e-6 {
                within_1e6 += 1;
            }
        }
    }
    assert!(
        within_1e6 >= 8,
        "only {within_1e6}/10 within 1e-6:\n{}",
        report.join("\n")
    );
}

fn assert_bit_identical(a: &kmkit_core::Model, b: &kmkit_core::Model) {
    assert_eq!(a.labels(), b.labels());
    let (ca, cb): (Vec<u32>, Vec<u32>) = (
        a.centroids.iter().map(|v| v.to_bits()).collect(),
        b.centroids.iter().map(|v| v.to_bits()).collect(),
    );
    assert_eq!(ca, cb, "centroids differ in bits");
    assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
}

#[test]
fn same_seed_is_bit_identical_for_1_and_2_threads_dense_and_sparse() {
    let x = table("digits").x32();
    let sparse = Csr::from_dense(x.view()).unwrap();
    let algorithms = [
        kmkit_core::Algorithm::Lloyd,
        kmkit_core::Algorithm::Hamerly,
        kmkit_core::Algorithm::Elkan,
    ];
    for (init, algorithm) in [Init::KMeansPlusPlus, Init::kmeans_parallel(), Init::Random]
        .into_iter()
        .zip(algorithms)
    {
        let params = KMeans::params(10)
            .seed(7)
            .n_init(2)
            .init(init)
            .algorithm(algorithm);
        let one = params.clone().threads(1).fit(&x).unwrap();
        let two = params.clone().threads(2).fit(&x).unwrap();
        assert_bit_identical(&one, &two);
        let one = params.clone().threads(1).fit(&sparse).unwrap();
        let two = params.clone().threads(2).fit(&sparse).unwrap();
        assert_bit_identical(&one, &two);
        let cos1 = params
            .clone()
            .metric(Metric::Cosine)
            .threads(1)
            .fit(&sparse)
            .unwrap();
        let cos2 = params
            .metric(Metric::Cosine)
            .threads(2)
            .fit(&sparse)
            .unwrap();
        assert_bit_identical(&cos1, &cos2);
    }
}

#[test]
fn dense_and_csr_input_give_the_same_clustering() {
    let x = table("digits").x32();
    let sparse = Csr::from_dense(x.view()).unwrap();
    for metric in [Metric::Euclidean, Metric::Cosine] {
        let params = KMeans::params(10).seed(3).n_init(3).metric(metric);
        let d = params.fit(&x).unwrap();
        let s = params.fit(&sparse).unwrap();
        assert_eq!(d.labels(), s.labels(), "{metric:?}");
        let diff = d
            .centroids
            .iter()
            .zip(s.centroids.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "{metric:?}: centroid difference {diff}");
        assert!(
            (d.inertia - s.inertia).abs() <= 1e-5 * d.inertia,
            "{metric:?}: {} vs {}",
            d.inertia,
            s.inertia
        );
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let ok = array![[0.0f32, 1.0], [1.0, 0.0], [2.0, 2.0]];
    let fit = |x: &Array2<f32>, k| KMeans::params(k).fit(x);
    assert!(matches!(
        fit(&array![[f32::NAN, 1.0]], 1),
        Err(KMeansError::NonFinite { row: 0, col: 0, .. })
    ));
    assert!(matches!(
        fit(&array![[1.0, f32::INFINITY]], 1),
        Err(KMeansError::NonFinite { row: 0, col: 1, .. })
    ));
    assert!(matches!(
        fit(&array![[f32::NEG_INFINITY, 1.0]], 1),
        Err(KMeansError::NonFinite { .. })
    ));
    assert_eq!(
        fit(&Array2::zeros((0, 3)), 1).unwrap_err(),
        KMeansError::NoRows
    );
    assert_eq!(
        fit(&Array2::zeros((3, 0)), 1).unwrap_err(),
        KMeansError::NoColumns
    );
    assert!(matches!(
        fit(&ok, 0),
        Err(KMeansError::InvalidParam {
            name: "n_clusters",
            ..
        })
    ));
    assert_eq!(
        fit(&ok, 4).unwrap_err(),
        KMeansError::TooManyClusters { k: 4, n: 3 }
    );
    let short = [1.0f32, 1.0];
    assert!(matches!(
        KMeans::params(2).fit(kmkit_core::Input::from(&ok).weighted(&short)),
        Err(KMeansError::BadWeights(_))
    ));
    let negative = [1.0f32, -1.0, 1.0];
    assert!(matches!(
        KMeans::params(2).fit(kmkit_core::Input::from(&ok).weighted(&negative)),
        Err(KMeansError::BadWeights(_))
    ));
    // Ragged CSR: indptr that does not cover the values, decreasing indptr, column out of range.
    assert!(matches!(
        Csr::new(2, 3, vec![0, 1], vec![0], vec![1.0]),
        Err(KMeansError::BadSparse(_))
    ));
    assert!(matches!(
        Csr::new(2, 3, vec![0, 2, 1], vec![0, 1], vec![1.0, 2.0]),
        Err(KMeansError::BadSparse(_))
    ));
    assert!(matches!(
        Csr::new(1, 3, vec![0, 1], vec![5], vec![1.0]),
        Err(KMeansError::BadSparse(_))
    ));
    assert!(matches!(
        Csr::new(1, 3, vec![0, 2], vec![1, 1], vec![1.0, 1.0]),
        Err(KMeansError::BadSparse(_))
    ));
    assert!(matches!(
        Csr::new(1, 3, vec![0, 1], vec![0], vec![f32::NAN]),
        Err(KMeansError::NonFinite { .. })
    ));
    // Cosine on a zero row.
    let zero_row = array![[0.0f32, 0.0], [1.0, 0.0]];
    assert_eq!(
        KMeans::params(1)
            .metric(Metric::Cosine)
            .fit(&zero_row)
            .unwrap_err(),
        KMeansError::ZeroNormRow { row: 0 }
    );
    // Predict on the wrong width.
    let model = fit(&ok, 2).unwrap();
    assert!(matches!(
        model.predict(&array![[1.0f32, 2.0, 3.0]]),
        Err(KMeansError::ShapeMismatch(_))
    ));
}

#[test]
fn fewer_distinct_rows_than_k_gives_a_valid_model_with_a_warning() {
    let x = array![
        [1.0f32, 1.0],
        [1.0, 1.0],
        [5.0, 5.0],
        [5.0, 5.0],
        [1.0, 1.0]
    ];
    let model = KMeans::params(4).fit(&x).unwrap();
    assert_eq!(model.n_clusters(), 2);
    assert!(model.centroids.iter().all(|v| v.is_finite()));
    assert!(
        model.warnings.iter().any(|w| w.contains("distinct")),
        "{:?}",
        model.warnings
    );
    assert_eq!(model.inertia, 0.0);
}

#[test]
fn empty_clusters_are_relocated_never_zero() {
    // Given centroids far from the data leave clusters empty on the first step.
    let x = array![
        [0.0f32, 0.0],
        [0.1, 0.0],
        [10.0, 10.0],
        [10.1, 10.0],
        [20.0, 0.0]
    ];
    let init = array![[0.0f32, 0.0], [100.0, 100.0], [-100.0, -100.0]];
    let model = KMeans::params(3).init(Init::Given(init)).fit(&x).unwrap();
    let mut sizes = [0; 3];
    model.labels().iter().for_each(|&l| sizes[l as usize] += 1);
    assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");
    assert!(model.inertia < 1.0, "{}", model.inertia);
}

#[test]
fn model_round_trips_through_json_and_predicts_the_fit_labels() {
    let x = table("iris").x32();
    let model = KMeans::params(3).n_init(3).fit(&x).unwrap();
    let back = kmkit_core::Model::from_json(&model.to_json()).unwrap();
    assert_eq!(back.predict(&x).unwrap(), model.labels());
    assert!((back.score(&x).unwrap() + model.inertia).abs() < 1e-3);
    let wrong = model
        .to_json()
        .replace("\"format_version\": 1", "\"format_version\": 99");
    assert!(matches!(
        kmkit_core::Model::from_json(&wrong),
        Err(KMeansError::Model(_))
    ));
    assert!(matches!(
        kmkit_core::Model::from_json("{"),
        Err(KMeansError::Model(_))
    ));
}

#[test]
fn bounded_algorithms_reach_the_same_fixed_point_as_lloyd() {
    use kmkit_core::Algorithm;
    let cases = [
        ("seeds", 3),
        ("seeds", 12),
        ("iris", 8),
        ("digits", 10),
        ("digits", 40),
        ("wine", 5),
    ];
    for (name, k) in cases {
        let x = table(name).standardized().mapv(|v| v as f32);
        for refine in [false, true] {
            let params = KMeans::params(k).seed(11).n_init(2).tol(0.0).refine(refine);
            let lloyd = params.clone().algorithm(Algorithm::Lloyd).fit(&x).unwrap();
            let hamerly = params
                .clone()
                .algorithm(Algorithm::Hamerly)
                .fit(&x)
                .unwrap();
            let elkan = params.clone().algorithm(Algorithm::Elkan).fit(&x).unwrap();
            let yinyang = params.algorithm(Algorithm::Yinyang).fit(&x).unwrap();
            assert_eq!(
                lloyd.labels(),
                yinyang.labels(),
                "yinyang {name} k={k} refine={refine}"
            );
            assert!((lloyd.inertia - yinyang.inertia).abs() <= 1e-6 * lloyd.inertia);
            assert_eq!(
                lloyd.labels(),
                elkan.labels(),
                "elkan {name} k={k} refine={refine}"
            );
            assert!((lloyd.inertia - elkan.inertia).abs() <= 1e-6 * lloyd.inertia);
            assert_eq!(
                lloyd.labels(),
                hamerly.labels(),
                "{name} k={k} refine={refine}"
            );
            let diff = lloyd
                .centroids
                .iter()
                .zip(hamerly.centroids.iter())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(diff < 1e-5, "{name} k={k}: centroid difference {diff}");
            assert!((lloyd.inertia - hamerly.inertia).abs() <= 1e-6 * lloyd.inertia);
        }
    }
}
