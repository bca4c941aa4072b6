//! kmkit-text's TF-IDF against scikit-learn's `TfidfVectorizer` on the
//! StackOverflow titles: vocabulary, idf and row weights (1e-6), the English
//! stop list, empty rows, determinism, and the fitted state's JSON round trip.

use kmkit_core::{Csr, Matrix};
use kmkit_tests::data::reference;
use kmkit_tests::text::stackoverflow;
use kmkit_text::{empty_rows, FittedTfIdf, StopWords, TfIdf};
use serde_json::Value;

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|s| s.as_str().expect("string").to_string()).collect()
}
fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}
fn ints(v: &Value) -> Vec<usize> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("integer") as usize).collect()
}

fn sparse(features: &kmkit_core::Features) -> &Csr {
    match &features.data {
        Matrix::Sparse(x) => x,
        Matrix::Dense(_) => panic!("TF-IDF features are sparse"),
    }
}

/// Fits `params` on the first `fixture["n_docs"]` titles and checks the
/// vocabulary, idf (1e-6) and number of terms against the fixture.
fn check_vocabulary(params: &TfIdf, fixture: &Value) -> (FittedTfIdf, Csr) {
    let (titles, _) = stackoverflow();
    let n_docs = fixture["n_docs"].as_u64().unwrap() as usize;
    let (fitted, features) = params.fit_transform(&titles[..n_docs]).unwrap();
    let terms = strings(&fixture["terms"]);
    assert_eq!(fitted.vocabulary().len(), terms.len(), "number of terms");
    if let Some(i) = (0..terms.len()).find(|&i| fitted.vocabulary()[i] != terms[i]) {
        panic!("term {i}: kmkit {:?}, scikit-learn {:?}", fitted.vocabulary()[i], terms[i]);
    }
    assert_eq!(features.feature_names, terms);
    let idf = floats(&fixture["idf"]);
    for (j, (a, b)) in fitted.idf().iter().zip(&idf).enumerate() {
        assert!((a - b).abs() <= 1e-6, "idf of {:?}: kmkit {a}, scikit-learn {b}", terms[j]);
    }
    (fitted, sparse(&features).clone())
}

#[test]
fn first_300_titles_with_defaults_match_sklearn_rows() {
    let fixture = reference("tfidf_stackoverflow_first300_defaults.json");
    let (_, x) = check_vocabulary(&TfIdf::new(), &fixture);
    let (indptr, indices, data) = (ints(&fixture["indptr"]), ints(&fixture["indices"]), floats(&fixture["data"]));
    assert_eq!(x.n_rows(), 300);
    assert_eq!(x.nnz(), data.len(), "nnz");
    for i in 0..300 {
        // scikit-learn's rows are not sorted by column; ours are.
        let mut want: Vec<(u32, f64)> =
            (indptr[i]..indptr[i + 1]).map(|p| (indices[p] as u32, data[p])).collect();
        want.sort_by_key(|&(j, _)| j);
        let (cols, vals) = x.row(i);
        assert_eq!(cols, want.iter().map(|&(j, _)| j).collect::<Vec<_>>(), "columns of row {i}");
        for ((&j, &v), &(_, w)) in cols.iter().zip(vals).zip(&want) {
            assert!((v as f64 - w).abs() <= 1e-6, "row {i}, column {j}: kmkit {v}, scikit-learn {w}");
        }
    }
}

#[test]
fn all_titles_with_stop_words_and_sublinear_tf_match_sklearn() {
    let fixture = reference("tfidf_stackoverflow_all_stop_sublinear.json");
    assert_eq!(StopWords::english().words(), strings(&fixture["stop_words"]), "English stop list");
    let (fitted, x) = check_vocabulary(&TfIdf::for_topics(), &fixture);
    assert_eq!(fitted.n_terms(), fixture["n_terms"].as_u64().unwrap() as usize);
    assert_eq!(x.n_rows(), 20_000);
    let nnz: Vec<usize> = (0..50).map(|i| x.row(i).0.len()).collect();
    assert_eq!(nnz, ints(&fixture["nnz_first50"]), "nnz of the first 50 rows");
    // Every row has unit length except the documents left with no term.
    let empty = empty_rows(&x);
    for i in 0..x.n_rows() {
        let norm2: f64 = x.row(i).1.iter().map(|&v| (v as f64).powi(2)).sum();
        let want = if empty.binary_search(&i).is_ok() { 0.0 } else { 1.0 };
        assert!((norm2 - want).abs() < 1e-5, "row {i}: squared norm {norm2}");
    }
    eprintln!("{} of 20000 titles have no term left (stop words, min_df = 2)", empty.len());
    assert!(empty.len() < 200, "{} empty rows", empty.len());
}

#[test]
fn transform_and_json_round_trip_repeat_the_fit() {
    let (titles, _) = stackoverflow();
    let (fitted, features) = TfIdf::for_topics().fit_transform(&titles).unwrap();
    let x = sparse(&features);
    let json = serde_json::to_string(&fitted).unwrap();
    let back: FittedTfIdf = serde_json::from_str(&json).unwrap();
    assert_eq!(back, fitted);
    let again = back.transform(&titles[..2000]).unwrap();
    let rows: Vec<usize> = (0..2000).collect();
    assert_eq!(again, x.select_rows(&rows), "transform after reload differs from fit_transform");
}

#[test]
fn same_result_on_one_and_two_threads() {
    let (titles, _) = stackoverflow();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| TfIdf::for_topics().fit_transform(&titles).unwrap())
    };
    let (f1, x1) = run(1);
    let (f2, x2) = run(2);
    assert_eq!(f1, f2);
    assert_eq!(x1, x2);
}
