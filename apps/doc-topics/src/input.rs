//! Where the documents come from: the bundled StackOverflow titles, a
//! folder of `.txt` files, a file with one document per line, or a text
//! column of a CSV/TSV/JSONL file; plus known labels for scoring.

use std::path::{Path, PathBuf};

use anyhow::Context;
use kmkit_cli::usage_error;
use kmkit_text::{read_csv, read_folder, read_jsonl, read_labels, read_lines, Corpus};

/// The bundled dataset, relative to `datasets/`.
pub const BUNDLED_DIR: &str = "documents/stackoverflow_titles";
/// Its titles, one per line.
pub const BUNDLED_TITLES: &str = "title_StackOverflow.txt.gz";
/// Its labels, one integer 1..=20 per line.
pub const BUNDLED_LABELS: &str = "label_StackOverflow.txt";
/// Topics asked for on the bundled dataset unless `-k` says otherwise: its number of tags.
pub const BUNDLED_K: usize = 20;
/// The tag of label `i + 1` of the bundled titles (the dataset's SOURCE.txt).
pub const BUNDLED_TAGS: [&str; 20] = [
    "wordpress",
    "oracle",
    "svn",
    "apache",
    "excel",
    "matlab",
    "visual-studio",
    "cocoa",
    "osx",
    "bash",
    "spring",
    "hibernate",
    "scala",
    "sharepoint",
    "ajax",
    "qt",
    "drupal",
    "linq",
    "haskell",
    "magento",
];

/// How an input file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// From the name: a folder, `.csv`/`.tsv`, `.jsonl`/`.ndjson`, else one document per line.
    Auto,
    /// One document per line.
    Lines,
    /// CSV (`.tsv`: tab-separated) with a header row and a text column.
    Csv,
    /// One JSON object per line with a text field.
    Jsonl,
}

/// What the user said about the input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// The file or folder; `None` = the bundled titles.
    pub path: Option<PathBuf>,
    /// How to read it.
    pub format: InputFormat,
    /// Text column or field of CSV/JSONL input.
    pub text_column: String,
    /// Label column or field of CSV/JSONL input, if any.
    pub label_column: Option<String>,
    /// A file with one label per document, one per line.
    pub labels: Option<PathBuf>,
}

/// Input options shared by fitting and `predict`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Input")]
pub struct SourceArgs {
    /// How to read INPUT (auto: by its name)
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Column (CSV) or field (JSONL) holding the text
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// Column (CSV) or field (JSONL) holding a known label, used for scoring
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Known labels, one per document and line, used for scoring (ARI, NMI, V-measure)
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
}

impl SourceArgs {
    /// The input spec for `path` (`None`: the bundled titles).
    pub fn spec(&self, path: Option<PathBuf>) -> InputSpec {
        InputSpec {
            path,
            format: self.input_format,
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
            labels: self.labels.clone(),
        }
    }
}

/// Documents read, with where they came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The documents (ids, texts, labels if known, bad-encoding count).
    pub corpus: Corpus,
    /// How to refer to the input in output.
    pub display: String,
    /// Whether this is the bundled dataset.
    pub bundled: bool,
    /// Where the labels came from, when there are labels.
    pub labels_from: Option<String>,
}

/// Reads the documents (and labels) described by `spec`.
pub fn load(spec: &InputSpec) -> anyhow::Result<Loaded> {
    let mut loaded = match &spec.path {
        None => load_bundled()?,
        Some(path) => load_path(path, spec)?,
    };
    if let Some(file) = &spec.labels {
        let labels = read_labels(file)?;
        let n = loaded.corpus.len();
        if labels.len() != n {
            return Err(usage_error(format!(
                "{} has {} labels but {} holds {n} documents: give one label per document, in order",
                file.display(),
                labels.len(),
                loaded.display
            )));
        }
        loaded.corpus.labels = Some(labels);
        loaded.labels_from = Some(file.display().to_string());
    }
    Ok(loaded)
}

/// The bundled StackOverflow titles, labelled by tag name.
pub fn load_bundled() -> anyhow::Result<Loaded> {
    let dir = kmkit_cli::datasets_dir().join(BUNDLED_DIR);
    let mut corpus = read_lines(&dir.join(BUNDLED_TITLES)).context(
        "reading the bundled StackOverflow titles (set KMKIT_DATASETS to the datasets/ folder)",
    )?;
    let labels = read_labels(&dir.join(BUNDLED_LABELS))?;
    let tags = labels
        .iter()
        .map(|l| {
            l.parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| BUNDLED_TAGS.get(i))
                .map(|t| t.to_string())
                .with_context(|| format!("bundled label {l:?} is not a tag number 1..=20"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(
        tags.len() == corpus.len(),
        "the bundled dataset has {} titles but {} labels",
        corpus.len(),
        tags.len()
    );
    corpus.labels = Some(tags);
    Ok(Loaded {
        corpus,
        display: format!("datasets/{BUNDLED_DIR}"),
        bundled: true,
        labels_from: Some("tags".into()),
    })
}

fn load_path(path: &Path, spec: &InputSpec) -> anyhow::Result<Loaded> {
    if !path.exists() {
        return Err(usage_error(format!(
            "{}: no such file or folder (give a folder of .txt files, a file with one document per line, or a CSV/JSONL file)",
            path.display()
        )));
    }
    let display = path.display().to_string();
    let format = match spec.format {
        InputFormat::Auto => detect(path),
        f => f,
    };
    let label = spec.label_column.as_deref();
    let (corpus, labels_from) = if path.is_dir() {
        let c = read_folder(path)?;
        let from = c.labels.as_ref().map(|_| "sub-folder names".to_string());
        (c, from)
    } else {
        let c = match format {
            InputFormat::Csv => read_csv(path, &spec.text_column, label)?,
            InputFormat::Jsonl => read_jsonl(path, &spec.text_column, label)?,
            InputFormat::Lines | InputFormat::Auto => {
                if label.is_some() {
                    return Err(usage_error(
                        "--label-column applies to CSV/JSONL input; for one document per line give --labels FILE",
                    ));
                }
                read_lines(path)?
            }
        };
        (c, label.map(|l| format!("column {l}")))
    };
    Ok(Loaded {
        corpus,
        display,
        bundled: false,
        labels_from,
    })
}

/// The format a file's name suggests (`.gz` looked through).
pub fn detect(path: &Path) -> InputFormat {
    if path.is_dir() {
        return InputFormat::Auto;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") || name.ends_with(".tsv") {
        InputFormat::Csv
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        InputFormat::Jsonl
    } else {
        InputFormat::Lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        assert_eq!(detect(Path::new("a/b.CSV")), InputFormat::Csv);
        assert_eq!(detect(Path::new("b.tsv.gz")), InputFormat::Csv);
        assert_eq!(detect(Path::new("b.jsonl")), InputFormat::Jsonl);
        assert_eq!(detect(Path::new("b.ndjson.gz")), InputFormat::Jsonl);
        assert_eq!(detect(Path::new("titles.txt.gz")), InputFormat::Lines);
        assert_eq!(detect(Path::new("notes")), InputFormat::Lines);
    }
}
