//! The `image-quantize` binary end to end: outputs of a fit and their
//! contents, predict reproducing the fit's indices, `--k auto`, several
//! inputs, and broken or extreme images (each made here in a temp folder).

use std::path::Path;

use kmkit_image::{decode, encode_rgba8, DecodeOptions, Image};
use kmkit_tests::apps::{run_app, Run, TempDir};
use kmkit_tests::data::repo_root;
use serde_json::Value;

const APP: &str = "image-quantize";

fn ok(args: &[&str]) -> Run {
    let r = run_app(APP, args);
    assert_eq!(
        r.code, 0,
        "{APP} {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    r
}

fn json_file(path: impl AsRef<Path>) -> Value {
    let text = std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()));
    serde_json::from_str(&text).expect("valid JSON")
}

fn png_image(path: impl AsRef<Path>) -> Image {
    decode(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap()
}

/// A `w × h` RGBA gradient written as a PNG in `dir`.
fn gradient(dir: &TempDir, name: &str, w: u32, h: u32, alpha: bool) -> String {
    let rgba: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let a = if alpha && x < w / 4 { 0 } else { 255 };
            [
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 256) as u8,
                a,
            ]
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, encode_rgba8(w, h, &rgba).unwrap()).unwrap();
    path
}

fn well_formed(html: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"))
}

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

#[test]
fn fit_writes_the_png_swatch_palette_model_and_report_and_predict_repeats_it() {
    let tmp = TempDir::new("iq-fit");
    let out = tmp.join("out");
    let china = repo_root().join("datasets/images/sklearn/china.jpg");
    let china = china.to_str().unwrap();
    let r = ok(&[
        china, "-k", "16", "--n-init", "0", "--out", &out, "--format", "json",
    ]);
    let summary: Value = serde_json::from_str(&r.stdout).expect("stdout is the summary");
    assert_eq!(summary, json_file(tmp.path().join("out/summary.json")));
    assert_eq!(
        listing(&tmp.path().join("out")),
        [
            "centroids.csv",
            "china.palette.svg",
            "china.png",
            "model.json",
            "report.html",
            "summary.json"
        ]
    );
    let img = &summary["images"][0];
    assert_eq!(img["k"], 16);
    assert_eq!(img["size"], serde_json::json!([640, 427]));
    let psnr = img["psnr_db"].as_f64().unwrap();
    assert!(psnr > 27.0 && psnr < 40.0, "{psnr}");
    let (ssim, de) = (
        img["ssim"].as_f64().unwrap(),
        img["delta_e_mean"].as_f64().unwrap(),
    );
    assert!(
        ssim > 0.7 && ssim < 1.0 && de > 0.5 && de < 10.0,
        "{ssim} {de}"
    );
    assert!(img["delta_e_p95"].as_f64().unwrap() >= de);
    // The output is a 4-bit indexed PNG of the size summary.json reports.
    let png = std::fs::read(tmp.path().join("out/china.png")).unwrap();
    assert_eq!((png[24], png[25]), (4, 3), "bit depth 4, colour type 3");
    assert_eq!(img["bytes_after"].as_u64().unwrap(), png.len() as u64);
    assert_eq!(
        img["bytes_before"].as_u64().unwrap(),
        std::fs::metadata(china).unwrap().len()
    );
    let quantized = png_image(tmp.path().join("out/china.png"));
    assert_eq!((quantized.width(), quantized.height()), (640, 427));
    // centroids.csv is the palette: 16 rows whose pixels add up to the image.
    let mut rdr = csv::Reader::from_path(tmp.path().join("out/centroids.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 16);
    let pixels: u64 = rows.iter().map(|r| r[11].parse::<u64>().unwrap()).sum();
    assert_eq!(pixels, 640 * 427);
    let palette: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    assert_eq!(serde_json::json!(palette), img["palette"]);
    // The swatch and the report.
    let svg = std::fs::read_to_string(tmp.path().join("out/china.palette.svg")).unwrap();
    assert_eq!(svg.matches("<rect").count(), 16);
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).unwrap();
    let doc = well_formed(&html);
    let pictures = doc
        .descendants()
        .filter(|n| n.has_tag_name("image"))
        .filter(|n| {
            n.attribute("href")
                .is_some_and(|h| h.starts_with("data:image/png;base64,iVBOR"))
        })
        .count();
    assert_eq!(pictures, 4, "before/after thumbnails and crops");
    assert!(html.contains(palette[0]));
    // predict with the saved palette gives the very same indexed PNG.
    let model = tmp.join("out/model.json");
    let again = tmp.join("again.png");
    ok(&["predict", "--model", &model, china, "-o", &again, "-q"]);
    assert_eq!(std::fs::read(&again).unwrap(), png);
}

#[test]
fn one_output_file_a_table_csv_and_plain_rgb() {
    let tmp = TempDir::new("iq-file");
    let input = gradient(&tmp, "grad.png", 96, 64, false);
    let out = tmp.join("small.png");
    let r = ok(&[&input, "-k", "8", "-o", &out]);
    assert_eq!(listing(tmp.path()), ["grad.png", "small.png"]);
    assert!(
        r.stdout.contains("psnr_db") && r.stdout.contains("grad.png"),
        "{}",
        r.stdout
    );
    let png = std::fs::read(&out).unwrap();
    assert_eq!((png[24], png[25]), (4, 3), "8 colours: 4-bit indexed");
    let r = ok(&[
        &input, "-k", "4", "-o", &out, "--format", "csv", "--png", "rgb",
    ]);
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "file,k,psnr_db,ssim,delta_e_mean,delta_e_p95,bytes_before,bytes_after,ratio"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[1], "4");
    let png = std::fs::read(&out).unwrap();
    assert_eq!(png[25], 2, "plain RGB");
    let image = png_image(&out);
    let mut colours: Vec<&[u8]> = Vec::new();
    let rgba = image.to_rgba8();
    for p in rgba.chunks(4) {
        if !colours.contains(&p) {
            colours.push(p);
        }
    }
    assert!(colours.len() <= 4);
}

#[test]
fn k_auto_picks_the_smallest_k_reaching_the_target() {
    let tmp = TempDir::new("iq-auto");
    let input = gradient(&tmp, "grad.png", 80, 60, false);
    let r = ok(&[
        &input,
        "--k",
        "auto",
        "--min-psnr",
        "32",
        "--n-init",
        "0",
        "--format",
        "json",
    ]);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    let img = &s["images"][0];
    let k = img["k"].as_u64().unwrap();
    assert!(img["psnr_db"].as_f64().unwrap() >= 32.0);
    assert!(img["auto"]["met"].as_bool().unwrap());
    let tried = img["auto"]["tried"].as_array().unwrap();
    let below = tried
        .iter()
        .filter(|t| t[0].as_u64().unwrap() == k - 1)
        .map(|t| t[1].as_f64().unwrap())
        .next()
        .expect("k − 1 was tried");
    assert!(below < 32.0, "k − 1 reaches {below}");
    // A range bounds the search.
    let r = ok(&[
        &input,
        "--k",
        "3..5",
        "--min-psnr",
        "60",
        "--n-init",
        "0",
        "--format",
        "json",
    ]);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(s["images"][0]["k"], 5);
    assert_eq!(s["images"][0]["auto"]["met"], false);
}

#[test]
fn several_images_to_a_folder_with_a_broken_one_counted() {
    let tmp = TempDir::new("iq-many");
    let a = gradient(&tmp, "a.png", 40, 30, false);
    let b = gradient(&tmp, "b.png", 50, 20, true);
    let bad = tmp.join("bad.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let out = tmp.join("out");
    let r = run_app(
        APP,
        &[
            &a, &bad, &b, "-k", "6", "--out", &out, "-q", "--swatch", "png",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("error:") && l.contains("bad.png")),
        "{}",
        r.stderr
    );
    assert_eq!(
        listing(&tmp.path().join("out")),
        [
            "a.model.json",
            "a.palette.png",
            "a.png",
            "b.model.json",
            "b.palette.png",
            "b.png",
            "centroids.csv",
            "report.html",
            "summary.json"
        ]
    );
    let s = json_file(tmp.path().join("out/summary.json"));
    assert_eq!(s["images"].as_array().unwrap().len(), 2);
    assert_eq!(s["failed"].as_array().unwrap().len(), 1);
    assert!(s["failed"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("bad.png"));
    // b has transparent pixels: a transparent entry, written to tRNS.
    let png = std::fs::read(tmp.path().join("out/b.png")).unwrap();
    assert!(png.windows(4).any(|w| w == b"tRNS"));
    let back = png_image(tmp.path().join("out/b.png"));
    assert!(back.pixels().iter().take(10).all(|p| p[3] == 0));
    well_formed(&std::fs::read_to_string(tmp.path().join("out/report.html")).unwrap());
    // Each image's model repeats its own fit.
    let again = tmp.join("b-again.png");
    ok(&[
        "predict",
        "-m",
        &tmp.join("out/b.model.json"),
        &b,
        "-o",
        &again,
    ]);
    assert_eq!(std::fs::read(&again).unwrap(), png);
}

#[test]
fn broken_and_extreme_images_give_one_error_line_and_no_output() {
    let tmp = TempDir::new("iq-bad");
    let kodak = std::fs::read(repo_root().join("datasets/images/kodak/kodim03.png")).unwrap();
    let mut corrupt = kodak.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid..mid + 4096].iter_mut().for_each(|b| *b = 0x5a);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("zero-size", vec![], "empty"),
        ("corrupt", corrupt, "corrupt"),
        ("truncated", kodak[..kodak.len() / 3].to_vec(), "corrupt"),
        ("not-an-image", b"hello".to_vec(), "unsupported"),
        (
            "huge",
            crate::image_quantize::png_header(100_000, 100_000),
            "over the limit",
        ),
    ];
    for (name, bytes, says) in cases {
        let input = tmp.join(&format!("{name}.png"));
        std::fs::write(&input, &bytes).unwrap();
        let (file, dir) = (
            tmp.join(&format!("{name}-out.png")),
            tmp.join(&format!("{name}-dir")),
        );
        for out in [&file, &dir] {
            let r = run_app(APP, &[&input, "-k", "8", "-o", out]);
            assert_eq!(r.code, 1, "{name}: {}", r.stderr);
            let lines: Vec<&str> = r.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{name}: {}", r.stderr);
            assert!(
                lines[0].starts_with("error: ") && lines[0].contains(&input),
                "{}",
                lines[0]
            );
            assert!(lines[0].contains(says), "{name}: {}", lines[0]);
            assert!(!r.stderr.contains("panicked"));
            assert!(!Path::new(out).exists(), "{name}: {out} was written");
        }
        // The input is untouched, and nothing else appeared.
        assert_eq!(std::fs::read(&input).unwrap(), bytes);
    }
    assert!(listing(tmp.path())
        .iter()
        .all(|f| !f.contains("-out") && !f.contains("-dir")));
    // A lower --max-pixels refuses a real photo before decoding it.
    let china = repo_root().join("datasets/images/sklearn/china.jpg");
    let r = run_app(APP, &[china.to_str().unwrap(), "--max-pixels", "1000"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("640×427"), "{}", r.stderr);
}

#[test]
fn one_pixel_and_one_colour_images_come_back_exactly() {
    let tmp = TempDir::new("iq-flat");
    for (w, h) in [(1u32, 1u32), (200, 120)] {
        let rgba: Vec<u8> = [30u8, 140, 220, 255].repeat((w * h) as usize);
        let input = tmp.join(&format!("flat{w}.png"));
        std::fs::write(&input, encode_rgba8(w, h, &rgba).unwrap()).unwrap();
        let out = tmp.join(&format!("flat{w}-out"));
        let r = ok(&[
            &input, "-k", "64", "--out", &out, "--format", "json", "--dither",
        ]);
        let s: Value = serde_json::from_str(&r.stdout).unwrap();
        let img = &s["images"][0];
        assert_eq!(img["k"], 1);
        assert_eq!(img["palette"], serde_json::json!(["#1e8cdc"]));
        assert!(img["psnr_db"].is_null(), "lossless");
        assert_eq!(img["ssim"], 1.0);
        let png = std::fs::read(format!("{out}/flat{w}.png")).unwrap();
        assert_eq!(png[24], 1, "1-bit");
        assert_eq!(png_image(format!("{out}/flat{w}.png")).to_rgba8(), rgba);
        well_formed(&std::fs::read_to_string(format!("{out}/report.html")).unwrap());
    }
}

#[test]
fn usage_errors_exit_2() {
    let tmp = TempDir::new("iq-usage");
    let a = gradient(&tmp, "a.png", 8, 8, false);
    let b = gradient(&tmp, "b.png", 8, 8, false);
    for args in [
        vec![a.as_str(), "-k", "1"],
        vec![a.as_str(), "-k", "300"],
        vec![a.as_str(), b.as_str(), "-o", "x.png"],
        vec!["no/such/image.png"],
        vec![a.as_str(), "--space", "cmyk"],
        vec![a.as_str(), "--k", "auto", "--min-psnr", "-3"],
    ] {
        let r = run_app(APP, &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
    }
    // Writing over the input is refused.
    let r = run_app(APP, &[&a, "-o", &a]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("overwrite"), "{}", r.stderr);
    let r = run_app(APP, &["predict", "-m", &a, &b]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// `kmkit tour` runs every app on its bundled data this way.
#[test]
fn tour_contract_on_the_bundled_images() {
    let tmp = TempDir::new("iq-tour");
    let out = tmp.join("tour");
    let r = ok(&["--out", &out, "-q", "--format", "json"]);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = s["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"china"), "{names:?}");
    for i in s["images"].as_array().unwrap() {
        assert_eq!(i["k"], 64);
        assert!(i["psnr_db"].as_f64().unwrap() > 30.0, "{i}");
    }
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    well_formed(&std::fs::read_to_string(tmp.path().join("tour/report.html")).unwrap());
    json_file(tmp.path().join("tour/summary.json"));
}
