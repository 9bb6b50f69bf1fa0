//! Every item in a whole frame, without a box drawn by hand.
//!
//! The game draws a fixed 480x270 screen scaled to its window, so an item's size on screen
//! follows from the frame's size. A scan (1) finds the game's screen inside the frame
//! (letterbox bars are dark), (2) shrinks it so that a loose box around an item, about 48
//! game pixels, becomes the classifier's input size, (3) scores every such window in one
//! convolutional pass (`Network::window_logits`): one minus the "no item" probability is
//! how likely a window holds an item, (4) takes the local peaks inside the room (the HUD
//! around it is never a find), and (5) classifies each peak's box through the same
//! prediction path as a drawn box, keeping those that still look like an item.

use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::EngineError;
use super::altar::AltarFinder;
use super::blind::BlindFinder;
use super::checkpoint::Checkpoint;
use super::frames::{GAME_H, GAME_W};
use super::predict::{self, CropBox, Prediction};
use super::price::PriceReader;
use crate::catalog::ItemKind;
use crate::catalog::price_font::Price;

/// Game pixels a scan window spans: a player's loose box around a 32 px item sprite.
pub const WINDOW_GAME_PX: f32 = 48.0;

/// Where a find's centre can be, in game pixels (x0, y0, x1, y1): the floor inside a 1x1
/// room's walls with a little slack. The HUD (active item, hearts, counters, trinket and
/// pocket slots) and the walls' own pictures lie outside it.
const ROOM: [f32; 4] = [40.0, 40.0, 440.0, 242.0];

/// Frames larger than 4K (3840x2160) are scanned scaled down to this many pixels.
pub const MAX_SCANNED_PIXELS: u64 = 3840 * 2160;

/// An item found in a frame: its box in frame pixels and its top predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Find {
    #[serde(rename = "box")]
    pub bbox: CropBox,
    pub predictions: Vec<Prediction>,
    /// The price below it (an item for sale), when one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// A hidden item (Curse of the Blind: the game shows a "?"): no predictions, as its
    /// sprite tells nothing of what it is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl Find {
    /// `newer`, a later find of the same item, keeping this one's price when `newer` read
    /// none (Isaac stood in front of it for that scan).
    pub fn renewed(&self, newer: &Find) -> Find {
        Find {
            price: newer.price.or(self.price),
            ..newer.clone()
        }
    }

    /// The best prediction's score (0 when there is none).
    pub fn score(&self) -> f32 {
        self.predictions.first().map_or(0.0, |p| p.score)
    }
}

/// Thresholds of a scan, what reads prices and what finds altars.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions<'a> {
    /// A window is a candidate when its item probability reaches this and is a local peak.
    pub propose: f32,
    /// A candidate is kept when its classified box gives items at least this probability
    /// in all, more than "no item".
    pub keep: f32,
    /// ... and its best item at least this score: a box whose item probability is spread
    /// thin over many items is something the network has not learned, not an item.
    pub min_top: f32,
    /// Reads the price below each find; None: prices are not read.
    pub prices: Option<&'a PriceReader>,
    /// Finds altars below finds; None: every find that passes the thresholds above is kept.
    pub altars: Option<&'a AltarFinder>,
    /// With `altars`: the best item's least score for a find that stands on no altar and
    /// above no item's price. Things on the floor are what is most often taken for an item.
    pub bare_top: f32,
    /// ... when that item is a collectible: the game shows a collectible on an altar or a
    /// chest, or above its price, never on the floor, where only trinkets lie. So what
    /// stands on nothing seen is seldom one (a pickup drawn like its item, Isaac in front
    /// of an altar).
    pub bare_collectible_top: f32,
    /// With `altars`: a candidate short of `keep` or `min_top` is still an item when it
    /// stands on an altar or above an item's price and its items reach `stand_keep` in all
    /// and its best item `stand_top` (an item half hidden by Isaac, in a dark room).
    pub stand_keep: f32,
    pub stand_top: f32,
    /// With `altars`: finds a hidden item's "?" (Curse of the Blind) where the game puts an
    /// item, reported as hidden in place of any guess there. None: not looked for.
    pub blind: Option<&'a BlindFinder>,
    /// With `altars`: a candidate whose best item scores under this is looked at again a
    /// little to each side, and the best place kept (`centred`); 0: never.
    pub centre_below: f32,
    /// A window that is no peak (a neighbour is likelier) is a candidate too when it is two
    /// windows' steps from every window taken and its item probability reaches this: an item
    /// beside Isaac or beside another item is on the shoulder of their peak. Above 1: peaks
    /// only.
    pub shoulder: f32,
}

impl ScanOptions<'_> {
    /// The least score of `find`'s best item when it stands on nothing seen.
    pub fn bare_bar(&self, find: &Find) -> f32 {
        match find.predictions.first().map(|p| p.key.kind) {
            Some(ItemKind::Collectible) => self.bare_collectible_top.max(self.bare_top),
            _ => self.bare_top,
        }
    }
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        Self {
            propose: 0.3,
            keep: 0.5,
            min_top: 0.3,
            prices: None,
            altars: None,
            bare_top: 0.9,
            bare_collectible_top: 0.99,
            stand_keep: 0.3,
            stand_top: 0.25,
            blind: None,
            centre_below: 0.9,
            shoulder: 0.99,
        }
    }
}

/// Where the game's screen lies in a frame, and its scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GameArea {
    pub x: f32,
    pub y: f32,
    /// Frame pixels per game pixel.
    pub scale: f32,
}

impl GameArea {
    /// Game pixels to frame pixels.
    pub fn frame_from_game(&self, gx: f32, gy: f32) -> (f32, f32) {
        (self.x + gx * self.scale, self.y + gy * self.scale)
    }

    pub fn game_from_frame(&self, fx: f32, fy: f32) -> (f32, f32) {
        ((fx - self.x) / self.scale, (fy - self.y) / self.scale)
    }
}

/// Below this brightness (0-255, brightest channel) a pixel counts as a letterbox bar.
const BAR_LEVEL: u8 = 20;

/// The game's screen in `img`: the part inside dark bars, taken as a 16:9 screen. None when
/// nothing is lit or what is lit is too small to hold an item (a black frame while a
/// capture card has no signal).
pub fn game_area(img: &RgbImage) -> Option<GameArea> {
    let (w, h) = img.dimensions();
    // A row or column is part of the picture when more than 1% of it is lit (every other
    // pixel looked at).
    let mostly_dark = |pixels: &mut dyn Iterator<Item = (u32, u32)>, len: u32| {
        let lit = pixels
            .step_by(2)
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().any(|&c| c > BAR_LEVEL))
            .count();
        lit * 2 <= (len as usize / 100).max(1)
    };
    let row_lit = |y: u32| !mostly_dark(&mut (0..w).map(|x| (x, y)), w);
    let col_lit = |x: u32| !mostly_dark(&mut (0..h).map(|y| (x, y)), h);
    let top = (0..h).find(|&y| row_lit(y))?;
    let bottom = (0..h).rev().find(|&y| row_lit(y))? + 1;
    let left = (0..w).find(|&x| col_lit(x))?;
    let right = (0..w).rev().find(|&x| col_lit(x))? + 1;
    let (cw, ch) = ((right - left) as f32, (bottom - top) as f32);
    // A dark room edge may be trimmed too, and trimming only shrinks: the larger of the two
    // estimates is the closer one.
    let scale = (cw / GAME_W as f32).max(ch / GAME_H as f32);
    // The game as large as the frame allows (bars on two sides at most).
    let fit = (w as f32 / GAME_W as f32).min(h as f32 / GAME_H as f32);
    // Smaller than a 160-wide thumbnail: an item would be a few pixels.
    if scale.max(fit) < 1.0 / 3.0 {
        return None;
    }
    // The largest screen the frame holds, centred, is where letterbox and pillarbox bars put
    // the game, and what a full-frame game is. The lit part is a better guess only when it is
    // shaped like a screen (16:9, a little taller with a window's title bar) and either
    // clearly smaller (a game window on a dark desktop) or not inside the centred screen.
    // Otherwise it is that screen with dark edges (a dark room's walls, a fade, an item on a
    // black floor), and taking it as the game would shrink the scale.
    let centred = GameArea {
        x: (w as f32 - GAME_W as f32 * fit) / 2.0,
        y: (h as f32 - GAME_H as f32 * fit) / 2.0,
        scale: fit,
    };
    let slack = 0.02 * w.max(h) as f32;
    let inside = left as f32 >= centred.x - slack
        && top as f32 >= centred.y - slack
        && right as f32 <= centred.x + GAME_W as f32 * fit + slack
        && bottom as f32 <= centred.y + GAME_H as f32 * fit + slack;
    let screen_like = (1.6..=1.95).contains(&(cw / ch));
    let own_screen = screen_like && (scale < SMALLER_SCREEN * fit || !inside);
    if !own_screen || scale < 1.0 / 3.0 {
        return Some(centred);
    }
    let (mx, my) = ((left + right) as f32 / 2.0, (top + bottom) as f32 / 2.0);
    Some(GameArea {
        x: mx - GAME_W as f32 * scale / 2.0,
        y: my - GAME_H as f32 * scale / 2.0,
        scale,
    })
}

/// The HUD's active-item slot in game pixels: the sprite's 32x32 cell at (8, 8) with a
/// margin, as (x, y, side).
const ACTIVE_SLOT: [f32; 3] = [2.0, 2.0, 44.0];

/// Where the HUD's active-item slot lies in `frame`, in the marked game `picture` or the game
/// area found in it: the crop to classify for the active item.
pub fn active_slot(frame: &image::DynamicImage, picture: Option<GamePicture>) -> Option<CropBox> {
    let (w, h) = (frame.width(), frame.height());
    let area = match picture.and_then(|p| p.pixels((w, h))) {
        Some(part) => GameArea {
            x: part.x as f32,
            y: part.y as f32,
            scale: part.w as f32 / GAME_W as f32,
        },
        None => game_area(&frame.to_rgb8())?,
    };
    let (x0, y0) = area.frame_from_game(ACTIVE_SLOT[0], ACTIVE_SLOT[1]);
    let side = ACTIVE_SLOT[2] * area.scale;
    let x = (x0.round().max(0.0) as u32).min(w);
    let y = (y0.round().max(0.0) as u32).min(h);
    let bw = (side.round() as u32).min(w - x);
    let bh = (side.round() as u32).min(h - y);
    (bw >= 16 && bh >= 16).then_some(CropBox { x, y, w: bw, h: bh })
}

/// A screen-shaped lit part smaller than this share of the largest centred screen is a game
/// window of its own (on a dark desktop), not that screen with dark edges.
const SMALLER_SCREEN: f32 = 0.75;

/// The part of a frame that the game area covers, in frame pixels (x, y, w, h): the pixels a
/// scan looks at. Whatever the frame, this is one game screen, so a scan's work is bounded.
pub fn scanned_part(area: GameArea, (w, h): (u32, u32)) -> Option<(u32, u32, u32, u32)> {
    let (x0, y0) = area.frame_from_game(0.0, 0.0);
    let (x1, y1) = area.frame_from_game(GAME_W as f32, GAME_H as f32);
    let clamp = |v: f32, limit: u32| (v.round().max(0.0) as u32).min(limit);
    let (x0, y0, x1, y1) = (clamp(x0, w), clamp(y0, h), clamp(x1, w), clamp(y1, h));
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1 - x0, y1 - y0))
}

/// The part of a frame that is the game's picture, as shares (0-1) of the frame's width and
/// height: what a player marks once for a source the game does not fill (a monitor with the
/// game in a window on a bright desktop, a window capture with its title bar). Shares, so a
/// source that changes its size keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GamePicture {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// The smallest game picture, as a share of the frame's side: smaller would hold items of a
/// few pixels.
const SMALLEST_PICTURE: f32 = 0.05;

impl GamePicture {
    /// Whether every share is a number in 0-1, the picture inside the frame and not tiny.
    pub fn check(&self) -> Result<(), String> {
        let Self { x, y, w, h } = *self;
        let share = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
        if !(share(x) && share(y) && share(w) && share(h)) {
            return Err(format!(
                "game picture {x},{y},{w},{h}: each value is a share of the frame, 0 to 1"
            ));
        }
        if w < SMALLEST_PICTURE || h < SMALLEST_PICTURE || x + w > 1.001 || y + h > 1.001 {
            return Err(format!(
                "game picture {x},{y},{w},{h}: it must lie inside the frame and span at least \
                 {SMALLEST_PICTURE} of each side"
            ));
        }
        Ok(())
    }

    /// "X,Y,W,H" (shares of the frame), checked.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shape = || {
            format!(
                "{}: a game picture is X,Y,W,H, four numbers from 0 to 1",
                crate::quote::clip(text, crate::quote::MAX_QUOTED)
            )
        };
        let values: Vec<f32> = text
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|_| shape())?;
        let [x, y, w, h] = values[..] else {
            return Err(shape());
        };
        let picture = Self { x, y, w, h };
        picture.check()?;
        Ok(picture)
    }

    /// The picture of a rectangle (x, y, w, h in frame pixels) of a `size` frame; None when
    /// it is too small or outside.
    pub fn from_pixels(rect: [f32; 4], size: (u32, u32)) -> Option<Self> {
        let (fw, fh) = (size.0.max(1) as f32, size.1.max(1) as f32);
        let x0 = rect[0].clamp(0.0, fw);
        let y0 = rect[1].clamp(0.0, fh);
        let x1 = (rect[0] + rect[2]).clamp(0.0, fw);
        let y1 = (rect[1] + rect[3]).clamp(0.0, fh);
        let picture = Self {
            x: x0 / fw,
            y: y0 / fh,
            w: (x1 - x0) / fw,
            h: (y1 - y0) / fh,
        };
        picture.check().ok().map(|()| picture)
    }

    /// Its pixels in a `size` frame.
    pub fn pixels(&self, (w, h): (u32, u32)) -> Option<CropBox> {
        let x = ((self.x * w as f32).round() as u32).min(w);
        let y = ((self.y * h as f32).round() as u32).min(h);
        let pw = ((self.w * w as f32).round() as u32).min(w - x);
        let ph = ((self.h * h as f32).round() as u32).min(h - y);
        (pw >= 16 && ph >= 16).then_some(CropBox { x, y, w: pw, h: ph })
    }
}

/// [`scan`] of the game's picture only, when the player marked where it is in this source:
/// the frame cut to it, the finds put back in frame pixels.
pub fn scan_in(
    ckpt: &Checkpoint,
    frame: &DynamicImage,
    picture: Option<GamePicture>,
    top_k: usize,
    options: ScanOptions<'_>,
    device: Device,
) -> Result<Vec<Find>, EngineError> {
    let Some(part) = picture.and_then(|p| p.pixels((frame.width(), frame.height()))) else {
        return scan(ckpt, frame, top_k, options, device);
    };
    let cut = frame.crop_imm(part.x, part.y, part.w, part.h);
    let mut finds = scan(ckpt, &cut, top_k, options, device)?;
    for find in &mut finds {
        find.bbox.x += part.x;
        find.bbox.y += part.y;
    }
    Ok(finds)
}

/// Scans `frame` with `ckpt`: the items found, best first, each with its top `top_k`.
pub fn scan(
    ckpt: &Checkpoint,
    frame: &DynamicImage,
    top_k: usize,
    options: ScanOptions<'_>,
    device: Device,
) -> Result<Vec<Find>, EngineError> {
    // Past 4K a frame is scanned scaled down (an item still spans over 100 pixels), so the
    // work and memory stay bounded whatever the input.
    let (w, h) = (frame.width(), frame.height());
    let shrink = (MAX_SCANNED_PIXELS as f64 / (f64::from(w) * f64::from(h))).sqrt();
    if shrink < 1.0 {
        let (sw, sh) = (
            ((f64::from(w) * shrink) as u32).max(1),
            ((f64::from(h) * shrink) as u32).max(1),
        );
        let small = frame.resize_exact(sw, sh, image::imageops::FilterType::Triangle);
        let mut finds = scan(ckpt, &small, top_k, options, device)?;
        let (kx, ky) = (w as f32 / sw as f32, h as f32 / sh as f32);
        for f in &mut finds {
            let b = f.bbox;
            f.bbox = CropBox {
                x: (b.x as f32 * kx) as u32,
                y: (b.y as f32 * ky) as u32,
                w: ((b.w as f32 * kx) as u32).min(w - (b.x as f32 * kx) as u32),
                h: ((b.h as f32 * ky) as u32).min(h - (b.y as f32 * ky) as u32),
            };
        }
        return Ok(finds);
    }
    let rgb = frame.to_rgb8();
    let Some(area) = game_area(&rgb) else {
        return Ok(Vec::new());
    };
    let candidates = propose(ckpt, &rgb, area, options, device)?;
    let (mut sure, mut on_stand_only) = classify(ckpt, &rgb, candidates, top_k, options, device)?;
    // Two candidates on one item: keep the surer one (a sure find before any other).
    sure.sort_by(|a, b| b.0.total_cmp(&a.0));
    on_stand_only.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut kept: Vec<Find> = Vec::new();
    for (_, find) in sure {
        if kept.iter().all(|k| !overlaps(&k.bbox, &find.bbox)) {
            kept.push(find);
        }
    }
    // Prices under the finds kept only (not under a second candidate on the same item).
    let price_of = |find: &Find| options.prices.and_then(|r| r.read(&rgb, area, &find.bbox));
    for find in &mut kept {
        find.price = price_of(find);
    }
    let Some(altars) = options.altars else {
        return Ok(kept);
    };
    let on_stand = |find: &Find| {
        find.price.is_some_and(|p| p.asked_for_an_item())
            || altars.stands_on_altar(&rgb, area, &find.bbox)
    };
    // An unsure find is believed where the game puts items: on an altar or above a price.
    kept.retain(|f| f.score() >= options.bare_bar(f) || on_stand(f));
    for (_, mut find) in on_stand_only {
        if kept.iter().all(|k| !overlaps(&k.bbox, &find.bbox)) {
            find.price = price_of(&find);
            if on_stand(&find) {
                kept.push(find);
            }
        }
    }
    // A "?" where an item stands is a hidden item, whatever was guessed there.
    let side = WINDOW_GAME_PX * area.scale;
    let marks = options
        .blind
        .map_or_else(Vec::new, |b| b.marks(&rgb, area, ROOM));
    for ((cx, cy), _) in marks {
        let Some(bbox) = square_box(cx, cy, side, rgb.dimensions()) else {
            continue;
        };
        let mut find = Find {
            bbox,
            predictions: Vec::new(),
            price: None,
            hidden: true,
        };
        find.price = price_of(&find);
        if on_stand(&find) {
            kept.retain(|k| !overlaps(&k.bbox, &find.bbox));
            kept.push(find);
        }
    }
    Ok(kept)
}

/// Finds, each with how likely it holds an item.
type Scored = Vec<(f32, Find)>;

/// Each box of `rgb` through the prediction path: calibrated probabilities [N, outputs].
fn probabilities_of(
    ckpt: &Checkpoint,
    rgb: &RgbImage,
    boxes: &[CropBox],
    device: Device,
) -> Result<Tensor, EngineError> {
    let crops: Vec<DynamicImage> = boxes
        .iter()
        .map(|b| b.cut(rgb).map(DynamicImage::ImageRgb8))
        .collect::<Result<_, _>>()
        .map_err(EngineError::Other)?;
    predict::mean_view_probabilities(
        &predict::view_logits(ckpt, &crops, device)?,
        ckpt.manifest.temperature,
    )
}

/// Candidates with their item probabilities and P(no item).
type Classified = (Vec<CropBox>, Tensor, Vec<f32>);

/// Least item probability for a candidate on a shoulder to be centred.
const SHOULDER_CENTRED: f32 = 0.1;

/// Each candidate whose best item scores under `below`, classified again a sixth of its side
/// to the left, right, up and down; the place whose best item scores highest is kept. A
/// window's box often sits off its item (one of the two views sees the item, the other
/// not, and the score halves); centred, an item scores high where a look-alike (a pickup, a
/// shopkeeper) gains less, which lets a bare find be asked for more (BENCHMARKS.md).
fn centred(
    ckpt: &Checkpoint,
    rgb: &RgbImage,
    (mut candidates, probs, mut no_item): Classified,
    shoulders: &[bool],
    below: f32,
    device: Device,
) -> Result<Classified, EngineError> {
    let items = ckpt.manifest.classes.len() as i64;
    let best_of = |p: &Tensor| -> Result<Vec<f32>, EngineError> {
        Ok(Vec::try_from(
            p.f_narrow(1, 0, items)?.f_amax(&[1i64][..], false)?,
        )?)
    };
    let mut best = best_of(&probs)?;
    let mut moved: Vec<(usize, CropBox)> = Vec::new();
    for (i, b) in candidates.iter().enumerate() {
        // A shoulder that holds hardly any item is clutter beside a peak: not worth the
        // four looks (most shoulders are).
        let clutter = shoulders.get(i) == Some(&true) && 1.0 - no_item[i] < SHOULDER_CENTRED;
        if best[i] >= below || clutter {
            continue;
        }
        let d = (b.w / 6) as f32;
        let (cx, cy) = (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0);
        for (dx, dy) in [(-d, 0.0), (d, 0.0), (0.0, -d), (0.0, d)] {
            if let Some(m) = square_box(cx + dx, cy + dy, b.w as f32, rgb.dimensions()) {
                moved.push((i, m));
            }
        }
    }
    if moved.is_empty() {
        return Ok((candidates, probs, no_item));
    }
    let boxes: Vec<CropBox> = moved.iter().map(|&(_, b)| b).collect();
    let more = probabilities_of(ckpt, rgb, &boxes, device)?;
    let more_best = best_of(&more)?;
    let mut rows: Vec<Tensor> = (0..candidates.len() as i64)
        .map(|i| probs.f_get(i))
        .collect::<Result<_, _>>()?;
    for (j, (i, b)) in moved.into_iter().enumerate() {
        if more_best[j] > best[i] {
            best[i] = more_best[j];
            candidates[i] = b;
            rows[i] = more.f_get(j as i64)?;
            no_item[i] = f32::try_from(rows[i].f_get(items)?)?;
        }
    }
    Ok((candidates, Tensor::f_stack(&rows, 0)?, no_item))
}

/// Each candidate classified, with how likely it holds an item: those that pass the
/// thresholds alone (sure), and those that pass only where the game puts items (on an altar,
/// above an item's price).
fn classify(
    ckpt: &Checkpoint,
    rgb: &RgbImage,
    proposals: Proposals,
    top_k: usize,
    options: ScanOptions<'_>,
    device: Device,
) -> Result<(Scored, Scored), EngineError> {
    let Proposals {
        boxes: candidates,
        shoulders,
    } = proposals;
    if candidates.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let m = &ckpt.manifest;
    let probs = probabilities_of(ckpt, rgb, &candidates, device)?;
    let items = m.classes.len() as i64;
    let no_item: Vec<f32> = Vec::try_from(probs.f_select(1, items)?)?;
    let (candidates, probs, no_item) = if options.altars.is_some() && options.centre_below > 0.0 {
        centred(
            ckpt,
            rgb,
            (candidates, probs, no_item),
            &shoulders,
            options.centre_below,
            device,
        )?
    } else {
        (candidates, probs, no_item)
    };
    let mut sure: Scored = Vec::new();
    let mut on_stand_only: Scored = Vec::new();
    for ((bbox, predictions), none) in candidates
        .into_iter()
        .zip(predict::top_k_items(m, &probs, top_k)?)
        .zip(no_item)
    {
        let (item, top) = (1.0 - none, predictions.first().map_or(0.0, |p| p.score));
        let find = Find {
            bbox,
            predictions,
            price: None,
            hidden: false,
        };
        if item >= options.keep && top >= options.min_top {
            sure.push((item, find));
        } else if options.altars.is_some() && item >= options.stand_keep && top >= options.stand_top
        {
            on_stand_only.push((item, find));
        }
    }
    Ok((sure, on_stand_only))
}

/// Centres closer than half a window: the same item.
fn overlaps(a: &CropBox, b: &CropBox) -> bool {
    let centre = |c: &CropBox| (c.x as f32 + c.w as f32 / 2.0, c.y as f32 + c.h as f32 / 2.0);
    let (ax, ay) = centre(a);
    let (bx, by) = centre(b);
    let reach = a.w.max(b.w) as f32 * 0.5;
    (ax - bx).abs() < reach && (ay - by).abs() < reach
}

/// What the window pass proposes: boxes (frame pixels), and whether each stands on the
/// shoulder of another window's peak rather than on a peak of its own.
#[derive(Default)]
struct Proposals {
    boxes: Vec<CropBox>,
    shoulders: Vec<bool>,
}

/// The windows above `options.propose` inside the room that peak, or stand on a peak's
/// shoulder sure enough ([`ScanOptions::shoulder`]).
fn propose(
    ckpt: &Checkpoint,
    rgb: &RgbImage,
    area: GameArea,
    options: ScanOptions<'_>,
    device: Device,
) -> Result<Proposals, EngineError> {
    let m = &ckpt.manifest;
    let input = i64::from(m.input_size);
    // Only the game's screen is looked at: the work is one screen's whatever the frame.
    let Some((ox, oy, pw, ph)) = scanned_part(area, rgb.dimensions()) else {
        return Ok(Proposals::default());
    };
    let part = image::imageops::crop_imm(rgb, ox, oy, pw, ph).to_image();
    // Frame pixels to model pixels.
    let shrink = m.input_size as f32 / (WINDOW_GAME_PX * area.scale);
    let stride = super::model::WINDOW_STRIDE as usize;
    let round = |v: f32| ((v / stride as f32).round() as usize * stride).max(input as usize);
    let (tw, th) = (round(pw as f32 * shrink), round(ph as f32 * shrink));
    let xs = predict::unit_tensor_from_u8_nhwc(part.as_raw(), 1, i64::from(ph), i64::from(pw))?
        .f_internal_upsample_bilinear2d_aa([th as i64, tw as i64], false, None, None)?;
    let xs = predict::normalised(&xs, m.mean, m.std)?.f_to_device(device)?;
    let logits = predict::network_forward(ckpt.net.as_ref(), |net| net.window_logits(&xs, input))?
        .f_to_device(Device::Cpu)?;
    let dims = logits.size();
    let (rows, cols) = (dims[0] as usize, dims[1] as usize);
    if rows == 0 || cols == 0 {
        return Ok(Proposals::default());
    }
    let objectness: Tensor = logits
        .f_div_scalar(m.temperature)?
        .f_softmax(-1, Kind::Float)?
        .f_select(2, m.classes.len() as i64)?
        .f_neg()?
        .f_add_scalar(1.0)?;
    let map: Vec<f32> = Vec::try_from(objectness.f_flatten(0, -1)?)?;
    let at = |r: usize, c: usize| map.get(r * cols + c).copied().unwrap_or(0.0);
    // Window (r, c) in frame pixels.
    let (sx, sy) = (pw as f32 / tw as f32, ph as f32 / th as f32);
    let side = input as f32 * sx.max(sy);
    // Windows by how likely they hold an item, most first. Each is taken when no window
    // next to it was taken before and it is a peak, or (an item beside Isaac, beside another
    // item) it stands on the shoulder of another's peak but reaches `options.shoulder`.
    let mut order: Vec<(usize, usize)> = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .filter(|&(r, c)| at(r, c) >= options.propose)
        .collect();
    order.sort_by(|a, b| at(b.0, b.1).total_cmp(&at(a.0, a.1)));
    let around = |r: usize, c: usize| {
        (r.saturating_sub(1)..=(r + 1).min(rows - 1))
            .flat_map(move |rr| {
                (c.saturating_sub(1)..=(c + 1).min(cols - 1)).map(move |cc| (rr, cc))
            })
            .filter(move |&n| n != (r, c))
    };
    let mut taken = vec![false; rows * cols];
    let mut proposals = Proposals::default();
    for (r, c) in order {
        let v = at(r, c);
        let peak = around(r, c).all(|(rr, cc)| at(rr, cc) <= v);
        if around(r, c).any(|(rr, cc)| taken[rr * cols + cc]) || !(peak || v >= options.shoulder) {
            continue;
        }
        taken[r * cols + c] = true;
        let cx = ox as f32 + (c as f32 * stride as f32 + input as f32 / 2.0) * sx;
        let cy = oy as f32 + (r as f32 * stride as f32 + input as f32 / 2.0) * sy;
        let (gx, gy) = area.game_from_frame(cx, cy);
        if gx < ROOM[0] || gy < ROOM[1] || gx > ROOM[2] || gy > ROOM[3] {
            continue;
        }
        if let Some(b) = square_box(cx, cy, side, rgb.dimensions()) {
            proposals.boxes.push(b);
            proposals.shoulders.push(!peak);
        }
    }
    Ok(proposals)
}

/// A `side` square centred on (cx, cy), moved inside the frame (and shrunk if the frame is
/// smaller).
fn square_box(cx: f32, cy: f32, side: f32, (w, h): (u32, u32)) -> Option<CropBox> {
    let side = side.min(w as f32).min(h as f32).round() as u32;
    if side == 0 {
        return None;
    }
    let clamp =
        |c: f32, limit: u32| ((c - side as f32 / 2.0).round().max(0.0) as u32).min(limit - side);
    Some(CropBox {
        x: clamp(cx, w),
        y: clamp(cy, h),
        w: side,
        h: side,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collectible_on_nothing_seen_must_be_surer_than_a_trinket() {
        use crate::catalog::ItemKey;
        let find = |kind| Find {
            bbox: CropBox {
                x: 0,
                y: 0,
                w: 40,
                h: 40,
            },
            predictions: vec![Prediction {
                key: ItemKey::new(kind, 7),
                score: 0.95,
            }],
            price: None,
            hidden: false,
        };
        let options = ScanOptions::default();
        assert_eq!(options.bare_bar(&find(ItemKind::Trinket)), 0.9);
        assert_eq!(options.bare_bar(&find(ItemKind::Collectible)), 0.99);
        // Never under the bar for any find.
        let loose = ScanOptions {
            bare_top: 0.995,
            ..options
        };
        assert_eq!(loose.bare_bar(&find(ItemKind::Collectible)), 0.995);
    }

    #[test]
    fn a_game_picture_is_four_shares_inside_the_frame() {
        let p = GamePicture::parse("0.25, 0.1,0.5,0.8").unwrap();
        assert_eq!(
            p,
            GamePicture {
                x: 0.25,
                y: 0.1,
                w: 0.5,
                h: 0.8
            }
        );
        assert_eq!(
            p.pixels((1920, 1080)),
            Some(CropBox {
                x: 480,
                y: 108,
                w: 960,
                h: 864
            })
        );
        for bad in [
            "0.1,0.1,0.5",
            "a,b,c,d",
            "0.6,0,0.5,1",
            "0,0,0.01,0.5",
            "NaN,0,1,1",
            "-0.1,0,1,1",
        ] {
            let e = GamePicture::parse(bad).unwrap_err();
            assert!(
                e.contains("game picture") || e.contains("X,Y,W,H"),
                "{bad}: {e}"
            );
        }
        // From a box dragged partly off the frame: clipped to it.
        let dragged =
            GamePicture::from_pixels([-40.0, 100.0, 1000.0, 500.0], (1920, 1080)).unwrap();
        assert_eq!(dragged.pixels((1920, 1080)).unwrap().x, 0);
        assert!((dragged.w - 960.0 / 1920.0).abs() < 1e-6);
        // A click is no picture.
        assert!(GamePicture::from_pixels([10.0, 10.0, 3.0, 3.0], (1920, 1080)).is_none());
    }

    #[test]
    fn game_area_finds_the_screen_inside_letterbox_bars() {
        // A 16:9 game of 960x540 inside a 960x720 (4:3) frame: bars of 90 px top and bottom.
        let mut img = RgbImage::new(960, 720);
        for y in 90..630 {
            for x in 0..960 {
                img.put_pixel(x, y, image::Rgb([90, 60, 40]));
            }
        }
        let area = game_area(&img).unwrap();
        assert!((area.scale - 2.0).abs() < 0.01, "{area:?}");
        assert!(
            (area.y - 90.0).abs() < 1.0 && area.x.abs() < 1.0,
            "{area:?}"
        );
        // Pillarbox: 1280x720 game inside a 1720x720 frame.
        let mut img = RgbImage::new(1720, 720);
        for y in 0..720 {
            for x in 220..1500 {
                img.put_pixel(x, y, image::Rgb([50, 50, 60]));
            }
        }
        let area = game_area(&img).unwrap();
        assert!((area.scale - 1280.0 / 480.0).abs() < 0.01, "{area:?}");
        assert!((area.x - 220.0).abs() < 1.0, "{area:?}");
    }

    /// A dark game (a dark room, a fade) with one lit patch: the patch is not the game; nor
    /// is a room whose dark walls trim the lit part on every side.
    #[test]
    fn a_lit_patch_in_a_dark_frame_is_part_of_a_full_frame_game() {
        let mut img = RgbImage::new(1600, 900);
        for y in 10..890 {
            for x in 50..1450 {
                img.put_pixel(x, y, image::Rgb([70, 60, 50]));
            }
        }
        let area = game_area(&img).unwrap();
        assert!((area.scale - 1600.0 / 480.0).abs() < 0.01, "{area:?}");
        assert!(area.x.abs() < 1.0 && area.y.abs() < 1.0, "{area:?}");
        for floor in [19u8, 0] {
            let mut img = RgbImage::from_pixel(1920, 1080, image::Rgb([floor; 3]));
            for y in 500..700 {
                for x in 900..1130 {
                    img.put_pixel(x, y, image::Rgb([120, 90, 60]));
                }
            }
            let area = game_area(&img).unwrap();
            assert!((area.scale - 4.0).abs() < 0.01, "{floor}: {area:?}");
            assert!(area.x.abs() < 1.0 && area.y.abs() < 1.0, "{area:?}");
        }
        // A game window (16:9 picture) on a dark desktop is still found as itself.
        let mut img = RgbImage::new(1920, 1080);
        for y in 300..570 {
            for x in 400..880 {
                img.put_pixel(x, y, image::Rgb([90, 60, 40]));
            }
        }
        let area = game_area(&img).unwrap();
        assert!((area.scale - 1.0).abs() < 0.01, "{area:?}");
        assert!((area.x - 400.0).abs() < 1.0, "{area:?}");
    }

    /// Whatever lies lit where, the part a scan looks at is at most one game screen, which the
    /// scan shrinks to the same model input: time and memory are those of a normal frame.
    #[test]
    fn the_scanned_part_is_one_screen_whatever_the_frame() {
        for (w, h, lit) in [
            (1920, 1080, (900, 500, 230, 200)),
            (1920, 1080, (0, 0, 1920, 1080)),
            (1920, 1080, (10, 10, 40, 1000)),
            (3840, 400, (0, 0, 3840, 400)),
            (1000, 1000, (480, 0, 40, 1000)),
        ] {
            let mut img = RgbImage::new(w, h);
            let (lx, ly, lw, lh) = lit;
            for y in ly..ly + lh {
                for x in lx..lx + lw {
                    img.put_pixel(x, y, image::Rgb([100, 100, 100]));
                }
            }
            let Some(area) = game_area(&img) else {
                continue;
            };
            let (_, _, pw, ph) = scanned_part(area, (w, h)).unwrap();
            // In game pixels: never more than the screen.
            assert!(
                pw as f32 / area.scale <= GAME_W as f32 + 1.0,
                "{w}x{h} {lit:?}"
            );
            assert!(
                ph as f32 / area.scale <= GAME_H as f32 + 1.0,
                "{w}x{h} {lit:?}"
            );
        }
    }

    #[test]
    fn black_and_tiny_frames_have_no_game() {
        assert_eq!(game_area(&RgbImage::new(1920, 1080)), None);
        assert_eq!(
            game_area(&RgbImage::from_pixel(100, 60, image::Rgb([80, 80, 80]))),
            None
        );
    }

    #[test]
    fn boxes_stay_inside_the_frame() {
        let b = square_box(5.0, 300.0, 64.0, (320, 310)).unwrap();
        assert_eq!((b.x, b.w), (0, 64));
        assert!(b.y + b.h <= 310);
        let b = square_box(50.0, 50.0, 500.0, (320, 180)).unwrap();
        assert_eq!((b.x, b.y, b.w, b.h), (0, 0, 180, 180));
    }
}
