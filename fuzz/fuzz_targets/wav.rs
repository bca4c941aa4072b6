//! kmkit-speech's WAV path: decode to mono, then (for short audio, so one
//! run stays fast) validate, resample to 16 kHz and compute MFCCs.
#![no_main]

use std::path::Path;

use kmkit_speech::{read_wav_bytes, Mfcc, MfccSettings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(audio) = read_wav_bytes(Path::new("fuzz-input.wav"), data) else {
        return;
    };
    // Two seconds at most at the source rate, and a rate the resampler can
    // reach quickly: the decoder is the target, the DSP a smoke check.
    if audio.samples.len() > 32_000 || audio.duration() > 2.0 || audio.validate("fuzz").is_err() {
        return;
    }
    let Ok(audio) = audio.resample(16_000, "fuzz") else {
        return;
    };
    if let Ok(mfcc) = Mfcc::new(MfccSettings::default()) {
        let _ = mfcc.compute(&audio, "fuzz");
    }
});
