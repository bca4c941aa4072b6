//! Domain tables: per-row assignments, the contingency table of clusters
//! against known classes, and gene module membership.

use kmkit_core::{Features, Matrix, Model};

/// CSV bytes of `rows` under `header`.
fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for r in rows {
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// `assignments.csv`: one row per clustered item (sample or gene) with its
/// cluster, its distance to the centroid and, for samples, the known class.
pub fn assignments_csv(
    item: &str,
    ids: &[String],
    labels: &[u32],
    distance: &[f64],
    classes: Option<&[String]>,
) -> Vec<u8> {
    let header: Vec<&str> = if classes.is_some() {
        vec![item, "cluster", "distance", "class"]
    } else {
        vec![item, "cluster", "distance"]
    };
    csv_bytes(
        &header,
        ids.iter().enumerate().map(|(i, id)| {
            let mut r = vec![
                id.clone(),
                labels[i].to_string(),
                format!("{}", distance[i]),
            ];
            if let Some(c) = classes {
                r.push(c[i].clone());
            }
            r
        }),
    )
}

/// Clusters × classes counts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contingency {
    /// Class names, in order of first appearance.
    pub classes: Vec<String>,
    /// `counts[c][j]`: items of cluster c in class j.
    pub counts: Vec<Vec<usize>>,
}

impl Contingency {
    /// Counts `labels` against class codes `truth` (names `classes`).
    pub fn new(labels: &[u32], k: usize, truth: &[u32], classes: &[String]) -> Self {
        let mut counts = vec![vec![0; classes.len()]; k];
        for (&c, &t) in labels.iter().zip(truth) {
            counts[c as usize][t as usize] += 1;
        }
        Contingency {
            classes: classes.to_vec(),
            counts,
        }
    }
    /// The table as CSV (`cluster,<class>…,total`).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut header = vec!["cluster"];
        header.extend(self.classes.iter().map(String::as_str));
        header.push("total");
        csv_bytes(
            &header,
            self.counts.iter().enumerate().map(|(c, row)| {
                let mut r = vec![c.to_string()];
                r.extend(row.iter().map(|n| n.to_string()));
                r.push(row.iter().sum::<usize>().to_string());
                r
            }),
        )
    }
    /// The largest class of each cluster as "name (n of m)".
    pub fn majority(&self) -> Vec<String> {
        self.counts
            .iter()
            .map(|row| {
                let total: usize = row.iter().sum();
                match row
                    .iter()
                    .enumerate()
                    .max_by_key(|(j, &n)| (n, std::cmp::Reverse(*j)))
                {
                    Some((j, &n)) if total > 0 => format!("{} ({n} of {total})", self.classes[j]),
                    _ => String::new(),
                }
            })
            .collect()
    }
}

/// A gene module: its genes, most central (highest correlation with the
/// module's centroid profile) first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Module {
    /// Cluster number.
    pub module: usize,
    /// (gene, Pearson correlation with the centroid profile), best first.
    pub genes: Vec<(String, f64)>,
}

/// Gene modules from a gene-mode fit: rows of `features` are z-scored gene
/// profiles, so the correlation of a gene with a centroid is
/// `z·c / (n · sd(c))` after centring c.
pub fn modules(features: &Features, model: &Model, labels: &[u32]) -> Vec<Module> {
    let Matrix::Dense(x) = &features.data else {
        return Vec::new();
    };
    let n = x.ncols() as f64;
    let mut out: Vec<Module> = (0..model.n_clusters())
        .map(|c| Module {
            module: c,
            genes: Vec::new(),
        })
        .collect();
    for (i, row) in x.rows().into_iter().enumerate() {
        let c = labels[i] as usize;
        let cen: Vec<f64> = model.centroids.row(c).iter().map(|&v| v as f64).collect();
        let mean = cen.iter().sum::<f64>() / n;
        let sd = (cen.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let r = if sd > 0.0 {
            row.iter()
                .zip(&cen)
                .map(|(&z, &v)| z as f64 * (v - mean))
                .sum::<f64>()
                / (n * sd)
        } else {
            0.0
        };
        out[c].genes.push((features.row_ids[i].clone(), r));
    }
    for m in &mut out {
        m.genes
            .sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    out
}

/// `modules.csv`: module, gene, correlation with the module centroid.
pub fn modules_csv(modules: &[Module]) -> Vec<u8> {
    csv_bytes(
        &["module", "gene", "correlation"],
        modules.iter().flat_map(|m| {
            m.genes
                .iter()
                .map(move |(g, r)| vec![m.module.to_string(), g.clone(), format!("{r:.6}")])
        }),
    )
}
