//! The item catalog: every collectible and trinket with names, descriptions, quality and sprite.
//!
//! A catalog is a folder holding `catalog.json` and one 32x32 RGBA PNG per item under `sprites/`.

pub mod altars;
pub mod art;
mod art_folder;
pub mod eid;
pub mod game;
pub mod huiji;
pub mod import;
pub mod lua;
pub mod price_font;
pub mod text;
pub mod transformations;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use altars::Altars;
pub use price_font::PriceFont;
pub use transformations::Transformation;

/// Bumped whenever `catalog.json` changes shape; newer catalogs are refused.
pub const SCHEMA_VERSION: u32 = 1;
pub const CATALOG_FILE: &str = "catalog.json";
pub const SPRITE_DIR: &str = "sprites";

/// What a catalog folder holds; nothing else in it is ours to replace.
pub const LAYOUT: crate::fsutil::Layout = crate::fsutil::Layout {
    marker: CATALOG_FILE,
    files: &[],
    folders: &[
        (SPRITE_DIR, "png"),
        (price_font::PRICE_FONT_DIR, "png"),
        (altars::ALTAR_DIR, "png"),
    ],
    file_extensions: &[],
};
/// Item sprites are 32x32 pixel art in the game.
pub const SPRITE_SIZE: u32 = 32;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{}: {}", crate::quote::path(path), crate::quote::message(message))]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl CatalogError {
    pub fn file(path: impl Into<PathBuf>, message: impl fmt::Display) -> Self {
        Self::File {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Collectible,
    Trinket,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collectible => "collectible",
            Self::Trinket => "trinket",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ItemKind {
    type Err = CatalogError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "collectible" | "c" => Ok(Self::Collectible),
            "trinket" | "t" => Ok(Self::Trinket),
            other => Err(CatalogError::Invalid(format!(
                "unknown item kind {other:?} (expected collectible or trinket)"
            ))),
        }
    }
}

/// An item's identity in the game: its kind plus its game id, e.g. `collectible:270`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemKey {
    pub kind: ItemKind,
    pub id: u32,
}

impl ItemKey {
    pub fn new(kind: ItemKind, id: u32) -> Self {
        Self { kind, id }
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

impl FromStr for ItemKey {
    type Err = CatalogError;
    fn from_str(s: &str) -> Result<Self> {
        let (kind, id) = s
            .split_once(':')
            .ok_or_else(|| CatalogError::Invalid(format!("{s:?} is not of the form kind:id")))?;
        let id = id
            .trim()
            .parse()
            .map_err(|_| CatalogError::Invalid(format!("{id:?} in {s:?} is not a game id")))?;
        Ok(Self::new(kind.parse()?, id))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: ItemKind,
    pub id: u32,
    pub name_en: String,
    pub name_zh: String,
    /// EID markup (`#` line breaks, `{{Icon}}`); see [`text`] to render or strip it.
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub description_zh: String,
    /// 0-4 for collectibles; None for trinkets or when unknown.
    #[serde(default)]
    pub quality: Option<u8>,
    /// Active item charge as the source gives it (e.g. "6", "4秒"); None for passives.
    #[serde(default)]
    pub charge: Option<String>,
    /// Sprite file, relative to the catalog folder.
    pub sprite: String,
    /// Other names the sources use (e.g. EID's translation where the wiki's differs); searched too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The item as older game versions drew it, where that differs: more looks of the same
    /// item (an Afterbirth+ player sees these).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub older_sprites: Vec<OlderSprite>,
    /// Ids of the catalog's [`Transformation`]s this item counts toward.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformations: Vec<u8>,
}

/// An older game version's sprite of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlderSprite {
    /// "rebirth", "afterbirth", "abplus".
    pub version: String,
    /// Sprite file, relative to the catalog folder.
    pub sprite: String,
}

impl Item {
    pub fn key(&self) -> ItemKey {
        ItemKey::new(self.kind, self.id)
    }

    /// English name, falling back to Chinese, then to the key.
    pub fn display_name(&self) -> String {
        if !self.name_en.is_empty() {
            self.name_en.clone()
        } else if !self.name_zh.is_empty() {
            self.name_zh.clone()
        } else {
            self.key().to_string()
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CatalogFile {
    schema_version: u32,
    items: Vec<Item>,
    /// Absent from catalogs imported without game files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    transformations: Vec<Transformation>,
}

/// A loaded catalog: items sorted by kind then id.
#[derive(Clone, Debug)]
pub struct Catalog {
    dir: PathBuf,
    items: Vec<Item>,
    transformations: Vec<Transformation>,
    /// The shop's price font, when imported with the real art.
    price_font: Option<PriceFont>,
    /// The stands items float over, when imported with the real art.
    altars: Option<Altars>,
}

impl Catalog {
    /// Builds a catalog in memory (the importers use this; `save` writes it).
    pub fn from_items(dir: impl Into<PathBuf>, mut items: Vec<Item>) -> Result<Self> {
        items.sort_by_key(Item::key);
        if let Some(pair) = items.windows(2).find(|w| w[0].key() == w[1].key()) {
            return Err(CatalogError::Invalid(format!(
                "duplicate item {}",
                pair[0].key()
            )));
        }
        Ok(Self {
            dir: dir.into(),
            items,
            transformations: Vec::new(),
            price_font: None,
            altars: None,
        })
    }

    /// The catalog with the shop's price font (written by [`Catalog::save`]).
    pub fn with_price_font(mut self, font: Option<PriceFont>) -> Self {
        self.price_font = font;
        self
    }

    /// The catalog with the altars items stand on (written by [`Catalog::save`]).
    pub fn with_altars(mut self, altars: Option<Altars>) -> Self {
        self.altars = altars;
        self
    }

    /// The catalog with `transformations`. An item naming one that is not among them (a
    /// catalog whose items were copied without the list) counts toward nothing.
    pub fn with_transformations(mut self, transformations: Vec<Transformation>) -> Self {
        self.transformations = transformations;
        self
    }

    pub fn load(dir: &Path) -> Result<Self> {
        crate::fsutil::recover_interrupted(dir, &LAYOUT).map_err(|e| CatalogError::file(dir, e))?;
        let path = dir.join(CATALOG_FILE);
        let bytes = std::fs::read(&path).map_err(|e| CatalogError::file(&path, e))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| CatalogError::file(&path, format!("not valid JSON: {e}")))?;
        let version = value
            .get("schema_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                CatalogError::file(&path, "no schema_version: not an Isaac Lens catalog")
            })?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(CatalogError::file(
                &path,
                format!(
                    "written by a newer Isaac Lens (schema {version}, this one reads up to {SCHEMA_VERSION}); update the app or re-import"
                ),
            ));
        }
        let file: CatalogFile = serde_json::from_value(value)
            .map_err(|e| CatalogError::file(&path, format!("bad catalog: {e}")))?;
        let catalog = Self::from_items(dir, file.items)
            .map(|c| c.with_transformations(file.transformations))
            .map_err(|e| CatalogError::file(&path, e))?
            .with_price_font(PriceFont::load(dir)?)
            .with_altars(Altars::load(dir)?);
        for item in &catalog.items {
            let files =
                std::iter::once(&item.sprite).chain(item.older_sprites.iter().map(|o| &o.sprite));
            if let Some(missing) = files.into_iter().find(|f| !inside(dir, f)) {
                return Err(CatalogError::file(
                    dir.join(missing),
                    format!("sprite of {} is missing", item.key()),
                ));
            }
        }
        Ok(catalog)
    }

    /// Writes `catalog.json`, the price font and the altars (sprites are written by the importer
    /// beforehand).
    pub fn save(&self) -> Result<()> {
        if let Some(font) = &self.price_font {
            font.save(&self.dir)?;
        }
        if let Some(altars) = &self.altars {
            altars.save(&self.dir)?;
        }
        let file = CatalogFile {
            schema_version: SCHEMA_VERSION,
            items: self.items.clone(),
            transformations: self.transformations.clone(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| CatalogError::Invalid(format!("cannot encode catalog: {e}")))?;
        crate::fsutil::write_atomic(&self.dir.join(CATALOG_FILE), &json)
            .map_err(|e| CatalogError::file(self.dir.join(CATALOG_FILE), e))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The shop's price font; None when imported without the real art.
    pub fn price_font(&self) -> Option<&PriceFont> {
        self.price_font.as_ref()
    }

    /// The altars items stand on; None when imported without the real art.
    pub fn altars(&self) -> Option<&Altars> {
        self.altars.as_ref()
    }

    /// The transformations items count toward; empty when imported without game files.
    pub fn transformations(&self) -> &[Transformation] {
        &self.transformations
    }

    /// The transformations `item` counts toward.
    pub fn transformations_of(&self, item: &Item) -> Vec<&Transformation> {
        item.transformations
            .iter()
            .filter_map(|id| self.transformations.iter().find(|t| t.id == *id))
            .collect()
    }

    pub fn get(&self, key: ItemKey) -> Option<&Item> {
        self.items
            .binary_search_by_key(&key, Item::key)
            .ok()
            .map(|i| &self.items[i])
    }

    pub fn count(&self, kind: ItemKind) -> usize {
        self.items.iter().filter(|i| i.kind == kind).count()
    }

    pub fn sprite_path(&self, item: &Item) -> PathBuf {
        self.dir.join(&item.sprite)
    }

    /// An item's older sprites (other game versions' art), as 32x32 RGBA.
    pub fn older_sprites(&self, item: &Item) -> Result<Vec<image::RgbaImage>> {
        item.older_sprites
            .iter()
            .map(|o| {
                let path = self.dir.join(&o.sprite);
                image::open(&path)
                    .map(|i| i.to_rgba8())
                    .map_err(|e| CatalogError::file(&path, e))
            })
            .collect()
    }

    /// Loads an item's sprite as 32x32 RGBA.
    pub fn sprite(&self, item: &Item) -> Result<image::RgbaImage> {
        let path = self.sprite_path(item);
        let img = image::open(&path).map_err(|e| CatalogError::file(&path, e))?;
        Ok(img.to_rgba8())
    }

    /// Items whose names or descriptions contain `query`, best matches first.
    /// Case- and width-insensitive; `kind:id` and plain ids match by identity.
    pub fn search(&self, query: &str) -> Vec<&Item> {
        let needle = text::search_form(query);
        if needle.is_empty() {
            return self.items.iter().collect();
        }
        let key = needle.parse::<ItemKey>().ok();
        let id = needle.parse::<u32>().ok();
        let mut scored: Vec<(u8, &Item)> = self
            .items
            .iter()
            .filter_map(|item| {
                if key == Some(item.key()) || id == Some(item.id) {
                    return Some((0, item));
                }
                let names: Vec<String> = [&item.name_en, &item.name_zh]
                    .into_iter()
                    .chain(&item.aliases)
                    .map(|n| text::search_form(n))
                    .collect();
                if names.contains(&needle) {
                    Some((1, item))
                } else if names.iter().any(|n| n.contains(&needle)) {
                    Some((2, item))
                } else if [&item.description_en, &item.description_zh]
                    .iter()
                    .any(|d| text::search_form(&text::plain_from_eid(d)).contains(&needle))
                {
                    Some((3, item))
                } else {
                    None
                }
            })
            .collect();
        scored.sort_by_key(|(rank, item)| (*rank, item.key()));
        scored.into_iter().map(|(_, item)| item).collect()
    }

    /// Writes a catalog of just `keys` (in catalog order) to `out`: for small experiments and tests.
    pub fn subset(&self, keys: &[ItemKey], out: &Path) -> Result<Catalog> {
        let items: Vec<Item> = self
            .items
            .iter()
            .filter(|i| keys.contains(&i.key()))
            .cloned()
            .collect();
        if let Some(missing) = keys.iter().find(|k| self.get(**k).is_none()) {
            return Err(CatalogError::Invalid(format!(
                "{missing} is not in the catalog"
            )));
        }
        std::fs::create_dir_all(out.join(SPRITE_DIR)).map_err(|e| CatalogError::file(out, e))?;
        // Each item's sprite and its older looks go with it.
        for item in &items {
            let files =
                std::iter::once(&item.sprite).chain(item.older_sprites.iter().map(|o| &o.sprite));
            for file in files {
                let to = out.join(file);
                std::fs::copy(self.dir.join(file), &to).map_err(|e| CatalogError::file(&to, e))?;
            }
        }
        let catalog = Catalog::from_items(out, items)?
            .with_transformations(self.transformations.clone())
            .with_price_font(self.price_font.clone())
            .with_altars(self.altars.clone());
        catalog.save()?;
        Ok(catalog)
    }

    /// Resolves `kind:id` or a name (exact first, then the best search hit).
    pub fn find(&self, query: &str) -> Option<&Item> {
        // An empty query names nothing (a search for it would list every item).
        if query.trim().is_empty() {
            return None;
        }
        if let Ok(key) = query.parse::<ItemKey>() {
            return self.get(key);
        }
        self.search(query).into_iter().next()
    }
}

/// The file name of an item's sprite inside the catalog folder.
pub fn sprite_file_name(key: ItemKey) -> String {
    format!("{SPRITE_DIR}/{}_{:03}.png", key.kind, key.id)
}

/// Whether `file` (a catalog entry's sprite) is a file inside the catalog folder `dir`: an
/// edited entry cannot point the reader at files elsewhere.
fn inside(dir: &Path, file: &str) -> bool {
    let relative = Path::new(file);
    relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        && dir.join(relative).is_file()
}
