//! The hostile corpus (`tests/hostile/`, issue 10): every file there is run
//! through the real app binary named in `tests/hostile/cases.json`, and each
//! run must end the way the manifest says — no panic, exit 1 or 2 (or 0 where
//! the input is odd but valid), exactly one `error:` line on stderr holding
//! the expected words, the input byte-identical afterwards, and nothing
//! (or, for a success, only complete files) in `--out`. Plus the resource
//! limits: inputs that would need more memory than there is are refused from
//! their size or header, before anything of that size is allocated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use kmkit_tests::apps::{app_binary, TempDir};
use kmkit_tests::data::repo_root;
use serde_json::Value;

/// One manifest entry.
#[derive(Debug)]
struct Case {
    file: String,
    app: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    exit: i32,
    error: Option<String>,
    outputs: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    repo_root().join("tests/hostile")
}

fn cases() -> Vec<Case> {
    let path = corpus_dir().join("cases.json");
    let text = std::fs::read_to_string(&path).expect("tests/hostile/cases.json");
    let v: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    let strings = |c: &Value, key: &str| -> Vec<String> {
        c[key]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    v["cases"]
        .as_array()
        .expect("a \"cases\" array")
        .iter()
        .map(|c| Case {
            file: c["file"].as_str().expect("file").to_string(),
            app: c["app"].as_str().expect("app").to_string(),
            args: strings(c, "args"),
            env: c["env"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            exit: c["exit"].as_i64().expect("exit") as i32,
            error: c["error"].as_str().map(str::to_string),
            outputs: strings(c, "outputs"),
        })
        .collect()
}

/// Runs one case; returns a description of what went wrong, if anything.
fn check(case: &Case, tmp: &TempDir, n: usize) -> Result<(), String> {
    let input = corpus_dir().join("files").join(&case.file);
    let before = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let out = tmp.path().join(format!("out-{n}"));
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            a.replace("{file}", &input.to_string_lossy())
                .replace("{out}", &out.to_string_lossy())
        })
        .collect();
    let run = Command::new(app_binary(&case.app))
        .args(&args)
        .envs(&case.env)
        .env_remove("KMKIT_DATASETS")
        .current_dir(repo_root())
        .output()
        .map_err(|e| format!("running {}: {e}", case.app))?;
    let code = run.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let what = format!("{} {}", case.app, case.args.join(" "));
    if stderr.contains("panicked") || code == 101 || code < 0 {
        return Err(format!("{what}: crashed (exit {code}):\n{stderr}"));
    }
    if code != case.exit {
        return Err(format!(
            "{what}: exit {code}, expected {}:\n{stderr}",
            case.exit
        ));
    }
    if std::fs::read(&input).ok().as_deref() != Some(&before[..]) {
        return Err(format!("{what}: the input was modified"));
    }
    let written = listing(&out);
    if case.exit == 0 {
        for name in &case.outputs {
            let p = out.join(name);
            let bytes = std::fs::read(&p).map_err(|e| format!("{what}: {name}: {e}"))?;
            complete(name, &bytes).map_err(|e| format!("{what}: {name}: {e}"))?;
        }
        if let Some(extra) = written.iter().find(|f| f.starts_with('.')) {
            return Err(format!("{what}: temporary file {extra} left in --out"));
        }
        return Ok(());
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let expected = case.error.as_deref().unwrap_or("");
    match lines.as_slice() {
        [line] if line.starts_with("error: ") && line.contains(expected) => {}
        _ => {
            return Err(format!(
                "{what}: expected one line `error: …{expected}…`, got:\n{stderr}"
            ))
        }
    }
    if !written.is_empty() {
        return Err(format!("{what}: failed but wrote {written:?} into --out"));
    }
    Ok(())
}

/// The entries of `dir` (empty when it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Whether an output file is complete: JSON parses, CSV has a header and
/// equal-width rows, HTML is well-formed, PNG decodes.
pub(crate) fn complete(name: &str, bytes: &[u8]) -> Result<(), String> {
    let text = || std::str::from_utf8(bytes).map_err(|e| e.to_string());
    if name.ends_with(".json") {
        serde_json::from_slice::<Value>(bytes).map_err(|e| format!("not JSON: {e}"))?;
    } else if name.ends_with(".csv") {
        let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
        let width = rdr.headers().map_err(|e| e.to_string())?.len();
        for (row, r) in rdr.records().enumerate() {
            let r = r.map_err(|e| format!("bad CSV: {e}"))?;
            if r.len() != width {
                return Err(format!("row {row} has {} fields, header {width}", r.len()));
            }
        }
        if !text()?.ends_with('\n') {
            return Err("no final newline: truncated".into());
        }
    } else if name.ends_with(".html") || name.ends_with(".svg") {
        roxmltree::Document::parse_with_options(
            text()?,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .map_err(|e| format!("not well-formed: {e}"))?;
    } else if name.ends_with(".png") {
        kmkit_image::decode(bytes, &Default::default())
            .map_err(|e| format!("PNG does not decode: {e}"))?;
    }
    Ok(())
}

#[test]
fn every_hostile_file_gets_its_one_line_error() {
    let tmp = TempDir::new("hostile");
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    // Every file of the corpus is used by at least one case.
    let files = listing(&corpus_dir().join("files"));
    for f in &files {
        assert!(
            cases.iter().any(|c| &c.file == f),
            "tests/hostile/files/{f} has no case in cases.json"
        );
    }
    let failures: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(n, c)| check(c, &tmp, n).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// A sparse file of `len` bytes starting with `head`: as long as a real
/// file claiming that much, without using the disk space.
fn sparse_file(path: &Path, head: &[u8], len: u64) {
    std::fs::write(path, head).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// Runs `kmkit` with `args`; asserts a quick, single-line refusal holding `says`.
fn refused_quickly(args: &[&str], says: &str) {
    let start = std::time::Instant::now();
    let r = kmkit_tests::apps::run_app("kmkit", args);
    let took = start.elapsed();
    assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(says),
        "{}",
        lines[0]
    );
    // Refused from the header, not after reading gigabytes.
    assert!(took.as_secs_f64() < 5.0, "{args:?} took {took:?}");
}

#[test]
fn matrices_larger_than_memory_are_refused_from_their_header() {
    let tmp = TempDir::new("hostile-big");
    // 10⁹ × 10 f32: a consistent 40 GB file (sparse, so it costs no disk).
    let fbin = tmp.join("big.fbin");
    let mut head = 1_000_000_000u32.to_le_bytes().to_vec();
    head.extend(10u32.to_le_bytes());
    sparse_file(Path::new(&fbin), &head, 8 + 4 * 10_000_000_000);
    refused_quickly(
        &["fit", &fbin, "-k", "3", "--out", &tmp.join("out")],
        "holding its 1000000000 × 10 values needs about 149.0 GiB in memory, more than the",
    );
    assert!(!tmp.path().join("out").exists());
    // The same rows as .npy (header, then 40 GB of data).
    let npy = tmp.join("big.npy");
    let mut dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 10), }".to_string();
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut head = b"\x93NUMPY\x01\x00".to_vec();
    head.extend((dict.len() as u16).to_le_bytes());
    head.extend(dict.as_bytes());
    let len = head.len() as u64 + 4 * 10_000_000_000;
    sparse_file(Path::new(&npy), &head, len);
    refused_quickly(&["fit", &npy, "-k", "3"], "in memory, more than the");
    // A CSV larger than memory is refused from its size before it is read.
    let csv = tmp.join("big.csv");
    sparse_file(Path::new(&csv), b"a,b\n", 1 << 43);
    refused_quickly(
        &["fit", &csv, "-k", "3"],
        "reading the file needs about 8.0 TiB in memory, more than the",
    );
    // With an explicit budget (KMKIT_MAX_MEMORY), a gzip that inflates past
    // it is stopped while inflating.
    let r = Command::new(app_binary("kmkit"))
        .args(["fit", "digits", "-k", "3"])
        .env("KMKIT_MAX_MEMORY", "100K")
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "digits.csv.gz: it decompresses to more than the 100.0 KiB of memory available"
        ),
        "{stderr}"
    );
}

#[test]
fn exact_silhouette_on_a_million_rows_is_refused_and_sampling_works() {
    use kmkit_core::metrics;
    let n = 1_000_000;
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i * 7 + j * 3) % 101) as f32);
    let labels: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
    let start = std::time::Instant::now();
    let e = metrics::silhouette_score(x.view(), &labels).unwrap_err();
    assert!(
        e.to_string().contains("silhouette_score_sampled"),
        "the error says what to do instead: {e}"
    );
    assert!(metrics::silhouette_samples(x.view(), &labels).is_err());
    assert!(
        start.elapsed().as_secs_f64() < 1.0,
        "refused before the O(n²) work"
    );
    let s = metrics::silhouette_score_sampled(x.view(), &labels, 2_000, 7).unwrap();
    assert!((-1.0..=1.0).contains(&s), "{s}");
}
