//! The report's domain pictures: RF segment sizes and revenue, the R × F
//! score grid, the distribution of monetary value, and cluster profiles.

use kmkit_report::{bars_svg, grid_heatmap_svg, grouped_bars_svg, histogram_svg, Body, Section};
use kmkit_rfm::{ClusterProfile, GroupSummary, RfmTable, Segment};
use ndarray::ArrayView2;

use crate::tables::cluster_table;

/// Short names for the grid cells.
fn abbreviation(s: Segment) -> &'static str {
    match s {
        Segment::Champions => "champ.",
        Segment::LoyalCustomers => "loyal",
        Segment::PotentialLoyalists => "pot. loyal",
        Segment::NewCustomers => "new",
        Segment::Promising => "promising",
        Segment::NeedAttention => "attention",
        Segment::AboutToSleep => "sleepy",
        Segment::AtRisk => "at risk",
        Segment::CantLoseThem => "can't lose",
        Segment::Hibernating => "hibern.",
    }
}

fn svg_section(title: &str, svg: String, caption: &str) -> Section {
    Section {
        title: title.into(),
        body: Body::Svg(svg),
        caption: Some(caption.into()),
    }
}

/// Sections for the RF segments: customers and revenue per segment, the
/// R × F grid, and the monetary distribution.
pub fn segment_sections(
    table: &RfmTable,
    scores: &[(u8, u8, u8)],
    rows: &[GroupSummary],
) -> kmkit_report::Result<Vec<Section>> {
    let names: Vec<String> = rows.iter().map(|g| g.name.clone()).collect();
    let colors: Vec<usize> = rows
        .iter()
        .map(|g| {
            Segment::ALL
                .iter()
                .position(|s| s.name() == g.name)
                .unwrap_or(0)
        })
        .collect();
    let customers: Vec<f64> = rows.iter().map(|g| g.customers as f64).collect();
    let revenue: Vec<f64> = rows.iter().map(|g| 100.0 * g.revenue_share).collect();
    let mut grid = vec![vec![0.0; 5]; 5];
    for &(r, f, _) in scores {
        grid[f as usize - 1][r as usize - 1] += 1.0;
    }
    let text: Vec<Vec<String>> = (1..=5u8)
        .map(|f| {
            (1..=5u8)
                .map(|r| {
                    format!(
                        "{} {}",
                        abbreviation(Segment::from_rf(r, f)),
                        grid[f as usize - 1][r as usize - 1]
                    )
                })
                .collect()
        })
        .collect();
    let labels: Vec<String> = (1..=5).map(|v| v.to_string()).collect();
    let log_m: Vec<f64> = table
        .customers
        .iter()
        .map(|c| {
            if c.monetary > 0.0 {
                c.monetary.log10()
            } else {
                f64::NAN
            }
        })
        .collect();
    Ok(vec![
        svg_section(
            "RF segments: customers",
            bars_svg(
                "Customers per RF segment",
                &names,
                &customers,
                "customers",
                Some(&colors),
            )?,
            "Segments of the standard RF grid (recency and frequency quintile scores).",
        ),
        svg_section(
            "RF segments: revenue",
            bars_svg(
                "Share of revenue per RF segment (%)",
                &names,
                &revenue,
                "% of revenue",
                Some(&colors),
            )?,
            "Where the money is: compare with the customer counts.",
        ),
        svg_section(
            "Recency × frequency grid",
            grid_heatmap_svg(
                "Customers by R and F score",
                &labels,
                &labels,
                &grid,
                &text,
                ["recency score (5 = most recent)", "frequency score"],
            )?,
            "Each cell: the segment the RF code maps to and its number of customers.",
        ),
        svg_section(
            "Monetary value",
            histogram_svg(
                "Distribution of monetary value",
                &log_m,
                40,
                "log10(monetary)",
            )?,
            "Total spend per customer on a log scale; customers with 0 spend are left out.",
        ),
    ])
}

/// Sections for the k-means clusters: centroid profiles (standardised
/// log1p R, F, M) and the cluster table in days, purchases and money.
pub fn cluster_sections(
    profiles: &[ClusterProfile],
    centroids: ArrayView2<f32>,
) -> kmkit_report::Result<Vec<Section>> {
    let groups: Vec<String> = profiles.iter().map(|p| p.cluster.to_string()).collect();
    let series: Vec<String> = ["recency", "frequency", "monetary"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let values: Vec<Vec<f64>> = centroids
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let t = cluster_table(profiles);
    let rows = t
        .rows
        .iter()
        .map(|r| r.iter().map(kmkit_cli::readable).collect())
        .collect();
    Ok(vec![
        svg_section(
            "Cluster profiles",
            grouped_bars_svg(
                "Cluster centroids (standardised log1p)",
                &groups,
                &series,
                &values,
                "standard deviations from the mean",
            )?,
            "Above 0: more than the average customer. High recency means long ago (bad); high frequency and monetary are good.",
        ),
        Section {
            title: "Clusters in customer terms".into(),
            body: Body::Table {
                headers: t.headers.clone(),
                rows,
            },
            caption: Some(
                "Each cluster is named by the RF segment its centroid falls in (with a value tier when two share one).".into(),
            ),
        },
    ])
}
