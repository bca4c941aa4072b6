//! Memory budget of a read: what the machine can give, and a check that a
//! file's in-memory form fits, made from its size or header **before**
//! anything of that size is allocated. A read that cannot fit is one clear
//! error instead of an allocation failure (an abort) or the OOM killer.
//!
//! The budget is the kernel's `MemAvailable` (Linux), capped by a cgroup v2
//! `memory.max`, or the `KMKIT_MAX_MEMORY` environment variable (a size such
//! as `512M`) when set. Where none is known, nothing is refused.

use std::path::Path;

use crate::error::{IoError, Result};

/// Bytes per value the in-memory path holds for a binary matrix: the file's
/// f32 bytes, the table's f64 columns and the f32 features.
pub const IN_MEMORY_BYTES_PER_VALUE: u64 = 4 + 8 + 4;

/// Environment variable that sets the memory budget of reads (a size).
pub const MAX_MEMORY_ENV: &str = "KMKIT_MAX_MEMORY";

/// Parses a memory size: bytes, or a number with K, M, G or T (powers of
/// 1024; `KB`, `KiB`, `MB` … accepted alike), e.g. `256M`, `1.5G`.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size: give bytes or e.g. 256M, 2G"))?;
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}: use K, M, G or T")),
    };
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(format!("{s:?}: the memory limit must be at least 1 byte"));
    }
    Ok(bytes as u64)
}

/// Bytes as B, KiB, MiB, GiB or TiB for messages.
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// The memory a read may use, in bytes: `KMKIT_MAX_MEMORY` when set (an
/// invalid value is an error), else what the system reports available, else
/// `None` (unknown: no limit is enforced).
pub fn available_memory() -> Result<Option<u64>> {
    if let Some(v) = std::env::var_os(MAX_MEMORY_ENV) {
        let v = v.to_string_lossy();
        return parse_size(&v)
            .map(Some)
            .map_err(|e| IoError::Config(format!("{MAX_MEMORY_ENV}: {e}")));
    }
    Ok(system_available())
}

/// `MemAvailable`, capped by the cgroup v2 limit minus current use.
fn system_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let mut bytes = kib.saturating_mul(1024);
    let read = |name: &str| {
        std::fs::read_to_string(Path::new("/sys/fs/cgroup").join(name))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    if let (Some(max), Some(current)) = (read("memory.max"), read("memory.current")) {
        bytes = bytes.min(max.saturating_sub(current));
    }
    Some(bytes)
}

/// Refuses to read `path` into memory when its in-memory form (`needed`
/// bytes, `what` says of what) exceeds the memory available. `hint` ends the
/// message with what to do instead.
pub fn check_fits(path: &Path, what: &str, needed: u64, hint: &str) -> Result<()> {
    match available_memory()? {
        Some(available) if needed > available => Err(IoError::TooLarge {
            path: path.to_path_buf(),
            message: format!(
                "{what} needs about {} in memory, more than the {} available{hint}",
                human_bytes(needed),
                human_bytes(available)
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size(" 2 KiB "), Ok(2048));
        assert_eq!(parse_size("10"), Ok(10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn the_system_reports_some_memory() {
        // On Linux CI /proc/meminfo exists; elsewhere the budget is unknown.
        if cfg!(target_os = "linux") {
            assert!(system_available().is_some_and(|b| b > 0));
        }
    }
}
