//! The price under an item for sale: a shop's cents in the game's digits, or a devil deal's
//! hearts. Read from the frame a scan looked at, in a strip below each find, by comparing
//! what stands there with the shapes of the catalog's price font at whatever size the
//! frame shows them. No network is involved; a find costs a fraction of a millisecond.

use image::RgbImage;

use super::predict::CropBox;
use super::scan::GameArea;
use crate::catalog::price_font::{Glyph, Price, PriceFont};

/// Where a price can stand, in game pixels from a find's centre: this far either side ...
const REACH_X: f32 = 26.0;
/// ... from this far below it to this far.
const TOP: f32 = 8.0;
const BOTTOM: f32 = 38.0;
/// A price's middle is at most this far (game pixels) beside the find's.
const CENTRED: f32 = 12.0;
/// Glyph heights a price can be drawn at, in game pixels.
const GLYPH_HEIGHTS: std::ops::RangeInclusive<f32> = 4.5..=20.0;
/// A glyph is taken for the font's when at least this alike ([`Shape::agreement`]) ...
const SAME_SHAPE: f32 = 0.72;
/// ... and a heart, a plainer shape that more things are like (a red chest under an item),
/// when at least this alike.
const HEART_SHAPE: f32 = 0.8;
/// A digit's pixel is at least this far from the floor's colour toward white.
const WHITE_SHARE: f32 = 0.3;
/// Narrower than this (width over height), a digit is a 1, whatever the font's 1 looks like.
const ONE_ASPECT: f32 = 0.42;

/// A glyph's look as a grid of ink cells, to compare at any size. Both it and what a frame
/// shows are compared softened (each cell with its neighbours), so a stroke drawn a pixel
/// thinner or shifted half a cell costs little.
#[derive(Debug)]
struct Shape {
    glyph: Glyph,
    w: u32,
    h: u32,
    ink: Vec<f32>,
}

impl Shape {
    fn of(glyph: Glyph, image: &image::RgbaImage, inked: fn([u8; 3]) -> bool) -> Option<Self> {
        let (w, h) = image.dimensions();
        let ink: Vec<bool> = image
            .pixels()
            .map(|p| p[3] > 128 && inked([p[0], p[1], p[2]]))
            .collect();
        // Cut to the ink, as a frame's blob is.
        let rows: Vec<u32> = (0..h)
            .filter(|&y| (0..w).any(|x| ink[(y * w + x) as usize]))
            .collect();
        let cols: Vec<u32> = (0..w)
            .filter(|&x| (0..h).any(|y| ink[(y * w + x) as usize]))
            .collect();
        let (&y0, &y1, &x0, &x1) = (rows.first()?, rows.last()?, cols.first()?, cols.last()?);
        let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
        let ink: Vec<f32> = (0..ch)
            .flat_map(|y| (0..cw).map(move |x| (x, y)))
            .map(|(x, y)| f32::from(u8::from(ink[((y0 + y) * w + x0 + x) as usize])))
            .collect();
        let ink = soften(&ink, cw, ch);
        Some(Self {
            glyph,
            w: cw,
            h: ch,
            ink,
        })
    }

    fn aspect(&self) -> f32 {
        self.w as f32 / self.h as f32
    }

    /// How alike `blob` is (1: the same): one minus the mean difference of the softened
    /// cells, the blob's ink in each cell sampled at nine points.
    fn agreement(&self, blob: &Blob, labels: &Labels) -> f32 {
        let (bw, bh) = (blob.w() as f32, blob.h() as f32);
        let (sw, sh) = (bw / self.w as f32, bh / self.h as f32);
        let mut cells = Vec::with_capacity((self.w * self.h) as usize);
        for cy in 0..self.h {
            for cx in 0..self.w {
                let mut inked = 0;
                for (fx, fy) in [1.0f32, 3.0, 5.0]
                    .iter()
                    .flat_map(|&fx| [1.0f32, 3.0, 5.0].map(move |fy| (fx, fy)))
                {
                    let x = blob.x0 + ((cx as f32 + fx / 6.0) * sw) as u32;
                    let y = blob.y0 + ((cy as f32 + fy / 6.0) * sh) as u32;
                    inked += u32::from(labels.at(x.min(blob.x1), y.min(blob.y1)) == blob.label);
                }
                cells.push(inked as f32 / 9.0);
            }
        }
        let cells = soften(&cells, self.w, self.h);
        let diff: f32 = cells
            .iter()
            .zip(&self.ink)
            .map(|(a, b)| (a - b).abs())
            .sum();
        1.0 - diff / cells.len() as f32
    }
}

/// Each cell averaged with its neighbours (3x3, at the edges those there are).
fn soften(cells: &[f32], w: u32, h: u32) -> Vec<f32> {
    let (w, h) = (w as usize, h as usize);
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (mut sum, mut n) = (0.0, 0.0);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    sum += cells[ny * w + nx];
                    n += 1.0;
                }
            }
            sum / n
        })
        .collect()
}

/// Reads prices with one font's shapes.
#[derive(Debug)]
pub struct PriceReader {
    /// The digits and the cent sign (a 1 is also told by its narrowness: the font's own 1
    /// is made, the game's may differ).
    glyphs: Vec<Shape>,
    /// One heart's body, for red and soul hearts alike.
    heart: Option<Shape>,
    /// The bodies of two red hearts and of three soul hearts as the font draws them: drawn
    /// small, the outlines between them blur away and they are one shape.
    two_hearts: Option<Shape>,
    three_soul_hearts: Option<Shape>,
}

impl PriceReader {
    pub fn new(font: &PriceFont) -> Self {
        let glyphs = font
            .glyphs()
            .iter()
            .filter(|(g, _)| matches!(g, Glyph::Digit(_) | Glyph::Cent))
            .filter_map(|(g, image)| Shape::of(*g, image, white))
            .collect();
        let body = |glyph| {
            font.glyph(glyph)
                .and_then(|image| Shape::of(glyph, image, heart_body))
        };
        Self {
            glyphs,
            heart: body(Glyph::Heart),
            two_hearts: body(Glyph::TwoHearts),
            three_soul_hearts: body(Glyph::ThreeSoulHearts),
        }
    }

    /// The price below the item found in `item` (frame pixels) of `rgb`, whose game screen
    /// is `area`; None when none is read there.
    pub fn read(&self, rgb: &RgbImage, area: GameArea, item: &CropBox) -> Option<Price> {
        let s = area.scale;
        let cx = item.x as f32 + item.w as f32 / 2.0;
        let cy = item.y as f32 + item.h as f32 / 2.0;
        let (w, h) = rgb.dimensions();
        let x0 = (cx - REACH_X * s).max(0.0) as u32;
        let x1 = ((cx + REACH_X * s) as u32).min(w);
        let y0 = ((cy + TOP * s).max(0.0) as u32).min(h);
        let y1 = ((cy + BOTTOM * s) as u32).min(h);
        if x1 <= x0 + 2 || y1 <= y0 + 2 {
            return None;
        }
        let strip = Strip {
            rgb,
            x0,
            y0,
            w: x1 - x0,
            h: y1 - y0,
        };
        let below = Below {
            floor: strip.median(),
            strip,
            heights: GLYPH_HEIGHTS.start() * s..=GLYPH_HEIGHTS.end() * s,
            centre: cx - x0 as f32,
            scale: s,
        };
        self.read_cents(&below).or_else(|| self.read_hearts(&below))
    }

    /// Digits followed by the cent sign, on one line, centred under the item.
    fn read_cents(&self, below: &Below) -> Option<Price> {
        let (strip, heights, floor) = (&below.strip, &below.heights, below.floor);
        let (centre, s) = (below.centre, below.scale);
        // The digits are white drawn over the floor: a pixel of them is the floor's colour
        // blended toward white by the same share in each channel (a glyph's edge, a stroke
        // drawn thinner than a pixel). A coloured glow or a pale floor blends unevenly.
        let labels = strip.labels(
            |p| {
                let share = |c: usize| {
                    (f32::from(p[c]) - f32::from(floor[c])) / (255.0 - f32::from(floor[c])).max(1.0)
                };
                let shares = [share(0), share(1), share(2)];
                let lo = shares.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = shares.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                lo >= WHITE_SHARE && hi - lo <= 0.3
            },
            (s.round() as usize).clamp(2, 5),
        );
        let all = labels.blobs();
        let mut blobs: Vec<Blob> = all
            .iter()
            .filter(|b| heights.contains(&(b.h() as f32)) && b.h() >= 5)
            .cloned()
            .flat_map(|b| b.split_glyphs(&labels))
            .collect();
        blobs.sort_by_key(|b| b.x0);
        // What a cent sign's pieces are looked for among: the parts as found, and as cut
        // into glyphs (a "c" drawn small touches the digit before it).
        let pieces: Vec<Blob> = all.iter().chain(&blobs).cloned().collect();
        let mut best: Option<(f32, u32)> = None;
        // Lines of text: from each glyph with none before it on its line, the nearest next
        // one on the line after each (other things may stand between them in x order).
        let next = |a: &Blob| {
            blobs
                .iter()
                .filter(|b| b.x0 > a.x0 && on_one_line(a, b))
                .min_by_key(|b| b.x0)
        };
        for first in blobs
            .iter()
            .filter(|b| !blobs.iter().any(|a| a.x0 < b.x0 && on_one_line(a, b)))
        {
            let mut line = vec![first];
            while let Some(b) = line.last().and_then(|a| next(a)) {
                if line.len() >= 6 {
                    break;
                }
                line.push(b);
            }
            // Something beside the price (a pickup, the edge of what stands above) can begin
            // its line: the price is the first run of it that reads as one.
            // Each blob's glyph once, for every run of the line tried.
            let glyphs: Vec<Option<Glyph>> =
                line.iter().map(|b| self.glyph_of(b, &labels)).collect();
            let Some((line, cents)) = (0..line.len().min(3)).find_map(|start| {
                let end = line.len().min(start + 4);
                let line = &line[start..end];
                cents_of(line, &glyphs[start..end], &pieces).map(|c| (line, c))
            }) else {
                continue;
            };
            let middle = (line[0].x0 + line[line.len() - 1].x1 + 1) as f32 / 2.0;
            let off = (middle - centre).abs();
            if off <= CENTRED * s && best.is_none_or(|(o, _)| off < o) {
                best = Some((off, cents));
            }
        }
        best.map(|(_, cents)| Price::Cents(cents))
    }

    fn glyph_of(&self, blob: &Blob, labels: &Labels) -> Option<Glyph> {
        let aspect = blob.w() as f32 / blob.h() as f32;
        if aspect < ONE_ASPECT {
            return Some(Glyph::Digit(1));
        }
        self.glyphs
            .iter()
            .filter(|shape| (aspect / shape.aspect()).ln().abs() <= 0.35)
            .map(|shape| (shape.agreement(blob, labels), shape.glyph))
            .filter(|(agree, _)| *agree >= SAME_SHAPE)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, glyph)| glyph)
    }

    /// Red hearts (a devil deal) or soul hearts: a whole heart, and the hearts half behind
    /// it beside it.
    fn read_hearts(&self, below: &Below) -> Option<Price> {
        let (strip, heights, floor) = (&below.strip, &below.heights, below.floor);
        let (centre, s) = (below.centre, below.scale);
        let heart = self.heart.as_ref()?;
        let near = |b: &Blob| ((b.x0 + b.x1 + 1) as f32 / 2.0 - centre).abs() <= CENTRED * s * 2.0;
        let alike = |shape: &Shape, b: &Blob| {
            heights.contains(&(b.h() as f32))
                && b.h() >= 4
                && ((b.w() as f32 / b.h() as f32) / shape.aspect()).ln().abs() <= 0.3
        };
        for (colours, price, all_of) in [
            (
                RED_HEART,
                Price::Hearts as fn(u8) -> Price,
                (&self.two_hearts, 2),
            ),
            (SOUL_HEART, Price::SoulHearts, (&self.three_soul_hearts, 3)),
        ] {
            // A heart's pixel is the floor blended toward one of its colours (its light or
            // its shaded body); hearts are parted by an outline a game pixel wide.
            let inked = |p: [u8; 3]| colours.iter().any(|&c| blends_toward(p, floor, c));
            let labels = strip.labels(inked, ((s / 2.0) as usize).max(1));
            let blobs = labels.blobs();
            // All the hearts run together, as one shape.
            if let (Some(shape), n) = all_of
                && blobs.iter().any(|b| {
                    near(b) && alike(shape, b) && shape.agreement(b, &labels) >= HEART_SHAPE
                })
            {
                return Some(price(n));
            }
            let whole = blobs
                .iter()
                .filter(|b| near(b) && alike(heart, b))
                .map(|b| (heart.agreement(b, &labels), b))
                .filter(|(agree, _)| *agree >= HEART_SHAPE)
                // The heart in front is whole: the most alike, and lowest.
                .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.y1.cmp(&b.1.y1)))
                .map(|(_, b)| b);
            let Some(whole) = whole else { continue };
            // With it, the part-hidden hearts of its colour behind it: higher up, no bigger,
            // each parted from one already counted by no more than an outline (a red chest
            // behind a price is no heart).
            let outline = i64::from(whole.h() / 4);
            let behind = |b: &Blob| {
                b.label != whole.label
                    && b.pixels * 5 >= whole.pixels
                    && b.w() * 10 <= whole.w() * 12
                    && b.h() * 10 <= whole.h() * 12
                    && b.y0 < whole.y0
            };
            let mut hearts: Vec<&Blob> = vec![whole];
            while hearts.len() < 3 {
                let more = blobs.iter().find(|b| {
                    behind(b)
                        && !hearts.iter().any(|h| h.label == b.label)
                        && hearts.iter().any(|h| h.gap(b) <= outline)
                });
                match more {
                    Some(b) => hearts.push(b),
                    None => break,
                }
            }
            let lo = hearts.iter().map(|b| b.x0).min().unwrap_or(whole.x0);
            let hi = hearts.iter().map(|b| b.x1).max().unwrap_or(whole.x1);
            if ((lo + hi + 1) as f32 / 2.0 - centre).abs() > CENTRED * s * 1.5 {
                continue;
            }
            return Some(price(hearts.len() as u8));
        }
        None
    }
}

/// A line's value when it reads as one or two digits and the cent sign; `glyphs` are its
/// blobs' glyphs.
fn cents_of(line: &[&Blob], glyphs: &[Option<Glyph>], pieces: &[Blob]) -> Option<u32> {
    let mut value = 0;
    let mut digits = 0;
    for i in 0..line.len().min(2) {
        match digit_at(line, glyphs, i) {
            Some(Glyph::Digit(d)) => value = value * 10 + u32::from(d),
            _ => break,
        }
        digits += 1;
    }
    let last = line[..digits].last()?;
    let cent = match (line.get(digits), glyphs.get(digits)) {
        (Some(next), Some(glyph)) => match glyph {
            Some(Glyph::Cent) => true,
            // Shorter than the digits, it is no digit, whatever it looks like: a cent
            // sign whose thin strokes above and below the "c" were lost when drawn small.
            Some(Glyph::Digit(_)) if next.h() * 10 >= last.h() * 8 => return None,
            _ => cent_pieces_after(last, pieces),
        },
        _ => cent_pieces_after(last, pieces),
    };
    (cent && value > 0).then_some(value)
}

/// The glyph of a line's `i`th blob. The font has no 1 and a cent sign never comes before a
/// digit, so a narrow glyph taken for a cent sign with a digit after it is a 1 (a 1 drawn
/// with its foot and flag).
fn digit_at(line: &[&Blob], glyphs: &[Option<Glyph>], i: usize) -> Option<Glyph> {
    let digit_follows = line.get(i + 1).is_some_and(|next| {
        next.h() * 10 >= line[i].h() * 8 && matches!(glyphs.get(i + 1), Some(Some(Glyph::Digit(_))))
    });
    match glyphs[i] {
        Some(Glyph::Cent) if digit_follows => Some(Glyph::Digit(1)),
        other => other,
    }
}

/// Whether the ink just after the digit `last` could be a cent sign that a small drawing
/// broke into pieces, or whose "c" alone is left (cut from the digit it touched): pieces
/// smaller than a glyph, close after it, that together span most of its height and are
/// narrower than it.
fn cent_pieces_after(last: &Blob, all: &[Blob]) -> bool {
    let h = last.h();
    let pieces: Vec<&Blob> = all
        .iter()
        .filter(|b| b.h() * 10 < h * 8)
        .filter(|b| b.x0 > last.x1 && b.x0 <= last.x1 + h * 7 / 10)
        .filter(|b| b.y1 >= last.y0 && b.y0 <= last.y1)
        .collect();
    let (Some(top), Some(bottom)) = (
        pieces.iter().map(|b| b.y0.max(last.y0)).min(),
        pieces.iter().map(|b| b.y1.min(last.y1)).max(),
    ) else {
        return false;
    };
    let left = pieces.iter().map(|b| b.x0).min().unwrap_or(0);
    let right = pieces.iter().map(|b| b.x1).max().unwrap_or(0);
    // A cent sign is the line's last glyph, and narrower than a digit.
    let more = all.iter().any(|b| {
        b.x0 > right
            && b.x0 <= right + h * 7 / 10
            && b.h() * 2 >= h
            && b.y1 >= last.y0
            && b.y0 <= last.y1
    });
    !more && (bottom - top + 1) * 10 >= h * 5 && (right - left + 1) * 10 <= h * 6
}

/// Whether `b` follows `a` on a line of text.
fn on_one_line(a: &Blob, b: &Blob) -> bool {
    let height = a.h().max(b.h()) as i64;
    let gap = i64::from(b.x0) - i64::from(a.x1) - 1;
    let overlap = i64::from(a.y1.min(b.y1)) - i64::from(a.y0.max(b.y0)) + 1;
    gap <= height * 6 / 10 && overlap * 2 >= a.h().min(b.h()) as i64
}

/// The digits' white.
fn white(p: [u8; 3]) -> bool {
    p[0].min(p[1]).min(p[2]) > 170
}

/// A red heart's body colours, lit and shaded, as the font draws them.
const RED_HEART: [[u8; 3]; 2] = [[192, 53, 73], [145, 40, 55]];
/// A soul heart's.
const SOUL_HEART: [[u8; 3]; 2] = [[109, 144, 178], [77, 96, 122]];

/// Whether `p` is the colour `floor` blended at least halfway toward `target` (as an edge or
/// a thin part drawn small is), and not some other colour.
fn blends_toward(p: [u8; 3], floor: [u8; 3], target: [u8; 3]) -> bool {
    let d = [0, 1, 2].map(|c| f32::from(target[c]) - f32::from(floor[c]));
    let v = [0, 1, 2].map(|c| f32::from(p[c]) - f32::from(floor[c]));
    let len2: f32 = d.iter().map(|x| x * x).sum();
    // A floor of nearly the target's colour tells nothing apart.
    if len2 < 40.0 * 40.0 {
        return false;
    }
    let share = v.iter().zip(&d).map(|(a, b)| a * b).sum::<f32>() / len2;
    let off2: f32 = v.iter().zip(&d).map(|(a, b)| (a - share * b).powi(2)).sum();
    (0.45..=1.4).contains(&share) && off2 <= 0.35f32.powi(2) * len2
}

/// A heart's body in the font: neither its black outline nor its white shine.
fn heart_body(p: [u8; 3]) -> bool {
    let (lo, hi) = (p[0].min(p[1]).min(p[2]), p[0].max(p[1]).max(p[2]));
    hi > 60 && lo < 170
}

/// Where a price is looked for below one find: the strip of frame and its floor's colour
/// (its median), the heights its glyphs can have there (frame pixels), the find's middle
/// across the strip, and frame pixels per game pixel.
struct Below<'a> {
    strip: Strip<'a>,
    floor: [u8; 3],
    heights: std::ops::RangeInclusive<f32>,
    centre: f32,
    scale: f32,
}

/// The part of a frame a price can be in.
struct Strip<'a> {
    rgb: &'a RgbImage,
    x0: u32,
    y0: u32,
    w: u32,
    h: u32,
}

impl Strip<'_> {
    /// Each channel's median: the floor's colour where the strip is mostly floor.
    fn median(&self) -> [u8; 3] {
        let mut counts = [[0u32; 256]; 3];
        for p in self.pixels() {
            for c in 0..3 {
                counts[c][usize::from(p[c])] += 1;
            }
        }
        let half = self.w * self.h / 2;
        counts.map(|hist| {
            let mut seen = 0;
            hist.iter()
                .position(|&n| {
                    seen += n;
                    seen > half
                })
                .map_or(0, |v| v as u8)
        })
    }

    fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        (0..self.h).flat_map(move |y| {
            (0..self.w).map(move |x| self.rgb.get_pixel(self.x0 + x, self.y0 + y).0)
        })
    }

    /// Connected parts of the pixels `inked` holds for, pixels up to `reach` apart counting
    /// as connected: a thin stroke drawn small breaks up, and its pieces are one glyph
    /// (glyphs that touch this way are cut apart again by [`Blob::split_glyphs`]).
    fn labels(&self, inked: impl Fn([u8; 3]) -> bool, reach: usize) -> Labels {
        let mask: Vec<bool> = self.pixels().map(inked).collect();
        let (w, h) = (self.w as usize, self.h as usize);
        let mut label = vec![0u32; w * h];
        let mut next = 0;
        let mut stack = Vec::new();
        for start in 0..w * h {
            if !mask[start] || label[start] != 0 {
                continue;
            }
            next += 1;
            label[start] = next;
            stack.push(start);
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                for ny in y.saturating_sub(reach)..=(y + reach).min(h - 1) {
                    for nx in x.saturating_sub(reach)..=(x + reach).min(w - 1) {
                        let j = ny * w + nx;
                        if mask[j] && label[j] == 0 {
                            label[j] = next;
                            stack.push(j);
                        }
                    }
                }
            }
        }
        Labels {
            w: self.w,
            label,
            count: next,
        }
    }
}

/// Each pixel's part (0: none).
struct Labels {
    w: u32,
    label: Vec<u32>,
    count: u32,
}

impl Labels {
    fn at(&self, x: u32, y: u32) -> u32 {
        if x >= self.w {
            return 0;
        }
        self.label
            .get((y * self.w + x) as usize)
            .copied()
            .unwrap_or(0)
    }

    fn blobs(&self) -> Vec<Blob> {
        let mut blobs: Vec<Blob> = (1..=self.count)
            .map(|label| Blob {
                label,
                x0: u32::MAX,
                y0: u32::MAX,
                x1: 0,
                y1: 0,
                pixels: 0,
            })
            .collect();
        for (i, &l) in self.label.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let (x, y) = (i as u32 % self.w, i as u32 / self.w);
            let b = &mut blobs[l as usize - 1];
            b.x0 = b.x0.min(x);
            b.y0 = b.y0.min(y);
            b.x1 = b.x1.max(x);
            b.y1 = b.y1.max(y);
            b.pixels += 1;
        }
        blobs
    }
}

/// One connected part: its label, bounds (inclusive) and size.
#[derive(Clone)]
struct Blob {
    label: u32,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    pixels: u32,
}

impl Blob {
    /// The glyphs in a blob wider than one: glyphs drawn small touch their neighbours. Cut
    /// where the fewest of its pixels stand, in its middle, until each part is glyph-wide.
    fn split_glyphs(self, labels: &Labels) -> Vec<Blob> {
        let mut out = Vec::new();
        let mut todo = vec![self];
        while let Some(b) = todo.pop() {
            if b.w() * 10 <= b.h() * 11 || out.len() + todo.len() >= 4 {
                out.push(b);
                continue;
            }
            let ink = |x: u32| {
                (b.y0..=b.y1)
                    .filter(|&y| labels.at(x, y) == b.label)
                    .count()
            };
            // A cut leaves a column on each side, so every part is narrower than the blob.
            let lo = b.x0 + b.w() * 3 / 10;
            let hi = (b.x0 + b.w() * 7 / 10).min(b.x1.saturating_sub(1));
            let Some(cut) = (lo..=hi).min_by_key(|&x| ink(x)) else {
                out.push(b);
                continue;
            };
            todo.extend(
                [b.part(labels, b.x0, cut), b.part(labels, cut + 1, b.x1)]
                    .into_iter()
                    .flatten(),
            );
        }
        out.sort_by_key(|b| b.x0);
        out
    }

    /// The part of the blob between columns x0 and x1, cut to its pixels there.
    fn part(&self, labels: &Labels, x0: u32, x1: u32) -> Option<Blob> {
        let mut part = Blob {
            label: self.label,
            x0: u32::MAX,
            y0: u32::MAX,
            x1: 0,
            y1: 0,
            pixels: 0,
        };
        for y in self.y0..=self.y1 {
            for x in x0..=x1 {
                if labels.at(x, y) == self.label {
                    part.x0 = part.x0.min(x);
                    part.y0 = part.y0.min(y);
                    part.x1 = part.x1.max(x);
                    part.y1 = part.y1.max(y);
                    part.pixels += 1;
                }
            }
        }
        (part.pixels > 0).then_some(part)
    }

    fn w(&self) -> u32 {
        self.x1 - self.x0 + 1
    }

    fn h(&self) -> u32 {
        self.y1 - self.y0 + 1
    }

    /// Pixels between the two boxes (0 when they touch or overlap).
    fn gap(&self, other: &Blob) -> i64 {
        let dx = (i64::from(other.x0) - i64::from(self.x1))
            .max(i64::from(self.x0) - i64::from(other.x1))
            .max(0);
        let dy = (i64::from(other.y0) - i64::from(self.y1))
            .max(i64::from(self.y0) - i64::from(other.y1))
            .max(0);
        dx.max(dy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, Rgba, RgbaImage};

    /// A blob whose narrowest column is its last: a cut there would leave the whole blob on
    /// one side, and the split would never end (a scan hung on such a spot under a find).
    #[test]
    fn a_blob_is_split_into_narrower_parts_wherever_its_ink_is_thinnest() {
        for rows in [
            // 3x2, the last column thinnest.
            vec!["##.", "###"],
            // 4x2, the last two columns thin.
            vec!["##..", "####"],
            // 7x3.
            vec!["####...", "#######", "#####.."],
        ] {
            let w = rows[0].len() as u32;
            let label: Vec<u32> = rows
                .iter()
                .flat_map(|r| r.chars().map(|c| u32::from(c == '#')))
                .collect();
            let labels = Labels { w, label, count: 1 };
            let blob = labels.blobs().remove(0);
            let parts = blob.split_glyphs(&labels);
            assert!(parts.len() >= 2, "{rows:?}: {}", parts.len());
            assert!(parts.iter().all(|p| p.w() < w), "{rows:?}");
            let pixels: u32 = parts.iter().map(|p| p.pixels).sum();
            assert_eq!(
                pixels as usize,
                rows.concat().matches('#').count(),
                "{rows:?}"
            );
        }
    }

    /// A 5x7 font of our own (not the game's): digits, the cent sign, a heart.
    const DIGITS: [[&str; 7]; 10] = [
        [
            ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.",
        ],
        [
            "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.",
        ],
        [
            ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####",
        ],
        [
            "####.", "....#", "....#", ".###.", "....#", "....#", "####.",
        ],
        [
            "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.",
        ],
        [
            "#####", "#....", "####.", "....#", "....#", "#...#", ".###.",
        ],
        [
            ".###.", "#....", "#....", "####.", "#...#", "#...#", ".###.",
        ],
        [
            "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...",
        ],
        [
            ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
        ],
        [
            ".###.", "#...#", "#...#", ".####", "....#", "....#", ".###.",
        ],
    ];
    const CENT: [&str; 7] = ["..#", ".##", "#.#", "#..", "#.#", ".##", "..#"];
    const HEART: [&str; 6] = [
        ".##.##.", "#######", "#######", ".#####.", "..###..", "...#...",
    ];

    fn glyph(rows: &[&str], ink: [u8; 4]) -> RgbaImage {
        RgbaImage::from_fn(rows[0].len() as u32, rows.len() as u32, |x, y| {
            if rows[y as usize].as_bytes()[x as usize] == b'#' {
                Rgba(ink)
            } else {
                Rgba([0, 0, 0, 0])
            }
        })
    }

    fn font() -> PriceFont {
        let white = [250, 250, 250, 255];
        let mut glyphs: Vec<(Glyph, RgbaImage)> = (0..10u8)
            .filter(|d| *d != 1)
            .map(|d| (Glyph::Digit(d), glyph(&DIGITS[d as usize], white)))
            .collect();
        glyphs.push((Glyph::Cent, glyph(&CENT, white)));
        glyphs.push((Glyph::Heart, glyph(&HEART, [200, 50, 70, 255])));
        PriceFont::from_glyphs(glyphs)
    }

    const SCALE: u32 = 3;

    /// A 1440x810 frame of wooden floor (game scale 3) with an item found at game (200, 100).
    fn frame() -> (RgbImage, GameArea, CropBox) {
        let rgb = RgbImage::from_fn(1440, 810, |x, y| {
            let grain = ((x / 7 + y / 13) % 3) as u8 * 6;
            Rgb([120 + grain, 80 + grain, 50])
        });
        let area = GameArea {
            x: 0.0,
            y: 0.0,
            scale: SCALE as f32,
        };
        let side = 48 * SCALE;
        let item = CropBox {
            x: 200 * SCALE - side / 2,
            y: 100 * SCALE - side / 2,
            w: side,
            h: side,
        };
        (rgb, area, item)
    }

    /// Draws `glyphs` side by side (1 game pixel apart) centred at game x `cx`, tops at `top`.
    fn draw(rgb: &mut RgbImage, glyphs: &[RgbaImage], cx: u32, top: u32) {
        let width: u32 = glyphs.iter().map(|g| g.width() + 1).sum::<u32>() - 1;
        let mut x = cx - width / 2;
        for g in glyphs {
            for (gx, gy, p) in g.enumerate_pixels() {
                if p[3] < 128 {
                    continue;
                }
                for dy in 0..SCALE {
                    for dx in 0..SCALE {
                        let (fx, fy) = ((x + gx) * SCALE + dx, (top + gy) * SCALE + dy);
                        rgb.put_pixel(fx, fy, Rgb([p[0], p[1], p[2]]));
                    }
                }
            }
            x += g.width() + 1;
        }
    }

    fn cents(font: &PriceFont, text: &str) -> Vec<RgbaImage> {
        text.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => font.glyph(Glyph::Digit(d as u8)).unwrap().clone(),
                None => font.glyph(Glyph::Cent).unwrap().clone(),
            })
            .collect()
    }

    #[test]
    fn cents_under_an_item_are_read() {
        let font = font();
        let reader = PriceReader::new(&font);
        for (text, value) in [("15c", 15), ("7c", 7), ("30c", 30), ("3c", 3), ("99c", 99)] {
            let (mut rgb, area, item) = frame();
            draw(&mut rgb, &cents(&font, text), 200, 117);
            assert_eq!(
                reader.read(&rgb, area, &item),
                Some(Price::Cents(value)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_price_is_read_past_what_stands_before_it_and_with_its_cent_sign_cut_short() {
        let font = font();
        let reader = PriceReader::new(&font);
        let white = [250, 250, 250, 255];
        // Something white of the digits' height just before the price, on its line.
        let (mut rgb, area, item) = frame();
        draw(&mut rgb, &cents(&font, "30c"), 200, 117);
        draw(&mut rgb, &[glyph(&["####"; 7], white)], 188, 117);
        assert_eq!(reader.read(&rgb, area, &item), Some(Price::Cents(30)));
        // A cent sign's "c" alone, its strokes above and below lost: shorter than a digit,
        // it is no digit, whatever it looks like.
        let c = glyph(&["...", ".##", "#..", "#..", "#..", ".##", "..."], white);
        let (mut rgb, area, item) = frame();
        let mut glyphs = cents(&font, "20");
        glyphs.push(c);
        draw(&mut rgb, &glyphs, 200, 117);
        assert_eq!(reader.read(&rgb, area, &item), Some(Price::Cents(20)));
    }

    #[test]
    fn hearts_are_counted_whole_and_half_hidden() {
        let font = font();
        let reader = PriceReader::new(&font);
        let heart = font.glyph(Glyph::Heart).unwrap().clone();
        let (mut rgb, area, item) = frame();
        draw(&mut rgb, std::slice::from_ref(&heart), 200, 118);
        assert_eq!(reader.read(&rgb, area, &item), Some(Price::Hearts(1)));
        // A second heart up and to the left, half behind the first (an outline between).
        let (mut rgb, area, item) = frame();
        draw(&mut rgb, std::slice::from_ref(&heart), 197, 116);
        let outline = glyph(&["#########"; 8], [20, 10, 10, 255]);
        draw(&mut rgb, &[outline], 201, 118);
        draw(&mut rgb, std::slice::from_ref(&heart), 201, 119);
        assert_eq!(reader.read(&rgb, area, &item), Some(Price::Hearts(2)));
        // Soul hearts: the heart's shape in blue, three of them, each lower and in front of
        // the one before.
        let blue = glyph(&HEART, [110, 144, 178, 255]);
        let (mut rgb, area, item) = frame();
        for (cx, top) in [(195, 113), (199, 116), (203, 119)] {
            let outline = glyph(&["#########"; 8], [20, 10, 10, 255]);
            draw(&mut rgb, &[outline], cx, top - 1);
            draw(&mut rgb, std::slice::from_ref(&blue), cx, top);
        }
        assert_eq!(reader.read(&rgb, area, &item), Some(Price::SoulHearts(3)));
    }

    #[test]
    fn no_price_beside_or_far_from_the_item_and_no_guess_from_other_white() {
        let font = font();
        let reader = PriceReader::new(&font);
        let (rgb, area, item) = frame();
        assert_eq!(reader.read(&rgb, area, &item), None);
        // A price under the next item, a tile and a half aside.
        let (mut rgb, area, item) = frame();
        draw(&mut rgb, &cents(&font, "15c"), 240, 117);
        assert_eq!(reader.read(&rgb, area, &item), None);
        // Digits without a cent sign (a counter, a number in the room): no price.
        let (mut rgb, area, item) = frame();
        draw(&mut rgb, &cents(&font, "15"), 200, 117);
        assert_eq!(reader.read(&rgb, area, &item), None);
        // A white blob of the digits' height (a tear, a bone).
        let (mut rgb, area, item) = frame();
        let blob = glyph(&["#######"; 7], [240, 240, 240, 255]);
        draw(&mut rgb, &[blob.clone(), blob], 200, 117);
        assert_eq!(reader.read(&rgb, area, &item), None);
    }
}
