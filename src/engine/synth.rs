//! Synthetic training crops that look like real captures.
//!
//! A sample is rendered on a canvas twice the model's input size: a background (real room
//! renders, floor crops or procedural), often a stone pedestal and a shadow, the item sprite
//! upscaled nearest-neighbour the way the game draws pixel art, then the capture: a loose,
//! off-centre box, colour and gamma changes, blur, noise and JPEG; or a phone photo of a
//! screen: the screen's pixel grid beating against the camera's (moire), perspective, colour
//! cast and defocus. Every sample is a pure function of (seed, index): reproducible and
//! independent of thread count.

use std::path::Path;

use image::{RgbImage, RgbaImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::catalog::Catalog;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// A screenshot or capture-card frame.
    Screenshot,
    /// A phone photo of a screen.
    Phone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    /// Backgrounds that training never sees.
    Validation,
}

/// How to augment; every knob the Training tab exposes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SynthOptions {
    /// Share of phone-photo samples.
    pub phone_share: f32,
    /// Share of samples with a stone pedestal.
    pub pedestal_share: f32,
    /// Smallest and largest share of the box side the item's 32 px take.
    pub item_fill: (f32, f32),
    pub jpeg: bool,
    pub blur: bool,
    pub noise: bool,
    pub colour: bool,
    pub moire: bool,
    pub perspective: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            phone_share: 0.25,
            pedestal_share: 0.5,
            item_fill: (0.5, 1.0),
            jpeg: true,
            blur: true,
            noise: true,
            colour: true,
            moire: true,
            perspective: true,
        }
    }
}

/// Sprites and backgrounds, loaded once.
pub struct SynthAssets {
    /// Class index → sprite (RGBA, 32x32).
    pub sprites: Vec<RgbaImage>,
    train_backgrounds: Vec<RgbImage>,
    validation_backgrounds: Vec<RgbImage>,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{path}: {message}")]
    Background { path: String, message: String },
}

impl SynthAssets {
    /// Sprites of every catalog item (in catalog order) plus the backgrounds under `backgrounds`
    /// (`rooms/*.jpg`, `floors/*.png`; any image files below it). Every fourth background is
    /// held out for validation.
    pub fn load(catalog: &Catalog, backgrounds: Option<&Path>) -> Result<Self, SynthError> {
        let sprites = catalog
            .items()
            .iter()
            .map(|i| catalog.sprite(i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut files = Vec::new();
        if let Some(dir) = backgrounds {
            collect_images(dir, &mut files);
        }
        files.sort();
        let mut train = Vec::new();
        let mut validation = Vec::new();
        for (i, path) in files.iter().enumerate() {
            let img = crate::imageio::open(path).map_err(|e| SynthError::Background {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let img = img.to_rgb8();
            if img.width() < 32 || img.height() < 32 {
                continue;
            }
            if i % 4 == 3 {
                validation.push(img)
            } else {
                train.push(img)
            }
        }
        Ok(Self {
            sprites,
            train_backgrounds: train,
            validation_backgrounds: validation,
        })
    }

    /// Assets from sprites alone (procedural backgrounds only): for tests.
    pub fn from_sprites(sprites: Vec<RgbaImage>) -> Self {
        Self {
            sprites,
            train_backgrounds: Vec::new(),
            validation_backgrounds: Vec::new(),
        }
    }

    pub fn classes(&self) -> usize {
        self.sprites.len()
    }

    pub fn background_counts(&self) -> (usize, usize) {
        (
            self.train_backgrounds.len(),
            self.validation_backgrounds.len(),
        )
    }
}

fn collect_images(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_images(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
        {
            out.push(path);
        }
    }
}

/// What to render: `class` None is the "no item here" class (floor, pedestal, clutter).
#[derive(Clone, Copy, Debug)]
pub struct SampleSpec {
    pub class: Option<usize>,
    pub style: Style,
    pub split: Split,
    pub seed: u64,
}

/// A float RGB canvas in 0..1.
#[derive(Clone)]
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<[f32; 3]>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            px: vec![[0.0; 3]; w * h],
        }
    }

    fn blend(&mut self, x: usize, y: usize, c: [f32; 3], a: f32) {
        let p = &mut self.px[y * self.w + x];
        for k in 0..3 {
            p[k] += (c[k] - p[k]) * a;
        }
    }

    fn sample_bilinear(&self, x: f32, y: f32) -> [f32; 3] {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: usize, y: usize| self.px[y * self.w + x];
        let mut out = [0.0; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let top = p(x0, y0)[k] * (1.0 - fx) + p(x1, y0)[k] * fx;
            let bottom = p(x0, y1)[k] * (1.0 - fx) + p(x1, y1)[k] * fx;
            *o = top * (1.0 - fy) + bottom * fy;
        }
        out
    }

    fn to_rgb(&self) -> RgbImage {
        let mut img = RgbImage::new(self.w as u32, self.h as u32);
        for (dst, src) in img.pixels_mut().zip(&self.px) {
            *dst = image::Rgb(src.map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8));
        }
        img
    }

    /// Separable Gaussian blur, edges clamped. Both passes run over whole rows of flat
    /// channel values so the compiler can vectorise them.
    fn blur(&mut self, sigma: f32) {
        if sigma < 0.2 {
            return;
        }
        let radius = (sigma * 2.5).ceil() as usize;
        let kernel: Vec<f32> = (0..=2 * radius)
            .map(|i| {
                let d = i as f32 - radius as f32;
                (-(d * d) / (2.0 * sigma * sigma)).exp()
            })
            .collect();
        let sum: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
        let (w, h) = (self.w, self.h);
        let row_len = w * 3;
        let flat: &mut [f32] = self.px.as_flattened_mut();
        // Horizontal: each row padded with copies of its edge pixels.
        let mut padded = vec![0.0f32; (w + 2 * radius) * 3];
        let mut tmp = vec![0.0f32; flat.len()];
        for y in 0..h {
            let row = &flat[y * row_len..(y + 1) * row_len];
            for i in 0..radius {
                padded[i * 3..i * 3 + 3].copy_from_slice(&row[..3]);
                let right = (radius + w + i) * 3;
                padded[right..right + 3].copy_from_slice(&row[row_len - 3..]);
            }
            padded[radius * 3..(radius + w) * 3].copy_from_slice(row);
            let out = &mut tmp[y * row_len..(y + 1) * row_len];
            for (i, k) in kernel.iter().enumerate() {
                let src = &padded[i * 3..i * 3 + row_len];
                for (o, s) in out.iter_mut().zip(src) {
                    *o += s * k;
                }
            }
        }
        // Vertical: whole rows weighted and summed.
        for y in 0..h {
            let out = &mut flat[y * row_len..(y + 1) * row_len];
            out.fill(0.0);
            for (i, k) in kernel.iter().enumerate() {
                let sy = (y + i).saturating_sub(radius).min(h - 1);
                let src = &tmp[sy * row_len..(sy + 1) * row_len];
                for (o, s) in out.iter_mut().zip(src) {
                    *o += s * k;
                }
            }
        }
    }
}

/// Renders one sample at `size`x`size`.
pub fn render(
    assets: &SynthAssets,
    spec: SampleSpec,
    size: u32,
    options: &SynthOptions,
) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let factor = 2usize;
    let side = size as usize * factor;
    let mut canvas = background(assets, spec.split, side, &mut rng);

    // The item's 32 native pixels take `fill` of the box side: boxes are loose and off-centre.
    let (lo, hi) = options.item_fill;
    let fill = rng.random_range(lo.min(hi)..=hi.max(lo));
    let item_px = (fill * side as f32).max(4.0);
    let slack = (side as f32 - item_px).max(0.0);
    let cx = side as f32 / 2.0 + rng.random_range(-0.4..=0.4) * slack;
    let cy = side as f32 / 2.0 + rng.random_range(-0.4..=0.4) * slack;

    if rng.random_bool(options.pedestal_share.clamp(0.0, 1.0) as f64) {
        pedestal(&mut canvas, cx, cy + item_px * 0.42, item_px, &mut rng);
    }
    match spec.class {
        Some(class) => {
            let sprite = &assets.sprites[class % assets.sprites.len().max(1)];
            shadow(
                &mut canvas,
                cx,
                cy + item_px * 0.45,
                item_px * 0.38,
                item_px * 0.1,
                rng.random_range(0.15..0.45),
            );
            draw_sprite(
                &mut canvas,
                sprite,
                cx - item_px / 2.0,
                cy - item_px / 2.0,
                item_px,
            );
        }
        None => clutter(&mut canvas, &mut rng),
    }

    if options.colour {
        colour_jitter(&mut canvas, &mut rng, 0.12);
    }
    match spec.style {
        Style::Screenshot => {
            if options.blur && rng.random_bool(0.6) {
                canvas.blur(rng.random_range(0.4..1.8));
            }
        }
        Style::Phone => {
            if options.moire {
                moire(&mut canvas, &mut rng);
            }
            if options.perspective {
                canvas = perspective(&canvas, &mut rng);
            }
            if options.colour {
                colour_cast(&mut canvas, &mut rng);
            }
            if options.blur {
                canvas.blur(rng.random_range(0.6..2.4));
            }
        }
    }
    if options.noise {
        let sigma = match spec.style {
            Style::Screenshot => rng.random_range(0.0..0.02),
            Style::Phone => rng.random_range(0.01..0.05),
        };
        add_noise(&mut canvas, &mut rng, sigma);
    }
    let mut captured = canvas.to_rgb();
    if options.jpeg && rng.random_bool(0.7) {
        let quality = match spec.style {
            Style::Screenshot => rng.random_range(50..95),
            Style::Phone => rng.random_range(35..85),
        };
        captured = jpeg_roundtrip(&captured, quality);
    }
    // The final smooth rescale to the model's input.
    image::imageops::resize(&captured, size, size, image::imageops::FilterType::Triangle)
}

/// Renders `specs` in parallel (the calling rayon pool decides the threads).
pub fn render_many(
    assets: &SynthAssets,
    specs: &[SampleSpec],
    size: u32,
    options: &SynthOptions,
) -> Vec<RgbImage> {
    specs
        .par_iter()
        .map(|spec| render(assets, *spec, size, options))
        .collect()
}

fn background(assets: &SynthAssets, split: Split, side: usize, rng: &mut StdRng) -> Canvas {
    let pool = match split {
        Split::Train => &assets.train_backgrounds,
        Split::Validation => &assets.validation_backgrounds,
    };
    if !pool.is_empty() && rng.random_bool(0.7) {
        let img = &pool[rng.random_range(0..pool.len())];
        let max_crop = img.width().min(img.height()) as f32;
        let crop = rng.random_range(0.35f32..1.0) * max_crop.min(220.0);
        let crop = crop.max(24.0).min(max_crop);
        let x0 = rng.random_range(0.0..=(img.width() as f32 - crop));
        let y0 = rng.random_range(0.0..=(img.height() as f32 - crop));
        let mut c = Canvas::new(side, side);
        let step = crop / side as f32;
        // Training rooms in other colours (a brown basement turned blue or green): rooms the
        // player visits that no background shows still look like some room.
        let order = match split {
            Split::Train if rng.random_bool(0.4) => CHANNEL_ORDERS[rng.random_range(1..6)],
            _ => CHANNEL_ORDERS[0],
        };
        for y in 0..side {
            for x in 0..side {
                let p = bilinear_rgb(img, x0 + x as f32 * step, y0 + y as f32 * step);
                c.px[y * side + x] = order.map(|k| p[k]);
            }
        }
        return c;
    }
    procedural_background(side, rng, split)
}

/// The six orders of the colour channels; the first keeps them.
const CHANNEL_ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// Bilinear sample of an 8-bit image, in 0..1.
fn bilinear_rgb(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
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

/// Flat, gradient or mottled backgrounds: dark floors, and the light pages and screens phone
/// photos often show. The validation split uses other colour ranges.
fn procedural_background(side: usize, rng: &mut StdRng, split: Split) -> Canvas {
    let light = rng.random_bool(0.3);
    let base: [f32; 3] = if light {
        let v = rng.random_range(0.7..0.97);
        [
            v,
            v - rng.random_range(0.0..0.05),
            v - rng.random_range(0.0..0.08),
        ]
    } else {
        let v = match split {
            Split::Train => rng.random_range(0.05..0.45),
            Split::Validation => rng.random_range(0.1..0.4),
        };
        let tint: [f32; 3] = [
            rng.random_range(0.7..1.3),
            rng.random_range(0.7..1.2),
            rng.random_range(0.6..1.1),
        ];
        tint.map(|t| v * t)
    };
    let mut c = Canvas::new(side, side);
    let gx = rng.random_range(-0.15f32..0.15);
    let gy = rng.random_range(-0.15f32..0.15);
    let blotch = rng.random_range(0.0f32..0.12);
    let fx = rng.random_range(0.05f32..0.3);
    let fy = rng.random_range(0.05f32..0.3);
    let phase = rng.random_range(0.0f32..6.3);
    // The blotches are separable: one sine per column and one cosine per row.
    let column: Vec<f32> = (0..side).map(|x| (x as f32 * fx + phase).sin()).collect();
    let row: Vec<f32> = (0..side).map(|y| (y as f32 * fy).cos()).collect();
    for y in 0..side {
        for x in 0..side {
            let (u, v) = (x as f32 / side as f32 - 0.5, y as f32 / side as f32 - 0.5);
            let shade = 1.0 + gx * u + gy * v + blotch * column[x] * row[y];
            let jitter = rng.random_range(-0.02f32..0.02);
            c.px[y * side + x] = base.map(|b| b * shade + jitter);
        }
    }
    c
}

/// The grey stone altar items rest on: a block with a lighter top face.
fn pedestal(c: &mut Canvas, cx: f32, top: f32, item_px: f32, rng: &mut StdRng) {
    let width = item_px * rng.random_range(0.75..1.0);
    let height = item_px * rng.random_range(0.4..0.6);
    let grey: f32 = rng.random_range(0.3..0.6);
    let warm: f32 = rng.random_range(0.9..1.1);
    let side_colour = [grey * warm, grey, grey / warm];
    let top_colour = side_colour.map(|v| (v * 1.35).min(1.0));
    let face = height * 0.35;
    let (x0, x1) = (
        (cx - width / 2.0).max(0.0) as usize,
        ((cx + width / 2.0) as usize).min(c.w),
    );
    let (y0, y1) = (top.max(0.0) as usize, ((top + height) as usize).min(c.h));
    for y in y0..y1 {
        for x in x0..x1 {
            // Round the corners of the block.
            let dx = ((x as f32 - cx).abs() - (width / 2.0 - 3.0)).max(0.0);
            let dy = ((y as f32 - top - height / 2.0).abs() - (height / 2.0 - 3.0)).max(0.0);
            if dx * dx + dy * dy > 9.0 {
                continue;
            }
            let colour = if (y as f32) < top + face {
                top_colour
            } else {
                side_colour
            };
            let grain = rng.random_range(0.9..1.1);
            let edge = if dx > 0.0 || dy > 0.0 || (y as f32 - top - face).abs() < 1.0 {
                0.55
            } else {
                1.0
            };
            c.blend(x, y, colour.map(|v| v * grain * edge), 1.0);
        }
    }
}

fn shadow(c: &mut Canvas, cx: f32, cy: f32, rx: f32, ry: f32, strength: f32) {
    let (x0, x1) = (
        (cx - rx).max(0.0) as usize,
        ((cx + rx) as usize + 1).min(c.w),
    );
    let (y0, y1) = (
        (cy - ry).max(0.0) as usize,
        ((cy + ry) as usize + 1).min(c.h),
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let d = ((x as f32 - cx) / rx).powi(2) + ((y as f32 - cy) / ry.max(1.0)).powi(2);
            if d < 1.0 {
                c.blend(x, y, [0.0; 3], strength * (1.0 - d));
            }
        }
    }
}

/// Nearest-neighbour upscale of the 32x32 sprite into an `px`-wide square at (x0, y0).
fn draw_sprite(c: &mut Canvas, sprite: &RgbaImage, x0: f32, y0: f32, px: f32) {
    let scale = sprite.width() as f32 / px;
    let (sx0, sy0) = (x0.floor().max(0.0) as usize, y0.floor().max(0.0) as usize);
    let (sx1, sy1) = (
        ((x0 + px).ceil() as usize).min(c.w),
        ((y0 + px).ceil() as usize).min(c.h),
    );
    for y in sy0..sy1 {
        let v = ((y as f32 + 0.5 - y0) * scale).floor();
        if v < 0.0 || v >= sprite.height() as f32 {
            continue;
        }
        for x in sx0..sx1 {
            let u = ((x as f32 + 0.5 - x0) * scale).floor();
            if u < 0.0 || u >= sprite.width() as f32 {
                continue;
            }
            let p = sprite.get_pixel(u as u32, v as u32).0;
            if p[3] > 0 {
                c.blend(
                    x,
                    y,
                    [p[0], p[1], p[2]].map(|v| v as f32 / 255.0),
                    p[3] as f32 / 255.0,
                );
            }
        }
    }
}

/// For the "no item" class: blobs and strokes like enemies, pickups and rocks.
fn clutter(c: &mut Canvas, rng: &mut StdRng) {
    let blobs = rng.random_range(0..4);
    for _ in 0..blobs {
        let cx = rng.random_range(0.0..c.w as f32);
        let cy = rng.random_range(0.0..c.h as f32);
        let r = rng.random_range(3.0..c.w as f32 * 0.3);
        let colour = [rng.random(), rng.random(), rng.random()];
        let (x0, x1) = ((cx - r).max(0.0) as usize, ((cx + r) as usize).min(c.w));
        let (y0, y1) = ((cy - r).max(0.0) as usize, ((cy + r) as usize).min(c.h));
        for y in y0..y1 {
            for x in x0..x1 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    let outline = if d > 0.85 { 0.0 } else { 1.0 };
                    c.blend(x, y, colour.map(|v: f32| v * outline), 0.9);
                }
            }
        }
    }
}

fn colour_jitter(c: &mut Canvas, rng: &mut StdRng, amount: f32) {
    let brightness = rng.random_range(-amount..amount);
    let contrast = rng.random_range(1.0 - amount * 2.0..1.0 + amount * 2.0);
    let saturation = rng.random_range(1.0 - amount * 3.0..1.0 + amount * 2.0);
    let gamma = rng.random_range(0.8..1.25f32);
    let curve = GammaCurve::new(gamma);
    for p in &mut c.px {
        let grey = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        for v in p.iter_mut() {
            let s = grey + (*v - grey) * saturation;
            let k = (s - 0.5) * contrast + 0.5 + brightness;
            *v = curve.apply(k);
        }
    }
}

/// `x.clamp(0, 1).powf(gamma)` from a table: one `powf` per entry instead of per channel.
struct GammaCurve {
    table: [f32; Self::STEPS + 1],
}

impl GammaCurve {
    const STEPS: usize = 256;

    fn new(gamma: f32) -> Self {
        let mut table = [0.0; Self::STEPS + 1];
        for (i, t) in table.iter_mut().enumerate() {
            *t = (i as f32 / Self::STEPS as f32).powf(gamma);
        }
        Self { table }
    }

    fn apply(&self, x: f32) -> f32 {
        let f = x.clamp(0.0, 1.0) * Self::STEPS as f32;
        let i = (f as usize).min(Self::STEPS - 1);
        let t = f - i as f32;
        self.table[i] + (self.table[i + 1] - self.table[i]) * t
    }
}

/// A phone camera's white balance and the screen's tint, plus a rainbow sweep.
fn colour_cast(c: &mut Canvas, rng: &mut StdRng) {
    let gain: [f32; 3] = [
        rng.random_range(0.8..1.2),
        rng.random_range(0.85..1.15),
        rng.random_range(0.8..1.25),
    ];
    let sweep = rng.random_range(0.0..0.12f32);
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let (ax, ay) = (angle.cos(), angle.sin());
    let lift = rng.random_range(0.0..0.12f32);
    let (w, h) = (c.w as f32, c.h as f32);
    // sin(a + b) = sin a cos b + cos a sin b: trigonometry per row and column, not per pixel.
    let column: Vec<(f32, f32)> = (0..c.w)
        .map(|x| (x as f32 / w * ax * std::f32::consts::TAU).sin_cos())
        .collect();
    for y in 0..c.h {
        let row: [(f32, f32); 3] = std::array::from_fn(|k| {
            (y as f32 / h * ay * std::f32::consts::TAU + k as f32 * 2.1).sin_cos()
        });
        for (x, &(sin_x, cos_x)) in column.iter().enumerate() {
            let p = &mut c.px[y * c.w + x];
            for (k, v) in p.iter_mut().enumerate() {
                let (sin_y, cos_y) = row[k];
                let rainbow = sweep * (sin_x * cos_y + cos_x * sin_y);
                *v = (*v * gain[k] + rainbow) * (1.0 - lift) + lift;
            }
        }
    }
}

/// The screen's sub-pixel grid sampled by the camera's sensor: coloured interference fringes.
fn moire(c: &mut Canvas, rng: &mut StdRng) {
    let period = rng.random_range(1.6..3.6f32);
    let angle = rng.random_range(-0.5..0.5f32);
    let strength = rng.random_range(0.04..0.2f32);
    let beat = rng.random_range(0.02..0.2f32);
    let (ca, sa) = (angle.cos(), angle.sin());
    let to_phase = std::f32::consts::TAU / period;
    // The grid's phase u and the beat's v are linear in x and y, so angle sums turn the
    // per-pixel trigonometry into per-row and per-column tables.
    let column: Vec<((f32, f32), (f32, f32))> = (0..c.w)
        .map(|x| {
            let x = x as f32;
            ((x * ca * to_phase).sin_cos(), (-x * sa * beat).sin_cos())
        })
        .collect();
    for y in 0..c.h {
        let yf = y as f32;
        // Each colour's sub-pixel column sits a third of a pixel further along.
        let row: [(f32, f32); 3] =
            std::array::from_fn(|k| ((yf * sa + k as f32 * period / 3.0) * to_phase).sin_cos());
        let (sin_vy, cos_vy) = (yf * ca * beat).sin_cos();
        for (x, &((sin_ux, cos_ux), (sin_vx, cos_vx))) in column.iter().enumerate() {
            let beat_cos = cos_vx * cos_vy - sin_vx * sin_vy;
            let p = &mut c.px[y * c.w + x];
            for (k, value) in p.iter_mut().enumerate() {
                let (sin_uy, cos_uy) = row[k];
                let phase_sin = sin_ux * cos_uy + cos_ux * sin_uy;
                let grid = 0.5 + 0.5 * phase_sin * beat_cos;
                *value *= 1.0 - strength * grid;
            }
        }
    }
}

/// A slight projective warp: the phone is never square to the screen.
fn perspective(c: &Canvas, rng: &mut StdRng) -> Canvas {
    let j = 0.07 * c.w as f32;
    let mut corner = || [rng.random_range(-j..j), rng.random_range(-j..j)];
    let (tl, tr, bl, br) = (corner(), corner(), corner(), corner());
    let (w, h) = (c.w as f32, c.h as f32);
    let mut out = Canvas::new(c.w, c.h);
    for y in 0..c.h {
        for x in 0..c.w {
            let (u, v) = (x as f32 / w, y as f32 / h);
            // Bilinear interpolation of corner offsets: close to a homography for small warps.
            let dx = tl[0] * (1.0 - u) * (1.0 - v)
                + tr[0] * u * (1.0 - v)
                + bl[0] * (1.0 - u) * v
                + br[0] * u * v;
            let dy = tl[1] * (1.0 - u) * (1.0 - v)
                + tr[1] * u * (1.0 - v)
                + bl[1] * (1.0 - u) * v
                + br[1] * u * v;
            out.px[y * c.w + x] = c.sample_bilinear(x as f32 + dx, y as f32 + dy);
        }
    }
    out
}

fn add_noise(c: &mut Canvas, rng: &mut StdRng, sigma: f32) {
    if sigma <= 0.0 {
        return;
    }
    // Sum of two uniforms: close enough to Gaussian sensor noise and far cheaper.
    let a = sigma * 1.22;
    for p in &mut c.px {
        let luma = (rng.random::<f32>() + rng.random::<f32>() - 1.0) * a;
        let chroma = (rng.random::<f32>() - 0.5) * a * 0.5;
        p[0] += luma + chroma;
        p[1] += luma;
        p[2] += luma - chroma;
    }
}

fn jpeg_roundtrip(img: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if img.write_with_encoder(encoder).is_err() {
        return img.clone();
    }
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .map(|d| d.to_rgb8())
        .unwrap_or_else(|_| img.clone())
}

/// Mixes the seed and a sample index into an independent per-sample seed (SplitMix64).
pub fn sample_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_keeps_flat_colour_and_spreads_an_impulse_symmetrically() {
        let mut flat = Canvas::new(9, 7);
        flat.px.fill([0.2, 0.5, 0.9]);
        flat.blur(1.5);
        for p in &flat.px {
            for (v, want) in p.iter().zip([0.2, 0.5, 0.9]) {
                assert!((v - want).abs() < 1e-5, "{p:?}");
            }
        }
        let mut dot = Canvas::new(15, 15);
        dot.px[7 * 15 + 7] = [1.0, 0.0, 0.5];
        dot.blur(1.0);
        let total: f32 = dot.px.iter().map(|p| p[0]).sum();
        assert!((total - 1.0).abs() < 1e-4, "mass {total}");
        let at = |x: usize, y: usize| dot.px[y * 15 + x][0];
        assert!(at(7, 7) > at(8, 7) && at(8, 7) > at(9, 7) && at(9, 7) > 0.0);
        assert!((at(6, 7) - at(8, 7)).abs() < 1e-6 && (at(7, 6) - at(7, 8)).abs() < 1e-6);
        assert!((dot.px[7 * 15 + 8][2] * 2.0 - at(8, 7)).abs() < 1e-6);
    }

    #[test]
    fn gamma_table_matches_powf() {
        for gamma in [0.8f32, 1.0, 1.25] {
            let curve = GammaCurve::new(gamma);
            for i in 0..=1000 {
                let x = i as f32 / 1000.0;
                assert!((curve.apply(x) - x.powf(gamma)).abs() < 3e-3, "{gamma} {x}");
            }
            assert_eq!(curve.apply(-0.5), 0.0);
            assert!((curve.apply(1.5) - 1.0).abs() < 1e-6);
        }
    }
}
