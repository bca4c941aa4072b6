//! Where the repository's bundled `datasets/` folder is, so every app finds
//! its default input the same way whether run from the repository, a
//! subfolder of it, or an installed binary built from it.

use std::path::{Path, PathBuf};

/// The repository's `datasets/` folder: `$KMKIT_DATASETS`, else the first
/// `datasets/` above the current directory that holds `probe` (a path inside
/// it, e.g. `"tabular"`), else the one next to the source this binary was
/// built from.
pub fn datasets_dir_with(probe: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("KMKIT_DATASETS") {
        return PathBuf::from(dir);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join("datasets").join(probe).exists() {
                return dir.join("datasets");
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

/// The repository's `datasets/` folder, recognised by its `tabular/` folder.
pub fn datasets_dir() -> PathBuf {
    datasets_dir_with("tabular")
}

/// A bundled file by its path under `datasets/` (e.g.
/// `"customers/online_retail_2010-12_lines.csv.gz"`), found as
/// [`datasets_dir_with`] finds the folder.
pub fn bundled_file(relative: &str) -> PathBuf {
    datasets_dir_with(relative).join(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_repository_datasets() {
        let p = bundled_file("customers/SOURCE.txt");
        assert!(p.is_file(), "{}", p.display());
    }
}
