//! kmkit-rfm against the pandas RFM recipe (rfm_reference.json, and scores /
//! segments / ledger from tests/fixtures/rfm/make_rfm_scores.py), and bad input.

use kmkit_core::{KMeans, Matrix, Metric};
use kmkit_rfm::{
    parse_transactions, read_transactions, rfm_table, score, segments, AmountSpec, BasketConfig, BasketVocabulary,
    DateFormat, DropReason, RfmError, RfmModel, RfmTable, Segment, TransactionFormat,
};
use kmkit_tests::data::{reference, repo_root};
use serde_json::Value;

fn customers(file: &str) -> std::path::PathBuf {
    repo_root().join("datasets/customers").join(file)
}

fn fixture() -> Value {
    let path = repo_root().join("tests/fixtures/rfm/rfm_scores_pandas.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn table(file: &str, format: &TransactionFormat) -> RfmTable {
    let tx = read_transactions(&customers(file), format).unwrap();
    assert!(tx.ledger.balances(), "{}", tx.ledger);
    rfm_table(&tx, None).unwrap()
}

/// R and F exactly, M to summation rounding, for every customer listed and the means.
fn check_rfm(t: &RfmTable, expected: &Value, snapshot: &str) {
    assert_eq!(t.snapshot.to_string(), snapshot);
    assert_eq!(t.len() as u64, expected["n_customers"].as_u64().unwrap());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    for (id, want) in expected["first20"].as_object().unwrap() {
        let got = t.get(id).unwrap_or_else(|| panic!("customer {id} missing"));
        assert_eq!(got.recency_days, want["recency_days"].as_f64().unwrap(), "{id} recency");
        assert_eq!(got.frequency, want["frequency"].as_f64().unwrap(), "{id} frequency");
        assert!(close(got.monetary, want["monetary"].as_f64().unwrap()), "{id} monetary {}", got.monetary);
    }
    let n = t.len() as f64;
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / n;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let m = v.len() / 2;
        if v.len().is_multiple_of(2) {
            (v[m - 1] + v[m]) / 2.0
        } else {
            v[m]
        }
    };
    for (col, values) in [("recency_days", t.recency()), ("frequency", t.frequency()), ("monetary", t.monetary())] {
        assert!(close(mean(values.clone()), expected["mean"][col].as_f64().unwrap()), "mean {col}");
        assert!(close(median(values), expected["median"][col].as_f64().unwrap()), "median {col}");
    }
}

#[test]
fn cdnow_rfm_equals_pandas() {
    let t = table("CDNOW_master.txt.gz", &TransactionFormat::cdnow_master());
    check_rfm(&t, &reference("rfm_reference.json")["cdnow"], "1998-07-01");
}

#[test]
fn online_retail_rfm_equals_pandas() {
    let t = table("online_retail_invoices.csv.gz", &TransactionFormat::online_retail_invoices());
    check_rfm(&t, &reference("rfm_reference.json")["online_retail"], "2011-12-10");
}

/// Score and segment counts, and the first 50 customers' scores, as pandas.
#[test]
fn scores_and_segments_equal_pandas() {
    let fx = fixture();
    for (key, file, format) in [
        ("cdnow", "CDNOW_master.txt.gz", TransactionFormat::cdnow_master()),
        ("online_retail", "online_retail_invoices.csv.gz", TransactionFormat::online_retail_invoices()),
    ] {
        let t = table(file, &format);
        let s = score(&t).unwrap();
        assert!(s.ranked_first.is_empty(), "{key}: pandas needs no fallback here");
        let segs = segments(&s);
        let want = &fx[key];
        for (col, got) in [("R", &s.r), ("F", &s.f), ("M", &s.m)] {
            for (score, count) in want["score_counts"][col].as_object().unwrap() {
                let n = got.iter().filter(|&&v| v.to_string() == *score).count();
                assert_eq!(n as u64, count.as_u64().unwrap(), "{key} {col}={score}");
            }
        }
        let counts = want["segment_counts"].as_object().unwrap();
        for seg in Segment::ALL {
            let n = segs.iter().filter(|&&g| g == seg).count() as u64;
            assert_eq!(n, counts.get(seg.name()).map_or(0, |v| v.as_u64().unwrap()), "{key} {}", seg.name());
        }
        for (id, v) in want["first50"].as_object().unwrap() {
            let i = t.customers.iter().position(|c| &c.customer == id).unwrap();
            let got = (s.r[i] as u64, s.f[i] as u64, s.m[i] as u64, segs[i].name());
            let exp = (v[0].as_u64().unwrap(), v[1].as_u64().unwrap(), v[2].as_u64().unwrap(), v[3].as_str().unwrap());
            assert_eq!(got, exp, "{key} customer {id}");
        }
    }
}

#[test]
fn ledger_adds_up_on_online_retail_line_items() {
    let want = &fixture()["online_retail_lines_ledger"];
    let tx = read_transactions(&customers("online_retail_2010-12_lines.csv.gz"), &TransactionFormat::online_retail_lines())
        .unwrap();
    let l = &tx.ledger;
    assert_eq!(l.rows_read as u64, want["rows_read"].as_u64().unwrap());
    assert_eq!(l.kept as u64, want["kept"].as_u64().unwrap());
    assert_eq!(l.kept + l.dropped_total(), l.rows_read);
    for (reason, key) in [
        (DropReason::MissingCustomer, "missing-customer"),
        (DropReason::CancelledInvoice, "cancelled-invoice"),
        (DropReason::NegativeQuantity, "negative-quantity"),
        (DropReason::NonPositivePrice, "non-positive-price"),
        (DropReason::NonPositiveAmount, "non-positive-amount"),
    ] {
        assert_eq!(l.dropped_for(reason) as u64, want["dropped"][key].as_u64().unwrap_or(0), "{key}");
    }
    assert_eq!(tx.customer_ids.len() as u64, want["customers"].as_u64().unwrap());
    assert_eq!(tx.invoice_ids.len() as u64, want["invoices"].as_u64().unwrap());
    assert_eq!(tx.products.len() as u64, want["products"].as_u64().unwrap());
    // The printed ledger names every reason with its count.
    let text = l.to_string();
    assert!(text.contains("missing customer id") && text.contains(&l.rows_read.to_string()), "{text}");
}

/// A model saved to JSON predicts the CDNOW 1/10 sample's customers into the
/// clusters they got when fitted on the master file (same R, F, M).
#[test]
fn cdnow_model_predicts_sample_like_fit() {
    let master = table("CDNOW_master.txt.gz", &TransactionFormat::cdnow_master());
    let s = score(&master).unwrap();
    let (model, labels) = RfmModel::fit(&master, &s, &KMeans::params(4).seed(7).n_init(4)).unwrap();
    let names: Vec<&str> = model.clusters.iter().map(|c| c.name.as_str()).collect();
    let unique: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 4, "cluster names are unique: {names:?}");
    let total: usize = model.clusters.iter().map(|c| c.summary.customers).sum();
    assert_eq!(total, master.len());
    let reloaded = RfmModel::from_json(&model.to_json()).unwrap();
    let tx = read_transactions(&customers("CDNOW_sample.txt"), &TransactionFormat::cdnow_sample()).unwrap();
    let sample = rfm_table(&tx, Some(master.snapshot)).unwrap();
    assert_eq!(sample.len(), 2357);
    let pred = reloaded.predict(&sample).unwrap();
    for (i, c) in sample.customers.iter().enumerate() {
        let j = master.customers.binary_search_by(|m| m.customer.cmp(&c.customer)).unwrap();
        assert_eq!((c.recency_days, c.frequency), (master.customers[j].recency_days, master.customers[j].frequency));
        assert_eq!(pred.clusters[i], labels[j], "customer {}", c.customer);
        // Recency and monetary scores are value bins, so thresholds repeat them.
        assert_eq!((pred.scores[i].0, pred.scores[i].2), (s.r[j], s.m[j]), "customer {}", c.customer);
    }
}

#[test]
fn basket_clusters_name_top_products() {
    let tx = read_transactions(&customers("online_retail_2010-12_lines.csv.gz"), &TransactionFormat::online_retail_lines())
        .unwrap();
    let (vocab, b) = BasketVocabulary::fit(&tx, &BasketConfig::default()).unwrap();
    assert!(b.empty_rows.len() < tx.customer_ids.len());
    assert_eq!(b.features.n_rows() + b.empty_rows.len(), tx.customer_ids.len());
    let Matrix::Sparse(m) = &b.features.data else { panic!("basket features are sparse") };
    assert!(m.values().iter().all(|&v| v == 1.0));
    let model = KMeans::params(6).metric(Metric::Cosine).seed(3).fit(&b.features).unwrap();
    let top = vocab.top_products(model.centroids.view(), 5).unwrap();
    assert_eq!(top.len(), 6);
    for products in &top {
        assert_eq!(products.len(), 5);
        assert!(products.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(products.iter().all(|(p, _)| !p.description.is_empty()));
    }
}

fn lines(body: &str) -> Result<kmkit_rfm::Transactions, RfmError> {
    let header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    parse_transactions(format!("{header}{body}").as_bytes(), &TransactionFormat::online_retail_lines())
}

#[test]
fn malformed_rows_are_counted_not_fatal() {
    let tx = lines(
        "1,A,a,2,2011-01-01 10:00,1.0,10,UK\n\
         garbage\n\
         2,A,a,x,2011-01-01 10:00,1.0,10,UK\n\
         3,A,\"unterminated,2,2011-01-01 10:00,1.0,10,UK\n",
    )
    .unwrap();
    assert!(tx.ledger.balances());
    assert_eq!(tx.ledger.kept, 1);
    assert_eq!(tx.ledger.dropped_for(DropReason::Malformed), 2, "{}", tx.ledger);
    assert_eq!(tx.ledger.dropped_for(DropReason::BadAmount), 1);
    assert!(tx.ledger.examples.iter().any(|e| e.line == 3 && e.value == "garbage"));
}

#[test]
fn mixed_date_formats_in_one_file() {
    let f = TransactionFormat::new("c", "d", AmountSpec::Amount("a".into()));
    let tx = parse_transactions(b"c,d,a\nx,2011-01-02 10:00,1\nx,20110103,1\nx,1/4/2011 9:30,1\nx,04.01.2011,1\n", &f).unwrap();
    assert_eq!(tx.ledger.kept, 3);
    assert_eq!(tx.ledger.dropped_for(DropReason::BadDate), 1);
    let t = rfm_table(&tx, None).unwrap();
    assert_eq!((t.customers[0].recency_days, t.customers[0].tenure_days), (0.0, 2.0));
    // The same rows under an explicit day-first format keep only that shape.
    let explicit = TransactionFormat { date_format: DateFormat::Explicit("%d.%m.%Y".into()), ..f };
    let tx = parse_transactions(b"c,d,a\nx,2011-01-02 10:00,1\nx,04.01.2011,1\n", &explicit).unwrap();
    assert_eq!((tx.ledger.kept, tx.ledger.dropped_for(DropReason::BadDate)), (1, 1));
}

#[test]
fn only_cancellations_is_a_clear_error() {
    let tx = lines("C1,A,a,-2,2011-01-01 10:00,1.0,10,UK\nC2,B,b,-1,2011-01-02 10:00,2.0,11,UK\n").unwrap();
    assert_eq!((tx.ledger.rows_read, tx.ledger.kept), (2, 0));
    assert_eq!(tx.ledger.dropped_for(DropReason::CancelledInvoice), 2);
    let err = rfm_table(&tx, None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RfmError::NoTransactions(_)));
    assert!(msg.contains("2 rows read") && msg.contains("cancelled invoice"), "{msg}");
}

#[test]
fn single_customer_runs_through_and_k_too_large_is_an_error() {
    let tx = lines("1,A,a,2,2011-01-01 10:00,1.0,10,UK\n2,B,b,1,2011-01-05 10:00,2.0,10,UK\n").unwrap();
    let t = rfm_table(&tx, None).unwrap();
    assert_eq!(t.len(), 1);
    let s = score(&t).unwrap();
    assert_eq!((s.r[0], s.f[0], s.m[0]), (3, 3, 3));
    let (model, labels) = RfmModel::fit(&t, &s, &KMeans::params(1)).unwrap();
    assert_eq!(labels, vec![0]);
    assert_eq!(model.clusters[0].summary.customers, 1);
    let err = RfmModel::fit(&t, &s, &KMeans::params(3)).unwrap_err();
    assert!(err.to_string().contains("lower k"), "{err}");
}
