//! The report's charts, drawn with plotters on any backend: inline SVG for the page and PNG
//! files for slides. Sizes and fonts are for a meeting-room screen: 1200 x 600 px, titles
//! at 30 px and labels at 20 px. Times on the x axis are clock times ("11-10 20:00").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::Series;
pub use super::text::{chart_font, has_cjk, kpi_name, money, set_chinese, tr, trade};
use crate::engine::SimTime;
use crate::scenario::clock::Calendar;

/// Chart size, pixels.
pub const SIZE: (u32, u32) = (1200, 600);

const TITLE: u32 = 30;
const LABEL: u32 = 20;
const LINE: u32 = 3;

/// The colours of successive series (colour-blind safe, after Okabe and Ito).
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(117, 112, 179),
    RGBColor(153, 79, 0),
    RGBColor(102, 166, 30),
    RGBColor(128, 128, 128),
    RGBColor(231, 41, 138),
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
            .margin_right(LEGEND_W)
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
        .map_err(err)?;
    key(label.to_string(), Mark::Line(colour));
    Ok(())
}

/// How a legend entry is marked.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    /// A line in the series' colour.
    Line(RGBColor),
    /// A filled box (bars, areas).
    Fill(RGBAColor),
}

thread_local! {
    /// The legend entries of the chart being drawn, in drawing order.
    static KEYS: std::cell::RefCell<Vec<(String, Mark)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds a legend entry for the series just drawn.
fn key(label: impl Into<String>, mark: Mark) {
    KEYS.with(|k| k.borrow_mut().push((label.into(), mark)));
}

/// The right margin every chart leaves for its legend, pixels: the legend sits outside
/// the data, never over a line.
const LEGEND_W: u32 = 330;

/// Draws the legend of the chart just drawn on `area` into its right margin (outside
/// the data), top-aligned, long labels wrapped; clears the collected entries.
fn side_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Drawn {
    let keys = KEYS.with(|k| std::mem::take(&mut *k.borrow_mut()));
    let (w, _) = area.dim_in_pixel();
    let label = LABEL as i32;
    let x = w as i32 - LEGEND_W as i32 + 14;
    let font = (chart_font(), LABEL).into_font().color(&BLACK);
    let width = |t: &str| -> usize { t.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
    let mut y = 70;
    for (text, mark) in &keys {
        match mark {
            Mark::Line(c) => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 26, y)],
                    c.stroke_width(LINE),
                ))
                .map_err(err)?,
            Mark::Fill(c) => area
                .draw(&Rectangle::new([(x, y - 7), (x + 26, y + 7)], c.filled()))
                .map_err(err)?,
        }
        let mut lines = vec![String::new()];
        for word in text.split_inclusive(' ') {
            let line = lines.last_mut().expect("one line");
            if width(line) + width(word) > 30 && !line.is_empty() {
                lines.push(word.to_string());
            } else {
                line.push_str(word);
            }
        }
        for line in &lines {
            area.draw(&Text::new(
                line.trim_end().to_string(),
                (x + 34, y - label / 2 - 2),
                font.clone(),
            ))
            .map_err(err)?;
            y += label + 4;
        }
        y += 8;
    }
    Ok(())
}

/// Load against capacity on one scale: the chats open with agents and the customers
/// waiting for one, against the chat slots the roster puts on duty.
pub struct ArrivalsCapacity<'a>(pub &'a Series, pub &'a Calendar);

impl Chart for ArrivalsCapacity<'_> {
    fn name(&self) -> &'static str {
        "arrivals_capacity"
    }
    fn title(&self) -> String {
        tr(
            "Load against capacity: chats open and customers waiting vs chat slots on duty",
            "负荷与接待能力：打开的会话与等待的顾客 vs 在岗接待位",
        )
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.0, self.1);
        let y = top(s
            .intervals
            .iter()
            .map(|i| i.slots.max(i.open_chats + i.queue)));
        let mut chart = time_chart!(
            area,
            self.title(),
            s,
            cal,
            0.0..y,
            tr("chats (mean of replications)", "会话数（各次模拟的均值）")
        );
        peaks(&mut chart, s, y)?;
        let step = |f: &dyn Fn(&super::data::Interval) -> f64| {
            s.intervals
                .iter()
                .flat_map(|i| [(i.start_h, f(i)), (i.start_h + i.len_h, f(i))])
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(AreaSeries::new(
                step(&|i| i.open_chats + i.queue),
                0.0,
                PALETTE[4].mix(0.35),
            ))
            .map_err(err)?;
        key(
            tr(
                "demand: chats open + customers waiting for an agent",
                "需求：打开的会话 + 等待分配的顾客",
            ),
            Mark::Fill(PALETTE[4].mix(0.35)),
        );
        chart
            .draw_series(LineSeries::new(
                step(&|i| i.open_chats),
                PALETTE[1].stroke_width(LINE),
            ))
            .map_err(err)?;
        key(
            tr("chats open with agents", "客服手上打开的会话"),
            Mark::Line(PALETTE[1]),
        );
        chart
            .draw_series(LineSeries::new(
                step(&|i| i.slots),
                PALETTE[0].stroke_width(LINE),
            ))
            .map_err(err)?;
        key(
            tr(
                "capacity: chat slots on duty (agents x cap)",
                "能力：在岗接待位（客服 × 接待上限）",
            ),
            Mark::Line(PALETTE[0]),
        );
        side_legend(area)?;
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
        tr(
            "Customers waiting for a reply or an agent, and abandonments, by interval",
            "各时段等待回复或分配的顾客，以及放弃数",
        )
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
            tr(
                "customers (mean of replications)",
                "顾客数（各次模拟的均值）"
            )
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
            .map_err(err)?;
        key(
            tr(
                "abandonments of the interval's arrivals",
                "该时段进线中放弃的顾客",
            ),
            Mark::Fill(PALETTE[1].mix(0.6)),
        );
        chart
            .draw_series(LineSeries::new(
                s.intervals
                    .iter()
                    .map(|i| (i.start_h + i.len_h / 2.0, i.queue)),
                PALETTE[0].stroke_width(LINE),
            ))
            .map_err(err)?;
        key(
            tr(
                "time-average customers waiting for an agent",
                "平均等待分配客服的顾客",
            ),
            Mark::Line(PALETTE[0]),
        );
        chart
            .draw_series(LineSeries::new(
                s.intervals
                    .iter()
                    .map(|i| (i.start_h + i.len_h, i.unanswered)),
                PALETTE[2].stroke_width(LINE),
            ))
            .map_err(err)?;
        key(
            tr(
                "unanswered customers at the interval's end",
                "时段末仍未得到回复的顾客",
            ),
            Mark::Line(PALETTE[2]),
        );
        side_legend(area)?;
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
                &tr(
                    "per-reply response p50 / p90 / p99 by interval of arrival",
                    "按进线时段：每条回复的响应 p50 / p90 / p99",
                ),
            )
        } else {
            trade(
                "首响",
                &tr(
                    "first response p50 / p90 / p99 by interval of arrival",
                    "按进线时段：首响 p50 / p90 / p99",
                ),
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
        let mut chart = time_chart!(area, self.title(), s, cal, 0.0..y, tr("seconds", "秒"));
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
                .map_err(err)?;
            key(name, Mark::Line(c));
        }
        if self.replies {
            let mean: Vec<(f64, f64)> = s
                .intervals
                .iter()
                .filter_map(|i| i.avg_response.map(|v| (mid(i), v)))
                .collect();
            chart
                .draw_series(LineSeries::new(mean, PALETTE[3].stroke_width(LINE)))
                .map_err(err)?;
            key(
                tr("mean (avg response)", "均值（平响）"),
                Mark::Line(PALETTE[3]),
            );
        }
        for (k, (label, v)) in self.targets.iter().enumerate() {
            let c = if k == 0 {
                RGBColor(200, 0, 0)
            } else {
                RGBColor(120, 0, 0)
            };
            target_line(&mut chart, s, label, *v, c)?;
        }
        side_legend(area)?;
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
            &tr(
                "distribution of first response and per-reply response (log time axis)",
                "首响与每条回复响应的分布（对数时间轴）",
            ),
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
            .margin_right(LEGEND_W)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(tr("seconds (log scale)", "秒（对数轴）"))
            .x_label_formatter(&|v| num(*v))
            .y_desc(tr("% of responses per bin", "每个区间的响应占比 %"))
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (bins, name, c) in [
            (&self.first, tr("first response", "首响"), PALETTE[0]),
            (
                &self.reply,
                tr(
                    "per-reply response (avg response)",
                    "每条回复的响应（平响）",
                ),
                PALETTE[1],
            ),
        ] {
            let pts: Vec<(f64, f64)> = bins
                .iter()
                .flat_map(|b| [(b.0.max(lo), b.2 * 100.0), (b.1.min(hi), b.2 * 100.0)])
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(LINE)))
                .map_err(err)?;
            key(name, Mark::Line(c));
        }
        side_legend(area)?;
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
            tr(
                "Open chats per agent on duty, by group",
                "各分组在岗客服的人均打开会话数",
            )
        } else {
            tr(
                "Agent utilisation (time composing replies or holding sessions), by group",
                "各分组客服利用率（撰写回复或占用会话的时间）",
            )
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
            tr("open chats per agent", "人均打开会话数")
        } else {
            tr("% of on-duty time", "占在岗时间 %")
        };
        let mut chart = time_chart!(area, self.title(), s, cal, 0.0..y, desc);
        peaks(&mut chart, s, y)?;
        for (g, (en, zh)) in s.groups.iter().enumerate() {
            let name = tr(en, zh);
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
                chart
                    .draw_series(LineSeries::new(run, c.stroke_width(LINE)))
                    .map_err(err)?;
                if first {
                    key(name.clone(), Mark::Line(c));
                    first = false;
                }
            }
        }
        side_legend(area)?;
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

mod business; // declared after the helpers and macros above, which these charts use
mod planning;
pub mod xy;
pub use business::{ConversionGmv, Deflection};
pub use planning::{Lines, Plans, Sweep};
