//! What a run prints and writes besides the PNGs: the per-image table, the
//! palettes as CSV, the model file (the palette `predict` reuses), the
//! summary and the report.
//!
//! For an image, k-means' centroids are the palette and its labels are the
//! indexed PNG itself (one palette index per pixel), so the run writes
//! `centroids.csv` (every palette entry) and the PNGs, not a labels.csv.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use kmkit_cli::{Format, ResultTable};
use kmkit_image::{hex, parse_hex, swatch_svg, ColorSpace, Dither, Palette, Quality};
use kmkit_io::ModelFile;
use kmkit_report::{escape, Body, Report, Section};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::job::{AutoSearch, Outcome};

/// Kind tag of image-quantize model files.
pub const MODEL_KIND: &str = "image-palette";

/// The transform state saved next to the core model: the 8-bit palette,
/// the space it is matched in and the dithering, i.e. all `predict` needs to
/// remap another image exactly as the fitted one was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaletteState {
    /// Space colours are matched in.
    pub space: ColorSpace,
    /// Entries in PNG order, `#rrggbb` or `#rrggbbaa`.
    pub colors: Vec<String>,
    /// Dithering used when remapping.
    pub dither: Dither,
    /// The image the palette was fitted on.
    pub source: String,
}

impl PaletteState {
    /// The palette as a usable [`Palette`].
    pub fn palette(&self) -> anyhow::Result<Palette> {
        let colors = self
            .colors
            .iter()
            .map(|c| parse_hex(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Palette::new(self.space, colors)?)
    }
}

/// The model file of one fitted image: its palette state and the core model
/// whose centroids are the palette in the fit space.
pub fn model_file(o: &Outcome, dither: Dither) -> ModelFile<PaletteState> {
    let state = PaletteState {
        space: o.palette.space(),
        colors: o.palette.hex(),
        dither,
        source: o.input.path.display().to_string(),
    };
    ModelFile::new(MODEL_KIND, state, o.palette.model().clone())
}

/// Loads a model file written by a fit: the palette and its dithering.
pub fn load_model(path: &Path) -> anyhow::Result<(Palette, PaletteState)> {
    let file = ModelFile::<PaletteState>::load(path, MODEL_KIND)
        .with_context(|| format!("loading {}", path.display()))?;
    let palette = file
        .preprocess
        .palette()
        .with_context(|| format!("{}: palette", path.display()))?;
    Ok((palette, file.preprocess))
}

/// A PSNR as JSON: `null` when the result is lossless (infinite PSNR).
fn psnr_value(q: &Quality) -> Value {
    if q.psnr_db.is_finite() {
        json!(q.psnr_db)
    } else {
        Value::Null
    }
}

/// One row per image: file, k, PSNR, SSIM, mean/p95 ΔE2000, bytes before and after, ratio.
pub fn table(outcomes: &[Outcome], format: Format) -> ResultTable {
    let mut t = ResultTable::new(&[
        "file",
        "k",
        "psnr_db",
        "ssim",
        "delta_e_mean",
        "delta_e_p95",
        "bytes_before",
        "bytes_after",
        "ratio",
    ]);
    for o in outcomes {
        let q = &o.quality;
        let psnr = match (format, psnr_value(q)) {
            (Format::Table, Value::Null) => json!("lossless"),
            (_, v) => v,
        };
        t.push(vec![
            json!(o.input.path.display().to_string()),
            json!(o.palette.len()),
            psnr,
            json!(q.ssim),
            json!(q.delta_e_mean),
            json!(q.delta_e_p95),
            json!(o.bytes_before),
            json!(o.png.len()),
            json!(o.ratio()),
        ]);
    }
    t
}

/// Every palette entry of every image: file, index, hex, 8-bit RGBA, the
/// fit-space coordinates, pixels and share.
pub fn centroids_csv(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "file", "index", "hex", "r", "g", "b", "alpha", "space", "c1", "c2", "c3", "pixels",
        "share",
    ])?;
    for o in outcomes {
        let counts = o.counts();
        let total: u64 = counts.iter().sum();
        let space = o.palette.space();
        for (i, (c, n)) in o.palette.colors().iter().zip(&counts).enumerate() {
            let v = space.from_srgb8([c[0], c[1], c[2]]);
            let mut row = vec![o.input.path.display().to_string(), i.to_string(), hex(*c)];
            row.extend(c.iter().map(u8::to_string));
            row.push(space.name().to_string());
            row.extend(v.iter().map(|x| format!("{x:.6}")));
            row.push(n.to_string());
            row.push(format!("{:.6}", *n as f64 / total.max(1) as f64));
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// One image in summary.json.
#[derive(Debug, Serialize)]
pub struct ImageSummary {
    /// Input path.
    pub file: String,
    /// Output stem.
    pub name: String,
    /// Output PNG (when written).
    pub output: Option<String>,
    /// Pixels across and down.
    pub size: [u32; 2],
    /// Bits per channel of the source.
    pub bit_depth: u8,
    /// Unique colours of the source.
    pub unique_colors: usize,
    /// Palette entries.
    pub k: usize,
    /// The palette, hex, in PNG order.
    pub palette: Vec<String>,
    /// Pixels per entry.
    pub pixels_per_color: Vec<u64>,
    /// PSNR (null when lossless), SSIM, ΔE2000 mean and p95.
    pub psnr_db: Value,
    /// Mean SSIM of the luminance.
    pub ssim: f64,
    /// Mean CIEDE2000.
    pub delta_e_mean: f64,
    /// 95th percentile CIEDE2000.
    pub delta_e_p95: f64,
    /// Input file size.
    pub bytes_before: u64,
    /// Output PNG size.
    pub bytes_after: usize,
    /// `bytes_after / bytes_before`.
    pub ratio: f64,
    /// Fit + remap time.
    pub seconds: f64,
    /// The `--k auto` search.
    pub auto: Option<AutoSearch>,
}

impl ImageSummary {
    /// The summary of one outcome, with its output path if one was written.
    pub fn of(o: &Outcome, output: Option<&Path>) -> ImageSummary {
        let q = &o.quality;
        ImageSummary {
            file: o.input.path.display().to_string(),
            name: o.input.name.clone(),
            output: output.map(|p| p.display().to_string()),
            size: [o.width, o.height],
            bit_depth: o.bit_depth,
            unique_colors: o.unique_colors,
            k: o.palette.len(),
            palette: o.palette.hex(),
            pixels_per_color: o.counts(),
            psnr_db: psnr_value(q),
            ssim: q.ssim,
            delta_e_mean: q.delta_e_mean,
            delta_e_p95: q.delta_e_p95,
            bytes_before: o.bytes_before,
            bytes_after: o.png.len(),
            ratio: o.ratio(),
            seconds: o.seconds,
            auto: o.auto.clone(),
        }
    }
}

/// An image that could not be processed.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// Input path.
    pub file: String,
    /// Why.
    pub error: String,
}

/// summary.json (also what `--format json` prints).
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `fit` or `predict`.
    pub command: &'static str,
    /// Run settings.
    pub settings: Value,
    /// Images done.
    pub images: Vec<ImageSummary>,
    /// Images that failed, with the reason.
    pub failed: Vec<Failure>,
    /// Files written.
    pub outputs: Vec<String>,
}

fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Before/after pictures and the swatch of one image, as one SVG: the
/// thumbnails side by side, the 1:1 centre crops under them, the palette last.
pub fn before_after_svg(o: &Outcome) -> String {
    let v = &o.views;
    let (tw, th) = v.size;
    let (cw, ch) = v.crop_size;
    let gap = 16;
    let label = 18;
    let swatch = swatch_svg(o.palette.colors(), Some(&o.counts()));
    let swatch_h = 32 * o.palette.len().div_ceil(16).max(1) as u32;
    let width = (2 * tw + gap).max(2 * cw + gap).max(16 * 32);
    let crop_y = label + th + gap;
    let swatch_y = crop_y + label + ch + gap;
    let height = swatch_y + swatch_h;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"13\">"
    );
    let k = o.palette.len();
    let mut picture = |x: u32, y: u32, w: u32, h: u32, png: &[u8], text: &str| {
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"{}\">{}</text><image x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{h}\" style=\"image-rendering:pixelated\" href=\"{}\"/>",
            y + 13,
            escape(text),
            y + label,
            data_uri(png)
        );
    };
    picture(0, 0, tw, th, &v.before, "original");
    picture(tw + gap, 0, tw, th, &v.after, &format!("{k} colours"));
    picture(0, crop_y, cw, ch, &v.before_crop, "original, centre at 1:1");
    picture(
        cw + gap,
        crop_y,
        cw,
        ch,
        &v.after_crop,
        &format!("{k} colours, centre at 1:1"),
    );
    let _ = write!(
        s,
        "<g transform=\"translate(0,{swatch_y})\">{swatch}</g></svg>"
    );
    s
}

/// One line of numbers under an image's pictures.
pub fn caption(o: &Outcome) -> String {
    let q = &o.quality;
    let psnr = if q.psnr_db.is_finite() {
        format!("{:.2} dB", q.psnr_db)
    } else {
        "lossless".into()
    };
    format!(
        "{}×{}, {} unique colours → {} colours: PSNR {psnr}, SSIM {:.4}, ΔE2000 mean {:.2} / p95 {:.2}; {} → {} bytes ({:.1} %). Hover the swatch for each colour's share.",
        o.width,
        o.height,
        o.unique_colors,
        o.palette.len(),
        q.ssim,
        q.delta_e_mean,
        q.delta_e_p95,
        o.bytes_before,
        o.png.len(),
        100.0 * o.ratio()
    )
}

/// The run's report: settings, the results table, then per image its
/// before/after pictures and swatch (and the `--k auto` search).
pub fn report(
    title: &str,
    settings: &[(String, String)],
    outcomes: &[Outcome],
    failed: &[Failure],
) -> Report {
    let mut r = Report::new(title);
    r.intro = Some(
        "k-means colour quantization: each image's palette is the k-means centroids of its \
         colours (fitted on the histogram of unique colours, pixel counts as weights); every \
         pixel is replaced by its palette entry."
            .into(),
    );
    r.settings = settings.to_vec();
    if let [o] = outcomes {
        let q = &o.quality;
        r.metrics = vec![
            ("PSNR (dB)".into(), format!("{:.3}", q.psnr_db)),
            ("SSIM".into(), format!("{:.4}", q.ssim)),
            ("ΔE2000 mean".into(), format!("{:.3}", q.delta_e_mean)),
            ("ΔE2000 p95".into(), format!("{:.3}", q.delta_e_p95)),
            ("bytes before".into(), o.bytes_before.to_string()),
            ("bytes after".into(), o.png.len().to_string()),
        ];
    }
    let t = table(outcomes, Format::Table);
    r.sections.push(Section {
        title: "Results".into(),
        body: Body::Table {
            headers: t.headers.clone(),
            rows: t
                .rows
                .iter()
                .map(|row| row.iter().map(kmkit_cli::readable).collect())
                .collect(),
        },
        caption: Some(
            "bytes_before: the input file; bytes_after: the output PNG; ratio = after / before."
                .into(),
        ),
    });
    if !failed.is_empty() {
        r.sections.push(Section {
            title: "Images that failed".into(),
            body: Body::Table {
                headers: vec!["file".into(), "error".into()],
                rows: failed
                    .iter()
                    .map(|f| vec![f.file.clone(), f.error.clone()])
                    .collect(),
            },
            caption: None,
        });
    }
    for o in outcomes {
        r.sections.push(Section {
            title: o.input.name.clone(),
            body: Body::Svg(before_after_svg(o)),
            caption: Some(caption(o)),
        });
        if let Some(a) = &o.auto {
            r.sections.push(Section {
                title: format!("{}: choosing k", o.input.name),
                body: Body::Table {
                    headers: vec!["k".into(), "PSNR (dB)".into(), "meets target".into()],
                    rows: a
                        .tried
                        .iter()
                        .map(|(k, p)| {
                            vec![
                                k.to_string(),
                                format!("{p:.3}"),
                                if *p >= a.min_psnr { "yes" } else { "no" }.into(),
                            ]
                        })
                        .collect(),
                },
                caption: Some(format!(
                    "Bisection for the smallest k with PSNR ≥ {} dB{}.",
                    a.min_psnr,
                    if a.met { "" } else { " (not reached)" }
                )),
            });
        }
    }
    r
}
