//! Decoding: any format the `image` crate reads (pure-Rust codecs only) into
//! one pixel layout, RGBA with 16 bits per channel, after checking the size
//! announced by the header and before the pixel buffer is allocated.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Seek};
use std::path::Path;

use image::{ColorType, DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::error::{ImageError, Result};

/// Default cap on `width × height`: 8192² ≈ 67 megapixels (about 0.5 GB as
/// 16-bit RGBA). Larger images are refused before any pixel is decoded.
pub const DEFAULT_MAX_PIXELS: u64 = 8192 * 8192;

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Refuse images with more pixels than this (checked on the header).
    pub max_pixels: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// A decoded image: RGBA, 16 bits per channel, row-major, top row first.
///
/// 8-bit sources are widened exactly (`v · 257`), so `v16 / 65535 = v8 / 255`
/// and nothing is lost; [`Image::bit_depth`] remembers the source depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    width: u32,
    height: u32,
    bit_depth: u8,
    pixels: Vec<[u16; 4]>,
}

impl Image {
    /// An image from 8-bit RGBA bytes (`width × height × 4`).
    pub fn from_rgba8(width: u32, height: u32, rgba: &[u8]) -> Result<Image> {
        check_buffer(width, height, 4, rgba.len())?;
        let pixels = rgba
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2], p[3]].map(widen))
            .collect();
        Ok(Image {
            width,
            height,
            bit_depth: 8,
            pixels,
        })
    }

    /// An image from 8-bit RGB bytes (`width × height × 3`), fully opaque.
    pub fn from_rgb8(width: u32, height: u32, rgb: &[u8]) -> Result<Image> {
        check_buffer(width, height, 3, rgb.len())?;
        let pixels = rgb
            .chunks_exact(3)
            .map(|p| [widen(p[0]), widen(p[1]), widen(p[2]), u16::MAX])
            .collect();
        Ok(Image {
            width,
            height,
            bit_depth: 8,
            pixels,
        })
    }

    /// An image from 16-bit RGBA values (`width × height × 4`).
    pub fn from_rgba16(width: u32, height: u32, rgba: &[u16]) -> Result<Image> {
        check_buffer(width, height, 4, rgba.len())?;
        let pixels = rgba
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2], p[3]])
            .collect();
        Ok(Image {
            width,
            height,
            bit_depth: 16,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Bits per channel of the source: 8 or 16.
    pub fn bit_depth(&self) -> u8 {
        self.bit_depth
    }
    pub(crate) fn set_bit_depth(&mut self, bits: u8) {
        self.bit_depth = bits;
    }
    /// Pixels as 16-bit RGBA, row-major.
    pub fn pixels(&self) -> &[[u16; 4]] {
        &self.pixels
    }
    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.pixels.len()
    }
    /// Whether the image has no pixels (never true for a decoded image).
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
    /// Whether any pixel is not fully opaque.
    pub fn has_alpha(&self) -> bool {
        self.pixels.iter().any(|p| p[3] != u16::MAX)
    }
    /// The pixels as 8-bit RGBA bytes (16-bit values rounded to 8 bits).
    pub fn to_rgba8(&self) -> Vec<u8> {
        self.pixels.iter().flat_map(|p| p.map(narrow)).collect()
    }
}

/// 8 → 16 bits, exactly (`v · 257`).
pub(crate) fn widen(v: u8) -> u16 {
    u16::from(v) * 257
}

/// 16 → 8 bits, rounded to nearest.
pub(crate) fn narrow(v: u16) -> u8 {
    ((u32::from(v) * 255 + 32767) / 65535) as u8
}

fn check_buffer(width: u32, height: u32, channels: usize, got: usize) -> Result<()> {
    let expected = (width as usize)
        .saturating_mul(height as usize)
        .saturating_mul(channels);
    if got != expected {
        return Err(ImageError::BadBuffer { expected, got });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::NoPixels { width, height });
    }
    Ok(())
}

/// Decodes an image held in memory; the format is recognised from its first bytes.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Image> {
    if bytes.is_empty() {
        return Err(ImageError::EmptyFile);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    from_reader(reader, options)
}

/// Reads and decodes an image file; the format is recognised from its first
/// bytes, not its name. Only the header is read before the size check.
pub fn open(path: impl AsRef<Path>, options: &DecodeOptions) -> Result<Image> {
    let path = path.as_ref();
    let io = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return Err(ImageError::EmptyFile);
    }
    let reader = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(io)?;
    from_reader(reader, options)
}

fn from_reader<R: BufRead + Seek>(
    mut reader: ImageReader<R>,
    options: &DecodeOptions,
) -> Result<Image> {
    if reader.format().is_none() {
        return Err(ImageError::UnsupportedFormat(
            "the first bytes match no known image format".into(),
        ));
    }
    // The decoders also get an allocation cap, so a header that lies about
    // its size cannot make them reserve more than the pixel limit allows.
    let mut limits = Limits::default();
    limits.max_alloc = Some(options.max_pixels.saturating_mul(16).max(64 << 20));
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(convert)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > options.max_pixels {
        return Err(ImageError::TooLarge {
            width,
            height,
            pixels,
            max_pixels: options.max_pixels,
        });
    }
    if pixels == 0 {
        return Err(ImageError::NoPixels { width, height });
    }
    let image = DynamicImage::from_decoder(decoder).map_err(convert)?;
    let bit_depth = match image.color() {
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8 => 8,
        _ => 16,
    };
    let raw = image.into_rgba16().into_raw();
    let pixels = raw
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2], p[3]])
        .collect();
    Ok(Image {
        width,
        height,
        bit_depth,
        pixels,
    })
}

/// Maps the `image` crate's errors onto ours, keeping its message on one
/// line (some decoders end theirs with a newline: apps print one line).
fn convert(e: image::ImageError) -> ImageError {
    use image::ImageError as E;
    match e {
        E::Unsupported(u) => ImageError::UnsupportedFormat(one_line(&u.to_string())),
        E::Limits(l) => ImageError::Corrupt(format!("the decoder refused to allocate: {l}")),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Corrupt("the file ends before the image data does".into())
        }
        other => ImageError::Corrupt(one_line(&other.to_string())),
    }
}

/// `text` with every run of whitespace (newlines included) as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_is_exact_and_narrowing_inverts_it() {
        for v in 0..=255u8 {
            assert_eq!(narrow(widen(v)), v);
            assert_eq!(widen(v) as f64 / 65535.0, v as f64 / 255.0);
        }
        assert_eq!(narrow(128), 0);
        assert_eq!(narrow(129), 1);
    }

    #[test]
    fn buffers_must_match_their_size() {
        assert!(matches!(
            Image::from_rgb8(2, 2, &[0; 11]),
            Err(ImageError::BadBuffer {
                expected: 12,
                got: 11
            })
        ));
        assert!(matches!(
            Image::from_rgba8(0, 5, &[]),
            Err(ImageError::NoPixels { .. })
        ));
        let im = Image::from_rgb8(1, 2, &[1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(im.to_rgba8(), vec![1, 2, 3, 255, 4, 5, 6, 255]);
        assert!(!im.has_alpha());
    }

    #[test]
    fn sixteen_bit_png_keeps_its_precision() {
        // 2×1 RGBA at 16 bits: values no 8-bit image can hold.
        let values: [u16; 8] = [1, 300, 65535, 65535, 40000, 2, 7, 32768];
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 2, 1);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Sixteen);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(
            &values
                .iter()
                .flat_map(|v| v.to_be_bytes())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        w.finish().unwrap();
        let im = decode(&out, &DecodeOptions::default()).unwrap();
        assert_eq!(im.bit_depth(), 16);
        assert_eq!(im.pixels(), [[1, 300, 65535, 65535], [40000, 2, 7, 32768]]);
        assert!(im.has_alpha());
    }

    #[test]
    fn empty_and_garbage_bytes_are_clear_errors() {
        let o = DecodeOptions::default();
        assert!(matches!(decode(&[], &o), Err(ImageError::EmptyFile)));
        assert!(matches!(
            decode(b"hello, world, not an image", &o),
            Err(ImageError::UnsupportedFormat(_))
        ));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n\0\0", &o),
            Err(ImageError::Corrupt(_))
        ));
    }
}
