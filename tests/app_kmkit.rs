//! End-to-end runs of the `kmkit` binary on the bundled datasets: outputs
//! exist and parse, metrics match scikit-learn's on iris, predict repeats
//! fit, the report is well-formed, errors are one clear line with the right
//! exit code.

use kmkit_io::{ModelFile, Preprocess};
use kmkit_tests::apps::{kmkit_ok, run_app, TempDir};
use kmkit_tests::data::reference;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `cluster` column of a labels CSV.
fn clusters(path: &str) -> Vec<u32> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let j = rdr.headers().unwrap().iter().position(|h| h == "cluster").expect("cluster column");
    rdr.records().map(|r| r.unwrap()[j].parse().unwrap()).collect()
}

/// Parses the report strictly as XML and returns the number of inline SVGs.
fn check_report(path: &str) -> usize {
    let html = read(path);
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(&html, opts).unwrap_or_else(|e| panic!("{path} is not well-formed: {e}"));
    assert!(!html.contains("<script"), "{path} has a script");
    assert!(!html.replace("http://www.w3.org/", "").contains("http"), "{path} links outside");
    doc.descendants().filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "svg"))).count()
}

#[test]
fn fit_iris_matches_sklearn_metrics_and_writes_every_output() {
    // scikit-learn: KMeans(3, n_init=10, random_state=0) on raw iris (metrics_iris.json).
    let r = reference("metrics_iris.json");
    let dir = TempDir::new("fit-iris");
    let out = dir.join("run");
    let run = kmkit_ok(&["fit", "iris", "-k", "3", "--scaling", "none", "--n-init", "10", "--out", &out, "--format", "json", "-q"]);
    let s = json(&run.stdout);
    assert_eq!(s["k"], 3);
    assert_eq!(s["n_rows"], 150);
    let sizes: Vec<u64> = s["cluster_sizes"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(sizes.iter().sum::<u64>(), 150);
    for m in ["adjusted_rand", "silhouette", "calinski_harabasz", "davies_bouldin", "normalized_mutual_info", "v_measure"] {
        let (ours, theirs) = (s["quality"][m].as_f64().unwrap(), r[m].as_f64().unwrap());
        assert!((ours - theirs).abs() < 1e-6 * theirs.abs().max(1.0), "{m}: kmkit {ours}, scikit-learn {theirs}");
    }
    // The files.
    for f in ["labels.csv", "centroids.csv", "model.json", "summary.json", "report.html"] {
        assert!(dir.path().join("run").join(f).is_file(), "{f} missing");
    }
    assert_eq!(json(&read(&format!("{out}/summary.json")))["quality"], s["quality"]);
    let labels = clusters(&format!("{out}/labels.csv"));
    assert_eq!(labels.len(), 150);
    let centroids = read(&format!("{out}/centroids.csv"));
    assert_eq!(centroids.lines().count(), 4);
    assert!(centroids.starts_with("cluster,f0,f1,f2,f3"));
    let model: ModelFile<Preprocess> = ModelFile::load(&dir.path().join("run/model.json"), "table").unwrap();
    assert_eq!(model.model.centroids.dim(), (3, 4));
    assert_eq!(model.preprocess.label_column.as_ref().unwrap().name, "target");
    // Report: sizes, silhouette, scatter.
    assert!(check_report(&format!("{out}/report.html")) >= 3);
}

#[test]
fn predict_round_trips_fit_labels() {
    for (data, extra) in [("iris", vec![]), ("wine", vec!["--scaling", "robust"]), ("occupancy", vec!["--scaling", "min-max"])] {
        let dir = TempDir::new("predict");
        let (fit_out, pred_out) = (dir.join("fit"), dir.join("pred"));
        let mut args = vec!["fit", data, "--out", &fit_out, "-q"];
        args.extend(extra.iter().copied());
        kmkit_ok(&args);
        let model = format!("{fit_out}/model.json");
        kmkit_ok(&["predict", "--model", &model, data, "--out", &pred_out, "-q"]);
        let (a, b) = (read(&format!("{fit_out}/labels.csv")), read(&format!("{pred_out}/labels.csv")));
        assert_eq!(clusters(&format!("{fit_out}/labels.csv")), clusters(&format!("{pred_out}/labels.csv")), "{data}");
        assert_eq!(a, b, "{data}: ids and distances differ too");
    }
}

#[test]
fn k_auto_picks_the_best_silhouette_of_the_sweep() {
    let s = json(&kmkit_ok(&["fit", "seeds", "--k", "2..6", "--format", "json"]).stdout);
    let sel = &s["k_selection"];
    assert_eq!(sel["scores"].as_array().unwrap().len(), 5);
    assert_eq!(s["k"], sel["best_silhouette"]);
    let elbow = json(&kmkit_ok(&["fit", "seeds", "--k", "2..6", "--rule", "elbow", "--format", "json"]).stdout);
    assert_eq!(elbow["k"], elbow["k_selection"]["elbow"]);
}

#[test]
fn elbow_prints_a_table_and_writes_a_plot() {
    let dir = TempDir::new("elbow");
    let out = dir.join("e");
    let run = kmkit_ok(&["elbow", "seeds", "--k", "2..8", "--format", "csv", "--out", &out]);
    let rows: Vec<Vec<f64>> = run.stdout.lines().skip(1).map(|l| l.split(',').map(|c| c.parse().unwrap()).collect()).collect();
    assert_eq!(rows.iter().map(|r| r[0] as usize).collect::<Vec<_>>(), (2..=8).collect::<Vec<_>>());
    // Inertia falls with k; silhouette is in [-1, 1].
    assert!(rows.windows(2).all(|w| w[1][1] <= w[0][1] * (1.0 + 1e-9)), "{rows:?}");
    assert!(rows.iter().all(|r| (-1.0..=1.0).contains(&r[2])));
    assert!(check_report(&format!("{out}/report.html")) >= 2);
    let svg = read(&format!("{out}/elbow.svg"));
    roxmltree::Document::parse(&svg).expect("elbow.svg is well-formed");
    assert_eq!(json(&read(&format!("{out}/summary.json")))["scores"].as_array().unwrap().len(), 7);
    // A fixed k is a usage error.
    assert_eq!(run_app("kmkit", &["elbow", "iris", "-k", "3"]).code, 2);
}

#[test]
fn evaluate_scores_saved_labels_like_sklearn() {
    let r = reference("metrics_iris.json");
    let dir = TempDir::new("evaluate");
    let path = dir.join("labels.csv");
    let mut text = String::from("id,cluster\n");
    for (i, l) in r["labels_pred"].as_array().unwrap().iter().enumerate() {
        text.push_str(&format!("{i},{l}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let s = json(&kmkit_ok(&["evaluate", "iris", "--labels", &path, "--scaling", "none", "--format", "json"]).stdout);
    // Label-based metrics are exact; data-based ones see the table as f32 (scikit-learn: f64).
    for (m, tol) in [("adjusted_rand", 1e-12), ("homogeneity", 1e-12), ("completeness", 1e-12), ("silhouette", 1e-7), ("calinski_harabasz", 1e-7), ("davies_bouldin", 1e-7)] {
        let (ours, theirs) = (s["quality"][m].as_f64().unwrap(), r[m].as_f64().unwrap());
        assert!((ours - theirs).abs() < tol * theirs.abs().max(1.0), "{m}: kmkit {ours}, scikit-learn {theirs}");
    }
    // Labels from another table are refused.
    let short = dir.join("short.csv");
    std::fs::write(&short, "id,cluster\n0,1\n").unwrap();
    let bad = run_app("kmkit", &["evaluate", "iris", "--labels", &short]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("1 labels but the table gives 150 rows"), "{}", bad.stderr);
}

#[test]
fn anomalies_on_occupancy_rank_occupied_minutes_first() {
    let dir = TempDir::new("anomalies");
    let out = dir.join("a");
    let s = json(&kmkit_ok(&["anomalies", "occupancy", "--contamination", "0.01", "--out", &out, "--format", "json", "-q"]).stdout);
    assert_eq!(s["n_rows"], 8143);
    // 1% of rows flagged (ties aside).
    let flagged = s["n_flagged"].as_u64().unwrap();
    assert!((80..=83).contains(&flagged), "{flagged}");
    // Distance to the nearest of 2 centroids separates occupied (label 1) minutes: measured 0.956.
    let auc = s["roc_auc"].as_f64().unwrap();
    assert!(auc > 0.93, "ROC AUC {auc}");
    let ranked = read(&format!("{out}/anomalies.csv"));
    assert_eq!(ranked.lines().count(), 8144);
    let scores: Vec<f64> = ranked.lines().skip(1).map(|l| l.split(',').nth(3).unwrap().parse().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by decreasing score");
    assert!(check_report(&format!("{out}/report.html")) >= 3);
    // Per-cluster thresholds flag about 1% of each cluster.
    let pc = json(&kmkit_ok(&["anomalies", "occupancy", "--percentile", "99", "--per-cluster", "--format", "json"]).stdout);
    assert_eq!(pc["thresholds"].as_array().unwrap().len(), 2);
    assert!((78..=84).contains(&pc["n_flagged"].as_u64().unwrap()));
}

#[test]
fn help_completions_and_datasets() {
    let help = kmkit_ok(&["--help"]).stdout;
    assert!(help.contains("Examples:") && help.contains("kmkit fit iris"));
    let fit_help = kmkit_ok(&["fit", "--help"]).stdout;
    for flag in ["--k <N|auto|A..B>", "--seed", "--n-init", "--max-iter", "--tol", "--algorithm", "--init", "--threads", "--format", "--out", "--quiet", "--verbose", "--scaling", "--missing", "--categorical"] {
        assert!(fit_help.contains(flag), "fit --help lacks {flag}");
    }
    let bash = kmkit_ok(&["completions", "bash"]).stdout;
    assert!(bash.contains("kmkit") && bash.contains("--contamination"));
    let list = kmkit_ok(&["datasets"]).stdout;
    for name in ["iris", "seeds", "occupancy", "kddcup99"] {
        assert!(list.contains(name));
    }
    assert!(!list.contains("(missing)"), "{list}");
}

/// One bad input: the exit code and what stderr must say.
fn check_error(args: &[&str], code: i32, needles: &[&str]) {
    let r = run_app("kmkit", args);
    assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "{args:?}: {:?} lacks {n:?}", r.stderr);
    }
    assert!(r.stdout.is_empty(), "{args:?} printed results: {}", r.stdout);
}

#[test]
fn csv_oddities_are_one_clear_line() {
    let dir = TempDir::new("oddities");
    let file = |name: &str, text: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let ragged = file("ragged.csv", b"a,b\n1,2\n3,4,5\n");
    check_error(&["fit", &ragged, "-k", "2"], 1, &["ragged.csv, line 3", "3 fields", "line 2 has 2"]);
    let text = file("text.csv", b"a,b\n1,2\n3,x\n5,6\n");
    check_error(&["fit", &text, "-k", "2"], 1, &["line 3", "column \"b\"", "\"x\" is not a number", "--categorical b"]);
    let empty = file("empty.csv", b"");
    check_error(&["fit", &empty, "-k", "2"], 1, &["empty.csv: the file is empty"]);
    let header = file("header.csv", b"a,b,c\r\n");
    check_error(&["fit", &header, "-k", "2"], 1, &["header line but no data rows"]);
    let missing = file("missing.csv", b"a,b\n1,2\n,4\n5,6\n");
    check_error(&["fit", &missing, "-k", "2"], 1, &["line 3", "column \"a\"", "missing value", "--missing drop"]);
    let utf = file("latin1.csv", b"a,b\n1,2\n\xe9,3\n");
    check_error(&["fit", &utf, "-k", "2"], 1, &["line 3", "UTF-8"]);
    // BOM, CRLF and a quoted delimiter read fine; the id column keeps its comma.
    let odd = file("odd.csv", b"\xef\xbb\xbfname,x,y\r\n\"a, b\",1,2\r\nc,1.1,2.1\r\nd,9,9\r\ne,9.2,9.1\r\n");
    let out = dir.join("odd-out");
    kmkit_ok(&["fit", &odd, "-k", "2", "--id", "name", "--out", &out, "-q"]);
    let labels = read(&format!("{out}/labels.csv"));
    assert!(labels.contains("\"a, b\","), "{labels}");
    // Missing-value policies report what they did.
    let drop = json(&kmkit_ok(&["fit", &missing, "-k", "2", "--missing", "drop", "--format", "json", "-q"]).stdout);
    assert_eq!(drop["preprocessing"]["rows_dropped"], 1);
    let imp = json(&kmkit_ok(&["fit", &missing, "-k", "2", "--missing", "impute-mean", "--format", "json", "-q"]).stdout);
    assert_eq!(imp["preprocessing"]["cells_imputed"], 1);
    assert_eq!(imp["n_rows"], 3);
}

#[test]
fn usage_and_runtime_errors_have_their_exit_codes() {
    check_error(&["fit", "no-such-table"], 2, &["not a bundled dataset"]);
    check_error(&["fit", "iris", "--k", "0"], 2, &["not a number of clusters"]);
    check_error(&["fit", "iris", "--k", "2..500"], 2, &["more clusters than the 150 rows"]);
    check_error(&["fit", "iris", "--scaling", "loud"], 2, &["min-max"]);
    check_error(&["anomalies", "iris", "--contamination", "2"], 2, &["between 0 and 1"]);
    let dir = TempDir::new("errors");
    let not_model = dir.join("model.json");
    std::fs::write(&not_model, "{\"format_version\": 1, \"kind\": \"text\"}").unwrap();
    let out = dir.join("out");
    check_error(&["predict", "--model", &not_model, "iris", "--out", &out], 1, &["\"text\" app"]);
    // The failed run wrote nothing.
    assert!(!dir.path().join("out").exists());
}

#[test]
fn anomalies_on_kddcup99_sa_subset_find_attacks() {
    // scikit-learn's "SA" protocol: every normal connection plus 3,377 others.
    // Distance to the nearest of 8 centroids (robust scaling, the bundled
    // preset) ranks attacks above normal traffic: measured 0.924, and 0.924
    // for scikit-learn's KMeans(8) with RobustScaler on the same subset.
    let s = json(&kmkit_ok(&["anomalies", "kddcup99", "--max-anomalies", "3377", "--format", "json", "-q"]).stdout);
    assert_eq!(s["n_rows"], 97_278 + 3_377);
    assert_eq!(s["n_true_anomalies"], 3_377);
    let auc = s["roc_auc"].as_f64().unwrap();
    assert!(auc > 0.9, "ROC AUC {auc}");
}

#[test]
fn recommend_beats_the_most_popular_baseline() {
    // Online Retail, December 2010: 885 customers × 2,411 products. Measured
    // hit rate@10 with k = 8 over seeds 0–3: 0.079–0.092, most popular 0.059–0.067.
    let dir = TempDir::new("recommend");
    let out = dir.join("r");
    let s = json(&kmkit_ok(&["recommend", "-k", "8", "--top", "10", "--out", &out, "--format", "json", "-q"]).stdout);
    assert_eq!((s["n_users"].as_u64(), s["n_items"].as_u64()), (Some(885), Some(2411)));
    let (ours, baseline) = (s["hit_rate"].as_f64().unwrap(), s["hit_rate_most_popular"].as_f64().unwrap());
    assert!(ours > 1.2 * baseline, "clusters {ours} vs most popular {baseline}");
    let recs = read(&format!("{out}/recommendations.csv"));
    assert_eq!(recs.lines().count(), 1 + 885 * 10);
    assert!(check_report(&format!("{out}/report.html")) >= 2);
    // Recommendations never repeat what the user bought.
    let path = kmkit_tests::data::repo_root().join("datasets/tabular/online_retail/interactions_2010-12.csv.gz");
    let t = kmkit_io::read_table(&path, &Default::default()).unwrap();
    let bought: Vec<String> = (0..t.n_rows()).filter(|&i| t.columns[0].text(i) == "12347").map(|i| t.columns[1].text(i)).collect();
    assert!(!bought.is_empty());
    let one = kmkit_ok(&["recommend", "--for", "12347", "--top", "5", "--format", "csv", "-q"]).stdout;
    for line in one.lines().skip(1) {
        let item = line.split(',').nth(1).unwrap();
        assert!(!bought.iter().any(|b| b == item), "{item} was already bought");
    }
    assert_eq!(one.lines().count(), 6, "{one}");
}
