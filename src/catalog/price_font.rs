//! The shop's price font: the digits, the cent sign and the heart prices of devil deals that
//! the game draws under items for sale. Imported from the real art folder
//! (`shared/isaac/entities`, its `price_digits_bitfont` sprites) into the catalog's
//! `price-font/`, so a scan can read prices and the renderer can draw them.

use std::path::Path;

use image::RgbaImage;
use serde::{Deserialize, Serialize};

use super::{CatalogError, Result};

/// The catalog's folder of price glyphs.
pub const PRICE_FONT_DIR: &str = "price-font";

/// Largest glyph side accepted (the font's biggest, three soul hearts, is 27).
const MAX_GLYPH_SIDE: u32 = 64;

/// What a price reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Price {
    /// A shop's price in cents (coins).
    Cents(u32),
    /// A devil deal: red heart containers.
    Hearts(u8),
    /// A devil deal paid in soul hearts.
    SoulHearts(u8),
}

impl Price {
    /// Whether an item could cost this: a shop asks 3¢ or 5¢ for a pickup (2¢ or 3¢ on
    /// sale), and at least 7¢ (15¢ on sale) for an item; devil deals are paid in hearts.
    pub fn asked_for_an_item(&self) -> bool {
        match *self {
            Price::Cents(cents) => cents > 5,
            Price::Hearts(_) | Price::SoulHearts(_) => true,
        }
    }
}

/// The glyphs a price is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Glyph {
    Digit(u8),
    Cent,
    Heart,
    TwoHearts,
    ThreeSoulHearts,
}

impl Glyph {
    /// Its file in the catalog's `price-font/`.
    fn file_name(self) -> String {
        match self {
            Glyph::Digit(d) => format!("{d}.png"),
            Glyph::Cent => "cent.png".into(),
            Glyph::Heart => "heart.png".into(),
            Glyph::TwoHearts => "two-hearts.png".into(),
            Glyph::ThreeSoulHearts => "three-soul-hearts.png".into(),
        }
    }

    fn all() -> impl Iterator<Item = Glyph> {
        (0..10).map(Glyph::Digit).chain([
            Glyph::Cent,
            Glyph::Heart,
            Glyph::TwoHearts,
            Glyph::ThreeSoulHearts,
        ])
    }

    /// The glyph of a font-sheet file (`price_digits_bitfont_N.png`): the sheet's cells in
    /// order are three soul hearts, 0, 2-9, the cent and dollar signs, a red heart and two
    /// red hearts (the sheet has no 1).
    pub fn of_sheet_file(file: &str) -> Option<Glyph> {
        let stem = Path::new(file).file_stem()?.to_str()?;
        let index: u32 = stem.strip_prefix("price_digits_bitfont_")?.parse().ok()?;
        match index {
            0 => Some(Glyph::ThreeSoulHearts),
            1 => Some(Glyph::Digit(0)),
            2..=9 => Some(Glyph::Digit(index as u8)),
            10 => Some(Glyph::Cent),
            12 => Some(Glyph::Heart),
            13 => Some(Glyph::TwoHearts),
            _ => None,
        }
    }
}

/// The price font's glyphs.
#[derive(Clone, Debug, Default)]
pub struct PriceFont {
    glyphs: Vec<(Glyph, RgbaImage)>,
    /// The 1 was made in the font's style (the sheet has none): not written out.
    made_one: bool,
}

impl PriceFont {
    /// A font of `glyphs`; without a 1, one in the style of its 0.
    pub fn from_glyphs(mut glyphs: Vec<(Glyph, RgbaImage)>) -> Self {
        glyphs.sort_by_key(|(g, _)| *g);
        glyphs.dedup_by_key(|(g, _)| *g);
        let mut font = Self {
            glyphs,
            made_one: false,
        };
        if font.glyph(Glyph::Digit(1)).is_none()
            && let Some(zero) = font.glyph(Glyph::Digit(0))
        {
            let one = one_like(zero);
            font.glyphs.push((Glyph::Digit(1), one));
            font.glyphs.sort_by_key(|(g, _)| *g);
            font.made_one = true;
        }
        font
    }

    /// The price font of a real art folder (`manifest.json` rows named
    /// `price_digits_bitfont`); None when it has none. A row naming a file outside the
    /// folder, or a file that cannot be read, is an error naming it.
    pub fn read_art_dir(dir: &Path) -> Result<Option<Self>> {
        let mut glyphs = Vec::new();
        for (file, path) in super::art_folder::files_named(dir, "price_digits_bitfont")? {
            if let Some(glyph) = Glyph::of_sheet_file(&file) {
                glyphs.push((glyph, read_glyph(&path)?));
            }
        }
        Ok((!glyphs.is_empty()).then(|| Self::from_glyphs(glyphs)))
    }

    /// The font in catalog folder `dir` (`price-font/`); None when it has none.
    pub fn load(dir: &Path) -> Result<Option<Self>> {
        let folder = dir.join(PRICE_FONT_DIR);
        if !folder.is_dir() {
            return Ok(None);
        }
        let mut glyphs = Vec::new();
        for glyph in Glyph::all() {
            let path = folder.join(glyph.file_name());
            if path.is_file() {
                glyphs.push((glyph, read_glyph(&path)?));
            }
        }
        Ok((!glyphs.is_empty()).then(|| Self::from_glyphs(glyphs)))
    }

    /// Writes the font's glyphs into catalog folder `dir` (`price-font/`).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let folder = dir.join(PRICE_FONT_DIR);
        std::fs::create_dir_all(&folder).map_err(|e| CatalogError::file(&folder, e))?;
        for (glyph, image) in &self.glyphs {
            if self.made_one && *glyph == Glyph::Digit(1) {
                continue;
            }
            let path = folder.join(glyph.file_name());
            image
                .save(&path)
                .map_err(|e| CatalogError::file(&path, e))?;
        }
        Ok(())
    }

    /// The sprite of `glyph`, if the font has it.
    pub fn glyph(&self, glyph: Glyph) -> Option<&RgbaImage> {
        self.glyphs
            .iter()
            .find(|(g, _)| *g == glyph)
            .map(|(_, i)| i)
    }

    pub fn glyphs(&self) -> &[(Glyph, RgbaImage)] {
        &self.glyphs
    }

    /// How many glyphs the font holds, a made 1 not counted.
    pub fn len(&self) -> usize {
        self.glyphs.len() - usize::from(self.made_one)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn read_glyph(path: &Path) -> Result<RgbaImage> {
    super::art_folder::read_sprite(path, MAX_GLYPH_SIDE, "price glyphs")
}

/// A "1" in the style of the font's "0": its colour and height, a stem and a flag.
pub fn one_like(zero: &RgbaImage) -> RgbaImage {
    let h = zero.height();
    let ink = zero
        .pixels()
        .filter(|p| p[3] > 128)
        .max_by_key(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]))
        .copied()
        .unwrap_or(image::Rgba([255, 255, 255, 255]));
    let w = (zero.width() / 2).max(4);
    let stem = w - 3..w - 1;
    RgbaImage::from_fn(w, h, |x, y| {
        let flag = y < 3 && x + y + 1 >= w - 3 && x < w - 1;
        let foot = y + 2 >= h && x >= 1;
        if stem.contains(&x) || flag || foot {
            ink
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_files_map_to_their_glyphs() {
        let of = Glyph::of_sheet_file;
        assert_eq!(
            of("pedestal/price_digits_bitfont_0.png"),
            Some(Glyph::ThreeSoulHearts)
        );
        assert_eq!(
            of("pedestal/price_digits_bitfont_1.png"),
            Some(Glyph::Digit(0))
        );
        assert_eq!(
            of("pedestal/price_digits_bitfont_5.png"),
            Some(Glyph::Digit(5))
        );
        assert_eq!(
            of("pedestal/price_digits_bitfont_10.png"),
            Some(Glyph::Cent)
        );
        assert_eq!(
            of("pedestal/price_digits_bitfont_13.png"),
            Some(Glyph::TwoHearts)
        );
        assert_eq!(of("pedestal/price_digits_bitfont_11.png"), None);
        assert_eq!(of("pedestal/price_digits_bitfont_x.png"), None);
        assert_eq!(of("pedestal/itemaltar_1.png"), None);
    }

    #[test]
    fn pickup_prices_are_not_an_items() {
        assert!(!Price::Cents(3).asked_for_an_item());
        assert!(!Price::Cents(5).asked_for_an_item());
        assert!(Price::Cents(7).asked_for_an_item());
        assert!(Price::Cents(15).asked_for_an_item());
        assert!(Price::Hearts(1).asked_for_an_item());
        assert!(Price::SoulHearts(3).asked_for_an_item());
    }

    fn square(side: u32) -> RgbaImage {
        RgbaImage::from_pixel(side, side + 2, image::Rgba([255, 255, 255, 255]))
    }

    #[test]
    fn a_font_without_a_one_gets_one_that_is_not_written_out() {
        let font =
            PriceFont::from_glyphs(vec![(Glyph::Digit(0), square(8)), (Glyph::Cent, square(5))]);
        let one = font.glyph(Glyph::Digit(1)).unwrap();
        assert_eq!(one.height(), 10);
        assert!(one.width() < 8);
        assert_eq!(font.len(), 2);
        let dir = tempfile::tempdir().unwrap();
        font.save(dir.path()).unwrap();
        let mut files: Vec<String> = std::fs::read_dir(dir.path().join(PRICE_FONT_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["0.png", "cent.png"]);
        let back = PriceFont::load(dir.path()).unwrap().unwrap();
        assert_eq!(back.glyph(Glyph::Cent).unwrap().dimensions(), (5, 7));
        assert_eq!(back.glyph(Glyph::Digit(1)), Some(one));
        assert!(PriceFont::load(&dir.path().join("none")).unwrap().is_none());
    }

    #[test]
    fn an_art_folder_gives_its_price_glyphs_and_a_bad_row_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pedestal")).unwrap();
        square(6)
            .save(dir.path().join("pedestal/price_digits_bitfont_3.png"))
            .unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"[{"file": "pedestal/price_digits_bitfont_3.png", "name": "price_digits_bitfont", "category": "pedestal"},
                {"file": "enemies/gaper.png", "name": "gaper", "category": "enemies"}]"#,
        )
        .unwrap();
        let font = PriceFont::read_art_dir(dir.path()).unwrap().unwrap();
        assert_eq!(font.len(), 1);
        assert!(font.glyph(Glyph::Digit(3)).is_some());
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"[{"file": "pedestal/price_digits_bitfont_4.png", "name": "price_digits_bitfont"}]"#,
        )
        .unwrap();
        let error = PriceFont::read_art_dir(dir.path()).unwrap_err().to_string();
        assert!(error.contains("price_digits_bitfont_4.png"), "{error}");
        std::fs::write(dir.path().join("manifest.json"), "[]").unwrap();
        assert!(PriceFont::read_art_dir(dir.path()).unwrap().is_none());
    }

    #[test]
    fn a_one_in_the_fonts_style_is_as_tall_as_its_zero_and_in_its_ink() {
        let zero = RgbaImage::from_fn(10, 13, |x, _| {
            if x == 0 || x == 9 {
                image::Rgba([250, 250, 240, 255])
            } else {
                image::Rgba([0, 0, 0, 0])
            }
        });
        let one = one_like(&zero);
        assert_eq!(one.height(), 13);
        assert_eq!(one.width(), 5);
        // The stem runs from top to bottom in the zero's ink.
        for y in 0..13 {
            assert_eq!(one.get_pixel(3, y), &image::Rgba([250, 250, 240, 255]));
        }
        assert_eq!(one.get_pixel(0, 5)[3], 0);
    }
}
