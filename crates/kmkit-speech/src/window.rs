//! Window functions, computed in f64 (as scipy) and stored as f32.

use std::f64::consts::PI;

use crate::settings::Window;

/// The `n`-point window.
pub fn window(kind: Window, n: usize) -> Vec<f32> {
    if n == 1 {
        return vec![1.0];
    }
    // Periodic windows divide by N (scipy's fftbins=True); symmetric ones by N - 1.
    let (periodic, f): (bool, fn(f64) -> f64) = match kind {
        Window::Hann => (true, |x| 0.5 - 0.5 * x.cos()),
        Window::Hamming => (true, |x| 0.54 - 0.46 * x.cos()),
        Window::HannSymmetric => (false, |x| 0.5 - 0.5 * x.cos()),
        Window::HammingSymmetric => (false, |x| 0.54 - 0.46 * x.cos()),
        Window::Povey => (false, |x| (0.5 - 0.5 * x.cos()).powf(0.85)),
        Window::Rectangular => return vec![1.0; n],
    };
    let denom = if periodic { n } else { n - 1 } as f64;
    (0..n).map(|i| f(2.0 * PI * i as f64 / denom) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_hann_is_symmetric_hann_of_n_plus_one_truncated() {
        let p = window(Window::Hann, 8);
        let s = window(Window::HannSymmetric, 9);
        for (a, b) in p.iter().zip(&s[..8]) {
            assert!((a - b).abs() < 1e-7);
        }
        assert_eq!(p[0], 0.0);
        assert!((p[4] - 1.0).abs() < 1e-7);
    }

    #[test]
    fn symmetric_windows_are_symmetric_and_hamming_ends_at_0_08() {
        for kind in [Window::HannSymmetric, Window::HammingSymmetric, Window::Povey] {
            let w = window(kind, 11);
            for i in 0..11 {
                assert!((w[i] - w[10 - i]).abs() < 1e-7, "{kind:?}");
            }
            assert!((w[5] - 1.0).abs() < 1e-7);
        }
        assert!((window(Window::HammingSymmetric, 5)[0] - 0.08).abs() < 1e-7);
        assert_eq!(window(Window::Povey, 5)[0], 0.0);
        assert_eq!(window(Window::Hamming, 1), vec![1.0]);
    }
}
