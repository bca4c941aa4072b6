//! The palette: fitted by the core on the colour histogram, held as 8-bit
//! sRGB(A) entries plus the nearest-colour model that remaps pixels to them.

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use kmkit_core::{Algorithm, Init, Input, KMeans, KdTree, Model};

use crate::decode::Image;
use crate::error::{ImageError, Result};
use crate::histogram::Histogram;
use crate::params::{FitOn, QuantizeParams, MAX_COLORS};
use crate::seed::{coarse_rows, variance_partition};
use crate::space::{unit_to_u8, ColorSpace};

/// A palette of at most 256 RGBA colours and the space pixels are matched in.
///
/// Entry order is the PNG palette order. A fully transparent entry (alpha 0),
/// if any, stands for every fully transparent pixel and is never chosen by
/// colour; the other entries are matched by Euclidean distance in `space`
/// (with alpha as a fourth coordinate when any entry is partly transparent).
#[derive(Debug, Clone)]
pub struct Palette {
    space: ColorSpace,
    colors: Vec<[u8; 4]>,
    transparent: Option<u8>,
    with_alpha: bool,
    /// Palette index of each row of `model.centroids` (the distinct colours
    /// that are not fully transparent).
    rows: Vec<u8>,
    /// Centroids = those colours in `space`; `predict` is the nearest-colour search.
    model: Model,
}

/// The JSON form of a palette: what `predict` on a new image needs.
#[derive(Debug, Serialize, Deserialize)]
struct PaletteFile {
    format: String,
    space: ColorSpace,
    colors: Vec<String>,
}

const PALETTE_FORMAT: &str = "kmkit-palette-1";

impl Palette {
    /// A palette of the given RGBA colours, matched in `space`. Order is kept;
    /// the first fully transparent entry becomes the transparent index.
    pub fn new(space: ColorSpace, colors: Vec<[u8; 4]>) -> Result<Palette> {
        if colors.is_empty() || colors.len() > MAX_COLORS {
            return Err(ImageError::BadPalette(format!(
                "{} colours; a palette has 1 to 256",
                colors.len()
            )));
        }
        let transparent = colors.iter().position(|c| c[3] == 0).map(|i| i as u8);
        let with_alpha = colors.iter().any(|c| c[3] > 0 && c[3] < 255);
        let mut rows: Vec<u8> = Vec::new();
        for (i, c) in colors.iter().enumerate() {
            if c[3] > 0 && !rows.iter().any(|&r| colors[r as usize] == *c) {
                rows.push(i as u8);
            }
        }
        if rows.is_empty() {
            return Err(ImageError::BadPalette(
                "every colour is fully transparent: add at least one visible colour".into(),
            ));
        }
        let distinct: Vec<[u8; 4]> = rows.iter().map(|&r| colors[r as usize]).collect();
        let centroids = coordinates(&distinct, space, with_alpha);
        let model = nearest_model(centroids)?;
        Ok(Palette {
            space,
            colors,
            transparent,
            with_alpha,
            rows,
            model,
        })
    }

    /// Fits a `params.k`-colour palette to an image (on its histogram or a
    /// sample, as `params.fit_on` says).
    pub fn fit(image: &Image, params: &QuantizeParams) -> Result<Palette> {
        params.check()?;
        match params.fit_on {
            FitOn::Histogram => Palette::fit_histogram(&Histogram::of(image), params),
            FitOn::Sample { pixels } => {
                let has_transparent = image.pixels().iter().any(|p| p[3] == 0);
                fit_rows(
                    &Histogram::sample(image, pixels, params.seed),
                    has_transparent,
                    params,
                )
            }
        }
    }

    /// Fits a palette to a histogram (all its pixels, whatever `params.fit_on` says).
    pub fn fit_histogram(histogram: &Histogram, params: &QuantizeParams) -> Result<Palette> {
        params.check()?;
        fit_rows(histogram, histogram.has_transparent(), params)
    }

    /// Space colours are matched in.
    pub fn space(&self) -> ColorSpace {
        self.space
    }
    /// The entries, RGBA, in PNG palette order.
    pub fn colors(&self) -> &[[u8; 4]] {
        &self.colors
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.colors.len()
    }
    /// Always false: a palette has at least one colour.
    pub fn is_empty(&self) -> bool {
        self.colors.is_empty()
    }
    /// Index of the fully transparent entry, if any.
    pub fn transparent(&self) -> Option<u8> {
        self.transparent
    }
    /// Whether partial alpha is matched as a fourth coordinate.
    pub fn with_alpha(&self) -> bool {
        self.with_alpha
    }
    /// The colours as `#rrggbb` (or `#rrggbbaa` when not opaque).
    pub fn hex(&self) -> Vec<String> {
        self.colors.iter().map(|&c| hex(c)).collect()
    }
    /// The nearest-colour model (centroids = matchable colours in the fit space).
    pub fn model(&self) -> &Model {
        &self.model
    }
    /// Palette index of each row of the model's centroids.
    pub(crate) fn model_rows(&self) -> &[u8] {
        &self.rows
    }

    /// The palette as JSON (format `kmkit-palette-1`: space and hex colours).
    pub fn to_json(&self) -> String {
        let file = PaletteFile {
            format: PALETTE_FORMAT.into(),
            space: self.space,
            colors: self.hex(),
        };
        serde_json::to_string_pretty(&file).expect("a palette always serialises")
    }

    /// A palette from JSON written by [`Palette::to_json`].
    pub fn from_json(text: &str) -> Result<Palette> {
        let file: PaletteFile = serde_json::from_str(text)
            .map_err(|e| ImageError::BadPalette(format!("not a kmkit palette: {e}")))?;
        if file.format != PALETTE_FORMAT {
            return Err(ImageError::BadPalette(format!(
                "format {:?} is not {PALETTE_FORMAT:?}",
                file.format
            )));
        }
        let colors = file
            .colors
            .iter()
            .map(|s| parse_hex(s))
            .collect::<Result<Vec<_>>>()?;
        Palette::new(file.space, colors)
    }
}

/// `#rrggbb`, or `#rrggbbaa` when not opaque.
pub fn hex(c: [u8; 4]) -> String {
    if c[3] == 255 {
        format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
    } else {
        format!("#{:02x}{:02x}{:02x}{:02x}", c[0], c[1], c[2], c[3])
    }
}

/// Parses `#rrggbb` or `#rrggbbaa`.
pub fn parse_hex(s: &str) -> Result<[u8; 4]> {
    let bad =
        || ImageError::BadPalette(format!("{s:?} is not a colour: write #rrggbb or #rrggbbaa"));
    let h = s.strip_prefix('#').ok_or_else(bad)?;
    if !(h.len() == 6 || h.len() == 8) || !h.is_ascii() {
        return Err(bad());
    }
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| bad());
    Ok([
        byte(0)?,
        byte(2)?,
        byte(4)?,
        if h.len() == 8 { byte(6)? } else { 255 },
    ])
}

/// The fit proper: k-means on the visible unique colours weighted by count,
/// one entry kept for fully transparent pixels, centroids rounded to 8 bits.
fn fit_rows(hist: &Histogram, has_transparent: bool, params: &QuantizeParams) -> Result<Palette> {
    let rows = hist.visible_rows();
    if rows.is_empty() {
        return Err(ImageError::AllTransparent);
    }
    let space = params.space;
    let with_alpha = hist.has_partial_alpha();
    // The transparent entry counts against k, so the PNG palette never exceeds k.
    let n_colors = params.k - usize::from(has_transparent);
    let (x, w) = hist.coordinates(&rows, space, with_alpha);
    let colors: Vec<[u8; 4]> = if rows.len() <= n_colors {
        // Fewer colours than asked for: the palette is the colours themselves.
        to_rgba8(&x, space, with_alpha)
    } else {
        best_of_starts(&x, &w, n_colors, space, with_alpha, params)?
    };
    let mut colors = colors;
    // Partly transparent entries first keeps the tRNS chunk short; then dark
    // to light, which makes swatches readable and the order deterministic.
    colors.sort_by(|a, b| {
        let (la, lb) = (
            ColorSpace::Oklab.from_srgb8([a[0], a[1], a[2]])[0],
            ColorSpace::Oklab.from_srgb8([b[0], b[1], b[2]])[0],
        );
        a[3].cmp(&b[3]).then(la.total_cmp(&lb)).then(a.cmp(b))
    });
    colors.dedup();
    if has_transparent {
        colors.insert(0, [0, 0, 0, 0]);
    }
    Palette::new(space, colors)
}

/// Fits from several starts and keeps the palette whose 8-bit colours have
/// the least weighted squared error on the fit rows (the quantity PSNR
/// measures, after rounding): one variance-partition start and
/// `params.n_init` seeded ones (k-means‖ by default), all run in parallel.
/// No single start wins on every image and k (on china.jpg the
/// variance-partition start alone falls short of scikit-learn's all-pixel
/// fit at k = 32, the k-means‖ ones at k = 64).
///
/// The starts are computed on a coarse copy of the colours
/// ([`coarse_rows`]: 25,586 rows instead of 96,626 on china.jpg), which makes
/// seeding several times cheaper; every iteration runs on the exact rows.
fn best_of_starts(
    x: &Array2<f32>,
    w: &[f32],
    n_colors: usize,
    space: ColorSpace,
    with_alpha: bool,
    params: &QuantizeParams,
) -> Result<Vec<[u8; 4]>> {
    in_pool(params.threads, || {
        let (tree, (cx, cw)) = rayon::join(
            || KdTree::new(x.view(), Some(w)),
            || {
                let (cx, cw) = coarse_rows(x, w, COARSE_BITS);
                // A coarse copy too small to seed k clusters well: seed on the rows themselves.
                if cx.nrows() >= 16 * n_colors {
                    (cx, cw)
                } else {
                    (x.clone(), w.to_vec())
                }
            },
        );
        // The core's scale for `tol`, as scikit-learn's for weighted rows
        // (which ignores the weights): the unique colours' mean column
        // variance. On china.jpg that is half the pixels' variance, so the
        // fit stops at a tighter shift than scikit-learn's on all pixels;
        // the pixels' scale missed the china reference at k = 64 (BENCHMARKS.md).
        let tree = tree?;
        let tol = params.tol * mean_variance(x);
        let coarse = Input::from(&cx).weighted(&cw);
        // Each start seeds and iterates in one task, so no start waits for
        // the others' seeding. Start 0 is the variance partition, start
        // i ≥ 1 seeded run i − 1; results come back in start order.
        let fits: Vec<(f64, Vec<[u8; 4]>)> = (0..=params.n_init)
            .into_par_iter()
            .map(|start| -> Result<(f64, Vec<[u8; 4]>)> {
                let init = match start.checked_sub(1) {
                    None => variance_partition(cx.view(), &cw, n_colors),
                    Some(run) => {
                        // Threads 0: the pool this runs in.
                        let p = KMeans::params(n_colors)
                            .seed(params.seed.wrapping_add(run as u64))
                            .init(params.init.clone());
                        kmkit_core::init_centroids(coarse, &p)?
                    }
                };
                let centroids = iterate(&tree, x, w, init, params, tol)?;
                let colors = to_rgba8(&centroids, space, with_alpha);
                let rounded = coordinates(&colors, space, with_alpha);
                Ok((tree.inertia(rounded.view())?, colors))
            })
            .collect::<Result<_>>()?;
        let mut best: Option<(f64, Vec<[u8; 4]>)> = None;
        for (error, colors) in fits {
            if best.as_ref().is_none_or(|(e, _)| error < *e) {
                best = Some((error, colors));
            }
        }
        Ok(best.expect("at least one start").1)
    })?
}

/// Cells per axis of the coarse copy the starts are computed on, as a power
/// of two. On china.jpg (k = 8–256) 6 bits gave starts as good as the exact
/// rows (the variance-partition start better at k = 64); 5 bits (5,450 rows)
/// gave worse ones.
const COARSE_BITS: u32 = 6;

/// Lloyd iterations from `init` on the exact rows: the kd-tree filter for
/// `Auto`, `Lloyd` and `KdTree` (one tree for every start), the core's `fit`
/// for Hamerly, Elkan or Yinyang.
fn iterate(
    tree: &KdTree,
    x: &Array2<f32>,
    w: &[f32],
    init: Array2<f32>,
    params: &QuantizeParams,
    tol: f64,
) -> Result<Array2<f32>> {
    Ok(match params.algorithm {
        Algorithm::Auto | Algorithm::Lloyd | Algorithm::KdTree => {
            tree.lloyd(init, params.max_iter, tol)?.centroids
        }
        other => {
            KMeans::params(init.nrows())
                .init(Init::Given(init))
                .n_init(1)
                .max_iter(params.max_iter)
                .tol(params.tol)
                .algorithm(other)
                .refine(false)
                .fit(Input::from(x).weighted(w))?
                .centroids
        }
    })
}

/// Runs `f` on a pool of `threads` workers (0: rayon's global pool), as the core does.
fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    if threads == 0 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|_| kmkit_core::KMeansError::Threads(threads))?;
    Ok(pool.install(f))
}

/// Mean over columns of the unweighted column variance of `x`: the core's
/// scale for `tol` (see `best_of_starts`).
fn mean_variance(x: &Array2<f32>) -> f64 {
    let (n, d) = (x.nrows() as f64, x.ncols());
    let (mut sum, mut sq) = (vec![0.0f64; d], vec![0.0f64; d]);
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            sum[j] += f64::from(v);
            sq[j] += f64::from(v) * f64::from(v);
        }
    }
    (0..d)
        .map(|j| (sq[j] / n - (sum[j] / n).powi(2)).max(0.0))
        .sum::<f64>()
        / d as f64
}

/// Fit-space rows to 8-bit RGBA (clamped to the sRGB gamut, rounded).
fn to_rgba8(c: &Array2<f32>, space: ColorSpace, with_alpha: bool) -> Vec<[u8; 4]> {
    c.rows()
        .into_iter()
        .map(|c| {
            let rgb = space.to_srgb8([c[0] as f64, c[1] as f64, c[2] as f64]);
            // A visible cluster stays visible: alpha 0 is reserved for the transparent entry.
            let a = if with_alpha {
                unit_to_u8(c[3] as f64 / space.alpha_scale()).max(1)
            } else {
                255
            };
            [rgb[0], rgb[1], rgb[2], a]
        })
        .collect()
}

/// 8-bit RGBA colours as fit-space rows (3 columns, or 4 with scaled alpha).
fn coordinates(colors: &[[u8; 4]], space: ColorSpace, with_alpha: bool) -> Array2<f32> {
    let d = if with_alpha { 4 } else { 3 };
    let mut out = Array2::<f32>::zeros((colors.len(), d));
    for (o, c) in colors.iter().enumerate() {
        let v = space.from_srgb8([c[0], c[1], c[2]]);
        for j in 0..3 {
            out[[o, j]] = v[j] as f32;
        }
        if with_alpha {
            out[[o, 3]] = (c[3] as f64 / 255.0 * space.alpha_scale()) as f32;
        }
    }
    out
}

/// A core model whose centroids are exactly `centroids`, so that its
/// `predict` is the nearest-colour search.
///
/// The core has no constructor from given centroids, so this fits the rows to
/// themselves (given init, one iteration, no refinement) and then sets the
/// centroids back, which makes the result exact even if f32 rounding made two
/// near-identical rows trade places during that one iteration.
fn nearest_model(centroids: Array2<f32>) -> Result<Model> {
    let k = centroids.nrows();
    let mut model = KMeans::params(k)
        .init(Init::Given(centroids.clone()))
        .n_init(1)
        .max_iter(1)
        .refine(false)
        .fit(&centroids)?;
    model.centroids = centroids;
    model.warnings.clear();
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keeps_order_and_finds_the_transparent_entry() {
        let p = Palette::new(
            ColorSpace::Oklab,
            vec![
                [10, 20, 30, 255],
                [0, 0, 0, 0],
                [10, 20, 30, 255],
                [200, 0, 0, 255],
            ],
        )
        .unwrap();
        assert_eq!(p.transparent(), Some(1));
        assert_eq!(p.model_rows(), [0, 3]);
        assert_eq!(p.model().centroids.nrows(), 2);
        assert!(!p.with_alpha());
        let back = Palette::from_json(&p.to_json()).unwrap();
        assert_eq!(back.colors(), p.colors());
        assert_eq!(back.model().centroids, p.model().centroids);
    }

    #[test]
    fn bad_palettes_are_refused() {
        assert!(Palette::new(ColorSpace::Srgb, vec![]).is_err());
        assert!(Palette::new(ColorSpace::Srgb, vec![[0, 0, 0, 0]]).is_err());
        assert!(Palette::new(ColorSpace::Srgb, vec![[1, 2, 3, 255]; 257]).is_err());
        assert!(Palette::from_json("{}").is_err());
        assert!(
            parse_hex("#12345").is_err()
                && parse_hex("123456").is_err()
                && parse_hex("#12345g").is_err()
        );
        assert_eq!(parse_hex("#0a0B0c").unwrap(), [10, 11, 12, 255]);
        assert_eq!(hex([10, 11, 12, 128]), "#0a0b0c80");
    }

    #[test]
    fn a_two_colour_image_gets_its_two_colours_back() {
        let im = Image::from_rgb8(3, 1, &[255, 0, 0, 0, 0, 255, 255, 0, 0]).unwrap();
        for space in ColorSpace::ALL {
            let p = Palette::fit(&im, &QuantizeParams::new(4).space(space)).unwrap();
            // Blue is darker than red in Oklab, so it comes first.
            assert_eq!(p.colors(), [[0, 0, 255, 255], [255, 0, 0, 255]], "{space}");
        }
    }
}
