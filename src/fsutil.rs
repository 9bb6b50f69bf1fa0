//! File-system helpers shared by every writer: nothing is ever left half-written.

use std::io;
use std::path::{Path, PathBuf};

/// A sibling path for staging `path` before the final rename.
pub fn staging_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = staging_path(path);
    std::fs::write(&tmp, bytes).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Replaces the folder `target` with the fully written folder `staged` (same parent).
pub fn replace_dir(staged: &Path, target: &Path) -> io::Result<()> {
    let old = staging_path(&target.with_extension("old"));
    if target.exists() {
        std::fs::rename(target, &old)?;
    }
    match std::fs::rename(staged, target) {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&old);
            Ok(())
        }
        Err(e) => {
            if old.exists() {
                let _ = std::fs::rename(&old, target);
            }
            Err(e)
        }
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it): names and timestamps.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
