//! Whether a find stands on an altar. Outside shops the game puts an item over a stand (the
//! stone altar, an opened chest, ...), while the things most often taken for items (a bomb
//! or a heart on the floor, a shopkeeper, an enemy) stand on nothing: an item that the
//! network is unsure of is believed when it stands on an altar or above a price.
//!
//! The frame below a find is brought to game pixels (each the mean of the frame pixels it
//! covers) and compared with the lower part of each altar sprite (the item hides the top)
//! by normalised correlation of brightness over the sprite's own pixels, so a dark room, a
//! tint or a capture's contrast changes nothing.

use image::RgbImage;

use super::predict::CropBox;
use super::scan::GameArea;
use crate::catalog::Altars;

/// Least correlation that counts as an altar. On both scan validations the finds on no
/// item reach 0.59 at most, while nine in ten items on an altar score over 0.9.
pub const ON_ALTAR: f32 = 0.6;

/// How far (game pixels) an altar's centre may lie aside of a find's, and its top below the
/// find's centre: an item bobs over its altar, and a find's box is placed on a grid.
const ASIDE: i32 = 8;
const TOP_BELOW: std::ops::RangeInclusive<i32> = 0..=24;

/// Share of an altar's height, from its top, that the item in front hides: not compared.
const HIDDEN_TOP: f32 = 0.4;

/// Fewest compared pixels for a template to count (a stand drawn tiny says nothing).
const MIN_CELLS: usize = 20;

/// A sprite's opaque pixels below its top `skip` rows, as (x, y, brightness less its mean),
/// ready for normalised correlation.
#[derive(Debug)]
pub(super) struct Template {
    pub w: i32,
    pub h: i32,
    cells: Vec<(i32, i32, f32)>,
    norm: f32,
}

impl Template {
    /// None when fewer than [`MIN_CELLS`] pixels are compared or they are all alike.
    pub fn new(sprite: &image::RgbaImage, skip_top: f32) -> Option<Self> {
        let (w, h) = (sprite.width() as i32, sprite.height() as i32);
        let skip = (h as f32 * skip_top).round() as i32;
        let mut cells: Vec<(i32, i32, f32)> = (skip..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter_map(|(x, y)| {
                let p = sprite.get_pixel(x as u32, y as u32).0;
                (p[3] > 200).then(|| (x, y, brightness([p[0], p[1], p[2]])))
            })
            .collect();
        if cells.len() < MIN_CELLS {
            return None;
        }
        let mean = cells.iter().map(|c| c.2).sum::<f32>() / cells.len() as f32;
        for c in &mut cells {
            c.2 -= mean;
        }
        let norm = cells.iter().map(|c| c.2 * c.2).sum::<f32>().sqrt();
        (norm > 1.0).then_some(Self { w, h, cells, norm })
    }

    /// Every `step`-th of its pixels only: a quicker, rougher look.
    pub fn sparse(&self, step: usize) -> Option<Self> {
        let mut cells: Vec<(i32, i32, f32)> =
            self.cells.iter().step_by(step.max(1)).copied().collect();
        let mean = cells.iter().map(|c| c.2).sum::<f32>() / cells.len().max(1) as f32;
        for c in &mut cells {
            c.2 -= mean;
        }
        let norm = cells.iter().map(|c| c.2 * c.2).sum::<f32>().sqrt();
        (norm > 1.0).then_some(Self {
            w: self.w,
            h: self.h,
            cells,
            norm,
        })
    }

    /// The correlation (-1 to 1) with the sprite's top-left at (ox, oy) of `patch`, `pw`
    /// game pixels wide; None where it leaves the patch or covers pixels off the frame.
    pub fn correlate(&self, patch: &[f32], pw: i32, (ox, oy): (i32, i32)) -> Option<f32> {
        let ph = patch.len() as i32 / pw.max(1);
        if ox < 0 || oy < 0 || ox + self.w > pw || oy + self.h > ph {
            return None;
        }
        let n = self.cells.len() as f32;
        let (mut sum, mut sq, mut dot) = (0.0f32, 0.0f32, 0.0f32);
        for &(x, y, v) in &self.cells {
            let p = patch[((oy + y) * pw + ox + x) as usize];
            sum += p;
            sq += p * p;
            dot += v * p;
        }
        if sum.is_nan() {
            return None;
        }
        // The template's values sum to zero, so the patch's mean drops out of the dot
        // product. A flat patch (less than one level of spread) matches nothing: there the
        // rounding of `sq - sum²/n` would make any ratio.
        let var = sq - sum * sum / n;
        if var < n {
            return Some(0.0);
        }
        Some((dot / (self.norm * var.sqrt())).clamp(-1.0, 1.0))
    }
}

/// The altars of the catalog, ready to look for below finds.
#[derive(Debug)]
pub struct AltarFinder {
    templates: Vec<Template>,
}

pub(super) fn brightness(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

impl AltarFinder {
    pub fn new(altars: &Altars) -> Self {
        let templates = altars
            .sprites()
            .iter()
            .filter_map(|sprite| Template::new(sprite, HIDDEN_TOP))
            .collect();
        Self { templates }
    }

    /// Whether an altar stands below `find` (a box in `rgb`'s pixels, in the game `area`).
    pub fn stands_on_altar(&self, rgb: &RgbImage, area: GameArea, find: &CropBox) -> bool {
        self.match_below(rgb, area, find) >= ON_ALTAR
    }

    /// The best correlation (-1 to 1) of an altar below `find`; -1 when none can be
    /// compared (no altar art, or the place is off the frame).
    pub fn match_below(&self, rgb: &RgbImage, area: GameArea, find: &CropBox) -> f32 {
        let (Some(max_w), Some(max_h)) = (
            self.templates.iter().map(|t| t.w).max(),
            self.templates.iter().map(|t| t.h).max(),
        ) else {
            return -1.0;
        };
        let (gx, gy) = area.game_from_frame(
            find.x as f32 + find.w as f32 / 2.0,
            find.y as f32 + find.h as f32 / 2.0,
        );
        let (gx, gy) = (gx.round() as i32, gy.round() as i32);
        // The game pixels any altar could cover.
        let x0 = gx - ASIDE - max_w / 2 - 1;
        let y0 = gy + TOP_BELOW.start();
        let (pw, ph) = (
            2 * ASIDE + max_w + 2,
            TOP_BELOW.end() - TOP_BELOW.start() + max_h,
        );
        let patch = game_pixels(rgb, area, (x0, y0), (pw, ph), 16);
        let mut best = -1.0f32;
        for t in &self.templates {
            for top in TOP_BELOW {
                for cx in gx - ASIDE..=gx + ASIDE {
                    if let Some(r) = t.correlate(&patch, pw, (cx - t.w / 2 - x0, gy + top - y0)) {
                        best = best.max(r);
                    }
                }
            }
        }
        best
    }
}

/// Brightness of the `size` game pixels from game pixel `origin`, each the mean of the frame
/// pixels it covers (NaN off the frame), row by row; at most `most_steps` samples a side
/// (fewer is quicker over a large patch: an upscaled game pixel is nearly one colour).
pub(super) fn game_pixels(
    rgb: &RgbImage,
    area: GameArea,
    origin: (i32, i32),
    size: (i32, i32),
    most_steps: u8,
) -> Vec<f32> {
    let (fw, fh) = (rgb.width() as f32, rgb.height() as f32);
    let s = area.scale;
    // Samples per game pixel along each side: every frame pixel when the game is scaled up,
    // one when it is scaled down.
    let steps = s.ceil().clamp(1.0, f32::from(most_steps.max(1))) as i32;
    let mut out = Vec::with_capacity((size.0 * size.1) as usize);
    for yy in 0..size.1 {
        for xx in 0..size.0 {
            let (fx0, fy0) = area.frame_from_game((origin.0 + xx) as f32, (origin.1 + yy) as f32);
            let (mut sum, mut n) = (0.0f32, 0u32);
            for j in 0..steps {
                for i in 0..steps {
                    let fx = fx0 + (i as f32 + 0.5) * s / steps as f32;
                    let fy = fy0 + (j as f32 + 0.5) * s / steps as f32;
                    if fx >= 0.0 && fy >= 0.0 && fx < fw && fy < fh {
                        let p = rgb.get_pixel(fx as u32, fy as u32).0;
                        sum += brightness(p);
                        n += 1;
                    }
                }
            }
            out.push(if n == 0 { f32::NAN } else { sum / n as f32 });
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use image::{Rgb, Rgba, RgbaImage};

    /// A 28x21 stand: a dark rim, a lighter slab with a groove, like the stone altar.
    fn altar() -> RgbaImage {
        RgbaImage::from_fn(28, 21, |x, y| {
            let rim = x == 0 || x == 27 || y == 20 || y == 0;
            let groove = y == 12 || (x == 9 && y > 12) || (x == 18 && y > 12);
            let v = if rim {
                30
            } else if groove {
                70
            } else {
                140 + (x % 3) as u8 * 10
            };
            Rgba([v, v, v, 255])
        })
    }

    /// A 1280x720 frame (scale 8/3) of a floor, with `stand` (an altar, a "?") drawn
    /// (nearest neighbour) with its top-left at game pixel (x, y), its brightness times
    /// `light`.
    pub(in crate::engine) fn frame(
        stand: Option<(&RgbaImage, i32, i32)>,
        light: f32,
    ) -> (RgbImage, GameArea) {
        let area = GameArea {
            x: 0.0,
            y: 0.0,
            scale: 1280.0 / 480.0,
        };
        let img = RgbImage::from_fn(1280, 720, |fx, fy| {
            let (gx, gy) = area.game_from_frame(fx as f32, fy as f32);
            let (gx, gy) = (gx.floor() as i32, gy.floor() as i32);
            let floor = [90 + ((gx * 7 + gy * 3) % 11) as u8, 70, 55];
            let p = match stand {
                Some((s, x, y))
                    if (x..x + s.width() as i32).contains(&gx)
                        && (y..y + s.height() as i32).contains(&gy) =>
                {
                    let q = s.get_pixel((gx - x) as u32, (gy - y) as u32).0;
                    if q[3] > 128 {
                        [q[0], q[1], q[2]]
                    } else {
                        floor
                    }
                }
                _ => floor,
            };
            Rgb(p.map(|c| (f32::from(c) * light).min(255.0) as u8))
        });
        (img, area)
    }

    /// The find of an item whose sprite's top-left is at game pixel (x, y).
    fn find_at(area: GameArea, x: f32, y: f32) -> CropBox {
        let (fx, fy) = area.frame_from_game(x - 8.0, y - 8.0);
        let side = (48.0 * area.scale) as u32;
        CropBox {
            x: fx as u32,
            y: fy as u32,
            w: side,
            h: side,
        }
    }

    fn finder() -> AltarFinder {
        AltarFinder::new(&Altars::new(vec![altar()]))
    }

    #[test]
    fn an_altar_under_a_find_is_found_in_a_dark_room_too() {
        let stand = altar();
        // The item's sprite at (200, 100): its altar's top 8 px above the sprite's bottom.
        for light in [1.0, 0.35] {
            let (img, area) = frame(Some((&stand, 202, 124)), light);
            let find = find_at(area, 200.0, 100.0);
            let r = finder().match_below(&img, area, &find);
            assert!(r > 0.95, "light {light}: {r}");
            assert!(finder().stands_on_altar(&img, area, &find));
        }
    }

    #[test]
    fn a_bare_floor_or_an_altar_elsewhere_is_no_altar() {
        let stand = altar();
        let (bare, area) = frame(None, 1.0);
        let find = find_at(area, 200.0, 100.0);
        let r = finder().match_below(&bare, area, &find);
        assert!(r < ON_ALTAR, "bare floor: {r}");
        // The altar of another item, two tiles aside.
        let (img, area) = frame(Some((&stand, 254, 124)), 1.0);
        let r = finder().match_below(&img, area, &find);
        assert!(r < ON_ALTAR, "altar aside: {r}");
        assert!(!finder().stands_on_altar(&img, area, &find));
    }

    #[test]
    fn no_altar_art_or_a_find_at_the_edge_matches_nothing() {
        let (img, area) = frame(None, 1.0);
        let none = AltarFinder::new(&Altars::new(Vec::new()));
        assert_eq!(
            none.match_below(&img, area, &find_at(area, 200.0, 100.0)),
            -1.0
        );
        // At the frame's bottom edge the altar's place is off the frame.
        assert_eq!(
            finder().match_below(&img, area, &find_at(area, 200.0, 262.0)),
            -1.0
        );
    }
}
