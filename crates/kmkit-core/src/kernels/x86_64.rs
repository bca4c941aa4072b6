//! AVX2+FMA and AVX-512 kernels. (Being written; until then these sets reuse
//! the scalar functions so the dispatch compiles.)

use super::{scalar, Kernels};

/// Whether the CPU has AVX2 and FMA.
pub fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}
/// Whether the CPU has AVX-512F (and AVX2/FMA).
pub fn has_avx512() -> bool {
    has_avx2() && is_x86_feature_detected!("avx512f")
}
/// AVX2 + FMA kernels.
pub static AVX2: Kernels = Kernels { name: "avx2", assign: scalar::assign, sq_dist: scalar::sq_dist, axpy: scalar::axpy };
/// AVX-512 kernels.
pub static AVX512: Kernels = Kernels { name: "avx512", assign: scalar::assign, sq_dist: scalar::sq_dist, axpy: scalar::axpy };
