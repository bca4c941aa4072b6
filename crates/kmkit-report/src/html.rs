//! The report page: plain data in, one self-contained HTML string out.
//! The markup is also well-formed XML (void elements self-closed, all text
//! escaped), so a strict XML parser can check it.

use std::fmt::Write;

use base64::Engine;
use kmkit_core::Data;
use ndarray::Array2;

use crate::error::{ReportError, Result};
use crate::pca::pca_2d;
use crate::plots::{k_curve_svg, scatter_svg, silhouette_svg, sizes_svg};

/// Scores of a sweep over k.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KCurve {
    /// The values of k, increasing.
    pub ks: Vec<usize>,
    /// Inertia per k.
    pub inertia: Vec<f64>,
    /// Mean silhouette per k, when computed.
    pub silhouette: Option<Vec<f64>>,
    /// The k the run chose or was given.
    pub chosen: Option<usize>,
}

/// Per-sample silhouette values (all rows or a sample) and their labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Silhouette {
    /// Silhouette of each sampled row.
    pub values: Vec<f64>,
    /// Cluster of each sampled row.
    pub labels: Vec<u32>,
}

/// Points in two dimensions with their clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// `n × 2` coordinates.
    pub points: Array2<f32>,
    /// Cluster per point.
    pub labels: Vec<u32>,
    /// Axis titles.
    pub axes: [String; 2],
}

impl Scatter {
    /// The rows of `data` on their first two principal components.
    pub fn pca(data: Data, labels: &[u32]) -> Result<Scatter> {
        if data.n_rows() != labels.len() {
            return Err(ReportError::Mismatch(format!("{} rows but {} labels", data.n_rows(), labels.len())));
        }
        let p = pca_2d(data)?;
        Ok(Scatter {
            points: p.points,
            labels: labels.to_vec(),
            axes: [
                format!("PC1 ({:.1}% of variance)", 100.0 * p.explained[0]),
                format!("PC2 ({:.1}% of variance)", 100.0 * p.explained[1]),
            ],
        })
    }
}

/// A domain's own content for the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// An SVG document or fragment, inlined (must be well-formed).
    Svg(String),
    /// PNG bytes, embedded as a data URI.
    Png(Vec<u8>),
    /// A table of text cells.
    Table {
        /// Column titles.
        headers: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
    /// A paragraph of text.
    Text(String),
}

/// A titled block of domain content (a palette, top terms, a spectrogram…).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Content.
    pub body: Body,
    /// Optional caption under the content.
    pub caption: Option<String>,
}

/// Everything one run's report shows. Fill the fields, then [`Report::render`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Page title, e.g. "kmkit fit: iris".
    pub title: String,
    /// A sentence under the title.
    pub intro: Option<String>,
    /// Run settings (input, k, seed, scaling…), in order.
    pub settings: Vec<(String, String)>,
    /// Metrics (inertia, silhouette, ARI…), in order.
    pub metrics: Vec<(String, String)>,
    /// Rows per cluster.
    pub cluster_sizes: Vec<usize>,
    /// Optional words per cluster (top terms, segment names…).
    pub cluster_names: Vec<String>,
    /// Sweep over k (elbow and silhouette-by-k plots).
    pub k_curve: Option<KCurve>,
    /// Per-sample silhouette plot.
    pub silhouette: Option<Silhouette>,
    /// 2-D projection coloured by cluster.
    pub scatter: Option<Scatter>,
    /// Domain sections, shown after the standard ones.
    pub sections: Vec<Section>,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}\
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#c9cfdb}\
main{padding:20px 28px;display:grid;grid-template-columns:repeat(auto-fill,minmax(660px,1fr));gap:18px}\
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;overflow-x:auto}\
section h2{font-size:16px;margin:0 0 10px}table{border-collapse:collapse;font-size:14px}\
td,th{border-bottom:1px solid #e6e9ef;padding:4px 10px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:middle}\
figure{margin:0}figcaption{font-size:13px;color:#5b6475;margin-top:6px}img{max-width:100%}\
footer{padding:8px 28px 24px;font-size:12px;color:#5b6475}";

/// Escapes text for HTML/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML; drop them.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Drops an XML prolog or doctype so an SVG document can be inlined.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn kv_table(pairs: &[(String, String)]) -> String {
    let mut s = String::from("<table>");
    for (k, v) in pairs {
        let _ = write!(s, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    s.push_str("</table>");
    s
}

fn section(out: &mut String, title: &str, inner: &str) {
    let _ = write!(out, "<section><h2>{}</h2>{inner}</section>", escape(title));
}

fn figure(svg: &str, caption: Option<&str>) -> String {
    let mut s = format!("<figure>{}", inline_svg(svg));
    if let Some(c) = caption {
        let _ = write!(s, "<figcaption>{}</figcaption>", escape(c));
    }
    s.push_str("</figure>");
    s
}

impl Report {
    /// A report with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Report { title: title.into(), ..Report::default() }
    }

    /// The whole page: settings, sizes, metrics, plots, domain sections.
    pub fn render(&self) -> Result<String> {
        let mut body = String::new();
        if !self.settings.is_empty() {
            section(&mut body, "Run settings", &kv_table(&self.settings));
        }
        if !self.metrics.is_empty() {
            section(&mut body, "Metrics", &kv_table(&self.metrics));
        }
        if !self.cluster_sizes.is_empty() {
            let total: usize = self.cluster_sizes.iter().sum();
            let mut t = String::from("<table><tr><th>cluster</th><th>rows</th><th>share</th>");
            if !self.cluster_names.is_empty() {
                t.push_str("<th>description</th>");
            }
            t.push_str("</tr>");
            for (c, &n) in self.cluster_sizes.iter().enumerate() {
                let color = crate::plots::cluster_color(c);
                let _ = write!(
                    t,
                    "<tr><td><span class=\"swatch\" style=\"background:rgb({},{},{})\"></span>{c}</td><td class=\"n\">{n}</td><td class=\"n\">{:.1}%</td>",
                    color.0,
                    color.1,
                    color.2,
                    100.0 * n as f64 / total.max(1) as f64
                );
                if !self.cluster_names.is_empty() {
                    let _ = write!(t, "<td>{}</td>", escape(self.cluster_names.get(c).map_or("", String::as_str)));
                }
                t.push_str("</tr>");
            }
            t.push_str("</table>");
            t.push_str(&figure(&sizes_svg(&self.cluster_sizes)?, None));
            section(&mut body, "Cluster sizes", &t);
        }
        if let Some(kc) = &self.k_curve {
            let svg = k_curve_svg("Elbow: inertia by k", "inertia", &kc.ks, &kc.inertia, kc.chosen)?;
            section(&mut body, "Elbow", &figure(&svg, Some("Within-cluster sum of squares for each k; the circle marks the k used.")));
            if let Some(sil) = &kc.silhouette {
                let svg = k_curve_svg("Mean silhouette by k", "silhouette", &kc.ks, sil, kc.chosen)?;
                section(&mut body, "Silhouette by k", &figure(&svg, Some("Higher is better: tighter, better separated clusters.")));
            }
        }
        if let Some(s) = &self.silhouette {
            let svg = silhouette_svg(&s.values, &s.labels)?;
            section(
                &mut body,
                "Silhouette",
                &figure(&svg, Some(&format!("{} rows; values near 1 sit well inside their cluster, below 0 closer to another.", s.values.len()))),
            );
        }
        if let Some(sc) = &self.scatter {
            let svg = scatter_svg(sc.points.view(), &sc.labels, &sc.axes[0], &sc.axes[1])?;
            section(&mut body, "2-D projection (PCA)", &figure(&svg, None));
        }
        for s in &self.sections {
            let mut inner = match &s.body {
                Body::Svg(svg) => format!("<figure>{}</figure>", inline_svg(svg)),
                Body::Png(bytes) => format!(
                    "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"/></figure>",
                    escape(&s.title),
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                ),
                Body::Table { headers, rows } => {
                    let mut t = String::from("<table><tr>");
                    headers.iter().for_each(|h| {
                        let _ = write!(t, "<th>{}</th>", escape(h));
                    });
                    t.push_str("</tr>");
                    for r in rows {
                        t.push_str("<tr>");
                        r.iter().for_each(|c| {
                            let _ = write!(t, "<td>{}</td>", escape(c));
                        });
                        t.push_str("</tr>");
                    }
                    t.push_str("</table>");
                    t
                }
                Body::Text(text) => format!("<p>{}</p>", escape(text)),
            };
            if let Some(c) = &s.caption {
                let _ = write!(inner, "<p><small>{}</small></p>", escape(c));
            }
            section(&mut body, &s.title, &inner);
        }
        Ok(page(&self.title, self.intro.as_deref(), &body))
    }
}

/// Wraps a body in the page skeleton with the inline style sheet.
fn page(title: &str, intro: Option<&str>, body: &str) -> String {
    let intro = intro.map(|i| format!("<p>{}</p>", escape(i))).unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>{t}</title><style>{STYLE}</style></head>\
         <body><header><h1>{t}</h1>{intro}</header><main>{body}</main>\
         <footer>Made by kmkit. Self-contained: no scripts, fonts or styles from elsewhere.</footer></body></html>\n",
        t = escape(title)
    )
}

/// One link of an index page (e.g. the tour's).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// Link text.
    pub name: String,
    /// Relative link, e.g. `iris/report.html`.
    pub href: String,
    /// One line about it.
    pub description: String,
}

/// A page linking several reports.
pub fn index_page(title: &str, intro: Option<&str>, entries: &[IndexEntry]) -> String {
    let mut t = String::from("<table><tr><th>report</th><th>what it shows</th></tr>");
    for e in entries {
        let _ = write!(
            t,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
            escape(&e.href),
            escape(&e.name),
            escape(&e.description)
        );
    }
    t.push_str("</table>");
    let mut body = String::new();
    section(&mut body, "Reports", &t);
    page(title, intro, &body)
}
