//! The planning charts: plans side by side, a staffing requirement over the day, and a
//! KPI across a sweep. Same sizes, fonts and clock axes as the run's charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;
use crate::report::data::Series;
use crate::scenario::clock::Calendar;

/// One line per plan over time (variants side by side): 平响 by interval of arrival.
pub struct Plans<'a> {
    /// (plan name, series).
    pub plans: Vec<(String, &'a Series)>,
    /// The calendar.
    pub calendar: &'a Calendar,
    /// The 平响 target line (label, seconds), if the scenario has one.
    pub target: Option<(String, f64)>,
}

impl Chart for Plans<'_> {
    fn name(&self) -> &'static str {
        "plans_avg_response"
    }
    fn title(&self) -> String {
        tr(
            "平响 avg response by interval, plan by plan",
            "各方案逐时段平响",
        )
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let Some((_, first)) = self.plans.first() else {
            return Ok(());
        };
        let y = top(self
            .plans
            .iter()
            .flat_map(|(_, s)| s.intervals.iter().filter_map(|i| i.avg_response))
            .chain(self.target.iter().map(|t| t.1)));
        let mut chart = time_chart!(
            area,
            self.title(),
            first,
            self.calendar,
            0.0..y,
            tr("seconds", "秒")
        );
        peaks(&mut chart, first, y)?;
        for (j, (name, s)) in self.plans.iter().enumerate() {
            let c = PALETTE[j % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    s.intervals
                        .iter()
                        .filter_map(|i| i.avg_response.map(|v| (i.start_h + i.len_h / 2.0, v))),
                    c.stroke_width(if j == 0 { LINE + 1 } else { LINE }),
                ))
                .map_err(err)?;
            key(name.clone(), Mark::Line(c));
        }
        if let Some((label, v)) = &self.target {
            target_line(&mut chart, first, label, *v, RGBColor(200, 0, 0))?;
        }
        side_legend(area)?;
        area.present().map_err(err)
    }
}

/// Lines over intervals with a clock axis (staffing: analytic, required, planned).
pub struct Lines<'a> {
    /// File stem.
    pub name: &'static str,
    /// Title.
    pub title: String,
    /// y axis description.
    pub y_desc: String,
    /// Interval starts and length, hours.
    pub starts_h: Vec<f64>,
    /// Interval length, hours.
    pub len_h: f64,
    /// (label, values per interval).
    pub lines: Vec<(String, Vec<f64>)>,
    /// The calendar.
    pub calendar: &'a Calendar,
}

impl Chart for Lines<'_> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        area.fill(&WHITE).map_err(err)?;
        let end = self.starts_h.last().map_or(1.0, |s| s + self.len_h);
        let y = top(self.lines.iter().flat_map(|l| l.1.iter().copied()));
        let cal = self.calendar;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE))
            .margin(16)
            .margin_right(LEGEND_W)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..end, 0.0..y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(9)
            .x_label_formatter(&|h| clock(cal, *h))
            .y_label_formatter(&|v| num(*v))
            .y_desc(self.y_desc.clone())
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (j, (label, values)) in self.lines.iter().enumerate() {
            let c = PALETTE[j % PALETTE.len()];
            let pts: Vec<(f64, f64)> = self
                .starts_h
                .iter()
                .zip(values)
                .flat_map(|(s, v)| [(*s, *v), (s + self.len_h, *v)])
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(LINE)))
                .map_err(err)?;
            key(label.clone(), Mark::Line(c));
        }
        side_legend(area)?;
        area.present().map_err(err)
    }
}

/// A KPI against one swept parameter (or the combination number).
pub struct Sweep {
    /// Title.
    pub title: String,
    /// x axis description.
    pub x_desc: String,
    /// y axis description.
    pub y_desc: String,
    /// (x, mean, CI low, CI high).
    pub points: Vec<(f64, f64, f64, f64)>,
    /// A target line, if any.
    pub target: Option<(String, f64)>,
    /// Join the points with a line (one numeric axis); else points alone.
    pub connect: bool,
}

impl Chart for Sweep {
    fn name(&self) -> &'static str {
        "sweep"
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        area.fill(&WHITE).map_err(err)?;
        let x0 = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::INFINITY, f64::min);
        let x1 = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let pad = ((x1 - x0) * 0.05).max(0.5);
        let y = top(self
            .points
            .iter()
            .map(|p| p.3)
            .chain(self.target.iter().map(|t| t.1)));
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE))
            .margin(16)
            .margin_right(LEGEND_W)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(self.points.iter().map(|p| {
                PathElement::new(
                    vec![(p.0, p.2), (p.0, p.3)],
                    PALETTE[0].mix(0.6).stroke_width(2),
                )
            }))
            .map_err(err)?;
        let joined = if self.connect {
            self.points.iter().map(|p| (p.0, p.1)).collect()
        } else {
            Vec::new()
        };
        chart
            .draw_series(LineSeries::new(joined, PALETTE[0].stroke_width(LINE)))
            .map_err(err)?;
        key(
            tr("mean, with its 95% CI", "均值及 95% 置信区间"),
            Mark::Line(PALETTE[0]),
        );
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|p| Circle::new((p.0, p.1), 5, PALETTE[0].filled())),
            )
            .map_err(err)?;
        if let Some((label, v)) = &self.target {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0 - pad, *v), (x1 + pad, *v)],
                    12,
                    8,
                    RGBColor(200, 0, 0).stroke_width(LINE),
                ))
                .map_err(err)?;
            key(label.clone(), Mark::Line(RGBColor(200, 0, 0)));
        }
        side_legend(area)?;
        area.present().map_err(err)
    }
}
