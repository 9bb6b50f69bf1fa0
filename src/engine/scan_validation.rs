//! How well a scan finds items, on two sets of frames:
//!
//! - [`validation_frames`]: the renderer's whole frames on backgrounds training never sees,
//!   holding 0-6 items (pedestals, floor, shop prices, glow, sometimes the HUD's active item,
//!   which must not be found) among enemies, pickups, rocks and Isaac; shown at capture sizes
//!   from a 320-wide thumbnail to 4K, some letterboxed, some as JPEG.
//! - [`room_frames`]: frames built from what the renderer does not make: a whole real room
//!   render that training never sees, with items where the game puts them (altars on the
//!   room's grid, a shop's row above prices in the game's digits) and only held-out real art
//!   around them; a quarter of them hold no item at all.
//!
//! Each false find is put down to what it fell on (enemies, pickups, an altar, a price, the
//! room itself), so a figure says what the model still takes for an item.

use image::{DynamicImage, RgbImage, RgbaImage, imageops::FilterType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::canvas::Canvas;
use super::entity_art::Category;
use super::frames::{self, FrameItem, FrameThing, GameScreen, ScreenItem, ScreenThing};
use super::props::pickup_price;
use super::scan::Find;
use super::scene::{self, ItemLook, Placement};
use super::synth::{self, Split, SynthAssets};
use crate::catalog::ItemKey;

/// A frame to scan and the items a scan should find in it.
pub struct ScanCase {
    pub image: DynamicImage,
    /// Room items (not the HUD's), with their sprite cells in this image's pixels.
    pub items: Vec<FrameItem>,
    /// What else is in it, in this image's pixels.
    pub things: Vec<FrameThing>,
    /// The items are hidden (Curse of the Blind): found right means reported hidden.
    pub hidden: bool,
}

/// Capture widths a validation frame is shown at.
const WIDTHS: [u32; 6] = [320, 560, 960, 1280, 1920, 3840];

/// `count` validation frames from `seed`; the i-th holds `i % 7` items.
pub fn validation_frames(assets: &SynthAssets, count: usize, seed: u64) -> Vec<ScanCase> {
    use rayon::prelude::*;
    (0..count)
        .into_par_iter()
        .map(|i| validation_frame(assets, i % 7, synth::sample_seed(seed ^ 0x5CA7, i as u64)))
        .collect()
}

fn validation_frame(assets: &SynthAssets, items: usize, seed: u64) -> ScanCase {
    let mut rng = StdRng::seed_from_u64(seed);
    let classes: Vec<usize> = (0..items)
        .map(|_| rng.random_range(0..assets.classes()))
        .collect();
    let frame = frames::compose(assets, &classes, Split::Validation, rng.random());
    let width = WIDTHS[rng.random_range(0..WIDTHS.len())];
    capture_frame(frame, width, &mut rng)
}

/// A rendered frame as a capture of `width` shows it: resized, a quarter letterboxed (a 4:3
/// window with bars above and below), some as JPEG; the HUD's item is not one to find.
fn capture_frame(frame: frames::RenderedFrame, width: u32, rng: &mut StdRng) -> ScanCase {
    let (fw, fh) = frame.image.dimensions();
    let height = width * 9 / 16;
    let game = image::imageops::resize(&frame.image, width, height, FilterType::Triangle);
    let (image, top) = if rng.random_bool(0.25) {
        let bar = width * 3 / 4 - height;
        let mut boxed = RgbImage::new(width, height + bar);
        image::imageops::overlay(&mut boxed, &game, 0, i64::from(bar / 2));
        (boxed, bar / 2)
    } else {
        (game, 0)
    };
    let image = if rng.random_bool(0.3) {
        synth::jpeg_roundtrip(&image, rng.random_range(60..90))
    } else {
        image
    };
    let k = width as f32 / fw as f32;
    debug_assert!((height as f32 / fh as f32 - k).abs() < 0.01);
    let moved = |cell: [u32; 4]| {
        let [x, y, w, h] = cell.map(|v| v as f32 * k);
        [x as u32, y as u32 + top, w as u32, h as u32]
    };
    let items = frame
        .items
        .into_iter()
        .filter(|item| item.placement != Placement::Hud)
        .map(|item| FrameItem {
            cell: moved(item.cell),
            ..item
        })
        .collect();
    let things = frame
        .things
        .into_iter()
        .map(|t| FrameThing {
            cell: moved(t.cell),
            ..t
        })
        .collect();
    ScanCase {
        image: DynamicImage::ImageRgb8(image),
        items,
        things,
        hidden: false,
    }
}

/// Side of a floor tile in game pixels, and the room's 13x7 tiles' top-left corner on the
/// 480x270 screen.
const TILE: f32 = 26.0;
const GRID_ORIGIN: (f32, f32) = (71.0, 44.0);
const GRID: (usize, usize) = (13, 7);

/// Centre of tile (column, row) in game pixels.
fn tile_centre(column: usize, row: usize) -> (f32, f32) {
    (
        GRID_ORIGIN.0 + (column as f32 + 0.5) * TILE,
        GRID_ORIGIN.1 + (row as f32 + 0.5) * TILE,
    )
}

/// `count` frames built from held-out real room renders and held-out real art; None when
/// the real rooms or the art are not loaded. By turns: a treasure or boss room (one or two
/// altars), a shop (a row of items above prices, pickups above 3¢ and 5¢, the shopkeeper),
/// a choice room (three to six altars a tile or two apart), and a room with no item; in a
/// third of the rooms with items, a trinket lying on the floor as well.
pub fn room_frames(assets: &SynthAssets, count: usize, seed: u64) -> Option<Vec<ScanCase>> {
    use rayon::prelude::*;
    if assets.held_out_rooms().is_empty() || assets.entities().is_none() {
        return None;
    }
    Some(
        (0..count)
            .into_par_iter()
            .map(|i| {
                room_frame(
                    assets,
                    i % 4,
                    synth::sample_seed(seed ^ 0x200F, i as u64),
                    None,
                )
            })
            .collect(),
    )
}

/// [`room_frames`] under the Curse of the Blind: `mark` (a hidden item's "?", centred in
/// an item's 32x32 cell) drawn in place of every item, and no room without one. Each
/// frame's `items` say where a hidden item stands.
pub fn blind_room_frames(
    assets: &SynthAssets,
    count: usize,
    seed: u64,
    mark: &RgbaImage,
) -> Option<Vec<ScanCase>> {
    use rayon::prelude::*;
    if assets.held_out_rooms().is_empty() || assets.entities().is_none() {
        return None;
    }
    let mut cell = RgbaImage::new(32, 32);
    let (w, h) = (mark.width().min(32), mark.height().min(32));
    image::imageops::overlay(
        &mut cell,
        &image::imageops::crop_imm(mark, 0, 0, w, h).to_image(),
        i64::from((32 - w) / 2),
        i64::from((32 - h) / 2),
    );
    Some(
        (0..count)
            .into_par_iter()
            .map(|i| {
                let seed = synth::sample_seed(seed ^ 0xB11D, i as u64);
                ScanCase {
                    hidden: true,
                    ..room_frame(assets, i % 3, seed, Some(&cell))
                }
            })
            .collect(),
    )
}

/// A frame of a held-out real room of `kind`, its items drawn (as `mark` when given).
fn room_frame(assets: &SynthAssets, kind: usize, seed: u64, mark: Option<&RgbaImage>) -> ScanCase {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut screen = room_layout(assets, kind, &mut rng);
    let props = assets.props(Split::Validation);
    for i in 0..screen.items.len() {
        let g = screen.items[i];
        let look = ItemLook {
            placement: g.placement,
            glow: false,
        };
        let sprite = match mark {
            Some(mark) => mark.clone(),
            None => assets.look(g.class, &mut rng).clone(),
        };
        screen.items[i].price = props.item(&mut screen.canvas, &sprite, (g.x, g.y), look, &mut rng);
        screen.note_item_stand(&g);
    }
    // Under the Curse of the Blind a trinket still shows: only items with a mark are drawn.
    let mut floor_rng = StdRng::seed_from_u64(seed ^ 0x7E1C_E7F1);
    if let (None, Some(trinket)) = (mark, floor_trinket(assets, &screen, kind, &mut floor_rng)) {
        let look = ItemLook {
            placement: Placement::Floor,
            glow: false,
        };
        let sprite = assets.look(trinket.class, &mut floor_rng).clone();
        props.item(
            &mut screen.canvas,
            &sprite,
            (trinket.x, trinket.y),
            look,
            &mut floor_rng,
        );
        screen.items.push(trinket);
    }
    if rng.random_bool(0.2) {
        scene::lighting(&mut screen.canvas, &mut rng);
    }
    let window = [960, 1280, 1600, 1920][rng.random_range(0..4)];
    let frame = frames::window_of(screen, window, &mut rng);
    let width = [960, 1280, 1920][rng.random_range(0..3)];
    capture_frame(frame, width, &mut rng)
}

/// Tiles where the picture has its own things (a room's machines, its statue, a player
/// drawn into it, clutter drawn since): no item stands there in the game, and an item pasted
/// over one is a sight no player sees. A tile is busy when it is far busier than the
/// picture's typical tile.
fn busy_tiles(canvas: &Canvas) -> Vec<bool> {
    let busyness: Vec<f32> = (0..GRID.1)
        .flat_map(|r| (0..GRID.0).map(move |c| (c, r)))
        .map(|(c, r)| {
            let (cx, cy) = tile_centre(c, r);
            canvas.variance(cx - 16.0, cy - 22.0, 32.0)
        })
        .collect();
    let mut sorted = busyness.clone();
    sorted.sort_by(f32::total_cmp);
    let typical = sorted[sorted.len() / 2].max(1e-4);
    busyness
        .iter()
        .map(|&b| b > (4.0 * typical).max(0.025))
        .collect()
}

/// Now and then a trinket lying on the floor of a room with items (`kind` 0-2), on a calm
/// tile away from the items and whatever else is there: the one kind of item the game
/// leaves on the floor. From its own `rng`, so the rest of the frame is as without it.
fn floor_trinket(
    assets: &SynthAssets,
    screen: &GameScreen,
    kind: usize,
    rng: &mut StdRng,
) -> Option<ScreenItem> {
    if kind > 2 || !rng.random_bool(0.3) {
        return None;
    }
    let class = (0..200)
        .map(|_| rng.random_range(0..assets.classes().max(1)))
        .find(|&c| assets.lies_on_floor(c))?;
    let busy = busy_tiles(&screen.canvas);
    let far =
        |(x, y): (f32, f32), (ox, oy): (f32, f32), d: f32| (x - ox).abs().max((y - oy).abs()) >= d;
    for _ in 0..40 {
        let (c, r) = (rng.random_range(1..GRID.0 - 1), rng.random_range(0..GRID.1));
        let at = tile_centre(c, r);
        if busy[r * GRID.0 + c]
            || !screen
                .items
                .iter()
                .all(|i| far(at, (i.x as f32 + 16.0, i.y as f32 + 22.0), 2.0 * TILE))
            || !screen
                .things
                .iter()
                .all(|t| far(at, t.centre, t.radius + TILE * 0.75))
        {
            continue;
        }
        return Some(ScreenItem {
            class,
            placement: Placement::Floor,
            x: (at.0 - 16.0).round() as i32,
            y: (at.1 - 18.0).round() as i32,
            price: None,
        });
    }
    None
}

/// A held-out real room of `kind` (0 treasure, 1 shop, 2 choice, 3 none) with its clutter
/// drawn (the player, a shop's keeper and pickups for sale, rocks, enemies) and its items
/// chosen and placed but not drawn: `screen.items`.
pub fn room_layout(assets: &SynthAssets, kind: usize, rng: &mut StdRng) -> GameScreen {
    let rooms = assets.held_out_rooms();
    let room = rooms[rng.random_range(0..rooms.len())];
    let mut screen = GameScreen {
        canvas: scene::room_fitted(room, frames::GAME_W, frames::GAME_H),
        items: Vec::new(),
        things: Vec::new(),
    };
    let props = assets.props(Split::Validation);
    let classes = assets.classes();
    let mut used = busy_tiles(&screen.canvas);
    // Items, as tiles and placements.
    let mut spots: Vec<(usize, usize, Placement)> = Vec::new();
    match kind {
        0 => {
            let n = if rng.random_bool(0.33) { 2 } else { 1 };
            let (c, r) = (6 - (n - 1), 3);
            for k in 0..n {
                spots.push((c + 2 * k, r, Placement::Pedestal));
            }
        }
        1 => {
            let n = rng.random_range(2..=4);
            let c0 = 6 - (n - 1);
            for k in 0..n {
                spots.push((c0 + 2 * k, 3, Placement::Shop));
            }
        }
        2 => {
            let n = rng.random_range(3..=6);
            let gap = rng.random_range(1..=2);
            let c0 = (6usize).saturating_sub((n - 1) * gap / 2);
            for k in 0..n {
                spots.push((
                    (c0 + k * gap).min(GRID.0 - 1),
                    2 + (k % 2) * 2,
                    Placement::Pedestal,
                ));
            }
        }
        _ => {}
    }
    // The arrangement moved (rows up or down, columns aside) to where none of its items
    // stands on or beside a busy tile (an item is wider than a tile); items that still would
    // are left out.
    let calm = |c: usize, r: usize, used: &[bool]| {
        let beside = c.saturating_sub(1)..=(c + 1).min(GRID.0 - 1);
        !beside.into_iter().any(|cc| used[r * GRID.0 + cc])
    };
    let moved = |(dc, dr): (i32, i32)| -> Option<Vec<(usize, usize, Placement)>> {
        spots
            .iter()
            .map(|&(c, r, p)| {
                let (c, r) = (c as i32 + dc, r as i32 + dr);
                ((0..GRID.0 as i32).contains(&c) && (0..GRID.1 as i32).contains(&r))
                    .then_some((c as usize, r as usize, p))
            })
            .collect()
    };
    let shifts = [
        (0, 0),
        (0, -1),
        (0, 1),
        (-2, 0),
        (2, 0),
        (0, 2),
        (-2, 1),
        (2, -1),
        (-3, 0),
    ];
    if let Some(fit) = shifts
        .into_iter()
        .filter_map(moved)
        .find(|s| s.iter().all(|&(c, r, _)| calm(c, r, &used)))
    {
        spots = fit;
    }
    for &(c, r, placement) in &spots {
        if !calm(c, r, &used) {
            continue;
        }
        used[r * GRID.0 + c] = true;
        let (cx, cy) = tile_centre(c, r);
        screen.items.push(ScreenItem {
            class: rng.random_range(0..classes),
            placement,
            x: (cx - 16.0).round() as i32,
            // The sprite floats above its tile.
            y: (cy - 22.0).round() as i32,
            price: None,
        });
    }
    let free_tile = |rng: &mut StdRng, used: &mut Vec<bool>| {
        for _ in 0..40 {
            let (c, r) = (rng.random_range(0..GRID.0), rng.random_range(0..GRID.1));
            let near = (r.saturating_sub(1)..=(r + 1).min(GRID.1 - 1)).any(|rr| {
                (c.saturating_sub(1)..=(c + 1).min(GRID.0 - 1)).any(|cc| used[rr * GRID.0 + cc])
            });
            if !near {
                used[r * GRID.0 + c] = true;
                return Some(tile_centre(c, r));
            }
        }
        None
    };
    let put = |screen: &mut GameScreen, at: (f32, f32), category: Category, rng: &mut StdRng| {
        let max = (category != Category::Bosses).then_some(64);
        let thing = props.choose(Some(category), max, rng);
        props.draw(&mut screen.canvas, thing, at, rng);
        screen.things.push(ScreenThing {
            what: thing.category().map_or("stand-in", Category::as_str),
            centre: at,
            radius: thing.radius(),
        });
        thing
    };
    // The player.
    if let Some(at) = free_tile(rng, &mut used) {
        put(&mut screen, at, Category::Characters, rng);
    }
    if kind == 1 {
        // The shopkeeper behind the row, pickups for sale beside it.
        let (kx, ky) = tile_centre(6, 1);
        put(&mut screen, (kx, ky), Category::Npcs, rng);
        for c in [1usize, 11] {
            if rng.random_bool(0.7) {
                let (cx, cy) = tile_centre(c, 3);
                let pickup = put(&mut screen, (cx, cy), Category::Pickups, rng);
                let price = pickup_price(rng);
                props.price(
                    &mut screen.canvas,
                    cx,
                    cy + pickup.radius().min(12.0) + 2.0,
                    price,
                    rng,
                );
                screen.things.push(ScreenThing {
                    what: "price",
                    centre: (cx, cy + 14.0),
                    radius: 10.0,
                });
            }
        }
    }
    // Rocks, pots and poops on tiles; enemies, pickups and tears anywhere free.
    let clutter = if kind == 3 {
        rng.random_range(4..10)
    } else {
        rng.random_range(2..7)
    };
    for _ in 0..clutter {
        let category = match rng.random_range(0..10) {
            0..3 => Category::Grid,
            3..6 => Category::Enemies,
            6..8 => Category::Pickups,
            8 => Category::Effects,
            _ => Category::Bosses,
        };
        if let Some(at) = free_tile(rng, &mut used) {
            put(&mut screen, at, category, rng);
        }
    }
    screen
}

/// What scans of validation frames found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScanScore {
    pub frames: usize,
    pub items: usize,
    /// Items found and named right (top-1).
    pub found_right: usize,
    /// Items found but named wrong.
    pub found_wrong: usize,
    /// Finds on no item (a second find on one item counts too).
    pub false_finds: usize,
    /// False finds by what they fell on: a category of the art ("enemies", "pickups"), an
    /// "altar", a "price", a "second find" on an item, or "room" (walls, doors, floor).
    pub false_on: std::collections::BTreeMap<String, usize>,
    /// Items for sale that were found, and those whose price was read right.
    pub priced: usize,
    pub prices_right: usize,
    /// ... and those read as another price (none read is neither).
    pub prices_wrong: usize,
    /// Prices read under items not for sale.
    pub prices_invented: usize,
    /// False finds with a price read under them (a pickup for sale taken for an item).
    pub false_finds_priced: usize,
}

impl ScanScore {
    /// Adds one frame's finds; `classes` names the frame items' class indices.
    pub fn add(&mut self, case: &ScanCase, finds: &[Find], classes: &[ItemKey]) {
        let centre = |f: &Find| {
            let b = f.bbox;
            (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0)
        };
        let inside = |(px, py): (f32, f32), [x, y, w, h]: [u32; 4], pad: f32| {
            let [x, y, w, h] = [x, y, w, h].map(|v| v as f32);
            px >= x - pad && px <= x + w + pad && py >= y - pad && py <= y + h + pad
        };
        self.frames += 1;
        self.items += case.items.len();
        let mut used = vec![false; finds.len()];
        for item in &case.items {
            let [x, y, w, h] = item.cell.map(|v| v as f32);
            let (cx, cy) = (x + w / 2.0, y + h / 2.0);
            // The find whose centre is nearest the item's, within half a sprite.
            let nearest = finds
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, f)| {
                    let (fx, fy) = centre(f);
                    (i, (fx - cx).abs().max((fy - cy).abs()))
                })
                .filter(|&(_, d)| d <= w / 2.0)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = nearest {
                used[i] = true;
                match item.price {
                    Some(price) => {
                        self.priced += 1;
                        match finds[i].price {
                            Some(read) if read == price => self.prices_right += 1,
                            Some(_) => self.prices_wrong += 1,
                            None => {}
                        }
                    }
                    None => self.prices_invented += usize::from(finds[i].price.is_some()),
                }
                let right = if case.hidden {
                    finds[i].hidden
                } else {
                    finds[i]
                        .predictions
                        .first()
                        .is_some_and(|p| classes.get(item.class) == Some(&p.key))
                };
                if right {
                    self.found_right += 1;
                } else {
                    self.found_wrong += 1;
                }
            }
        }
        for (find, _) in finds.iter().zip(&used).filter(|(_, u)| !**u) {
            self.false_finds += 1;
            self.false_finds_priced += usize::from(find.price.is_some());
            let at = centre(find);
            let on_item = case.items.iter().any(|i| inside(at, i.cell, 0.0));
            // The smallest thing the find's centre falls on.
            let thing = case
                .things
                .iter()
                .filter(|t| inside(at, t.cell, t.cell[2] as f32 * 0.15))
                .min_by_key(|t| t.cell[2]);
            let what = match thing {
                _ if on_item => "second find",
                Some(t) => t.what,
                None => "room",
            };
            *self.false_on.entry(what.to_string()).or_default() += 1;
        }
    }

    /// Share of items found and named right.
    pub fn recall(&self) -> f64 {
        self.found_right as f64 / self.items.max(1) as f64
    }

    /// False finds per frame.
    pub fn false_per_frame(&self) -> f64 {
        self.false_finds as f64 / self.frames.max(1) as f64
    }

    /// The false finds by what they fell on, most first: "enemies 3, price 1".
    pub fn false_on_line(&self) -> String {
        let mut by: Vec<(&String, &usize)> = self.false_on.iter().collect();
        by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = by.iter().map(|(k, v)| format!("{k} {v}")).collect();
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ItemKey, ItemKind};
    use crate::engine::entity_art::{EntityArt, held_out};
    use crate::engine::predict::{CropBox, Prediction};

    /// Items: squares of one colour each. Art: a held-out and a trained name of each
    /// category the room frames draw, as flat squares of a colour no item has.
    fn assets() -> SynthAssets {
        let sprites = (0..4u8)
            .map(|i| image::RgbaImage::from_pixel(32, 32, image::Rgba([60 * i, 220, 40, 255])))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let name = |want: bool, from: usize| {
            (from..)
                .map(|i| format!("thing{i}"))
                .find(|n| held_out(n) == want)
                .unwrap()
        };
        let mut rows = Vec::new();
        for (k, category) in [
            "enemies",
            "bosses",
            "pickups",
            "grid",
            "characters",
            "npcs",
            "effects",
        ]
        .iter()
        .enumerate()
        {
            for want in [true, false] {
                let n = name(want, k * 100);
                let file = format!("{category}_{n}.png");
                image::RgbaImage::from_pixel(20, 20, image::Rgba([20, 20, 200, 255]))
                    .save(dir.path().join(&file))
                    .unwrap();
                rows.push(format!(
                    r#"{{"file":"{file}","category":"{category}","name":"{n}"}}"#
                ));
            }
        }
        std::fs::write(
            dir.path().join("manifest.json"),
            format!("[{}]", rows.join(",")),
        )
        .unwrap();
        let art = EntityArt::load(dir.path()).unwrap();
        let room = RgbImage::from_pixel(1000, 625, image::Rgb([90, 70, 60]));
        SynthAssets::from_sprites(sprites)
            .with_entities(art)
            .with_held_out_rooms(vec![room])
    }

    #[test]
    fn room_frames_hold_their_items_where_they_say_and_a_quarter_hold_none() {
        let assets = assets();
        let frames = room_frames(&assets, 8, 3).unwrap();
        assert_eq!(frames.iter().filter(|f| f.items.is_empty()).count(), 2);
        for frame in &frames {
            let img = frame.image.to_rgb8();
            for item in &frame.items {
                let [x, y, w, h] = item.cell;
                let p = img.get_pixel(x + w / 2, y + h / 2);
                // The item's green, not the art's blue or the room's brown (even when dark).
                assert!(p[1] > p[2] + 50, "{p:?} at {:?}", item.cell);
            }
            // Only the held-out art is drawn, and each thing is noted.
            assert!(frame.things.iter().all(|t| t.what != "stand-in"));
        }
        assert!(frames.iter().map(|f| f.things.len()).sum::<usize>() >= 8 * 3);
        // Without real rooms there is no such set.
        let bare = SynthAssets::from_sprites(vec![image::RgbaImage::new(32, 32)]);
        assert!(room_frames(&bare, 4, 3).is_none());
    }

    fn find_at(cx: u32, cy: u32, key: ItemKey) -> Find {
        Find {
            bbox: CropBox {
                x: cx - 20,
                y: cy - 20,
                w: 40,
                h: 40,
            },
            predictions: vec![Prediction { key, score: 0.9 }],
            price: None,
            hidden: false,
        }
    }

    #[test]
    fn false_finds_are_put_down_to_what_they_fell_on() {
        let key = |id| ItemKey::new(ItemKind::Collectible, id);
        let classes = [key(1), key(2)];
        let case = ScanCase {
            image: DynamicImage::new_rgb8(400, 300),
            items: vec![FrameItem {
                class: 0,
                placement: Placement::Pedestal,
                cell: [100, 100, 40, 40],
                price: None,
            }],
            things: vec![
                FrameThing {
                    what: "enemies",
                    cell: [250, 50, 60, 60],
                },
                FrameThing {
                    what: "price",
                    cell: [270, 70, 20, 20],
                },
            ],
            hidden: false,
        };
        let finds = [
            find_at(120, 120, key(1)), // the item, named right
            find_at(125, 118, key(2)), // a second find on it
            find_at(260, 60, key(2)),  // the enemy
            find_at(280, 80, key(2)),  // the price on the enemy: the smaller thing
            find_at(350, 250, key(2)), // the floor
        ];
        let mut score = ScanScore::default();
        score.add(&case, &finds, &classes);
        assert_eq!(
            (score.found_right, score.found_wrong, score.false_finds),
            (1, 0, 4)
        );
        let on: Vec<(&str, usize)> = score
            .false_on
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            on,
            [
                ("enemies", 1),
                ("price", 1),
                ("room", 1),
                ("second find", 1)
            ]
        );
        assert_eq!(
            score.false_on_line(),
            "enemies 1, price 1, room 1, second find 1"
        );
        assert_eq!((score.priced, score.prices_invented), (0, 0));
    }

    #[test]
    fn prices_are_scored_right_wrong_or_read_where_none_is() {
        use crate::catalog::price_font::Price;
        let key = |id| ItemKey::new(ItemKind::Collectible, id);
        let item = |x, price| FrameItem {
            class: 0,
            placement: Placement::Shop,
            cell: [x, 100, 40, 40],
            price,
        };
        let case = ScanCase {
            image: DynamicImage::new_rgb8(600, 300),
            items: vec![
                item(100, Some(Price::Cents(15))),
                item(200, Some(Price::Hearts(2))),
                item(300, Some(Price::Cents(7))),
                item(400, None),
            ],
            things: Vec::new(),
            hidden: false,
        };
        let priced = |x, price| Find {
            price,
            ..find_at(x, 120, key(1))
        };
        let finds = [
            priced(120, Some(Price::Cents(15))), // read right
            priced(220, Some(Price::Hearts(1))), // read wrong
            priced(320, None),                   // not read
            priced(420, Some(Price::Cents(5))),  // read under an item not for sale
            priced(520, Some(Price::Cents(3))),  // a false find above a price
        ];
        let mut score = ScanScore::default();
        score.add(&case, &finds, &[key(1)]);
        assert_eq!(
            (
                score.priced,
                score.prices_right,
                score.prices_wrong,
                score.prices_invented,
                score.false_finds_priced
            ),
            (3, 1, 1, 1, 1)
        );
    }
}
