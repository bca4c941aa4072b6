//! Times `quantize` (histogram → palette fit → remap) on one image and prints
//! one JSON line; `bench/image/run.py` drives it and compares with
//! scikit-learn and pngquant.
//!
//! ```text
//! cargo run --release -p kmkit-image --example quantize_bench -- IN K RUNS OUT.png [srgb|linear|lab|oklab] [dither] [sample=N] [n_init=N]
//! ```

use std::time::Instant;

use kmkit_image::{compare, open, quantize, DecodeOptions, Dither, Histogram, QuantizeParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err(
            "usage: quantize_bench IN K RUNS OUT.png [space] [dither] [sample=N] [n_init=N]".into(),
        );
    }
    let (input, k, runs, out) = (
        &args[0],
        args[1].parse::<usize>()?,
        args[2].parse::<usize>()?,
        &args[3],
    );
    let mut params = QuantizeParams::new(k);
    for extra in &args[4..] {
        if extra == "dither" {
            params = params.dither(Dither::FloydSteinberg);
        } else if let Some(n) = extra.strip_prefix("n_init=") {
            params = params.n_init(n.parse()?);
        } else if let Some(n) = extra.strip_prefix("sample=") {
            params = params.sample(n.parse()?);
        } else {
            params = params.space(extra.parse()?);
        }
    }
    let t = Instant::now();
    let image = open(input, &DecodeOptions::default())?;
    let decode_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let q = quantize(&image, &params)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        result = Some(q);
    }
    let q = result.expect("at least one run");
    // `times` stays in run order: the first run is the cold one (on this
    // VM 30-50 % slower than the next; not the thread pool, which a warm-up
    // did not change). The median is over all runs.
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let t = Instant::now();
    let png = q.indexed.to_png()?;
    let encode_ms = t.elapsed().as_secs_f64() * 1e3;
    std::fs::write(out, &png)?;
    let quality = compare(&image, &q.indexed.to_image())?;
    let unique = Histogram::of(&image).len();
    println!(
        "{{\"input\":{input:?},\"k\":{k},\"space\":\"{}\",\"n_init\":{},\"pixels\":{},\"unique_colors\":{unique},\"runs\":{},\
         \"quantize_ms_median\":{:.3},\"quantize_ms_all\":{:?},\"decode_ms\":{decode_ms:.3},\"encode_ms\":{encode_ms:.3},\
         \"png_bytes\":{},\"psnr_db\":{:.4},\"ssim\":{:.5},\"delta_e_mean\":{:.4},\"delta_e_p95\":{:.4}}}",
        params.space,
        params.n_init,
        image.len(),
        times.len(),
        sorted[sorted.len() / 2],
        times.iter().map(|t| (t * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
        png.len(),
        quality.psnr_db,
        quality.ssim,
        quality.delta_e_mean,
        quality.delta_e_p95
    );
    Ok(())
}
