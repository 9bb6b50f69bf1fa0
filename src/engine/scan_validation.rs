//! How well a scan finds items: whole synthetic frames on backgrounds training never sees,
//! holding 0-6 items (pedestals, floor, shop prices, glow, sometimes the HUD's active item,
//! which must not be found) among Isaac, pickups, tears and flies; shown at capture sizes
//! from a 320-wide thumbnail to 4K, some letterboxed, some as JPEG.

use image::{DynamicImage, RgbImage, imageops::FilterType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::frames::{self, FrameItem};
use super::scan::Find;
use super::scene::Placement;
use super::synth::{self, Split, SynthAssets};
use crate::catalog::ItemKey;

/// A frame to scan and the items a scan should find in it.
pub struct ScanCase {
    pub image: DynamicImage,
    /// Room items (not the HUD's), with their sprite cells in this image's pixels.
    pub items: Vec<FrameItem>,
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
    let (fw, fh) = frame.image.dimensions();
    let width = WIDTHS[rng.random_range(0..WIDTHS.len())];
    let height = width * 9 / 16;
    let game = image::imageops::resize(&frame.image, width, height, FilterType::Triangle);
    // A quarter of the captures letterboxed: a 4:3 window with bars above and below.
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
    let items = frame
        .items
        .into_iter()
        .filter(|item| item.placement != Placement::Hud)
        .map(|item| {
            let [x, y, w, h] = item.cell.map(|v| v as f32 * k);
            FrameItem {
                cell: [x as u32, y as u32 + top, w as u32, h as u32],
                ..item
            }
        })
        .collect();
    ScanCase {
        image: DynamicImage::ImageRgb8(image),
        items,
    }
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
}

impl ScanScore {
    /// Adds one frame's finds; `classes` names the frame items' class indices.
    pub fn add(&mut self, truth: &[FrameItem], finds: &[Find], classes: &[ItemKey]) {
        self.frames += 1;
        self.items += truth.len();
        let mut used = vec![false; finds.len()];
        for item in truth {
            let [x, y, w, h] = item.cell.map(|v| v as f32);
            let (cx, cy) = (x + w / 2.0, y + h / 2.0);
            // The find whose centre is nearest the item's, within half a sprite.
            let nearest = finds
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, f)| {
                    let b = f.bbox;
                    let (fx, fy) = (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0);
                    (i, (fx - cx).abs().max((fy - cy).abs()))
                })
                .filter(|&(_, d)| d <= w / 2.0)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = nearest {
                used[i] = true;
                let right = finds[i]
                    .predictions
                    .first()
                    .is_some_and(|p| classes.get(item.class) == Some(&p.key));
                if right {
                    self.found_right += 1;
                } else {
                    self.found_wrong += 1;
                }
            }
        }
        self.false_finds += used.iter().filter(|u| !**u).count();
    }

    /// Share of items found and named right.
    pub fn recall(&self) -> f64 {
        self.found_right as f64 / self.items.max(1) as f64
    }

    /// False finds per frame.
    pub fn false_per_frame(&self) -> f64 {
        self.false_finds as f64 / self.frames.max(1) as f64
    }
}
