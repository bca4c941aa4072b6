//! kmkit-image's image path: decode any supported format (capped at 64 K
//! pixels so one run stays fast), then quantize to 4 colours.
#![no_main]

use kmkit_image::{decode, quantize, DecodeOptions, QuantizeParams};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = DecodeOptions {
        max_pixels: 1 << 16,
    };
    let Ok(image) = decode(data, &options) else {
        return;
    };
    let mut params = QuantizeParams::new(4);
    params.n_init = 1;
    params.max_iter = 20;
    params.threads = 1;
    let _ = quantize(&image, &params);
});
