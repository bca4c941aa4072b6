//! End-to-end and parity tests, one module per area (one test binary).

// kmkit-core fits against scikit-learn's inertia, determinism, dense = sparse, bad input.
mod core_fit;
// kmkit-text TF-IDF against scikit-learn's TfidfVectorizer on the StackOverflow titles.
mod text_tfidf;
