//! Gzip inflated only up to the read budget ([`kmkit_core::budget`], which
//! also refuses files from their size), before anything of that size is held.

pub(crate) use kmkit_core::budget::{file_too_large, read_budget, show};
use std::io::Read;

/// Gunzips `bytes` (all members) up to `budget` bytes of output: `Ok(None)`
/// when the output would be larger, so a gzip bomb is refused after at most
/// `budget` bytes were inflated.
pub(crate) fn gunzip(bytes: &[u8], budget: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(budget.saturating_add(1))
        .read_to_end(&mut out)?;
    Ok((out.len() as u64 <= budget).then_some(out))
}

/// The message for a gzip stream that inflates past `budget`.
pub(crate) fn inflates_too_far(budget: u64) -> String {
    format!(
        "it decompresses to more than the {} of memory available",
        show(budget)
    )
}
