//! The `doc-topics` binary end to end. On all 20,000 StackOverflow titles
//! (k = 20, defaults) the mean NMI over 5 seeds reaches scikit-learn's
//! figures (quality_baselines_sklearn.json: 0.53 on TF-IDF, 0.68 with LSA
//! 100); every output file exists and parses; `predict` with the saved model
//! repeats the fit topics; the inputs it reads (folders with labels, lines
//! with a labels file, CSV, JSONL, bad UTF-8) and the documents it cannot use
//! are counted; bad input gives one clear line and the right exit code.

use std::collections::HashMap;

use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::data::reference;
use serde_json::Value;

fn ok(args: &[&str]) -> Run {
    let r = run_app("doc-topics", args);
    assert_eq!(
        r.code, 0,
        "doc-topics {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    r
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// scikit-learn's mean NMI over random_state 0–4 for the recipe whose
/// description starts with `key_start`.
fn sklearn_nmi(key_start: &str) -> f64 {
    let refs = reference("quality_baselines_sklearn.json");
    let (_, v) = refs["stackoverflow_titles_k20"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with(key_start))
        .unwrap_or_else(|| panic!("no baseline starting {key_start:?}"));
    v["nmi"].as_f64().unwrap()
}

/// `id → topic` ("" for none) from an assignments CSV.
fn assignments(text: &str) -> Vec<(String, String)> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers().unwrap().clone();
    assert_eq!(&h[0], "id");
    assert_eq!(&h[1], "topic");
    assert_eq!(&h[2], "distance");
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

/// The report parses strictly as XML, has no script and no outside link,
/// and holds the topic picture; returns its number of inline SVGs.
fn check_report(path: &str) -> usize {
    let html = read(path);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&html, opts)
        .unwrap_or_else(|e| panic!("{path} is not well-formed: {e}"));
    assert!(!html.contains("<script"), "{path} has a script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "{path} links outside"
    );
    assert!(html.contains("Topic terms"), "no topic picture in {path}");
    doc.descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "svg")))
        .count()
}

/// Runs the bundled titles with 5 seeds and `extra` options, writing `out`;
/// checks every output and that `predict` repeats the topics; returns the
/// mean NMI over the seeds.
fn five_seeds(extra: &[&str], out: &str) -> f64 {
    let mut args = vec!["--seeds", "5", "--out", out, "-q", "--format", "json"];
    args.extend_from_slice(extra);
    let s = json(&ok(&args).stdout);
    assert_eq!(s["n_documents"], 20_000);
    assert_eq!(s["k"], 20);
    assert_eq!(s["n_bad_encoding"], 0);
    let runs = s["seeds"]["runs"].as_array().unwrap();
    let seeds: Vec<u64> = runs.iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    assert_eq!(seeds, [0, 1, 2, 3, 4]);
    for r in runs {
        eprintln!(
            "seed {}: NMI {:.4} ARI {:.4}",
            r["seed"], r["scores"]["nmi"], r["scores"]["ari"]
        );
    }
    // The first seed's run is the one written out.
    assert_eq!(runs[0]["scores"], s["scores"]);
    let mean = s["seeds"]["mean_nmi"].as_f64().unwrap();
    let by_hand = runs
        .iter()
        .map(|r| r["scores"]["nmi"].as_f64().unwrap())
        .sum::<f64>()
        / 5.0;
    assert!((mean - by_hand).abs() < 1e-12);

    // Files: assignments, centroids, topics, picture, model, summary, report.
    let fit = assignments(&read(&format!("{out}/assignments.csv")));
    assert_eq!(fit.len(), 20_000);
    let unassigned = fit.iter().filter(|(_, t)| t.is_empty()).count();
    assert_eq!(unassigned as u64, s["n_without_topic"].as_u64().unwrap());
    let wt = &s["without_topic"];
    let reasons: u64 = ["empty", "no_words", "only_stop_words", "only_unknown_terms"]
        .iter()
        .map(|k| wt[k].as_u64().unwrap())
        .sum();
    assert_eq!(reasons, unassigned as u64);
    let topics = json(&read(&format!("{out}/topics.json")));
    let topics = topics.as_array().unwrap();
    assert_eq!(topics.len(), 20);
    let sizes: u64 = topics.iter().map(|t| t["size"].as_u64().unwrap()).sum();
    assert_eq!(sizes, 20_000 - unassigned as u64);
    // Most topics are named by their majority tag (or a word of it).
    let named = topics
        .iter()
        .filter(|t| {
            let terms: Vec<&str> = t["terms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["term"].as_str().unwrap())
                .collect();
            let tag = t["majority_label"]["label"].as_str().unwrap();
            tag.split('-').any(|w| terms.contains(&w))
        })
        .count();
    assert!(named >= 15, "only {named} of 20 topics name their tag");
    assert_eq!(topics[0]["examples"].as_array().unwrap().len(), 3);
    let centroids = read(&format!("{out}/centroids.csv"));
    assert_eq!(centroids.lines().count(), 21);
    roxmltree::Document::parse(&read(&format!("{out}/topic_terms.svg")))
        .expect("topic_terms.svg is well-formed");
    let summary = json(&read(&format!("{out}/summary.json")));
    assert_eq!(summary["scores"], s["scores"]);
    assert!(check_report(&format!("{out}/report.html")) >= 3);

    // predict with the saved model repeats the fit topics of every title.
    let model = format!("{out}/model.json");
    let p = ok(&["predict", "--model", &model, "-q", "--format", "csv"]);
    assert_eq!(assignments(&p.stdout), fit, "predict differs from fit");
    mean
}

#[test]
fn titles_reach_sklearn_nmi_and_predict_repeats_fit() {
    let dir = TempDir::new("doc-topics-so");
    let sklearn = sklearn_nmi("tfidf(");
    let nmi = five_seeds(&[], &dir.join("tfidf"));
    eprintln!("TF-IDF + spherical k-means: mean NMI {nmi:.4} (scikit-learn {sklearn})");
    assert!(
        nmi >= sklearn,
        "mean NMI {nmi:.4} < scikit-learn's {sklearn}"
    );

    let sklearn = sklearn_nmi("same tfidf + TruncatedSVD(100)");
    let nmi = five_seeds(&["--lsa", "100"], &dir.join("lsa"));
    eprintln!("TF-IDF + LSA 100 + spherical k-means: mean NMI {nmi:.4} (scikit-learn {sklearn})");
    assert!(
        nmi >= sklearn,
        "mean NMI {nmi:.4} < scikit-learn's {sklearn}"
    );
}

fn write(dir: &TempDir, rel: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

const RUST: [&str; 4] = [
    "rust borrow checker lifetimes",
    "rust cargo crates compile",
    "borrow checker and lifetimes in rust",
    "cargo build of rust crates",
];
const BREAD: [&str; 4] = [
    "bake bread with flour and yeast",
    "sourdough bread flour starter",
    "yeast dough bread in the oven",
    "bread oven flour yeast",
];

#[test]
fn every_input_kind_with_labels_and_dropped_documents() {
    let dir = TempDir::new("doc-topics-inputs");
    // A folder: sub-folder names are labels; bad UTF-8 is decoded and counted.
    for (i, t) in RUST.iter().enumerate() {
        write(&dir, &format!("docs/rust/{i}.txt"), t.as_bytes());
    }
    for (i, t) in BREAD.iter().enumerate() {
        write(&dir, &format!("docs/bread/sub/{i}.txt"), t.as_bytes());
    }
    write(&dir, "docs/bread/bad.txt", b"bread flour \xff\xfe yeast");
    write(&dir, "docs/rust/notes.md", b"not a document");
    let folder = dir.join("docs");
    let s = json(
        &ok(&[
            &folder, "-k", "2", "--min-df", "1", "-q", "--format", "json",
        ])
        .stdout,
    );
    assert_eq!(s["n_documents"], 9);
    assert_eq!(s["n_bad_encoding"], 1);
    assert_eq!(s["labels_from"], "sub-folder names");
    assert!(
        (s["scores"]["nmi"].as_f64().unwrap() - 1.0).abs() < 1e-9,
        "{s}"
    );

    // One document per line with a labels file; an empty line and a
    // stop-word line get no topic and are counted by reason.
    let mut lines: Vec<&str> = RUST.iter().chain(&BREAD).copied().collect();
    lines.extend(["", "the and of it", "!!"]);
    let text = write(&dir, "docs.txt", lines.join("\n").as_bytes());
    let labels = write(&dir, "labels.txt", b"r\nr\nr\nr\nb\nb\nb\nb\nx\nx\nx\n");
    let out = dir.join("lines-out");
    let r = ok(&[
        &text, "--labels", &labels, "-k", "2", "--min-df", "1", "--out", &out, "--format", "json",
    ]);
    let s = json(&r.stdout);
    assert_eq!(s["n_without_topic"], 3);
    assert_eq!(s["without_topic"]["empty"], 1);
    assert_eq!(s["without_topic"]["only_stop_words"], 1);
    assert_eq!(s["without_topic"]["no_words"], 1);
    assert!(
        r.stderr
            .contains("3 of 11 documents have no topic: 1 empty"),
        "{}",
        r.stderr
    );
    let a = assignments(&read(&format!("{out}/assignments.csv")));
    assert_eq!(a[8], ("9".to_string(), String::new()));
    assert!(check_report(&format!("{out}/report.html")) >= 2);
    // predict on new lines with the saved model.
    let new = write(
        &dir,
        "new.txt",
        b"rust crates\nfresh bread\nnothing known\n",
    );
    let model = format!("{out}/model.json");
    let p = json(&ok(&["predict", "-m", &model, &new, "-q", "--format", "json"]).stdout);
    assert_eq!(p["n_documents"], 3);
    assert_eq!(p["n_without_topic"], 1);
    assert_eq!(p["without_topic"]["only_unknown_terms"], 1);
    let fit = &a;
    let p = assignments(&ok(&["predict", "-m", &model, &new, "-q", "--format", "csv"]).stdout);
    assert_eq!(p[0].1, fit[0].1);
    assert_eq!(p[1].1, fit[4].1);

    // CSV with a text and a label column; JSONL with a text field.
    let mut csv = String::from("id,body,tag\n");
    for (i, t) in RUST.iter().chain(&BREAD).enumerate() {
        csv += &format!("{i},\"{t}\",{}\n", if i < 4 { "rust" } else { "bread" });
    }
    let csv = write(&dir, "docs.csv", csv.as_bytes());
    let s = json(
        &ok(&[
            &csv,
            "--text-column",
            "body",
            "--label-column",
            "tag",
            "-k",
            "2",
            "--min-df",
            "1",
            "-q",
            "--format",
            "json",
        ])
        .stdout,
    );
    assert!(
        (s["scores"]["ari"].as_f64().unwrap() - 1.0).abs() < 1e-9,
        "{s}"
    );
    let jsonl: String = RUST
        .iter()
        .chain(&BREAD)
        .map(|t| format!("{{\"text\": \"{t}\"}}\n"))
        .collect();
    let jsonl = write(&dir, "docs.jsonl", jsonl.as_bytes());
    let t = ok(&[
        &jsonl, "--k", "auto", "--min-df", "1", "-q", "--format", "csv",
    ]);
    let mut rdr = csv::Reader::from_reader(t.stdout.as_bytes());
    let sizes: HashMap<String, String> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert!(sizes.len() >= 2, "{}", t.stdout);
}

/// Runs and expects failure with `code` and one `error:` line containing `needle`.
fn fails(args: &[&str], code: i32, needle: &str) {
    let r = run_app("doc-topics", args);
    assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{args:?}: expected one error line with {needle:?}, got:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn unusable_input_gives_one_clear_line() {
    let dir = TempDir::new("doc-topics-bad");
    let stop = write(&dir, "stop.txt", b"the and\n\nof it\n!!\n");
    fails(&[&stop, "-k", "2", "-q"], 1, "empty vocabulary");
    let few = write(&dir, "few.txt", RUST.join("\n").as_bytes());
    fails(&[&few, "-k", "9", "--min-df", "1", "-q"], 2, "lower k");
    fails(&[&dir.join("missing.txt"), "-q"], 2, "no such file");
    let csv = write(&dir, "docs.csv", b"title\nrust crates\n");
    fails(&[&csv, "-q"], 1, "no column \"text\"");
    let labels = write(&dir, "labels.txt", b"a\nb\n");
    fails(&[&few, "--labels", &labels, "-q"], 2, "2 labels but");
    fails(
        &[&few, "--min-df", "5", "--max-df", "5", "-k", "2", "-q"],
        1,
        "no terms remain",
    );
    fails(&["--stem", "klingon", "-q"], 1, "klingon");
    fails(&["predict", "-m", &few, "-q"], 1, "model");
}
