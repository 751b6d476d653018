//! Same scenario + same seed = byte-identical outputs, whatever the thread count.

use std::path::Path;

use crate::common;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "histograms"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            out.push((
                format!("{sub}/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    let dir = common::temp_dir("determinism");
    let mut runs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.join(format!("t{threads}"));
        let o = common::d11sim(
            &[
                "run",
                "-r",
                "5",
                "-s",
                "42",
                "-t",
                threads,
                "-q",
                "--out",
                out.to_str().unwrap(),
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        runs.push(files(&out));
    }
    assert_eq!(runs[0].len(), 14, "summary, series and 12 histogram files");
    assert!(
        runs[0] == runs[1] && runs[1] == runs[2],
        "outputs differ between thread counts"
    );
    let other = dir.join("other-seed");
    let o = common::d11sim(
        &[
            "run",
            "-r",
            "5",
            "-s",
            "43",
            "-q",
            "--out",
            other.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success());
    assert_ne!(
        files(&other)[0].1,
        runs[0][1].1,
        "a different seed must change the summary"
    );
}
