//! The domain's result files and tables: one row per document
//! (assignments.csv), topics with their words and example documents
//! (topics.json, the stdout table), and how topics line up with known labels.

use kmkit_cli::ResultTable;
use kmkit_text::{Assignment, Corpus, TermWeight, Topic};
use serde::Serialize;
use serde_json::json;

use crate::picture::shorten;

/// A document shown as an example of its topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Document id (line or record number, or file path).
    pub id: String,
    /// The start of its text.
    pub text: String,
}

/// The known label most documents of a topic carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Majority {
    /// The label.
    pub label: String,
    /// Documents of the topic with it.
    pub count: usize,
    /// Their share of the topic.
    pub share: f64,
}

/// One topic as written to topics.json and printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicOut {
    /// Topic number (`0..k`).
    pub topic: u32,
    /// Documents assigned to it.
    pub size: usize,
    /// Heaviest terms first.
    pub terms: Vec<TermWeight>,
    /// Its documents nearest the centroid, nearest first.
    pub examples: Vec<Example>,
    /// The most common known label among its documents, when labels are known.
    pub majority_label: Option<Majority>,
}

/// Longest example text kept in topics.json and the table.
pub const EXAMPLE_CHARS: usize = 100;

/// Topics with example texts and, if the corpus has labels, their majority label.
pub fn topics_out(topics: &[Topic], corpus: &Corpus, assignment: &Assignment) -> Vec<TopicOut> {
    topics
        .iter()
        .map(|t| TopicOut {
            topic: t.cluster,
            size: t.size,
            terms: t.terms.clone(),
            examples: t
                .examples
                .iter()
                .map(|&i| Example {
                    id: corpus.ids[i].clone(),
                    text: shorten(
                        &corpus.texts[i].replace(['\n', '\r', '\t'], " "),
                        EXAMPLE_CHARS,
                    ),
                })
                .collect(),
            majority_label: corpus
                .labels
                .as_ref()
                .and_then(|l| majority(l, &assignment.labels, t.cluster)),
        })
        .collect()
}

fn majority(labels: &[String], assigned: &[Option<u32>], topic: u32) -> Option<Majority> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (l, _) in labels
        .iter()
        .zip(assigned)
        .filter(|(_, a)| **a == Some(topic))
    {
        match counts.iter_mut().find(|(n, _)| *n == l.as_str()) {
            Some(c) => c.1 += 1,
            None => counts.push((l, 1)),
        }
    }
    let total: usize = counts.iter().map(|c| c.1).sum();
    // Most documents; equal counts go to the label seen first.
    let (label, count) = counts
        .iter()
        .fold(None::<(&str, usize)>, |best, &(l, n)| match best {
            Some((_, b)) if b >= n => best,
            _ => Some((l, n)),
        })?;
    Some(Majority {
        label: label.to_string(),
        count,
        share: count as f64 / total as f64,
    })
}

/// `id,topic,distance[,label]`: one row per document; documents without a
/// topic have empty `topic` and `distance`. The distance is the Euclidean
/// distance to the centroid in the clustered space (for unit rows,
/// `sqrt(2 − 2·cos)`).
pub fn assignments_csv(corpus: &Corpus, assignment: &Assignment) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let labels = corpus.labels.as_ref();
    let mut header = vec!["id", "topic", "distance"];
    if labels.is_some() {
        header.push("label");
    }
    w.write_record(&header)?;
    for i in 0..corpus.len() {
        let mut row = vec![
            corpus.ids[i].clone(),
            assignment.labels[i].map_or(String::new(), |l| l.to_string()),
            assignment.distances[i]
                .map_or(String::new(), |d| format!("{}", (d.max(0.0) as f64).sqrt())),
        ];
        if let Some(l) = labels {
            row.push(l[i].clone());
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The topic table printed on stdout: topic, documents, top terms, an
/// example and, with labels, the majority label and its share.
pub fn topic_table(topics: &[TopicOut], n_terms: usize) -> ResultTable {
    let with_labels = topics.iter().any(|t| t.majority_label.is_some());
    let mut headers = vec!["topic", "docs", "top terms", "example"];
    if with_labels {
        headers.push("majority label");
    }
    let mut table = ResultTable::new(&headers);
    for t in topics {
        let mut row = vec![
            json!(t.topic),
            json!(t.size),
            json!(terms_line(&t.terms, n_terms)),
            json!(t
                .examples
                .first()
                .map_or(String::new(), |e| shorten(&e.text, 60))),
        ];
        if with_labels {
            row.push(json!(t.majority_label.as_ref().map_or(
                String::new(),
                |m| format!("{} ({:.0}%)", m.label, 100.0 * m.share)
            )));
        }
        table.push(row);
    }
    table
}

/// Top terms of a topic as one line: `"svn subversion repository"`.
pub fn terms_line(terms: &[TermWeight], n: usize) -> String {
    terms
        .iter()
        .take(n)
        .map(|t| t.term.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Corpus {
        Corpus {
            texts: vec!["a b".into(), "c\nd".into(), "".into()],
            ids: vec!["1".into(), "2".into(), "3".into()],
            labels: Some(vec!["x".into(), "y".into(), "y".into()]),
            n_bad_encoding: 0,
        }
    }

    #[test]
    fn csv_with_unassigned_and_labels() {
        let a = Assignment {
            labels: vec![Some(1), Some(0), None],
            distances: vec![Some(0.25), Some(0.0), None],
        };
        let text = String::from_utf8(assignments_csv(&corpus(), &a).unwrap()).unwrap();
        assert_eq!(text, "id,topic,distance,label\n1,1,0.5,x\n2,0,0,y\n3,,,y\n");
    }

    #[test]
    fn topics_with_examples_and_majority() {
        let a = Assignment {
            labels: vec![Some(0), Some(0), None],
            distances: vec![Some(0.1), Some(0.2), None],
        };
        let t = Topic {
            cluster: 0,
            size: 2,
            terms: vec![TermWeight {
                term: "b".into(),
                weight: 1.0,
            }],
            examples: vec![1, 0],
        };
        let out = topics_out(&[t], &corpus(), &a);
        assert_eq!(out[0].examples[0].text, "c d");
        let m = out[0].majority_label.as_ref().unwrap();
        assert_eq!((m.label.as_str(), m.count, m.share), ("x", 1, 0.5));
        assert_eq!(terms_line(&out[0].terms, 3), "b");
        let table = topic_table(&out, 3);
        assert_eq!(table.headers.len(), 5);
        assert_eq!(table.rows[0][4], json!("x (50%)"));
    }
}
