//! An indexed image (palette + one index per pixel) and its PNG encodings.
//!
//! Encoders return bytes rather than writing files: the caller (the app,
//! through kmkit-io) writes them to a temporary file and renames it, so a
//! failed run never leaves a half-written output.

use std::borrow::Cow;

use png::{chunk, BitDepth, ColorType, DeflateCompression, Encoder, Filter};
use serde::{Deserialize, Serialize};

use crate::decode::Image;
use crate::error::{ImageError, Result};

/// How hard the indexed-PNG encoder works on the index data. The pixels
/// are the same either way; only the file size and the time differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PngCompression {
    /// [`Smallest`](Self::Smallest) up to [`ZOPFLI_MAX_PIXELS`], [`Fast`](Self::Fast) above.
    #[default]
    Auto,
    /// zlib deflate at level 9.
    Fast,
    /// Zopfli: smaller files, slower. On kodim02 at k = 64 it took the file
    /// from 30.4 % to 28.9 % of the original (BENCHMARKS.md, images).
    Smallest,
}

/// `Auto` stops using Zopfli above this many pixels (4 megapixels: a few
/// seconds), where its time grows past what a user waits for.
pub const ZOPFLI_MAX_PIXELS: u64 = 4_000_000;

/// Zopfli's forward/backward passes: fewer than the crate's default 15, the
/// count its documentation suggests for larger inputs, to keep photo-sized
/// images near a second. Not tuned further.
const ZOPFLI_ITERATIONS: u64 = 5;

/// An image as palette indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    width: u32,
    height: u32,
    indices: Vec<u8>,
    palette: Vec<[u8; 4]>,
}

impl Indexed {
    /// Checks that sizes agree and every index names a palette entry.
    pub fn new(
        width: u32,
        height: u32,
        indices: Vec<u8>,
        palette: Vec<[u8; 4]>,
    ) -> Result<Indexed> {
        if palette.is_empty() || palette.len() > 256 {
            return Err(ImageError::BadPalette(format!(
                "{} colours; a palette has 1 to 256",
                palette.len()
            )));
        }
        let expected = (width as usize).saturating_mul(height as usize);
        if indices.len() != expected {
            return Err(ImageError::BadBuffer {
                expected,
                got: indices.len(),
            });
        }
        if width == 0 || height == 0 {
            return Err(ImageError::NoPixels { width, height });
        }
        if let Some(&i) = indices.iter().find(|&&i| i as usize >= palette.len()) {
            return Err(ImageError::BadPalette(format!(
                "index {i} but only {} colours",
                palette.len()
            )));
        }
        Ok(Indexed {
            width,
            height,
            indices,
            palette,
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
    /// One palette index per pixel, row-major.
    pub fn indices(&self) -> &[u8] {
        &self.indices
    }
    /// The RGBA palette.
    pub fn palette(&self) -> &[[u8; 4]] {
        &self.palette
    }
    /// Pixels per palette entry.
    pub fn counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.palette.len()];
        for &i in &self.indices {
            counts[i as usize] += 1;
        }
        counts
    }
    /// Whether any entry that is used is not fully opaque.
    pub fn has_alpha(&self) -> bool {
        self.counts()
            .iter()
            .zip(&self.palette)
            .any(|(&n, c)| n > 0 && c[3] != 255)
    }
    /// The pixels as 8-bit RGBA bytes.
    pub fn to_rgba8(&self) -> Vec<u8> {
        self.indices
            .iter()
            .flat_map(|&i| self.palette[i as usize])
            .collect()
    }
    /// The pixels as an [`Image`] (for quality metrics).
    pub fn to_image(&self) -> Image {
        Image::from_rgba8(self.width, self.height, &self.to_rgba8())
            .expect("sizes were checked in Indexed::new")
    }

    /// An indexed-colour PNG: PLTE with the palette, tRNS up to the last
    /// entry that is not opaque, and the smallest bit depth (1, 2, 4 or 8)
    /// that holds every index; compressed as [`PngCompression::Auto`] says.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        self.to_png_with(PngCompression::Auto)
    }

    /// [`to_png`](Self::to_png) with a chosen compression effort.
    pub fn to_png_with(&self, compression: PngCompression) -> Result<Vec<u8>> {
        let n = self.palette.len();
        let bits: u8 = match n {
            0..=2 => 1,
            3..=4 => 2,
            5..=16 => 4,
            _ => 8,
        };
        let plte: Vec<u8> = self
            .palette
            .iter()
            .flat_map(|c| [c[0], c[1], c[2]])
            .collect();
        let last_alpha = self.palette.iter().rposition(|c| c[3] != 255);
        let trns: Option<Vec<u8>> =
            last_alpha.map(|l| self.palette[..=l].iter().map(|c| c[3]).collect());
        let data = pack_rows(&self.indices, self.width as usize, bits);
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, self.width, self.height);
        enc.set_color(ColorType::Indexed);
        enc.set_depth(match bits {
            1 => BitDepth::One,
            2 => BitDepth::Two,
            4 => BitDepth::Four,
            _ => BitDepth::Eight,
        });
        enc.set_palette(Cow::Owned(plte));
        if let Some(t) = trns {
            enc.set_trns(Cow::Owned(t));
        }
        // The PNG specification recommends no filtering for palette images:
        // indices are not magnitudes, so differences between them do not help
        // deflate.
        enc.set_filter(Filter::NoFilter);
        let pixels = self.width as u64 * self.height as u64;
        let zopfli = match compression {
            PngCompression::Auto => pixels <= ZOPFLI_MAX_PIXELS,
            PngCompression::Fast => false,
            PngCompression::Smallest => true,
        };
        if zopfli {
            write_zopfli(enc, &data, self.width as usize, bits)?;
        } else {
            enc.set_deflate_compression(DeflateCompression::Level(9));
            write(enc, &data)?;
        }
        Ok(out)
    }

    /// A truecolour PNG of the same pixels: 8-bit RGB, or RGBA when any used
    /// entry is not opaque.
    pub fn to_rgb_png(&self) -> Result<Vec<u8>> {
        encode_rgba8(self.width, self.height, &self.to_rgba8())
    }
}

/// A truecolour 8-bit PNG from RGBA bytes: RGB when every pixel is opaque.
pub fn encode_rgba8(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>> {
    let expected = (width as usize)
        .saturating_mul(height as usize)
        .saturating_mul(4);
    if rgba.len() != expected {
        return Err(ImageError::BadBuffer {
            expected,
            got: rgba.len(),
        });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::NoPixels { width, height });
    }
    let opaque = rgba.chunks_exact(4).all(|p| p[3] == 255);
    let data: Cow<[u8]> = if opaque {
        Cow::Owned(
            rgba.chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
        )
    } else {
        Cow::Borrowed(rgba)
    };
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, width, height);
    enc.set_color(if opaque {
        ColorType::Rgb
    } else {
        ColorType::Rgba
    });
    enc.set_depth(BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    write(enc, &data)?;
    Ok(out)
}

fn write<W: std::io::Write>(enc: Encoder<W>, data: &[u8]) -> Result<()> {
    let err = |e: png::EncodingError| ImageError::Encode(e.to_string());
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(data).map_err(err)?;
    writer.finish().map_err(err)
}

/// Writes the header chunks through `enc`, then one IDAT that Zopfli
/// compressed: the rows of `data` each behind filter byte 0 (none), which is
/// what `Filter::NoFilter` would have produced.
fn write_zopfli<W: std::io::Write>(
    enc: Encoder<W>,
    data: &[u8],
    width: usize,
    bits: u8,
) -> Result<()> {
    let err = |e: png::EncodingError| ImageError::Encode(e.to_string());
    let row_bytes = (width * bits as usize).div_ceil(8);
    let mut filtered = Vec::with_capacity(data.len() + data.len() / row_bytes.max(1) + 1);
    for row in data.chunks(row_bytes) {
        filtered.push(0);
        filtered.extend_from_slice(row);
    }
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(ZOPFLI_ITERATIONS).expect("non-zero"),
        ..Default::default()
    };
    let mut idat = Vec::new();
    zopfli::compress(options, zopfli::Format::Zlib, &filtered[..], &mut idat)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_chunk(chunk::IDAT, &idat).map_err(err)?;
    writer.finish().map_err(err)
}

/// Packs one index per pixel into rows of `bits`-bit samples, most
/// significant bits first, each row padded to a whole byte (PNG's layout).
fn pack_rows(indices: &[u8], width: usize, bits: u8) -> Vec<u8> {
    if bits == 8 {
        return indices.to_vec();
    }
    let per_byte = 8 / bits as usize;
    let row_bytes = width.div_ceil(per_byte);
    let mut out = vec![0u8; row_bytes * (indices.len() / width)];
    for (row, src) in indices.chunks_exact(width).enumerate() {
        let dst = &mut out[row * row_bytes..(row + 1) * row_bytes];
        for (x, &i) in src.iter().enumerate() {
            let shift = 8 - bits as usize * (x % per_byte + 1);
            dst[x / per_byte] |= i << shift;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, DecodeOptions};

    fn round_trip(im: &Indexed) -> Image {
        decode(&im.to_png().unwrap(), &DecodeOptions::default()).unwrap()
    }

    #[test]
    fn every_bit_depth_decodes_back_to_the_same_pixels() {
        for (n, depth) in [
            (2usize, 1u8),
            (3, 2),
            (4, 2),
            (5, 4),
            (16, 4),
            (17, 8),
            (256, 8),
        ] {
            let palette: Vec<[u8; 4]> = (0..n)
                .map(|i| [i as u8, (i * 7) as u8, 255 - i as u8, 255])
                .collect();
            // Odd width, so rows end in a partial byte.
            let (w, h) = (13u32, 3u32);
            let indices: Vec<u8> = (0..w * h)
                .map(|i| ((i * 31 + 5) % n as u32) as u8)
                .collect();
            let im = Indexed::new(w, h, indices, palette).unwrap();
            for compression in [PngCompression::Fast, PngCompression::Smallest] {
                let bytes = im.to_png_with(compression).unwrap();
                // Bit depth is byte 24 of a PNG (inside IHDR); colour type 3 is byte 25.
                assert_eq!((bytes[24], bytes[25]), (depth, 3), "{n} colours");
                let back = decode(&bytes, &DecodeOptions::default()).unwrap();
                assert_eq!(
                    back.to_rgba8(),
                    im.to_rgba8(),
                    "{n} colours, {compression:?}"
                );
            }
        }
    }

    #[test]
    fn zopfli_is_smaller_than_deflate_on_a_gradient() {
        // 64 colours in bands with noise: what a quantized photo looks like.
        let (w, h) = (256u32, 64u32);
        let palette: Vec<[u8; 4]> = (0..64).map(|i| [4 * i as u8, 100, 200, 255]).collect();
        let indices: Vec<u8> = (0..w * h)
            .map(|i| (((i % w) / 4 + (i.wrapping_mul(2654435761) >> 30)) % 64) as u8)
            .collect();
        let im = Indexed::new(w, h, indices, palette).unwrap();
        let fast = im.to_png_with(PngCompression::Fast).unwrap();
        let small = im.to_png_with(PngCompression::Smallest).unwrap();
        assert!(
            small.len() < fast.len(),
            "{} vs {}",
            small.len(),
            fast.len()
        );
        assert_eq!(
            im.to_png().unwrap(),
            small,
            "auto uses Zopfli on small images"
        );
    }

    #[test]
    fn transparency_goes_into_trns() {
        let palette = vec![[0, 0, 0, 0], [10, 20, 30, 128], [200, 100, 50, 255]];
        let im = Indexed::new(3, 1, vec![0, 1, 2], palette).unwrap();
        let bytes = im.to_png().unwrap();
        assert!(bytes.windows(4).any(|w| w == b"tRNS"));
        assert_eq!(round_trip(&im).to_rgba8(), im.to_rgba8());
        assert!(im.has_alpha());
        let rgba = decode(&im.to_rgb_png().unwrap(), &DecodeOptions::default()).unwrap();
        assert_eq!(rgba.to_rgba8(), im.to_rgba8());
    }

    #[test]
    fn inconsistent_input_is_refused() {
        assert!(Indexed::new(2, 2, vec![0; 3], vec![[0; 4]]).is_err());
        assert!(Indexed::new(2, 1, vec![0, 1], vec![[0; 4]]).is_err());
        assert!(Indexed::new(0, 0, vec![], vec![[0; 4]]).is_err());
        assert!(encode_rgba8(1, 1, &[0; 3]).is_err());
    }
}
