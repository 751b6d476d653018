//! The roster file the staffing commands write: a scenario that extends the input, its
//! path relative to the roster's folder so the two travel together.

use std::path::PathBuf;

use d11sim::output;

use crate::Failure;

/// Writes `roster.toml` into `dir`: a scenario that extends the input with `block` as its
/// roster.
pub(crate) fn write_roster(
    dir: &std::path::Path,
    scenario: Option<&PathBuf>,
    by: &str,
    name: &str,
    block: &str,
) -> Result<(), Failure> {
    let cannot =
        |e: std::io::Error| Failure::Internal(format!("{}: cannot write: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(cannot)?;
    // relative to the roster's folder, so the folder and the scenario travel together
    // (sent to a colleague, moved to another machine)
    let extends = match scenario {
        Some(p) => {
            let from = std::fs::canonicalize(dir).map_err(cannot)?;
            let to = std::fs::canonicalize(p).unwrap_or(p.clone());
            format!(
                "extends = {:?}\n",
                relative_path(&to, &from).display().to_string()
            )
        }
        None => format!("extends = {:?}\n", d11sim::scenario::EMBEDDED),
    };
    let text = format!("# Planned by {by}.\n{extends}name = {name:?}\n\n{block}");
    output::write_atomic(&dir.join("roster.toml"), text.as_bytes()).map_err(cannot)
}

/// `to` as a path relative to the folder `from` (both absolute); `to` itself when they
/// share no root (another drive).
fn relative_path(to: &std::path::Path, from: &std::path::Path) -> PathBuf {
    let (a, b): (Vec<_>, Vec<_>) = (to.components().collect(), from.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c);
    }
    out
}
