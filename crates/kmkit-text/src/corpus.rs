//! Reading documents: a folder of `.txt` files, one document per line, or a
//! text column of a CSV or JSONL file (any of them gzip-compressed when the
//! name ends in `.gz`). Invalid UTF-8 is decoded lossily and counted, never
//! fatal.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::budget;
use crate::error::{Result, TextError};

/// Documents with their ids and optional labels.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Corpus {
    /// The document texts.
    pub texts: Vec<String>,
    /// One id per document: a relative file path, or a 1-based line or record number.
    pub ids: Vec<String>,
    /// One label per document when the source carries them (sub-folder
    /// names, a label column or field).
    pub labels: Option<Vec<String>>,
    /// Documents that were not valid UTF-8 and were decoded lossily (each
    /// invalid sequence became U+FFFD).
    pub n_bad_encoding: usize,
}

impl Corpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.texts.len()
    }
    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// Reads every `.txt` file under `dir`, recursively, in path order. A file's
/// id is its path relative to `dir` (with `/`); its label is the name of the
/// first sub-folder it is in. Labels are given only when every file is in a
/// sub-folder.
pub fn read_folder(dir: &Path) -> Result<Corpus> {
    read_folder_within(dir, budget::read_budget())
}

/// [`read_folder`] under a memory budget of `limit` bytes for all its files
/// together: the folder is refused from the files' total size before any is
/// read, and each read is held to what the earlier ones left.
fn read_folder_within(dir: &Path, limit: u64) -> Result<Corpus> {
    let mut files = Vec::new();
    collect_txt(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(TextError::NoDocumentsFound {
            path: dir.to_path_buf(),
        });
    }
    let mut total = 0u64;
    for path in &files {
        let len = std::fs::metadata(path)
            .map_err(|e| TextError::io(path, e))?
            .len();
        total = total.saturating_add(len);
    }
    if total > limit {
        return Err(TextError::TooLarge {
            path: dir.to_path_buf(),
            message: format!(
                "its {} .txt files need about {} in memory, more than the {} available",
                files.len(),
                budget::show(total),
                budget::show(limit)
            ),
        });
    }
    let mut left = limit;
    let mut corpus = Corpus::default();
    let mut labels = Vec::with_capacity(files.len());
    for path in files {
        let bytes = read_bytes_within(&path, left)?;
        left = left.saturating_sub(bytes.len() as u64);
        let (text, bad) = decode(&bytes);
        corpus.n_bad_encoding += usize::from(bad);
        corpus.texts.push(text.into_owned());
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        labels.push((parts.len() > 1).then(|| parts[0].clone()));
        corpus.ids.push(parts.join("/"));
    }
    if labels.iter().all(Option::is_some) {
        corpus.labels = Some(labels.into_iter().flatten().collect());
    }
    Ok(corpus)
}

fn collect_txt(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| TextError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| TextError::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| TextError::io(&path, e))?;
        if kind.is_dir() {
            collect_txt(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a file with one document per line (`\n` or `\r\n`); ids are 1-based
/// line numbers. Blank lines are kept as (empty) documents so that line `i`
/// stays document `i`, aligned with a labels file.
pub fn read_lines(path: &Path) -> Result<Corpus> {
    let bytes = read_bytes(path)?;
    let mut corpus = Corpus::default();
    for (i, line) in lines(&bytes).enumerate() {
        let (text, bad) = decode(line);
        corpus.n_bad_encoding += usize::from(bad);
        corpus.texts.push(text.into_owned());
        corpus.ids.push((i + 1).to_string());
    }
    if corpus.is_empty() {
        return Err(TextError::NoDocumentsFound {
            path: path.to_path_buf(),
        });
    }
    Ok(corpus)
}

/// Reads one label per line (trimmed), e.g. the class of each document of
/// [`read_lines`]. A trailing empty line is ignored.
pub fn read_labels(path: &Path) -> Result<Vec<String>> {
    let bytes = read_bytes(path)?;
    Ok(lines(&bytes)
        .map(|l| decode(l).0.trim().to_string())
        .collect())
}

/// Reads the column `text_column` (and `label_column`, if given) of a CSV
/// file with a header row; `.tsv` files are tab-separated. Ids are 1-based
/// record numbers.
pub fn read_csv(path: &Path, text_column: &str, label_column: Option<&str>) -> Result<Corpus> {
    let bytes = read_bytes(path)?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let delimiter = if name.ends_with(".tsv") || name.ends_with(".tsv.gz") {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(&bytes[..]);
    let format = |line: usize, e: csv::Error| TextError::Format {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    };
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| format(1, e))?
        .iter()
        .map(|h| decode(h).0.trim().to_string())
        .collect();
    let find = |column: &str| {
        header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| TextError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_string(),
                available: header.join(", "),
            })
    };
    let text_at = find(text_column)?;
    let label_at = label_column.map(find).transpose()?;
    let mut corpus = Corpus::default();
    let mut labels = Vec::new();
    for (i, record) in reader.byte_records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| p.line() as usize);
        let record = record.map_err(|e| format(line, e))?;
        let (text, bad) = decode(record.get(text_at).unwrap_or_default());
        corpus.n_bad_encoding += usize::from(bad);
        corpus.texts.push(text.into_owned());
        corpus.ids.push((i + 1).to_string());
        if let Some(at) = label_at {
            labels.push(
                decode(record.get(at).unwrap_or_default())
                    .0
                    .trim()
                    .to_string(),
            );
        }
    }
    if corpus.is_empty() {
        return Err(TextError::NoDocumentsFound {
            path: path.to_path_buf(),
        });
    }
    corpus.labels = label_at.map(|_| labels);
    Ok(corpus)
}

/// Reads the string field `text_field` (and `label_field`, if given) of each
/// line of a JSON-lines file; blank lines are skipped. Ids are 1-based line
/// numbers. A label that is a number is used as its text.
pub fn read_jsonl(path: &Path, text_field: &str, label_field: Option<&str>) -> Result<Corpus> {
    let bytes = read_bytes(path)?;
    let mut corpus = Corpus::default();
    let mut labels = Vec::new();
    for (i, line) in lines(&bytes).enumerate() {
        let (text, bad) = decode(line);
        if text.trim().is_empty() {
            continue;
        }
        let format = |message: String| TextError::Format {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format(e.to_string()))?;
        let field = |name: &str| match value.get(name) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
            Some(other) => Err(format(format!("field {name:?} is {other}, not a string"))),
            None => Err(TextError::MissingColumn {
                path: path.to_path_buf(),
                column: name.to_string(),
                available: value.as_object().map_or("no fields".into(), |o| {
                    o.keys().cloned().collect::<Vec<_>>().join(", ")
                }),
            }),
        };
        corpus.texts.push(field(text_field)?);
        corpus.n_bad_encoding += usize::from(bad);
        corpus.ids.push((i + 1).to_string());
        if let Some(name) = label_field {
            labels.push(field(name)?);
        }
    }
    if corpus.is_empty() {
        return Err(TextError::NoDocumentsFound {
            path: path.to_path_buf(),
        });
    }
    corpus.labels = label_field.map(|_| labels);
    Ok(corpus)
}

/// Maps label names to dense ids `0..m` in order of first appearance, and
/// returns the names by id: the form `kmkit_core::metrics` take.
pub fn encode_labels<S: AsRef<str>>(labels: &[S]) -> (Vec<u32>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut index = rustc_hash::FxHashMap::default();
    let ids = labels
        .iter()
        .map(|l| {
            *index.entry(l.as_ref().to_string()).or_insert_with(|| {
                names.push(l.as_ref().to_string());
                (names.len() - 1) as u32
            })
        })
        .collect();
    (ids, names)
}

/// The whole file, gunzipped when its name ends in `.gz`. Text with NUL
/// bytes is UTF-16 or binary data, not documents: refused with the file's
/// name rather than decoded into letters and replacement characters.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    read_bytes_within(path, budget::read_budget())
}

/// [`read_bytes`] under a memory budget of `limit` bytes: the file is
/// refused from its size before it is read, gzip inflated only up to it.
fn read_bytes_within(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let too_large = |message| TextError::TooLarge {
        path: path.to_path_buf(),
        message,
    };
    let len = std::fs::metadata(path)
        .map_err(|e| TextError::io(path, e))?
        .len();
    if let Some(message) = budget::file_too_large(len, limit) {
        return Err(too_large(message));
    }
    let raw = std::fs::read(path).map_err(|e| TextError::io(path, e))?;
    let bytes = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        budget::gunzip(&raw, limit)
            .map_err(|e| TextError::io(path, e))?
            .ok_or_else(|| too_large(budget::inflates_too_far(limit)))?
    } else {
        raw
    };
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) || bytes.contains(&0) {
        return Err(TextError::Format {
            path: path.to_path_buf(),
            line: 1,
            message: "not UTF-8 text (UTF-16 or binary data): save the documents as UTF-8".into(),
        });
    }
    Ok(bytes)
}

/// Lines without their `\n` / `\r\n`; no empty last line after a final newline.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(move |_| !empty)
}

/// UTF-8 text (a leading byte-order mark dropped), and whether it had to be
/// decoded lossily.
fn decode(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(bytes), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("kmkit-text-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn folder_with_labels_and_bad_bytes() {
        let d = TempDir::new("folder");
        d.write("sports/b.txt", b"goal");
        d.write("sports/deep/a.txt", b"match \xff\xfe report");
        d.write("tech/c.TXT", b"\xEF\xBB\xBFrust");
        d.write("tech/notes.md", b"ignored");
        let c = read_folder(&d.0).unwrap();
        assert_eq!(c.ids, ["sports/b.txt", "sports/deep/a.txt", "tech/c.TXT"]);
        assert_eq!(
            c.labels.as_deref(),
            Some(&["sports".to_string(), "sports".into(), "tech".into()][..])
        );
        assert_eq!(c.texts[1], "match \u{FFFD}\u{FFFD} report");
        assert_eq!(c.texts[2], "rust");
        assert_eq!(c.n_bad_encoding, 1);
        d.write("top.txt", b"x");
        assert_eq!(read_folder(&d.0).unwrap().labels, None);
        let empty = TempDir::new("empty-folder");
        assert!(matches!(
            read_folder(&empty.0),
            Err(TextError::NoDocumentsFound { .. })
        ));
        assert!(matches!(
            read_folder(&empty.0.join("missing")),
            Err(TextError::Io { .. })
        ));
    }

    #[test]
    fn lines_plain_and_gzip() {
        let d = TempDir::new("lines");
        let plain = d.write("docs.txt", b"first\r\n\nthird \xc3\x28\n");
        let c = read_lines(&plain).unwrap();
        assert_eq!(c.texts, ["first", "", "third \u{FFFD}("]);
        assert_eq!(c.ids, ["1", "2", "3"]);
        assert_eq!(c.n_bad_encoding, 1);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a\nb").unwrap();
        let path = d.write("docs.txt.gz", &gz.finish().unwrap());
        assert_eq!(read_lines(&path).unwrap().texts, ["a", "b"]);
        assert_eq!(
            read_labels(&d.write("labels.txt", b"1\n2 \n")).unwrap(),
            ["1", "2"]
        );
        assert!(matches!(
            read_lines(&d.write("empty.txt", b"")),
            Err(TextError::NoDocumentsFound { .. })
        ));
        assert!(read_lines(&d.write("bad.gz", b"not gzip")).is_err());
    }

    #[test]
    fn csv_and_tsv_columns() {
        let d = TempDir::new("csv");
        let path = d.write(
            "docs.csv",
            b"id,text,tag\n1,\"Hello, world\",a\n2,caf\xe9,b\n",
        );
        let c = read_csv(&path, "text", Some("tag")).unwrap();
        assert_eq!(c.texts, ["Hello, world", "caf\u{FFFD}"]);
        assert_eq!(c.labels, Some(vec!["a".into(), "b".into()]));
        assert_eq!(c.n_bad_encoding, 1);
        let err = read_csv(&path, "body", None).unwrap_err();
        assert!(err.to_string().contains("id, text, tag"), "{err}");
        let tsv = d.write("docs.tsv", b"text\tlabel\none two\tx\n");
        assert_eq!(read_csv(&tsv, "text", None).unwrap().texts, ["one two"]);
        let ragged = d.write("ragged.csv", b"a,b\n1,2\n3\n");
        let err = read_csv(&ragged, "a", None).unwrap_err();
        assert!(matches!(err, TextError::Format { line: 3, .. }), "{err}");
    }

    #[test]
    fn jsonl_fields() {
        let d = TempDir::new("jsonl");
        let path = d.write(
            "docs.jsonl",
            b"{\"text\": \"one\", \"y\": 3}\n\n{\"text\": \"two \xff\", \"y\": \"b\"}\n",
        );
        let c = read_jsonl(&path, "text", Some("y")).unwrap();
        assert_eq!(c.texts, ["one", "two \u{FFFD}"]);
        assert_eq!(c.ids, ["1", "3"]);
        assert_eq!(c.labels, Some(vec!["3".into(), "b".into()]));
        assert_eq!(c.n_bad_encoding, 1);
        assert!(matches!(
            read_jsonl(&path, "body", None),
            Err(TextError::MissingColumn { .. })
        ));
        let bad = d.write("bad.jsonl", b"{\"text\": 1}\n{oops\n");
        assert!(matches!(
            read_jsonl(&bad, "text", None),
            Err(TextError::Format { line: 2, .. })
        ));
        let wrong = d.write("wrong.jsonl", b"{\"text\": [1]}\n");
        assert!(matches!(
            read_jsonl(&wrong, "text", None),
            Err(TextError::Format { line: 1, .. })
        ));
    }

    #[test]
    fn label_encoding() {
        let (ids, names) = encode_labels(&["b", "a", "b", "c"]);
        assert_eq!(ids, [0, 1, 0, 2]);
        assert_eq!(names, ["b", "a", "c"]);
    }

    #[test]
    fn reads_over_the_budget_are_refused_before_allocating() {
        use std::io::Write;
        let d = TempDir::new("budget");
        let plain = d.write("docs.txt", &b"a few words\n".repeat(100));
        let err = read_bytes_within(&plain, 1000).unwrap_err();
        assert!(
            err.to_string().contains(
                "reading the file needs about 1200 B in memory, more than the 1000 B available"
            ),
            "{err}"
        );
        assert_eq!(read_bytes_within(&plain, 1200).unwrap().len(), 1200);
        // 1 MiB of one line compresses to about 1 KB: a small bomb.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&b"spam ".repeat(1 << 18)).unwrap();
        let bomb = d.write("bomb.txt.gz", &gz.finish().unwrap());
        let err = read_bytes_within(&bomb, 64 * 1024).unwrap_err();
        assert!(
            err.to_string()
                .contains("decompresses to more than the 65536 B"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_is_held_to_the_budget_in_total() {
        let d = TempDir::new("folder-budget");
        for name in ["a.txt", "b.txt", "c.txt"] {
            d.write(name, &b"some words\n".repeat(50)); // 550 B each
        }
        let err = read_folder_within(&d.0, 1000).unwrap_err();
        assert!(
            err.to_string().contains(
                "its 3 .txt files need about 1650 B in memory, more than the 1000 B available"
            ),
            "{err}"
        );
        assert_eq!(read_folder_within(&d.0, 1650).unwrap().len(), 3);
    }
}
