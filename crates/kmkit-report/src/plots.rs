//! The report's plots as SVG strings, drawn with plotters' SVG backend.
//! Text is emitted as SVG `<text>` (plotters' built-in size estimate, no font
//! files), so nothing here needs a system library.

use ndarray::ArrayView2;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{ReportError, Result};

const W: u32 = 640;
const H: u32 = 400;

/// Colour of cluster `c`: Tableau 10, then evenly spaced hues.
pub fn cluster_color(c: usize) -> RGBColor {
    const TABLEAU: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    if c < TABLEAU.len() {
        let (r, g, b) = TABLEAU[c];
        RGBColor(r, g, b)
    } else {
        let h = ((c - TABLEAU.len()) as f64 * 0.618_033_988_75).fract();
        let (r, g, b) = HSLColor(h, 0.55, 0.5).rgb();
        RGBColor(r, g, b)
    }
}

/// Runs `draw` on a fresh SVG canvas and returns the SVG text.
pub(crate) fn svg(
    plot: &'static str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        let fail = |message: String| ReportError::Draw { plot, message };
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(out)
}

pub(crate) fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - 0.05 * span)..(hi + 0.05 * span)
}

/// Bar chart of cluster sizes.
pub fn sizes_svg(sizes: &[usize]) -> Result<String> {
    if sizes.is_empty() {
        return Err(ReportError::Empty("no clusters to plot".into()));
    }
    let max = *sizes.iter().max().expect("non-empty") as f64;
    svg("cluster sizes", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption("Cluster sizes", ("sans-serif", 18))
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..sizes.len() as f64 - 0.5, 0f64..max * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(sizes.len().min(20))
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .x_desc("cluster")
            .y_desc("rows")
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(sizes.iter().enumerate().map(|(c, &s)| {
                Rectangle::new(
                    [(c as f64 - 0.4, 0.0), (c as f64 + 0.4, s as f64)],
                    cluster_color(c).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// A score per k (inertia for the elbow, or the mean silhouette), with the
/// chosen k marked.
pub fn k_curve_svg(
    title: &str,
    y_desc: &str,
    ks: &[usize],
    values: &[f64],
    chosen: Option<usize>,
) -> Result<String> {
    if ks.is_empty() || ks.len() != values.len() {
        return Err(ReportError::Mismatch(format!(
            "{} values of k but {} scores",
            ks.len(),
            values.len()
        )));
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (k0, k1) = (
        *ks.first().expect("non-empty") as f64,
        *ks.last().expect("non-empty") as f64,
    );
    let pts: Vec<(f64, f64)> = ks
        .iter()
        .zip(values)
        .map(|(&k, &v)| (k as f64, v))
        .collect();
    let title = title.to_string();
    let y_desc = y_desc.to_string();
    svg("k curve", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(36)
            .y_label_area_size(72)
            .build_cartesian_2d(padded(k0, k1), padded(lo, hi))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(ks.len().min(20))
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| short(*v))
            .x_desc("k")
            .y_desc(&y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        let blue = cluster_color(0);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), blue.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, blue.filled())))
            .map_err(|e| e.to_string())?;
        if let Some(p) = chosen.and_then(|k| pts.iter().find(|p| p.0 == k as f64)) {
            let red = cluster_color(3);
            chart
                .draw_series(std::iter::once(Circle::new(*p, 8, red.stroke_width(2))))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(
                    // Offset in pixels so the label does not cover the marker.
                    EmptyElement::at(*p)
                        + Text::new(
                            format!("k = {}", p.0),
                            (10, -20),
                            ("sans-serif", 14).into_font().color(&red),
                        ),
                ))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Per-sample silhouette values grouped by cluster, each group sorted
/// descending (the layout of scikit-learn's silhouette example), with the
/// mean as a dashed line.
pub fn silhouette_svg(values: &[f64], labels: &[u32]) -> Result<String> {
    if values.is_empty() || values.len() != labels.len() {
        return Err(ReportError::Mismatch(format!(
            "{} silhouette values for {} labels",
            values.len(),
            labels.len()
        )));
    }
    let k = labels.iter().copied().max().expect("non-empty") as usize + 1;
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); k];
    values
        .iter()
        .zip(labels)
        .for_each(|(&v, &l)| groups[l as usize].push(v));
    groups
        .iter_mut()
        .for_each(|g| g.sort_by(|a, b| b.total_cmp(a)));
    let gap = (values.len() as f64 / 40.0).max(2.0);
    let height = values.len() as f64 + gap * (k as f64 + 1.0);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let lo = values.iter().copied().fold(0.0f64, f64::min).max(-1.0);
    svg("silhouette", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(
                format!("Silhouette per sample (mean {mean:.3})"),
                ("sans-serif", 18),
            )
            .x_label_area_size(36)
            .y_label_area_size(40)
            .build_cartesian_2d((lo - 0.05)..1.0f64, 0f64..height)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("silhouette")
            .y_desc("samples by cluster")
            .draw()
            .map_err(|e| e.to_string())?;
        let mut y0 = gap;
        for (c, g) in groups.iter().enumerate() {
            if g.is_empty() {
                continue;
            }
            // One step polygon per cluster instead of one bar per sample.
            let mut poly = vec![(0.0, y0)];
            for (i, &v) in g.iter().enumerate() {
                poly.push((v, y0 + i as f64));
                poly.push((v, y0 + i as f64 + 1.0));
            }
            poly.push((0.0, y0 + g.len() as f64));
            let color = cluster_color(c);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.85).filled(),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    c.to_string(),
                    (lo - 0.04, y0 + g.len() as f64 / 2.0),
                    ("sans-serif", 12).into_font(),
                )))
                .map_err(|e| e.to_string())?;
            y0 += g.len() as f64 + gap;
        }
        let red = cluster_color(3);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(mean, 0.0), (mean, height)],
                6,
                4,
                red.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Most points a scatter plot draws; above, every n-th row is drawn.
pub const MAX_SCATTER_POINTS: usize = 4000;

/// 2-D scatter coloured by cluster (e.g. a PCA projection).
pub fn scatter_svg(
    points: ArrayView2<f32>,
    labels: &[u32],
    x_desc: &str,
    y_desc: &str,
) -> Result<String> {
    if points.nrows() == 0 || points.ncols() != 2 || points.nrows() != labels.len() {
        return Err(ReportError::Mismatch(format!(
            "scatter needs n × 2 points and n labels, got {:?} and {}",
            points.dim(),
            labels.len()
        )));
    }
    let step = points.nrows().div_ceil(MAX_SCATTER_POINTS);
    let range = |c: usize| {
        let col = points.column(c);
        let (lo, hi) = col
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v as f64), b.max(v as f64))
            });
        padded(lo, hi)
    };
    let k = labels.iter().copied().max().expect("non-empty") as usize + 1;
    let (x_desc, y_desc) = (x_desc.to_string(), y_desc.to_string());
    svg("scatter", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(
                "Rows projected on two principal components",
                ("sans-serif", 18),
            )
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(range(0), range(1))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .x_desc(&x_desc)
            .y_desc(&y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        for c in 0..k {
            let color = cluster_color(c);
            let pts = (0..points.nrows())
                .step_by(step)
                .filter(|&i| labels[i] as usize == c)
                .map(|i| {
                    Circle::new(
                        (points[[i, 0]] as f64, points[[i, 1]] as f64),
                        3,
                        color.mix(0.75).filled(),
                    )
                });
            let series = chart.draw_series(pts).map_err(|e| e.to_string())?;
            if k <= 12 {
                series
                    .label(format!("cluster {c}"))
                    .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
            }
        }
        if k <= 12 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Colour of `v` on a diverging scale: blue at `-limit`, white at 0, red at `+limit`.
fn diverging(v: f64, limit: f64) -> RGBColor {
    let t = if limit > 0.0 {
        (v / limit).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    // Ends of the scale: RdBu's dark red and dark blue.
    let (end, a) = if t >= 0.0 {
        ((178.0, 24.0, 43.0), t)
    } else {
        ((33.0, 102.0, 172.0), -t)
    };
    let mix = |e: f64| (255.0 + (e - 255.0) * a).round() as u8;
    RGBColor(mix(end.0), mix(end.1), mix(end.2))
}

/// A matrix as a grid of coloured cells (rows bottom to top in order, columns
/// left to right) on a diverging scale centred on 0: red above, blue below,
/// full colour at ±`limit` (the largest |value| when `None`). Used for
/// per-cluster profiles such as mean MFCCs in standard deviations.
pub fn heatmap_svg(
    title: &str,
    values: ArrayView2<f64>,
    row_labels: &[String],
    col_labels: &[String],
    limit: Option<f64>,
) -> Result<String> {
    let (n_rows, n_cols) = values.dim();
    if n_rows == 0 || n_cols == 0 {
        return Err(ReportError::Empty("no cells to draw in the heatmap".into()));
    }
    if row_labels.len() != n_rows || col_labels.len() != n_cols {
        return Err(ReportError::Mismatch(format!(
            "heatmap of {n_rows} × {n_cols} cells with {} row and {} column labels",
            row_labels.len(),
            col_labels.len()
        )));
    }
    let limit = limit.unwrap_or_else(|| {
        values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()))
    });
    let title = title.to_string();
    svg("heatmap", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(64)
            .y_label_area_size(80)
            // Integer ranges include their end in plotters, so `0..n-1` gives n segments.
            .build_cartesian_2d(
                (0..n_cols - 1).into_segmented(),
                (0..n_rows - 1).into_segmented(),
            )
            .map_err(|e| e.to_string())?;
        // Row 0 is drawn at the top, as a table reads.
        let flip = |y: usize| n_rows - 1 - y;
        let col_name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < n_cols => col_labels[*i].clone(),
            _ => String::new(),
        };
        let row_name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < n_rows => row_labels[flip(*i)].clone(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n_cols)
            .y_labels(n_rows)
            .x_label_style(
                ("sans-serif", 11)
                    .into_font()
                    .transform(FontTransform::Rotate90),
            )
            .x_label_formatter(&col_name)
            .y_label_formatter(&row_name)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(values.indexed_iter().map(|((r, c), &v)| {
                let colour = if v.is_finite() {
                    diverging(v, limit)
                } else {
                    RGBColor(200, 200, 200)
                };
                Rectangle::new(
                    [
                        (SegmentValue::Exact(c), SegmentValue::Exact(flip(r))),
                        (SegmentValue::Exact(c + 1), SegmentValue::Exact(flip(r) + 1)),
                    ],
                    colour.filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// A number in at most ~6 characters for axis labels.
pub(crate) fn short(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmap_draws_one_cell_per_value_in_diverging_colours() {
        let v = ndarray::array![[-2.0, 0.0, 1.0], [2.0, 0.5, f64::NAN]];
        let rows = vec!["cluster 0".to_string(), "cluster 1".to_string()];
        let cols: Vec<String> = (0..3).map(|i| format!("mfcc{i}")).collect();
        let svg = heatmap_svg("Mean MFCC", v.view(), &rows, &cols, None).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let fills: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter_map(|n| n.attribute("fill"))
            .collect();
        // Full red at +2, full blue at −2, white at 0, grey for NaN.
        for colour in ["#B2182B", "#2166AC", "#FFFFFF", "#C8C8C8"] {
            assert!(fills.contains(&colour), "{colour} not in {fills:?}");
        }
        assert!(svg.contains("mfcc2") && svg.contains("cluster 1"));
        assert!(heatmap_svg("x", v.view(), &rows[..1], &cols, None).is_err());
        assert!(heatmap_svg(
            "x",
            ndarray::Array2::<f64>::zeros((0, 3)).view(),
            &[],
            &cols,
            None
        )
        .is_err());
        assert_eq!(diverging(1.0, 2.0), RGBColor(217, 140, 149));
        // One row or one column is still a picture.
        let one = heatmap_svg(
            "x",
            ndarray::array![[1.0]].view(),
            &rows[..1],
            &cols[..1],
            None,
        )
        .unwrap();
        assert!(one.contains("#B2182B"));
    }
}
