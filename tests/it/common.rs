//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use d11sim::scenario::{self, Scenario, ScenarioFile};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario's raw form, ready to edit.
pub fn raw_scenario(name: &str) -> ScenarioFile {
    let path = root().join("scenarios").join(name);
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    scenario::parse(&text, name).expect("shipped scenario parses")
}

/// Validates an edited raw scenario.
pub fn validate(raw: &ScenarioFile) -> Scenario {
    Scenario::from_file(raw, "(test)", &root().join("scenarios")).expect("test scenario is valid")
}

/// A fresh, empty folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("d11sim-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the d11sim binary.
pub fn d11sim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_d11sim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("d11sim runs")
}

/// Worker threads for in-process replications.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Asserts that each of `files` has the same bytes under folders `a` and `b`.
pub fn assert_same_files(a: &Path, b: &Path, files: &[&str], what: &str) {
    for f in files {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(
            x.as_ref().expect("first file") == y.as_ref().expect("second file"),
            "{f}: {what}"
        );
    }
}
