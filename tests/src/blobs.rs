//! Synthetic Gaussian blobs with known labels.

use ndarray::Array2;

/// Gaussian blobs for k-selection tests: `per_blob` rows around each of
/// `centres`, with per-feature standard deviations `sds[blob]`, and the blob
/// of each row as its label. Deterministic in `seed` (SplitMix64 and
/// Box–Muller, so no random-number crate is needed).
pub fn gaussian_blobs(
    centres: &[Vec<f64>],
    sds: &[Vec<f64>],
    per_blob: usize,
    seed: u64,
) -> (Array2<f64>, Vec<u32>) {
    assert_eq!(centres.len(), sds.len(), "one sd vector per centre");
    let d = centres.first().map_or(0, Vec::len);
    let mut state = seed;
    let mut uniform = move || {
        // SplitMix64, top 53 bits as a float in [0, 1).
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Array2::zeros((centres.len() * per_blob, d));
    let mut labels = Vec::with_capacity(centres.len() * per_blob);
    for (b, (centre, sd)) in centres.iter().zip(sds).enumerate() {
        for r in 0..per_blob {
            for j in 0..d {
                let (u1, u2) = (1.0 - uniform(), uniform());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                x[[b * per_blob + r, j]] = centre[j] + sd[j] * z;
            }
            labels.push(b as u32);
        }
    }
    (x, labels)
}
