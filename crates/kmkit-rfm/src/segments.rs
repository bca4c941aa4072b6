//! The standard RF-grid segment names and the per-segment summary table.
//!
//! The grid is the widely used regex map on the two-digit "RF" code (recency
//! score then frequency score), applied as `rf.replace(seg_map, regex=True)`:
//!
//! | regex | segment |
//! |---|---|
//! | `[1-2][1-2]` | hibernating |
//! | `[1-2][3-4]` | at risk |
//! | `[1-2]5` | can't lose them |
//! | `3[1-2]` | about to sleep |
//! | `33` | need attention |
//! | `[3-4][4-5]` | loyal customers |
//! | `41` | promising |
//! | `51` | new customers |
//! | `[4-5][2-3]` | potential loyalists |
//! | `5[4-5]` | champions |
//!
//! The ten patterns partition the 25 codes, so the order they are tried in
//! does not matter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rfm::RfmTable;
use crate::scores::Scores;

/// An RF-grid segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Segment {
    /// R 5, F 4–5.
    Champions,
    /// R 3–4, F 4–5.
    LoyalCustomers,
    /// R 4–5, F 2–3.
    PotentialLoyalists,
    /// R 5, F 1.
    NewCustomers,
    /// R 4, F 1.
    Promising,
    /// R 3, F 3.
    NeedAttention,
    /// R 3, F 1–2.
    AboutToSleep,
    /// R 1–2, F 3–4.
    AtRisk,
    /// R 1–2, F 5.
    CantLoseThem,
    /// R 1–2, F 1–2.
    Hibernating,
}

impl Segment {
    /// All segments, best first.
    pub const ALL: [Segment; 10] = [
        Segment::Champions,
        Segment::LoyalCustomers,
        Segment::PotentialLoyalists,
        Segment::NewCustomers,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
    ];

    /// The segment of recency score `r` and frequency score `f` (1–5; values
    /// outside are clamped).
    pub fn from_rf(r: u8, f: u8) -> Segment {
        match (r.clamp(1, 5), f.clamp(1, 5)) {
            (1..=2, 1..=2) => Segment::Hibernating,
            (1..=2, 3..=4) => Segment::AtRisk,
            (1..=2, _) => Segment::CantLoseThem,
            (3, 1..=2) => Segment::AboutToSleep,
            (3, 3) => Segment::NeedAttention,
            (3..=4, 4..=5) => Segment::LoyalCustomers,
            (4, 1) => Segment::Promising,
            (5, 1) => Segment::NewCustomers,
            (4..=5, 2..=3) => Segment::PotentialLoyalists,
            _ => Segment::Champions,
        }
    }

    /// The name as analysts write it.
    pub fn name(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::LoyalCustomers => "loyal customers",
            Segment::PotentialLoyalists => "potential loyalists",
            Segment::NewCustomers => "new customers",
            Segment::Promising => "promising",
            Segment::NeedAttention => "need attention",
            Segment::AboutToSleep => "about to sleep",
            Segment::AtRisk => "at risk",
            Segment::CantLoseThem => "can't lose them",
            Segment::Hibernating => "hibernating",
        }
    }
}

/// Segment of every customer.
pub fn segments(scores: &Scores) -> Vec<Segment> {
    scores.r.iter().zip(&scores.f).map(|(&r, &f)| Segment::from_rf(r, f)).collect()
}

/// One row of the segment table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Segment or cluster name.
    pub name: String,
    /// Customers in the group.
    pub customers: usize,
    /// Share of all customers.
    pub share: f64,
    /// Mean recency (days).
    pub mean_recency: f64,
    /// Mean frequency.
    pub mean_frequency: f64,
    /// Mean monetary.
    pub mean_monetary: f64,
    /// Share of total revenue.
    pub revenue_share: f64,
}

/// Customers, share, mean R/F/M and revenue share per group, for any
/// grouping (RF segments, clusters), in order of group key.
pub fn summarize<K: Ord + Copy>(table: &RfmTable, groups: &[K], name: impl Fn(K) -> String) -> Vec<GroupSummary> {
    let total_revenue: f64 = table.customers.iter().map(|c| c.monetary).sum();
    let n = table.len() as f64;
    let mut acc: BTreeMap<K, (usize, f64, f64, f64)> = BTreeMap::new();
    for (c, &g) in table.customers.iter().zip(groups) {
        let e = acc.entry(g).or_insert((0, 0.0, 0.0, 0.0));
        e.0 += 1;
        e.1 += c.recency_days;
        e.2 += c.frequency;
        e.3 += c.monetary;
    }
    acc.into_iter()
        .map(|(g, (count, r, f, m))| {
            let k = count as f64;
            GroupSummary {
                name: name(g),
                customers: count,
                share: k / n,
                mean_recency: r / k,
                mean_frequency: f / k,
                mean_monetary: m / k,
                revenue_share: if total_revenue != 0.0 { m / total_revenue } else { 0.0 },
            }
        })
        .collect()
}

/// The RF-segment table (segments with no customers are left out).
pub fn segment_table(table: &RfmTable, segments: &[Segment]) -> Vec<GroupSummary> {
    summarize(table, segments, |s| s.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regex map, checked code by code as pandas' `replace` would.
    #[test]
    fn grid_matches_the_regex_map() {
        let map: [(&str, &str); 10] = [
            ("[1-2][1-2]", "hibernating"),
            ("[1-2][3-4]", "at risk"),
            ("[1-2]5", "can't lose them"),
            ("3[1-2]", "about to sleep"),
            ("33", "need attention"),
            ("[3-4][4-5]", "loyal customers"),
            ("41", "promising"),
            ("51", "new customers"),
            ("[4-5][2-3]", "potential loyalists"),
            ("5[4-5]", "champions"),
        ];
        let matches = |pat: &str, r: u8, f: u8| -> bool {
            // Each pattern is two character classes or digits.
            let mut classes = Vec::new();
            let b = pat.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'[' {
                    classes.push((b[i + 1] - b'0', b[i + 3] - b'0'));
                    i += 5;
                } else {
                    classes.push((b[i] - b'0', b[i] - b'0'));
                    i += 1;
                }
            }
            (classes[0].0..=classes[0].1).contains(&r) && (classes[1].0..=classes[1].1).contains(&f)
        };
        for r in 1..=5 {
            for f in 1..=5 {
                let hits: Vec<&str> = map.iter().filter(|(p, _)| matches(p, r, f)).map(|(_, n)| *n).collect();
                assert_eq!(hits.len(), 1, "RF {r}{f}");
                assert_eq!(Segment::from_rf(r, f).name(), hits[0], "RF {r}{f}");
            }
        }
    }
}
