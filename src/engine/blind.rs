//! Curse of the Blind: the game draws the same "?" in place of every item's sprite, so the
//! network can only guess (it names a "?" as Hungry Soul now and then, and mostly not at
//! all). The marks a hidden item shows (the catalog's, with its altars) are looked for over
//! the whole room at game pixels, by the normalised correlation of brightness the altars
//! use; a mark counts where the game puts an item (on an altar, above an item's price), and
//! the scan reports it as a hidden item instead of a guess.

use image::RgbImage;
use rayon::prelude::*;

use super::altar::{Template, game_pixels};
use super::scan::GameArea;
use crate::catalog::Altars;

/// Least correlation that counts as a mark. The "?" drawn over a room (tinted, darkened,
/// scaled, captured) scores 0.85 and more; the held-out real art of both scan validations
/// no more than 0.7 (BENCHMARKS.md).
pub const BLIND_MATCH: f32 = 0.9;

/// The first pass compares every [`COARSE_STEP`]th pixel of a mark at each place; a place
/// scoring this is compared in full. Every 8th pixel with a low bar finds what every 4th
/// with 0.5 did (29 of 30 marks of either sprite at 1920 wide, `examples/blind_probe`) in
/// 6 ms a 1080p frame against 8; a half-size first pass, quicker still, misses a thin "?" a
/// pixel off the halving's grid (17-24 of 30).
const COARSE_MATCH: f32 = 0.4;
const COARSE_STEP: usize = 8;

/// Two marks closer than this (game pixels) are one.
const APART: i32 = 20;

/// The hidden item's marks, ready to look for.
#[derive(Debug)]
pub struct BlindFinder {
    /// Each mark in full, and sparse for the first pass.
    templates: Vec<(Template, Template)>,
}

impl BlindFinder {
    /// None when the catalog has no marks (imported without the real art).
    pub fn new(altars: &Altars) -> Option<Self> {
        let templates: Vec<(Template, Template)> = altars
            .blind_marks()
            .iter()
            .filter_map(|sprite| {
                let full = Template::new(sprite, 0.0)?;
                let sparse = full.sparse(COARSE_STEP)?;
                Some((full, sparse))
            })
            .collect();
        (!templates.is_empty()).then_some(Self { templates })
    }

    /// The marks inside `room` (game pixels x0, y0, x1, y1: where a mark's centre may be),
    /// each as its centre in frame pixels and its correlation, best first.
    pub fn marks(&self, rgb: &RgbImage, area: GameArea, room: [f32; 4]) -> Vec<((f32, f32), f32)> {
        self.marks_scoring(rgb, area, room, BLIND_MATCH)
    }

    /// [`Self::marks`] scoring at least `least` (a development aid's look below the bar).
    pub fn marks_scoring(
        &self,
        rgb: &RgbImage,
        area: GameArea,
        room: [f32; 4],
        least: f32,
    ) -> Vec<((f32, f32), f32)> {
        let (Some(max_w), Some(max_h)) = (
            self.templates.iter().map(|t| t.0.w).max(),
            self.templates.iter().map(|t| t.0.h).max(),
        ) else {
            return Vec::new();
        };
        let [rx0, ry0, rx1, ry1] = room.map(|v| v.round() as i32);
        let (x0, y0) = (rx0 - max_w / 2 - 1, ry0 - max_h / 2 - 1);
        let (pw, ph) = (rx1 - rx0 + max_w + 2, ry1 - ry0 + max_h + 2);
        // The whole room: 2x2 samples a game pixel.
        let patch = game_pixels(rgb, area, (x0, y0), (pw, ph), 2);
        let at = |t: &Template, cx: i32, cy: i32| {
            t.correlate(&patch, pw, (cx - t.w / 2 - x0, cy - t.h / 2 - y0))
                .unwrap_or(-1.0)
        };
        // Each mark's places (its centre in the room): roughly everywhere, then in full
        // where that promises; a row of places a task.
        let found: Vec<(i32, i32, f32)> = (ry0..=ry1)
            .into_par_iter()
            .flat_map_iter(|cy| {
                let mut best: Vec<(i32, i32, f32)> = Vec::new();
                for (full, sparse) in &self.templates {
                    for cx in rx0..=rx1 {
                        if at(sparse, cx, cy) < COARSE_MATCH.min(least) {
                            continue;
                        }
                        let r = at(full, cx, cy);
                        if r < least {
                            continue;
                        }
                        let peak = (cy - 1..=cy + 1)
                            .flat_map(|y| (cx - 1..=cx + 1).map(move |x| (x, y)))
                            .all(|(x, y)| (x, y) == (cx, cy) || at(full, x, y) <= r);
                        if peak {
                            best.push((cx, cy, r));
                        }
                    }
                }
                best
            })
            .collect();
        let mut found = found;
        found.sort_by(|a, b| b.2.total_cmp(&a.2));
        let mut marks: Vec<(i32, i32, f32)> = Vec::new();
        for m in found {
            if marks
                .iter()
                .all(|k| (k.0 - m.0).abs() >= APART || (k.1 - m.1).abs() >= APART)
            {
                marks.push(m);
            }
        }
        marks
            .into_iter()
            .map(|(gx, gy, r)| (area.frame_from_game(gx as f32 + 0.5, gy as f32 + 0.5), r))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::altar::tests::frame;
    use super::*;
    use image::{Rgba, RgbaImage};

    /// A 12x16 "?" with a dark outline around a light glyph, like the game's pixel art.
    fn question_mark() -> RgbaImage {
        const GLYPH: [&str; 16] = [
            "...######...",
            "..#++++++#..",
            ".#++####++#.",
            ".#+#....#+#.",
            ".###....#+#.",
            "........#+#.",
            ".......#++#.",
            "......#++#..",
            ".....#++#...",
            ".....#+#....",
            ".....#+#....",
            ".....###....",
            "............",
            ".....###....",
            ".....#+#....",
            ".....###....",
        ];
        RgbaImage::from_fn(12, 16, |x, y| {
            match GLYPH[y as usize].as_bytes()[x as usize] {
                b'#' => Rgba([20, 10, 10, 255]),
                b'+' => Rgba([230, 220, 210, 255]),
                _ => Rgba([0, 0, 0, 0]),
            }
        })
    }

    const ROOM: [f32; 4] = [40.0, 40.0, 440.0, 242.0];

    fn finder() -> BlindFinder {
        BlindFinder::new(&Altars::new(Vec::new()).with_blind_marks(vec![question_mark()])).unwrap()
    }

    #[test]
    fn a_question_mark_is_found_where_it_is_in_a_dark_room_too() {
        let mark = question_mark();
        for light in [1.0, 0.35] {
            let (img, area) = frame(Some((&mark, 201, 97)), light);
            let marks = finder().marks(&img, area, ROOM);
            assert_eq!(marks.len(), 1, "light {light}: {marks:?}");
            let ((x, y), r) = marks[0];
            // Its centre: game pixel (207, 105), 8/3 frame pixels each.
            let (cx, cy) = area.frame_from_game(207.0, 105.0);
            assert!((x - cx).abs() <= 3.0 && (y - cy).abs() <= 3.0, "{x},{y}");
            assert!(r >= BLIND_MATCH, "{r}");
        }
    }

    #[test]
    fn a_floor_or_another_glyph_is_no_mark() {
        let (bare, area) = frame(None, 1.0);
        assert!(finder().marks(&bare, area, ROOM).is_empty());
        // A light block with a dark rim (a pot, a rock) is not a "?".
        let block = RgbaImage::from_fn(12, 16, |x, y| {
            let rim = x == 0 || y == 0 || x == 11 || y == 15;
            if rim {
                Rgba([20, 10, 10, 255])
            } else {
                Rgba([230, 220, 210, 255])
            }
        });
        let (img, area) = frame(Some((&block, 201, 97)), 1.0);
        assert!(finder().marks(&img, area, ROOM).is_empty());
        // A "?" outside the room (on the HUD) is not looked for.
        let (img, area) = frame(Some((&question_mark(), 10, 10)), 1.0);
        assert!(finder().marks(&img, area, ROOM).is_empty());
        // No marks in the catalog: no finder.
        assert!(BlindFinder::new(&Altars::new(Vec::new())).is_none());
    }
}
