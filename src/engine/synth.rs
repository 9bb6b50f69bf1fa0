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

use super::canvas::Canvas;
use super::entity_art::EntityArt;
use super::props::{NEAR_ITEM_MAX_SIDE, Props, item_price, pickup_price};
use super::scene::{self, ItemLook, Placement};
use crate::catalog::{Catalog, ItemKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// A screenshot or capture-card frame.
    Screenshot,
    /// A phone photo of a screen.
    Phone,
}

impl Style {
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Screenshot => "screenshot",
            Style::Phone => "phone",
        }
    }
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
    /// Share of items on a stone pedestal; the rest lie on the floor, in shops or in the HUD.
    pub pedestal_share: f32,
    /// Share of items with a glow halo.
    pub glow_share: f32,
    /// Share of samples with Isaac, tears, pickups or flies near the item.
    pub entity_share: f32,
    /// Share of samples in dark or tinted rooms.
    pub dark_share: f32,
    /// Smallest and largest share of the box side the item's 32 px take.
    pub item_fill: (f32, f32),
    /// Share of samples cut from whole game frames (several items, the HUD, the room's own
    /// chests, fires and machines): what a scan of a frame sees.
    pub frame_share: f32,
    pub jpeg: bool,
    pub blur: bool,
    pub noise: bool,
    pub colour: bool,
    pub moire: bool,
    pub perspective: bool,
}

impl SynthOptions {
    /// Game pixels a training box spans: the item's 32 take a share drawn from `item_fill`.
    pub fn box_view(&self, rng: &mut StdRng) -> f32 {
        let (lo, hi) = self.item_fill;
        let fill = rng.random_range(lo.min(hi)..=hi.max(lo)).clamp(0.1, 1.2);
        scene::SPRITE as f32 / fill
    }
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            phone_share: 0.25,
            pedestal_share: 0.45,
            glow_share: 0.12,
            entity_share: 0.4,
            dark_share: 0.3,
            item_fill: (0.5, 1.0),
            frame_share: 0.3,
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
    /// Class index → the item's older looks (earlier game versions' art), often none.
    older: Vec<Vec<RgbaImage>>,
    /// Class index → whether the game lets it lie on the floor: a trinket does, a
    /// collectible stands on an altar or above its price. All true when the kinds are not
    /// known (sprites alone).
    lies_on_floor: Vec<bool>,
    train_backgrounds: Vec<RgbImage>,
    validation_backgrounds: Vec<RgbImage>,
    /// Real game art of what is not an item, when the art folder is there.
    entities: Option<EntityArt>,
}

/// How often an item with older art is drawn in one of those looks.
pub const OLDER_LOOK_SHARE: f64 = 0.3;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(
        "{}: {}",
        crate::quote::clip(path, crate::quote::MAX_QUOTED),
        crate::quote::message(message)
    )]
    Background { path: String, message: String },
    #[error("{0}")]
    Art(#[from] super::entity_art::ArtError),
}

impl SynthAssets {
    /// Sprites of every catalog item (in catalog order) plus the backgrounds under `backgrounds`
    /// (`rooms/*.jpg`, `floors/*.png`; any image files below it). Every fourth background is
    /// held out for validation. The real art of what is not an item comes from the
    /// `entities` folder beside `backgrounds` (as in `shared/isaac`), when there is one.
    pub fn load(catalog: &Catalog, backgrounds: Option<&Path>) -> Result<Self, SynthError> {
        let sprites = catalog
            .items()
            .iter()
            .map(|i| catalog.sprite(i))
            .collect::<Result<Vec<_>, _>>()?;
        let older = catalog
            .items()
            .iter()
            .map(|i| catalog.older_sprites(i))
            .collect::<Result<Vec<_>, _>>()?;
        let lies_on_floor = catalog
            .items()
            .iter()
            .map(|i| i.key().kind == ItemKind::Trinket)
            .collect();
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
        let entities = backgrounds
            .and_then(Path::parent)
            .map(|shared| shared.join("entities"))
            .filter(|dir| dir.join("manifest.json").is_file())
            .map(|dir| EntityArt::load(&dir))
            .transpose()?;
        Ok(Self {
            sprites,
            older,
            lies_on_floor,
            train_backgrounds: train,
            validation_backgrounds: validation,
            entities,
        })
    }

    /// Assets from sprites alone (procedural backgrounds only): for tests.
    pub fn from_sprites(sprites: Vec<RgbaImage>) -> Self {
        Self {
            older: vec![Vec::new(); sprites.len()],
            lies_on_floor: vec![true; sprites.len()],
            sprites,
            train_backgrounds: Vec::new(),
            validation_backgrounds: Vec::new(),
            entities: None,
        }
    }

    /// The same assets with `rooms` as held-out room renders (for tests).
    pub fn with_held_out_rooms(mut self, rooms: Vec<RgbImage>) -> Self {
        self.validation_backgrounds = rooms;
        self
    }

    /// The same assets with real art of what is not an item (for tests).
    pub fn with_entities(mut self, entities: EntityArt) -> Self {
        self.entities = Some(entities);
        self
    }

    /// The real art, when loaded.
    pub fn entities(&self) -> Option<&EntityArt> {
        self.entities.as_ref()
    }

    /// What pictures of `split` draw around items: validation draws only held-out art.
    pub fn props(&self, split: Split) -> Props<'_> {
        Props::new(self.entities.as_ref(), split == Split::Validation)
    }

    /// The same assets with the classes' kinds known: `trinkets[class]` says it may lie on
    /// the floor (for tests).
    pub fn with_trinkets(mut self, trinkets: Vec<bool>) -> Self {
        self.lies_on_floor = trinkets;
        self
    }

    /// The same assets with `older` looks for the classes (for tests).
    pub fn with_older(mut self, older: Vec<Vec<RgbaImage>>) -> Self {
        self.older = older;
        self
    }

    /// How class `class` looks in one sample: its own sprite, or (a share
    /// [`OLDER_LOOK_SHARE`] of the time, where it has them) one of its older looks, so that
    /// a player of an older version gets the same item.
    pub fn look(&self, class: usize, rng: &mut StdRng) -> &RgbaImage {
        let class = class % self.sprites.len().max(1);
        match self.older.get(class).filter(|o| !o.is_empty()) {
            Some(older) if rng.random_bool(OLDER_LOOK_SHARE) => {
                &older[rng.random_range(0..older.len())]
            }
            _ => &self.sprites[class],
        }
    }

    /// Whether the game lets class `class` lie on the floor (a trinket).
    pub fn lies_on_floor(&self, class: usize) -> bool {
        self.lies_on_floor.get(class).copied().unwrap_or(true)
    }

    pub fn classes(&self) -> usize {
        self.sprites.len()
    }

    /// The held-out backgrounds that are whole room renders (not floor crops).
    pub fn held_out_rooms(&self) -> Vec<&RgbImage> {
        self.validation_backgrounds
            .iter()
            .filter(|b| b.width() >= 480)
            .collect()
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

/// Renders one sample at `size`x`size`.
pub fn render(
    assets: &SynthAssets,
    spec: SampleSpec,
    size: u32,
    options: &SynthOptions,
) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    // The box spans `view` game pixels, of which the item's 32 take `fill`: boxes are loose
    // and off-centre.
    let view = options.box_view(&mut rng);
    let margin = 8usize;
    let n = view.ceil() as usize + 2 * margin;
    let mut game = background(assets, spec.split, n, &mut rng);
    let slack = (view - scene::SPRITE as f32).max(0.0);
    let box_x = margin as f32;
    let box_y = margin as f32;
    let item_x = (box_x + slack / 2.0 + rng.random_range(-0.4..=0.4) * slack).round() as i32;
    let item_y = (box_y + slack / 2.0 + rng.random_range(-0.4..=0.4) * slack).round() as i32;
    let centre = (
        item_x as f32 + scene::SPRITE as f32 / 2.0,
        item_y as f32 + scene::SPRITE as f32 / 2.0,
    );

    let in_front = rng.random_bool(0.5);
    let entities = if rng.random_bool(options.entity_share.clamp(0.0, 1.0) as f64) {
        rng.random_range(1..=3)
    } else {
        0
    };
    let props = assets.props(spec.split);
    if !in_front {
        scatter_entities(&props, &mut game, centre, entities, &mut rng);
    }
    let look = ItemLook {
        placement: placement(options, &mut rng),
        glow: rng.random_bool(options.glow_share.clamp(0.0, 1.0) as f64),
    };
    match spec.class {
        Some(class) => {
            let sprite = assets.look(class, &mut rng).clone();
            props.item(&mut game, &sprite, (item_x, item_y), look, &mut rng);
        }
        None => no_item(&props, &mut game, item_x, item_y, look, &mut rng),
    }
    if in_front {
        scatter_entities(&props, &mut game, centre, entities, &mut rng);
    }
    if rng.random_bool(options.dark_share.clamp(0.0, 1.0) as f64) {
        scene::lighting(&mut game, &mut rng);
    }
    capture_box(
        &game,
        (box_x, box_y),
        view,
        spec.style,
        size,
        options,
        &mut rng,
    )
}

/// The capture of a `view`-sided box at `origin` (game pixels) of a game screen: the game
/// scales its screen to the window (2x-4.5x, nearest or smoothed), the box is sampled from
/// that at twice the model's input, then captured (`capture`).
pub fn capture_box(
    game: &Canvas,
    origin: (f32, f32),
    view: f32,
    style: Style,
    size: u32,
    options: &SynthOptions,
    rng: &mut StdRng,
) -> RgbImage {
    let side = size as usize * 2;
    let scale = rng.random_range(2.0..4.5f32);
    let smooth = rng.random_bool(0.6).then_some(scale);
    let canvas = scene::sample_scaled(game, side, side, origin, view / side as f32, smooth);
    capture(canvas, style, size, options, rng)
}

/// Where an item is shown: `pedestal_share` on pedestals, the rest on the floor, in shops
/// and in the HUD.
fn placement(options: &SynthOptions, rng: &mut StdRng) -> Placement {
    if rng.random_bool(options.pedestal_share.clamp(0.0, 1.0) as f64) {
        return Placement::Pedestal;
    }
    match rng.random_range(0..100) {
        0..40 => Placement::Floor,
        40..72 => Placement::Shop,
        _ => Placement::Hud,
    }
}

/// Enemies, pickups, rocks, Isaac and tears around the item, often overlapping the box edge.
fn scatter_entities(
    props: &Props,
    game: &mut Canvas,
    centre: (f32, f32),
    count: usize,
    rng: &mut StdRng,
) {
    for _ in 0..count {
        let thing = props.choose(None, Some(NEAR_ITEM_MAX_SIDE), rng);
        let angle = rng.random_range(0.0..std::f32::consts::TAU);
        let distance = rng.random_range(14.0..34.0) + thing.radius() * 0.5;
        let at = (
            centre.0 + angle.cos() * distance,
            centre.1 + angle.sin() * distance,
        );
        props.draw(game, thing, at, rng);
    }
}

/// What a box holds when it holds no item: an empty altar, a price, the HUD's charge bar,
/// a pickup above its price, an enemy, Isaac, a rock, a shopkeeper, or bare floor.
fn no_item(props: &Props, game: &mut Canvas, x: i32, y: i32, look: ItemLook, rng: &mut StdRng) {
    let cx = x as f32 + scene::SPRITE as f32 / 2.0;
    let cy = y as f32 + scene::SPRITE as f32 / 2.0;
    match rng.random_range(0..6) {
        0 => props.pedestal(game, cx, cy + 8.0, rng),
        1 if look.placement == Placement::Shop => {
            let pickup = props.thing(
                game,
                (cx, cy),
                Some(super::entity_art::Category::Pickups),
                Some(NEAR_ITEM_MAX_SIDE),
                rng,
            );
            let price = pickup_price(rng);
            props.price(game, cx, cy + pickup.radius() + 2.0, price, rng);
        }
        1 | 2 => {
            let what = props.thing(game, (cx, cy), None, None, rng);
            if rng.random_bool(0.5) {
                let price = item_price(rng);
                props.price(game, cx, cy + what.radius().min(20.0) + 2.0, price, rng);
            }
        }
        3 => scatter_entities(props, game, (cx, cy), rng.random_range(2..5), rng),
        _ => {}
    }
}

/// The capture of a scene already on `canvas`: colour, then a screenshot's blur or a phone
/// photo's moire, perspective, glare, white balance and defocus, then noise and JPEG, and the
/// final smooth rescale to the model's `size`. Training crops and validation frames both go
/// through here.
pub fn capture(
    mut canvas: Canvas,
    style: Style,
    size: u32,
    options: &SynthOptions,
    rng: &mut StdRng,
) -> RgbImage {
    if options.colour {
        colour_jitter(&mut canvas, rng, 0.12);
    }
    match style {
        Style::Screenshot => {
            if options.blur && rng.random_bool(0.6) {
                canvas.blur(rng.random_range(0.4..1.8));
            }
        }
        Style::Phone => {
            if options.moire {
                moire(&mut canvas, rng);
            }
            if options.perspective {
                canvas = perspective(&canvas, rng);
            }
            if options.colour {
                glare(&mut canvas, rng);
                colour_cast(&mut canvas, rng);
            }
            if options.blur {
                canvas.blur(rng.random_range(0.6..2.6));
            }
        }
    }
    if options.noise {
        let sigma = match style {
            Style::Screenshot => rng.random_range(0.0..0.02),
            Style::Phone => rng.random_range(0.01..0.06),
        };
        add_noise(&mut canvas, rng, sigma);
    }
    let mut captured = canvas.to_rgb();
    if options.jpeg && rng.random_bool(0.7) {
        let quality = match style {
            Style::Screenshot => rng.random_range(50..95),
            Style::Phone => rng.random_range(30..85),
        };
        captured = jpeg_roundtrip(&captured, quality);
    }
    if captured.dimensions() == (size, size) {
        return captured;
    }
    image::imageops::resize(&captured, size, size, image::imageops::FilterType::Triangle)
}

/// A screen's reflection of a window or lamp: a broad bright wash over part of the photo.
fn glare(c: &mut Canvas, rng: &mut StdRng) {
    if !rng.random_bool(0.35) {
        return;
    }
    let (gx, gy) = (
        rng.random_range(-0.3..1.3f32) * c.w as f32,
        rng.random_range(-0.3..1.3f32) * c.h as f32,
    );
    let reach = rng.random_range(0.3..1.0f32) * c.w as f32;
    let strength = rng.random_range(0.1..0.45f32);
    for y in 0..c.h {
        for x in 0..c.w {
            let d = ((x as f32 - gx).powi(2) + (y as f32 - gy).powi(2)).sqrt() / reach;
            let a = strength * (1.0 - d).max(0.0).powi(2);
            if a > 0.0 {
                c.blend(x, y, [1.0, 1.0, 0.97], a);
            }
        }
    }
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

/// A square of floor at game resolution.
fn background(assets: &SynthAssets, split: Split, side: usize, rng: &mut StdRng) -> Canvas {
    assets
        .random_background(split, side, side, rng)
        .unwrap_or_else(|| procedural_background(side, side, rng, split))
}

impl SynthAssets {
    /// A `w`x`h` floor at game resolution: a real room render of `split` (training rooms also
    /// in other colours: a brown basement turned blue or green still looks like some room),
    /// or now and then a procedural one; None when there are no renders and the draw says so.
    pub fn random_background(
        &self,
        split: Split,
        w: usize,
        h: usize,
        rng: &mut StdRng,
    ) -> Option<Canvas> {
        let pool = match split {
            Split::Train => &self.train_backgrounds,
            Split::Validation => &self.validation_backgrounds,
        };
        if pool.is_empty() || !rng.random_bool(0.75) {
            return Some(procedural_background(w, h, rng, split));
        }
        let img = &pool[rng.random_range(0..pool.len())];
        let order = match split {
            Split::Train if rng.random_bool(0.4) => CHANNEL_ORDERS[rng.random_range(1..6)],
            _ => CHANNEL_ORDERS[0],
        };
        Some(scene::room_patch(img, w, h, order, rng))
    }
}

/// The six orders of the colour channels; the first keeps them.
pub const CHANNEL_ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// Flat, gradient or mottled backgrounds: dark floors, and the light pages and screens phone
/// photos often show. The validation split uses other colour ranges.
fn procedural_background(w: usize, h: usize, rng: &mut StdRng, split: Split) -> Canvas {
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
    let mut c = Canvas::new(w, h);
    let side = w.max(h);
    let gx = rng.random_range(-0.15f32..0.15);
    let gy = rng.random_range(-0.15f32..0.15);
    let blotch = rng.random_range(0.0f32..0.12);
    let fx = rng.random_range(0.05f32..0.3);
    let fy = rng.random_range(0.05f32..0.3);
    let phase = rng.random_range(0.0f32..6.3);
    // The blotches are separable: one sine per column and one cosine per row.
    let column: Vec<f32> = (0..w).map(|x| (x as f32 * fx + phase).sin()).collect();
    let row: Vec<f32> = (0..h).map(|y| (y as f32 * fy).cos()).collect();
    for (y, (line, r)) in c.px.chunks_mut(w).zip(&row).enumerate() {
        for (x, (p, col)) in line.iter_mut().zip(&column).enumerate() {
            let (u, v) = (x as f32 / side as f32 - 0.5, y as f32 / side as f32 - 0.5);
            let shade = 1.0 + gx * u + gy * v + blotch * col * r;
            let jitter = rng.random_range(-0.02f32..0.02);
            *p = base.map(|b| b * shade + jitter);
        }
    }
    c
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
    let period = rng.random_range(1.4..5.0f32);
    let angle = rng.random_range(-1.2..1.2f32);
    let strength = rng.random_range(0.03..0.25f32);
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

pub(crate) fn jpeg_roundtrip(img: &RgbImage, quality: u8) -> RgbImage {
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

    /// An item with older art is drawn in one of those looks about a third of the time, and
    /// an item without in its own always.
    #[test]
    fn older_looks_are_drawn_as_the_same_class() {
        let sprite = |c: u8| RgbaImage::from_pixel(32, 32, image::Rgba([c, 0, 0, 255]));
        let assets = SynthAssets::from_sprites(vec![sprite(10), sprite(20)])
            .with_older(vec![vec![sprite(200), sprite(210)], Vec::new()]);
        let mut rng = StdRng::seed_from_u64(7);
        let n = 1000;
        let older = (0..n)
            .filter(|_| assets.look(0, &mut rng)[(0, 0)][0] >= 200)
            .count();
        let share = older as f64 / n as f64;
        assert!(
            (OLDER_LOOK_SHARE - 0.05..OLDER_LOOK_SHARE + 0.05).contains(&share),
            "{share}"
        );
        assert!((0..n).all(|_| assets.look(1, &mut rng)[(0, 0)][0] == 20));
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
