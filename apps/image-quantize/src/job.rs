//! One image through the pipeline: decode → fit (or reuse) a palette →
//! remap → encode, with the quality metrics and the report's pictures.
//! Nothing here writes files: the caller writes the bytes atomically.

use std::path::Path;
use std::time::Instant;

use kmkit_image::{
    auto_k_in, compare, open, quantize, DecodeOptions, Dither, Histogram, Image, Indexed, Palette,
    PngCompression, Quality, QuantizeParams,
};

use crate::inputs::InputImage;

/// How many colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KMode {
    /// Exactly this many (fewer when the image has fewer colours).
    Fixed(usize),
    /// The smallest k in `min..=max` whose PSNR reaches `min_psnr` dB.
    Auto {
        /// Smallest k tried.
        min: usize,
        /// Largest k tried.
        max: usize,
        /// Target PSNR in dB.
        min_psnr: f64,
    },
}

/// What the output PNG holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// Palette + one index per pixel, 1/2/4/8 bits by palette size, tRNS for alpha.
    Indexed,
    /// Plain 8-bit RGB (RGBA when the palette has transparency): for tools
    /// that mishandle palette images.
    Rgb,
}

/// Everything that decides a run's result, shared by all its images.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Space, seed, starts, iterations, dithering, threads (`k` is set per mode).
    pub params: QuantizeParams,
    /// Fixed k or a PSNR target.
    pub k: KMode,
    /// Decoder limits.
    pub decode: DecodeOptions,
    /// Indexed or plain RGB output.
    pub encoding: Encoding,
}

/// The `--k auto` search for one image.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AutoSearch {
    /// The PSNR target, dB.
    pub min_psnr: f64,
    /// Whether the chosen k meets it (false: even the largest k fell short).
    pub met: bool,
    /// Every k tried and its PSNR (dB).
    pub tried: Vec<(usize, f64)>,
}

/// PNG pictures for the report: the whole image (nearest-neighbour
/// thumbnail) and a 1:1 centre crop, before and after.
#[derive(Debug, Clone)]
pub struct Views {
    /// Thumbnail of the original.
    pub before: Vec<u8>,
    /// The same pixels, quantized.
    pub after: Vec<u8>,
    /// Centre crop of the original.
    pub before_crop: Vec<u8>,
    /// The same crop, quantized.
    pub after_crop: Vec<u8>,
    /// Thumbnail size.
    pub size: (u32, u32),
    /// Crop size.
    pub crop_size: (u32, u32),
}

/// Longest side of the report's thumbnails.
pub const THUMBNAIL_SIDE: u32 = 320;
/// Side of the report's 1:1 crops.
pub const CROP_SIDE: u32 = 160;

/// One image's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The input.
    pub input: InputImage,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Bits per channel of the source (8 or 16).
    pub bit_depth: u8,
    /// Unique colours of the source.
    pub unique_colors: usize,
    /// The palette (fitted, or the saved one on predict).
    pub palette: Palette,
    /// Every pixel as a palette index: the image's cluster labels.
    pub indexed: Indexed,
    /// PSNR, SSIM, ΔE2000 of the result against the source.
    pub quality: Quality,
    /// Size of the input file.
    pub bytes_before: u64,
    /// The encoded output PNG.
    pub png: Vec<u8>,
    /// The `--k auto` search, when there was one.
    pub auto: Option<AutoSearch>,
    /// Seconds spent fitting and remapping (decode and encode excluded).
    pub seconds: f64,
    /// Pictures for the report.
    pub views: Views,
}

impl Outcome {
    /// Output bytes over input bytes.
    pub fn ratio(&self) -> f64 {
        self.png.len() as f64 / self.bytes_before.max(1) as f64
    }
    /// Pixels per palette entry.
    pub fn counts(&self) -> Vec<u64> {
        self.indexed.counts()
    }
}

fn read(input: &InputImage, decode: &DecodeOptions) -> anyhow::Result<(Image, u64)> {
    let bytes_before = std::fs::metadata(&input.path)?.len();
    Ok((open(&input.path, decode)?, bytes_before))
}

/// Fits a palette to one image and remaps it. Errors name the file.
pub fn quantize_file(input: &InputImage, settings: &Settings) -> anyhow::Result<Outcome> {
    in_file(input, || quantize_image(input, settings))
}

/// Runs `f`, prefixing its error with the input's path.
fn in_file<T>(input: &InputImage, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    f().map_err(|e| e.context(input.path.display().to_string()))
}

fn quantize_image(input: &InputImage, settings: &Settings) -> anyhow::Result<Outcome> {
    let (image, bytes_before) = read(input, &settings.decode)?;
    let t = Instant::now();
    let (q, auto) = match settings.k {
        KMode::Fixed(k) => {
            let params = QuantizeParams {
                k,
                ..settings.params.clone()
            };
            (quantize(&image, &params)?, None)
        }
        KMode::Auto { min, max, min_psnr } => {
            let a = auto_k_in(&image, &settings.params, min_psnr, min, max)?;
            let search = AutoSearch {
                min_psnr,
                met: a.met,
                tried: a.tried,
            };
            (a.quantized, Some(search))
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    finish(
        input.clone(),
        &image,
        bytes_before,
        q.palette,
        q.indexed,
        settings.encoding,
        auto,
        seconds,
    )
}

/// Remaps one image to a saved palette. Errors name the file.
pub fn predict_file(
    input: &InputImage,
    palette: &Palette,
    dither: Dither,
    decode: &DecodeOptions,
    encoding: Encoding,
) -> anyhow::Result<Outcome> {
    in_file(input, || {
        predict_image(input, palette, dither, decode, encoding)
    })
}

fn predict_image(
    input: &InputImage,
    palette: &Palette,
    dither: Dither,
    decode: &DecodeOptions,
    encoding: Encoding,
) -> anyhow::Result<Outcome> {
    let (image, bytes_before) = read(input, decode)?;
    let t = Instant::now();
    let indexed = palette.remap(&image, dither)?;
    let seconds = t.elapsed().as_secs_f64();
    finish(
        input.clone(),
        &image,
        bytes_before,
        palette.clone(),
        indexed,
        encoding,
        None,
        seconds,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    input: InputImage,
    image: &Image,
    bytes_before: u64,
    palette: Palette,
    indexed: Indexed,
    encoding: Encoding,
    auto: Option<AutoSearch>,
    seconds: f64,
) -> anyhow::Result<Outcome> {
    let png = match encoding {
        Encoding::Indexed => indexed.to_png()?,
        Encoding::Rgb => indexed.to_rgb_png()?,
    };
    let quality = compare(image, &indexed.to_image())?;
    let views = views(image, &indexed)?;
    Ok(Outcome {
        width: image.width(),
        height: image.height(),
        bit_depth: image.bit_depth(),
        unique_colors: Histogram::of(image).len(),
        input,
        palette,
        indexed,
        quality,
        bytes_before,
        png,
        auto,
        seconds,
        views,
    })
}

fn views(image: &Image, indexed: &Indexed) -> anyhow::Result<Views> {
    let rgba = |im: &Image| kmkit_image::encode_rgba8(im.width(), im.height(), &im.to_rgba8());
    let (thumb, crop) = (
        image.thumbnail(THUMBNAIL_SIDE),
        image.crop_centre(CROP_SIDE),
    );
    Ok(Views {
        before: rgba(&thumb)?,
        after: indexed
            .thumbnail(THUMBNAIL_SIDE)
            .to_png_with(PngCompression::Fast)?,
        before_crop: rgba(&crop)?,
        after_crop: indexed
            .crop_centre(CROP_SIDE)
            .to_png_with(PngCompression::Fast)?,
        size: (thumb.width(), thumb.height()),
        crop_size: (crop.width(), crop.height()),
    })
}

/// Where an output of `input` would overwrite the input itself: refused,
/// since inputs are never modified.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
