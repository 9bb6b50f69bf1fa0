//! The model that ships with the program: `models/default` in the repository, built into the
//! binary, so a player's first lookup works before any training, on any CPU. It is written
//! once into the data folder (`models/shipped`) because libtorch loads weights from a file.

use std::io;
use std::path::{Path, PathBuf};

use crate::engine::checkpoint::{LAYOUT, MANIFEST_FILE, WEIGHTS_FILE};

#[cfg(shipped_model)]
const SHIPPED: Option<(&[u8], &[u8])> = Some((
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/default/manifest.json"
    )),
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/default/model.safetensors"
    )),
));
#[cfg(not(shipped_model))]
const SHIPPED: Option<(&[u8], &[u8])> = None;

/// Whether this build carries a model.
pub fn is_built_in() -> bool {
    SHIPPED.is_some()
}

/// The shipped model's folder in `models_dir`, written (or refreshed, when this build ships
/// another one) on first use. None when the build carries no model. A `shipped` folder that
/// holds something other than a checkpoint is left alone. Where `models_dir` cannot take it
/// (a read-only data folder, such a `shipped` folder), the model is written to a folder of
/// its own in the system's temporary folder instead, with a warning.
pub fn shipped_model_dir(models_dir: &Path) -> io::Result<Option<PathBuf>> {
    let Some((manifest, weights)) = SHIPPED else {
        return Ok(None);
    };
    let dir = models_dir.join("shipped");
    match write_out(&dir, models_dir, manifest, weights) {
        Ok(()) => Ok(Some(dir)),
        Err(e) => {
            // Named by the model's size so that two builds never share the folder.
            let temp = std::env::temp_dir();
            let fallback = temp.join(format!("isaac-lens-shipped-{}", weights.len()));
            write_out(&fallback, &temp, manifest, weights)?;
            tracing::warn!(
                "the shipped model cannot be written to {} ({e}); it is read from {}",
                dir.display(),
                fallback.display()
            );
            Ok(Some(fallback))
        }
    }
}

/// Writes the built-in model to `dir` (inside `parent`) unless it is there already.
fn write_out(dir: &Path, parent: &Path, manifest: &[u8], weights: &[u8]) -> io::Result<()> {
    let same = |name: &str, bytes: &[u8]| {
        std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() == bytes.len() as u64)
            && std::fs::read(dir.join(name)).is_ok_and(|b| b == bytes)
    };
    if same(MANIFEST_FILE, manifest) && same(WEIGHTS_FILE, weights) {
        return Ok(());
    }
    std::fs::create_dir_all(parent)?;
    crate::fsutil::remove_stale_staging(dir, &LAYOUT);
    if let Err(why) = crate::fsutil::check_replaceable(dir, &LAYOUT, &[]) {
        return Err(io::Error::other(format!(
            "{why}; move it away to use the shipped model"
        )));
    }
    let staged = crate::fsutil::staging_path(dir);
    let _ = std::fs::remove_dir_all(&staged);
    let written = (|| {
        std::fs::create_dir_all(&staged)?;
        std::fs::write(staged.join(WEIGHTS_FILE), weights)?;
        crate::fsutil::write_atomic(&staged.join(MANIFEST_FILE), manifest)?;
        crate::fsutil::replace_dir(&staged, dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    written
}

/// The model a command or the app uses: `named` when given, else [`model_to_use`].
pub fn chosen_or_default(named: Option<&Path>, models_dir: &Path) -> io::Result<PathBuf> {
    match named {
        Some(dir) => Ok(dir.to_path_buf()),
        None => model_to_use(models_dir),
    }
}

/// The model to use when none is named: the player's own `default` model in `models_dir`,
/// else the shipped one; the player's own path (even if missing) when neither exists, so
/// the error names it.
pub fn model_to_use(models_dir: &Path) -> io::Result<PathBuf> {
    let own = models_dir.join("default");
    // A read-only data folder cannot be mended; the shipped model still serves.
    if let Err(e) = crate::fsutil::recover_interrupted(&own, &LAYOUT) {
        tracing::warn!("cannot restore {}: {e}", own.display());
    }
    if own.join(MANIFEST_FILE).is_file() {
        return Ok(own);
    }
    Ok(shipped_model_dir(models_dir)?.unwrap_or(own))
}
