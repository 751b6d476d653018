//! The report's charts, drawn with plotters on any backend: inline SVG for the page and PNG
//! files for slides. Sizes and fonts are for a meeting-room screen: 1200 x 600 px, titles
//! at 30 px and labels at 20 px. Times on the x axis are clock times ("11-10 20:00").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::Series;
pub use super::text::{chart_font, has_cjk, kpi_name, money, trade};
use crate::engine::SimTime;
use crate::scenario::clock::Calendar;

/// Chart size, pixels.
pub const SIZE: (u32, u32) = (1200, 600);

const TITLE: u32 = 30;
const LABEL: u32 = 20;
const LINE: u32 = 3;

/// The colours of successive series (colour-blind safe, after Okabe and Ito).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// A drawing failure, as text.
pub type Drawn = Result<(), String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart: {e:?}")
}

/// A chart: what it shows, and how to draw it.
pub trait Chart {
    /// File stem (`NAME.png`) and element id.
    fn name(&self) -> &'static str;
    /// The title: says what the chart shows.
    fn title(&self) -> String;
    /// Draws on `area`.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn;
}

/// An axis number: no decimals from 10 up, one below.
fn num(v: f64) -> String {
    if v.abs() >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn clock(cal: &Calendar, h: f64) -> String {
    cal.format(SimTime::from_secs_f64((h * 3600.0).max(0.0)))
}

fn legend_line(c: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(LINE))
}

fn top(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if m > 0.0 { m * 1.1 } else { 1.0 }
}

fn x_range(s: &Series) -> std::ops::Range<f64> {
    let end = s.intervals.last().map_or(1.0, |i| i.start_h + i.len_h);
    0.0..end.max(1e-6)
}

/// Shaded peak windows across the plotting area.
type Plane =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

fn peaks<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Plane>,
    s: &Series,
    y_top: f64,
) -> Drawn {
    chart
        .draw_series(s.peaks.iter().map(|(a, b)| {
            Rectangle::new(
                [(*a, 0.0), (*b, y_top)],
                RGBColor(255, 220, 150).mix(0.35).filled(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

macro_rules! time_chart {
    ($area:expr, $title:expr, $s:expr, $cal:expr, $y:expr, $ydesc:expr) => {{
        $area.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on($area)
            .caption($title, (chart_font(), TITLE))
            .margin(16)
            .margin_right(80)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(x_range($s), $y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(0)
            .y_label_formatter(&|v| num(*v))
            .y_desc($ydesc)
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        clock_ticks($area, &chart, $s, $cal)?;
        chart
    }};
}

/// Clock ticks at every 00:00, 06:00, 12:00 and 18:00 on the time axis, with a faint
/// vertical line each: a planner reads the night by its clock hours, not plotters' round
/// numbers of hours since the start.
fn clock_ticks<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Plane>,
    s: &Series,
    cal: &Calendar,
) -> Drawn {
    let end = x_range(s).end;
    let first = cal.time_of_day(SimTime::ZERO).as_secs_f64() / 3600.0;
    let mut h = (6.0 - first.rem_euclid(6.0)).rem_euclid(6.0);
    let y = chart.plotting_area().get_y_range();
    let style = TextStyle::from((chart_font(), LABEL).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ),
    );
    while h <= end + 1e-9 {
        let (px, py) = chart.backend_coord(&(h, y.start));
        let (_, top) = chart.backend_coord(&(h, y.end));
        area.draw(&PathElement::new(
            vec![(px, top), (px, py)],
            BLACK.mix(0.15),
        ))
        .map_err(err)?;
        area.draw(&PathElement::new(vec![(px, py), (px, py + 6)], BLACK))
            .map_err(err)?;
        area.draw(&Text::new(clock(cal, h), (px, py + 10), style.clone()))
            .map_err(err)?;
        h += 6.0;
    }
    Ok(())
}

/// A dashed horizontal target line across the time axis, with its legend entry.
fn target_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Plane>,
    s: &Series,
    label: &str,
    value: f64,
    colour: RGBColor,
) -> Drawn {
    let r = x_range(s);
    chart
        .draw_series(DashedLineSeries::new(
            [(r.start, value), (r.end, value)],
            12,
            8,
            colour.stroke_width(LINE),
        ))
        .map_err(err)?
        .label(label.to_string())
        .legend(legend_line(colour));
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((chart_font(), LABEL))
        .draw()
        .map_err(err)
}

/// Arrivals per hour against the chat slots and agents on duty.
pub struct ArrivalsCapacity<'a>(pub &'a Series, pub &'a Calendar);

impl Chart for ArrivalsCapacity<'_> {
    fn name(&self) -> &'static str {
        "arrivals_capacity"
    }
    fn title(&self) -> String {
        "Arrivals per hour against chat slots on duty (agents x cap); peak windows shaded".into()
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.0, self.1);
        let y = top(s.intervals.iter().map(|i| i.arrivals_per_hour));
        let y2 = top(s.intervals.iter().map(|i| i.slots.max(i.agents)));
        area.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE - 4))
            .margin(16)
            .margin_right(80)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .right_y_label_area_size(90)
            .build_cartesian_2d(x_range(s), 0.0..y)
            .map_err(err)?
            .set_secondary_coord(x_range(s), 0.0..y2);
        chart
            .configure_mesh()
            .x_labels(0)
            .y_label_formatter(&|v| num(*v))
            .y_desc("arrivals per hour")
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        clock_ticks(area, &chart, s, cal)?;
        chart
            .configure_secondary_axes()
            .y_desc("chat slots / agents on duty")
            .y_label_formatter(&|v| num(*v))
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .draw()
            .map_err(err)?;
        peaks(&mut chart, s, y)?;
        let step = |f: &dyn Fn(&super::data::Interval) -> f64| {
            s.intervals
                .iter()
                .flat_map(|i| [(i.start_h, f(i)), (i.start_h + i.len_h, f(i))])
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(LineSeries::new(
                step(&|i| i.arrivals_per_hour),
                PALETTE[0].stroke_width(LINE),
            ))
            .map_err(err)?
            .label("arrivals per hour (left)")
            .legend(legend_line(PALETTE[0]));
        chart
            .draw_secondary_series(LineSeries::new(
                step(&|i| i.slots),
                PALETTE[1].stroke_width(LINE),
            ))
            .map_err(err)?
            .label("chat slots on duty (right)")
            .legend(legend_line(PALETTE[1]));
        chart
            .draw_secondary_series(LineSeries::new(
                step(&|i| i.agents),
                PALETTE[2].stroke_width(LINE),
            ))
            .map_err(err)?
            .label("agents on duty (right)")
            .legend(legend_line(PALETTE[2]));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(err)
    }
}

/// Customers waiting and abandonments over time.
pub struct QueueAbandonment<'a>(pub &'a Series, pub &'a Calendar);

impl Chart for QueueAbandonment<'_> {
    fn name(&self) -> &'static str {
        "queue_abandonment"
    }
    fn title(&self) -> String {
        "Customers waiting for a reply or an agent, and abandonments, by interval".into()
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.0, self.1);
        let y = top(s
            .intervals
            .iter()
            .map(|i| i.queue.max(i.abandoned).max(i.unanswered)));
        let mut chart = time_chart!(
            area,
            self.title(),
            s,
            cal,
            0.0..y,
            "customers (mean of replications)"
        );
        peaks(&mut chart, s, y)?;
        chart
            .draw_series(s.intervals.iter().map(|i| {
                Rectangle::new(
                    [
                        (i.start_h + i.len_h * 0.15, 0.0),
                        (i.start_h + i.len_h * 0.85, i.abandoned),
                    ],
                    PALETTE[1].mix(0.6).filled(),
                )
            }))
            .map_err(err)?
            .label("abandonments of the interval's arrivals")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 8), (x + 24, y + 8)], PALETTE[1].mix(0.6).filled())
            });
        chart
            .draw_series(LineSeries::new(
                s.intervals
                    .iter()
                    .map(|i| (i.start_h + i.len_h / 2.0, i.queue)),
                PALETTE[0].stroke_width(LINE),
            ))
            .map_err(err)?
            .label("time-average customers waiting for an agent")
            .legend(legend_line(PALETTE[0]));
        chart
            .draw_series(LineSeries::new(
                s.intervals
                    .iter()
                    .map(|i| (i.start_h + i.len_h, i.unanswered)),
                PALETTE[2].stroke_width(LINE),
            ))
            .map_err(err)?
            .label("unanswered customers at the interval's end")
            .legend(legend_line(PALETTE[2]));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(err)
    }
}

/// p50 / p90 / p99 of a response time per interval, with target lines.
pub struct Bands<'a> {
    /// The series.
    pub series: &'a Series,
    /// The calendar.
    pub calendar: &'a Calendar,
    /// true: per-reply response (平响); false: first response.
    pub replies: bool,
    /// Horizontal lines: (label, seconds).
    pub targets: Vec<(String, f64)>,
}

impl Chart for Bands<'_> {
    fn name(&self) -> &'static str {
        if self.replies {
            "reply_response_bands"
        } else {
            "first_response_bands"
        }
    }
    fn title(&self) -> String {
        if self.replies {
            trade(
                "平响",
                "per-reply response p50 / p90 / p99 by interval of arrival",
            )
        } else {
            trade(
                "首响",
                "first response p50 / p90 / p99 by interval of arrival",
            )
        }
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.series, self.calendar);
        let q = |i: &super::data::Interval| if self.replies { i.reply_q } else { i.first_q };
        let y = top(s
            .intervals
            .iter()
            .filter_map(|i| q(i).map(|v| v[2]))
            .chain(self.targets.iter().map(|t| t.1)));
        let mut chart = time_chart!(area, self.title(), s, cal, 0.0..y, "seconds");
        peaks(&mut chart, s, y)?;
        let mid = |i: &super::data::Interval| i.start_h + i.len_h / 2.0;
        let band = |j: usize| -> Vec<(f64, f64)> {
            s.intervals
                .iter()
                .filter_map(|i| q(i).map(|v| (mid(i), v[j])))
                .collect()
        };
        let p99 = band(2);
        let p50 = band(0);
        let area_pts: Vec<(f64, f64)> = p99
            .iter()
            .copied()
            .chain(p50.iter().rev().copied())
            .collect();
        if area_pts.len() > 2 {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    area_pts,
                    PALETTE[0].mix(0.12).filled(),
                )))
                .map_err(err)?;
        }
        for (j, name, width) in [(2, "p99", 2), (1, "p90", LINE), (0, "p50", 2)] {
            let c = PALETTE[j.min(2)];
            chart
                .draw_series(LineSeries::new(band(j), c.stroke_width(width)))
                .map_err(err)?
                .label(name)
                .legend(legend_line(c));
        }
        if self.replies {
            let mean: Vec<(f64, f64)> = s
                .intervals
                .iter()
                .filter_map(|i| i.avg_response.map(|v| (mid(i), v)))
                .collect();
            chart
                .draw_series(LineSeries::new(mean, PALETTE[3].stroke_width(LINE)))
                .map_err(err)?
                .label("mean (avg response)")
                .legend(legend_line(PALETTE[3]));
        }
        for (k, (label, v)) in self.targets.iter().enumerate() {
            let c = if k == 0 {
                RGBColor(200, 0, 0)
            } else {
                RGBColor(120, 0, 0)
            };
            target_line(&mut chart, s, label, *v, c)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(err)
    }
}

/// Histograms of first response and 平响, log time axis. Bins: (from s, to s, share).
pub struct Histograms {
    /// First response bins.
    pub first: Vec<(f64, f64, f64)>,
    /// Per-reply response bins.
    pub reply: Vec<(f64, f64, f64)>,
}

impl Chart for Histograms {
    fn name(&self) -> &'static str {
        "response_histograms"
    }
    fn title(&self) -> String {
        trade(
            "首响 / 平响",
            "distribution of first response and per-reply response (log time axis)",
        )
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        area.fill(&WHITE).map_err(err)?;
        let y = top(self.first.iter().chain(&self.reply).map(|b| b.2 * 100.0));
        let lo = self
            .first
            .iter()
            .chain(&self.reply)
            .filter(|b| b.2 > 0.0)
            .map(|b| b.0)
            .fold(f64::INFINITY, f64::min)
            .clamp(0.1, 1.0);
        let hi = self
            .first
            .iter()
            .chain(&self.reply)
            .filter(|b| b.2 > 0.0)
            .map(|b| b.1)
            .fold(10.0, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE))
            .margin(16)
            .margin_right(80)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("seconds (log scale)")
            .x_label_formatter(&|v| num(*v))
            .y_desc("% of responses per bin")
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (bins, name, c) in [
            (&self.first, "first response", PALETTE[0]),
            (&self.reply, "per-reply response (avg response)", PALETTE[1]),
        ] {
            let pts: Vec<(f64, f64)> = bins
                .iter()
                .flat_map(|b| [(b.0.max(lo), b.2 * 100.0), (b.1.min(hi), b.2 * 100.0)])
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(LINE)))
                .map_err(err)?
                .label(name)
                .legend(legend_line(c));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(err)
    }
}

/// Utilisation or concurrency per group over time.
pub struct ByGroup<'a> {
    /// The series.
    pub series: &'a Series,
    /// The calendar.
    pub calendar: &'a Calendar,
    /// true: open chats per agent; false: utilisation.
    pub concurrency: bool,
}

impl Chart for ByGroup<'_> {
    fn name(&self) -> &'static str {
        if self.concurrency {
            "concurrency_by_group"
        } else {
            "utilisation_by_group"
        }
    }
    fn title(&self) -> String {
        if self.concurrency {
            "Open chats per agent on duty, by group".into()
        } else {
            "Agent utilisation (time composing replies or holding sessions), by group".into()
        }
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.series, self.calendar);
        let pick = |v: (Option<f64>, Option<f64>)| {
            if self.concurrency {
                v.1
            } else {
                v.0.map(|x| x * 100.0)
            }
        };
        let y = if self.concurrency {
            top(s
                .intervals
                .iter()
                .flat_map(|i| i.groups.iter().filter_map(|g| pick(*g))))
        } else {
            100.0
        };
        let desc = if self.concurrency {
            "open chats per agent"
        } else {
            "% of on-duty time"
        };
        let mut chart = time_chart!(area, self.title(), s, cal, 0.0..y, desc);
        peaks(&mut chart, s, y)?;
        for (g, name) in s.groups.iter().enumerate() {
            let c = PALETTE[g % PALETTE.len()];
            // a gap where the group is off duty: one line per run of defined values
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for i in &s.intervals {
                match pick(i.groups[g]) {
                    Some(v) => runs
                        .last_mut()
                        .expect("non-empty")
                        .push((i.start_h + i.len_h / 2.0, v)),
                    None => runs.push(Vec::new()),
                }
            }
            let mut first = true;
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let drawn = chart
                    .draw_series(LineSeries::new(run, c.stroke_width(LINE)))
                    .map_err(err)?;
                if first {
                    drawn.label(name.clone()).legend(legend_line(c));
                    first = false;
                }
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(err)
    }
}

/// Draws `chart` as an SVG string and a PNG at `png` (written whole, then renamed).
pub fn render<C: Chart>(chart: &C, png: &std::path::Path) -> Result<String, String> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        chart.draw_on(&area)?;
    }
    let tmp = png.with_file_name(format!(".partial-{}.png", chart.name()));
    {
        let area = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        chart.draw_on(&area)?;
    }
    std::fs::rename(&tmp, png).map_err(|e| format!("{}: {e}", png.display()))?;
    Ok(svg)
}

// after the helpers and macros above, which the planning charts use
mod business;
mod planning;
pub use business::{ConversionGmv, Deflection};
pub use planning::{Lines, Plans, Sweep};
