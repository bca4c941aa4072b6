//! Metrics parity with `sklearn.metrics` on iris, and the k-selection rules.

use kmkit_core::metrics;
use kmkit_tests::{dataset_path, load_reference_json, load_sklearn_csv_f32, load_sklearn_csv_f64};

fn labels(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().expect("a label array").iter().map(|l| l.as_u64().expect("an integer label") as u32).collect()
}

/// Asserts `got` equals the reference number `key` to 1e-9.
fn check(reference: &serde_json::Value, key: &str, got: f64) {
    let want = reference[key].as_f64().unwrap_or_else(|| panic!("reference has no number {key}"));
    assert!((got - want).abs() <= 1e-9, "{key}: kmkit {got} vs scikit-learn {want} (diff {:e})", got - want);
}

#[test]
fn metrics_equal_sklearn_on_iris() {
    let reference = load_reference_json("metrics_iris.json");
    let truth = labels(&reference["labels_true"]);
    let pred = labels(&reference["labels_pred"]);
    let iris = load_sklearn_csv_f64(&dataset_path("tabular/sklearn_bundled/iris.csv"));
    assert_eq!(iris.target, truth, "the reference's true labels are iris's classes");
    let x = iris.x.view();

    check(&reference, "adjusted_rand", metrics::adjusted_rand_index(&truth, &pred).unwrap());
    check(&reference, "normalized_mutual_info", metrics::normalized_mutual_info(&truth, &pred).unwrap());
    let v = metrics::homogeneity_completeness_v_measure(&truth, &pred).unwrap();
    check(&reference, "homogeneity", v.homogeneity);
    check(&reference, "completeness", v.completeness);
    check(&reference, "v_measure", v.v_measure);
    check(&reference, "homogeneity", metrics::homogeneity(&truth, &pred).unwrap());
    check(&reference, "completeness", metrics::completeness(&truth, &pred).unwrap());
    check(&reference, "v_measure", metrics::v_measure(&truth, &pred).unwrap());
    check(&reference, "silhouette", metrics::silhouette_score(x, &pred).unwrap());
    check(&reference, "calinski_harabasz", metrics::calinski_harabasz(x, &pred).unwrap());
    check(&reference, "davies_bouldin", metrics::davies_bouldin(x, &pred).unwrap());

    // Sampling every row is the exact silhouette.
    check(&reference, "silhouette", metrics::silhouette_score_sampled(x, &pred, 150, 7).unwrap());
    let samples = metrics::silhouette_samples(x, &pred).unwrap();
    check(&reference, "silhouette", samples.iter().sum::<f64>() / samples.len() as f64);
}

#[test]
fn f32_iris_gives_the_f64_metrics_to_single_precision() {
    // f32 values of decimals like 5.1 are not the f64 ones, so only ~1e-6 agreement.
    let reference = load_reference_json("metrics_iris.json");
    let pred = labels(&reference["labels_pred"]);
    let iris = load_sklearn_csv_f32(&dataset_path("tabular/sklearn_bundled/iris.csv"));
    let x = iris.x.view();
    for (key, got) in [
        ("silhouette", metrics::silhouette_score(x, &pred).unwrap()),
        ("calinski_harabasz", metrics::calinski_harabasz(x, &pred).unwrap()),
        ("davies_bouldin", metrics::davies_bouldin(x, &pred).unwrap()),
    ] {
        let want = reference[key].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-5 * want.abs().max(1.0), "{key}: {got} vs {want}");
    }
}
