//! The stands an item floats over outside shops: the stone altar, and the chests and other
//! stands of the same sprite sheet. Imported from the real art folder
//! (`shared/isaac/entities`, its `levelitem_001_itemaltar` sprites) into the catalog's
//! `altars/`, so a scan can tell an item on its altar from a thing that only looks like one.
//! With them, the marks a hidden item shows under the Curse of the Blind (the art folder's
//! `questionmark_blind_item` sprites, unverified copies of the game's "?"), so a scan reports
//! such an item as hidden instead of guessing.

use std::path::Path;

use image::RgbaImage;

use super::{CatalogError, Result};

/// The catalog's folder of altar sprites.
pub const ALTAR_DIR: &str = "altars";

/// Largest altar side accepted (the sheet's biggest stand is 47 wide).
const MAX_ALTAR_SIDE: u32 = 96;

/// Most altars kept: the sheet has ten.
const MAX_ALTARS: usize = 32;

/// Manifest rows whose name starts so are a hidden item's marks.
const BLIND_MARK_ROWS: &str = "questionmark_blind_item";

/// The altar sprites, in the sheet's order, and a hidden item's marks.
#[derive(Clone, Debug, Default)]
pub struct Altars {
    sprites: Vec<RgbaImage>,
    blind_marks: Vec<RgbaImage>,
}

impl Altars {
    pub fn new(sprites: Vec<RgbaImage>) -> Self {
        Self {
            sprites,
            blind_marks: Vec::new(),
        }
    }

    /// The altars with the marks a hidden item shows (Curse of the Blind).
    pub fn with_blind_marks(mut self, marks: Vec<RgbaImage>) -> Self {
        self.blind_marks = marks;
        self
    }

    /// The altars of a real art folder (`manifest.json` rows named
    /// `levelitem_001_itemaltar`); None when it has none. A bad row or file is an error
    /// naming it.
    pub fn read_art_dir(dir: &Path) -> Result<Option<Self>> {
        let read = |rows: Vec<(String, std::path::PathBuf)>| {
            rows.iter()
                .take(MAX_ALTARS)
                .map(|(_, path)| read_altar(path))
                .collect::<Result<Vec<_>>>()
        };
        let sprites = read(super::art_folder::files_where(dir, |name| {
            name == "levelitem_001_itemaltar"
        })?)?;
        let marks = read(super::art_folder::files_where(dir, |name| {
            name.starts_with(BLIND_MARK_ROWS)
        })?)?;
        Ok((!sprites.is_empty()).then(|| Self::new(sprites).with_blind_marks(marks)))
    }

    /// The altars in catalog folder `dir` (`altars/altar_N.png`); None when it has none.
    pub fn load(dir: &Path) -> Result<Option<Self>> {
        let folder = dir.join(ALTAR_DIR);
        let numbered = |prefix: &str| {
            let mut sprites = Vec::new();
            for n in 0..MAX_ALTARS {
                let path = folder.join(file_name(prefix, n));
                if !path.is_file() {
                    break;
                }
                sprites.push(read_altar(&path)?);
            }
            Ok::<_, CatalogError>(sprites)
        };
        let sprites = numbered("altar")?;
        let marks = numbered("blind")?;
        Ok((!sprites.is_empty()).then(|| Self::new(sprites).with_blind_marks(marks)))
    }

    /// Writes the altars into catalog folder `dir` (`altars/`).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let folder = dir.join(ALTAR_DIR);
        std::fs::create_dir_all(&folder).map_err(|e| CatalogError::file(&folder, e))?;
        let altars = self.sprites.iter().enumerate();
        let marks = self.blind_marks.iter().enumerate();
        let files = altars
            .map(|(n, s)| (file_name("altar", n), s))
            .chain(marks.map(|(n, s)| (file_name("blind", n), s)));
        for (name, sprite) in files {
            let path = folder.join(name);
            sprite
                .save(&path)
                .map_err(|e| CatalogError::file(&path, e))?;
        }
        Ok(())
    }

    pub fn sprites(&self) -> &[RgbaImage] {
        &self.sprites
    }

    /// What a hidden item shows instead of its sprite (Curse of the Blind); empty when the
    /// art folder had none.
    pub fn blind_marks(&self) -> &[RgbaImage] {
        &self.blind_marks
    }

    pub fn len(&self) -> usize {
        self.sprites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sprites.is_empty()
    }
}

fn file_name(prefix: &str, n: usize) -> String {
    format!("{prefix}_{n}.png")
}

fn read_altar(path: &Path) -> Result<RgbaImage> {
    super::art_folder::read_sprite(path, MAX_ALTAR_SIDE, "altars")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stand(w: u32, h: u32, grey: u8) -> RgbaImage {
        RgbaImage::from_pixel(w, h, image::Rgba([grey, grey, grey, 255]))
    }

    #[test]
    fn an_art_folder_gives_its_altars_which_reload_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pedestal")).unwrap();
        stand(28, 21, 90)
            .save(dir.path().join("pedestal/levelitem_001_itemaltar_3.png"))
            .unwrap();
        stand(42, 36, 150)
            .save(dir.path().join("pedestal/levelitem_001_itemaltar_0.png"))
            .unwrap();
        stand(18, 22, 200)
            .save(dir.path().join("pedestal/questionmark_red_0.png"))
            .unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"[{"file": "pedestal/levelitem_001_itemaltar_3.png", "name": "levelitem_001_itemaltar"},
                {"file": "pedestal/price_digits_bitfont_3.png", "name": "price_digits_bitfont"},
                {"file": "pedestal/questionmark_red_0.png", "name": "questionmark_blind_item_doubtful_red"},
                {"file": "pedestal/levelitem_001_itemaltar_0.png", "name": "levelitem_001_itemaltar"}]"#,
        )
        .unwrap();
        let altars = Altars::read_art_dir(dir.path()).unwrap().unwrap();
        assert_eq!(altars.len(), 2);
        assert_eq!(altars.sprites()[0].dimensions(), (28, 21));
        assert_eq!(altars.blind_marks().len(), 1);
        assert_eq!(altars.blind_marks()[0].dimensions(), (18, 22));
        let catalog = tempfile::tempdir().unwrap();
        altars.save(catalog.path()).unwrap();
        let back = Altars::load(catalog.path()).unwrap().unwrap();
        assert_eq!(back.sprites(), altars.sprites());
        assert_eq!(back.blind_marks(), altars.blind_marks());
        assert!(
            Altars::load(&catalog.path().join("none"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_bad_row_or_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"[{"file": "../altar.png", "name": "levelitem_001_itemaltar"}]"#,
        )
        .unwrap();
        let error = Altars::read_art_dir(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("altar.png") && error.contains("outside"),
            "{error}"
        );
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"[{"file": "big.png", "name": "levelitem_001_itemaltar"}]"#,
        )
        .unwrap();
        stand(200, 20, 90).save(dir.path().join("big.png")).unwrap();
        let error = Altars::read_art_dir(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("big.png") && error.contains("200x20"),
            "{error}"
        );
        std::fs::write(dir.path().join("manifest.json"), "[]").unwrap();
        assert!(Altars::read_art_dir(dir.path()).unwrap().is_none());
    }
}
