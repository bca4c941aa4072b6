//! Colour spaces the palette can be fitted in, and the conversions between
//! them and sRGB. All maths in f64; fit coordinates are handed out as f32.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ImageError;

/// The space whose Euclidean distance k-means minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ColorSpace {
    /// Gamma-encoded sRGB scaled to 0–1 (`pixels / 255`), as scikit-learn's
    /// colour-quantization example.
    #[default]
    Srgb,
    /// Linear-light RGB (sRGB primaries, the sRGB transfer curve undone), 0–1.
    LinearRgb,
    /// CIE 1976 L*a*b* with a D65 white (L* 0–100).
    Lab,
    /// Oklab (Ottosson 2020), L 0–1: close to perceptually uniform, cheap.
    Oklab,
}

impl ColorSpace {
    /// Every space, for `--help` texts and sweeps.
    pub const ALL: [ColorSpace; 4] = [ColorSpace::Srgb, ColorSpace::LinearRgb, ColorSpace::Lab, ColorSpace::Oklab];

    /// Short name, as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            ColorSpace::Srgb => "srgb",
            ColorSpace::LinearRgb => "linear",
            ColorSpace::Lab => "lab",
            ColorSpace::Oklab => "oklab",
        }
    }

    /// Names of the three colour coordinates.
    pub fn axis_names(self) -> [&'static str; 3] {
        match self {
            ColorSpace::Srgb => ["r", "g", "b"],
            ColorSpace::LinearRgb => ["r_linear", "g_linear", "b_linear"],
            ColorSpace::Lab => ["L*", "a*", "b*"],
            ColorSpace::Oklab => ["ok_L", "ok_a", "ok_b"],
        }
    }

    /// Length of the alpha axis when partial transparency is fitted as a
    /// fourth coordinate: the span of the lightness axis, so that opaque →
    /// transparent weighs as much as black → white.
    pub fn alpha_scale(self) -> f64 {
        match self {
            ColorSpace::Lab => 100.0,
            _ => 1.0,
        }
    }

    /// Coordinates of a gamma-encoded sRGB colour given in 0–1.
    pub fn from_srgb(self, rgb: [f64; 3]) -> [f64; 3] {
        match self {
            ColorSpace::Srgb => rgb,
            ColorSpace::LinearRgb => rgb.map(srgb_to_linear),
            ColorSpace::Lab => linear_to_lab(rgb.map(srgb_to_linear)),
            ColorSpace::Oklab => linear_to_oklab(rgb.map(srgb_to_linear)),
        }
    }

    /// The gamma-encoded sRGB colour (0–1, not clamped) at these coordinates.
    pub fn to_srgb(self, c: [f64; 3]) -> [f64; 3] {
        match self {
            ColorSpace::Srgb => c,
            ColorSpace::LinearRgb => c.map(linear_to_srgb),
            ColorSpace::Lab => lab_to_linear(c).map(linear_to_srgb),
            ColorSpace::Oklab => oklab_to_linear(c).map(linear_to_srgb),
        }
    }

    /// The nearest 8-bit sRGB colour to these coordinates (clamped to the
    /// gamut, rounded half away from zero).
    pub fn to_srgb8(self, c: [f64; 3]) -> [u8; 3] {
        self.to_srgb(c).map(unit_to_u8)
    }

    /// Coordinates of an 8-bit sRGB colour.
    pub fn from_srgb8(self, rgb: [u8; 3]) -> [f64; 3] {
        self.from_srgb(rgb.map(|v| v as f64 / 255.0))
    }
}

impl fmt::Display for ColorSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ColorSpace {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Self, ImageError> {
        match s.to_ascii_lowercase().as_str() {
            "srgb" | "rgb" => Ok(ColorSpace::Srgb),
            "linear" | "linear-rgb" | "linrgb" => Ok(ColorSpace::LinearRgb),
            "lab" | "cielab" => Ok(ColorSpace::Lab),
            "oklab" => Ok(ColorSpace::Oklab),
            _ => Err(ImageError::InvalidParam {
                name: "colour space",
                value: s.to_string(),
                expected: "one of srgb, linear, lab, oklab",
            }),
        }
    }
}

/// 0–1 (clamped) to 0–255, rounded.
pub(crate) fn unit_to_u8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The sRGB transfer curve undone (IEC 61966-2-1).
pub fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// The sRGB transfer curve (IEC 61966-2-1); negative input maps to 0 slope-wise.
pub fn linear_to_srgb(c: f64) -> f64 {
    if c <= 0.0031308 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// D65 reference white (CIE 1931 2°), Y normalised to 1.
const WHITE_D65: [f64; 3] = [0.95047, 1.0, 1.08883];
const DELTA: f64 = 6.0 / 29.0;

fn lab_f(t: f64) -> f64 {
    if t > DELTA * DELTA * DELTA {
        t.cbrt()
    } else {
        t / (3.0 * DELTA * DELTA) + 4.0 / 29.0
    }
}

fn lab_f_inv(t: f64) -> f64 {
    if t > DELTA {
        t * t * t
    } else {
        3.0 * DELTA * DELTA * (t - 4.0 / 29.0)
    }
}

/// Linear sRGB (0–1) to CIELAB under D65.
pub fn linear_to_lab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    let (fx, fy, fz) = (lab_f(x / WHITE_D65[0]), lab_f(y / WHITE_D65[1]), lab_f(z / WHITE_D65[2]));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIELAB (D65) to linear sRGB (may fall outside 0–1 for out-of-gamut colours).
pub fn lab_to_linear([l, a, b]: [f64; 3]) -> [f64; 3] {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let (x, y, z) = (WHITE_D65[0] * lab_f_inv(fx), WHITE_D65[1] * lab_f_inv(fy), WHITE_D65[2] * lab_f_inv(fz));
    [
        3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
        -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
        0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
    ]
}

/// Linear sRGB to Oklab (Ottosson's published matrices).
pub fn linear_to_oklab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let l = (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b).cbrt();
    let m = (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b).cbrt();
    let s = (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b).cbrt();
    [
        0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
        1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
        0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s,
    ]
}

/// Oklab to linear sRGB (may fall outside 0–1 for out-of-gamut colours).
pub fn oklab_to_linear([ok_l, ok_a, ok_b]: [f64; 3]) -> [f64; 3] {
    let l = (ok_l + 0.3963377774 * ok_a + 0.2158037573 * ok_b).powi(3);
    let m = (ok_l - 0.1055613458 * ok_a - 0.0638541728 * ok_b).powi(3);
    let s = (ok_l - 0.0894841775 * ok_a - 1.2914855480 * ok_b).powi(3);
    [
        4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
        -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
        -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s,
    ]
}

/// CIELAB (D65) of an 8-bit sRGB colour.
pub fn srgb8_to_lab(rgb: [u8; 3]) -> [f64; 3] {
    ColorSpace::Lab.from_srgb8(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_space_round_trips_every_grey_and_primary() {
        for space in ColorSpace::ALL {
            for v in [0u8, 1, 17, 128, 254, 255] {
                for rgb in [[v, v, v], [v, 0, 0], [0, v, 0], [0, 0, v], [v, 255 - v, v / 2]] {
                    assert_eq!(space.to_srgb8(space.from_srgb8(rgb)), rgb, "{space} {rgb:?}");
                }
            }
        }
    }

    #[test]
    fn known_values() {
        // White is L* = 100, a* = b* = 0 under D65; Oklab white is L = 1.
        let lab = srgb8_to_lab([255, 255, 255]);
        assert!((lab[0] - 100.0).abs() < 1e-3 && lab[1].abs() < 1e-2 && lab[2].abs() < 1e-2, "{lab:?}");
        let ok = ColorSpace::Oklab.from_srgb8([255, 255, 255]);
        assert!((ok[0] - 1.0).abs() < 1e-4 && ok[1].abs() < 1e-4 && ok[2].abs() < 1e-4, "{ok:?}");
        // sRGB red in CIELAB D65 (Lindbloom): 53.24, 80.09, 67.20.
        let red = srgb8_to_lab([255, 0, 0]);
        assert!((red[0] - 53.24).abs() < 0.01 && (red[1] - 80.09).abs() < 0.02 && (red[2] - 67.20).abs() < 0.02, "{red:?}");
        // Oklab of sRGB red (Ottosson): 0.62796, 0.22486, 0.12585.
        let okr = ColorSpace::Oklab.from_srgb8([255, 0, 0]);
        assert!((okr[0] - 0.62796).abs() < 1e-4 && (okr[1] - 0.22486).abs() < 1e-4 && (okr[2] - 0.12585).abs() < 1e-4);
        assert!((srgb_to_linear(0.5) - 0.214041).abs() < 1e-6);
    }

    #[test]
    fn names_parse_back() {
        for space in ColorSpace::ALL {
            assert_eq!(space.name().parse::<ColorSpace>().unwrap(), space);
        }
        assert!("hsv".parse::<ColorSpace>().is_err());
    }
}
