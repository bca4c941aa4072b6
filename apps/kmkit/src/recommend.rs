//! Recommendations from user clusters: users are rows of a user × item
//! matrix, clustered by cosine (spherical k-means, so heavy and light buyers
//! with the same tastes group together); each user is offered the items most
//! common in their cluster that they have not interacted with yet.
//! Evaluated by leave-one-out hit rate against a most-popular baseline.

use std::collections::{HashMap, HashSet};

use kmkit_core::{Csr, KMeansParams, Metric, Model};
use kmkit_io::{IoError, Table};

/// Interactions as dense ids: user and item names, and distinct (user, item) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Interactions {
    /// User names; pairs index them.
    pub users: Vec<String>,
    /// Item names; pairs index them.
    pub items: Vec<String>,
    /// Distinct (user, item) pairs, sorted.
    pub pairs: Vec<(u32, u32)>,
}

impl Interactions {
    /// Reads the user and item columns of a table (repeated pairs count once).
    pub fn from_table(table: &Table, user_col: &str, item_col: &str) -> Result<Interactions, IoError> {
        let (u, i) = (table.find(user_col)?, table.find(item_col)?);
        let (ucol, icol) = (&table.columns[u], &table.columns[i]);
        let mut users: Vec<String> = Vec::new();
        let mut items: Vec<String> = Vec::new();
        let (mut uix, mut iix): (HashMap<String, u32>, HashMap<String, u32>) = (HashMap::new(), HashMap::new());
        let mut pairs = Vec::with_capacity(table.n_rows());
        for r in 0..table.n_rows() {
            if ucol.is_missing(r) || icol.is_missing(r) {
                continue;
            }
            let id = |name: String, names: &mut Vec<String>, ix: &mut HashMap<String, u32>| {
                *ix.entry(name.clone()).or_insert_with(|| {
                    names.push(name);
                    (names.len() - 1) as u32
                })
            };
            let a = id(ucol.text(r), &mut users, &mut uix);
            let b = id(icol.text(r), &mut items, &mut iix);
            pairs.push((a, b));
        }
        pairs.sort_unstable();
        pairs.dedup();
        Ok(Interactions { users, items, pairs })
    }

    /// Items of each user.
    pub fn by_user(&self) -> Vec<Vec<u32>> {
        let mut v = vec![Vec::new(); self.users.len()];
        self.pairs.iter().for_each(|&(u, i)| v[u as usize].push(i));
        v
    }
}

/// Holds out one item per user with at least two (a seeded choice); returns
/// the training items per user and the held-out (user, item) pairs.
pub fn leave_one_out(by_user: &[Vec<u32>], seed: u64) -> (Vec<Vec<u32>>, Vec<(u32, u32)>) {
    let mut train = by_user.to_vec();
    let mut test = Vec::new();
    for (u, items) in train.iter_mut().enumerate() {
        if items.len() >= 2 {
            let j = (splitmix(seed ^ (u as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) % items.len() as u64) as usize;
            test.push((u as u32, items.remove(j)));
        }
    }
    (train, test)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The binary user × item matrix (users without items are empty rows).
pub fn user_matrix(by_user: &[Vec<u32>], n_items: usize) -> Result<Csr, kmkit_core::KMeansError> {
    let mut indptr = vec![0];
    let mut indices = Vec::new();
    for items in by_user {
        let mut sorted = items.clone();
        sorted.sort_unstable();
        indices.extend(sorted);
        indptr.push(indices.len());
    }
    let values = vec![1.0f32; indices.len()];
    Csr::new(by_user.len(), n_items, indptr, indices, values)
}

/// A fitted recommender: the user clusters and each cluster's items ranked
/// by how many of its users have them.
#[derive(Debug, Clone)]
pub struct Recommender {
    /// The spherical k-means model of the users.
    pub model: Model,
    /// Cluster of each user.
    pub labels: Vec<u32>,
    /// Per cluster: (item, share of the cluster's users with it), best first.
    pub cluster_items: Vec<Vec<(u32, f64)>>,
    /// Items by overall popularity (the baseline), best first.
    pub popular: Vec<(u32, f64)>,
}

/// Ranks items by count among `users` (ties by item id, so results are deterministic).
fn ranked_items(by_user: &[Vec<u32>], users: impl Iterator<Item = usize>) -> Vec<(u32, f64)> {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    let mut n = 0usize;
    for u in users {
        n += 1;
        by_user[u].iter().for_each(|&i| *counts.entry(i).or_default() += 1);
    }
    let mut v: Vec<(u32, f64)> = counts.into_iter().map(|(i, c)| (i, c as f64 / n.max(1) as f64)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Clusters users with `params` (the metric is set to cosine). Every user
/// must have at least one item.
pub fn fit(by_user: &[Vec<u32>], n_items: usize, params: &KMeansParams) -> Result<Recommender, kmkit_core::KMeansError> {
    let x = user_matrix(by_user, n_items)?;
    let model = params.clone().metric(Metric::Cosine).fit(&x)?;
    let labels = model.labels().to_vec();
    let k = model.n_clusters();
    let cluster_items = (0..k).map(|c| ranked_items(by_user, (0..by_user.len()).filter(|&u| labels[u] as usize == c))).collect();
    let popular = ranked_items(by_user, 0..by_user.len());
    Ok(Recommender { model, labels, cluster_items, popular })
}

/// The first `n` items of `ranked` not in `seen`.
pub fn top_unseen(ranked: &[(u32, f64)], seen: &HashSet<u32>, n: usize) -> Vec<(u32, f64)> {
    ranked.iter().filter(|(i, _)| !seen.contains(i)).take(n).copied().collect()
}

impl Recommender {
    /// Up to `n` items for user `u`: the cluster's favourites the user has
    /// not seen, topped up from overall popularity.
    pub fn recommend(&self, u: usize, seen: &HashSet<u32>, n: usize) -> Vec<(u32, f64)> {
        let mut out = top_unseen(&self.cluster_items[self.labels[u] as usize], seen, n);
        if out.len() < n {
            let have: HashSet<u32> = out.iter().map(|p| p.0).chain(seen.iter().copied()).collect();
            out.extend(top_unseen(&self.popular, &have, n - out.len()));
        }
        out
    }
}

/// Hit rates at `n` on held-out pairs: (clusters, most-popular baseline).
pub fn hit_rates(rec: &Recommender, train: &[Vec<u32>], test: &[(u32, u32)], n: usize) -> (f64, f64) {
    let (mut hits, mut base) = (0usize, 0usize);
    for &(u, item) in test {
        let seen: HashSet<u32> = train[u as usize].iter().copied().collect();
        hits += usize::from(rec.recommend(u as usize, &seen, n).iter().any(|p| p.0 == item));
        base += usize::from(top_unseen(&rec.popular, &seen, n).iter().any(|p| p.0 == item));
    }
    let t = test.len().max(1) as f64;
    (hits as f64 / t, base as f64 / t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two taste groups: users 0–3 buy items 0–3, users 4–7 buy items 4–7.
    fn groups() -> Vec<Vec<u32>> {
        (0..8u32).map(|u| if u < 4 { vec![0, 1, 2, 3] } else { vec![4, 5, 6, 7] }).collect()
    }

    #[test]
    fn clusters_recommend_within_taste_and_beat_popularity() {
        let mut by_user = groups();
        // Group B is larger overall, so popularity favours its items.
        by_user.extend((0..4).map(|_| vec![4, 5, 6, 7]));
        let (train, test) = leave_one_out(&by_user, 1);
        assert_eq!(test.len(), by_user.len());
        assert!(train.iter().all(|t| t.len() == 3));
        let rec = fit(&train, 8, &KMeansParams::new(2).seed(0).n_init(4)).unwrap();
        assert_ne!(rec.labels[0], rec.labels[4]);
        let (ours, baseline) = hit_rates(&rec, &train, &test, 1);
        assert_eq!(ours, 1.0);
        assert!(baseline < 1.0, "{baseline}");
        // Recommendations skip what the user has.
        let seen: HashSet<u32> = train[0].iter().copied().collect();
        assert!(rec.recommend(0, &seen, 3).iter().all(|(i, _)| !seen.contains(i)));
    }

    #[test]
    fn leave_one_out_keeps_singletons_whole() {
        let (train, test) = leave_one_out(&[vec![3], vec![1, 2]], 0);
        assert_eq!(train[0], vec![3]);
        assert_eq!(test.len(), 1);
        assert_eq!(train[1].len(), 1);
    }
}
