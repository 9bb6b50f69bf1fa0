//! Item sprites as textures, loaded on first use and kept.

use std::collections::HashMap;

use crate::catalog::{Catalog, ItemKey};

#[derive(Default)]
pub struct SpriteCache {
    textures: HashMap<ItemKey, Option<egui::TextureHandle>>,
    /// An item's older looks, loaded when its details are first shown.
    older: HashMap<ItemKey, Vec<egui::TextureHandle>>,
}

/// A pixel-art sprite as a texture (nearest-neighbour keeps the game's crisp look).
fn texture_from_sprite(
    ctx: &egui::Context,
    name: String,
    img: &image::RgbaImage,
) -> egui::TextureHandle {
    let size = [img.width() as usize, img.height() as usize];
    let colour = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
    ctx.load_texture(name, colour, egui::TextureOptions::NEAREST)
}

impl SpriteCache {
    pub fn clear(&mut self) {
        self.textures.clear();
        self.older.clear();
    }

    /// The older looks of `key` (earlier game versions' art); none that cannot be read.
    pub fn older(
        &mut self,
        ctx: &egui::Context,
        catalog: &Catalog,
        key: ItemKey,
    ) -> Vec<egui::TextureHandle> {
        self.older
            .entry(key)
            .or_insert_with(|| {
                let Some(item) = catalog.get(key) else {
                    return Vec::new();
                };
                let sprites = catalog.older_sprites(item).unwrap_or_default();
                sprites
                    .iter()
                    .enumerate()
                    .map(|(i, img)| {
                        texture_from_sprite(ctx, format!("sprite-{key}-older-{i}"), img)
                    })
                    .collect()
            })
            .clone()
    }

    /// The sprite of `key`, or None when it cannot be read (the caller leaves an empty box).
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        catalog: &Catalog,
        key: ItemKey,
    ) -> Option<egui::TextureHandle> {
        self.textures
            .entry(key)
            .or_insert_with(|| {
                let item = catalog.get(key)?;
                let img = catalog.sprite(item).ok()?;
                Some(texture_from_sprite(ctx, format!("sprite-{key}"), &img))
            })
            .clone()
    }
}

/// Draws a sprite at `side` points, or an empty box of that size.
pub fn sprite_ui(ui: &mut egui::Ui, texture: Option<&egui::TextureHandle>, side: f32) {
    match texture {
        Some(t) => {
            ui.add(egui::Image::new((t.id(), egui::vec2(side, side))));
        }
        None => {
            ui.allocate_space(egui::vec2(side, side));
        }
    }
}
