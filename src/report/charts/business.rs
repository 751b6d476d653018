//! The business charts of a run: predicted conversion and GMV lost by hour, and what the
//! bot resolved. Same sizes, fonts and clock axes as the other charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;
use crate::report::data::Series;
use crate::scenario::clock::Calendar;

/// Conversion and GMV lost by clock hour.
pub struct ConversionGmv<'a>(pub &'a Series, pub &'a Calendar);

impl Chart for ConversionGmv<'_> {
    fn name(&self) -> &'static str {
        "conversion_gmv"
    }
    fn title(&self) -> String {
        tr(
            "询单转化率 predicted conversion, and pre-sale and in-sale GMV lost to slow service, by hour",
            "按小时：售前询单转化率预测，与响应慢损失的销售额（售前与售中）",
        )
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.0, self.1);
        let y2 = top(s.hours.iter().map(|h| h.gmv_lost + h.in_sale_gmv_lost));
        let in_sale = s.hours.iter().any(|h| h.in_sale_gmv_lost > 0.0);
        area.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title(), (chart_font(), TITLE - 4))
            .margin(16)
            .margin_right(LEGEND_W)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .right_y_label_area_size(110)
            .build_cartesian_2d(x_range(s), 0.0..100.0)
            .map_err(err)?
            .set_secondary_coord(x_range(s), 0.0..y2);
        chart
            .configure_mesh()
            .x_labels(0)
            .y_label_formatter(&|v| num(*v))
            .y_desc(tr("conversion, %", "转化率，%"))
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        clock_ticks(area, &chart, s, cal)?;
        chart
            .configure_secondary_axes()
            .y_desc(tr("GMV lost per hour (¥)", "每小时损失的销售额（¥）"))
            .y_label_formatter(&|v| money(*v))
            .label_style((chart_font(), LABEL))
            .axis_desc_style((chart_font(), LABEL + 2))
            .draw()
            .map_err(err)?;
        chart
            .draw_secondary_series(s.hours.iter().map(|h| {
                Rectangle::new(
                    [(h.start_h + 0.15, 0.0), (h.start_h + 0.85, h.gmv_lost)],
                    PALETTE[1].mix(0.5).filled(),
                )
            }))
            .map_err(err)?;
        key(
            tr(
                "pre-sale GMV lost against instant service (right)",
                "售前：较即时回复损失的销售额（右轴）",
            ),
            Mark::Fill(PALETTE[1].mix(0.5)),
        );
        if in_sale {
            // stacked on the pre-sale bar: the two sides of pre-sale priority
            chart
                .draw_secondary_series(s.hours.iter().map(|h| {
                    Rectangle::new(
                        [
                            (h.start_h + 0.15, h.gmv_lost),
                            (h.start_h + 0.85, h.gmv_lost + h.in_sale_gmv_lost),
                        ],
                        PALETTE[3].mix(0.6).filled(),
                    )
                }))
                .map_err(err)?;
            key(
                tr(
                    "in-sale orders lost against instant service (right)",
                    "售中：较即时回复损失的订单金额（右轴）",
                ),
                Mark::Fill(PALETTE[3].mix(0.6)),
            );
        }
        chart
            .draw_series(LineSeries::new(
                s.hours
                    .iter()
                    .filter_map(|h| h.conversion.map(|c| (h.start_h + 0.5, c * 100.0))),
                PALETTE[0].stroke_width(LINE),
            ))
            .map_err(err)?;
        key(
            tr("conversion (left)", "转化率（左轴）"),
            Mark::Line(PALETTE[0]),
        );
        side_legend(area)?;
        area.present().map_err(err)
    }
}

/// Bot deflection by clock hour.
pub struct Deflection<'a>(pub &'a Series, pub &'a Calendar);

impl Chart for Deflection<'_> {
    fn name(&self) -> &'static str {
        "bot_deflection"
    }
    fn title(&self) -> String {
        tr(
            "Share of inquiries the bot resolved, by hour of arrival",
            "按进线小时：机器人解决的咨询占比",
        )
    }
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn {
        let (s, cal) = (self.0, self.1);
        let y = top(s
            .hours
            .iter()
            .filter_map(|h| h.deflection.map(|d| d * 100.0)));
        let mut chart = time_chart!(
            area,
            self.title(),
            s,
            cal,
            0.0..y,
            tr("% of arrivals", "占进线 %")
        );
        peaks(&mut chart, s, y)?;
        chart
            .draw_series(s.hours.iter().filter_map(|h| {
                h.deflection.map(|d| {
                    Rectangle::new(
                        [(h.start_h + 0.15, 0.0), (h.start_h + 0.85, d * 100.0)],
                        PALETTE[2].mix(0.7).filled(),
                    )
                })
            }))
            .map_err(err)?;
        area.present().map_err(err)
    }
}
