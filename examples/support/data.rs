//! What the development examples share: the data folder's catalog, the renderer's assets
//! with `../shared/isaac`'s backgrounds, classes by game id, and `--flag VALUE` arguments.
#![allow(dead_code)] // each example uses part of it

use isaac_lens::catalog::{Catalog, ItemKey, ItemKind};
use isaac_lens::engine::synth::SynthAssets;

/// The data folder's catalog and the renderer's assets.
pub fn catalog_and_assets() -> anyhow::Result<(Catalog, SynthAssets)> {
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let backgrounds = isaac_lens::paths::default_backgrounds()
        .ok_or_else(|| anyhow::anyhow!("../shared/isaac/backgrounds not found"))?;
    let assets = SynthAssets::load(&catalog, Some(&backgrounds))?;
    Ok((catalog, assets))
}

/// The class (catalog index) of collectible `id`.
pub fn class_of(catalog: &Catalog, id: u32) -> Option<usize> {
    let key = ItemKey::new(ItemKind::Collectible, id);
    catalog.items().iter().position(|i| i.key() == key)
}

/// The value after `--name` among `args`.
pub fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
}
