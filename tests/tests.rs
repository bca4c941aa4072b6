//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;
// kmkit-text TF-IDF against scikit-learn's TfidfVectorizer on the StackOverflow titles.
mod text_tfidf;
// kmkit-text documents → topics on the StackOverflow titles: NMI against scikit-learn, topics, errors.
mod text_topics;
// The doc-topics binary end to end: NMI over 5 seeds vs scikit-learn, outputs, predict, inputs, errors.
mod doc_topics;
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
// The rfm-segments app end to end: outputs, ledger, predict round trip, baskets, bad input.
mod rfm_segments;

// kmkit-genes: transforms vs numpy, Golub/Khan ARI vs scikit-learn, GEO, gene mode, consensus; bad input.
mod genes;
// The `gene-clusters` binary: Golub/Khan ARI vs scikit-learn with the default recipe, outputs, predict, modules, consensus k, bad input.
mod app_gene_clusters;
// kmkit-image: PSNR ≥ scikit-learn's colour-quantization example on china.jpg at
// every k, Kodak k=64 size and quality, broken and extreme images.
mod image_quantize;
// Out-of-core Lloyd: bit-identical to in memory for any chunking; .npy/.fbin/.fvecs readers; kmkit fit --memory-limit.
mod out_of_core;
// The image-quantize binary: outputs, predict round trip, --k auto, broken and extreme images, tour.
mod image_app;
// kmkit-bench (the core benchmark's Rust side) on tiny blobs: known inertia, linfa parity, CSR = dense, errors.
mod bench_smoke;
// `kmkit tour` (the README's main command): every stop ok, the index links each well-formed report.
mod tour;
