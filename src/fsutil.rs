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

/// Whether `target` may be replaced by a folder this program writes, recognised by its
/// `marker` file. It may when it does not exist, is an empty folder, or holds `marker`;
/// never when it is a file, a folder of other things, or when it is, contains or lies in one
/// of `sources` (what the same run reads). The message says which.
pub fn check_replaceable(target: &Path, marker: &str, sources: &[&Path]) -> Result<(), String> {
    let resolved = resolve(target);
    for source in sources {
        let source = resolve(source);
        if resolved.starts_with(&source) || source.starts_with(&resolved) {
            return Err(format!(
                "{} is (or overlaps) {}, which this run reads from",
                target.display(),
                source.display()
            ));
        }
    }
    if !target.exists() {
        return Ok(());
    }
    if !target.is_dir() {
        return Err(format!("{} is a file, not a folder", target.display()));
    }
    if target.join(marker).is_file() {
        return Ok(());
    }
    let empty = std::fs::read_dir(target)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty {
        Ok(())
    } else {
        Err(format!(
            "{} holds other files (no {marker}); choose an empty or new folder",
            target.display()
        ))
    }
}

/// The absolute, link-free form of `path`, also for a path that does not exist yet (its
/// nearest existing ancestor is resolved).
fn resolve(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => resolve(parent).join(name),
        (_, Some(name)) => std::env::current_dir()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// Removes staging leftovers of `target` (`.NAME.PID.tmp`, `.NAME.old.PID.tmp`) whose process
/// is gone: a run killed mid-write leaves them behind. Returns how many were removed.
pub fn remove_stale_staging(target: &Path) -> usize {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return 0;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let stem = target
        .with_extension("old")
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = [&name, &stem].iter().find_map(|n| {
            file.strip_prefix(&format!(".{n}."))?
                .strip_suffix(".tmp")?
                .parse::<u32>()
                .ok()
        });
        let Some(pid) = pid else { continue };
        if pid == std::process::id() || process_alive(pid, &entry.path()) {
            continue;
        }
        let path = entry.path();
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if gone.is_ok() {
            tracing::info!("removed {} left by an interrupted run", path.display());
            removed += 1;
        }
    }
    removed
}

/// Whether the process that made `leftover` may still be writing it.
#[cfg(target_os = "linux")]
fn process_alive(pid: u32, _leftover: &Path) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without /proc: a leftover untouched for a day is taken as abandoned.
#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32, leftover: &Path) -> bool {
    std::fs::metadata(leftover)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_or_empty_folders_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours");
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(ours.join("manifest.json"), "{}").unwrap();
        assert_eq!(check_replaceable(&ours, "manifest.json", &[]), Ok(()));
        assert_eq!(
            check_replaceable(&dir.path().join("new"), "manifest.json", &[]),
            Ok(())
        );
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("holiday.jpg"), "x").unwrap();
        assert!(
            check_replaceable(&theirs, "manifest.json", &[])
                .unwrap_err()
                .contains("holds other files")
        );
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(
            check_replaceable(&file, "manifest.json", &[])
                .unwrap_err()
                .contains("is a file")
        );
        // A source of the same run, or a folder inside it, is never a target.
        assert!(
            check_replaceable(&ours, "manifest.json", &[&ours])
                .unwrap_err()
                .contains("reads from")
        );
        assert!(check_replaceable(&ours.join("x"), "manifest.json", &[&ours]).is_err());
    }

    #[test]
    fn stale_staging_folders_of_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("default");
        // No process has pid 4294967 (above Linux's pid limit); our own pid is alive.
        let dead = dir.path().join(".default.4294967.tmp");
        let old = dir.path().join(".default.old.4294967.tmp");
        let live = dir
            .path()
            .join(format!(".default.{}.tmp", std::process::id()));
        let other = dir.path().join(".unrelated.4294967.tmp");
        for d in [&dead, &old, &live, &other] {
            std::fs::create_dir(d).unwrap();
        }
        assert_eq!(remove_stale_staging(&target), 2);
        assert!(!dead.exists() && !old.exists());
        assert!(live.exists() && other.exists());
    }
}
