//! The MFCC transform: framing → pre-emphasis → window → real FFT → power
//! spectrum → mel bank → log → orthonormal DCT-II → lifter → CMVN → deltas.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use ndarray::{concatenate, s, Array2, Axis};
use realfft::{RealFftPlanner, RealToComplex};

use crate::audio::Audio;
use crate::delta::delta;
use crate::error::{Result, SpeechError};
use crate::mel::mel_filterbank;
use crate::settings::{Cmvn, Framing, Geometry, LogScale, MfccSettings, Spectrum};
use crate::window::window;

/// A validated MFCC transform. Plans (window, mel bank, DCT, FFT) are built
/// once per sample rate and cached, so one `Mfcc` serves a whole collection,
/// from many threads at once.
pub struct Mfcc {
    settings: MfccSettings,
    plans: RwLock<HashMap<u32, Arc<Plan>>>,
}

impl std::fmt::Debug for Mfcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mfcc").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Everything the transform needs at one sample rate.
struct Plan {
    geom: Geometry,
    /// The `win_length`-point window.
    window: Vec<f32>,
    /// Non-zero span of each mel triangle: first FFT bin and its weights.
    mel_rows: Vec<(usize, Vec<f32>)>,
    /// `n_mfcc × n_mels` orthonormal DCT-II matrix, row-major, lifter folded in.
    dct: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

/// A sample rate high enough that settings valid there are valid at any
/// rate, except the ones tied to Nyquist (checked again per clip).
const CHECK_RATE: u32 = 384_000;

impl Mfcc {
    /// Checks `settings` and builds the transform.
    pub fn new(settings: MfccSettings) -> Result<Self> {
        settings.resolve(CHECK_RATE)?;
        Ok(Mfcc { settings, plans: RwLock::new(HashMap::new()) })
    }

    /// The settings this transform applies.
    pub fn settings(&self) -> &MfccSettings {
        &self.settings
    }

    /// The mel filter bank used at `sample_rate` (`n_mels × (1 + n_fft/2)`).
    pub fn mel_filterbank(&self, sample_rate: u32) -> Result<Array2<f32>> {
        let g = self.settings.resolve(sample_rate)?;
        let s = &self.settings;
        Ok(mel_filterbank(sample_rate, g.n_fft, s.n_mels, s.fmin, g.fmax, s.mel_scale, s.mel_norm))
    }

    /// Number of frames a clip of `n_samples` samples at `sample_rate` gives.
    pub fn n_frames(&self, n_samples: usize, sample_rate: u32) -> Result<usize> {
        let g = self.settings.resolve(sample_rate)?;
        Ok(frame_count(self.settings.framing, &g, n_samples))
    }

    /// MFCC frames of `audio` as an `n_frames × n_features` array (frames are
    /// rows: the transpose of librosa's layout). `id` names the clip in errors.
    pub fn compute(&self, audio: &Audio, id: &str) -> Result<Array2<f32>> {
        audio.validate(id)?;
        let plan = self.plan(audio.sample_rate)?;
        let s = &self.settings;
        let g = plan.geom;
        let n = audio.samples.len();
        let n_frames = frame_count(s.framing, &g, n);
        if n_frames == 0 {
            return Err(SpeechError::TooShort { id: id.to_string(), n_samples: n, needed: g.win_length });
        }
        let emphasised;
        let y: &[f32] = if s.preemphasis > 0.0 {
            emphasised = preemphasis(&audio.samples, s.preemphasis);
            &emphasised
        } else {
            &audio.samples
        };

        // Mel energies, frame by frame.
        let n_mels = s.n_mels;
        let mut mel = Array2::<f32>::zeros((n_frames, n_mels));
        let mut buf = plan.fft.make_input_vec();
        let mut spec = plan.fft.make_output_vec();
        let mut scratch = plan.fft.make_scratch_vec();
        let mut power = vec![0f32; spec.len()];
        // Where in the FFT buffer the window sits, and the signal offset of buffer slot 0.
        let (slot0, pad) = match s.framing {
            Framing::Centered => ((g.n_fft - g.win_length) / 2, g.n_fft / 2),
            Framing::SnipEdges => (0, 0),
        };
        for (t, mut out) in mel.rows_mut().into_iter().enumerate() {
            buf.iter_mut().for_each(|v| *v = 0.0);
            // Window slot q holds signal sample start + q; slots outside the signal stay 0.
            let start = (t * g.hop_length + slot0) as isize - pad as isize;
            let q0 = (-start).clamp(0, g.win_length as isize) as usize;
            let q1 = (n as isize - start).clamp(q0 as isize, g.win_length as isize) as usize;
            let s0 = (start + q0 as isize) as usize;
            for ((b, &w), &v) in buf[slot0 + q0..slot0 + q1].iter_mut().zip(&plan.window[q0..q1]).zip(&y[s0..s0 + (q1 - q0)]) {
                *b = v * w;
            }
            plan.fft.process_with_scratch(&mut buf, &mut spec, &mut scratch).map_err(|e| SpeechError::BadInput(e.to_string()))?;
            match s.spectrum {
                Spectrum::Power => power.iter_mut().zip(&spec).for_each(|(p, c)| *p = c.re * c.re + c.im * c.im),
                Spectrum::Magnitude => power.iter_mut().zip(&spec).for_each(|(p, c)| *p = (c.re * c.re + c.im * c.im).sqrt()),
            }
            for (o, (first, weights)) in out.iter_mut().zip(&plan.mel_rows) {
                *o = weights.iter().zip(&power[*first..]).map(|(w, p)| w * p).sum();
            }
        }

        // Log compression.
        match s.log {
            LogScale::Db { amin, top_db } => {
                // power_to_db with ref = 1: 10·log10(max(amin, S)) − 10·log10(max(amin, 1)).
                let ref_db = 10.0 * amin.max(1.0).log10();
                mel.mapv_inplace(|v| 10.0 * v.max(amin).log10() - ref_db);
                if let Some(top) = top_db {
                    let floor = mel.iter().cloned().fold(f32::NEG_INFINITY, f32::max) - top;
                    mel.mapv_inplace(|v| v.max(floor));
                }
            }
            LogScale::Ln { floor } => mel.mapv_inplace(|v| v.max(floor).ln()),
        }

        // DCT-II (orthonormal, lifter folded into the matrix).
        let n_mfcc = s.n_mfcc;
        let mut cep = Array2::<f32>::zeros((n_frames, n_mfcc));
        for (mel_row, mut out) in mel.rows().into_iter().zip(cep.rows_mut()) {
            let m = mel_row.as_slice().expect("row-major");
            for (i, o) in out.iter_mut().enumerate() {
                *o = plan.dct[i * n_mels..(i + 1) * n_mels].iter().zip(m).map(|(d, v)| d * v).sum();
            }
        }

        cmvn(&mut cep, s.cmvn);
        if s.deltas == 0 {
            return Ok(cep);
        }
        let mut parts = vec![cep.view().to_owned(), delta(cep.view(), s.delta_width, 1)];
        if s.deltas == 2 {
            parts.push(delta(cep.view(), s.delta_width, 2));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        Ok(concatenate(Axis(1), &views).expect("same number of frames"))
    }

    fn plan(&self, sample_rate: u32) -> Result<Arc<Plan>> {
        if let Some(p) = self.plans.read().map_err(|_| poisoned())?.get(&sample_rate) {
            return Ok(p.clone());
        }
        let plan = Arc::new(self.build_plan(sample_rate)?);
        self.plans.write().map_err(|_| poisoned())?.insert(sample_rate, plan.clone());
        Ok(plan)
    }

    fn build_plan(&self, sample_rate: u32) -> Result<Plan> {
        let s = &self.settings;
        let geom = s.resolve(sample_rate)?;
        let bank = mel_filterbank(sample_rate, geom.n_fft, s.n_mels, s.fmin, geom.fmax, s.mel_scale, s.mel_norm);
        let mel_rows = bank
            .rows()
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w != 0.0).map_or(first, |l| l + 1);
                (first, row.slice(s![first..last]).to_vec())
            })
            .collect();
        Ok(Plan {
            geom,
            window: window(s.window, geom.win_length),
            mel_rows,
            dct: dct_matrix(s.n_mfcc, s.n_mels, s.lifter),
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(geom.n_fft),
        })
    }
}

fn poisoned() -> SpeechError {
    SpeechError::BadInput("the MFCC plan cache was poisoned by a panic in another thread".into())
}

fn frame_count(framing: Framing, g: &Geometry, n: usize) -> usize {
    match framing {
        Framing::Centered => {
            let padded = n + 2 * (g.n_fft / 2);
            if padded < g.n_fft {
                0
            } else {
                1 + (padded - g.n_fft) / g.hop_length
            }
        }
        Framing::SnipEdges if n < g.win_length => 0,
        Framing::SnipEdges => 1 + (n - g.win_length) / g.hop_length,
    }
}

/// `y[n] − c · y[n−1]`, keeping `y[0]`.
pub fn preemphasis(y: &[f32], coef: f32) -> Vec<f32> {
    let mut out = Vec::with_capacity(y.len());
    out.extend(y.first().copied());
    out.extend(y.windows(2).map(|w| w[1] - coef * w[0]));
    out
}

/// Orthonormal DCT-II rows `0..n_out` of an `n_in`-point transform (scipy's
/// `dct(type=2, norm="ortho")`), each row scaled by librosa's lifter weight.
fn dct_matrix(n_out: usize, n_in: usize, lifter: f32) -> Vec<f32> {
    let n = n_in as f64;
    let mut m = Vec::with_capacity(n_out * n_in);
    for k in 0..n_out {
        let scale = if k == 0 { (1.0 / n).sqrt() } else { (2.0 / n).sqrt() };
        let lift = if lifter > 0.0 {
            let l = lifter as f64;
            1.0 + (l / 2.0) * (std::f64::consts::PI * (k + 1) as f64 / l).sin()
        } else {
            1.0
        };
        for i in 0..n_in {
            let c = (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n)).cos();
            m.push((scale * lift * c) as f32);
        }
    }
    m
}

/// Per-clip cepstral mean (and variance) normalisation, column by column.
fn cmvn(x: &mut Array2<f32>, mode: Cmvn) {
    if mode == Cmvn::None || x.nrows() == 0 {
        return;
    }
    let n = x.nrows() as f64;
    for mut col in x.columns_mut() {
        let mean = col.iter().map(|&v| v as f64).sum::<f64>() / n;
        let sd = (col.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        // A constant coefficient (e.g. a silent clip) is centred but not scaled.
        let scale = if mode == Cmvn::MeanVariance && sd > 0.0 { 1.0 / sd } else { 1.0 };
        col.mapv_inplace(|v| ((v as f64 - mean) * scale) as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Length;

    fn tone(freq: f32, sr: u32, n: usize) -> Audio {
        Audio::new((0..n).map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / sr as f32).sin() * 0.5).collect(), sr)
    }

    #[test]
    fn dct_is_orthonormal() {
        let n = 12;
        let m = dct_matrix(n, n, 0.0);
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..n).map(|i| m[a * n + i] * m[b * n + i]).sum();
                assert!((dot - if a == b { 1.0 } else { 0.0 }).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn frame_counts_follow_librosa_and_kaldi() {
        let lib = Mfcc::new(MfccSettings::librosa()).unwrap();
        assert_eq!(lib.n_frames(2384, 8000).unwrap(), 5);
        assert_eq!(lib.n_frames(1, 8000).unwrap(), 1);
        let sp = Mfcc::new(MfccSettings::speech()).unwrap();
        // 25 ms / 10 ms at 8 kHz: 200 / 80 samples.
        assert_eq!(sp.n_frames(2384, 8000).unwrap(), 1 + (2384 - 200) / 80);
        assert_eq!(sp.n_frames(199, 8000).unwrap(), 0);
    }

    #[test]
    fn silence_one_sample_and_clipping_give_finite_features() {
        for settings in [MfccSettings::librosa(), MfccSettings { deltas: 2, ..MfccSettings::speech() }] {
            let m = Mfcc::new(settings).unwrap();
            for audio in [
                Audio::new(vec![0.0; 4000], 8000),
                Audio::new(vec![1.0; 4000], 8000),
                Audio::new(tone(440.0, 8000, 4000).samples.iter().map(|v| (v * 10.0).clamp(-1.0, 1.0)).collect(), 8000),
            ] {
                let x = m.compute(&audio, "clip").unwrap();
                assert!(x.iter().all(|v| v.is_finite()));
            }
        }
        let lib = Mfcc::new(MfccSettings::librosa()).unwrap();
        let one = lib.compute(&Audio::new(vec![0.25], 8000), "one").unwrap();
        assert_eq!(one.dim(), (1, 20));
        assert!(one.iter().all(|v| v.is_finite()));
        let sp = Mfcc::new(MfccSettings::speech()).unwrap();
        assert!(matches!(sp.compute(&Audio::new(vec![0.25], 8000), "one"), Err(SpeechError::TooShort { .. })));
        assert!(matches!(lib.compute(&Audio::new(vec![], 8000), "none"), Err(SpeechError::Empty { .. })));
        assert!(matches!(lib.compute(&Audio::new(vec![f32::NAN], 8000), "nan"), Err(SpeechError::NonFinite { .. })));
    }

    #[test]
    fn cmvn_centres_each_coefficient_and_deltas_are_appended() {
        let m = Mfcc::new(MfccSettings { deltas: 2, cmvn: Cmvn::MeanVariance, ..MfccSettings::speech() }).unwrap();
        let x = m.compute(&tone(300.0, 16000, 16000), "tone").unwrap();
        assert_eq!(x.ncols(), 39);
        for c in 0..13 {
            let col = x.column(c);
            let mean = col.mean().unwrap();
            assert!(mean.abs() < 1e-4, "coefficient {c} mean {mean}");
        }
    }

    #[test]
    fn bad_settings_are_rejected_with_the_field_name() {
        let cases = [
            MfccSettings { n_mfcc: 200, ..MfccSettings::librosa() },
            MfccSettings { hop_length: Length::Samples(0), ..MfccSettings::librosa() },
            MfccSettings { win_length: Some(Length::Samples(4096)), ..MfccSettings::librosa() },
            MfccSettings { deltas: 1, delta_width: 4, ..MfccSettings::librosa() },
            MfccSettings { preemphasis: 1.5, ..MfccSettings::librosa() },
        ];
        for s in cases {
            assert!(matches!(Mfcc::new(s), Err(SpeechError::InvalidSetting { .. })));
        }
        let m = Mfcc::new(MfccSettings { fmax: Some(6000.0), ..MfccSettings::librosa() }).unwrap();
        let err = m.compute(&Audio::new(vec![0.1; 100], 8000), "c").unwrap_err();
        assert!(err.to_string().contains("fmax"), "{err}");
    }
}
