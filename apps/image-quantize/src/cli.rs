//! The command line.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use image_quantize::job::Encoding;
use kmkit_cli::{CompletionsArgs, KMeansArgs, OutputArgs, Verbosity};
use kmkit_image::{ColorSpace, DEFAULT_MAX_PIXELS, DEFAULT_N_INIT};

const EXAMPLES: &str = "\
Examples:
  image-quantize photo.jpg -k 64 -o photo-64.png        one image to a 64-colour indexed PNG
  image-quantize photo.jpg -k 16 --space oklab --dither -o out/   PNG, swatch, model, report in out/
  image-quantize shots/ --k auto --min-psnr 38 --out out/        smallest k reaching 38 dB, per image
  image-quantize predict --model out/model.json other.png -o other-16.png   reuse a saved palette
  image-quantize --out tour/image-quantize -q --format json   the bundled images (datasets/images/)

-o/--out: a path ending in .png is the output image (one input only); anything else is
a folder receiving, per image, NAME.png (the quantized image), NAME.palette.svg (or .png,
--swatch), and for the run centroids.csv (every palette entry: the k-means centroids),
model.json (one input; NAME.model.json each with several), summary.json and report.html.
The indexed PNG is the k-means labels: one palette index per pixel.";

#[derive(Debug, Parser)]
#[command(
    name = "image-quantize",
    version,
    about = "Reduce images to k-colour palettes with k-means: indexed PNG, swatch, quality table, report",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub verbosity: Verbosity,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remap images to a palette saved by an earlier run (model.json)
    Predict(PredictArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

fn parse_space(s: &str) -> Result<ColorSpace, String> {
    s.parse()
        .map_err(|e: kmkit_image::ImageError| e.to_string())
}

/// Swatch file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SwatchFormat {
    /// Scalable, with each colour's hex code and share as a tooltip.
    Svg,
    /// 32×32 pixels per colour.
    Png,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Images")]
pub struct PngArgs {
    /// Output PNG: indexed (palette; 1/2/4/8 bits by k) or plain rgb
    #[arg(long = "png", value_enum, default_value_t = Encoding::Indexed)]
    pub encoding: Encoding,
    /// Palette swatch file format
    #[arg(long, value_enum, default_value_t = SwatchFormat::Svg)]
    pub swatch: SwatchFormat,
    /// Refuse images with more pixels than this (checked before decoding)
    #[arg(long, default_value_t = DEFAULT_MAX_PIXELS, value_name = "N")]
    pub max_pixels: u64,
}

#[derive(Debug, Clone, Args)]
pub struct FitArgs {
    /// Image files or folders [default: the bundled images, datasets/images/]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Colour space distances are measured in: srgb (as scikit-learn), linear, lab, oklab
    #[arg(long, default_value = "srgb", value_parser = parse_space, help_heading = "Images")]
    pub space: ColorSpace,
    /// Floyd–Steinberg dithering (serpentine) when remapping
    #[arg(long, help_heading = "Images")]
    pub dither: bool,
    /// With --k auto or A..B: the PSNR (dB) the chosen k must reach
    #[arg(
        long,
        default_value_t = 35.0,
        value_name = "DB",
        help_heading = "Images"
    )]
    pub min_psnr: f64,
    /// Fit on N random pixels instead of every pixel's colour (scikit-learn's example: 1000)
    #[arg(long, value_name = "N", help_heading = "Images")]
    pub sample: Option<usize>,
    #[command(flatten)]
    pub png: PngArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// model.json (or NAME.model.json) written by an earlier run with --out
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Image files or folders [default: the bundled images, datasets/images/]
    pub inputs: Vec<PathBuf>,
    /// Dither even if the saved palette was fitted without
    #[arg(long)]
    pub dither: bool,
    #[command(flatten)]
    pub png: PngArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What clap's parsed values cannot tell apart.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    /// `-k` as typed: `auto` (2..256 for images) and the range `2..10`
    /// parse to the same value.
    pub k: Option<String>,
    /// Whether `--init` was given (its default is the tables' k-means++;
    /// palettes default to kmkit-image's own).
    pub init_given: bool,
}

/// Parses the command line.
pub fn parse() -> (Cli, Raw) {
    let cmd = Cli::command()
        .mut_arg("k", |a| {
            a.help("Colours: N (2–256), auto (smallest k in 2..256 reaching --min-psnr), or A..B (the same within A..B) [default: 64]")
        })
        .mut_arg("n_init", |a| {
            a.help(format!(
                "Seeded k-means runs besides the two variance-partition starts; the palette with \
                 least error after rounding to 8 bits wins (0: fastest) [default: {DEFAULT_N_INIT}]"
            ))
        })
        .mut_arg("init", |a| {
            a.help("Seeding of the seeded runs: k-means++, k-means|| or random [default: k-means||]")
                .hide_default_value(true)
        })
        .mut_arg("algorithm", |a| {
            a.help("Iteration algorithm; auto (and lloyd, and kd-tree) is the kd-tree filtering Lloyd on the colours; hamerly, elkan and yinyang run those")
        })
        .mut_arg("out", out_help)
        .mut_subcommand("predict", |s| s.mut_arg("out", out_help));
    let matches = cmd.get_matches();
    let raw = Raw {
        k: matches
            .get_raw("k")
            .and_then(|mut v| v.next())
            .map(|s| s.to_string_lossy().into_owned()),
        init_given: matches.value_source("init") == Some(clap::parser::ValueSource::CommandLine),
    };
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    (cli, raw)
}

fn out_help(a: clap::Arg) -> clap::Arg {
    a.help("Output: FILE.png (one input) or a folder for images, swatches, palettes, summary and report")
        .value_name("FILE.png|DIR")
}
