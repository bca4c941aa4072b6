//! Where the bundled datasets are: every app's default input lives under the
//! repository's `datasets/` folder.

use std::path::{Path, PathBuf};

/// The repository's `datasets/` folder: `$KMKIT_DATASETS`, else the first
/// `datasets/` above the current directory that holds `sub` (e.g. `tabular`,
/// `images`), else the one next to the source this binary was built from.
pub fn datasets_dir(sub: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("KMKIT_DATASETS") {
        return PathBuf::from(dir);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join("datasets").join(sub).is_dir() {
                return dir.join("datasets");
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}
