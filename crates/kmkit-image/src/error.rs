//! The one error type of the crate: a variant per failure a caller can cause.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in `kmkit-image`. Messages say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The input is empty (zero bytes).
    #[error("the input is empty (0 bytes): give an image file")]
    EmptyFile,
    /// The bytes are not in a format this build decodes.
    #[error("unsupported image format: {0} (PNG, JPEG, GIF, BMP, TIFF and WebP are supported)")]
    UnsupportedFormat(String),
    /// The file is damaged or cut short.
    #[error("the image is corrupt or truncated: {0}; re-export or re-download it")]
    Corrupt(String),
    /// The header announces an image larger than the decoder may allocate.
    #[error(
        "the image is {width}×{height} = {pixels} pixels, over the limit of {max_pixels}: \
         downscale it first or raise the limit (DecodeOptions::max_pixels)"
    )]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// `width × height`.
        pixels: u64,
        /// The limit in force.
        max_pixels: u64,
    },
    /// The image has zero width or height.
    #[error("the image is {width}×{height}: it has no pixels")]
    NoPixels {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Every pixel is fully transparent, so there is no colour to fit.
    #[error("every pixel is fully transparent: there are no colours to build a palette from")]
    AllTransparent,
    /// A pixel buffer does not match the stated dimensions.
    #[error("pixel buffer has {got} values, expected {expected} for the stated size")]
    BadBuffer {
        /// Values expected (`width × height × channels`).
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A parameter is out of its range.
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// Two images that must have one size do not.
    #[error("images differ in size: {0}")]
    SizeMismatch(String),
    /// A palette (JSON) is malformed or inconsistent.
    #[error("palette: {0}")]
    BadPalette(String),
    /// The PNG encoder failed (should not happen on valid data).
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// The k-means core refused the data or parameters.
    #[error(transparent)]
    Core(#[from] kmkit_core::KMeansError),
}

/// Result alias for this crate.
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
