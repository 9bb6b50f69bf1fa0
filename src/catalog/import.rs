//! Combines the importers into one catalog and writes it atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::RgbaImage;

use super::{
    Catalog, CatalogError, Item, ItemKey, ItemKind, OlderSprite, Result, SPRITE_DIR, art, eid,
    game, huiji, sprite_file_name,
};

#[derive(Clone, Debug, Default)]
pub struct ImportSources {
    pub huiji: Option<PathBuf>,
    pub eid: Option<PathBuf>,
    pub game: Option<PathBuf>,
    /// Older official art of items (`art-versions/`), optional.
    pub art: Option<PathBuf>,
    /// A game-files folder with EID's transformation tables (`eid/descriptions/`), optional.
    pub game_files: Option<PathBuf>,
    /// The real art folder (`entities/`), optional: the shop's price font, to read prices,
    /// and the altars items stand on.
    pub entities: Option<PathBuf>,
}

impl ImportSources {
    /// The layout of `shared/isaac`: `huiji/` and `eid/` side by side.
    pub fn from_shared(root: &Path) -> Self {
        Self {
            huiji: Some(root.join("huiji")),
            eid: Some(root.join("eid")),
            game: None,
            art: Some(root.join("art-versions")).filter(|d| d.is_dir()),
            game_files: Some(root.join("game-files")).filter(|d| d.is_dir()),
            entities: Some(root.join("entities")).filter(|d| d.is_dir()),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub collectibles: usize,
    pub trinkets: usize,
    pub missing_name_zh: Vec<ItemKey>,
    pub missing_description_en: Vec<ItemKey>,
    pub missing_description_zh: Vec<ItemKey>,
    /// Game items whose sprite file was not found (left out of the catalog).
    pub missing_sprites: Vec<ItemKey>,
    /// EID entries for items that no sprite source has.
    pub eid_without_item: usize,
    /// Source files that are there but could not be read (each named), passed over.
    pub skipped_files: Vec<String>,
    /// Older sprites added to items, and those of items no sprite source has.
    pub older_sprites: usize,
    pub art_without_item: usize,
    /// Transformations read, and the items counting toward one.
    pub transformations: usize,
    pub transformation_items: usize,
    /// Glyphs of the shop's price font.
    pub price_glyphs: usize,
    /// Altar sprites.
    pub altars: usize,
    /// The marks of a hidden item (Curse of the Blind) kept with the altars.
    pub blind_marks: usize,
}

impl ImportReport {
    pub fn lines(&self) -> Vec<String> {
        let list = |keys: &[ItemKey]| {
            let shown: Vec<String> = keys.iter().take(8).map(ItemKey::to_string).collect();
            let more = keys.len().saturating_sub(shown.len());
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        let mut out = vec![format!(
            "imported {} collectibles and {} trinkets",
            self.collectibles, self.trinkets
        )];
        for (what, keys) in [
            ("no Chinese name", &self.missing_name_zh),
            ("no English description", &self.missing_description_en),
            ("no Chinese description", &self.missing_description_zh),
            ("no sprite file (left out)", &self.missing_sprites),
        ] {
            if !keys.is_empty() {
                out.push(format!("{} items with {what}: {}", keys.len(), list(keys)));
            }
        }
        out.extend(self.skipped_files.iter().cloned());
        if self.older_sprites > 0 {
            out.push(format!(
                "{} older sprites (earlier game versions' art) added",
                self.older_sprites
            ));
        }
        if self.transformations > 0 {
            out.push(format!(
                "{} transformations, counted by {} items",
                self.transformations, self.transformation_items
            ));
        }
        if self.price_glyphs > 0 {
            out.push(format!(
                "the shop's price font ({} glyphs): prices are read",
                self.price_glyphs
            ));
        }
        if self.altars > 0 {
            out.push(format!(
                "the item altars ({} sprites): finds on an altar are told from look-alikes",
                self.altars
            ));
        }
        if self.blind_marks > 0 {
            out.push(format!(
                "a hidden item's marks ({} sprites): a Curse of the Blind \"?\" is reported as hidden",
                self.blind_marks
            ));
        }
        if self.art_without_item > 0 {
            out.push(format!(
                "{} older sprites of items no sprite source has (ignored)",
                self.art_without_item
            ));
        }
        if self.eid_without_item > 0 {
            out.push(format!(
                "{} EID entries name items no sprite source has (ignored)",
                self.eid_without_item
            ));
        }
        out
    }
}

/// Imports from the given sources and writes the catalog to `out`. `out` may only be new, an
/// empty folder or a catalog, never one of the sources; a catalog there is replaced only when
/// the new one keeps all its items, unless `force`.
pub fn import(sources: &ImportSources, out: &Path, force: bool) -> Result<(Catalog, ImportReport)> {
    let source_dirs: Vec<&Path> = [
        &sources.huiji,
        &sources.eid,
        &sources.game,
        &sources.art,
        &sources.game_files,
        &sources.entities,
    ]
    .into_iter()
    .flatten()
    .map(PathBuf::as_path)
    .collect();
    crate::fsutil::remove_stale_staging(out, &super::LAYOUT);
    crate::fsutil::check_replaceable(out, &super::LAYOUT, &source_dirs)
        .map_err(|m| CatalogError::file(out, m))?;
    if sources.huiji.is_none() && sources.game.is_none() {
        return Err(CatalogError::Invalid(
            "EID tables carry text only: add --huiji or --game for the item sprites".into(),
        ));
    }
    let mut drafts: Drafts = BTreeMap::new();
    let mut report = ImportReport::default();
    if let Some(dir) = &sources.huiji {
        merge_huiji(&mut drafts, dir)?;
    }
    if let Some(dir) = &sources.game {
        report.missing_sprites = merge_game(&mut drafts, dir)?;
    }
    if let Some(dir) = &sources.eid {
        (report.eid_without_item, report.skipped_files) = merge_eid(&mut drafts, dir)?;
    }
    let mut older = BTreeMap::new();
    if let Some(dir) = &sources.art {
        let (art, skipped) = art::read_dir(dir)?;
        report.skipped_files.extend(skipped);
        for a in art {
            if drafts.contains_key(&a.key) {
                report.older_sprites += 1;
                older
                    .entry(a.key)
                    .or_insert_with(Vec::new)
                    .push((a.version, a.sprite));
            } else {
                report.art_without_item += 1;
            }
        }
    }
    let mut transformations = Vec::new();
    if let Some(dir) = &sources.game_files {
        let data = super::transformations::read_dir(dir)?;
        report.skipped_files.extend(data.skipped);
        for (key, ids) in data.items {
            if let Some((item, _)) = drafts.get_mut(&key) {
                item.transformations = ids;
                report.transformation_items += 1;
            }
        }
        report.transformations = data.transformations.len();
        transformations = data.transformations;
    }
    let price_font = match &sources.entities {
        Some(dir) => super::PriceFont::read_art_dir(dir)?,
        None => None,
    };
    report.price_glyphs = price_font.as_ref().map_or(0, super::PriceFont::len);
    let altars = match &sources.entities {
        Some(dir) => super::Altars::read_art_dir(dir)?,
        None => None,
    };
    report.altars = altars.as_ref().map_or(0, super::Altars::len);
    report.blind_marks = altars.as_ref().map_or(0, |a| a.blind_marks().len());
    report.count(&drafts);
    if !force {
        refuse_losing_items(out, &drafts)?;
    }
    let catalog = write(
        out,
        drafts.into_values().collect(),
        older,
        transformations,
        price_font,
        altars,
    )?;
    Ok((catalog, report))
}

/// Items being assembled from the sources, with their sprites.
type Drafts = BTreeMap<ItemKey, (Item, RgbaImage)>;

fn blank(key: ItemKey) -> Item {
    Item {
        kind: key.kind,
        id: key.id,
        name_en: String::new(),
        name_zh: String::new(),
        description_en: String::new(),
        description_zh: String::new(),
        quality: None,
        charge: None,
        sprite: sprite_file_name(key),
        aliases: Vec::new(),
        older_sprites: Vec::new(),
        transformations: Vec::new(),
    }
}

fn merge_huiji(drafts: &mut Drafts, dir: &Path) -> Result<()> {
    for h in huiji::read_dir(dir)? {
        let mut item = blank(h.key);
        item.name_en = h.name_en;
        item.name_zh = h.name_zh;
        item.description_zh = h.description_zh;
        item.quality = h.quality;
        item.charge = h.charge;
        drafts.insert(h.key, (item, h.sprite));
    }
    Ok(())
}

/// Merges the game's own files; returns the items whose sprite file was not found.
fn merge_game(drafts: &mut Drafts, dir: &Path) -> Result<Vec<ItemKey>> {
    let (items, game_report) = game::read_dir(dir)?;
    for g in items {
        let (item, sprite) = drafts
            .entry(g.key)
            .or_insert_with(|| (blank(g.key), g.sprite.clone()));
        // The user's own game files are the authority on sprites and English text.
        *sprite = g.sprite;
        set_if_present(&mut item.name_en, g.name_en);
        set_if_present(&mut item.name_zh, g.name_zh);
        set_if_present(&mut item.description_en, g.description_en);
        if item.description_zh.is_empty() {
            item.description_zh = g.description_zh;
        }
        item.quality = g.quality.or(item.quality);
        item.charge = g.charge.or(item.charge.take());
    }
    Ok(game_report.missing_sprites)
}

/// Merges EID's names and descriptions; returns how many entries name no known item.
fn merge_eid(drafts: &mut Drafts, dir: &Path) -> Result<(usize, Vec<String>)> {
    let mut without_item = 0;
    let (texts, skipped) = eid::read_dir(dir)?;
    for (key, text) in texts {
        let Some((item, _)) = drafts.get_mut(&key) else {
            without_item += 1;
            continue;
        };
        // The wiki's and the game's names are the ones players know; EID's own translation
        // fills gaps and stays searchable as an alias. EID's descriptions are the best text.
        for (slot, value) in [
            (&mut item.name_en, text.name_en),
            (&mut item.name_zh, text.name_zh),
        ] {
            let value = value.unwrap_or_default().trim().to_string();
            if slot.is_empty() {
                *slot = value;
            } else if !value.is_empty() && value != *slot && !item.aliases.contains(&value) {
                item.aliases.push(value);
            }
        }
        set_if_present(
            &mut item.description_en,
            text.description_en.unwrap_or_default(),
        );
        set_if_present(
            &mut item.description_zh,
            text.description_zh.unwrap_or_default(),
        );
    }
    Ok((without_item, skipped))
}

impl ImportReport {
    /// Counts the kinds and the gaps in the text.
    fn count(&mut self, drafts: &Drafts) {
        for (key, (item, _)) in drafts {
            if item.name_zh.is_empty() {
                self.missing_name_zh.push(*key);
            }
            if item.description_en.is_empty() {
                self.missing_description_en.push(*key);
            }
            if item.description_zh.is_empty() {
                self.missing_description_zh.push(*key);
            }
        }
        let of = |kind| drafts.keys().filter(|k| k.kind == kind).count();
        self.collectibles = of(ItemKind::Collectible);
        self.trinkets = of(ItemKind::Trinket);
    }
}

/// A catalog already in `out` is replaced only by one that keeps all its items.
fn refuse_losing_items(out: &Path, drafts: &Drafts) -> Result<()> {
    let Ok(existing) = Catalog::load(out) else {
        return Ok(());
    };
    let lost: Vec<String> = existing
        .items()
        .iter()
        .map(|i| i.key())
        .filter(|k| !drafts.contains_key(k))
        .map(|k| k.to_string())
        .collect();
    if lost.is_empty() {
        return Ok(());
    }
    Err(CatalogError::file(
        out,
        format!(
            "the new import would drop {} of its {} items ({}{}); pass --force to replace it anyway",
            lost.len(),
            existing.len(),
            lost.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if lost.len() > 3 { ", …" } else { "" }
        ),
    ))
}

fn set_if_present(slot: &mut String, value: String) {
    let value = value.trim();
    if !value.is_empty() {
        *slot = value.to_string();
    }
}

/// Older sprites per item: the version that drew it, and the sprite.
type OlderArt = BTreeMap<ItemKey, Vec<(String, RgbaImage)>>;

/// Builds the catalog in a staging folder beside `out`, then renames it into place.
fn write(
    out: &Path,
    items: Vec<(Item, RgbaImage)>,
    mut older: OlderArt,
    transformations: Vec<super::Transformation>,
    price_font: Option<super::PriceFont>,
    altars: Option<super::Altars>,
) -> Result<Catalog> {
    if out.is_file() {
        return Err(CatalogError::file(out, "is a file, not a folder"));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| CatalogError::file(parent, format!("cannot create folder: {e}")))?;
    let staged = crate::fsutil::staging_path(out);
    let _ = std::fs::remove_dir_all(&staged);
    let result = (|| {
        std::fs::create_dir_all(staged.join(SPRITE_DIR))
            .map_err(|e| CatalogError::file(parent, format!("cannot write here: {e}")))?;
        let mut plain = Vec::with_capacity(items.len());
        for (mut item, sprite) in items {
            let path = staged.join(&item.sprite);
            sprite
                .save(&path)
                .map_err(|e| CatalogError::file(&path, e))?;
            for (n, (version, sprite)) in
                older.remove(&item.key()).into_iter().flatten().enumerate()
            {
                let key = item.key();
                let file = format!("{SPRITE_DIR}/{}_{:03}_{version}_{n}.png", key.kind, key.id);
                let path = staged.join(&file);
                sprite
                    .save(&path)
                    .map_err(|e| CatalogError::file(&path, e))?;
                item.older_sprites.push(OlderSprite {
                    version,
                    sprite: file,
                });
            }
            plain.push(item);
        }
        Catalog::from_items(&staged, plain)?
            .with_transformations(transformations)
            .with_price_font(price_font)
            .with_altars(altars)
            .save()?;
        crate::fsutil::replace_dir(&staged, out)
            .map_err(|e| CatalogError::file(out, format!("cannot replace: {e}")))
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    Catalog::load(out)
}
