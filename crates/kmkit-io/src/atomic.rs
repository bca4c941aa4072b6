//! Atomic writes: every output goes to a temporary file in the destination's
//! directory, is flushed and fsynced, then renamed over the destination. A
//! failed or interrupted run therefore leaves either the old file or the new
//! one, never half of one; the temporary file is removed when writing fails.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{IoError, Result};

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` atomically through `fill`, which streams into a buffered
/// writer. If `fill` fails, nothing appears at `path` (an existing file there
/// is left untouched) and the temporary file is deleted.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let wrap = |source| IoError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A dot-prefixed name keeps the temporary file out of casual listings; the
    // same directory keeps the final rename on one file system, hence atomic.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(wrap)?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(wrap)?;
        w.flush().map_err(wrap)?;
    }
    tmp.as_file().sync_all().map_err(wrap)?;
    tmp.persist(path).map_err(|e| wrap(e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Makes the rename durable. Best effort: some file systems refuse to fsync a
/// directory, and the data itself is already on disk.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Whether `name` is one of [`write_with`]'s temporary files:
/// `.<final name>.<6 random letters or digits>.tmp` (tempfile's pattern).
pub fn is_temporary_name(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    match stem.rsplit_once('.') {
        Some((final_name, random)) => {
            !final_name.is_empty()
                && random.len() == 6
                && random.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Removes, from `dir` only (not below it), the regular files named as
/// [`write_with`]'s temporaries: what a run killed mid-write leaves behind
/// (its destructor never ran). Nothing else is touched; best effort, since a
/// leftover is harmless. Two runs writing into one folder at the same time
/// are not supported: the second would remove the first's temporaries.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && name.to_str().is_some_and(is_temporary_name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A results directory: created on demand, every file in it written
/// atomically, and a record of what was written (for the run's summary).
#[derive(Debug, Clone)]
pub struct OutputDir {
    dir: PathBuf,
    written: Vec<PathBuf>,
}

impl OutputDir {
    /// Creates `dir` (and its parents) if needed, and removes the temporary
    /// files a killed earlier run left in it ([`remove_stale_temporaries`]).
    pub fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| IoError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        remove_stale_temporaries(dir);
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            written: Vec::new(),
        })
    }
    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// Path of `name` inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    /// Writes `bytes` to `name` atomically; returns the full path.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        self.write_with(name, |w| w.write_all(bytes))
    }
    /// Streams `name` atomically through `fill`; returns the full path.
    pub fn write_with(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<PathBuf> {
        let path = self.path(name);
        write_with(&path, fill)?;
        self.written.push(path.clone());
        Ok(path)
    }
    /// Files written so far, in order.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write(&p, b"one").unwrap();
        write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(entries(dir.path()), vec!["a.txt"]);
    }

    #[test]
    fn failure_midway_leaves_no_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        let err = write_with(&p, |w| {
            w.write_all(b"id,label\n0,1\n")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("labels.csv"), "{err}");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.json");
        write(&p, b"old").unwrap();
        let _ = write_with(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("killed"))
        });
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(entries(dir.path()), vec!["model.json"]);
    }

    #[test]
    fn missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/dir/x.csv");
        assert!(matches!(write(&p, b"x"), Err(IoError::Write { .. })));
    }

    #[test]
    fn output_dir_records_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutputDir::create(&dir.path().join("run")).unwrap();
        out.write("a.json", b"{}").unwrap();
        out.write_with("b.csv", |w| w.write_all(b"x\n")).unwrap();
        assert_eq!(out.written().len(), 2);
        assert_eq!(entries(out.dir()), vec!["a.json", "b.csv"]);
    }

    #[test]
    fn stale_temporaries_are_removed_and_nothing_else() {
        assert!(is_temporary_name(".labels.csv.a1B2c3.tmp"));
        assert!(is_temporary_name(".report.html.ZZZZZZ.tmp"));
        for other in [
            "labels.csv",
            ".labels.csv",
            "labels.csv.a1B2c3.tmp",
            "..a1B2c3.tmp",
            ".labels.csv.a1B2.tmp",
            ".labels.csv.a1-2c3.tmp",
            ".notes.tmp",
            ".x.a1B2c3.tmp.bak",
        ] {
            assert!(!is_temporary_name(other), "{other}");
        }
        let dir = tempfile::tempdir().unwrap();
        let keep = [
            "labels.csv",
            ".notes.tmp",
            "mine.a1B2c3.tmp",
            ".x.a1B2c3.tmp.bak",
        ];
        for name in keep
            .iter()
            .chain(&[".labels.csv.a1B2c3.tmp", ".model.json.Qw3rTy.tmp"])
        {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        // A folder with a temporary's name is not a file: left alone.
        std::fs::create_dir(dir.path().join(".sub.abcdef.tmp")).unwrap();
        OutputDir::create(dir.path()).unwrap();
        let mut expected: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
        expected.push(".sub.abcdef.tmp".into());
        expected.sort();
        assert_eq!(entries(dir.path()), expected);
    }
}
