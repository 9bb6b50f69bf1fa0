//! Reading sprites out of the real art folder (`shared/isaac/entities`): its `manifest.json`
//! rows by name, and small PNGs checked for size. The price font and the altars share it.

use std::path::{Path, PathBuf};

use image::RgbaImage;
use serde::Deserialize;

use super::{CatalogError, Result};

#[derive(Deserialize)]
struct ManifestRow {
    file: String,
    name: String,
}

/// The files (as the manifest names them, and their paths) of the rows named `name`, in the
/// manifest's order. A row naming a file outside the folder is an error naming it.
pub(super) fn files_named(dir: &Path, name: &str) -> Result<Vec<(String, PathBuf)>> {
    files_where(dir, |n| n == name)
}

/// [`files_named`] for the rows whose name `wanted` accepts.
pub(super) fn files_where(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, PathBuf)>> {
    let manifest = dir.join("manifest.json");
    let bytes = std::fs::read(&manifest).map_err(|e| CatalogError::file(&manifest, e))?;
    let rows: Vec<ManifestRow> = serde_json::from_slice(&bytes)
        .map_err(|e| CatalogError::file(&manifest, format!("not an art manifest: {e}")))?;
    rows.into_iter()
        .filter(|r| wanted(&r.name))
        .map(|row| {
            let path = dir.join(&row.file);
            if Path::new(&row.file).is_absolute() || row.file.split(['/', '\\']).any(|p| p == "..")
            {
                return Err(CatalogError::file(&path, "is outside the art folder"));
            }
            Ok((row.file, path))
        })
        .collect()
}

/// The picture at `path`, 1 to `max_side` pixels a side (`what` names it in the error).
pub(super) fn read_sprite(path: &Path, max_side: u32, what: &str) -> Result<RgbaImage> {
    let image = crate::imageio::open(path)
        .map_err(|e| CatalogError::file(path, e))?
        .to_rgba8();
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 || w > max_side || h > max_side {
        return Err(CatalogError::file(
            path,
            format!("is {w}x{h}; {what} are 1 to {max_side} pixels a side"),
        ));
    }
    Ok(image)
}
