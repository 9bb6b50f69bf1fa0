//! Whole game frames, made a second way: a 480x270 game screen with several items (pedestals,
//! floor, shop prices, glow, the HUD's active item), Isaac, pickups and tears; scaled to a
//! window size the way the game scales (image resampling, nearest or smoothed); then cut with
//! loose, uneven boxes as a player draws them. Validation on these crops checks what the crop
//! renderer (`synth::render`, which draws each crop directly) may teach that frames lack:
//! when the two disagree by more than a point, trust this one.

use image::{DynamicImage, RgbImage, imageops::FilterType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::canvas::Canvas;
use super::entity_art::Category;
use super::props::{NEAR_ITEM_MAX_SIDE, pickup_price};
use super::scene::{self, ItemLook, Placement, SPRITE};
use super::synth::{self, SampleSpec, Split, Style, SynthAssets, SynthOptions};
use crate::catalog::price_font::Price;

/// The game's screen in game pixels.
pub const GAME_W: usize = 480;
pub const GAME_H: usize = 270;

/// Window widths a capture comes in (16:9): 2x, 2.67x, 3.33x and 4x the game screen.
const WINDOW_WIDTHS: [u32; 4] = [960, 1280, 1600, 1920];

/// An item in a frame, with where it is (screen pixels) and how it is shown.
#[derive(Clone, Debug)]
pub struct FrameItem {
    pub class: usize,
    pub placement: Placement,
    /// The sprite's 32x32 cell on screen: x, y, w, h.
    pub cell: [u32; 4],
    /// The price drawn below it, if it is for sale.
    pub price: Option<Price>,
}

/// Something in a frame that is not an item, by what it is ("enemies", "pickups", "altar",
/// "price", "stand-in" for a hand-drawn one), with its box on screen: where a scan's false
/// finds fall.
#[derive(Clone, Debug)]
pub struct FrameThing {
    pub what: &'static str,
    /// x, y, w, h in screen pixels.
    pub cell: [u32; 4],
}

/// A game frame as a capture shows it.
pub struct RenderedFrame {
    pub image: RgbImage,
    pub items: Vec<FrameItem>,
    pub things: Vec<FrameThing>,
    /// Screen pixels per game pixel.
    pub scale: f32,
}

/// An item on the game screen: its class, how it is shown and its 32x32 cell's top-left
/// corner in game pixels.
#[derive(Clone, Copy, Debug)]
pub struct ScreenItem {
    pub class: usize,
    pub placement: Placement,
    pub x: i32,
    pub y: i32,
    /// The price drawn below it (set when it is drawn).
    pub price: Option<Price>,
}

/// Something that is not an item on the game screen: what it is, its centre and radius in
/// game pixels.
#[derive(Clone, Copy, Debug)]
pub struct ScreenThing {
    pub what: &'static str,
    pub centre: (f32, f32),
    pub radius: f32,
}

/// A game screen (480x270 game pixels) and what is on it.
pub struct GameScreen {
    pub canvas: Canvas,
    pub items: Vec<ScreenItem>,
    pub things: Vec<ScreenThing>,
}

impl GameScreen {
    /// Notes the altar under, or the price below, an item drawn at `item`.
    pub fn note_item_stand(&mut self, item: &ScreenItem) {
        let cx = item.x as f32 + 16.0;
        match item.placement {
            Placement::Pedestal => self.things.push(ScreenThing {
                what: "altar",
                centre: (cx, (item.y + SPRITE) as f32 + 4.0),
                radius: 16.0,
            }),
            Placement::Shop => self.things.push(ScreenThing {
                what: "price",
                centre: (cx, (item.y + SPRITE) as f32 + 7.0),
                radius: 12.0,
            }),
            Placement::Floor | Placement::Hud => {}
        }
    }
}

/// Composes a frame holding `classes` (the first may go to the HUD slot), on `split`'s
/// backgrounds, scaled to a window of one of the usual sizes.
pub fn compose(assets: &SynthAssets, classes: &[usize], split: Split, seed: u64) -> RenderedFrame {
    let mut rng = StdRng::seed_from_u64(seed);
    let screen = compose_game(assets, classes, split, &mut rng);
    let width = WINDOW_WIDTHS[rng.random_range(0..WINDOW_WIDTHS.len())];
    window_of(screen, width, &mut rng)
}

/// The game screen scaled to a window `width` wide (16:9) the way the game scales: nearest
/// or smoothed; where its items and things are on screen.
pub fn window_of(screen: GameScreen, width: u32, rng: &mut StdRng) -> RenderedFrame {
    let height = width * 9 / 16;
    let scale = width as f32 / GAME_W as f32;
    let filter = if rng.random_bool(0.4) {
        FilterType::Nearest
    } else {
        FilterType::Triangle
    };
    let image = image::imageops::resize(&screen.canvas.to_rgb(), width, height, filter);
    let at = |v: i32| (v as f32 * scale).round() as u32;
    let items = screen
        .items
        .into_iter()
        .map(|g| FrameItem {
            class: g.class,
            placement: g.placement,
            cell: [at(g.x), at(g.y), at(SPRITE), at(SPRITE)],
            price: g.price,
        })
        .collect();
    let things = screen
        .things
        .into_iter()
        .map(|t| {
            let (x0, y0) = (t.centre.0 - t.radius, t.centre.1 - t.radius);
            let side = (2.0 * t.radius * scale).round() as u32;
            FrameThing {
                what: t.what,
                cell: [
                    (x0 * scale).max(0.0).round() as u32,
                    (y0 * scale).max(0.0).round() as u32,
                    side,
                    side,
                ],
            }
        })
        .collect();
    RenderedFrame {
        image,
        items,
        things,
        scale,
    }
}

/// The game screen (480x270 game pixels) of a frame holding `classes`, and where each went.
pub fn compose_game(
    assets: &SynthAssets,
    classes: &[usize],
    split: Split,
    rng: &mut StdRng,
) -> GameScreen {
    let canvas = assets
        .random_background(split, GAME_W, GAME_H, rng)
        .unwrap_or_else(|| Canvas::new(GAME_W, GAME_H));
    let mut screen = GameScreen {
        canvas,
        items: Vec::new(),
        things: Vec::new(),
    };
    // Room interior: the walls take the border; the HUD sits top-left over the wall.
    let mut taken: Vec<(f32, f32)> = Vec::new();
    for (i, &class) in classes.iter().enumerate() {
        let hud = i == 0 && rng.random_bool(0.15);
        let (x, y) = if hud {
            (8, 8)
        } else {
            match free_spot(&taken, rng) {
                Some(p) => p,
                None => break,
            }
        };
        let placement = if hud {
            Placement::Hud
        } else {
            match rng.random_range(0..10) {
                0..5 => Placement::Pedestal,
                // Validation frames show a collectible where the game does, never on the
                // floor; training draws it there too, as one more look around it.
                5..7 if split == Split::Validation && !assets.lies_on_floor(class) => {
                    Placement::Pedestal
                }
                5..7 => Placement::Floor,
                _ => Placement::Shop,
            }
        };
        taken.push((x as f32 + 16.0, y as f32 + 16.0));
        screen.items.push(ScreenItem {
            class,
            placement,
            x,
            y,
            price: None,
        });
    }
    let props = assets.props(split);
    // Enemies, pickups, rocks, Isaac, tears and shopkeepers, some of them close to items.
    for _ in 0..rng.random_range(2..7) {
        let near = !taken.is_empty() && rng.random_bool(0.4);
        let thing = props.choose(None, near.then_some(NEAR_ITEM_MAX_SIDE), rng);
        let at = if near {
            let (ix, iy) = taken[rng.random_range(0..taken.len())];
            let a = rng.random_range(0.0..std::f32::consts::TAU);
            let d = rng.random_range(22.0..36.0) + thing.radius() * 0.3;
            (ix + a.cos() * d, iy + a.sin() * d)
        } else {
            (rng.random_range(50.0..430.0), rng.random_range(50.0..230.0))
        };
        props.draw(&mut screen.canvas, thing, at, rng);
        screen.things.push(ScreenThing {
            what: thing.category().map_or("stand-in", Category::as_str),
            centre: at,
            radius: thing.radius(),
        });
    }
    for i in 0..screen.items.len() {
        let g = screen.items[i];
        let look = ItemLook {
            placement: g.placement,
            glow: g.placement != Placement::Hud && rng.random_bool(0.12),
        };
        let sprite = assets.look(g.class, rng).clone();
        screen.items[i].price = props.item(&mut screen.canvas, &sprite, (g.x, g.y), look, rng);
        screen.note_item_stand(&g);
        // A shop's pickups stand beside its items, above their own prices.
        if g.placement == Placement::Shop && rng.random_bool(0.5) {
            let side = if rng.random_bool(0.5) { -1.0 } else { 1.0 };
            let (cx, cy) = (g.x as f32 + 16.0 + side * 44.0, g.y as f32 + 20.0);
            if !taken
                .iter()
                .any(|(tx, ty)| (tx - cx).abs() < 30.0 && (ty - cy).abs() < 30.0)
            {
                let pickup = props.thing(
                    &mut screen.canvas,
                    (cx, cy),
                    Some(Category::Pickups),
                    Some(24),
                    rng,
                );
                let price = pickup_price(rng);
                props.price(
                    &mut screen.canvas,
                    cx,
                    cy + pickup.radius() + 2.0,
                    price,
                    rng,
                );
                screen.things.push(ScreenThing {
                    what: "pickups",
                    centre: (cx, cy + 4.0),
                    radius: pickup.radius() + 8.0,
                });
            }
        }
    }
    if rng.random_bool(0.3) {
        scene::lighting(&mut screen.canvas, rng);
    }
    screen
}

/// A training sample cut from a whole training frame: with `spec.class` a loose box around
/// that item among up to five others; without, a box anywhere on the screen (walls, HUD,
/// the room's own chests and fires, Isaac, pickups, the edge of an item) that holds no
/// item's centre.
pub fn render_window(
    assets: &SynthAssets,
    spec: SampleSpec,
    size: u32,
    options: &SynthOptions,
) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(spec.seed ^ 0x00F2_A3E5);
    let mut classes: Vec<usize> = (0..rng.random_range(0..=5))
        .map(|_| rng.random_range(0..assets.classes().max(1)))
        .collect();
    if let Some(class) = spec.class {
        classes.insert(0, class);
    }
    let screen = compose_game(assets, &classes, spec.split, &mut rng);
    let (game, placed) = (screen.canvas, screen.items);
    let view = options.box_view(&mut rng);
    let slack = (view - SPRITE as f32).max(0.0);
    let origin = match (spec.class, placed.first()) {
        (Some(_), Some(item)) => Some((
            item.x as f32 - slack / 2.0 + rng.random_range(-0.4..=0.4) * slack,
            item.y as f32 - slack / 2.0 + rng.random_range(-0.4..=0.4) * slack,
        )),
        (Some(_), None) => None,
        (None, _) => empty_box(&game, &placed, view, &mut rng),
    };
    match origin {
        Some(origin) => {
            synth::capture_box(&game, origin, view, spec.style, size, options, &mut rng)
        }
        // No room for the item, or no empty place: the crop renderer's sample instead.
        None => synth::render(assets, spec, size, options),
    }
}

/// A `view`-sided box on the screen that holds no item's centre; mostly the busiest of
/// several tries (the room's chests, fires and machines, Isaac, pickups, an item's edge),
/// since bare floor is easy and seldom where a scan goes wrong.
fn empty_box(
    game: &Canvas,
    placed: &[ScreenItem],
    view: f32,
    rng: &mut StdRng,
) -> Option<(f32, f32)> {
    let half = SPRITE as f32 / 2.0;
    let tries = if rng.random_bool(0.7) { 12 } else { 1 };
    let mut best: Option<((f32, f32), f32)> = None;
    for _ in 0..tries * 3 {
        let x = rng.random_range(-view / 4.0..GAME_W as f32 - view * 0.75);
        let y = rng.random_range(-view / 4.0..GAME_H as f32 - view * 0.75);
        let holds = |g: &ScreenItem| {
            let (cx, cy) = (g.x as f32 + half, g.y as f32 + half);
            cx > x && cx < x + view && cy > y && cy < y + view
        };
        if placed.iter().any(holds) {
            continue;
        }
        let busy = game.variance(x, y, view);
        if best.is_none_or(|(_, b)| busy > b) {
            best = Some(((x, y), busy));
        }
        if tries == 1 {
            break;
        }
    }
    best.map(|(origin, _)| origin)
}

/// A free place for an item's 32x32 cell inside the room, away from other items.
fn free_spot(taken: &[(f32, f32)], rng: &mut StdRng) -> Option<(i32, i32)> {
    for _ in 0..50 {
        let x = rng.random_range(56..GAME_W as i32 - 56 - SPRITE);
        let y = rng.random_range(48..GAME_H as i32 - 40 - SPRITE);
        let (cx, cy) = (x as f32 + 16.0, y as f32 + 16.0);
        if taken
            .iter()
            .all(|(tx, ty)| (tx - cx).abs() > 60.0 || (ty - cy).abs() > 56.0)
        {
            return Some((x, y));
        }
    }
    None
}

/// A player's box around `cell`: each side pushed out by its own share of the item's size,
/// so boxes are loose, uneven and off-centre; kept inside the frame.
pub fn loose_box(cell: [u32; 4], frame: (u32, u32), rng: &mut StdRng) -> [u32; 4] {
    let [x, y, w, h] = cell.map(|v| v as f32);
    let mut pad = || rng.random_range(0.05..0.55f32);
    let (l, t, r, b) = (pad() * w, pad() * h, pad() * w, (pad() + 0.1) * h);
    let x0 = (x - l).max(0.0);
    let y0 = (y - t).max(0.0);
    let x1 = (x + w + r).min(frame.0 as f32);
    let y1 = (y + h + b).min(frame.1 as f32);
    [
        x0 as u32,
        y0 as u32,
        ((x1 - x0) as u32).max(1),
        ((y1 - y0) as u32).max(1),
    ]
}

/// A labelled crop cut from a frame.
pub struct FrameCrop {
    pub class: usize,
    pub style: Style,
    pub placement: Placement,
    pub image: DynamicImage,
}

/// Validation crops from frames: each class `per_class` times per style, four items a
/// frame, on `split`'s backgrounds. Screenshots are the frame's own pixels (JPEG half the
/// time); phone photos go through the camera at the crop's size.
pub fn validation_crops(
    assets: &SynthAssets,
    per_class: u32,
    seed: u64,
    options: &SynthOptions,
) -> Vec<FrameCrop> {
    use rayon::prelude::*;
    let classes = assets.classes();
    let mut jobs = Vec::new();
    for (s, style) in [Style::Screenshot, Style::Phone].into_iter().enumerate() {
        for round in 0..per_class as usize {
            let mut order: Vec<usize> = (0..classes).collect();
            let mut shuffle =
                StdRng::seed_from_u64(synth::sample_seed(seed, (s * 1000 + round) as u64));
            for i in (1..order.len()).rev() {
                order.swap(i, shuffle.random_range(0..=i));
            }
            for (f, group) in order.chunks(4).enumerate() {
                let frame_seed =
                    synth::sample_seed(seed ^ 0xF4A3E, ((s * 1000 + round) * 100_000 + f) as u64);
                jobs.push((style, group.to_vec(), frame_seed));
            }
        }
    }
    jobs.par_iter()
        .flat_map_iter(|(style, group, frame_seed)| {
            let frame = compose(assets, group, Split::Validation, *frame_seed);
            let mut rng = StdRng::seed_from_u64(frame_seed ^ 0xB0C5);
            let mut crops = Vec::new();
            for item in &frame.items {
                let [x, y, w, h] = loose_box(item.cell, frame.image.dimensions(), &mut rng);
                let crop = image::imageops::crop_imm(&frame.image, x, y, w, h).to_image();
                let image = match style {
                    Style::Screenshot if rng.random_bool(0.5) => {
                        synth::jpeg_roundtrip(&crop, rng.random_range(60..95))
                    }
                    Style::Screenshot => crop,
                    Style::Phone => photograph(&crop, options, &mut rng),
                };
                crops.push(FrameCrop {
                    class: item.class,
                    style: *style,
                    placement: item.placement,
                    image: DynamicImage::ImageRgb8(image),
                });
            }
            crops
        })
        .collect()
}

/// A phone photo of the crop's part of the screen, at a phone's resolution for that area.
fn photograph(crop: &RgbImage, options: &SynthOptions, rng: &mut StdRng) -> RgbImage {
    let (w, h) = crop.dimensions();
    let k = rng.random_range(0.5..1.0f32);
    let (pw, ph) = (
        ((w as f32 * k) as u32).max(8),
        ((h as f32 * k) as u32).max(8),
    );
    let small = image::imageops::resize(crop, pw, ph, FilterType::Triangle);
    let mut canvas = Canvas::new(pw as usize, ph as usize);
    for (dst, src) in canvas.px.iter_mut().zip(small.pixels()) {
        *dst = src.0.map(|v| v as f32 / 255.0);
    }
    let out = synth::capture(canvas, Style::Phone, pw.max(ph), options, rng);
    image::imageops::resize(&out, pw, ph, FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets() -> SynthAssets {
        let sprites = (0..6u8)
            .map(|i| {
                let mut s = image::RgbaImage::new(32, 32);
                for y in 6..26 {
                    for x in 6..26 {
                        s.put_pixel(x, y, image::Rgba([40 * i, 200 - 30 * i, 90, 255]));
                    }
                }
                s
            })
            .collect();
        SynthAssets::from_sprites(sprites)
    }

    #[test]
    fn frames_place_items_where_their_sprites_are_drawn() {
        let assets = assets();
        let frame = compose(&assets, &[1, 2, 3], Split::Validation, 9);
        assert_eq!(frame.image.width() * 9, frame.image.height() * 16);
        assert!(!frame.items.is_empty());
        for item in &frame.items {
            let [x, y, w, h] = item.cell;
            assert!((w as f32 - 32.0 * frame.scale).abs() <= 1.0);
            // The middle of the cell shows the item's colour (green channel 200 - 30 i).
            let p = frame.image.get_pixel(x + w / 2, y + h / 2);
            let want = 200 - 30 * item.class as i32;
            assert!((p[1] as i32 - want).abs() < 60, "{:?} vs {want}", p);
        }
    }

    #[test]
    fn validation_frames_show_a_collectible_on_the_floor_never_and_a_trinket_there_too() {
        // Classes 0-2 collectibles, 3-5 trinkets.
        let assets = assets().with_trinkets(vec![false, false, false, true, true, true]);
        let on_floor = |split, class| {
            (0..60)
                .flat_map(|seed| compose(&assets, &[class, class, class], split, seed).items)
                .filter(|i| i.placement == Placement::Floor)
                .count()
        };
        assert_eq!(on_floor(Split::Validation, 1), 0);
        assert!(on_floor(Split::Validation, 4) >= 10);
        // Training draws a collectible there too, as one more look around it.
        assert!(on_floor(Split::Train, 1) >= 10);
    }

    #[test]
    fn frame_windows_hold_their_item_and_empty_ones_hold_none() {
        let assets = assets();
        let plain = SynthOptions {
            phone_share: 0.0,
            colour: false,
            blur: false,
            noise: false,
            jpeg: false,
            ..SynthOptions::default()
        };
        // Pixels of item 2's colour (40 i, 200 - 30 i, 90) in a window.
        let of_item = |img: &RgbImage| {
            img.pixels()
                .filter(|p| {
                    (p[0] as i32 - 80).abs() < 20
                        && (p[1] as i32 - 140).abs() < 20
                        && (p[2] as i32 - 90).abs() < 20
                })
                .count()
        };
        let (mut with, mut without) = (0, 0);
        for seed in 0..30 {
            let spec = SampleSpec {
                class: Some(2),
                style: Style::Screenshot,
                split: Split::Train,
                seed,
            };
            with += of_item(&render_window(&assets, spec, 64, &plain));
            let empty = SampleSpec {
                class: None,
                ..spec
            };
            without += of_item(&render_window(&assets, empty, 64, &plain));
        }
        // An item fills a quarter or more of its window; an empty window holds no item's
        // centre, so at most part of one (often, since it picks busy places: 7x fewer
        // pixels measured).
        assert!(with > 30 * 400, "{with}");
        assert!(without * 5 < with, "{without} vs {with}");
    }

    #[test]
    fn loose_boxes_contain_the_item_and_stay_in_the_frame() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let b = loose_box([100, 50, 128, 128], (400, 300), &mut rng);
            assert!(b[0] <= 100 && b[1] <= 50);
            assert!(b[0] + b[2] >= 228 && b[1] + b[3] >= 178);
            assert!(b[0] + b[2] <= 400 && b[1] + b[3] <= 300);
        }
    }
}
