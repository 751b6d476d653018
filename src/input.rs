//! Reading what a user gives: only regular files, never more than a documented size, so a
//! FIFO, a device or a runaway export can neither block a command nor exhaust memory.

use std::io::Read;
use std::path::Path;

/// The largest scenario, templates or formula file read (TOML): 16 MiB.
pub const MAX_TOML_BYTES: u64 = 16 << 20;
/// The largest CSV read (arrival counts, a saved requirement): 256 MiB.
pub const MAX_CSV_BYTES: u64 = 256 << 20;

/// `x` as people write it: plain between 0.001 and 10^7, else in scientific notation (a
/// value echoed in an error stays one short line).
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-3..1e7).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// The bytes of `path`, when it is a regular file of at most `cap` bytes; otherwise an
/// error saying which rule it breaks (the caller names the file).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!(
            "not a regular file ({}); give a file",
            if meta.is_dir() {
                "a folder"
            } else {
                "a FIFO, socket or device"
            }
        ));
    }
    if meta.len() > cap {
        return Err(format!(
            "{} bytes; the limit is {} MiB",
            meta.len(),
            cap >> 20
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "grew past the limit of {} MiB while read",
            cap >> 20
        ));
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text(path: &Path, cap: u64) -> Result<String, String> {
    String::from_utf8(read_capped(path, cap)?)
        .map_err(|e| format!("not UTF-8 text ({e}); save it as UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_oversized_files_are_refused_with_the_rule() {
        let dir = std::env::temp_dir().join(format!("d11sim_input_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read_capped(&dir, 10).unwrap_err().contains("a folder"));
        let f = dir.join("big.txt");
        std::fs::write(&f, vec![b'x'; 2 << 20]).unwrap();
        assert!(
            read_capped(&f, 1 << 20)
                .unwrap_err()
                .contains("the limit is 1 MiB")
        );
        assert_eq!(read_capped(&f, 4 << 20).unwrap().len(), 2 << 20);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
