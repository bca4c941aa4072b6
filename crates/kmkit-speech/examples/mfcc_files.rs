//! MFCCs of every WAV file under the given folders, as the speech benchmark
//! runs it (bench/speech): the same parameters as its librosa script.
//!
//! ```text
//! cargo run --release -p kmkit-speech --example mfcc_files -- datasets/speech/fsdd/recordings
//! ```
//!
//! Prints the number of files, frames, and the sum of all coefficients (a
//! checksum to compare with librosa's).

use std::path::PathBuf;

use kmkit_speech::{find_wavs, load_clips, Length, Mfcc, MfccSettings};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        return Err("usage: mfcc_files DIR_OR_WAV...".into());
    }
    // librosa.feature.mfcc(y, sr, n_mfcc=13, n_fft=256, hop_length=80, win_length=200, n_mels=40).
    let settings = MfccSettings {
        n_mfcc: 13,
        n_fft: Some(256),
        hop_length: Length::Samples(80),
        win_length: Some(Length::Samples(200)),
        n_mels: 40,
        ..MfccSettings::librosa()
    };
    let mfcc = Mfcc::new(settings)?;
    let clips = load_clips(&find_wavs(&dirs)?, None)?;
    let frames = clips.par_iter().map(|c| mfcc.compute(&c.audio, &c.id)).collect::<Result<Vec<_>, _>>()?;
    let n_frames: usize = frames.iter().map(|f| f.nrows()).sum();
    let total: f64 = frames.iter().flat_map(|f| f.iter()).map(|&v| v as f64).sum();
    println!("files {} frames {} sum {:.1}", clips.len(), n_frames, total);
    Ok(())
}
