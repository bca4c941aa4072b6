//! PSNR and time of the palette fit on one image for several start
//! configurations (n_init × seeding) at several k: how the defaults of
//! `QuantizeParams` were chosen. For the bench notes, not a test.
//!
//! ```text
//! cargo run --release -p kmkit-image --example starts_sweep -- IN [k,k,...]
//! ```

use std::time::Instant;

use kmkit_core::Init;
use kmkit_image::{compare, open, quantize, DecodeOptions, QuantizeParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: starts_sweep IN [k,k,...]")?;
    let ks: Vec<usize> = args
        .get(1)
        .map_or("8,16,32,64,128,256", String::as_str)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let image = open(path, &DecodeOptions::default())?;
    let configs: Vec<(&str, usize, Init)> = vec![
        ("VP only", 0, Init::KMeansPlusPlus),
        ("VP + 1 k-means||", 1, Init::kmeans_parallel()),
        ("VP + 2 k-means||", 2, Init::kmeans_parallel()),
        ("VP + 4 k-means||", 4, Init::kmeans_parallel()),
        ("VP + 1 k-means++", 1, Init::KMeansPlusPlus),
    ];
    for &k in &ks {
        for (name, n_init, init) in &configs {
            let params = QuantizeParams::new(k).n_init(*n_init).init(init.clone());
            let t = Instant::now();
            let q = quantize(&image, &params)?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let psnr = compare(&image, &q.indexed.to_image())?.psnr_db;
            println!("k={k:<4} {name:<18} {psnr:8.4} dB {ms:9.1} ms");
        }
    }
    Ok(())
}
