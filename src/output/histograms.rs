//! Histogram files: the merged percentile distribution (`.hgrm`, the format HdrHistogram's
//! plotter reads) and an interval log (`.hlog`) with one entry per replication, readable by
//! HdrHistogram's log tools.

use std::fmt::Write;
use std::time::Duration;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

/// The percentile distribution of `h` (values in ms) in `.hgrm` text form.
pub fn write_hgrm(h: &Histogram<u64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    if !h.is_empty() {
        let mut total = 0u64;
        for v in h.iter_quantiles(5) {
            let q = v.quantile_iterated_to();
            total += v.count_since_last_iteration();
            let inv = if q < 1.0 {
                format!("{:>14.2}", 1.0 / (1.0 - q))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:>12.3} {:>14.12} {:>10} {inv}",
                v.value_iterated_to() as f64,
                q,
                total
            );
        }
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:>12.3}, StdDeviation   = {:>12.3}]",
        h.mean(),
        h.stdev()
    );
    let _ = writeln!(
        out,
        "#[Max     = {:>12.3}, Total count    = {:>12}]",
        h.max() as f64,
        h.len()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        h.distinct_values()
    );
    out
}

/// An interval log of `per_replication` histograms (values in `unit`); entry `i` is
/// replication `i`, stamped at `i` seconds with a 1 s length (replications have no
/// wall-clock time).
pub fn write_hlog(
    name: &str,
    unit: &str,
    per_replication: &[&Histogram<u64>],
) -> std::io::Result<Vec<u8>> {
    let entries: Vec<(&str, Duration, Duration, &Histogram<u64>)> = per_replication
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                name,
                Duration::from_secs(i as u64),
                Duration::from_secs(1),
                *h,
            )
        })
        .collect();
    write_interval_log(&hlog_comment(name, unit), &entries)
}

fn hlog_comment(name: &str, unit: &str) -> String {
    format!("d11sim {name}: one interval per replication, values in {unit}")
}

/// The head of [`write_hlog`]'s log for `name` (values in ms), before any entry.
pub fn hlog_header(name: &str) -> Vec<u8> {
    write_interval_log(&hlog_comment(name, "ms"), &[]).expect("an empty log writes to memory")
}

/// The entry line of replication `index`'s histogram `h` in [`write_hlog`]'s log for
/// `name` (values in ms): the log is its header followed by these lines in index order.
pub fn hlog_entry(name: &str, index: u64, h: &Histogram<u64>) -> String {
    let head = hlog_header(name);
    let log = write_interval_log(
        &hlog_comment(name, "ms"),
        &[(name, Duration::from_secs(index), Duration::from_secs(1), h)],
    )
    .expect("a log writes to memory");
    debug_assert!(log.starts_with(&head));
    String::from_utf8_lossy(&log[head.len()..]).into_owned()
}

/// An interval log of `(tag, start, length, histogram)` entries, with a comment line.
pub fn write_interval_log(
    comment: &str,
    entries: &[(&str, Duration, Duration, &Histogram<u64>)],
) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    let mut builder = IntervalLogWriterBuilder::new();
    builder.add_comment(comment);
    let mut log = builder.begin_log_with(&mut buf, &mut serializer)?;
    for (name, start, len, h) in entries {
        let tag = Tag::new(name).ok_or_else(|| std::io::Error::other("bad histogram tag"))?;
        log.write_histogram(h, *start, *len, Some(tag))
            .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    }
    drop(log);
    Ok(buf)
}
