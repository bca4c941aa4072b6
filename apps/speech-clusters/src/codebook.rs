//! The `codebook` mode's logic: which files train the speaker codebooks and
//! which are held out, the model file, the confusion matrix, and each
//! speaker's mean frame for the report.

use std::path::Path;

use kmkit_speech::{Clip, Codebooks};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::labels::LabelPattern;
use crate::pipeline::file_name;

/// Kind tag of codebook model files.
pub const CODEBOOK_KIND: &str = "speech-codebook";
/// Version of the codebook file.
pub const CODEBOOK_FILE_VERSION: u32 = 1;

/// FSDD's official test split: takes 0–4 of every speaker and digit.
pub const FSDD_TEST_TAKES: &str = r"_[0-4]\.wav$";

/// Which labelled files are held out to test identification.
#[derive(Debug, Clone, PartialEq)]
pub enum Holdout {
    /// Files whose names match the pattern.
    Pattern(LabelPattern),
    /// Every n-th file of each speaker, in file order (the first, the n+1-th…).
    Every(usize),
    /// None: every file trains (test files come from elsewhere).
    None,
}

/// Indices of the training and test clips under `holdout`. Clips without a
/// label can only be test clips (their speaker is unknown).
pub fn split_holdout(
    clips: &[Clip],
    labels: &[Option<String>],
    holdout: &Holdout,
) -> (Vec<usize>, Vec<usize>) {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (i, (clip, label)) in clips.iter().zip(labels).enumerate() {
        let Some(label) = label else {
            test.push(i);
            continue;
        };
        let held = match holdout {
            Holdout::Pattern(p) => p.is_match(&file_name(&clip.source)),
            Holdout::Every(n) => {
                let k = seen.entry(label.as_str()).or_default();
                *k += 1;
                (*k - 1).is_multiple_of(*n.max(&1))
            }
            Holdout::None => false,
        };
        if held {
            test.push(i)
        } else {
            train.push(i)
        }
    }
    (train, test)
}

/// `model.json` of the codebook mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodebookFile {
    /// [`CODEBOOK_FILE_VERSION`].
    pub format_version: u32,
    /// [`CODEBOOK_KIND`].
    pub kind: String,
    /// The pattern speakers were read from file names with.
    pub labels: LabelPattern,
    /// One codebook per speaker.
    pub codebooks: Codebooks,
}

impl CodebookFile {
    /// Wraps trained codebooks.
    pub fn new(labels: LabelPattern, codebooks: Codebooks) -> Self {
        CodebookFile {
            format_version: CODEBOOK_FILE_VERSION,
            kind: CODEBOOK_KIND.to_string(),
            labels,
            codebooks,
        }
    }

    /// Reads a file written by `speech-clusters codebook --out`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the model: {e}", path.display()))?;
        let file: CodebookFile = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a codebook model file: {e}", path.display()))?;
        if file.format_version != CODEBOOK_FILE_VERSION || file.kind != CODEBOOK_KIND {
            anyhow::bail!(
                "{}: codebook file version {} / kind {:?} is not supported",
                path.display(),
                file.format_version,
                file.kind
            );
        }
        // Re-checks the codebooks' own invariants (one per speaker, valid settings).
        let books = Codebooks::from_json(&serde_json::to_string(&file.codebooks)?)?;
        Ok(CodebookFile {
            codebooks: books,
            ..file
        })
    }
}

/// The `kind` field of a model file, to tell cluster and codebook models apart.
pub fn model_kind(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the model: {e}", path.display()))?;
    let head: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: the model is not JSON: {e}", path.display()))?;
    head.get("kind")
        .and_then(|k| k.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no \"kind\" field; give a model.json written by speech-clusters --out",
                path.display()
            )
        })
}

/// `confusion[t][p]`: test clips of speaker `t` identified as `p`.
pub fn confusion(truth: &[usize], predicted: &[usize], n_speakers: usize) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; n_speakers]; n_speakers];
    for (&t, &p) in truth.iter().zip(predicted) {
        m[t][p] += 1;
    }
    m
}

/// Each speaker's mean training frame: the mean of its codewords weighted by
/// how many frames each quantised (`speakers × coefficients`).
pub fn speaker_means(books: &Codebooks) -> Array2<f64> {
    let d = books.models.first().map_or(0, |m| m.centroids.ncols());
    let mut out = Array2::zeros((books.models.len(), d));
    for (s, model) in books.models.iter().enumerate() {
        let mut counts = vec![0usize; model.n_clusters()];
        model.labels().iter().for_each(|&l| counts[l as usize] += 1);
        let total = counts.iter().sum::<usize>().max(1) as f64;
        for (c, row) in model.centroids.rows().into_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                out[[s, j]] += v as f64 * counts[c] as f64 / total;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_speech::Audio;

    #[test]
    fn holdout_by_pattern_every_nth_and_unlabelled() {
        let clips: Vec<Clip> = ["a_0.wav", "a_1.wav", "a_2.wav", "b_0.wav", "x.wav"]
            .iter()
            .map(|n| Clip::new(*n, Audio::new(vec![0.1], 8000)))
            .collect();
        let labels: Vec<Option<String>> = ["a", "a", "a", "b"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None])
            .collect();
        let p = Holdout::Pattern(LabelPattern::new(r"_0\.wav$").unwrap());
        assert_eq!(
            split_holdout(&clips, &labels, &p),
            (vec![1, 2], vec![0, 3, 4])
        );
        assert_eq!(
            split_holdout(&clips, &labels, &Holdout::Every(2)),
            (vec![1], vec![0, 2, 3, 4])
        );
        assert_eq!(
            split_holdout(&clips, &labels, &Holdout::None),
            (vec![0, 1, 2, 3], vec![4])
        );
        assert_eq!(
            confusion(&[0, 0, 1], &[0, 1, 1], 2),
            vec![vec![1, 1], vec![0, 1]]
        );
    }
}
