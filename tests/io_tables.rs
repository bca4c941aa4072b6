//! kmkit-io on the bundled tables (the columns and values scikit-learn and
//! pandas read) and on odd CSV text (one data-driven check per oddity).

use std::path::Path;

use kmkit_io::{read_csv_bytes, read_table, ColumnData, IoError, Preprocess, PreprocessSpec, ReadOptions, Table};
use kmkit_tests::data::{repo_root, table};

fn bundled(rel: &str) -> Table {
    read_table(&repo_root().join("datasets").join(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn numeric(t: &Table, j: usize) -> &[f64] {
    match &t.columns[j].data {
        ColumnData::Numeric(v) => v,
        ColumnData::Text { .. } => panic!("column {j} of {} is text", t.path.display()),
    }
}

#[test]
fn bundled_tables_read_as_the_reference_loader_does() {
    for (name, rel, label) in [
        ("iris", "tabular/sklearn_bundled/iris.csv", "target"),
        ("wine", "tabular/sklearn_bundled/wine_data.csv", "target"),
        ("breast_cancer", "tabular/sklearn_bundled/breast_cancer.csv", "target"),
        ("digits", "tabular/sklearn_bundled/digits.csv.gz", "c65"),
        ("seeds", "tabular/seeds/seeds_dataset.txt", "c8"),
    ] {
        let reference = table(name);
        let t = bundled(rel);
        assert_eq!(t.n_rows(), reference.x.nrows(), "{name}");
        assert_eq!(t.columns.len(), reference.x.ncols() + 1, "{name}");
        assert_eq!(t.columns.last().unwrap().name, label, "{name}");
        for j in 0..reference.x.ncols() {
            assert_eq!(numeric(&t, j), reference.x.column(j).to_vec(), "{name} column {j}");
        }
        let spec = PreprocessSpec { label_column: Some(label.into()), ..Default::default() };
        let (_, prepared) = Preprocess::fit(&spec, &t).unwrap();
        assert_eq!(prepared.truth.unwrap().labels.len(), reference.target.len());
        // Standard scaling equals StandardScaler (ddof 0), to f32 precision.
        let x = match prepared.features.data {
            kmkit_core::Matrix::Dense(x) => x,
            kmkit_core::Matrix::Sparse(_) => unreachable!(),
        };
        let z = reference.standardized();
        let worst = x.iter().zip(z.iter()).map(|(&a, &b)| (a as f64 - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-5, "{name}: {worst}");
    }
}

#[test]
fn occupancy_has_r_row_names_and_a_date_column() {
    let t = bundled("tabular/occupancy_detection/datatraining.txt.gz");
    assert_eq!(t.n_rows(), 8143);
    assert_eq!(t.names(), ["row", "date", "Temperature", "Humidity", "Light", "CO2", "HumidityRatio", "Occupancy"]);
    assert_eq!(t.index_column, Some(0));
    assert!(matches!(t.columns[1].data, ColumnData::Text { .. }));
    assert_eq!(numeric(&t, 2)[0], 23.18);
    let occupied = numeric(&t, 7).iter().filter(|&&v| v == 1.0).count();
    assert_eq!(occupied, 1729, "SOURCE.txt: 6,414 / 1,729");
    // Using the date column as a number is refused with its line.
    let err = Preprocess::fit(&PreprocessSpec::default(), &t).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("\"date\""), "{err}");
}

#[test]
fn kddcup_categoricals_one_hot() {
    let t = bundled("tabular/kddcup99_10pct/kddcup.data_10_percent.gz");
    assert_eq!((t.n_rows(), t.columns.len()), (494_021, 42));
    let text: Vec<&str> = t.columns.iter().filter(|c| matches!(c.data, ColumnData::Text { .. })).map(|c| c.name.as_str()).collect();
    assert_eq!(text, ["c2", "c3", "c4", "c42"]);
    let spec = PreprocessSpec {
        label_column: Some("c42".into()),
        categorical: vec!["c2".into(), "c3".into(), "c4".into()],
        ..Default::default()
    };
    let (pre, prepared) = Preprocess::fit(&spec, &t).unwrap();
    // 38 numeric + 3 protocols + 66 services + 11 flags.
    assert_eq!(prepared.features.n_cols(), 38 + 3 + 66 + 11);
    assert!(pre.feature_names().contains(&"c2=tcp".to_string()));
    let truth = prepared.truth.unwrap();
    assert_eq!(truth.classes.len(), 23);
    let normal = truth.classes.iter().position(|c| c == "normal.").unwrap() as u32;
    assert_eq!(truth.labels.iter().filter(|&&l| l == normal).count(), 97_278);
}

/// Reads `text` as a CSV file and checks the error names what it must.
fn check(text: &[u8], expected: &[&str]) {
    let result = read_csv_bytes(Path::new("odd.csv"), text, &ReadOptions::default())
        .and_then(|t| Preprocess::fit(&PreprocessSpec::default(), &t).map(|_| ()));
    let err: IoError = match result {
        Ok(()) => panic!("{:?} was accepted", String::from_utf8_lossy(text)),
        Err(e) => e,
    };
    let msg = err.to_string();
    for e in expected {
        assert!(msg.contains(e), "{:?}: {msg:?} lacks {e:?}", String::from_utf8_lossy(text));
    }
}

#[test]
fn csv_oddities_give_errors_with_line_numbers() {
    check(b"", &["odd.csv: the file is empty"]);
    check(b"\xef\xbb\xbf\r\n\r\n", &["the file is empty"]);
    check(b"x,y\r\n", &["header line but no data rows"]);
    check(b"x,y\n1,2\n3\n", &["line 3", "1 fields", "line 2 has 2"]);
    check(b"x,y\r\n1,2\r\n3,4\r\n5,6,7\r\n", &["line 4", "3 fields"]);
    check(b"x,y\n1,2\n3,abc\n", &["line 3", "column \"y\"", "\"abc\" is not a number"]);
    check(b"x,y\n1,2\n\"3,5\",4\n", &["line 3", "\"3,5\" is not a number"]);
    check(b"x,y\n1,2\n3,NA\n", &["line 3", "column \"y\"", "missing value"]);
    check(b"x,y\n1,2\n\"unterminated,3\n4,5\n", &["line 3"]);
}

#[test]
fn csv_quirks_that_are_fine() {
    let ok = |text: &[u8]| read_csv_bytes(Path::new("ok.csv"), text, &ReadOptions::default()).unwrap();
    // BOM + CRLF + quoted delimiter + quoted quote.
    let t = ok(b"\xef\xbb\xbfid,v\r\n\"a,\"\"b\"\"\",1\r\nc,2\r\n");
    assert_eq!(t.columns[0].text(0), "a,\"b\"");
    assert_eq!(t.lines, [2, 3]);
    // Semicolons with decimal commas stay text, sniffed as ';'.
    assert_eq!(ok(b"a;b\n1;2\n3;4\n").columns.len(), 2);
    // No header, tabs.
    let t = ok(b"1\t2\n3\t4\n");
    assert!(!t.has_header);
    assert_eq!(numeric(&t, 1), [2.0, 4.0]);
}
