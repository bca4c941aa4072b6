//! # kmkit-report
//!
//! One self-contained HTML report per run. A [`Report`] is plain data — run
//! settings, metrics, cluster sizes, an optional sweep over k ([`KCurve`]),
//! per-sample [`Silhouette`] values, a 2-D [`Scatter`] (usually
//! [`Scatter::pca`]) and any number of domain [`Section`]s (SVG, PNG,
//! tables, text) — and [`Report::render`] turns it into one HTML string.
//! [`index_page`] links several reports (the tour's front page).
//!
//! **Key design decision:** plots are drawn with plotters' SVG backend with
//! its font features off: text becomes SVG `<text>` laid out by plotters'
//! built-in size estimate, so no font files or system libraries are needed,
//! and the page carries no scripts, fonts or style sheets from elsewhere.
//! The markup is kept well-formed XML so tests can parse it strictly.
//! Domain sections draw with the generic [`bars_svg`], [`grouped_bars_svg`],
//! [`grid_heatmap_svg`] and [`histogram_svg`].
//! The projection is a small power-iteration PCA ([`pca_2d`]) that works on
//! dense and sparse rows without forming a covariance matrix.
//!
//! ```
//! use kmkit_core::Data;
//! use kmkit_report::{Report, Scatter};
//! use ndarray::array;
//!
//! let x = array![[0.0f32, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9]];
//! let labels = [0, 0, 1, 1];
//! let mut report = Report::new("demo");
//! report.cluster_sizes = vec![2, 2];
//! report.metrics.push(("inertia".into(), "0.08".into()));
//! report.scatter = Some(Scatter::pca(Data::Dense(x.view()), &labels)?);
//! let html = report.render()?;
//! assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
//! assert!(!html.contains("<script"));
//! # Ok::<(), kmkit_report::ReportError>(())
//! ```
#![deny(missing_docs)]

mod charts;
mod error;
mod html;
mod pca;
mod plots;

pub use charts::{bars_svg, grid_heatmap_svg, grouped_bars_svg, histogram_svg};
pub use error::{ReportError, Result};
pub use html::{
    escape, index_page, Body, IndexEntry, KCurve, Report, Scatter, Section, Silhouette,
};
pub use pca::{pca_2d, Projection};
pub use plots::{
    cluster_color, heatmap_svg, k_curve_svg, scatter_svg, silhouette_svg, sizes_svg,
    MAX_SCATTER_POINTS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn full_report() -> Report {
        let x = Array2::from_shape_fn((60, 3), |(i, j)| {
            ((i % 3) * 10) as f32 + ((i * 7 + j * 3) % 5) as f32 * 0.3
        });
        let labels: Vec<u32> = (0..60).map(|i| (i % 3) as u32).collect();
        let mut r = Report::new("fit <iris> & \"friends\"");
        r.intro = Some("k-means on a small table".into());
        r.settings = vec![("k".into(), "3".into()), ("seed".into(), "0".into())];
        r.metrics = vec![("inertia".into(), "12.5".into())];
        r.cluster_sizes = vec![20, 20, 20];
        r.cluster_names = vec!["a".into(), "b<".into(), "c".into()];
        r.k_curve = Some(KCurve {
            ks: vec![2, 3, 4, 5],
            inertia: vec![400.0, 20.0, 15.0, 12.0],
            silhouette: Some(vec![0.6, 0.9, 0.5, 0.4]),
            chosen: Some(3),
        });
        r.silhouette = Some(Silhouette {
            values: (0..60).map(|i| 0.5 + (i % 7) as f64 * 0.05 - 0.2).collect(),
            labels: labels.clone(),
        });
        r.scatter = Some(Scatter::pca(kmkit_core::Data::Dense(x.view()), &labels).unwrap());
        r.sections = vec![
            Section { title: "palette".into(), body: Body::Svg("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"red\"/></svg>".into()), caption: Some("a swatch".into()) },
            Section { title: "picture".into(), body: Body::Png(vec![0x89, b'P', b'N', b'G']), caption: None },
            Section { title: "terms".into(), body: Body::Table { headers: vec!["cluster".into(), "terms".into()], rows: vec![vec!["0".into(), "rust & c++".into()]] }, caption: None },
        ];
        r
    }

    #[test]
    fn report_is_well_formed_and_self_contained() {
        let html = full_report().render().unwrap();
        let doc = roxmltree::Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("not well-formed: {e}"));
        let svgs = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .count();
        // sizes, elbow, silhouette-by-k, silhouette, scatter, palette.
        assert_eq!(svgs, 6);
        assert!(doc.descendants().any(|n| n.tag_name().name() == "img"
            && n.attribute("src")
                .is_some_and(|s| s.starts_with("data:image/png;base64,iVBORw"))));
        for bad in ["<script", "http://", "https://", "@import", "url("] {
            let outside_ns = html.replace("http://www.w3.org/", "");
            assert!(!outside_ns.contains(bad), "found {bad}");
        }
        let title = doc
            .descendants()
            .find(|n| n.has_tag_name("title"))
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(title, "fit <iris> & \"friends\"");
        // Every scatter point is drawn, in three colours.
        let circles = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count();
        assert!(circles >= 60, "{circles}");
    }

    #[test]
    fn mismatched_inputs_are_errors() {
        let mut r = full_report();
        r.silhouette = Some(Silhouette {
            values: vec![0.1],
            labels: vec![0, 1],
        });
        assert!(matches!(r.render(), Err(ReportError::Mismatch(_))));
        assert!(Scatter::pca(
            kmkit_core::Data::Dense(Array2::<f32>::zeros((3, 2)).view()),
            &[0]
        )
        .is_err());
    }

    #[test]
    fn index_page_links_reports() {
        let html = index_page(
            "tour",
            None,
            &[IndexEntry {
                name: "iris".into(),
                href: "iris/report.html".into(),
                description: "tables".into(),
            }],
        );
        let doc = roxmltree::Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(doc
            .descendants()
            .any(|n| n.attribute("href") == Some("iris/report.html")));
    }
}
