//! File-system helpers shared by every writer: nothing is ever left half-written, nothing the
//! player owns is replaced, and a save cut short is recovered on the next start.

use std::io;
use std::path::{Path, PathBuf};

/// What a folder this program writes holds. The marker file is written last (atomically), so
/// a staged folder that holds it is complete.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub marker: &'static str,
    /// Other files written at the top of the folder.
    pub files: &'static [&'static str],
    /// Sub-folders written whole, each holding only files with the given extension.
    pub folders: &'static [(&'static str, &'static str)],
    /// Extensions of files with names of their own (samples) written at the top.
    pub file_extensions: &'static [&'static str],
}

impl Layout {
    /// The first entry of `dir` (in name order) this program would not have written there.
    pub fn foreign_entry(&self, dir: &Path) -> Option<PathBuf> {
        let mut entries = sorted_entries(dir).ok()?;
        entries.retain(|(name, path)| !self.owns(name, path));
        entries.into_iter().next().map(|(_, path)| path)
    }

    fn owns(&self, name: &str, path: &Path) -> bool {
        let Ok(meta) = path.symlink_metadata() else {
            return false;
        };
        if meta.is_file() {
            let extension = Path::new(name).extension().and_then(|e| e.to_str());
            return name == self.marker
                || self.files.contains(&name)
                || extension.is_some_and(|e| self.file_extensions.contains(&e))
                || is_staging_name(name, self.marker);
        }
        if !meta.is_dir() {
            return false;
        }
        let Some((_, ext)) = self.folders.iter().find(|(folder, _)| *folder == name) else {
            return false;
        };
        sorted_entries(path).is_ok_and(|inside| {
            inside.iter().all(|(file, p)| {
                p.symlink_metadata().is_ok_and(|m| m.is_file())
                    && Path::new(file).extension().is_some_and(|e| e == *ext)
            })
        })
    }
}

/// Whether `name` is a staging file of `of` (`.OF.PID.tmp`) that a killed write left.
fn is_staging_name(name: &str, of: &str) -> bool {
    name.strip_prefix(&format!(".{of}."))
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|pid| pid.parse::<u32>().is_ok())
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A sibling path for staging `path` before the final rename: `.NAME.PID.tmp`.
pub fn staging_path(path: &Path) -> PathBuf {
    path.with_file_name(format!(".{}.{}.tmp", file_name(path), std::process::id()))
}

/// Where [`replace_dir`] puts the folder it replaces until the new one is in place:
/// `.NAME.old.PID.tmp`.
fn aside_path(path: &Path) -> PathBuf {
    path.with_file_name(format!(
        ".{}.old.{}.tmp",
        file_name(path),
        std::process::id()
    ))
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

/// What [`FileWriter`]'s thread is asked to do.
enum WriteJob {
    Write(PathBuf, Vec<u8>),
    Flush(crossbeam_channel::Sender<()>),
}

/// Writes files atomically on a thread of its own, so that the UI never waits on a disk. A
/// path written again before its turn is written once, with the newest bytes; each file is
/// synced before it is renamed into place, so a crash or a power cut keeps the last whole
/// version. Stopped (after writing what is queued) when dropped.
pub struct FileWriter {
    queue: Option<crossbeam_channel::Sender<WriteJob>>,
    errors: crossbeam_channel::Receiver<String>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Default for FileWriter {
    fn default() -> Self {
        Self::spawn()
    }
}

impl FileWriter {
    pub fn spawn() -> Self {
        let (queue, jobs) = crossbeam_channel::unbounded::<WriteJob>();
        let (report, errors) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("file writer".into())
            .spawn(move || {
                while let Ok(first) = jobs.recv() {
                    // What queued up meanwhile: the newest bytes of each path, in order.
                    let mut writes: Vec<(PathBuf, Vec<u8>)> = Vec::new();
                    let mut flushes = Vec::new();
                    for job in std::iter::once(first).chain(jobs.try_iter()) {
                        match job {
                            WriteJob::Write(path, bytes) => {
                                writes.retain(|(p, _)| *p != path);
                                writes.push((path, bytes));
                            }
                            WriteJob::Flush(done) => flushes.push(done),
                        }
                    }
                    for (path, bytes) in writes {
                        if let Err(e) = write_synced(&path, &bytes) {
                            let _ = report.send(format!("{}: {e}", crate::quote::path(&path)));
                        }
                    }
                    for done in flushes {
                        let _ = done.send(());
                    }
                }
            })
            .ok();
        Self {
            queue: Some(queue),
            errors,
            thread,
        }
    }

    /// Queues `bytes` for `path`; an error comes back through [`Self::errors`].
    pub fn write(&self, path: PathBuf, bytes: Vec<u8>) {
        let sent = self
            .queue
            .as_ref()
            .is_some_and(|q| q.send(WriteJob::Write(path.clone(), bytes.clone())).is_ok());
        if !sent || self.thread.is_none() {
            // No thread could be started: write here rather than lose the file.
            if let Err(e) = write_synced(&path, &bytes) {
                tracing::warn!("{}: {e}", crate::quote::path(&path));
            }
        }
    }

    /// Writes that failed since the last call, one line each.
    pub fn errors(&self) -> Vec<String> {
        self.errors.try_iter().collect()
    }

    /// Waits (at most `limit`) until everything queued so far is written; false on timeout.
    pub fn flush(&self, limit: std::time::Duration) -> bool {
        let (done, wait) = crossbeam_channel::bounded(1);
        let Some(queue) = &self.queue else {
            return true;
        };
        queue.send(WriteJob::Flush(done)).is_ok() && wait.recv_timeout(limit).is_ok()
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// [`write_atomic`], with the file synced to disk before the rename.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = staging_path(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// Replaces the folder `target` with the fully written folder `staged` (same parent).
pub fn replace_dir(staged: &Path, target: &Path) -> io::Result<()> {
    let old = aside_path(target);
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

/// Whether `target` may be replaced by a folder of `layout`. It may when it does not exist, is
/// empty, or holds its marker and nothing but what this program writes there; never when it is a file, a symbolic
/// link, holds anything else (the first such entry is named), or when it is, contains or lies
/// in one of `sources` (what the same run reads).
pub fn check_replaceable(target: &Path, layout: &Layout, sources: &[&Path]) -> Result<(), String> {
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
    let Ok(meta) = target.symlink_metadata() else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{} is a symbolic link; name the folder itself",
            target.display()
        ));
    }
    if !meta.is_dir() {
        return Err(format!("{} is a file, not a folder", target.display()));
    }
    // Without its marker a folder is ours only when empty: PNG samples alone could as well
    // be the player's pictures.
    let foreign = layout.foreign_entry(target).or_else(|| {
        let unmarked = !target.join(layout.marker).is_file();
        let first = sorted_entries(target).ok()?.into_iter().next();
        first.filter(|_| unmarked).map(|(_, path)| path)
    });
    match foreign {
        None => Ok(()),
        Some(entry) => Err(format!(
            "{} holds other files ({} is not one Isaac Lens writes); choose an empty or new folder",
            target.display(),
            file_name(&entry)
        )),
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

/// A staging leftover beside a folder: a staged new copy, or the old copy set aside.
#[derive(Debug)]
struct Leftover {
    path: PathBuf,
    aside: bool,
}

/// Leftovers of `target` (`.NAME.PID.tmp`, `.NAME.old.PID.tmp`) whose process is gone.
fn dead_leftovers(target: &Path) -> Vec<Leftover> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = file_name(target);
    if name.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = sorted_entries(parent) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.");
    entries
        .into_iter()
        .filter_map(|(file, path)| {
            let rest = file.strip_prefix(&prefix)?.strip_suffix(".tmp")?;
            let (aside, pid) = match rest.strip_prefix("old.") {
                Some(pid) => (true, pid),
                None => (false, rest),
            };
            let pid = pid.parse::<u32>().ok()?;
            (pid != std::process::id() && !process_alive(pid, &path))
                .then_some(Leftover { path, aside })
        })
        .collect()
}

/// Puts back a folder that a save cut short left missing: a run killed between setting the
/// old folder aside and renaming the new one into place leaves both beside it. The complete
/// new copy (its marker written) wins, else the old one. Returns the copy restored, if any.
pub fn recover_interrupted(target: &Path, layout: &Layout) -> io::Result<Option<PathBuf>> {
    if target.symlink_metadata().is_ok() {
        return Ok(None);
    }
    let complete = |l: &&Leftover| l.path.join(layout.marker).is_file();
    let leftovers = dead_leftovers(target);
    let best = leftovers
        .iter()
        .filter(complete)
        .find(|l| !l.aside)
        .or_else(|| leftovers.iter().filter(complete).find(|l| l.aside));
    let Some(best) = best else {
        return Ok(None);
    };
    std::fs::rename(&best.path, target)?;
    tracing::warn!(
        "{} was missing after an interrupted save; restored it from {}",
        target.display(),
        best.path.display()
    );
    Ok(Some(best.path.clone()))
}

/// Cleans up after runs killed mid-write: first puts a missing `target` back from its
/// leftovers ([`recover_interrupted`]); then, once `target` is there, removes the leftovers
/// of dead runs. While `target` is missing nothing is removed: a leftover may be the only
/// copy. Returns how many were removed.
pub fn remove_stale_staging(target: &Path, layout: &Layout) -> usize {
    if let Err(e) = recover_interrupted(target, layout) {
        tracing::warn!("cannot restore {}: {e}", target.display());
    }
    if target.symlink_metadata().is_err() {
        return 0;
    }
    let mut removed = 0;
    for Leftover { path, .. } in dead_leftovers(target) {
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

    const MODEL: Layout = Layout {
        marker: "manifest.json",
        files: &["model.safetensors"],
        folders: &[],
        file_extensions: &[],
    };
    const CATALOG: Layout = Layout {
        marker: "catalog.json",
        files: &[],
        folders: &[("sprites", "png")],
        file_extensions: &[],
    };

    fn model_in(dir: &Path, weights: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("model.safetensors"), weights).unwrap();
        std::fs::write(dir.join("manifest.json"), "{}").unwrap();
    }

    #[test]
    fn the_file_writer_keeps_the_newest_bytes_and_reports_failures() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("runs/run_1.json");
        let writer = FileWriter::spawn();
        for i in 0..50 {
            writer.write(file.clone(), format!("version {i}").into_bytes());
        }
        assert!(writer.flush(std::time::Duration::from_secs(10)));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "version 49");
        assert!(writer.errors().is_empty());
        // A folder where the file should be: the error names it, the writer goes on.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        writer.write(blocked.clone(), b"x".to_vec());
        writer.write(file.clone(), b"after".to_vec());
        assert!(writer.flush(std::time::Duration::from_secs(10)));
        let errors = writer.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("blocked"), "{errors:?}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "after");
        // Dropping writes what is queued.
        writer.write(file.clone(), b"last".to_vec());
        drop(writer);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "last");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("runs"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");
    }

    #[test]
    fn only_folders_holding_nothing_but_ours_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours");
        model_in(&ours, "w");
        assert_eq!(check_replaceable(&ours, &MODEL, &[]), Ok(()));
        assert_eq!(
            check_replaceable(&dir.path().join("new"), &MODEL, &[]),
            Ok(())
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(check_replaceable(&empty, &MODEL, &[]), Ok(()));

        // A marker among the player's own files does not make the folder ours.
        let theirs = dir.path().join("theirs");
        std::fs::create_dir_all(theirs.join("src")).unwrap();
        std::fs::write(theirs.join("manifest.json"), r#"{"name":"x"}"#).unwrap();
        std::fs::write(theirs.join("README.md"), "p").unwrap();
        let err = check_replaceable(&theirs, &MODEL, &[]).unwrap_err();
        assert!(err.contains("holds other files (README.md "), "{err}");
        // A note kept inside a real model folder, and a folder where a file belongs.
        std::fs::write(ours.join("notes.txt"), "keep").unwrap();
        let err = check_replaceable(&ours, &MODEL, &[]).unwrap_err();
        assert!(err.contains("(notes.txt "), "{err}");

        // A catalog's sprites folder holds sprites only.
        let catalog = dir.path().join("catalog");
        std::fs::create_dir_all(catalog.join("sprites")).unwrap();
        std::fs::write(catalog.join("catalog.json"), "{}").unwrap();
        std::fs::write(catalog.join("sprites/collectible_1.png"), "p").unwrap();
        assert_eq!(check_replaceable(&catalog, &CATALOG, &[]), Ok(()));
        std::fs::write(catalog.join("sprites/todo.txt"), "x").unwrap();
        let err = check_replaceable(&catalog, &CATALOG, &[]).unwrap_err();
        assert!(err.contains("(sprites "), "{err}");

        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(
            check_replaceable(&file, &MODEL, &[])
                .unwrap_err()
                .contains("is a file")
        );
        // A source of the same run, or a folder inside it, is never a target.
        let source = dir.path().join("source");
        model_in(&source, "w");
        assert!(
            check_replaceable(&source, &MODEL, &[&source])
                .unwrap_err()
                .contains("reads from")
        );
        assert!(check_replaceable(&source.join("x"), &MODEL, &[&source]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        model_in(&real, "w");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = check_replaceable(&link, &MODEL, &[]).unwrap_err();
        assert!(err.contains("is a symbolic link"), "{err}");
    }

    #[test]
    fn stale_staging_folders_of_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("default");
        model_in(&target, "current");
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
        assert_eq!(remove_stale_staging(&target, &MODEL), 2);
        assert!(!dead.exists() && !old.exists());
        assert!(live.exists() && other.exists());
    }

    /// The state a crash between `replace_dir`'s two renames leaves: no folder, the old one
    /// set aside, and the new one staged (complete or cut short).
    #[test]
    fn a_save_killed_between_its_renames_is_recovered_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("default");
        let aside = dir.path().join(".default.old.4294967.tmp");
        let staged = dir.path().join(".default.4294966.tmp");

        // New copy incomplete (no marker yet): the old one comes back.
        model_in(&aside, "old");
        std::fs::create_dir_all(&staged).unwrap();
        std::fs::write(staged.join("model.safetensors"), "half").unwrap();
        assert_eq!(remove_stale_staging(&target, &MODEL), 1);
        assert_eq!(
            std::fs::read_to_string(target.join("model.safetensors")).unwrap(),
            "old"
        );
        assert!(!aside.exists() && !staged.exists());

        // New copy complete: it wins, and the old one goes only once the new is in place.
        std::fs::remove_dir_all(&target).unwrap();
        model_in(&aside, "old");
        model_in(&staged, "new");
        assert_eq!(
            recover_interrupted(&target, &MODEL).unwrap(),
            Some(staged.clone())
        );
        assert_eq!(
            std::fs::read_to_string(target.join("model.safetensors")).unwrap(),
            "new"
        );

        // Nothing complete to restore: the leftovers stay, since one may be the only copy.
        std::fs::remove_dir_all(&target).unwrap();
        std::fs::remove_dir_all(&aside).unwrap();
        std::fs::create_dir_all(&aside).unwrap();
        std::fs::write(aside.join("model.safetensors"), "only copy").unwrap();
        assert_eq!(remove_stale_staging(&target, &MODEL), 0);
        assert!(aside.join("model.safetensors").is_file());
        assert!(!target.exists());
    }
}
