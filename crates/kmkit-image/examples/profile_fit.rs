//! Where the palette fit spends its time: times each core call the fit makes
//! on an image's colour histogram (seeding alone, Lloyd alone, whole fits),
//! with the parameters `Palette::fit` uses. For the bench notes, not a test.
//!
//! ```text
//! cargo run --release -p kmkit-image --example profile_fit -- IN [K] [space]
//! ```

use std::time::Instant;

use kmkit_core::{init_centroids, Algorithm, Init, Input, KMeans};
use kmkit_image::{open, ColorSpace, DecodeOptions, Histogram};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: profile_fit IN [K] [space]")?;
    let k: usize = args.get(1).map_or(Ok(64), |s| s.parse())?;
    let space: ColorSpace = args.get(2).map_or(Ok(ColorSpace::Srgb), |s| s.parse())?;
    let image = open(path, &DecodeOptions::default())?;
    let t = Instant::now();
    let hist = Histogram::of(&image);
    let hist_ms = ms(t);
    let rows = hist.visible_rows();
    let t = Instant::now();
    let (x, w) = hist.coordinates(&rows, space, false);
    let coord_ms = ms(t);
    let input = Input::from(&x).weighted(&w);
    println!(
        "{path}: {} px, n = {} unique colours, d = 3, k = {k}, space {space}; histogram {hist_ms:.1} ms, coordinates {coord_ms:.1} ms",
        image.len(),
        x.nrows()
    );
    let base = KMeans::params(k).seed(0).refine(false);
    for init in [Init::KMeansPlusPlus, Init::kmeans_parallel(), Init::Random] {
        let t = Instant::now();
        let c = init_centroids(input, &base.clone().init(init.clone()))?;
        let seed_ms = ms(t);
        for algorithm in [Algorithm::Lloyd, Algorithm::Auto, Algorithm::Hamerly] {
            let t = Instant::now();
            let m = base
                .clone()
                .algorithm(algorithm)
                .init(Init::Given(c.clone()))
                .n_init(1)
                .fit(input)?;
            println!(
                "init {:<10} seeding {seed_ms:8.1} ms | algorithm {:<8} iterations {:3} in {:8.1} ms | inertia {:.6}",
                init.name(),
                format!("{:?}", algorithm.resolve(3, k, false)),
                m.n_iter,
                ms(t),
                m.inertia
            );
        }
    }
    for n_init in [1usize, 4] {
        let t = Instant::now();
        let m = base
            .clone()
            .algorithm(Algorithm::Lloyd)
            .n_init(n_init)
            .fit(input)?;
        println!(
            "fit k-means++ lloyd n_init={n_init}: {:8.1} ms (best run {} iterations, inertia {:.6})",
            ms(t),
            m.n_iter,
            m.inertia
        );
    }
    Ok(())
}
