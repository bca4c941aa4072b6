//! Palette swatches: the palette as a picture, in SVG (for reports, with
//! each entry's hex code and share of pixels as a tooltip) or PNG.

use std::fmt::Write as _;

use crate::error::Result;
use crate::indexed::encode_rgba8;
use crate::palette::hex;

/// Entries per swatch row.
const COLUMNS: usize = 16;
/// Side of one entry's square, in pixels.
const CELL: usize = 32;

fn grid(n: usize) -> (usize, usize) {
    let cols = n.clamp(1, COLUMNS);
    (cols, n.div_ceil(cols).max(1))
}

/// An SVG swatch: one square per entry, 16 to a row, in palette order. With
/// `counts` (pixels per entry), each square's tooltip gives its share of the
/// image. Fully transparent entries are drawn as an outlined, crossed square.
pub fn swatch_svg(colors: &[[u8; 4]], counts: Option<&[u64]>) -> String {
    let (cols, rows) = grid(colors.len());
    let total: u64 = counts.map_or(0, |c| c.iter().sum());
    let (w, h) = (cols * CELL, rows * CELL);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    for (i, &c) in colors.iter().enumerate() {
        let (x, y) = ((i % cols) * CELL, (i / cols) * CELL);
        let mut title = format!("{i}: {}", hex(c));
        if let Some(n) = counts.and_then(|c| c.get(i)) {
            let share = 100.0 * *n as f64 / total.max(1) as f64;
            let _ = write!(title, ", {n} px ({share:.1} %)");
        }
        let fill = format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        let size = CELL - 2;
        if c[3] == 0 {
            let _ = write!(
                s,
                "<g><title>{title} (transparent)</title><rect x=\"{}\" y=\"{}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#888\"/>\
                 <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/></g>",
                x + 1,
                y + 1,
                x + 1,
                y + 1,
                x + CELL - 1,
                y + CELL - 1
            );
        } else {
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{size}\" height=\"{size}\" fill=\"{fill}\" fill-opacity=\"{:.3}\"><title>{title}</title></rect>",
                x + 1,
                y + 1,
                f64::from(c[3]) / 255.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A PNG swatch: the same grid as [`swatch_svg`], 32×32 pixels per entry,
/// empty cells of the last row transparent.
pub fn swatch_png(colors: &[[u8; 4]]) -> Result<Vec<u8>> {
    let (cols, rows) = grid(colors.len());
    let (w, h) = (cols * CELL, rows * CELL);
    let mut rgba = vec![0u8; w * h * 4];
    for y in 0..h {
        for x in 0..w {
            let i = (y / CELL) * cols + x / CELL;
            if let Some(c) = colors.get(i) {
                rgba[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(c);
            }
        }
    }
    encode_rgba8(w as u32, h as u32, &rgba)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, DecodeOptions};

    #[test]
    fn swatches_show_every_entry() {
        let colors: Vec<[u8; 4]> = (0..20u8).map(|i| [i * 10, 255 - i, 7, 255]).collect();
        let svg = swatch_svg(&colors, Some(&[5; 20]));
        assert_eq!(svg.matches("<rect").count(), 20);
        assert!(
            svg.contains("#00ff07") && svg.contains("5 px (5.0 %)"),
            "{svg}"
        );
        let png = decode(&swatch_png(&colors).unwrap(), &DecodeOptions::default()).unwrap();
        assert_eq!((png.width(), png.height()), (16 * 32, 2 * 32));
        // Entry 17 sits in row 1, column 1; the last row's tail is transparent.
        let px = png.to_rgba8();
        let at = |x: usize, y: usize| &px[(y * 512 + x) * 4..(y * 512 + x) * 4 + 4];
        assert_eq!(at(40, 40), [170, 238, 7, 255]);
        assert_eq!(at(511, 63)[3], 0);
        let clear = swatch_svg(&[[0, 0, 0, 0], [1, 2, 3, 255]], None);
        assert!(clear.contains("transparent") && clear.contains("<line"));
    }
}
