//! How close a quantized image is to its original: MSE and PSNR (as
//! scikit-learn's example reports them), SSIM (Wang et al. 2004) and CIEDE2000
//! colour differences (Sharma, Wu & Dalal 2005).
//!
//! Pixels that are fully transparent in the original are invisible, so they
//! are left out of MSE and ΔE and count as identical in SSIM. Colours are
//! compared as stored (not premultiplied); alpha itself is not scored.

use serde::{Deserialize, Serialize};

use crate::decode::Image;
use crate::error::{ImageError, Result};
use crate::space::{linear_to_lab, srgb_to_linear};

/// The quality metrics of one quantized image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Mean squared error over R, G, B on the 0–255 scale.
    pub mse: f64,
    /// `10 log10(255² / mse)` in dB; infinite when the images are identical.
    pub psnr_db: f64,
    /// Mean SSIM of the luminance (BT.601 luma, 0–255).
    pub ssim: f64,
    /// Mean CIEDE2000 difference per visible pixel.
    pub delta_e_mean: f64,
    /// 95th percentile (nearest rank) of the per-pixel CIEDE2000 differences.
    pub delta_e_p95: f64,
}

/// Every metric of `quantized` against `original`.
pub fn compare(original: &Image, quantized: &Image) -> Result<Quality> {
    let mse = mse(original, quantized)?;
    let (delta_e_mean, delta_e_p95) = delta_e_2000(original, quantized)?;
    Ok(Quality { mse, psnr_db: psnr(mse), ssim: ssim(original, quantized)?, delta_e_mean, delta_e_p95 })
}

fn check_sizes(a: &Image, b: &Image) -> Result<()> {
    if (a.width(), a.height()) != (b.width(), b.height()) {
        return Err(ImageError::SizeMismatch(format!("{}×{} and {}×{}", a.width(), a.height(), b.width(), b.height())));
    }
    Ok(())
}

/// Pairs of (original, other) pixels that are visible in the original.
fn visible<'a>(a: &'a Image, b: &'a Image) -> Result<impl Iterator<Item = (&'a [u16; 4], &'a [u16; 4])>> {
    check_sizes(a, b)?;
    if a.pixels().iter().all(|p| p[3] == 0) {
        return Err(ImageError::AllTransparent);
    }
    Ok(a.pixels().iter().zip(b.pixels()).filter(|(p, _)| p[3] > 0))
}

/// Mean squared error over R, G, B of the visible pixels, on the 0–255 scale
/// (16-bit values are divided by 257).
pub fn mse(original: &Image, other: &Image) -> Result<f64> {
    let (mut sum, mut n) = (0.0f64, 0u64);
    for (p, q) in visible(original, other)? {
        for c in 0..3 {
            let e = (f64::from(p[c]) - f64::from(q[c])) / 257.0;
            sum += e * e;
        }
        n += 3;
    }
    Ok(sum / n as f64)
}

/// Peak signal-to-noise ratio in dB of an MSE on the 0–255 scale.
pub fn psnr(mse: f64) -> f64 {
    if mse <= 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Side of the SSIM window and its Gaussian σ (Wang et al. 2004).
const SSIM_WINDOW: usize = 11;
const SSIM_SIGMA: f64 = 1.5;
const SSIM_K1: f64 = 0.01;
const SSIM_K2: f64 = 0.03;

/// Mean structural similarity of the luminance (Wang, Bovik, Sheikh &
/// Simoncelli 2004, with their defaults: 11×11 Gaussian window, σ = 1.5,
/// K1 = 0.01, K2 = 0.03, L = 255), over the positions where the window fits
/// inside the image (as their `ssim_index.m`, no downsampling).
///
/// Luminance is BT.601 luma `0.299 R + 0.587 G + 0.114 B`, as MATLAB's
/// `rgb2gray` that their code was run with. An image narrower or shorter than
/// 11 pixels uses the largest odd window that fits.
pub fn ssim(original: &Image, other: &Image) -> Result<f64> {
    check_sizes(original, other)?;
    let luma = |p: &[u16; 4]| (0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])) / 257.0;
    let x: Vec<f64> = original.pixels().iter().map(luma).collect();
    let y: Vec<f64> = original
        .pixels()
        .iter()
        .zip(other.pixels())
        .map(|(p, q)| if p[3] == 0 { luma(p) } else { luma(q) })
        .collect();
    let (w, h) = (original.width() as usize, original.height() as usize);
    let side = SSIM_WINDOW.min(w).min(h);
    let side = if side % 2 == 0 { side - 1 } else { side };
    let kernel = gaussian(side, SSIM_SIGMA);
    let xy: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let xx: Vec<f64> = x.iter().map(|a| a * a).collect();
    let yy: Vec<f64> = y.iter().map(|a| a * a).collect();
    let [mx, my, sxx, syy, sxy] = [&x, &y, &xx, &yy, &xy].map(|img| filter_valid(img, w, h, &kernel));
    let (c1, c2) = ((SSIM_K1 * 255.0).powi(2), (SSIM_K2 * 255.0).powi(2));
    let mut total = 0.0;
    for i in 0..mx.len() {
        let (ux, uy) = (mx[i], my[i]);
        let (vx, vy, cxy) = (sxx[i] - ux * ux, syy[i] - uy * uy, sxy[i] - ux * uy);
        total += ((2.0 * ux * uy + c1) * (2.0 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
    Ok(total / mx.len() as f64)
}

/// A normalised 1-D Gaussian of odd length `n`.
fn gaussian(n: usize, sigma: f64) -> Vec<f64> {
    let r = (n / 2) as f64;
    let g: Vec<f64> = (0..n).map(|i| (-((i as f64 - r).powi(2)) / (2.0 * sigma * sigma)).exp()).collect();
    let s: f64 = g.iter().sum();
    g.into_iter().map(|v| v / s).collect()
}

/// Separable filtering of a `w × h` image with `k` (rows then columns),
/// keeping only positions where the whole window fits ("valid").
fn filter_valid(img: &[f64], w: usize, h: usize, k: &[f64]) -> Vec<f64> {
    let n = k.len();
    let (ow, oh) = (w + 1 - n, h + 1 - n);
    let mut rows = vec![0.0; ow * h];
    for y in 0..h {
        let src = &img[y * w..(y + 1) * w];
        for x in 0..ow {
            rows[y * ow + x] = k.iter().zip(&src[x..x + n]).map(|(a, b)| a * b).sum();
        }
    }
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for (t, &kt) in k.iter().enumerate() {
            let src = &rows[(y + t) * ow..(y + t + 1) * ow];
            for (o, &s) in out[y * ow..(y + 1) * ow].iter_mut().zip(src) {
                *o += kt * s;
            }
        }
    }
    out
}

/// Mean and 95th percentile (nearest rank) of the CIEDE2000 difference
/// between corresponding visible pixels, both read as sRGB and taken to
/// CIELAB under D65.
pub fn delta_e_2000(original: &Image, other: &Image) -> Result<(f64, f64)> {
    // The sRGB curve through a table over all 16-bit values: both images
    // share it, and it is far cheaper than a `powf` per channel per pixel.
    let linear: Vec<f64> = (0..=u16::MAX).map(|v| srgb_to_linear(f64::from(v) / 65535.0)).collect();
    let lab = |p: &[u16; 4]| linear_to_lab([p[0], p[1], p[2]].map(|v| linear[v as usize]));
    let mut d: Vec<f64> = visible(original, other)?.map(|(p, q)| ciede2000(lab(p), lab(q))).collect();
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    let rank = ((0.95 * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1;
    let (_, p95, _) = d.select_nth_unstable_by(rank, f64::total_cmp);
    Ok((mean, *p95))
}

/// The CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1),
/// as specified by Sharma, Wu & Dalal (2005), including their notes on hue
/// angles of achromatic colours and the mean hue across 0°.
pub fn ciede2000(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    let pow7 = |v: f64| v.powi(7);
    let c_bar = ((a1 * a1 + b1 * b1).sqrt() + (a2 * a2 + b2 * b2).sqrt()) / 2.0;
    let g = 0.5 * (1.0 - (pow7(c_bar) / (pow7(c_bar) + pow7(25.0))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = ((a1p * a1p + b1 * b1).sqrt(), (a2p * a2p + b2 * b2).sqrt());
    let hue = |b: f64, a: f64| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let chroma_product = c1p * c2p;
    let dh = if chroma_product == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let d_hue = 2.0 * chroma_product.sqrt() * (dh.to_radians() / 2.0).sin();
    let l_bar = (l1 + l2) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let h_bar = if chroma_product == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let cos = |deg: f64| deg.to_radians().cos();
    let t = 1.0 - 0.17 * cos(h_bar - 30.0) + 0.24 * cos(2.0 * h_bar) + 0.32 * cos(3.0 * h_bar + 6.0)
        - 0.20 * cos(4.0 * h_bar - 63.0);
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (pow7(cp_bar) / (pow7(cp_bar) + pow7(25.0))).sqrt();
    let sl = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cp_bar;
    let sh = 1.0 + 0.015 * cp_bar * t;
    let rt = -(2.0 * d_theta).to_radians().sin() * rc;
    let (tl, tc, th) = (dl / sl, dc / sc, d_hue / sh);
    (tl * tl + tc * tc + th * th + rt * tc * th).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sharma, Wu & Dalal (2005), Table 1: the 34 CIEDE2000 test pairs
    /// (L1, a1, b1, L2, a2, b2, ΔE00 to 4 decimals).
    const SHARMA: [[f64; 7]; 34] = [
        [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
        [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
        [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
        [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
        [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
        [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
        [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
        [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
        [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
        [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
        [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
        [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
        [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
        [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
        [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
        [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
        [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
        [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
        [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
        [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
    ];

    #[test]
    fn ciede2000_matches_sharmas_34_pairs_to_4_decimals() {
        for (i, r) in SHARMA.iter().enumerate() {
            let (p, q) = ([r[0], r[1], r[2]], [r[3], r[4], r[5]]);
            let d = ciede2000(p, q);
            assert!((d - r[6]).abs() < 5e-5, "pair {}: {d:.6} vs {}", i + 1, r[6]);
            // The formula is symmetric.
            assert!((ciede2000(q, p) - d).abs() < 1e-9, "pair {} not symmetric", i + 1);
        }
        assert_eq!(ciede2000([50.0, 10.0, -3.0], [50.0, 10.0, -3.0]), 0.0);
    }

    fn grey(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Image {
        let mut rgb = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let v = f(x, y);
                rgb.extend([v, v, v]);
            }
        }
        Image::from_rgb8(w, h, &rgb).unwrap()
    }

    #[test]
    fn identical_images_are_perfect() {
        let a = grey(20, 15, |x, y| (x * 10 + y * 3) as u8);
        let q = compare(&a, &a).unwrap();
        assert_eq!((q.mse, q.psnr_db, q.delta_e_mean, q.delta_e_p95), (0.0, f64::INFINITY, 0.0, 0.0));
        assert!((q.ssim - 1.0).abs() < 1e-12);
    }

    #[test]
    fn psnr_of_a_constant_offset() {
        let a = grey(16, 16, |x, _| 100 + x as u8);
        let b = grey(16, 16, |x, _| 104 + x as u8);
        assert_eq!(mse(&a, &b).unwrap(), 16.0);
        assert!((psnr(16.0) - 10.0 * (65025.0f64 / 16.0).log10()).abs() < 1e-12);
        // A uniform shift keeps structure: SSIM is the luminance term alone, < 1 but close.
        let s = ssim(&a, &b).unwrap();
        assert!(s < 1.0 && s > 0.99, "{s}");
    }

    #[test]
    fn ssim_by_hand_on_a_tiny_image() {
        // 1×1: one window of one pixel, no variance: (2xy + C1) / (x² + y² + C1).
        let (a, b) = (grey(1, 1, |_, _| 100), grey(1, 1, |_, _| 110));
        let c1 = (0.01f64 * 255.0).powi(2);
        let want = (2.0 * 100.0 * 110.0 + c1) / (100.0f64.powi(2) + 110.0f64.powi(2) + c1);
        assert!((ssim(&a, &b).unwrap() - want).abs() < 1e-9);
    }

    #[test]
    fn ssim_penalises_lost_structure_more_than_a_shift() {
        let a = grey(32, 32, |x, y| if (x / 2 + y / 2) % 2 == 0 { 60 } else { 190 });
        let flat = grey(32, 32, |_, _| 125);
        let shifted = grey(32, 32, |x, y| if (x / 2 + y / 2) % 2 == 0 { 70 } else { 200 });
        assert!(ssim(&a, &flat).unwrap() < 0.1);
        assert!(ssim(&a, &shifted).unwrap() > 0.95);
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        // 20 pixels, one of them off: the 95th percentile (rank 19 of 20) is 0.
        let a = grey(20, 1, |_, _| 100);
        let b = grey(20, 1, |x, _| if x == 0 { 150 } else { 100 });
        let (mean, p95) = delta_e_2000(&a, &b).unwrap();
        assert!(mean > 0.0);
        assert_eq!(p95, 0.0);
    }

    #[test]
    fn transparent_pixels_are_not_scored_and_sizes_must_match() {
        let a = Image::from_rgba8(2, 1, &[10, 10, 10, 255, 200, 0, 0, 0]).unwrap();
        let b = Image::from_rgba8(2, 1, &[10, 10, 10, 255, 0, 0, 0, 0]).unwrap();
        assert_eq!(compare(&a, &b).unwrap().mse, 0.0);
        assert!(matches!(mse(&a, &grey(1, 1, |_, _| 0)), Err(ImageError::SizeMismatch(_))));
        let clear = Image::from_rgba8(1, 1, &[0, 0, 0, 0]).unwrap();
        assert!(matches!(compare(&clear, &clear), Err(ImageError::AllTransparent)));
    }
}
