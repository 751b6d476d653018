//! Exporters: `summary.json`, `series.csv`, `histograms/*.hgrm` and `*.hlog`, and the KPI
//! table for stdout. Output paths are built here; every file is written to a temporary
//! name and renamed, so a failed run leaves no half-written file.

mod histograms;
mod json;
mod series;
pub mod staged;
mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use histograms::{hlog_entry, hlog_header, write_hgrm, write_hlog, write_interval_log};
pub use json::summary;
pub use series::{HEADER as SERIES_HEADER, csv_field, header as series_header, series_rows};
pub use table::{fmt_ci, fmt_value, render_table};

use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// Where each output goes under `--out DIR`.
pub struct OutputPaths {
    /// The output folder.
    pub dir: PathBuf,
}

impl OutputPaths {
    /// Paths under `dir`.
    pub fn new(dir: &Path) -> Self {
        OutputPaths {
            dir: dir.to_path_buf(),
        }
    }
    /// `summary.json`.
    pub fn summary(&self) -> PathBuf {
        self.dir.join("summary.json")
    }
    /// `series.csv`.
    pub fn series(&self) -> PathBuf {
        self.dir.join("series.csv")
    }
    /// `histograms/` folder.
    pub fn histograms(&self) -> PathBuf {
        self.dir.join("histograms")
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes every file of a run under `dir`.
pub fn write_all(dir: &Path, scenario: &Scenario, results: &RunResults) -> std::io::Result<()> {
    let paths = OutputPaths::new(dir);
    std::fs::create_dir_all(paths.histograms())?;
    let summary =
        serde_json::to_vec_pretty(&summary(scenario, results)).map_err(std::io::Error::other)?;
    write_atomic(&paths.summary(), &summary)?;
    for (i, name) in crate::metrics::Histograms::NAMES.iter().enumerate() {
        let merged = results.merged.all()[i];
        write_atomic(
            &paths.histograms().join(format!("{name}.hgrm")),
            write_hgrm(merged).as_bytes(),
        )?;
    }
    crate::replicate::write_kept(dir, results)
}
