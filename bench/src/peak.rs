//! The machine's f32 FMA peak, measured: the denominator of the "% of peak"
//! column. Each thread runs independent chains of fused multiply-adds held in
//! registers (enough chains to cover the FMA latency on every current x86
//! core), so nothing but the FMA units limits the rate. Reported for the
//! AVX-512 and the AVX2 paths; the peak is the larger (on AMD Zen 4, which
//! splits a 512-bit FMA into two 256-bit halves, both give the same rate).

use std::time::Instant;

/// One measurement: GFLOP/s of `threads` threads on the named path.
#[derive(Debug, Clone)]
pub struct Peak {
    /// "avx512" or "avx2".
    pub isa: &'static str,
    /// Threads that ran concurrently.
    pub threads: usize,
    /// Best of the timed runs, in GFLOP/s (one FMA = 2 flops).
    pub gflops: f64,
}

/// Measures every path this CPU has, each for about `seconds` per run, best
/// of three runs.
pub fn measure(threads: usize, seconds: f64) -> Vec<Peak> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            out.push(run("avx512", threads, seconds, x86::avx512_chains));
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            out.push(run("avx2", threads, seconds, x86::avx2_chains));
        }
    }
    out
}

/// Runs `kernel(iters)` (returns flops done) on `threads` threads at once,
/// first calibrating `iters` to take about `seconds`.
fn run(isa: &'static str, threads: usize, seconds: f64, kernel: fn(u64) -> f64) -> Peak {
    let mut iters = 1u64 << 16;
    loop {
        let t = Instant::now();
        kernel(iters);
        let dt = t.elapsed().as_secs_f64();
        if dt > seconds / 4.0 || iters > 1 << 40 {
            iters = ((iters as f64) * seconds / dt.max(1e-9)).max(1.0) as u64;
            break;
        }
        iters *= 4;
    }
    let mut best = 0.0f64;
    for _ in 0..3 {
        let t = Instant::now();
        let flops: f64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.max(1))
                .map(|_| s.spawn(move || kernel(iters)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
        });
        best = best.max(flops / t.elapsed().as_secs_f64() / 1e9);
    }
    Peak {
        isa,
        threads: threads.max(1),
        gflops: best,
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::hint::black_box;

    /// 16 chains of 16-lane FMAs: 16 of the 32 zmm registers, latency ≤ 4 × 2 ports covered.
    pub fn avx512_chains(iters: u64) -> f64 {
        // SAFETY: only called after `is_x86_feature_detected!("avx512f")`.
        unsafe { avx512(iters) }
    }

    #[target_feature(enable = "avx512f")]
    fn avx512(iters: u64) -> f64 {
        let b = _mm512_set1_ps(black_box(0.999_999));
        let c = _mm512_set1_ps(black_box(1e-7));
        let mut a = [_mm512_set1_ps(1.0); 16];
        for _ in 0..iters {
            for acc in a.iter_mut() {
                *acc = _mm512_fmadd_ps(*acc, b, c);
            }
        }
        let mut s = _mm512_setzero_ps();
        for acc in a {
            s = _mm512_add_ps(s, acc);
        }
        black_box(s);
        iters as f64 * 16.0 * 16.0 * 2.0
    }

    /// 12 chains of 8-lane FMAs: AVX2 has 16 ymm registers, two hold b and c.
    pub fn avx2_chains(iters: u64) -> f64 {
        // SAFETY: only called after detecting avx2 and fma.
        unsafe { avx2(iters) }
    }

    #[target_feature(enable = "avx2,fma")]
    fn avx2(iters: u64) -> f64 {
        let b = _mm256_set1_ps(black_box(0.999_999));
        let c = _mm256_set1_ps(black_box(1e-7));
        let mut a = [_mm256_set1_ps(1.0); 12];
        for _ in 0..iters {
            for acc in a.iter_mut() {
                *acc = _mm256_fmadd_ps(*acc, b, c);
            }
        }
        let mut s = _mm256_setzero_ps();
        for acc in a {
            s = _mm256_add_ps(s, acc);
        }
        black_box(s);
        iters as f64 * 12.0 * 8.0 * 2.0
    }
}
