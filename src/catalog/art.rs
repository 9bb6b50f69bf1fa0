//! Older official art of items (`shared/isaac/art-versions`): the sprites Rebirth, Afterbirth
//! and Afterbirth+ drew where they differ from the catalog's (Repentance) one. Players of
//! those versions (still sold on Switch) see this art; each is another look of the same item.
//!
//! Layout: `manifest.json` (a list of `{file, kind, id, version, ...}`) and the PNG files it
//! names, 32x32 RGBA in native game pixels.

use std::path::Path;

use image::RgbaImage;
use serde::Deserialize;

use super::{CatalogError, ItemKey, ItemKind, Result, SPRITE_SIZE};

/// One older sprite of an item.
#[derive(Clone, Debug)]
pub struct OlderArt {
    pub key: ItemKey,
    /// The game version that drew it ("rebirth", "afterbirth", "abplus").
    pub version: String,
    pub sprite: RgbaImage,
}

#[derive(Deserialize)]
struct Row {
    file: String,
    kind: String,
    id: u32,
    version: String,
}

/// Versions a sprite may be labelled with: letters, digits, `+`, `-` and `_`, short.
fn version_ok(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 24
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_'))
}

/// Every older sprite under `dir`; rows that cannot be used (an unknown kind, a file that is
/// missing or not a 32x32 image, a name outside the folder) are named in the second list and
/// the rest still read.
pub fn read_dir(dir: &Path) -> Result<(Vec<OlderArt>, Vec<String>)> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|e| CatalogError::file(&path, e))?;
    let rows: Vec<Row> = serde_json::from_slice(&bytes)
        .map_err(|e| CatalogError::file(&path, format!("not an art manifest: {e}")))?;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        match read_row(dir, &row) {
            Ok(art) => out.push(art),
            Err(why) => skipped.push(format!(
                "{} row {}: {}",
                crate::quote::path(&path),
                i + 1,
                crate::quote::one_line(&why)
            )),
        }
    }
    Ok((out, skipped))
}

fn read_row(dir: &Path, row: &Row) -> std::result::Result<OlderArt, String> {
    let kind: ItemKind = row.kind.parse().map_err(|e| format!("{e}"))?;
    if !version_ok(&row.version) {
        return Err(format!("version {:?} is not a version name", row.version));
    }
    // A plain file name in the folder: no paths that leave it.
    let plain = Path::new(&row.file)
        .file_name()
        .is_some_and(|n| n == row.file.as_str());
    if !plain {
        return Err(format!("{:?} is not a file name in the folder", row.file));
    }
    let sprite = crate::imageio::open(&dir.join(&row.file))
        .map_err(|e| format!("{}: {e}", row.file))?
        .to_rgba8();
    if sprite.dimensions() != (SPRITE_SIZE, SPRITE_SIZE) {
        return Err(format!(
            "{} is {}x{}, not a {SPRITE_SIZE}x{SPRITE_SIZE} sprite",
            row.file,
            sprite.width(),
            sprite.height()
        ));
    }
    Ok(OlderArt {
        key: ItemKey::new(kind, row.id),
        version: row.version.clone(),
        sprite,
    })
}
