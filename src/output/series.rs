//! `series.csv`: one row per (replication, interval).

use std::fmt::Write;

use crate::model::ReplicationResult;
use crate::scenario::Scenario;

/// The CSV header's fixed columns; columns are documented in `docs/outputs.md`.
pub const HEADER: &str = "replication,interval,start,arrived,served,abandoned,deflected,agents_on_duty,in_system_end,waiting_end,mean_waiting,first_response_p90_s,pre_sale,expected_buyers,conversion,replies,avg_response_s,first_reply_30s,first_reply_3min,received,replied,messages_pending_end,unanswered_end,first_response_pre_sale_s,first_response_in_sale_s,first_response_after_sale_s,first_response_left_out,agents_on_break_end";

/// The CSV header for `scenario`: the fixed columns, then three per agent group (its
/// agents on duty, open chats per agent on duty and utilisation, averaged over the
/// interval), named `group_NAME_...`.
pub fn header(scenario: &Scenario) -> String {
    let mut out = HEADER.to_string();
    for g in &scenario.groups {
        for what in ["on_duty", "chats_per_agent", "utilisation"] {
            out.push(',');
            out.push_str(&csv_field(&format!("group_{}_{what}", g.name)));
        }
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows of one replication (`rep`, a run of `scenario`) as CSV text, without the
/// header.
pub fn series_rows(scenario: &Scenario, rep: &ReplicationResult) -> String {
    let mut out = String::with_capacity(rep.intervals.len() * 160);
    {
        for (k, row) in rep.intervals.iter().enumerate() {
            let p90 = row
                .first_response_p90_s
                .map_or(String::new(), |v| format!("{v}"));
            let n = &row.counts;
            let conversion = if n.pre_sale > 0 {
                format!("{:.4}", n.expected_buyers / n.pre_sale as f64)
            } else {
                String::new()
            };
            let avg_response = if n.replies > 0 {
                format!("{:.3}", n.reply_response_sum_s / n.replies as f64)
            } else {
                String::new()
            };
            let by_class = (0..3)
                .map(|i| match n.replied_by_class[i] {
                    0 => String::new(),
                    k => format!("{:.3}", n.first_response_sum_s_by_class[i] / k as f64),
                })
                .collect::<Vec<_>>()
                .join(",");
            let _ = writeln!(
                out,
                "{},{k},{},{},{},{},{},{},{},{},{:.4},{p90},{},{:.4},{conversion},{},{avg_response},{},{},{},{},{},{},{by_class},{},{}",
                rep.index,
                scenario.calendar.format(row.start),
                n.arrived,
                n.served,
                n.abandoned,
                n.deflected,
                n.agents_on_duty,
                n.in_system,
                n.waiting,
                row.mean_waiting,
                n.pre_sale,
                n.expected_buyers,
                n.replies,
                n.first_reply_30s,
                n.first_reply_180s,
                n.received,
                n.replied,
                n.messages_pending,
                n.unanswered,
                n.first_response_left_out,
                n.agents_on_break,
            );
            out.pop(); // the line break: the group columns follow
            let len = (scenario.horizon.min(row.start + scenario.interval) - row.start)
                .as_secs_f64()
                .max(1e-9);
            for g in &rep.groups {
                let [working, chats, on_duty] = g.by_interval.get(k).copied().unwrap_or_default();
                let per = |x: f64| {
                    if on_duty > 0.0 {
                        format!("{:.4}", x / on_duty)
                    } else {
                        String::new()
                    }
                };
                let _ = write!(out, ",{:.4},{},{}", on_duty / len, per(chats), per(working));
            }
            out.push('\n');
        }
    }
    out
}
