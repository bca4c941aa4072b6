//! What to quantize to and how: one `Config`-style struct with a builder.

use kmkit_core::{Algorithm, Init};
use serde::{Deserialize, Serialize};

use crate::error::{ImageError, Result};
use crate::space::ColorSpace;

/// Seeded k-means runs by default, besides the variance-partition start.
/// Four: on china.jpg one is enough to reach scikit-learn's all-pixel fit at
/// every k in 8–256, but at k = 32 by 0.08 % of the error only; with four
/// the thinnest margin is 0.35 % (k = 128). See `examples/starts_sweep.rs`.
pub const DEFAULT_N_INIT: usize = 4;

/// Largest palette an indexed PNG can hold.
pub const MAX_COLORS: usize = 256;

/// What the palette is fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FitOn {
    /// Every unique colour weighted by its pixel count: the exact all-pixel
    /// objective, at the cost of the number of unique colours.
    #[default]
    Histogram,
    /// A uniform sample of this many pixels (scikit-learn's example uses 1,000).
    Sample {
        /// Pixels drawn (without replacement).
        pixels: usize,
    },
}

/// How pixels are mapped to palette entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Dither {
    /// Every pixel to its nearest palette colour.
    #[default]
    None,
    /// Floyd–Steinberg error diffusion (serpentine scan) in the fit space.
    FloydSteinberg,
}

/// Parameters of a quantization. Build with [`QuantizeParams::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantizeParams {
    /// Palette size, 2–256, counting the transparent entry when the image has
    /// fully transparent pixels.
    pub k: usize,
    /// Space the k-means distance is measured in.
    pub space: ColorSpace,
    /// Histogram (exact) or a pixel sample.
    pub fit_on: FitOn,
    /// Seed for k-means seeding and sampling.
    pub seed: u64,
    /// Seeded k-means runs (`init`), in addition to the deterministic
    /// variance-partition start; the palette with the least error after
    /// rounding to 8 bits wins. 0: the variance-partition start alone
    /// (fastest).
    pub n_init: usize,
    /// Iteration cap per run.
    pub max_iter: usize,
    /// Convergence tolerance, relative to the colours' mean per-axis variance
    /// (the core's meaning of `tol`).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Seeding of the `n_init` seeded runs: k-means‖ by default (run `i`
    /// seeded with `seed + i`, on the coarse copy of the colours the starts
    /// are computed on). On a colour histogram (n ≈ 10⁵, d = 3) greedy
    /// k-means++ seeding costs more than the Lloyd run after it (china.jpg,
    /// k = 64: 65 times the k-means‖ seeding time, 2.4 times Lloyd's 74
    /// iterations), and k-means‖ starts end at least as good on the
    /// china.jpg sweep.
    #[serde(default = "default_init")]
    pub init: Init,
    /// Iteration algorithm. `Auto`, `Lloyd` and `KdTree` run the core's kd-tree
    /// filtering Lloyd ([`kmkit_core::KdTree`]: exact, and cheaper than its
    /// row-by-row algorithms on colour histograms); Hamerly, Elkan and
    /// Yinyang run those.
    #[serde(default = "default_algorithm")]
    pub algorithm: Algorithm,
    /// Remap with or without dithering.
    pub dither: Dither,
    /// Worker threads for the core (0: all cores).
    pub threads: usize,
}

fn default_init() -> Init {
    Init::kmeans_parallel()
}

fn default_algorithm() -> Algorithm {
    Algorithm::Auto
}

fn default_tol() -> f64 {
    1e-4
}

impl QuantizeParams {
    /// Defaults for a `k`-colour palette: sRGB, exact histogram fit, seed 0,
    /// [`DEFAULT_N_INIT`] k-means‖ runs, 300 iterations, no dithering.
    pub fn new(k: usize) -> Self {
        QuantizeParams {
            k,
            space: ColorSpace::Srgb,
            fit_on: FitOn::Histogram,
            seed: 0,
            n_init: DEFAULT_N_INIT,
            max_iter: 300,
            tol: default_tol(),
            init: default_init(),
            algorithm: default_algorithm(),
            dither: Dither::None,
            threads: 0,
        }
    }
    /// Sets the colour space.
    pub fn space(mut self, space: ColorSpace) -> Self {
        self.space = space;
        self
    }
    /// Fits on a sample of `pixels` pixels instead of the whole histogram.
    pub fn sample(mut self, pixels: usize) -> Self {
        self.fit_on = FitOn::Sample { pixels };
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the number of seeded runs (0: variance-partition starts only).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Sets the iteration cap.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Sets the convergence tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Sets the seeding of the seeded runs.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Sets the iteration algorithm (`Auto`: Lloyd).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    /// Sets the dithering.
    pub fn dither(mut self, dither: Dither) -> Self {
        self.dither = dither;
        self
    }
    /// Sets the worker thread count.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Checks the ranges that do not depend on the image.
    pub fn check(&self) -> Result<()> {
        if !(2..=MAX_COLORS).contains(&self.k) {
            return Err(ImageError::InvalidParam {
                name: "k",
                value: self.k.to_string(),
                expected: "between 2 and 256 (an indexed PNG holds at most 256 colours)",
            });
        }
        if let FitOn::Sample { pixels: 0 } = self.fit_on {
            return Err(ImageError::InvalidParam {
                name: "sample",
                value: "0".into(),
                expected: "at least 1 pixel",
            });
        }
        if self.max_iter == 0 {
            return Err(ImageError::InvalidParam {
                name: "max_iter",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(ImageError::InvalidParam {
                name: "tol",
                value: self.tol.to_string(),
                expected: "a finite number >= 0",
            });
        }
        if let Init::Given(_) = self.init {
            return Err(ImageError::InvalidParam {
                name: "init",
                value: "given".into(),
                expected: "k-means++, k-means|| or random (a given palette is Palette::new)",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_must_fit_a_png_palette() {
        assert!(QuantizeParams::new(2).check().is_ok());
        assert!(QuantizeParams::new(256).check().is_ok());
        for k in [0, 1, 257] {
            assert!(matches!(
                QuantizeParams::new(k).check(),
                Err(ImageError::InvalidParam { name: "k", .. })
            ));
        }
        assert!(QuantizeParams::new(8).sample(0).check().is_err());
        assert!(QuantizeParams::new(8).n_init(0).check().is_ok());
    }
}
