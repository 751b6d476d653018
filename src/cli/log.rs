//! `run --log DIR`: the conversation log of the simulated days (one replication, one day),
//! in the format `calibrate` reads (docs/log-format.md).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use d11sim::convlog::{self, time};
use d11sim::model::{self, DayLog, LogDay};
use d11sim::replicate::RunConfig;
use d11sim::scenario::Scenario;

use crate::Failure;

/// Simulates `cfg.replications` days of `sc` with their log and writes them into `dir`
/// (whole or not at all). On Ctrl-C the finished days `0..k` are written.
pub(crate) fn write_log(dir: &Path, sc: &Scenario, cfg: RunConfig) -> Result<u64, Failure> {
    let n = cfg.replications;
    let next = AtomicU64::new(0);
    let days: Mutex<Vec<Option<DayLog>>> = Mutex::new((0..n).map(|_| None).collect());
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let bar = crate::progress(n);
    std::thread::scope(|s| {
        for _ in 0..cfg.threads.min(n as usize).max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n || d11sim::replicate::interrupted() {
                        break;
                    }
                    match model::run_logged(sc, cfg.seed, i, LogDay::of(sc, i)) {
                        Ok((_, log)) => days.lock().expect("log days")[i as usize] = Some(log),
                        Err(e) => {
                            *failed.lock().expect("log failure") = Some(e.to_string());
                            break;
                        }
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failed.into_inner().expect("log failure") {
        return Err(Failure::BadInput(format!("--log: {e}")));
    }
    let days = days.into_inner().expect("log days");
    let finished: Vec<DayLog> = days.into_iter().map_while(|d| d).collect();
    if finished.is_empty() {
        return Err(Failure::Interrupted(
            "before any day finished; no log written".into(),
        ));
    }
    let messages = matches!(
        sc.conversation,
        d11sim::conversation::Conversation::Messages(_)
    );
    let k = finished.len() as u64;
    let write = |out: &Path| -> std::io::Result<()> {
        let (conv_header, msg_header) = model::log_headers();
        let mut conv =
            std::io::BufWriter::new(std::fs::File::create(out.join("conversations.csv"))?);
        conv.write_all(conv_header.as_bytes())?;
        for d in &finished {
            conv.write_all(d.conversations.as_bytes())?;
        }
        conv.flush()?;
        if messages {
            let mut msg = std::io::BufWriter::new(std::fs::File::create(out.join("messages.csv"))?);
            msg.write_all(msg_header.as_bytes())?;
            for d in &finished {
                msg.write_all(d.messages.as_bytes())?;
            }
            msg.flush()?;
        }
        let first = LogDay::of(sc, 0).day;
        let meta = format!(
            "# d11sim conversation log (docs/log-format.md): {k} simulated days of \"{name}\",\n\
             # seed {seed}; each day is one replication, starting at {start} on its date.\n\
             format = \"d11sim-conversation-log\"\n\
             version = {version}\n\
             day_start = \"{start}\"\n\
             interval_min = {interval}\n\
             first_day = \"{first}\"\n\
             days = {k}\n\
             stride_days = {stride}\n",
            name = sc.name.replace('"', "'"),
            seed = cfg.seed,
            start = LogDay::day_start(sc),
            version = convlog::VERSION,
            interval = sc.interval.as_secs_f64() / 60.0,
            first = time::format_date(first),
            stride = LogDay::stride_days(sc),
        );
        std::fs::write(out.join("log.toml"), meta)?;
        Ok(())
    };
    crate::staged(dir, |out| {
        write(out)
            .map_err(|e| Failure::Internal(format!("{}: cannot write the log: {e}", dir.display())))
    })?;
    Ok(k)
}
