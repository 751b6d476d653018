//! `series.csv`: one row per (replication, interval).

use std::fmt::Write;

use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// The CSV header; columns are documented in `docs/outputs.md`.
pub const HEADER: &str = "replication,interval,start,arrived,served,abandoned,agents_on_duty,in_system_end,waiting_end,mean_waiting,first_response_p90_s";

/// The series as CSV text.
pub fn write_series(scenario: &Scenario, r: &RunResults) -> String {
    let mut out = String::with_capacity(64 * r.replications.len() * 128);
    out.push_str(HEADER);
    out.push('\n');
    for rep in &r.replications {
        for (k, row) in rep.intervals.iter().enumerate() {
            let p90 = row
                .first_response_p90_s
                .map_or(String::new(), |v| format!("{v}"));
            let _ = writeln!(
                out,
                "{},{k},{},{},{},{},{},{},{},{:.4},{p90}",
                rep.index,
                scenario.calendar.format(row.start),
                row.counts.arrived,
                row.counts.served,
                row.counts.abandoned,
                row.counts.agents_on_duty,
                row.counts.in_system,
                row.counts.waiting,
                row.mean_waiting,
            );
        }
    }
    out
}
