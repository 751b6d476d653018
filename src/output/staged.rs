//! An output folder that appears whole or not at all: every file of a command is written
//! into a temporary folder beside `--out`, which is renamed into place once complete. A
//! reader never sees one run's summary beside another's histograms, and a failure or an
//! interrupt leaves the old folder (if any) as it was and no temporary files behind.

use std::path::{Path, PathBuf};

/// The marker written into every folder d11sim fills, so a later run may replace it.
pub const MARKER: &str = ".d11sim";

/// Files that mark a folder as an earlier d11sim output (before the marker existed).
const KNOWN: [&str; 7] = [
    MARKER,
    "summary.json",
    "index.html",
    "sweep.json",
    "bench.json",
    "requirement.csv",
    "comparison.json",
];

/// Checks, before any work, that `target` can take a command's outputs: a new folder (its
/// parent is created), an empty one, or one d11sim wrote before. A folder holding other
/// files is refused: replacing it would lose them.
pub fn check(target: &Path) -> Result<(), String> {
    let shown = target.display();
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = parent_of(target);
            std::fs::create_dir_all(&parent)
                .map_err(|e| format!("{shown}: cannot create its parent folder: {e}"))?;
            let probe = parent.join(format!(".d11sim-probe-{}", std::process::id()));
            std::fs::create_dir(&probe)
                .and_then(|()| std::fs::remove_dir(&probe))
                .map_err(|e| format!("{shown}: cannot write beside it: {e}"))
        }
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(m) if !m.is_dir() => Err(format!("{shown}: exists and is not a folder")),
        Ok(_) => {
            let entries: Vec<String> = std::fs::read_dir(target)
                .map_err(|e| format!("{shown}: cannot read: {e}"))?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if entries.is_empty() || entries.iter().any(|n| KNOWN.contains(&n.as_str())) {
                Ok(())
            } else {
                let mut some = entries;
                some.sort();
                Err(format!(
                    "{shown}: holds files d11sim did not write (`{}`{}); give a new or empty \
                     folder: its contents would be replaced",
                    some[0],
                    if some.len() > 1 { ", ..." } else { "" }
                ))
            }
        }
    }
}

/// Checks, before any work, that a file can be written into the folder `dir` (made if
/// missing), for commands that add one file to a folder rather than replace it.
pub fn check_writable(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => check(dir),
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(m) if !m.is_dir() => Err(format!("{shown}: exists and is not a folder")),
        Ok(_) => {
            let probe = dir.join(format!(".d11sim-probe-{}", std::process::id()));
            std::fs::write(&probe, b"")
                .and_then(|()| std::fs::remove_file(&probe))
                .map_err(|e| format!("{shown}: cannot write into it: {e}"))
        }
    }
}

/// The absolute form of `p` with its links resolved as far as it exists (the rest
/// appended, `.` and `..` taken lexically), so that two spellings of a folder compare equal.
fn resolved(p: &Path) -> PathBuf {
    let mut absolute = PathBuf::new();
    for c in std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .components()
    {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other.as_os_str()),
        }
    }
    // the longest existing ancestor, resolved; the rest as written
    let mut existing = absolute.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    let mut out = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return absolute,
        }
    };
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// Checks that two output folders of one command are apart: the same folder, or one
/// inside the other, would have one replace the other's files.
pub fn check_apart(a: (&str, &Path), b: (&str, &Path)) -> Result<(), String> {
    let (ra, rb) = (resolved(a.1), resolved(b.1));
    if ra.starts_with(&rb) || rb.starts_with(&ra) {
        return Err(format!(
            "{} {} and {} {} are the same folder or one holds the other: each is replaced \
             whole when written, so give two separate folders",
            a.0,
            a.1.display(),
            b.0,
            b.1.display()
        ));
    }
    Ok(())
}

/// Removes the temporary folders of killed runs (`.NAME.partial-PID[.old]` whose process
/// is gone), so a `kill -9` leaves nothing behind past the next run. A run killed between
/// the two renames of [`Staged::commit`]'s fallback leaves the earlier output in its `.old`
/// folder and no target: that folder is put back, not removed.
fn remove_stale(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return; // no way to tell a live run from a killed one here
    }
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.trim_end_matches(".old");
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| p == std::process::id() || Path::new(&format!("/proc/{p}")).exists());
        if alive {
            continue;
        }
        let target = parent.join(name);
        let restored = rest.ends_with(".old")
            && std::fs::symlink_metadata(&target).is_err()
            && std::fs::rename(e.path(), &target).is_ok();
        if !restored {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary folders now being filled, removed by [`abandon`] when the process must
/// exit at once (a second Ctrl-C).
static ACTIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn active() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    ACTIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Files a multi-stage command (`staff optimize`) has finished and keeps, whatever happens
/// to its later stages; said when the process must exit at once.
static KEPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Records that `path` is finished and kept.
pub fn keep(path: &Path) {
    KEPT.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(path.to_path_buf());
}

/// The files recorded by [`keep`].
pub fn kept() -> Vec<PathBuf> {
    KEPT.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Removes every temporary folder being filled (before an immediate exit).
pub fn abandon() {
    for dir in active().drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A temporary folder beside its target; removed on drop unless committed.
pub struct Staged {
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl Staged {
    /// Creates the temporary folder beside `target` (after [`check`]).
    pub fn new(target: &Path) -> std::io::Result<Staged> {
        check(target).map_err(std::io::Error::other)?;
        let name = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let parent = parent_of(target);
        remove_stale(&parent, &name);
        let temp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp)?;
        }
        std::fs::create_dir_all(&temp)?;
        active().push(temp.clone());
        std::fs::write(
            temp.join(MARKER),
            format!("d11sim {}\n", env!("CARGO_PKG_VERSION")),
        )?;
        Ok(Staged {
            target: target.to_path_buf(),
            temp,
            committed: false,
        })
    }

    /// Where to write.
    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// Puts the complete folder in place of the target (an earlier output is removed).
    ///
    /// An earlier output is swapped with the new folder in one step where the file system
    /// can (Linux's `renameat2` with `RENAME_EXCHANGE`), so the target is never missing,
    /// even for a reader between two kills; elsewhere it is moved aside first.
    pub fn commit(mut self) -> std::io::Result<()> {
        if std::fs::symlink_metadata(&self.target).is_err() {
            std::fs::rename(&self.temp, &self.target)?;
            self.committed = true;
            return Ok(());
        }
        if exchange(&self.temp, &self.target).is_ok() {
            // the temporary folder now holds the earlier output
            self.committed = true;
            return std::fs::remove_dir_all(&self.temp);
        }
        move_aside(&self.temp, &self.target)?;
        self.committed = true;
        std::fs::remove_dir_all(self.temp.with_file_name(old_name(&self.temp)))
    }
}

/// `.NAME.partial-PID.old`: where the fallback of [`Staged::commit`] moves an earlier output.
fn old_name(temp: &Path) -> String {
    format!(
        "{}.old",
        temp.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Moves `target` aside to its `.old` folder and `temp` into its place (put back on
/// failure); the caller removes the `.old` folder.
fn move_aside(temp: &Path, target: &Path) -> std::io::Result<()> {
    let old = temp.with_file_name(old_name(temp));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    std::fs::rename(target, &old)?;
    if let Err(e) = std::fs::rename(temp, target) {
        let _ = std::fs::rename(&old, target);
        return Err(e);
    }
    Ok(())
}

/// Swaps two existing paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Swaps two existing paths in one step: not available here, so the caller moves aside.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

impl Drop for Staged {
    fn drop(&mut self) {
        active().retain(|d| *d != self.temp);
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("d11sim_staged_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_folder_appears_whole_replaces_an_earlier_output_and_nothing_else() {
        let root = temp("whole");
        let out = root.join("out");
        let s = Staged::new(&out).unwrap();
        std::fs::write(s.dir().join("summary.json"), "{}").unwrap();
        assert!(!out.exists(), "visible before it is complete");
        s.commit().unwrap();
        assert!(out.join("summary.json").exists() && out.join(MARKER).exists());
        // an earlier output is replaced whole: no file of it stays
        std::fs::write(out.join("stale.hgrm"), "x").unwrap();
        let s = Staged::new(&out).unwrap();
        std::fs::write(s.dir().join("summary.json"), "{\"new\":1}").unwrap();
        s.commit().unwrap();
        assert!(!out.join("stale.hgrm").exists());
        // a failure (drop without commit) leaves the earlier output and no temporary folder
        let s = Staged::new(&out).unwrap();
        std::fs::write(s.dir().join("summary.json"), "half").unwrap();
        drop(s);
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "{\"new\":1}"
        );
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        // a folder of someone else's files is refused before any work
        let mine = root.join("mine");
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), "keep").unwrap();
        assert!(check(&mine).unwrap_err().contains("notes.txt"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_run_killed_inside_the_fallback_commit_gives_the_earlier_output_back() {
        let root = temp("killed");
        let out = root.join("out");
        let s = Staged::new(&out).unwrap();
        std::fs::write(s.dir().join("summary.json"), "earlier").unwrap();
        s.commit().unwrap();
        // a run moved the earlier output aside and was killed before the second rename
        let dead = root.join(".out.partial-4000000000");
        std::fs::create_dir_all(&dead).unwrap();
        std::fs::write(dead.join("summary.json"), "new, complete").unwrap();
        std::fs::rename(&out, root.join(".out.partial-4000000000.old")).unwrap();
        // the next run finds the earlier output in place and, failing, leaves it there
        let s = Staged::new(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "earlier"
        );
        drop(s);
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        // a dead run's folders beside a present target are removed, not put back
        std::fs::create_dir_all(root.join(".out.partial-4000000001.old")).unwrap();
        std::fs::create_dir_all(root.join(".out.partial-4000000002")).unwrap();
        let s = Staged::new(&out).unwrap();
        std::fs::write(s.dir().join("summary.json"), "new").unwrap();
        s.commit().unwrap();
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "new"
        );
        // the fallback itself replaces an output whole
        let next = root.join(".out.partial-4000000003");
        std::fs::create_dir_all(&next).unwrap();
        std::fs::write(next.join("summary.json"), "fallback").unwrap();
        move_aside(&next, &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "fallback"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
