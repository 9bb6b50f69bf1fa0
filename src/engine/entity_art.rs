//! Real game art of what is not an item (`shared/isaac/entities`): enemies, bosses, pickups,
//! rocks and pots, characters, shopkeepers and machines, tears and blood, the item altar and
//! the shop's price digits. The renderer draws these instead of hand-drawn stand-ins, so a
//! model learns what the game's own clutter looks like.
//!
//! About a fifth of the names (every instance of a name together: all of Monstro, all of the
//! Basement's rocks) are held out: only validation frames draw them, so a validation on them
//! says how the model does on art it has never seen.

use std::collections::BTreeMap;
use std::path::Path;

use image::RgbaImage;
use serde::Deserialize;

use crate::catalog::price_font::{Glyph, PriceFont};

/// The kinds of thing in the art folder, in the manifest's words.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Enemies,
    Bosses,
    Pickups,
    Grid,
    Characters,
    Npcs,
    Effects,
    Pedestal,
}

impl Category {
    pub const CLUTTER: [Category; 7] = [
        Category::Enemies,
        Category::Bosses,
        Category::Pickups,
        Category::Grid,
        Category::Characters,
        Category::Npcs,
        Category::Effects,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Enemies => "enemies",
            Category::Bosses => "bosses",
            Category::Pickups => "pickups",
            Category::Grid => "grid",
            Category::Characters => "characters",
            Category::Npcs => "npcs",
            Category::Effects => "effects",
            Category::Pedestal => "pedestal",
        }
    }
}

/// One sprite of the art folder.
#[derive(Debug)]
pub struct ArtSprite {
    pub image: RgbaImage,
    pub category: Category,
    pub name: String,
}

#[derive(Deserialize)]
struct ManifestRow {
    file: String,
    category: Category,
    name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ArtError {
    #[error("{}: {}", crate::quote::path(path), crate::quote::message(message))]
    File {
        path: std::path::PathBuf,
        message: String,
    },
}

impl ArtError {
    fn file(path: &Path, message: impl ToString) -> Self {
        Self::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// Largest sprite side accepted: the folder's biggest (an explosion) is 384 game pixels.
const MAX_SIDE: u32 = 512;

/// Sprites by category, each list in the manifest's order.
type Pool = BTreeMap<Category, Vec<ArtSprite>>;

/// The art folder, split into what training draws and what only validation draws.
pub struct EntityArt {
    train: Pool,
    held_out: Pool,
    /// The item altar and the other stands items sit on.
    altars: Vec<RgbaImage>,
    /// The plain ones among them (at most 32 wide): the stone altar most items stand on.
    small_altars: Vec<RgbaImage>,
    /// The shop price font's glyphs, gathered as the manifest is read.
    digits: Vec<(Glyph, RgbaImage)>,
    price_font: PriceFont,
}

/// Widest altar that counts as a plain one.
const SMALL_ALTAR: u32 = 32;

/// Whether the thing called `name` is held out: a fixed fifth of the names, by a hash that
/// does not change between runs or machines.
pub fn held_out(name: &str) -> bool {
    // FNV-1a.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(5)
}

impl EntityArt {
    /// Reads `dir/manifest.json` and every file it names.
    pub fn load(dir: &Path) -> Result<Self, ArtError> {
        let manifest = dir.join("manifest.json");
        let text = std::fs::read_to_string(&manifest).map_err(|e| ArtError::file(&manifest, e))?;
        let rows: Vec<ManifestRow> =
            serde_json::from_str(&text).map_err(|e| ArtError::file(&manifest, e))?;
        let mut art = Self {
            train: Pool::new(),
            held_out: Pool::new(),
            altars: Vec::new(),
            small_altars: Vec::new(),
            digits: Vec::new(),
            price_font: PriceFont::default(),
        };
        for row in rows {
            let path = dir.join(&row.file);
            // The manifest names files inside the folder only.
            if Path::new(&row.file).is_absolute() || row.file.split(['/', '\\']).any(|p| p == "..")
            {
                return Err(ArtError::file(&path, "is outside the art folder"));
            }
            let image = crate::imageio::open(&path)
                .map_err(|e| ArtError::file(&path, e))?
                .to_rgba8();
            if image.width() == 0
                || image.height() == 0
                || image.width() > MAX_SIDE
                || image.height() > MAX_SIDE
            {
                return Err(ArtError::file(
                    &path,
                    format!(
                        "is {}x{}; art sprites are 1 to {MAX_SIDE} pixels a side",
                        image.width(),
                        image.height()
                    ),
                ));
            }
            art.add(row, image);
        }
        if art.train.is_empty() || art.held_out.is_empty() {
            return Err(ArtError::file(
                &manifest,
                "names no sprites to train on or none to hold out",
            ));
        }
        art.price_font = PriceFont::from_glyphs(std::mem::take(&mut art.digits));
        art.small_altars = art
            .altars
            .iter()
            .filter(|a| a.width() <= SMALL_ALTAR)
            .cloned()
            .collect();
        Ok(art)
    }

    fn add(&mut self, row: ManifestRow, image: RgbaImage) {
        if row.category == Category::Pedestal {
            // The blind item's "?" sprites there are a mod's unverified copies: not drawn.
            if row.name.contains("itemaltar") {
                self.altars.push(image);
            } else if let Some(glyph) = row
                .name
                .contains("price_digits")
                .then(|| Glyph::of_sheet_file(&row.file))
                .flatten()
            {
                self.digits.push((glyph, image));
            }
            return;
        }
        let sprite = ArtSprite {
            image,
            category: row.category,
            name: row.name,
        };
        let pool = if held_out(&sprite.name) {
            &mut self.held_out
        } else {
            &mut self.train
        };
        pool.entry(sprite.category).or_default().push(sprite);
    }

    /// The sprites of `category` that training draws (`held_out` false) or that only
    /// validation draws, in the manifest's order.
    pub fn of(&self, held_out: bool, category: Category) -> &[ArtSprite] {
        let pool = if held_out {
            &self.held_out
        } else {
            &self.train
        };
        pool.get(&category).map_or(&[], Vec::as_slice)
    }

    /// Every altar, and the plain ones.
    pub fn altars(&self) -> (&[RgbaImage], &[RgbaImage]) {
        (&self.altars, &self.small_altars)
    }

    /// The shop's price font (empty when the folder has none).
    pub fn price_font(&self) -> &PriceFont {
        &self.price_font
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifth_of_names_are_held_out_the_same_way_each_time() {
        let names: Vec<String> = (0..1000).map(|i| format!("thing_{i}")).collect();
        let out = names.iter().filter(|n| held_out(n)).count();
        assert!((150..250).contains(&out), "{out}");
        assert_eq!(held_out("monstro"), held_out("monstro"));
    }

    fn write_png(path: &Path, w: u32, h: u32) {
        RgbaImage::from_pixel(w, h, image::Rgba([200, 50, 50, 255]))
            .save(path)
            .unwrap();
    }

    #[test]
    fn a_manifest_row_naming_a_missing_or_outside_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("a.png"), 10, 10);
        let rows = |file: &str| {
            format!(
                r#"[{{"file":"a.png","category":"enemies","name":"a"}},
                    {{"file":"{file}","category":"grid","name":"b"}}]"#
            )
        };
        std::fs::write(dir.path().join("manifest.json"), rows("missing.png")).unwrap();
        let e = EntityArt::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("missing.png"), "{e}");
        std::fs::write(dir.path().join("manifest.json"), rows("../a.png")).unwrap();
        let e = EntityArt::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("outside"), "{e}");
    }
}
