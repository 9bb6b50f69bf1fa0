//! Prices read under shop items in held-out real rooms (`room_shots`), against the prices
//! drawn: `cargo run --release --example price_reading -- [SCENES] [--save DIR] [--only N]`
//! (--only: scene N alone, 1280 wide; the data
//! folder's catalog, imported with `--entities`; the shipped model). Each scene is shown at
//! 960, 1280 and 1920 wide; with --save, each frame whose prices were not all read right
//! is written there.
#[path = "support/data.rs"]
mod data;

use isaac_lens::engine::checkpoint;
use isaac_lens::engine::predict::CropBox;
use isaac_lens::engine::price::PriceReader;
use isaac_lens::engine::room_shots::RoomScene;
use isaac_lens::engine::scan::{ScanOptions, game_area, scan};
use tch::Device;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scenes: u64 = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let save = data::flag(&args, "--save");
    tch::set_num_threads(2);
    let (catalog, assets) = data::catalog_and_assets()?;
    let font = catalog
        .price_font()
        .ok_or_else(|| anyhow::anyhow!("the catalog has no price font: import with --entities"))?;
    let reader = PriceReader::new(font);
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    let ckpt = checkpoint::load(&model, &catalog, Device::Cpu)?;
    let options = ScanOptions {
        prices: Some(&reader),
        ..Default::default()
    };
    let (mut priced, mut right, mut missed, mut wrong) = (0, 0, 0, 0);
    let mut read_ms = Vec::new();
    let only: Option<u64> = data::flag(&args, "--only").map(|s| s.parse()).transpose()?;
    let mut invented = 0;
    let mut unpriced = 0;
    for seed in (0..scenes).filter(|s| only.is_none_or(|o| o == *s)) {
        // Shops, and every third scene a treasure or choice room (no price anywhere).
        let kind = [1, 1, 0, 1, 1, 2][seed as usize % 6];
        let Some(scene) = RoomScene::first_with(&assets, kind, 1, seed * 50) else {
            anyhow::bail!("no held-out rooms or art");
        };
        let n = scene.spots().len();
        let items: Vec<Option<usize>> = (0..n)
            .map(|i| Some((seed as usize * 37 + i * 101) % assets.classes()))
            .collect();
        let widths: &[u32] = if only.is_some() {
            &[1280]
        } else {
            &[960, 1280, 1920]
        };
        for &width in widths {
            let (frame, prices) = scene.priced_shot(&assets, &items, None, width);
            let image = image::DynamicImage::ImageRgb8(frame);
            let finds = scan(&ckpt, &image, 1, options, Device::Cpu)?;
            // The reader's own cost, each find read again alone.
            let rgb = image.to_rgb8();
            if let Some(area) = game_area(&rgb) {
                for f in &finds {
                    let start = std::time::Instant::now();
                    std::hint::black_box(reader.read(&rgb, area, &f.bbox));
                    read_ms.push(start.elapsed().as_secs_f64() * 1000.0);
                }
            }
            let mut all_right = true;
            for (spot, price) in scene.spots().iter().zip(&prices) {
                let s = width as f32 / 480.0;
                let (cx, cy) = ((spot.x as f32 + 16.0) * s, (spot.y as f32 + 16.0) * s);
                let Some(price) = price else {
                    unpriced += 1;
                    let read = finds.iter().find(|f| {
                        let b = f.bbox;
                        ((b.x + b.w / 2) as f32 - cx).abs() < 16.0 * s
                            && ((b.y + b.h / 2) as f32 - cy).abs() < 16.0 * s
                    });
                    if let Some(p) = read.and_then(|f| f.price) {
                        invented += 1;
                        all_right = false;
                        println!("scene {seed} width {width}: no price drawn, read {p:?}");
                    }
                    continue;
                };
                priced += 1;
                let find = finds.iter().find(|f| {
                    let b = f.bbox;
                    ((b.x + b.w / 2) as f32 - cx).abs() < 16.0 * s
                        && ((b.y + b.h / 2) as f32 - cy).abs() < 16.0 * s
                });
                let read = find.and_then(|f| f.price);
                match read {
                    Some(r) if r == *price => right += 1,
                    Some(r) => {
                        wrong += 1;
                        all_right = false;
                        println!("scene {seed} width {width}: drew {price:?}, read {r:?}");
                    }
                    None => {
                        missed += 1;
                        all_right = false;
                        // Read again at the item's own place: a find whose box sits off the
                        // item looks for its price in the wrong place.
                        let side = (32.0 * s) as u32;
                        let own = game_area(&rgb).and_then(|area| {
                            let b = CropBox {
                                x: (cx as u32).saturating_sub(side / 2),
                                y: (cy as u32).saturating_sub(side / 2),
                                w: side,
                                h: side,
                            };
                            reader.read(&rgb, area, &b)
                        });
                        let off = find.map(|f| {
                            let b = f.bbox;
                            (
                                ((b.x + b.w / 2) as f32 - cx) / s,
                                ((b.y + b.h / 2) as f32 - cy) / s,
                                b.w as f32 / s,
                            )
                        });
                        println!(
                            "scene {seed} width {width}: drew {price:?} at ({cx:.0}, {cy:.0}), read none{}; at the item's place {own:?}; find off by (x, y, side) {off:?}",
                            if find.is_none() {
                                " (item not found)"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            if let (false, Some(dir)) = (all_right, save) {
                std::fs::create_dir_all(dir)?;
                image.save(format!("{dir}/scene{seed:02}_{width}.png"))?;
            }
        }
    }
    println!(
        "prices drawn {priced}: read right {right} ({:.1}%), wrong {wrong}, missed {missed}",
        right as f64 * 100.0 / priced.max(1) as f64
    );
    println!("items not for sale {unpriced}: a price read under {invented}");
    read_ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        read_ms
            .get(((read_ms.len() as f64 - 1.0) * q) as usize)
            .copied()
    };
    println!(
        "reading one find's price: median {:.2} ms, 90th percentile {:.2} ms over {} finds",
        at(0.5).unwrap_or(f64::NAN),
        at(0.9).unwrap_or(f64::NAN),
        read_ms.len()
    );
    Ok(())
}
