//! The whole job in one call: histogram → palette fit → remap; and the
//! choice of the smallest k that meets a PSNR target.

use std::collections::BTreeMap;

use crate::decode::Image;
use crate::error::{ImageError, Result};
use crate::histogram::Histogram;
use crate::indexed::Indexed;
use crate::palette::Palette;
use crate::params::{FitOn, QuantizeParams, MAX_COLORS};
use crate::quality::{mse, psnr};

/// A fitted palette and the image remapped to it.
#[derive(Debug, Clone)]
pub struct Quantized {
    /// The palette (serialisable with [`Palette::to_json`], reusable on other images).
    pub palette: Palette,
    /// Every pixel as a palette index.
    pub indexed: Indexed,
}

/// Fits a palette to `image` and remaps every pixel to it.
pub fn quantize(image: &Image, params: &QuantizeParams) -> Result<Quantized> {
    params.check()?;
    let histogram = Histogram::of(image);
    quantize_with(image, &histogram, params)
}

fn quantize_with(
    image: &Image,
    histogram: &Histogram,
    params: &QuantizeParams,
) -> Result<Quantized> {
    let palette = match params.fit_on {
        FitOn::Histogram => Palette::fit_histogram(histogram, params)?,
        FitOn::Sample { .. } => Palette::fit(image, params)?,
    };
    let indexed = palette.remap_with(image, histogram, params.dither)?;
    Ok(Quantized { palette, indexed })
}

/// The outcome of [`auto_k`].
#[derive(Debug, Clone)]
pub struct AutoK {
    /// The k chosen.
    pub k: usize,
    /// Whether its PSNR meets the target (false only when even 256 colours miss it).
    pub met: bool,
    /// PSNR of the chosen k, in dB.
    pub psnr_db: f64,
    /// The quantization at that k.
    pub quantized: Quantized,
    /// Every k tried and its PSNR, ascending by k.
    pub tried: Vec<(usize, f64)>,
}

/// The smallest k in 2–256 whose quantization (with `params`, whose own `k`
/// is ignored) reaches `min_psnr_db`. See [`auto_k_in`].
pub fn auto_k(image: &Image, params: &QuantizeParams, min_psnr_db: f64) -> Result<AutoK> {
    auto_k_in(image, params, min_psnr_db, 2, MAX_COLORS)
}

/// The smallest k in `min_k..=max_k` whose quantization (with `params`,
/// whose own `k` is ignored) reaches `min_psnr_db`.
///
/// PSNR grows with k for all practical purposes, so this is a bisection:
/// about log2(max_k − min_k) quantizations, all sharing one histogram. If
/// the target is out of reach at `max_k` colours, the result is `max_k`
/// with `met = false`.
pub fn auto_k_in(
    image: &Image,
    params: &QuantizeParams,
    min_psnr_db: f64,
    min_k: usize,
    max_k: usize,
) -> Result<AutoK> {
    if !min_psnr_db.is_finite() || min_psnr_db <= 0.0 {
        return Err(ImageError::InvalidParam {
            name: "min_psnr",
            value: min_psnr_db.to_string(),
            expected: "a finite number of dB above 0 (30–40 is typical)",
        });
    }
    if min_k > max_k {
        return Err(ImageError::InvalidParam {
            name: "k range",
            value: format!("{min_k}..{max_k}"),
            expected: "a non-empty range A..B with A <= B",
        });
    }
    for k in [min_k, max_k] {
        QuantizeParams {
            k,
            ..params.clone()
        }
        .check()?;
    }
    let histogram = Histogram::of(image);
    let mut results: BTreeMap<usize, (f64, Quantized)> = BTreeMap::new();
    let mut run = |k: usize| -> Result<f64> {
        let q = quantize_with(
            image,
            &histogram,
            &QuantizeParams {
                k,
                ..params.clone()
            },
        )?;
        let p = psnr(mse(image, &q.indexed.to_image())?);
        results.insert(k, (p, q));
        Ok(p)
    };
    let (mut lo, mut hi) = (min_k, max_k);
    let met = run(hi)? >= min_psnr_db;
    if met && lo < hi {
        if run(lo)? >= min_psnr_db {
            hi = lo;
        }
        // Invariant: k = hi meets the target, k = lo does not.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if run(mid)? >= min_psnr_db {
                hi = mid;
            } else {
                lo = mid;
            }
        }
    }
    let tried = results.iter().map(|(&k, (p, _))| (k, *p)).collect();
    let (psnr_db, quantized) = results.remove(&hi).expect("hi was run");
    Ok(AutoK {
        k: hi,
        met,
        psnr_db,
        quantized,
        tried,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient() -> Image {
        let (w, h) = (48u32, 32u32);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % w * 5) as u8, (i / w * 7) as u8, 90])
            .collect();
        Image::from_rgb8(w, h, &rgb).unwrap()
    }

    #[test]
    fn auto_k_finds_the_smallest_k_meeting_the_target() {
        let im = gradient();
        let a = auto_k(&im, &QuantizeParams::new(2), 30.0).unwrap();
        assert!(a.met && a.psnr_db >= 30.0);
        assert!(a.k > 2 && a.k < 256);
        // The k below the answer was tried and missed.
        let below = a.tried.iter().rev().find(|(k, _)| *k < a.k).unwrap();
        assert_eq!(below.0, a.k - 1);
        assert!(below.1 < 30.0);
        assert_eq!(a.quantized.palette.len(), a.k);
    }

    #[test]
    fn an_unreachable_target_says_so() {
        let a = auto_k(&gradient(), &QuantizeParams::new(2), 200.0).unwrap();
        assert!(!a.met);
        assert_eq!(a.k, 256);
        assert!(auto_k(&gradient(), &QuantizeParams::new(2), f64::NAN).is_err());
    }

    #[test]
    fn alpha_survives_the_whole_pipeline() {
        // Left half transparent, a band half-transparent, the rest an opaque gradient.
        let (w, h) = (40u32, 20u32);
        let mut rgba = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let a = if x < 10 {
                    0
                } else if x < 20 {
                    128
                } else {
                    255
                };
                rgba.extend([(x * 6) as u8, (y * 12) as u8, 50, a]);
            }
        }
        let im = Image::from_rgba8(w, h, &rgba).unwrap();
        for space in crate::ColorSpace::ALL {
            let q = quantize(&im, &QuantizeParams::new(8).space(space)).unwrap();
            let p = &q.palette;
            assert_eq!(p.len(), 8, "{space}");
            assert_eq!(p.transparent(), Some(0));
            assert!(p.with_alpha());
            let out = q.indexed.to_rgba8();
            for (i, px) in rgba.chunks(4).enumerate() {
                let got = out[i * 4 + 3];
                match px[3] {
                    0 => assert_eq!(got, 0, "{space}: transparent pixel {i}"),
                    128 => assert!(
                        (100..=160).contains(&got),
                        "{space}: half-transparent pixel {i} got {got}"
                    ),
                    _ => assert!(got >= 200, "{space}: opaque pixel {i} got alpha {got}"),
                }
            }
            let png = q.indexed.to_png().unwrap();
            let back = crate::decode(&png, &crate::DecodeOptions::default()).unwrap();
            assert_eq!(back.to_rgba8(), out, "{space}");
        }
        let clear = Image::from_rgba8(2, 1, &[0; 8]).unwrap();
        assert!(matches!(
            quantize(&clear, &QuantizeParams::new(4)),
            Err(ImageError::AllTransparent)
        ));
    }

    #[test]
    fn sampled_fit_is_close_to_the_exact_one() {
        let im = gradient();
        let exact = quantize(&im, &QuantizeParams::new(16)).unwrap();
        let sampled = quantize(&im, &QuantizeParams::new(16).sample(500)).unwrap();
        let p = |q: &Quantized| psnr(mse(&im, &q.indexed.to_image()).unwrap());
        assert!(
            p(&sampled) > p(&exact) - 3.0,
            "{} vs {}",
            p(&sampled),
            p(&exact)
        );
    }
}
