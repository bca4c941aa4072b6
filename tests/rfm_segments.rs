//! The `rfm-segments` binary end to end: outputs on the bundled Online
//! Retail sample (ledger against the pandas fixture, customers.csv,
//! report, predict round trip), basket clusters, column mapping on CDNOW,
//! and bad input (malformed rows, mixed dates, only cancellations, a single
//! customer, usage mistakes) as counted rows or one clear error line.

use std::collections::HashMap;

use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::data::repo_root;
use serde_json::Value;

const APP: &str = "rfm-segments";

fn ok(args: &[&str]) -> Run {
    let r = run_app(APP, args);
    assert_eq!(
        r.code, 0,
        "{APP} {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r
}

/// Exit code `code` and exactly one line, starting `error:`, on stderr.
fn fails(args: &[&str], code: i32, needle: &str) -> String {
    let r = run_app(APP, args);
    assert_eq!(r.code, code, "{args:?}:\n{}\n{}", r.stderr, r.stdout);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("error:") && l.contains(needle)),
        "{args:?}: expected an error line with {needle:?}, got:\n{}",
        r.stderr
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("error:")).count(),
        1,
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Rows of a CSV with a header, as maps.
fn rows(path: &str) -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let h: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    rdr.records()
        .map(|r| {
            h.iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The ledger in a summary adds up: kept + Σ dropped = rows read.
fn ledger_adds_up(ledger: &Value) -> (u64, u64) {
    let read = ledger["rows_read"].as_u64().unwrap();
    let kept = ledger["kept"].as_u64().unwrap();
    let dropped: u64 = ledger["dropped"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(kept + dropped, read, "{ledger}");
    (read, kept)
}

fn svg_count(path: &str) -> usize {
    let html = read(path);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&html, opts)
        .unwrap_or_else(|e| panic!("{path} is not well-formed: {e}"));
    assert!(!html.contains("<script"));
    doc.descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "svg")))
        .count()
}

/// The tour contract on the bundled sample, every output, and predict
/// repeating the fit's clusters and R/M scores on the same file.
#[test]
fn bundled_sample_outputs_ledger_and_predict_round_trip() {
    let dir = TempDir::new("rfm-fit");
    let out = dir.join("fit");
    let run = ok(&["--out", &out, "-q", "--format", "json"]);
    assert!(
        run.stderr.trim().is_empty(),
        "-q prints nothing: {}",
        run.stderr
    );
    let summary = json(&run.stdout);
    assert_eq!(
        json(&read(&format!("{out}/summary.json")))["n_customers"],
        summary["n_customers"]
    );
    // The ledger equals the pandas fixture's count of the same cleaning.
    let fx: Value = json(&read(
        &repo_root()
            .join("tests/fixtures/rfm/rfm_scores_pandas.json")
            .to_string_lossy(),
    ));
    let want = &fx["online_retail_lines_ledger"];
    let (read_rows, kept) = ledger_adds_up(&summary["ledger"]);
    assert_eq!(
        (read_rows, kept),
        (
            want["rows_read"].as_u64().unwrap(),
            want["kept"].as_u64().unwrap()
        )
    );
    assert_eq!(
        summary["ledger"]["dropped"]["missing-customer"],
        want["dropped"]["missing-customer"]
    );
    assert_eq!(summary["n_customers"], want["customers"]);
    assert_eq!(summary["k"], 4);
    assert_eq!(summary["layout"], "recognised header (online-retail-lines)");
    // Segment table: shares and revenue shares sum to 1.
    let segs = summary["segments"].as_array().unwrap();
    let total = |key: &str| segs.iter().map(|s| s[key].as_f64().unwrap()).sum::<f64>();
    assert!((total("share") - 1.0).abs() < 1e-9 && (total("revenue_share") - 1.0).abs() < 1e-9);
    // customers.csv: one row per customer, scores 1–5, names consistent.
    let fit = rows(&format!("{out}/customers.csv"));
    assert_eq!(fit.len() as u64, want["customers"].as_u64().unwrap());
    for r in &fit {
        for s in ["r_score", "f_score", "m_score"] {
            assert!((1..=5).contains(&r[s].parse::<u8>().unwrap()), "{r:?}");
        }
        assert!(r["cluster"].parse::<u32>().unwrap() < 4);
        assert!(!r["segment"].is_empty() && !r["cluster_name"].is_empty());
    }
    assert_eq!(rows(&format!("{out}/segments.csv")).len(), segs.len());
    assert_eq!(rows(&format!("{out}/centroids.csv")).len(), 4);
    // Standard plots (sizes, silhouette, PCA) plus the domain pictures.
    assert!(svg_count(&format!("{out}/report.html")) >= 8);
    let html = read(&format!("{out}/report.html"));
    for title in [
        "Cleaning ledger",
        "Recency × frequency grid",
        "Monetary value",
        "Cluster profiles",
    ] {
        assert!(html.contains(title), "report lacks {title}");
    }
    let model = json(&read(&format!("{out}/model.json")));
    assert_eq!(model["kind"], "rfm-segments");
    // predict on the fit input: same clusters, same recency and monetary scores.
    let pout = dir.join("predict");
    ok(&[
        "predict",
        "--model",
        &format!("{out}/model.json"),
        "--out",
        &pout,
        "-q",
    ]);
    let pred = rows(&format!("{pout}/customers.csv"));
    assert_eq!(pred.len(), fit.len());
    for (a, b) in fit.iter().zip(&pred) {
        assert_eq!(a["customer"], b["customer"]);
        for col in [
            "recency_days",
            "frequency",
            "monetary",
            "cluster",
            "cluster_name",
            "r_score",
            "m_score",
        ] {
            assert_eq!(a[col], b[col], "customer {} {col}", a["customer"]);
        }
    }
}

const LINES_HEADER: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

/// Basket clusters with their top products, and predict on the basket model.
#[test]
fn basket_clusters_top_products_and_predict() {
    let dir = TempDir::new("rfm-basket");
    let file = dir.join("lines.csv");
    let mut body = String::from(LINES_HEADER);
    // Two kinds of shoppers: tea things (customers 1–3), garden things (4–6).
    for c in 1..=6 {
        let items: &[(&str, &str)] = if c <= 3 {
            &[("T1", "TEAPOT"), ("T2", "TEA CUP"), ("T3", "SAUCER")]
        } else {
            &[("G1", "TROWEL"), ("G2", "SEEDS"), ("G3", "GLOVES")]
        };
        for (i, (code, name)) in items.iter().enumerate() {
            if c % 3 == 0 && i == 2 {
                continue;
            }
            body.push_str(&format!(
                "{c}00,{code},{name},1,2011-01-0{c} 10:00,2.5,{c},UK\n"
            ));
        }
    }
    std::fs::write(&file, body).unwrap();
    let out = dir.join("b");
    let run = ok(&[
        "basket", &file, "-k", "2", "--top", "3", "--out", &out, "--format", "json", "-q",
    ]);
    let s = json(&run.stdout);
    assert_eq!(
        (s["n_baskets"].as_u64(), s["k"].as_u64()),
        (Some(6), Some(2))
    );
    ledger_adds_up(&s["ledger"]);
    let baskets = rows(&format!("{out}/baskets.csv"));
    let cluster_of = |id: &str| baskets.iter().find(|r| r["id"] == id).unwrap()["cluster"].clone();
    assert_eq!(cluster_of("1"), cluster_of("3"));
    assert_ne!(cluster_of("1"), cluster_of("4"));
    let top = rows(&format!("{out}/top_products.csv"));
    let tea_cluster = cluster_of("1");
    let tea: Vec<&str> = top
        .iter()
        .filter(|r| r["cluster"] == tea_cluster)
        .map(|r| r["description"].as_str())
        .collect();
    assert_eq!(tea.len(), 3);
    assert!(
        tea.iter()
            .all(|d| ["TEAPOT", "TEA CUP", "SAUCER"].contains(d)),
        "{tea:?}"
    );
    svg_count(&format!("{out}/report.html"));
    let pout = dir.join("p");
    ok(&[
        "predict",
        "-m",
        &format!("{out}/model.json"),
        &file,
        "--out",
        &pout,
        "-q",
    ]);
    let pred = rows(&format!("{pout}/baskets.csv"));
    assert_eq!(pred, baskets);
    // A file without a product column is a usage error.
    let no_products = dir.join("orders.csv");
    std::fs::write(&no_products, "customer,date,amount\na,2011-01-01,3\n").unwrap();
    fails(&["basket", &no_products, "-q"], 2, "product column");
}

/// Column options on the headerless CDNOW 1/10 sample (1-based numbers).
#[test]
fn column_mapping_on_cdnow_sample() {
    let file = repo_root().join("datasets/customers/CDNOW_sample.txt");
    let f = file.to_string_lossy();
    let run = ok(&[
        &f,
        "--customer",
        "1",
        "--date",
        "3",
        "--amount",
        "5",
        "--header",
        "no",
        "--date-format",
        "ymd",
        "--keep-zero-amounts",
        "--snapshot",
        "1998-07-01",
        "-k",
        "3",
        "--format",
        "json",
        "-q",
    ]);
    let s = json(&run.stdout);
    let (read_rows, kept) = ledger_adds_up(&s["ledger"]);
    assert_eq!((read_rows, kept), (6919, 6919));
    assert_eq!(s["n_customers"], 2357);
    assert_eq!(s["snapshot"], "1998-07-01");
    // The preset reads the same.
    let p = json(
        &ok(&[
            &f,
            "--preset",
            "cdnow-sample",
            "-k",
            "3",
            "--format",
            "json",
            "-q",
        ])
        .stdout,
    );
    assert_eq!(p["n_customers"], 2357);
}

/// Malformed rows, unparsable values and mixed date shapes over two files:
/// each row counted once, the run goes on.
#[test]
fn malformed_rows_and_mixed_dates_are_counted() {
    let dir = TempDir::new("rfm-bad");
    let a = dir.join("a.csv");
    let b = dir.join("b.csv");
    std::fs::write(
        &a,
        "customer,date,amount\n\
         x,2011-01-02 10:00,10\n\
         y,20110103,5\n\
         z,1/4/2011 9:30,7\n\
         w,yesterday,3\n\
         v\n\
         u,2011-01-05,lots\n\
         t,2011-01-05,-4\n\
         ,2011-01-05,4\n",
    )
    .unwrap();
    std::fs::write(&b, "customer,date,amount\nx,2011-02-01,1\nq,2011-02-02,9\n").unwrap();
    let run = ok(&[&a, &b, "-k", "2", "--format", "json"]);
    let s = json(&run.stdout);
    let l = &s["ledger"];
    assert_eq!(ledger_adds_up(l), (10, 5));
    for (reason, n) in [
        ("bad-date", 1),
        ("malformed", 1),
        ("bad-amount", 1),
        ("non-positive-amount", 1),
        ("missing-customer", 1),
    ] {
        assert_eq!(l["dropped"][reason], n, "{reason}: {l}");
    }
    assert_eq!(s["n_customers"], 4);
    assert!(run.stderr.contains("10 rows read"), "{}", run.stderr);
    // Examples in the ledger name their file when several were read.
    assert!(s["ledger"]["examples"][0]["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("a.csv")));
}

#[test]
fn only_cancellations_and_single_customer() {
    let dir = TempDir::new("rfm-edge");
    let cancels = dir.join("cancels.csv");
    std::fs::write(
        &cancels,
        format!("{LINES_HEADER}C1,A,a,-2,2011-01-01 10:00,1.0,10,UK\nC2,B,b,-1,2011-01-02 10:00,2.0,11,UK\n"),
    )
    .unwrap();
    let err = fails(&[&cancels], 1, "no transactions left after cleaning");
    assert!(
        err.contains("2 rows read") && err.contains("2 cancelled invoice"),
        "{err}"
    );
    let single = dir.join("single.csv");
    std::fs::write(
        &single,
        format!("{LINES_HEADER}1,A,a,2,2011-01-01 10:00,1.0,10,UK\n2,B,b,1,2011-01-05 10:00,2.0,10,UK\n"),
    )
    .unwrap();
    let out = dir.join("single-out");
    let run = ok(&[&single, "--format", "json", "--out", &out]);
    let s = json(&run.stdout);
    assert_eq!(
        (s["n_customers"].as_u64(), s["k"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(run.stderr.contains("using k = 1"), "{}", run.stderr);
    assert_eq!(rows(&format!("{out}/customers.csv")).len(), 1);
    svg_count(&format!("{out}/report.html"));
    fails(&[&single, "-k", "3", "-q"], 2, "lower -k");
}

#[test]
fn usage_mistakes_are_one_line_with_exit_2() {
    let dir = TempDir::new("rfm-usage");
    let odd = dir.join("odd.csv");
    std::fs::write(&odd, "a;b;c\n1;2;3\n").unwrap();
    fails(&[&odd], 2, "--customer");
    fails(
        &[&odd, "--customer", "a", "--date", "nope", "--amount", "c"],
        2,
        "not in the header",
    );
    fails(&[&dir.join("missing.csv")], 2, "no such file");
    fails(&["--snapshot", "10/12/2011"], 2, "YYYY-MM-DD");
    fails(&["--date-format", "%Q"], 2, "strftime");
    fails(
        &["predict", "--model", &dir.join("none.json")],
        2,
        "no such model file",
    );
    let r = run_app(APP, &["--quantity", "Quantity"]);
    assert_eq!(r.code, 2, "clap: --quantity requires --price");
}
