//! The original notebook's Huiji wiki scrape: `id_mapping_dict.json` plus two CSS sprite sheets.

use std::collections::HashMap;
use std::path::Path;

use image::RgbaImage;
use serde::Deserialize;

use super::{CatalogError, ItemKey, ItemKind, Result, SPRITE_SIZE};

pub const DICT_FILE: &str = "id_mapping_dict.json";
const SHEETS: [(ItemKind, &str, &str, &str); 2] = [
    (
        ItemKind::Collectible,
        "Collectibles_sprite.png",
        "items.css",
        "collectibles_",
    ),
    (
        ItemKind::Trinket,
        "Trinket_sprite.png",
        "trinket.css",
        "trinket_",
    ),
];

/// One item as the wiki scrape describes it, with its sprite cut from the sheet.
#[derive(Clone, Debug)]
pub struct HuijiItem {
    pub key: ItemKey,
    pub name_en: String,
    pub name_zh: String,
    pub description_zh: String,
    pub quality: Option<u8>,
    pub charge: Option<String>,
    pub sprite: RgbaImage,
}

#[derive(Deserialize)]
struct Entry {
    x: i64,
    y: i64,
    en: Option<String>,
    zh: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    level: Option<String>,
    level2: Option<String>,
    #[serde(rename = "?")]
    charge: Option<String>,
    desc: Option<String>,
}

/// The dictionary's entries in file order, duplicates kept (a map would silently keep the
/// last of two equal keys).
struct KeyedEntries(Vec<(String, Entry)>);

impl<'de> serde::Deserialize<'de> for KeyedEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyedEntries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of id mapping entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<KeyedEntries, A::Error> {
                let mut entries = Vec::new();
                while let Some(pair) = map.next_entry::<String, Entry>()? {
                    entries.push(pair);
                }
                Ok(KeyedEntries(entries))
            }
        }
        d.deserialize_map(Visitor)
    }
}

pub fn read_dir(dir: &Path) -> Result<Vec<HuijiItem>> {
    let dict_path = dir.join(DICT_FILE);
    let dict = read_dict(&dict_path)?;
    let sheets = read_sheets(dir)?;
    let mut items: Vec<HuijiItem> = Vec::new();
    for (dict_key, entry) in dict {
        // Stub keys carry only x and y.
        let Some(kind_text) = entry.kind.as_deref() else {
            continue;
        };
        let at = |msg: String| CatalogError::file(&dict_path, format!("{dict_key}: {msg}"));
        let kind = match kind_text {
            "道具" => ItemKind::Collectible,
            "饰品" => ItemKind::Trinket,
            other => return Err(at(format!("unknown type {other:?}"))),
        };
        let id: u32 = entry
            .level
            .as_deref()
            .and_then(|l| l.trim().parse().ok())
            .filter(|id| *id > 0)
            .ok_or_else(|| at(format!("bad game id {:?}", entry.level)))?;
        let key = ItemKey::new(kind, id);
        let sprite = sheets.sprite(key, entry.x, entry.y).map_err(|e| match e {
            SheetError::Css(e) => e,
            SheetError::Outside(msg) => at(msg),
        })?;
        if items.iter().any(|i| i.key == key) {
            return Err(at(format!("duplicate id {key}")));
        }
        items.push(item_from_entry(key, entry, sprite));
    }
    Ok(items)
}

/// The id mapping dictionary, in key order; a key given twice is an error.
fn read_dict(path: &Path) -> Result<std::collections::BTreeMap<String, Entry>> {
    let bytes = std::fs::read(path).map_err(|e| CatalogError::file(path, e))?;
    // Editors on Windows save JSON with a byte-order mark, which JSON itself does not allow.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let entries: KeyedEntries = serde_json::from_slice(bytes)
        .map_err(|e| CatalogError::file(path, format!("not a valid id mapping: {e}")))?;
    let mut dict = std::collections::BTreeMap::new();
    for (key, entry) in entries.0 {
        if dict.contains_key(&key) {
            return Err(CatalogError::file(
                path,
                format!("key {key:?} appears twice"),
            ));
        }
        dict.insert(key, entry);
    }
    Ok(dict)
}

fn item_from_entry(key: ItemKey, entry: Entry, sprite: RgbaImage) -> HuijiItem {
    let quality = match key.kind {
        ItemKind::Collectible => entry
            .level2
            .as_deref()
            .and_then(|q| q.trim().parse().ok())
            .filter(|q| *q <= 4),
        ItemKind::Trinket => None,
    };
    HuijiItem {
        key,
        name_en: entry.en.unwrap_or_default().trim().to_string(),
        name_zh: entry.zh.unwrap_or_default().trim().to_string(),
        description_zh: entry.desc.unwrap_or_default().trim().to_string(),
        quality,
        charge: entry
            .charge
            .filter(|c| !c.trim().is_empty() && c.trim() != "/"),
        sprite,
    }
}

/// Offsets per game id that a CSS file gives, with the file they came from.
type CssOffsets = (std::path::PathBuf, HashMap<u32, (i64, i64)>);

/// The two sprite sheets and, where their CSS is there, its offsets per game id.
struct Sheets {
    images: HashMap<ItemKind, RgbaImage>,
    css_offsets: HashMap<ItemKind, CssOffsets>,
}

enum SheetError {
    /// The CSS disagrees with the dictionary (named by the CSS file).
    Css(CatalogError),
    /// The offset leaves the sheet (named by the dictionary entry).
    Outside(String),
}

fn read_sheets(dir: &Path) -> Result<Sheets> {
    let mut images = HashMap::new();
    let mut css_offsets = HashMap::new();
    for (kind, sheet, css, prefix) in SHEETS {
        let path = dir.join(sheet);
        let img = crate::imageio::open(&path).map_err(|e| CatalogError::file(&path, e))?;
        images.insert(kind, img.to_rgba8());
        let css_path = dir.join(css);
        // The CSS is optional: when present it must agree with the dict.
        if css_path.is_file() {
            let text =
                std::fs::read_to_string(&css_path).map_err(|e| CatalogError::file(&css_path, e))?;
            css_offsets.insert(kind, (css_path, parse_css_offsets(&text, prefix)));
        }
    }
    Ok(Sheets {
        images,
        css_offsets,
    })
}

impl Sheets {
    /// The sprite of `key` at the dictionary's offset (x, y), checked against the CSS.
    fn sprite(&self, key: ItemKey, x: i64, y: i64) -> std::result::Result<RgbaImage, SheetError> {
        if let Some((css_path, offsets)) = self.css_offsets.get(&key.kind)
            && let Some(&(cx, cy)) = offsets.get(&key.id)
            && (cx, cy) != (x, y)
        {
            return Err(SheetError::Css(CatalogError::file(
                css_path,
                format!("{key} is at ({cx}, {cy}) but {DICT_FILE} says ({x}, {y})"),
            )));
        }
        let sheet = &self.images[&key.kind];
        cut_cell(sheet, x, y).ok_or_else(|| {
            SheetError::Outside(format!(
                "offset ({x}, {y}) is outside the {}x{} sheet",
                sheet.width(),
                sheet.height()
            ))
        })
    }
}

/// Cuts the 32x32 cell at (x, y), keeping alpha exactly.
fn cut_cell(sheet: &RgbaImage, x: i64, y: i64) -> Option<RgbaImage> {
    let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
    if x.checked_add(SPRITE_SIZE)? > sheet.width() || y.checked_add(SPRITE_SIZE)? > sheet.height() {
        return None;
    }
    Some(image::imageops::crop_imm(sheet, x, y, SPRITE_SIZE, SPRITE_SIZE).to_image())
}

/// `#collectibles_001{background-position:-32px -0px}` → id 1 at (32, 0). The first rule
/// for an id wins (later ones are animation frames).
fn parse_css_offsets(css: &str, prefix: &str) -> HashMap<u32, (i64, i64)> {
    let mut out = HashMap::new();
    let pattern = format!("#{prefix}");
    let mut rest = css;
    while let Some(pos) = rest.find(&pattern) {
        rest = &rest[pos + pattern.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(id) = digits.parse::<u32>() else {
            continue;
        };
        let after = &rest[digits.len()..];
        let Some(body) = after.strip_prefix("{background-position:") else {
            continue;
        };
        let body = body.split(['}', '!']).next().unwrap_or("");
        let nums: Vec<i64> = body
            .split_whitespace()
            .filter_map(|p| p.trim_end_matches("px").parse::<i64>().ok())
            .collect();
        if let [x, y] = nums.as_slice() {
            out.entry(id).or_insert((-x, -y));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_offsets_are_negated_and_first_rule_wins() {
        let css = "#collectibles_001{background-position:-32px -0px}#collectibles_002{background-position:-64px -96px}\
                   #collectibles_001{background-position:-0px -0px}";
        let m = parse_css_offsets(css, "collectibles_");
        assert_eq!(m[&1], (32, 0));
        assert_eq!(m[&2], (64, 96));
    }

    #[test]
    fn cells_outside_the_sheet_are_refused() {
        let sheet = RgbaImage::new(64, 32);
        assert!(cut_cell(&sheet, 32, 0).is_some());
        assert!(cut_cell(&sheet, 40, 0).is_none());
        assert!(cut_cell(&sheet, -32, 0).is_none());
    }
}
