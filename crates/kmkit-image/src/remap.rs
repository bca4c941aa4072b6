//! Remapping pixels to palette entries: nearest colour through the core's
//! `predict` on the unique colours, or Floyd–Steinberg error diffusion.

use rayon::prelude::*;

use crate::decode::Image;
use crate::error::{ImageError, Result};
use crate::histogram::Histogram;
use crate::indexed::Indexed;
use crate::palette::Palette;
use crate::params::Dither;

impl Palette {
    /// Every pixel of `image` as an index into this palette.
    ///
    /// Fully transparent pixels take the transparent entry when the palette
    /// has one; otherwise they are matched by colour like the rest.
    pub fn remap(&self, image: &Image, dither: Dither) -> Result<Indexed> {
        self.remap_with(image, &Histogram::of(image), dither)
    }

    /// As [`Palette::remap`], reusing the image's histogram (saves a sort
    /// when the palette was just fitted on it).
    pub fn remap_with(
        &self,
        image: &Image,
        histogram: &Histogram,
        dither: Dither,
    ) -> Result<Indexed> {
        let rows: Vec<u32> = image
            .pixels()
            .par_iter()
            .map(|&p| histogram.index_of(p).map(|r| r as u32))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                ImageError::SizeMismatch("the histogram is not the image's own".into())
            })?;
        let indices = match dither {
            Dither::None => {
                let lut = self.lookup_table(histogram)?;
                rows.par_iter().map(|&r| lut[r as usize]).collect()
            }
            Dither::FloydSteinberg => self.floyd_steinberg(image, histogram, &rows),
        };
        Indexed::new(
            image.width(),
            image.height(),
            indices,
            self.colors().to_vec(),
        )
    }

    /// Whether pixels of this colour take the transparent entry.
    fn goes_transparent(&self, color: [u16; 4]) -> bool {
        color[3] == 0 && self.transparent().is_some()
    }

    /// Palette index of every histogram row (nearest colour, one `predict`
    /// over the unique colours rather than over every pixel).
    fn lookup_table(&self, hist: &Histogram) -> Result<Vec<u8>> {
        let t = self.transparent().unwrap_or(0);
        let mut lut = vec![t; hist.len()];
        let rows: Vec<usize> = (0..hist.len())
            .filter(|&r| !self.goes_transparent(hist.colors()[r]))
            .collect();
        if !rows.is_empty() {
            let (x, _) = hist.coordinates(&rows, self.space(), self.with_alpha());
            let labels = self.model().predict(&x)?;
            for (&r, &l) in rows.iter().zip(&labels) {
                lut[r] = self.model_rows()[l as usize];
            }
        }
        Ok(lut)
    }

    /// Floyd–Steinberg error diffusion in the fit space, serpentine scan (odd
    /// rows right to left, which avoids the diagonal "worms" of a raster scan).
    ///
    /// The choice at each pixel depends on the error left by the pixels
    /// before it, so this is a sequential nearest-colour search per pixel;
    /// it is the one place this crate measures distances itself.
    /// Adjusted colours are clamped to the bounding box of the image's own
    /// colours and the palette's, which keeps accumulated error from running
    /// away ("bleeding") near saturated regions. Transparent pixels neither take nor pass error.
    fn floyd_steinberg(&self, image: &Image, hist: &Histogram, rows: &[u32]) -> Vec<u8> {
        let all: Vec<usize> = (0..hist.len()).collect();
        let (coords, _) = hist.coordinates(&all, self.space(), self.with_alpha());
        let d = coords.ncols();
        let coords = coords.as_standard_layout();
        let coords = coords.as_slice().expect("standard layout");
        let centroids = self.model().centroids.as_standard_layout().into_owned();
        let centroids = centroids.as_slice().expect("standard layout");
        let (mut lo, mut hi) = (vec![f32::INFINITY; d], vec![f32::NEG_INFINITY; d]);
        for c in coords.chunks_exact(d).chain(centroids.chunks_exact(d)) {
            for j in 0..d {
                lo[j] = lo[j].min(c[j]);
                hi[j] = hi[j].max(c[j]);
            }
        }
        let (w, h) = (image.width() as usize, image.height() as usize);
        // Error rows padded by one pixel on each side, so neighbours never go out of range.
        let mut cur = vec![0f32; (w + 2) * d];
        let mut next = vec![0f32; (w + 2) * d];
        let mut out = vec![0u8; w * h];
        let mut v = vec![0f32; d];
        for y in 0..h {
            let reverse = y % 2 == 1;
            for step in 0..w {
                let x = if reverse { w - 1 - step } else { step };
                let i = y * w + x;
                let r = rows[i] as usize;
                if self.goes_transparent(hist.colors()[r]) {
                    out[i] = self.transparent().expect("checked by goes_transparent");
                    continue;
                }
                let e = &cur[(x + 1) * d..(x + 2) * d];
                for j in 0..d {
                    v[j] = (coords[r * d + j] + e[j]).clamp(lo[j], hi[j]);
                }
                let best = nearest(&v, centroids, d);
                out[i] = self.model_rows()[best];
                let c = &centroids[best * d..(best + 1) * d];
                // Weights 7/16 ahead, 3/16 behind-below, 5/16 below, 1/16 ahead-below.
                let (ahead, behind) = if reverse { (x, x + 2) } else { (x + 2, x) };
                for j in 0..d {
                    let err = v[j] - c[j];
                    cur[ahead * d + j] += err * (7.0 / 16.0);
                    next[behind * d + j] += err * (3.0 / 16.0);
                    next[(x + 1) * d + j] += err * (5.0 / 16.0);
                    next[ahead * d + j] += err * (1.0 / 16.0);
                }
            }
            std::mem::swap(&mut cur, &mut next);
            next.iter_mut().for_each(|e| *e = 0.0);
        }
        out
    }
}

/// Index of the centroid nearest to `v` (ties to the lower index).
fn nearest(v: &[f32], centroids: &[f32], d: usize) -> usize {
    let mut best = (0, f32::INFINITY);
    for (c, row) in centroids.chunks_exact(d).enumerate() {
        let dist: f32 = row.iter().zip(v).map(|(a, b)| (a - b) * (a - b)).sum();
        if dist < best.1 {
            best = (c, dist);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::QuantizeParams;
    use crate::space::ColorSpace;

    #[test]
    fn transparent_pixels_take_the_transparent_entry() {
        // Opaque red, transparent (with a hidden green), opaque blue.
        let im = Image::from_rgba8(3, 1, &[255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 255]).unwrap();
        let p = Palette::fit(&im, &QuantizeParams::new(3)).unwrap();
        assert_eq!(p.transparent(), Some(0));
        assert_eq!(p.len(), 3);
        for dither in [Dither::None, Dither::FloydSteinberg] {
            let q = p.remap(&im, dither).unwrap();
            assert_eq!(q.to_rgba8(), [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 255]);
        }
    }

    #[test]
    fn dithering_a_flat_grey_between_black_and_white_mixes_them_evenly() {
        let im = Image::from_rgb8(64, 64, &[128u8; 64 * 64 * 3]).unwrap();
        let p = Palette::new(ColorSpace::Srgb, vec![[0, 0, 0, 255], [255, 255, 255, 255]]).unwrap();
        let plain = p.remap(&im, Dither::None).unwrap();
        assert!(
            plain.indices().iter().all(|&i| i == 1),
            "128 is nearer to white"
        );
        let dithered = p.remap(&im, Dither::FloydSteinberg).unwrap();
        let white = dithered.indices().iter().filter(|&&i| i == 1).count() as f64 / (64.0 * 64.0);
        // The local mean must stay close to 128/255.
        assert!((white - 128.0 / 255.0).abs() < 0.01, "{white}");
    }

    #[test]
    fn a_foreign_histogram_is_refused() {
        let a = Image::from_rgb8(1, 1, &[1, 2, 3]).unwrap();
        let b = Image::from_rgb8(1, 1, &[4, 5, 6]).unwrap();
        let p = Palette::fit(&a, &QuantizeParams::new(2)).unwrap();
        assert!(matches!(
            p.remap_with(&b, &Histogram::of(&a), Dither::None),
            Err(ImageError::SizeMismatch(_))
        ));
    }
}
