//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;

// kmkit-rfm: R, F, M, scores, segments and ledger against the pandas recipe; bad input.
mod rfm;
