//! The memory budget of the domain crates' reads: a file is refused from its
//! size (and gzip inflated only up to the budget) before anything of that
//! size is held.
//!
//! The core reads no file; it only holds the number, here because every
//! domain crate depends on the core and none may depend on kmkit-io. An app
//! sets it once from `kmkit_io::memory` (`MemAvailable`, a cgroup limit or
//! `KMKIT_MAX_MEMORY`); until then reads are unlimited (library use, tests,
//! the fuzzer). A process-wide value because it is a property of the
//! process, not of one call.

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
pub fn show(b: u64) -> String {
    if b < 1 << 20 {
        format!("{b} B")
    } else {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

/// Why a file of `len` bytes cannot be read under `budget`, if it cannot.
pub fn file_too_large(len: u64, budget: u64) -> Option<String> {
    (len > budget).then(|| {
        format!(
            "reading the file needs about {} in memory, more than the {} available",
            show(len),
            show(budget)
        )
    })
}
