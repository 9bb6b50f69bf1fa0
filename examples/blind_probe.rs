//! Development aid: what the scan makes of a Curse of the Blind "?" where an item stands, in
//! held-out real rooms: the finds there (HIDDEN for a hidden item), with a loose scan's, the
//! best mark, altar and price at the spot, and how long looking for marks took.
//! `WIDTH=1920 cargo run --release --example blind_probe -- MODEL_DIR SPRITE.png [FRAMES]`
#[path = "support/data.rs"]
mod data;

use image::RgbaImage;
use isaac_lens::engine::altar::AltarFinder;
use isaac_lens::engine::blind::BlindFinder;
use isaac_lens::engine::checkpoint;
use isaac_lens::engine::frames;
use isaac_lens::engine::price::PriceReader;
use isaac_lens::engine::scan::{ScanOptions, scan};
use isaac_lens::engine::scan_validation::room_layout;
use isaac_lens::engine::scene::ItemLook;
use isaac_lens::engine::synth::Split;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tch::Device;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(model), Some(sprite)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: blind_probe MODEL_DIR SPRITE.png [FRAMES]");
    };
    let count: usize = args.get(3).map_or(Ok(20), |s| s.parse())?;
    tch::set_num_threads(2);
    let (catalog, assets) = data::catalog_and_assets()?;
    let ckpt = checkpoint::load(model.as_ref(), &catalog, Device::Cpu)?;
    let reader = catalog.price_font().map(PriceReader::new);
    let altars = catalog.altars().map(AltarFinder::new);
    let glyph = image::open(sprite)?.to_rgba8();
    let mut padded = RgbaImage::new(32, 32);
    image::imageops::overlay(
        &mut padded,
        &glyph,
        i64::from(16 - glyph.width() / 2),
        i64::from(16 - glyph.height() / 2),
    );
    let blind = catalog.altars().and_then(BlindFinder::new);
    let options = ScanOptions {
        prices: reader.as_ref(),
        altars: altars.as_ref(),
        blind: blind.as_ref(),
        ..ScanOptions::default()
    };
    let loose = ScanOptions {
        propose: 0.02,
        keep: 0.02,
        min_top: 0.0,
        altars: None,
        blind: None,
        ..options
    };
    for i in 0..count {
        let mut rng = StdRng::seed_from_u64(i as u64 * 7 + 1);
        let mut screen = room_layout(&assets, i % 3, &mut rng);
        if screen.items.is_empty() {
            continue;
        }
        let props = assets.props(Split::Validation);
        let g = screen.items[0];
        let look = ItemLook {
            placement: g.placement,
            glow: false,
        };
        props.item(&mut screen.canvas, &padded, (g.x, g.y), look, &mut rng);
        let width: u32 = std::env::var("WIDTH")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(1280);
        let frame = frames::window_of(screen, width, &mut rng);
        let s = frame.scale;
        let [x, y, w, h] = frame.items[0].cell.map(|v| v as f32);
        let (cx, cy) = (x + w / 2.0, y + h / 2.0);
        let img = image::DynamicImage::ImageRgb8(frame.image);
        let near = |f: &isaac_lens::engine::scan::Find| {
            let b = f.bbox;
            let (fx, fy) = (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0);
            (fx - cx).abs() < 16.0 * s && (fy - cy).abs() < 16.0 * s
        };
        let name = |f: &isaac_lens::engine::scan::Find| {
            let Some(p) = f.predictions.first() else {
                return "HIDDEN".to_string();
            };
            format!(
                "{} {:.2}",
                catalog.get(p.key).map_or("?", |i| i.name_en.as_str()),
                p.score
            )
        };
        let strict: Vec<String> = scan(&ckpt, &img, 5, options, Device::Cpu)?
            .iter()
            .filter(|f| near(f))
            .map(name)
            .collect();
        let lax: Vec<String> = scan(&ckpt, &img, 5, loose, Device::Cpu)?
            .iter()
            .filter(|f| near(f))
            .map(name)
            .collect();
        let rgb = img.to_rgb8();
        let Some(area) = isaac_lens::engine::scan::game_area(&rgb) else {
            continue;
        };
        let best = blind.as_ref().map(|b| {
            b.marks_scoring(&rgb, area, [40.0, 40.0, 440.0, 242.0], 0.3)
                .into_iter()
                .filter(|((x, y), _)| (x - cx).abs() < 16.0 * s && (y - cy).abs() < 16.0 * s)
                .map(|(_, r)| r)
                .fold(-1.0f32, f32::max)
        });
        let box_at = isaac_lens::engine::CropBox {
            x: (cx - 24.0 * s) as u32,
            y: (cy - 24.0 * s) as u32,
            w: (48.0 * s) as u32,
            h: (48.0 * s) as u32,
        };
        let started = std::time::Instant::now();
        let n_marks = blind
            .as_ref()
            .map_or(0, |b| b.marks(&rgb, area, [40.0, 40.0, 440.0, 242.0]).len());
        println!(
            "  marks: {n_marks} in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let altar = altars.as_ref().map(|a| a.match_below(&rgb, area, &box_at));
        let price = reader.as_ref().and_then(|r| r.read(&rgb, area, &box_at));
        println!(
            "frame {i} kind {} {:?}: scan {strict:?} loose {lax:?} mark {best:?} altar {altar:?} price {price:?}",
            i % 3,
            g.placement
        );
    }
    Ok(())
}
