//! Options shared by the modes: inputs, MFCC settings, segmentation.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kmkit_speech::{Cmvn, MfccSettings, VadSettings};
use speech_clusters::labels::LabelPattern;
use speech_clusters::{bundled_fsdd, Bundled};

/// WAV inputs and labels.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// WAV files or folders (searched recursively for *.wav) [default: the bundled FSDD sample, datasets/speech/fsdd]
    #[arg(value_name = "WAV|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Regular expression over file names whose capture (group `label`, else group 1, else the match) is the true class, to score clusters by ARI/NMI [default for the bundled FSDD: the speaker]
    #[arg(long, value_name = "REGEX", value_parser = parse_pattern)]
    pub labels_from_name: Option<LabelPattern>,
}

/// Inputs resolved: the files to read, and the bundled preset when none were given.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Files or folders.
    pub paths: Vec<PathBuf>,
    /// What to call the input in output.
    pub display: String,
    /// The bundled dataset, when no input was given.
    pub bundled: Option<Bundled>,
    /// Label pattern: given, or the bundled dataset's.
    pub labels: Option<LabelPattern>,
}

impl InputArgs {
    /// The inputs, or the bundled FSDD sample (with its speaker labels).
    pub fn resolve(&self) -> Resolved {
        if self.inputs.is_empty() {
            let b = bundled_fsdd();
            let labels = self
                .labels_from_name
                .clone()
                .or_else(|| LabelPattern::new(b.labels).ok());
            Resolved {
                paths: vec![b.path.clone()],
                display: "datasets/speech/fsdd".into(),
                bundled: Some(b),
                labels,
            }
        } else {
            let shown: Vec<String> = self
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            Resolved {
                paths: self.inputs.clone(),
                display: shown.join(" "),
                bundled: None,
                labels: self.labels_from_name.clone(),
            }
        }
    }
}

fn parse_pattern(s: &str) -> Result<LabelPattern, String> {
    LabelPattern::new(s)
}

/// MFCC starting points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// This mode's default (see --help of the mode).
    Default,
    /// librosa.feature.mfcc's defaults: n_fft 2048, hop 512, 128 Slaney mel bands, dB, 20 coefficients.
    Librosa,
    /// The speech front end: 25 ms / 10 ms, pre-emphasis 0.97, Hamming, 40 HTK bands, ln, 13 coefficients, lifter 22.
    Speech,
}

/// Cepstral mean (and variance) normalisation per clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CmvnArg {
    /// Off.
    None,
    /// Subtract each coefficient's mean over the clip.
    Mean,
    /// Subtract the mean, divide by the standard deviation.
    MeanVariance,
}

/// How frames are described.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Features")]
pub struct FeatureArgs {
    /// MFCC settings to start from; the options below override them
    #[arg(long, value_enum, default_value_t = Preset::Default)]
    pub preset: Preset,
    /// Cepstral coefficients kept per frame
    #[arg(long, value_name = "N")]
    pub n_mfcc: Option<usize>,
    /// Mel bands
    #[arg(long, value_name = "N")]
    pub n_mels: Option<usize>,
    /// Append deltas (1) or deltas and delta-deltas (2) to each frame
    #[arg(long, value_name = "0|1|2")]
    pub deltas: Option<usize>,
    /// Per-clip cepstral normalisation [default: none: a clip's mean spectrum is what tells voices apart]
    #[arg(long, value_enum)]
    pub cmvn: Option<CmvnArg>,
}

impl FeatureArgs {
    /// MFCC settings: the preset (`default` = `mode_default`) with overrides.
    pub fn mfcc(&self, mode_default: MfccSettings) -> MfccSettings {
        let mut s = match self.preset {
            Preset::Default => mode_default,
            Preset::Librosa => MfccSettings::librosa(),
            Preset::Speech => MfccSettings::speech(),
        };
        if let Some(n) = self.n_mfcc {
            s.n_mfcc = n;
        }
        if let Some(n) = self.n_mels {
            s.n_mels = n;
        }
        if let Some(d) = self.deltas {
            s.deltas = d;
        }
        s.cmvn = match self.cmvn {
            None | Some(CmvnArg::None) => Cmvn::None,
            Some(CmvnArg::Mean) => Cmvn::Mean,
            Some(CmvnArg::MeanVariance) => Cmvn::MeanVariance,
        };
        s
    }
}

/// Voice activity detection.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Segmentation")]
pub struct SegmentArgs {
    /// Cut recordings into speech segments at silences first (energy VAD, as librosa.effects.split); each segment is clustered
    #[arg(long)]
    pub segment: bool,
    /// Frames quieter than this many dB below the recording's loudest frame are silence
    #[arg(long, default_value_t = 30.0, value_name = "DB")]
    pub top_db: f32,
    /// Segments shorter than this (after bridging gaps) are dropped
    #[arg(long, default_value_t = 0.1, value_name = "SECONDS")]
    pub min_segment: f64,
    /// Silences shorter than this between two segments are bridged
    #[arg(long, default_value_t = 0.1, value_name = "SECONDS")]
    pub min_gap: f64,
    /// RMS frame length of the VAD, in samples
    #[arg(long, default_value_t = 512, value_name = "N")]
    pub vad_frame: usize,
    /// Hop between VAD frames, in samples
    #[arg(long, default_value_t = 128, value_name = "N")]
    pub vad_hop: usize,
}

impl SegmentArgs {
    /// The VAD settings, when `--segment` was given.
    pub fn vad(&self) -> Option<VadSettings> {
        self.segment.then_some(VadSettings {
            top_db: self.top_db,
            frame_length: self.vad_frame,
            hop_length: self.vad_hop,
            min_segment: self.min_segment,
            min_gap: self.min_gap,
        })
    }
}
