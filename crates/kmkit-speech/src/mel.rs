//! Mel scales and the mel filter bank, as `librosa.filters.mel`: triangles
//! laid in Hz between mel-spaced edges, computed in f64, stored as f32.

use ndarray::Array2;

use crate::settings::{MelNorm, MelScale};

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz → mel (`librosa.hz_to_mel`).
pub fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
        MelScale::Slaney if hz >= MIN_LOG_HZ => MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step(),
        MelScale::Slaney => hz / F_SP,
    }
}

/// Mel → Hz (`librosa.mel_to_hz`).
pub fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
        MelScale::Slaney if mel >= MIN_LOG_MEL => MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp(),
        MelScale::Slaney => F_SP * mel,
    }
}

/// `n` frequencies evenly spaced on the mel scale from `fmin` to `fmax`
/// (`librosa.mel_frequencies`).
pub fn mel_frequencies(n: usize, fmin: f64, fmax: f64, scale: MelScale) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(fmin, scale), hz_to_mel(fmax, scale));
    linspace(lo, hi, n).into_iter().map(|m| mel_to_hz(m, scale)).collect()
}

/// numpy's `linspace` (endpoint included, the last value exact).
fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![lo],
        _ => {
            let step = (hi - lo) / (n - 1) as f64;
            (0..n).map(|i| if i == n - 1 { hi } else { lo + i as f64 * step }).collect()
        }
    }
}

/// The `n_mels × (1 + n_fft/2)` mel filter bank (`librosa.filters.mel`).
pub fn mel_filterbank(
    sample_rate: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: f64,
    scale: MelScale,
    norm: MelNorm,
) -> Array2<f32> {
    let n_bins = 1 + n_fft / 2;
    // rfftfreq: bin k sits at k · sr / n_fft.
    let fft_freqs: Vec<f64> = (0..n_bins).map(|k| k as f64 * sample_rate as f64 / n_fft as f64).collect();
    let edges = mel_frequencies(n_mels + 2, fmin, fmax, scale);
    let mut weights = Array2::<f32>::zeros((n_mels, n_bins));
    for m in 0..n_mels {
        let (lo_diff, hi_diff) = (edges[m + 1] - edges[m], edges[m + 2] - edges[m + 1]);
        let enorm = match norm {
            MelNorm::Slaney => 2.0 / (edges[m + 2] - edges[m]),
            MelNorm::None => 1.0,
        };
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - edges[m]) / lo_diff;
            let upper = (edges[m + 2] - f) / hi_diff;
            let w = lower.min(upper).max(0.0);
            weights[[m, k]] = (w * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_trip_and_slaney_is_linear_below_1khz() {
        for scale in [MelScale::Slaney, MelScale::Htk] {
            for hz in [0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0] {
                assert!((mel_to_hz(hz_to_mel(hz, scale), scale) - hz).abs() < 1e-9, "{scale:?} {hz}");
            }
        }
        assert!((hz_to_mel(500.0, MelScale::Slaney) - 7.5).abs() < 1e-12);
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(700.0, MelScale::Htk) - 2595.0 * 2f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn htk_unnormalised_triangles_peak_at_most_one_and_cover_the_band() {
        let w = mel_filterbank(16000, 512, 40, 20.0, 8000.0, MelScale::Htk, MelNorm::None);
        assert_eq!(w.dim(), (40, 257));
        for row in w.rows() {
            let peak = row.iter().cloned().fold(0.0f32, f32::max);
            assert!(peak > 0.0 && peak <= 1.0);
        }
    }
}
