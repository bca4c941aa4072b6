//! Generic charts for domain sections: labelled bars, grouped bars, a
//! heatmap of a small grid, and a histogram. Domains describe their
//! pictures with these instead of drawing with plotters themselves.

use plotters::prelude::*;

use crate::error::{ReportError, Result};
use crate::plots::{cluster_color, padded, short, svg};

fn finite_range(values: impl Iterator<Item = f64>) -> Result<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return Err(ReportError::Empty("no finite values to plot".into()));
    }
    Ok((lo, hi))
}

/// Horizontal bars, one per label (top to bottom in the given order), with
/// each bar's value written at its end; `colors` index [`cluster_color`]
/// (one per bar), or all bars take the first colour when `None`.
pub fn bars_svg(
    title: &str,
    labels: &[String],
    values: &[f64],
    value_desc: &str,
    colors: Option<&[usize]>,
) -> Result<String> {
    if labels.is_empty() || labels.len() != values.len() {
        return Err(ReportError::Mismatch(format!(
            "{} labels for {} bar values",
            labels.len(),
            values.len()
        )));
    }
    let (_, hi) = finite_range(values.iter().copied().chain([0.0]))?;
    let n = labels.len();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    let (title, value_desc) = (title.to_string(), value_desc.to_string());
    svg("bars", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(36)
            .y_label_area_size((longest as u32 * 7 + 12).clamp(40, 220))
            .build_cartesian_2d(
                0f64..hi.max(f64::MIN_POSITIVE) * 1.18,
                -0.5f64..n as f64 - 0.5,
            )
            .map_err(|e| e.to_string())?;
        // Row i is drawn at y = n-1-i so the first label is on top.
        let label_of = |y: &f64| -> String {
            let r = y.round();
            if (y - r).abs() > 1e-6 || r < 0.0 || r >= n as f64 {
                return String::new();
            }
            labels[n - 1 - r as usize].clone()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|v| short(*v))
            .x_desc(&value_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, &v) in values.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let color = cluster_color(colors.map_or(0, |c| c.get(i).copied().unwrap_or(0)));
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.35), (v.max(0.0), y + 0.35)],
                    color.filled(),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((v.max(0.0), y))
                        + Text::new(short(v), (4, -6), ("sans-serif", 12).into_font()),
                ))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Vertical bars grouped by `groups`, one bar per series in each group
/// (`values[g][s]`), coloured by series, with a legend. For centroid
/// profiles: groups are clusters, series are features.
pub fn grouped_bars_svg(
    title: &str,
    groups: &[String],
    series: &[String],
    values: &[Vec<f64>],
    y_desc: &str,
) -> Result<String> {
    if groups.is_empty() || series.is_empty() || values.len() != groups.len() {
        return Err(ReportError::Mismatch(format!(
            "{} groups, {} series, {} value rows",
            groups.len(),
            series.len(),
            values.len()
        )));
    }
    if let Some(r) = values.iter().find(|r| r.len() != series.len()) {
        return Err(ReportError::Mismatch(format!(
            "a group has {} values for {} series",
            r.len(),
            series.len()
        )));
    }
    let (lo, hi) = finite_range(values.iter().flatten().copied().chain([0.0]))?;
    let n = groups.len();
    let width = 0.8 / series.len() as f64;
    let (title, y_desc) = (title.to_string(), y_desc.to_string());
    svg("grouped bars", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, padded(lo, hi))
            .map_err(|e| e.to_string())?;
        let label_of = |x: &f64| -> String {
            let r = x.round();
            if (x - r).abs() > 1e-6 || r < 0.0 || r >= n as f64 {
                return String::new();
            }
            groups[r as usize].clone()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| short(*v))
            .y_desc(&y_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        for (s, name) in series.iter().enumerate() {
            let color = cluster_color(s);
            chart
                .draw_series(values.iter().enumerate().map(|(g, row)| {
                    let x0 = g as f64 - 0.4 + s as f64 * width;
                    let v = if row[s].is_finite() { row[s] } else { 0.0 };
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.92, v)], color.filled())
                }))
                .map_err(|e| e.to_string())?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// A heatmap of a small grid (`values[row][col]`), each cell shaded by its
/// value (white to blue) and labelled with `cell_text[row][col]`. Rows are
/// drawn bottom to top, so row 0 sits on the x axis.
pub fn grid_heatmap_svg(
    title: &str,
    col_labels: &[String],
    row_labels: &[String],
    values: &[Vec<f64>],
    cell_text: &[Vec<String>],
    axes: [&str; 2],
) -> Result<String> {
    let (nr, nc) = (row_labels.len(), col_labels.len());
    let values_ok = values.len() == nr && values.iter().all(|r| r.len() == nc);
    let text_ok = cell_text.len() == nr && cell_text.iter().all(|r| r.len() == nc);
    if nr == 0 || nc == 0 || !values_ok || !text_ok {
        return Err(ReportError::Mismatch(format!(
            "heatmap of {nr} × {nc} labels needs values and texts of that shape"
        )));
    }
    let (lo, hi) = finite_range(values.iter().flatten().copied())?;
    let (title, xd, yd) = (title.to_string(), axes[0].to_string(), axes[1].to_string());
    svg("heatmap", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..nc as f64 - 0.5, -0.5f64..nr as f64 - 0.5)
            .map_err(|e| e.to_string())?;
        let pick = |labels: &[String], v: f64| -> String {
            let r = v.round();
            if (v - r).abs() > 1e-6 || r < 0.0 || r >= labels.len() as f64 {
                return String::new();
            }
            labels[r as usize].clone()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nc * 2 + 1)
            .y_labels(nr * 2 + 1)
            .x_label_formatter(&|v| pick(col_labels, *v))
            .y_label_formatter(&|v| pick(row_labels, *v))
            .x_desc(&xd)
            .y_desc(&yd)
            .draw()
            .map_err(|e| e.to_string())?;
        let base = cluster_color(0);
        for (r, row) in values.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                let t = if hi > lo && v.is_finite() {
                    (v - lo) / (hi - lo)
                } else {
                    0.0
                };
                let mix = |a: u8| (255.0 - (255.0 - a as f64) * t).round() as u8;
                let fill = RGBColor(mix(base.0), mix(base.1), mix(base.2));
                let (x, y) = (c as f64, r as f64);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        fill.filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let ink = if t > 0.55 { WHITE } else { BLACK };
                chart
                    .draw_series(std::iter::once(Text::new(
                        cell_text[r][c].clone(),
                        (x - 0.3, y + 0.1),
                        ("sans-serif", 12).into_font().color(&ink),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// A histogram of `values` in `bins` equal-width bins (non-finite values
/// are left out and counted in the title).
pub fn histogram_svg(title: &str, values: &[f64], bins: usize, x_desc: &str) -> Result<String> {
    let (lo, hi) = finite_range(values.iter().copied())?;
    let bins = bins.max(1);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut counts = vec![0usize; bins];
    let mut skipped = 0;
    for &v in values {
        if !v.is_finite() {
            skipped += 1;
            continue;
        }
        let b = (((v - lo) / span) * bins as f64).floor() as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let max = *counts.iter().max().expect("bins >= 1") as f64;
    let title = if skipped > 0 {
        format!("{title} ({skipped} values left out)")
    } else {
        title.to_string()
    };
    let x_desc = x_desc.to_string();
    svg("histogram", |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .caption(&title, ("sans-serif", 18))
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(padded(lo, lo + span), 0f64..max * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .x_desc(&x_desc)
            .y_desc("count")
            .draw()
            .map_err(|e| e.to_string())?;
        let w = span / bins as f64;
        chart
            .draw_series(counts.iter().enumerate().map(|(b, &c)| {
                let x0 = lo + b as f64 * w;
                Rectangle::new(
                    [(x0, 0.0), (x0 + w, c as f64)],
                    cluster_color(0).mix(0.85).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// plotters writes text on its own line inside `<text>`.
    fn has_text(svg: &str, t: &str) -> bool {
        svg.contains(&format!(">\n{t}\n</text>")) || svg.contains(&format!(">{t}</text>"))
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn charts_are_svg_and_check_shapes() {
        let b = bars_svg("t", &s(&["a", "b"]), &[3.0, 1.0], "n", Some(&[0, 1])).unwrap();
        assert!(
            b.contains("<svg") && has_text(&b, "a") && has_text(&b, "b"),
            "{b}"
        );
        assert!(bars_svg("t", &s(&["a"]), &[1.0, 2.0], "n", None).is_err());
        let g = grouped_bars_svg(
            "t",
            &s(&["0", "1"]),
            &s(&["R", "F"]),
            &[vec![1.0, -1.0], vec![0.5, 2.0]],
            "z",
        )
        .unwrap();
        assert!(has_text(&g, "R") && has_text(&g, "1"), "{g}");
        assert!(grouped_bars_svg("t", &s(&["0"]), &s(&["R", "F"]), &[vec![1.0]], "z").is_err());
        let h = grid_heatmap_svg(
            "t",
            &s(&["1", "2"]),
            &s(&["x", "y"]),
            &[vec![1.0, 2.0], vec![3.0, 4.0]],
            &[s(&["a", "b"]), s(&["c", "d"])],
            ["R", "F"],
        )
        .unwrap();
        assert!(has_text(&h, "d") && has_text(&h, "y"), "{h}");
        assert!(grid_heatmap_svg(
            "t",
            &s(&["1"]),
            &s(&["x"]),
            &[vec![1.0, 2.0]],
            &[s(&["a"])],
            ["R", "F"]
        )
        .is_err());
        let hist = histogram_svg("t", &[1.0, 2.0, 2.5, f64::NAN], 4, "v").unwrap();
        assert!(hist.contains("1 values left out"));
        assert!(histogram_svg("t", &[f64::NAN], 4, "v").is_err());
    }
}
