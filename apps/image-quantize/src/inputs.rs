//! Which images to read and what to call their outputs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kmkit_cli::usage_error;

/// File name extensions searched for when an input is a folder (a file
/// given by name is decoded whatever its extension: the format is
/// recognised from its first bytes).
pub const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"];

/// One image to quantize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputImage {
    /// The file.
    pub path: PathBuf,
    /// Stem of its output files, unique within a run (`china`, `china-2`, …).
    pub name: String,
}

/// The bundled images: `datasets/images/` (china.jpg and flower.jpg from
/// scikit-learn, four Kodak photos).
pub fn default_dir() -> PathBuf {
    kmkit_cli::datasets_dir_with("images").join("images")
}

/// Expands the command line's inputs: files as given, folders to the image
/// files under them (sorted), nothing to the bundled images. A missing path
/// or a folder without images is a usage error.
pub fn resolve(args: &[PathBuf]) -> anyhow::Result<Vec<InputImage>> {
    let mut paths = Vec::new();
    let default = [default_dir()];
    let args = if args.is_empty() { &default[..] } else { args };
    for a in args {
        if a.is_dir() {
            let found = images_in(a)?;
            if found.is_empty() {
                return Err(usage_error(format!(
                    "{}: no image files ({}) in this folder",
                    a.display(),
                    EXTENSIONS.join(", ")
                )));
            }
            paths.extend(found);
        } else if a.exists() {
            paths.push(a.clone());
        } else {
            return Err(usage_error(format!(
                "{}: no such file or folder",
                a.display()
            )));
        }
    }
    Ok(name(paths))
}

/// Image files under `dir`, recursively, sorted by path; hidden entries skipped.
pub fn images_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", d.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", d.display()))?
                .path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if has_image_extension(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn has_image_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        let e = e.to_string_lossy().to_ascii_lowercase();
        EXTENSIONS.contains(&e.as_str())
    })
}

/// Output stems: the file stem, with `-2`, `-3`, … on repeats.
fn name(paths: Vec<PathBuf>) -> Vec<InputImage> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "image".into());
            let n = seen.entry(stem.clone()).or_insert(0);
            *n += 1;
            let name = if *n == 1 { stem } else { format!("{stem}-{n}") };
            InputImage { path, name }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_stems_get_numbers() {
        let got = name(vec!["a/x.png".into(), "b/x.jpg".into(), "y.gif".into()]);
        let names: Vec<&str> = got.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["x", "x-2", "y"]);
        assert!(has_image_extension(Path::new("p.JPEG")));
        assert!(!has_image_extension(Path::new("notes.txt")));
    }
}
