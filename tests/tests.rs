//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;
// kmkit-speech MFCCs and mel bank against librosa; WAV decoding and bad files.
mod speech_mfcc;
// kmkit-speech end to end on FSDD: speaker clusters (ARI), VAD, VQ codebooks.
mod speech_clusters;
