//! Metrics parity with `sklearn.metrics` on iris, and the k-selection rules.

use kmkit_core::{metrics, select_k, Criteria, KMeans};
use kmkit_tests::blobs::gaussian_blobs;
use kmkit_tests::data::{reference as load_reference_json, table};

fn labels(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .expect("a label array")
        .iter()
        .map(|l| l.as_u64().expect("an integer label") as u32)
        .collect()
}

/// Asserts `got` equals the reference number `key` to 1e-9.
fn check(reference: &serde_json::Value, key: &str, got: f64) {
    let want = reference[key]
        .as_f64()
        .unwrap_or_else(|| panic!("reference has no number {key}"));
    assert!(
        (got - want).abs() <= 1e-9,
        "{key}: kmkit {got} vs scikit-learn {want} (diff {:e})",
        got - want
    );
}

#[test]
fn metrics_equal_sklearn_on_iris() {
    let reference = load_reference_json("metrics_iris.json");
    let truth = labels(&reference["labels_true"]);
    let pred = labels(&reference["labels_pred"]);
    let iris = table("iris");
    assert_eq!(
        iris.target, truth,
        "the reference's true labels are iris's classes"
    );
    let x = iris.x.view();

    check(
        &reference,
        "adjusted_rand",
        metrics::adjusted_rand_index(&truth, &pred).unwrap(),
    );
    check(
        &reference,
        "normalized_mutual_info",
        metrics::normalized_mutual_info(&truth, &pred).unwrap(),
    );
    let v = metrics::homogeneity_completeness_v_measure(&truth, &pred).unwrap();
    check(&reference, "homogeneity", v.homogeneity);
    check(&reference, "completeness", v.completeness);
    check(&reference, "v_measure", v.v_measure);
    check(
        &reference,
        "homogeneity",
        metrics::homogeneity(&truth, &pred).unwrap(),
    );
    check(
        &reference,
        "completeness",
        metrics::completeness(&truth, &pred).unwrap(),
    );
    check(
        &reference,
        "v_measure",
        metrics::v_measure(&truth, &pred).unwrap(),
    );
    check(
        &reference,
        "silhouette",
        metrics::silhouette_score(x, &pred).unwrap(),
    );
    check(
        &reference,
        "calinski_harabasz",
        metrics::calinski_harabasz(x, &pred).unwrap(),
    );
    check(
        &reference,
        "davies_bouldin",
        metrics::davies_bouldin(x, &pred).unwrap(),
    );

    // Sampling every row is the exact silhouette.
    check(
        &reference,
        "silhouette",
        metrics::silhouette_score_sampled(x, &pred, 150, 7).unwrap(),
    );
    let samples = metrics::silhouette_samples(x, &pred).unwrap();
    check(
        &reference,
        "silhouette",
        samples.iter().sum::<f64>() / samples.len() as f64,
    );
}

#[test]
fn f32_iris_gives_the_f64_metrics_to_single_precision() {
    // f32 values of decimals like 5.1 are not the f64 ones, so only ~1e-6 agreement.
    let reference = load_reference_json("metrics_iris.json");
    let pred = labels(&reference["labels_pred"]);
    let iris = table("iris").into_f32();
    let x = iris.x.view();
    for (key, got) in [
        ("silhouette", metrics::silhouette_score(x, &pred).unwrap()),
        (
            "calinski_harabasz",
            metrics::calinski_harabasz(x, &pred).unwrap(),
        ),
        ("davies_bouldin", metrics::davies_bouldin(x, &pred).unwrap()),
    ] {
        let want = reference[key].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{key}: {got} vs {want}"
        );
    }
}

#[test]
fn knee_finds_the_corner_of_a_synthetic_elbow() {
    // Steep fall to k = 4, then a slow linear tail: the knee is 4.
    let ks: Vec<usize> = (1..=10).collect();
    let curve: Vec<f64> = ks
        .iter()
        .map(|&k| {
            if k <= 4 {
                1000.0 - 300.0 * (k - 1) as f64
            } else {
                100.0 - 10.0 * (k - 4) as f64
            }
        })
        .collect();
    assert_eq!(kmkit_core::knee(&ks, &curve), Some(4));
    // Starting the sweep at k = 2 does not move it.
    assert_eq!(kmkit_core::knee(&ks[1..], &curve[1..]), Some(4));
    // A straight line has no knee.
    let line: Vec<f64> = ks.iter().map(|&k| 100.0 - k as f64).collect();
    assert_eq!(kmkit_core::knee(&ks, &line), None);
}

#[test]
fn gap_statistic_picks_three_on_three_well_separated_blobs() {
    let centres = vec![vec![0.0, 0.0], vec![8.0, 0.0], vec![4.0, 7.0]];
    let sds = vec![vec![0.6, 0.6]; 3];
    let (x, _) = gaussian_blobs(&centres, &sds, 80, 42);
    let x = x.mapv(|v| v as f32);
    let params = KMeans::params(1).seed(3).n_init(4);
    let sweep = select_k(&x, 1..=7, &params, &Criteria::inertia_only().gap(10)).unwrap();
    assert_eq!(sweep.gap_references, Some(10));
    assert_eq!(sweep.gap_k(), Some(3), "{:#?}", sweep.scores);
    // The gap jumps at the true k.
    let gap = |k: usize| sweep.scores[k - 1].gap.unwrap().gap;
    assert!(gap(3) > gap(2) + 0.5);
}

#[test]
fn silhouette_sweep_picks_three_on_iris_like_blobs() {
    // Blobs at iris's class means with 0.3 of its within-class spread (at full spread
    // silhouette prefers k = 2, as on iris itself: setosa is far from the rest).
    let iris = table("iris");
    let (mut centres, mut sds) = (Vec::new(), Vec::new());
    for class in 0..3u32 {
        let rows: Vec<usize> = (0..iris.target.len())
            .filter(|&i| iris.target[i] == class)
            .collect();
        let mean: Vec<f64> = (0..4)
            .map(|j| rows.iter().map(|&i| iris.x[[i, j]]).sum::<f64>() / rows.len() as f64)
            .collect();
        let sd: Vec<f64> = (0..4)
            .map(|j| {
                (rows
                    .iter()
                    .map(|&i| (iris.x[[i, j]] - mean[j]).powi(2))
                    .sum::<f64>()
                    / rows.len() as f64)
                    .sqrt()
                    * 0.3
            })
            .collect();
        centres.push(mean);
        sds.push(sd);
    }
    let (x, truth) = gaussian_blobs(&centres, &sds, 50, 7);
    let x = x.mapv(|v| v as f32);
    let sweep = select_k(
        &x,
        2..=8,
        &KMeans::params(1).seed(0).n_init(10),
        &Criteria::default(),
    )
    .unwrap();
    assert_eq!(sweep.best_silhouette(), Some(3), "{:#?}", sweep.scores);
    assert_eq!(sweep.silhouette_rows, Some(150));
    let model = sweep.model(3).unwrap();
    assert!(metrics::adjusted_rand_index(&truth, model.labels()).unwrap() > 0.9);
}

#[test]
fn silhouette_sweep_on_iris_prefers_two_and_scores_three_as_sklearn() {
    let reference = load_reference_json("metrics_iris.json");
    let iris = table("iris").into_f32();
    let sweep = select_k(
        &iris.x,
        2..=6,
        &KMeans::params(1).seed(0).n_init(10),
        &Criteria::default(),
    )
    .unwrap();
    // Well known: on raw iris the silhouette peaks at k = 2 (setosa vs the rest).
    assert_eq!(sweep.best_silhouette(), Some(2));
    // At k = 3 kmkit finds scikit-learn's partition, so its scores are the
    // reference's up to the f32 rounding of the data.
    let pred = labels(&reference["labels_pred"]);
    assert_eq!(
        metrics::adjusted_rand_index(&pred, sweep.model(3).unwrap().labels()).unwrap(),
        1.0
    );
    let three = &sweep.scores[1];
    for (key, got) in [
        ("silhouette", three.silhouette.unwrap()),
        ("calinski_harabasz", three.calinski_harabasz.unwrap()),
        ("davies_bouldin", three.davies_bouldin.unwrap()),
    ] {
        let want = reference[key].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{key}: {got} vs {want}"
        );
    }
}
