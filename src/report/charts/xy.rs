//! A plain x-y chart of lines, shaded bands and points: the calibration page's survival
//! curves, QQ plots, arrival fit and holdout check. Same size and fonts as the run's charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Style {
    /// A line of this width.
    Line(u32),
    /// A dashed line.
    Dashed,
    /// A step line (the Kaplan-Meier curve: flat until the next event).
    Steps,
    /// Dots.
    Points,
    /// A closed shaded area (its points run along one edge and back along the other).
    Band,
}

/// One series: its legend label (none when empty), points, colour and style.
#[derive(Clone, Debug)]
pub struct Layer {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub colour: RGBColor,
    pub style: Style,
}

impl Layer {
    /// A layer.
    pub fn new(
        label: impl Into<String>,
        points: Vec<(f64, f64)>,
        colour: usize,
        style: Style,
    ) -> Layer {
        Layer {
            label: label.into(),
            points,
            colour: PALETTE[colour % PALETTE.len()],
            style,
        }
    }
}

/// The chart.
#[derive(Clone, Debug)]
pub struct Xy {
    /// File stem.
    pub name: &'static str,
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// x is hours from this clock second of the day: labels read `HH:MM`.
    pub clock_from_s: Option<f64>,
    /// A fixed y range; else from 0 to the data's top.
    pub y_range: Option<(f64, f64)>,
    /// Draws the line y = x first (QQ plots).
    pub diagonal: bool,
    pub layers: Vec<Layer>,
}

fn hhmm(day_s: f64, h: f64) -> String {
    let s = (day_s + h * 3600.0).rem_euclid(86_400.0).round() as u64;
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

impl Chart for Xy {
    fn name(&self) -> &'static str {
        self.name
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        area.fill(&WHITE).map_err(err)?;
        let xs = || {
            self.layers
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.0))
        };
        let ys = || {
            self.layers
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.1))
        };
        let finite = |v: &f64| v.is_finite();
        let x_lo = xs().filter(finite).fold(f64::INFINITY, f64::min);
        let x_hi = xs().filter(finite).fold(f64::NEG_INFINITY, f64::max);
        let (x_lo, mut x_hi) = if x_lo.is_finite() {
            (x_lo.min(0.0), x_hi)
        } else {
            (0.0, 1.0)
        };
        let (y_lo, mut y_hi) = self.y_range.unwrap_or((0.0, top(ys())));
        if self.diagonal {
            x_hi = x_hi.max(y_hi);
            y_hi = x_hi;
        }
        if x_hi <= x_lo {
            x_hi = x_lo + 1.0;
        }
        let from = self.clock_from_s;
        // enough decimals that ten ticks read apart (a survival curve from 0.9 to 1)
        let digits = (-((y_hi - y_lo) / 10.0).log10()).ceil().clamp(0.0, 4.0) as usize;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE))
            .margin(16)
            .margin_right(LEGEND_W)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(9)
            .x_label_formatter(&|v| match from {
                Some(d) => hhmm(d, *v),
                None => num(*v),
            })
            .y_label_formatter(&|v| format!("{v:.digits$}"))
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        if self.diagonal {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, 0.0), (x_hi, x_hi)],
                    10,
                    8,
                    BLACK.mix(0.5).stroke_width(2),
                ))
                .map_err(err)?;
            key(
                tr("y = x (a perfect fit)", "y = x（完全吻合）"),
                Mark::Line(RGBColor(128, 128, 128)),
            );
        }
        for l in &self.layers {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            if pts.is_empty() {
                continue;
            }
            let c = l.colour;
            let mark = match l.style {
                Style::Band => {
                    chart
                        .draw_series(std::iter::once(Polygon::new(pts, c.mix(0.18).filled())))
                        .map_err(err)?;
                    Mark::Fill(c.mix(0.18))
                }
                Style::Points => {
                    chart
                        .draw_series(pts.iter().map(|p| Circle::new(*p, 5, c.filled())))
                        .map_err(err)?;
                    Mark::Line(c)
                }
                Style::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(pts, 12, 8, c.stroke_width(LINE)))
                        .map_err(err)?;
                    Mark::Line(c)
                }
                Style::Steps => {
                    let mut steps = Vec::with_capacity(2 * pts.len());
                    for (i, p) in pts.iter().enumerate() {
                        if i > 0 {
                            steps.push((p.0, pts[i - 1].1));
                        }
                        steps.push(*p);
                    }
                    chart
                        .draw_series(LineSeries::new(steps, c.stroke_width(LINE)))
                        .map_err(err)?;
                    Mark::Line(c)
                }
                Style::Line(w) => {
                    chart
                        .draw_series(LineSeries::new(pts, c.stroke_width(w)))
                        .map_err(err)?;
                    Mark::Line(c)
                }
            };
            if !l.label.is_empty() {
                key(l.label.clone(), mark);
            }
        }
        side_legend(area)?;
        area.present().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_labels_wrap_past_midnight() {
        assert_eq!(hhmm(18.0 * 3600.0, 0.0), "18:00");
        assert_eq!(hhmm(18.0 * 3600.0, 6.5), "00:30");
    }
}
