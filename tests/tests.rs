//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;
// kmkit-text TF-IDF against scikit-learn's TfidfVectorizer on the StackOverflow titles.
mod text_tfidf;
// kmkit-text documents → topics on the StackOverflow titles: NMI against scikit-learn, topics, errors.
mod text_topics;
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
// The `speech-clusters` binary end to end: FSDD speaker ARI, predict, codebooks, odd WAV files, errors.
mod app_speech_clusters;

// kmkit-rfm: R, F, M, scores, segments and ledger against the pandas recipe; bad input.
mod rfm;

// kmkit-genes: transforms vs numpy, Golub/Khan ARI vs scikit-learn, GEO, gene mode, consensus; bad input.
mod genes;
// kmkit-image: PSNR ≥ scikit-learn's colour-quantization example on china.jpg at
// every k, Kodak k=64 size and quality, broken and extreme images.
mod image_quantize;
