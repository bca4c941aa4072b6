//! # kmkit-image
//!
//! Images into small palettes: decode (PNG, JPEG, GIF, BMP, TIFF, WebP; 8- and
//! 16-bit; alpha), fit a k-colour palette with `kmkit-core` in sRGB, linear
//! RGB, CIELAB or Oklab, remap every pixel (optionally with Floyd–Steinberg
//! dithering), encode an indexed PNG, and score the result with MSE/PSNR,
//! SSIM and CIEDE2000.
//!
//! The principal types are [`Image`] (decoded RGBA16 pixels), [`Histogram`]
//! (unique colours and counts), [`QuantizeParams`], [`Palette`] (8-bit RGBA
//! entries plus the nearest-colour model; its JSON is the fitted state a later
//! remap needs), [`Indexed`] (indices + palette, encodable as PNG) and
//! [`Quality`].
//!
//! **Key design decision:** the palette is fitted on the histogram of unique
//! colours with pixel counts as sample weights. That is exactly the k-means
//! objective over all pixels (scikit-learn's example fits a 1,000-pixel sample
//! instead), yet a photo has several times fewer unique colours than pixels.
//! Remapping likewise predicts each unique colour once. Seeding (k-means‖)
//! and nearest-colour search are the core's, and so are the Lloyd
//! iterations: the core's [`kmkit_core::KdTree`], an exact weighted Lloyd
//! over a kd-tree of the colours (Kanungo et al. 2002), which at 3–4
//! coordinates skips most per-row distance work, one tree for every start.
//! Dithering measures distances itself, since each pixel's choice depends
//! on the previous one.
//!
//! Transparency: fully transparent pixels are left out of the fit and take a
//! transparent palette entry (index 0), which counts against k. When some
//! pixels are partly transparent, alpha becomes a fourth coordinate (scaled
//! to the span of the lightness axis) and each colour's weight is multiplied
//! by its opacity, so faint pixels pull the palette less; entries then carry
//! their own alpha, written to the PNG's tRNS chunk.
//!
//! Encoders return bytes; writing them to a path atomically (temporary file,
//! then rename) is the caller's job (`kmkit-io` in the apps).
//!
//! ```
//! use kmkit_image::{compare, quantize, ColorSpace, Image, QuantizeParams};
//!
//! // A 64×64 two-tone gradient image.
//! let rgb: Vec<u8> = (0..64 * 64).flat_map(|i| [(i % 64 * 4) as u8, (i / 64 * 4) as u8, 128]).collect();
//! let image = Image::from_rgb8(64, 64, &rgb)?;
//! let q = quantize(&image, &QuantizeParams::new(16).space(ColorSpace::Oklab))?;
//! assert_eq!(q.palette.len(), 16);
//! let png: Vec<u8> = q.indexed.to_png()?; // 4-bit indexed PNG
//! assert_eq!(&png[1..4], b"PNG");
//! let quality = compare(&image, &q.indexed.to_image())?;
//! assert!(quality.psnr_db > 20.0 && quality.ssim > 0.5);
//! # Ok::<(), kmkit_image::ImageError>(())
//! ```
#![deny(missing_docs)]

mod decode;
mod error;
mod histogram;
mod indexed;
mod palette;
mod params;
mod quality;
mod quantize;
mod remap;
mod seed;
mod space;
mod swatch;
mod view;

pub use decode::{decode, open, DecodeOptions, Image, DEFAULT_MAX_PIXELS};
pub use error::{ImageError, Result};
pub use histogram::Histogram;
pub use indexed::{encode_rgba8, Indexed, PngCompression, ZOPFLI_MAX_PIXELS};
pub use palette::{hex, parse_hex, Palette};
pub use params::{Dither, FitOn, QuantizeParams, DEFAULT_N_INIT, MAX_COLORS};
pub use quality::{ciede2000, compare, delta_e_2000, mse, psnr, ssim, Quality};
pub use quantize::{auto_k, auto_k_in, quantize, AutoK, Quantized};
pub use space::{
    lab_to_linear, linear_to_lab, linear_to_oklab, linear_to_srgb, oklab_to_linear, srgb8_to_lab,
    srgb_to_linear, ColorSpace,
};
pub use swatch::{swatch_png, swatch_svg};
