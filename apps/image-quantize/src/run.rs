//! The two commands: fit palettes (the default) and predict with a saved one.

use std::path::{Path, PathBuf};

use anyhow::Context;
use image_quantize::inputs::{self, InputImage};
use image_quantize::job::{predict_file, quantize_file, same_file, KMode, Outcome, Settings};
use image_quantize::outputs::{self, centroids_csv, Failure, ImageSummary, Summary};
use kmkit_cli::{progress, run, usage_error, Format, KChoice, Verbosity};
use kmkit_image::{
    swatch_png, swatch_svg, DecodeOptions, Dither, QuantizeParams, DEFAULT_N_INIT, MAX_COLORS,
};
use kmkit_io::OutputDir;
use serde_json::json;

use crate::cli::{FitArgs, PngArgs, PredictArgs, Raw, SwatchFormat};

/// Palette size when `-k` is not given (the example, and a common
/// web choice: 6-bit indices, well above 30 dB on photos).
const DEFAULT_K: usize = 64;

/// Where results go.
enum Dest {
    /// Only the table on stdout.
    Stdout,
    /// One output image.
    File(PathBuf),
    /// A folder of outputs.
    Dir(PathBuf),
}

fn dest(out: Option<&Path>, n_inputs: usize) -> anyhow::Result<Dest> {
    let Some(out) = out else {
        return Ok(Dest::Stdout);
    };
    let is_png = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if is_png && !out.is_dir() {
        if n_inputs != 1 {
            return Err(usage_error(format!(
                "-o {} names one PNG file but {n_inputs} images were given: give a folder instead",
                out.display()
            )));
        }
        return Ok(Dest::File(out.to_path_buf()));
    }
    Ok(Dest::Dir(out.to_path_buf()))
}

fn k_mode(choice: Option<KChoice>, raw: Option<&str>, min_psnr: f64) -> anyhow::Result<KMode> {
    let check = |k: usize| {
        if (2..=MAX_COLORS).contains(&k) {
            Ok(k)
        } else {
            Err(usage_error(format!(
                "-k {k}: a palette has 2 to 256 colours (an indexed PNG holds at most 256)"
            )))
        }
    };
    let auto = |min: usize, max: usize| -> anyhow::Result<KMode> {
        if !(min_psnr.is_finite() && min_psnr > 0.0) {
            return Err(usage_error(format!(
                "--min-psnr {min_psnr}: give a number of dB above 0 (30–40 is typical)"
            )));
        }
        Ok(KMode::Auto {
            min: check(min)?,
            max: check(max)?,
            min_psnr,
        })
    };
    match choice {
        None => Ok(KMode::Fixed(DEFAULT_K)),
        Some(KChoice::Fixed(k)) => Ok(KMode::Fixed(check(k)?)),
        Some(KChoice::Range { .. }) if raw.is_some_and(|r| r.trim() == "auto") => {
            auto(2, MAX_COLORS)
        }
        Some(KChoice::Range { min, max }) => auto(min, max),
    }
}

use kmkit_cli::print;

/// Files written for the images of a run, and the folder, created on first use
/// (a run whose every image fails leaves no folder behind).
struct Writer {
    dest: Dest,
    dir: Option<OutputDir>,
    swatch: SwatchFormat,
    written: Vec<PathBuf>,
}

impl Writer {
    fn dir(&mut self) -> anyhow::Result<Option<&mut OutputDir>> {
        if let (Dest::Dir(path), None) = (&self.dest, &self.dir) {
            self.dir = run::output_dir(Some(path))?;
        }
        Ok(self.dir.as_mut())
    }

    /// Writes one image's PNG and swatch (and its model file when `model`);
    /// returns the PNG's path.
    fn image(&mut self, o: &Outcome, model: Option<&[u8]>) -> anyhow::Result<Option<PathBuf>> {
        let swatch = self.swatch;
        let png_path = match &self.dest {
            Dest::Stdout => return Ok(None),
            Dest::File(p) => p.clone(),
            Dest::Dir(d) => d.join(format!("{}.png", o.input.name)),
        };
        if same_file(&png_path, &o.input.path) {
            anyhow::bail!(
                "{}: writing {} would overwrite the input; choose another output",
                o.input.path.display(),
                png_path.display()
            );
        }
        if let Dest::File(p) = &self.dest {
            kmkit_io::atomic::write(p, &o.png)?;
            self.written.push(p.clone());
            return Ok(Some(p.clone()));
        }
        let dir = self.dir()?.expect("a folder destination");
        let mut paths = vec![dir.write(&format!("{}.png", o.input.name), &o.png)?];
        paths.push(match swatch {
            SwatchFormat::Svg => dir.write(
                &format!("{}.palette.svg", o.input.name),
                swatch_svg(o.palette.colors(), Some(&o.counts())).as_bytes(),
            )?,
            SwatchFormat::Png => dir.write(
                &format!("{}.palette.png", o.input.name),
                &swatch_png(o.palette.colors())?,
            )?,
        });
        if let Some(m) = model {
            paths.push(dir.write(&format!("{}.model.json", o.input.name), m)?);
        }
        self.written.extend(paths);
        Ok(Some(png_path))
    }
}

/// What [`each_image`] gathers: the outcomes, each image's output file (if
/// written) and the images that failed.
type Collected = (Vec<Outcome>, Vec<Option<PathBuf>>, Vec<Failure>);

/// The per-run part shared by fit and predict: loop over the images,
/// write each one's files, collect results and failures.
fn each_image(
    inputs: &[InputImage],
    writer: &mut Writer,
    v: &Verbosity,
    mut work: impl FnMut(&InputImage) -> anyhow::Result<(Outcome, Option<Vec<u8>>)>,
) -> anyhow::Result<Collected> {
    let bar = progress::bar(v, inputs.len() as u64, "quantizing");
    let (mut done, mut outputs, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for input in inputs {
        bar.set_message(input.name.clone());
        let result = work(input).and_then(|(o, model)| {
            let path = writer.image(&o, model.as_deref())?;
            Ok((o, path))
        });
        match result {
            Ok((o, path)) => {
                done.push(o);
                outputs.push(path);
            }
            // One image alone: its error is the run's error.
            Err(e) if inputs.len() == 1 => return Err(e),
            Err(e) => {
                bar.suspend(|| eprintln!("error: {e:#}"));
                failed.push(Failure {
                    file: input.path.display().to_string(),
                    error: format!("{e:#}"),
                });
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if done.is_empty() {
        anyhow::bail!("none of the {} images could be quantized", inputs.len());
    }
    Ok((done, outputs, failed))
}

/// Writes the run files (centroids.csv, model.json, summary.json,
/// report.html), prints the results, and fails if any image failed.
#[allow(clippy::too_many_arguments)]
fn finish_run(
    command: &'static str,
    mut writer: Writer,
    settings: Vec<(String, String)>,
    done: Vec<Outcome>,
    paths: Vec<Option<PathBuf>>,
    failed: Vec<Failure>,
    model: Option<Vec<u8>>,
    format: Format,
    v: &Verbosity,
) -> anyhow::Result<()> {
    let n_total = done.len() + failed.len();
    let mut summary = Summary {
        command,
        settings: serde_json::Value::Object(
            settings
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        ),
        images: done
            .iter()
            .zip(&paths)
            .map(|(o, p)| ImageSummary::of(o, p.as_deref()))
            .collect(),
        failed,
        outputs: Vec::new(),
    };
    let image_files: Vec<String> = writer
        .written
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if let Some(dir) = writer.dir()? {
        dir.write("centroids.csv", &centroids_csv(&done)?)?;
        if let Some(m) = &model {
            dir.write("model.json", m)?;
        }
        let title = match &done[..] {
            [o] => format!("image-quantize {command}: {}", o.input.name),
            _ => format!("image-quantize {command}: {} images", done.len()),
        };
        let report = outputs::report(&title, &settings, &done, &summary.failed);
        // Everything in the folder went through `dir`, image files included.
        let mut names: Vec<String> = dir
            .written()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        names.extend(["summary.json", "report.html"].map(|n| dir.path(n).display().to_string()));
        summary.outputs = names;
        run::write_report_and_summary(dir, &report, &summary)?;
        v.note(format!("wrote {}", dir.dir().display()));
    } else {
        summary.outputs = image_files;
    }
    match format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?)?,
        f => print(&outputs::table(&done, f).render(f))?,
    }
    if !summary.failed.is_empty() {
        anyhow::bail!(
            "{} of {n_total} images failed (see the errors above); the others were written",
            summary.failed.len()
        );
    }
    Ok(())
}

fn decode_options(png: &PngArgs) -> anyhow::Result<DecodeOptions> {
    if png.max_pixels == 0 {
        return Err(usage_error("--max-pixels 0: give at least 1"));
    }
    Ok(DecodeOptions {
        max_pixels: png.max_pixels,
    })
}

pub fn fit(args: FitArgs, raw: &Raw, v: Verbosity) -> anyhow::Result<()> {
    let k = k_mode(args.kmeans.k, raw.k.as_deref(), args.min_psnr)?;
    if args.sample == Some(0) {
        return Err(usage_error("--sample 0: sample at least 1 pixel"));
    }
    let km = &args.kmeans;
    let mut params = QuantizeParams::new(2)
        .space(args.space)
        .seed(km.seed)
        .n_init(km.n_init.unwrap_or(DEFAULT_N_INIT))
        .max_iter(km.max_iter)
        .tol(km.tol)
        .algorithm(km.algorithm)
        .threads(km.threads)
        .dither(if args.dither {
            Dither::FloydSteinberg
        } else {
            Dither::None
        });
    if let Some(n) = args.sample {
        params = params.sample(n);
    }
    if raw.init_given {
        params = params.init(km.init.clone());
    }
    let settings = Settings {
        params,
        k,
        decode: decode_options(&args.png)?,
        encoding: args.png.encoding,
    };
    let inputs = inputs::resolve(&args.inputs)?;
    let dest = dest(args.output.out.as_deref(), inputs.len())?;
    let mut writer = Writer {
        dest,
        dir: None,
        swatch: args.png.swatch,
        written: Vec::new(),
    };
    let several = inputs.len() > 1;
    let dither = settings.params.dither;
    let (done, paths, failed) = each_image(&inputs, &mut writer, &v, |input| {
        let o = quantize_file(input, &settings)?;
        // With several images each palette gets its own model file.
        let model = several.then(|| outputs::model_file(&o, dither).to_json());
        Ok((o, model))
    })?;
    let model = (!several).then(|| outputs::model_file(&done[0], dither).to_json());
    let report_settings = fit_settings(&inputs, &settings, args.sample);
    finish_run(
        "fit",
        writer,
        report_settings,
        done,
        paths,
        failed,
        model,
        args.output.format,
        &v,
    )
}

fn fit_settings(
    inputs: &[InputImage],
    s: &Settings,
    sample: Option<usize>,
) -> Vec<(String, String)> {
    let p = &s.params;
    let k = match s.k {
        KMode::Fixed(k) => k.to_string(),
        KMode::Auto { min, max, min_psnr } => {
            format!("auto: smallest in {min}..{max} with PSNR ≥ {min_psnr} dB")
        }
    };
    vec![
        ("images".into(), inputs.len().to_string()),
        ("k".into(), k),
        ("colour space".into(), p.space.name().into()),
        (
            "fit on".into(),
            sample.map_or("every pixel (histogram of unique colours)".into(), |n| {
                format!("a sample of {n} pixels")
            }),
        ),
        (
            "starts".into(),
            format!(
                "2 variance-partition + {} seeded ({})",
                p.n_init,
                p.init.name()
            ),
        ),
        ("seed".into(), p.seed.to_string()),
        ("max_iter".into(), p.max_iter.to_string()),
        (
            "dither".into(),
            serde_json::to_value(p.dither)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
        (
            "output PNG".into(),
            format!("{:?}", s.encoding).to_lowercase(),
        ),
    ]
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let (palette, state) = outputs::load_model(&args.model)?;
    let dither = if args.dither {
        Dither::FloydSteinberg
    } else {
        state.dither
    };
    let decode = decode_options(&args.png)?;
    let inputs = inputs::resolve(&args.inputs)?;
    let dest = dest(args.output.out.as_deref(), inputs.len())?;
    let mut writer = Writer {
        dest,
        dir: None,
        swatch: args.png.swatch,
        written: Vec::new(),
    };
    let encoding = args.png.encoding;
    let (done, paths, failed) = each_image(&inputs, &mut writer, &v, |input| {
        Ok((
            predict_file(input, &palette, dither, &decode, encoding)?,
            None,
        ))
    })
    .with_context(|| format!("applying the palette of {}", args.model.display()))?;
    let settings = vec![
        ("model".into(), args.model.display().to_string()),
        ("palette fitted on".into(), state.source.clone()),
        ("images".into(), inputs.len().to_string()),
        ("colours".into(), palette.len().to_string()),
        ("colour space".into(), palette.space().name().into()),
        (
            "dither".into(),
            serde_json::to_value(dither)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
    ];
    finish_run(
        "predict",
        writer,
        settings,
        done,
        paths,
        failed,
        None,
        args.output.format,
        &v,
    )
}
