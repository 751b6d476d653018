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

/// Checks `--log DIR` before any work: a folder d11sim may fill, apart from the other
/// output folders named.
pub(crate) fn check(
    log: &Path,
    others: &[(&str, &Option<std::path::PathBuf>)],
) -> Result<(), Failure> {
    for (name, other) in others {
        if let Some(o) = other {
            d11sim::output::staged::check_apart(("--log", log), (name, o))
                .map_err(Failure::BadInput)?;
        }
    }
    d11sim::output::staged::check(log).map_err(|e| Failure::BadInput(format!("--log {e}")))
}

/// The part files of day `i` inside the staging folder.
fn parts(stage: &Path, i: u64) -> (std::path::PathBuf, std::path::PathBuf) {
    (
        stage.join(format!(".day-{i:06}.conversations")),
        stage.join(format!(".day-{i:06}.messages")),
    )
}

/// Simulates `cfg.replications` days of `sc` with their log and writes them into `dir`
/// (whole or not at all). Each finished day goes to disk at once (memory holds one day
/// per thread); on Ctrl-C the finished days `0..k` are written.
pub(crate) fn write_log(dir: &Path, sc: &Scenario, cfg: RunConfig) -> Result<u64, Failure> {
    let n = cfg.replications;
    let next = AtomicU64::new(0);
    let done: Mutex<Vec<bool>> = Mutex::new(vec![false; n as usize]);
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let stage = d11sim::output::staged::Staged::new(dir)
        .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
    let out = stage.dir().to_path_buf();
    let bar = crate::progress(n);
    std::thread::scope(|s| {
        for _ in 0..cfg.threads.min(n as usize).max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n || d11sim::replicate::interrupted() {
                        break;
                    }
                    let written = model::run_logged(sc, cfg.seed, i, LogDay::of(sc, i))
                        .map_err(|e| e.to_string())
                        .and_then(|(_, log): (_, DayLog)| {
                            let (c, m) = parts(&out, i);
                            std::fs::write(&c, log.conversations)
                                .and_then(|()| std::fs::write(&m, log.messages))
                                .map_err(|e| format!("{}: cannot write: {e}", dir.display()))
                        });
                    match written {
                        Ok(()) => done.lock().expect("log days")[i as usize] = true,
                        Err(e) => {
                            *failed.lock().expect("log failure") = Some(e);
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
    let k = done
        .into_inner()
        .expect("log days")
        .iter()
        .take_while(|d| **d)
        .count() as u64;
    if k == 0 {
        return Err(Failure::Interrupted(
            "before any day finished; no log written".into(),
        ));
    }
    let messages = matches!(
        sc.conversation,
        d11sim::conversation::Conversation::Messages(_)
    );
    let write = |out: &Path| -> std::io::Result<()> {
        let (conv_header, msg_header) = model::log_headers();
        let mut conv =
            std::io::BufWriter::new(std::fs::File::create(out.join("conversations.csv"))?);
        conv.write_all(conv_header.as_bytes())?;
        let mut msg = if messages {
            let mut m = std::io::BufWriter::new(std::fs::File::create(out.join("messages.csv"))?);
            m.write_all(msg_header.as_bytes())?;
            Some(m)
        } else {
            None
        };
        for i in 0..n {
            let (c, m) = parts(out, i);
            if i < k {
                std::io::copy(&mut std::fs::File::open(&c)?, &mut conv)?;
                if let Some(msg) = msg.as_mut() {
                    std::io::copy(&mut std::fs::File::open(&m)?, msg)?;
                }
            }
            for p in [c, m] {
                if p.exists() {
                    std::fs::remove_file(p)?;
                }
            }
        }
        conv.flush()?;
        if let Some(mut m) = msg {
            m.flush()?;
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
    write(stage.dir())
        .map_err(|e| Failure::Internal(format!("{}: cannot write the log: {e}", dir.display())))?;
    stage
        .commit()
        .map_err(|e| Failure::Internal(format!("{}: cannot put in place: {e}", dir.display())))?;
    Ok(k)
}
