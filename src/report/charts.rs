//! The report's charts, drawn with plotters' SVG backend into strings.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};

const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREY: RGBColor = RGBColor(150, 150, 150);
const RED: RGBColor = RGBColor(214, 39, 40);
const GREEN: RGBColor = RGBColor(44, 160, 44);

fn draw_err(e: impl std::fmt::Display) -> Error {
    Error::Fit(format!("drawing a report chart: {e}"))
}

/// Inline SVG needs no namespace attribute inside HTML; dropping it keeps the page
/// free of any URL.
fn finish(svg: String) -> String {
    svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
}

/// One or more curves on the unit square, with an optional diagonal reference.
pub(crate) fn curves(
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    diagonal: bool,
    y_max: f64,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (520, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(0f64..1f64, 0f64..y_max)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        if diagonal {
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, 0.0), (1.0, 1.0f64.min(y_max))],
                    GREY.stroke_width(1),
                ))
                .map_err(draw_err)?;
        }
        let colors = [BLUE, ORANGE, GREEN, RED];
        for (i, (name, points)) in series.iter().enumerate() {
            let color = colors[i % colors.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// One curve of [`survival`]: name, group (its color), dashed, steps `(t, Ŝ)`.
pub(crate) type StepSeries = (String, usize, bool, Vec<(f64, f64)>);

/// A survival chart: step curves `Ŝ(t)` over `0 ..= t_max`, each series `(name,
/// points, dashed)` in the color of its group (`group % 4`; dashed for the model's
/// predictions, solid for the Kaplan–Meier curves observed). `points` are the steps
/// `(t, Ŝ just after t)`, increasing in `t`; the curve starts at `(0, 1)` and is
/// drawn as a staircase.
pub(crate) fn survival(x_desc: &str, series: &[StepSeries], t_max: f64) -> Result<String> {
    let t_max = if t_max.is_finite() && t_max > 0.0 {
        t_max
    } else {
        1.0
    };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (620, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(0f64..t_max, 0f64..1.0f64)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("share still a customer, Ŝ(t)")
            .label_style((FONT, 13))
            .light_line_style(RGBColor(246, 246, 246))
            .draw()
            .map_err(draw_err)?;
        let colors = [BLUE, ORANGE, GREEN, RED];
        for (name, group, dashed, points) in series {
            let color = colors[group % colors.len()];
            let mut stairs = vec![(0.0, 1.0)];
            let mut last = 1.0;
            for &(t, s) in points.iter().filter(|(t, _)| *t <= t_max) {
                stairs.push((t, last));
                stairs.push((t, s));
                last = s;
            }
            stairs.push((t_max, last));
            let style = color.stroke_width(if *dashed { 1 } else { 2 });
            let drawn = if *dashed {
                chart.draw_series(DashedLineSeries::new(stairs, 6, 4, style))
            } else {
                chart.draw_series(LineSeries::new(stairs, style))
            };
            drawn
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// Cumulative gains (area under the model's curve) against random targeting.
pub(crate) fn gains(points: &[(f64, f64)]) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (520, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("share of customers targeted")
            .y_desc("share of churners found")
            .label_style((FONT, 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(AreaSeries::new(points.iter().copied(), 0.0, BLUE.mix(0.15)))
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                BLUE.stroke_width(2),
            ))
            .map_err(draw_err)?
            .label("model")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], GREY))
            .map_err(draw_err)?
            .label("random")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREY));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// Vertical bars over named categories (e.g. lift by decile, tier shares), with an
/// optional horizontal reference line.
pub(crate) fn columns(
    names: &[String],
    values: &[f64],
    x_desc: &str,
    y_desc: &str,
    reference: Option<f64>,
) -> Result<String> {
    let n = names.len().max(1);
    let top = values
        .iter()
        .copied()
        .chain(reference)
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (520, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..top)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 13))
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), v),
                    ],
                    BLUE.mix(0.8).filled(),
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            }))
            .map_err(draw_err)?;
        if let Some(r) = reference {
            chart
                .draw_series(LineSeries::new(
                    vec![(SegmentValue::Exact(0), r), (SegmentValue::Exact(n), r)],
                    RED.stroke_width(1),
                ))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// Horizontal bars, largest first at the top (importance, reasons).
pub(crate) fn bars(names: &[String], values: &[f64], x_desc: &str) -> Result<String> {
    let n = names.len().max(1);
    let top = values.iter().copied().fold(0.0f64, f64::max).max(1e-9) * 1.1;
    let height = (60 + 26 * n as u32).max(160);
    let label_width = names.iter().map(|s| s.chars().count()).max().unwrap_or(8) as u32 * 7 + 16;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_width.min(360))
            .build_cartesian_2d(0f64..top, (0..n - 1).into_segmented())
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_desc)
            .label_style((FONT, 12))
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < names.len() => {
                    names[names.len() - 1 - *i].clone()
                }
                _ => String::new(),
            })
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let row = values.len() - 1 - i;
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (v, SegmentValue::Exact(row + 1)),
                    ],
                    ORANGE.mix(0.85).filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// The confusion matrix as a heat map: rows true classes, columns predicted, each cell
/// shaded by its share of its row and labeled with its count.
pub(crate) fn confusion(classes: &[String], counts: &[Vec<f64>]) -> Result<String> {
    let k = classes.len().max(1);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (520, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())
            .map_err(draw_err)?;
        let name = |v: &SegmentValue<usize>, flip: bool| match v {
            SegmentValue::CenterOf(i) if *i < k => {
                classes[if flip { k - 1 - *i } else { *i }].clone()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("predicted")
            .y_desc("true")
            .label_style((FONT, 13))
            .x_labels(k)
            .y_labels(k)
            .x_label_formatter(&|v| name(v, false))
            .y_label_formatter(&|v| name(v, true))
            .draw()
            .map_err(draw_err)?;
        let mut cells = Vec::new();
        let mut labels = Vec::new();
        for (t, row) in counts.iter().enumerate() {
            let total: f64 = row.iter().sum();
            let y = k - 1 - t;
            for (p, &c) in row.iter().enumerate() {
                let share = if total > 0.0 { c / total } else { 0.0 };
                let shade = RGBColor(
                    (255.0 - share * (255.0 - 31.0)) as u8,
                    (255.0 - share * (255.0 - 119.0)) as u8,
                    (255.0 - share * (255.0 - 180.0)) as u8,
                );
                let mut cell = Rectangle::new(
                    [
                        (SegmentValue::Exact(p), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(p + 1), SegmentValue::Exact(y + 1)),
                    ],
                    shade.filled(),
                );
                cell.set_margin(1, 1, 1, 1);
                cells.push(cell);
                let color: &'static RGBColor = if share > 0.55 { &WHITE } else { &BLACK };
                let style = TextStyle::from((FONT, 15).into_font())
                    .color(color)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let text = if c.fract() == 0.0 {
                    format!("{c:.0} ({:.0} %)", 100.0 * share)
                } else {
                    format!("{c:.1} ({:.0} %)", 100.0 * share)
                };
                labels.push(Text::new(
                    text,
                    (SegmentValue::CenterOf(p), SegmentValue::CenterOf(y)),
                    style,
                ));
            }
        }
        chart.draw_series(cells).map_err(draw_err)?;
        chart.draw_series(labels).map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}

/// A Bayesian network: the class at the centre, the other nodes on a circle, an
/// arrow for each edge (parent → child).
pub(crate) fn network(names: &[String], edges: &[(usize, usize)], class: usize) -> Result<String> {
    let n = names.len();
    let (w, h) = (900i32, 640i32);
    let (cx, cy) = (w / 2, h / 2);
    let radius = f64::from(h / 2 - 30);
    let others: Vec<usize> = (0..n).filter(|&v| v != class).collect();
    let mut pos = vec![(cx, cy); n];
    for (j, &v) in others.iter().enumerate() {
        let angle = -std::f64::consts::FRAC_PI_2
            + 2.0 * std::f64::consts::PI * j as f64 / others.len().max(1) as f64;
        pos[v] = (
            cx + (radius * 1.12 * angle.cos()) as i32,
            cy + (radius * angle.sin()) as i32,
        );
    }
    let node_r = 9;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        for &(from, to) in edges {
            let (Some(&(x0, y0)), Some(&(x1, y1))) = (pos.get(from), pos.get(to)) else {
                continue;
            };
            let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
            let len = dx.hypot(dy).max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            let tip = (
                x1 - (ux * f64::from(node_r + 2)) as i32,
                y1 - (uy * f64::from(node_r + 2)) as i32,
            );
            let color = if from == class {
                BLUE.mix(0.45)
            } else {
                ORANGE.mix(0.9)
            };
            root.draw(&PathElement::new(
                vec![(x0, y0), tip],
                color.stroke_width(1),
            ))
            .map_err(draw_err)?;
            let back = (f64::from(tip.0) - ux * 9.0, f64::from(tip.1) - uy * 9.0);
            let head = vec![
                tip,
                ((back.0 - uy * 4.0) as i32, (back.1 + ux * 4.0) as i32),
                ((back.0 + uy * 4.0) as i32, (back.1 - ux * 4.0) as i32),
            ];
            root.draw(&Polygon::new(head, color.filled()))
                .map_err(draw_err)?;
        }
        for (v, name) in names.iter().enumerate() {
            let (x, y) = pos[v];
            let fill = if v == class { RED } else { BLUE };
            root.draw(&Circle::new((x, y), node_r, fill.filled()))
                .map_err(draw_err)?;
            let right = x >= cx;
            let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(
                if v == class {
                    HPos::Center
                } else if right {
                    HPos::Left
                } else {
                    HPos::Right
                },
                VPos::Center,
            ));
            let at = if v == class {
                (x, y - node_r - 10)
            } else if right {
                (x + node_r + 4, y)
            } else {
                (x - node_r - 4, y)
            };
            root.draw(&Text::new(name.clone(), at, style))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(finish(buf))
}
