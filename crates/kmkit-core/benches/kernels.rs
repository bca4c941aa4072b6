//! The assignment kernel of every instruction set this CPU has, on one thread.
//!
//! Throughput is reported in elements per second with one element per flop
//! (`2·n·k·d` per pass), so criterion's `Gelem/s` reads as GFLOP/s.
//! Run with `cargo bench -p kmkit-core --bench kernels`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kmkit_core::kernels::{self, Packed};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rows per kernel call, as the Lloyd driver hands them out.
const BLOCK: usize = 256;

/// Shapes (n, d, k): the headline compute-bound one, and a small-d one.
const SHAPES: [(usize, usize, usize); 2] = [(65_536, 64, 256), (65_536, 8, 16)];

fn assign(c: &mut Criterion) {
    for (n, d, k) in SHAPES {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let rows: Vec<f32> = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let centroids = Array2::from_shape_fn((k, d), |_| rng.random_range(-1.0f32..1.0));
        let shift = vec![0.1f32; d];
        let packed = Packed::new(centroids.view(), Some(&shift));
        let mut group = c.benchmark_group(format!("assign d={d} k={k}"));
        group.sample_size(10);
        for kern in kernels::available() {
            // The scalar reference is two orders of magnitude slower: fewer rows.
            let n = if kern.name == "scalar" { n / 64 } else { n };
            group.throughput(Throughput::Elements((2 * n * k * d) as u64));
            let (mut labels, mut scores, mut scratch) =
                (vec![0u32; BLOCK], vec![0.0f32; BLOCK], Vec::new());
            group.bench_function(format!("{} n={n}", kern.name), |b| {
                b.iter(|| {
                    for block in rows[..n * d].chunks(BLOCK * d) {
                        let m = block.len() / d;
                        (kern.assign)(
                            block,
                            Some(&shift),
                            &packed,
                            &mut labels[..m],
                            &mut scores[..m],
                            &mut scratch,
                        );
                    }
                    black_box(&labels);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, assign);
criterion_main!(benches);
