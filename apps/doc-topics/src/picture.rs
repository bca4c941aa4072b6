//! The report's topic picture: one small bar chart of top terms per topic,
//! in the topic's cluster colour, laid out in a grid. Plain SVG text, so it
//! needs no fonts and stays well-formed XML.

use std::fmt::Write;

use kmkit_report::{cluster_color, escape};
use kmkit_text::Topic;

/// Panels per row.
const COLUMNS: usize = 4;
/// Topics drawn at most; the topic table lists them all.
pub const MAX_PANELS: usize = 40;
const PANEL_W: usize = 230;
const LABEL_W: usize = 110;
const BAR_H: usize = 14;
const GAP: usize = 4;
const HEAD_H: usize = 22;

/// A grid of top-term bar charts, one per topic (at most [`MAX_PANELS`]
/// topics, `n_terms` terms each). Bar length is the term's weight relative
/// to the topic's heaviest term.
pub fn topic_terms_svg(topics: &[Topic], n_terms: usize) -> String {
    let shown = &topics[..topics.len().min(MAX_PANELS)];
    let panel_h = HEAD_H + n_terms * (BAR_H + GAP) + 8;
    let rows = shown.len().div_ceil(COLUMNS).max(1);
    let (w, h) = (COLUMNS * PANEL_W + 10, rows * panel_h + 10);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = write!(svg, "<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>");
    for (i, t) in shown.iter().enumerate() {
        let (x0, y0) = (5 + (i % COLUMNS) * PANEL_W, 5 + (i / COLUMNS) * panel_h);
        let c = cluster_color(t.cluster as usize);
        let colour = format!("rgb({},{},{})", c.0, c.1, c.2);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"{colour}\">topic {} · {} docs</text>",
            x0 + 2,
            y0 + 15,
            t.cluster,
            t.size
        );
        let max = t
            .terms
            .first()
            .map_or(1.0, |w| w.weight)
            .max(f64::MIN_POSITIVE);
        for (j, term) in t.terms.iter().take(n_terms).enumerate() {
            let y = y0 + HEAD_H + j * (BAR_H + GAP);
            let len =
                ((term.weight / max).clamp(0.0, 1.0) * (PANEL_W - LABEL_W - 14) as f64).max(1.0);
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1d2330\">{}</text>\
                 <rect x=\"{}\" y=\"{y}\" width=\"{len:.1}\" height=\"{BAR_H}\" fill=\"{colour}\"><title>{:.4}</title></rect>",
                x0 + LABEL_W - 4,
                y + BAR_H - 3,
                escape(&shorten(&term.term, 18)),
                x0 + LABEL_W,
                term.weight
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// `text` cut to `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_text::TermWeight;

    #[test]
    fn one_panel_per_topic_escaped() {
        let topic = |c: u32, terms: &[(&str, f64)]| Topic {
            cluster: c,
            size: 10,
            terms: terms
                .iter()
                .map(|&(t, w)| TermWeight {
                    term: t.into(),
                    weight: w,
                })
                .collect(),
            examples: vec![],
        };
        let svg = topic_terms_svg(
            &[
                topic(0, &[("rust", 0.5), ("c&c", 0.25)]),
                topic(1, &[("bread", 0.3)]),
                topic(2, &[]),
            ],
            2,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("topic ").count(), 3);
        assert!(svg.contains("c&amp;c") && !svg.contains("c&c"));
        assert_eq!(svg.matches("<rect x=").count(), 3);
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten(" ab ", 4), "ab");
    }
}
