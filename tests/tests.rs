//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;
// kmkit-core metrics and choice of k: parity with sklearn.metrics on iris,
// the knee rule, the gap statistic and the silhouette sweep.
mod core_metrics;
// kmkit-io on the bundled tables and on odd CSV: typed columns, sniffing, errors with lines.
mod io_tables;
// The `kmkit` binary end to end: fit/predict/elbow/evaluate/anomalies outputs, errors, exit codes.
mod app_kmkit;
// kmkit-speech MFCCs and mel bank against librosa; WAV decoding and bad files.
mod speech_mfcc;
// kmkit-speech end to end on FSDD: speaker clusters (ARI), VAD, VQ codebooks.
mod speech_clusters;
