#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

//! Rooms over time from the renderer (`engine::room_shots`): one held-out real room with
//! held-out real art, its items taken, rerolled or bought.

use std::sync::OnceLock;

use image::RgbImage;
use isaac_lens::catalog::price_font::Price;
use isaac_lens::catalog::{ItemKey, ItemKind};
use isaac_lens::engine::room_shots::RoomScene;
use isaac_lens::engine::synth::SynthAssets;

use super::{real_catalog, shared};

/// Frames 1280 wide, as a capture of a 720p window.
pub const WIDTH: u32 = 1280;

pub fn assets() -> &'static SynthAssets {
    static ASSETS: OnceLock<SynthAssets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        SynthAssets::load(real_catalog(), Some(&shared().join("backgrounds"))).unwrap()
    })
}

pub fn class(id: u32) -> usize {
    let key = ItemKey::new(ItemKind::Collectible, id);
    real_catalog()
        .items()
        .iter()
        .position(|i| i.key() == key)
        .unwrap()
}

/// The first room of `kind` from `seed` on with at least `spots` item spots.
pub fn scene(kind: usize, spots: usize, seed: u64) -> RoomScene {
    RoomScene::first_with(assets(), kind, spots, seed).unwrap()
}

/// `count` alike frames of `scene` with `items` on its first spots (other spots bare).
pub fn shots(
    scene: &RoomScene,
    items: &[Option<u32>],
    active: Option<u32>,
    count: usize,
) -> Vec<RgbImage> {
    shots_at(scene, items, active, count, WIDTH)
}

/// The price drawn under each of `scene`'s spots holding `items` (None on an altar).
pub fn prices(scene: &RoomScene, items: &[Option<u32>]) -> Vec<Option<Price>> {
    let mut classes: Vec<Option<usize>> = items.iter().map(|i| i.map(class)).collect();
    classes.resize(scene.spots().len(), None);
    scene.priced_shot(assets(), &classes, None, WIDTH).1
}

/// [`shots`], `width` pixels wide.
pub fn shots_at(
    scene: &RoomScene,
    items: &[Option<u32>],
    active: Option<u32>,
    count: usize,
    width: u32,
) -> Vec<RgbImage> {
    let mut classes: Vec<Option<usize>> = items.iter().map(|i| i.map(class)).collect();
    classes.resize(scene.spots().len(), None);
    let frame = scene.shot(assets(), &classes, active.map(class), width);
    vec![frame; count]
}
