//! Centroids back into words: the top terms of each cluster and the
//! documents nearest each centroid.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TextError};

/// A term and its weight in a cluster centroid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermWeight {
    /// The term (a word, a stem or an n-gram).
    pub term: String,
    /// Its weight in the centroid (TF-IDF units, or back-projected from LSA).
    pub weight: f64,
}

/// One cluster in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Cluster id (`0..k`).
    pub cluster: u32,
    /// Documents assigned to it.
    pub size: usize,
    /// Heaviest terms first.
    pub terms: Vec<TermWeight>,
    /// Indices of its documents nearest the centroid, nearest first.
    pub examples: Vec<usize>,
}

/// The `n` heaviest terms of each row of `weights` (`k × n_terms`), heaviest
/// first, equal weights in vocabulary order. Terms of weight ≤ 0 are left
/// out: they do not describe the cluster.
pub fn top_terms(weights: ArrayView2<f64>, vocabulary: &[String], n: usize) -> Result<Vec<Vec<TermWeight>>> {
    if weights.ncols() != vocabulary.len() {
        return Err(TextError::ShapeMismatch(format!(
            "{} term weights per cluster for a vocabulary of {}",
            weights.ncols(),
            vocabulary.len()
        )));
    }
    Ok(weights
        .rows()
        .into_iter()
        .map(|row| {
            let mut order: Vec<usize> = (0..row.len()).filter(|&j| row[j] > 0.0).collect();
            let by_weight = |a: &usize, b: &usize| row[*b].total_cmp(&row[*a]).then(a.cmp(b));
            if order.len() > n {
                order.select_nth_unstable_by(n, by_weight);
                order.truncate(n);
            }
            order.sort_by(by_weight);
            order.into_iter().map(|j| TermWeight { term: vocabulary[j].clone(), weight: row[j] }).collect()
        })
        .collect())
}

/// For each of `k` clusters, its `n` members nearest the centroid (smallest
/// `distances`, ties by index). Documents labelled `None` are skipped.
pub fn nearest_documents(labels: &[Option<u32>], distances: &[Option<f32>], k: usize, n: usize) -> Result<Vec<Vec<usize>>> {
    if labels.len() != distances.len() {
        return Err(TextError::ShapeMismatch(format!("{} labels but {} distances", labels.len(), distances.len())));
    }
    let mut members: Vec<Vec<(f32, usize)>> = vec![Vec::new(); k];
    for (i, (label, dist)) in labels.iter().zip(distances).enumerate() {
        if let (Some(c), Some(d)) = (label, dist) {
            let cluster = members.get_mut(*c as usize).ok_or_else(|| {
                TextError::ShapeMismatch(format!("document {i} has label {c}, but there are {k} clusters"))
            })?;
            cluster.push((*d, i));
        }
    }
    Ok(members
        .into_iter()
        .map(|mut m| {
            m.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            m.into_iter().take(n).map(|(_, i)| i).collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn heaviest_terms_first_ties_alphabetical_nonpositive_dropped() {
        let vocab: Vec<String> = ["apple", "banana", "cherry", "date"].iter().map(|s| s.to_string()).collect();
        let w = array![[0.1, 0.5, 0.5, 0.0], [-1.0, 0.2, 0.0, 0.9]];
        let t = top_terms(w.view(), &vocab, 2).unwrap();
        let names = |i: usize| t[i].iter().map(|x| x.term.as_str()).collect::<Vec<_>>();
        assert_eq!(names(0), ["banana", "cherry"]);
        assert_eq!(names(1), ["date", "banana"]);
        let all = top_terms(w.view(), &vocab, 10).unwrap();
        assert_eq!(all[0].len(), 3);
        assert!(top_terms(w.view(), &vocab[..3], 2).is_err());
    }

    #[test]
    fn nearest_members_per_cluster() {
        let labels = [Some(0), Some(1), None, Some(0), Some(0)];
        let dist = [Some(0.5), Some(0.1), None, Some(0.2), Some(0.5)];
        assert_eq!(nearest_documents(&labels, &dist, 2, 2).unwrap(), [vec![3, 0], vec![1]]);
        assert!(nearest_documents(&labels, &dist, 1, 2).is_err());
        assert!(nearest_documents(&labels, &dist[..2], 2, 2).is_err());
    }
}
