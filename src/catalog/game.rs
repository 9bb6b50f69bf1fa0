//! A user's extracted game files (`resources/` after the game's ResourceExtractor):
//! `items.xml`, `items_metadata.xml`, `stringtable.sta` and the item sprites.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use image::RgbaImage;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{CatalogError, ItemKey, ItemKind, Result, SPRITE_SIZE};

#[derive(Clone, Debug)]
pub struct GameFileItem {
    pub key: ItemKey,
    pub name_en: String,
    pub name_zh: String,
    /// The game's own one-line pickup text ("Tears up").
    pub description_en: String,
    pub description_zh: String,
    pub quality: Option<u8>,
    pub charge: Option<String>,
    pub sprite: RgbaImage,
}

/// What the import could not fill in, for the report.
#[derive(Clone, Debug, Default)]
pub struct GameReport {
    pub missing_sprites: Vec<ItemKey>,
}

pub fn read_dir(dir: &Path) -> Result<(Vec<GameFileItem>, GameReport)> {
    let items_path = dir.join("items.xml");
    let entries = parse_items(&items_path)?;
    let meta_path = dir.join("items_metadata.xml");
    let quality = if meta_path.is_file() {
        parse_metadata(&meta_path)?
    } else {
        HashMap::new()
    };
    let sta_path = dir.join("stringtable.sta");
    let strings = if sta_path.is_file() {
        parse_stringtable(&sta_path)?
    } else {
        StringTable::default()
    };

    let sprite_dirs = [
        (
            ItemKind::Collectible,
            index_dir(&dir.join("gfx/items/collectibles")),
        ),
        (
            ItemKind::Trinket,
            index_dir(&dir.join("gfx/items/trinkets")),
        ),
    ];
    let mut report = GameReport::default();
    let mut items: Vec<GameFileItem> = Vec::new();
    for e in entries {
        if items.iter().any(|i| i.key == e.key) {
            return Err(CatalogError::file(
                &items_path,
                format!("duplicate id {}", e.key),
            ));
        }
        let files = &sprite_dirs
            .iter()
            .find(|(k, _)| *k == e.key.kind)
            .map(|(_, f)| f);
        let sprite_path = files.and_then(|f| f.get(&e.gfx.to_lowercase()));
        let Some(sprite_path) = sprite_path else {
            report.missing_sprites.push(e.key);
            continue;
        };
        let img = crate::imageio::open(sprite_path)
            .map_err(|err| CatalogError::file(sprite_path, err))?;
        let (name_en, name_zh) = strings.resolve(&e.name);
        let (description_en, description_zh) = strings.resolve(&e.description);
        items.push(GameFileItem {
            key: e.key,
            name_en,
            name_zh,
            description_en,
            description_zh,
            quality: if e.key.kind == ItemKind::Collectible {
                quality.get(&e.key.id).copied()
            } else {
                None
            },
            charge: e.charge,
            sprite: fit_sprite(img.to_rgba8()),
        });
    }
    Ok((items, report))
}

struct Entry {
    key: ItemKey,
    name: String,
    description: String,
    gfx: String,
    charge: Option<String>,
}

fn read_xml(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| CatalogError::file(path, e))?;
    String::from_utf8(bytes).map_err(|_| CatalogError::file(path, "not UTF-8 text"))
}

fn attrs(path: &Path, e: &BytesStart) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| CatalogError::file(path, format!("bad attribute: {err}")))?;
        let value = a
            .unescape_value()
            .map_err(|err| CatalogError::file(path, format!("bad attribute value: {err}")))?;
        out.insert(
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            value.into_owned(),
        );
    }
    Ok(out)
}

/// Walks every start/empty element; `f` gets its name and attributes.
fn for_each_element(
    path: &Path,
    mut f: impl FnMut(&str, &BytesStart, usize) -> Result<()>,
) -> Result<()> {
    let text = read_xml(path)?;
    let mut reader = Reader::from_str(&text);
    let mut depth = 0usize;
    let mut saw_root = false;
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                saw_root = true;
                f(&String::from_utf8_lossy(e.name().as_ref()), &e, depth)?;
                depth += 1;
            }
            Ok(Event::Empty(e)) => {
                saw_root = true;
                f(&String::from_utf8_lossy(e.name().as_ref()), &e, depth)?;
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(xml_error(path, pos, e)),
        }
    }
    if !saw_root || depth != 0 {
        return Err(CatalogError::file(
            path,
            "XML document is empty or truncated",
        ));
    }
    Ok(())
}

fn xml_error(path: &Path, pos: u64, e: quick_xml::Error) -> CatalogError {
    // The parser quotes the text it choked on, line breaks and all: one line, 200 characters
    // at most, keeps the message readable.
    let text = crate::quote::one_line(&e.to_string());
    CatalogError::file(path, format!("XML error near byte {pos}: {text}"))
}

fn parse_items(path: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for_each_element(path, |name, e, _| {
        let kind = match name {
            "passive" | "active" | "familiar" => ItemKind::Collectible,
            "trinket" => ItemKind::Trinket,
            _ => return Ok(()),
        };
        let a = attrs(path, e)?;
        if a.get("hidden").is_some_and(|h| h == "true") {
            return Ok(());
        }
        let id = a
            .get("id")
            .and_then(|i| i.trim().parse::<u32>().ok())
            .ok_or_else(|| {
                CatalogError::file(
                    path,
                    format!("<{name}> without a numeric id: {:?}", a.get("id")),
                )
            })?;
        out.push(Entry {
            key: ItemKey::new(kind, id),
            name: a.get("name").cloned().unwrap_or_default(),
            description: a.get("description").cloned().unwrap_or_default(),
            gfx: a.get("gfx").cloned().unwrap_or_default(),
            charge: a.get("maxcharges").filter(|c| c.as_str() != "0").cloned(),
        });
        Ok(())
    })?;
    Ok(out)
}

fn parse_metadata(path: &Path) -> Result<HashMap<u32, u8>> {
    let mut out = HashMap::new();
    for_each_element(path, |name, e, _| {
        if name == "item" {
            let a = attrs(path, e)?;
            if let (Some(id), Some(q)) = (
                a.get("id").and_then(|v| v.parse().ok()),
                a.get("quality").and_then(|v| v.parse::<u8>().ok()),
            ) {
                out.insert(id, q.min(4));
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[derive(Default)]
struct StringTable {
    en: HashMap<String, String>,
    zh: HashMap<String, String>,
}

impl StringTable {
    /// `#KEY` references resolve through the table; literal text stays English.
    fn resolve(&self, text: &str) -> (String, String) {
        match text.strip_prefix('#') {
            Some(key) => (
                self.en.get(key).cloned().unwrap_or_else(|| key.to_string()),
                self.zh.get(key).cloned().unwrap_or_default(),
            ),
            None => (text.to_string(), String::new()),
        }
    }
}

fn parse_stringtable(path: &Path) -> Result<StringTable> {
    let text = read_xml(path)?;
    let mut reader = Reader::from_str(&text);
    // Language names in index order; the "Key" pseudo-language has no <string>.
    let mut languages: Vec<(u32, String)> = Vec::new();
    let mut table = StringTable::default();
    let mut current_key: Option<String> = None;
    let mut strings: Vec<String> = Vec::new();
    let mut in_string = false;
    let mut buf = String::new();
    let mut columns: Option<(Option<usize>, Option<usize>)> = None;
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == b"language" => {
                let a = attrs(path, &e)?;
                let index = a
                    .get("index")
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(languages.len() as u32);
                languages.push((index, a.get("name").cloned().unwrap_or_default()));
            }
            Ok(Event::Start(e)) if e.name().as_ref() == b"key" => {
                current_key = attrs(path, &e)?.get("name").cloned();
                strings.clear();
            }
            Ok(Event::Start(e)) if e.name().as_ref() == b"string" => {
                in_string = true;
                buf.clear();
            }
            Ok(Event::Empty(e)) if e.name().as_ref() == b"string" => strings.push(String::new()),
            Ok(Event::Text(t)) if in_string => buf.push_str(&unescaped_text(path, &t)?),
            Ok(Event::GeneralRef(r)) if in_string => {
                let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                let resolved =
                    quick_xml::escape::unescape(&format!("&{name};")).map(|c| c.into_owned());
                buf.push_str(&resolved.unwrap_or_default());
            }
            Ok(Event::CData(t)) if in_string => buf.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::End(e)) if e.name().as_ref() == b"string" => {
                in_string = false;
                strings.push(std::mem::take(&mut buf));
            }
            Ok(Event::End(e)) if e.name().as_ref() == b"key" => {
                let (en, zh) = *columns.get_or_insert_with(|| language_columns(&languages));
                if let Some(key) = current_key.take() {
                    if let Some(s) = en.and_then(|i| strings.get(i)) {
                        table.en.insert(key.clone(), s.clone());
                    }
                    if let Some(s) = zh.and_then(|i| strings.get(i)).filter(|s| !s.is_empty()) {
                        table.zh.insert(key, s.clone());
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(xml_error(path, pos, e)),
        }
    }
    if languages.is_empty() {
        return Err(CatalogError::file(
            path,
            "no <languages> list: not a string table",
        ));
    }
    Ok(table)
}

/// A `<string>`'s text with XML escapes resolved (kept as written when they do not resolve).
fn unescaped_text(path: &Path, t: &quick_xml::events::BytesText) -> Result<String> {
    let s = t
        .decode()
        .map_err(|e| CatalogError::file(path, format!("bad text: {e}")))?;
    Ok(quick_xml::escape::unescape(&s)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| s.into_owned()))
}

/// Which `<string>` of a key is English and which Simplified Chinese, from the
/// `<languages>` list (index order; the "Key" pseudo-language has no `<string>`).
fn language_columns(languages: &[(u32, String)]) -> (Option<usize>, Option<usize>) {
    let mut langs = languages.to_vec();
    langs.sort_by_key(|(i, _)| *i);
    let names: Vec<String> = langs
        .into_iter()
        .map(|(_, n)| n)
        .filter(|n| n != "Key")
        .collect();
    (
        names.iter().position(|n| n == "English"),
        names.iter().position(|n| n.starts_with("Chinese (Simpl")),
    )
}

/// Lower-cased file name → path, for case-insensitive matching of `gfx` attributes.
fn index_dir(dir: &Path) -> HashMap<String, PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().to_lowercase(), e.path()))
        .collect()
}

/// Game sprites are 32x32; anything else is centred on (or scaled into) a 32x32 canvas.
fn fit_sprite(img: RgbaImage) -> RgbaImage {
    if img.dimensions() == (SPRITE_SIZE, SPRITE_SIZE) {
        return img;
    }
    let img = if img.width() > SPRITE_SIZE || img.height() > SPRITE_SIZE {
        let scale = SPRITE_SIZE as f32 / img.width().max(img.height()) as f32;
        let w = ((img.width() as f32 * scale).round() as u32).max(1);
        let h = ((img.height() as f32 * scale).round() as u32).max(1);
        image::imageops::resize(&img, w, h, image::imageops::FilterType::Nearest)
    } else {
        img
    };
    let mut canvas = RgbaImage::new(SPRITE_SIZE, SPRITE_SIZE);
    let x = (SPRITE_SIZE - img.width()) / 2;
    let y = (SPRITE_SIZE - img.height()) / 2;
    image::imageops::overlay(&mut canvas, &img, x.into(), y.into());
    canvas
}
