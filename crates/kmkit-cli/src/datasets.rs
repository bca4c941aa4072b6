//! Where the bundled datasets are: every app's default input lives under the
//! repository's `datasets/` folder.

use std::path::{Path, PathBuf};

/// The repository's `datasets/` folder: `$KMKIT_DATASETS`, else the first
/// `datasets/` above the current directory, else the one next to the source
/// these binaries were built from.
pub fn datasets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KMKIT_DATASETS") {
        return PathBuf::from(dir);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            // `tabular/` tells the repository's folder from any other `datasets/`.
            let candidate = dir.join("datasets").join("tabular");
            if candidate.is_dir() {
                return dir.join("datasets");
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}
