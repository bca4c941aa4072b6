//! Small views of an image for reports: the whole picture resampled by
//! nearest neighbour (so a quantized view keeps exactly its palette colours,
//! and the original and quantized views pick the same pixels), and a 1:1
//! crop of the centre, where banding and dithering show.

use crate::decode::Image;
use crate::indexed::Indexed;

/// Source pixel of every pixel of a `(x0, y0, w, h)` window of a
/// `width`-wide image resampled to `nw × nh` by nearest neighbour.
fn picks(width: u32, window: [u32; 4], nw: u32, nh: u32) -> Vec<usize> {
    let [x0, y0, w, h] = window.map(|v| v as u64);
    let (nw64, nh64) = (u64::from(nw), u64::from(nh));
    let mut out = Vec::with_capacity((nw64 * nh64) as usize);
    for y in 0..nh64 {
        // Centre of the target pixel mapped back: (y + ½)·h / nh.
        let sy = y0 + ((2 * y + 1) * h / (2 * nh64)).min(h - 1);
        for x in 0..nw64 {
            let sx = x0 + ((2 * x + 1) * w / (2 * nw64)).min(w - 1);
            out.push((sy * u64::from(width) + sx) as usize);
        }
    }
    out
}

/// Size of a picture scaled to fit `max_side`, never enlarged, at least 1×1.
fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |v: u32| ((u64::from(v) * u64::from(max_side) / u64::from(long)) as u32).max(1);
    (scale(width), scale(height))
}

/// The centred `side × side` window (clipped to the image).
fn centre(width: u32, height: u32, side: u32) -> [u32; 4] {
    let (w, h) = (side.min(width), side.min(height));
    [(width - w) / 2, (height - h) / 2, w, h]
}

impl Image {
    /// The whole image scaled down to fit `max_side` (nearest neighbour).
    pub fn thumbnail(&self, max_side: u32) -> Image {
        let (nw, nh) = fit(self.width(), self.height(), max_side.max(1));
        self.pick(
            picks(self.width(), [0, 0, self.width(), self.height()], nw, nh),
            nw,
            nh,
        )
    }
    /// The central `side × side` pixels at full size (smaller images whole).
    pub fn crop_centre(&self, side: u32) -> Image {
        let [x, y, w, h] = centre(self.width(), self.height(), side.max(1));
        self.pick(picks(self.width(), [x, y, w, h], w, h), w, h)
    }
    fn pick(&self, picks: Vec<usize>, width: u32, height: u32) -> Image {
        let values: Vec<u16> = picks.iter().flat_map(|&i| self.pixels()[i]).collect();
        let mut out = Image::from_rgba16(width, height, &values).expect("picks match the size");
        out.set_bit_depth(self.bit_depth());
        out
    }
}

impl Indexed {
    /// The whole image scaled down to fit `max_side` (nearest neighbour):
    /// the same pixels [`Image::thumbnail`] picks from the original.
    pub fn thumbnail(&self, max_side: u32) -> Indexed {
        let (nw, nh) = fit(self.width(), self.height(), max_side.max(1));
        self.pick(
            picks(self.width(), [0, 0, self.width(), self.height()], nw, nh),
            nw,
            nh,
        )
    }
    /// The central `side × side` pixels at full size (as [`Image::crop_centre`]).
    pub fn crop_centre(&self, side: u32) -> Indexed {
        let [x, y, w, h] = centre(self.width(), self.height(), side.max(1));
        self.pick(picks(self.width(), [x, y, w, h], w, h), w, h)
    }
    fn pick(&self, picks: Vec<usize>, width: u32, height: u32) -> Indexed {
        let indices = picks.iter().map(|&i| self.indices()[i]).collect();
        Indexed::new(width, height, indices, self.palette().to_vec()).expect("picks match the size")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_pick_the_same_pixels_from_both_sides() {
        let (w, h) = (10u32, 4u32);
        let indices: Vec<u8> = (0..w * h).map(|i| (i % 7) as u8).collect();
        let palette: Vec<[u8; 4]> = (0..7u8).map(|i| [i * 30, 0, 255 - i * 30, 255]).collect();
        let q = Indexed::new(w, h, indices, palette).unwrap();
        let im = q.to_image();
        for (a, b) in [
            (im.thumbnail(5), q.thumbnail(5).to_image()),
            (im.crop_centre(3), q.crop_centre(3).to_image()),
        ] {
            assert_eq!(a, b);
        }
        assert_eq!((im.thumbnail(5).width(), im.thumbnail(5).height()), (5, 2));
        assert_eq!(im.thumbnail(100), im, "never enlarged");
        let c = im.crop_centre(3);
        assert_eq!((c.width(), c.height()), (3, 3));
        // The 3×3 window of a 10×4 image starts at column (10 − 3) / 2 = 3 of row (4 − 3) / 2 = 0.
        assert_eq!(c.pixels()[0], im.pixels()[3]);
        let one = Image::from_rgb8(1, 1, &[1, 2, 3]).unwrap();
        assert_eq!(one.thumbnail(0), one);
        assert_eq!(one.crop_centre(50), one);
    }
}
