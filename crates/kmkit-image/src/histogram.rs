//! The histogram of unique colours: what the palette is fitted on.
//!
//! k-means on the unique colours weighted by their pixel counts has exactly
//! the objective of k-means on every pixel (a repeated row and a row of weight
//! 2 are the same thing to weighted Lloyd), while a photo has several times
//! fewer unique colours than pixels.

use ndarray::Array2;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use kmkit_core::Features;

use crate::decode::Image;
use crate::space::ColorSpace;

/// Unique RGBA16 colours of an image (or of a sample of its pixels), sorted,
/// with their pixel counts. Fully transparent pixels (alpha 0) are kept as
/// rows too, so a remap can look every pixel up, but are never fitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    colors: Vec<[u16; 4]>,
    counts: Vec<u32>,
    keys: Vec<u64>,
}

fn key(p: [u16; 4]) -> u64 {
    (u64::from(p[0]) << 48) | (u64::from(p[1]) << 32) | (u64::from(p[2]) << 16) | u64::from(p[3])
}

fn unkey(k: u64) -> [u16; 4] {
    [
        (k >> 48) as u16,
        (k >> 32) as u16,
        (k >> 16) as u16,
        k as u16,
    ]
}

impl Histogram {
    /// The histogram of every pixel.
    pub fn of(image: &Image) -> Histogram {
        Histogram::from_keys(image.pixels().par_iter().map(|&p| key(p)).collect())
    }

    /// The histogram of `n` pixels drawn uniformly without replacement among
    /// those not fully transparent (all of them when there are fewer),
    /// reproducibly from `seed`.
    pub fn sample(image: &Image, n: usize, seed: u64) -> Histogram {
        let visible: Vec<u64> = image
            .pixels()
            .iter()
            .filter(|p| p[3] > 0)
            .map(|&p| key(p))
            .collect();
        if n >= visible.len() {
            return Histogram::from_keys(visible);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Histogram::from_keys(
            sample(&mut rng, visible.len(), n)
                .into_iter()
                .map(|i| visible[i])
                .collect(),
        )
    }

    fn from_keys(mut keys: Vec<u64>) -> Histogram {
        keys.par_sort_unstable();
        let mut unique: Vec<u64> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        for k in keys {
            if unique.last() == Some(&k) {
                *counts.last_mut().expect("pushed with the key") += 1;
            } else {
                unique.push(k);
                counts.push(1);
            }
        }
        Histogram {
            colors: unique.iter().map(|&k| unkey(k)).collect(),
            counts,
            keys: unique,
        }
    }

    /// Unique colours, ascending by (R, G, B, A).
    pub fn colors(&self) -> &[[u16; 4]] {
        &self.colors
    }
    /// Pixels of each unique colour.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }
    /// Number of unique colours (transparent ones included).
    pub fn len(&self) -> usize {
        self.colors.len()
    }
    /// Whether there are no colours at all.
    pub fn is_empty(&self) -> bool {
        self.colors.is_empty()
    }
    /// Row of a colour, if present.
    pub fn index_of(&self, pixel: [u16; 4]) -> Option<usize> {
        self.keys.binary_search(&key(pixel)).ok()
    }
    /// Whether any pixel is fully transparent.
    pub fn has_transparent(&self) -> bool {
        self.colors.iter().any(|c| c[3] == 0)
    }
    /// Whether any pixel is partly transparent (alpha strictly between 0 and max).
    pub fn has_partial_alpha(&self) -> bool {
        self.colors.iter().any(|c| c[3] > 0 && c[3] < u16::MAX)
    }
    /// Rows that take part in a fit: every colour not fully transparent.
    pub fn visible_rows(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.colors[i][3] > 0).collect()
    }

    /// Coordinates of the given rows in `space` (3 columns, or 4 with the
    /// scaled alpha when `with_alpha`), and their fit weights: the pixel
    /// count, times the opacity when `with_alpha`, so that faint pixels pull
    /// the palette less.
    pub fn coordinates(
        &self,
        rows: &[usize],
        space: ColorSpace,
        with_alpha: bool,
    ) -> (Array2<f32>, Vec<f32>) {
        let d = if with_alpha { 4 } else { 3 };
        let mut x = Array2::zeros((rows.len(), d));
        let mut w = Vec::with_capacity(rows.len());
        let alpha_scale = space.alpha_scale();
        for (o, &r) in rows.iter().enumerate() {
            let c = self.colors[r];
            let v = space.from_srgb([c[0], c[1], c[2]].map(|v| v as f64 / 65535.0));
            let a = c[3] as f64 / 65535.0;
            for j in 0..3 {
                x[[o, j]] = v[j] as f32;
            }
            if with_alpha {
                x[[o, 3]] = (a * alpha_scale) as f32;
                w.push((self.counts[r] as f64 * a) as f32);
            } else {
                w.push(self.counts[r] as f32);
            }
        }
        (x, w)
    }

    /// The visible colours as the core's input contract: one row per unique
    /// colour (id `#rrggbbaa`, 16-bit values shown as their 8-bit rounding),
    /// the space's axis names as columns, pixel counts as sample weights.
    pub fn features(&self, space: ColorSpace, with_alpha: bool) -> Features {
        let rows = self.visible_rows();
        let (x, w) = self.coordinates(&rows, space, with_alpha);
        let mut f = Features::dense(x);
        f.row_ids = rows
            .iter()
            .map(|&r| {
                let c = self.colors[r].map(crate::decode::narrow);
                format!("#{:02x}{:02x}{:02x}{:02x}", c[0], c[1], c[2], c[3])
            })
            .collect();
        f.feature_names = space.axis_names().iter().map(|s| s.to_string()).collect();
        if with_alpha {
            f.feature_names.push("alpha".into());
        }
        f.weights = Some(w);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img() -> Image {
        // 2 red, 1 green, 1 transparent, 1 half-transparent blue.
        Image::from_rgba8(
            5,
            1,
            &[
                255, 0, 0, 255, 0, 255, 0, 255, 255, 0, 0, 255, 9, 9, 9, 0, 0, 0, 255, 128,
            ],
        )
        .unwrap()
    }

    #[test]
    fn counts_unique_colours_and_looks_them_up() {
        let h = Histogram::of(&img());
        assert_eq!(h.len(), 4);
        assert_eq!(h.counts().iter().sum::<u32>(), 5);
        let red = h.index_of([65535, 0, 0, 65535]).unwrap();
        assert_eq!(h.counts()[red], 2);
        assert!(h.index_of([1, 2, 3, 4]).is_none());
        assert!(h.has_transparent() && h.has_partial_alpha());
        assert_eq!(h.visible_rows().len(), 3);
    }

    #[test]
    fn features_weigh_by_count_and_opacity() {
        let h = Histogram::of(&img());
        let f = h.features(ColorSpace::Srgb, true);
        assert_eq!(f.n_rows(), 3);
        assert_eq!(f.feature_names, ["r", "g", "b", "alpha"]);
        let w = f.weights.as_ref().unwrap();
        let red = f.row_ids.iter().position(|id| id == "#ff0000ff").unwrap();
        assert_eq!(w[red], 2.0);
        let blue = f.row_ids.iter().position(|id| id == "#0000ff80").unwrap();
        assert!((w[blue] - 128.0 / 255.0).abs() < 1e-6);
    }

    #[test]
    fn a_sample_is_reproducible_and_skips_transparent_pixels() {
        let a = Histogram::sample(&img(), 2, 7);
        assert_eq!(a, Histogram::sample(&img(), 2, 7));
        assert_eq!(a.counts().iter().sum::<u32>(), 2);
        assert!(!a.has_transparent());
        assert_eq!(
            Histogram::sample(&img(), 100, 7)
                .counts()
                .iter()
                .sum::<u32>(),
            4
        );
    }
}
