//! The memory budget of reads: a file is refused from its size, and gzip is
//! inflated only up to the budget, before anything of that size is held.
//!
//! The app sets the budget once from `kmkit_io::memory` (the same budget its
//! table reads use: `MemAvailable`, a cgroup limit or `KMKIT_MAX_MEMORY`),
//! which this crate cannot depend on; until then reads are unlimited
//! (library use, tests, the fuzzer). A process-wide value because it is a
//! property of the process, not of one call.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

static BUDGET: AtomicU64 = AtomicU64::new(u64::MAX);

/// Sets the bytes a read may hold in memory (`None`: no limit).
pub fn set_read_budget(bytes: Option<u64>) {
    BUDGET.store(bytes.unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// The bytes a read may hold in memory (`u64::MAX`: no limit).
pub fn read_budget() -> u64 {
    BUDGET.load(Ordering::Relaxed)
}

/// Bytes for messages, in MiB with one decimal (or bytes when small).
pub(crate) fn show(b: u64) -> String {
    if b < 1 << 20 {
        format!("{b} B")
    } else {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

/// Why a file of `len` bytes cannot be read under `budget`, if it cannot.
pub(crate) fn file_too_large(len: u64, budget: u64) -> Option<String> {
    (len > budget).then(|| {
        format!(
            "reading the file needs about {} in memory, more than the {} available",
            show(len),
            show(budget)
        )
    })
}

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
