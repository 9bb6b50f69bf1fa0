//! What stands around items, and what items stand on: enemies, pickups, rocks, Isaac, the
//! altar, the shop's prices. Drawn from real game art ([`EntityArt`]) where it is loaded;
//! the hand-drawn stand-ins of [`scene`] only where it is not (tests, a data folder without
//! the art).

use image::RgbaImage;
use image::imageops::FilterType;
use rand::Rng;
use rand::rngs::StdRng;

use super::canvas::Canvas;
use super::entity_art::{ArtSprite, Category, EntityArt};
use super::scene::{self, Entity, ItemLook, Placement, SPRITE};
use crate::catalog::price_font::{Glyph, Price};

/// An item's price in a shop or devil room.
pub fn item_price(rng: &mut StdRng) -> Price {
    if rng.random_bool(0.2) {
        // Devil deals: one or two red hearts, now and then three soul hearts.
        if rng.random_bool(0.2) {
            Price::SoulHearts(3)
        } else {
            Price::Hearts(rng.random_range(1..=2))
        }
    } else {
        Price::Cents([7, 10, 15, 15, 15, 15, 20, 30][rng.random_range(0..8)])
    }
}

/// A pickup's price in a shop: 3¢ for hearts, 5¢ for the rest.
pub fn pickup_price(rng: &mut StdRng) -> Price {
    Price::Cents(if rng.random_bool(0.5) { 3 } else { 5 })
}

/// Something that is not an item, chosen before it is drawn (so a caller can place it by
/// its size): real art or a hand-drawn stand-in.
#[derive(Clone, Copy, Debug)]
pub enum Thing<'a> {
    Art(&'a ArtSprite),
    HandDrawn(Entity),
}

impl Thing<'_> {
    /// Half its larger side, in game pixels.
    pub fn radius(&self) -> f32 {
        match self {
            Thing::Art(sprite) => {
                let (w, h) = sprite.image.dimensions();
                w.max(h) as f32 / 2.0
            }
            Thing::HandDrawn(entity) => entity.radius(),
        }
    }

    /// Its category in the art folder; None for a stand-in.
    pub fn category(&self) -> Option<Category> {
        match self {
            Thing::Art(sprite) => Some(sprite.category),
            Thing::HandDrawn(_) => None,
        }
    }
}

/// Largest thing drawn close to an item: a boss beside it would hide it.
pub const NEAR_ITEM_MAX_SIDE: u32 = 64;

/// Shares of each kind of clutter drawn: a room holds enemies, rocks and pickups more often
/// than bosses and shopkeepers.
const CLUTTER_WEIGHTS: [(Category, u32); 7] = [
    (Category::Enemies, 22),
    (Category::Bosses, 8),
    (Category::Pickups, 22),
    (Category::Grid, 20),
    (Category::Characters, 14),
    (Category::Npcs, 7),
    (Category::Effects, 7),
];

/// The props of one picture: real art (training's share, or the held-out names) or none.
#[derive(Clone, Copy)]
pub struct Props<'a> {
    art: Option<&'a EntityArt>,
    held_out: bool,
}

impl<'a> Props<'a> {
    /// `held_out`: draw only the names training never sees (validation pictures).
    pub fn new(art: Option<&'a EntityArt>, held_out: bool) -> Self {
        Self { art, held_out }
    }

    /// Hand-drawn stand-ins only.
    pub fn hand_drawn() -> Self {
        Self {
            art: None,
            held_out: false,
        }
    }

    /// Something that is not an item: of `category` when given, at most `max_side` game
    /// pixels a side (None: any size).
    pub fn choose(
        &self,
        category: Option<Category>,
        max_side: Option<u32>,
        rng: &mut StdRng,
    ) -> Thing<'a> {
        let category = category.unwrap_or_else(|| pick_category(rng));
        if let Some(sprite) = self.pick(category, max_side, rng) {
            return Thing::Art(sprite);
        }
        Thing::HandDrawn(match category {
            Category::Pickups => {
                [Entity::Heart, Entity::Coin, Entity::Key, Entity::Bomb][rng.random_range(0..4)]
            }
            _ => Entity::random(rng),
        })
    }

    /// Draws `thing` centred at (cx, cy).
    pub fn draw(&self, c: &mut Canvas, thing: Thing, (cx, cy): (f32, f32), rng: &mut StdRng) {
        match thing {
            Thing::Art(sprite) => draw_art(c, sprite, cx, cy, rng),
            Thing::HandDrawn(what) => scene::entity(c, what, cx, cy, rng),
        }
    }

    /// [`Props::choose`] and [`Props::draw`] at (cx, cy): what was drawn.
    pub fn thing(
        &self,
        c: &mut Canvas,
        at: (f32, f32),
        category: Option<Category>,
        max_side: Option<u32>,
        rng: &mut StdRng,
    ) -> Thing<'a> {
        let thing = self.choose(category, max_side, rng);
        self.draw(c, thing, at, rng);
        thing
    }

    /// A random sprite of `category` from this picture's share of the art.
    fn pick(
        &self,
        category: Category,
        max_side: Option<u32>,
        rng: &mut StdRng,
    ) -> Option<&'a ArtSprite> {
        let sprites = self.art?.of(self.held_out, category);
        let fits =
            |s: &&ArtSprite| max_side.is_none_or(|m| s.image.width() <= m && s.image.height() <= m);
        let count = sprites.iter().filter(fits).count();
        if count == 0 {
            return None;
        }
        sprites.iter().filter(fits).nth(rng.random_range(0..count))
    }

    /// The altar an item floats over, its top face's centre at (cx, top).
    pub fn pedestal(&self, c: &mut Canvas, cx: f32, top: f32, rng: &mut StdRng) {
        let (altars, small) = self.art.map(EntityArt::altars).unwrap_or_default();
        if altars.is_empty() {
            return scene::pedestal(c, cx, top, rng);
        }
        // Mostly the plain stone altar (the small ones); now and then another stand.
        let altar = if !small.is_empty() && rng.random_bool(0.75) {
            &small[rng.random_range(0..small.len())]
        } else {
            &altars[rng.random_range(0..altars.len())]
        };
        let (w, h) = altar.dimensions();
        scene::shadow(c, cx, top + h as f32 - 1.0, w as f32 * 0.5, 3.0, 0.35);
        scene::sprite(
            c,
            altar,
            (cx - w as f32 / 2.0).round() as i32,
            top.round() as i32,
        );
    }

    /// `price` centred below (cx, top), in the shop's own digits where the art has them.
    pub fn price(&self, c: &mut Canvas, cx: f32, top: f32, price: Price, rng: &mut StdRng) {
        let Some(glyphs) = self.art.and_then(|a| price_glyphs(a, price)) else {
            return scene::price(c, cx, top, price_cents(price), rng);
        };
        // The font sheet's digits are drawn at 60-100% of their size.
        let scale = rng.random_range(0.6..=1.0f32);
        let glyphs: Vec<RgbaImage> = glyphs
            .iter()
            .map(|g| {
                let w = ((g.width() as f32 * scale).round() as u32).max(1);
                let h = ((g.height() as f32 * scale).round() as u32).max(1);
                image::imageops::resize(g, w, h, FilterType::Triangle)
            })
            .collect();
        let gap = 1;
        let width: i32 = glyphs.iter().map(|g| g.width() as i32 + gap).sum::<i32>() - gap;
        let height = glyphs.iter().map(|g| g.height()).max().unwrap_or(0) as i32;
        let mut x = (cx - width as f32 / 2.0).round() as i32;
        for g in &glyphs {
            // Glyphs stand on one baseline.
            let y = top.round() as i32 + height - g.height() as i32;
            scene::sprite(c, g, x, y);
            x += g.width() as i32 + gap;
        }
    }

    /// Draws an item with its top-left sprite corner at (x, y) in game pixels: on its altar,
    /// above its price in a shop, in the HUD slot. Returns the price drawn, if any.
    pub fn item(
        &self,
        c: &mut Canvas,
        sprite: &RgbaImage,
        (x, y): (i32, i32),
        look: ItemLook,
        rng: &mut StdRng,
    ) -> Option<Price> {
        let cx = x as f32 + SPRITE as f32 / 2.0;
        if look.placement == Placement::Pedestal {
            // The sprite floats with its lower part in front of the altar's top.
            let top = (y + SPRITE) as f32 - rng.random_range(6.0..10.0);
            self.pedestal(c, cx, top, rng);
        }
        scene::item(c, sprite, x, y, look, rng);
        if look.placement != Placement::Shop {
            return None;
        }
        let price = item_price(rng);
        self.price(c, cx, (y + SPRITE + 1) as f32, price, rng);
        Some(price)
    }
}

fn pick_category(rng: &mut StdRng) -> Category {
    let total: u32 = CLUTTER_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut draw = rng.random_range(0..total);
    for (category, weight) in CLUTTER_WEIGHTS {
        if draw < weight {
            return category;
        }
        draw -= weight;
    }
    Category::Enemies
}

/// A sprite of real art centred at (cx, cy): facing either way where the game mirrors it,
/// with the shadow the game draws under what stands on the floor.
fn draw_art(c: &mut Canvas, sprite: &ArtSprite, cx: f32, cy: f32, rng: &mut StdRng) {
    let (w, h) = sprite.image.dimensions();
    let stands = matches!(
        sprite.category,
        Category::Enemies
            | Category::Bosses
            | Category::Pickups
            | Category::Characters
            | Category::Npcs
    );
    if stands {
        scene::shadow(
            c,
            cx,
            cy + h as f32 / 2.0 - 1.0,
            (w as f32 * 0.4).max(4.0),
            (h as f32 * 0.1).clamp(2.0, 6.0),
            0.35,
        );
    }
    let mirrored = stands && rng.random_bool(0.5);
    let x = (cx - w as f32 / 2.0).round() as i32;
    let y = (cy - h as f32 / 2.0).round() as i32;
    if mirrored {
        scene::sprite(c, &image::imageops::flip_horizontal(&sprite.image), x, y);
    } else {
        scene::sprite(c, &sprite.image, x, y);
    }
}

/// The sprites that write `price` in the art's font; None when the font lacks one.
fn price_glyphs(art: &EntityArt, price: Price) -> Option<Vec<RgbaImage>> {
    let font = art.price_font();
    match price {
        Price::Hearts(n) => {
            let glyph = if n >= 2 {
                Glyph::TwoHearts
            } else {
                Glyph::Heart
            };
            Some(vec![font.glyph(glyph)?.clone()])
        }
        Price::SoulHearts(_) => Some(vec![font.glyph(Glyph::ThreeSoulHearts)?.clone()]),
        Price::Cents(cents) => {
            let mut out = Vec::new();
            for d in cents.to_string().bytes().map(|b| b - b'0') {
                out.push(font.glyph(Glyph::Digit(d))?.clone());
            }
            out.push(font.glyph(Glyph::Cent)?.clone());
            Some(out)
        }
    }
}

fn price_cents(price: Price) -> Option<u32> {
    match price {
        Price::Cents(c) => Some(c),
        Price::Hearts(_) | Price::SoulHearts(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scene::tests::red_square;
    use rand::SeedableRng;

    #[test]
    fn shop_price_is_drawn_below_the_sprite() {
        let mut c = Canvas::new(48, 60);
        let mut rng = StdRng::seed_from_u64(5);
        let look = ItemLook {
            placement: Placement::Shop,
            glow: false,
        };
        Props::hand_drawn().item(&mut c, &red_square(), (8, 4), look, &mut rng);
        let below: usize = (37..50)
            .flat_map(|y| (0..48).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                c.px[y * 48 + x].iter().all(|v| *v > 0.85) || c.px[y * 48 + x][0] > 0.85
            })
            .count();
        assert!(below >= 8, "price pixels: {below}");
    }
}
