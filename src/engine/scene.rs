//! The game's own look, drawn at its native resolution (one canvas pixel is one game pixel):
//! items on pedestals, lying on the floor, in shops above a price, in the HUD's active-item
//! slot with its white outline and charge bar, with a glow halo; Isaac, tears, pickups and
//! flies as things that are not items; dark and tinted rooms. The game then scales this
//! screen to the window (`sample_scaled`), which is what a capture sees.
//!
//! Training crops (`synth`) and whole validation frames (`frames`) both draw with these.

use image::{RgbImage, RgbaImage};
use rand::Rng;
use rand::rngs::StdRng;

use super::canvas::Canvas;

/// Side of an item sprite in game pixels.
pub const SPRITE: i32 = 32;

/// Where an item is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On a stone pedestal (treasure rooms, bosses).
    Pedestal,
    /// Lying on the floor.
    Floor,
    /// On the shop floor above its price.
    Shop,
    /// The HUD's active-item slot: white outline and a charge bar.
    Hud,
}

/// How one item is drawn.
#[derive(Clone, Copy, Debug)]
pub struct ItemLook {
    pub placement: Placement,
    /// A white glow around the sprite (some rooms, mods, item effects).
    pub glow: bool,
}

/// An opaque colour or a clear pixel in the pixel-art shapes below.
type Rgb = [f32; 3];

fn put(c: &mut Canvas, x: i32, y: i32, colour: Rgb, alpha: f32) {
    if x >= 0 && y >= 0 && (x as usize) < c.w && (y as usize) < c.h {
        c.blend(x as usize, y as usize, colour, alpha.clamp(0.0, 1.0));
    }
}

/// Fills an ellipse centred at (cx, cy) with radii (rx, ry); a `rim` of the outline colour.
fn ellipse(c: &mut Canvas, cx: f32, cy: f32, rx: f32, ry: f32, fill: Rgb, rim: Option<Rgb>) {
    let (x0, x1) = (
        (cx - rx - 1.0).floor() as i32,
        (cx + rx + 1.0).ceil() as i32,
    );
    let (y0, y1) = (
        (cy - ry - 1.0).floor() as i32,
        (cy + ry + 1.0).ceil() as i32,
    );
    for y in y0..=y1 {
        for x in x0..=x1 {
            let dx = (x as f32 + 0.5 - cx) / rx.max(0.5);
            let dy = (y as f32 + 0.5 - cy) / ry.max(0.5);
            let d = dx * dx + dy * dy;
            let inner = ((rx - 1.0).max(0.5) / rx.max(0.5)).powi(2);
            if d <= 1.0 {
                match rim {
                    Some(r) if d > inner => put(c, x, y, r, 1.0),
                    _ => put(c, x, y, fill, 1.0),
                }
            }
        }
    }
}

/// A soft dark ellipse: the shadow under an item or entity.
pub fn shadow(c: &mut Canvas, cx: f32, cy: f32, rx: f32, ry: f32, strength: f32) {
    let (x0, x1) = ((cx - rx).floor() as i32, (cx + rx).ceil() as i32);
    let (y0, y1) = ((cy - ry).floor() as i32, (cy + ry).ceil() as i32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d = ((x as f32 + 0.5 - cx) / rx).powi(2) + ((y as f32 + 0.5 - cy) / ry).powi(2);
            if d < 1.0 {
                put(c, x, y, [0.0; 3], strength * (1.0 - d * d));
            }
        }
    }
}

/// The sprite at game-pixel position (x, y), alpha kept.
pub fn sprite(c: &mut Canvas, sprite: &RgbaImage, x: i32, y: i32) {
    for (u, v, p) in sprite.enumerate_pixels() {
        if p[3] > 0 {
            let colour = [p[0], p[1], p[2]].map(|k| k as f32 / 255.0);
            put(c, x + u as i32, y + v as i32, colour, p[3] as f32 / 255.0);
        }
    }
}

/// Ring of pixels just outside the sprite's opaque shape, `width` game pixels wide.
fn outline_mask(sprite: &RgbaImage, width: i32) -> Vec<(i32, i32, f32)> {
    let (w, h) = (sprite.width() as i32, sprite.height() as i32);
    let solid = |x: i32, y: i32| {
        x >= 0 && y >= 0 && x < w && y < h && sprite.get_pixel(x as u32, y as u32)[3] >= 128
    };
    let mut out = Vec::new();
    for y in -width..h + width {
        for x in -width..w + width {
            if solid(x, y) {
                continue;
            }
            let mut nearest = f32::INFINITY;
            for dy in -width..=width {
                for dx in -width..=width {
                    if solid(x + dx, y + dy) {
                        nearest = nearest.min(((dx * dx + dy * dy) as f32).sqrt());
                    }
                }
            }
            if nearest <= width as f32 + 0.01 {
                out.push((x, y, nearest));
            }
        }
    }
    out
}

/// The stone altar an item floats over: a lighter top, a darker front, a black outline.
/// `cx` is its centre, `top` the y of its top face.
pub fn pedestal(c: &mut Canvas, cx: f32, top: f32, rng: &mut StdRng) {
    let half = rng.random_range(11.0..14.0f32);
    let height = rng.random_range(11.0..15.0f32);
    let grey: f32 = rng.random_range(0.28..0.55);
    let warm: f32 = rng.random_range(0.9..1.12);
    let front = [grey * warm, grey, grey / warm];
    let top_face = front.map(|v| (v * 1.45).min(1.0));
    let outline = [0.06, 0.05, 0.05];
    let face = 5.0f32;
    let x0 = (cx - half).round() as i32;
    let x1 = (cx + half).round() as i32;
    let (y0, y1) = (top.round() as i32, (top + height).round() as i32);
    for y in y0..=y1 {
        // The block narrows a little towards its foot.
        let inset = if y > y0 + face as i32 { 1 } else { 0 };
        for x in x0 + inset..=x1 - inset {
            let edge = x == x0 + inset || x == x1 - inset || y == y0 || y == y1;
            let corner = (y == y0 || y == y1) && (x <= x0 + inset + 1 || x >= x1 - inset - 1);
            if corner {
                continue;
            }
            let colour = if edge || y == y0 + face as i32 {
                outline
            } else if (y as f32) < top + face {
                top_face
            } else {
                // Stone grain: a few darker flecks on the front.
                let fleck = if (x * 7 + y * 13) % 11 == 0 { 0.8 } else { 1.0 };
                front.map(|v| v * fleck)
            };
            put(c, x, y, colour, 1.0);
        }
    }
}

/// 3x5 pixel glyphs for prices: digits, then the cent sign and a heart (devil deals).
const GLYPHS: [[u8; 5]; 12] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
    [0b010, 0b111, 0b100, 0b111, 0b010],
    [0b101, 0b111, 0b111, 0b111, 0b010],
];
const CENT: usize = 10;
const HEART: usize = 11;

/// A shop price centred at (cx, top): `cents` ("15¢") in white, or (None) "1♥" in red, with
/// a dark outline.
pub fn price(c: &mut Canvas, cx: f32, top: f32, cents: Option<u32>, rng: &mut StdRng) {
    let (glyphs, colour): (Vec<usize>, Rgb) = if let Some(cents) = cents {
        let mut g: Vec<usize> = cents
            .to_string()
            .bytes()
            .map(|b| usize::from(b - b'0'))
            .collect();
        g.push(CENT);
        (g, [0.97, 0.97, 0.95])
    } else {
        (vec![rng.random_range(1..3), HEART], [0.9, 0.15, 0.15])
    };
    let scale = if rng.random_bool(0.5) { 1 } else { 2 };
    let advance = 4 * scale;
    let width = glyphs.len() as i32 * advance - scale;
    let x0 = cx.round() as i32 - width / 2;
    let y0 = top.round() as i32;
    let lit = |g: usize, gx: i32, gy: i32| {
        gx >= 0 && gy >= 0 && gx < 3 * scale && gy < 5 * scale && {
            let row = GLYPHS[g][(gy / scale) as usize];
            row >> (2 - gx / scale) & 1 == 1
        }
    };
    for (i, &g) in glyphs.iter().enumerate() {
        let gx0 = x0 + i as i32 * advance;
        for gy in -1..=5 * scale {
            for gx in -1..=3 * scale {
                if lit(g, gx, gy) {
                    put(c, gx0 + gx, y0 + gy, colour, 1.0);
                } else if (-1..=1)
                    .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
                    .any(|(dx, dy)| lit(g, gx + dx, gy + dy))
                {
                    put(c, gx0 + gx, y0 + gy, [0.05; 3], 1.0);
                }
            }
        }
    }
}

/// The active item's charge bar to the right of the HUD slot.
fn charge_bar(c: &mut Canvas, x: i32, y: i32, rng: &mut StdRng) {
    let (w, h) = (6, 26);
    let segments = [1, 2, 3, 4, 6, 12][rng.random_range(0..6)];
    let filled = rng.random_range(0.0..=1.0f32);
    let fill = if rng.random_bool(0.8) {
        [0.95, 0.85, 0.2]
    } else {
        [0.3, 0.8, 0.3]
    };
    for dy in 0..h {
        for dx in 0..w {
            let edge = dx == 0 || dx == w - 1 || dy == 0 || dy == h - 1;
            let level = 1.0 - (dy as f32 - 1.0) / (h - 2) as f32;
            let divider = segments > 1 && (dy - 1) % ((h - 2) / segments).max(1) == 0 && dy > 1;
            let colour = if edge {
                [0.95, 0.95, 0.95]
            } else if divider {
                [0.1; 3]
            } else if level <= filled {
                fill
            } else {
                [0.12; 3]
            };
            put(c, x + dx, y + dy, colour, 1.0);
        }
    }
}

/// Draws an item with its top-left sprite corner at (x, y) in game pixels: its shadow, glow
/// and HUD frame, not the altar or price (`props::Props::item` adds those).
pub fn item(
    c: &mut Canvas,
    sprite_img: &RgbaImage,
    x: i32,
    y: i32,
    look: ItemLook,
    rng: &mut StdRng,
) {
    let cx = x as f32 + SPRITE as f32 / 2.0;
    match look.placement {
        // The altar is drawn beforehand (`props`), from real art where it is loaded.
        Placement::Pedestal => {}
        Placement::Floor | Placement::Shop => {
            shadow(
                c,
                cx,
                (y + SPRITE) as f32 - 3.0,
                11.0,
                3.5,
                rng.random_range(0.25..0.5),
            );
        }
        Placement::Hud => {}
    }
    if look.glow {
        let colour: Rgb = if rng.random_bool(0.7) {
            [1.0, 1.0, 1.0]
        } else {
            [1.0, 0.95, 0.6]
        };
        let strength = rng.random_range(0.35..0.8f32);
        let radius = rng.random_range(3..6);
        for (u, v, d) in outline_mask(sprite_img, radius) {
            put(
                c,
                x + u,
                y + v,
                colour,
                strength * (1.0 - d / (radius as f32 + 1.0)),
            );
        }
    }
    if look.placement == Placement::Hud {
        for (u, v, _) in outline_mask(sprite_img, 1) {
            put(c, x + u, y + v, [1.0, 1.0, 1.0], 1.0);
        }
        charge_bar(c, x + SPRITE + 2, y + 3, rng);
    }
    sprite(c, sprite_img, x, y);
}

/// Things that are not items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Isaac,
    Tear,
    Heart,
    Coin,
    Key,
    Bomb,
    Fly,
    Rock,
    /// Red, golden, wooden or stone chests: pickups that sit where items could.
    Chest,
    Poop,
    Fire,
}

impl Entity {
    pub const ALL: [Entity; 11] = [
        Entity::Isaac,
        Entity::Tear,
        Entity::Heart,
        Entity::Coin,
        Entity::Key,
        Entity::Bomb,
        Entity::Fly,
        Entity::Rock,
        Entity::Chest,
        Entity::Poop,
        Entity::Fire,
    ];

    pub fn random(rng: &mut StdRng) -> Self {
        Self::ALL[rng.random_range(0..Self::ALL.len())]
    }

    /// Rough radius in game pixels.
    pub fn radius(self) -> f32 {
        match self {
            Entity::Isaac => 14.0,
            Entity::Rock | Entity::Chest | Entity::Poop | Entity::Fire => 12.0,
            Entity::Bomb | Entity::Heart => 7.0,
            Entity::Coin | Entity::Key | Entity::Fly => 5.0,
            Entity::Tear => 4.0,
        }
    }
}

/// The dark outline every entity is drawn with.
const OUTLINE: Rgb = [0.05, 0.04, 0.04];

/// Draws `what` centred at (cx, cy), flat pixel art with a dark outline.
pub fn entity(c: &mut Canvas, what: Entity, cx: f32, cy: f32, rng: &mut StdRng) {
    match what {
        Entity::Isaac => isaac(c, cx, cy, rng),
        Entity::Tear => tear(c, cx, cy, rng),
        Entity::Heart => heart(c, cx, cy),
        Entity::Coin => {
            ellipse(
                c,
                cx,
                cy,
                5.0,
                5.0,
                [0.95, 0.75, 0.2],
                Some([0.45, 0.3, 0.05]),
            );
            ellipse(c, cx - 1.0, cy - 1.0, 1.5, 2.5, [1.0, 0.95, 0.6], None);
        }
        Entity::Key => key(c, cx, cy),
        Entity::Bomb => {
            ellipse(c, cx, cy, 7.0, 7.0, [0.2, 0.2, 0.22], Some(OUTLINE));
            ellipse(c, cx - 2.5, cy - 2.5, 1.5, 1.5, [0.6; 3], None);
            for dy in 1..4 {
                put(c, cx as i32 + 2, cy as i32 - 6 - dy, [0.6, 0.45, 0.3], 1.0);
            }
        }
        Entity::Fly => {
            ellipse(c, cx - 3.0, cy - 3.0, 3.0, 2.0, [0.8, 0.8, 0.85], None);
            ellipse(c, cx + 3.0, cy - 3.0, 3.0, 2.0, [0.8, 0.8, 0.85], None);
            ellipse(c, cx, cy, 3.5, 3.5, [0.1, 0.1, 0.1], Some(OUTLINE));
            put(c, cx as i32 - 1, cy as i32, [0.8, 0.1, 0.1], 1.0);
        }
        Entity::Rock => {
            let grey = rng.random_range(0.25..0.5f32);
            let fill = [grey, grey * 0.95, grey * 0.9];
            ellipse(c, cx, cy, 12.0, 10.0, fill, Some(OUTLINE));
            ellipse(c, cx - 3.0, cy - 4.0, 5.0, 3.0, [grey * 1.4; 3], None);
        }
        Entity::Chest => chest(c, cx, cy, rng),
        Entity::Poop => {
            let brown = [0.45, 0.28, 0.12].map(|v: f32| v * rng.random_range(0.8..1.2));
            ellipse(c, cx, cy + 4.0, 11.0, 6.0, brown, Some(OUTLINE));
            ellipse(
                c,
                cx,
                cy - 1.0,
                8.0,
                5.0,
                brown.map(|v| v * 1.15),
                Some(OUTLINE),
            );
            ellipse(
                c,
                cx,
                cy - 6.0,
                4.5,
                3.5,
                brown.map(|v| v * 1.3),
                Some(OUTLINE),
            );
        }
        Entity::Fire => {
            shadow(c, cx, cy + 9.0, 10.0, 3.0, 0.4);
            ellipse(c, cx, cy + 8.0, 10.0, 3.0, [0.3, 0.2, 0.12], Some(OUTLINE));
            let blue = rng.random_bool(0.2);
            let (outer, inner) = if blue {
                ([0.2, 0.4, 0.95], [0.7, 0.85, 1.0])
            } else {
                ([0.95, 0.45, 0.1], [1.0, 0.9, 0.4])
            };
            ellipse(c, cx, cy, 7.0, 9.0, outer, None);
            ellipse(c, cx, cy + 2.0, 4.0, 5.0, inner, None);
        }
    }
}

fn isaac(c: &mut Canvas, cx: f32, cy: f32, rng: &mut StdRng) {
    shadow(c, cx, cy + 14.0, 9.0, 3.0, 0.4);
    let skin = [0.95, 0.8, 0.75].map(|v: f32| v * rng.random_range(0.85..1.05));
    ellipse(c, cx, cy + 9.0, 6.0, 6.0, skin, Some(OUTLINE));
    ellipse(c, cx, cy - 2.0, 13.0, 11.0, skin, Some(OUTLINE));
    for side in [-1.0, 1.0] {
        ellipse(c, cx + side * 5.0, cy - 1.0, 2.5, 3.0, [0.05; 3], None);
        put(
            c,
            (cx + side * 5.0) as i32,
            (cy - 2.0) as i32,
            [1.0; 3],
            1.0,
        );
    }
}

fn tear(c: &mut Canvas, cx: f32, cy: f32, rng: &mut StdRng) {
    let fill = if rng.random_bool(0.2) {
        [0.75, 0.05, 0.05]
    } else {
        [0.55, 0.75, 0.95]
    };
    let r = rng.random_range(3.0..5.5);
    ellipse(c, cx, cy, r, r, fill, Some([0.1, 0.2, 0.35]));
    put(
        c,
        (cx - r / 3.0) as i32,
        (cy - r / 3.0) as i32,
        [1.0; 3],
        1.0,
    );
}

fn heart(c: &mut Canvas, cx: f32, cy: f32) {
    let red = [0.85, 0.08, 0.1];
    ellipse(c, cx - 3.0, cy - 2.0, 3.5, 3.5, red, Some(OUTLINE));
    ellipse(c, cx + 3.0, cy - 2.0, 3.5, 3.5, red, Some(OUTLINE));
    for dy in 0..6i32 {
        for dx in -(6 - dy)..=(6 - dy) {
            let colour = if dx.abs() == 6 - dy { OUTLINE } else { red };
            put(c, cx as i32 + dx, cy as i32 + dy - 1, colour, 1.0);
        }
    }
}

fn key(c: &mut Canvas, cx: f32, cy: f32) {
    let metal = [0.75, 0.75, 0.72];
    ellipse(c, cx - 4.0, cy, 3.0, 3.0, metal, Some(OUTLINE));
    for dx in -1..6 {
        put(c, cx as i32 + dx, cy as i32, metal, 1.0);
        put(c, cx as i32 + dx, cy as i32 - 1, OUTLINE, 1.0);
        put(c, cx as i32 + dx, cy as i32 + 1, OUTLINE, 1.0);
    }
}

/// A chest about 20x14 game pixels: body, a lid seam, bands and a clasp.
fn chest(c: &mut Canvas, cx: f32, cy: f32, rng: &mut StdRng) {
    const BODIES: [Rgb; 4] = [
        [0.62, 0.1, 0.1],
        [0.85, 0.62, 0.18],
        [0.48, 0.3, 0.15],
        [0.45, 0.45, 0.47],
    ];
    let body = BODIES[rng.random_range(0..BODIES.len())].map(|v| v * rng.random_range(0.85..1.1));
    let (w, h) = (rng.random_range(8..12i32), rng.random_range(6..9i32));
    let (x0, y0) = (cx as i32, cy as i32);
    shadow(c, cx, cy + h as f32 + 1.0, w as f32 + 1.0, 3.0, 0.4);
    for dy in -h..=h {
        for dx in -w..=w {
            let edge = dx.abs() == w || dy.abs() == h;
            let seam = dy == -h / 3;
            let band = dx.abs() == w / 2;
            let colour = if edge || seam {
                OUTLINE
            } else if band {
                body.map(|v| v * 0.6)
            } else if dy < -h / 3 {
                body.map(|v| (v * 1.2).min(1.0))
            } else {
                body
            };
            put(c, x0 + dx, y0 + dy, colour, 1.0);
        }
    }
    ellipse(
        c,
        cx,
        cy - h as f32 / 3.0 + 1.0,
        2.0,
        2.0,
        [0.9, 0.8, 0.4],
        Some(OUTLINE),
    );
}

/// Dark rooms (Darkness curse, dark floors) and tinted light: a dim, uneven light with a
/// colour, applied to the whole game screen.
pub fn lighting(c: &mut Canvas, rng: &mut StdRng) {
    let dark = rng.random_bool(0.5);
    let level = if dark {
        rng.random_range(0.25..0.7f32)
    } else {
        rng.random_range(0.8..1.1)
    };
    let tint: Rgb = [
        rng.random_range(0.8..1.15),
        rng.random_range(0.8..1.1),
        rng.random_range(0.8..1.2),
    ];
    let (lx, ly) = (
        rng.random_range(0.0..c.w as f32),
        rng.random_range(0.0..c.h as f32),
    );
    let reach = rng.random_range(0.5..1.5f32) * c.w.max(c.h) as f32;
    let spot = if dark { 0.6 } else { 0.15 };
    for y in 0..c.h {
        for x in 0..c.w {
            let d = ((x as f32 - lx).powi(2) + (y as f32 - ly).powi(2)).sqrt() / reach;
            let light = level * (1.0 + spot * (1.0 - d.min(1.0)));
            let p = &mut c.px[y * c.w + x];
            for k in 0..3 {
                p[k] *= light * tint[k];
            }
        }
    }
}

/// The game's screen scaled to the window: canvas pixel (x, y) samples game pixel
/// (x0 + x * step, y0 + y * step). `smooth` is the game's smoothed scaling at `scale` screen
/// pixels per game pixel (each game pixel's edge blends over about one screen pixel);
/// otherwise nearest neighbour.
pub fn sample_scaled(
    game: &Canvas,
    out_w: usize,
    out_h: usize,
    origin: (f32, f32),
    step: f32,
    smooth: Option<f32>,
) -> Canvas {
    let mut out = Canvas::new(out_w, out_h);
    let sharpen = |t: f32, scale: f32| ((t - 0.5) * scale + 0.5).clamp(0.0, 1.0);
    for y in 0..out_h {
        let gy = origin.1 + (y as f32 + 0.5) * step;
        for x in 0..out_w {
            let gx = origin.0 + (x as f32 + 0.5) * step;
            out.px[y * out_w + x] = match smooth {
                None => {
                    let (ix, iy) = (gx.floor() as i64, gy.floor() as i64);
                    let ix = ix.clamp(0, game.w as i64 - 1) as usize;
                    let iy = iy.clamp(0, game.h as i64 - 1) as usize;
                    game.px[iy * game.w + ix]
                }
                Some(scale) => {
                    // Bilinear between pixel centres with the blend squeezed to the edge.
                    let (fx, fy) = (gx - 0.5, gy - 0.5);
                    let (bx, by) = (fx.floor(), fy.floor());
                    let tx = sharpen(fx - bx, scale);
                    let ty = sharpen(fy - by, scale);
                    game.sample_bilinear(bx + tx, by + ty)
                }
            };
        }
    }
    out
}

/// A patch of a real room render at game resolution: a render's pixel is about half a game
/// pixel (1000x625 renders of 480x270-style rooms), with some zoom either way.
pub fn room_patch(
    img: &RgbImage,
    w: usize,
    h: usize,
    order: [usize; 3],
    rng: &mut StdRng,
) -> Canvas {
    let per_game_px = rng.random_range(1.7..2.5f32);
    let (span_w, span_h) = (w as f32 * per_game_px, h as f32 * per_game_px);
    let x0 = rng.random_range(0.0..=(img.width() as f32 - span_w).max(0.0));
    let y0 = rng.random_range(0.0..=(img.height() as f32 - span_h).max(0.0));
    room_span(img, w, h, (x0, y0), per_game_px, order)
}

/// A whole real room render as a `w`x`h` game screen: its width fitted, centred.
pub fn room_fitted(img: &RgbImage, w: usize, h: usize) -> Canvas {
    let per_game_px = img.width() as f32 / w as f32;
    let y0 = ((img.height() as f32 - h as f32 * per_game_px) / 2.0).max(0.0);
    room_span(img, w, h, (0.0, y0), per_game_px, [0, 1, 2])
}

/// `w`x`h` game pixels of `img` from `(x0, y0)` on, `per_game_px` render pixels each.
fn room_span(
    img: &RgbImage,
    w: usize,
    h: usize,
    (x0, y0): (f32, f32),
    per_game_px: f32,
    order: [usize; 3],
) -> Canvas {
    let mut c = Canvas::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let p = bilinear_rgb(
                img,
                x0 + (x as f32 + 0.5) * per_game_px,
                y0 + (y as f32 + 0.5) * per_game_px,
            );
            c.px[y * w + x] = order.map(|k| p[k]);
        }
    }
    c
}

/// Bilinear sample of an 8-bit image, in 0..1.
pub fn bilinear_rgb(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let raw = img.as_raw();
    let p = |x: usize, y: usize, k: usize| raw[(y * w + x) * 3 + k] as f32;
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let top = p(x0, y0, k) * (1.0 - fx) + p(x1, y0, k) * fx;
        let bottom = p(x0, y1, k) * (1.0 - fx) + p(x1, y1, k) * fx;
        *o = (top * (1.0 - fy) + bottom * fy) / 255.0;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A 32x32 sprite with a 16x16 red square in the middle.
    pub(crate) fn red_square() -> RgbaImage {
        let mut s = RgbaImage::new(32, 32);
        for y in 8..24 {
            for x in 8..24 {
                s.put_pixel(x, y, image::Rgba([200, 20, 20, 255]));
            }
        }
        s
    }

    #[test]
    fn hud_slot_draws_a_white_outline_and_a_charge_bar() {
        let mut c = Canvas::new(80, 48);
        let mut rng = StdRng::seed_from_u64(1);
        let look = ItemLook {
            placement: Placement::Hud,
            glow: false,
        };
        item(&mut c, &red_square(), 4, 4, look, &mut rng);
        // Just outside the red square (game pixel 4+7): white; inside: red; far away: untouched.
        assert_eq!(c.px[(4 + 12) * 80 + 4 + 7], [1.0, 1.0, 1.0]);
        assert!(c.px[(4 + 12) * 80 + 4 + 12][0] > 0.7);
        assert_eq!(c.px[2 * 80 + 2], [0.0; 3]);
        // The bar's white frame starts two pixels right of the sprite cell.
        assert_eq!(c.px[(4 + 3) * 80 + 4 + 34], [0.95, 0.95, 0.95]);
    }

    #[test]
    fn nearest_scaling_keeps_game_pixels_whole_and_smooth_scaling_blends_edges() {
        let mut game = Canvas::new(4, 1);
        game.px = vec![[0.0; 3], [1.0; 3], [0.0; 3], [1.0; 3]];
        let nearest = sample_scaled(&game, 16, 1, (0.0, 0.0), 0.25, None);
        assert!(nearest.px.iter().all(|p| p[0] == 0.0 || p[0] == 1.0));
        let smooth = sample_scaled(&game, 16, 1, (0.0, 0.0), 0.25, Some(2.0));
        assert!(smooth.px.iter().any(|p| p[0] > 0.05 && p[0] < 0.95));
        // Centres of game pixels keep their colour.
        assert!((smooth.px[6][0] - 1.0).abs() < 1e-6 && smooth.px[9][0].abs() < 1e-6);
    }
}
