//! `kmkit tour`, the README's main command, end to end: every stop succeeds
//! on its bundled dataset, the index links each report, and every report is
//! a well-formed, self-contained page with pictures.

use kmkit_tests::apps::{kmkit_ok, TempDir};
use serde_json::Value;

/// Parses an HTML report strictly as XML; returns its number of inline SVGs.
fn svg_count(path: &std::path::Path) -> usize {
    let html = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&html, opts)
        .unwrap_or_else(|e| panic!("{path:?} is not well-formed: {e}"));
    assert!(!html.contains("<script"), "{path:?} has a script");
    doc.descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "svg")))
        .count()
}

#[test]
fn tour_runs_every_app_and_links_each_report() {
    let dir = TempDir::new("tour");
    let out = dir.join("tour");
    let run = kmkit_ok(&["tour", "--out", &out, "--format", "json", "-q"]);
    let rows: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("tour output is not JSON ({e}):\n{}", run.stdout));
    let rows = rows.as_array().expect("one row per stop");
    let names: Vec<&str> = rows.iter().map(|r| r["stop"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "tables",
            "anomalies",
            "documents",
            "speech",
            "images",
            "customers",
            "genes"
        ]
    );
    let index = std::fs::read_to_string(dir.path().join("tour/index.html")).unwrap();
    for row in rows {
        let stop = row["stop"].as_str().unwrap();
        assert_eq!(row["result"], "ok", "stop {stop}: {row}");
        let href = format!("{stop}/report.html");
        assert!(
            index.contains(&format!("href=\"{href}\"")),
            "index lacks {href}"
        );
        let report = dir.path().join("tour").join(&href);
        assert!(svg_count(&report) >= 1, "{href} has no plot");
        let summary = dir.path().join("tour").join(stop).join("summary.json");
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        assert!(summary.is_object(), "{stop}/summary.json: {summary}");
    }
}
