//! Labels encoded in file names (`--labels-from-name`), e.g. the speaker in
//! FSDD's `{digit}_{speaker}_{take}.wav`, and their integer codes for ARI/NMI.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// FSDD's file names, `{digit}_{speaker}_{take}.wav`, labelled by speaker.
pub const FSDD_SPEAKER: &str = r"^\d+_(?P<label>[a-z]+)_\d+\.wav$";

/// A regular expression over file names whose capture is the label: the
/// group named `label`, else the first group, else the whole match.
#[derive(Debug, Clone)]
pub struct LabelPattern {
    regex: Regex,
}

impl LabelPattern {
    /// Compiles `pattern`; the error says what is wrong with it.
    pub fn new(pattern: &str) -> Result<Self, String> {
        Regex::new(pattern)
            .map(|regex| LabelPattern { regex })
            .map_err(|e| {
                // regex's message spans lines (the pattern with a caret); keep one.
                let message = e.to_string();
                let detail: Vec<&str> = message
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                format!(
                    "--labels-from-name {pattern:?} is not a valid regular expression ({})",
                    detail.last().copied().unwrap_or("parse error")
                )
            })
    }

    /// The pattern's text.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// True when the pattern matches `file_name` (used for hold-out patterns too).
    pub fn is_match(&self, file_name: &str) -> bool {
        self.regex.is_match(file_name)
    }

    /// The label in `file_name`, or `None` when the pattern does not match
    /// (or its group did not take part in the match).
    pub fn label(&self, file_name: &str) -> Option<String> {
        let caps = self.regex.captures(file_name)?;
        let m = caps.name("label").or_else(|| {
            if caps.len() > 1 {
                caps.get(1)
            } else {
                caps.get(0)
            }
        })?;
        Some(m.as_str().to_string())
    }
}

impl PartialEq for LabelPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for LabelPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LabelPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        LabelPattern::new(&text).map_err(serde::de::Error::custom)
    }
}

/// Labels turned into codes for the metrics: the sorted distinct labels
/// (`classes`), and per item the index of its label, or `None` when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coded {
    /// Distinct labels, sorted.
    pub classes: Vec<String>,
    /// Per item: index into `classes`.
    pub codes: Vec<Option<u32>>,
}

impl Coded {
    /// Codes `labels`.
    pub fn new(labels: &[Option<String>]) -> Self {
        let mut classes: Vec<String> = labels.iter().flatten().cloned().collect();
        classes.sort();
        classes.dedup();
        let codes = labels
            .iter()
            .map(|l| {
                l.as_ref()
                    .map(|l| classes.binary_search(l).expect("collected above") as u32)
            })
            .collect();
        Coded { classes, codes }
    }

    /// Number of items with a label.
    pub fn n_labelled(&self) -> usize {
        self.codes.iter().flatten().count()
    }

    /// Truth and predictions restricted to the labelled items, for ARI/NMI.
    pub fn paired(&self, predicted: &[u32]) -> (Vec<u32>, Vec<u32>) {
        self.codes
            .iter()
            .zip(predicted)
            .filter_map(|(t, &p)| t.map(|t| (t, p)))
            .unzip()
    }
}

/// What one cluster holds in terms of the known labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Composition {
    /// Labelled members per label, most common first (ties by name).
    pub counts: Vec<(String, usize)>,
    /// Members without a label.
    pub unlabelled: usize,
}

impl Composition {
    /// The most common label and its share of the labelled members.
    pub fn majority(&self) -> Option<(&str, f64)> {
        let total: usize = self.counts.iter().map(|(_, n)| n).sum();
        self.counts
            .first()
            .map(|(l, n)| (l.as_str(), *n as f64 / total as f64))
    }
}

/// Label counts of each of the `k` clusters.
pub fn compositions(clusters: &[u32], labels: &[Option<String>], k: usize) -> Vec<Composition> {
    let mut maps = vec![BTreeMap::<&str, usize>::new(); k];
    let mut unlabelled = vec![0; k];
    for (&c, l) in clusters.iter().zip(labels) {
        match l {
            Some(l) => *maps[c as usize].entry(l.as_str()).or_default() += 1,
            None => unlabelled[c as usize] += 1,
        }
    }
    maps.into_iter()
        .zip(unlabelled)
        .map(|(m, unlabelled)| {
            let mut counts: Vec<(String, usize)> =
                m.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Composition { counts, unlabelled }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_named_first_or_whole() {
        let fsdd = LabelPattern::new(FSDD_SPEAKER).unwrap();
        assert_eq!(fsdd.label("7_jackson_32.wav").as_deref(), Some("jackson"));
        assert_eq!(fsdd.label("notes.txt"), None);
        let first = LabelPattern::new(r"^(\d)_").unwrap();
        assert_eq!(first.label("7_jackson_32.wav").as_deref(), Some("7"));
        let whole = LabelPattern::new(r"[a-z]+").unwrap();
        assert_eq!(whole.label("7_jackson_32.wav").as_deref(), Some("jackson"));
        assert!(LabelPattern::new("(").unwrap_err().contains("not a valid"));
        let json = serde_json::to_string(&fsdd).unwrap();
        assert_eq!(serde_json::from_str::<LabelPattern>(&json).unwrap(), fsdd);
    }

    #[test]
    fn codes_and_compositions() {
        let labels = vec![
            Some("b".to_string()),
            None,
            Some("a".to_string()),
            Some("b".to_string()),
        ];
        let coded = Coded::new(&labels);
        assert_eq!(coded.classes, ["a", "b"]);
        assert_eq!(coded.codes, [Some(1), None, Some(0), Some(1)]);
        assert_eq!(coded.paired(&[0, 1, 1, 0]), (vec![1, 0, 1], vec![0, 1, 0]));
        let comp = compositions(&[0, 0, 1, 0], &labels, 2);
        assert_eq!(comp[0].counts, [("b".to_string(), 2)]);
        assert_eq!(comp[0].unlabelled, 1);
        assert_eq!(comp[1].majority(), Some(("a", 1.0)));
    }
}
