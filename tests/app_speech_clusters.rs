//! End-to-end runs of the `speech-clusters` binary: the default run on the
//! 2,000 FSDD recordings clusters speakers at least as well as scikit-learn +
//! librosa (ARI), predict repeats the fit, VQ codebooks identify held-out
//! speakers, segmentation reports times, and odd files (silent, empty, one
//! sample, clipped, corrupt) give clear notes or errors, never NaN.

use std::path::Path;

use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::data::{reference, repo_root};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(args: &[&str]) -> Run {
    let r = run_app("speech-clusters", args);
    assert_eq!(
        r.code, 0,
        "speech-clusters {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    r
}

/// Rows of a CSV as maps from column name to cell.
fn csv_rows(path: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    rdr.records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Parses the report strictly as XML; returns its text.
fn check_report(path: &str) -> String {
    let html = read(path);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, opts)
        .unwrap_or_else(|e| panic!("{path} is not well-formed: {e}"));
    assert!(!html.contains("<script"), "{path} has a script");
    html
}

fn sklearn_librosa_ari() -> f64 {
    reference("quality_baselines_sklearn.json")["fsdd_4_speakers"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("clip = mean+std"))
        .map(|(_, v)| v["ari"].as_f64().unwrap())
        .unwrap()
}

#[test]
fn default_run_clusters_fsdd_speakers_and_predict_repeats_it() {
    let dir = TempDir::new("speech-default");
    let out = dir.join("fit");
    // The tour's call: no input, JSON on stdout, everything under --out.
    let start = std::time::Instant::now();
    let r = ok(&["--out", &out, "-q", "--format", "json"]);
    eprintln!(
        "default run: {:.2} s (test profile)",
        start.elapsed().as_secs_f64()
    );
    assert!(r.stderr.is_empty(), "-q printed: {}", r.stderr);
    let summary = json(&r.stdout);
    assert_eq!(summary, json(&read(&format!("{out}/summary.json"))));
    assert_eq!(summary["n_files"], 2000);
    assert_eq!(summary["n_clips"], 2000);
    assert_eq!(summary["n_dropped"], 0);
    assert_eq!(summary["k"], 4);
    assert_eq!(summary["n_features"], 40);
    let ari = summary["quality"]["adjusted_rand"].as_f64().unwrap();
    let nmi = summary["quality"]["normalized_mutual_info"]
        .as_f64()
        .unwrap();
    let baseline = sklearn_librosa_ari();
    eprintln!("FSDD speakers, k = 4 through the app: ARI {ari:.4}, NMI {nmi:.4} (scikit-learn + librosa ARI {baseline})");
    assert!(ari >= baseline, "ARI {ari} < baseline {baseline}");
    assert_eq!(
        summary["labels"]["classes"],
        serde_json::json!(["george", "jackson", "lucas", "nicolas"])
    );
    assert_eq!(summary["labels"]["n_labelled"], 2000);

    let rows = csv_rows(&format!("{out}/segments.csv"));
    assert_eq!(rows.len(), 2000);
    let first = &rows[0];
    assert!(first["file"].ends_with("0_george_0.wav"), "{first:?}");
    assert_eq!(first["label"], "george");
    assert_eq!(first["start"].parse::<f64>().unwrap(), 0.0);
    for row in &rows {
        let (s, e): (f64, f64) = (row["start"].parse().unwrap(), row["end"].parse().unwrap());
        assert!(e > s && e < 3.0, "{row:?}");
        assert!(row["cluster"].parse::<u32>().unwrap() < 4);
        assert!(row["distance"].parse::<f64>().unwrap().is_finite());
    }
    let centroids = csv_rows(&format!("{out}/centroids.csv"));
    assert_eq!(centroids.len(), 4);
    assert!(centroids[0].contains_key("mean_mfcc0") && centroids[0].contains_key("std_mfcc19"));
    let html = check_report(&format!("{out}/report.html"));
    for needle in [
        "Per-cluster mean MFCC",
        "Labels per cluster",
        "principal components",
        "adjusted_rand",
    ] {
        assert!(html.contains(needle), "report lacks {needle}");
    }
    let model = json(&read(&format!("{out}/model.json")));
    assert_eq!(model["kind"], "speech-clusters");

    // predict on the same files gives the same clusters.
    let again = dir.join("predict");
    let p = ok(&[
        "predict",
        "--model",
        &format!("{out}/model.json"),
        "--out",
        &again,
        "-q",
        "--format",
        "json",
    ]);
    let ps = json(&p.stdout);
    assert_eq!(ps["quality"]["adjusted_rand"].as_f64().unwrap(), ari);
    let fit_clusters: Vec<&String> = rows.iter().map(|r| &r["cluster"]).collect();
    let pred_rows = csv_rows(&format!("{again}/segments.csv"));
    let pred_clusters: Vec<&String> = pred_rows.iter().map(|r| &r["cluster"]).collect();
    assert_eq!(fit_clusters, pred_clusters);

    // The table on stdout: one row per cluster with its majority speaker.
    let t = ok(&["predict", "--model", &format!("{out}/model.json"), "-q"]);
    assert!(
        t.stdout.contains("majority label") && t.stdout.contains("adjusted_rand"),
        "{}",
        t.stdout
    );
}

#[test]
fn codebooks_identify_held_out_fsdd_speakers() {
    let dir = TempDir::new("speech-codebook");
    let out = dir.join("vq");
    let r = ok(&["codebook", "--out", &out, "-q", "--format", "json"]);
    let s = json(&r.stdout);
    assert_eq!(
        (s["n_train"].as_u64(), s["n_test"].as_u64()),
        (Some(1800), Some(200))
    );
    let acc = s["accuracy"].as_f64().unwrap();
    eprintln!("VQ speaker identification through the app (FSDD takes 0-4): accuracy {acc:.3}");
    assert!(acc >= 0.95, "accuracy {acc}");
    let ids = csv_rows(&format!("{out}/identifications.csv"));
    assert_eq!(ids.len(), 200);
    let correct = ids
        .iter()
        .filter(|r| r["speaker"] == r["predicted"])
        .count();
    assert_eq!(correct as f64 / 200.0, acc);
    check_report(&format!("{out}/report.html"));

    // The saved codebooks identify the same files the same way through predict.
    let rec = repo_root().join("datasets/speech/fsdd/recordings");
    let files: Vec<String> = [
        "0_george_0.wav",
        "3_jackson_1.wav",
        "7_lucas_4.wav",
        "9_nicolas_2.wav",
    ]
    .iter()
    .map(|f| rec.join(f).to_string_lossy().into_owned())
    .collect();
    let model = format!("{out}/model.json");
    let mut args = vec![
        "predict",
        "--model",
        model.as_str(),
        "--format",
        "csv",
        "-q",
    ];
    args.extend(files.iter().map(|s| s.as_str()));
    let p = ok(&args);
    let mut rdr = csv::Reader::from_reader(p.stdout.as_bytes());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let name = Path::new(&rec[0])
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let fit = ids.iter().find(|r| r["file"].ends_with(&name)).unwrap();
        assert_eq!(&rec[3], fit["predicted"].as_str(), "{name}");
    }
}

/// Writes 16-bit mono WAV at 8 kHz.
fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample((s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

/// A folder with six FSDD recordings and the odd files.
fn odd_folder(dir: &TempDir) -> String {
    let data = dir.path().join("odd");
    std::fs::create_dir_all(data.join("nested")).unwrap();
    let rec = repo_root().join("datasets/speech/fsdd/recordings");
    for f in [
        "0_george_5.wav",
        "1_george_6.wav",
        "2_george_7.wav",
        "0_lucas_5.wav",
        "1_lucas_6.wav",
        "2_lucas_7.wav",
    ] {
        std::fs::copy(rec.join(f), data.join("nested").join(f)).unwrap();
    }
    write_wav(&data.join("silence.wav"), &vec![0.0; 8000]);
    write_wav(&data.join("empty.wav"), &[]);
    write_wav(&data.join("one.wav"), &[0.3]);
    // A tone driven far into clipping: a square wave at full scale.
    let clipped: Vec<f32> = (0..8000)
        .map(|i| ((i as f32 * 0.07).sin() * 20.0).clamp(-1.0, 1.0))
        .collect();
    write_wav(&data.join("clipped.wav"), &clipped);
    data.to_string_lossy().into_owned()
}

/// Rust writes non-finite floats as `NaN`, `inf` and `-inf`.
fn no_nan(path: &str) {
    let text = read(path);
    for cell in text.split([',', '\n']) {
        assert!(
            !matches!(cell.trim(), "NaN" | "inf" | "-inf"),
            "{path}:\n{text}"
        );
    }
}

#[test]
fn odd_files_are_left_out_or_clustered_never_nan() {
    let dir = TempDir::new("speech-odd");
    let data = odd_folder(&dir);
    let out = dir.join("out");
    let r = ok(&[&data, "-k", "2", "--out", &out, "--format", "json"]);
    // Silent and empty files are left out, each named with its reason on stderr.
    for needle in [
        "silence.wav",
        "silent",
        "empty.wav",
        "zero-length",
        "clipped.wav",
        "clipped",
    ] {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle}:\n{}",
            r.stderr
        );
    }
    let s = json(&r.stdout);
    assert_eq!(
        (
            s["n_files"].as_u64(),
            s["n_clips"].as_u64(),
            s["n_dropped"].as_u64()
        ),
        (Some(10), Some(8), Some(2))
    );
    let dropped: Vec<&str> = s["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["empty.wav", "silence.wav"]);
    assert_eq!(s["clipped"][0]["id"], "clipped.wav");
    let rows = csv_rows(&format!("{out}/segments.csv"));
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().any(|r| r["segment"] == "one.wav"));
    for f in ["segments.csv", "centroids.csv"] {
        no_nan(&format!("{out}/{f}"));
    }
    // serde_json writes a NaN as null: the metrics on the features must be numbers.
    for m in [
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ] {
        assert!(
            s["quality"][m].as_f64().is_some_and(f64::is_finite),
            "{m}: {}",
            s["quality"]
        );
    }
    let model = json(&read(&format!("{out}/model.json")));
    let values = model["model"]["centroids"]["data"]
        .as_array()
        .expect("ndarray's serde layout");
    assert!(
        values.iter().all(|v| v.as_f64().is_some()),
        "{}",
        model["model"]["centroids"]
    );
    let html = check_report(&format!("{out}/report.html"));
    assert!(html.contains("Left out (2)"));

    // With --segment the one-sample file has no segment of 0.1 s and is left out too.
    let seg = ok(&[&data, "-k", "2", "--segment", "--format", "json", "-q"]);
    let s = json(&seg.stdout);
    let one = s["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "one.wav")
        .expect("one.wav left out");
    assert!(
        one["reason"]
            .as_str()
            .unwrap()
            .contains("no speech segment"),
        "{one}"
    );
    assert!(s["n_clips"].as_u64().unwrap() >= 7, "{}", s["n_clips"]);

    // Nothing left: one clear line, exit 1.
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    write_wav(&bad.join("silence.wav"), &vec![0.0; 800]);
    write_wav(&bad.join("empty.wav"), &[]);
    let r = run_app("speech-clusters", &[bad.to_str().unwrap(), "-k", "2"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: no clip left"), "{}", r.stderr);

    // A file that is not WAV stops the run with its name.
    std::fs::write(bad.join("notes.wav"), b"this is not audio").unwrap();
    let r = run_app("speech-clusters", &[bad.to_str().unwrap(), "-k", "2"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("notes.wav") && r.stderr.contains("not a valid WAV"),
        "{}",
        r.stderr
    );
}

#[test]
fn segments_of_a_long_recording_carry_their_times() {
    let dir = TempDir::new("speech-segment");
    let out = dir.join("seg");
    let arctic = repo_root().join("datasets/speech/cmu_arctic/arctic_a0007.wav");
    let rec = repo_root().join("datasets/speech/fsdd/recordings");
    let a = arctic.to_string_lossy().into_owned();
    let b = rec.join("4_george_9.wav").to_string_lossy().into_owned();
    let c = rec.join("4_nicolas_9.wav").to_string_lossy().into_owned();
    ok(&[&a, &b, &c, "--segment", "-k", "2", "--out", &out, "-q"]);
    let rows = csv_rows(&format!("{out}/segments.csv"));
    let arctic_rows: Vec<_> = rows
        .iter()
        .filter(|r| r["file"].ends_with("arctic_a0007.wav"))
        .collect();
    // librosa.effects.split(top_db=30, 512, 128) speech starts at sample 6528 (0.408 s) and,
    // with gaps under 0.1 s bridged, ends at 55296 (3.456 s); the 24 ms tail is too short.
    assert_eq!(arctic_rows.len(), 1, "{rows:?}");
    assert_eq!(arctic_rows[0]["segment"], "arctic_a0007.wav#0");
    assert_eq!(arctic_rows[0]["start"], "0.4080");
    assert_eq!(arctic_rows[0]["end"], "3.4560");
    assert!(rows.len() >= 3, "{rows:?}");
    for row in &rows {
        let (s, e): (f64, f64) = (row["start"].parse().unwrap(), row["end"].parse().unwrap());
        assert!(e > s, "{row:?}");
    }
    let model = json(&read(&format!("{out}/model.json")));
    assert_eq!(model["preprocess"]["segment"]["top_db"], 30.0);
}

#[test]
fn usage_and_runtime_errors_have_their_exit_codes() {
    let help = ok(&["--help"]);
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("codebook"));
    for (args, code, needle) in [
        (
            vec!["--labels-from-name", "("],
            2,
            "not a valid regular expression",
        ),
        (vec!["-k", "0"], 2, "number of clusters"),
        (
            vec!["codebook", "-k", "2..4"],
            2,
            "fixed number of codewords",
        ),
        (
            vec!["datasets/speech/cmu_arctic/arctic_a0007.wav", "-k", "3"],
            2,
            "more clusters than the 1 clips",
        ),
        (vec!["no/such/folder"], 1, "no/such/folder"),
        (vec!["datasets/tabular"], 1, "no .wav files"),
        (
            vec!["predict", "--model", "no/model.json"],
            1,
            "no/model.json",
        ),
        (
            vec!["codebook", "datasets/speech/cmu_arctic"],
            2,
            "--labels-from-name",
        ),
    ] {
        let r = run_app("speech-clusters", &args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}
