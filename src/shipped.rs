//! The model that ships with the program: `models/default` in the repository, built into the
//! binary, so a player's first lookup works before any training, on any CPU. It is written
//! once into the data folder (`models/shipped`) because libtorch loads weights from a file.

use std::io;
use std::path::{Path, PathBuf};

use crate::engine::checkpoint::{MANIFEST_FILE, WEIGHTS_FILE};

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
/// holds something other than a checkpoint is left alone and reported.
pub fn shipped_model_dir(models_dir: &Path) -> io::Result<Option<PathBuf>> {
    let Some((manifest, weights)) = SHIPPED else {
        return Ok(None);
    };
    let dir = models_dir.join("shipped");
    let same = |name: &str, bytes: &[u8]| {
        std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() == bytes.len() as u64)
            && std::fs::read(dir.join(name)).is_ok_and(|b| b == bytes)
    };
    if same(MANIFEST_FILE, manifest) && same(WEIGHTS_FILE, weights) {
        return Ok(Some(dir));
    }
    if dir.exists() && !dir.join(MANIFEST_FILE).is_file() {
        return Err(io::Error::other(format!(
            "{} exists and is not a model folder; move it away to use the shipped model",
            dir.display()
        )));
    }
    std::fs::create_dir_all(models_dir)?;
    let staged = crate::fsutil::staging_path(&dir);
    let _ = std::fs::remove_dir_all(&staged);
    let written = (|| {
        std::fs::create_dir_all(&staged)?;
        std::fs::write(staged.join(WEIGHTS_FILE), weights)?;
        std::fs::write(staged.join(MANIFEST_FILE), manifest)?;
        crate::fsutil::replace_dir(&staged, &dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    written.map(|()| Some(dir))
}

/// The model to use when none is named: the player's own `default` model in `models_dir`,
/// else the shipped one; the player's own path (even if missing) when neither exists, so
/// the error names it.
pub fn model_to_use(models_dir: &Path) -> io::Result<PathBuf> {
    let own = models_dir.join("default");
    if own.join(MANIFEST_FILE).is_file() {
        return Ok(own);
    }
    Ok(shipped_model_dir(models_dir)?.unwrap_or(own))
}
