//! One room over time, as a recorded session shows it: the same held-out real room, clutter
//! and altars in every shot, with items taken (an empty altar, a shop spot without its
//! price), rerolled or changed in the HUD's active slot. What the run log's tests play.

use image::{RgbImage, imageops::FilterType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::frames::{GAME_H, GAME_W, GameScreen, ScreenItem};
use super::scan_validation::room_layout;
use super::scene::{ItemLook, Placement};
use super::synth::{Split, SynthAssets};
use crate::catalog::price_font::Price;

/// Where the HUD draws the active item's sprite, in game pixels.
const HUD_SLOT: (i32, i32) = (8, 8);

/// A room's layout: the room, its clutter and the spots where its items stand.
pub struct RoomScene {
    screen: GameScreen,
    seed: u64,
}

impl RoomScene {
    /// A held-out real room of `kind` (0 treasure, 1 shop, 2 choice); None without the
    /// held-out rooms and real art.
    pub fn new(assets: &SynthAssets, kind: usize, seed: u64) -> Option<Self> {
        if assets.held_out_rooms().is_empty() || assets.entities().is_none() {
            return None;
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let screen = room_layout(assets, kind, &mut rng);
        Some(Self { screen, seed })
    }

    /// The first room of `kind` from `seed` on with at least `spots` item spots.
    pub fn first_with(assets: &SynthAssets, kind: usize, spots: usize, seed: u64) -> Option<Self> {
        (seed..seed + 50)
            .filter_map(|s| Self::new(assets, kind, s))
            .find(|r| r.spots().len() >= spots)
    }

    /// The spots items stand on, in order.
    pub fn spots(&self) -> &[ScreenItem] {
        &self.screen.items
    }

    /// The room with `items[i]` (a class) on spot i, None where it was taken, and `active`
    /// in the HUD's slot, as a `width`-wide 16:9 frame.
    pub fn shot(
        &self,
        assets: &SynthAssets,
        items: &[Option<usize>],
        active: Option<usize>,
        width: u32,
    ) -> RgbImage {
        self.priced_shot(assets, items, active, width).0
    }

    /// [`RoomScene::shot`], and the price drawn under each spot's item (None on an altar or
    /// a bare spot). A spot's price is the same in every shot.
    pub fn priced_shot(
        &self,
        assets: &SynthAssets,
        items: &[Option<usize>],
        active: Option<usize>,
        width: u32,
    ) -> (RgbImage, Vec<Option<Price>>) {
        let props = assets.props(Split::Validation);
        let mut canvas = self.screen.canvas.clone();
        let mut prices = vec![None; self.screen.items.len()];
        for (i, (spot, class)) in self.screen.items.iter().zip(items).enumerate() {
            // Each spot's own draws, the same in every shot: its altar stays the same altar.
            let mut rng = StdRng::seed_from_u64(self.seed ^ (0x5107 + i as u64));
            let look = ItemLook {
                placement: spot.placement,
                glow: false,
            };
            match class {
                Some(class) => {
                    let sprite = assets.look(*class, &mut StdRng::seed_from_u64(0));
                    prices[i] = props.item(&mut canvas, sprite, (spot.x, spot.y), look, &mut rng);
                }
                // Taken from its altar: the altar stays. Bought: the spot and price are bare.
                None if spot.placement == Placement::Pedestal => {
                    let top = (spot.y + 32) as f32 - rng.random_range(6.0..10.0);
                    props.pedestal(&mut canvas, spot.x as f32 + 16.0, top, &mut rng);
                }
                None => {}
            }
        }
        if let Some(class) = active {
            let mut rng = StdRng::seed_from_u64(self.seed ^ 0xAC71);
            let look = ItemLook {
                placement: Placement::Hud,
                glow: false,
            };
            let sprite = assets.look(class, &mut StdRng::seed_from_u64(0));
            props.item(&mut canvas, sprite, HUD_SLOT, look, &mut rng);
        }
        let height = width * GAME_H as u32 / GAME_W as u32;
        let frame = image::imageops::resize(&canvas.to_rgb(), width, height, FilterType::Nearest);
        (frame, prices)
    }
}
