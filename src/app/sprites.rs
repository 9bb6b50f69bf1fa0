//! Item sprites as textures, loaded on first use and kept.

use std::collections::HashMap;

use crate::catalog::{Catalog, ItemKey};

#[derive(Default)]
pub struct SpriteCache {
    textures: HashMap<ItemKey, Option<egui::TextureHandle>>,
}

impl SpriteCache {
    pub fn clear(&mut self) {
        self.textures.clear();
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
                let size = [img.width() as usize, img.height() as usize];
                let colour = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
                // Pixel art: nearest-neighbour keeps the game's crisp look when scaled up.
                Some(ctx.load_texture(
                    format!("sprite-{key}"),
                    colour,
                    egui::TextureOptions::NEAREST,
                ))
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
