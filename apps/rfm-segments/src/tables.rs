//! What is printed and written: the cleaning ledger, the segment and
//! cluster tables, the per-customer CSV and the basket clusters' products.

use kmkit_cli::ResultTable;
use kmkit_rfm::{ClusterProfile, GroupSummary, Ledger, Product, RfmTable, Segment};
use serde_json::json;

/// The cleaning ledger as rows: read, dropped per reason, kept, changed,
/// and the rows left out by the snapshot. Kept + dropped = read.
pub fn ledger_table(ledger: &Ledger, after_snapshot: Option<usize>) -> ResultTable {
    let mut t = ResultTable::new(&["ledger", "rows"]);
    t.push(vec![json!("rows read"), json!(ledger.rows_read)]);
    for (r, n) in &ledger.dropped {
        t.push(vec![json!(format!("dropped: {}", r.describe())), json!(n)]);
    }
    t.push(vec![json!("kept"), json!(ledger.kept)]);
    for (r, n) in &ledger.changed {
        t.push(vec![json!(format!("kept, {}", r.describe())), json!(n)]);
    }
    if let Some(n) = after_snapshot.filter(|&n| n > 0) {
        t.push(vec![
            json!("kept, but on or after the snapshot (left out of RFM)"),
            json!(n),
        ]);
    }
    if ledger.empty_lines > 0 {
        t.push(vec![
            json!("empty lines (not rows)"),
            json!(ledger.empty_lines),
        ]);
    }
    t
}

/// Customers, share, mean R/F/M and revenue share per group.
pub fn group_table(first: &str, rows: &[GroupSummary]) -> ResultTable {
    let mut t = ResultTable::new(&[
        first,
        "customers",
        "share",
        "mean_recency_days",
        "mean_frequency",
        "mean_monetary",
        "revenue_share",
    ]);
    for g in rows {
        t.push(vec![
            json!(g.name),
            json!(g.customers),
            json!(g.share),
            json!(g.mean_recency),
            json!(g.mean_frequency),
            json!(g.mean_monetary),
            json!(g.revenue_share),
        ]);
    }
    t
}

/// The segment table in the grid's order (best first), segments with no
/// customers left out.
pub fn segment_rows(table: &RfmTable, segments: &[Segment]) -> Vec<GroupSummary> {
    let rows = kmkit_rfm::segment_table(table, segments);
    Segment::ALL
        .iter()
        .filter_map(|s| rows.iter().find(|g| g.name == s.name()).cloned())
        .collect()
}

/// The cluster table: name, centroid back in days / purchases / money, and
/// the members' summary.
pub fn cluster_table(profiles: &[ClusterProfile]) -> ResultTable {
    let mut t = ResultTable::new(&[
        "cluster",
        "name",
        "customers",
        "share",
        "centroid_recency_days",
        "centroid_frequency",
        "centroid_monetary",
        "revenue_share",
    ]);
    for p in profiles {
        t.push(vec![
            json!(p.cluster),
            json!(p.name),
            json!(p.summary.customers),
            json!(p.summary.share),
            json!(p.centroid_recency),
            json!(p.centroid_frequency),
            json!(p.centroid_monetary),
            json!(p.summary.revenue_share),
        ]);
    }
    t
}

/// Per customer: scores, segment and cluster, one row each.
#[derive(Debug, Clone, Copy)]
pub struct Assigned<'a> {
    /// R, F, M scores per customer.
    pub scores: &'a [(u8, u8, u8)],
    /// RF segment per customer.
    pub segments: &'a [Segment],
    /// Cluster per customer.
    pub clusters: &'a [u32],
    /// Cluster names, by cluster.
    pub names: &'a [String],
}

/// `customers.csv`: id, R, F, M, tenure, average order value, the three
/// scores, the RFM code, the RF segment, the cluster and its name.
pub fn customers_csv(table: &RfmTable, a: Assigned) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "customer",
        "recency_days",
        "frequency",
        "monetary",
        "tenure_days",
        "avg_order_value",
        "r_score",
        "f_score",
        "m_score",
        "rfm_score",
        "segment",
        "cluster",
        "cluster_name",
    ])
    .expect("writing to memory");
    for (i, c) in table.customers.iter().enumerate() {
        let (r, f, m) = a.scores[i];
        let k = a.clusters[i];
        w.write_record([
            c.customer.clone(),
            c.recency_days.to_string(),
            c.frequency.to_string(),
            c.monetary.to_string(),
            c.tenure_days.to_string(),
            c.avg_order_value.to_string(),
            r.to_string(),
            f.to_string(),
            m.to_string(),
            format!("{r}{f}{m}"),
            a.segments[i].name().to_string(),
            k.to_string(),
            a.names.get(k as usize).cloned().unwrap_or_default(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Basket clusters: size and top products (description, else id).
pub fn basket_table(sizes: &[usize], top: &[Vec<(Product, f32)>]) -> ResultTable {
    let total: usize = sizes.iter().sum();
    let mut t = ResultTable::new(&["cluster", "baskets", "share", "top products"]);
    for (c, products) in top.iter().enumerate() {
        let words: Vec<String> = products
            .iter()
            .map(|(p, _)| {
                if p.description.is_empty() {
                    p.id.clone()
                } else {
                    p.description.clone()
                }
            })
            .collect();
        t.push(vec![
            json!(c),
            json!(sizes[c]),
            json!(sizes[c] as f64 / total.max(1) as f64),
            json!(words.join("; ")),
        ]);
    }
    t
}
