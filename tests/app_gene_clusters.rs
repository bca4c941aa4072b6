//! The `gene-clusters` binary end to end: Golub and Khan ARI against the
//! scikit-learn baselines with the documented default recipe, every output
//! of `--out`, predict round trips, gene modules, k chosen by consensus,
//! and bad input (one error line, the right exit code, never a panic).

use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::data::reference;
use serde_json::Value;

fn ok(args: &[&str]) -> Run {
    let r = run_app("gene-clusters", args);
    assert_eq!(
        r.code, 0,
        "gene-clusters {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    r
}

fn fails(args: &[&str], code: i32, needle: &str) {
    let r = run_app("gene-clusters", args);
    assert_eq!(
        r.code, code,
        "gene-clusters {args:?}: {}{}",
        r.stderr, r.stdout
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one error line, got {:?}", r.stderr);
    assert!(
        lines[0].starts_with("error:") && lines[0].contains(needle),
        "{:?} lacks {needle:?}",
        lines[0]
    );
    assert!(!r.stderr.contains("panicked"));
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn csv_rows(path: &str) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn baseline(dataset: &str, recipe: &str) -> f64 {
    reference("quality_baselines_sklearn.json")[dataset][recipe]["ari"]
        .as_f64()
        .unwrap()
}

/// The tour contract on the default input (Golub, k = 2, default recipe):
/// ARI ≥ scikit-learn's 0.9118, every output written, report well-formed
/// with the heatmap and consensus pictures, predict repeats the fit labels.
#[test]
fn golub_default_recipe_beats_sklearn_and_predict_round_trips() {
    let dir = TempDir::new("genes-golub");
    let out = dir.join("run");
    let r = ok(&["--out", &out, "-q", "--format", "json"]);
    let s = json(&r.stdout);
    assert_eq!(s, json(&read(&format!("{out}/summary.json"))));
    assert_eq!(
        (s["input"].as_str(), s["k"].as_u64(), s["recipe"].as_str()),
        (Some("golub"), Some(2), Some("standard"))
    );
    assert_eq!(s["n_samples"], 72);
    let want = baseline(
        "golub_72_samples_k2",
        "same filter and log10, z-score each sample row, KMeans(2)",
    );
    let ari = s["quality"]["adjusted_rand"].as_f64().unwrap();
    assert!(ari >= want, "Golub ARI {ari:.4} < scikit-learn {want}");
    assert!(s["quality"]["normalized_mutual_info"].as_f64().unwrap() > 0.8);
    for f in [
        "assignments.csv",
        "centroids.csv",
        "model.json",
        "contingency.csv",
        "report.html",
    ] {
        assert!(dir.path().join("run").join(f).is_file(), "{f} missing");
    }
    let assigned = csv_rows(&format!("{out}/assignments.csv"));
    assert_eq!(assigned.len(), 72);
    let cont = csv_rows(&format!("{out}/contingency.csv"));
    let total: usize = cont
        .iter()
        .map(|r| r.last().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!((cont.len(), total), (2, 72));
    let html = read(&format!("{out}/report.html"));
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, opts).expect("report.html is well-formed");
    assert!(html.contains("Expression heatmap") && html.contains("Consensus matrix, k = 2"));
    assert!(html.matches("data:image/png;base64,").count() >= 2);
    let p = ok(&[
        "predict",
        "--model",
        &format!("{out}/model.json"),
        "--format",
        "csv",
    ]);
    let mut rdr = csv::Reader::from_reader(p.stdout.as_bytes());
    let predicted: Vec<String> = rdr.records().map(|r| r.unwrap()[1].to_string()).collect();
    let fitted: Vec<String> = assigned.iter().map(|r| r[1].clone()).collect();
    assert_eq!(predicted, fitted, "predict repeats the fit labels");
}

/// Khan SRBCT with the default recipe beats scikit-learn's raw-matrix baseline.
#[test]
fn khan_default_recipe_beats_sklearn() {
    let s = json(
        &ok(&[
            "khan",
            "-q",
            "--format",
            "json",
            "--consensus-resamples",
            "0",
        ])
        .stdout,
    );
    let want = baseline("khan_83_samples_k4", "raw matrix, KMeans(4, n_init=10)");
    let ari = s["quality"]["adjusted_rand"].as_f64().unwrap();
    assert_eq!(s["k"], 4);
    assert!(ari >= want, "Khan ARI {ari:.4} < scikit-learn {want}");
}

/// Two groups of samples over 30 genes, samples in rows, with a labels file.
fn two_group_table(dir: &TempDir) -> (String, String) {
    let mut t = String::from("sample");
    for g in 0..30 {
        t.push_str(&format!(",g{g}"));
    }
    t.push('\n');
    let mut l = String::from("id,group\n");
    for i in 0..24 {
        let grp = i % 3;
        t.push_str(&format!("s{i}"));
        for g in 0..30 {
            let base = if g % 3 == grp { 8.0 } else { 2.0 };
            t.push_str(&format!(
                ",{}",
                base + ((i * 7 + g * 13) % 11) as f64 * 0.05
            ));
        }
        t.push('\n');
        l.push_str(&format!("s{i},type{grp}\n"));
    }
    let (tp, lp) = (dir.join("expr.csv"), dir.join("labels.csv"));
    std::fs::write(&tp, t).unwrap();
    std::fs::write(&lp, l).unwrap();
    (tp, lp)
}

/// `--k auto` on three clear groups: consensus (Δ-area) picks 3; every
/// rule's suggestion is reported; labels joined from a file give ARI 1.
#[test]
fn k_auto_by_consensus_and_labels_file() {
    let dir = TempDir::new("genes-auto");
    let (t, l) = two_group_table(&dir);
    let s = json(
        &ok(&[
            &t,
            "--samples-in",
            "rows",
            "--labels",
            &l,
            "--recipe",
            "raw",
            "--k",
            "2..5",
            "-q",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(s["k_selection"]["rule"], "consensus");
    assert_eq!(s["k"], 3, "{}", s["k_selection"]);
    for rule in [
        "consensus",
        "silhouette",
        "elbow",
        "gap",
        "calinski-harabasz",
        "davies-bouldin",
    ] {
        assert!(s["k_selection"]["suggested"].get(rule).is_some(), "{rule}");
    }
    assert_eq!(s["quality"]["adjusted_rand"], 1.0);
    assert_eq!(s["k_selection"]["consensus"].as_array().unwrap().len(), 4);
}

/// Gene mode: the ten genes high in each group form one module each;
/// modules.csv lists every gene once; predict repeats the fit.
#[test]
fn gene_mode_modules_and_predict() {
    let dir = TempDir::new("genes-modules");
    let (t, _) = two_group_table(&dir);
    let out = dir.join("run");
    let s = json(
        &ok(&[
            &t,
            "--samples-in",
            "rows",
            "--mode",
            "genes",
            "--recipe",
            "raw",
            "-k",
            "3",
            "--out",
            &out,
            "-q",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(
        (s["mode"].as_str(), s["n_items"].as_u64()),
        (Some("genes"), Some(30))
    );
    let rows = csv_rows(&format!("{out}/modules.csv"));
    assert_eq!(rows.len(), 30);
    let module_of = |g: usize| rows.iter().find(|r| r[1] == format!("g{g}")).unwrap()[0].clone();
    for g in 0..30 {
        assert_eq!(module_of(g), module_of(g % 3), "g{g}");
    }
    assert_ne!(module_of(0), module_of(1));
    let p = ok(&[
        "predict",
        "--model",
        &format!("{out}/model.json"),
        &t,
        "--format",
        "csv",
    ]);
    let fitted: Vec<String> = csv_rows(&format!("{out}/assignments.csv"))
        .iter()
        .map(|r| r[1].clone())
        .collect();
    let mut rdr = csv::Reader::from_reader(p.stdout.as_bytes());
    let predicted: Vec<String> = rdr.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert_eq!(predicted, fitted);
}

#[test]
fn bad_input_gives_one_clear_line() {
    let dir = TempDir::new("genes-bad");
    let w = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let text = w("text.csv", "gene,s1,s2,s3\ng1,1,2,3\ng2,4,high,6\n");
    fails(&[&text, "-k", "2"], 1, "\"high\" is not a number");
    let dup = w("dup.csv", "gene,s1,s2,s3\ng1,1,2,3\ng1,4,5,6\ng2,7,8,1\n");
    fails(&[&dup, "-k", "2"], 1, "\"g1\" appears 2 times");
    let s = json(
        &ok(&[
            &dup,
            "-k",
            "2",
            "--duplicates",
            "make-unique",
            "--recipe",
            "raw",
            "-q",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(s["missing"]["genes_renamed"], 1);
    // Missing cells: refused with counts, or dropped / imputed and counted.
    let na = w(
        "na.csv",
        "gene,s1,s2,s3,s4\ng1,1,NA,3,4\ng2,4,5,6,7\ng3,,,,\ng4,1,1,2,2\n",
    );
    fails(&[&na, "-k", "2"], 1, "5 missing values in 2 genes");
    let s = json(
        &ok(&[
            &na,
            "-k",
            "2",
            "--missing",
            "impute-row-mean",
            "--recipe",
            "raw",
            "-q",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert_eq!(
        (
            s["missing"]["cells_imputed"].as_u64(),
            s["missing"]["genes_dropped"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // All-constant intensities: the Dudoit filter keeps nothing and says so;
    // the raw recipe clusters and warns.
    let flat = w(
        "flat.csv",
        "gene,s1,s2,s3,s4\ng1,500.5,500.5,500.5,500.5\ng2,900.5,900.5,900.5,900.5\n",
    );
    fails(&[&flat, "-k", "2"], 1, "loosen the filter");
    let r = ok(&[&flat, "-k", "2", "--recipe", "raw", "--format", "json"]);
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    // More genes than samples: 3 samples cannot make 4 clusters (usage, 2).
    let mut tall = String::from("gene,a,b,c\n");
    for g in 0..300 {
        tall.push_str(&format!("g{g},{},{},{}\n", g % 7, (g * 3) % 5, g % 4));
    }
    let tall = w("tall.csv", &tall);
    ok(&[&tall, "-k", "3", "--recipe", "raw", "-q"]);
    fails(
        &[&tall, "-k", "4", "--recipe", "raw"],
        2,
        "more clusters than the 3 rows",
    );
    // More samples than genes: 40 samples × 2 genes, with PCA beyond the genes refused.
    let mut wide = String::from("sample,g1,g2\n");
    for i in 0..40 {
        wide.push_str(&format!("s{i},{},{}\n", (i / 20) * 5 + i % 3, i % 4));
    }
    let wide = w("wide.csv", &wide);
    ok(&[
        &wide,
        "--samples-in",
        "rows",
        "-k",
        "2",
        "--transform",
        "zscore-gene:1",
        "-q",
    ]);
    fails(
        &[
            &wide,
            "--samples-in",
            "rows",
            "-k",
            "2",
            "--pca",
            "3",
            "--recipe",
            "raw",
        ],
        1,
        "min(samples, features)",
    );
    fails(&[&wide, "--recipe", "magic"], 2, "unknown recipe");
    let r = run_app("gene-clusters", &[&wide, "--transform", "zscore-gene:2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    fails(&["no/such/file.csv"], 1, "no such file");
}
